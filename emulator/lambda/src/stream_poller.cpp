// Polling a DynamoDB stream for its mapping (the developer guide's "Using Lambda with DynamoDB"),
// through the in-process client: from the mapping's checkpoint, read up to BatchSize records of
// the shard in order and invoke the function with Lambda's DynamoDB event. A batch that fails is
// retried, the shard waiting meanwhile, until it succeeds, MaximumRetryAttempts is passed or its
// oldest record is older than MaximumRecordAgeInSeconds; then an OnFailure record (pointers to
// the batch, no data) goes to the destination queue and the mapping moves past the batch. With
// BisectBatchOnFunctionError a failed batch is split in two and the halves are retried, which
// isolates a poison record; with ReportBatchItemFailures the mapping moves to the record before
// the lowest failed sequence number and retries from there.

#include "filter_pattern.hpp"
#include "fogbank/core/json_limits.hpp"
#include "fogbank/core/log.hpp"
#include "service_impl.hpp"

#include <set>

namespace fogbank::lambda {
namespace {

// arn:aws:dynamodb:<region>:<account>:table/<t>/stream/<label> -> (region, account)
std::pair<std::string, std::string> region_account(const std::string& arn) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    const std::size_t colon = arn.find(':', start);
    parts.push_back(arn.substr(start, colon - start));
    start = colon + 1;
  }
  return {parts[3], parts[4]};
}

// "2022-07-13T13:48:01Z" from ApproximateCreationDateTime (epoch seconds).
std::string arrival(const json& record) {
  const double seconds = record["dynamodb"].value("ApproximateCreationDateTime", 0.0);
  std::string text =
      core::format_iso8601_millis(core::time_point{std::chrono::seconds(static_cast<std::int64_t>(seconds))});
  return text.substr(0, 19) + "Z";
}

// The lowest sequence number a ReportBatchItemFailures response lists (itemIdentifier is the
// record's SequenceNumber), "" for complete success, or the first record's for a response that
// makes the whole batch a failure (the same rules as for SQS).
std::string lowest_failure(const std::string& response, const json& records) {
  std::string first = records.front()["dynamodb"].value("SequenceNumber", "");
  const std::optional<json> read = core::parse_json_within(response, max_read_nesting);
  if (!read) return first;
  const json& parsed = *read;
  if (parsed.is_null() || !parsed.is_object()) return "";
  const auto list = parsed.find("batchItemFailures");
  if (list == parsed.end() || list->is_null()) return "";
  if (!list->is_array()) return first;
  std::size_t lowest = records.size();
  for (const json& item : *list) {
    const auto id = item.is_object() ? item.find("itemIdentifier") : item.end();
    if (!item.is_object() || id == item.end() || !id->is_string() || id->get<std::string>().empty())
      return first;
    std::size_t index = records.size();
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (records[i]["dynamodb"].value("SequenceNumber", "") == id->get<std::string>()) index = i;
    }
    if (index == records.size()) return first;
    lowest = std::min(lowest, index);
  }
  return lowest == records.size() ? "" : records[lowest]["dynamodb"].value("SequenceNumber", "");
}

}  // namespace

void service_impl::poll_stream(const mapping_record& m, const function_record& fn) {
  const auto [region, account] = region_account(m.source_arn);
  core::call_context context = client_.default_context();
  context.region = region;
  context.account_id = account;

  int limit = m.batch_size;
  {
    std::lock_guard lock(mutex_);
    const mapping_state& state = mapping_states_[m.uuid];
    if (state.batch_limit > 0) limit = std::min(limit, state.batch_limit);
  }
  const core::call_result described =
      client_.call("dynamodbstreams", "DescribeStream", {{"StreamArn", m.source_arn}}, context);
  const json shards =
      described.error ? json::array() : described.body["StreamDescription"].value("Shards", json::array());
  if (shards.empty()) {
    if (described.error) {
      core::log_error("lambda: event source mapping " + m.uuid + " cannot read " + m.source_arn + ": " +
                      described.error->message());
    }
    end_poll(m, false);
    return;
  }
  const std::string shard = shards[0].value("ShardId", "");
  json iterator_request = {{"StreamArn", m.source_arn}, {"ShardId", shard}};
  if (m.checkpoint.empty()) {
    iterator_request["ShardIteratorType"] = "TRIM_HORIZON";
  } else {
    iterator_request["ShardIteratorType"] = "AFTER_SEQUENCE_NUMBER";
    iterator_request["SequenceNumber"] = m.checkpoint;
  }
  core::call_result iterator = client_.call("dynamodbstreams", "GetShardIterator", iterator_request, context);
  if (iterator.error && iterator.error->code() == core::error_code::trimmed_data_access) {
    // The checkpoint has been trimmed away (24-hour retention): read from what is left.
    iterator_request.erase("SequenceNumber");
    iterator_request["ShardIteratorType"] = "TRIM_HORIZON";
    iterator = client_.call("dynamodbstreams", "GetShardIterator", iterator_request, context);
  }
  if (iterator.error) {
    core::log_error("lambda: event source mapping " + m.uuid + " cannot read " + m.source_arn + ": " +
                    iterator.error->message());
    end_poll(m, false);
    return;
  }
  const core::call_result page =
      client_.call("dynamodbstreams", "GetRecords",
                   {{"ShardIterator", iterator.body.value("ShardIterator", "")}, {"Limit", limit}}, context);
  json records = page.error ? json::array() : page.body.value("Records", json::array());
  if (records.empty()) {
    end_poll(m, false);
    return;
  }
  // The batching window, as for SQS: a batch short of BatchSize waits for the window's end.
  if (gathering_batch(m, static_cast<int>(records.size()) < limit)) {
    end_poll(m, false);
    return;
  }
  // FilterCriteria: records no filter matches are skipped (the checkpoint moves past them).
  std::vector<json> patterns;
  for (const std::string& pattern : m.filters) patterns.push_back(filter::parse(pattern));
  const bool full = static_cast<int>(records.size()) == limit;
  const std::string last_read = records.back()["dynamodb"].value("SequenceNumber", "");
  json passing = json::array();
  for (json& record : records) {
    record["eventSourceARN"] = m.source_arn;
    if (filter::stream_passes(patterns, record)) passing.push_back(std::move(record));
  }
  if (passing.empty()) {
    {
      std::lock_guard lock(mutex_);
      if (const auto it = mappings_.find(m.uuid); it != mappings_.end()) {
        it->second.checkpoint = last_read;
        store_mapping(it->second);
      }
    }
    end_poll(m, full);
    return;
  }
  records = std::move(passing);

  invoke_batch(
      m, fn, json{{"Records", records}},
      [m, records, shard, full, last_read](service_impl& self, const invocation_outcome& outcome) {
        // Where the batch got to: the last sequence number handled, and whether it all succeeded.
        std::string handled = last_read;
        bool failed = outcome.kind != outcome_kind::success;
        std::size_t failed_from = 0;  // the first record of the failed rest
        if (!failed && m.report_batch_item_failures) {
          const std::string lowest = lowest_failure(outcome.payload, records);
          if (!lowest.empty()) {
            failed = true;
            while (records[failed_from]["dynamodb"].value("SequenceNumber", "") != lowest) ++failed_from;
            handled = failed_from == 0 ? m.checkpoint
                                       : records[failed_from - 1]["dynamodb"].value("SequenceNumber", "");
          }
        } else if (failed) {
          handled = m.checkpoint;
        }

        std::optional<delivery> on_failure;
        bool retry_later = false;
        std::int64_t retry_at = 0;
        bool more = false;
        {
          std::lock_guard lock(self.mutex_);
          const auto it = self.mappings_.find(m.uuid);
          if (it == self.mappings_.end()) {
            // Deleted while the batch ran.
          } else {
            mapping_record& current = it->second;
            mapping_state& state = self.mapping_states_[m.uuid];
            if (!failed) {
              current.checkpoint = handled;
              current.last_processing_result = "OK";
              state.attempts = 0;
              state.batch_limit = 0;
              state.retry_delay_ms = first_stream_retry_delay_ms;
              more = full;
            } else {
              ++state.attempts;
              current.checkpoint = handled;  // moves past what succeeded (partial batch responses)
              const json rest(records.begin() + static_cast<std::ptrdiff_t>(failed_from), records.end());
              const double oldest = rest.front()["dynamodb"].value("ApproximateCreationDateTime", 0.0);
              const bool too_old = current.maximum_record_age_seconds >= 0 &&
                                   self.clock_.epoch_seconds() - oldest >
                                       static_cast<double>(current.maximum_record_age_seconds);
              const bool exhausted =
                  current.maximum_retry_attempts >= 0 && state.attempts > current.maximum_retry_attempts;
              if ((exhausted || too_old) && !(current.bisect_on_error && rest.size() > 1)) {
                // Give up on the rest of the batch: record it and move past it.
                current.last_processing_result = "PROBLEM: Function call failed";
                if (!current.on_failure.empty()) {
                  json info = {{"shardId", shard},
                               {"startSequenceNumber", rest.front()["dynamodb"].value("SequenceNumber", "")},
                               {"endSequenceNumber", rest.back()["dynamodb"].value("SequenceNumber", "")},
                               {"approximateArrivalOfFirstRecord", arrival(rest.front())},
                               {"approximateArrivalOfLastRecord", arrival(rest.back())},
                               {"batchSize", rest.size()},
                               {"streamArn", m.source_arn}};
                  // The record AWS sends (recorded, research §6.3; the Lambda developer guide's
                  // example). Given up for age, it has no responseContext (LocalStack's Kinesis
                  // test recorded against AWS, test_kinesis_maximum_record_age_exceeded).
                  json record = {{"requestContext",
                                  {{"requestId", self.request_ids_.uuid()},
                                   {"functionArn", current.function_arn},
                                   {"condition", exhausted ? "RetryAttemptsExhausted" : "RecordAgeExceeded"},
                                   {"approximateInvokeCount", state.attempts}}},
                                 {"version", "1.0"},
                                 {"timestamp", core::format_iso8601_millis(self.clock_.now()) + "Z"},
                                 {"DDBStreamBatchInfo", std::move(info)}};
                  if (exhausted) {
                    record["responseContext"] = {
                        {"statusCode", 200}, {"executedVersion", "$LATEST"}, {"functionError", "Unhandled"}};
                  }
                  on_failure = delivery{current.region, current.account, current.on_failure,
                                        json{{"MessageBody", record.dump()}}};
                }
                current.checkpoint = rest.back()["dynamodb"].value("SequenceNumber", "");
                state.attempts = 0;
                state.batch_limit = 0;
                state.retry_delay_ms = first_stream_retry_delay_ms;
                more = true;
              } else {
                if (current.bisect_on_error && rest.size() > 1) {
                  // Retry the first half; bisecting does not count against the retries (unconfirmed).
                  state.batch_limit = static_cast<int>((rest.size() + 1) / 2);
                  if (exhausted || too_old) state.attempts = 0;
                }
                retry_later = true;
                retry_at = self.now_ms() + state.retry_delay_ms;
                state.hold_until_ms = retry_at;
                state.retry_delay_ms = std::min(state.retry_delay_ms * 2, max_stream_retry_delay_ms);
              }
            }
            try {
              self.store_mapping(current);
            } catch (const std::exception& e) {
              core::log_error("lambda: cannot store event source mapping " + m.uuid + ": " + e.what());
            }
          }
        }
        if (on_failure) self.send_to_queue(std::move(*on_failure));
        if (retry_later) self.wake_mapping(m.uuid, retry_at);
        self.end_poll(m, more);
      });
}

}  // namespace fogbank::lambda
