// The order resources are created in, and the errors of references, cycles and sections, each
// at its line.

#include "template_fixture.hpp"

#include <string>

namespace fogbank::templates::testing {
namespace {

TEST(TemplateOrder, ReferencesAndDependsOnComeFirstOtherwiseFileOrder) {
  const stack_plan plan = plan_text(R"(Resources:
  Work:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy: {deadLetterTargetArn: !GetAtt Dead.Arn, maxReceiveCount: 3}
  Unrelated: {Type: AWS::SQS::Queue}
  Dead: {Type: AWS::SQS::Queue}
  Policy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Work]
      PolicyDocument: {Statement: []}
  Later:
    Type: Custom::Thing
    DependsOn: [Policy]
    Properties:
      Name: !Sub "${Table}-x"
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{AttributeName: k, AttributeType: S}]
      KeySchema: [{AttributeName: k, KeyType: HASH}]
      BillingMode: PAY_PER_REQUEST
)");
  EXPECT_EQ(order_of(plan),
            (std::vector<std::string>{"Unrelated", "Dead", "Work", "Policy", "Table", "Later"}));
}

TEST(TemplateOrder, OnlyTheBranchAConditionTakesMakesAnEdge) {
  const stack_plan plan = plan_text(R"(Conditions:
  Never: !Equals [a, b]
Resources:
  First:
    Type: Custom::Thing
    Properties:
      V: !If [Never, !Ref Second, plain]
  Second: {Type: Custom::Thing, Properties: {V: !Ref First}}
)");
  EXPECT_EQ(order_of(plan), (std::vector<std::string>{"First", "Second"}));
}

TEST(TemplateOrder, ACycleNamesItsResourcesAtTheReferenceThatClosesIt) {
  const template_error e = plan_error(R"(Resources:
  A:
    Type: Custom::Thing
    Properties:
      V: !Ref B
  B:
    Type: Custom::Thing
    Properties:
      V: !GetAtt C.Arn
  C:
    Type: Custom::Thing
    DependsOn: A
)");
  EXPECT_EQ(e.reason(), "Circular dependency between resources: [A, B, C] (A -> B -> C -> A)");
  EXPECT_EQ(e.line(), 5);
  EXPECT_EQ(e.resource(), "A");
  EXPECT_EQ(e.property(), "V.Ref");
}

TEST(TemplateOrder, AResourceReferringToItself) {
  const template_error e =
      plan_error("Resources:\n  A:\n    Type: Custom::T\n    Properties:\n      V: !Sub \"${A.Arn}\"\n");
  EXPECT_EQ(e.reason(), "Circular dependency between resources: [A] (A -> A)");
  EXPECT_EQ(e.line(), 5);
}

TEST(TemplateOrder, ReferenceErrors) {
  struct row {
    std::string resources;
    int line;
    std::string resource;
    std::string property;
    std::string reason;
  };
  const row rows[] = {
      {"  A:\n    Type: Custom::T\n    Properties:\n      V: [x, !Ref Missing]\n", 5, "A", "V[1].Ref",
       "Template format error: Unresolved resource dependencies [Missing] in the Resources block of the "
       "template"},
      {"  A:\n    Type: Custom::T\n    DependsOn: [Missing]\n", 4, "A", "DependsOn",
       "Template format error: Unresolved resource dependencies [Missing] in the Resources block of the "
       "template"},
      {"  A:\n    Type: Custom::T\n    Properties:\n      V: !Sub \"${Missing.Arn}\"\n", 5, "A", "V.Fn::Sub",
       "Template format error: Unresolved resource dependencies [Missing] in the Resources block of the "
       "template"},
      {"  A:\n    Type: Custom::T\n    Condition: Never\n  B:\n    Type: Custom::T\n    Properties:\n      "
       "V: !Ref A\n",
       8, "B", "V.Ref", "refers to A, which is not created: its condition Never is false"},
      {"  Q: {Type: AWS::SQS::Queue}\n  B:\n    Type: Custom::T\n    Properties:\n      V: !GetAtt "
       "Q.StreamArn\n",
       6, "B", "V.Fn::GetAtt",
       "does not support attribute type StreamArn in Fn::GetAtt (it has Arn, QueueName, QueueUrl)"},
      {"  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      BillingMode: PAY_PER_REQUEST\n"
       "      AttributeDefinitions: [{AttributeName: k, AttributeType: S}]\n"
       "      KeySchema: [{AttributeName: k, KeyType: HASH}]\n  B:\n    Type: Custom::T\n    Properties:\n"
       "      V: !GetAtt T.StreamArn\n",
       11, "B", "V.Fn::GetAtt", "T has no StreamArn: the table has no stream (no StreamSpecification)"},
  };
  for (const row& r : rows) {
    const template_error e = plan_error("Conditions:\n  Never: !Equals [a, b]\nResources:\n" + r.resources);
    EXPECT_EQ(e.reason().find(r.reason) != std::string::npos, true) << r.resources << "got: " << e.what();
    EXPECT_EQ(e.line(), r.line + 2) << r.resources << e.what();
    EXPECT_EQ(e.resource(), r.resource) << e.what();
    EXPECT_EQ(e.property(), r.property) << e.what();
  }
}

TEST(TemplateSections, ShapeErrorsAtTheirLines) {
  struct row {
    std::string text;
    int line;
    std::string reason;
  };
  const row rows[] = {
      {"Resources:\n  Q: {Type: AWS::SQS::Queue}\nOutput:\n  X: {Value: 1}\n", 3,
       "Template format error: Invalid template property or properties [Output]"},
      {"Description: x\n", 1, "Template format error: At least one Resources member must be defined."},
      {"Resources:\n  my-queue: {Type: AWS::SQS::Queue}\n", 2,
       "Template format error: Resource name my-queue is non alphanumeric."},
      {"Resources:\n  Q:\n    Properties: {}\n", 2, "Every Resources object must contain a Type member."},
      {"Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Propertes: {}\n", 4,
       "Invalid template resource property 'Propertes'"},
      {"Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Condition: Nope\n", 4,
       "names the condition 'Nope', which the Conditions section does not define"},
      {"Resources:\n  Q: {Type: AWS::SQS::Queue}\nOutputs:\n  X: {Description: no value}\n", 4,
       "Template format error: Every Outputs member must contain a Value object"},
      {"AWSTemplateFormatVersion: \"2012-01-01\"\nResources:\n  Q: {Type: AWS::SQS::Queue}\n", 1,
       "'2012-01-01' is not a valid template version"},
      {"Transform: AWS::Include\nResources:\n  Q: {Type: AWS::SQS::Queue}\n", 1,
       "the transform 'AWS::Include' is not supported"},
      {"Globals:\n  Function: {Timeout: 3}\nResources:\n  Q: {Type: AWS::SQS::Queue}\n", 1,
       "a Globals section needs Transform: AWS::Serverless-2016-10-31"},
  };
  for (const row& r : rows) {
    const template_error e = plan_error(r.text);
    EXPECT_NE(e.reason().find(r.reason), std::string::npos) << r.text << "got: " << e.what();
    EXPECT_EQ(e.line(), r.line) << r.text << e.what();
  }
}

TEST(TemplateSections, TooManyResources) {
  std::string text = "Resources:\n";
  for (std::size_t i = 0; i <= max_resources; ++i)
    text += "  Q" + std::to_string(i) + ": {Type: Custom::T}\n";
  const template_error e = plan_error(text);
  EXPECT_EQ(e.reason(), "more than 500 resources (CloudFormation's quota)");
}

TEST(TemplateSections, UnsupportedPropertiesOfEmulatedTypesAreErrorsAtTheirLine) {
  const template_error e = plan_error(R"(Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      KeySchema: [{AttributeName: k, KeyType: HASH}]
      KinesisStreamSpecification: {StreamArn: x}
)");
  EXPECT_EQ(e.line(), 6);
  EXPECT_EQ(e.resource(), "Orders");
  EXPECT_EQ(e.property(), "KinesisStreamSpecification");
  EXPECT_NE(e.reason().find("is not a property of AWS::DynamoDB::Table that fogbank supports"),
            std::string::npos)
      << e.what();
}

TEST(TemplateSections, PropertiesAcceptedButNotEmulatedAreNoted) {
  const stack_plan plan = plan_text(R"(Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: k, AttributeType: S}]
      KeySchema: [{AttributeName: k, KeyType: HASH}]
      SSESpecification: {SSEEnabled: true}
      PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}
)");
  // Point-in-time recovery is a setting fogbank keeps (UpdateContinuousBackups), not a note.
  EXPECT_EQ(resource(plan, "Orders").notes,
            (std::vector<std::string>{"SSESpecification accepted, not emulated"}));
  EXPECT_FALSE(resource(plan, "Orders").create.front().request.contains("SSESpecification"));
}

}  // namespace
}  // namespace fogbank::templates::testing
