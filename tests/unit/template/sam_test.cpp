// The SAM transform: Serverless::Function (code from a local directory, its role, SQS and
// DynamoDB events as event source mappings, other events recorded), SimpleTable, and Globals
// merged as samtranslator merges them.

#include "template_fixture.hpp"

#include "deferred.hpp"

#include <string>

namespace fogbank::templates::testing {
namespace {

class TemplateSam : public ::testing::Test {
 protected:
  void SetUp() override { std::filesystem::create_directories(dir.path() / "src" / "orders"); }

  read_text read(const std::string& text) {
    return read_text(sam_header + text, dir.path() / "template.yaml");
  }
  std::string code_dir() const { return (dir.path() / "src" / "orders").lexically_normal().string(); }

  temp_dir dir;
};

TEST_F(TemplateSam, FunctionBecomesALambdaFunctionWithLocalCodeAndARole) {
  const read_text t = read(R"(Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/orders/
      Handler: index.handler
      Runtime: nodejs20.x
      Timeout: 10
      MemorySize: 256
      ReservedConcurrentExecutions: 2
      Environment:
        Variables: {TABLE: orders, LIMIT: 5}
      Policies: [AmazonDynamoDBFullAccess]
      Tracing: Active
      Tags: {team: core}
)");
  const stack_plan plan = plan_text(t);
  EXPECT_EQ(order_of(plan), (std::vector<std::string>{"OrdersRole", "Orders"}));
  const planned_resource& role = resource(plan, "OrdersRole");
  EXPECT_EQ(role.type, "AWS::IAM::Role");
  EXPECT_EQ(role.kind, nullptr);  // ignored: fogbank enforces no IAM
  const planned_resource& function = resource(plan, "Orders");
  EXPECT_EQ(function.type, "AWS::Lambda::Function");
  ASSERT_EQ(function.create.size(), 2u);
  EXPECT_EQ(function.create[0].service, "lambda");
  EXPECT_EQ(function.create[0].operation, "CreateFunction");
  const json expected = {
      {"FunctionName", function.physical_id},
      {"Role", "arn:aws:iam::000000000000:role/" + role.physical_id},
      {"Handler", "index.handler"},
      {"Runtime", "nodejs20.x"},
      {"Timeout", 10},
      {"MemorySize", 256},
      {"Environment", {{"Variables", {{"TABLE", "orders"}, {"LIMIT", "5"}}}}},
      {"TracingConfig", {{"Mode", "Active"}}},
      {"Code", {{"S3Bucket", "hot-reload"}, {"S3Key", code_dir()}}},
      {"Tags", {{"lambda:createdBy", "SAM"}, {"team", "core"}}},
  };
  EXPECT_EQ(function.create[0].request, expected) << function.create[0].request.dump(2);
  EXPECT_EQ(function.create[1].operation, "PutFunctionConcurrency");
  EXPECT_EQ(function.create[1].request,
            json({{"FunctionName", function.physical_id}, {"ReservedConcurrentExecutions", 2}}));
  EXPECT_EQ(function.physical_id.rfind("app-Orders-", 0), 0u) << function.physical_id;
  EXPECT_EQ(function.attributes.at("Arn"),
            "arn:aws:lambda:us-east-1:000000000000:function:" + function.physical_id);
}

TEST_F(TemplateSam, SqsAndDynamoDBEventsBecomeEventSourceMappingsOthersAreRecorded) {
  const read_text t = read(R"(Resources:
  Jobs: {Type: AWS::SQS::Queue}
  Orders:
    Type: AWS::Serverless::SimpleTable
    Properties:
      PrimaryKey: {Name: orderId, Type: Number}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/orders
      Handler: app.handler
      Runtime: python3.12
      Role: arn:aws:iam::000000000000:role/given
      Events:
        FromQueue:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
            BatchSize: 5
            FunctionResponseTypes: [ReportBatchItemFailures]
            FilterCriteria: {Filters: [{Pattern: '{"body": {"kind": ["order"]}}'}]}
        FromStream:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt Orders.StreamArn
            StartingPosition: TRIM_HORIZON
            BisectBatchOnFunctionError: true
            DestinationConfig: {OnFailure: {Type: SQS, Destination: !GetAtt Jobs.Arn}}
        Nightly:
          Type: Schedule
          Properties: {Schedule: rate(1 day)}
)");
  ASSERT_EQ(t.events.size(), 1u);
  EXPECT_EQ(t.events[0].function, "Worker");
  EXPECT_EQ(t.events[0].name, "Nightly");
  EXPECT_EQ(t.events[0].type, "Schedule");
  EXPECT_EQ(t.events[0].properties, json({{"Schedule", "rate(1 day)"}}));
  // The stream is only there if the table has one: SimpleTable has none, so this fails...
  const template_error e = error_of([&] { plan_text(t); });
  EXPECT_NE(e.reason().find("Orders has no StreamArn"), std::string::npos) << e.what();
  // ...and it is reported at the event that asked for it.
  EXPECT_EQ(e.resource(), "Worker");
  EXPECT_EQ(e.property(), "Events.FromStream.Properties.Stream.Fn::GetAtt");
  EXPECT_EQ(e.line(), 26);
}

TEST_F(TemplateSam, EventSourceMappingsOfAFunction) {
  const read_text t = read(R"(Resources:
  Jobs: {Type: AWS::SQS::Queue}
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: k, AttributeType: S}]
      KeySchema: [{AttributeName: k, KeyType: HASH}]
      StreamSpecification: {StreamViewType: NEW_IMAGE}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/orders
      Handler: app.handler
      Runtime: python3.12
      Events:
        FromQueue:
          Type: SQS
          Properties: {Queue: !GetAtt Jobs.Arn, BatchSize: 5, Enabled: false}
        FromStream:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt Orders.StreamArn
            StartingPosition: TRIM_HORIZON
            DestinationConfig: {OnFailure: {Type: SQS, Destination: !GetAtt Jobs.Arn}}
)");
  const stack_plan plan = plan_text(t);
  EXPECT_EQ(order_of(plan), (std::vector<std::string>{"Jobs", "Orders", "WorkerRole", "Worker",
                                                      "WorkerFromQueue", "WorkerFromStream"}));
  const planned_resource& worker = resource(plan, "Worker");
  const planned_resource& queue_mapping = resource(plan, "WorkerFromQueue");
  EXPECT_EQ(queue_mapping.type, "AWS::Lambda::EventSourceMapping");
  EXPECT_EQ(queue_mapping.create.front().operation, "CreateEventSourceMapping");
  EXPECT_EQ(queue_mapping.create.front().request,
            json({{"FunctionName", worker.physical_id},
                  {"EventSourceArn", resource(plan, "Jobs").attributes.at("Arn")},
                  {"BatchSize", 5},
                  {"Enabled", false}}));
  EXPECT_TRUE(queue_mapping.needs.empty());
  const planned_resource& stream_mapping = resource(plan, "WorkerFromStream");
  // The stream's ARN is fed by the table's creation: a token in the plan, and a need.
  EXPECT_EQ(stream_mapping.create.front().request,
            json({{"FunctionName", worker.physical_id},
                  {"EventSourceArn", deferred_token("Orders", "StreamArn")},
                  {"StartingPosition", "TRIM_HORIZON"},
                  {"DestinationConfig",
                   {{"OnFailure", {{"Destination", resource(plan, "Jobs").attributes.at("Arn")}}}}}}));
  EXPECT_EQ(stream_mapping.needs, (std::set<std::string>{"Orders.StreamArn"}));
  EXPECT_EQ(stream_mapping.attributes.at("Ref"), deferred_token("WorkerFromStream", "Id"));
}

TEST_F(TemplateSam, SimpleTable) {
  const read_text t = read(R"(Globals:
  SimpleTable:
    SSESpecification: {SSEEnabled: true}
Resources:
  Plain: {Type: AWS::Serverless::SimpleTable}
  Keyed:
    Type: AWS::Serverless::SimpleTable
    Properties:
      TableName: keyed
      PrimaryKey: {Name: n, Type: Number}
      ProvisionedThroughput: {ReadCapacityUnits: 2, WriteCapacityUnits: 3}
      Tags: {team: core}
)");
  const stack_plan plan = plan_text(t);
  const json& plain = resource(plan, "Plain").create.front().request;
  EXPECT_EQ(plain["KeySchema"], json::parse(R"([{"AttributeName":"id","KeyType":"HASH"}])"));
  EXPECT_EQ(plain["AttributeDefinitions"], json::parse(R"([{"AttributeName":"id","AttributeType":"S"}])"));
  EXPECT_EQ(plain["BillingMode"], "PAY_PER_REQUEST");
  const json& keyed = resource(plan, "Keyed").create.front().request;
  EXPECT_EQ(keyed["TableName"], "keyed");
  EXPECT_EQ(keyed["AttributeDefinitions"], json::parse(R"([{"AttributeName":"n","AttributeType":"N"}])"));
  EXPECT_EQ(keyed["ProvisionedThroughput"], json({{"ReadCapacityUnits", 2}, {"WriteCapacityUnits", 3}}));
  EXPECT_EQ(keyed["Tags"], json::parse(R"([{"Key":"team","Value":"core"}])"));
  EXPECT_FALSE(keyed.contains("BillingMode"));
  EXPECT_EQ(resource(plan, "Keyed").notes,
            (std::vector<std::string>{"SSESpecification accepted, not emulated"}));
}

TEST_F(TemplateSam, GlobalsMergeAsSamMergesThem) {
  const read_text t = read(R"(Globals:
  Function:
    Runtime: nodejs18.x
    Timeout: 30
    CodeUri: src/orders
    Handler: index.handler
    Layers: [arn:aws:lambda:us-east-1:000000000000:layer:a:1]
    Architectures: [x86_64]
    Environment:
      Variables: {TABLE: global-table, STAGE: dev}
Resources:
  One:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Layers: [arn:aws:lambda:us-east-1:000000000000:layer:b:1]
      Architectures: [arm64]
      Environment:
        Variables: {TABLE: own-table, EXTRA: "1"}
  Two:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: !If [Never, 5, 6]
  Three:
    Type: AWS::Serverless::Function
    IgnoreGlobals: [Timeout, Environment]
Conditions:
  Never: !Equals [a, b]
)");
  const stack_plan plan = plan_text(t);
  const json& one = resource(plan, "One").create.front().request;
  EXPECT_EQ(one["Runtime"], "python3.12");  // scalars: the resource's
  EXPECT_EQ(one["Timeout"], 30);            // absent: the global's
  EXPECT_EQ(one["Handler"], "index.handler");
  // Maps merged, the resource's entries winning; lists global-first.
  EXPECT_EQ(one["Environment"]["Variables"],
            json({{"TABLE", "own-table"}, {"STAGE", "dev"}, {"EXTRA", "1"}}));
  EXPECT_EQ(one["Layers"], json({"arn:aws:lambda:us-east-1:000000000000:layer:a:1",
                                 "arn:aws:lambda:us-east-1:000000000000:layer:b:1"}));
  // A function has one architecture: the resource's replaces the global's.
  EXPECT_EQ(one["Architectures"], json({"arm64"}));
  // An intrinsic function counts as a scalar: the resource's.
  EXPECT_EQ(resource(plan, "Two").create.front().request["Timeout"], 6);
  const json& three = resource(plan, "Three").create.front().request;
  EXPECT_FALSE(three.contains("Timeout"));
  EXPECT_FALSE(three.contains("Environment"));
  EXPECT_EQ(three["Runtime"], "nodejs18.x");
}

TEST(TemplateSamMerge, MergeRules) {
  EXPECT_EQ(merge_globals(json("a"), json("b"), "X"), "b");
  EXPECT_EQ(merge_globals(json({1, 2}), json({3}), "X"), json({1, 2, 3}));
  EXPECT_EQ(merge_globals(json({{"a", 1}, {"b", {{"c", 1}}}}), json({{"b", {{"d", 2}}}}), "X"),
            json({{"a", 1}, {"b", {{"c", 1}, {"d", 2}}}}));
  // Different kinds: the resource's value as it is.
  EXPECT_EQ(merge_globals(json({1}), json({{"a", 1}}), "X"), json({{"a", 1}}));
  EXPECT_EQ(merge_globals(json({{"a", 1}}), json({{"Ref", "P"}}), "X"), json({{"Ref", "P"}}));
}

// The merge walks both sides together; past max_template_depth it stops with an error rather
// than recursing on (a template read from a file cannot nest that deep).
TEST(TemplateSamMerge, NestingPastTheTemplateLimitIsRefused) {
  json global = json::object();
  json local = json::object();
  for (int i = 0; i < max_template_depth + 2; ++i) {
    global = json{{"a", global}};
    local = json{{"a", local}};
  }
  const template_error e = error_of([&] { merge_globals(global, local, "X"); });
  EXPECT_EQ(e.reason(), "nested deeper than " + std::to_string(max_template_depth) + " levels");
}

TEST_F(TemplateSam, ErrorsNameTheSamResourceAndLine) {
  struct row {
    std::string text;
    int line;
    std::string resource;
    std::string reason;
  };
  const row rows[] = {
      {"Globals:\n  Function:\n    FunctionName: x\nResources:\n  Q: {Type: AWS::SQS::Queue}\n", 4, "Globals",
       "'FunctionName' is not a supported property of 'Function'"},
      {"Globals:\n  Fn: {}\nResources:\n  Q: {Type: AWS::SQS::Queue}\n", 3, "Globals",
       "'Fn' is not supported"},
      {"Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: a.b\n", 5, "F",
       "Either 'InlineCode' or 'CodeUri' must be set."},
      {"Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: "
       "s3://bucket/key.zip\n",
       6, "F", "is in S3, which fogbank does not emulate"},
      {"Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/missing\n",
       6, "F", "is not a directory"},
      {"Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/orders\n"
       "      Colour: red\n",
       7, "F", "property Colour not defined for resource of type AWS::Serverless::Function"},
      {"Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/orders\n"
       "      Events:\n        E:\n          Type: SQS\n          Properties: {BatchSize: 1}\n",
       10, "F", "Missing required property 'Queue'."},
      {"Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/orders\n"
       "      Events:\n        E:\n          Type: SQS\n          Properties: {Queue: q, Size: 1}\n",
       10, "F", "property Size not defined for event of type SQS"},
      {"Resources:\n  T:\n    Type: AWS::Serverless::SimpleTable\n    Properties:\n      PrimaryKey: {Name: "
       "k, Type: Text}\n",
       6, "T", "Invalid 'Type' \"Text\"."},
      {"Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/orders\n"
       "  FRole: {Type: AWS::SQS::Queue}\n",
       3, "F", "SAM generates a resource named 'FRole', which the template already has"},
  };
  for (const row& r : rows) {
    const template_error e = error_of([&] { read(r.text); });
    EXPECT_NE(e.reason().find(r.reason), std::string::npos) << r.text << "got: " << e.what();
    EXPECT_EQ(e.line(), r.line) << r.text << e.what();
    EXPECT_EQ(e.resource(), r.resource) << e.what();
    EXPECT_EQ(e.file(), (dir.path() / "template.yaml").string());
  }
}

TEST_F(TemplateSam, InlineCodeIsWrittenToTheCodeFolderAndRunFromThere) {
  const read_text t = read(R"(Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: |
        def handler(event, context):
            return {"ok": True}
)");
  plan_options options;
  options.code_dir = dir.path() / "code";
  const stack_plan plan = plan_text(t, options);
  const planned_resource& hello = resource(plan, "Hello");
  const std::string folder = (dir.path() / "code" / "app" / "Hello").string();
  EXPECT_EQ(hello.create.front().request["Code"], json({{"S3Bucket", "hot-reload"}, {"S3Key", folder}}));
  ASSERT_EQ(hello.files.size(), 1u);
  EXPECT_EQ(hello.files.begin()->first, folder + "/index.py");
  EXPECT_EQ(hello.files.begin()->second, "def handler(event, context):\n    return {\"ok\": True}\n");
  // Without a place to write it, inline code is refused.
  const template_error e = error_of([&] { plan_text(t); });
  EXPECT_NE(e.reason().find("inline code needs a place to be written"), std::string::npos) << e.what();
}

}  // namespace
}  // namespace fogbank::templates::testing
