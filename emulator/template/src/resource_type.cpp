#include "resource_type.hpp"

#include "fogbank/core/ids.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace fogbank::templates {
namespace {

// CloudFormation's random part is 12 or 13 characters of [A-Z0-9] ("stack-Queue-1QXWO6U1HI3YT").
constexpr std::size_t generated_suffix_length = 12;

}  // namespace

std::uint64_t stable_hash(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ULL;  // FNV-1a
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

json resource_calls::must(const std::string& service, const std::string& operation, const json& request) {
  ++calls_;
  core::call_result result = runner_.call(service, operation, request);
  if (result.error) {
    fail_named(source_, resource_.pointer, operation,
               std::string(result.error->name()) + ": " + result.error->message());
  }
  return std::move(result.body);
}

std::optional<json> resource_calls::find(const std::string& service, const std::string& operation,
                                         const json& request, core::error_code absent) {
  ++calls_;
  core::call_result result = runner_.call(service, operation, request);
  if (result.error && result.error->code() == absent) return std::nullopt;
  if (result.error) {
    fail_named(source_, resource_.pointer, operation,
               std::string(result.error->name()) + ": " + result.error->message());
  }
  return std::move(result.body);
}

void resource_calls::fail(const std::string& reason, const std::string& property) const {
  fail_at(source_, property.empty() ? resource_.pointer : property_path(resource_, property), reason);
}

const resource_type* find_resource_type(std::string_view name) {
  static const resource_type* const types[] = {&dynamodb_table_type(),
                                               &sqs_queue_type(),
                                               &sqs_queue_policy_type(),
                                               &lambda_function_type(),
                                               &lambda_event_source_mapping_type(),
                                               &lambda_permission_type(),
                                               &apigw_api_type(),
                                               &apigw_route_type(),
                                               &apigw_integration_type(),
                                               &apigw_route_response_type(),
                                               &apigw_stage_type(),
                                               &apigw_deployment_type(),
                                               &apigw_authorizer_type(),
                                               &sns_topic_type(),
                                               &sns_subscription_type(),
                                               &sns_topic_policy_type(),
                                               &apigateway_rest_api_type(),
                                               &apigateway_resource_type(),
                                               &apigateway_method_type(),
                                               &apigateway_authorizer_type(),
                                               &apigateway_deployment_type(),
                                               &apigateway_stage_type()};
  for (const resource_type* type : types) {
    if (type->type_name() == name) return type;
  }
  return nullptr;
}

std::string generated_name(const plan_context& context, const std::string& logical_id, std::size_t max_length,
                           const std::string& suffix) {
  core::id_generator ids(core::id_generator::derive_seed(context.options.seed,
                                                         stable_hash(context.stack_name + "/" + logical_id)));
  const std::string random = "-" + ids.upper_alnum(generated_suffix_length) + suffix;
  std::string front = context.stack_name + "-" + logical_id;
  if (front.size() + random.size() > max_length) front.resize(max_length - random.size());
  // A cut that ends in '-' would make "--" before the random part.
  while (!front.empty() && front.back() == '-') front.pop_back();
  return front + random;
}

std::string physical_name(const plan_context& context, const planned_resource& r,
                          const std::string& name_property, std::size_t max_length,
                          const std::string& suffix) {
  if (r.properties.contains(name_property)) {
    return string_property(context, r.properties[name_property], property_path(r, name_property));
  }
  if (const recorded_resource* previous = context.recorded.find(r.logical_id);
      previous != nullptr && previous->type == r.type && !previous->physical_id.empty()) {
    return previous->physical_id;
  }
  return generated_name(context, r.logical_id, max_length, suffix);
}

std::int64_t int_property(const plan_context& context, const json& value, const std::string& pointer) {
  if (value.is_number_integer()) return value.get<std::int64_t>();
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    char* end = nullptr;
    errno = 0;
    const long long parsed = std::strtoll(text.c_str(), &end, 10);
    if (!text.empty() && end == text.c_str() + text.size() && errno == 0) return parsed;
  }
  fail_at(context.source, pointer, "must be a whole number, got " + value.dump());
}

bool bool_property(const plan_context& context, const json& value, const std::string& pointer) {
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_string()) {
    std::string text = value.get<std::string>();
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    if (text == "true") return true;
    if (text == "false") return false;
  }
  fail_at(context.source, pointer, "must be true or false, got " + value.dump());
}

std::string string_property(const plan_context& context, const json& value, const std::string& pointer) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number()) return value.dump();
  fail_at(context.source, pointer, "must be a string, got " + value.dump());
}

std::map<std::string, std::string> tag_map(const plan_context& context, const json& tags,
                                           const std::string& pointer) {
  if (!tags.is_array()) fail_at(context.source, pointer, "Tags is a list of {Key, Value}");
  std::map<std::string, std::string> out;
  for (std::size_t i = 0; i < tags.size(); ++i) {
    const json& tag = tags[i];
    const std::string at = child_path(pointer, i);
    if (!tag.is_object() || !tag.contains("Key") || !tag.contains("Value")) {
      fail_at(context.source, at, "a tag is {Key, Value}");
    }
    out[string_property(context, tag["Key"], child_path(at, "Key"))] =
        string_property(context, tag["Value"], child_path(at, "Value"));
  }
  return out;
}

std::string json_text(const plan_context& context, const json& value, const std::string& pointer) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object()) return value.dump();
  fail_at(context.source, pointer, "must be a JSON object, got " + value.dump());
}

std::string property_path(const planned_resource& r, const std::string& name) {
  return child_path(child_path(r.pointer, "Properties"), name);
}

}  // namespace fogbank::templates
