#pragma once
// How a worker process is started for a function: which program, with which arguments, in which
// directory, with which environment (research doc §2). Pure: no process is started here.

#include "fogbank/lambda/function.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fogbank::workers {

enum class runtime_kind { node, python, provided };

// The kind of worker that runs `runtime` ("nodejs20.x", "python3.12", "provided.al2023"), or
// nullopt for a runtime this host does not run (java21, nodejs16.x, ...).
std::optional<runtime_kind> kind_of(std::string_view runtime);

// What does not change from one worker to the next.
struct launch_settings {
  std::filesystem::path node;  // the interpreters
  std::filesystem::path python;
  std::filesystem::path bootstraps;  // where fogbank's bootstraps were written (node/, python/)
  std::vector<std::filesystem::path> node_path;
  std::string endpoint_url;
  std::filesystem::path ca_bundle;          // fogbank's CA, trusted by handlers' SDKs (empty: none)
  std::function<void()> prepare_ca_bundle;  // makes ca_bundle exist (empty: it does)
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  std::string path;  // PATH, the host's own: bootstraps and `provided` scripts find curl etc.
  bool deterministic = false;
};

// What is particular to one worker.
struct worker_identity {
  std::uint16_t api_port = 0;                       // its Runtime API listener on 127.0.0.1
  std::string log_stream;                           // AWS_LAMBDA_LOG_STREAM_NAME
  std::chrono::system_clock::time_point init_time;  // service time of the invocation that starts it
  std::optional<std::uint64_t> init_seed;           // and its seed
};

struct launch_spec {
  std::filesystem::path executable;
  std::vector<std::string> arguments;  // without argv[0]
  std::filesystem::path directory;     // the code directory, as Lambda's /var/task
  std::map<std::string, std::string> environment;
};

launch_spec make_launch(const lambda::function_config& config, runtime_kind kind,
                        const launch_settings& settings, const worker_identity& identity);

// "2024/04/27/[$LATEST]<32 hex digits>", from the service date of `at` and `unique` (the hex part
// is not random: the wall clock and random devices stay in emulator/core).
std::string log_stream_name(std::chrono::system_clock::time_point at, std::string_view version,
                            std::uint64_t unique);

// The first file named `name` in the directories of `path` (a PATH value) that is executable.
std::optional<std::filesystem::path> find_in_path(std::string_view name, std::string_view path);

}  // namespace fogbank::workers
