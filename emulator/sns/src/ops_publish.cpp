// Publish and PublishBatch, and the deliveries they schedule. Wordings are AWS's as LocalStack's
// AWS-recorded snapshots show them (tests/aws/services/sns/test_sns.snapshot.json) unless marked
// unconfirmed; the envelope and event shapes are those snapshots' and the SNS and Lambda developer
// guides' ("Amazon SNS message and JSON formats", "Using Lambda with Amazon SNS").

#include "filter_policy.hpp"
#include "fogbank/core/encoding.hpp"
#include "fogbank/core/json_limits.hpp"
#include "fogbank/core/log.hpp"
#include "fogbank/storage/key_encoding.hpp"
#include "service_impl.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

namespace fogbank::sns {
namespace {

using ordered_json = nlohmann::ordered_json;

[[noreturn]] void value_invalid(const std::string& message) {
  throw core::aws_error(core::error_code::sns_parameter_value_invalid, message);
}

// A MessageStructure json message is an object of strings, at most this deep before it is read.
constexpr int max_structure_depth = 32;

// fogbank does not sign: Signature is a fixed placeholder in base64 and SigningCertURL names a
// certificate that does not exist, so a subscriber that verifies signatures must not be pointed at
// fogbank. The shapes are AWS's.
constexpr std::string_view placeholder_signature =
    "Zm9nYmFuayBkb2VzIG5vdCBzaWduIFNOUyBtZXNzYWdlczsgdGhpcyBpcyBhIHBsYWNlaG9sZGVyLg==";

std::string signing_cert_url(std::string_view region) {
  return "https://sns." + std::string(region) + ".amazonaws.com/SimpleNotificationService-fogbank.pem";
}

std::string unsubscribe_url(const delivery& d) {
  std::string endpoint = d.endpoint.empty() ? std::string("http://localhost:4566") : d.endpoint;
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  return endpoint + "/?Action=Unsubscribe&SubscriptionArn=" + d.subscription_arn;
}

std::string timestamp(std::int64_t ms) {
  return core::format_iso8601_millis(core::time_point{std::chrono::milliseconds(ms)}) + "Z";
}

std::string region_of(std::string_view arn) {
  return parse_arn(arn).region;
}

// MessageAttributes as SNS shows them in its envelope and Lambda event: {"Type", "Value"}.
ordered_json envelope_attributes(const json& attributes) {
  ordered_json out = ordered_json::object();
  for (const auto& [name, attribute] : attributes.items()) {
    const std::string type = attribute.value("DataType", "");
    const std::string value =
        type.starts_with("Binary") ? attribute.value("BinaryValue", "") : attribute.value("StringValue", "");
    out[name] = {{"Type", type}, {"Value", value}};
  }
  return out;
}

// The JSON envelope an SQS queue (or an http endpoint) receives, members in AWS's order. FIFO
// topics' envelopes carry SequenceNumber and no signature (the recorded FIFO snapshots).
std::string envelope(const delivery& d, bool fifo) {
  ordered_json j;
  j["Type"] = "Notification";
  j["MessageId"] = d.message_id;
  if (fifo) j["SequenceNumber"] = d.sequence_number;
  j["TopicArn"] = d.topic_arn;
  if (d.subject) j["Subject"] = *d.subject;
  j["Message"] = d.message;
  j["Timestamp"] = timestamp(d.timestamp_ms);
  if (!fifo) {
    j["SignatureVersion"] = "1";
    j["Signature"] = placeholder_signature;
    j["SigningCertURL"] = signing_cert_url(region_of(d.topic_arn));
  }
  j["UnsubscribeURL"] = unsubscribe_url(d);
  if (d.attributes.is_object() && !d.attributes.empty())
    j["MessageAttributes"] = envelope_attributes(d.attributes);
  return j.dump();
}

// Lambda's SNS event: one record (the Lambda developer guide's example; Subject null when none,
// MessageAttributes always there).
std::string lambda_event(const delivery& d, bool fifo) {
  ordered_json sns;
  sns["Type"] = "Notification";
  sns["MessageId"] = d.message_id;
  if (fifo) sns["SequenceNumber"] = d.sequence_number;
  sns["TopicArn"] = d.topic_arn;
  sns["Subject"] = d.subject ? ordered_json(*d.subject) : ordered_json(nullptr);
  sns["Message"] = d.message;
  sns["Timestamp"] = timestamp(d.timestamp_ms);
  sns["SignatureVersion"] = "1";
  sns["Signature"] = placeholder_signature;
  sns["SigningCertUrl"] = signing_cert_url(region_of(d.topic_arn));
  sns["UnsubscribeUrl"] = unsubscribe_url(d);
  sns["MessageAttributes"] = envelope_attributes(d.attributes);
  ordered_json record;
  record["EventSource"] = "aws:sns";
  record["EventVersion"] = "1.0";
  record["EventSubscriptionArn"] = d.subscription_arn;
  record["Sns"] = std::move(sns);
  ordered_json event;
  event["Records"] = ordered_json::array({std::move(record)});
  return event.dump();
}

bool valid_attribute_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '.';
}

// Checks a Publish's (or a batch entry's, `position` from 1) MessageAttributes and returns their
// size in bytes (names, types and values count toward the message size).
std::size_t check_message_attributes(const json& attributes, std::size_t position) {
  if (attributes.is_null()) return 0;
  if (!attributes.is_object()) invalid("Invalid parameter: MessageAttributes");  // unconfirmed
  std::size_t size = 0;
  for (const auto& [name, attribute] : attributes.items()) {
    if (name.size() > max_attribute_name_bytes)
      value_invalid("Length of message attribute name must be less than 256 bytes.");
    if (!name.empty() && name.front() == '.')
      value_invalid("Invalid message attribute name starting with character '.' was found.");
    if (!name.empty() && name.back() == '.')
      value_invalid("Invalid message attribute name ending with character '.' was found.");
    for (std::size_t i = 0; i < name.size(); ++i) {
      if (!valid_attribute_name_char(name[i])) {
        char hex[16];
        std::snprintf(hex, sizeof hex, "#x%X", static_cast<unsigned char>(name[i]));
        value_invalid(std::string("Invalid non-alphanumeric character '") + hex +
                      "' was found in the message attribute name. Can only include alphanumeric characters, "
                      "hyphens, underscores, or dots.");
      }
      if (i > 0 && name[i] == '.' && name[i - 1] == '.')
        value_invalid("Message attribute name can not have successive '.' character.");
    }
    // unconfirmed: the reserved prefixes' wording.
    std::string lowered = name;
    std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (lowered.starts_with("aws.") || lowered.starts_with("amazon."))
      value_invalid("The message attribute name '" + name + "' is reserved for use by AWS.");
    if (!attribute.is_object() || !attribute.contains("DataType") || !attribute["DataType"].is_string()) {
      const std::string at = position == 0 ? "messageAttributes." + name + ".member.dataType"
                                           : "publishBatchRequestEntries." + std::to_string(position) +
                                                 ".member.messageAttributes." + name + ".member.dataType";
      throw core::aws_error(core::error_code::sns_validation_error,
                            "1 validation error detected: Value null at '" + at +
                                "' failed to satisfy constraint: Member must not be null");
    }
    const std::string type = attribute["DataType"].get<std::string>();
    const bool binary = type == "Binary" || type.starts_with("Binary.");
    if (!binary && type != "String" && type != "Number" && !type.starts_with("String.") &&
        !type.starts_with("Number."))
      value_invalid(
          "The message attribute '" + name +
          "' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, "
          "and String.");
    const bool has_string = attribute.contains("StringValue") && attribute["StringValue"].is_string();
    const bool has_binary = attribute.contains("BinaryValue") && attribute["BinaryValue"].is_string();
    if (!has_string && !has_binary)
      value_invalid("The message attribute '" + name +
                    "' must contain non-empty message attribute value for message attribute type '" + type +
                    "'.");
    const char* field = binary ? "Binary" : "String";
    if (binary ? !has_binary : !has_string)
      value_invalid("The message attribute '" + name + "' with type '" + type + "' must use field '" + field +
                    "'.");
    const std::string& value =
        attribute[binary ? "BinaryValue" : "StringValue"].get_ref<const std::string&>();
    if (value.empty())
      value_invalid("The message attribute '" + name +
                    "' must contain non-empty message attribute value for message attribute type '" + type +
                    "'.");
    if (type.starts_with("Number")) {
      // unconfirmed wording; SNS takes what SQS takes as a Number.
      char* end = nullptr;
      std::strtod(value.c_str(), &end);
      if (end == value.c_str() || *end != '\0')
        value_invalid("The message attribute '" + name + "' has an invalid numeric value: " + value);
    }
    if (type.starts_with("String.Array") && !core::parse_json_within(value, 8).value_or(json()).is_array())
      value_invalid("The message attribute '" + name +
                    "' with type 'String.Array' must be a valid JSON array.");  // unconfirmed
    std::size_t value_bytes = value.size();
    if (binary) {
      const auto decoded = core::base64_decode(value);
      if (!decoded) invalid("Invalid parameter: MessageAttributes Reason: invalid base64");  // unconfirmed
      value_bytes = decoded->size();
    }
    size += name.size() + type.size() + value_bytes;
  }
  return size;
}

// One message to publish, checked.
struct outgoing {
  std::string id;  // the batch entry's Id
  std::string message;
  std::optional<json> structure;  // MessageStructure json: protocol -> message
  std::optional<std::string> subject;
  json attributes = json::object();
  std::string group_id;
  std::string deduplication_id;
  std::size_t size = 0;

  const std::string& for_protocol(const std::string& protocol) const {
    if (!structure) return message;
    const auto it = structure->find(protocol);
    return (it != structure->end() ? *it : structure->at("default")).get_ref<const std::string&>();
  }
};

outgoing read_message(const json& entry, const topic& t, std::size_t position) {
  outgoing out;
  out.subject = string_member(entry, "Subject");
  if (out.subject) {
    // Recorded for "": "Invalid parameter: Subject"; the constraints (ASCII, no line breaks, at
    // most 100 characters) from the API reference, their refusal worded the same (unconfirmed).
    const bool ok = !out.subject->empty() && out.subject->size() <= max_subject_chars &&
                    std::all_of(out.subject->begin(), out.subject->end(),
                                [](unsigned char c) { return c >= 0x20 && c < 0x7F; });
    if (!ok) invalid("Invalid parameter: Subject");
  }
  out.message = string_member(entry, "Message").value_or("");
  if (out.message.empty()) invalid("Invalid parameter: Empty message");
  out.attributes = entry.contains("MessageAttributes") && !entry["MessageAttributes"].is_null()
                       ? entry["MessageAttributes"]
                       : json::object();
  out.size = out.message.size() + check_message_attributes(out.attributes, position);
  if (position == 0 && out.size > max_message_bytes) invalid("Invalid parameter: Message too long");
  out.group_id = string_member(entry, "MessageGroupId").value_or("");
  out.deduplication_id = string_member(entry, "MessageDeduplicationId").value_or("");
  if (t.fifo) {
    if (out.group_id.empty())
      invalid("Invalid parameter: The MessageGroupId parameter is required for FIFO topics");
    if (out.deduplication_id.empty() && !t.content_based_deduplication())
      invalid(
          "Invalid parameter: The topic should either have ContentBasedDeduplication enabled or "
          "MessageDeduplicationId provided explicitly");
    // Content-based deduplication: the SHA-256 of the message (recorded: "Test" gives
    // 532eaabd...5e25 as the queue's MessageDeduplicationId).
    if (out.deduplication_id.empty()) out.deduplication_id = sha256_hex(out.message);
  } else if (!out.deduplication_id.empty()) {
    invalid(
        "Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId "
        "parameter "
        "that is not valid for this topic type");
  }
  if (string_member(entry, "MessageStructure").value_or("") == "json") {
    std::optional<json> parsed = core::parse_json_within(out.message, max_structure_depth);
    if (!parsed || !parsed->is_object())
      invalid("Invalid parameter: Message Structure - JSON message body failed to parse");
    json kept = json::object();
    // Members whose value is not a string are ignored (as AWS does; recorded "key-is-not-string").
    for (auto& [key, value] : parsed->items()) {
      if (value.is_string()) kept[key] = std::move(value);
    }
    if (!kept.contains("default"))
      invalid("Invalid parameter: Message Structure - No default entry in JSON message body");
    out.structure = std::move(kept);
  }
  return out;
}

// Accepts `m` on `t` (whose changes go into `changed`): the message id (and FIFO sequence
// number) it gets, and a staged delivery for each subscription whose filter policy it passes. A
// FIFO duplicate within the deduplication interval answers the first message's id and sequence
// number and delivers nothing.
json accept(service_impl& self, const topic& t, topic& changed, const outgoing& m,
            const request_context& context, std::int64_t now, storage::write_batch& batch,
            std::vector<delivery>& staged) {
  if (t.fifo) {
    if (const auto it = changed.dedup.find(m.deduplication_id); it != changed.dedup.end())
      return {{"MessageId", it->second.message_id}, {"SequenceNumber", it->second.sequence_number}};
  }
  const std::string message_id = self.ids_.uuid();
  std::string sequence_number;
  if (t.fifo) {
    // 20 digits, increasing per topic, as AWS's FIFO sequence numbers are.
    sequence_number = std::to_string(10'000'000'000'000'000'000ULL + changed.next_sequence++);
    changed.dedup[m.deduplication_id] = dedup_record{message_id, sequence_number, now + dedup_window_ms};
  }
  for (const auto& [arn, s] : self.subscriptions_) {
    if (s.topic_arn != t.arn() || s.pending) continue;
    if (s.protocol != "sqs" && s.protocol != "lambda") continue;  // kept, never delivered (see service.hpp)
    const std::string& text = m.for_protocol(s.protocol);
    const bool passes = s.body_scope() ? filter::matches_body(s.filter, text)
                                       : filter::matches_attributes(s.filter, m.attributes);
    if (!passes) continue;
    delivery d;
    d.seq = self.next_delivery_ + staged.size();
    d.subscription_arn = arn;
    d.message_id = message_id;
    d.topic_arn = t.arn();
    d.subject = m.subject;
    d.message = text;
    d.attributes = m.attributes;
    d.timestamp_ms = now;
    d.group_id = m.group_id;
    d.deduplication_id = m.deduplication_id;
    d.sequence_number = sequence_number;
    d.endpoint = context.endpoint;
    self.stage_delivery(batch, d);
    staged.push_back(std::move(d));
  }
  json out{{"MessageId", message_id}};
  if (t.fifo) out["SequenceNumber"] = sequence_number;
  return out;
}

void forget_expired(topic& t, std::int64_t now) {
  for (auto it = t.dedup.begin(); it != t.dedup.end();)
    it = it->second.expires_ms <= now ? t.dedup.erase(it) : std::next(it);
}

}  // namespace

// After the accepted messages' write committed: the topic's new state and the deliveries' entries.
void service_impl::finish(topic& t, topic& changed, std::vector<delivery>& staged) {
  t.next_sequence = changed.next_sequence;
  t.dedup = std::move(changed.dedup);
  next_delivery_ += staged.size();
  for (delivery& d : staged) {
    const std::uint64_t seq = d.seq;
    deliveries_[seq] = std::move(d);
    schedule(seq);
  }
}

json service_impl::publish(const json& request, const request_context& context) {
  if (string_member(request, "PhoneNumber")) {
    // fogbank sends no SMS (unconfirmed wording; AWS's for a number it cannot publish to).
    invalid("Invalid parameter: PhoneNumber Reason: " + *string_member(request, "PhoneNumber") +
            " is not valid to publish to");
  }
  const char* member = request.contains("TopicArn") ? "TopicArn" : "TargetArn";
  // The topic's checks come after the message's (recorded order: an empty message is refused
  // whatever the topic).
  std::optional<std::string> subject = string_member(request, "Subject");
  if (subject && subject->empty()) invalid("Invalid parameter: Subject");
  if (string_member(request, "Message").value_or("").empty()) invalid("Invalid parameter: Empty message");
  topic& t = find_topic(request, context, member);
  outgoing m = read_message(request, t, 0);

  storage::write_batch batch;
  std::vector<delivery> staged;
  topic changed = t;
  const std::int64_t now = now_ms();
  forget_expired(changed, now);
  json out = accept(*this, t, changed, m, context, now, batch, staged);
  if (t.fifo) stage_topic(batch, changed);
  commit(batch);
  finish(t, changed, staged);
  return out;
}

json service_impl::publish_batch(const json& request, const request_context& context) {
  topic& t = find_topic(request, context);
  const auto entries_it = request.find("PublishBatchRequestEntries");
  if (entries_it == request.end() || !entries_it->is_array() || entries_it->empty())
    throw core::aws_error(core::error_code::sns_empty_batch_request,
                          "The batch request doesn't contain any entries.");  // unconfirmed
  const json& entries = *entries_it;
  if (entries.size() > max_batch_entries)
    throw core::aws_error(core::error_code::sns_too_many_entries_in_batch,
                          "The batch request contains more entries than permissible.");
  std::set<std::string> ids;
  for (const json& entry : entries) {
    const std::string id = entry.is_object() ? entry.value("Id", "") : "";
    if (!ids.insert(id).second)
      throw core::aws_error(core::error_code::sns_batch_entry_ids_not_distinct,
                            "Two or more batch entries in the request have the same Id.");
    // unconfirmed wordings (LocalStack's).
    if (id.size() > max_batch_entry_id)
      throw core::aws_error(core::error_code::sns_invalid_batch_entry_id,
                            "The Id of a batch entry in the batch request is too long: " + id);
    if (id.empty() || !std::all_of(id.begin(), id.end(),
                                   [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_'; }))
      throw core::aws_error(
          core::error_code::sns_invalid_batch_entry_id,
          "The Id of a batch entry in the batch request contains an impermissible character: " + id);
  }
  // AWS refuses the whole batch for the first malformed entry (LocalStack's reading of AWS).
  std::vector<outgoing> messages;
  std::size_t total = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const json& entry = entries[i];
    if (entry.contains("Subject") && entry["Subject"] == "") invalid("Invalid parameter: Subject");
    if (entry.value("Message", "").empty()) invalid("Invalid parameter: Empty message");
    outgoing m = read_message(entry, t, i + 1);
    m.id = entry["Id"].get<std::string>();
    total += m.size;
    messages.push_back(std::move(m));
  }
  if (total > max_message_bytes)
    throw core::aws_error(core::error_code::sns_batch_request_too_long,
                          "The length of all the messages put together is more than the limit.");

  storage::write_batch batch;
  std::vector<delivery> staged;
  topic changed = t;
  const std::int64_t now = now_ms();
  forget_expired(changed, now);
  json successful = json::array();
  for (const outgoing& m : messages) {
    json result = accept(*this, t, changed, m, context, now, batch, staged);
    result["Id"] = m.id;
    successful.push_back(std::move(result));
  }
  if (t.fifo) stage_topic(batch, changed);
  commit(batch);
  finish(t, changed, staged);
  return {{"Successful", std::move(successful)}, {"Failed", json::array()}};
}

void service_impl::deliver(std::uint64_t seq) {
  delivery d;
  subscription s;
  bool fifo = false;
  {
    std::lock_guard lock(mutex_);
    const auto it = deliveries_.find(seq);
    if (it == deliveries_.end()) return;
    d = it->second;
    const auto sub = subscriptions_.find(d.subscription_arn);
    if (sub != subscriptions_.end()) s = sub->second;
    const topic* t = topic_by_arn(d.topic_arn);
    fifo = t != nullptr ? t->fifo : d.topic_arn.ends_with(".fifo");
  }
  // What an SQS queue receives: the envelope, or the message itself with its attributes.
  const auto send_to_queue = [&](const std::string& queue_arn) {
    const arn_parts q = parse_arn(queue_arn);
    core::call_context context = client_.default_context();
    if (!q.region.empty()) context.region = q.region;
    if (!q.account.empty()) context.account_id = q.account;
    if (!d.endpoint.empty()) context.endpoint = d.endpoint;
    json send{
        {"QueueUrl", (context.endpoint.empty() ? std::string("http://localhost:4566") : context.endpoint) +
                         "/" + q.account + "/" + q.resource}};
    if (s.raw()) {
      send["MessageBody"] = d.message;
      if (d.attributes.is_object() && !d.attributes.empty()) send["MessageAttributes"] = d.attributes;
    } else {
      send["MessageBody"] = envelope(d, fifo);
    }
    if (q.resource.ends_with(".fifo")) {
      send["MessageGroupId"] = d.group_id;
      send["MessageDeduplicationId"] = d.deduplication_id;
    }
    return client_.call("sqs", "SendMessage", send, context);
  };
  if (!s.arn.empty()) {
    core::call_result result;
    if (s.protocol == "sqs") {
      result = send_to_queue(s.endpoint);
    } else {
      const arn_parts f = parse_arn(s.endpoint);
      core::call_context context = client_.default_context();
      if (!f.region.empty()) context.region = f.region;
      if (!f.account.empty()) context.account_id = f.account;
      result = client_.call("lambda", "Invoke",
                            {{"FunctionName", s.endpoint},
                             {"InvocationType", "Event"},
                             {"Payload", core::base64_encode(lambda_event(d, fifo))}},
                            context);
    }
    if (!result.ok()) {
      // AWS retries a failed delivery by the subscription's delivery policy before it gives up;
      // fogbank gives up at once: to the dead-letter queue if there is one, else the message is
      // dropped (and logged).
      const std::string dead_letter = s.dead_letter_arn();
      core::log_error("SNS delivery of " + d.message_id + " to " + s.endpoint + " failed (" +
                      std::string(result.error->name()) + ": " + result.error->message() + ")" +
                      (dead_letter.empty() ? std::string(", dropped") : ", sent to " + dead_letter));
      if (!dead_letter.empty()) (void)send_to_queue(dead_letter);
    }
  }
  std::lock_guard lock(mutex_);
  storage::write_batch batch;
  batch.erase(storage::column::meta, [&] {
    std::string key = "sns-delivery/";
    storage::key::append_u64(key, seq);
    return key;
  }());
  const storage::status status = db_.write(batch);
  if (!status.is_ok())
    core::log_error("SNS could not forget delivery " + std::to_string(seq) + ": " + status.message());
  deliveries_.erase(seq);
}

}  // namespace fogbank::sns
