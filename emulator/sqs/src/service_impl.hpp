#pragma once
// The SQS service's private state: queues with an in-memory index of their messages (rebuilt
// from storage at start), parked long polls, and the operations, one member function per API
// operation split over ops_*.cpp by area.
//
// Concurrency: one mutex (mutex_) guards all state. Operations run under it; completions of
// other requests that an operation satisfies (a send that ends a long poll) are queued in
// outbox_ and run after the lock is released, so a completion may call dispatch() again.
// The work an operation does under it is bounded by the queues and SQS's limits (10 entries,
// 10 attributes, the queue's MaximumMessageSize), never by how large the request is: sizes and
// counts are checked before what they bound, and lists a client may make as long as its
// request (attribute names, tag keys) are read before the lock, into sorted sets (call()).

#include "fogbank/core/aws_error.hpp"
#include "fogbank/core/clock.hpp"
#include "fogbank/core/ids.hpp"
#include "fogbank/core/scheduler.hpp"
#include "fogbank/sqs/service.hpp"
#include "fogbank/storage/database.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace fogbank::sqs {

using json = nlohmann::json;

// Limits from the SQS developer guide ("Amazon SQS quotas") and the API reference.
inline constexpr std::int64_t max_message_bytes = 1'048'576;    // MaximumMessageSize ceiling and default
inline constexpr std::int64_t max_batch_bytes = 1'048'576;      // sum of a batch's messages
inline constexpr std::int64_t max_visibility_seconds = 43'200;  // 12 hours
inline constexpr std::int64_t max_delay_seconds = 900;          // 15 minutes
inline constexpr std::int64_t max_wait_seconds = 20;            // long poll
inline constexpr std::int64_t dedup_window_ms = 5 * 60 * 1000;  // FIFO deduplication interval
inline constexpr std::int64_t purge_interval_ms = 60 * 1000;    // one PurgeQueue per minute
inline constexpr std::size_t max_batch_entries = 10;
inline constexpr std::int64_t default_retention_seconds = 345'600;  // 4 days
inline constexpr std::int64_t default_visibility_seconds = 30;

struct message {
  std::uint64_t seq = 0;  // order of arrival in its queue; the storage key
  std::string id;
  std::string body;
  json attributes = json::object();         // MessageAttributes as sent
  json system_attributes = json::object();  // MessageSystemAttributes as sent (AWSTraceHeader)
  std::string md5_body;
  std::string group_id;
  std::string dedup_id;
  std::string sequence_number;
  std::string sender_id;
  std::string dead_letter_source_arn;
  std::int64_t sent_ms = 0;
  std::int64_t visible_at_ms = 0;  // hidden until then: delayed if never received, else in flight
  std::int64_t first_receive_ms = 0;
  std::int64_t last_receive_ms = 0;
  std::int64_t receive_count = 0;
  std::string receipt_handle;  // the newest one

  // Where the queue's receive indexes hold the message (message_index.cpp): kept by
  // index_message and unindex_message, never set elsewhere.
  bool indexed = false;
  bool indexed_hidden = false;     // in queue::hidden, under indexed_visible_at
  bool indexed_in_flight = false;  // counted in its group's in_flight
  std::int64_t indexed_visible_at = 0;

  bool visible(std::int64_t now_ms) const { return visible_at_ms <= now_ms; }
  bool in_flight(std::int64_t now_ms) const { return receive_count > 0 && !visible(now_ms); }
  bool delayed(std::int64_t now_ms) const { return receive_count == 0 && !visible(now_ms); }
};

struct dedup_record {
  std::string message_id;
  std::string sequence_number;
  std::string group_id;
  std::int64_t expires_ms = 0;
};

// A queue's RedrivePolicy, parsed.
struct redrive_policy {
  std::string dead_letter_target_arn;
  std::int64_t max_receive_count = 0;
};

// The attributes that sends, receives and expiry consult, typed. They are parsed once, when the
// attributes change (queue::update_attributes), not on every call.
struct queue_settings {
  std::int64_t delay_seconds = 0;
  std::int64_t maximum_message_size = max_message_bytes;
  std::int64_t retention_seconds = default_retention_seconds;
  std::int64_t receive_wait_seconds = 0;
  std::int64_t visibility_timeout_seconds = default_visibility_seconds;
  bool content_based_deduplication = false;
  bool deduplicate_per_group = false;  // DeduplicationScope=messageGroup
  std::optional<redrive_policy> redrive;
};

struct queue {
  std::uint64_t id = 0;
  std::string region;
  std::string account_id;
  std::string name;
  bool fifo = false;
  // Settable attributes, normalized as GetQueueAttributes returns them; defaults filled in.
  // Changed only through update_attributes(), which keeps `settings` in step with them.
  std::map<std::string, std::string> attributes;
  queue_settings settings;
  std::map<std::string, std::string> tags;
  std::int64_t created_s = 0;
  std::int64_t modified_s = 0;
  std::int64_t last_purge_ms = -1;
  // Earliest time a message or dedup record can expire; 0 = unknown, look (see expire()).
  std::int64_t next_expiry_ms = 0;
  std::uint64_t next_seq = 1;
  std::uint64_t next_sequence_number = 1;

  std::map<std::uint64_t, message> messages;
  std::unordered_map<std::string, std::uint64_t> seq_of_id;

  // Receive indexes over `messages` (message_index.cpp), so that what a receive does grows with
  // what it takes, not with the backlog. Visibility is as of the last promote_visible().
  // Hidden (delayed or in flight) messages by the time they become visible: (visible_at, seq).
  std::set<std::pair<std::int64_t, std::uint64_t>> hidden;
  // Standard queues: the visible messages, in arrival order.
  std::set<std::uint64_t> ready;
  // FIFO queues: each message group's messages in order, and how many of them are in flight.
  struct group_state {
    std::set<std::uint64_t> seqs;
    std::size_t in_flight = 0;
    std::uint64_t listed_head = 0;  // its entry in ready_groups, 0 if none (seqs start at 1)
  };
  std::unordered_map<std::string, group_state> groups;
  // FIFO queues: the groups a receive may take from (none in flight, oldest message visible),
  // by their oldest message: (its seq, group id).
  std::set<std::pair<std::uint64_t, std::string>> ready_groups;
  std::map<std::string, dedup_record> dedup;  // FIFO only
  std::deque<std::uint64_t> waiters;          // parked long polls, oldest first
  std::set<std::int64_t> wakes;               // times a scheduler entry will look at this queue

  std::string arn() const { return "arn:aws:sqs:" + region + ":" + account_id + ":" + name; }
  // Sets each of `changes` (an empty value unsets an optional attribute) and parses `settings`
  // afresh from the result (queue_attributes.cpp). Values are taken as validate_attributes()
  // normalized them, or as stored; a stored value that no longer parses leaves its default.
  void update_attributes(const std::map<std::string, std::string>& changes);
  // A copy of the queue's definition (everything stage_queue writes) without its messages,
  // deduplication records and parked polls: what an operation changes and writes before it
  // changes the queue itself, so that a failed write leaves the queue as it was.
  queue definition() const;
};

// Maintenance of a queue's receive indexes (message_index.cpp). Every change of a message's
// visible_at_ms or receive_count is followed by reindex_message; add_message and erase_message
// (service.cpp) index and unindex.
void index_message(queue& q, message& m, std::int64_t now_ms);
void unindex_message(queue& q, message& m);  // does nothing if `m` is not indexed
void reindex_message(queue& q, message& m, std::int64_t now_ms);
// Makes the hidden messages whose time has come visible in the indexes.
void promote_visible(queue& q, std::int64_t now_ms);
// Empties the indexes (PurgeQueue, with its messages).
void clear_index(queue& q);

// A list member of a request (attribute names, tag keys), read before the service's lock:
// sorted, each name once (string_set), or the error reading it gave, which the operation
// reports where it would have read the list itself (after QueueDoesNotExist and the like).
struct listed_names {
  std::vector<std::string> names;
  std::optional<core::aws_error> error;

  // The names, or throws the error.
  std::vector<std::string>& get();
};

// Parameters of one ReceiveMessage, parsed and validated.
struct receive_request {
  std::string queue_key;
  std::size_t max_messages = 1;
  std::optional<std::int64_t> visibility_timeout;
  std::int64_t wait_seconds = 0;
  std::vector<std::string> system_attribute_names;   // sorted, each once
  std::vector<std::string> message_attribute_names;  // sorted, each once
  std::string attempt_id;
  std::string sender_context_account;
};

struct waiter {
  receive_request request;
  core::call_completion done;
  core::scheduler::entry_id deadline = 0;
};

struct move_task_state {
  std::string handle;
  std::string source_arn;
  std::string destination_arn;
  std::optional<std::int64_t> max_per_second;
  std::string status;
  std::int64_t moved = 0;
  std::int64_t to_move = 0;
  std::int64_t started_ms = 0;
  std::string failure_reason;
};

class service_impl {
 public:
  service_impl(storage::database& database, core::clock& service_clock, core::scheduler& scheduler,
               core::id_generator& id_source);
  ~service_impl();

  using operation = json (service_impl::*)(const json& request, const request_context& context);
  static const operation* find_operation(std::string_view name);

  // Runs one operation under the service's lock. Returns the response body if the call is
  // answered now; nullopt if it parked a long poll, which then owns `done` (moved from). Throws
  // aws_error (and whatever else) for failures; `done` is then untouched.
  std::optional<json> call(std::string_view operation_name, const json& request,
                           const request_context& context, core::call_completion& done);
  // Number of queues. Takes no lock (the health endpoint asks for it).
  std::size_t queue_count() const { return queue_count_.load(); }

  // ---- queues (ops_queues.cpp) ----
  json create_queue(const json& request, const request_context& context);
  json get_queue_url(const json& request, const request_context& context);
  json list_queues(const json& request, const request_context& context);
  json delete_queue(const json& request, const request_context& context);
  // With its AttributeNames read before the lock (validated in request order, then as a set).
  json get_queue_attributes(const json& request, const request_context& context, listed_names names);
  json set_queue_attributes(const json& request, const request_context& context);
  json tag_queue(const json& request, const request_context& context);
  // With its TagKeys read before the lock.
  json untag_queue(const json& request, const request_context& context, listed_names keys);
  json list_queue_tags(const json& request, const request_context& context);
  json purge_queue(const json& request, const request_context& context);
  json list_dead_letter_source_queues(const json& request, const request_context& context);
  json add_permission(const json& request, const request_context& context);
  json remove_permission(const json& request, const request_context& context);

  // ---- messages (ops_send.cpp, ops_receive.cpp) ----
  json send_message(const json& request, const request_context& context);
  json send_message_batch(const json& request, const request_context& context);
  json delete_message(const json& request, const request_context& context);
  json delete_message_batch(const json& request, const request_context& context);
  json change_message_visibility(const json& request, const request_context& context);
  json change_message_visibility_batch(const json& request, const request_context& context);
  // Validates the Entries of a batch request (count, ids) and returns them. `entry_type` names
  // the entry shape in the EmptyBatchRequest message.
  const json& check_batch(const json& request, std::string_view entry_type);
  // Sends one message (SendMessage or a batch entry) and returns its result members.
  json send_one(queue& q, const json& entry, const request_context& context, storage::write_batch& batch,
                std::vector<message>& staged);
  void delete_one(queue& q, const std::string& handle);
  void change_visibility_one(queue& q, const std::string& handle, const json& timeout);
  // The attribute name lists of a ReceiveMessage (AttributeNames with MessageSystemAttributeNames,
  // and MessageAttributeNames), read before the lock.
  struct receive_names {
    listed_names system;
    listed_names message;
  };
  static receive_names read_receive_names(const json& request);
  // Validates a ReceiveMessage; the receive itself is receive_now().
  receive_request parse_receive(const json& request, const request_context& context, receive_names names);
  // Takes up to max_messages messages now (moving over-received ones to the DLQ). Empty if none.
  json receive_now(queue& q, const receive_request& request);

  // ---- move tasks (ops_move_tasks.cpp) ----
  json start_message_move_task(const json& request, const request_context& context);
  json list_message_move_tasks(const json& request, const request_context& context);
  json cancel_message_move_task(const json& request, const request_context& context);
  // Runs a started move task to completion (moves are immediate here; AWS paces them).
  void run_move_task(move_task_state& task);

  // ---- shared helpers (service.cpp) ----
  static std::string queue_key(std::string_view region, std::string_view account, std::string_view name);
  std::string queue_url(const queue& q, const request_context& context) const;
  // The queue a QueueUrl names; QueueDoesNotExist if none.
  queue& find_queue(const json& request, const request_context& context);
  queue* find_queue_by_arn(std::string_view arn);
  std::int64_t now_ms() const { return clock_.epoch_millis(); }

  // Removes messages past the retention period and dedup records past their window.
  void expire(queue& q);
  // Persistence of one queue's definition and of messages, into `batch`.
  void stage_queue(storage::write_batch& batch, const queue& q) const;
  void stage_message(storage::write_batch& batch, const queue& q, const message& m) const;
  void stage_message_erase(storage::write_batch& batch, const queue& q, std::uint64_t seq) const;
  void stage_dedup(storage::write_batch& batch, const queue& q, const std::string& id,
                   const dedup_record& r) const;
  void commit(storage::write_batch& batch);
  void erase_message(queue& q, std::uint64_t seq);  // index only
  void add_message(queue& q, message m);            // index only; schedules its wake-up

  // Arranges for the queue's long polls to be looked at when `at_ms` arrives.
  void schedule_wake(queue& q, std::int64_t at_ms);
  // Completes parked long polls that can now be served.
  void serve_waiters(queue& q);
  void on_wake(const std::string& key, std::int64_t at_ms);
  void on_deadline(std::uint64_t waiter_id);
  // Completes every waiter of `q` with an empty result (queue deleted or purged).
  void release_waiters(queue& q);
  // A receipt handle for `m` in `q`, and its parse: (queue ARN, message id) or nullopt.
  std::string make_receipt_handle(const queue& q, const message& m);
  static std::optional<std::pair<std::string, std::string>> parse_receipt_handle(std::string_view handle);

  // Moves a message from `source` to its dead-letter queue `target` (same id and body).
  void move_to_queue(queue& source, std::uint64_t seq, queue& target, storage::write_batch& batch,
                     bool mark_source);

  // Queues the answer to another caller's parked call; post_completions() hands what is queued
  // to the scheduler. Both require mutex_.
  void queue_completion(core::call_completion done, result r);
  void post_completions();

  storage::database& db_;
  core::clock& clock_;
  core::scheduler& scheduler_;
  core::id_generator& ids_;

  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<queue>> queues_;  // by queue_key
  std::atomic<std::size_t> queue_count_{0};               // queues_.size(), kept with it
  std::uint64_t next_queue_id_ = 1;
  std::map<std::uint64_t, waiter> waiters_;
  std::uint64_t next_waiter_id_ = 1;
  std::vector<std::pair<core::call_completion, result>> outbox_;

  std::vector<move_task_state> move_tasks_;

  struct receive_attempt {
    std::int64_t expires_ms = 0;
    std::vector<std::pair<std::uint64_t, std::string>> messages;  // seq, receipt handle
  };
  std::map<std::string, receive_attempt> receive_attempts_;  // by queue key + attempt id

  // Scheduler entries hold this, not the service: the destructor clears `impl` under `mutex`,
  // so an entry that runs later does nothing.
  struct lifetime {
    std::mutex mutex;
    service_impl* impl = nullptr;
  };
  std::shared_ptr<lifetime> lifetime_;
  std::set<core::scheduler::entry_id> entries_;
};

}  // namespace fogbank::sqs
