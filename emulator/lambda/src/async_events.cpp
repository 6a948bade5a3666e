// Asynchronous invocations (InvocationType Event), as the developer guide's "Asynchronous
// invocation" describes them: Lambda queues the event and answers 202; a function error is
// retried twice, one minute and then two minutes later (MaximumRetryAttempts 0-2); a throttled
// event waits from one second, doubling, up to five minutes apart, until its age passes
// MaximumEventAgeInSeconds (default six hours); a function with reserved concurrency 0 takes
// none. An event that ends is recorded to its OnSuccess or OnFailure destination and, when it
// fails, sent to the function's dead-letter queue. Destinations here are SQS queues, reached
// through the in-process client.
//
// Each event is stored (column lambda) before Invoke answers and is a scheduler entry at its due
// time, so it survives a restart and runs at the same virtual instant on a manual clock.

#include "fogbank/core/json_limits.hpp"
#include "fogbank/core/log.hpp"
#include "fogbank/storage/key_encoding.hpp"
#include "service_impl.hpp"

#include <algorithm>

namespace fogbank::lambda {
namespace {

std::string event_key(std::uint64_t seq) {
  std::string key = "e";
  storage::key::append_u64(key, seq);
  return key;
}

json encode_event(const async_event& e) {
  return json{{"id", e.request_id},
              {"function", e.function_key},
              {"payload", e.payload},
              {"attempts", e.attempts},
              {"enqueued", e.enqueued_ms},
              {"due", e.due_ms},
              {"throttle", e.throttle_delay_ms}};
}

async_event decode_event(std::uint64_t seq, const json& j) {
  async_event e;
  e.seq = seq;
  e.request_id = j.at("id").get<std::string>();
  e.function_key = j.at("function").get<std::string>();
  e.payload = j.at("payload").get<std::string>();
  e.attempts = j.at("attempts").get<int>();
  e.enqueued_ms = j.at("enqueued").get<std::int64_t>();
  e.due_ms = j.at("due").get<std::int64_t>();
  e.throttle_delay_ms = j.at("throttle").get<std::int64_t>();
  return e;
}

// The event or response as JSON inside a record: parsed where it parses, else its text.
json embedded(const std::string& text) {
  std::optional<json> parsed = core::parse_json_within(text, max_read_nesting);
  return parsed ? std::move(*parsed) : json(text);
}

// errorMessage of an error payload, for the dead-letter queue's ErrorMessage attribute.
std::string error_message_of(const std::string& payload) {
  const json parsed = core::parse_json_within(payload, max_read_nesting).value_or(json());
  std::string message = parsed.is_object() ? parsed.value("errorMessage", payload) : payload;
  if (message.size() > dead_letter_message_bytes) message.resize(dead_letter_message_bytes);
  return message;
}

// "arn:aws:sqs:<region>:<account>:<name>" -> (region, account, name); nullopt for anything else.
struct queue_ref {
  std::string region;
  std::string account;
  std::string name;
};
std::optional<queue_ref> sqs_queue(std::string_view arn) {
  constexpr std::string_view prefix = "arn:aws:sqs:";
  if (arn.substr(0, prefix.size()) != prefix) return std::nullopt;
  arn.remove_prefix(prefix.size());
  const auto colon1 = arn.find(':');
  if (colon1 == std::string_view::npos) return std::nullopt;
  const auto colon2 = arn.find(':', colon1 + 1);
  if (colon2 == std::string_view::npos || colon2 + 1 >= arn.size()) return std::nullopt;
  return queue_ref{std::string(arn.substr(0, colon1)),
                   std::string(arn.substr(colon1 + 1, colon2 - colon1 - 1)),
                   std::string(arn.substr(colon2 + 1))};
}

}  // namespace

void service_impl::load_events() {
  storage::scan_range range;
  range.lower = "e";
  range.upper = "f";
  auto it = db_.scan(storage::column::lambda, range);
  for (; it->valid(); it->next()) {
    std::string_view key = it->key();
    key.remove_prefix(1);
    std::uint64_t seq = 0;
    if (!storage::key::read_u64(key, seq)) continue;
    async_event event = decode_event(seq, json::parse(it->value()));
    next_event_seq_ = std::max(next_event_seq_, seq + 1);
    schedule_event(event);
    events_.emplace(seq, std::move(event));
  }
  if (const storage::status state = it->state(); !state.is_ok()) {
    throw std::runtime_error("cannot read pending Lambda invocations: " + state.message());
  }
}

void service_impl::enqueue_event(const function_record& fn, std::string request_id, std::string payload) {
  async_event event;
  event.seq = next_event_seq_;
  event.request_id = std::move(request_id);
  event.function_key = fn.key();
  event.payload = std::move(payload);
  event.enqueued_ms = now_ms();
  event.due_ms = event.enqueued_ms;
  event.throttle_delay_ms = first_throttle_delay_ms;
  storage::write_batch batch;
  batch.put(storage::column::lambda, event_key(event.seq), encode_event(event).dump());
  commit(batch);
  ++next_event_seq_;
  schedule_event(event);
  events_.emplace(event.seq, std::move(event));
}

void service_impl::schedule_event(const async_event& event) {
  auto id = std::make_shared<core::scheduler::entry_id>(0);
  // The entry reads *id inside the service, which it enters only once we release mutex_.
  *id = scheduler_.schedule_at(core::time_point{std::chrono::milliseconds(event.due_ms)},
                               [life = lifetime_, id, seq = event.seq] {
                                 with_service(life, [&](service_impl& self) {
                                   {
                                     std::lock_guard lock(self.mutex_);
                                     self.entries_.erase(*id);
                                   }
                                   self.on_event_due(seq);
                                 });
                               });
  entries_.insert(*id);
}

void service_impl::on_event_due(std::uint64_t seq) {
  std::vector<delivery> deliveries;
  function_config config;
  invocation call;
  bool finished = false;
  {
    std::lock_guard lock(mutex_);
    const auto it = events_.find(seq);
    if (it == events_.end()) return;
    async_event& event = it->second;
    const auto fn_it = functions_.find(event.function_key);
    if (fn_it == functions_.end()) {
      // The function was deleted: its events go with it.
      storage::write_batch batch;
      batch.erase(storage::column::lambda, event_key(seq));
      commit(batch);
      events_.erase(it);
      return;
    }
    const function_record& fn = fn_it->second;
    const std::int64_t max_age_ms = 1000 * (fn.invoke_config && fn.invoke_config->maximum_event_age_seconds
                                                ? *fn.invoke_config->maximum_event_age_seconds
                                                : default_max_event_age_seconds);
    const bool too_old = now_ms() - event.enqueued_ms >= max_age_ms;
    const bool zero_concurrency = fn.reserved_concurrency && *fn.reserved_concurrency == 0;
    if (too_old || zero_concurrency) {
      finish_event(event, fn, too_old ? "EventAgeExceeded" : "ZeroReservedConcurrency", nullptr, deliveries);
      finished = true;
    } else if (!acquire_slot(fn)) {
      // Throttled: not an attempt; wait and try again.
      event.due_ms = now_ms() + event.throttle_delay_ms;
      event.throttle_delay_ms = std::min(event.throttle_delay_ms * 2, max_throttle_delay_ms);
      storage::write_batch batch;
      batch.put(storage::column::lambda, event_key(seq), encode_event(event).dump());
      commit(batch);
      schedule_event(event);
      return;
    } else {
      config = config_of(fn);
      call = new_invocation(fn, event.request_id, event.payload);
    }
  }
  if (finished) {
    for (delivery& d : deliveries) send_to_queue(std::move(d));
    return;
  }
  if (options_.wait_for_invocations) {
    // The clock stands still until the handler is done (see service_options).
    std::mutex m;
    std::condition_variable arrived;
    std::optional<invocation_outcome> outcome;
    run_invocation(config, std::move(call), [&](invocation_outcome o) {
      std::lock_guard lock(m);
      outcome = std::move(o);
      arrived.notify_all();
    });
    std::unique_lock lock(m);
    arrived.wait(lock, [&] { return outcome.has_value(); });
    invocation_outcome done = std::move(*outcome);
    lock.unlock();
    on_event_done(seq, done);
    return;
  }
  run_invocation(config, std::move(call), [life = lifetime_, seq](invocation_outcome outcome) {
    with_service(life, [&](service_impl& self) { self.on_event_done(seq, outcome); });
  });
}

void service_impl::on_event_done(std::uint64_t seq, const invocation_outcome& outcome) {
  std::vector<delivery> deliveries;
  {
    std::lock_guard lock(mutex_);
    const auto it = events_.find(seq);
    if (it == events_.end()) return;
    async_event& event = it->second;
    release_slot(event.function_key);
    const auto fn_it = functions_.find(event.function_key);
    if (fn_it == functions_.end()) {
      events_.erase(it);  // deleted while it ran; erase_function dropped it from storage
      return;
    }
    const function_record& fn = fn_it->second;
    keep_log(fn, outcome.log);
    ++event.attempts;
    const int max_retries = fn.invoke_config && fn.invoke_config->maximum_retry_attempts
                                ? *fn.invoke_config->maximum_retry_attempts
                                : default_max_retry_attempts;
    if (outcome.kind == outcome_kind::success) {
      finish_event(event, fn, "Success", &outcome, deliveries);
    } else if (event.attempts <= max_retries) {
      event.due_ms = now_ms() + (event.attempts == 1 ? first_retry_delay_ms : second_retry_delay_ms);
      storage::write_batch batch;
      batch.put(storage::column::lambda, event_key(seq), encode_event(event).dump());
      commit(batch);
      schedule_event(event);
    } else {
      finish_event(event, fn, "RetriesExhausted", &outcome, deliveries);
    }
  }
  for (delivery& d : deliveries) send_to_queue(std::move(d));
}

void service_impl::finish_event(const async_event& event, const function_record& fn,
                                std::string_view condition, const invocation_outcome* outcome,
                                std::vector<delivery>& deliveries) {
  const bool success = condition == "Success";
  // The invocation record (the developer guide's example, version 1.0).
  json record = {{"version", "1.0"},
                 {"timestamp", core::format_iso8601_millis(clock_.now()) + "Z"},
                 {"requestContext",
                  {{"requestId", event.request_id},
                   {"functionArn", fn.arn() + ":$LATEST"},
                   {"condition", condition},
                   {"approximateInvokeCount", event.attempts}}},
                 {"requestPayload", embedded(event.payload)}};
  if (outcome != nullptr) {
    json response_context = {{"statusCode", 200}, {"executedVersion", "$LATEST"}};
    if (!success) response_context["functionError"] = "Unhandled";
    record["responseContext"] = std::move(response_context);
    record["responsePayload"] = embedded(outcome->payload);
  }
  const std::string destination =
      fn.invoke_config ? (success ? fn.invoke_config->on_success : fn.invoke_config->on_failure)
                       : std::string();
  if (!destination.empty()) {
    deliveries.push_back({fn.region, fn.account, destination, json{{"MessageBody", record.dump()}}});
  }
  if (!success && !fn.dead_letter_arn.empty()) {
    // The event as it was, with the attributes AWS recorded: RequestID, ErrorCode (the status),
    // ErrorMessage (the first 1 KB of the error message).
    const std::string message =
        outcome != nullptr ? error_message_of(outcome->payload) : std::string(condition);
    deliveries.push_back({fn.region, fn.account, fn.dead_letter_arn,
                          json{{"MessageBody", event.payload},
                               {"MessageAttributes",
                                {{"RequestID", {{"DataType", "String"}, {"StringValue", event.request_id}}},
                                 {"ErrorCode", {{"DataType", "Number"}, {"StringValue", "200"}}},
                                 {"ErrorMessage", {{"DataType", "String"}, {"StringValue", message}}}}}}});
  }
  storage::write_batch batch;
  batch.erase(storage::column::lambda, event_key(event.seq));
  commit(batch);
  events_.erase(event.seq);
}

void service_impl::send_to_queue(delivery d) {
  const std::optional<queue_ref> queue = sqs_queue(d.queue_arn);
  if (!queue) {
    core::log_error("lambda: cannot deliver to " + d.queue_arn +
                    ": fogbank delivers destinations to SQS queues only");
    return;
  }
  core::call_context context = client_.default_context();
  context.region = queue->region;
  context.account_id = queue->account;
  // The service finds the queue by the URL's last two segments, whatever the host.
  d.message["QueueUrl"] = "http://localhost:4566/" + queue->account + "/" + queue->name;
  const core::call_result sent = client_.call("sqs", "SendMessage", d.message, context);
  if (sent.error) {
    core::log_error("lambda: cannot deliver to " + d.queue_arn + ": " + std::string(sent.error->name()) +
                    ": " + sent.error->message());
  }
}

}  // namespace fogbank::lambda
