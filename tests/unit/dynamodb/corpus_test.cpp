// The DynamoDB request -> response corpus (tests/corpus/dynamodb/*.json, each case citing where
// AWS's answer is written down), run in process through the client every in-process caller uses.
// tests/e2e/test_dynamodb_corpus.py sends the same cases over HTTP: both paths must answer as AWS
// does. The format is in tests/corpus/README.md.

#include "service_fixture.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace fogbank::dynamodb {
namespace {

using nlohmann::json;

const std::filesystem::path corpus_dir{FOGBANK_CORPUS_DIR};

std::vector<std::string> corpus_files() {
  std::vector<std::string> files;
  // None (no folder): no test is instantiated, which GoogleTest reports as a failure.
  if (!std::filesystem::is_directory(corpus_dir)) return files;
  for (const auto& entry : std::filesystem::directory_iterator(corpus_dir)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// `value` with every string and every object key that is a placeholder ("$table", "$table2")
// replaced by that case's table name, and every {"$repeat": text, "times": n} by the text n times.
json corpus_with_tables(const json& value, const std::map<std::string, std::string>& names) {
  if (value.is_object() && value.contains("$repeat")) {
    std::string repeated;
    const std::string text = value.at("$repeat").get<std::string>();
    for (std::int64_t i = 0; i < value.at("times").get<std::int64_t>(); ++i) repeated += text;
    return repeated;
  }
  if (value.is_string()) {
    const auto it = names.find(value.get<std::string>());
    return it == names.end() ? value : json(it->second);
  }
  if (value.is_array()) {
    json out = json::array();
    for (const json& element : value) out.push_back(corpus_with_tables(element, names));
    return out;
  }
  if (value.is_object()) {
    json out = json::object();
    for (const auto& [key, member] : value.items()) {
      const auto it = names.find(key);
      out[it == names.end() ? key : it->second] = corpus_with_tables(member, names);
    }
    return out;
  }
  return value;
}

// Whether every top-level member `expected` names is in `actual` with an equal value (compared
// whole, as the HTTP runner compares them).
bool corpus_subset(const json& actual, const json& expected) {
  if (!actual.is_object()) return false;
  for (const auto& [key, member] : expected.items()) {
    if (!actual.contains(key) || actual[key] != member) return false;
  }
  return true;
}

class DynamoDbCorpus : public test::service_fixture, public ::testing::WithParamInterface<std::string> {};

TEST_P(DynamoDbCorpus, AnswersAsAwsDoes) {
  std::ifstream in(corpus_dir / GetParam());
  ASSERT_TRUE(in) << corpus_dir / GetParam();
  const json file = json::parse(in);
  ASSERT_FALSE(file.at("cases").empty());
  int number = 0;
  for (const json& c : file.at("cases")) {
    const std::string name = c.at("name").get<std::string>();
    SCOPED_TRACE(name + " (" + c.value("source", std::string("no source")) + ")");
    ++number;
    const std::map<std::string, std::string> tables{{"$table", "corpus-" + std::to_string(number)},
                                                    {"$table2", "corpus-" + std::to_string(number) + "-b"}};
    bool set_up = true;
    for (const json& step : c.value("setup", json::array())) {
      const std::string outcome =
          error_of(step.at("operation").get<std::string>(), corpus_with_tables(step.at("request"), tables));
      EXPECT_EQ(outcome, "no error") << "setup " << step.at("operation");
      set_up = set_up && outcome == "no error";
    }
    if (!set_up) continue;
    const core::call_result result = emulator_->client().call(
        "dynamodb", c.at("operation").get<std::string>(), corpus_with_tables(c.at("request"), tables));
    const json& expect = c.at("expect");
    if (expect.contains("error")) {
      if (!result.error) {
        ADD_FAILURE() << "expected " << expect.dump() << "\nactual   " << result.body.dump();
        continue;
      }
      EXPECT_EQ(std::string(result.error->name()), expect.at("error").get<std::string>());
      EXPECT_EQ(result.error->http_status(), expect.value("status", 400));
      if (expect.contains("body")) {
        for (const auto& [member, value] : expect.at("body").items()) {
          EXPECT_EQ(result.error->extra().value(member, json()), value) << member;
        }
      }
      if (expect.contains("message")) {
        EXPECT_EQ(result.error->message(), expect.at("message").get<std::string>());
      }
      if (expect.contains("message_contains")) {
        EXPECT_NE(result.error->message().find(expect.at("message_contains").get<std::string>()),
                  std::string::npos)
            << "expected a message containing " << expect.at("message_contains") << "\nactual   "
            << result.error->message();
      }
    } else {
      if (result.error) {
        ADD_FAILURE() << "expected " << expect.dump() << "\nactual   " << result.error->name() << ": "
                      << result.error->message();
        continue;
      }
      const json expected = corpus_with_tables(expect.value("response", json::object()), tables);
      EXPECT_TRUE(corpus_subset(result.body, expected))
          << "expected " << expected.dump() << "\nactual   " << result.body.dump();
      for (const json& member : expect.value("absent", json::array())) {
        EXPECT_FALSE(result.body.contains(member.get<std::string>()))
            << member << " in " << result.body.dump();
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Files, DynamoDbCorpus, ::testing::ValuesIn(corpus_files()),
                         [](const ::testing::TestParamInfo<std::string>& file) {
                           std::string name = std::filesystem::path(file.param).stem().string();
                           std::replace_if(
                               name.begin(), name.end(),
                               [](char ch) { return !std::isalnum(static_cast<unsigned char>(ch)); }, '_');
                           return name;
                         });

}  // namespace
}  // namespace fogbank::dynamodb
