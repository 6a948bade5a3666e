// A function's settings: reserved concurrency, its resource policy (AddPermission and friends:
// recorded and shown, never enforced: fogbank trusts every caller), asynchronous invocation
// configuration, and tags.

#include "service_impl.hpp"
#include "validation.hpp"

#include <algorithm>

namespace fogbank::lambda {
namespace {

using core::error_code;

// LocalStack's ports of AWS's wording.
constexpr std::string_view no_such_resource = "The resource you requested does not exist.";

std::string destination_of(const json& config, std::string_view which) {
  const auto it = config.find(which);
  if (it == config.end() || it->is_null()) return {};
  std::string arn = it->value("Destination", std::string());
  if (!arn.empty() && !validate::is_arn(arn)) {
    validate::constraint(
        validate::quote_value(arn),
        "destinationConfig." + std::string(which == "OnSuccess" ? "onSuccess" : "onFailure") + ".destination",
        R"(Member must satisfy regular expression pattern: ^$|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}(-gov)?-[a-z]+-\d{1})?:(\d{12})?:(.*))");
  }
  return arn;
}

// Reads PutFunctionEventInvokeConfig's members into `config` (only those present).
void read_invoke_config(event_invoke_config& config, const json& request) {
  if (const auto retries = validate::integer_member(request, "MaximumRetryAttempts")) {
    if (*retries < 0 || *retries > default_max_retry_attempts) {
      validate::constraint(std::to_string(*retries), "maximumRetryAttempts",
                           *retries < 0 ? "Member must have value greater than or equal to 0"
                                        : "Member must have value less than or equal to 2");
    }
    config.maximum_retry_attempts = static_cast<int>(*retries);
  }
  if (const auto age = validate::integer_member(request, "MaximumEventAgeInSeconds")) {
    if (*age < 60 || *age > default_max_event_age_seconds) {
      validate::constraint(std::to_string(*age), "maximumEventAgeInSeconds",
                           *age < 60 ? "Member must have value greater than or equal to 60"
                                     : "Member must have value less than or equal to 21600");
    }
    config.maximum_event_age_seconds = *age;
  }
  if (const auto it = request.find("DestinationConfig"); it != request.end() && !it->is_null()) {
    config.on_success = destination_of(*it, "OnSuccess");
    config.on_failure = destination_of(*it, "OnFailure");
  }
}

// The function a tagging call's Resource (a function ARN) names.
json function_name_request(const json& request) {
  const std::optional<std::string> resource = validate::string_member(request, "Resource");
  if (!resource) validate::constraint("null", "resource", "Member must not be null");
  return json{{"FunctionName", *resource}};
}

}  // namespace

// ---- concurrency ----

json service_impl::put_function_concurrency(const json& request, const core::call_context& context) {
  function_record& fn = find_function(request, context);
  const std::optional<std::int64_t> reserved =
      validate::integer_member(request, "ReservedConcurrentExecutions");
  if (!reserved) validate::constraint("null", "reservedConcurrentExecutions", "Member must not be null");
  if (*reserved < 0) {
    validate::constraint(std::to_string(*reserved), "reservedConcurrentExecutions",
                         "Member must have value greater than or equal to 0");
  }
  std::int64_t others = 0;
  for (const auto& [key, other] : functions_) {
    if (key != fn.key() && other.region == fn.region && other.reserved_concurrency) {
      others += *other.reserved_concurrency;
    }
  }
  if (others + *reserved > account_concurrency - min_unreserved_concurrency) {
    // Recorded AWS wording (the minimum is the account's: 100 for a default account).
    fail(error_code::lambda_invalid_parameter_value,
         "Specified ReservedConcurrentExecutions for function decreases account's "
         "UnreservedConcurrentExecution "
         "below its minimum value of [" +
             std::to_string(min_unreserved_concurrency) + "].");
  }
  function_record changed = fn;
  changed.reserved_concurrency = static_cast<int>(*reserved);
  store_function(changed);
  fn = std::move(changed);
  return {{"ReservedConcurrentExecutions", *fn.reserved_concurrency}};
}

json service_impl::get_function_concurrency(const json& request, const core::call_context& context) {
  const function_record& fn = find_function(request, context);
  if (!fn.reserved_concurrency) return json::object();
  return {{"ReservedConcurrentExecutions", *fn.reserved_concurrency}};
}

json service_impl::delete_function_concurrency(const json& request, const core::call_context& context) {
  function_record& fn = find_function(request, context);
  function_record changed = fn;
  changed.reserved_concurrency.reset();
  store_function(changed);
  fn = std::move(changed);
  return json::object();
}

// ---- resource policy ----

json service_impl::add_permission(const json& request, const core::call_context& context) {
  function_record& fn = find_function(request, context);
  const std::optional<std::string> sid = validate::string_member(request, "StatementId");
  if (!sid) validate::constraint("null", "statementId", "Member must not be null");
  validate::statement_id(*sid);
  const std::optional<std::string> action = validate::string_member(request, "Action");
  if (!action) validate::constraint("null", "action", "Member must not be null");
  const std::optional<std::string> principal = validate::string_member(request, "Principal");
  if (!principal) validate::constraint("null", "principal", "Member must not be null");
  if (const auto revision = validate::string_member(request, "RevisionId");
      revision && *revision != fn.revision_id) {
    fail(error_code::lambda_precondition_failed,
         "The RevisionId provided does not match the latest RevisionId for the Lambda function or alias. "
         "Call the "
         "GetFunction or the GetAlias API to retrieve the latest RevisionId for your resource.");
  }
  for (const json& statement : fn.policy_statements) {
    if (statement.value("Sid", std::string()) == *sid) {
      // LocalStack's port of AWS's wording.
      fail(error_code::lambda_resource_conflict,
           "The statement id (" + *sid +
               ") provided already exists. Please provide a new statement "
               "id, or remove the existing statement.");
    }
  }
  // The statement as GetPolicy shows it: a service principal ("s3.amazonaws.com") as Service, an
  // account or ARN as AWS.
  json statement = {{"Sid", *sid}, {"Effect", "Allow"}, {"Action", *action}, {"Resource", fn.arn()}};
  const bool service_principal = principal->find(".amazonaws.com") != std::string::npos;
  statement["Principal"] = service_principal ? json{{"Service", *principal}} : json{{"AWS", *principal}};
  json condition = json::object();
  if (const auto source_arn = validate::string_member(request, "SourceArn")) {
    condition["ArnLike"] = {{"AWS:SourceArn", *source_arn}};
  }
  if (const auto source_account = validate::string_member(request, "SourceAccount")) {
    condition["StringEquals"] = {{"AWS:SourceAccount", *source_account}};
  }
  if (!condition.empty()) statement["Condition"] = std::move(condition);

  function_record changed = fn;
  changed.policy_statements.push_back(statement);
  store_function(changed);
  fn = std::move(changed);
  return {{"Statement", statement.dump()}};
}

json service_impl::remove_permission(const json& request, const core::call_context& context) {
  function_record& fn = find_function(request, context);
  const std::string sid = validate::string_member(request, "StatementId").value_or("");
  function_record changed = fn;
  auto& statements = changed.policy_statements;
  const auto it = std::find_if(statements.begin(), statements.end(),
                               [&](const json& s) { return s.value("Sid", std::string()) == sid; });
  if (it == statements.end()) {
    // LocalStack's port of AWS's wording.
    fail(error_code::lambda_resource_not_found, "Statement " + sid + " is not found in resource policy.");
  }
  statements.erase(it);
  store_function(changed);
  fn = std::move(changed);
  return json::object();
}

json service_impl::get_policy(const json& request, const core::call_context& context) {
  const function_record& fn = find_function(request, context);
  if (fn.policy_statements.empty())
    fail(error_code::lambda_resource_not_found, std::string(no_such_resource));
  const json policy = {{"Version", "2012-10-17"}, {"Id", "default"}, {"Statement", fn.policy_statements}};
  return {{"Policy", policy.dump()}, {"RevisionId", fn.revision_id}};
}

// ---- asynchronous invocation configuration ----

json service_impl::put_function_event_invoke_config(const json& request, const core::call_context& context) {
  function_record& fn = find_function(request, context);
  event_invoke_config config;  // Put replaces the whole configuration
  read_invoke_config(config, request);
  config.last_modified = clock_.epoch_seconds();
  function_record changed = fn;
  changed.invoke_config = std::move(config);
  store_function(changed);
  fn = std::move(changed);
  return fn.invoke_config_output();
}

json service_impl::update_function_event_invoke_config(const json& request,
                                                       const core::call_context& context) {
  function_record& fn = find_function(request, context);
  if (!fn.invoke_config) {
    // LocalStack's port of AWS's wording.
    fail(error_code::lambda_resource_not_found,
         "The function " + fn.arn() + ":$LATEST doesn't have an EventInvokeConfig");
  }
  function_record changed = fn;
  read_invoke_config(*changed.invoke_config, request);
  changed.invoke_config->last_modified = clock_.epoch_seconds();
  store_function(changed);
  fn = std::move(changed);
  return fn.invoke_config_output();
}

json service_impl::get_function_event_invoke_config(const json& request, const core::call_context& context) {
  const function_record& fn = find_function(request, context);
  if (!fn.invoke_config) {
    fail(error_code::lambda_resource_not_found,
         "The function " + fn.arn() + ":$LATEST doesn't have an EventInvokeConfig");
  }
  return fn.invoke_config_output();
}

json service_impl::delete_function_event_invoke_config(const json& request,
                                                       const core::call_context& context) {
  function_record& fn = find_function(request, context);
  if (!fn.invoke_config) {
    fail(error_code::lambda_resource_not_found,
         "The function " + fn.arn() + ":$LATEST doesn't have an EventInvokeConfig");
  }
  function_record changed = fn;
  changed.invoke_config.reset();
  store_function(changed);
  fn = std::move(changed);
  return json::object();
}

json service_impl::list_function_event_invoke_configs(const json& request,
                                                      const core::call_context& context) {
  const function_record& fn = find_function(request, context);
  json configs = json::array();
  if (fn.invoke_config) configs.push_back(fn.invoke_config_output());
  return {{"FunctionEventInvokeConfigs", std::move(configs)}};
}

// ---- tags ----

json service_impl::tag_resource(const json& request, const core::call_context& context) {
  function_record& fn = find_function(function_name_request(request), context);
  function_record changed = fn;
  if (const auto it = request.find("Tags"); it != request.end() && !it->is_null()) {
    for (const auto& [key, value] : it->get<std::map<std::string, std::string>>()) changed.tags[key] = value;
  }
  store_function(changed);
  fn = std::move(changed);
  return json::object();
}

json service_impl::untag_resource(const json& request, const core::call_context& context) {
  function_record& fn = find_function(function_name_request(request), context);
  function_record changed = fn;
  if (const auto it = request.find("TagKeys"); it != request.end() && !it->is_null()) {
    for (const std::string& key : it->get<std::vector<std::string>>()) changed.tags.erase(key);
  }
  store_function(changed);
  fn = std::move(changed);
  return json::object();
}

json service_impl::list_tags(const json& request, const core::call_context& context) {
  return {{"Tags", find_function(function_name_request(request), context).tags}};
}

}  // namespace fogbank::lambda
