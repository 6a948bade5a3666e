// SendMessage and SendMessageBatch, FIFO deduplication and sequence numbers, and the checks
// shared by every batch operation.

#include "message_format.hpp"
#include "request.hpp"
#include "service_impl.hpp"

#include <algorithm>
#include <set>

namespace fogbank::sqs {
namespace {

// FIFO ids: 1 to 128 alphanumeric or punctuation characters (SendMessage API reference).
void check_fifo_id(const std::string& value, const char* parameter) {
  const bool ok =
      !value.empty() && value.size() <= 128 && std::all_of(value.begin(), value.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || std::ispunct(static_cast<unsigned char>(c));
      });
  if (!ok) {
    fail_invalid_value(parameter, value,
                       std::string(parameter) +
                           " can only include alphanumeric and punctuation characters. 1 to 128 in length.");
  }
}

// MessageSystemAttributes: only AWSTraceHeader, a String (SendMessage API reference).
std::size_t check_system_attributes(const json& attributes) {
  if (attributes.is_null()) return 0;
  if (!attributes.is_object()) {
    fail(core::error_code::invalid_parameter_value, "The message system attributes must be a map.");
  }
  // A member that is not a string counts as absent rather than surfacing a JSON type error.
  const auto text = [](const json& value, const char* member) -> std::string {
    auto it = value.find(member);
    return it != value.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::size_t size = 0;
  for (const auto& [name, value] : attributes.items()) {
    if (name != "AWSTraceHeader") {
      fail(core::error_code::invalid_parameter_value,
           "Message system attribute name '" + name + "' is invalid.");
    }
    if (!value.is_object() || text(value, "DataType") != "String" || text(value, "StringValue").empty()) {
      fail(core::error_code::invalid_parameter_value,
           "Message system attribute 'AWSTraceHeader' must contain a non-empty value of type 'String'.");
    }
    const std::string trace = text(value, "StringValue");
    if (!has_only_allowed_characters(trace)) {
      // The rule of every String value (SendMessage); this wording for it is unconfirmed.
      fail(core::error_code::invalid_parameter_value,
           "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 "
           "to "
           "#xFFFD | #x10000 to #x10FFFF");
    }
    size += name.size() + 6 + trace.size();
  }
  return size;
}

// The members of validated message attributes that SQS keeps and returns: DataType and the
// value. Whatever else a client put beside them (of any size or depth) is dropped here, so
// stored messages and receive answers hold only what SQS defines.
json kept_attributes(const json& attributes) {
  json out = json::object();
  if (!attributes.is_object()) return out;
  for (const auto& [name, value] : attributes.items()) {
    json& kept = out[name] = json::object();
    for (const char* member : {"DataType", "StringValue", "BinaryValue"}) {
      if (auto it = value.find(member); it != value.end() && it->is_string()) kept[member] = *it;
    }
  }
  return out;
}

const json& member_or_null(const json& object, const char* name) {
  static const json null_value;
  auto it = object.find(name);
  return it == object.end() ? null_value : *it;
}

}  // namespace

const json& service_impl::check_batch(const json& request, std::string_view entry_type) {
  auto it = request.find("Entries");
  if (it == request.end() || it->is_null()) fail_missing("Entries");
  const json& entries = *it;
  if (!entries.is_array())
    fail(core::error_code::invalid_parameter_value, "The parameter Entries must be a list.");
  if (entries.empty()) {
    fail(core::error_code::empty_batch_request,
         "There should be at least one " + std::string(entry_type) + " in the request.");
  }
  if (entries.size() > max_batch_entries) {
    fail(core::error_code::too_many_entries_in_batch_request,
         "Maximum number of entries per request are 10. You have sent " + std::to_string(entries.size()) +
             ".");
  }
  std::set<std::string> seen;
  for (const auto& entry : entries) {
    if (!entry.is_object())
      fail(core::error_code::invalid_parameter_value, "Each batch entry must be a structure.");
    const std::string id = required_string(entry, "Id");
    const bool ok = id.size() <= 80 && std::all_of(id.begin(), id.end(), [](char c) {
                      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
                    });
    if (!ok) {
      fail(core::error_code::invalid_batch_entry_id,
           "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at "
           "most 80 "
           "letters long.");
    }
    if (!seen.insert(id).second)
      fail(core::error_code::batch_entry_ids_not_distinct, "Id " + id + " repeated.");
  }
  return entries;
}

json service_impl::send_one(queue& q, const json& entry, const request_context& context,
                            storage::write_batch& batch, std::vector<message>& staged) {
  auto body_value = optional_string(entry, "MessageBody");
  if (!body_value || body_value->empty()) fail_missing("MessageBody");
  const std::string& body = *body_value;
  const json& attributes = member_or_null(entry, "MessageAttributes");
  const json& system_attributes = member_or_null(entry, "MessageSystemAttributes");
  const std::int64_t limit = q.settings.maximum_message_size;
  const auto too_long = [&] {
    fail(core::error_code::invalid_parameter_value,
         "One or more parameters are invalid. Reason: Message must be shorter than " + std::to_string(limit) +
             " bytes.");
  };
  // The size limit first, on what the message weighs at least: the checks below scan every
  // character and attribute under the service's lock, which must be bounded by the queue's
  // MaximumMessageSize however large the request (issue 6).
  if (static_cast<std::int64_t>(body.size() + minimum_attributes_size(attributes)) > limit) too_long();
  check_body_characters(body);
  const std::size_t attributes_size = check_message_attributes(attributes);
  check_system_attributes(system_attributes);
  if (static_cast<std::int64_t>(body.size() + attributes_size) > limit) too_long();
  const auto delay = optional_int(entry, "DelaySeconds");
  if (delay && (*delay < 0 || *delay > max_delay_seconds)) {
    fail_invalid_value("DelaySeconds", std::to_string(*delay), "DelaySeconds must be >= 0 and <= 900.");
  }
  auto group_id = optional_string(entry, "MessageGroupId");
  auto dedup_id = optional_string(entry, "MessageDeduplicationId");
  if (group_id) check_fifo_id(*group_id, "MessageGroupId");
  if (dedup_id) check_fifo_id(*dedup_id, "MessageDeduplicationId");

  const std::int64_t now = now_ms();
  json out = json::object();
  message m;
  if (q.fifo) {
    // FIFO queues take the delay from the queue only (SendMessage API reference).
    if (delay && *delay != 0) {
      fail_invalid_value("DelaySeconds", std::to_string(*delay),
                         "The request include parameter that is not valid for this queue type.");
    }
    if (!group_id) fail_missing("MessageGroupId");
    if (!dedup_id) {
      if (!q.settings.content_based_deduplication) {
        fail(core::error_code::invalid_parameter_value,
             "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId "
             "provided "
             "explicitly");
      }
      // Content-based deduplication: the SHA-256 of the body (FIFO developer guide).
      dedup_id = sha256_hex(body);
    }
    // With DeduplicationScope=messageGroup a deduplication id is unique within its group only.
    const std::string dedup_key = q.settings.deduplicate_per_group ? *group_id + '\n' + *dedup_id : *dedup_id;
    if (auto seen = q.dedup.find(dedup_key); seen != q.dedup.end() && seen->second.expires_ms > now) {
      // A duplicate within the 5-minute window is accepted but not enqueued; the answer names the
      // original message.
      out["MessageId"] = seen->second.message_id;
      out["MD5OfMessageBody"] = md5_hex(body);
      if (auto md5 = message_attributes_md5(attributes); !md5.empty()) out["MD5OfMessageAttributes"] = md5;
      if (auto md5 = message_attributes_md5(system_attributes); !md5.empty())
        out["MD5OfMessageSystemAttributes"] = md5;
      out["SequenceNumber"] = seen->second.sequence_number;
      return out;
    }
    m.group_id = *group_id;
    m.dedup_id = *dedup_id;
    // Sequence numbers: increasing, numeric, 20 digits like AWS's.
    m.sequence_number = std::to_string(10'000'000'000'000'000'000ULL + q.next_sequence_number++);
    dedup_record record{"", m.sequence_number, m.group_id, now + dedup_window_ms};
    m.id = ids_.uuid();
    record.message_id = m.id;
    stage_dedup(batch, q, dedup_key, record);
    q.dedup[dedup_key] = record;
    if (q.next_expiry_ms != 0) q.next_expiry_ms = std::min(q.next_expiry_ms, record.expires_ms);
    stage_queue(batch, q);
  } else {
    if (dedup_id) {
      fail_invalid_value("MessageDeduplicationId", *dedup_id,
                         "The request includes a parameter that is not valid for this queue type.");
    }
    if (group_id) m.group_id = *group_id;  // fair queues: a group id on a standard queue is kept
    m.id = ids_.uuid();
  }
  m.seq = q.next_seq++;
  m.body = std::move(*body_value);  // `body` is not read after this
  m.md5_body = md5_hex(m.body);
  // The message's maps start empty: most messages have no attributes to keep.
  if (!attributes.is_null()) m.attributes = kept_attributes(attributes);
  if (!system_attributes.is_null()) m.system_attributes = kept_attributes(system_attributes);
  m.sender_id = context.account_id;
  m.sent_ms = now;
  m.visible_at_ms = now + (delay ? *delay : q.settings.delay_seconds) * 1000;
  stage_message(batch, q, m);

  out["MessageId"] = m.id;
  out["MD5OfMessageBody"] = m.md5_body;
  if (auto md5 = message_attributes_md5(m.attributes); !md5.empty()) out["MD5OfMessageAttributes"] = md5;
  if (auto md5 = message_attributes_md5(m.system_attributes); !md5.empty())
    out["MD5OfMessageSystemAttributes"] = md5;
  if (q.fifo) out["SequenceNumber"] = m.sequence_number;
  staged.push_back(std::move(m));
  return out;
}

json service_impl::send_message(const json& request, const request_context& context) {
  queue& q = find_queue(request, context);
  storage::write_batch batch;
  std::vector<message> staged;
  json out = send_one(q, request, context, batch, staged);
  if (!batch.empty()) commit(batch);
  for (auto& m : staged) add_message(q, std::move(m));
  serve_waiters(q);
  return out;
}

json service_impl::send_message_batch(const json& request, const request_context& context) {
  queue& q = find_queue(request, context);
  const json& entries = check_batch(request, "SendMessageBatchRequestEntry");
  // The whole batch counts against one limit, before any entry is looked at. (An entry with
  // more attributes than a message may have fails on its own, below; they are not counted, so
  // that this sum is bounded by ten entries of ten attributes.)
  std::size_t total = 0;
  for (const auto& entry : entries) {
    total += optional_string(entry, "MessageBody").value_or("").size();
    const json& attributes = member_or_null(entry, "MessageAttributes");
    if (attributes.is_object() && attributes.size() <= max_message_attributes) {
      for (const auto& [name, value] : attributes.items()) {
        total += name.size();
        if (value.is_object()) {
          for (const char* member : {"DataType", "StringValue", "BinaryValue"}) {
            if (auto it = value.find(member); it != value.end() && it->is_string())
              total += it->get<std::string>().size();
          }
        }
      }
    }
  }
  if (static_cast<std::int64_t>(total) > max_batch_bytes) {
    fail(core::error_code::batch_request_too_long,
         "Batch requests cannot be longer than " + std::to_string(max_batch_bytes) +
             " bytes. You have sent " + std::to_string(total) + " bytes.");
  }
  json successful = json::array();
  json failed = json::array();
  storage::write_batch batch;
  std::vector<message> staged;
  for (const auto& entry : entries) {
    const std::string id = required_string(entry, "Id");  // as check_batch read it
    try {
      json result_entry = send_one(q, entry, context, batch, staged);
      result_entry["Id"] = id;
      successful.push_back(std::move(result_entry));
    } catch (const core::aws_error& e) {
      failed.push_back(
          json{{"Id", id}, {"SenderFault", true}, {"Code", std::string(e.name())}, {"Message", e.message()}});
    }
  }
  if (!batch.empty()) commit(batch);
  for (auto& m : staged) add_message(q, std::move(m));
  serve_waiters(q);
  return json{{"Successful", successful}, {"Failed", failed}};
}

}  // namespace fogbank::sqs
