// Reading templates: YAML and JSON through yaml-cpp, short intrinsic forms read as long ones,
// scalars kept as strings, and every reading error at its line.

#include "template_fixture.hpp"

#include <string>

namespace fogbank::templates::testing {
namespace {

TEST(TemplateSource, ShortFormsReadAsLongForms) {
  const template_source s = parse_source(R"(
A: !Ref Foo
B: !GetAtt Table.StreamArn
C: !GetAtt [Table, Arn]
D: !Sub "${AWS::StackName}-x"
E: !Join ["-", [a, !Ref P]]
F: !If [Cond, !Ref A, !Ref "AWS::NoValue"]
G: !Equals [!Ref Env, prod]
H: !Select [0, !GetAZs ""]
I: !Condition Other
J: !GetAtt Api.Endpoint.Address
)",
                                         "t.yaml");
  EXPECT_EQ(s.root["A"], json({{"Ref", "Foo"}}));
  EXPECT_EQ(s.root["B"], json({{"Fn::GetAtt", {"Table", "StreamArn"}}}));
  EXPECT_EQ(s.root["C"], json({{"Fn::GetAtt", {"Table", "Arn"}}}));
  EXPECT_EQ(s.root["D"], json({{"Fn::Sub", "${AWS::StackName}-x"}}));
  EXPECT_EQ(s.root["E"], json({{"Fn::Join", {"-", {"a", {{"Ref", "P"}}}}}}));
  EXPECT_EQ(s.root["F"], json({{"Fn::If", {"Cond", {{"Ref", "A"}}, {{"Ref", "AWS::NoValue"}}}}}));
  EXPECT_EQ(s.root["G"], json({{"Fn::Equals", {{{"Ref", "Env"}}, "prod"}}}));
  EXPECT_EQ(s.root["H"], json({{"Fn::Select", {"0", {{"Fn::GetAZs", ""}}}}}));
  EXPECT_EQ(s.root["I"], json({{"Condition", "Other"}}));
  // The attribute is everything after the first dot.
  EXPECT_EQ(s.root["J"], json({{"Fn::GetAtt", {"Api", "Endpoint.Address"}}}));
}

TEST(TemplateSource, ScalarsStayStringsAndPlainNullsAreNull) {
  const template_source s = parse_source("A: 5\nB: true\nC: '5'\nD:\nE: ~\nF: ''\nG: \"null\"\n", "t.yaml");
  EXPECT_EQ(s.root["A"], "5");
  EXPECT_EQ(s.root["B"], "true");
  EXPECT_EQ(s.root["C"], "5");
  EXPECT_TRUE(s.root["D"].is_null());
  EXPECT_TRUE(s.root["E"].is_null());
  EXPECT_EQ(s.root["F"], "");
  EXPECT_EQ(s.root["G"], "null");
}

TEST(TemplateSource, JsonTemplatesHaveLinesToo) {
  const template_source s = parse_source(
      "{\n\t\"Resources\": {\n\t\t\"Q\": {\n\t\t\t\"Type\": \"AWS::SQS::Queue\",\n"
      "\t\t\t\"Properties\": {\"DelaySeconds\": 5, \"RedrivePolicy\": {\"Fn::GetAtt\": [\"D\", \"Arn\"]}}\n"
      "\t\t}\n\t}\n}\n",
      "t.json");
  EXPECT_EQ(s.root["Resources"]["Q"]["Properties"]["DelaySeconds"], "5");
  EXPECT_EQ(s.locations.line_of("/Resources/Q/Type"), 4);
  EXPECT_EQ(s.locations.line_of("/Resources/Q/Properties/RedrivePolicy/Fn::GetAtt/0"), 5);
}

TEST(TemplateSource, LinesOfKeysAndListElements) {
  const template_source s = parse_source(
      "Resources:\n  T:\n    Type: X\n    Properties:\n      L:\n        - a\n        - b\n", "t.yaml");
  EXPECT_EQ(s.locations.line_of("/Resources/T"), 2);
  EXPECT_EQ(s.locations.line_of("/Resources/T/Properties/L/1"), 7);
  // A pointer without a line of its own takes its nearest ancestor's.
  EXPECT_EQ(s.locations.line_of("/Resources/T/Properties/L/1/deeper"), 7);
}

TEST(TemplateSource, KeepsTheFileOrderOfSections) {
  const template_source s =
      parse_source("Resources:\n  Zeta: {Type: X}\n  Alpha: {Type: X}\n  Mid: {Type: X}\n", "t.yaml");
  EXPECT_EQ(s.order_of("/Resources"), (std::vector<std::string>{"Zeta", "Alpha", "Mid"}));
}

TEST(TemplateSource, SyntaxErrorsGiveLineAndColumn) {
  const template_error e = error_of([] { parse_source("Resources:\n  T: [a,\n", "broken.yaml"); });
  EXPECT_EQ(e.file(), "broken.yaml");
  EXPECT_EQ(e.line(), 3);
  EXPECT_NE(std::string(e.what()).find("broken.yaml:3: column"), std::string::npos) << e.what();
}

TEST(TemplateSource, DuplicateKeysAreRefusedAtTheSecond) {
  const template_error e =
      error_of([] { parse_source("Resources:\n  T: {Type: X}\n  T: {Type: Y}\n", "t.yaml"); });
  EXPECT_EQ(e.line(), 3);
  EXPECT_EQ(e.resource(), "T");
  EXPECT_EQ(e.reason(), "duplicate key 'T'");
}

TEST(TemplateSource, UnknownTagsAreRefused) {
  const template_error e = error_of([] { parse_source("Resources:\n  T:\n    Type: !Foo x\n", "t.yaml"); });
  EXPECT_EQ(e.line(), 3);
  EXPECT_EQ(e.reason(), "unknown tag '!Foo'");
}

TEST(TemplateSource, NotAMapping) {
  const template_error e = error_of([] { parse_source("- a\n- b\n", "t.yaml"); });
  EXPECT_NE(e.reason().find("a template is a mapping of sections"), std::string::npos);
}

TEST(TemplateSource, NestingPastTheLimitIsRefused) {
  std::string deep = "A: ";
  for (int i = 0; i < max_template_depth + 5; ++i) deep += "[";
  for (int i = 0; i < max_template_depth + 5; ++i) deep += "]";
  const template_error e = error_of([&] { parse_source(deep, "t.yaml"); });
  EXPECT_NE(e.reason().find("nested deeper than 64 levels"), std::string::npos) << e.what();
}

TEST(TemplateSource, NestingFarPastTheLimitEndsInAnErrorNotACrash) {
  // yaml-cpp's own depth guard answers before its recursion could exhaust the stack.
  const std::string deep = "A: " + std::string(100'000, '[');
  const template_error e = error_of([&] { parse_source(deep, "t.yaml"); });
  EXPECT_EQ(e.file(), "t.yaml");
}

TEST(TemplateSource, AliasBombsStopAtTheNodeLimit) {
  // Each level refers to the one before nine times: 9^8 values once aliases are expanded.
  std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i <= 8; ++i) {
    const std::string prev = "*a" + std::to_string(i - 1);
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev;
    for (int j = 1; j < 9; ++j) text += ", " + prev;
    text += "]\n";
  }
  const template_error e = error_of([&] { parse_source(text, "t.yaml"); });
  EXPECT_NE(e.reason().find("values (aliases expanded)"), std::string::npos) << e.what();
}

TEST(TemplateSource, ASelfReferencingAliasStopsAtTheDepthLimit) {
  const template_error e = error_of([] { parse_source("a: &a [*a]\n", "t.yaml"); });
  EXPECT_NE(e.reason().find("nested deeper than"), std::string::npos) << e.what();
}

TEST(TemplateSource, OversizedFilesAreRefusedBeforeReading) {
  temp_dir dir;
  const auto file = dir.write("big.yaml", "Description: " + std::string(max_template_bytes, 'x') + "\n");
  const template_error e = error_of([&] { read_source(file); });
  EXPECT_NE(e.reason().find("CloudFormation's limit is 1000000"), std::string::npos) << e.what();
}

TEST(TemplateSource, MissingFilesSaySo) {
  const template_error e = error_of([] { read_source("/nonexistent/fogbank/t.yaml"); });
  EXPECT_EQ(e.file(), "/nonexistent/fogbank/t.yaml");
  EXPECT_NE(e.reason().find("cannot read the template"), std::string::npos);
}

TEST(TemplateSource, ErrorTextIsFileLineResourcePropertyReason) {
  const template_error e("app.yaml", 12, "Orders", "KeySchema[0].KeyType", "must be HASH or RANGE");
  EXPECT_STREQ(e.what(), "app.yaml:12: Orders: KeySchema[0].KeyType: must be HASH or RANGE");
  EXPECT_STREQ(template_error("app.yaml", 0, "", "", "cannot read").what(), "app.yaml: cannot read");
}

}  // namespace
}  // namespace fogbank::templates::testing
