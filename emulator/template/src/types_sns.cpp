// AWS::SNS::Topic (CreateTopic, its inline Subscription list as Subscribe calls, or
// SetTopicAttributes for what differs), AWS::SNS::Subscription (Subscribe, or
// SetSubscriptionAttributes for what differs) and AWS::SNS::TopicPolicy (SetTopicAttributes
// Policy on each of its topics). Properties and return values as the CloudFormation template
// reference gives them: a topic's Ref is its ARN, Fn::GetAtt TopicArn and TopicName; a
// subscription's Ref is its ARN; a topic policy's Ref is a generated id.

#include "resource_type.hpp"

#include "deferred.hpp"
#include "fogbank/core/json_limits.hpp"

namespace fogbank::templates {
namespace {

// SNS topic names are at most 256 characters, ".fifo" included (CreateTopic, Name).
constexpr std::size_t max_topic_name = 256;

const std::set<std::string> topic_properties = {"TopicName",
                                                "DisplayName",
                                                "FifoTopic",
                                                "ContentBasedDeduplication",
                                                "KmsMasterKeyId",
                                                "SignatureVersion",
                                                "TracingConfig",
                                                "ArchivePolicy",
                                                "DataProtectionPolicy",
                                                "FifoThroughputScope",
                                                "DeliveryStatusLogging",
                                                "Subscription",
                                                "Tags"};
// Kept nowhere: DeliveryStatusLogging configures CloudWatch feedback roles fogbank has no use for.
const std::set<std::string> topic_unemulated = {"DeliveryStatusLogging"};
// CloudFormation properties that are the topic attribute of the same name (ArchivePolicy and
// DataProtectionPolicy are JSON; DataProtectionPolicy is no attribute fogbank's SNS keeps).
const std::set<std::string> topic_string_attributes = {"DisplayName", "KmsMasterKeyId", "SignatureVersion",
                                                       "TracingConfig", "FifoThroughputScope"};

const std::set<std::string> subscription_properties = {"TopicArn",      "Protocol",
                                                       "Endpoint",      "RawMessageDelivery",
                                                       "FilterPolicy",  "FilterPolicyScope",
                                                       "RedrivePolicy", "DeliveryPolicy",
                                                       "ReplayPolicy",  "SubscriptionRoleArn",
                                                       "Region"};
// Region: a subscription to a topic of another region; fogbank's topics are those of its region.
const std::set<std::string> subscription_unemulated = {"Region"};
const std::set<std::string> subscription_json_attributes = {"FilterPolicy", "RedrivePolicy", "DeliveryPolicy",
                                                            "ReplayPolicy"};

const std::set<std::string> policy_properties = {"PolicyDocument", "Topics"};
const std::set<std::string> no_properties;

std::string required_string(const plan_context& c, const planned_resource& r, const std::string& name) {
  if (!r.properties.contains(name)) fail_at(c.source, r.pointer, r.type + " needs " + name);
  return string_property(c, r.properties[name], property_path(r, name));
}

// Two attribute values mean the same: as JSON when both parse (key order and spacing aside).
bool same_attribute(const std::string& a, const std::string& b) {
  if (a == b) return true;
  const auto pa = core::parse_json_within(a, max_template_depth);
  const auto pb = core::parse_json_within(b, max_template_depth);
  return pa && pb && (pa->is_object() || pa->is_array()) && *pa == *pb;
}

std::map<std::string, std::string> string_map(const json& object) {
  std::map<std::string, std::string> out;
  if (object.is_object()) {
    for (const auto& [key, value] : object.items()) {
      if (value.is_string()) out[key] = value.get<std::string>();
    }
  }
  return out;
}

// The Subscribe request of one {Protocol, Endpoint} (a topic's Subscription entry or an
// AWS::SNS::Subscription), its attributes as SNS keeps them (strings; JSON as text).
json subscribe_request(const plan_context& c, const json& topic_arn, const json& properties,
                       const std::string& pointer) {
  json attributes = json::object();
  json request = {{"TopicArn", topic_arn}, {"ReturnSubscriptionArn", true}};
  for (const auto& [key, value] : properties.items()) {
    const std::string at = child_path(pointer, key);
    if (key == "Protocol" || key == "Endpoint") {
      request[key] = string_property(c, value, at);
    } else if (key == "RawMessageDelivery") {
      attributes[key] = bool_property(c, value, at) ? "true" : "false";
    } else if (subscription_json_attributes.contains(key)) {
      attributes[key] = json_text(c, value, at);
    } else if (key == "FilterPolicyScope" || key == "SubscriptionRoleArn") {
      attributes[key] = string_property(c, value, at);
    }
  }
  if (!attributes.empty()) request["Attributes"] = attributes;
  return request;
}

// Makes the subscription `request` describes exist and returns its ARN: SNS's Subscribe answers
// an existing subscription of the same protocol and endpoint, but refuses one whose attributes
// differ, so an existing one gets SetSubscriptionAttributes for what differs instead.
std::string ensure_subscription(resource_calls& calls, const json& request, std::vector<std::string>& notes) {
  const json listed = calls.must("sns", "ListSubscriptionsByTopic", {{"TopicArn", request["TopicArn"]}});
  for (const json& s : listed.value("Subscriptions", json::array())) {
    if (s.value("Protocol", "") != request.value("Protocol", "") ||
        s.value("Endpoint", "") != request.value("Endpoint", ""))
      continue;
    const std::string arn = s.value("SubscriptionArn", "");
    const std::map<std::string, std::string> live =
        string_map(calls.must("sns", "GetSubscriptionAttributes", {{"SubscriptionArn", arn}})
                       .value("Attributes", json()));
    for (const auto& [key, value] : string_map(request.value("Attributes", json::object()))) {
      const auto it = live.find(key);
      if (it != live.end() && same_attribute(it->second, value)) continue;
      calls.must("sns", "SetSubscriptionAttributes",
                 {{"SubscriptionArn", arn}, {"AttributeName", key}, {"AttributeValue", value}});
      notes.push_back(key + " of " + arn);
    }
    return arn;
  }
  return calls.must("sns", "Subscribe", request).value("SubscriptionArn", "");
}

class sns_topic final : public resource_type {
 public:
  std::string_view type_name() const override { return "AWS::SNS::Topic"; }
  const std::set<std::string>& supported() const override { return topic_properties; }
  const std::set<std::string>& accepted_unemulated() const override { return topic_unemulated; }

  void plan(const plan_context& c, planned_resource& r) const override {
    const json& p = r.properties;
    const bool fifo =
        p.contains("FifoTopic") && bool_property(c, p["FifoTopic"], property_path(r, "FifoTopic"));
    // A generated FIFO topic name ends in ".fifo", as SNS requires.
    r.physical_id = physical_name(c, r, "TopicName", max_topic_name, fifo ? ".fifo" : "");
    const std::string arn =
        "arn:aws:sns:" + c.options.region + ":" + c.options.account_id + ":" + r.physical_id;
    json attributes = json::object();
    if (fifo) attributes["FifoTopic"] = "true";
    for (const auto& [key, value] : p.items()) {
      const std::string at = property_path(r, key);
      if (key == "ContentBasedDeduplication") {
        attributes[key] = bool_property(c, value, at) ? "true" : "false";
      } else if (key == "ArchivePolicy") {
        attributes[key] = json_text(c, value, at);
      } else if (topic_string_attributes.contains(key)) {
        attributes[key] = string_property(c, value, at);
      }
    }
    json request = {{"Name", r.physical_id}};
    if (!attributes.empty()) request["Attributes"] = attributes;
    if (p.contains("Tags")) {
      json tags = json::array();
      for (const auto& [key, value] : tag_map(c, p["Tags"], property_path(r, "Tags")))
        tags.push_back({{"Key", key}, {"Value", value}});
      request["Tags"] = tags;
    }
    r.create.push_back({"sns", "CreateTopic", request});
    if (p.contains("Subscription")) {
      const std::string list_at = property_path(r, "Subscription");
      if (!p["Subscription"].is_array())
        fail_at(c.source, list_at, "Subscription is a list of {Endpoint, Protocol}");
      for (std::size_t i = 0; i < p["Subscription"].size(); ++i) {
        const json& entry = p["Subscription"][i];
        const std::string at = child_path(list_at, i);
        if (!entry.is_object() || !entry.contains("Endpoint") || !entry.contains("Protocol") ||
            entry.size() != 2)
          fail_at(c.source, at, "a subscription is {Endpoint, Protocol}");
        r.create.push_back({"sns", "Subscribe", subscribe_request(c, arn, entry, at)});
      }
    }
    r.attributes["Ref"] = arn;
    r.attributes["TopicArn"] = arn;
    r.attributes["TopicName"] = r.physical_id;
  }

  std::vector<planned_call> delete_calls(const ensure_result& done) const override {
    return {{"sns", "DeleteTopic", {{"TopicArn", done.physical_id}}}};
  }

  ensure_result ensure(resource_calls& calls, const planned_resource& r,
                       const recorded_resource* previous) const override {
    ensure_result out;
    const json& desired = r.create.front().request;
    const std::string arn = r.attributes.at("TopicArn").get<std::string>();
    out.physical_id = arn;
    out.recorded_id = r.physical_id;
    const std::optional<json> found =
        calls.find("sns", "GetTopicAttributes", {{"TopicArn", arn}}, core::error_code::sns_not_found);
    if (!found) {
      calls.must(r.create.front());
      out.action = resource_action::created;
    } else {
      update(calls, desired, arn, *found, previous, out);
    }
    for (std::size_t i = 1; i < r.create.size(); ++i)
      ensure_subscription(calls, r.create[i].request, out.notes);
    if (found) out.action = out.notes.empty() ? resource_action::unchanged : resource_action::updated;
    return out;
  }

 private:
  static void update(resource_calls& calls, const json& desired, const std::string& arn, const json& found,
                     const recorded_resource* previous, ensure_result& out) {
    const std::map<std::string, std::string> live = string_map(found.value("Attributes", json()));
    std::map<std::string, std::string> wanted = string_map(desired.value("Attributes", json::object()));
    const bool live_fifo = live.contains("FifoTopic") && live.at("FifoTopic") == "true";
    if (live_fifo != wanted.contains("FifoTopic")) {
      calls.fail(
          "FifoTopic differs from the existing topic's: a topic's type cannot change (CloudFormation "
          "replaces "
          "the topic). Delete the topic to have it made anew",
          "FifoTopic");
    }
    wanted.erase("FifoTopic");
    // Attributes an earlier load set and this one does not go back to empty (SNS's default for
    // the string attributes; ContentBasedDeduplication's is false).
    if (previous != nullptr) {
      for (const auto& [key, value] : string_map(previous->request.value("Attributes", json::object()))) {
        if (key != "FifoTopic" && !wanted.contains(key))
          wanted[key] = key == "ContentBasedDeduplication" ? "false" : "";
      }
    }
    for (const auto& [key, value] : wanted) {
      const auto it = live.find(key);
      if (same_attribute(it == live.end() ? std::string() : it->second, value)) continue;
      calls.must("sns", "SetTopicAttributes",
                 {{"TopicArn", arn}, {"AttributeName", key}, {"AttributeValue", value}});
      out.notes.push_back(key);
    }
  }
};

class sns_subscription final : public resource_type {
 public:
  std::string_view type_name() const override { return "AWS::SNS::Subscription"; }
  const std::set<std::string>& supported() const override { return subscription_properties; }
  const std::set<std::string>& accepted_unemulated() const override { return subscription_unemulated; }

  void plan(const plan_context& c, planned_resource& r) const override {
    const std::string topic = required_string(c, r, "TopicArn");
    required_string(c, r, "Protocol");
    // Endpoint is optional in the reference, but every protocol fogbank delivers to needs one.
    required_string(c, r, "Endpoint");
    r.create.push_back(
        {"sns", "Subscribe", subscribe_request(c, topic, r.properties, child_path(r.pointer, "Properties"))});
    // The subscription's ARN carries a UUID SNS gives.
    r.physical_id = deferred_token(r.logical_id, "Arn");
    r.attributes["Ref"] = r.physical_id;
    r.attributes["Arn"] = r.physical_id;
  }

  std::vector<planned_call> delete_calls(const ensure_result& done) const override {
    return {{"sns", "Unsubscribe", {{"SubscriptionArn", done.physical_id}}}};
  }

  ensure_result ensure(resource_calls& calls, const planned_resource& r,
                       const recorded_resource* previous) const override {
    ensure_result out;
    const json& request = r.create.front().request;
    bool existed = false;
    const json listed = calls.must("sns", "ListSubscriptionsByTopic", {{"TopicArn", request["TopicArn"]}});
    for (const json& s : listed.value("Subscriptions", json::array())) {
      existed = existed || (s.value("Protocol", "") == request.value("Protocol", "") &&
                            s.value("Endpoint", "") == request.value("Endpoint", ""));
    }
    out.physical_id = ensure_subscription(calls, request, out.notes);
    // Attributes an earlier load set and this one does not are cleared (FilterPolicy "" removes
    // the policy; RawMessageDelivery goes back to false).
    if (previous != nullptr && existed) {
      const json wanted = request.value("Attributes", json::object());
      for (const auto& [key, value] : string_map(previous->request.value("Attributes", json::object()))) {
        if (wanted.contains(key)) continue;
        calls.must("sns", "SetSubscriptionAttributes",
                   {{"SubscriptionArn", out.physical_id},
                    {"AttributeName", key},
                    {"AttributeValue", key == "RawMessageDelivery" ? "false" : ""}});
        out.notes.push_back(key + " removed");
      }
    }
    out.deferred["Arn"] = out.physical_id;
    if (!existed) {
      out.action = resource_action::created;
    } else {
      out.action = out.notes.empty() ? resource_action::unchanged : resource_action::updated;
    }
    return out;
  }
};

class sns_topic_policy final : public resource_type {
 public:
  std::string_view type_name() const override { return "AWS::SNS::TopicPolicy"; }
  const std::set<std::string>& supported() const override { return policy_properties; }
  const std::set<std::string>& accepted_unemulated() const override { return no_properties; }

  void plan(const plan_context& c, planned_resource& r) const override {
    const json& p = r.properties;
    for (const char* required : {"PolicyDocument", "Topics"}) {
      if (!p.contains(required))
        fail_at(c.source, r.pointer, std::string("AWS::SNS::TopicPolicy needs ") + required);
    }
    const std::string policy = json_text(c, p["PolicyDocument"], property_path(r, "PolicyDocument"));
    if (!p["Topics"].is_array())
      fail_at(c.source, property_path(r, "Topics"), "Topics is a list of topic ARNs");
    for (std::size_t i = 0; i < p["Topics"].size(); ++i) {
      const std::string arn = string_property(c, p["Topics"][i], child_path(property_path(r, "Topics"), i));
      r.create.push_back({"sns",
                          "SetTopicAttributes",
                          {{"TopicArn", arn}, {"AttributeName", "Policy"}, {"AttributeValue", policy}}});
    }
    r.physical_id = physical_name(c, r, "", 128);
    r.attributes["Ref"] = r.physical_id;
    r.attributes["Id"] = r.physical_id;
  }

  ensure_result ensure(resource_calls& calls, const planned_resource& r,
                       const recorded_resource* previous) const override {
    ensure_result out;
    out.physical_id = r.physical_id;
    for (const planned_call& call : r.create) {
      const json live = calls.must("sns", "GetTopicAttributes", {{"TopicArn", call.request["TopicArn"]}});
      const std::string current = live.value("Attributes", json::object()).value("Policy", "");
      if (same_attribute(call.request["AttributeValue"].get<std::string>(), current)) continue;
      calls.must(call);
      out.notes.push_back("Policy of " + call.request["TopicArn"].get<std::string>());
    }
    if (previous == nullptr) {
      out.action = resource_action::created;
    } else {
      out.action = out.notes.empty() ? resource_action::unchanged : resource_action::updated;
    }
    return out;
  }
};

}  // namespace

const resource_type& sns_topic_type() {
  static const sns_topic type;
  return type;
}

const resource_type& sns_subscription_type() {
  static const sns_subscription type;
  return type;
}

const resource_type& sns_topic_policy_type() {
  static const sns_topic_policy type;
  return type;
}

}  // namespace fogbank::templates
