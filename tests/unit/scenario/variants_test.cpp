// `variants:` (one scenario run against several template sets, each reported as "name [variant]"),
// expect_frames' `closed:`, and the invocation journal behind GET /_fogbank/lambda/invocations.

#include "fogbank/main/temporary_directory.hpp"
#include "fogbank/scenario/journal.hpp"
#include "fogbank/scenario/runner.hpp"

#include "load_error_of.hpp"
#include "model.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <string>

namespace fogbank::scenario {
namespace {

TEST(ScenarioVariants, EachVariantIsTheScenarioWithItsTemplatesAndParameters) {
  const scenario s = load_text(R"(name: counter
templates: [base.yaml]
parameters: {Stage: dev, Size: "1"}
variants:
  - {name: node, templates: [node/template.yaml]}
  - {name: big, parameters: {Size: "9"}}
steps:
  - settle
)",
                               "/x/s.yaml");
  ASSERT_EQ(s.variants.size(), 2u);
  EXPECT_EQ(s.variants[0].where.line, 5);
  const std::vector<scenario> runs = expand_variants(s);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].name, "counter [node]");
  EXPECT_EQ(runs[0].templates, (std::vector<std::filesystem::path>{"/x/node/template.yaml"}));
  EXPECT_EQ(runs[0].parameters, (std::map<std::string, std::string>{{"Size", "1"}, {"Stage", "dev"}}));
  EXPECT_EQ(runs[1].name, "counter [big]");
  EXPECT_EQ(runs[1].templates, (std::vector<std::filesystem::path>{"/x/base.yaml"}));
  EXPECT_EQ(runs[1].parameters, (std::map<std::string, std::string>{{"Size", "9"}, {"Stage", "dev"}}));
  EXPECT_TRUE(runs[1].variants.empty());
  EXPECT_EQ(runs[1].steps.size(), 1u);
  // Without variants: the scenario itself, once.
  const std::vector<scenario> one = expand_variants(load_text("name: plain\nsteps: []\n", "s.yaml"));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].name, "plain");
}

TEST(ScenarioVariants, MalformedVariantsNameLineColumnAndWhatWasExpected) {
  struct bad_case {
    const char* text;
    int line;
    int column;
    const char* message;
  };
  const bad_case cases[] = {
      {"variants: []\nsteps: []\n", 1, 11, "a non-empty list of {name, templates, parameters}"},
      {"variants: {a: b}\nsteps: []\n", 1, 11, "a non-empty list"},
      {"variants: [x]\nsteps: []\n", 1, 12, "expected a variant {name, templates, parameters} (a mapping)"},
      {"variants: [{templates: [a.yaml]}]\nsteps: []\n", 1, 12, "missing 'name'"},
      {"variants: [{name: a}]\nsteps: []\n", 1, 12, "expected 'templates' or 'parameters' in variant 'a'"},
      {"variants: [{name: a, seed: 1}]\nsteps: []\n", 1, 22, "unknown key 'seed' in a variant"},
      {"variants: [{name: a, parameters: {X: y}}, {name: a, parameters: {X: z}}]\nsteps: []\n", 1, 50,
       "a second variant named 'a'"},
      {"variants: [{name: a, templates: b.yaml}]\nsteps: []\n", 1, 33, "expected a list of template files"},
      {"steps:\n  - expect_frames: {client: a, frames: [], closed: 5}\n", 2, 52,
       "expected the close code the server sent (1000 to 4999)"},
  };
  for (const bad_case& c : cases) {
    const load_error e = error_of(c.text);
    EXPECT_EQ(e.where().line, c.line) << c.text << "\n" << e.what();
    EXPECT_EQ(e.where().column, c.column) << c.text << "\n" << e.what();
    EXPECT_NE(e.message().find(c.message), std::string::npos)
        << c.text << "\nexpected: " << c.message << "\nactual: " << e.what();
  }
  std::string many = "variants:\n";
  for (int i = 0; i < 17; ++i) many += "  - {name: v" + std::to_string(i) + ", parameters: {X: y}}\n";
  const load_error e = error_of(many + "steps: []\n");
  EXPECT_NE(e.message().find("at most 16 variants, found 17"), std::string::npos) << e.what();
}

TEST(ScenarioVariants, ClosedIsReadIntoTheFramesStep) {
  const scenario s =
      load_text("steps:\n  - expect_frames: {client: a, frames: [bye], closed: 1000}\n", "s.yaml");
  ASSERT_EQ(s.steps.size(), 1u);
  EXPECT_EQ(std::get<frames_step>(s.steps[0].action).closed, 1000);
}

// Two variants over one C++ app (handlers/cpp echo.handler with a GREETING from a parameter),
// run and reported one by one; a variant that fails fails alone.
TEST(ScenarioVariants, RunVariantsGivesOneResultPerVariant) {
  temporary_directory dir;
  std::string error;
  ASSERT_TRUE(dir.make("fogbank-variants-test-", "the scenario", &error)) << error;
  std::ofstream(dir.path() / "template.yaml") << R"(Transform: AWS::Serverless-2016-10-31
Parameters:
  Greeting: {Type: String}
Resources:
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: echo
      Runtime: provided.al2023
      Handler: echo.handler
      CodeUri: .
      Environment: {Variables: {GREETING: !Ref Greeting}}
)";
  std::ofstream(dir.path() / "s.yaml") << R"(name: greeting
templates: [template.yaml]
variants:
  - {name: hello, parameters: {Greeting: hello}}
  - {name: hi, parameters: {Greeting: hi}}
steps:
  # Payload: "{}" in base64, as the in-process client takes a blob.
  - call: {service: lambda, action: Invoke, input: {FunctionName: echo, Payload: e30=}}
  - expect_invocations: {function: echo, count: 1, errors: 0}
    capture: {greeting: /0/result/greeting}
  - call: {service: dynamodb, action: ListTables, input: {}}
    expect: {TableNames: ["{{greeting}}"]}
)";
  run_options options;
  const std::vector<scenario_result> results = run_variants(dir.path() / "s.yaml", options);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].name, "greeting [hello]");
  EXPECT_EQ(results[1].name, "greeting [hi]");
  // No table is named after either greeting: both fail, each at the same step with its own value.
  for (const scenario_result& r : results) {
    EXPECT_FALSE(r.passed);
    EXPECT_NE(r.failure.find("step 3 (call)"), std::string::npos) << r.failure;
  }
  EXPECT_NE(results[0].failure.find("\"hello\""), std::string::npos) << results[0].failure;
  EXPECT_NE(results[1].failure.find("\"hi\""), std::string::npos) << results[1].failure;
  // run_file: the variants as one result.
  const scenario_result all = run_file(dir.path() / "s.yaml", options);
  EXPECT_FALSE(all.passed);
  EXPECT_EQ(all.name, "greeting");
  EXPECT_NE(all.failure.find("greeting [hi]: step 3"), std::string::npos) << all.failure;
}

TEST(InvocationJournal, KeepsTheLastInvocationsWithTheirRunningIndex) {
  invocation_journal journal;
  for (std::size_t i = 0; i < invocation_journal::max_entries + 5; ++i) {
    journal.record("f" + std::to_string(i % 2), R"({"n":)" + std::to_string(i) + "}", "success", "not json");
  }
  const nlohmann::json snapshot = journal.snapshot();
  EXPECT_EQ(snapshot["total"], invocation_journal::max_entries + 5);
  const nlohmann::json& list = snapshot["invocations"];
  ASSERT_EQ(list.size(), invocation_journal::max_entries);
  EXPECT_EQ(list[0], (nlohmann::json{{"index", 5},
                                     {"function", "f1"},
                                     {"event", {{"n", 5}}},
                                     {"outcome", "success"},
                                     {"result", "not json"}}));
  EXPECT_EQ(list.back()["index"], invocation_journal::max_entries + 4);
}

TEST(InvocationJournal, BoundedByBytesToo) {
  invocation_journal journal;
  const std::string big(invocation_journal::max_bytes / 3, 'x');
  for (int i = 0; i < 4; ++i) journal.record("f", big, "success", "");
  const nlohmann::json snapshot = journal.snapshot();
  EXPECT_EQ(snapshot["total"], 4);
  ASSERT_EQ(snapshot["invocations"].size(), 3u);
  EXPECT_EQ(snapshot["invocations"][0]["index"], 1);
}

}  // namespace
}  // namespace fogbank::scenario
