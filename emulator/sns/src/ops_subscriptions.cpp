// Subscribe, Unsubscribe, ConfirmSubscription, the two listings and the subscription attributes.
// Wordings are AWS's as LocalStack's AWS-recorded snapshots show them
// (tests/aws/services/sns/test_sns.snapshot.json) unless marked unconfirmed.

#include "filter_policy.hpp"
#include "fogbank/core/encoding.hpp"
#include "service_impl.hpp"

#include <algorithm>
#include <set>

namespace fogbank::sns {
namespace {

// The protocols SNS knows (the API reference's Subscribe). Only sqs and lambda are delivered to.
const std::set<std::string, std::less<>>& protocols() {
  static const std::set<std::string, std::less<>> names = {
      "application", "email", "email-json", "firehose", "http", "https", "lambda", "sms", "sqs"};
  return names;
}

const std::set<std::string, std::less<>>& subscription_attribute_names() {
  static const std::set<std::string, std::less<>> names = {
      "DeliveryPolicy", "FilterPolicy", "FilterPolicyScope",  "RawMessageDelivery",
      "RedrivePolicy",  "ReplayPolicy", "SubscriptionRoleArn"};
  return names;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// Checks one subscription attribute against `s` (whose attributes are those it will have) and
// returns the value to keep. `prefix`: "Invalid parameter: Attributes Reason: " for Subscribe,
// "Invalid parameter: " for SetSubscriptionAttributes (both recorded).
std::string check_attribute(const std::string& name, const std::string& value, const subscription& s,
                            std::string_view prefix) {
  const std::string p(prefix);
  if (!subscription_attribute_names().contains(name)) invalid(p + "AttributeName");
  if (name == "RawMessageDelivery") {
    const std::string v = lower(value);
    if (v != "true" && v != "false")
      invalid(p + "RawMessageDelivery: Invalid value [" + value + "]. Must be true or false.");
    return v;
  }
  if (name == "FilterPolicyScope") {
    if (value != "MessageAttributes" && value != "MessageBody")
      invalid(p + "FilterPolicyScope: Invalid value [" + value +
              "]. Please use either MessageBody or MessageAttributes");
    return value;
  }
  if (name == "RedrivePolicy") {
    const json policy = json::parse(value, nullptr, false);
    // AWS adds the parser's own account of the error; not reproduced.
    if (policy.is_discarded() || !policy.is_object()) invalid(p + "RedrivePolicy: failed to parse JSON.");
    const auto target = policy.find("deadLetterTargetArn");
    const arn_parts parts =
        parse_arn(target != policy.end() && target->is_string() ? target->get<std::string>() : "");
    if (parts.elements < 6 || parts.resource.empty())
      invalid(p + "RedrivePolicy: deadLetterTargetArn is an invalid arn");
    if (s.topic_arn.ends_with(".fifo") && s.endpoint.ends_with(".fifo") &&
        (parts.service != "sqs" || !parts.resource.ends_with(".fifo")))
      invalid(p + "RedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription to a FIFO Topic.");
    return value;
  }
  return value;
}

// Sets `attributes` on `s`, checked, then checks the filter policy under the final scope.
void apply_attributes(subscription& s, const std::map<std::string, std::string>& attributes,
                      std::string_view prefix) {
  for (const auto& [name, value] : attributes) {
    const std::string kept = check_attribute(name, value, s, prefix);
    if (name == "FilterPolicy" && kept.empty()) {
      s.attributes.erase(name);
    } else {
      s.attributes[name] = kept;
    }
  }
  const auto policy = s.attributes.find("FilterPolicy");
  if (policy == s.attributes.end()) {
    s.filter = nullptr;
    return;
  }
  s.filter =
      filter::parse(policy->second,
                    s.body_scope() ? filter::scope::message_body : filter::scope::message_attributes, prefix);
  if (s.filter.is_null()) s.attributes.erase("FilterPolicy");
}

json listing(const subscription& s) {
  return {{"SubscriptionArn", s.pending ? "PendingConfirmation" : s.arn},
          {"Owner", s.owner},
          {"Protocol", s.protocol},
          {"Endpoint", s.endpoint},
          {"TopicArn", s.topic_arn}};
}

// One page of `subs` (in ARN order) from the NextToken (base64 of the first ARN of the page).
template <typename Pred>
json page_of(const std::map<std::string, subscription>& subs, const json& request, Pred include) {
  std::string from;
  if (const auto token = string_member(request, "NextToken")) {
    const auto decoded = core::base64_decode(*token);
    if (!decoded) invalid("Invalid parameter: NextToken");  // unconfirmed
    from = *decoded;
  }
  json out{{"Subscriptions", json::array()}};
  for (auto it = subs.lower_bound(from); it != subs.end(); ++it) {
    if (!include(it->second)) continue;
    if (out["Subscriptions"].size() == page_size) {
      out["NextToken"] = core::base64_encode(it->first);
      break;
    }
    out["Subscriptions"].push_back(listing(it->second));
  }
  return out;
}

}  // namespace

json service_impl::subscribe(const json& request, const request_context& context) {
  topic& t = find_topic(request, context);
  const std::string protocol = required_member(request, "Protocol");
  if (!protocols().contains(protocol))
    invalid("Invalid parameter: Amazon SNS does not support this protocol string: " + protocol);
  const std::string endpoint = string_member(request, "Endpoint").value_or("");
  if (protocol == "sqs" || protocol == "lambda" || protocol == "firehose" || protocol == "application") {
    const arn_parts parts = parse_arn(endpoint);
    if (parts.elements < 6 || parts.resource.empty()) {
      // Recorded: "Invalid parameter: SQS endpoint ARN" (also for a queue URL); the other
      // protocols' wordings by analogy (unconfirmed).
      if (protocol == "sqs") invalid("Invalid parameter: SQS endpoint ARN");
      if (protocol == "lambda") invalid("Invalid parameter: Lambda endpoint ARN");
      invalid("Invalid parameter: Endpoint");
    }
  } else if ((protocol == "http" || protocol == "https") && !endpoint.starts_with(protocol + "://")) {
    invalid("Invalid parameter: Endpoint must match the specified protocol");  // unconfirmed
  } else if (endpoint.empty()) {
    invalid("Invalid parameter: Endpoint");  // unconfirmed
  }
  // Recorded (test_validations_for_fifo), the doubled prefix included.
  if (protocol == "sqs" && endpoint.ends_with(".fifo") && !t.fifo)
    invalid(
        "Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to "
        "standard SNS "
        "topics");

  const json given = string_map(request, "Attributes");
  std::map<std::string, std::string> attributes;
  for (const auto& [key, value] : given.items()) attributes[key] = value.get<std::string>();
  constexpr std::string_view prefix = "Invalid parameter: Attributes Reason: ";

  subscription candidate;
  candidate.topic_arn = t.arn();
  candidate.protocol = protocol;
  candidate.endpoint = endpoint;
  candidate.owner = context.account_id;
  apply_attributes(candidate, attributes, prefix);

  // An endpoint subscribes to a topic once: Subscribe again answers the same subscription, unless
  // it names attributes that differ (recorded: test_subscribe_idempotency).
  for (const auto& [arn, s] : subscriptions_) {
    if (s.topic_arn != candidate.topic_arn || s.protocol != protocol || s.endpoint != endpoint) continue;
    for (const auto& [key, value] : candidate.attributes) {
      const auto it = s.attributes.find(key);
      if (it == s.attributes.end() || it->second != value)
        invalid(
            "Invalid parameter: Attributes Reason: Subscription already exists with different attributes");
    }
    const bool return_arn = request.value("ReturnSubscriptionArn", false);
    return {{"SubscriptionArn", s.pending && !return_arn ? "pending confirmation" : s.arn}};
  }

  candidate.arn = t.arn() + ":" + ids_.uuid();
  // SQS and Lambda endpoints (and the others fogbank keeps but never delivers to, but for http,
  // https and email, which wait for a confirmation that never comes) are confirmed at once, as on
  // AWS for an endpoint of the topic's own account.
  candidate.pending =
      protocol == "http" || protocol == "https" || protocol == "email" || protocol == "email-json";
  storage::write_batch batch;
  stage_subscription(batch, candidate);
  commit(batch);
  const bool return_arn = request.value("ReturnSubscriptionArn", false);
  json out{{"SubscriptionArn", candidate.pending && !return_arn ? "pending confirmation" : candidate.arn}};
  subscriptions_[candidate.arn] = std::move(candidate);
  return out;
}

json service_impl::unsubscribe(const json& request, const request_context&) {
  const std::string arn = required_member(request, "SubscriptionArn");
  const arn_parts parts = require_arn(arn, "SubscriptionArn");
  // Recorded: a topic's ARN (six elements) is "Invalid parameter: SubscriptionId".
  if (parts.elements == 6) invalid("Invalid parameter: SubscriptionId");
  const auto it = subscriptions_.find(arn);
  // Recorded (test_unsubscribe_from_non_existing_subscription): unsubscribing twice succeeds.
  if (it == subscriptions_.end()) return json::object();
  storage::write_batch batch;
  batch.erase(storage::column::meta, "sns-sub/" + arn);
  topic* t = topic_by_arn(it->second.topic_arn);
  topic changed;
  if (t != nullptr) {
    changed = *t;
    changed.dedup.clear();
    changed.subscriptions_deleted += 1;
    stage_topic(batch, changed);
  }
  commit(batch);
  if (t != nullptr) t->subscriptions_deleted = changed.subscriptions_deleted;
  subscriptions_.erase(it);
  return json::object();
}

json service_impl::confirm_subscription(const json& request, const request_context& context) {
  // fogbank sends no confirmation messages, so no token is ever valid.
  const std::string arn = string_member(request, "TopicArn").value_or("");
  if (parse_arn(arn).elements < 6) invalid("Invalid parameter: Topic");  // recorded
  (void)context;
  invalid("Invalid parameter: Token");  // recorded for an unknown token
}

json service_impl::list_subscriptions(const json& request, const request_context& context) {
  const std::string prefix = "arn:aws:sns:" + context.region + ":" + context.account_id + ":";
  return page_of(subscriptions_, request,
                 [&](const subscription& s) { return s.topic_arn.starts_with(prefix); });
}

json service_impl::list_subscriptions_by_topic(const json& request, const request_context& context) {
  const topic& t = find_topic(request, context);
  const std::string arn = t.arn();
  return page_of(subscriptions_, request, [&](const subscription& s) { return s.topic_arn == arn; });
}

namespace {

subscription& find_subscription(std::map<std::string, subscription>& subs, const json& request) {
  const std::string arn = required_member(request, "SubscriptionArn");
  const arn_parts parts = require_arn(arn, "SubscriptionArn");
  if (parts.elements == 6) invalid("Invalid parameter: SubscriptionId");  // recorded
  const auto it = subs.find(arn);
  if (it == subs.end()) throw core::aws_error(core::error_code::sns_not_found, "Subscription does not exist");
  return it->second;
}

}  // namespace

json service_impl::get_subscription_attributes(const json& request, const request_context& context) {
  const subscription& s = find_subscription(subscriptions_, request);
  json attributes = json::object();
  for (const auto& [key, value] : s.attributes) attributes[key] = value;
  attributes["ConfirmationWasAuthenticated"] = s.pending ? "false" : "true";
  attributes["Endpoint"] = s.endpoint;
  attributes["Owner"] = s.owner;
  attributes["PendingConfirmation"] = s.pending ? "true" : "false";
  attributes["Protocol"] = s.protocol;
  if (!s.attributes.contains("RawMessageDelivery")) attributes["RawMessageDelivery"] = "false";
  attributes["SubscriptionArn"] = s.arn;
  // unconfirmed: the principal fogbank's callers are (AWS shows the IAM user that subscribed).
  attributes["SubscriptionPrincipal"] = "arn:aws:iam::" + context.account_id + ":user/fogbank";
  attributes["TopicArn"] = s.topic_arn;
  // The scope shows only beside a policy (recorded: test_set_subscription_filter_policy_scope).
  if (s.attributes.contains("FilterPolicy")) {
    if (!s.attributes.contains("FilterPolicyScope")) attributes["FilterPolicyScope"] = "MessageAttributes";
  } else {
    attributes.erase("FilterPolicyScope");
  }
  return {{"Attributes", attributes}};
}

json service_impl::set_subscription_attributes(const json& request, const request_context&) {
  subscription& s = find_subscription(subscriptions_, request);
  const std::string name = required_member(request, "AttributeName");
  const std::string value = string_member(request, "AttributeValue").value_or("");
  subscription changed = s;
  apply_attributes(changed, {{name, value}}, "Invalid parameter: ");
  storage::write_batch batch;
  stage_subscription(batch, changed);
  commit(batch);
  s = std::move(changed);
  return json::object();
}

}  // namespace fogbank::sns
