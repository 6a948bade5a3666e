#pragma once
// Reading and checking the members of Lambda requests, with Lambda's errors: the model's
// constraints as ValidationException ("1 validation error detected: Value '1200' at 'timeout'
// failed to satisfy constraint: Member must have value less than or equal to 900"), Lambda's own
// checks as InvalidParameterValueException. Members of the wrong JSON type throw the JSON
// library's type_error, which the service's funnel turns into InvalidRequestContentException.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace fogbank::lambda::validate {

using json = nlohmann::json;

// A member's value, if present and not null. Throws json::type_error for the wrong type.
std::optional<std::string> string_member(const json& request, std::string_view name);
std::optional<std::int64_t> integer_member(const json& request, std::string_view name);
std::optional<bool> bool_member(const json& request, std::string_view name);

// ValidationException "1 validation error detected: Value <value> at '<at>' failed to satisfy
// constraint: <constraint>" (`value` as Lambda quotes it: 'text', a number, or null).
[[noreturn]] void constraint(std::string_view value, std::string_view at, std::string_view rule);
std::string quote_value(std::string_view text);

// A function's own name (CreateFunction's FunctionName may also be an ARN): 1-64 of
// [a-zA-Z0-9-_], after the ARN parts the model's pattern allows.
struct function_name_parts {
  std::string name;
  std::string region;     // from an ARN, or empty
  std::string qualifier;  // ":1", ":$LATEST" suffix without the colon, or empty
};
function_name_parts function_name(const json& request, std::string_view member = "FunctionName");

std::string role(const std::string& value);
std::string handler(const std::string& value);
// InvalidParameterValueException with AWS's messages for unknown and retired runtimes.
std::string runtime(const std::string& value);
int timeout(std::int64_t value);
int memory_size(std::int64_t value);
std::string description(const std::string& value);
// Environment.Variables: names per the model's pattern, no reserved name, 4 KB in all.
std::map<std::string, std::string> environment(const json& environment);
int ephemeral_storage(const json& value);
std::string tracing_mode(const json& value);
std::vector<std::string> architectures(const json& value);
std::string dead_letter_target(const json& value);

// Statement ids, principals and actions of AddPermission.
std::string statement_id(const std::string& value);

// A destination or dead-letter ARN: the model's Arn pattern.
bool is_arn(std::string_view value);

}  // namespace fogbank::lambda::validate
