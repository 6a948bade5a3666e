#include "validation.hpp"

#include "fogbank/core/aws_error.hpp"

#include <algorithm>
#include <array>
#include <regex>
#include <set>

namespace fogbank::lambda::validate {
namespace {

using core::aws_error;
using core::error_code;

// Patterns of botocore's lambda model (shapes NamespacedFunctionName, RoleArn, Handler,
// EnvironmentVariableName, StatementId, Arn). Inputs are length-checked before they are matched.
const std::regex& function_name_pattern() {
  // The model's pattern with each class's '-' moved last: "[a-zA-Z0-9-_]" reads as a range in
  // some regex engines.
  static const std::regex pattern(
      R"((arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9_.-]+)(:(\$LATEST|[a-zA-Z0-9_-]+))?)");
  return pattern;
}
constexpr std::string_view function_name_pattern_text =
    R"((arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?)";
constexpr std::size_t max_function_name_length = 170;  // NamespacedFunctionName's max
constexpr std::size_t max_plain_name_length = 64;      // "limited to 64 characters in length"

constexpr std::string_view role_pattern_text =
    R"(arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+)";
constexpr std::size_t max_role_length = 2048;  // IAM's ARN limit; the model gives none

constexpr int min_timeout = 1;
constexpr int max_timeout = 900;  // "Member must have value less than or equal to 900"
constexpr int min_memory = 128;
constexpr int max_memory = 10240;  // observed: "Member must have value less than or equal to 10240"
constexpr std::size_t max_handler_length = 128;
constexpr std::size_t max_description_length = 256;
// "The total size of the set does not exceed 4 KB" (the developer guide's environment variables).
constexpr std::size_t max_environment_bytes = 4096;
constexpr int min_ephemeral_storage = 512;
constexpr int max_ephemeral_storage = 10240;
constexpr std::size_t max_statement_id_length = 100;

// Keys Lambda sets itself and refuses in Environment.Variables (the developer guide's "Defined
// runtime environment variables": "reserved and cannot be set in your function configuration").
// AWS's refusal is recorded for AWS_REGION and the credential keys; the others are refused alike.
const std::set<std::string, std::less<>>& reserved_keys() {
  static const std::set<std::string, std::less<>> keys{
      "_HANDLER",
      "_X_AMZN_TRACE_ID",
      "AWS_ACCESS_KEY",
      "AWS_ACCESS_KEY_ID",
      "AWS_DEFAULT_REGION",
      "AWS_EXECUTION_ENV",
      "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
      "AWS_LAMBDA_FUNCTION_NAME",
      "AWS_LAMBDA_FUNCTION_VERSION",
      "AWS_LAMBDA_INITIALIZATION_TYPE",
      "AWS_LAMBDA_LOG_GROUP_NAME",
      "AWS_LAMBDA_LOG_STREAM_NAME",
      "AWS_LAMBDA_RUNTIME_API",
      "AWS_REGION",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_SESSION_TOKEN",
      "LAMBDA_RUNTIME_DIR",
      "LAMBDA_TASK_ROOT",
  };
  return keys;
}

// The runtimes CreateFunction accepts, in the order AWS lists them in its refusal (recorded by
// LocalStack's snapshot tests against AWS, 2025).
constexpr std::array accepted_runtimes{
    "nodejs20.x", "python3.14", "provided.al2023", "python3.12", "python3.13", "nodejs24.x",
    "nodejs22.x", "java17",     "nodejs16.x",      "java25",     "dotnet8",    "python3.10",
    "java11",     "python3.11", "dotnet6",         "java21",     "nodejs18.x", "provided.al2",
    "ruby3.3",    "ruby3.4",    "java8.al2",       "ruby3.2",    "python3.8",  "python3.9",
};

// Runtimes AWS has retired: named in the model's enum, refused with "no longer supported" and
// the runtime to move to. The recorded answer names nodejs20.x for nodejs14.x; for go1.x,
// nodejs12.x and python3.7 AWS names none ("a supported runtime": CloudFormation logs and a CDK
// workshop quoting AWS), written as an empty successor; the others are the current runtime of
// their family (unconfirmed wording per family).
struct retired_runtime {
  std::string_view id;
  std::string_view successor;
};
constexpr std::array retired_runtimes{
    retired_runtime{"nodejs", "nodejs20.x"},
    retired_runtime{"nodejs4.3", "nodejs20.x"},
    retired_runtime{"nodejs4.3-edge", "nodejs20.x"},
    retired_runtime{"nodejs6.10", "nodejs20.x"},
    retired_runtime{"nodejs8.10", "nodejs20.x"},
    retired_runtime{"nodejs10.x", "nodejs20.x"},
    retired_runtime{"nodejs12.x", ""},
    retired_runtime{"nodejs14.x", "nodejs20.x"},
    retired_runtime{"python2.7", "python3.12"},
    retired_runtime{"python3.6", "python3.12"},
    retired_runtime{"python3.7", ""},
    retired_runtime{"java8", "java21"},
    retired_runtime{"dotnetcore1.0", "dotnet8"},
    retired_runtime{"dotnetcore2.0", "dotnet8"},
    retired_runtime{"dotnetcore2.1", "dotnet8"},
    retired_runtime{"dotnetcore3.1", "dotnet8"},
    retired_runtime{"go1.x", ""},
    retired_runtime{"ruby2.5", "ruby3.3"},
    retired_runtime{"ruby2.7", "ruby3.3"},
    retired_runtime{"provided", "provided.al2023"},
};

bool is_letter(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// EnvironmentVariableName, [a-zA-Z]([a-zA-Z0-9_])+, by hand: names may be kilobytes long, and
// std::regex recurses once per character.
bool is_variable_name(std::string_view name) noexcept {
  if (name.size() < 2 || !is_letter(name.front())) return false;
  return std::all_of(name.begin() + 1, name.end(),
                     [](char c) { return is_letter(c) || is_digit(c) || c == '_'; });
}

// RoleArn, arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+, by hand for the same reason.
bool is_role_arn(std::string_view arn) noexcept {
  if (arn.substr(0, 4) != "arn:") return false;
  arn.remove_prefix(4);
  if (arn.substr(0, 3) == "aws") {
    arn.remove_prefix(3);
    while (!arn.empty() && (is_letter(arn.front()) || arn.front() == '-')) arn.remove_prefix(1);
  }
  if (arn.substr(0, 6) != ":iam::") return false;
  arn.remove_prefix(6);
  if (arn.size() < 12 || !std::all_of(arn.begin(), arn.begin() + 12, is_digit)) return false;
  arn.remove_prefix(12);
  if (arn.substr(0, 5) != ":role") return false;
  arn.remove_prefix(5);
  if (arn.empty()) return false;
  return std::all_of(arn.begin(), arn.end(), [](char c) {
    return is_letter(c) || is_digit(c) || std::string_view("_+=,.@-/").find(c) != std::string_view::npos;
  });
}

[[noreturn]] void invalid(std::string message) {
  throw aws_error(error_code::lambda_invalid_parameter_value, std::move(message));
}

}  // namespace

std::string quote_value(std::string_view text) {
  return "'" + std::string(text) + "'";
}

void constraint(std::string_view value, std::string_view at, std::string_view rule) {
  throw aws_error(error_code::validation, "1 validation error detected: Value " + std::string(value) +
                                              " at '" + std::string(at) +
                                              "' failed to satisfy constraint: " + std::string(rule));
}

std::optional<std::string> string_member(const json& request, std::string_view name) {
  const auto it = request.find(name);
  if (it == request.end() || it->is_null()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<std::int64_t> integer_member(const json& request, std::string_view name) {
  const auto it = request.find(name);
  if (it == request.end() || it->is_null()) return std::nullopt;
  if (it->is_number_float()) throw json::type_error::create(302, "not an integer", &*it);
  return it->get<std::int64_t>();
}

std::optional<bool> bool_member(const json& request, std::string_view name) {
  const auto it = request.find(name);
  if (it == request.end() || it->is_null()) return std::nullopt;
  return it->get<bool>();
}

function_name_parts function_name(const json& request, std::string_view member) {
  const std::optional<std::string> text = string_member(request, member);
  if (!text) constraint("null", "functionName", "Member must not be null");
  if (text->empty() || text->size() > max_function_name_length) {
    constraint(quote_value(*text), "functionName",
               text->empty() ? "Member must have length greater than or equal to 1"
                             : "Member must have length less than or equal to 170");
  }
  std::smatch m;
  if (!std::regex_match(*text, m, function_name_pattern())) {
    constraint(quote_value(*text), "functionName",
               "Member must satisfy regular expression pattern: " + std::string(function_name_pattern_text));
  }
  function_name_parts parts;
  parts.name = m[7].str();
  if (m[3].matched) parts.region = m[3].str().substr(0, m[3].length() - 1);
  if (m[9].matched) parts.qualifier = m[9].str();
  // "The length constraint applies only to the full ARN. If you specify only the function name,
  // it is limited to 64 characters in length."
  if (parts.name.size() > max_plain_name_length || parts.name.find('.') != std::string::npos) {
    constraint(quote_value(*text), "functionName",
               "Member must satisfy regular expression pattern: " + std::string(function_name_pattern_text));
  }
  return parts;
}

std::string role(const std::string& value) {
  if (value.size() > max_role_length || !is_role_arn(value)) {
    constraint(quote_value(value), "role",
               "Member must satisfy regular expression pattern: " + std::string(role_pattern_text));
  }
  return value;
}

std::string handler(const std::string& value) {
  if (value.size() > max_handler_length) {
    constraint(quote_value(value), "handler", "Member must have length less than or equal to 128");
  }
  if (value.empty() ||
      std::any_of(value.begin(), value.end(), [](unsigned char c) { return std::isspace(c); })) {
    constraint(quote_value(value), "handler", R"(Member must satisfy regular expression pattern: [^\s]+)");
  }
  return value;
}

std::string runtime(const std::string& value) {
  if (std::find(accepted_runtimes.begin(), accepted_runtimes.end(), value) != accepted_runtimes.end()) {
    return value;
  }
  for (const retired_runtime& retired : retired_runtimes) {
    if (retired.id == value) {
      // Recorded: "The runtime parameter of nodejs14.x is no longer supported for creating or
      // updating AWS Lambda functions. We recommend you use the new runtime (nodejs20.x) while
      // creating or updating functions."
      const std::string advice = retired.successor.empty()
                                     ? "a supported runtime"
                                     : "the new runtime (" + std::string(retired.successor) + ")";
      invalid("The runtime parameter of " + value +
              " is no longer supported for creating or updating AWS Lambda functions. We recommend you use " +
              advice + " while creating or updating functions.");
    }
  }
  std::string list;
  for (const char* id : accepted_runtimes) {
    if (!list.empty()) list += ", ";
    list += id;
  }
  // Recorded: "Value nodejs12.xa at 'runtime' failed to satisfy constraint: Member must satisfy
  // enum value set: [...] or be a valid ARN".
  invalid("Value " + value +
          " at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [" + list +
          "] or be a valid ARN");
}

int timeout(std::int64_t value) {
  if (value < min_timeout) {
    constraint(std::to_string(value), "timeout", "Member must have value greater than or equal to 1");
  }
  if (value > max_timeout) {
    constraint(std::to_string(value), "timeout", "Member must have value less than or equal to 900");
  }
  return static_cast<int>(value);
}

int memory_size(std::int64_t value) {
  if (value < min_memory) {
    constraint(std::to_string(value), "memorySize", "Member must have value greater than or equal to 128");
  }
  if (value > max_memory) {
    constraint(std::to_string(value), "memorySize", "Member must have value less than or equal to 10240");
  }
  return static_cast<int>(value);
}

std::string description(const std::string& value) {
  if (value.size() > max_description_length) {
    constraint(quote_value(value), "description", "Member must have length less than or equal to 256");
  }
  return value;
}

std::map<std::string, std::string> environment(const json& environment) {
  std::map<std::string, std::string> out;
  if (environment.is_null()) return out;
  const auto variables = environment.find("Variables");
  if (variables == environment.end() || variables->is_null()) return out;
  out = variables->get<std::map<std::string, std::string>>();
  std::string reserved;
  for (const auto& [key, value] : out) {
    if (reserved_keys().count(key) != 0) reserved += (reserved.empty() ? "" : ",") + key;
  }
  if (!reserved.empty()) {
    // Recorded (D15 of the research): the keys listed as given.
    invalid(
        "Lambda was unable to configure your environment variables because the environment variables you "
        "have "
        "provided contains reserved keys that are currently not supported for modification. Reserved keys "
        "used "
        "in this request: " +
        reserved);
  }
  for (const auto& [key, value] : out) {
    if (!is_variable_name(key)) {
      // A variable name's own check (the model's pattern) words it as a validation error; the
      // member path is unconfirmed.
      constraint(quote_value(key), "environment.variables",
                 "Map keys must satisfy constraint: [Member must satisfy regular expression pattern: "
                 "[a-zA-Z]([a-zA-Z0-9_])+]");
    }
  }
  // The 4 KB counts the variables as JSON (AWS quotes the measured string; unconfirmed beyond
  // the wording's start).
  const std::string measured = json(out).dump();
  if (measured.size() > max_environment_bytes) {
    invalid(
        "Lambda was unable to configure your environment variables because the environment variables you "
        "have "
        "provided exceeded the 4KB limit. String measured: " +
        measured);
  }
  return out;
}

int ephemeral_storage(const json& value) {
  const std::int64_t size = value.at("Size").get<std::int64_t>();
  if (size < min_ephemeral_storage) {
    constraint(std::to_string(size), "ephemeralStorage.size",
               "Member must have value greater than or equal to 512");
  }
  if (size > max_ephemeral_storage) {
    constraint(std::to_string(size), "ephemeralStorage.size",
               "Member must have value less than or equal to 10240");
  }
  return static_cast<int>(size);
}

std::string tracing_mode(const json& value) {
  std::string mode = value.value("Mode", std::string("PassThrough"));
  if (mode != "Active" && mode != "PassThrough") {
    constraint(quote_value(mode), "tracingConfig.mode",
               "Member must satisfy enum value set: [Active, PassThrough]");
  }
  return mode;
}

std::vector<std::string> architectures(const json& value) {
  std::vector<std::string> list = value.get<std::vector<std::string>>();
  if (list.size() != 1) {
    constraint("'[" + (list.empty() ? std::string() : list.front()) + "]'", "architectures",
               "Member must have length less than or equal to 1");
  }
  if (list.front() != "x86_64" && list.front() != "arm64") {
    constraint("'[" + list.front() + "]'", "architectures",
               "Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]");
  }
  return list;
}

std::string dead_letter_target(const json& value) {
  std::string arn = value.value("TargetArn", std::string());
  if (!arn.empty() && !is_arn(arn)) {
    constraint(
        quote_value(arn), "deadLetterConfig.targetArn",
        R"(Member must satisfy regular expression pattern: arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}(-gov)?-[a-z]+-\d{1})?:(\d{12})?:(.*))");
  }
  return arn;
}

std::string statement_id(const std::string& value) {
  static const std::regex pattern("([a-zA-Z0-9_-]+)");
  if (value.empty() || value.size() > max_statement_id_length || !std::regex_match(value, pattern)) {
    constraint(quote_value(value), "statementId",
               "Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)");
  }
  return value;
}

bool is_arn(std::string_view value) {
  static const std::regex pattern(
      R"(arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}(-gov)?-[a-z]+-\d{1})?:(\d{12})?:(.*))");
  constexpr std::size_t max_arn_length = 350;  // DestinationArn's max
  return value.size() <= max_arn_length && std::regex_match(value.begin(), value.end(), pattern);
}

}  // namespace fogbank::lambda::validate
