// Polling an SQS queue for its mapping (the developer guide's "Using Lambda with Amazon SQS"),
// through the in-process client: read up to BatchSize messages (waiting up to
// MaximumBatchingWindowInSeconds for a full batch), invoke the function synchronously with
// Lambda's SQS event, then delete what succeeded. A failed batch is left alone: its messages
// become visible again when their visibility timeout ends (Lambda does not change it), and the
// queue's own RedrivePolicy moves them to its dead-letter queue after maxReceiveCount receives.
// With ReportBatchItemFailures only the messages the function lists stay.

#include "filter_pattern.hpp"
#include "fogbank/core/json_limits.hpp"
#include "fogbank/core/log.hpp"
#include "service_impl.hpp"

#include <set>

namespace fogbank::lambda {
namespace {

// ReceiveMessage takes at most 10 messages per call; DeleteMessageBatch 10 entries.
constexpr int max_receive = 10;
constexpr std::size_t max_delete_batch = 10;

struct queue_ref {
  std::string region;
  std::string account;
  std::string name;
};

queue_ref queue_of(const std::string& arn) {
  // arn:aws:sqs:<region>:<account>:<name>, checked when the mapping was made.
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    const std::size_t colon = arn.find(':', start);
    parts.push_back(arn.substr(start, colon - start));
    start = colon + 1;
  }
  return {parts[3], parts[4], arn.substr(start)};
}

// The attributes Lambda's SQS record carries, in its recorded order (research §7.1).
constexpr std::string_view record_attributes[] = {
    "ApproximateReceiveCount",
    "SentTimestamp",
    "SequenceNumber",
    "MessageGroupId",
    "SenderId",
    "MessageDeduplicationId",
    "ApproximateFirstReceiveTimestamp",
    "AWSTraceHeader",
};

// One message of ReceiveMessage (JSON protocol) as a record of Lambda's SQS event.
json sqs_record(const json& message, const std::string& arn, const std::string& region) {
  json attributes = json::object();
  const json received = message.value("Attributes", json::object());
  for (std::string_view name : record_attributes) {
    if (const auto it = received.find(name); it != received.end()) attributes[std::string(name)] = *it;
  }
  json message_attributes = json::object();
  const json given = message.value("MessageAttributes", json::object());
  for (const auto& [name, value] : given.items()) {
    json a = {{"stringListValues", json::array()},
              {"binaryListValues", json::array()},
              {"dataType", value.value("DataType", "")}};
    if (value.contains("StringValue")) a["stringValue"] = value["StringValue"];
    if (value.contains("BinaryValue")) a["binaryValue"] = value["BinaryValue"];
    message_attributes[name] = std::move(a);
  }
  json record = {{"messageId", message.value("MessageId", "")},
                 {"receiptHandle", message.value("ReceiptHandle", "")},
                 {"body", message.value("Body", "")},
                 {"attributes", std::move(attributes)},
                 {"messageAttributes", std::move(message_attributes)},
                 {"md5OfBody", message.value("MD5OfBody", "")},
                 {"eventSource", "aws:sqs"},
                 {"eventSourceARN", arn},
                 {"awsRegion", region}};
  if (message.contains("MD5OfMessageAttributes"))
    record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"];
  return record;
}

// The message ids a ReportBatchItemFailures response lists, or nullopt when the response makes
// the whole batch a failure (the developer guide's "Reporting batch item failures": invalid JSON,
// an empty or null itemIdentifier, a bad key, an id not in the batch). A null or empty response
// or batchItemFailures is complete success.
std::optional<std::set<std::string>> failed_items(const std::string& response,
                                                  const std::set<std::string>& ids) {
  std::set<std::string> failed;
  const std::optional<json> read = core::parse_json_within(response, max_read_nesting);
  if (!read) return std::nullopt;
  const json& parsed = *read;
  if (parsed.is_null() || !parsed.is_object()) return failed;
  const auto list = parsed.find("batchItemFailures");
  if (list == parsed.end() || list->is_null()) return failed;
  if (!list->is_array()) return std::nullopt;
  for (const json& item : *list) {
    if (!item.is_object()) return std::nullopt;
    const auto id = item.find("itemIdentifier");
    if (id == item.end() || !id->is_string() || id->get<std::string>().empty()) return std::nullopt;
    if (ids.count(id->get<std::string>()) == 0) return std::nullopt;
    failed.insert(id->get<std::string>());
  }
  return failed;
}

// Deletes `messages` but those whose id is in `keep`, ten at a time.
void delete_messages(const dispatch::client& client, const std::string& url,
                     const core::call_context& context, const json& messages,
                     const std::set<std::string>& keep, const std::string& uuid) {
  json entries = json::array();
  auto flush = [&] {
    if (entries.empty()) return;
    const core::call_result deleted =
        client.call("sqs", "DeleteMessageBatch", {{"QueueUrl", url}, {"Entries", entries}}, context);
    if (deleted.error) {
      core::log_error("lambda: event source mapping " + uuid +
                      " cannot delete messages: " + deleted.error->message());
    }
    entries = json::array();
  };
  for (const json& message : messages) {
    if (keep.count(message.value("MessageId", "")) != 0) continue;
    entries.push_back(
        {{"Id", std::to_string(entries.size())}, {"ReceiptHandle", message.value("ReceiptHandle", "")}});
    if (entries.size() == max_delete_batch) flush();
  }
  flush();
}

}  // namespace

void service_impl::poll_queue(const mapping_record& m, const function_record& fn) {
  const queue_ref queue = queue_of(m.source_arn);
  core::call_context context = client_.default_context();
  context.region = queue.region;
  context.account_id = queue.account;
  const std::string url = "http://localhost:4566/" + queue.account + "/" + queue.name;

  const core::call_result attributes =
      client_.call("sqs", "GetQueueAttributes",
                   {{"QueueUrl", url},
                    {"AttributeNames",
                     {"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                      "ApproximateNumberOfMessagesDelayed", "VisibilityTimeout", "DelaySeconds"}}},
                   context);
  if (attributes.error) {
    core::log_error("lambda: event source mapping " + m.uuid + " cannot read " + m.source_arn + ": " +
                    attributes.error->message());
    end_poll(m, false);
    return;
  }
  const json a = attributes.body.value("Attributes", json::object());
  const std::int64_t visible = std::stoll(a.value("ApproximateNumberOfMessages", "0"));
  const std::int64_t in_flight = std::stoll(a.value("ApproximateNumberOfMessagesNotVisible", "0"));
  const std::int64_t visibility_ms = 1000 * std::stoll(a.value("VisibilityTimeout", "30"));
  const std::int64_t delayed = std::stoll(a.value("ApproximateNumberOfMessagesDelayed", "0"));
  const std::int64_t delay_ms = 1000 * std::stoll(a.value("DelaySeconds", "0"));
  // Messages sent with the queue's own delay become visible that much later (a message's own
  // DelaySeconds is announced by watch_sqs).
  if (delayed > 0 && delay_ms > 0) recheck_mapping(m.uuid, now_ms() + delay_ms);

  if (visible == 0) {
    // Messages in flight come back when their visibility timeout ends, which no call announces
    // (a receiver may have asked for any timeout): look again every timeout of the queue while
    // any are in flight, so they are read within one of it.
    if (in_flight > 0) recheck_mapping(m.uuid, now_ms() + visibility_ms);
    end_poll(m, false);
    return;
  }
  // The batching window: gather until BatchSize messages are there or the window ends.
  if (gathering_batch(m, visible < m.batch_size)) {
    end_poll(m, false);
    return;
  }

  json messages = json::array();
  while (static_cast<int>(messages.size()) < m.batch_size) {
    const int want = std::min(max_receive, m.batch_size - static_cast<int>(messages.size()));
    const core::call_result received = client_.call("sqs", "ReceiveMessage",
                                                    {{"QueueUrl", url},
                                                     {"MaxNumberOfMessages", want},
                                                     {"WaitTimeSeconds", 0},
                                                     {"AttributeNames", {"All"}},
                                                     {"MessageAttributeNames", {"All"}}},
                                                    context);
    if (received.error) break;
    const json got = received.body.value("Messages", json::array());
    for (const json& message : got) messages.push_back(message);
    if (static_cast<int>(got.size()) < want) break;
  }
  if (messages.empty()) {
    // Visible but not receivable (a FIFO group another receiver holds): look again when what it
    // holds comes back at the latest.
    recheck_mapping(m.uuid, now_ms() + visibility_ms);
    end_poll(m, false);
    return;
  }

  const bool full = static_cast<int>(messages.size()) == m.batch_size;
  // FilterCriteria: messages no filter matches are deleted without reaching the function (the
  // developer guide's "Lambda event filtering").
  std::vector<json> patterns;
  for (const std::string& pattern : m.filters) patterns.push_back(filter::parse(pattern));
  json records = json::array();
  json passing = json::array();
  json dropped = json::array();
  std::set<std::string> ids;
  for (const json& message : messages) {
    json record = sqs_record(message, m.source_arn, queue.region);
    if (!filter::sqs_passes(patterns, record)) {
      dropped.push_back(message);
      continue;
    }
    records.push_back(std::move(record));
    passing.push_back(message);
    ids.insert(message.value("MessageId", ""));
  }
  delete_messages(client_, url, context, dropped, {}, m.uuid);
  if (passing.empty()) {
    end_poll(m, full);
    return;
  }
  if (full) poll_again_beside(m);
  invoke_batch(m, fn, json{{"Records", std::move(records)}},
               [m, url, context, passing, ids, full, visibility_ms](service_impl& self,
                                                                    const invocation_outcome& outcome) {
                 std::set<std::string> failed;
                 if (outcome.kind != outcome_kind::success) {
                   failed = ids;
                 } else if (m.report_batch_item_failures) {
                   failed = failed_items(outcome.payload, ids).value_or(ids);
                 }
                 delete_messages(self.client_, url, context, passing, failed, m.uuid);
                 // Failed messages come back when their visibility timeout ends: read them then.
                 if (!failed.empty()) self.wake_mapping(m.uuid, self.now_ms() + visibility_ms);
                 self.end_poll(m, full);
               });
}

}  // namespace fogbank::lambda
