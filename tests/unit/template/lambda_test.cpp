// Lambda resources: their plans (the calls and what feeds them) and how executing them creates,
// updates or keeps functions and event source mappings. The `lambda` service is not on this
// branch's emulator, so a recording stand-in answers for it.

#include "template_fixture.hpp"

#include "deferred.hpp"

#include <set>
#include <string>

namespace fogbank::templates::testing {
namespace {

const std::string functions = R"(Parameters:
  Timeout: {Type: Number, Default: 10}
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties: {QueueName: jobs}
  Handler:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: handler
      Role: arn:aws:iam::000000000000:role/r
      Runtime: nodejs20.x
      Handler: index.handler
      Timeout: !Ref Timeout
      Code: {S3Bucket: hot-reload, S3Key: ./code}
      Tags: [{Key: team, Value: core}]
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref Handler
      EventSourceArn: !GetAtt Jobs.Arn
      BatchSize: 10
      FilterCriteria: {Filters: [{Pattern: {body: {kind: [order]}}}]}
  Allow:
    Type: AWS::Lambda::Permission
    Properties: {Action: "lambda:InvokeFunction", FunctionName: !Ref Handler, Principal: sns.amazonaws.com}
Outputs:
  MappingId: {Value: !Ref Mapping}
  FunctionArn: {Value: !GetAtt Handler.Arn}
)";

// Answers as the services would for resources that do not exist yet.
std::optional<core::call_result> fresh(const std::string& operation, const json& request) {
  if (operation == "GetQueueUrl")
    return failure(core::error_code::queue_does_not_exist, "The specified queue does not exist.");
  if (operation == "CreateQueue") return answer({{"QueueUrl", "http://localhost:4566/000000000000/jobs"}});
  if (operation == "GetFunction" || operation == "GetEventSourceMapping" || operation == "GetPolicy") {
    return failure(core::error_code::lambda_resource_not_found, "Function not found");
  }
  if (operation == "ListEventSourceMappings") return answer({{"EventSourceMappings", json::array()}});
  if (operation == "CreateEventSourceMapping" || operation == "UpdateEventSourceMapping") {
    const std::string uuid = request.value("UUID", "uuid-1");
    return answer(
        {{"UUID", uuid},
         {"EventSourceMappingArn", "arn:aws:lambda:us-east-1:000000000000:event-source-mapping:" + uuid},
         {"BatchSize", request.value("BatchSize", 10)}});
  }
  return std::nullopt;
}

class TemplateLambda : public ::testing::Test {
 protected:
  read_text read(const std::string& text) { return read_text(text, dir.path() / "app.yaml"); }

  load_result run(const read_text& t, recording_runner& runner, stack_state& state,
                  plan_options options = {}) {
    const stack_plan plan = plan_text(t, std::move(options), state);
    return execute_plan(t.source, plan, runner, state, nullptr);
  }

  temp_dir dir;
};

TEST_F(TemplateLambda, ThePlanOfAFunctionAndItsMapping) {
  const stack_plan plan = plan_text(read(functions));
  EXPECT_EQ(order_of(plan), (std::vector<std::string>{"Jobs", "Handler", "Mapping", "Allow"}));
  const planned_resource& handler = resource(plan, "Handler");
  ASSERT_EQ(handler.create.size(), 1u);
  EXPECT_EQ(handler.create[0].service, "lambda");
  EXPECT_EQ(handler.create[0].request,
            json({{"FunctionName", "handler"},
                  {"Role", "arn:aws:iam::000000000000:role/r"},
                  {"Runtime", "nodejs20.x"},
                  {"Handler", "index.handler"},
                  {"Timeout", 10},
                  // A relative S3Key of the local-code bucket is taken from the template's folder.
                  {"Code", {{"S3Bucket", "hot-reload"}, {"S3Key", (dir.path() / "code").string()}}},
                  {"Tags", {{"team", "core"}}}}))
      << handler.create[0].request.dump(2);
  const planned_resource& mapping = resource(plan, "Mapping");
  EXPECT_EQ(mapping.create[0].operation, "CreateEventSourceMapping");
  EXPECT_EQ(mapping.create[0].request,
            json({{"FunctionName", "handler"},
                  {"EventSourceArn", "arn:aws:sqs:us-east-1:000000000000:jobs"},
                  {"BatchSize", 10},
                  // A pattern written as an object is passed as the JSON text Lambda takes.
                  {"FilterCriteria", {{"Filters", {{{"Pattern", R"({"body":{"kind":["order"]}})"}}}}}}}));
  EXPECT_EQ(mapping.physical_id, deferred_token("Mapping", "Id"));
  // A permission is a statement of the function's policy, its id the permission's.
  const planned_resource& allow = resource(plan, "Allow");
  ASSERT_EQ(allow.create.size(), 1u);
  EXPECT_EQ(allow.create[0].operation, "AddPermission");
  EXPECT_EQ(allow.create[0].request, json({{"StatementId", allow.physical_id},
                                           {"Action", "lambda:InvokeFunction"},
                                           {"FunctionName", "handler"},
                                           {"Principal", "sns.amazonaws.com"}}));
  ASSERT_EQ(plan.outputs.size(), 2u);
  EXPECT_EQ(plan.outputs[0].value, deferred_token("Mapping", "Id"));
  EXPECT_EQ(plan.outputs[1].value, "arn:aws:lambda:us-east-1:000000000000:function:handler");
}

TEST_F(TemplateLambda, FunctionPlanErrors) {
  struct row {
    std::string properties;
    int line;
    std::string property;
    std::string reason;
  };
  const row rows[] = {
      {"      Code: {S3Bucket: my-bucket, S3Key: f.zip}\n", 6, "Code.S3Bucket", "fogbank emulates no S3"},
      {"      Code: {ImageUri: repo/image:1}\n", 6, "Code.ImageUri", "container images are not supported"},
      {"      Code: {ZipFile: x}\n      Runtime: java21\n", 6, "Code.ZipFile",
       "inline code needs a Node.js or Python runtime"},
      {"      Code: {S3Bucket: hot-reload, S3Key: /x}\n      Timeout: soon\n", 7, "Timeout",
       "must be a whole number"},
      {"      Code: {S3Bucket: hot-reload, S3Key: /x}\n      Handlr: x\n", 7, "Handlr",
       "is not a property of AWS::Lambda::Function that fogbank supports"},
  };
  for (const row& r : rows) {
    const template_error e = error_of([&] {
      plan_text(read("Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Role: r\n" +
                     r.properties));
    });
    EXPECT_EQ(e.resource(), "Fn") << e.what();
    EXPECT_EQ(e.property(), r.property) << e.what();
    EXPECT_NE(e.reason().find(r.reason), std::string::npos) << r.properties << "got: " << e.what();
    EXPECT_EQ(e.line(), r.line) << e.what();
  }
}

TEST_F(TemplateLambda, ExecutingCreatesInOrderAndFeedsTheMappingsIdToOutputs) {
  const read_text t = read(functions);
  recording_runner runner;
  runner.respond = fresh;
  stack_state state;
  const load_result result = run(t, runner, state);
  EXPECT_EQ(runner.operations(),
            (std::vector<std::string>{"GetQueueUrl", "CreateQueue", "GetFunction", "CreateFunction",
                                      "ListEventSourceMappings", "CreateEventSourceMapping", "GetPolicy",
                                      "AddPermission"}));
  ASSERT_EQ(result.resources.size(), 4u);
  EXPECT_EQ(result.resources[2].logical_id, "Mapping");
  EXPECT_EQ(result.resources[2].physical_id, "uuid-1");
  EXPECT_EQ(result.resources[2].action, resource_action::created);
  EXPECT_EQ(result.resources[3].action, resource_action::created);
  EXPECT_EQ(result.outputs[0], (std::pair<std::string, std::string>{"MappingId", "uuid-1"}));
  // What was made is recorded for the next load: names and the requests made.
  ASSERT_NE(state.find("Mapping"), nullptr);
  EXPECT_EQ(state.find("Mapping")->physical_id, "uuid-1");
  EXPECT_EQ(state.find("Handler")->request["Timeout"], 10);
}

TEST_F(TemplateLambda, ALoadLikeTheLastChangesNothing) {
  const read_text t = read(functions);
  recording_runner first;
  first.respond = fresh;
  stack_state state;
  run(t, first, state);

  recording_runner second;
  const std::string sid = state.find("Allow")->physical_id;
  second.respond = [&](const std::string& operation,
                       const json& request) -> std::optional<core::call_result> {
    if (operation == "GetPolicy") {
      return answer({{"Policy", json({{"Statement", {{{"Sid", sid}, {"Effect", "Allow"}}}}}).dump()}});
    }
    if (operation == "GetQueueUrl") return answer({{"QueueUrl", "http://localhost:4566/000000000000/jobs"}});
    if (operation == "GetQueueAttributes") return answer({{"Attributes", {{"QueueArn", "arn"}}}});
    if (operation == "ListQueueTags") return answer({{"Tags", json::object()}});
    if (operation == "GetFunction") return answer({{"Configuration", {{"FunctionName", "handler"}}}});
    if (operation == "GetEventSourceMapping") return answer({{"UUID", request["UUID"]}, {"BatchSize", 10}});
    return std::nullopt;
  };
  const load_result result = run(t, second, state);
  EXPECT_EQ(second.operations(),
            (std::vector<std::string>{"GetQueueUrl", "GetQueueAttributes", "ListQueueTags", "GetFunction",
                                      "GetEventSourceMapping", "GetPolicy"}));
  EXPECT_EQ(result.resources[1].action, resource_action::unchanged);
  EXPECT_EQ(result.resources[2].action, resource_action::unchanged);
  EXPECT_EQ(result.outputs[0].second, "uuid-1");
}

TEST_F(TemplateLambda, ChangedConfigurationCodeAndMappingSettingsAreUpdated) {
  recording_runner first;
  first.respond = fresh;
  stack_state state;
  run(read(functions), first, state);

  std::string changed = functions;
  changed.replace(changed.find("S3Key: ./code"), 13, "S3Key: ./code2");
  changed.replace(changed.find("BatchSize: 10"), 13, "BatchSize: 5");
  recording_runner second;
  second.respond = [](const std::string& operation, const json& request) -> std::optional<core::call_result> {
    if (operation == "GetQueueUrl") return answer({{"QueueUrl", "http://localhost:4566/000000000000/jobs"}});
    if (operation == "GetFunction") return answer({{"Configuration", json::object()}});
    if (operation == "GetEventSourceMapping") return answer({{"UUID", request["UUID"]}});
    return fresh(operation, request);
  };
  plan_options options;
  options.parameters = {{"Timeout", "20"}};
  const load_result result = run(read(changed), second, state, options);
  const auto* code = second.find("UpdateFunctionCode");
  ASSERT_NE(code, nullptr);
  EXPECT_EQ(code->request, json({{"FunctionName", "handler"},
                                 {"S3Bucket", "hot-reload"},
                                 {"S3Key", (dir.path() / "code2").string()}}));
  const auto* configuration = second.find("UpdateFunctionConfiguration");
  ASSERT_NE(configuration, nullptr);
  EXPECT_EQ(configuration->request["Timeout"], 20);
  EXPECT_EQ(configuration->request["Handler"], "index.handler");
  const auto* mapping = second.find("UpdateEventSourceMapping");
  ASSERT_NE(mapping, nullptr);
  EXPECT_EQ(mapping->request["UUID"], "uuid-1");
  EXPECT_EQ(mapping->request["BatchSize"], 5);
  EXPECT_EQ(second.find("CreateFunction"), nullptr);
  EXPECT_EQ(second.find("CreateEventSourceMapping"), nullptr);
  EXPECT_EQ(result.resources[1].action, resource_action::updated);
  EXPECT_EQ(result.resources[1].notes, (std::vector<std::string>{"Code", "configuration"}));
}

TEST_F(TemplateLambda, AMappingWhoseSourceChangesIsMadeAnew) {
  recording_runner first;
  first.respond = fresh;
  stack_state state;
  run(read(functions), first, state);
  std::string changed = functions;
  changed.replace(changed.find("{QueueName: jobs}"), 17, "{QueueName: other}");
  recording_runner second;
  second.respond = [](const std::string& operation, const json& request) -> std::optional<core::call_result> {
    if (operation == "GetFunction") return answer({{"Configuration", json::object()}});
    if (operation == "GetEventSourceMapping") return answer({{"UUID", request["UUID"]}});
    return fresh(operation, request);
  };
  run(read(changed), second, state);
  const auto ops = second.operations();
  const auto deleted = std::find(ops.begin(), ops.end(), "DeleteEventSourceMapping");
  ASSERT_NE(deleted, ops.end());
  EXPECT_EQ(*(deleted + 1), "CreateEventSourceMapping");
  EXPECT_EQ(second.find("CreateEventSourceMapping")->request["EventSourceArn"],
            "arn:aws:sqs:us-east-1:000000000000:other");
}

TEST_F(TemplateLambda, WithoutARecordAnExistingFunctionIsSetAgainAndAMappingIsFoundByItsSource) {
  recording_runner runner;
  runner.respond = [](const std::string& operation, const json& request) -> std::optional<core::call_result> {
    if (operation == "GetQueueUrl") return answer({{"QueueUrl", "http://localhost:4566/000000000000/jobs"}});
    if (operation == "GetFunction") return answer({{"Configuration", json::object()}});
    if (operation == "ListEventSourceMappings") {
      return answer(
          {{"EventSourceMappings", {{{"UUID", "found"}, {"BatchSize", 10}, {"FunctionArn", "arn"}}}}});
    }
    return fresh(operation, request);
  };
  stack_state state;
  const load_result result = run(read(functions), runner, state);
  EXPECT_NE(runner.find("UpdateFunctionCode"), nullptr);
  EXPECT_NE(runner.find("UpdateFunctionConfiguration"), nullptr);
  EXPECT_EQ(runner.find("CreateEventSourceMapping"), nullptr);
  EXPECT_EQ(result.resources[2].physical_id, "found");
  EXPECT_EQ(result.outputs[0].second, "found");
}

TEST_F(TemplateLambda, AServiceErrorNamesTheResourceAndTheOperation) {
  recording_runner runner;
  runner.respond = [](const std::string& operation, const json& request) -> std::optional<core::call_result> {
    if (operation == "CreateFunction") {
      return failure(core::error_code::validation, "1 validation error detected: Value at 'timeout'");
    }
    return fresh(operation, request);
  };
  stack_state state;
  const read_text t = read(functions);
  const template_error e = error_of([&] { run(t, runner, state); });
  EXPECT_EQ(e.line(), 7);
  EXPECT_EQ(e.resource(), "Handler");
  EXPECT_EQ(e.property(), "CreateFunction");
  EXPECT_EQ(e.reason(),
            "ValidationException: 1 validation error detected: Value at 'timeout' (the resource this load "
            "created before it was deleted again)");
  // The queue made before the failure is deleted again, and nothing is recorded: the failed load
  // changed nothing.
  EXPECT_EQ(runner.operations(), (std::vector<std::string>{"GetQueueUrl", "CreateQueue", "GetFunction",
                                                           "CreateFunction", "DeleteQueue"}));
  EXPECT_EQ(runner.calls.back().request, json({{"QueueUrl", "http://localhost:4566/000000000000/jobs"}}));
  EXPECT_EQ(state.find("Jobs"), nullptr);
  EXPECT_EQ(state.find("Handler"), nullptr);
}

// CloudFormation's property names and types, as botocore's lambda 2015-03-31 model names them in
// CreateFunction and CreateEventSourceMapping: KmsKeyArn is KMSKeyArn, VpcConfig's
// Ipv6AllowedForDualStack a boolean, StartingPositionTimestamp a timestamp (epoch seconds).
TEST_F(TemplateLambda, CloudFormationNamesBecomeTheApis) {
  const stack_plan plan = plan_text(read(R"(Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: t
      AttributeDefinitions: [{AttributeName: k, AttributeType: S}]
      KeySchema: [{AttributeName: k, KeyType: HASH}]
      BillingMode: PAY_PER_REQUEST
      StreamSpecification: {StreamViewType: NEW_IMAGE}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: fn
      Role: r
      Code: {S3Bucket: hot-reload, S3Key: /code}
      KmsKeyArn: arn:aws:kms:us-east-1:000000000000:key/k
      VpcConfig: {SubnetIds: [s], SecurityGroupIds: [g], Ipv6AllowedForDualStack: "true"}
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref Fn
      EventSourceArn: !GetAtt Table.StreamArn
      StartingPosition: AT_TIMESTAMP
      StartingPositionTimestamp: 1700000000.5
      KmsKeyArn: arn:aws:kms:us-east-1:000000000000:key/k
      ScalingConfig: {MaximumConcurrency: "5"}
)"));
  const json& function = resource(plan, "Fn").create[0].request;
  EXPECT_EQ(function["KMSKeyArn"], "arn:aws:kms:us-east-1:000000000000:key/k") << function.dump(2);
  EXPECT_FALSE(function.contains("KmsKeyArn")) << function.dump(2);
  EXPECT_EQ(function["VpcConfig"], json::parse(R"({"SubnetIds": ["s"], "SecurityGroupIds": ["g"],
                                                   "Ipv6AllowedForDualStack": true})"));
  const json& mapping = resource(plan, "Mapping").create[0].request;
  EXPECT_EQ(mapping["KMSKeyArn"], "arn:aws:kms:us-east-1:000000000000:key/k") << mapping.dump(2);
  EXPECT_FALSE(mapping.contains("KmsKeyArn")) << mapping.dump(2);
  EXPECT_EQ(mapping["StartingPositionTimestamp"], 1700000000.5) << mapping.dump(2);
  EXPECT_EQ(mapping["ScalingConfig"], json({{"MaximumConcurrency", 5}}));
  EXPECT_EQ(mapping["EventSourceArn"], deferred_token("Table", "StreamArn"));
}

// The walks over plans that find and replace tokens have their own limit, above the evaluator's.
TEST(TemplateDeferred, WalksStopAtTheirDepthLimit) {
  json deep = deferred_token("A", "Ref");
  for (int i = 0; i < max_deferred_depth; ++i) deep = json::array({deep});
  std::set<std::string> keys;
  collect_deferred(deep, &keys);
  EXPECT_EQ(keys, std::set<std::string>{"A.Ref"});
  EXPECT_EQ(substitute_deferred(deep, {{"A.Ref", "a"}}).flatten().begin().value(), "a");
  deep = json::array({deep});
  const template_error collect = error_of([&] { collect_deferred(deep, &keys); });
  EXPECT_EQ(collect.reason(), "a value nested deeper than " + std::to_string(max_deferred_depth) + " levels");
  const template_error substitute = error_of([&] { substitute_deferred(deep, {}); });
  EXPECT_EQ(substitute.reason(), collect.reason());
}

TEST_F(TemplateLambda, ReservedConcurrencyHasCallsOfItsOwn) {
  const std::string with =
      "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Role: r\n"
      "      Code: {S3Bucket: hot-reload, S3Key: /x}\n      ReservedConcurrentExecutions: 3\n";
  recording_runner first;
  first.respond = fresh;
  stack_state state;
  run(read(with), first, state);
  EXPECT_EQ(first.operations(),
            (std::vector<std::string>{"GetFunction", "CreateFunction", "PutFunctionConcurrency"}));
  recording_runner second;
  second.respond = [](const std::string& operation, const json&) -> std::optional<core::call_result> {
    if (operation == "GetFunction") return answer({{"Configuration", json::object()}});
    return std::nullopt;
  };
  run(read(with.substr(0, with.find("      Reserved"))), second, state);
  EXPECT_EQ(second.operations(), (std::vector<std::string>{"GetFunction", "DeleteFunctionConcurrency"}));
}

}  // namespace
}  // namespace fogbank::templates::testing
