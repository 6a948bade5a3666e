#include "sam_function.hpp"

#include "sam_sns.hpp"

#include <filesystem>
#include <map>
#include <set>
#include <system_error>

namespace fogbank::templates {
namespace {

// Copied to AWS::Lambda::Function under the same name.
const std::set<std::string> copied_properties = {"Handler",
                                                 "Runtime",
                                                 "Description",
                                                 "MemorySize",
                                                 "Timeout",
                                                 "Role",
                                                 "Environment",
                                                 "Layers",
                                                 "Architectures",
                                                 "KmsKeyArn",
                                                 "VpcConfig",
                                                 "FileSystemConfigs",
                                                 "EphemeralStorage",
                                                 "LoggingConfig",
                                                 "SnapStart",
                                                 "FunctionName",
                                                 "CodeSigningConfigArn",
                                                 "ReservedConcurrentExecutions",
                                                 "RuntimeManagementConfig",
                                                 "RecursiveLoop",
                                                 "PackageType",
                                                 "ImageConfig"};
// Accepted and dropped: they configure the role SAM would generate (fogbank enforces no IAM),
// or deployment machinery fogbank has no use for (versions, aliases, CodeDeploy).
const std::set<std::string> dropped_properties = {"Policies",
                                                  "PermissionsBoundary",
                                                  "RolePath",
                                                  "AssumeRolePolicyDocument",
                                                  "AutoPublishAlias",
                                                  "AutoPublishAliasAllProperties",
                                                  "AutoPublishCodeSha256",
                                                  "DeploymentPreference",
                                                  "ProvisionedConcurrencyConfig",
                                                  "PropagateTags",
                                                  "VersionDescription",
                                                  "VersionDeletionPolicy",
                                                  "EventInvokeConfig",
                                                  "FunctionUrlConfig",
                                                  "SourceKMSKeyArn",
                                                  "Connectors"};
// Handled below.
const std::set<std::string> translated_properties = {"CodeUri",         "InlineCode", "ImageUri", "Tracing",
                                                     "DeadLetterQueue", "Tags",       "Events"};

// Pull events and the properties SAM passes through to the event source mapping
// (eventsources/pull.py, PullEventSource.property_types; SQS and DynamoDB subclasses).
const std::set<std::string> sqs_event_properties = {"Queue",
                                                    "BatchSize",
                                                    "Enabled",
                                                    "FilterCriteria",
                                                    "MaximumBatchingWindowInSeconds",
                                                    "FunctionResponseTypes",
                                                    "ScalingConfig",
                                                    "KmsKeyArn",
                                                    "MetricsConfig"};
const std::set<std::string> dynamodb_event_properties = {"Stream",
                                                         "StartingPosition",
                                                         "StartingPositionTimestamp",
                                                         "BatchSize",
                                                         "Enabled",
                                                         "MaximumBatchingWindowInSeconds",
                                                         "MaximumRetryAttempts",
                                                         "BisectBatchOnFunctionError",
                                                         "MaximumRecordAgeInSeconds",
                                                         "DestinationConfig",
                                                         "ParallelizationFactor",
                                                         "TumblingWindowInSeconds",
                                                         "FunctionResponseTypes",
                                                         "FilterCriteria",
                                                         "KmsKeyArn",
                                                         "MetricsConfig"};

std::string properties_path(const std::string& logical_id) {
  return child_path(child_path("/Resources", logical_id), "Properties");
}

// CodeUri or InlineCode as AWS::Lambda::Function's Code. A local CodeUri is fogbank's
// local-code convention (LocalStack's): Code={S3Bucket: "hot-reload", S3Key: <absolute path>},
// the directory used in place, so an edited handler file takes effect on the next cold start.
json code_of(const template_source& source, const std::string& logical_id, const json& properties) {
  const std::string path = properties_path(logical_id);
  if (properties.contains("ImageUri") ||
      (properties.contains("PackageType") && properties["PackageType"] == "Image")) {
    fail_at(source, child_path(path, properties.contains("ImageUri") ? "ImageUri" : "PackageType"),
            "container images are not supported: fogbank runs handlers without Docker");
  }
  if (properties.contains("InlineCode")) {
    if (properties.contains("CodeUri")) {
      fail_at(source, child_path(path, "InlineCode"), "Only one of 'InlineCode' or 'CodeUri' can be set.");
    }
    return {{"ZipFile", properties["InlineCode"]}};
  }
  if (!properties.contains("CodeUri")) {
    fail_at(source, path, "Either 'InlineCode' or 'CodeUri' must be set.");
  }
  const json& uri = properties["CodeUri"];
  const std::string uri_path = child_path(path, "CodeUri");
  if (!uri.is_string()) {
    fail_at(source, uri_path,
            "CodeUri must be a local directory (fogbank has no S3 to read {Bucket, Key} from)");
  }
  const std::string text = uri.get<std::string>();
  if (text.rfind("s3://", 0) == 0) {
    fail_at(source, uri_path,
            "'" + text +
                "' is in S3, which fogbank does not emulate: point CodeUri at the local directory of "
                "the handler (what `sam build` puts in .aws-sam/build/<Function>)");
  }
  std::filesystem::path directory(text);
  if (directory.is_relative()) directory = source.file.parent_path() / directory;
  std::error_code ec;
  directory = std::filesystem::absolute(directory, ec).lexically_normal();
  if (!std::filesystem::is_directory(directory, ec)) {
    fail_at(source, uri_path,
            "'" + directory.string() +
                "' is not a directory: fogbank runs a function's code from a local directory");
  }
  std::string absolute = directory.string();
  if (absolute.size() > 1 && absolute.back() == '/') absolute.pop_back();
  return {{"S3Bucket", "hot-reload"}, {"S3Key", absolute}};
}

void check_event_properties(const template_source& source, const json& properties,
                            const std::set<std::string>& known, const std::string& type,
                            const std::string& path) {
  for (const auto& [key, value] : properties.items()) {
    if (!known.contains(key)) {
      fail_at(source, child_path(path, key),
              std::string("property ").append(key).append(" not defined for event of type ").append(type));
    }
  }
}

// One SQS or DynamoDB event as its event source mapping.
generated_resource event_source_mapping(const template_source& source, const std::string& function,
                                        const std::string& event, const std::string& type,
                                        const json& properties, const std::string& event_path) {
  const std::string properties_at = child_path(event_path, "Properties");
  const bool sqs = type == "SQS";
  check_event_properties(source, properties, sqs ? sqs_event_properties : dynamodb_event_properties, type,
                         properties_at);
  const char* source_key = sqs ? "Queue" : "Stream";
  if (!properties.contains(source_key)) {
    fail_at(source, properties_at, "Missing required property '" + std::string(source_key) + "'.");
  }
  json mapping = {{"FunctionName", {{"Ref", function}}}, {"EventSourceArn", properties[source_key]}};
  for (const auto& [key, value] : properties.items()) {
    if (key != source_key) mapping[key] = value;
  }
  if (mapping.contains("FilterCriteria")) {
    const json& filter = mapping["FilterCriteria"];
    if (filter.is_object() && !(filter.empty() || (filter.size() == 1 && filter.contains("Filters")))) {
      fail_at(source, child_path(properties_at, "FilterCriteria"), "FilterCriteria field has a wrong format");
    }
  }
  // DestinationConfig.OnFailure.Type (SQS|SNS) only tells SAM which policy to add to the role.
  if (mapping.contains("DestinationConfig") && mapping["DestinationConfig"].is_object() &&
      mapping["DestinationConfig"].contains("OnFailure") &&
      mapping["DestinationConfig"]["OnFailure"].is_object()) {
    json& on_failure = mapping["DestinationConfig"]["OnFailure"];
    if (on_failure.contains("Type")) {
      const json& kind = on_failure["Type"];
      if (kind != "SQS" && kind != "SNS") {
        fail_at(source,
                child_path(child_path(child_path(properties_at, "DestinationConfig"), "OnFailure"), "Type"),
                "The only valid values for 'Type' are 'SQS' and 'SNS'");
      }
      on_failure.erase("Type");
    }
  }
  generated_resource out{function + event,
                         {{"Type", "AWS::Lambda::EventSourceMapping"}, {"Properties", mapping}},
                         event_path,
                         {}};
  for (const auto& [key, value] : properties.items()) {
    out.property_sources[key == source_key ? "EventSourceArn" : key] = child_path(properties_at, key);
  }
  return out;
}

}  // namespace

std::vector<generated_resource> translate_function(const template_source& source,
                                                   const std::string& logical_id, const json& properties,
                                                   std::vector<recorded_event>* events) {
  const std::string path = properties_path(logical_id);
  for (const auto& [key, value] : properties.items()) {
    if (!copied_properties.contains(key) && !dropped_properties.contains(key) &&
        !translated_properties.contains(key)) {
      fail_at(source, child_path(path, key),
              "property " + key + " not defined for resource of type AWS::Serverless::Function");
    }
  }
  json function = json::object();
  for (const auto& [key, value] : properties.items()) {
    if (copied_properties.contains(key)) function[key] = value;
  }
  function["Code"] = code_of(source, logical_id, properties);
  if (properties.contains("Tracing")) function["TracingConfig"] = {{"Mode", properties["Tracing"]}};
  if (properties.contains("DeadLetterQueue")) {
    const json& queue = properties["DeadLetterQueue"];
    if (!queue.is_object() || !queue.contains("TargetArn")) {
      fail_at(source, child_path(path, "DeadLetterQueue"), "'DeadLetterQueue' requires Type and TargetArn");
    }
    function["DeadLetterConfig"] = {{"TargetArn", queue["TargetArn"]}};
  }
  // SAM tags every function it makes (sam_resources.py, _construct_tag_list).
  json tags = json::array({{{"Key", "lambda:createdBy"}, {"Value", "SAM"}}});
  if (properties.contains("Tags")) {
    const json& given = properties["Tags"];
    if (!given.is_object())
      fail_at(source, child_path(path, "Tags"), "Tags must be a mapping of keys to values");
    for (const auto& [key, value] : given.items()) tags.push_back({{"Key", key}, {"Value", value}});
  }
  function["Tags"] = std::move(tags);

  std::vector<generated_resource> out;
  out.push_back(
      {logical_id, {{"Type", "AWS::Lambda::Function"}, {"Properties", std::move(function)}}, path, {}});
  if (!properties.contains("Role")) {
    // SAM's execution role; fogbank enforces no IAM, so the role only gives the function an ARN.
    const std::string role = logical_id + "Role";
    out.front().resource["Properties"]["Role"] = {{"Fn::GetAtt", json::array({role, "Arn"})}};
    out.push_back({role, {{"Type", "AWS::IAM::Role"}, {"Properties", json::object()}}, path, {}});
  }

  if (!properties.contains("Events")) return out;
  const json& declared = properties["Events"];
  const std::string events_path = child_path(path, "Events");
  if (!declared.is_object())
    fail_at(source, events_path, "Events must be a mapping of event names to events");
  for (const auto& [name, event] : declared.items()) {
    const std::string event_path = child_path(events_path, name);
    if (!event.is_object() || !event.contains("Type") || !event["Type"].is_string()) {
      fail_at(source, event_path, "Event is missing its 'Type'");
    }
    const std::string type = event["Type"].get<std::string>();
    const json event_properties = event.contains("Properties") ? event["Properties"] : json::object();
    if (!event_properties.is_object())
      fail_at(source, child_path(event_path, "Properties"), "must be a mapping");
    if (type == "SQS" || type == "DynamoDB") {
      out.push_back(event_source_mapping(source, logical_id, name, type, event_properties, event_path));
    } else if (type == "SNS") {
      for (generated_resource& r :
           sns_event_resources(source, logical_id, name, event_properties, event_path))
        out.push_back(std::move(r));
    } else if (events != nullptr) {
      events->push_back({logical_id, name, type, event_properties, event_path});
    }
  }
  return out;
}

}  // namespace fogbank::templates
