// Each intrinsic function, evaluated in the properties of a resource fogbank ignores (its
// properties are resolved all the same), and conditions.

#include "template_fixture.hpp"

#include "deferred.hpp"

#include <string>

namespace fogbank::templates::testing {
namespace {

// The resolved property V of resource X in a template with the given extra sections.
json value_of(const std::string& v, const std::string& sections = "", plan_options options = {}) {
  const std::string text =
      sections + "Resources:\n  Other:\n    Type: AWS::SQS::Queue\n    Properties:\n" +
      "      QueueName: other-queue\n  X:\n    Type: Custom::Thing\n    Properties:\n      V: " + v + "\n";
  const stack_plan plan = plan_text(text, std::move(options));
  const json& properties = resource(plan, "X").properties;
  return properties.contains("V") ? properties["V"] : json("(absent)");
}

const std::string parameters = R"(Parameters:
  Env: {Type: String, Default: dev}
  Names: {Type: CommaDelimitedList, Default: "a, b,c"}
  Count: {Type: Number, Default: 3}
Mappings:
  Sizes:
    dev: {Memory: "128", Zones: [one, two]}
    prod: {Memory: "1024"}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
)";

TEST(TemplateIntrinsics, RefOfParametersAndPseudoParameters) {
  EXPECT_EQ(value_of("!Ref Env", parameters), "dev");
  EXPECT_EQ(value_of("!Ref Names", parameters), json({"a", "b", "c"}));
  // A Number parameter's Ref is a string, as in CloudFormation.
  EXPECT_EQ(value_of("!Ref Count", parameters), "3");
  plan_options options;
  options.region = "eu-west-1";
  options.account_id = "123456789012";
  EXPECT_EQ(value_of("!Ref AWS::Region", "", options), "eu-west-1");
  EXPECT_EQ(value_of("!Ref AWS::AccountId", "", options), "123456789012");
  EXPECT_EQ(value_of("!Ref AWS::StackName"), "app");
  EXPECT_EQ(value_of("!Ref AWS::Partition"), "aws");
  EXPECT_EQ(value_of("!Ref AWS::URLSuffix"), "amazonaws.com");
  EXPECT_EQ(value_of("[a, !Ref AWS::NoValue, b]"), json({"a", "b"}));
  EXPECT_EQ(value_of("!Ref AWS::NoValue"), "(absent)");
}

TEST(TemplateIntrinsics, StackIdIsAStackArnFixedByTheSeed) {
  plan_options options;
  options.seed = 9;
  const json id = value_of("!Ref AWS::StackId", "", options);
  EXPECT_EQ(id.get<std::string>().rfind("arn:aws:cloudformation:us-east-1:000000000000:stack/app/", 0), 0u)
      << id;
  EXPECT_EQ(value_of("!Ref AWS::StackId", "", options), id);
}

TEST(TemplateIntrinsics, RefAndGetAttOfResources) {
  EXPECT_EQ(value_of("!GetAtt Other.Arn"), "arn:aws:sqs:us-east-1:000000000000:other-queue");
  EXPECT_EQ(value_of("!GetAtt [Other, QueueName]"), "other-queue");
  EXPECT_EQ(value_of("{\"Fn::GetAtt\": \"Other.QueueName\"}"), "other-queue");
  // A queue's URL comes back from CreateQueue: the plan holds its token.
  EXPECT_EQ(value_of("!Ref Other"), deferred_token("Other", "QueueUrl"));
}

TEST(TemplateIntrinsics, Sub) {
  EXPECT_EQ(value_of("!Sub \"${AWS::StackName}-${Env}-${Other.QueueName}\"", parameters),
            "app-dev-other-queue");
  EXPECT_EQ(value_of("!Sub [\"${A}/${B}\", {A: x, B: !Ref Env}]", parameters), "x/dev");
  EXPECT_EQ(value_of("!Sub \"${!Literal} and ${Env}\"", parameters), "${Literal} and dev");
  EXPECT_EQ(value_of("!Sub \"url=${Other}\""), "url=" + deferred_token("Other", "QueueUrl"));
}

TEST(TemplateIntrinsics, JoinSelectSplit) {
  EXPECT_EQ(value_of("!Join [\":\", [a, !Ref Env, c]]", parameters), "a:dev:c");
  EXPECT_EQ(value_of("!Join [\",\", !Ref Names]", parameters), "a,b,c");
  EXPECT_EQ(value_of("!Select [1, !Ref Names]", parameters), "b");
  EXPECT_EQ(value_of("!Select [\"2\", [x, y, z]]"), "z");
  EXPECT_EQ(value_of("!Split [\"/\", \"a/b//c\"]"), json({"a", "b", "", "c"}));
  EXPECT_EQ(value_of("!Select [0, !Split [\"-\", !Sub \"${Env}-x\"]]", parameters), "dev");
}

TEST(TemplateIntrinsics, IfChoosesByConditionAndNoValueRemoves) {
  EXPECT_EQ(value_of("!If [IsProd, big, small]", parameters), "small");
  EXPECT_EQ(value_of("!If [IsDev, !Ref Env, other]", parameters), "dev");
  EXPECT_EQ(value_of("{A: !If [IsProd, 1, !Ref AWS::NoValue], B: 2}", parameters), json({{"B", "2"}}));
  plan_options prod;
  prod.parameters = {{"Env", "prod"}};
  EXPECT_EQ(value_of("!If [IsProd, big, small]", parameters, prod), "big");
}

TEST(TemplateIntrinsics, FindInMapBase64GetAZs) {
  EXPECT_EQ(value_of("!FindInMap [Sizes, !Ref Env, Memory]", parameters), "128");
  EXPECT_EQ(value_of("!FindInMap [Sizes, dev, Zones]", parameters), json({"one", "two"}));
  EXPECT_EQ(value_of("!Base64 \"hello\""), "aGVsbG8=");
  EXPECT_EQ(value_of("!GetAZs \"\""), json({"us-east-1a", "us-east-1b", "us-east-1c"}));
  EXPECT_EQ(value_of("!Select [0, !GetAZs eu-west-2]"), "eu-west-2a");
}

TEST(TemplateIntrinsics, ImportValueReadsExportsOfEarlierTemplates) {
  const std::map<std::string, std::string> exports = {{"shared-queue-url", "http://q"}};
  plan_options options;
  options.exports = &exports;
  EXPECT_EQ(value_of("!ImportValue shared-queue-url", "", options), "http://q");
  const template_error e = plan_error(
      "Resources:\n  X:\n    Type: Custom::T\n    Properties:\n      V: !ImportValue nothing\n", options);
  EXPECT_EQ(e.line(), 5);
  EXPECT_NE(e.reason().find("No export named nothing found"), std::string::npos) << e.what();
}

TEST(TemplateIntrinsics, ErrorsNameTheirPlace) {
  struct row {
    std::string v;
    std::string reason;
  };
  const row rows[] = {
      {"!Select [5, [a, b]]", "Fn::Select index 5 is out of range: the list has 2 values"},
      {"!Select [x, [a]]", "Fn::Select's index must be a whole number, got 'x'"},
      {"!Join [\",\", [[a]]]", "Fn::Join joins strings only"},
      {"!FindInMap [Sizes, test, Memory]", "Fn::FindInMap - Key 'test' not found in Mapping 'Sizes'"},
      {"!FindInMap [Nope, a, b]", "Fn::FindInMap: there is no mapping named Nope"},
      {"!Ref Nowhere",
       "Template format error: Unresolved resource dependencies [Nowhere] in the Resources block of the "
       "template"},
      {"!GetAtt Other.Colour", "does not support attribute type Colour in Fn::GetAtt"},
      {"!GetAtt Nothing.Arn",
       "Template format error: Unresolved resource dependencies [Nothing] in the Resources block of the "
       "template"},
      {"!Sub \"${Env\"", "Fn::Sub: '${' without a closing '}'"},
      {"!Equals [a, b]", "Fn::Equals can only be used in the Conditions section"},
      {"!Cidr [10.0.0.0/16, 2, 8]", "Fn::Cidr is not supported by fogbank"},
      {"{\"Fn::Nope\": 1}", "unknown intrinsic function Fn::Nope"},
      {"!If [Missing, a, b]",
       "refers to the condition 'Missing', which the Conditions section does not define"},
      {"!Split [\"/\", !GetAtt Other.QueueUrl]", "Fn::Split of a value known only once a resource exists"},
      {"\"{{resolve:ssm:/x}}\"", "dynamic references ({{resolve:...}}) are not supported"},
      {"!Ref AWS::Nothing", "unknown pseudo parameter AWS::Nothing"},
  };
  for (const row& r : rows) {
    const template_error e = error_of([&] { value_of(r.v, parameters); });
    EXPECT_NE(e.reason().find(r.reason), std::string::npos) << r.v << "\n  got: " << e.what();
    EXPECT_EQ(e.file(), "t.yaml") << r.v;
    EXPECT_EQ(e.line(), 20) << r.v << ": " << e.what();
    EXPECT_EQ(e.resource(), "X") << r.v;
    EXPECT_EQ(e.property().rfind('V', 0), 0u) << r.v << ": " << e.what();
  }
}

TEST(TemplateConditions, EqualsNotAndOrAndConditionReferences) {
  const std::string sections = R"(Parameters:
  Env: {Type: String, Default: staging}
  Region2: {Type: String, Default: ""}
Conditions:
  IsProd: !Equals [prod, !Ref Env]
  IsStaging: {"Fn::Equals": [{"Ref": "Env"}, "staging"]}
  NotProd: !Not [!Condition IsProd]
  Both: !And [!Condition NotProd, !Condition IsStaging]
  Either: !Or [!Condition IsProd, !Equals [!Ref Region2, ""]]
  Nested: !And [!Or [!Condition IsProd, !Condition Both], !Not [!Equals [!Ref AWS::Region, mars-1]]]
)";
  EXPECT_EQ(value_of("[!If [IsProd, y, n], !If [IsStaging, y, n], !If [NotProd, y, n], !If [Both, y, n], "
                     "!If [Either, y, n], !If [Nested, y, n]]",
                     sections),
            json({"n", "y", "y", "y", "y", "y"}));
}

TEST(TemplateConditions, ResourcesWithAFalseConditionAreSkipped) {
  const stack_plan plan = plan_text(R"(Parameters:
  Env: {Type: String, Default: dev}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Always: {Type: AWS::SQS::Queue}
  ProdOnly:
    Type: AWS::SQS::Queue
    Condition: IsProd
Outputs:
  Shown: {Value: shown}
  Hidden: {Value: !GetAtt ProdOnly.Arn, Condition: IsProd}
)");
  EXPECT_EQ(order_of(plan), (std::vector<std::string>{"Always"}));
  ASSERT_EQ(plan.skipped.size(), 1u);
  EXPECT_EQ(plan.skipped[0].first, "ProdOnly");
  ASSERT_EQ(plan.outputs.size(), 1u);
  EXPECT_EQ(plan.outputs[0].name, "Shown");
}

TEST(TemplateConditions, Errors) {
  struct row {
    std::string conditions;
    int line;
    std::string resource;
    std::string reason;
  };
  const row rows[] = {
      {"  A: !Condition B\n  B: !Condition A\n", 2, "Conditions", "the condition refers to itself"},
      {"  A: !Equals [!Ref Q, x]\n", 2, "Conditions", "a condition cannot refer to the resource Q"},
      {"  A: !And [!Condition B]\n  B: !Equals [a, a]\n", 2, "Conditions",
       "Fn::And takes a list of 2 to 10 conditions"},
      {"  A: !Equals [a]\n", 2, "Conditions", "Fn::Equals takes a list of two values"},
      {"  A: !Ref Q\n", 2, "Conditions", "Ref cannot be used as a condition"},
      {"  A: !Not [!Condition Missing]\n", 2, "Conditions", "refers to the condition 'Missing'"},
  };
  for (const row& r : rows) {
    const template_error e =
        plan_error("Conditions:\n" + r.conditions + "Resources:\n  Q: {Type: AWS::SQS::Queue}\n");
    EXPECT_EQ(e.line(), r.line) << r.conditions << e.what();
    EXPECT_EQ(e.resource(), r.resource) << e.what();
    EXPECT_NE(e.reason().find(r.reason), std::string::npos) << r.conditions << "\n  got: " << e.what();
  }
}

TEST(TemplateConditions, ALongChainOfConditionsStopsAtTheDepthLimit) {
  // Declared last first, so that deciding the first decides the whole chain at once.
  std::string conditions = "Conditions:\n";
  for (int i = max_evaluation_depth + 10; i >= 1; --i) {
    conditions += "  C" + std::to_string(i) + ": !Not [!Condition C" + std::to_string(i - 1) + "]\n";
  }
  conditions += "  C0: !Equals [a, a]\n";
  const template_error e = plan_error(conditions + "Resources:\n  Q: {Type: AWS::SQS::Queue}\n");
  EXPECT_NE(e.reason().find("conditions nest deeper than"), std::string::npos) << e.what();
}

// A template read from a file nests at most max_template_depth levels, which the evaluator's
// walk never reaches; values built otherwise stop at max_evaluation_depth with an error.
TEST(TemplateIntrinsics, EvaluationStopsAtTheDepthLimit) {
  template_source source;
  source.file = "t.yaml";
  const stack_model model;
  evaluator values(source, model, {}, {}, nullptr);
  auto joined = [](int levels) {
    json value = "x";
    for (int i = 0; i < levels; ++i) value = json{{"Fn::Join", json::array({"", json::array({value})})}};
    return value;
  };
  EXPECT_EQ(values.resolve(joined(max_template_depth), "/V"), json("x"));
  const template_error e = error_of([&] { values.resolve(joined(max_evaluation_depth), "/V"); });
  EXPECT_EQ(e.file(), "t.yaml");
  EXPECT_EQ(e.reason(), "nested deeper than " + std::to_string(max_evaluation_depth) + " levels");
}

}  // namespace
}  // namespace fogbank::templates::testing
