// What every event source mapping's poll shares: wake-ups as scheduler entries (one per mapping
// and instant), how many batches a mapping has in flight (for a stream up to its
// ParallelizationFactor; for a queue up to ScalingConfig.MaximumConcurrency), the function's concurrency, and
// running a batch in the function. The SQS and stream specifics are in sqs_poller.cpp and stream_poller.cpp.

#include "fogbank/core/json_text.hpp"
#include "fogbank/core/log.hpp"
#include "service_impl.hpp"

#include <algorithm>
#include <limits>

namespace fogbank::lambda {
namespace {

// The SQS calls after which a message may be received, and when.
bool wakes_queue(std::string_view operation) {
  return operation == "SendMessage" || operation == "SendMessageBatch" ||
         operation == "ChangeMessageVisibility" || operation == "ChangeMessageVisibilityBatch";
}

// "<account>/<name>" of a QueueUrl ("http://host:port/<account>/<name>"), or empty.
std::string queue_path(const std::string& url) {
  const std::size_t last = url.rfind('/');
  if (last == std::string::npos || last == 0) return {};
  const std::size_t before = url.rfind('/', last - 1);
  if (before == std::string::npos) return {};
  return url.substr(before + 1);
}

// Passes every call on to SQS and tells the Lambda service of the ones that wake mappings. What
// they wake is worked out before the call: the completion then holds a queue name and a few
// numbers, not a copy of the request and its context (4 % of a SendMessage's CPU).
class sqs_watch final : public core::service {
 public:
  using queue_wake = service_impl::queue_wake;
  sqs_watch(core::service& sqs, std::function<void(const queue_wake&)> notify)
      : sqs_(sqs), notify_(std::move(notify)) {}

  void call(std::string_view operation, const json& request, const core::call_context& context,
            core::call_completion done) override {
    std::optional<queue_wake> wake;
    if (wakes_queue(operation)) wake = service_impl::queue_wake_of(context, operation, request);
    if (!wake) {
      sqs_.call(operation, request, context, std::move(done));
      return;
    }
    sqs_.call(operation, request, context,
              [this, wake = std::move(*wake), done = std::move(done)](core::call_result r) {
                const bool ok = r.ok();
                done(std::move(r));
                if (ok) notify_(wake);
              });
  }
  json health() const override { return sqs_.health(); }

 private:
  core::service& sqs_;
  std::function<void(const queue_wake&)> notify_;
};

}  // namespace

std::unique_ptr<core::service> service::watch_sqs(core::service& sqs) {
  return std::make_unique<sqs_watch>(sqs, [life = impl_->lifetime_](const service_impl::queue_wake& wake) {
    service_impl::with_service(life, [&](service_impl& self) { self.queue_activity(wake); });
  });
}

std::optional<service_impl::queue_wake> service_impl::queue_wake_of(const core::call_context& context,
                                                                    std::string_view operation,
                                                                    const json& request) {
  if (!request.is_object()) return std::nullopt;
  const auto url = request.find("QueueUrl");
  if (url == request.end() || !url->is_string()) return std::nullopt;
  queue_wake wake;
  wake.queue = context.region + "/" + queue_path(url->get<std::string>());
  // When what the call did becomes receivable: now, or after a delay or a visibility timeout.
  wake.delays_s.push_back(0);
  auto add_delay = [&](const json& entry, std::string_view member) {
    const auto it = entry.find(member);
    if (it != entry.end() && it->is_number_integer() && it->get<std::int64_t>() > 0) {
      wake.delays_s.push_back(it->get<std::int64_t>());
    }
  };
  const bool visibility = operation.rfind("ChangeMessageVisibility", 0) == 0;
  const std::string_view member = visibility ? "VisibilityTimeout" : "DelaySeconds";
  add_delay(request, member);
  if (const auto entries = request.find("Entries"); entries != request.end() && entries->is_array()) {
    for (const json& entry : *entries)
      if (entry.is_object()) add_delay(entry, member);
  }
  std::sort(wake.delays_s.begin(), wake.delays_s.end());
  wake.delays_s.erase(std::unique(wake.delays_s.begin(), wake.delays_s.end()), wake.delays_s.end());
  return wake;
}

void service_impl::queue_activity(const queue_wake& wake) {
  std::vector<std::string> uuids;
  {
    std::lock_guard lock(wake_mutex_);
    const auto [first, last] = queue_watchers_.equal_range(wake.queue);
    for (auto it = first; it != last; ++it) uuids.push_back(it->second);
  }
  const std::int64_t now = now_ms();
  for (const std::string& uuid : uuids)
    for (const std::int64_t delay : wake.delays_s) wake_mapping(uuid, now + delay * 1000);
}

void service_impl::wake_mapping(const std::string& uuid, std::int64_t at_ms) {
  {
    std::lock_guard lock(wake_mutex_);
    if (!pending_wakes_.emplace(uuid, at_ms).second) return;
  }
  scheduler_.schedule_at(core::time_point{std::chrono::milliseconds(at_ms)}, [life = lifetime_, uuid, at_ms] {
    with_service(life, [&](service_impl& self) {
      {
        std::lock_guard lock(self.wake_mutex_);
        self.pending_wakes_.erase({uuid, at_ms});
      }
      self.poll_mapping(uuid);
    });
  });
}

void service_impl::recheck_mapping(const std::string& uuid, std::int64_t at_ms) {
  {
    std::lock_guard lock(mutex_);
    mapping_state& state = mapping_states_[uuid];
    // One still to come (not the one running now) covers this one.
    if (state.recheck_ms && *state.recheck_ms > now_ms() && *state.recheck_ms <= at_ms) return;
    state.recheck_ms = at_ms;
  }
  wake_mapping(uuid, at_ms);
}

void service_impl::poll_mapping(const std::string& uuid) {
  mapping_record m;
  function_record fn;
  {
    std::lock_guard lock(mutex_);
    const auto it = mappings_.find(uuid);
    if (it == mappings_.end() || !it->second.enabled) return;
    mapping_state& state = mapping_states_[uuid];
    if (state.running >= batches_in_flight(it->second)) {
      state.again = true;
      return;
    }
    const auto f = functions_.find(it->second.function_key);
    if (f == functions_.end()) return;  // its function was deleted: nothing to invoke
    if (!acquire_slot(f->second)) {
      wake_mapping(uuid, now_ms() + mapping_throttle_delay_ms);
      return;
    }
    ++state.running;
    m = it->second;
    fn = f->second;
  }
  try {
    if (m.kind == source_kind::sqs)
      poll_queue(m, fn);
    else
      poll_stream(m, fn);
  } catch (const std::exception& e) {
    // A poll must never stop the scheduler; the next wake-up tries again.
    core::log_error("lambda: event source mapping " + uuid + " failed to poll: " + e.what());
    end_poll(m, false);
  }
}

int service_impl::batches_in_flight(const mapping_record& m) {
  // A queue's messages may be handled in any order (a FIFO queue keeps a group's in-flight
  // messages from other receivers by itself); a stream's go to ParallelizationFactor batchers,
  // each handling its records in order, one batch at a time (stream_poller.cpp).
  if (m.kind != source_kind::sqs) return std::max(1, m.parallelization_factor);
  return m.maximum_concurrency.value_or(std::numeric_limits<int>::max());
}

void service_impl::poll_again_beside(const mapping_record& m) {
  if (batches_in_flight(m) > 1) wake_mapping(m.uuid, now_ms());
}

void service_impl::invoke_batch(const mapping_record& m, const function_record& fn, const json& event,
                                std::function<void(service_impl&, const invocation_outcome&)> then) {
  invocation call;
  function_config config;
  {
    std::lock_guard lock(mutex_);
    call = new_invocation(fn, request_ids_.uuid(), core::to_json_text(event));
    config = config_of(fn);
  }
  auto record = [key = fn.key()](service_impl& self, const invocation_outcome& outcome) {
    std::lock_guard lock(self.mutex_);
    if (const auto it = self.functions_.find(key); it != self.functions_.end())
      self.keep_log(it->second, outcome.log);
  };
  if (options_.wait_for_invocations) {
    // The clock stands still until the handler is done (see service_options).
    std::mutex waiting;
    std::condition_variable arrived;
    std::optional<invocation_outcome> outcome;
    run_invocation(config, std::move(call), [&](invocation_outcome o) {
      std::lock_guard lock(waiting);
      outcome = std::move(o);
      arrived.notify_all();
    });
    std::unique_lock lock(waiting);
    arrived.wait(lock, [&] { return outcome.has_value(); });
    const invocation_outcome done = std::move(*outcome);
    lock.unlock();
    record(*this, done);
    then(*this, done);
    return;
  }
  run_invocation(config, std::move(call),
                 [life = lifetime_, m, record, then = std::move(then)](invocation_outcome outcome) {
                   with_service(life, [&](service_impl& self) {
                     // On the host's thread: nothing may escape, and the batch must end.
                     try {
                       record(self, outcome);
                       then(self, outcome);
                     } catch (const std::exception& e) {
                       core::log_error("lambda: event source mapping " + m.uuid +
                                       " failed after its batch: " + e.what());
                       self.end_poll(m, false);
                     }
                   });
                 });
}

bool service_impl::gathering_batch(const mapping_record& m, bool short_of_batch_size) {
  std::lock_guard lock(mutex_);
  mapping_state& state = mapping_states_[m.uuid];
  if (m.batching_window_seconds > 0 && short_of_batch_size) {
    if (!state.window_ends_ms) {
      state.window_ends_ms = now_ms() + 1000 * std::int64_t{m.batching_window_seconds};
      wake_mapping(m.uuid, *state.window_ends_ms);
    }
    if (now_ms() < *state.window_ends_ms) return true;
  }
  state.window_ends_ms.reset();
  return false;
}

void service_impl::end_poll(const mapping_record& m, bool more) {
  bool again = more;
  {
    std::lock_guard lock(mutex_);
    release_slot(m.function_key);
    const auto it = mapping_states_.find(m.uuid);
    if (it != mapping_states_.end()) {
      again = again || it->second.again;
      --it->second.running;
      it->second.again = false;
    }
  }
  if (again) wake_mapping(m.uuid, now_ms());
}

}  // namespace fogbank::lambda
