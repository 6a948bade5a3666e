// The record of what a stack's loads created, on disk: a journal line per resource as it is made,
// the record rewritten whole once per load, and what a load after a kill finds there.

#include "state.hpp"
#include "emulator_calls.hpp"
#include "template_fixture.hpp"

#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace fogbank::templates::testing {
namespace {

// Generated names (no QueueName, no TableName): a load that did not find the record of what an
// earlier one made would make them again under other names (another seed).
const std::string three = R"(Resources:
  Jobs: {Type: AWS::SQS::Queue}
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
      BillingMode: PAY_PER_REQUEST
  Late:
    Type: AWS::SQS::Queue
    DependsOn: [Jobs, Orders]
)";

// What a kill -9 does to a load, as far as the record is concerned: the load stops where it is,
// nothing is rolled back and nothing more is written.
struct killed {};

// Runs calls on an emulator; throws `killed` instead of making create call number `kill_at`.
struct killing_runner final : call_runner {
  const emulator& e;
  int kill_at;
  int creates = 0;
  killing_runner(const emulator& em, int at) : e(em), kill_at(at) {}
  core::call_result call(const std::string& service, const std::string& operation,
                         const json& request) override {
    if (operation.starts_with("Create") && ++creates == kill_at) throw killed{};
    return e.client().call(service, operation, request);
  }
};

std::string read_all(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class TemplateState : public ::testing::Test {
 protected:
  std::filesystem::path record() const { return data / "templates" / "app.json"; }
  std::filesystem::path journal() const { return data / "templates" / "app.journal"; }

  load_result run(call_runner& runner, std::uint64_t seed) {
    const read_text t(three, dir.path() / "app.yaml");
    stack_state state = stack_state::load(data, "app");
    plan_options options;
    options.seed = seed;
    const stack_plan plan = plan_text(t, options, state);
    return execute_plan(t.source, plan, runner, state, nullptr);
  }

  static std::set<std::string> names(const emulator& e) {
    std::set<std::string> out;
    const json queues = must(e, "sqs", "ListQueues", json::object());
    for (const json& url : queues.value("QueueUrls", json::array())) out.insert(url.get<std::string>());
    const json tables = must(e, "dynamodb", "ListTables", json::object());
    for (const json& table : tables["TableNames"]) out.insert(table.get<std::string>());
    return out;
  }

  static resource_action action(const load_result& result, const std::string& logical_id) {
    for (const resource_outcome& r : result.resources) {
      if (r.logical_id == logical_id) return r.action;
    }
    ADD_FAILURE() << "no outcome for " << logical_id;
    return resource_action::ignored;
  }

  temp_dir dir;
  std::filesystem::path data = dir.path() / "data";
};

TEST_F(TemplateState, EachResourceIsAJournalLineAndTheRecordIsWrittenOnce) {
  stack_state state = stack_state::load(data, "app");
  EXPECT_TRUE(state.put("A", {"AWS::SQS::Queue", "a", {{"n", 1}}, json::object()}));
  state.append("A");
  EXPECT_TRUE(state.put("B", {"AWS::SQS::Queue", "b\nwith a newline", json::object(), json::object()}));
  state.append("B");
  EXPECT_FALSE(std::filesystem::exists(record()));
  EXPECT_EQ(stack_state::load(data, "app").resources(), state.resources());
  // The same record again is nothing to write.
  EXPECT_FALSE(state.put("A", {"AWS::SQS::Queue", "a", {{"n", 1}}, json::object()}));
  state.save();
  EXPECT_TRUE(std::filesystem::exists(record()));
  EXPECT_FALSE(std::filesystem::exists(journal()));
  EXPECT_EQ(stack_state::load(data, "app").resources(), state.resources());
}

TEST_F(TemplateState, ATornLastLineOfTheJournalIsIgnoredAndWrittenOver) {
  stack_state state = stack_state::load(data, "app");
  state.put("A", {"AWS::SQS::Queue", "a", json::object(), json::object()});
  state.append("A");
  state.put("B", {"AWS::SQS::Queue", "b", json::object(), json::object()});
  state.append("B");
  const auto complete = state.resources();
  // A kill in the middle of the third line.
  std::ofstream(journal(), std::ios::binary | std::ios::app)
      << R"({"logical_id":"Torn","physical_id":"c","properties":{},"requ)";

  stack_state after = stack_state::load(data, "app");
  EXPECT_EQ(after.resources(), complete);
  after.put("D", {"AWS::SQS::Queue", "d", json::object(), json::object()});
  after.append("D");
  const std::string text = read_all(journal());
  EXPECT_EQ(text.find("Torn"), std::string::npos) << text;
  const stack_state again = stack_state::load(data, "app");
  EXPECT_EQ(again.logical_ids(), (std::vector<std::string>{"A", "B", "D"}));
}

TEST_F(TemplateState, ADamagedCompleteLineIsAnError) {
  stack_state state = stack_state::load(data, "app");
  state.put("A", {"AWS::SQS::Queue", "a", json::object(), json::object()});
  state.append("A");
  std::ofstream(journal(), std::ios::binary | std::ios::app) << "{\"logical_id\": 1}\n";
  const template_error error = error_of([&] { stack_state::load(data, "app"); });
  EXPECT_NE(error.reason().find("journal"), std::string::npos) << error.reason();
}

// A kill after the record was rewritten and before the journal was removed leaves a journal the
// record already holds; its lines must not bring back what the rewrite dropped.
TEST_F(TemplateState, AJournalOfAnEarlierGenerationIsIgnored) {
  stack_state state = stack_state::load(data, "app");
  state.put("A", {"AWS::SQS::Queue", "a", json::object(), json::object()});
  state.append("A");
  state.put("Gone", {"AWS::SQS::Queue", "gone", json::object(), json::object()});
  state.append("Gone");
  const std::string left_behind = read_all(journal());
  state.erase("Gone");
  state.save();
  std::ofstream(journal(), std::ios::binary) << left_behind;

  stack_state after = stack_state::load(data, "app");
  EXPECT_EQ(after.logical_ids(), (std::vector<std::string>{"A"}));
  // Appending starts the journal afresh rather than after the stale lines.
  after.put("B", {"AWS::SQS::Queue", "b", json::object(), json::object()});
  after.append("B");
  EXPECT_EQ(stack_state::load(data, "app").logical_ids(), (std::vector<std::string>{"A", "B"}));
}

// A load killed after its second resource: a load after the restart (another seed, so other
// generated names) finds the two it made, makes only the third, and nothing is made twice.
TEST_F(TemplateState, ALoadAfterAKilledOneFindsWhatItMade) {
  std::set<std::string> made;
  {
    auto e = open_emulator(data.string(), 1);
    killing_runner runner(*e, 3);
    EXPECT_THROW(run(runner, 1), killed);
    made = names(*e);
    EXPECT_EQ(made.size(), 2u) << ::testing::PrintToString(made);
    EXPECT_TRUE(std::filesystem::exists(journal()));
    EXPECT_EQ(stack_state::load(data, "app").logical_ids(), (std::vector<std::string>{"Jobs", "Orders"}));
  }
  auto e = open_emulator(data.string(), 2);
  killing_runner runner(*e, 0);
  const load_result result = run(runner, 2);
  EXPECT_EQ(action(result, "Jobs"), resource_action::unchanged);
  EXPECT_EQ(action(result, "Orders"), resource_action::unchanged);
  EXPECT_EQ(action(result, "Late"), resource_action::created);
  const std::set<std::string> now = names(*e);
  EXPECT_EQ(now.size(), 3u);
  for (const std::string& name : made) EXPECT_TRUE(now.contains(name)) << name;
  EXPECT_FALSE(std::filesystem::exists(journal()));
  EXPECT_EQ(stack_state::load(data, "app").logical_ids(),
            (std::vector<std::string>{"Jobs", "Late", "Orders"}));
}

// Loading, restarting and loading again: the same resources under the same names, the same
// record, and nothing written the second time (nothing changed).
TEST_F(TemplateState, ALoadAfterARestartFindsTheSameResources) {
  stack_state first;
  std::set<std::string> made;
  {
    auto e = open_emulator(data.string(), 1);
    killing_runner runner(*e, 0);
    const load_result result = run(runner, 1);
    for (const resource_outcome& r : result.resources)
      EXPECT_EQ(r.action, resource_action::created) << r.logical_id;
    made = names(*e);
    first = stack_state::load(data, "app");
  }
  EXPECT_EQ(made.size(), 3u);
  EXPECT_FALSE(std::filesystem::exists(journal()));
  const auto written = std::filesystem::last_write_time(record());
  const std::string text = read_all(record());

  auto e = open_emulator(data.string(), 2);
  killing_runner runner(*e, 0);
  const load_result result = run(runner, 2);
  for (const resource_outcome& r : result.resources)
    EXPECT_EQ(r.action, resource_action::unchanged) << r.logical_id;
  EXPECT_EQ(names(*e), made);
  EXPECT_EQ(stack_state::load(data, "app").resources(), first.resources());
  EXPECT_FALSE(std::filesystem::exists(journal()));
  EXPECT_EQ(std::filesystem::last_write_time(record()), written);
  EXPECT_EQ(read_all(record()), text);
}

}  // namespace
}  // namespace fogbank::templates::testing
