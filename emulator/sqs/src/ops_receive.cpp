// ReceiveMessage (standard and FIFO, dead-letter redrive), DeleteMessage and
// ChangeMessageVisibility with their batch forms.

#include "message_format.hpp"
#include "request.hpp"
#include "service_impl.hpp"

#include <algorithm>
#include <set>

namespace fogbank::sqs {
namespace {

// `names` is sorted, each once (receive_request).
bool wants(const std::vector<std::string>& names, std::string_view name) {
  return contains(names, "All") || contains(names, name);
}

json system_attributes_for(const queue& q, const message& m, const std::vector<std::string>& names) {
  json out = json::object();
  if (names.empty()) return out;
  const auto put = [&](std::string_view name, const std::string& value) {
    if (wants(names, name)) out[std::string(name)] = value;
  };
  put("SenderId", m.sender_id);
  put("SentTimestamp", std::to_string(m.sent_ms));
  put("ApproximateReceiveCount", std::to_string(m.receive_count));
  put("ApproximateFirstReceiveTimestamp", std::to_string(m.first_receive_ms));
  if (auto trace = m.system_attributes.find("AWSTraceHeader"); trace != m.system_attributes.end()) {
    put("AWSTraceHeader", trace->value("StringValue", ""));
  }
  if (!m.dead_letter_source_arn.empty()) put("DeadLetterQueueSourceArn", m.dead_letter_source_arn);
  if (!m.group_id.empty()) put("MessageGroupId", m.group_id);
  if (q.fifo) {
    put("MessageDeduplicationId", m.dedup_id);
    put("SequenceNumber", m.sequence_number);
  }
  return out;
}

json render(const queue& q, const message& m, const receive_request& request) {
  json out{
      {"MessageId", m.id}, {"ReceiptHandle", m.receipt_handle}, {"MD5OfBody", m.md5_body}, {"Body", m.body}};
  json attributes = system_attributes_for(q, m, request.system_attribute_names);
  if (!attributes.empty()) out["Attributes"] = std::move(attributes);
  // The digest covers the attributes returned, which is what the SDKs check it against.
  json selected = select_message_attributes(m.attributes, request.message_attribute_names);
  if (!selected.empty()) {
    out["MD5OfMessageAttributes"] = message_attributes_md5(selected);
    out["MessageAttributes"] = std::move(selected);
  }
  return out;
}

[[noreturn]] void invalid_handle(const std::string& handle) {
  fail(core::error_code::receipt_handle_is_invalid,
       "The input receipt handle \"" + handle + "\" is not a valid receipt handle.");
}

}  // namespace

receive_request service_impl::parse_receive(const json& request, const request_context& context,
                                            receive_names names) {
  queue& q = find_queue(request, context);
  receive_request out;
  out.queue_key = queue_key(q.region, q.account_id, q.name);
  if (auto max = optional_int(request, "MaxNumberOfMessages")) {
    if (*max < 1 || *max > 10) {
      fail_invalid_value("MaxNumberOfMessages", std::to_string(*max),
                         "Must be between 1 and 10, if provided.");
    }
    out.max_messages = static_cast<std::size_t>(*max);
  }
  if (auto timeout = optional_int(request, "VisibilityTimeout")) {
    if (*timeout < 0 || *timeout > max_visibility_seconds) {
      fail_invalid_value("VisibilityTimeout", std::to_string(*timeout),
                         "Must be between 0 and 43200, if provided.");
    }
    out.visibility_timeout = *timeout;
  }
  out.wait_seconds = q.settings.receive_wait_seconds;
  if (auto wait = optional_int(request, "WaitTimeSeconds")) {
    if (*wait < 0 || *wait > max_wait_seconds) {
      fail_invalid_value("WaitTimeSeconds", std::to_string(*wait), "Must be >= 0 and <= 20, if provided.");
    }
    out.wait_seconds = *wait;
  }
  out.system_attribute_names = std::move(names.system.get());
  out.message_attribute_names = std::move(names.message.get());
  if (q.fifo) out.attempt_id = optional_string(request, "ReceiveRequestAttemptId").value_or("");
  out.sender_context_account = context.account_id;
  return out;
}

json service_impl::receive_now(queue& q, const receive_request& request) {
  expire(q);
  const std::int64_t now = now_ms();
  const std::string attempt_key =
      request.attempt_id.empty() ? std::string() : request.queue_key + '\n' + request.attempt_id;
  if (!attempt_key.empty()) {
    // A retried FIFO receive with the same ReceiveRequestAttemptId within 5 minutes gets the
    // same messages and receipt handles while they are still in flight (FIFO developer guide).
    auto it = receive_attempts_.find(attempt_key);
    if (it != receive_attempts_.end() && it->second.expires_ms > now) {
      json messages = json::array();
      for (const auto& [seq, handle] : it->second.messages) {
        auto m = q.messages.find(seq);
        if (m == q.messages.end() || m->second.receipt_handle != handle || !m->second.in_flight(now)) {
          messages = nullptr;
          break;
        }
        messages.push_back(render(q, m->second, request));
      }
      if (messages.is_array() && !messages.empty()) return json{{"Messages", std::move(messages)}};
    }
  }

  std::int64_t max_receive = 0;
  queue* dead_letter = nullptr;
  if (q.settings.redrive) {
    max_receive = q.settings.redrive->max_receive_count;
    dead_letter = find_queue_by_arn(q.settings.redrive->dead_letter_target_arn);
  }

  // Which messages can be taken, in order. In a FIFO queue a group with a message in flight is
  // blocked, and so is a group whose oldest message is still delayed.
  std::vector<std::uint64_t> candidates;
  // A standard queue without redrive hands out the first visible messages it finds, so the walk
  // can stop at a receive's worth instead of visiting the whole queue (bench/sqs_http.sh showed
  // receive cost growing with queue depth). With redrive, some candidates move to the
  // dead-letter queue instead, so every visible message stays a candidate.
  const bool stop_early = !q.fifo && dead_letter == nullptr;
  std::set<std::string> blocked;
  if (q.fifo) {
    for (const auto& [seq, m] : q.messages) {
      if (m.in_flight(now)) blocked.insert(m.group_id);
    }
  }
  for (const auto& [seq, m] : q.messages) {
    if (q.fifo) {
      if (blocked.count(m.group_id)) continue;
      if (!m.visible(now)) {
        blocked.insert(m.group_id);
        continue;
      }
    } else if (!m.visible(now)) {
      continue;
    }
    candidates.push_back(seq);
    if (stop_early && candidates.size() >= request.max_messages) break;
  }

  const std::int64_t timeout = request.visibility_timeout.value_or(q.settings.visibility_timeout_seconds);
  storage::write_batch batch;
  json messages = json::array();
  receive_attempt attempt;
  std::set<std::string> moved_groups;
  for (auto seq : candidates) {
    if (messages.size() >= request.max_messages) break;
    message& m = q.messages.at(seq);
    if (q.fifo && moved_groups.count(m.group_id)) continue;
    if (dead_letter && m.receive_count >= max_receive) {
      // This receive would exceed maxReceiveCount: the message goes to the dead-letter queue
      // instead of to the consumer (SQS developer guide, "Using dead-letter queues").
      if (q.fifo) moved_groups.insert(m.group_id);
      move_to_queue(q, seq, *dead_letter, batch, true);
      continue;
    }
    ++m.receive_count;
    if (m.first_receive_ms == 0) m.first_receive_ms = now;
    m.last_receive_ms = now;
    m.visible_at_ms = now + timeout * 1000;
    m.receipt_handle = make_receipt_handle(q, m);
    stage_message(batch, q, m);
    if (timeout > 0) schedule_wake(q, m.visible_at_ms);
    messages.push_back(render(q, m, request));
    attempt.messages.emplace_back(seq, m.receipt_handle);
  }
  if (!batch.empty()) commit(batch);
  if (messages.empty()) return json::object();
  if (!attempt_key.empty()) {
    attempt.expires_ms = now + dedup_window_ms;
    receive_attempts_[attempt_key] = std::move(attempt);
  }
  return json{{"Messages", std::move(messages)}};
}

void service_impl::move_to_queue(queue& source, std::uint64_t seq, queue& target, storage::write_batch& batch,
                                 bool mark_source) {
  message m = std::move(source.messages.at(seq));
  erase_message(source, seq);
  stage_message_erase(batch, source, seq);
  // Same MessageId, body, attributes and original enqueue time; receive state starts over.
  m.seq = target.next_seq++;
  m.receive_count = 0;
  m.first_receive_ms = 0;
  m.last_receive_ms = 0;
  m.receipt_handle.clear();
  m.visible_at_ms = now_ms();
  if (mark_source) m.dead_letter_source_arn = source.arn();
  if (target.fifo) {
    m.sequence_number = std::to_string(10'000'000'000'000'000'000ULL + target.next_sequence_number++);
    stage_queue(batch, target);
  }
  stage_message(batch, target, m);
  add_message(target, std::move(m));
  // Long polls on the target are served by a scheduler entry, not from inside this receive.
  schedule_wake(target, now_ms());
}

void service_impl::delete_one(queue& q, const std::string& handle) {
  auto parsed = parse_receipt_handle(handle);
  if (!parsed) invalid_handle(handle);
  if (parsed->first != q.arn()) {
    fail(core::error_code::receipt_handle_is_invalid,
         "The receipt handle \"" + handle + "\" is not valid for this queue.");
  }
  auto id = q.seq_of_id.find(parsed->second);
  if (id == q.seq_of_id.end()) return;  // already deleted: DeleteMessage is idempotent
  const std::uint64_t seq = id->second;
  const message& m = q.messages.at(seq);
  // A FIFO receipt handle expires with its visibility timeout or the next receive; a standard
  // queue accepts any handle it issued for the message.
  if (q.fifo && (m.receipt_handle != handle || !m.in_flight(now_ms()))) {
    fail_invalid_value("ReceiptHandle", handle, "The receipt handle has expired.");
  }
  storage::write_batch batch;
  stage_message_erase(batch, q, seq);
  commit(batch);
  erase_message(q, seq);
  if (q.fifo) serve_waiters(q);  // the group may be unblocked
}

void service_impl::change_visibility_one(queue& q, const std::string& handle, const json& timeout_value) {
  json holder{{"VisibilityTimeout", timeout_value}};
  const auto timeout = optional_int(holder, "VisibilityTimeout");
  if (!timeout) fail_missing("VisibilityTimeout");
  if (*timeout < 0) fail_invalid_value("VisibilityTimeout", std::to_string(*timeout), "Must be >= 0.");
  auto parsed = parse_receipt_handle(handle);
  if (!parsed) invalid_handle(handle);
  if (parsed->first != q.arn()) {
    fail(core::error_code::receipt_handle_is_invalid,
         "The receipt handle \"" + handle + "\" is not valid for this queue.");
  }
  auto id = q.seq_of_id.find(parsed->second);
  if (id == q.seq_of_id.end()) {
    fail_invalid_value("ReceiptHandle", handle,
                       "Message does not exist or is not available for visibility timeout change.");
  }
  message& m = q.messages.at(id->second);
  const std::int64_t now = now_ms();
  if (q.fifo && m.receipt_handle != handle)
    fail_invalid_value("ReceiptHandle", handle, "The receipt handle has expired.");
  if (!m.in_flight(now))
    fail(core::error_code::message_not_inflight, "The message referred to isn't in flight.");
  // The 12-hour ceiling counts from the receive, not from this call (ChangeMessageVisibility).
  if ((now - m.last_receive_ms) + *timeout * 1000 > max_visibility_seconds * 1000) {
    fail_invalid_value("VisibilityTimeout", std::to_string(*timeout),
                       "Total VisibilityTimeout for the message is beyond the limit [43200 seconds].");
  }
  m.visible_at_ms = now + *timeout * 1000;
  storage::write_batch batch;
  stage_message(batch, q, m);
  commit(batch);
  if (*timeout == 0) {
    serve_waiters(q);
  } else {
    schedule_wake(q, m.visible_at_ms);
  }
}

json service_impl::delete_message(const json& request, const request_context& context) {
  queue& q = find_queue(request, context);
  delete_one(q, required_string(request, "ReceiptHandle"));
  return json::object();
}

json service_impl::change_message_visibility(const json& request, const request_context& context) {
  queue& q = find_queue(request, context);
  const std::string handle = required_string(request, "ReceiptHandle");
  auto timeout = request.find("VisibilityTimeout");
  if (timeout == request.end() || timeout->is_null()) fail_missing("VisibilityTimeout");
  change_visibility_one(q, handle, *timeout);
  return json::object();
}

namespace {

// Runs `apply` on every entry of a batch request: an entry that succeeds is listed under
// Successful by its Id, one that fails under Failed with its error, and the others go on, as
// SQS's *Batch operations answer.
template <typename Apply>
json run_batch_entries(const json& entries, Apply apply) {
  json successful = json::array();
  json failed = json::array();
  for (const auto& entry : entries) {
    const std::string id = required_string(entry, "Id");  // as check_batch read it
    try {
      apply(entry);
      successful.push_back(json{{"Id", id}});
    } catch (const core::aws_error& e) {
      failed.push_back(
          json{{"Id", id}, {"SenderFault", true}, {"Code", std::string(e.name())}, {"Message", e.message()}});
    }
  }
  return json{{"Successful", successful}, {"Failed", failed}};
}

}  // namespace

json service_impl::delete_message_batch(const json& request, const request_context& context) {
  queue& q = find_queue(request, context);
  return run_batch_entries(check_batch(request, "DeleteMessageBatchRequestEntry"), [&](const json& entry) {
    delete_one(q, required_string(entry, "ReceiptHandle"));
  });
}

json service_impl::change_message_visibility_batch(const json& request, const request_context& context) {
  queue& q = find_queue(request, context);
  return run_batch_entries(check_batch(request, "ChangeMessageVisibilityBatchRequestEntry"),
                           [&](const json& entry) {
                             auto timeout = entry.find("VisibilityTimeout");
                             if (timeout == entry.end() || timeout->is_null())
                               fail_missing("VisibilityTimeout");
                             change_visibility_one(q, required_string(entry, "ReceiptHandle"), *timeout);
                           });
}

}  // namespace fogbank::sqs
