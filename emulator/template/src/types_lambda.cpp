// AWS::Lambda::Function, AWS::Lambda::EventSourceMapping and AWS::Lambda::Permission through
// the `lambda` service's control plane (botocore's lambda 2015-03-31 shapes). Function code comes
// from a local directory (fogbank's local-code convention, S3Bucket "hot-reload") or inline
// source written to one; fogbank has no S3 to read code from.

#include "resource_type.hpp"

#include "deferred.hpp"
#include "fogbank/core/json_limits.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace fogbank::templates {
namespace {

// Lambda function names are at most 64 characters (CreateFunction, FunctionName).
constexpr std::size_t max_function_name = 64;
constexpr std::string_view local_code_bucket = "hot-reload";

const std::set<std::string> function_properties = {"FunctionName",  "Role",
                                                   "Handler",       "Runtime",
                                                   "Code",          "Description",
                                                   "Timeout",       "MemorySize",
                                                   "Environment",   "Layers",
                                                   "Architectures", "DeadLetterConfig",
                                                   "TracingConfig", "EphemeralStorage",
                                                   "KmsKeyArn",     "VpcConfig",
                                                   "LoggingConfig", "FileSystemConfigs",
                                                   "SnapStart",     "CodeSigningConfigArn",
                                                   "PackageType",   "ReservedConcurrentExecutions",
                                                   "Tags",          "RuntimeManagementConfig",
                                                   "RecursiveLoop", "ImageConfig"};
// Settings with APIs of their own that fogbank's Lambda has no use for.
const std::set<std::string> function_unemulated = {"RuntimeManagementConfig", "RecursiveLoop"};
// Passed to CreateFunction and UpdateFunctionConfiguration as they are: CloudFormation's shapes
// are the API's (botocore lambda 2015-03-31: DeadLetterConfig, TracingConfig, LoggingConfig,
// FileSystemConfig, SnapStart), all strings.
const std::set<std::string> passed_configuration = {"Layers",        "DeadLetterConfig",  "TracingConfig",
                                                    "LoggingConfig", "FileSystemConfigs", "SnapStart"};
// What a configuration member goes back to when a template stops setting it.
const std::map<std::string, json>& configuration_defaults() {
  static const std::map<std::string, json> defaults = {
      {"Description", ""},
      {"Timeout", 3},
      {"MemorySize", 128},
      {"Environment", {{"Variables", json::object()}}},
      {"Layers", json::array()},
      {"DeadLetterConfig", {{"TargetArn", ""}}},
      {"TracingConfig", {{"Mode", "PassThrough"}}},
      {"EphemeralStorage", {{"Size", 512}}},
      {"KMSKeyArn", ""},
      {"VpcConfig", {{"SubnetIds", json::array()}, {"SecurityGroupIds", json::array()}}},
  };
  return defaults;
}

const std::set<std::string> mapping_properties = {"FunctionName",
                                                  "EventSourceArn",
                                                  "BatchSize",
                                                  "Enabled",
                                                  "FilterCriteria",
                                                  "MaximumBatchingWindowInSeconds",
                                                  "FunctionResponseTypes",
                                                  "ScalingConfig",
                                                  "StartingPosition",
                                                  "StartingPositionTimestamp",
                                                  "MaximumRetryAttempts",
                                                  "BisectBatchOnFunctionError",
                                                  "MaximumRecordAgeInSeconds",
                                                  "DestinationConfig",
                                                  "ParallelizationFactor",
                                                  "TumblingWindowInSeconds",
                                                  "Tags",
                                                  "MetricsConfig",
                                                  "KmsKeyArn"};
const std::set<std::string> mapping_integers = {"BatchSize",
                                                "MaximumBatchingWindowInSeconds",
                                                "MaximumRetryAttempts",
                                                "MaximumRecordAgeInSeconds",
                                                "ParallelizationFactor",
                                                "TumblingWindowInSeconds"};
const std::set<std::string> mapping_booleans = {"Enabled", "BisectBatchOnFunctionError"};
// A change of these makes a new mapping (CloudFormation: "Update requires: Replacement").
const std::set<std::string> mapping_replaced_by = {"EventSourceArn", "StartingPosition",
                                                   "StartingPositionTimestamp"};

const std::set<std::string> permission_properties = {"Action",
                                                     "FunctionName",
                                                     "Principal",
                                                     "SourceArn",
                                                     "SourceAccount",
                                                     "EventSourceToken",
                                                     "FunctionUrlAuthType",
                                                     "PrincipalOrgID",
                                                     "InvokedViaFunctionUrl"};
const std::set<std::string> no_properties;

// The file inline source is written to, named as Lambda's runtimes look for it (CloudFormation
// writes a ZipFile's text as index.js / index.py).
std::string inline_file_name(const std::string& runtime) {
  if (runtime.rfind("nodejs", 0) == 0) return "index.js";
  if (runtime.rfind("python", 0) == 0) return "index.py";
  return "";
}

json code_of(const plan_context& c, planned_resource& r) {
  const std::string at = property_path(r, "Code");
  if (!r.properties.contains("Code") || !r.properties["Code"].is_object()) {
    fail_at(c.source, r.pointer, "AWS::Lambda::Function needs Code");
  }
  const json& code = r.properties["Code"];
  if (code.contains("ImageUri")) {
    fail_at(c.source, child_path(at, "ImageUri"),
            "container images are not supported: fogbank runs handlers without Docker");
  }
  if (code.contains("ZipFile")) {
    const std::string runtime = r.properties.contains("Runtime")
                                    ? string_property(c, r.properties["Runtime"], property_path(r, "Runtime"))
                                    : "";
    const std::string file = inline_file_name(runtime);
    if (file.empty())
      fail_at(c.source, child_path(at, "ZipFile"), "inline code needs a Node.js or Python runtime");
    if (c.options.code_dir.empty()) {
      fail_at(c.source, child_path(at, "ZipFile"),
              "inline code needs a place to be written (a data directory)");
    }
    const std::filesystem::path directory = c.options.code_dir / c.stack_name / r.logical_id;
    r.files[(directory / file).string()] = string_property(c, code["ZipFile"], child_path(at, "ZipFile"));
    return {{"S3Bucket", local_code_bucket}, {"S3Key", directory.string()}};
  }
  if (!code.contains("S3Bucket") || !code.contains("S3Key")) {
    fail_at(c.source, at, "Code needs S3Bucket and S3Key (\"hot-reload\" and a local directory) or ZipFile");
  }
  const std::string bucket = string_property(c, code["S3Bucket"], child_path(at, "S3Bucket"));
  if (bucket != local_code_bucket) {
    fail_at(c.source, child_path(at, "S3Bucket"),
            "code in S3 bucket '" + bucket +
                "' cannot be read: fogbank emulates no S3. Use S3Bucket: hot-reload with "
                "S3Key: a local directory");
  }
  std::filesystem::path directory(string_property(c, code["S3Key"], child_path(at, "S3Key")));
  if (directory.is_relative()) directory = std::filesystem::absolute(c.source.file.parent_path() / directory);
  std::string absolute = directory.lexically_normal().string();
  if (absolute.size() > 1 && absolute.back() == '/') absolute.pop_back();
  return {{"S3Bucket", local_code_bucket}, {"S3Key", absolute}};
}

// CloudFormation's VpcConfig is the API's, with Ipv6AllowedForDualStack a boolean.
json vpc_config(const plan_context& c, const json& value, const std::string& pointer) {
  if (!value.is_object()) fail_at(c.source, pointer, "VpcConfig is {SubnetIds, SecurityGroupIds}");
  json out = value;
  if (value.contains("Ipv6AllowedForDualStack")) {
    out["Ipv6AllowedForDualStack"] =
        bool_property(c, value["Ipv6AllowedForDualStack"], child_path(pointer, "Ipv6AllowedForDualStack"));
  }
  return out;
}

json string_map_property(const plan_context& c, const json& value, const std::string& pointer) {
  if (!value.is_object()) fail_at(c.source, pointer, "must be a mapping of names to values");
  json out = json::object();
  for (const auto& [key, member] : value.items())
    out[key] = string_property(c, member, child_path(pointer, key));
  return out;
}

// The configuration members of CreateFunction / UpdateFunctionConfiguration.
json configuration(const plan_context& c, const planned_resource& r) {
  const json& p = r.properties;
  json out = json::object();
  if (!p.contains("Role")) fail_at(c.source, r.pointer, "AWS::Lambda::Function needs Role");
  out["Role"] = string_property(c, p["Role"], property_path(r, "Role"));
  for (const char* text : {"Handler", "Runtime", "Description"}) {
    if (p.contains(text)) out[text] = string_property(c, p[text], property_path(r, text));
  }
  for (const char* number : {"Timeout", "MemorySize"}) {
    if (p.contains(number)) out[number] = int_property(c, p[number], property_path(r, number));
  }
  if (p.contains("Environment")) {
    const json& environment = p["Environment"];
    const std::string at = property_path(r, "Environment");
    if (!environment.is_object()) fail_at(c.source, at, "Environment is {Variables: {NAME: value}}");
    out["Environment"] = {
        {"Variables", environment.contains("Variables")
                          ? string_map_property(c, environment["Variables"], child_path(at, "Variables"))
                          : json::object()}};
  }
  if (p.contains("EphemeralStorage")) {
    const json& storage = p["EphemeralStorage"];
    const std::string at = property_path(r, "EphemeralStorage");
    if (!storage.is_object() || !storage.contains("Size"))
      fail_at(c.source, at, "EphemeralStorage is {Size}");
    out["EphemeralStorage"] = {{"Size", int_property(c, storage["Size"], child_path(at, "Size"))}};
  }
  for (const std::string& name : passed_configuration) {
    if (p.contains(name)) out[name] = p[name];
  }
  // CloudFormation's KmsKeyArn is the API's KMSKeyArn.
  if (p.contains("KmsKeyArn"))
    out["KMSKeyArn"] = string_property(c, p["KmsKeyArn"], property_path(r, "KmsKeyArn"));
  if (p.contains("VpcConfig"))
    out["VpcConfig"] = vpc_config(c, p["VpcConfig"], property_path(r, "VpcConfig"));
  return out;
}

class lambda_function final : public resource_type {
 public:
  std::string_view type_name() const override { return "AWS::Lambda::Function"; }
  const std::set<std::string>& supported() const override { return function_properties; }
  const std::set<std::string>& accepted_unemulated() const override { return function_unemulated; }

  void plan(const plan_context& c, planned_resource& r) const override {
    const json& p = r.properties;
    if (p.contains("ImageConfig") || (p.contains("PackageType") && p["PackageType"] == "Image")) {
      fail_at(c.source, property_path(r, p.contains("ImageConfig") ? "ImageConfig" : "PackageType"),
              "container images are not supported: fogbank runs handlers without Docker");
    }
    r.physical_id = physical_name(c, r, "FunctionName", max_function_name);
    json request = configuration(c, r);
    request["FunctionName"] = r.physical_id;
    request["Code"] = code_of(c, r);
    for (const char* passed : {"Architectures", "PackageType", "CodeSigningConfigArn"}) {
      if (p.contains(passed)) request[passed] = p[passed];
    }
    if (p.contains("Tags")) request["Tags"] = tag_map(c, p["Tags"], property_path(r, "Tags"));
    r.create.push_back({"lambda", "CreateFunction", request});
    if (p.contains("ReservedConcurrentExecutions")) {
      r.create.push_back({"lambda",
                          "PutFunctionConcurrency",
                          {{"FunctionName", r.physical_id},
                           {"ReservedConcurrentExecutions",
                            int_property(c, p["ReservedConcurrentExecutions"],
                                         property_path(r, "ReservedConcurrentExecutions"))}}});
    }
    r.attributes["Ref"] = r.physical_id;
    r.attributes["Arn"] =
        "arn:aws:lambda:" + c.options.region + ":" + c.options.account_id + ":function:" + r.physical_id;
  }

  std::vector<planned_call> delete_calls(const ensure_result& done) const override {
    return {{"lambda", "DeleteFunction", {{"FunctionName", done.physical_id}}}};
  }

  // Lambda's own description of code and configuration is not compared (its shapes differ from
  // the request's): what changed is what differs from the last load's request, and without a
  // record of one, everything is set again.
  ensure_result ensure(resource_calls& calls, const planned_resource& r,
                       const recorded_resource* previous) const override {
    ensure_result out;
    out.physical_id = r.physical_id;
    write_files(calls, r);
    const std::optional<json> found = calls.find("lambda", "GetFunction", {{"FunctionName", r.physical_id}},
                                                 core::error_code::lambda_resource_not_found);
    if (!found) {
      for (const planned_call& call : r.create) calls.must(call);
      out.action = resource_action::created;
      return out;
    }
    const json& desired = r.create.front().request;
    const json before = previous != nullptr ? previous->request : json();
    if (before.is_null() || before.value("Code", json()) != desired["Code"] ||
        before.value("Architectures", json()) != desired.value("Architectures", json())) {
      json request = desired["Code"];
      request["FunctionName"] = r.physical_id;
      if (desired.contains("Architectures")) request["Architectures"] = desired["Architectures"];
      calls.must("lambda", "UpdateFunctionCode", request);
      out.notes.push_back("Code");
    }
    update_configuration(calls, r, desired, before, out);
    update_concurrency(calls, r, previous, out);
    update_tags(calls, r, desired, before, out);
    out.action = out.notes.empty() ? resource_action::unchanged : resource_action::updated;
    return out;
  }

 private:
  static void write_files(resource_calls& calls, const planned_resource& r) {
    for (const auto& [path, content] : r.files) {
      std::error_code ec;
      std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
      std::FILE* file = ec ? nullptr : std::fopen(path.c_str(), "wb");
      const bool written =
          file != nullptr && std::fwrite(content.data(), 1, content.size(), file) == content.size();
      if (file != nullptr) std::fclose(file);
      if (!written) calls.fail("cannot write the inline code to " + path, "Code");
    }
  }

  static void update_configuration(resource_calls& calls, const planned_resource& r, const json& desired,
                                   const json& before, ensure_result& out) {
    static const std::set<std::string> not_configuration = {
        "FunctionName", "Code", "Architectures", "PackageType", "CodeSigningConfigArn", "Tags"};
    json request = json::object();
    for (const auto& [key, value] : desired.items()) {
      if (!not_configuration.contains(key)) request[key] = value;
    }
    if (before.is_object()) {
      for (const auto& [key, value] : before.items()) {
        const auto fallback = configuration_defaults().find(key);
        if (!request.contains(key) && fallback != configuration_defaults().end())
          request[key] = fallback->second;
      }
    }
    json previous_request = json::object();
    if (before.is_object()) {
      for (const auto& [key, value] : before.items()) {
        if (!not_configuration.contains(key)) previous_request[key] = value;
      }
    }
    if (before.is_object() && request == previous_request) return;
    request["FunctionName"] = r.physical_id;
    calls.must("lambda", "UpdateFunctionConfiguration", request);
    out.notes.push_back("configuration");
  }

  // ReservedConcurrentExecutions has calls of its own (PutFunctionConcurrency,
  // DeleteFunctionConcurrency); what it was is in the last load's properties.
  static void update_concurrency(resource_calls& calls, const planned_resource& r,
                                 const recorded_resource* previous, ensure_result& out) {
    const planned_call* wanted = r.create.size() > 1 ? &r.create[1] : nullptr;
    const json had =
        previous != nullptr ? previous->properties.value("ReservedConcurrentExecutions", json()) : json();
    if (wanted != nullptr) {
      if (!had.is_null() && had == r.properties["ReservedConcurrentExecutions"]) return;
      calls.must(*wanted);
      out.notes.push_back("ReservedConcurrentExecutions");
    } else if (!had.is_null()) {
      calls.must("lambda", "DeleteFunctionConcurrency", {{"FunctionName", r.physical_id}});
      out.notes.push_back("ReservedConcurrentExecutions");
    }
  }

  static void update_tags(resource_calls& calls, const planned_resource& r, const json& desired,
                          const json& before, ensure_result& out) {
    const json wanted = desired.value("Tags", json::object());
    const json had = before.is_object() ? before.value("Tags", json::object()) : json::object();
    if (wanted == had && before.is_object()) return;
    const std::string arn = r.attributes.at("Arn").get<std::string>();
    json remove = json::array();
    for (const auto& [key, value] : had.items()) {
      if (!wanted.contains(key)) remove.push_back(key);
    }
    if (!wanted.empty()) calls.must("lambda", "TagResource", {{"Resource", arn}, {"Tags", wanted}});
    if (!remove.empty()) calls.must("lambda", "UntagResource", {{"Resource", arn}, {"TagKeys", remove}});
    if (!wanted.empty() || !remove.empty()) out.notes.push_back("Tags");
  }
};

json epoch_seconds(const plan_context& c, const json& value, const std::string& pointer) {
  if (value.is_number()) return value;
  const std::string text = string_property(c, value, pointer);
  char* end = nullptr;
  const double seconds = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(seconds) || seconds < 0) {
    fail_at(c.source, pointer, "must be a time in seconds since 1970, got " + value.dump());
  }
  if (seconds == std::floor(seconds)) return static_cast<std::int64_t>(seconds);
  return seconds;
}

class lambda_event_source_mapping final : public resource_type {
 public:
  std::string_view type_name() const override { return "AWS::Lambda::EventSourceMapping"; }
  const std::set<std::string>& supported() const override { return mapping_properties; }
  const std::set<std::string>& accepted_unemulated() const override { return no_properties; }

  void plan(const plan_context& c, planned_resource& r) const override {
    const json& p = r.properties;
    if (!p.contains("FunctionName"))
      fail_at(c.source, r.pointer, "AWS::Lambda::EventSourceMapping needs FunctionName");
    if (!p.contains("EventSourceArn")) {
      fail_at(
          c.source, r.pointer,
          "AWS::Lambda::EventSourceMapping needs EventSourceArn (fogbank emulates SQS and DynamoDB sources)");
    }
    json request = json::object();
    for (const auto& [key, value] : p.items()) {
      const std::string at = property_path(r, key);
      if (mapping_integers.contains(key)) {
        request[key] = int_property(c, value, at);
      } else if (mapping_booleans.contains(key)) {
        request[key] = bool_property(c, value, at);
      } else if (key == "Tags") {
        request[key] = tag_map(c, value, at);
      } else if (key == "FilterCriteria") {
        request[key] = filter_criteria(c, value, at);
      } else if (key == "ScalingConfig" && value.is_object() && value.contains("MaximumConcurrency")) {
        request[key] = {{"MaximumConcurrency",
                         int_property(c, value["MaximumConcurrency"], child_path(at, "MaximumConcurrency"))}};
      } else if (key == "FunctionName" || key == "EventSourceArn" || key == "StartingPosition") {
        request[key] = string_property(c, value, at);
      } else if (key == "KmsKeyArn") {
        // CloudFormation's KmsKeyArn is the API's KMSKeyArn.
        request["KMSKeyArn"] = string_property(c, value, at);
      } else if (key == "StartingPositionTimestamp") {
        // A timestamp, which Lambda's JSON protocol carries as epoch seconds (a Double in
        // CloudFormation).
        request[key] = epoch_seconds(c, value, at);
      } else {
        request[key] = value;
      }
    }
    r.create.push_back({"lambda", "CreateEventSourceMapping", request});
    // The mapping's UUID is Lambda's to give.
    r.physical_id = deferred_token(r.logical_id, "Id");
    r.attributes["Ref"] = r.physical_id;
    r.attributes["Id"] = r.physical_id;
    r.attributes["EventSourceMappingArn"] = deferred_token(r.logical_id, "EventSourceMappingArn");
  }

  std::vector<planned_call> delete_calls(const ensure_result& done) const override {
    return {{"lambda", "DeleteEventSourceMapping", {{"UUID", done.physical_id}}}};
  }

  ensure_result ensure(resource_calls& calls, const planned_resource& r,
                       const recorded_resource* previous) const override {
    ensure_result out;
    const json& desired = r.create.front().request;
    std::optional<json> existing;
    if (previous != nullptr && !previous->physical_id.empty()) {
      existing = calls.find("lambda", "GetEventSourceMapping", {{"UUID", previous->physical_id}},
                            core::error_code::lambda_resource_not_found);
    }
    if (!existing) {
      // A mapping of the same function and source made before the record was written.
      const json listed = calls.must(
          "lambda", "ListEventSourceMappings",
          {{"FunctionName", desired["FunctionName"]}, {"EventSourceArn", desired["EventSourceArn"]}});
      const json mappings = listed.value("EventSourceMappings", json::array());
      if (!mappings.empty()) existing = mappings.front();
    }
    if (!existing) {
      record(calls.must(r.create.front()), out);
      out.action = resource_action::created;
      return out;
    }
    record(*existing, out);
    const json before = previous != nullptr ? previous->request : json();
    bool replace = false;
    for (const std::string& key : mapping_replaced_by) {
      const json wanted = desired.value(key, json());
      const json had = before.is_object() ? before.value(key, json()) : existing->value(key, json());
      // Unknown (neither recorded nor described) is no reason to replace.
      replace = replace || (!wanted.is_null() && !had.is_null() && wanted != had);
    }
    if (replace) {
      calls.must("lambda", "DeleteEventSourceMapping", {{"UUID", out.physical_id}});
      record(calls.must(r.create.front()), out);
      out.notes.push_back("replaced (its source or starting position changed)");
      out.action = resource_action::updated;
      return out;
    }
    json update = {{"UUID", out.physical_id}};
    bool differs = false;
    for (const auto& [key, value] : desired.items()) {
      if (mapping_replaced_by.contains(key) || key == "Tags" || key == "EventSourceArn") continue;
      update[key] = value;
      const json had = before.is_object() ? before.value(key, json()) : existing->value(key, json());
      differs = differs || (key != "FunctionName" && had != value);
    }
    if (before.is_object() && before.value("FunctionName", json()) != desired["FunctionName"]) differs = true;
    if (differs) {
      record(calls.must("lambda", "UpdateEventSourceMapping", update), out);
      out.notes.push_back("settings");
    }
    out.action = out.notes.empty() ? resource_action::unchanged : resource_action::updated;
    return out;
  }

 private:
  // CloudFormation takes each filter's Pattern as JSON text; an object is taken as its text.
  static json filter_criteria(const plan_context& c, const json& value, const std::string& pointer) {
    if (!value.is_object()) fail_at(c.source, pointer, "FilterCriteria is {Filters: [{Pattern}]}");
    json out = value;
    if (out.contains("Filters") && out["Filters"].is_array()) {
      for (std::size_t i = 0; i < out["Filters"].size(); ++i) {
        json& filter = out["Filters"][i];
        if (filter.is_object() && filter.contains("Pattern")) {
          filter["Pattern"] = json_text(c, filter["Pattern"],
                                        child_path(child_path(child_path(pointer, "Filters"), i), "Pattern"));
        }
      }
    }
    return out;
  }

  static void record(const json& mapping, ensure_result& out) {
    if (mapping.contains("UUID") && mapping["UUID"].is_string()) {
      out.physical_id = mapping["UUID"].get<std::string>();
      out.deferred["Id"] = out.physical_id;
    }
    if (mapping.contains("EventSourceMappingArn") && mapping["EventSourceMappingArn"].is_string()) {
      out.deferred["EventSourceMappingArn"] = mapping["EventSourceMappingArn"].get<std::string>();
    }
  }
};

// A permission is a statement of the function's resource policy (AddPermission), its StatementId
// the permission's physical id. fogbank records the policy (GetPolicy shows it) but enforces no
// resource policies.
class lambda_permission final : public resource_type {
 public:
  std::string_view type_name() const override { return "AWS::Lambda::Permission"; }
  const std::set<std::string>& supported() const override { return permission_properties; }
  const std::set<std::string>& accepted_unemulated() const override { return no_properties; }

  void plan(const plan_context& c, planned_resource& r) const override {
    for (const char* required : {"Action", "FunctionName", "Principal"}) {
      if (!r.properties.contains(required))
        fail_at(c.source, r.pointer, std::string("AWS::Lambda::Permission needs ") + required);
    }
    // Lambda's StatementId: at most 100 of [a-zA-Z0-9-_] (AddPermission API reference).
    r.physical_id = physical_name(c, r, "", 100);
    json request = {{"StatementId", r.physical_id}};
    for (const auto& [key, value] : r.properties.items()) {
      request[key] = string_property(c, value, property_path(r, key));
    }
    r.create.push_back({"lambda", "AddPermission", request});
    r.attributes["Ref"] = r.physical_id;
    r.attributes["Id"] = r.physical_id;
    r.notes.push_back("recorded in the function's policy; fogbank enforces no resource policies");
  }

  std::vector<planned_call> delete_calls(const ensure_result& done) const override {
    const auto function = done.deferred.find("FunctionName");
    if (function == done.deferred.end()) return {};
    return {{"lambda",
             "RemovePermission",
             {{"FunctionName", function->second}, {"StatementId", done.physical_id}}}};
  }

  ensure_result ensure(resource_calls& calls, const planned_resource& r,
                       const recorded_resource* previous) const override {
    ensure_result out;
    out.physical_id = r.physical_id;
    const json& desired = r.create.front().request;
    const std::string function = desired.value("FunctionName", "");
    // Kept for delete_calls (the type has no FunctionName attribute, so no template reads it).
    out.deferred["FunctionName"] = function;
    const std::optional<json> policy = calls.find("lambda", "GetPolicy", {{"FunctionName", function}},
                                                  core::error_code::lambda_resource_not_found);
    bool present = false;
    if (policy) {
      const std::optional<json> document =
          core::parse_json_within(policy->value("Policy", ""), max_template_depth);
      if (document && document->is_object() && document->contains("Statement") &&
          (*document)["Statement"].is_array()) {
        for (const json& statement : (*document)["Statement"]) {
          present = present || (statement.is_object() && statement.value("Sid", json()) == r.physical_id);
        }
      }
    }
    if (!present) {
      calls.must(r.create.front());
      out.action = previous == nullptr ? resource_action::created : resource_action::updated;
      if (previous != nullptr) out.notes.push_back("statement added again");
      return out;
    }
    if (previous != nullptr && previous->request == desired) {
      out.action = resource_action::unchanged;
      return out;
    }
    // A statement cannot be changed in place: it is removed and added anew.
    calls.must("lambda", "RemovePermission", {{"FunctionName", function}, {"StatementId", r.physical_id}});
    calls.must(r.create.front());
    out.notes.push_back("statement replaced");
    out.action = resource_action::updated;
    return out;
  }
};

}  // namespace

const resource_type& lambda_function_type() {
  static const lambda_function type;
  return type;
}

const resource_type& lambda_event_source_mapping_type() {
  static const lambda_event_source_mapping type;
  return type;
}

const resource_type& lambda_permission_type() {
  static const lambda_permission type;
  return type;
}

}  // namespace fogbank::templates
