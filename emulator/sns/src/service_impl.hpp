#pragma once
// The SNS service's private state: topics and subscriptions (kept in RocksDB, mirrored here), the
// deliveries accepted and not yet made, and the operations, one member function per API operation
// split over ops_*.cpp by area.
//
// Concurrency: one mutex (mutex_) guards all state. Operations run under it. A delivery is a
// scheduler entry that copies what it needs under the lock, calls SQS or Lambda through the
// in-process client without it (a handler a delivery runs may publish again), and takes the lock
// again to forget the delivery.

#include "fogbank/core/aws_error.hpp"
#include "fogbank/core/clock.hpp"
#include "fogbank/core/ids.hpp"
#include "fogbank/core/scheduler.hpp"
#include "fogbank/dispatch/client.hpp"
#include "fogbank/sns/service.hpp"
#include "fogbank/storage/database.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace fogbank::sns {

using json = nlohmann::json;
using request_context = core::call_context;

// Limits from the SNS API reference and developer guide ("Amazon SNS quotas").
inline constexpr std::size_t max_message_bytes = 262'144;  // message plus attributes, 256 KiB
inline constexpr std::size_t max_batch_entries = 10;       // PublishBatch
inline constexpr std::size_t max_batch_entry_id = 80;      // PublishBatchRequestEntry.Id
inline constexpr std::size_t max_subject_chars = 100;      // Publish's Subject
inline constexpr std::size_t max_attribute_name_bytes = 256;
inline constexpr std::size_t page_size = 100;                   // ListTopics, ListSubscriptions*
inline constexpr std::int64_t dedup_window_ms = 5 * 60 * 1000;  // FIFO topics' deduplication interval
inline constexpr std::size_t max_tags = 50;                     // tags per topic

[[noreturn]] void invalid(const std::string& message);

struct dedup_record {
  std::string message_id;
  std::string sequence_number;
  std::int64_t expires_ms = 0;
};

struct topic {
  std::string region;
  std::string account_id;
  std::string name;
  bool fifo = false;
  // Attributes set by CreateTopic or SetTopicAttributes, as given (FifoTopic, ContentBasedDeduplication
  // and the read-only ones are made up by GetTopicAttributes).
  std::map<std::string, std::string> attributes;
  std::map<std::string, std::string> tags;
  std::uint64_t next_sequence = 1;
  std::uint64_t subscriptions_deleted = 0;
  // FIFO: deduplication ids seen in the last five minutes (kept in memory only: a restart forgets
  // them).
  std::map<std::string, dedup_record> dedup;

  std::string arn() const { return "arn:aws:sns:" + region + ":" + account_id + ":" + name; }
  bool content_based_deduplication() const;
};

struct subscription {
  std::string arn;
  std::string topic_arn;
  std::string protocol;
  std::string endpoint;
  std::string owner;
  bool pending = false;
  // RawMessageDelivery (normalized to true/false), FilterPolicy, FilterPolicyScope, RedrivePolicy,
  // DeliveryPolicy, SubscriptionRoleArn, ReplayPolicy as set.
  std::map<std::string, std::string> attributes;
  json filter = nullptr;  // FilterPolicy, parsed (null: none)

  bool raw() const;
  bool body_scope() const;
  std::string dead_letter_arn() const;
};

// One accepted (message, subscription) delivery not yet made: what the endpoint will receive is
// made from it when it runs.
struct delivery {
  std::uint64_t seq = 0;
  std::string subscription_arn;
  std::string message_id;
  std::string topic_arn;
  std::optional<std::string> subject;
  std::string message;  // for this subscription's protocol (MessageStructure json resolved)
  json attributes;      // MessageAttributes as published
  std::int64_t timestamp_ms = 0;
  std::string group_id;          // FIFO topics
  std::string deduplication_id;  // FIFO topics: given, or the content's SHA-256
  std::string sequence_number;   // FIFO topics
  std::string endpoint;          // "scheme://host:port" the publisher addressed (UnsubscribeURL)
};

class service_impl {
 public:
  service_impl(storage::database& database, core::clock& clock, core::scheduler& scheduler,
               core::id_generator& ids, const dispatch::client& client);
  ~service_impl();

  using operation = json (service_impl::*)(const json& request, const request_context& context);
  static const operation* find_operation(std::string_view name);

  // Runs one operation under the lock and schedules the deliveries it accepted. Throws aws_error.
  json call(std::string_view operation_name, const json& request, const request_context& context);

  std::size_t topic_count() const { return topic_count_.load(); }
  std::size_t subscription_count() const { return subscription_count_.load(); }

  // ---- topics (ops_topics.cpp) ----
  json create_topic(const json& request, const request_context& context);
  json delete_topic(const json& request, const request_context& context);
  json list_topics(const json& request, const request_context& context);
  json get_topic_attributes(const json& request, const request_context& context);
  json set_topic_attributes(const json& request, const request_context& context);
  json tag_resource(const json& request, const request_context& context);
  json untag_resource(const json& request, const request_context& context);
  json list_tags_for_resource(const json& request, const request_context& context);

  // ---- subscriptions (ops_subscriptions.cpp) ----
  json subscribe(const json& request, const request_context& context);
  json unsubscribe(const json& request, const request_context& context);
  json confirm_subscription(const json& request, const request_context& context);
  json list_subscriptions(const json& request, const request_context& context);
  json list_subscriptions_by_topic(const json& request, const request_context& context);
  json get_subscription_attributes(const json& request, const request_context& context);
  json set_subscription_attributes(const json& request, const request_context& context);

  // ---- publishing (ops_publish.cpp) ----
  json publish(const json& request, const request_context& context);
  json publish_batch(const json& request, const request_context& context);
  // After a publish's write committed: `t` takes `changed`'s sequence and deduplication state, and
  // the `staged` deliveries become pending and scheduled.
  void finish(topic& t, topic& changed, std::vector<delivery>& staged);
  // Runs delivery `seq` (a scheduler entry's body; takes the lock itself).
  void deliver(std::uint64_t seq);

  // ---- shared helpers (service.cpp) ----
  // The topic `member` of the request names: InvalidParameter for a malformed ARN or another
  // region, NotFound "Topic does not exist" for none.
  topic& find_topic(const json& request, const request_context& context, const char* member = "TopicArn");
  topic* topic_by_arn(const std::string& arn);
  void stage_topic(storage::write_batch& batch, const topic& t) const;
  void stage_subscription(storage::write_batch& batch, const subscription& s) const;
  void stage_delivery(storage::write_batch& batch, const delivery& d) const;
  void commit(storage::write_batch& batch);
  // Deliveries accepted by the current operation, scheduled once it has committed.
  void schedule(std::uint64_t seq);
  std::int64_t now_ms() const { return clock_.epoch_millis(); }

  storage::database& db_;
  core::clock& clock_;
  core::scheduler& scheduler_;
  core::id_generator& ids_;
  const dispatch::client& client_;

  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<topic>> topics_;  // by ARN
  std::map<std::string, subscription> subscriptions_;     // by ARN
  std::map<std::uint64_t, delivery> deliveries_;          // by seq, pending
  std::uint64_t next_delivery_ = 1;
  std::atomic<std::size_t> topic_count_{0};
  std::atomic<std::size_t> subscription_count_{0};

  // Scheduler entries hold this, not the service: the destructor clears `impl` under `mutex`,
  // so an entry that runs later does nothing.
  struct lifetime {
    std::mutex mutex;
    service_impl* impl = nullptr;
  };
  std::shared_ptr<lifetime> lifetime_;
};

// ARN checks shared by the operations (service.cpp). `member` names the parameter in the error,
// e.g. "TopicArn": "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1".
struct arn_parts {
  std::string service;
  std::string region;
  std::string account;
  std::string resource;  // everything after the fifth colon
  std::size_t elements = 0;
};
arn_parts parse_arn(std::string_view arn);
arn_parts require_arn(std::string_view arn, std::string_view member);

// Members of a request (service.cpp).
std::optional<std::string> string_member(const json& request, const char* name);
std::string required_member(const json& request, const char* name);
json string_map(const json& request, const char* name);

std::string sha256_hex(std::string_view data);

}  // namespace fogbank::sns
