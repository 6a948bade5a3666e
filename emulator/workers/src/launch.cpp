#include "launch.hpp"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <regex>

namespace fogbank::workers {

namespace {

// The Node.js runtimes Lambda offers today (research doc §10); the machine's one `node` runs all of
// them. nodejs24.x additionally refuses callback handlers, as Lambda's (the bootstrap reads
// AWS_EXECUTION_ENV).
bool is_node(std::string_view runtime) {
  return runtime == "nodejs18.x" || runtime == "nodejs20.x" || runtime == "nodejs22.x" ||
         runtime == "nodejs24.x";
}

bool is_python(std::string_view runtime) {
  static const std::regex python(R"(python3\.[0-9]+)");
  return std::regex_match(runtime.begin(), runtime.end(), python);
}

std::string join_paths(const std::vector<std::filesystem::path>& paths) {
  std::string joined;
  for (const auto& p : paths) {
    if (p.empty()) continue;
    if (!joined.empty()) joined += ':';
    joined += p.string();
  }
  return joined;
}

}  // namespace

std::optional<runtime_kind> kind_of(std::string_view runtime) {
  if (is_node(runtime)) return runtime_kind::node;
  if (is_python(runtime)) return runtime_kind::python;
  if (runtime == "provided" || runtime == "provided.al2" || runtime == "provided.al2023")
    return runtime_kind::provided;
  return std::nullopt;
}

std::string log_stream_name(std::chrono::system_clock::time_point at, std::string_view version,
                            std::uint64_t unique) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(at);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char date[48];
  std::snprintf(date, sizeof date, "%04d/%02d/%02d", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday);
  // 32 hex digits, as AWS's; the same value twice so that it reads as one id.
  char hex[40];
  std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(unique),
                static_cast<unsigned long long>(unique ^ 0x9e3779b97f4a7c15ULL));
  return std::string(date) + "/[" + std::string(version) + "]" + hex;
}

std::optional<std::filesystem::path> find_in_path(std::string_view name, std::string_view path) {
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find(':', start), path.size());
    const std::string_view dir = path.substr(start, end - start);
    if (!dir.empty()) {
      const std::filesystem::path candidate = std::filesystem::path(dir) / name;
      if (::access(candidate.c_str(), X_OK) == 0 && !std::filesystem::is_directory(candidate))
        return candidate;
    }
    start = end + 1;
  }
  return std::nullopt;
}

namespace {

// `path` made absolute against fogbank's working directory (unchanged if empty, or if that
// directory cannot be read).
std::filesystem::path absolute_path(const std::filesystem::path& path) {
  if (path.empty() || path.is_absolute()) return path;
  std::error_code ec;
  std::filesystem::path resolved = std::filesystem::absolute(path, ec);
  return ec ? path : resolved;
}

}  // namespace

launch_spec make_launch(const lambda::function_config& config, runtime_kind kind,
                        const launch_settings& settings, const worker_identity& identity) {
  launch_spec spec;
  spec.directory = config.code_dir;
  auto& env = spec.environment;
  // The worker starts in the function's code directory, so a path fogbank hands it must not be
  // relative to fogbank's own (`fogbank serve` keeps its data in ./.fogbank by default).
  const std::filesystem::path bootstraps = absolute_path(settings.bootstraps);
  const std::filesystem::path ca_bundle = absolute_path(settings.ca_bundle);

  // 1. What fogbank sets that the function's own Environment may override (research doc §2.2:
  //    LocalStack likewise applies the user's variables over its AWS_ENDPOINT_URL).
  env["PATH"] = settings.path;
  env["LANG"] = "en_US.UTF-8";
  if (!settings.endpoint_url.empty()) env["AWS_ENDPOINT_URL"] = settings.endpoint_url;
  if (!ca_bundle.empty()) {
    // So that a handler calling https://<requestContext.domainName>/<stage> (API Gateway's
    // callback URL, which AWS SDK for JavaScript v2 makes https:// by itself) trusts fogbank's
    // certificate unchanged. Node.js reads NODE_EXTRA_CA_CERTS once at start, in addition to its
    // own roots; botocore reads AWS_CA_BUNDLE (instead of its bundle, which only matters for
    // real AWS). SSL_CERT_FILE and REQUESTS_CA_BUNDLE are left alone: they would replace the
    // system's roots for everything else the handler does.
    env["NODE_EXTRA_CA_CERTS"] = ca_bundle.string();
    env["AWS_CA_BUNDLE"] = ca_bundle.string();
  }
  const std::filesystem::path site = bootstraps / "python" / "site";
  switch (kind) {
    case runtime_kind::node: {
      // Lambda: /opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task.
      std::vector<std::filesystem::path> node_path = settings.node_path;
      node_path.push_back(config.code_dir);
      env["NODE_PATH"] = join_paths(node_path);
      env["AWS_NODEJS_CONNECTION_REUSE_ENABLED"] = "1";
      spec.executable = settings.node;
      spec.arguments = {(bootstraps / "node" / "index.js").string()};
      break;
    }
    case runtime_kind::python:
      // sitecustomize gives botocore < 1.31 (Debian's boto3 1.26) the endpoint, in every Python
      // process of the worker; the bootstrap imports it as well in case PYTHONPATH is overridden.
      env["PYTHONPATH"] = site.string();
      // Lambda's /var/task is read-only: leave no __pycache__ in a code directory used in place.
      env["PYTHONDONTWRITEBYTECODE"] = "1";
      // Set iteration order would otherwise differ from one worker to the next.
      if (settings.deterministic) env["PYTHONHASHSEED"] = "0";
      spec.executable = settings.python;
      spec.arguments = {(bootstraps / "python" / "bootstrap.py").string()};
      break;
    case runtime_kind::provided:
      // A custom runtime written in Python (awslambdaric, a script with boto3) gets the endpoint too.
      env["PYTHONPATH"] = site.string();
      spec.executable = config.code_dir / "bootstrap";
      break;
  }

  // 2. The function's Environment.Variables.
  for (const auto& [name, value] : config.environment) env[name] = value;

  // 3. What Lambda reserves (research doc §2.1): these win over the function's values.
  env["_HANDLER"] = config.handler;
  env["AWS_REGION"] = config.region;
  env["AWS_DEFAULT_REGION"] = config.region;
  if (kind != runtime_kind::provided) env["AWS_EXECUTION_ENV"] = "AWS_Lambda_" + config.runtime;
  env["AWS_LAMBDA_FUNCTION_NAME"] = config.name;
  env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = std::to_string(config.memory_mb);
  env["AWS_LAMBDA_FUNCTION_VERSION"] = config.version;
  env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand";
  env["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/" + config.name;
  env["AWS_LAMBDA_LOG_STREAM_NAME"] = identity.log_stream;
  env["AWS_ACCESS_KEY_ID"] = settings.access_key_id;
  env["AWS_SECRET_ACCESS_KEY"] = settings.secret_access_key;
  if (settings.session_token.empty()) {
    env.erase("AWS_SESSION_TOKEN");
  } else {
    env["AWS_SESSION_TOKEN"] = settings.session_token;
  }
  env["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:" + std::to_string(identity.api_port);
  env["LAMBDA_TASK_ROOT"] = config.code_dir.string();
  env["LAMBDA_RUNTIME_DIR"] = bootstraps.string();
  env["TZ"] = ":UTC";
  env.erase("_X_AMZN_TRACE_ID");  // set per invocation by the runtime, from Lambda-Runtime-Trace-Id

  // 4. fogbank's bootstraps read (and remove) these before the handler loads: the clock and seed
  //    of the module's own initialization, which happens before the first /next.
  for (auto it = env.begin(); it != env.end();) {
    it = it->first.rfind("_FOGBANK_", 0) == 0 ? env.erase(it) : std::next(it);
  }
  if (kind != runtime_kind::provided) {
    const auto init_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(identity.init_time.time_since_epoch()).count();
    if (settings.deterministic) {
      env["_FOGBANK_DETERMINISTIC"] = "1";
      env["_FOGBANK_INIT_TIME_MS"] = std::to_string(init_ms);
    }
    if (identity.init_seed) env["_FOGBANK_INIT_SEED"] = std::to_string(*identity.init_seed);
  }
  return spec;
}

}  // namespace fogbank::workers
