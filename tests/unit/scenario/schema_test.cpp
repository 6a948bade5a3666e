// emulator/scenario/scenario.schema.json against the loader: the schema is valid JSON, and its
// step kinds are the loader's, so that editors never offer a step the runner refuses (or miss one
// it takes). Its fuller structure is left to editors; no JSON Schema validator is linked.

#include "model.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

namespace fogbank::scenario {
namespace {

// The schema in the source tree: next to this file's tree when __FILE__ is absolute, else found by
// walking up from the working directory (ctest runs the test inside the build tree).
std::filesystem::path schema_path() {
  const std::filesystem::path relative = "emulator/scenario/scenario.schema.json";
  const std::filesystem::path source = __FILE__;
  if (source.is_absolute()) {
    const auto root = source.parent_path().parent_path().parent_path().parent_path();
    if (std::filesystem::exists(root / relative)) return root / relative;
  }
  for (auto dir = std::filesystem::current_path(); !dir.empty(); dir = dir.parent_path()) {
    if (std::filesystem::exists(dir / relative)) return dir / relative;
    if (dir == dir.parent_path()) break;
  }
  return relative;
}

TEST(ScenarioSchema, IsValidJsonAndListsTheLoadersStepKinds) {
  const std::filesystem::path path = schema_path();
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot read " << path;
  const nlohmann::json schema = nlohmann::json::parse(in, nullptr, false);
  ASSERT_FALSE(schema.is_discarded()) << path << " is not valid JSON";
  ASSERT_TRUE(schema.contains("/$defs/step/oneOf"_json_pointer)) << schema.dump(2).substr(0, 400);
  std::set<std::string> kinds;
  for (const nlohmann::json& option : schema.at("/$defs/step/oneOf"_json_pointer)) {
    if (option.contains("const")) kinds.insert(option.at("const").get<std::string>());
    // An object step requires exactly its kind.
    if (option.contains("required")) {
      ASSERT_EQ(option.at("required").size(), 1u) << option.dump();
      kinds.insert(option.at("required")[0].get<std::string>());
    }
  }
  EXPECT_EQ(kinds, step_kinds());
  // The top-level keys too: the loader refuses any other.
  std::set<std::string> top;
  for (const auto& [key, value] : schema.at("properties").items()) top.insert(key);
  EXPECT_EQ(top, (std::set<std::string>{"name", "description", "templates", "parameters", "seed", "data",
                                        "steps", "variants"}));
}

}  // namespace
}  // namespace fogbank::scenario
