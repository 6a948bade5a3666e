// Node.js handlers under fogbank's bootstrap: the ways Lambda loads and calls them (research doc
// §3.1), their context object, and the error payloads and Runtime.* init errors of AWS's runtime
// interface client.

#include "worker_fixture.hpp"

namespace fogbank::workers::testing {
namespace {

class node_handlers : public worker_test {};

TEST_F(node_handlers, CommonJsAsyncHandlerAnswersWithItsResult) {
  write("index.js", "exports.handler = async (event) => ({ got: event, sum: event.a + event.b });\n");
  const auto outcome = invoke(function("nodejs20.x", "index.handler"), R"({"a":1,"b":2})");
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::success) << describe(outcome);
  EXPECT_EQ(parsed(outcome), (json{{"got", {{"a", 1}, {"b", 2}}}, {"sum", 3}})) << describe(outcome);
}

TEST_F(node_handlers, EsModuleInAnMjsFile) {
  write("app.mjs", "export const handler = async () => 'from esm';\n");
  const auto outcome = invoke(function("nodejs22.x", "app.handler"));
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::success) << describe(outcome);
  EXPECT_EQ(outcome.payload, "\"from esm\"");
}

TEST_F(node_handlers, JsFileIsAnEsModuleWhenPackageJsonSaysTypeModule) {
  write("package.json", R"({"type": "module"})");
  write("src/app.js", "export const handler = async () => ({ esm: typeof require === 'undefined' });\n");
  const auto outcome = invoke(function("nodejs20.x", "src/app.handler"));
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::success) << describe(outcome);
  EXPECT_EQ(parsed(outcome), (json{{"esm", true}}));
}

TEST_F(node_handlers, CallbackHandlerAnswersWhenTheEventLoopIsEmpty) {
  // The callback's result is posted once the timer it left has run: callbackWaitsForEmptyEventLoop.
  write("index.js",
        "let fired = false;\n"
        "exports.handler = (event, context, callback) => {\n"
        "  setTimeout(() => { fired = true; console.log('timer ran'); }, 50);\n"
        "  callback(null, { waited: context.callbackWaitsForEmptyEventLoop });\n"
        "};\n");
  const auto outcome = invoke(function("nodejs20.x", "index.handler"));
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::success) << describe(outcome);
  EXPECT_EQ(parsed(outcome), (json{{"waited", true}}));
  EXPECT_NE(outcome.log.find("\tINFO\ttimer ran\n"), std::string::npos) << outcome.log;
}

TEST_F(node_handlers, NestedExportIsFoundByItsDottedPath) {
  write("lib/routes.js", "module.exports = { api: { v1: { get: async () => 'nested' } } };\n");
  const auto outcome = invoke(function("nodejs20.x", "lib/routes.api.v1.get"));
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::success) << describe(outcome);
  EXPECT_EQ(outcome.payload, "\"nested\"");
}

TEST_F(node_handlers, SyncHandlerThatNeverCallsBackAnswersNull) {
  write("index.js", "exports.handler = function (event, context, callback) {};\n");
  const auto outcome = invoke(function("nodejs20.x", "index.handler"));
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::success) << describe(outcome);
  EXPECT_EQ(outcome.payload, "null");
}

TEST_F(node_handlers, ContextCarriesTheInvocationAndTheEnvironmentLambdaSets) {
  write("index.js",
        "exports.handler = async (event, context) => ({\n"
        "  name: context.functionName, version: context.functionVersion, memory: context.memoryLimitInMB,\n"
        "  arn: context.invokedFunctionArn, id: context.awsRequestId, group: context.logGroupName,\n"
        "  remaining: context.getRemainingTimeInMillis() > 0,\n"
        "  env: { region: process.env.AWS_REGION, handler: process.env._HANDLER,\n"
        "         exec: process.env.AWS_EXECUTION_ENV, endpoint: process.env.AWS_ENDPOINT_URL,\n"
        "         root: process.env.LAMBDA_TASK_ROOT, cwd: process.cwd(), tz: process.env.TZ,\n"
        "         stage: process.env.STAGE, fogbank: Object.keys(process.env).filter(k => "
        "k.startsWith('_FOGBANK')) },\n"
        "});\n");
  auto config = function("nodejs18.x", "index.handler");
  config.environment = {{"STAGE", "test"}, {"AWS_REGION", "eu-west-1"}};  // reserved: Lambda's value wins
  config.memory_mb = 256;
  const auto outcome = invoke(config);
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::success) << describe(outcome);
  const json expected = {{"name", config.name},
                         {"version", "$LATEST"},
                         {"memory", "256"},
                         {"arn", config.arn},
                         {"id", "req-1"},
                         {"group", "/aws/lambda/" + config.name},
                         {"remaining", true},
                         {"env",
                          {{"region", "us-east-1"},
                           {"handler", "index.handler"},
                           {"exec", "AWS_Lambda_nodejs18.x"},
                           {"endpoint", "http://127.0.0.1:9"},
                           {"root", config.code_dir.string()},
                           {"cwd", config.code_dir.string()},
                           {"tz", ":UTC"},
                           {"stage", "test"},
                           {"fogbank", json::array()}}}};
  EXPECT_EQ(parsed(outcome), expected) << describe(outcome);
}

TEST_F(node_handlers, ThrownErrorGivesTheRuntimesErrorPayload) {
  write("index.js", "exports.handler = async () => { throw new TypeError('bad input'); };\n");
  const auto outcome = invoke(function("nodejs20.x", "index.handler"));
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::function_error) << describe(outcome);
  const json error = parsed(outcome);
  // {"errorType","errorMessage","trace"} in that order (RIC Errors.toRapidResponse).
  EXPECT_EQ(outcome.payload.rfind(
                R"({"errorType":"TypeError","errorMessage":"bad input","trace":["TypeError: bad input",)", 0),
            0u)
      << outcome.payload;
  ASSERT_TRUE(error["trace"].is_array());
  EXPECT_NE(error["trace"][1].get<std::string>().find("index.js:1"), std::string::npos) << outcome.payload;
  // And the log line AWS writes for it.
  EXPECT_NE(
      outcome.log.find("\tERROR\tInvoke Error \t{\"errorType\":\"TypeError\",\"errorMessage\":\"bad input\""),
      std::string::npos)
      << outcome.log;
}

TEST_F(node_handlers, ThrownStringGivesItsTypeofAsErrorType) {
  write("index.js", "exports.handler = async () => { throw 'oops'; };\n");
  const auto outcome = invoke(function("nodejs20.x", "index.handler"));
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::function_error) << describe(outcome);
  EXPECT_EQ(outcome.payload, R"({"errorType":"string","errorMessage":"oops","trace":[]})");
}

TEST_F(node_handlers, CallbackErrorIsAnInvocationError) {
  write("index.js", "exports.handler = (e, c, callback) => callback(new Error('via callback'));\n");
  const auto outcome = invoke(function("nodejs20.x", "index.handler"));
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::function_error) << describe(outcome);
  EXPECT_EQ(parsed(outcome)["errorMessage"], "via callback");
}

TEST_F(node_handlers, MissingModuleIsAnImportModuleError) {
  const auto outcome = invoke(function("nodejs20.x", "missing.handler"));
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::init_error) << describe(outcome);
  const json error = parsed(outcome);
  EXPECT_EQ(error["errorType"], "Runtime.ImportModuleError") << outcome.payload;
  EXPECT_EQ(error["errorMessage"].get<std::string>().rfind("Error: Cannot find module 'missing'", 0), 0u)
      << outcome.payload;
  ASSERT_TRUE(outcome.init_duration.has_value());
  EXPECT_NE(outcome.log.find("\tERROR\tUncaught Exception \t{\"errorType\":\"Runtime.ImportModuleError\""),
            std::string::npos)
      << outcome.log;
  EXPECT_NE(outcome.log.find("INIT_REPORT Init Duration: "), std::string::npos) << outcome.log;
}

TEST_F(node_handlers, MissingExportIsAHandlerNotFound) {
  write("index.js", "exports.other = async () => 1;\nexports.notfn = 3;\n");
  auto outcome = invoke(function("nodejs20.x", "index.handler"));
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::init_error) << describe(outcome);
  EXPECT_EQ(parsed(outcome)["errorType"], "Runtime.HandlerNotFound");
  EXPECT_EQ(parsed(outcome)["errorMessage"], "index.handler is undefined or not exported");
  outcome = invoke(function("nodejs20.x", "index.notfn"));
  EXPECT_EQ(parsed(outcome)["errorMessage"], "index.notfn is not a function") << describe(outcome);
}

TEST_F(node_handlers, SyntaxErrorIsAUserCodeSyntaxError) {
  write("index.js", "exports.handler = async () => { return 1;\n");
  const auto outcome = invoke(function("nodejs20.x", "index.handler"));
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::init_error) << describe(outcome);
  EXPECT_EQ(parsed(outcome)["errorType"], "Runtime.UserCodeSyntaxError");
  EXPECT_EQ(parsed(outcome)["errorMessage"].get<std::string>().rfind("SyntaxError: ", 0), 0u)
      << outcome.payload;
}

TEST_F(node_handlers, HandlerNameWithDotDotIsMalformed) {
  const auto outcome = invoke(function("nodejs20.x", "../index.handler"));
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::init_error) << describe(outcome);
  EXPECT_EQ(parsed(outcome)["errorType"], "Runtime.MalformedHandlerName");
}

TEST_F(node_handlers, Nodejs24RefusesCallbackHandlers) {
  write("index.js", "exports.handler = (event, context, callback) => callback(null, 1);\n");
  const auto outcome = invoke(function("nodejs24.x", "index.handler"));
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::init_error) << describe(outcome);
  EXPECT_EQ(parsed(outcome)["errorType"], "Runtime.CallbackHandlerDeprecated");
}

TEST_F(node_handlers, ConsoleLinesAreFramedByStartEndAndReport) {
  write("index.js",
        "console.log('loading');\n"
        "exports.handler = async () => { console.log('line one\\nline two'); console.error('bad'); return 1; "
        "};\n");
  const auto config = function("nodejs20.x", "index.handler");
  const auto outcome = invoke(config);
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::success) << describe(outcome);
  const std::string& log = outcome.log;
  const auto init = log.find("INIT_START Runtime Version: nodejs20.x");
  const auto loading = log.find("\tundefined\tINFO\tloading\n");
  const auto start = log.find("START RequestId: req-1 Version: $LATEST\n");
  const auto line = log.find("\treq-1\tINFO\tline one\rline two\n");
  const auto error = log.find("\treq-1\tERROR\tbad\n");
  const auto end = log.find("END RequestId: req-1\n");
  const auto report = log.find("REPORT RequestId: req-1\tDuration: ");
  ASSERT_NE(report, std::string::npos) << log;
  EXPECT_TRUE(init < loading && loading < start && start < line && line < error && error < end &&
              end < report)
      << log;
  EXPECT_NE(log.find("\tMemory Size: 128 MB\tMax Memory Used: ", report), std::string::npos) << log;
  EXPECT_NE(log.find(" MB\tInit Duration: ", report), std::string::npos) << log;
}

}  // namespace
}  // namespace fogbank::workers::testing
