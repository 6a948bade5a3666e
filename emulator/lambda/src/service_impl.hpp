#pragma once
// The Lambda service's private state: functions (kept in RocksDB and in memory), the asynchronous
// invocations waiting for their turn, the invocations in flight per function, and recent logs.
// The operations are member functions, split over ops_*.cpp by area; asynchronous invocations are
// in async_events.cpp.
//
// Concurrency: one mutex (mutex_) guards all state. Handlers never run under it: an invocation
// takes what it needs (a function_config, a concurrency slot) under the lock, runs in its host
// without it, and takes the lock again to record its outcome, so a handler may call any service,
// this one included.

#include "event_source_mapping.hpp"
#include "fogbank/core/aws_error.hpp"
#include "fogbank/core/clock.hpp"
#include "fogbank/core/ids.hpp"
#include "fogbank/core/scheduler.hpp"
#include "fogbank/dispatch/client.hpp"
#include "fogbank/lambda/function.hpp"
#include "fogbank/lambda/service.hpp"
#include "fogbank/storage/database.hpp"
#include "function_record.hpp"

#include <nlohmann/json.hpp>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace fogbank::lambda {

using json = nlohmann::json;

// Limits, from the Lambda developer guide's quotas and AWS's recorded answers.
// "6291478 byte payload is too large for the RequestResponse invocation type (limit 6291456 bytes)".
inline constexpr std::size_t max_sync_payload_bytes = 6'291'456;
// Asynchronous payloads: 1 MB since the 2025 raise from 256 KB (the exact byte count is
// unconfirmed; 1 MiB as SQS's new limit is).
inline constexpr std::size_t max_async_payload_bytes = 1'048'576;
// A response over this is Function.ResponseSizeTooLarge (6 MB plus the 100 bytes of slack the
// runtime interface emulator allows, as LocalStack's fork does to match AWS).
inline constexpr std::size_t max_response_bytes = 6'291'456 + 100;
// X-Amz-Log-Result: "The last 4 KB of the execution log, which is base64-encoded."
inline constexpr std::size_t log_result_bytes = 4096;
// How deep a handler's response (or a message body) may nest when fogbank reads it as JSON
// (partial batch responses, destination records, filters): the same bound as Invoke's payload.
// Anything deeper is read as not JSON, before any recursion over it.
inline constexpr int max_read_nesting = 512;
// What recent_logs() keeps per function.
inline constexpr std::size_t kept_log_bytes = 64 * 1024;
// ListFunctions "returns a maximum of 50 items in each response, even if you set the number higher".
inline constexpr int list_page_size = 50;
// An account's concurrency, of which Lambda keeps 100 unreserved ("Specified
// ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution
// below its minimum value of [100].").
inline constexpr int account_concurrency = 1000;
inline constexpr int min_unreserved_concurrency = 100;
// Asynchronous invocation: two retries, one minute and then two minutes apart; events older than
// six hours are dropped (MaximumEventAgeInSeconds 60-21600, default 21600); a throttled event is
// retried from one second, doubling, up to five minutes apart (the developer guide's
// "Asynchronous invocation").
inline constexpr int default_max_retry_attempts = 2;
inline constexpr std::int64_t default_max_event_age_seconds = 21'600;
inline constexpr std::int64_t first_retry_delay_ms = 60'000;
inline constexpr std::int64_t second_retry_delay_ms = 120'000;
inline constexpr std::int64_t first_throttle_delay_ms = 1'000;
inline constexpr std::int64_t max_throttle_delay_ms = 300'000;
// The dead-letter queue's ErrorMessage attribute: "the first 1 KB of the error message".
inline constexpr std::size_t dead_letter_message_bytes = 1024;
// Event source mappings: a mapping that cannot take a concurrency slot of its function tries
// again this much later; a stream batch that failed is retried after a delay that starts here
// and doubles up to the maximum (Lambda "retries with exponential backoff"; the numbers are
// fogbank's, so that a manual clock moves through retries in bounded steps).
inline constexpr std::int64_t mapping_throttle_delay_ms = 1'000;
inline constexpr std::int64_t first_stream_retry_delay_ms = 1'000;
inline constexpr std::int64_t max_stream_retry_delay_ms = 60'000;

// One of a stream mapping's concurrent batchers (ParallelizationFactor of them, stream_poller.cpp):
// the records of an item always go to the same batcher, which has at most one batch in flight.
struct stream_batcher {
  bool busy = false;  // its batch is being handled
  // A batch that keeps failing: attempts so far, and its size after bisecting (0: the mapping's
  // BatchSize).
  int attempts = 0;
  int batch_limit = 0;
  std::int64_t retry_delay_ms = first_stream_retry_delay_ms;
  // A failed batch waits for its retry: polls before then take nothing from this batcher.
  std::int64_t hold_until_ms = 0;
};

// The batcher of stream record `record` among `count` (stream_poller.cpp): its item's key (Keys,
// whose members nlohmann's JSON writes in name order) hashed with 64-bit FNV-1a, the same on
// every platform and run.
std::size_t batcher_of(const nlohmann::json& record, std::size_t count);

// What an event source mapping is doing now (not stored).
struct mapping_state {
  int running = 0;     // batches being read or handled (a stream's: at most one per batcher)
  bool again = false;  // a wake-up came while at the limit: poll once more when one is done
  // SQS and stream batching window: when the batch being gathered goes, once started.
  std::optional<std::int64_t> window_ends_ms;
  std::uint64_t subscription = 0;  // the stream wake-up subscription, or 0
  // Streams: the batchers, and the sequence numbers past the checkpoint that batchers have
  // handled already (the checkpoint moves over them once every record before them is handled).
  std::vector<stream_batcher> batchers;
  std::set<std::string> handled;
  // The pending look-again for what no call announces (messages in flight with others, a queue's
  // own delay): one per mapping, so that such wake-ups never multiply.
  std::optional<std::int64_t> recheck_ms;
};

// An asynchronous invocation waiting for its (next) attempt.
struct async_event {
  std::uint64_t seq = 0;  // order of arrival; the storage key
  std::string request_id;
  std::string function_key;  // function_record::key()
  std::string payload;       // the event, JSON text
  int attempts = 0;          // attempts that reached the function and failed
  std::int64_t enqueued_ms = 0;
  std::int64_t due_ms = 0;
  std::int64_t throttle_delay_ms = 0;  // the next wait after a throttle
};

// What Invoke takes from its request, validated.
struct invoke_request {
  std::string function_key;
  std::string invocation_type = "RequestResponse";
  bool tail = false;
  std::string payload;
  std::string client_context;  // decoded JSON text, or empty
};

class service_impl {
 public:
  service_impl(storage::database& db, core::clock& clock, core::scheduler& scheduler, core::id_generator& ids,
               core::id_generator& request_ids, const dispatch::client& client, service_options options);
  ~service_impl();

  using operation = json (service_impl::*)(const json& request, const core::call_context& context);
  static const operation* find_operation(std::string_view name);

  std::size_t function_count() const;
  int invocations_in_flight() const;
  json recent_logs() const;
  json metrics() const;

  // ---- functions (ops_functions.cpp) ----
  json create_function(const json& request, const core::call_context& context);
  json get_function(const json& request, const core::call_context& context);
  json get_function_configuration(const json& request, const core::call_context& context);
  json list_functions(const json& request, const core::call_context& context);
  json update_function_code(const json& request, const core::call_context& context);
  json update_function_configuration(const json& request, const core::call_context& context);
  json delete_function(const json& request, const core::call_context& context);
  // The code `code` (CreateFunction's Code, or UpdateFunctionCode's request) names, unpacked or
  // checked; `operation` names the call in the request-size error.
  struct prepared_code {
    code_kind kind = code_kind::zip;
    std::string sha256;
    std::int64_t size = 0;
    std::string dir;
  };
  prepared_code prepare_code(const json& code, std::string_view operation);
  // Sets fn's configuration members present in `request` (CreateFunction and
  // UpdateFunctionConfiguration share them), validated.
  void apply_configuration(function_record& fn, const json& request);

  // ---- settings (ops_settings.cpp) ----
  json put_function_concurrency(const json& request, const core::call_context& context);
  json get_function_concurrency(const json& request, const core::call_context& context);
  json delete_function_concurrency(const json& request, const core::call_context& context);
  json add_permission(const json& request, const core::call_context& context);
  json remove_permission(const json& request, const core::call_context& context);
  json get_policy(const json& request, const core::call_context& context);
  json put_function_event_invoke_config(const json& request, const core::call_context& context);
  json update_function_event_invoke_config(const json& request, const core::call_context& context);
  json get_function_event_invoke_config(const json& request, const core::call_context& context);
  json delete_function_event_invoke_config(const json& request, const core::call_context& context);
  json list_function_event_invoke_configs(const json& request, const core::call_context& context);
  json tag_resource(const json& request, const core::call_context& context);
  json untag_resource(const json& request, const core::call_context& context);
  json list_tags(const json& request, const core::call_context& context);

  // ---- Invoke (ops_invoke.cpp) ----
  // Runs an Invoke and calls `done` once; may complete later (see service::call). Throws
  // aws_error for a request refused before any handler runs (`done` then untouched).
  void invoke(const json& request, const core::call_context& context, core::call_completion& done);
  // Runs one invocation of `config` in the first host that runs it (or answers the no-host error)
  // and calls `done` with its outcome, on whichever thread the host completes on. Without the lock.
  void run_invocation(const function_config& config, invocation call,
                      std::function<void(invocation_outcome)> done);
  // Takes a concurrency slot of `fn`: false when its limit is reached (a throttle, counted for
  // metrics()). Requires mutex_.
  bool acquire_slot(const function_record& fn);
  void release_slot(const std::string& function_key);
  int concurrency_limit(const function_record& fn) const;
  // Keeps `log` in the function's recent logs and writes it to the server log. Requires mutex_.
  void keep_log(const function_record& fn, const std::string& log);
  function_config config_of(const function_record& fn) const;
  invocation new_invocation(const function_record& fn, std::string request_id, std::string payload);

  // ---- asynchronous invocations (async_events.cpp) ----
  // Queues an Event invocation (stored before Invoke answers 202). Requires mutex_.
  void enqueue_event(const function_record& fn, std::string request_id, std::string payload);
  // Schedules `event` for its due time. Requires mutex_.
  void schedule_event(const async_event& event);
  // The scheduler entry of event `seq`.
  void on_event_due(std::uint64_t seq);
  // An attempt of event `seq` ended.
  void on_event_done(std::uint64_t seq, const invocation_outcome& outcome);
  // A message for a destination or dead-letter queue.
  struct delivery {
    std::string region;
    std::string account;
    std::string queue_arn;
    json message;  // the SendMessage request, QueueUrl filled in by send_to_queue
  };
  // Ends `event` with `condition` ("Success", "RetriesExhausted", "EventAgeExceeded",
  // "ZeroReservedConcurrency"): adds its destination record and dead-letter message to
  // `deliveries` and forgets it. `outcome` is its last attempt's, or nullptr if none ran.
  // Requires mutex_; `event` is gone afterwards.
  void finish_event(const async_event& event, const function_record& fn, std::string_view condition,
                    const invocation_outcome* outcome, std::vector<delivery>& deliveries);
  // Sends a message to its queue through the in-process client. Without the lock.
  void send_to_queue(delivery d);
  void load_events();

  // ---- event source mappings (ops_mappings.cpp, sqs_poller.cpp, stream_poller.cpp) ----
  json create_event_source_mapping(const json& request, const core::call_context& context);
  json get_event_source_mapping(const json& request, const core::call_context& context);
  json list_event_source_mappings(const json& request, const core::call_context& context);
  json update_event_source_mapping(const json& request, const core::call_context& context);
  json delete_event_source_mapping(const json& request, const core::call_context& context);
  mapping_record& find_mapping(const json& request);
  void store_mapping(const mapping_record& m);
  void load_mappings();
  // Starts what a mapping needs to hear of new records (a stream subscription) and polls it
  // once. Requires mutex_.
  void start_mapping(const mapping_record& m);
  void stop_mapping(const std::string& uuid);
  // Polls mapping `uuid` at `at_ms` (a scheduler entry; one per mapping and instant). Takes
  // only wake_mutex_: callable from any thread, under any other service's lock.
  void wake_mapping(const std::string& uuid, std::int64_t at_ms);
  // Wakes mapping `uuid` at `at_ms` unless a look-again is already due by then. Without the lock.
  void recheck_mapping(const std::string& uuid, std::int64_t at_ms);
  // The scheduler entry of a wake-up.
  void poll_mapping(const std::string& uuid);
  // What an SQS call that may make messages visible (SendMessage, ChangeMessageVisibility, ...)
  // wakes once it succeeds: the mappings of `queue` ("<region>/<account>/<name>"), after each of
  // `delays_s` seconds (0, and every DelaySeconds or VisibilityTimeout the request names). Worked
  // out before the call, so that the request need not be kept until it completes.
  struct queue_wake {
    std::string queue;
    std::vector<std::int64_t> delays_s;  // ascending, without repeats
  };
  // nullopt for a request that names no queue.
  static std::optional<queue_wake> queue_wake_of(const core::call_context& context,
                                                 std::string_view operation, const json& request);
  // Wakes the mappings of wake.queue when its messages may be received. Takes only wake_mutex_.
  void queue_activity(const queue_wake& wake);
  // One poll of an SQS mapping / a stream mapping, `m` and `fn` as they stood when it began (it
  // counts as one of the mapping's batches in flight and holds a concurrency slot of the
  // function). Without the lock.
  void poll_queue(const mapping_record& m, const function_record& fn);
  void poll_stream(const mapping_record& m, const function_record& fn);
  // Runs a mapping's batch in its function and hands the outcome to `then` (on this thread when
  // invocations are waited for, else on the host's). Without the lock.
  void invoke_batch(const mapping_record& m, const function_record& fn, const json& event,
                    std::function<void(service_impl&, const invocation_outcome&)> then);
  // Ends a poll: releases the slot, counts its batch out and polls again now if `more` or a
  // wake-up came meanwhile. Without the lock.
  void end_poll(const mapping_record& m, bool more);
  // How many batches of `m` may be in flight at once.
  static int batches_in_flight(const mapping_record& m);
  // For a mapping that may have more than one batch in flight: polls again now, beside the batch
  // about to run (a full batch suggests more are waiting). Without the lock.
  void poll_again_beside(const mapping_record& m);
  // MaximumBatchingWindowInSeconds, for both sources: a batch `short_of_batch_size` opens the
  // window (a wake-up at its end) and waits while it is open; true if the poll must end now
  // (the caller returns after end_poll). Otherwise the window is closed for the next batch.
  // Without the lock.
  bool gathering_batch(const mapping_record& m, bool short_of_batch_size);

  // ---- shared helpers (service.cpp) ----
  // The function `request`'s FunctionName names (name, ARN or partial ARN; only $LATEST), or
  // ResourceNotFoundException. Requires mutex_.
  function_record& find_function(const json& request, const core::call_context& context);
  std::string key_of(const json& request, const core::call_context& context) const;
  void store_function(const function_record& fn);
  void erase_function(const function_record& fn);
  void commit(storage::write_batch& batch);
  std::string now_timestamp() const;  // LastModified: "2024-01-01T00:00:00.000+0000"
  std::int64_t now_ms() const { return clock_.epoch_millis(); }
  // Work an operation leaves for after the lock is released (service::call does it): hosts'
  // retire() may wait for invocations in flight, whose handlers may call this service.
  struct after_unlock {
    std::vector<std::string> retire;       // function names whose warm workers must go
    std::vector<std::string> remove_code;  // code directories no function uses any more
  };
  after_unlock after_unlock_;
  // Does what after_unlock_ holds. Without the lock.
  void finish_after_unlock();

  storage::database& db_;
  core::clock& clock_;
  core::scheduler& scheduler_;
  core::id_generator& ids_;
  core::id_generator& request_ids_;
  const dispatch::client& client_;
  service_options options_;

  mutable std::mutex mutex_;
  std::map<std::string, function_record> functions_;  // by key()
  std::map<std::string, int> in_flight_;              // by key()
  std::map<std::uint64_t, async_event> events_;       // by seq
  std::uint64_t next_event_seq_ = 1;
  std::map<std::string, std::string> logs_;  // by "<region>/<name>"
  // Invocations that took a slot and those throttled, since the start (metrics()).
  struct invocation_counts {
    std::uint64_t invocations = 0;
    std::uint64_t throttles = 0;
  };
  std::map<std::string, invocation_counts> counts_;      // by "<region>/<name>"
  std::map<std::string, mapping_record> mappings_;       // by UUID
  std::map<std::string, mapping_state> mapping_states_;  // by UUID

  // Who to wake when a queue changes, and the wake-ups already scheduled. A lock of its own,
  // taken by SQS callers (queue_activity) and never held while calling out.
  std::mutex wake_mutex_;
  std::multimap<std::string, std::string> queue_watchers_;        // "<region>/<account>/<queue>" -> UUID
  std::set<std::pair<std::string, std::int64_t>> pending_wakes_;  // (UUID, due ms)

  // Scheduler entries and completions from hosts hold this, not the service, and reach the
  // service through with_service(). The destructor clears `impl` and waits until none is inside:
  // one that comes later does nothing. Nothing holds `mutex` while it works, so a completion may
  // run inside an entry (the in-process host answers at once) or on another thread while an
  // entry waits for it.
  struct lifetime {
    std::mutex mutex;
    std::condition_variable idle;
    service_impl* impl = nullptr;
    int active = 0;
  };
  std::shared_ptr<lifetime> lifetime_;
  // Runs `work(service)` if the service is still there; false if it is gone.
  static bool with_service(const std::shared_ptr<lifetime>& life,
                           const std::function<void(service_impl&)>& work);
  std::set<core::scheduler::entry_id> entries_;
};

// Throws an aws_error of `code` with `message`.
[[noreturn]] void fail(core::error_code code, std::string message);

}  // namespace fogbank::lambda
