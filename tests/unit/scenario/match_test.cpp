// Matching (subset, exact, frames in order or as a set), `{{capture}}` substitution and the diff a
// failure prints.

#include "match.hpp"

#include <gtest/gtest.h>

namespace fogbank::scenario {
namespace {

json j(const char* text) {
  return json::parse(text);
}

TEST(ScenarioMatch, SubsetIgnoresExtraKeysButNotArrayLengths) {
  EXPECT_FALSE(mismatch(j(R"({"a":{"b":1}})"), j(R"({"a":{"b":1.0,"c":2},"d":3})"), match_mode::subset));
  EXPECT_EQ(mismatch(j(R"({"a":{"b":1}})"), j(R"({"a":{"b":2}})"), match_mode::subset),
            "/a/b: expected 1, found 2");
  EXPECT_EQ(mismatch(j(R"({"a":[1]})"), j(R"({"a":[1,2]})"), match_mode::subset),
            "/a: expected 1 elements, found 2");
  EXPECT_EQ(mismatch(j(R"({"a/b":{"x":1}})"), j(R"({"a/b":{}})"), match_mode::subset),
            "/a~1b: expected key \"x\", which is missing");
  EXPECT_EQ(mismatch(j(R"({"a":"1"})"), j(R"({"a":1})"), match_mode::subset),
            "/a: expected string \"1\", found number 1");
  EXPECT_EQ(mismatch(j("-1"), j("18446744073709551615"), match_mode::subset),
            "/: expected -1, found 18446744073709551615");
  EXPECT_FALSE(mismatch(json(5), j("5"), match_mode::exact));  // signed and unsigned five
}

TEST(ScenarioMatch, ExactRefusesExtraKeys) {
  EXPECT_EQ(mismatch(j(R"({"a":1})"), j(R"({"a":1,"b":2})"), match_mode::exact), "/: unexpected key \"b\"");
  EXPECT_FALSE(mismatch(j(R"({"a":[{"b":1}]})"), j(R"({"a":[{"b":1}]})"), match_mode::exact));
}

TEST(ScenarioMatch, FramesInOrderOrAsASet) {
  const std::vector<std::string> received = {R"({"n":1,"x":0})", "hello"};
  EXPECT_FALSE(frames_mismatch({j(R"({"n":1})"), "hello"}, received, true, match_mode::subset));
  EXPECT_EQ(frames_mismatch({"hello", j(R"({"n":1})")}, received, true, match_mode::subset),
            "frame 1: /: expected \"hello\", found \"{\\\"n\\\":1,\\\"x\\\":0}\"");
  EXPECT_FALSE(frames_mismatch({"hello", j(R"({"n":1})")}, received, false, match_mode::subset));
  EXPECT_EQ(frames_mismatch({"hello"}, received, false, match_mode::subset), "expected 1 frame, received 2");
  EXPECT_EQ(frames_mismatch({"hello", "bye"}, received, false, match_mode::subset),
            "expected frame 2 was not received");
  // Each expected frame needs its own received frame.
  EXPECT_EQ(frames_mismatch({"hello", "hello"}, {"hello", "other"}, false, match_mode::subset),
            "the frames match only if one received frame is counted twice");
  EXPECT_EQ(frames_mismatch({j(R"({"n":1})"), j("{}")}, {R"({"n":1})", "text"}, false, match_mode::subset),
            "the frames match only if one received frame is counted twice");
  // A set match needs the backtracking: the greedy pairing takes the wrong frame first.
  EXPECT_FALSE(
      frames_mismatch({j("{}"), j(R"({"n":1})")}, {R"({"n":1})", R"({"m":2})"}, false, match_mode::subset));
  EXPECT_TRUE(frames_mismatch({j(R"({"n":1})")}, {R"({"n":1,"x":0})"}, true, match_mode::exact));
}

TEST(ScenarioMatch, CapturesAreSubstitutedKeepingTheirType) {
  const std::map<std::string, json> captures = {{"id", "c-1"}, {"n", 3}, {"Ref.Table", "t"}};
  EXPECT_EQ(
      substitute(j(R"({"a":"{{id}}","b":"{{n}}","c":"x-{{ id }}-{{n}}","d":["{{Ref.Table}}"],"{{id}}":1})"),
                 captures),
      j(R"({"a":"c-1","b":3,"c":"x-c-1-3","d":["t"],"c-1":1})"));
  EXPECT_EQ(substitute(std::string("no {{braces"), captures), "no {{braces");
  EXPECT_THROW((void)substitute(json("{{missing}}"), captures), std::runtime_error);
}

TEST(ScenarioMatch, DiffShowsExpectedAgainstActualLineByLine) {
  const json expected = j(R"({"Item":{"name":{"S":"bob"},"n":{"N":"1"}}})");
  const json actual = j(R"({"Item":{"name":{"S":"alice"},"n":{"N":"1"},"extra":{"S":"x"}},"Other":1})");
  const json shown = relevant_part(expected, actual, match_mode::subset);
  EXPECT_EQ(shown, j(R"({"Item":{"name":{"S":"alice"},"n":{"N":"1"}}})"));
  EXPECT_EQ(diff(expected, shown),
            "--- expected\n"
            "+++ actual\n"
            "  {\n"
            "    \"Item\": {\n"
            "      \"n\": {\n"
            "        \"N\": \"1\"\n"
            "      },\n"
            "      \"name\": {\n"
            "+       \"S\": \"alice\"\n"
            "-       \"S\": \"bob\"\n"
            "      }\n"
            "    }\n"
            "  }\n");
  // Exact mode shows everything.
  EXPECT_EQ(relevant_part(expected, actual, match_mode::exact), actual);
}

}  // namespace
}  // namespace fogbank::scenario
