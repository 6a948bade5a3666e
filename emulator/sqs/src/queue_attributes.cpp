#include "queue_attributes.hpp"

#include "fogbank/core/json_limits.hpp"
#include "message_format.hpp"
#include "request.hpp"

#include <algorithm>
#include <array>
#include <variant>

namespace fogbank::sqs {
namespace {

struct int_range {
  std::string_view name;
  std::int64_t low;
  std::int64_t high;
};

// Valid ranges from the CreateQueue / SetQueueAttributes API reference.
constexpr std::array int_attributes{
    int_range{"DelaySeconds", 0, max_delay_seconds},
    int_range{"KmsDataKeyReusePeriodSeconds", 60, 86'400},
    int_range{"MaximumMessageSize", 1'024, max_message_bytes},
    int_range{"MessageRetentionPeriod", 60, 1'209'600},
    int_range{"ReceiveMessageWaitTimeSeconds", 0, max_wait_seconds},
    int_range{"VisibilityTimeout", 0, max_visibility_seconds},
};

// Names that are reported but never set.
constexpr std::array<std::string_view, 6> read_only{
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesDelayed",
    "ApproximateNumberOfMessagesNotVisible",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "QueueArn",
};

constexpr std::array<std::string_view, 4> fifo_only{"ContentBasedDeduplication", "DeduplicationScope",
                                                    "FifoThroughputLimit", "FifoQueue"};

[[noreturn]] void invalid_value(const std::string& name) {
  // AWS: "InvalidAttributeValue: Invalid value for the parameter VisibilityTimeout."
  fail(core::error_code::invalid_attribute_value, "Invalid value for the parameter " + name + ".");
}

[[noreturn]] void unknown_attribute(const std::string& name) {
  fail(core::error_code::invalid_attribute_name, "Unknown Attribute " + name + ".");
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// A RedrivePolicy text as a policy, or why it is not one in AWS's words ("Reason: ..." of the
// InvalidParameterValue). Only the bounded parser looks at the text, so the value dump()ed into
// the maxReceiveCount message below is at most max_attribute_json_depth deep.
std::variant<redrive_policy, std::string> read_redrive_policy(std::string_view text) {
  // Longer than any policy naming a queue ARN: not parsed at all (see max_attribute_value_bytes).
  if (text.size() > max_attribute_value_bytes) return std::string("Redrive policy is not a valid JSON map.");
  const auto policy = core::parse_json_within(text, max_attribute_json_depth);
  if (!policy || !policy->is_object()) return std::string("Redrive policy is not a valid JSON map.");
  const auto target = policy->find("deadLetterTargetArn");
  if (target == policy->end() || !target->is_string()) {
    return std::string("Redrive policy does not contain mandatory attribute: deadLetterTargetArn.");
  }
  const auto count = policy->find("maxReceiveCount");
  if (count == policy->end()) {
    return std::string("Redrive policy does not contain mandatory attribute: maxReceiveCount.");
  }
  std::optional<std::int64_t> max_receive;
  if (count->is_number_integer()) max_receive = count->get<std::int64_t>();
  if (count->is_string()) max_receive = parse_int(count->get_ref<const std::string&>());
  if (!max_receive || *max_receive < 1 || *max_receive > 1000) {
    return "Invalid value for maxReceiveCount: " +
           (count->is_string() ? count->get<std::string>() : count->dump()) +
           ", valid values are from 1 to 1000 both inclusive.";
  }
  return redrive_policy{target->get<std::string>(), *max_receive};
}

std::string normalize_redrive_policy(const std::string& text, bool fifo, service_impl& service) {
  const auto invalid = [&](const std::string& reason) { fail_invalid_value("RedrivePolicy", text, reason); };
  auto read = read_redrive_policy(text);
  if (const auto* reason = std::get_if<std::string>(&read)) invalid(*reason);
  const auto& policy = std::get<redrive_policy>(read);
  queue* dlq = service.find_queue_by_arn(policy.dead_letter_target_arn);
  if (!dlq) invalid("Dead letter target does not exist.");
  if (dlq->fifo != fifo) invalid("Dead-letter queue must be same type of queue as the source.");
  return json{{"deadLetterTargetArn", policy.dead_letter_target_arn},
              {"maxReceiveCount", policy.max_receive_count}}
      .dump();
}

// Policy and RedriveAllowPolicy: a JSON object within the nesting bound (and, for Policy, the
// size quota, looked at first since it is the cheaper check).
bool is_policy_document(const std::string& name, const std::string& value) {
  if (name == "Policy" && value.size() > max_policy_bytes) return false;
  const auto document = core::parse_json_within(value, max_attribute_json_depth);
  return document && document->is_object();
}

}  // namespace

std::map<std::string, std::string> default_attributes(bool fifo) {
  std::map<std::string, std::string> out{
      {"DelaySeconds", "0"},
      {"MaximumMessageSize", std::to_string(max_message_bytes)},
      {"MessageRetentionPeriod", std::to_string(default_retention_seconds)},
      {"ReceiveMessageWaitTimeSeconds", "0"},
      {"VisibilityTimeout", std::to_string(default_visibility_seconds)},
      {"SqsManagedSseEnabled", "true"},
  };
  if (fifo) {
    out["FifoQueue"] = "true";
    out["ContentBasedDeduplication"] = "false";
    out["DeduplicationScope"] = "queue";
    out["FifoThroughputLimit"] = "perQueue";
  }
  return out;
}

namespace {

constexpr std::array<std::string_view, 22> queue_attribute_names{
    "All",
    "Policy",
    "VisibilityTimeout",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "QueueArn",
    "ApproximateNumberOfMessagesDelayed",
    "DelaySeconds",
    "ReceiveMessageWaitTimeSeconds",
    "RedrivePolicy",
    "FifoQueue",
    "ContentBasedDeduplication",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "DeduplicationScope",
    "FifoThroughputLimit",
    "RedriveAllowPolicy",
    "SqsManagedSseEnabled",
};

}  // namespace

bool is_queue_attribute_name(const std::string& name) {
  return std::find(queue_attribute_names.begin(), queue_attribute_names.end(), name) !=
         queue_attribute_names.end();
}

std::vector<std::pair<std::string, std::string>> attribute_entries(const json& request, const char* member) {
  return string_map(request, member, queue_attribute_names.size() + 1);
}

std::optional<std::string> attribute_value(const json& request, const char* member, const char* name) {
  auto map = request.find(member);
  if (map == request.end() || !map->is_object()) return std::nullopt;
  auto it = map->find(name);
  if (it == map->end()) return std::nullopt;
  return scalar_text(*it);
}

std::map<std::string, std::string> validate_attributes(
    const std::vector<std::pair<std::string, std::string>>& given, bool fifo, service_impl& service) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : given) {
    if (!is_queue_attribute_name(name) || name == "All" ||
        std::find(read_only.begin(), read_only.end(), name) != read_only.end()) {
      unknown_attribute(name);
    }
    if (!fifo && std::find(fifo_only.begin(), fifo_only.end(), name) != fifo_only.end()) {
      // A standard queue may say FifoQueue=false; the other FIFO settings do not exist for it.
      if (name == "FifoQueue" && lower(value) == "false") continue;
      if (name == "FifoThroughputLimit" || name == "DeduplicationScope") {
        fail(core::error_code::invalid_attribute_name,
             "You can specify the " + name + " only when FifoQueue is set to true.");
      }
      unknown_attribute(name);
    }
    // Longer than any valid value: refused before it is parsed or scanned (a Policy gets the
    // answer it got before; for KmsMasterKeyId and the like the answer is unconfirmed). A
    // RedrivePolicy says why in its own words (read_redrive_policy).
    if (value.size() > max_attribute_value_bytes && name != "RedrivePolicy") invalid_value(name);
    auto range = std::find_if(int_attributes.begin(), int_attributes.end(),
                              [&name = name](const int_range& r) { return r.name == name; });
    if (range != int_attributes.end()) {
      auto number = parse_int(value);
      if (!number || *number < range->low || *number > range->high) invalid_value(name);
      out[name] = std::to_string(*number);
    } else if (name == "FifoQueue" || name == "ContentBasedDeduplication" || name == "SqsManagedSseEnabled") {
      const std::string flag = lower(value);
      if (flag != "true" && flag != "false") invalid_value(name);
      out[name] = flag;
    } else if (name == "DeduplicationScope") {
      if (value != "messageGroup" && value != "queue") invalid_value(name);
      out[name] = value;
    } else if (name == "FifoThroughputLimit") {
      if (value != "perQueue" && value != "perMessageGroupId") invalid_value(name);
      out[name] = value;
    } else if (name == "RedrivePolicy") {
      // An empty RedrivePolicy removes it (SetQueueAttributes).
      out[name] = value.empty() ? std::string() : normalize_redrive_policy(value, fifo, service);
    } else if (name == "Policy" || name == "RedriveAllowPolicy") {
      // AWS: "InvalidAttributeValue: Invalid value for the parameter Policy." for a document
      // that is not a policy; the same answer for one past the size quota or the nesting bound
      // is unconfirmed.
      if (!value.empty() && !is_policy_document(name, value)) invalid_value(name);
      out[name] = value;
    } else {
      // KmsMasterKeyId: free text, but it is stored and returned, so it must be text
      // (the answer for one that is not is unconfirmed).
      if (!has_only_allowed_characters(value)) invalid_value(name);
      out[name] = value;
    }
  }
  return out;
}

std::optional<redrive_policy> parse_redrive_policy(std::string_view text) {
  auto read = read_redrive_policy(text);
  if (auto* policy = std::get_if<redrive_policy>(&read)) return std::move(*policy);
  return std::nullopt;
}

queue_settings parse_settings(const std::map<std::string, std::string>& attributes) {
  const auto text = [&](std::string_view name) -> std::string_view {
    auto it = attributes.find(std::string(name));
    return it == attributes.end() ? std::string_view() : std::string_view(it->second);
  };
  const auto integer = [&](std::string_view name, std::int64_t& out) {
    if (auto value = parse_int(text(name))) out = *value;
  };
  queue_settings s;
  integer("DelaySeconds", s.delay_seconds);
  integer("MaximumMessageSize", s.maximum_message_size);
  integer("MessageRetentionPeriod", s.retention_seconds);
  integer("ReceiveMessageWaitTimeSeconds", s.receive_wait_seconds);
  integer("VisibilityTimeout", s.visibility_timeout_seconds);
  s.content_based_deduplication = text("ContentBasedDeduplication") == "true";
  s.deduplicate_per_group = text("DeduplicationScope") == "messageGroup";
  if (const auto redrive = text("RedrivePolicy"); !redrive.empty()) s.redrive = parse_redrive_policy(redrive);
  return s;
}

void queue::update_attributes(const std::map<std::string, std::string>& changes) {
  for (const auto& [name, value] : changes) attributes[name] = value;
  settings = parse_settings(attributes);
}

queue queue::definition() const {
  queue out;
  out.id = id;
  out.region = region;
  out.account_id = account_id;
  out.name = name;
  out.fifo = fifo;
  out.attributes = attributes;
  out.settings = settings;
  out.tags = tags;
  out.created_s = created_s;
  out.modified_s = modified_s;
  out.last_purge_ms = last_purge_ms;
  out.next_expiry_ms = next_expiry_ms;
  out.next_seq = next_seq;
  out.next_sequence_number = next_sequence_number;
  return out;
}

void check_attribute_names(const std::vector<std::string>& names) {
  for (const auto& name : names) {
    if (!is_queue_attribute_name(name)) unknown_attribute(name);
  }
}

json read_attributes(const queue& q, const std::vector<std::string>& names, std::int64_t now_ms) {
  check_attribute_names(names);
  const bool all = contains(names, "All");
  std::map<std::string, std::string> values = q.attributes;
  if (all || contains(names, "ApproximateNumberOfMessages") ||
      contains(names, "ApproximateNumberOfMessagesNotVisible") ||
      contains(names, "ApproximateNumberOfMessagesDelayed")) {
    std::int64_t visible = 0;
    std::int64_t in_flight = 0;
    std::int64_t delayed = 0;
    for (const auto& [seq, m] : q.messages) {
      if (m.delayed(now_ms)) {
        ++delayed;
      } else if (m.in_flight(now_ms)) {
        ++in_flight;
      } else {
        ++visible;
      }
    }
    values["ApproximateNumberOfMessages"] = std::to_string(visible);
    values["ApproximateNumberOfMessagesNotVisible"] = std::to_string(in_flight);
    values["ApproximateNumberOfMessagesDelayed"] = std::to_string(delayed);
  }
  values["CreatedTimestamp"] = std::to_string(q.created_s);
  values["LastModifiedTimestamp"] = std::to_string(q.modified_s);
  values["QueueArn"] = q.arn();
  json out = json::object();
  for (const auto& [name, value] : values) {
    if (value.empty()) continue;  // unset optional attributes (Policy, RedrivePolicy, ...)
    if (all || contains(names, name)) out[name] = value;
  }
  return out;
}

}  // namespace fogbank::sqs
