// Intrinsic functions as CloudFormation's "Intrinsic function reference" describes them. Values
// are the template's: scalars are strings, so Fn::Equals compares texts and Fn::Select's index
// may be "0" or 0.

#include "intrinsics.hpp"

#include "deferred.hpp"
#include "fogbank/core/encoding.hpp"

#include <cstdlib>

namespace fogbank::templates {

// Plans hold what this evaluator resolves; the walks over plans (deferred.cpp) must reach as deep.
static_assert(max_deferred_depth > max_evaluation_depth);

namespace {

const std::set<std::string> unsupported_functions = {"Fn::Cidr", "Fn::Transform", "Fn::Length",
                                                     "Fn::ToJsonString", "Fn::ForEach"};
const std::set<std::string> condition_functions = {"Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or"};

bool is_function_object(const json& value) {
  if (!value.is_object() || value.size() != 1) return false;
  const std::string& key = value.begin().key();
  return key == "Ref" || key == "Condition" || key.rfind("Fn::", 0) == 0;
}

std::string scalar_text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number()) return value.dump();
  return "";
}

bool is_scalar(const json& value) {
  return value.is_string() || value.is_number() || value.is_boolean();
}

}  // namespace

std::vector<std::string> sub_references(const template_source& source, const std::string& text,
                                        const std::string& pointer) {
  std::vector<std::string> names;
  std::size_t at = 0;
  while ((at = text.find("${", at)) != std::string::npos) {
    const std::size_t end = text.find('}', at + 2);
    if (end == std::string::npos) fail_at(source, pointer, "Fn::Sub: '${' without a closing '}'");
    if (text.compare(at + 2, 1, "!") != 0) names.push_back(text.substr(at + 2, end - at - 2));
    at = end + 1;
  }
  return names;
}

evaluator::evaluator(const template_source& source, const stack_model& model,
                     std::map<std::string, json> parameters, pseudo_parameters pseudo,
                     const std::map<std::string, std::string>* exports)
    : source_(source),
      model_(model),
      parameters_(std::move(parameters)),
      pseudo_(std::move(pseudo)),
      exports_(exports) {}

bool evaluator::is_parameter(const std::string& name) const {
  return parameters_.contains(name) || name.rfind("AWS::", 0) == 0;
}

bool evaluator::condition(const std::string& name, const std::string& pointer) {
  return condition_at(name, pointer, 0);
}

bool evaluator::condition_at(const std::string& name, const std::string& pointer, int depth) {
  if (const auto known = conditions_.find(name); known != conditions_.end()) return known->second;
  if (!model_.conditions.contains(name)) {
    fail_at(source_, pointer,
            "refers to the condition '" + name + "', which the Conditions section does not define");
  }
  const std::string path = child_path("/Conditions", name);
  if (!evaluating_.insert(name).second)
    fail_at(source_, path, "the condition refers to itself (through other conditions)");
  const bool value = condition_value(model_.conditions[name], path, depth + 1);
  evaluating_.erase(name);
  conditions_[name] = value;
  return value;
}

bool evaluator::condition_value(const json& value, const std::string& pointer, int depth) {
  if (depth > max_evaluation_depth)
    fail_at(source_, pointer,
            "conditions nest deeper than " + std::to_string(max_evaluation_depth) + " levels");
  if (!is_function_object(value)) {
    fail_at(source_, pointer, "a condition is Fn::Equals, Fn::Not, Fn::And, Fn::Or or {Condition: name}");
  }
  const std::string& name = value.begin().key();
  const json& args = value.begin().value();
  const std::string at = child_path(pointer, name);
  if (name == "Condition") {
    if (!args.is_string()) fail_at(source_, at, "Condition takes a condition's name");
    return condition_at(args.get<std::string>(), at, depth + 1);
  }
  if (name == "Fn::Equals") {
    if (!args.is_array() || args.size() != 2) fail_at(source_, at, "Fn::Equals takes a list of two values");
    // Its arguments may not name resources: conditions are decided before anything exists.
    struct condition_scope {
      int& counter;
      explicit condition_scope(int& c) : counter(++c) {}
      ~condition_scope() { --counter; }
      condition_scope(const condition_scope&) = delete;
      condition_scope& operator=(const condition_scope&) = delete;
    } scope(in_condition_);
    const json a = must_resolve(args[0], child_path(at, 0), depth + 1);
    const json b = must_resolve(args[1], child_path(at, 1), depth + 1);
    return is_scalar(a) && is_scalar(b) ? scalar_text(a) == scalar_text(b) : a == b;
  }
  if (name == "Fn::Not") {
    if (!args.is_array() || args.size() != 1) fail_at(source_, at, "Fn::Not takes a list of one condition");
    return !condition_value(args[0], child_path(at, 0), depth + 1);
  }
  if (name == "Fn::And" || name == "Fn::Or") {
    // "a minimum of 2 conditions and a maximum of 10".
    if (!args.is_array() || args.size() < 2 || args.size() > 10) {
      fail_at(source_, at, name + " takes a list of 2 to 10 conditions");
    }
    const bool all = name == "Fn::And";
    bool result = all;
    for (std::size_t i = 0; i < args.size(); ++i) {
      const bool v = condition_value(args[i], child_path(at, i), depth + 1);
      result = all ? result && v : result || v;
    }
    return result;
  }
  fail_at(source_, at, name + " cannot be used as a condition");
}

std::optional<json> evaluator::resolve(const json& value, const std::string& pointer) {
  return resolve_at(value, pointer, 0);
}

json evaluator::must_resolve(const json& value, const std::string& pointer, int depth) {
  std::optional<json> resolved = resolve_at(value, pointer, depth);
  if (!resolved) fail_at(source_, pointer, "AWS::NoValue cannot be used here");
  return std::move(*resolved);
}

std::string evaluator::string_arg(const json& value, const std::string& pointer, int depth,
                                  const std::string& what) {
  const json resolved = must_resolve(value, pointer, depth);
  if (!is_scalar(resolved)) fail_at(source_, pointer, what + " must be a string");
  return scalar_text(resolved);
}

std::optional<json> evaluator::resolve_at(const json& value, const std::string& pointer, int depth) {
  if (depth > max_evaluation_depth) {
    fail_at(source_, pointer, "nested deeper than " + std::to_string(max_evaluation_depth) + " levels");
  }
  if (is_function_object(value)) {
    return function(value.begin().key(), value.begin().value(), child_path(pointer, value.begin().key()),
                    depth + 1);
  }
  if (value.is_object()) {
    json out = json::object();
    for (const auto& [key, member] : value.items()) {
      std::optional<json> resolved = resolve_at(member, child_path(pointer, key), depth + 1);
      if (resolved) out[key] = std::move(*resolved);
    }
    return out;
  }
  if (value.is_array()) {
    json out = json::array();
    for (std::size_t i = 0; i < value.size(); ++i) {
      std::optional<json> resolved = resolve_at(value[i], child_path(pointer, i), depth + 1);
      if (resolved) out.push_back(std::move(*resolved));
    }
    return out;
  }
  if (value.is_string() && value.get_ref<const std::string&>().find("{{resolve:") != std::string::npos) {
    fail_at(
        source_, pointer,
        "dynamic references ({{resolve:...}}) are not supported: fogbank emulates no SSM or Secrets Manager");
  }
  return value;
}

std::optional<json> evaluator::function(const std::string& name, const json& args, const std::string& pointer,
                                        int depth) {
  if (name == "Ref") {
    if (!args.is_string()) fail_at(source_, pointer, "Ref takes a name");
    const std::string target = args.get<std::string>();
    if (target == "AWS::NoValue") return std::nullopt;
    return ref(target, pointer);
  }
  if (name == "Fn::If") return if_(args, pointer, depth);
  if (name == "Fn::GetAtt") return get_att(args, pointer, depth);
  if (name == "Fn::Sub") return sub(args, pointer, depth);
  if (name == "Fn::Join") return join(args, pointer, depth);
  if (name == "Fn::Select") return select(args, pointer, depth);
  if (name == "Fn::Split") return split(args, pointer, depth);
  if (name == "Fn::FindInMap") return find_in_map(args, pointer, depth);
  if (name == "Fn::Base64") {
    const std::string text = string_arg(args, pointer, depth, "Fn::Base64's value");
    if (has_deferred(text))
      fail_at(source_, pointer, "Fn::Base64 of a value known only once a resource exists is not supported");
    return json(core::base64_encode(text));
  }
  if (name == "Fn::GetAZs") {
    std::string region =
        args.is_null() ? std::string() : string_arg(args, pointer, depth, "Fn::GetAZs's region");
    if (region.empty()) region = pseudo_.region;
    // Three zones, as in most regions; fogbank has no zones to list.
    return json::array({region + "a", region + "b", region + "c"});
  }
  if (name == "Fn::ImportValue") {
    const std::string export_name = string_arg(args, pointer, depth, "Fn::ImportValue's name");
    if (exports_ != nullptr) {
      if (const auto it = exports_->find(export_name); it != exports_->end()) return json(it->second);
    }
    fail_at(source_, pointer,
            "No export named " + export_name + " found (exports come from templates loaded before this one)");
  }
  if (name == "Condition" || condition_functions.contains(name)) {
    fail_at(source_, pointer, name + " can only be used in the Conditions section (use Fn::If here)");
  }
  if (unsupported_functions.contains(name)) fail_at(source_, pointer, name + " is not supported by fogbank");
  fail_at(source_, pointer, "unknown intrinsic function " + name);
}

json evaluator::ref(const std::string& name, const std::string& pointer) {
  if (const auto it = parameters_.find(name); it != parameters_.end()) return it->second;
  if (name == "AWS::Region") return pseudo_.region;
  if (name == "AWS::AccountId") return pseudo_.account_id;
  if (name == "AWS::StackName") return pseudo_.stack_name;
  if (name == "AWS::StackId") return pseudo_.stack_id;
  if (name == "AWS::Partition") return "aws";
  if (name == "AWS::URLSuffix") return "amazonaws.com";
  if (name == "AWS::NotificationARNs") return json::array();
  if (name.rfind("AWS::", 0) == 0) fail_at(source_, pointer, "unknown pseudo parameter " + name);
  const resource_decl* resource = model_.find_resource(name);
  if (resource == nullptr) {
    fail_at(source_, pointer,
            "Template format error: Unresolved resource dependencies [" + name +
                "] in the Resources block of the template");
  }
  if (in_condition_ > 0) fail_at(source_, pointer, "a condition cannot refer to the resource " + name);
  if (!resource->condition.empty() && !condition(resource->condition, pointer)) {
    fail_at(
        source_, pointer,
        "refers to " + name + ", which is not created: its condition " + resource->condition + " is false");
  }
  if (!resources_) fail_at(source_, pointer, "cannot refer to the resource " + name + " here");
  return resources_(name, "Ref", pointer);
}

json evaluator::get_att(const json& args, const std::string& pointer, int depth) {
  std::string target;
  std::string attribute;
  if (args.is_string()) {
    const std::string text = args.get<std::string>();
    const auto dot = text.find('.');
    if (dot == std::string::npos)
      fail_at(source_, pointer, "Fn::GetAtt needs Resource.Attribute, got '" + text + "'");
    target = text.substr(0, dot);
    attribute = text.substr(dot + 1);
  } else if (args.is_array() && args.size() == 2 && args[0].is_string()) {
    target = args[0].get<std::string>();
    attribute = string_arg(args[1], child_path(pointer, 1), depth + 1, "Fn::GetAtt's attribute");
  } else {
    fail_at(source_, pointer, "Fn::GetAtt takes [Resource, Attribute]");
  }
  const resource_decl* resource = model_.find_resource(target);
  if (resource == nullptr) {
    fail_at(source_, pointer,
            "Template error: instance of Fn::GetAtt references undefined resource " + target);
  }
  if (in_condition_ > 0) fail_at(source_, pointer, "a condition cannot refer to the resource " + target);
  if (!resource->condition.empty() && !condition(resource->condition, pointer)) {
    fail_at(
        source_, pointer,
        "refers to " + target + ", which is not created: its condition " + resource->condition + " is false");
  }
  if (!resources_) fail_at(source_, pointer, "cannot refer to the resource " + target + " here");
  return resources_(target, attribute, pointer);
}

json evaluator::sub(const json& args, const std::string& pointer, int depth) {
  std::string text;
  json variables = json::object();
  std::string text_path = pointer;
  if (args.is_string()) {
    text = args.get<std::string>();
  } else if (args.is_array() && args.size() == 2 && args[0].is_string() && args[1].is_object()) {
    text = args[0].get<std::string>();
    text_path = child_path(pointer, 0);
    for (const auto& [key, value] : args[1].items()) {
      variables[key] =
          string_arg(value, child_path(child_path(pointer, 1), key), depth + 1, "a Fn::Sub variable");
    }
  } else {
    fail_at(source_, pointer, "Fn::Sub takes a string, or [string, {variables}]");
  }
  std::string out;
  std::size_t at = 0;
  while (true) {
    const std::size_t open = text.find("${", at);
    if (open == std::string::npos) break;
    const std::size_t close = text.find('}', open + 2);
    if (close == std::string::npos) fail_at(source_, text_path, "Fn::Sub: '${' without a closing '}'");
    out.append(text, at, open - at);
    const std::string name = text.substr(open + 2, close - open - 2);
    if (!name.empty() && name[0] == '!') {
      out += "${" + name.substr(1) + "}";  // "${!Literal}" is the text "${Literal}"
    } else if (variables.contains(name)) {
      out += variables[name].get<std::string>();
    } else {
      const auto dot = name.find('.');
      const json value =
          dot == std::string::npos || name.rfind("AWS::", 0) == 0
              ? ref(name, text_path)
              : get_att(json::array({name.substr(0, dot), name.substr(dot + 1)}), text_path, depth + 1);
      if (!is_scalar(value)) fail_at(source_, text_path, "Fn::Sub: ${" + name + "} is not a string");
      out += scalar_text(value);
    }
    at = close + 1;
  }
  out.append(text, at, std::string::npos);
  return out;
}

json evaluator::join(const json& args, const std::string& pointer, int depth) {
  if (!args.is_array() || args.size() != 2) fail_at(source_, pointer, "Fn::Join takes [delimiter, [values]]");
  const std::string delimiter =
      string_arg(args[0], child_path(pointer, 0), depth + 1, "Fn::Join's delimiter");
  const json values = must_resolve(args[1], child_path(pointer, 1), depth + 1);
  if (!values.is_array()) fail_at(source_, child_path(pointer, 1), "Fn::Join's values must be a list");
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!is_scalar(values[i])) fail_at(source_, child_path(pointer, 1), "Fn::Join joins strings only");
    if (i > 0) out += delimiter;
    out += scalar_text(values[i]);
  }
  return out;
}

json evaluator::select(const json& args, const std::string& pointer, int depth) {
  if (!args.is_array() || args.size() != 2) fail_at(source_, pointer, "Fn::Select takes [index, [values]]");
  const std::string index_text = string_arg(args[0], child_path(pointer, 0), depth + 1, "Fn::Select's index");
  char* end = nullptr;
  const long index = std::strtol(index_text.c_str(), &end, 10);
  if (index_text.empty() || end != index_text.c_str() + index_text.size() || index < 0) {
    fail_at(source_, child_path(pointer, 0),
            "Fn::Select's index must be a whole number, got '" + index_text + "'");
  }
  const json values = must_resolve(args[1], child_path(pointer, 1), depth + 1);
  if (!values.is_array()) fail_at(source_, child_path(pointer, 1), "Fn::Select selects from a list");
  if (static_cast<std::size_t>(index) >= values.size()) {
    fail_at(source_, pointer,
            "Fn::Select index " + index_text + " is out of range: the list has " +
                std::to_string(values.size()) + " values");
  }
  return values[static_cast<std::size_t>(index)];
}

json evaluator::split(const json& args, const std::string& pointer, int depth) {
  if (!args.is_array() || args.size() != 2) fail_at(source_, pointer, "Fn::Split takes [delimiter, string]");
  const std::string delimiter =
      string_arg(args[0], child_path(pointer, 0), depth + 1, "Fn::Split's delimiter");
  const std::string text = string_arg(args[1], child_path(pointer, 1), depth + 1, "Fn::Split's source");
  if (delimiter.empty()) fail_at(source_, child_path(pointer, 0), "Fn::Split's delimiter must not be empty");
  if (has_deferred(text)) {
    fail_at(source_, pointer,
            "Fn::Split of a value known only once a resource exists (a stream ARN, a queue URL) is not "
            "supported");
  }
  json out = json::array();
  std::size_t at = 0;
  while (true) {
    const std::size_t next = text.find(delimiter, at);
    out.push_back(text.substr(at, next == std::string::npos ? std::string::npos : next - at));
    if (next == std::string::npos) break;
    at = next + delimiter.size();
  }
  return out;
}

json evaluator::find_in_map(const json& args, const std::string& pointer, int depth) {
  if (!args.is_array() || args.size() != 3)
    fail_at(source_, pointer, "Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]");
  std::string keys[3];
  for (std::size_t i = 0; i < 3; ++i) {
    keys[i] = string_arg(args[i], child_path(pointer, i), depth + 1, "a Fn::FindInMap key");
  }
  if (!model_.mappings.contains(keys[0]))
    fail_at(source_, pointer, "Fn::FindInMap: there is no mapping named " + keys[0]);
  const json& mapping = model_.mappings[keys[0]];
  if (!mapping.contains(keys[1])) {
    fail_at(source_, pointer, "Fn::FindInMap - Key '" + keys[1] + "' not found in Mapping '" + keys[0] + "'");
  }
  if (!mapping[keys[1]].contains(keys[2])) {
    fail_at(source_, pointer,
            "Fn::FindInMap - Key '" + keys[2] + "' not found in Mapping '" + keys[0] + "' under '" + keys[1] +
                "'");
  }
  return mapping[keys[1]][keys[2]];
}

std::optional<json> evaluator::if_(const json& args, const std::string& pointer, int depth) {
  if (!args.is_array() || args.size() != 3 || !args[0].is_string()) {
    fail_at(source_, pointer, "Fn::If takes [condition name, value if true, value if false]");
  }
  const bool holds = condition_at(args[0].get<std::string>(), child_path(pointer, 0), depth + 1);
  const std::size_t chosen = holds ? 1 : 2;
  return resolve_at(args[chosen], child_path(pointer, chosen), depth + 1);
}

}  // namespace fogbank::templates
