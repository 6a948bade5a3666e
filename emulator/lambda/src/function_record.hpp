#pragma once
// One function as the Lambda service keeps it: its configuration, where its code is, its
// settings (reserved concurrency, permissions, asynchronous invocation configuration, tags), and
// how it is stored (JSON in the `lambda` column) and shown (FunctionConfiguration).

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fogbank::lambda {

// PutFunctionEventInvokeConfig's settings; unset members take Lambda's defaults.
struct event_invoke_config {
  std::optional<int> maximum_retry_attempts;
  std::optional<std::int64_t> maximum_event_age_seconds;
  std::string on_success;  // destination ARNs, or empty
  std::string on_failure;
  double last_modified = 0;  // epoch seconds, as Lambda reports this timestamp
};

// Code a zip was unpacked into, or a local directory used in place (a "hot-reload" function).
enum class code_kind { zip, local };

struct function_record {
  std::string region;
  std::string account;
  std::string name;
  std::string runtime;
  std::string handler;
  std::string role;
  std::string description;
  int timeout_seconds = 3;
  int memory_mb = 128;
  std::map<std::string, std::string> environment;
  bool has_environment = false;  // Environment was given (even empty): shown as {"Variables": {...}}
  code_kind code = code_kind::zip;
  std::string code_sha256;
  std::int64_t code_size = 0;
  std::string code_dir;  // absolute path
  std::string revision_id;
  std::string last_modified;  // "2024-01-01T00:00:00.000+0000"
  std::string tracing_mode = "PassThrough";
  std::vector<std::string> architectures{"x86_64"};
  int ephemeral_storage_mb = 512;
  std::string dead_letter_arn;
  std::map<std::string, std::string> tags;
  std::optional<int> reserved_concurrency;
  nlohmann::json policy_statements = nlohmann::json::array();
  std::optional<event_invoke_config> invoke_config;

  // "<region>/<account>/<name>": the key of the service's maps and of storage.
  std::string key() const { return key_of(region, account, name); }
  static std::string key_of(const std::string& region, const std::string& account, const std::string& name) {
    return region + "/" + account + "/" + name;
  }
  std::string arn() const { return "arn:aws:lambda:" + region + ":" + account + ":function:" + name; }

  // As stored, and back. from_stored throws nlohmann::json exceptions on a record it cannot read.
  nlohmann::json to_stored() const;
  static function_record from_stored(const nlohmann::json& stored);

  // FunctionConfiguration, as GetFunctionConfiguration answers it.
  nlohmann::json configuration() const;
  // FunctionEventInvokeConfig, as GetFunctionEventInvokeConfig answers it.
  nlohmann::json invoke_config_output() const;
};

}  // namespace fogbank::lambda
