// How workers are started: the program per runtime, and the environment Lambda sets (research doc
// §2) with fogbank's additions, the function's own variables, and which of them win.

#include "launch.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <csignal>

namespace fogbank::workers {
namespace {

lambda::function_config config(const std::string& runtime) {
  lambda::function_config c;
  c.name = "orders";
  c.arn = "arn:aws:lambda:eu-west-1:000000000000:function:orders";
  c.runtime = runtime;
  c.handler = "index.handler";
  c.code_dir = "/srv/orders";
  c.memory_mb = 512;
  c.region = "eu-west-1";
  c.environment = {{"STAGE", "dev"},
                   {"AWS_REGION", "us-west-2"},           // reserved: Lambda's value wins
                   {"AWS_ENDPOINT_URL", "http://other"},  // not reserved: the function's wins
                   {"_FOGBANK_DETERMINISTIC", "1"}};      // fogbank's own: never the function's
  return c;
}

launch_settings settings() {
  launch_settings s;
  s.node = "/usr/bin/node";
  s.python = "/usr/bin/python3";
  s.bootstraps = "/var/fogbank/rt";
  s.node_path = {"/opt/sdk/node_modules"};
  s.endpoint_url = "http://127.0.0.1:4566";
  s.access_key_id = "AKID";
  s.secret_access_key = "SECRET";
  s.path = "/usr/bin:/bin";
  return s;
}

worker_identity identity() {
  worker_identity id;
  id.api_port = 40123;
  id.log_stream = "2023/11/14/[$LATEST]0123";
  id.init_time = std::chrono::system_clock::time_point{std::chrono::milliseconds{1'700'000'000'123}};
  return id;
}

TEST(WorkerLaunch, RuntimesMapToTheirWorkers) {
  EXPECT_EQ(kind_of("nodejs18.x"), runtime_kind::node);
  EXPECT_EQ(kind_of("nodejs24.x"), runtime_kind::node);
  EXPECT_EQ(kind_of("python3.9"), runtime_kind::python);
  EXPECT_EQ(kind_of("python3.14"), runtime_kind::python);
  EXPECT_EQ(kind_of("provided"), runtime_kind::provided);
  EXPECT_EQ(kind_of("provided.al2023"), runtime_kind::provided);
  EXPECT_EQ(kind_of("nodejs16.x"), std::nullopt);
  EXPECT_EQ(kind_of("python2.7"), std::nullopt);
  EXPECT_EQ(kind_of("python3."), std::nullopt);
  EXPECT_EQ(kind_of("java21"), std::nullopt);
  EXPECT_EQ(kind_of("provided.al2024"), std::nullopt);
}

TEST(WorkerLaunch, NodeWorkerGetsLambdasEnvironment) {
  const auto spec = make_launch(config("nodejs20.x"), runtime_kind::node, settings(), identity());
  EXPECT_EQ(spec.executable, "/usr/bin/node");
  EXPECT_EQ(spec.arguments, std::vector<std::string>{"/var/fogbank/rt/node/index.js"});
  EXPECT_EQ(spec.directory, "/srv/orders");
  const std::map<std::string, std::string> expected{
      {"PATH", "/usr/bin:/bin"},
      {"LANG", "en_US.UTF-8"},
      {"AWS_ENDPOINT_URL", "http://other"},
      {"NODE_PATH", "/opt/sdk/node_modules:/srv/orders"},
      {"AWS_NODEJS_CONNECTION_REUSE_ENABLED", "1"},
      {"STAGE", "dev"},
      {"_HANDLER", "index.handler"},
      {"AWS_REGION", "eu-west-1"},
      {"AWS_DEFAULT_REGION", "eu-west-1"},
      {"AWS_EXECUTION_ENV", "AWS_Lambda_nodejs20.x"},
      {"AWS_LAMBDA_FUNCTION_NAME", "orders"},
      {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512"},
      {"AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"},
      {"AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"},
      {"AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/orders"},
      {"AWS_LAMBDA_LOG_STREAM_NAME", "2023/11/14/[$LATEST]0123"},
      {"AWS_ACCESS_KEY_ID", "AKID"},
      {"AWS_SECRET_ACCESS_KEY", "SECRET"},
      {"AWS_LAMBDA_RUNTIME_API", "127.0.0.1:40123"},
      {"LAMBDA_TASK_ROOT", "/srv/orders"},
      {"LAMBDA_RUNTIME_DIR", "/var/fogbank/rt"},
      {"TZ", ":UTC"},
  };
  EXPECT_EQ(spec.environment, expected);
}

TEST(WorkerLaunch, EveryRuntimeTrustsFogbanksCaWhenThereIsOne) {
  auto s = settings();
  s.ca_bundle = "/data/tls/ca.pem";
  for (const auto& [runtime, kind] :
       {std::pair{"nodejs20.x", runtime_kind::node}, std::pair{"python3.12", runtime_kind::python},
        std::pair{"provided.al2023", runtime_kind::provided}}) {
    auto c = config(runtime);
    const auto spec = make_launch(c, kind, s, identity());
    EXPECT_EQ(spec.environment.at("NODE_EXTRA_CA_CERTS"), "/data/tls/ca.pem") << runtime;
    EXPECT_EQ(spec.environment.at("AWS_CA_BUNDLE"), "/data/tls/ca.pem") << runtime;
    // The system's roots stay the handler's for everything else.
    EXPECT_FALSE(spec.environment.contains("SSL_CERT_FILE")) << runtime;
    EXPECT_FALSE(spec.environment.contains("REQUESTS_CA_BUNDLE")) << runtime;
    // A function that names its own bundle keeps it.
    c.environment["AWS_CA_BUNDLE"] = "/srv/own.pem";
    EXPECT_EQ(make_launch(c, kind, s, identity()).environment.at("AWS_CA_BUNDLE"), "/srv/own.pem") << runtime;
  }
}

// The worker starts in the code directory: `fogbank serve` without --data-dir keeps its bootstraps
// and CA under ./.fogbank, which the worker must still find (a Node.js function failed with
// "Cannot find module '<code dir>/.fogbank/lambda-runtime/.../node/index.js'").
TEST(WorkerLaunch, RelativeBootstrapAndCaPathsReachTheWorkerAbsolute) {
  auto s = settings();
  s.bootstraps = ".fogbank/lambda-runtime/abc";
  s.ca_bundle = ".fogbank/tls/ca.pem";
  const std::filesystem::path cwd = std::filesystem::current_path();
  const auto node = make_launch(config("nodejs20.x"), runtime_kind::node, s, identity());
  ASSERT_EQ(node.arguments.size(), 1u);
  EXPECT_EQ(node.arguments[0], (cwd / ".fogbank/lambda-runtime/abc/node/index.js").string());
  EXPECT_EQ(node.environment.at("LAMBDA_RUNTIME_DIR"), (cwd / ".fogbank/lambda-runtime/abc").string());
  EXPECT_EQ(node.environment.at("NODE_EXTRA_CA_CERTS"), (cwd / ".fogbank/tls/ca.pem").string());
  const auto python = make_launch(config("python3.12"), runtime_kind::python, s, identity());
  EXPECT_EQ(python.environment.at("PYTHONPATH"), (cwd / ".fogbank/lambda-runtime/abc/python/site").string());
  EXPECT_EQ(python.environment.at("AWS_CA_BUNDLE"), (cwd / ".fogbank/tls/ca.pem").string());
}

TEST(WorkerLaunch, DeterministicRunsTellTheBootstrapTheInitClockAndSeed) {
  auto s = settings();
  s.deterministic = true;
  s.session_token = "TOKEN";
  auto id = identity();
  id.init_seed = 99;
  const auto spec = make_launch(config("python3.12"), runtime_kind::python, s, id);
  EXPECT_EQ(spec.executable, "/usr/bin/python3");
  EXPECT_EQ(spec.arguments, std::vector<std::string>{"/var/fogbank/rt/python/bootstrap.py"});
  const auto& env = spec.environment;
  EXPECT_EQ(env.at("_FOGBANK_DETERMINISTIC"), "1");
  EXPECT_EQ(env.at("_FOGBANK_INIT_TIME_MS"), "1700000000123");
  EXPECT_EQ(env.at("_FOGBANK_INIT_SEED"), "99");
  EXPECT_EQ(env.at("PYTHONHASHSEED"), "0");
  EXPECT_EQ(env.at("PYTHONPATH"), "/var/fogbank/rt/python/site");
  EXPECT_EQ(env.at("AWS_SESSION_TOKEN"), "TOKEN");
  EXPECT_EQ(env.count("NODE_PATH"), 0u);
}

TEST(WorkerLaunch, ProvidedRunsTheFunctionsBootstrap) {
  const auto spec = make_launch(config("provided.al2023"), runtime_kind::provided, settings(), identity());
  EXPECT_EQ(spec.executable, "/srv/orders/bootstrap");
  EXPECT_TRUE(spec.arguments.empty());
  // Lambda sets no AWS_EXECUTION_ENV for OS-only runtimes; fogbank's bootstrap settings are not
  // for it either.
  EXPECT_EQ(spec.environment.count("AWS_EXECUTION_ENV"), 0u);
  EXPECT_EQ(spec.environment.count("_FOGBANK_DETERMINISTIC"), 0u);
  EXPECT_EQ(spec.environment.at("_HANDLER"), "index.handler");
}

TEST(WorkerLaunch, LogStreamNameHasLambdasShape) {
  const auto at = std::chrono::system_clock::time_point{std::chrono::seconds{1'714'176'000}};  // 2024-04-27
  const std::string name = log_stream_name(at, "$LATEST", 1);
  EXPECT_EQ(name.substr(0, 20), "2024/04/27/[$LATEST]");
  EXPECT_EQ(name.size(), 20u + 32u);
  EXPECT_NE(log_stream_name(at, "$LATEST", 2), name);
}

TEST(WorkerLaunch, FindInPathSkipsWhatIsNotExecutable) {
  EXPECT_EQ(find_in_path("sh", "/nonexistent:/bin"), std::filesystem::path("/bin/sh"));
  EXPECT_EQ(find_in_path("no-such-program-here", "/bin:/usr/bin"), std::nullopt);
  EXPECT_EQ(find_in_path("passwd", "/etc"), std::nullopt);  // a file, but not executable
}

}  // namespace
}  // namespace fogbank::workers
