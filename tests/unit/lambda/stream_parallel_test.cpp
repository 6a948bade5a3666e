// ParallelizationFactor on DynamoDB stream mappings, on a manual clock: "the number of batches to
// process concurrently from each shard" (API_CreateEventSourceMapping), while "Lambda still
// ensures in-order processing at the item (partition and sort key) level" (with-ddb.html). A
// runtime host of the test's own holds invocations open, so that the test sees which batches are
// in flight at once; a failing item holds only its own batcher, up to the records read past the
// checkpoint ("repeated errors block processing of the affected shard", the developer guide's
// "Understanding retry behavior in Lambda").

#include "lambda_fixture.hpp"
#include "service_impl.hpp"

#include "fogbank/lambda/handler.hpp"
#include "fogbank/lambda/runtime_host.hpp"

#include <map>
#include <mutex>
#include <vector>

namespace fogbank::lambda {
namespace {

using namespace std::chrono_literals;

// Runs functions whose handler is "held.handler": each invocation waits until the test ends it.
class held_host final : public runtime_host {
 public:
  struct held {
    json event;
    std::function<void(invocation_outcome)> done;
  };

  bool runs(const function_config& config) const override { return config.handler == "held.handler"; }
  void invoke(const function_config&, invocation call,
              std::function<void(invocation_outcome)> done) override {
    std::lock_guard lock(mutex_);
    pending_.push_back({json::parse(call.payload), std::move(done)});
  }
  void retire(std::string_view) override {}

  std::vector<json> in_flight() const {
    std::lock_guard lock(mutex_);
    std::vector<json> out;
    for (const held& h : pending_) out.push_back(h.event);
    return out;
  }
  // Ends the oldest invocation held with success; false if none is.
  bool finish_oldest() {
    std::function<void(invocation_outcome)> done;
    {
      std::lock_guard lock(mutex_);
      if (pending_.empty()) return false;
      done = std::move(pending_.front().done);
      pending_.erase(pending_.begin());
    }
    invocation_outcome outcome;
    outcome.payload = "{}";
    done(std::move(outcome));
    return true;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<held> pending_;
};

std::string key_of(const json& record) {
  return record["dynamodb"]["Keys"]["pk"].value("S", "");
}
json record_for(const std::string& key) {
  return {{"dynamodb", {{"Keys", {{"pk", {{"S", key}}}}}}}};
}

class stream_parallel : public lambda_test {
 protected:
  // The emulator on a manual clock whose invocations complete when held_host says.
  void open_held() {
    emulator_.reset();
    emulator_options options;
    options.manual_clock = true;
    options.seed = 42;
    options.lambda_waits_on_manual_clock = false;
    options.runtime_hosts.push_back(host_);
    std::string error;
    emulator_ = emulator::open(options, &error);
    ASSERT_TRUE(emulator_) << error;
    create("consumer", "held.handler", {{"Runtime", "python3.12"}});
    make_table();
  }
  void make_table() {
    stream_arn_ = ok("dynamodb", "CreateTable",
                     {{"TableName", "orders"},
                      {"AttributeDefinitions", {{{"AttributeName", "pk"}, {"AttributeType", "S"}}}},
                      {"KeySchema", {{{"AttributeName", "pk"}, {"KeyType", "HASH"}}}},
                      {"BillingMode", "PAY_PER_REQUEST"},
                      {"StreamSpecification",
                       {{"StreamEnabled", true}, {"StreamViewType", "NEW_IMAGE"}}}})["TableDescription"]
                      .value("LatestStreamArn", "");
    ASSERT_FALSE(stream_arn_.empty());
  }
  json map(json extra) {
    extra["EventSourceArn"] = stream_arn_;
    extra["FunctionName"] = "consumer";
    extra["StartingPosition"] = "TRIM_HORIZON";
    return ok("CreateEventSourceMapping", extra);
  }
  void put(const std::string& key, int version) {
    ok("dynamodb", "PutItem",
       {{"TableName", "orders"}, {"Item", {{"pk", {{"S", key}}}, {"v", {{"N", std::to_string(version)}}}}}});
  }

  // Runs the mapping to its end, one held invocation at a time (the oldest first), and returns
  // the most batches seen in flight at once; `delivered` gets each item's versions in delivery
  // order, and every batch in flight is checked to share no item with another.
  std::size_t drain(std::map<std::string, std::vector<int>>& delivered) {
    std::size_t peak = 0;
    emulator_->run_until_idle();
    for (int round = 0; round < 1000; ++round) {
      const std::vector<json> flying = host_->in_flight();
      peak = std::max(peak, flying.size());
      std::map<std::string, int> owners;
      for (std::size_t i = 0; i < flying.size(); ++i) {
        for (const json& r : flying[i]["Records"]) {
          const auto [it, fresh] = owners.emplace(key_of(r), static_cast<int>(i));
          EXPECT_TRUE(fresh || it->second == static_cast<int>(i))
              << "item " << key_of(r) << " in two batches at once: " << flying[it->second].dump() << " and "
              << flying[i].dump();
        }
      }
      if (flying.empty()) break;
      for (const json& r : flying.front()["Records"])
        delivered[key_of(r)].push_back(std::stoi(r["dynamodb"]["NewImage"]["v"]["N"].get<std::string>()));
      host_->finish_oldest();
      emulator_->run_until_idle();
    }
    return peak;
  }

  std::shared_ptr<held_host> host_ = std::make_shared<held_host>();
  std::string stream_arn_;
};

TEST_F(stream_parallel, UpToTheFactorsBatchesOfAShardRunAtOnceEachItemInOrder) {
  open_held();
  map({{"BatchSize", 2}, {"ParallelizationFactor", 3}});
  std::vector<std::string> keys;
  for (int k = 0; k < 12; ++k) keys.push_back("item-" + std::to_string(k));
  for (int version = 0; version < 4; ++version)
    for (const std::string& key : keys) put(key, version);
  std::map<std::string, std::vector<int>> delivered;
  EXPECT_EQ(drain(delivered), 3u)
      << "ParallelizationFactor 3: three batches of the shard at once, never more";
  for (const std::string& key : keys)
    EXPECT_EQ(delivered[key], (std::vector<int>{0, 1, 2, 3})) << key << ": each version once, in order";
  // The checkpoint passed every record: a mapping stopped and started again reads nothing more.
  const std::string uuid = ok("ListEventSourceMappings", json::object())["EventSourceMappings"][0]["UUID"];
  ok("UpdateEventSourceMapping", {{"UUID", uuid}, {"Enabled", false}});
  ok("UpdateEventSourceMapping", {{"UUID", uuid}, {"Enabled", true}});
  emulator_->run_until_idle();
  EXPECT_TRUE(host_->in_flight().empty()) << host_->in_flight().front().dump();
}

TEST_F(stream_parallel, WithoutAFactorOneBatchAtATimeInShardOrder) {
  open_held();
  map({{"BatchSize", 2}});
  for (int version = 0; version < 3; ++version)
    for (const std::string key : {"a", "b", "c"}) put(key, version);
  std::map<std::string, std::vector<int>> delivered;
  EXPECT_EQ(drain(delivered), 1u);
  for (const std::string key : {"a", "b", "c"}) EXPECT_EQ(delivered[key], (std::vector<int>{0, 1, 2})) << key;
}

// ---- a failing item, on the usual manual clock (each handler waited for) ----

struct seen_batch {
  std::int64_t at_ms;
  std::vector<std::string> keys;
};
std::vector<seen_batch>* parallel_seen = nullptr;
const core::clock* parallel_clock = nullptr;
std::int64_t parallel_start_ms = 0;

json parallel_handler(const json& event, context&) {
  seen_batch batch{parallel_clock->epoch_millis() - parallel_start_ms, {}};
  for (const json& record : event["Records"]) batch.keys.push_back(key_of(record));
  parallel_seen->push_back(batch);
  for (const std::string& key : batch.keys)
    if (key == "poison") throw std::runtime_error("poison record");
  return json::object();
}
FOGBANK_LAMBDA_HANDLER("test.parallel_stream", parallel_handler);

class stream_parallel_failure : public stream_parallel {
 protected:
  void SetUp() override {
    stream_parallel::SetUp();
    parallel_seen = &seen_;
    parallel_clock = &clock();
    parallel_start_ms = clock().epoch_millis();
    create("consumer", "test.parallel_stream");
    make_table();
  }
  void TearDown() override { parallel_seen = nullptr; }

  // Keys (other than `avoid`) whose records go to batcher `want` (`same`) or not (`!same`) of 3.
  static std::vector<std::string> keys_where(bool same, std::size_t of, int count,
                                             const std::string& prefix) {
    std::vector<std::string> out;
    for (int i = 0; static_cast<int>(out.size()) < count && i < 1000; ++i) {
      const std::string key = prefix + std::to_string(i);
      if ((batcher_of(record_for(key), 3) == of) == same) out.push_back(key);
    }
    return out;
  }

  std::vector<seen_batch> seen_;
};

TEST_F(stream_parallel_failure, AFailingItemHoldsItsBatcherWhileOthersGoOnOverTheRecordsReadPastIt) {
  const std::string failures = create_queue("stream-failures");
  const std::size_t poisoned = batcher_of(record_for("poison"), 3);
  const std::string same = keys_where(true, poisoned, 1, "same-").at(0);
  const std::vector<std::string> other = keys_where(false, poisoned, 3, "other-");
  ASSERT_EQ(other.size(), 3u);
  put("poison", 0);
  put(other[0], 0);
  put(same, 0);
  put(other[1], 0);
  put(other[2], 0);
  map({{"BatchSize", 1},
       {"ParallelizationFactor", 3},
       {"MaximumRetryAttempts", 2},
       {"DestinationConfig", {{"OnFailure", {{"Destination", queue_arn("stream-failures")}}}}}});
  advance(1min);
  std::vector<std::pair<std::int64_t, std::string>> got;
  for (const seen_batch& b : seen_) {
    ASSERT_EQ(b.keys.size(), 1u);
    got.emplace_back(b.at_ms, b.keys[0]);
  }
  // At once: the poison record, and the other items' records read with it (batchers of their
  // own); the record of the poisoned batcher's other item waits behind it. Retries at 1 s and
  // 3 s; then the poison record goes to OnFailure and its batcher goes on.
  const std::vector<std::pair<std::int64_t, std::string>> expected = {
      {0, "poison"},    {0, other[0]},    {0, other[1]}, {0, other[2]},
      {1000, "poison"}, {3000, "poison"}, {3000, same}};
  EXPECT_EQ(got, expected);
  const json records = receive_all(failures);
  ASSERT_EQ(records.size(), 1u) << records.dump();
  const json body = json::parse(records[0]["Body"].get<std::string>());
  EXPECT_EQ(body["requestContext"]["condition"], "RetryAttemptsExhausted");
  EXPECT_EQ(body["DDBStreamBatchInfo"]["batchSize"], 1);
}

TEST_F(stream_parallel_failure, BisectAndTheCheckpointWorkPerBatcher) {
  // A poisoned batch of three records of items of the poisoned batcher is bisected down to the
  // poison record while another batcher's items go on; nothing is delivered twice but the
  // bisected records, and a restart of the mapping reads nothing again.
  const std::size_t poisoned = batcher_of(record_for("poison"), 3);
  const std::vector<std::string> same = keys_where(true, poisoned, 2, "same-");
  const std::vector<std::string> other = keys_where(false, poisoned, 2, "other-");
  put(same[0], 0);
  put("poison", 0);
  put(other[0], 0);
  put(same[1], 0);
  put(other[1], 0);
  map({{"BatchSize", 3},
       {"ParallelizationFactor", 3},
       {"BisectBatchOnFunctionError", true},
       {"MaximumRetryAttempts", 0}});
  advance(1min);
  std::map<std::string, int> times;
  for (const seen_batch& b : seen_)
    for (const std::string& key : b.keys) ++times[key];
  EXPECT_EQ(times[other[0]], 1);
  EXPECT_EQ(times[other[1]], 1);
  EXPECT_GE(times["poison"], 2) << "bisected down to the poison record";
  EXPECT_GE(times[same[1]], 1);
  // The poisoned batcher's first batch is its three records in shard order.
  bool first_of_batcher = false;
  for (const seen_batch& b : seen_) {
    if (b.keys.front() == same[0]) {
      EXPECT_EQ(b.keys, (std::vector<std::string>{same[0], "poison", same[1]}));
      first_of_batcher = true;
      break;
    }
  }
  EXPECT_TRUE(first_of_batcher);
  const std::size_t before = seen_.size();
  const std::string uuid = ok("ListEventSourceMappings", json::object())["EventSourceMappings"][0]["UUID"];
  ok("UpdateEventSourceMapping", {{"UUID", uuid}, {"Enabled", false}});
  ok("UpdateEventSourceMapping", {{"UUID", uuid}, {"Enabled", true}});
  advance(1min);
  EXPECT_EQ(seen_.size(), before) << "the checkpoint passed every record";
}

}  // namespace
}  // namespace fogbank::lambda
