// ReceiveMessage (standard and FIFO, dead-letter redrive), DeleteMessage and
// ChangeMessageVisibility with their batch forms.

#include "message_format.hpp"
#include "request.hpp"
#include "service_impl.hpp"

#include <algorithm>
#include <functional>
#include <queue>
#include <set>
#include <vector>

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

  // The candidates come from the queue's receive indexes (message_index.cpp): a receive visits
  // what it takes and what it moves to the dead-letter queue, however long the backlog.
  promote_visible(q, now);
  const std::int64_t timeout = request.visibility_timeout.value_or(q.settings.visibility_timeout_seconds);
  storage::write_batch batch;
  json messages = json::array();
  receive_attempt attempt;
  // A message that arrives during this receive (moved here by it: a queue that is its own
  // dead-letter queue) waits for the next one.
  const std::uint64_t arrived_before = q.next_seq;
  // Receives the message `seq`, or moves it to the dead-letter queue when this receive would
  // exceed maxReceiveCount (SQS developer guide, "Using dead-letter queues"); false if moved.
  const auto take = [&](std::uint64_t seq) {
    message& m = q.messages.at(seq);
    if (dead_letter && m.receive_count >= max_receive) {
      move_to_queue(q, seq, *dead_letter, batch, true);
      return false;
    }
    ++m.receive_count;
    if (m.first_receive_ms == 0) m.first_receive_ms = now;
    m.last_receive_ms = now;
    m.visible_at_ms = now + timeout * 1000;
    reindex_message(q, m, now);
    m.receipt_handle = make_receipt_handle(q, m);
    stage_message(batch, q, m);
    if (timeout > 0) schedule_wake(q, m.visible_at_ms);
    messages.push_back(render(q, m, request));
    attempt.messages.emplace_back(seq, m.receipt_handle);
    return true;
  };
  if (!q.fifo) {
    // The visible messages in arrival order.
    for (auto it = q.ready.begin(); it != q.ready.end() && messages.size() < request.max_messages;) {
      const std::uint64_t seq = *it++;  // before take() unlists it
      if (seq >= arrived_before) break;
      take(seq);
    }
  } else {
    // In arrival order, the messages of every group a receive may take from (none in flight,
    // oldest visible), each group's up to its first hidden (delayed) message: the groups'
    // runs merged, starting each group when its oldest message comes up. A group that had a
    // message moved to the dead-letter queue gives no more in this receive.
    using cursor = std::pair<std::uint64_t, std::string>;  // a group's next message, the group
    std::priority_queue<cursor, std::vector<cursor>, std::greater<>> started;
    std::set<std::string> moved_groups;
    auto next_group = q.ready_groups.begin();
    while (messages.size() < request.max_messages) {
      cursor current;
      if (!started.empty() &&
          (next_group == q.ready_groups.end() || started.top().first < next_group->first)) {
        current = started.top();
        started.pop();
      } else if (next_group != q.ready_groups.end()) {
        current = *next_group++;  // before take() changes the group's entry
      } else {
        break;
      }
      if (current.first >= arrived_before || moved_groups.count(current.second)) continue;
      // The group's next message follows this one in this receive if it is visible now.
      std::uint64_t following = 0;
      const queue::group_state& group = q.groups.at(current.second);
      if (auto after = group.seqs.upper_bound(current.first);
          after != group.seqs.end() && !q.messages.at(*after).indexed_hidden) {
        following = *after;
      }
      if (!take(current.first)) {
        moved_groups.insert(current.second);
        continue;
      }
      if (following != 0) started.emplace(following, current.second);
    }
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
  unindex_message(source, source.messages.at(seq));  // while its group id is still there
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
  reindex_message(q, m, now);
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
