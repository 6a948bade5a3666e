#include "stack.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <regex>
#include <set>

#include <pthread.h>

namespace fogbank::templates {
namespace {

// libstdc++'s std::regex_match recurses once or more per character of the value: a value of
// max_parameter_bytes takes megabytes of stack at -O0 with sanitizers (a few hundred KB optimised).
// The match runs on a thread of its own whose stack is sized for that, so no build and no caller's
// thread can run out. Throws std::regex_error for a bad pattern, as std::regex does.
bool matches_pattern(const std::string& value, const std::string& pattern) {
  constexpr std::size_t match_stack_bytes = 256 << 20;  // reserved, touched only as deep as used
  struct job {
    const std::string& value;
    const std::string& pattern;
    bool matched = false;
    std::exception_ptr error;
  } work{value, pattern};
  const auto run = [](void* arg) -> void* {
    auto& w = *static_cast<job*>(arg);
    try {
      w.matched = std::regex_match(w.value, std::regex(w.pattern));
    } catch (...) {
      w.error = std::current_exception();
    }
    return nullptr;
  };
  pthread_attr_t attributes;
  pthread_t thread{};
  bool started = false;
  if (pthread_attr_init(&attributes) == 0) {
    started = pthread_attr_setstacksize(&attributes, match_stack_bytes) == 0 &&
              pthread_create(&thread, &attributes, run, &work) == 0;
    pthread_attr_destroy(&attributes);
  }
  if (started) {
    pthread_join(thread, nullptr);
  } else {
    run(&work);  // no thread to be had: this one's stack, as before
  }
  if (work.error) std::rethrow_exception(work.error);
  return work.matched;
}

const std::set<std::string> sections = {"AWSTemplateFormatVersion",
                                        "Description",
                                        "Metadata",
                                        "Parameters",
                                        "Rules",
                                        "Mappings",
                                        "Conditions",
                                        "Transform",
                                        "Resources",
                                        "Outputs"};
const std::set<std::string> resource_attributes = {
    "Type",           "Properties",          "DependsOn",    "Condition",     "Metadata",
    "DeletionPolicy", "UpdateReplacePolicy", "UpdatePolicy", "CreationPolicy"};
const std::set<std::string> parameter_members = {
    "Type",     "Default", "AllowedValues", "AllowedPattern",       "MinLength", "MaxLength", "MinValue",
    "MaxValue", "NoEcho",  "Description",   "ConstraintDescription"};

bool alphanumeric(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  });
}

const json& section(const template_source& source, const char* name) {
  static const json empty = json::object();
  if (!source.root.contains(name) || source.root[name].is_null()) return empty;
  const json& value = source.root[name];
  if (!value.is_object()) fail_at(source, child_path("", name), std::string(name) + " must be a mapping");
  return value;
}

// The keys of a section in file order (what the reader recorded), falling back to JSON's order.
std::vector<std::string> keys_of(const template_source& source, const char* name, const json& value) {
  std::vector<std::string> keys = source.order_of(child_path("", name));
  if (keys.size() != value.size()) {
    keys.clear();
    for (const auto& [key, member] : value.items()) keys.push_back(key);
  }
  return keys;
}

std::string condition_name(const template_source& source, const json& value, const std::string& pointer,
                           const json& conditions) {
  if (!value.is_string()) fail_at(source, pointer, "Condition must name a condition");
  std::string name = value.get<std::string>();
  if (!conditions.contains(name)) {
    fail_at(source, pointer,
            "names the condition '" + name + "', which the Conditions section does not define");
  }
  return name;
}

resource_decl read_resource(const template_source& source, const std::string& logical_id,
                            const json& resource, const json& conditions) {
  resource_decl out;
  out.logical_id = logical_id;
  out.pointer = child_path("/Resources", logical_id);
  if (!alphanumeric(logical_id)) {
    fail_at(source, out.pointer,
            "Template format error: Resource name " + logical_id + " is non alphanumeric.");
  }
  if (!resource.is_object()) fail_at(source, out.pointer, "a resource is a mapping with a Type");
  for (const auto& [key, value] : resource.items()) {
    if (!resource_attributes.contains(key)) {
      fail_at(source, child_path(out.pointer, key), "Invalid template resource property '" + key + "'");
    }
  }
  if (!resource.contains("Type") || !resource["Type"].is_string()) {
    fail_at(
        source, out.pointer,
        "Template format error: [" + out.pointer + "] Every Resources object must contain a Type member.");
  }
  out.type = resource["Type"].get<std::string>();
  if (resource.contains("Properties") && !resource["Properties"].is_null()) {
    if (!resource["Properties"].is_object())
      fail_at(source, child_path(out.pointer, "Properties"), "must be a mapping");
    out.properties = resource["Properties"];
  }
  if (resource.contains("DependsOn")) {
    const json& depends = resource["DependsOn"];
    const std::string path = child_path(out.pointer, "DependsOn");
    const json list = depends.is_array() ? depends : json::array({depends});
    for (const json& name : list) {
      if (!name.is_string())
        fail_at(source, path, "DependsOn names resources: a string or a list of strings");
      out.depends_on.push_back(name.get<std::string>());
    }
  }
  if (resource.contains("Condition")) {
    out.condition =
        condition_name(source, resource["Condition"], child_path(out.pointer, "Condition"), conditions);
  }
  return out;
}

output_decl read_output(const template_source& source, const std::string& name, const json& output,
                        const json& conditions) {
  output_decl out;
  out.name = name;
  out.pointer = child_path("/Outputs", name);
  if (!alphanumeric(name))
    fail_at(source, out.pointer, "Template format error: Output name " + name + " is non alphanumeric.");
  if (!output.is_object() || !output.contains("Value")) {
    fail_at(source, out.pointer, "Template format error: Every Outputs member must contain a Value object");
  }
  for (const auto& [key, value] : output.items()) {
    if (key != "Value" && key != "Description" && key != "Export" && key != "Condition") {
      fail_at(source, child_path(out.pointer, key), "Invalid template output property '" + key + "'");
    }
  }
  out.value = output["Value"];
  if (output.contains("Export")) {
    const json& exported = output["Export"];
    if (!exported.is_object() || !exported.contains("Name")) {
      fail_at(source, child_path(out.pointer, "Export"), "Export must have a Name");
    }
    out.export_name = exported["Name"];
  }
  if (output.contains("Condition")) {
    out.condition =
        condition_name(source, output["Condition"], child_path(out.pointer, "Condition"), conditions);
  }
  return out;
}

parameter_decl read_parameter(const template_source& source, const std::string& name, const json& parameter) {
  parameter_decl out;
  out.name = name;
  out.pointer = child_path("/Parameters", name);
  if (!alphanumeric(name))
    fail_at(source, out.pointer, "Template format error: Parameter name " + name + " is non alphanumeric.");
  if (!parameter.is_object() || !parameter.contains("Type") || !parameter["Type"].is_string()) {
    fail_at(source, out.pointer,
            "Template format error: Every Parameters object must contain a Type member.");
  }
  for (const auto& [key, value] : parameter.items()) {
    if (!parameter_members.contains(key)) {
      fail_at(source, child_path(out.pointer, key), "Invalid template parameter property '" + key + "'");
    }
  }
  out.type = parameter["Type"].get<std::string>();
  const bool known = out.type == "String" || out.type == "Number" || out.type == "List<Number>" ||
                     out.type == "CommaDelimitedList" || out.type.rfind("AWS::", 0) == 0 ||
                     out.type.rfind("List<AWS::", 0) == 0;
  if (!known)
    fail_at(source, child_path(out.pointer, "Type"),
            "Template format error: Unrecognized parameter type: " + out.type);
  if (out.type.rfind("AWS::SSM::Parameter", 0) == 0) {
    fail_at(source, child_path(out.pointer, "Type"),
            "SSM parameter types are not supported: fogbank emulates no Systems Manager Parameter Store");
  }
  if (parameter.contains("AllowedValues") && !parameter["AllowedValues"].is_array()) {
    fail_at(source, child_path(out.pointer, "AllowedValues"), "AllowedValues must be a list");
  }
  out.declaration = parameter;
  return out;
}

std::string text_of(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return value.dump();
}

std::optional<double> number_of(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::string trimmed(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
}

// CloudFormation's parameter constraint checks, each with its message; ConstraintDescription,
// when given, replaces the rule in the message.
void check_value(const template_source& source, const parameter_decl& parameter, const std::string& value,
                 const std::string& pointer) {
  const json& d = parameter.declaration;
  const std::string who = "Parameter '" + parameter.name + "' ";
  auto violated = [&](const std::string& rule) {
    if (d.contains("ConstraintDescription")) {
      fail_at(source, pointer, who + "failed to satisfy constraint: " + text_of(d["ConstraintDescription"]));
    }
    fail_at(source, pointer, who + rule);
  };
  const bool numeric = parameter.type == "Number" || parameter.type == "List<Number>";
  if (numeric && !number_of(value)) violated("must be a number");
  if (d.contains("AllowedValues")) {
    bool allowed = false;
    for (const json& candidate : d["AllowedValues"]) allowed = allowed || text_of(candidate) == value;
    if (!allowed) violated("must be one of AllowedValues");
  }
  if (d.contains("AllowedPattern")) {
    if (value.size() > max_parameter_bytes)
      violated("is longer than " + std::to_string(max_parameter_bytes) + " bytes");
    const std::string pattern = text_of(d["AllowedPattern"]);
    try {
      if (!matches_pattern(value, pattern)) violated("must match pattern " + pattern);
    } catch (const std::regex_error&) {
      fail_at(source, child_path(parameter.pointer, "AllowedPattern"),
              "'" + pattern + "' is not a valid pattern");
    }
  }
  for (const char* limit : {"MinLength", "MaxLength"}) {
    if (!d.contains(limit)) continue;
    const auto bound = number_of(text_of(d[limit]));
    if (!bound)
      fail_at(source, child_path(parameter.pointer, limit), std::string(limit) + " must be a number");
    const bool min = std::string_view(limit) == "MinLength";
    const auto length = static_cast<double>(value.size());
    if (min ? length < *bound : length > *bound) {
      violated(std::string("must contain ") + (min ? "at least " : "at most ") + text_of(d[limit]) +
               " characters");
    }
  }
  for (const char* limit : {"MinValue", "MaxValue"}) {
    if (!d.contains(limit)) continue;
    const auto bound = number_of(text_of(d[limit]));
    if (!bound)
      fail_at(source, child_path(parameter.pointer, limit), std::string(limit) + " must be a number");
    const auto number = number_of(value);
    const bool min = std::string_view(limit) == "MinValue";
    if (!number || (min ? *number < *bound : *number > *bound)) {
      violated(std::string("must be a number not ") + (min ? "less" : "greater") + " than " +
               text_of(d[limit]));
    }
  }
}

}  // namespace

const resource_decl* stack_model::find_resource(const std::string& logical_id) const {
  for (const resource_decl& r : resources) {
    if (r.logical_id == logical_id) return &r;
  }
  return nullptr;
}

const parameter_decl* stack_model::find_parameter(const std::string& name) const {
  for (const parameter_decl& p : parameters) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

stack_model read_model(const template_source& source) {
  for (const auto& [key, value] : source.root.items()) {
    if (key == "Globals")
      fail_at(source, "/Globals", "a Globals section needs Transform: AWS::Serverless-2016-10-31");
    if (!sections.contains(key)) {
      fail_at(source, child_path("", key),
              "Template format error: Invalid template property or properties [" + key + "]");
    }
  }
  if (source.root.contains("AWSTemplateFormatVersion") &&
      source.root["AWSTemplateFormatVersion"] != "2010-09-09") {
    fail_at(source, "/AWSTemplateFormatVersion",
            "Template format error: '" + text_of(source.root["AWSTemplateFormatVersion"]) +
                "' is not a valid template version (2010-09-09 is)");
  }
  stack_model model;
  const json& parameters = section(source, "Parameters");
  if (parameters.size() > max_parameters) {
    fail_at(source, "/Parameters",
            "more than " + std::to_string(max_parameters) + " parameters (CloudFormation's quota)");
  }
  for (const std::string& name : keys_of(source, "Parameters", parameters)) {
    model.parameters.push_back(read_parameter(source, name, parameters[name]));
  }
  model.mappings = section(source, "Mappings");
  if (model.mappings.size() > max_mappings) {
    fail_at(source, "/Mappings",
            "more than " + std::to_string(max_mappings) + " mappings (CloudFormation's quota)");
  }
  for (const auto& [name, mapping] : model.mappings.items()) {
    const std::string path = child_path("/Mappings", name);
    if (!mapping.is_object()) fail_at(source, path, "a mapping is a mapping of keys to mappings of values");
    for (const auto& [key, values] : mapping.items()) {
      if (!values.is_object())
        fail_at(source, child_path(path, key), "a mapping's key holds a mapping of values");
    }
  }
  model.conditions = section(source, "Conditions");
  model.condition_names = keys_of(source, "Conditions", model.conditions);

  const json& resources = section(source, "Resources");
  if (resources.empty())
    fail_at(source, "", "Template format error: At least one Resources member must be defined.");
  if (resources.size() > max_resources) {
    fail_at(source, "/Resources",
            "more than " + std::to_string(max_resources) + " resources (CloudFormation's quota)");
  }
  for (const std::string& logical_id : keys_of(source, "Resources", resources)) {
    model.resources.push_back(read_resource(source, logical_id, resources[logical_id], model.conditions));
  }
  for (const resource_decl& resource : model.resources) {
    for (const std::string& dependency : resource.depends_on) {
      if (!model.find_resource(dependency)) {
        fail_at(source, child_path(resource.pointer, "DependsOn"),
                "Template format error: Unresolved resource dependencies [" + dependency +
                    "] in the Resources block of the template");
      }
    }
  }
  const json& outputs = section(source, "Outputs");
  if (outputs.size() > max_outputs) {
    fail_at(source, "/Outputs",
            "more than " + std::to_string(max_outputs) + " outputs (CloudFormation's quota)");
  }
  for (const std::string& name : keys_of(source, "Outputs", outputs)) {
    model.outputs.push_back(read_output(source, name, outputs[name], model.conditions));
  }
  return model;
}

std::map<std::string, json> resolve_parameters(const template_source& source, const stack_model& model,
                                               const std::map<std::string, std::string>& overrides) {
  std::map<std::string, json> values;
  for (const parameter_decl& parameter : model.parameters) {
    std::string text;
    std::string pointer = parameter.pointer;
    if (const auto given = overrides.find(parameter.name); given != overrides.end()) {
      text = given->second;
    } else if (parameter.declaration.contains("Default")) {
      const json& fallback = parameter.declaration["Default"];
      pointer = child_path(parameter.pointer, "Default");
      if (fallback.is_array()) {
        // A list parameter's Default may be written as a list.
        for (std::size_t i = 0; i < fallback.size(); ++i) text += (i ? "," : "") + text_of(fallback[i]);
      } else {
        text = text_of(fallback);
      }
    } else {
      fail_at(source, parameter.pointer, "Parameters: [" + parameter.name + "] must have values");
    }
    const bool list = parameter.type == "CommaDelimitedList" || parameter.type.rfind("List<", 0) == 0;
    if (!list) {
      check_value(source, parameter, text, pointer);
      values[parameter.name] = text;
      continue;
    }
    // "Each member string is space trimmed" (CommaDelimitedList, template parameter types).
    json items = json::array();
    std::size_t at = 0;
    while (true) {
      const std::size_t comma = text.find(',', at);
      const std::string item =
          trimmed(text.substr(at, comma == std::string::npos ? std::string::npos : comma - at));
      check_value(source, parameter, item, pointer);
      items.push_back(item);
      if (comma == std::string::npos) break;
      at = comma + 1;
    }
    values[parameter.name] = std::move(items);
  }
  return values;
}

}  // namespace fogbank::templates
