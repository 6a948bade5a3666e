// AWS::SQS::Queue (CreateQueue, or SetQueueAttributes and tag calls for what differs) and
// AWS::SQS::QueuePolicy (SetQueueAttributes Policy on each of its queues).

#include "resource_type.hpp"

#include "deferred.hpp"
#include "fogbank/core/json_limits.hpp"

#include <algorithm>

namespace fogbank::templates {
namespace {

// SQS queue names are at most 80 characters, ".fifo" included (CreateQueue, QueueName).
constexpr std::size_t max_queue_name = 80;

// Every CloudFormation property but QueueName and Tags is the queue attribute of the same name.
const std::set<std::string> queue_properties = {"QueueName",
                                                "FifoQueue",
                                                "ContentBasedDeduplication",
                                                "DeduplicationScope",
                                                "DelaySeconds",
                                                "FifoThroughputLimit",
                                                "KmsDataKeyReusePeriodSeconds",
                                                "KmsMasterKeyId",
                                                "MaximumMessageSize",
                                                "MessageRetentionPeriod",
                                                "ReceiveMessageWaitTimeSeconds",
                                                "RedriveAllowPolicy",
                                                "RedrivePolicy",
                                                "SqsManagedSseEnabled",
                                                "Tags",
                                                "VisibilityTimeout"};
const std::set<std::string> no_properties;
const std::set<std::string> boolean_attributes = {"FifoQueue", "ContentBasedDeduplication",
                                                  "SqsManagedSseEnabled"};
const std::set<std::string> json_attributes = {"RedrivePolicy", "RedriveAllowPolicy", "Policy"};
const std::set<std::string> number_attributes = {
    "DelaySeconds",           "KmsDataKeyReusePeriodSeconds",  "MaximumMessageSize",
    "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds", "VisibilityTimeout"};

// What an attribute goes back to when a template stops setting it: SQS's defaults (CreateQueue
// API reference; MaximumMessageSize's is 1 MiB since SQS raised the limit, as fogbank's SQS has
// it). An empty JSON attribute removes it (SetQueueAttributes).
std::string default_of(const std::string& attribute) {
  static const std::map<std::string, std::string> defaults = {
      {"DelaySeconds", "0"},
      {"MaximumMessageSize", "1048576"},
      {"MessageRetentionPeriod", "345600"},
      {"ReceiveMessageWaitTimeSeconds", "0"},
      {"VisibilityTimeout", "30"},
      {"SqsManagedSseEnabled", "true"},
      {"ContentBasedDeduplication", "false"},
      {"DeduplicationScope", "queue"},
      {"FifoThroughputLimit", "perQueue"},
      {"KmsDataKeyReusePeriodSeconds", "300"},
  };
  const auto it = defaults.find(attribute);
  return it == defaults.end() ? std::string() : it->second;
}

// A JSON attribute as SQS keeps it: RedrivePolicy with a numeric maxReceiveCount (SQS stores it
// so; CloudFormation templates often write "3").
std::string normalized_json(const plan_context& c, const std::string& attribute, const json& value,
                            const std::string& pointer) {
  if (attribute != "RedrivePolicy" || !value.is_object()) return json_text(c, value, pointer);
  json policy = value;
  if (policy.contains("maxReceiveCount")) {
    policy["maxReceiveCount"] =
        int_property(c, policy["maxReceiveCount"], child_path(pointer, "maxReceiveCount"));
  }
  return policy.dump();
}

// Two attribute values mean the same: JSON attributes compared as JSON (key order and spacing
// aside), the rest as text.
bool same_value(const std::string& attribute, const std::string& a, const std::string& b) {
  if (a == b) return true;
  if (!json_attributes.contains(attribute)) return false;
  const auto pa = core::parse_json_within(a, max_template_depth);
  const auto pb = core::parse_json_within(b, max_template_depth);
  return pa && pb && *pa == *pb;
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

class sqs_queue final : public resource_type {
 public:
  std::string_view type_name() const override { return "AWS::SQS::Queue"; }
  const std::set<std::string>& supported() const override { return queue_properties; }
  const std::set<std::string>& accepted_unemulated() const override { return no_properties; }

  void plan(const plan_context& c, planned_resource& r) const override {
    const json& p = r.properties;
    const bool fifo =
        p.contains("FifoQueue") && bool_property(c, p["FifoQueue"], property_path(r, "FifoQueue"));
    // A generated FIFO queue name ends in ".fifo", as SQS requires (CloudFormation once left it
    // off, so that FIFO queues needed a QueueName; it adds it today: unconfirmed).
    r.physical_id = physical_name(c, r, "QueueName", max_queue_name, fifo ? ".fifo" : "");
    json attributes = json::object();
    for (const auto& [key, value] : p.items()) {
      const std::string at = property_path(r, key);
      if (key == "QueueName" || key == "Tags" || (key == "FifoQueue" && !fifo)) continue;
      if (boolean_attributes.contains(key)) {
        attributes[key] = bool_property(c, value, at) ? "true" : "false";
      } else if (number_attributes.contains(key)) {
        attributes[key] = std::to_string(int_property(c, value, at));
      } else if (json_attributes.contains(key)) {
        attributes[key] = normalized_json(c, key, value, at);
      } else {
        attributes[key] = string_property(c, value, at);
      }
    }
    json request = {{"QueueName", r.physical_id}};
    if (!attributes.empty()) request["Attributes"] = attributes;
    if (p.contains("Tags")) request["tags"] = tag_map(c, p["Tags"], property_path(r, "Tags"));
    r.create.push_back({"sqs", "CreateQueue", request});
    r.attributes["Ref"] = deferred_token(r.logical_id, "QueueUrl");
    r.attributes["QueueUrl"] = deferred_token(r.logical_id, "QueueUrl");
    r.attributes["QueueName"] = r.physical_id;
    r.attributes["Arn"] =
        "arn:aws:sqs:" + c.options.region + ":" + c.options.account_id + ":" + r.physical_id;
  }

  // done.physical_id is the queue's URL.
  std::vector<planned_call> delete_calls(const ensure_result& done) const override {
    return {{"sqs", "DeleteQueue", {{"QueueUrl", done.physical_id}}}};
  }

  ensure_result ensure(resource_calls& calls, const planned_resource& r,
                       const recorded_resource* previous) const override {
    ensure_result out;
    out.physical_id = r.physical_id;
    const json& desired = r.create.front().request;
    const std::optional<json> found = calls.find("sqs", "GetQueueUrl", {{"QueueName", r.physical_id}},
                                                 core::error_code::queue_does_not_exist);
    std::string url;
    if (!found) {
      url = calls.must(r.create.front()).value("QueueUrl", "");
      out.action = resource_action::created;
    } else {
      url = found->value("QueueUrl", "");
      update(calls, desired, url, previous, out);
      out.action = out.notes.empty() ? resource_action::unchanged : resource_action::updated;
    }
    out.deferred["QueueUrl"] = url;
    out.physical_id = url;
    out.recorded_id = r.physical_id;
    return out;
  }

 private:
  static void update(resource_calls& calls, const json& desired, const std::string& url,
                     const recorded_resource* previous, ensure_result& out) {
    const std::map<std::string, std::string> live =
        string_map(calls.must("sqs", "GetQueueAttributes", {{"QueueUrl", url}, {"AttributeNames", {"All"}}})
                       .value("Attributes", json()));
    std::map<std::string, std::string> wanted = string_map(desired.value("Attributes", json::object()));
    const bool live_fifo = live.contains("FifoQueue") && live.at("FifoQueue") == "true";
    if (live_fifo != wanted.contains("FifoQueue")) {
      calls.fail(
          "FifoQueue differs from the existing queue's: a queue's type cannot change (CloudFormation "
          "replaces "
          "the queue, dropping its messages). Delete the queue to have it made anew",
          "FifoQueue");
    }
    wanted.erase("FifoQueue");
    // Attributes an earlier load set and this one does not go back to their defaults; those set
    // by other means are left alone.
    if (previous != nullptr) {
      const auto before = string_map(previous->request.value("Attributes", json::object()));
      for (const auto& [attribute, value] : before) {
        if (attribute != "FifoQueue" && !wanted.contains(attribute))
          wanted[attribute] = default_of(attribute);
      }
    }
    json changed = json::object();
    for (const auto& [attribute, value] : wanted) {
      const auto current = live.find(attribute);
      const std::string current_value = current == live.end() ? std::string() : current->second;
      if (!same_value(attribute, value, current_value)) changed[attribute] = value;
    }
    if (!changed.empty()) {
      calls.must("sqs", "SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", changed}});
      for (const auto& [attribute, value] : changed.items()) out.notes.push_back(attribute);
    }
    update_tags(calls, desired, url, previous, out);
  }

  static void update_tags(resource_calls& calls, const json& desired, const std::string& url,
                          const recorded_resource* previous, ensure_result& out) {
    const std::map<std::string, std::string> wanted = string_map(desired.value("tags", json::object()));
    const std::map<std::string, std::string> live =
        string_map(calls.must("sqs", "ListQueueTags", {{"QueueUrl", url}}).value("Tags", json::object()));
    json add = json::object();
    for (const auto& [key, value] : wanted) {
      if (!live.contains(key) || live.at(key) != value) add[key] = value;
    }
    json remove = json::array();
    if (previous != nullptr) {
      for (const auto& [key, value] : string_map(previous->request.value("tags", json::object()))) {
        if (!wanted.contains(key) && live.contains(key)) remove.push_back(key);
      }
    }
    if (!add.empty()) calls.must("sqs", "TagQueue", {{"QueueUrl", url}, {"Tags", add}});
    if (!remove.empty()) calls.must("sqs", "UntagQueue", {{"QueueUrl", url}, {"TagKeys", remove}});
    if (!add.empty() || !remove.empty()) out.notes.push_back("Tags");
  }
};

const std::set<std::string> policy_properties = {"PolicyDocument", "Queues"};

class sqs_queue_policy final : public resource_type {
 public:
  std::string_view type_name() const override { return "AWS::SQS::QueuePolicy"; }
  const std::set<std::string>& supported() const override { return policy_properties; }
  const std::set<std::string>& accepted_unemulated() const override { return no_properties; }

  void plan(const plan_context& c, planned_resource& r) const override {
    const json& p = r.properties;
    for (const char* required : {"PolicyDocument", "Queues"}) {
      if (!p.contains(required))
        fail_at(c.source, r.pointer, std::string("AWS::SQS::QueuePolicy needs ") + required);
    }
    const std::string policy = json_text(c, p["PolicyDocument"], property_path(r, "PolicyDocument"));
    if (!p["Queues"].is_array())
      fail_at(c.source, property_path(r, "Queues"), "Queues is a list of queue URLs");
    for (std::size_t i = 0; i < p["Queues"].size(); ++i) {
      const std::string url = string_property(c, p["Queues"][i], child_path(property_path(r, "Queues"), i));
      r.create.push_back(
          {"sqs", "SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", {{"Policy", policy}}}}});
    }
    r.physical_id = physical_name(c, r, "", 128);
    r.attributes["Ref"] = r.physical_id;
    r.attributes["Id"] = r.physical_id;
  }

  ensure_result ensure(resource_calls& calls, const planned_resource& r,
                       const recorded_resource* previous) const override {
    ensure_result out;
    out.physical_id = r.physical_id;
    std::set<std::string> urls;
    for (const planned_call& call : r.create) {
      const std::string url = call.request["QueueUrl"].get<std::string>();
      urls.insert(url);
      const json live =
          calls.must("sqs", "GetQueueAttributes", {{"QueueUrl", url}, {"AttributeNames", {"Policy"}}});
      const std::string current = live.value("Attributes", json::object()).value("Policy", "");
      if (same_value("Policy", call.request["Attributes"]["Policy"].get<std::string>(), current)) continue;
      calls.must(call);
      out.notes.push_back("Policy of " + url);
    }
    // Queues the policy no longer covers lose it (when they still exist).
    if (previous != nullptr && previous->properties.contains("Queues") &&
        previous->properties["Queues"].is_array()) {
      for (const json& queue : previous->properties["Queues"]) {
        if (!queue.is_string() || urls.contains(queue.get<std::string>())) continue;
        const json request = {{"QueueUrl", queue}, {"Attributes", {{"Policy", ""}}}};
        if (calls.find("sqs", "SetQueueAttributes", request, core::error_code::queue_does_not_exist)) {
          out.notes.push_back("Policy removed from " + queue.get<std::string>());
        }
      }
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

const resource_type& sqs_queue_type() {
  static const sqs_queue type;
  return type;
}

const resource_type& sqs_queue_policy_type() {
  static const sqs_queue_policy type;
  return type;
}

}  // namespace fogbank::templates
