// `provided` runtimes: the function's own `bootstrap` speaks the Runtime API (research doc §1)
// with nothing from fogbank, as AWS's runtime interface clients and custom runtimes do. The
// statuses and bodies of the API are RIE's.

#include "worker_fixture.hpp"

namespace fogbank::workers::testing {
namespace {

class provided : public worker_test {};

// A custom runtime in shell, with curl: what the AWS tutorial's bootstrap does.
constexpr const char* curl_bootstrap = R"sh(#!/bin/sh
set -eu
api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
headers="$(mktemp)"
echo "shell runtime starting for $_HANDLER"
while true; do
  event=$(curl -sS -D "$headers" "$api/invocation/next")
  id=$(sed -n 's/^[Ll]ambda-[Rr]untime-[Aa]ws-[Rr]equest-[Ii]d: *\([^[:space:]]*\).*/\1/p' "$headers")
  echo "handling $id"
  curl -sS -o /dev/null -X POST "$api/invocation/$id/response" -d "{\"echo\":$event,\"handler\":\"$_HANDLER\"}"
done
)sh";

TEST_F(provided, ShellBootstrapWithCurlServesInvocations) {
  write("bootstrap", curl_bootstrap, true);
  const auto config = function("provided.al2023", "function.handler");
  const auto first = invoke(config, R"({"n":1})");
  ASSERT_EQ(first.kind, lambda::outcome_kind::success) << describe(first);
  EXPECT_EQ(parsed(first), (json{{"echo", {{"n", 1}}}, {"handler", "function.handler"}})) << describe(first);
  EXPECT_NE(first.log.find("shell runtime starting for function.handler\nSTART RequestId: req-1"),
            std::string::npos)
      << first.log;
  EXPECT_NE(first.log.find("\nhandling req-1\nEND RequestId: req-1\n"), std::string::npos) << first.log;
  const auto second = invoke(config, R"({"n":2})");
  EXPECT_EQ(parsed(second)["echo"], (json{{"n", 2}})) << describe(second);
  EXPECT_EQ(cold_starts(), 1u);
}

// A runtime that probes the API's answers and reports them: invocation 1 answers with what it
// saw before answering, invocation 2 with what the API said to answers after the first.
constexpr const char* probing_bootstrap = R"sh(#!/usr/bin/python3
import http.client, json, os
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
def call(method, path, body=None, headers=None):
    c = http.client.HTTPConnection(host, int(port))
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read().decode()
    return {"status": r.status, "body": json.loads(data) if data.startswith("{") else data, "headers": dict(r.getheaders())}
base = "/2018-06-01/runtime"
first = call("GET", base + "/invocation/next")
rid = first["headers"]["Lambda-Runtime-Aws-Request-Id"]
report = {"next": first,
          "wrong_id": call("POST", base + "/invocation/not-" + rid + "/response", b"1"),
          "init_error_after_init": call("POST", base + "/init/error", b"{}"),
          "unknown_path": call("GET", base + "/nothing")["status"]}
report["answer"] = call("POST", base + "/invocation/" + rid + "/response", json.dumps(report).encode())
again = {"response": call("POST", base + "/invocation/" + rid + "/response", b"2"),
         "error": call("POST", base + "/invocation/" + rid + "/error", b"{}")}
second = call("GET", base + "/invocation/next")
call("POST", base + "/invocation/" + second["headers"]["Lambda-Runtime-Aws-Request-Id"] + "/response", json.dumps(again).encode())
call("GET", base + "/invocation/next")
)sh";

TEST_F(provided, RuntimeApiAnswersAsLambdasDoes) {
  options_.deterministic = true;
  write("bootstrap", probing_bootstrap, true);
  const auto config = function("provided.al2", "ignored");
  auto c = call(R"({"probe":true})");
  c.trace_id = "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1";
  c.client_context = R"({"custom":{"k":"v"}})";
  c.random_seed = 7;
  const auto first = invoke(config, c);
  ASSERT_EQ(first.kind, lambda::outcome_kind::success) << describe(first);
  const json report = parsed(first);
  const json& next = report["next"];
  EXPECT_EQ(next["status"], 200);
  EXPECT_EQ(next["body"], (json{{"probe", true}}));
  const json& headers = next["headers"];
  EXPECT_EQ(headers["Lambda-Runtime-Aws-Request-Id"], "req-1");
  EXPECT_EQ(headers["Lambda-Runtime-Deadline-Ms"], std::to_string(1'700'000'000'123 + 3000));
  EXPECT_EQ(headers["Lambda-Runtime-Invoked-Function-Arn"], config.arn);
  EXPECT_EQ(headers["Lambda-Runtime-Trace-Id"], c.trace_id);
  EXPECT_EQ(headers["Lambda-Runtime-Client-Context"], c.client_context);
  EXPECT_EQ(headers["Content-Type"], "application/json");
  EXPECT_EQ(headers["Fogbank-Service-Time-Ms"], "1700000000123");
  EXPECT_EQ(headers["Fogbank-Random-Seed"], "7");
  EXPECT_EQ(report["wrong_id"]["status"], 400);
  EXPECT_EQ(report["wrong_id"]["body"],
            (json{{"errorMessage", "Invalid request ID"}, {"errorType", "InvalidRequestID"}}));
  EXPECT_EQ(report["init_error_after_init"]["status"], 403);
  EXPECT_EQ(report["init_error_after_init"]["body"]["errorType"], "InvalidStateTransition");
  EXPECT_EQ(report["unknown_path"], 404);
  // The first answer was accepted before the report was written (it is the report).
  const auto second = invoke(config);
  ASSERT_EQ(second.kind, lambda::outcome_kind::success) << describe(second);
  const json again = parsed(second);
  EXPECT_EQ(again["response"]["status"], 403) << describe(second);
  EXPECT_EQ(
      again["response"]["body"],
      (json{
          {"errorMessage",
           "State transition from RuntimeResponseSentState to InvocationResponse failed for runtime. Error: "
           "State transition is not allowed"},
          {"errorType", "InvalidStateTransition"}}));
  EXPECT_EQ(again["error"]["status"], 403);
}

TEST_F(provided, AcceptedAnswerIsStatusOk) {
  write("bootstrap", R"sh(#!/usr/bin/python3
import http.client, os
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
c = http.client.HTTPConnection(host, int(port))
while True:
    c.request("GET", "/2018-06-01/runtime/invocation/next")
    r = c.getresponse(); r.read()
    rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
    c.request("POST", "/2018-06-01/runtime/invocation/" + rid + "/response", b'"answered"')
    r = c.getresponse()
    print(r.status, r.read().decode(), flush=True)
)sh",
        true);
  const auto config = function("provided", "x");
  EXPECT_EQ(invoke(config).payload, "\"answered\"");
  // What the runtime printed about its first answer, after it, is between invocations: the host's
  // log has it, the second invocation's does not.
  const auto second = invoke(config);
  EXPECT_EQ(second.log.find("202"), std::string::npos) << second.log;
  const auto lines = host_log();
  EXPECT_NE(std::find(lines.begin(), lines.end(),
                      "lambda " + config.name + " (between invocations): 202 {\"status\":\"OK\"}"),
            lines.end());
}

TEST_F(provided, ErrorPostedByTheRuntimeIsPassedThrough) {
  write("bootstrap", R"sh(#!/bin/sh
api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  id=$(curl -sS -D - -o /dev/null "$api/invocation/next" | sed -n 's/^Lambda-Runtime-Aws-Request-Id: *\([^[:space:]]*\).*/\1/p')
  curl -sS -o /dev/null -X POST -H 'Lambda-Runtime-Function-Error-Type: Custom.Failure' "$api/invocation/$id/error" \
       -d '{"errorMessage":"it failed","errorType":"Custom.Failure"}'
done
)sh",
        true);
  const auto outcome = invoke(function("provided.al2023", "x"));
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::function_error) << describe(outcome);
  EXPECT_EQ(outcome.payload, R"({"errorMessage":"it failed","errorType":"Custom.Failure"})");
}

TEST_F(provided, InitErrorIsServedToTheFirstInvocation) {
  write("bootstrap", R"sh(#!/bin/sh
curl -sS -o /dev/null -X POST -H 'Lambda-Runtime-Function-Error-Type: Runtime.Custom' \
     "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/init/error" -d '{"errorMessage":"no config","errorType":"Runtime.Custom"}'
exit 1
)sh",
        true);
  const auto outcome = invoke(function("provided.al2023", "x"));
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::init_error) << describe(outcome);
  EXPECT_EQ(outcome.payload, R"({"errorMessage":"no config","errorType":"Runtime.Custom"})");
  EXPECT_NE(outcome.log.find("INIT_REPORT Init Duration: "), std::string::npos) << outcome.log;
  EXPECT_NE(outcome.log.find("\tPhase: init\tStatus: error\tError Type: Runtime.Custom\n"), std::string::npos)
      << outcome.log;
}

TEST_F(provided, BootstrapThatExitsDuringInitIsARuntimeExitError) {
  write("bootstrap", "#!/bin/sh\necho 'cannot start' >&2\nexit 2\n", true);
  const auto outcome = invoke(function("provided.al2023", "x"));
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::crashed) << describe(outcome);
  EXPECT_EQ(
      outcome.payload,
      R"({"errorType":"Runtime.ExitError","errorMessage":"RequestId: req-1 Error: Runtime exited with error: exit status 2"})");
  EXPECT_NE(outcome.log.find("cannot start\n"), std::string::npos) << outcome.log;
}

TEST_F(provided, MissingBootstrapIsAnInvalidEntrypoint) {
  const auto config = function("provided.al2023", "x");
  const auto outcome = invoke(config);
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::init_error) << describe(outcome);
  EXPECT_EQ(outcome.payload,
            R"({"errorMessage":"RequestId: req-1 Error: Couldn't find valid bootstrap(s): [)" +
                (config.code_dir / "bootstrap").string() + R"(]","errorType":"Runtime.InvalidEntrypoint"})");
}

TEST_F(provided, BootstrapThatIsNotExecutableIsAnInvalidEntrypoint) {
  write("bootstrap", "#!/bin/sh\nexit 0\n", false);
  const auto config = function("provided.al2023", "x");
  const auto outcome = invoke(config);
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::init_error) << describe(outcome);
  EXPECT_EQ(parsed(outcome)["errorMessage"], "RequestId: req-1 Error: fork/exec " +
                                                 (config.code_dir / "bootstrap").string() +
                                                 ": permission denied");
}

}  // namespace
}  // namespace fogbank::workers::testing
