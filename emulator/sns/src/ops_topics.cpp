// CreateTopic, DeleteTopic, ListTopics, Get/SetTopicAttributes and the tag operations. Wordings
// are AWS's as LocalStack's AWS-recorded snapshots show them (tests/aws/services/sns/
// test_sns.snapshot.json) unless marked unconfirmed.

#include "fogbank/core/encoding.hpp"
#include "service_impl.hpp"

#include <algorithm>
#include <set>

namespace fogbank::sns {
namespace {

bool valid_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// 1-256 of [A-Za-z0-9_-], and ".fifo" after them for a FIFO topic (the API reference's CreateTopic).
bool valid_topic_name(std::string_view name, bool fifo) {
  if (fifo) {
    if (!name.ends_with(".fifo")) return false;
    name.remove_suffix(5);
  }
  return !name.empty() && name.size() <= 256 && std::all_of(name.begin(), name.end(), valid_name_char);
}

// The attributes SetTopicAttributes takes (the API reference's list); FifoTopic only at creation.
const std::set<std::string, std::less<>>& settable_topic_attributes() {
  static const std::set<std::string, std::less<>> names = {"ApplicationFailureFeedbackRoleArn",
                                                           "ApplicationSuccessFeedbackRoleArn",
                                                           "ApplicationSuccessFeedbackSampleRate",
                                                           "ArchivePolicy",
                                                           "ContentBasedDeduplication",
                                                           "DataProtectionPolicy",
                                                           "DeliveryPolicy",
                                                           "DisplayName",
                                                           "FifoThroughputScope",
                                                           "FirehoseFailureFeedbackRoleArn",
                                                           "FirehoseSuccessFeedbackRoleArn",
                                                           "FirehoseSuccessFeedbackSampleRate",
                                                           "HTTPFailureFeedbackRoleArn",
                                                           "HTTPSuccessFeedbackRoleArn",
                                                           "HTTPSuccessFeedbackSampleRate",
                                                           "KmsMasterKeyId",
                                                           "LambdaFailureFeedbackRoleArn",
                                                           "LambdaSuccessFeedbackRoleArn",
                                                           "LambdaSuccessFeedbackSampleRate",
                                                           "Policy",
                                                           "SQSFailureFeedbackRoleArn",
                                                           "SQSSuccessFeedbackRoleArn",
                                                           "SQSSuccessFeedbackSampleRate",
                                                           "SignatureVersion",
                                                           "TracingConfig"};
  return names;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// Checks one attribute a topic is created or changed with, and returns the value it keeps.
std::string check_topic_attribute(const std::string& name, const std::string& value, bool fifo) {
  // Recorded for SetTopicAttributes; CreateTopic's Attributes are refused the same way (unconfirmed).
  if (!settable_topic_attributes().contains(name)) invalid("Invalid parameter: AttributeName");
  if (name == "ContentBasedDeduplication") {
    const std::string v = lower(value);
    if (v != "true" && v != "false") invalid("Invalid parameter: ContentBasedDeduplication");  // unconfirmed
    // unconfirmed wording: a standard topic refuses content-based deduplication.
    if (!fifo && v == "true")
      invalid(
          "Invalid parameter: ContentBasedDeduplication Reason: Content-based deduplication can only be set "
          "for "
          "FIFO topics");
    return v;
  }
  if (name == "Policy" || name == "DeliveryPolicy") {
    const json parsed = json::parse(value, nullptr, false);
    if (!value.empty() && !parsed.is_object()) invalid("Invalid parameter: " + name);  // unconfirmed
  }
  return value;
}

// The default access policy of a new topic (GetTopicAttributes' Policy in the recorded snapshots).
std::string default_policy(const topic& t) {
  const json policy{
      {"Version", "2008-10-17"},
      {"Id", "__default_policy_ID"},
      {"Statement", json::array({{{"Sid", "__default_statement_ID"},
                                  {"Effect", "Allow"},
                                  {"Principal", {{"AWS", "*"}}},
                                  {"Action", json::array({"SNS:GetTopicAttributes", "SNS:SetTopicAttributes",
                                                          "SNS:AddPermission", "SNS:RemovePermission",
                                                          "SNS:DeleteTopic", "SNS:Subscribe",
                                                          "SNS:ListSubscriptionsByTopic", "SNS:Publish"})},
                                  {"Resource", t.arn()},
                                  {"Condition", {{"StringEquals", {{"AWS:SourceOwner", t.account_id}}}}}}})}};
  return policy.dump();
}

// The recorded EffectiveDeliveryPolicy of a topic without a DeliveryPolicy.
std::string effective_delivery_policy() {
  nlohmann::ordered_json policy;
  policy["http"]["defaultHealthyRetryPolicy"] = {
      {"minDelayTarget", 20},       {"maxDelayTarget", 20},   {"numRetries", 3},
      {"numMaxDelayRetries", 0},    {"numNoDelayRetries", 0}, {"numMinDelayRetries", 0},
      {"backoffFunction", "linear"}};
  policy["http"]["disableSubscriptionOverrides"] = false;
  policy["http"]["defaultRequestPolicy"] = {{"headerContentType", "text/plain; charset=UTF-8"}};
  return policy.dump();
}

// Tags as a name->value map, from the API's [{Key, Value}].
std::map<std::string, std::string> read_tags(const json& request) {
  std::map<std::string, std::string> out;
  const auto it = request.find("Tags");
  if (it == request.end() || it->is_null()) return out;
  if (!it->is_array()) invalid("Invalid parameter: Tags");  // unconfirmed
  for (const json& tag : *it) {
    if (!tag.is_object() || !tag.contains("Key") || !tag["Key"].is_string())
      invalid("Invalid parameter: Tags Reason: a tag has no Key");  // unconfirmed
    const std::string key = tag["Key"].get<std::string>();
    const std::string value = tag.value("Value", "");
    // unconfirmed wordings for the tag limits (1-128 characters of key, 0-256 of value).
    if (key.empty() || key.size() > 128) invalid("Invalid parameter: Tags Reason: Invalid tag key: " + key);
    if (value.size() > 256) invalid("Invalid parameter: Tags Reason: Invalid tag value for key: " + key);
    // Recorded (test_tags): "Invalid parameter: Duplicated keys are not allowed."
    if (!out.emplace(key, value).second) invalid("Invalid parameter: Duplicated keys are not allowed.");
  }
  return out;
}

// The topic a tag operation's ResourceArn names: missing is ResourceNotFound, not NotFound (the
// model lists ResourceNotFoundException for the tag operations; the wording is unconfirmed).
topic& tagged_topic(service_impl& self, const json& request, const request_context& context) {
  try {
    return self.find_topic(request, context, "ResourceArn");
  } catch (const core::aws_error& error) {
    if (error.code() != core::error_code::sns_not_found) throw;
    throw core::aws_error(core::error_code::sns_resource_not_found, "Resource does not exist");
  }
}

json tag_list(const std::map<std::string, std::string>& tags) {
  json out = json::array();
  for (const auto& [key, value] : tags) out.push_back({{"Key", key}, {"Value", value}});
  return out;
}

}  // namespace

json service_impl::create_topic(const json& request, const request_context& context) {
  const std::string name = required_member(request, "Name");
  json attributes = string_map(request, "Attributes");
  const std::map<std::string, std::string> tags = read_tags(request);
  bool fifo = false;
  if (const auto it = attributes.find("FifoTopic"); it != attributes.end()) {
    fifo = lower(it->get<std::string>()) == "true";
    // AWS keeps no FifoTopic=false on a standard topic (its GetTopicAttributes shows none).
    attributes.erase("FifoTopic");
  }
  if (!valid_topic_name(name, fifo)) {
    if (fifo) {
      // unconfirmed: the wording for a FIFO topic's name (LocalStack's).
      invalid(
          "Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII "
          "letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.");
    }
    invalid("Invalid parameter: Topic Name");  // recorded (test_create_topic_name_constraints)
  }
  std::map<std::string, std::string> checked;
  for (const auto& [key, value] : attributes.items())
    checked[key] = check_topic_attribute(key, value.get<std::string>(), fifo);

  topic candidate;
  candidate.region = context.region;
  candidate.account_id = context.account_id;
  candidate.name = name;
  candidate.fifo = fifo;
  if (topic* existing = topic_by_arn(candidate.arn())) {
    // CreateTopic is idempotent for the same name, attributes and tags.
    for (const auto& [key, value] : checked) {
      const auto it = existing->attributes.find(key);
      if (it == existing->attributes.end() || it->second != value)
        invalid(
            "Invalid parameter: Attributes Reason: Topic already exists with different attributes");  // unconfirmed
    }
    if (existing->fifo != fifo)
      invalid(
          "Invalid parameter: Attributes Reason: Topic already exists with different attributes");  // unconfirmed
    for (const auto& [key, value] : tags) {
      const auto it = existing->tags.find(key);
      if (it == existing->tags.end() || it->second != value)
        invalid("Invalid parameter: Tags Reason: Topic already exists with different tags");  // recorded
    }
    return {{"TopicArn", existing->arn()}};
  }
  if (tags.size() > max_tags)
    invalid(
        "Invalid parameter: Tags Reason: Could not complete request: tag quota of per resource exceeded");  // unconfirmed
  auto t = std::make_unique<topic>(std::move(candidate));
  t->attributes = std::move(checked);
  if (t->fifo && !t->attributes.contains("ContentBasedDeduplication"))
    t->attributes["ContentBasedDeduplication"] = "false";
  t->tags = tags;
  storage::write_batch batch;
  stage_topic(batch, *t);
  commit(batch);
  const std::string arn = t->arn();
  topics_[arn] = std::move(t);
  return {{"TopicArn", arn}};
}

json service_impl::delete_topic(const json& request, const request_context& context) {
  const std::string arn = string_member(request, "TopicArn").value_or("");
  const arn_parts parts = require_arn(arn, "TopicArn");
  if (parts.region != context.region) invalid("Invalid parameter: TopicArn");
  // Recorded (test_delete_topic_idempotency, test_delete_non_existent_topic): deleting a topic
  // that is not there succeeds.
  if (topic_by_arn(arn) == nullptr) return json::object();
  storage::write_batch batch;
  batch.erase(storage::column::meta, "sns-topic/" + arn);
  std::vector<std::string> gone;
  for (const auto& [sub_arn, s] : subscriptions_) {
    if (s.topic_arn == arn) {
      batch.erase(storage::column::meta, "sns-sub/" + sub_arn);
      gone.push_back(sub_arn);
    }
  }
  commit(batch);
  for (const auto& sub_arn : gone) subscriptions_.erase(sub_arn);
  topics_.erase(arn);
  return json::object();
}

json service_impl::list_topics(const json& request, const request_context& context) {
  // The page starts at the topic the NextToken (base64 of a topic ARN) names.
  std::string from;
  if (const auto token = string_member(request, "NextToken")) {
    const auto decoded = core::base64_decode(*token);
    if (!decoded) invalid("Invalid parameter: NextToken");  // unconfirmed
    from = *decoded;
  }
  const std::string region_prefix = "arn:aws:sns:" + context.region + ":" + context.account_id + ":";
  json out{{"Topics", json::array()}};
  for (auto it = topics_.lower_bound(from); it != topics_.end(); ++it) {
    if (!it->first.starts_with(region_prefix)) continue;
    if (out["Topics"].size() == page_size) {
      out["NextToken"] = core::base64_encode(it->first);
      break;
    }
    out["Topics"].push_back({{"TopicArn", it->first}});
  }
  return out;
}

json service_impl::get_topic_attributes(const json& request, const request_context& context) {
  const topic& t = find_topic(request, context);
  std::size_t confirmed = 0, pending = 0;
  for (const auto& [arn, s] : subscriptions_) {
    if (s.topic_arn != t.arn()) continue;
    (s.pending ? pending : confirmed) += 1;
  }
  json attributes = json::object();
  for (const auto& [key, value] : t.attributes) attributes[key] = value;
  if (!t.attributes.contains("DisplayName")) attributes["DisplayName"] = "";
  if (!t.attributes.contains("Policy")) attributes["Policy"] = default_policy(t);
  attributes["EffectiveDeliveryPolicy"] = effective_delivery_policy();
  attributes["Owner"] = t.account_id;
  attributes["SubscriptionsConfirmed"] = std::to_string(confirmed);
  attributes["SubscriptionsPending"] = std::to_string(pending);
  attributes["SubscriptionsDeleted"] = std::to_string(t.subscriptions_deleted);
  attributes["TopicArn"] = t.arn();
  if (t.fifo) attributes["FifoTopic"] = "true";
  return {{"Attributes", attributes}};
}

json service_impl::set_topic_attributes(const json& request, const request_context& context) {
  topic& t = find_topic(request, context);
  const std::string name = required_member(request, "AttributeName");
  const std::string value = string_member(request, "AttributeValue").value_or("");
  // Recorded (test_topic_get_attributes_with_fifo_false): FifoTopic cannot change.
  if (name == "FifoTopic") invalid("Invalid parameter: AttributeName");
  const std::string checked = check_topic_attribute(name, value, t.fifo);
  topic changed = t;
  changed.dedup.clear();
  // An empty value takes the attribute back to its default (recorded for DeliveryPolicy).
  if (checked.empty() && name != "DisplayName") {
    changed.attributes.erase(name);
  } else {
    changed.attributes[name] = checked;
  }
  storage::write_batch batch;
  stage_topic(batch, changed);
  commit(batch);
  t.attributes = std::move(changed.attributes);
  return json::object();
}

json service_impl::tag_resource(const json& request, const request_context& context) {
  topic& t = tagged_topic(*this, request, context);
  const std::map<std::string, std::string> tags = read_tags(request);
  std::map<std::string, std::string> merged = t.tags;
  for (const auto& [key, value] : tags) merged[key] = value;
  if (merged.size() > max_tags)
    invalid(
        "Invalid parameter: Tags Reason: Could not complete request: tag quota of per resource exceeded");  // unconfirmed
  topic changed = t;
  changed.dedup.clear();
  changed.tags = merged;
  storage::write_batch batch;
  stage_topic(batch, changed);
  commit(batch);
  t.tags = std::move(merged);
  return json::object();
}

json service_impl::untag_resource(const json& request, const request_context& context) {
  topic& t = tagged_topic(*this, request, context);
  const auto keys = request.find("TagKeys");
  if (keys == request.end() || !keys->is_array()) invalid("Invalid parameter: TagKeys");  // unconfirmed
  topic changed = t;
  changed.dedup.clear();
  for (const json& key : *keys) {
    if (!key.is_string()) invalid("Invalid parameter: TagKeys");  // unconfirmed
    changed.tags.erase(key.get<std::string>());
  }
  storage::write_batch batch;
  stage_topic(batch, changed);
  commit(batch);
  t.tags = std::move(changed.tags);
  return json::object();
}

json service_impl::list_tags_for_resource(const json& request, const request_context& context) {
  const topic& t = tagged_topic(*this, request, context);
  return {{"Tags", tag_list(t.tags)}};
}

}  // namespace fogbank::sns
