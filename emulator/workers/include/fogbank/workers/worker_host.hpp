#pragma once
// The runtime host for functions that run in worker processes: Node.js (`nodejs18.x`, `20.x`,
// `22.x`, `24.x`) with the machine's `node`, Python (`python3.x`) with the machine's `python3`, and
// `provided`, `provided.al2`, `provided.al2023` with the `bootstrap` executable in the function's
// code directory. Each worker is a child process with its own Lambda Runtime API listener on
// 127.0.0.1 (AWS_LAMBDA_RUNTIME_API), so AWS's own runtime interface clients and custom runtimes
// run unchanged; Node.js and Python functions run under fogbank's own small bootstraps (embedded
// in the binary and written out under `runtime_dir`).
//
// Workers are kept warm and reused, one invocation at a time each, up to the function's
// concurrency; a worker of an older function_config::revision is not reused. A handler that
// throws, hangs past its timeout, exits, floods its output or answers too much ends its own
// invocation with Lambda's error payload and never the host. See emulator/workers/README.md.
//
// Boost.Process, Asio and Beast stay behind this header; fogbank_main must not link this library
// (emulator/main/fogbank.cpp adds the host to the emulator's runtime hosts).

#include "fogbank/lambda/runtime_host.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace fogbank::workers {

struct worker_host_options {
  // The fogbank endpoint the handlers' SDKs talk to (AWS_ENDPOINT_URL, and the endpoint fogbank's
  // bootstraps give AWS SDK for JavaScript v2 and botocore < 1.31), e.g. "http://127.0.0.1:4566".
  std::string endpoint_url;
  // The CA certificate (PEM) of the endpoint's https:// side (http::ensure_tls_files), which
  // handlers are told to trust: NODE_EXTRA_CA_CERTS (Node.js adds it to its roots) and
  // AWS_CA_BUNDLE (botocore's bundle, read by boto3 in Python and provided workers). Empty: neither
  // is set.
  std::filesystem::path ca_bundle;
  // Called before each worker starts when set (and ca_bundle is), so that ca_bundle exists by then:
  // fogbank makes its certificates on first need (http::lazy_tls_files). May be called from
  // several threads at once. When it throws std::exception the worker does not start, and its
  // invocation fails as one whose worker cannot start does.
  std::function<void()> prepare_ca_bundle;
  // The credentials and region handlers get (Lambda gives the execution role's credentials).
  std::string access_key_id = "test";
  std::string secret_access_key = "test";
  std::string session_token;  // empty: AWS_SESSION_TOKEN is not set
  // Workers per function when function_config::reserved_concurrency is not set.
  int default_concurrency = 10;
  // Where fogbank writes its bootstraps (created if missing), e.g. "<data dir>/lambda-runtime".
  // Empty: a directory under the system's temporary directory.
  std::filesystem::path runtime_dir;
  // Directories of Node.js packages every Node.js handler can load without bundling them, as
  // Lambda's runtimes provide the AWS SDK for JavaScript v3 (NODE_PATH, and for ES modules a
  // fallback resolver). See default_node_modules().
  std::vector<std::filesystem::path> node_path;
  // The interpreters. Empty: `node` from PATH; Debian's /usr/bin/python3 (which has python3-boto3)
  // if present, else `python3` from PATH.
  std::filesystem::path node_executable;
  std::filesystem::path python_executable;
  // A deterministic run (a manual clock): the bootstraps freeze the handler's clock (Date,
  // time.time, datetime.now) at invocation::service_time, the deadline header is
  // invocation::deadline exactly, and durations, memory and init times are reported as zero so
  // that logs are byte-stable. Randomness is seeded whenever invocation::random_seed is set.
  bool deterministic = false;
  // Lines about workers rather than invocations: cold starts and their duration, workers that exit
  // or are killed, and what a worker prints between invocations (bounded). Invocation logs are not
  // written here: they are in invocation_outcome::log. Empty: core::log_info.
  std::function<void(std::string_view line)> log;
  // Threads serving the workers' Runtime API listeners, pipes and timers.
  int threads = 2;
};

// The host. Throws std::runtime_error when the bootstraps cannot be written under runtime_dir.
// runs() is true for the runtimes above (every provided* function: ask the C++ host first).
// Destroying it kills the workers; invocations in flight or queued end as Runtime.ExitError
// ("signal: killed"), their `done` called before the destructor returns (never from inside one).
std::unique_ptr<lambda::runtime_host> make_worker_host(const worker_host_options& options);

// fogbank's Node.js package folder (the AWS SDK for JavaScript v3, installed by `npm ci` in
// emulator/workers/node_sdk, see scripts/dev.sh): $FOGBANK_NODE_SDK_DIR if set, else the source
// tree's emulator/workers/node_sdk/node_modules. Empty if that directory does not exist.
std::filesystem::path default_node_modules();

}  // namespace fogbank::workers
