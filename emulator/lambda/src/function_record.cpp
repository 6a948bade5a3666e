#include "function_record.hpp"

namespace fogbank::lambda {

using json = nlohmann::json;

json function_record::to_stored() const {
  json stored = {{"region", region},
                 {"account", account},
                 {"name", name},
                 {"runtime", runtime},
                 {"handler", handler},
                 {"role", role},
                 {"description", description},
                 {"timeout", timeout_seconds},
                 {"memory", memory_mb},
                 {"environment", environment},
                 {"has_environment", has_environment},
                 {"code", code == code_kind::zip ? "zip" : "local"},
                 {"code_sha256", code_sha256},
                 {"code_size", code_size},
                 {"code_dir", code_dir},
                 {"revision_id", revision_id},
                 {"last_modified", last_modified},
                 {"tracing_mode", tracing_mode},
                 {"architectures", architectures},
                 {"ephemeral_storage", ephemeral_storage_mb},
                 {"dead_letter_arn", dead_letter_arn},
                 {"tags", tags},
                 {"policy", policy_statements}};
  if (reserved_concurrency) stored["reserved_concurrency"] = *reserved_concurrency;
  if (invoke_config) {
    json config = {{"on_success", invoke_config->on_success},
                   {"on_failure", invoke_config->on_failure},
                   {"last_modified", invoke_config->last_modified}};
    if (invoke_config->maximum_retry_attempts) config["retries"] = *invoke_config->maximum_retry_attempts;
    if (invoke_config->maximum_event_age_seconds)
      config["max_age"] = *invoke_config->maximum_event_age_seconds;
    stored["invoke_config"] = std::move(config);
  }
  return stored;
}

function_record function_record::from_stored(const json& stored) {
  function_record fn;
  fn.region = stored.at("region").get<std::string>();
  fn.account = stored.at("account").get<std::string>();
  fn.name = stored.at("name").get<std::string>();
  fn.runtime = stored.at("runtime").get<std::string>();
  fn.handler = stored.at("handler").get<std::string>();
  fn.role = stored.at("role").get<std::string>();
  fn.description = stored.at("description").get<std::string>();
  fn.timeout_seconds = stored.at("timeout").get<int>();
  fn.memory_mb = stored.at("memory").get<int>();
  fn.environment = stored.at("environment").get<std::map<std::string, std::string>>();
  fn.has_environment = stored.at("has_environment").get<bool>();
  fn.code = stored.at("code").get<std::string>() == "zip" ? code_kind::zip : code_kind::local;
  fn.code_sha256 = stored.at("code_sha256").get<std::string>();
  fn.code_size = stored.at("code_size").get<std::int64_t>();
  fn.code_dir = stored.at("code_dir").get<std::string>();
  fn.revision_id = stored.at("revision_id").get<std::string>();
  fn.last_modified = stored.at("last_modified").get<std::string>();
  fn.tracing_mode = stored.at("tracing_mode").get<std::string>();
  fn.architectures = stored.at("architectures").get<std::vector<std::string>>();
  fn.ephemeral_storage_mb = stored.at("ephemeral_storage").get<int>();
  fn.dead_letter_arn = stored.at("dead_letter_arn").get<std::string>();
  fn.tags = stored.at("tags").get<std::map<std::string, std::string>>();
  fn.policy_statements = stored.at("policy");
  if (stored.contains("reserved_concurrency"))
    fn.reserved_concurrency = stored["reserved_concurrency"].get<int>();
  if (stored.contains("invoke_config")) {
    const json& config = stored["invoke_config"];
    event_invoke_config c;
    c.on_success = config.at("on_success").get<std::string>();
    c.on_failure = config.at("on_failure").get<std::string>();
    c.last_modified = config.at("last_modified").get<double>();
    if (config.contains("retries")) c.maximum_retry_attempts = config["retries"].get<int>();
    if (config.contains("max_age")) c.maximum_event_age_seconds = config["max_age"].get<std::int64_t>();
    fn.invoke_config = std::move(c);
  }
  return fn;
}

json function_record::configuration() const {
  // Member order and defaults as in recorded CreateFunction/GetFunction answers (nlohmann's
  // objects sort their keys; clients do not depend on the order).
  json out = {{"FunctionName", name},
              {"FunctionArn", arn()},
              {"Runtime", runtime},
              {"Role", role},
              {"Handler", handler},
              {"CodeSize", code_size},
              {"Description", description},
              {"Timeout", timeout_seconds},
              {"MemorySize", memory_mb},
              {"LastModified", last_modified},
              {"CodeSha256", code_sha256},
              {"Version", "$LATEST"},
              {"TracingConfig", {{"Mode", tracing_mode}}},
              {"RevisionId", revision_id},
              // fogbank makes a function ready as it creates or updates it (see ops_functions.cpp).
              {"State", "Active"},
              {"LastUpdateStatus", "Successful"},
              {"PackageType", "Zip"},
              {"Architectures", architectures},
              {"EphemeralStorage", {{"Size", ephemeral_storage_mb}}},
              {"SnapStart", {{"ApplyOn", "None"}, {"OptimizationStatus", "Off"}}},
              {"LoggingConfig", {{"LogFormat", "Text"}, {"LogGroup", "/aws/lambda/" + name}}}};
  if (has_environment) out["Environment"] = {{"Variables", environment}};
  if (!dead_letter_arn.empty()) out["DeadLetterConfig"] = {{"TargetArn", dead_letter_arn}};
  return out;
}

json function_record::invoke_config_output() const {
  json out = {{"FunctionArn", arn() + ":$LATEST"}, {"DestinationConfig", json::object()}};
  if (!invoke_config) return out;
  out["LastModified"] = invoke_config->last_modified;
  if (invoke_config->maximum_retry_attempts)
    out["MaximumRetryAttempts"] = *invoke_config->maximum_retry_attempts;
  if (invoke_config->maximum_event_age_seconds)
    out["MaximumEventAgeInSeconds"] = *invoke_config->maximum_event_age_seconds;
  json destinations = json::object();
  if (!invoke_config->on_success.empty())
    destinations["OnSuccess"] = {{"Destination", invoke_config->on_success}};
  if (!invoke_config->on_failure.empty())
    destinations["OnFailure"] = {{"Destination", invoke_config->on_failure}};
  out["DestinationConfig"] = std::move(destinations);
  return out;
}

}  // namespace fogbank::lambda
