#include "sam_sns.hpp"

#include <optional>
#include <set>

namespace fogbank::templates {
namespace {

// samtranslator's SNS event properties (push.py, SNS.property_types).
const std::set<std::string> sns_event_properties = {
    "Topic", "Region", "FilterPolicy", "FilterPolicyScope", "SqsSubscription", "RedrivePolicy"};

// A boolean as templates carry it (YAML's true reads as the string "true"), or nullopt.
std::optional<bool> flag(const json& value) {
  if (value.is_boolean()) return value.get<bool>();
  if (value == "true" || value == "True") return true;
  if (value == "false" || value == "False") return false;
  return std::nullopt;
}

generated_resource subscription_resource(const std::string& logical_id, json subscription,
                                         const json& properties, const std::string& properties_at,
                                         const std::string& event_path) {
  generated_resource out{logical_id,
                         {{"Type", "AWS::SNS::Subscription"}, {"Properties", std::move(subscription)}},
                         event_path,
                         {}};
  for (const auto& [key, value] : properties.items()) {
    if (key != "SqsSubscription")
      out.property_sources[key == "Topic" ? "TopicArn" : key] = child_path(properties_at, key);
  }
  return out;
}

// SNS -> SQS -> Lambda (SqsSubscription): true makes the queue `<Id>Queue`; a map names an
// existing one (QueueArn, QueueUrl; QueuePolicyLogicalId, BatchSize, Enabled). Either way the
// queue gets a policy letting the topic send (`<Id>QueuePolicy` unless named), the topic an sqs
// subscription `<Id>`, and the function an event source mapping `<Id>EventSourceMapping` (batch
// size 10 unless given), as push.py's SNS.to_cloudformation makes them.
std::vector<generated_resource> through_queue(const template_source& source, const std::string& id,
                                              json subscription, const json& properties,
                                              const std::string& properties_at, const std::string& event_path,
                                              const std::string& function) {
  const json& sqs = properties["SqsSubscription"];
  const std::string sqs_at = child_path(properties_at, "SqsSubscription");
  std::vector<generated_resource> out;
  json queue_arn;
  json queue_url;
  std::string policy_id = id + "QueuePolicy";
  json batch_size = 10;
  json enabled = true;
  // SqsSubscription: false never comes here (sns_event_resources subscribes the function).
  const bool new_queue = flag(sqs).value_or(false);
  if (new_queue) {
    queue_arn = {{"Fn::GetAtt", json::array({id + "Queue", "Arn"})}};
    queue_url = {{"Ref", id + "Queue"}};
  } else if (sqs.is_object()) {
    if (!sqs.contains("QueueArn") || !sqs.contains("QueueUrl"))
      fail_at(source, sqs_at, "No QueueARN or QueueURL provided.");
    queue_arn = sqs["QueueArn"];
    queue_url = sqs["QueueUrl"];
    if (sqs.contains("QueuePolicyLogicalId") && sqs["QueuePolicyLogicalId"].is_string())
      policy_id = sqs["QueuePolicyLogicalId"].get<std::string>();
    if (sqs.contains("BatchSize")) batch_size = sqs["BatchSize"];
    if (sqs.contains("Enabled")) enabled = sqs["Enabled"];
  } else {
    fail_at(source, sqs_at, "SqsSubscription must be true, false or a map (QueueArn, QueueUrl, ...)");
  }
  out.push_back({id + "EventSourceMapping",
                 {{"Type", "AWS::Lambda::EventSourceMapping"},
                  {"Properties",
                   {{"FunctionName", {{"Ref", function}}},
                    {"EventSourceArn", queue_arn},
                    {"BatchSize", batch_size},
                    {"Enabled", enabled}}}},
                 event_path,
                 {}});
  if (new_queue) {
    out.push_back(
        {id + "Queue", {{"Type", "AWS::SQS::Queue"}, {"Properties", json::object()}}, event_path, {}});
  }
  // SAM's policy (SQSQueuePolicies.sns_topic_send_message_role_policy).
  const json policy = {
      {"Version", "2012-10-17"},
      {"Statement",
       json::array({{{"Action", "sqs:SendMessage"},
                     {"Effect", "Allow"},
                     {"Principal", "*"},
                     {"Resource", queue_arn},
                     {"Condition", {{"ArnEquals", {{"aws:SourceArn", properties["Topic"]}}}}}}})}};
  out.push_back({policy_id,
                 {{"Type", "AWS::SQS::QueuePolicy"},
                  {"Properties", {{"PolicyDocument", policy}, {"Queues", json::array({queue_url})}}}},
                 event_path,
                 {}});
  subscription["Protocol"] = "sqs";
  subscription["Endpoint"] = queue_arn;
  out.push_back(subscription_resource(id, std::move(subscription), properties, properties_at, event_path));
  return out;
}

}  // namespace

std::vector<generated_resource> sns_event_resources(const template_source& source,
                                                    const std::string& function, const std::string& event,
                                                    const json& properties, const std::string& event_path) {
  const std::string properties_at = child_path(event_path, "Properties");
  for (const auto& [key, value] : properties.items()) {
    if (!sns_event_properties.contains(key)) {
      fail_at(source, child_path(properties_at, key),
              "property " + key + " not defined for event of type SNS");
    }
  }
  if (!properties.contains("Topic")) fail_at(source, properties_at, "Missing required property 'Topic'.");
  const json function_arn = {{"Fn::GetAtt", json::array({function, "Arn"})}};
  json subscription = {{"Protocol", "lambda"}, {"Endpoint", function_arn}, {"TopicArn", properties["Topic"]}};
  for (const char* key : {"Region", "FilterPolicy", "FilterPolicyScope", "RedrivePolicy"}) {
    if (properties.contains(key)) subscription[key] = properties[key];
  }
  generated_resource permission{function + event + "Permission",
                                {{"Type", "AWS::Lambda::Permission"},
                                 {"Properties",
                                  {{"Action", "lambda:InvokeFunction"},
                                   {"FunctionName", {{"Ref", function}}},
                                   {"Principal", "sns.amazonaws.com"},
                                   {"SourceArn", properties["Topic"]}}}},
                                event_path,
                                {{"SourceArn", child_path(properties_at, "Topic")}}};
  const json& sqs = properties.contains("SqsSubscription") ? properties["SqsSubscription"] : json(false);
  if (flag(sqs) == false) {
    generated_resource subscribed = subscription_resource(function + event, std::move(subscription),
                                                          properties, properties_at, event_path);
    return {std::move(permission), std::move(subscribed)};
  }
  return through_queue(source, function + event, std::move(subscription), properties, properties_at,
                       event_path, function);
}

}  // namespace fogbank::templates
