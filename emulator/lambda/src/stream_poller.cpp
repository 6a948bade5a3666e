// Polling a DynamoDB stream for its mapping (the developer guide's "Using Lambda with DynamoDB"),
// through the in-process client: from the mapping's checkpoint, read the shard's records in order
// and invoke the function with Lambda's DynamoDB event. A batch that fails is retried, its
// records waiting meanwhile, until it succeeds, MaximumRetryAttempts is passed or its oldest
// record is older than MaximumRecordAgeInSeconds; then an OnFailure record (pointers to the
// batch, no data) goes to the destination queue and the mapping moves past the batch. With
// BisectBatchOnFunctionError a failed batch is split in two and the halves are retried, which
// isolates a poison record; with ReportBatchItemFailures the mapping moves to the record before
// the lowest failed sequence number and retries from there.
//
// ParallelizationFactor: "Configure the ParallelizationFactor setting to process one shard of a
// DynamoDB stream with more than one Lambda invocation simultaneously. You can specify the number
// of concurrent batches that Lambda polls from a shard by using a parallelization factor from 1
// (default) to 10. [...] When you increase the number of concurrent batches per shard, Lambda
// still ensures in-order processing at the item (partition and sort key) level" (with-ddb.html,
// "Concurrent reading of shards"; the Compute blog's "New AWS Lambda scaling controls for Kinesis
// and DynamoDB event sources", 2019, draws a shard's records going to batchers by key). So the
// records read from the checkpoint go to one of ParallelizationFactor batchers by a hash of their
// item's key (Keys: partition and sort key); each batcher delivers its records in order, one batch
// at a time, and up to that many batches of the shard are in flight. The checkpoint moves only
// over records that are all handled (succeeded, filtered out or given up on); records past it
// that other batchers handled are remembered in memory (after a restart they come again: at
// least once, as Lambda warns). A failing batch holds only its own batcher while it is retried;
// the others go on over the records read past the checkpoint (one GetRecords page, or
// ParallelizationFactor x BatchSize records if more): there they wait, since "repeated errors
// block processing of the affected shard until the error is resolved or the items expire" (the
// developer guide's "Understanding retry behavior in Lambda"). How far past a stuck record AWS's
// batchers read is not documented: the window is fogbank's (unconfirmed).

#include "filter_pattern.hpp"
#include "fogbank/core/json_limits.hpp"
#include "fogbank/core/log.hpp"
#include "service_impl.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

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

// GetRecords returns at most 1000 records a call (the DynamoDB Streams API reference).
constexpr int max_get_records = 1000;
// How many records past the checkpoint a poll of several batchers reads: ParallelizationFactor x
// BatchSize, at least one full GetRecords page (so that batchers of small batches all find work
// in what one read brings) and at most BatchSize's own maximum (ten pages a poll at the most).
constexpr int min_window_records = max_get_records;
constexpr int max_window_records = 10'000;

std::string sequence_of(const json& record) {
  const auto body = record.find("dynamodb");
  if (body == record.end() || !body->is_object()) return {};
  const auto sequence = body->find("SequenceNumber");
  return sequence != body->end() && sequence->is_string() ? sequence->get<std::string>() : std::string();
}

// Whether sequence number `a` comes before `b` ("" before all): decimal strings, compared as
// numbers.
bool sequence_before(const std::string& a, const std::string& b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

int limit_of(const stream_batcher& batcher, const mapping_record& m) {
  return batcher.batch_limit > 0 ? std::min(m.batch_size, batcher.batch_limit) : m.batch_size;
}

// Moves `m`'s checkpoint over the handled records that follow it in `window` (sequence numbers
// of the shard in order, read from an earlier checkpoint on) and forgets what it passes; true if
// it moved.
bool advance_checkpoint(mapping_record& m, std::set<std::string>& handled,
                        const std::vector<std::string>& window) {
  const std::string before = m.checkpoint;
  for (const std::string& sequence : window) {
    if (!sequence_before(m.checkpoint, sequence)) continue;
    const auto it = handled.find(sequence);
    if (it == handled.end()) break;
    m.checkpoint = sequence;
  }
  std::erase_if(handled,
                [&](const std::string& sequence) { return !sequence_before(m.checkpoint, sequence); });
  return m.checkpoint != before;
}

// Gives a mapping ParallelizationFactor batchers; a changed factor takes effect once no batch
// is in flight, so that an item's records never run in two batchers at once.
void size_batchers(mapping_state& state, const mapping_record& m) {
  const auto wanted = static_cast<std::size_t>(std::max(1, m.parallelization_factor));
  if (state.batchers.size() == wanted) return;
  for (const stream_batcher& b : state.batchers)
    if (b.busy) return;
  state.batchers.assign(wanted, stream_batcher{});
}

}  // namespace

std::size_t batcher_of(const json& record, std::size_t count) {
  if (count <= 1) return 0;
  const auto body = record.find("dynamodb");
  std::string key;
  if (body != record.end() && body->is_object()) {
    const auto keys = body->find("Keys");
    if (keys != body->end()) key = keys->dump();
  }
  std::uint64_t hash = 14'695'981'039'346'656'037ULL;
  for (const unsigned char c : key) {
    hash ^= c;
    hash *= 1'099'511'628'211ULL;
  }
  return static_cast<std::size_t>(hash % count);
}

void service_impl::poll_stream(const mapping_record& m, const function_record& fn) {
  const auto [region, account] = region_account(m.source_arn);
  core::call_context context = client_.default_context();
  context.region = region;
  context.account_id = account;

  int window = m.batch_size;
  {
    std::lock_guard lock(mutex_);
    mapping_state& state = mapping_states_[m.uuid];
    size_batchers(state, m);
    // One batcher reads its own batch, as before ParallelizationFactor; several read what all of
    // them may take.
    window = state.batchers.size() == 1 ? limit_of(state.batchers[0], m)
                                        : std::clamp(static_cast<int>(state.batchers.size()) * m.batch_size,
                                                     min_window_records, max_window_records);
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
  // The window: up to `window` records from the checkpoint, a GetRecords page at a time.
  json records = json::array();
  std::string next = iterator.body.value("ShardIterator", "");
  while (static_cast<int>(records.size()) < window && !next.empty()) {
    const int want = std::min(max_get_records, window - static_cast<int>(records.size()));
    const core::call_result page =
        client_.call("dynamodbstreams", "GetRecords", {{"ShardIterator", next}, {"Limit", want}}, context);
    if (page.error) break;
    const json got = page.body.value("Records", json::array());
    if (got.empty()) break;
    for (const json& record : got) records.push_back(record);
    const auto it = page.body.find("NextShardIterator");
    next = it != page.body.end() && it->is_string() ? it->get<std::string>() : std::string();
  }
  if (records.empty()) {
    end_poll(m, false);
    return;
  }
  std::vector<std::string> window_sequences;
  for (const json& record : records) window_sequences.push_back(sequence_of(record));

  // Each batcher's next batch: its first records not handled yet, up to its limit. This poll
  // takes the one whose batch starts earliest, of the batchers neither busy nor waiting to retry.
  std::size_t chosen = 0;
  json span = json::array();  // the chosen batch, filtered records included
  int chosen_limit = 0;
  bool any_full = false;
  bool others_ready = false;
  {
    std::lock_guard lock(mutex_);
    const auto it = mappings_.find(m.uuid);
    if (it == mappings_.end()) {
      // Deleted meanwhile: nothing to do.
    } else {
      mapping_record& current = it->second;
      mapping_state& state = mapping_states_[m.uuid];
      size_batchers(state, m);
      if (advance_checkpoint(current, state.handled, window_sequences)) store_mapping(current);
      const std::size_t count = state.batchers.size();
      std::vector<json> spans(count, json::array());
      for (json& record : records) {
        const std::string sequence = sequence_of(record);
        if (!sequence_before(current.checkpoint, sequence) || state.handled.count(sequence) != 0) continue;
        const std::size_t b = batcher_of(record, count);
        const stream_batcher& batcher = state.batchers[b];
        if (batcher.busy || now_ms() < batcher.hold_until_ms) continue;
        if (static_cast<int>(spans[b].size()) < limit_of(batcher, m)) spans[b].push_back(std::move(record));
      }
      std::optional<std::size_t> first;
      for (std::size_t b = 0; b < count; ++b) {
        if (spans[b].empty()) continue;
        if (static_cast<int>(spans[b].size()) == limit_of(state.batchers[b], m)) any_full = true;
        if (!first || sequence_before(sequence_of(spans[b].front()), sequence_of(spans[*first].front()))) {
          if (first) others_ready = true;
          first = b;
        } else {
          others_ready = true;
        }
      }
      if (first) {
        chosen = *first;
        chosen_limit = limit_of(state.batchers[chosen], m);
        span = std::move(spans[chosen]);
      }
    }
  }
  if (span.empty()) {
    end_poll(m, false);
    return;
  }
  // The batching window, as for SQS: while no batch is full, wait for the window's end.
  if (gathering_batch(m, !any_full)) {
    end_poll(m, false);
    return;
  }
  const bool full = static_cast<int>(span.size()) == chosen_limit;
  std::vector<std::string> span_sequences;
  for (const json& record : span) span_sequences.push_back(sequence_of(record));
  // FilterCriteria: records no filter matches are skipped (the checkpoint moves past them).
  std::vector<json> patterns;
  for (const std::string& pattern : m.filters) patterns.push_back(filter::parse(pattern));
  json passing = json::array();
  for (json& record : span) {
    record["eventSourceARN"] = m.source_arn;
    if (filter::stream_passes(patterns, record)) passing.push_back(std::move(record));
  }
  if (passing.empty()) {
    {
      std::lock_guard lock(mutex_);
      const auto it = mappings_.find(m.uuid);
      if (it != mappings_.end()) {
        mapping_state& state = mapping_states_[m.uuid];
        state.handled.insert(span_sequences.begin(), span_sequences.end());
        if (advance_checkpoint(it->second, state.handled, window_sequences)) store_mapping(it->second);
      }
    }
    end_poll(m, full || others_ready);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    mapping_state& state = mapping_states_[m.uuid];
    if (chosen < state.batchers.size()) state.batchers[chosen].busy = true;
  }
  // Other batchers have batches too: another poll starts the next beside this one.
  if (others_ready) poll_again_beside(m);

  invoke_batch(
      m, fn, json{{"Records", passing}},
      [m, records = passing, span_sequences, window_sequences, chosen, shard, full](
          service_impl& self, const invocation_outcome& outcome) {
        // Where the batch got to: whether it all succeeded, and if not, the first failed record.
        bool failed = outcome.kind != outcome_kind::success;
        std::size_t failed_from = 0;  // the first record of the failed rest
        if (!failed && m.report_batch_item_failures) {
          const std::string lowest = lowest_failure(outcome.payload, records);
          if (!lowest.empty()) {
            failed = true;
            while (sequence_of(records[failed_from]) != lowest) ++failed_from;
          }
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
            stream_batcher spare;  // the mapping was stopped and started again meanwhile
            stream_batcher& batcher = chosen < state.batchers.size() ? state.batchers[chosen] : spare;
            batcher.busy = false;
            if (!failed) {
              state.handled.insert(span_sequences.begin(), span_sequences.end());
              current.last_processing_result = "OK";
              batcher.attempts = 0;
              batcher.batch_limit = 0;
              batcher.retry_delay_ms = first_stream_retry_delay_ms;
              more = full;
            } else {
              ++batcher.attempts;
              // What succeeded before the first failed record is done (partial batch responses).
              const std::string first_failed = sequence_of(records[failed_from]);
              for (const std::string& sequence : span_sequences)
                if (sequence_before(sequence, first_failed)) state.handled.insert(sequence);
              const json rest(records.begin() + static_cast<std::ptrdiff_t>(failed_from), records.end());
              const double oldest = rest.front()["dynamodb"].value("ApproximateCreationDateTime", 0.0);
              const bool too_old = current.maximum_record_age_seconds >= 0 &&
                                   self.clock_.epoch_seconds() - oldest >
                                       static_cast<double>(current.maximum_record_age_seconds);
              const bool exhausted =
                  current.maximum_retry_attempts >= 0 && batcher.attempts > current.maximum_retry_attempts;
              if ((exhausted || too_old) && !(current.bisect_on_error && rest.size() > 1)) {
                // Give up on the rest of the batch: record it and move past it.
                current.last_processing_result = "PROBLEM: Function call failed";
                if (!current.on_failure.empty()) {
                  json info = {{"shardId", shard},
                               {"startSequenceNumber", sequence_of(rest.front())},
                               {"endSequenceNumber", sequence_of(rest.back())},
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
                                   {"approximateInvokeCount", batcher.attempts}}},
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
                state.handled.insert(span_sequences.begin(), span_sequences.end());
                batcher.attempts = 0;
                batcher.batch_limit = 0;
                batcher.retry_delay_ms = first_stream_retry_delay_ms;
                more = true;
              } else {
                if (current.bisect_on_error && rest.size() > 1) {
                  // Retry the first half: "splitting a batch does not count towards the retry
                  // quota" (the developer guide's error handling for DynamoDB and Kinesis).
                  batcher.batch_limit = static_cast<int>((rest.size() + 1) / 2);
                  if (exhausted || too_old) batcher.attempts = 0;
                }
                retry_later = true;
                retry_at = self.now_ms() + batcher.retry_delay_ms;
                batcher.hold_until_ms = retry_at;
                batcher.retry_delay_ms = std::min(batcher.retry_delay_ms * 2, max_stream_retry_delay_ms);
              }
            }
            advance_checkpoint(current, state.handled, window_sequences);
            // Records other batchers handled past this window: a poll moves the checkpoint over them.
            more = more || !state.handled.empty();
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
