// The SAM transform: Globals, then each AWS::Serverless::Function and SimpleTable. Property lists
// and wording follow samtranslator (model/sam_resources.py, model/eventsources/pull.py,
// plugins/globals/globals.py).

#include "sam.hpp"

#include "sam_function.hpp"
#include "sam_http_api.hpp"

#include <algorithm>
#include <set>

namespace fogbank::templates {
namespace {

constexpr std::string_view sam_transform = "AWS::Serverless-2016-10-31";

// Globals.Function: "Everything on Serverless::Function except Role, Policies, FunctionName,
// Events" (samtranslator plugins/globals/globals.py, supported_properties).
const std::set<std::string> function_globals = {
    "Handler",
    "Runtime",
    "CodeUri",
    "DeadLetterQueue",
    "Description",
    "MemorySize",
    "Timeout",
    "VpcConfig",
    "Environment",
    "Tags",
    "PropagateTags",
    "Tracing",
    "KmsKeyArn",
    "AutoPublishAlias",
    "AutoPublishAliasAllProperties",
    "Layers",
    "DeploymentPreference",
    "RolePath",
    "PermissionsBoundary",
    "ReservedConcurrentExecutions",
    "ProvisionedConcurrencyConfig",
    "AssumeRolePolicyDocument",
    "EventInvokeConfig",
    "FileSystemConfigs",
    "CodeSigningConfigArn",
    "Architectures",
    "SnapStart",
    "EphemeralStorage",
    "FunctionUrlConfig",
    "RuntimeManagementConfig",
    "LoggingConfig",
    "RecursiveLoop",
    "SourceKMSKeyArn",
};
const std::set<std::string> simple_table_globals = {"SSESpecification"};
// Sections SAM accepts that configure resources fogbank does not translate (yet): accepted.
const std::set<std::string> other_global_sections = {"Api", "HttpApi", "StateMachine", "LayerVersion",
                                                     "CapacityProvider"};

bool is_intrinsic(const json& value) {
  if (!value.is_object() || value.size() != 1) return false;
  const std::string& key = value.begin().key();
  return key == "Ref" || key == "Condition" || key.rfind("Fn::", 0) == 0;
}

enum class kind { primitive, map, list };

kind kind_of(const json& value) {
  // Intrinsic functions merge as primitives: they resolve to one value (globals.py, _token_of).
  if (value.is_object()) return is_intrinsic(value) ? kind::primitive : kind::map;
  if (value.is_array()) return kind::list;
  return kind::primitive;
}

// The merge of `global` and `local`, with the lines of what came from Globals kept (pointers
// under `local_path` that only Globals gave are reported at `global_path`).
json merge_at(const json& global, const json& local, const std::string& property, template_source* source,
              const std::string& global_path, const std::string& local_path, int depth) {
  // Both sides come from the template, which the reader bounds at max_template_depth.
  if (depth > max_template_depth) {
    const std::string reason = "nested deeper than " + std::to_string(max_template_depth) + " levels";
    if (source != nullptr) fail_at(*source, local_path, reason);
    throw template_error("", 0, "", property, reason);
  }
  const kind g = kind_of(global);
  const kind l = kind_of(local);
  if (g != l || g == kind::primitive) return local;
  if (g == kind::list) {
    // A function runs on one architecture: concatenating would make an invalid list. SAM's
    // released merge concatenates every list; aws/serverless-application-model#3945 makes
    // Architectures replace instead, which is the only useful reading.
    if (property == "Architectures") return local;
    json merged = global;
    for (const json& element : local) merged.push_back(element);
    return merged;
  }
  json merged = global;
  for (const auto& [key, value] : local.items()) {
    if (merged.contains(key)) {
      merged[key] = merge_at(merged[key], value, property.empty() ? key : property, source,
                             child_path(global_path, key), child_path(local_path, key), depth + 1);
    } else {
      merged[key] = value;
    }
  }
  if (source != nullptr) {
    for (const auto& [key, value] : global.items()) {
      if (!local.contains(key))
        source->locations.alias(child_path(local_path, key), child_path(global_path, key));
    }
  }
  return merged;
}

// The Globals section: {section: properties}, each property allowed for its section.
json read_globals(const template_source& source) {
  const json* globals = source.root.contains("Globals") ? &source.root["Globals"] : nullptr;
  if (globals == nullptr) return json::object();
  if (!globals->is_object())
    fail_at(source, "/Globals", "'Globals' section is invalid. It must be a non-empty dictionary");
  for (const auto& [section, properties] : globals->items()) {
    const std::string path = child_path("/Globals", section);
    const std::set<std::string>* allowed = nullptr;
    if (section == "Function") {
      allowed = &function_globals;
    } else if (section == "SimpleTable") {
      allowed = &simple_table_globals;
    } else if (!other_global_sections.contains(section)) {
      fail_at(source, path,
              "'Globals' section is invalid. '" + section +
                  "' is not supported. Must be one of the following values - ['Api', 'CapacityProvider', "
                  "'Function', 'HttpApi', 'LayerVersion', 'SimpleTable', 'StateMachine']");
    }
    if (!properties.is_object()) {
      fail_at(source, path, "'Globals' section is invalid. Value of " + section + " must be a dictionary");
    }
    if (allowed == nullptr) continue;
    for (const auto& [key, value] : properties.items()) {
      if (!allowed->contains(key)) {
        fail_at(source, child_path(path, key),
                std::string("'Globals' section is invalid. '")
                    .append(key)
                    .append("' is not a supported property of '")
                    .append(section)
                    .append("'"));
      }
    }
  }
  return *globals;
}

// The resource's Properties with the Globals of its section merged in, minus the ones its
// IgnoreGlobals attribute names ("*" for all).
json with_globals(template_source& source, const std::string& logical_id, const json& resource,
                  const json& globals, const std::string& section) {
  const std::string resource_path = child_path("/Resources", logical_id);
  json local = resource.contains("Properties") ? resource["Properties"] : json::object();
  if (!local.is_object()) fail_at(source, child_path(resource_path, "Properties"), "must be a mapping");
  if (!globals.contains(section)) return local;
  json global = globals[section];
  if (resource.contains("IgnoreGlobals")) {
    const json& ignore = resource["IgnoreGlobals"];
    const std::string ignore_path = child_path(resource_path, "IgnoreGlobals");
    if (ignore == "*") return local;
    if (!ignore.is_array()) {
      fail_at(source, ignore_path,
              "Resource " + logical_id + " has invalid resource attribute 'IgnoreGlobals'.");
    }
    for (const json& key : ignore) {
      if (!key.is_string() || !global.contains(key.get<std::string>())) {
        fail_at(source, ignore_path,
                "Resource " + logical_id + " has invalid resource attribute 'IgnoreGlobals' on item '" +
                    (key.is_string() ? key.get<std::string>() : key.dump()) + "'.");
      }
      global.erase(key.get<std::string>());
    }
  }
  return merge_at(global, local, "", &source, child_path("/Globals", section),
                  child_path(resource_path, "Properties"), 0);
}

// Tags given as SAM gives them (a map) in CloudFormation's list form.
json tag_list(const template_source& source, const json& tags, const std::string& path) {
  if (is_intrinsic(tags))
    fail_at(source, path, "Tags must be a mapping of keys to values, not an intrinsic function");
  if (!tags.is_object()) fail_at(source, path, "Tags must be a mapping of keys to values");
  json list = json::array();
  for (const auto& [key, value] : tags.items()) list.push_back({{"Key", key}, {"Value", value}});
  return list;
}

json simple_table(const template_source& source, const std::string& logical_id, const json& properties) {
  const std::string path = child_path(child_path("/Resources", logical_id), "Properties");
  static const std::set<std::string> known = {"PrimaryKey",       "ProvisionedThroughput",
                                              "TableName",        "Tags",
                                              "SSESpecification", "PointInTimeRecoverySpecification"};
  for (const auto& [key, value] : properties.items()) {
    if (!known.contains(key)) {
      fail_at(source, child_path(path, key),
              "property " + key + " not defined for resource of type AWS::Serverless::SimpleTable");
    }
  }
  // samtranslator SamSimpleTable: {Name, Type} with Type String|Number|Binary; `id` (S) without.
  json key = {{"AttributeName", "id"}, {"AttributeType", "S"}};
  if (properties.contains("PrimaryKey")) {
    const json& primary = properties["PrimaryKey"];
    const std::string key_path = child_path(path, "PrimaryKey");
    if (!primary.is_object() || !primary.contains("Name") || !primary.contains("Type")) {
      fail_at(source, key_path, "'PrimaryKey' is missing required Property 'Name' or 'Type'.");
    }
    static const std::map<std::string, std::string> types = {
        {"String", "S"}, {"Number", "N"}, {"Binary", "B"}};
    const json& type = primary["Type"];
    if (!type.is_string() || !types.contains(type.get<std::string>())) {
      fail_at(source, child_path(key_path, "Type"),
              "Invalid 'Type' \"" + (type.is_string() ? type.get<std::string>() : type.dump()) + "\".");
    }
    key = {{"AttributeName", primary["Name"]}, {"AttributeType", types.at(type.get<std::string>())}};
  }
  json table = {{"AttributeDefinitions", json::array({key})},
                {"KeySchema", json::array({{{"AttributeName", key["AttributeName"]}, {"KeyType", "HASH"}}})}};
  if (properties.contains("ProvisionedThroughput")) {
    table["ProvisionedThroughput"] = properties["ProvisionedThroughput"];
  } else {
    table["BillingMode"] = "PAY_PER_REQUEST";
  }
  for (const char* copied : {"TableName", "SSESpecification", "PointInTimeRecoverySpecification"}) {
    if (properties.contains(copied)) table[copied] = properties[copied];
  }
  if (properties.contains("Tags"))
    table["Tags"] = tag_list(source, properties["Tags"], child_path(path, "Tags"));
  return table;
}

}  // namespace

json merge_globals(const json& global, const json& local, const std::string& property) {
  return merge_at(global, local, property, nullptr, "", "", 0);
}

bool uses_sam(const template_source& source) {
  if (!source.root.contains("Transform")) return false;
  const json& transform = source.root["Transform"];
  json names = transform.is_array() ? transform : json::array({transform});
  bool sam = false;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string path = transform.is_array() ? child_path("/Transform", i) : "/Transform";
    if (!names[i].is_string()) fail_at(source, path, "a transform is named by a string");
    const std::string name = names[i].get<std::string>();
    if (name == sam_transform) {
      sam = true;
    } else {
      fail_at(source, path,
              "the transform '" + name + "' is not supported (fogbank applies " + std::string(sam_transform) +
                  " only)");
    }
  }
  return sam;
}

void apply_sam(template_source& source, std::vector<recorded_event>* events) {
  const json globals = read_globals(source);
  // HttpApi events are translated below whether or not the caller keeps the others.
  std::vector<recorded_event> own_events;
  if (events == nullptr) events = &own_events;
  if (!source.root.contains("Resources") || !source.root["Resources"].is_object()) return;
  json& resources = source.root["Resources"];
  std::vector<std::string> order;
  for (const std::string& logical_id : source.order_of("/Resources")) {
    order.push_back(logical_id);
    if (!resources.contains(logical_id)) continue;
    json& resource = resources[logical_id];
    if (!resource.is_object() || !resource.contains("Type") || !resource["Type"].is_string()) continue;
    const std::string type = resource["Type"].get<std::string>();
    if (type == "AWS::Serverless::SimpleTable") {
      const json properties = with_globals(source, logical_id, resource, globals, "SimpleTable");
      resource["Type"] = "AWS::DynamoDB::Table";
      resource["Properties"] = simple_table(source, logical_id, properties);
      resource.erase("IgnoreGlobals");
    } else if (type == "AWS::Serverless::Function") {
      const json properties = with_globals(source, logical_id, resource, globals, "Function");
      std::vector<generated_resource> generated = translate_function(source, logical_id, properties, events);
      resource["Type"] = "AWS::Lambda::Function";
      resource["Properties"] = std::move(generated.front().resource["Properties"]);
      resource.erase("IgnoreGlobals");
      for (std::size_t i = 1; i < generated.size(); ++i) {
        generated_resource& extra = generated[i];
        if (resources.contains(extra.logical_id)) {
          fail_at(
              source, child_path("/Resources", logical_id),
              "SAM generates a resource named '" + extra.logical_id + "', which the template already has");
        }
        // Generated resources share the function's Condition, as SAM passes it through.
        if (resource.contains("Condition")) extra.resource["Condition"] = resource["Condition"];
        const std::string generated_path = child_path("/Resources", extra.logical_id);
        source.locations.alias(generated_path, extra.source_pointer);
        for (const auto& [property, pointer] : extra.property_sources) {
          source.locations.alias(child_path(child_path(generated_path, "Properties"), property), pointer);
        }
        resources[extra.logical_id] = std::move(extra.resource);
        order.push_back(extra.logical_id);
      }
    }
  }
  translate_http_apis(source, order, *events);
  source.key_order["/Resources"] = std::move(order);
  apply_sam_apis(source, events);
  source.root.erase("Globals");
}

}  // namespace fogbank::templates
