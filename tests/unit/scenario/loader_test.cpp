// The scenario loader: typed steps from YAML, and errors that name file:line:column and what was
// expected there.

#include "load_error_of.hpp"
#include "model.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace fogbank::scenario {
namespace {

using namespace std::chrono_literals;

TEST(ScenarioLoader, ReadsEveryStepKind) {
  const scenario s = load_text(R"(name: all
templates: [app/template.yaml]
seed: 9
steps:
  - call: {service: dynamodb, action: GetItem, input: {TableName: t}}
    expect: {Item: {n: {N: "1"}}}
    match: exact
    capture: {n: /Item/n/N}
  - call: {service: sqs, action: GetQueueUrl, input: {QueueName: q}}
    expect_error: QueueDoesNotExist
  - connect: {client: a, api: Api, stage: dev, query: {user: ann}, headers: {X-One: "1"}, expect_status: 401}
  - send: {client: a, message: {action: hi}}
  - disconnect: a
  - drop: {client: b}
  - advance: 1m30s
  - settle
  - expect_frames: {client: a, frames: [hello, {n: 1}], order: set}
)",
                               "/x/s.yaml");
  EXPECT_EQ(s.name, "all");
  EXPECT_EQ(s.seed, 9u);
  ASSERT_EQ(s.templates.size(), 1u);
  EXPECT_EQ(s.templates[0], std::filesystem::path("/x/app/template.yaml"));
  ASSERT_EQ(s.steps.size(), 9u);
  const auto& call = std::get<call_step>(s.steps[0].action);
  EXPECT_EQ(call.action, "GetItem");
  ASSERT_TRUE(call.expect.has_value());
  EXPECT_EQ(call.expect->mode, match_mode::exact);
  EXPECT_EQ(call.expect->value, json::parse(R"({"Item":{"n":{"N":"1"}}})"));
  EXPECT_EQ(s.steps[0].captures, (std::vector<std::pair<std::string, std::string>>{{"n", "/Item/n/N"}}));
  EXPECT_EQ(s.steps[0].where.line, 5);
  EXPECT_EQ(s.steps[0].where.column, 5);
  EXPECT_EQ(std::get<call_step>(s.steps[1].action).expect_error, (json{{"type", "QueueDoesNotExist"}}));
  const auto& connect = std::get<connect_step>(s.steps[2].action);
  EXPECT_EQ(connect.query, (json{{"user", "ann"}}));
  EXPECT_EQ(connect.expect_status, 401);
  EXPECT_EQ(std::get<send_step>(s.steps[3].action).message, (json{{"action", "hi"}}));
  EXPECT_FALSE(std::get<close_step>(s.steps[4].action).drop);
  EXPECT_TRUE(std::get<close_step>(s.steps[5].action).drop);
  EXPECT_EQ(std::get<advance_step>(s.steps[6].action).by, 90s);
  EXPECT_TRUE(std::holds_alternative<settle_step>(s.steps[7].action));
  const auto& frames = std::get<frames_step>(s.steps[8].action);
  EXPECT_FALSE(frames.in_order);
  EXPECT_EQ(frames.frames, (std::vector<json>{"hello", {{"n", 1}}}));
}

TEST(ScenarioLoader, PlainScalarsAreTypedAndQuotedOnesStayStrings) {
  const scenario s = load_text(
      "steps:\n  - call: {service: s, action: A, input: {a: 1, b: \"1\", c: true, d: ~, e: 1.5, f: x}}\n",
      "s.yaml");
  EXPECT_EQ(std::get<call_step>(s.steps[0].action).input,
            json::parse(R"({"a":1,"b":"1","c":true,"d":null,"e":1.5,"f":"x"})"));
  EXPECT_EQ(s.name, "s");  // the file's stem when there is no name
}

struct bad_case {
  const char* text;
  int line;
  int column;
  const char* message;  // a part of the message
};

TEST(ScenarioLoader, ErrorsNameLineColumnAndWhatWasExpected) {
  const bad_case cases[] = {
      {"steps: [\n", 2, 1, "invalid YAML"},
      {"- a\n", 1, 1, "expected a scenario {name, templates, seed, steps} (a mapping), found a list"},
      {"name: x\n", 1, 1, "missing 'steps'"},
      {"steps: {}\n", 1, 8, "expected 'steps' to be a list"},
      {"stepz: []\n", 1, 1, "unknown key 'stepz' in a scenario; expected one of: data, description, name"},
      {"steps:\n  - wait: 3\n", 2, 5, "expected one of: advance, call, connect"},
      {"steps:\n  - settle\n  - advance: soon\n", 3, 14, "expected a duration such as 30s"},
      {"steps:\n  - call: {service: dynamodb}\n", 2, 11,
       "missing 'action' (an operation name such as PutItem)"},
      {"steps:\n  - call: {service: d, action: A, input: [1]}\n", 2, 42, "expected the call's input"},
      {"steps:\n  - call: {service: d, action: A}\n    matsh: exact\n", 3, 5,
       "unknown key 'matsh' in a call step"},
      {"steps:\n  - call: {service: d, action: A}\n    expect: {}\n    match: most\n", 4, 12,
       "expected 'subset' or 'exact', found 'most'"},
      {"steps:\n  - connect: {client: a, stage: dev}\n", 2, 14, "missing 'api'"},
      {"steps:\n  - expect_frames: {client: a, frames: x}\n", 2, 40, "expected 'frames' to be a list"},
      {"steps:\n  - expect_frames: {client: a, frames: [], order: random}\n", 2, 51,
       "expected 'exact' or 'set'"},
      {"steps:\n  - call: {service: d, action: A}\n    capture: {x: Item}\n", 3, 18,
       "JSON pointer starting with '/'"},
      {"seed: -3\nsteps: []\n", 1, 7, "non-negative integer seed"},
      {"steps:\n  - settle\n  - sleep\n", 3, 5, "found 'sleep'"},
      {"steps:\n  - {send: {client: a, message: x}, drop: a}\n", 2, 37, "a step has one kind"},
      {"steps:\n  - expect_queue: {queue: q}\n", 2, 19,
       "expected at least one of visible, in_flight, delayed"},
      {"steps:\n  - expect_queue: {queue: q, visible: -1}\n", 2, 39,
       "expected the visible messages (a count"},
      {"steps:\n  - expect_invocations: {function: f, count: 2, events: [{}]}\n", 2, 46,
       "'count' differs from the number of 'events'"},
      {"steps:\n  - expect_invocations: {function: f}\n", 2, 25,
       "expected at least one of count, events, errors"},
      {"steps:\n  - expect_logs: {function: f}\n", 2, 18, "missing 'contains'"},
      {"steps:\n  - expect_stream_records: {table: t}\n", 2, 28, "expected at least one of count, records"},
      {"steps:\n  - expect_stream_records: {count: 1}\n", 2, 28, "missing 'table'"},
      {"steps:\n  - expect_stream_records: {table: t, count: 2, records: [{}]}\n", 2, 46,
       "'count' differs from the number of 'records'"},
      {"data: [{table: t}]\nsteps: []\n", 1, 8, "missing 'items' or 'file'"},
      {"data: [{table: t, items: [], file: x.json}]\nsteps: []\n", 1, 36, "either 'items' or 'file'"},
      {"data: [{table: t, file: nowhere.json}]\nsteps: []\n", 1, 25, "cannot read nowhere.json"},
      {"data: [{table: t, items: [1]}]\nsteps: []\n", 1, 26, "expected every item to be an object"},
      {"data: [{table: t, items: [], format: xml}]\nsteps: []\n", 1, 38,
       "expected 'auto', 'dynamodb' or 'plain'"},
      {"steps:\n  - call: {service: d, action: A}\n    expect: {x: {NULL: true}}\n", 3, 18, "quote it"},
  };
  for (const bad_case& c : cases) {
    const load_error e = error_of(c.text);
    EXPECT_EQ(e.where().file, "s.yaml");
    EXPECT_EQ(e.where().line, c.line) << c.text << "\n" << e.what();
    EXPECT_EQ(e.where().column, c.column) << c.text << "\n" << e.what();
    EXPECT_NE(e.message().find(c.message), std::string::npos)
        << c.text << "\nexpected: " << c.message << "\nactual: " << e.what();
    EXPECT_EQ(std::string(e.what()).rfind(
                  "s.yaml:" + std::to_string(c.line) + ":" + std::to_string(c.column) + ": ", 0),
              0u)
        << e.what();
  }
}

TEST(ScenarioLoader, FixtureItemsInPlainJsonBecomeAttributeValues) {
  const nlohmann::json plain = {{"id", "a"},       {"n", 1.5},      {"on", false},
                                {"none", nullptr}, {"l", {1, "x"}}, {"m", {{"k", "v"}}}};
  const auto converted = to_dynamodb_item(plain, "auto");
  ASSERT_TRUE(converted);
  EXPECT_EQ(*converted, nlohmann::json::parse(R"({"id": {"S": "a"}, "n": {"N": "1.5"}, "on": {"BOOL": false},
      "none": {"NULL": true}, "l": {"L": [{"N": "1"}, {"S": "x"}]}, "m": {"M": {"k": {"S": "v"}}}})"));
  // Already in AWS's shape: as it is; "plain" converts even that.
  const nlohmann::json aws = {{"id", {{"S", "a"}}}};
  EXPECT_EQ(to_dynamodb_item(aws, "auto"), aws);
  EXPECT_EQ(to_dynamodb_item(aws, "plain"), nlohmann::json::parse(R"({"id": {"M": {"S": {"S": "a"}}}})"));
  // Nested deeper than DynamoDB allows: refused, not a stack overflow.
  nlohmann::json deep = "x";
  for (int i = 0; i < 100; ++i) deep = nlohmann::json{{"d", deep}};
  EXPECT_FALSE(to_dynamodb_item(deep, "auto"));
}

TEST(ScenarioLoader, DeeplyNestedValuesAreRefusedBeforeTheStackRunsOut) {
  std::string deep = "steps:\n  - call: {service: d, action: A, input: {a: ";
  for (int i = 0; i < 200; ++i) deep += "[";
  for (int i = 0; i < 200; ++i) deep += "]";
  deep += "}}\n";
  const load_error e = error_of(deep);
  EXPECT_NE(e.message().find("nested at most 64 levels"), std::string::npos) << e.what();
}

TEST(ScenarioLoader, Durations) {
  EXPECT_EQ(parse_duration("30s"), std::chrono::nanoseconds(30s));
  EXPECT_EQ(parse_duration("500ms"), std::chrono::nanoseconds(500ms));
  EXPECT_EQ(parse_duration("2h5m"), std::chrono::nanoseconds(2h + 5min));
  EXPECT_FALSE(parse_duration(""));
  EXPECT_FALSE(parse_duration("30"));
  EXPECT_FALSE(parse_duration("s"));
  EXPECT_FALSE(parse_duration("5d"));
  EXPECT_FALSE(parse_duration("9999999h"));
}

}  // namespace
}  // namespace fogbank::scenario
