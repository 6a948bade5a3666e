#include "sam_sns.hpp"

#include <set>

namespace fogbank::templates {
namespace {

// samtranslator's SNS event properties (push.py, SNS.property_types).
const std::set<std::string> sns_event_properties = {
    "Topic", "Region", "FilterPolicy", "FilterPolicyScope", "SqsSubscription", "RedrivePolicy"};

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
  if (properties.contains("SqsSubscription") &&
      !(properties["SqsSubscription"].is_boolean() && !properties["SqsSubscription"].get<bool>())) {
    fail_at(source, child_path(properties_at, "SqsSubscription"),
            "SqsSubscription is not supported by fogbank yet: declare the queue, its AWS::SNS::Subscription "
            "(Protocol sqs) and an SQS event of the function instead");
  }
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
  generated_resource subscribed{function + event,
                                {{"Type", "AWS::SNS::Subscription"}, {"Properties", std::move(subscription)}},
                                event_path,
                                {}};
  for (const auto& [key, value] : properties.items()) {
    subscribed.property_sources[key == "Topic" ? "TopicArn" : key] = child_path(properties_at, key);
  }
  return {std::move(permission), std::move(subscribed)};
}

}  // namespace fogbank::templates
