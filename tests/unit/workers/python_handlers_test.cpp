// Python handlers under fogbank's bootstrap (Debian's /usr/bin/python3): Lambda's handler names,
// packages, the error payloads and Runtime.* init errors of awslambdaric (research doc §3.2), and
// its log formats (§9.2).

#include "worker_fixture.hpp"

namespace fogbank::workers::testing {
namespace {

class python_handlers : public worker_test {};

TEST_F(python_handlers, HandlerAnswersWithItsResult) {
  write("app.py",
        "import os, sys\n"
        "def handler(event, context):\n"
        "    print('printed', event['n'])\n"
        "    return {'n': event['n'] * 2, 'id': context.aws_request_id, 'name': context.function_name,\n"
        "            'remaining': context.get_remaining_time_in_millis() > 0, 'root': sys.path[0],\n"
        "            'exec': os.environ['AWS_EXECUTION_ENV'], 'fogbank': [k for k in os.environ if "
        "k.startswith('_FOGBANK')]}\n");
  const auto config = function("python3.11", "app.handler");
  const auto outcome = invoke(config, R"({"n":21})");
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::success) << describe(outcome);
  EXPECT_EQ(parsed(outcome), (json{{"n", 42},
                                   {"id", "req-1"},
                                   {"name", config.name},
                                   {"remaining", true},
                                   {"root", config.code_dir.string()},
                                   {"exec", "AWS_Lambda_python3.11"},
                                   {"fogbank", json::array()}}))
      << describe(outcome);
  // print() is raw; simplejson's separators (", ", ": ") as AWS's runtime writes the answer.
  EXPECT_NE(outcome.log.find("START RequestId: req-1 Version: $LATEST\nprinted 21\nEND RequestId: req-1\n"),
            std::string::npos)
      << outcome.log;
  EXPECT_EQ(outcome.payload.rfind(R"({"n": 42, )", 0), 0u) << outcome.payload;
}

TEST_F(python_handlers, ModuleInAPackageBySlashOrDot) {
  write("pkg/__init__.py", "");
  write("pkg/sub/__init__.py", "");
  write("pkg/sub/mod.py", "from . import helper\ndef handle(event, context):\n    return helper.VALUE\n");
  write("pkg/sub/helper.py", "VALUE = 'from a package'\n");
  auto outcome = invoke(function("python3.12", "pkg/sub/mod.handle"));
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::success) << describe(outcome);
  EXPECT_EQ(outcome.payload, "\"from a package\"");
  outcome = invoke(function("python3.12", "pkg.sub.mod.handle"));
  EXPECT_EQ(outcome.payload, "\"from a package\"") << describe(outcome);
}

TEST_F(python_handlers, LoggingUsesLambdasFormatAndDropsInfoByDefault) {
  write("app.py",
        "import logging\n"
        "def handler(event, context):\n"
        "    logging.info('not shown')\n"
        "    logging.warning('shown')\n"
        "    return None\n");
  const auto outcome = invoke(function("python3.11", "app.handler"));
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::success) << describe(outcome);
  EXPECT_EQ(outcome.payload, "null");
  EXPECT_EQ(outcome.log.find("not shown"), std::string::npos) << outcome.log;
  // [WARNING]\t2024-01-01T00:00:00.123Z\treq-1\tshown
  EXPECT_NE(outcome.log.find("[WARNING]\t"), std::string::npos) << outcome.log;
  EXPECT_NE(outcome.log.find("Z\treq-1\tshown\n"), std::string::npos) << outcome.log;
}

TEST_F(python_handlers, RaisedExceptionGivesTheRuntimesErrorPayload) {
  write("app.py",
        "def handler(event, context):\n"
        "    raise ValueError('boom')\n");
  const auto outcome = invoke(function("python3.11", "app.handler"));
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::function_error) << describe(outcome);
  // Key order errorMessage, errorType, requestId, stackTrace; the bootstrap's frames dropped.
  const std::string file = (root_ / "code" / "app.py").string();
  EXPECT_EQ(
      outcome.payload,
      R"({"errorMessage": "boom", "errorType": "ValueError", "requestId": "req-1", "stackTrace": ["  File \")" +
          file + R"(\", line 2, in handler\n    raise ValueError('boom')\n"]})");
  EXPECT_NE(outcome.log.find(
                "[ERROR] ValueError: boom\rTraceback (most recent call last):\r\u00a0\u00a0File \"" + file),
            std::string::npos)
      << outcome.log;
}

TEST_F(python_handlers, ImportErrorIsAnInitError) {
  write("app.py", "import no_such_module\ndef handler(event, context):\n    return 1\n");
  const auto outcome = invoke(function("python3.11", "app.handler"));
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::init_error) << describe(outcome);
  EXPECT_EQ(
      outcome.payload,
      R"({"errorMessage": "Unable to import module 'app': No module named 'no_such_module'", "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []})");
  EXPECT_NE(outcome.log.find("LAMBDA_WARNING: Unhandled exception."), std::string::npos) << outcome.log;
  EXPECT_NE(outcome.log.find("[ERROR] Runtime.ImportModuleError: Unable to import module 'app'"),
            std::string::npos)
      << outcome.log;
}

TEST_F(python_handlers, MissingHandlerAndSyntaxErrorAreInitErrors) {
  write("app.py", "def other(event, context):\n    return 1\n");
  write("broken.py", "def handler(event, context)\n    return 1\n");
  auto outcome = invoke(function("python3.11", "app.handler"));
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::init_error) << describe(outcome);
  EXPECT_EQ(parsed(outcome)["errorType"], "Runtime.HandlerNotFound");
  EXPECT_EQ(parsed(outcome)["errorMessage"], "Handler 'handler' missing on module 'app'");
  outcome = invoke(function("python3.11", "broken.handler"));
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::init_error) << describe(outcome);
  EXPECT_EQ(parsed(outcome)["errorType"], "Runtime.UserCodeSyntaxError");
  EXPECT_EQ(parsed(outcome)["errorMessage"].get<std::string>().rfind("Syntax error in module 'broken': ", 0),
            0u);
  outcome = invoke(function("python3.11", "nodot"));
  EXPECT_EQ(parsed(outcome)["errorType"], "Runtime.MalformedHandlerName") << describe(outcome);
}

TEST_F(python_handlers, TimeoutKillsTheWorker) {
  write("app.py",
        "import time\n"
        "def handler(event, context):\n"
        "    if event.get('hang'):\n"
        "        time.sleep(600)\n"
        "    return 'ok'\n");
  const auto config = function("python3.11", "app.handler", 1s);
  const auto outcome = invoke(config, R"({"hang":true})");
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::timeout) << describe(outcome);
  EXPECT_EQ(parsed(outcome)["errorMessage"], "RequestId: req-1 Error: Task timed out after 1.00 seconds");
  EXPECT_EQ(invoke(config).payload, "\"ok\"");
}

TEST_F(python_handlers, DecimalsAndBytesAreMarshalledAsAwsRuntimeDoes) {
  write("app.py",
        "from decimal import Decimal\n"
        "def numbers(event, context):\n"
        "    return {'whole': Decimal('12'), 'part': Decimal('1.5')}\n"
        "def raw(event, context):\n"
        "    return b'\\x00raw'\n");
  auto outcome = invoke(function("python3.11", "app.numbers"));
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::success) << describe(outcome);
  EXPECT_EQ(outcome.payload, R"({"whole": 12, "part": 1.5})");
  outcome = invoke(function("python3.11", "app.raw"));
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::success) << describe(outcome);
  EXPECT_EQ(outcome.payload, std::string("\0raw", 4));
}

TEST_F(python_handlers, OversizedResponseFailsAndTheWorkerGoesOn) {
  write("app.py", "def handler(event, context):\n    return 'z' * event['size']\n");
  const auto config = function("python3.11", "app.handler", 10s);
  const auto outcome = invoke(config, R"({"size":7000000})");
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::function_error) << outcome.payload.substr(0, 300);
  EXPECT_EQ(parsed(outcome)["errorType"], "Function.ResponseSizeTooLarge");
  EXPECT_EQ(invoke(config, R"({"size":2})").payload, "\"zz\"");
  EXPECT_EQ(cold_starts(), 1u);
}

TEST_F(python_handlers, WarmWorkerKeepsModuleState) {
  write("app.py",
        "calls = 0\ndef handler(event, context):\n    global calls\n    calls += 1\n    return calls\n");
  const auto config = function("python3.11", "app.handler");
  EXPECT_EQ(invoke(config).payload, "1");
  EXPECT_EQ(invoke(config).payload, "2");
  EXPECT_EQ(cold_starts(), 1u);
}

}  // namespace
}  // namespace fogbank::workers::testing
