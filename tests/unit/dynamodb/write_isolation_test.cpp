// Per-table write locks (issue 6: a large write to one table never stalls writes to others).
// Each test holds a writer at a named point of the write path (sync_point.hpp) and shows what
// other writers may and may not do meanwhile: writes to other tables finish, writes to the held
// table wait, multi-table writes take their locks in one order, a LATEST iterator never skips a
// record committed after it, and a write prepared before a concurrent change sees that change
// (its condition is evaluated, and the definition read, under the locks). No test sleeps: the held thread
// waits for the test to release it.

#include "fogbank/core/aws_error.hpp"

#include "service_fixture.hpp"
#include "sync_point.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace fogbank::dynamodb {
namespace {

using nlohmann::json;
using test::N;
using test::S;

// Only turns a deadlock into a failure instead of a hung test run: with the code right, every
// wait below ends as soon as the other thread gets there.
constexpr auto hang_guard = std::chrono::seconds(60);

// Holds the thread that reaches `point` for `table` after `skip` others have passed it, until
// release().
class gate {
 public:
  gate(std::string point, std::string table, int skip)
      : point_(std::move(point)), table_(std::move(table)), skip_(skip) {}

  void on(std::string_view point, std::string_view table) {
    if (point != point_ || table != table_) return;
    std::unique_lock lock(mutex_);
    if (used_ || skip_-- > 0) return;
    used_ = true;
    changed_.notify_all();
    changed_.wait(lock, [&] { return released_; });
  }
  // True once a thread is held there (false only if none arrives within the hang guard).
  bool wait_held() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, hang_guard, [&] { return used_; });
  }
  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }

 private:
  const std::string point_;
  const std::string table_;
  int skip_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool used_ = false;
  bool released_ = false;
};

class WriteIsolationTest : public test::service_fixture {
 protected:
  // Whatever the test did, no thread is left held: gates open, threads joined, hook removed.
  void TearDown() override {
    {
      std::lock_guard lock(gates_mutex_);
      for (auto& g : gates_) g->release();
    }
    for (auto& t : threads_) t.join();
    set_sync_point_callback(nullptr);
  }

  // Runs `f` on a thread of its own (joined in TearDown); its result or exception arrives
  // through the future, whose destructor never waits.
  template <typename F>
  auto spawn(F f) {
    std::packaged_task<std::invoke_result_t<F>()> task(std::move(f));
    auto result = task.get_future();
    threads_.emplace_back(std::move(task));
    return result;
  }

  // Holds the first writer that reaches `point` on `table` (after `skip` others) until the gate
  // is released (at the latest in TearDown). Call before spawning the threads under test.
  gate& hold(const std::string& point, const std::string& table, int skip = 0) {
    std::lock_guard lock(gates_mutex_);
    gates_.push_back(std::make_unique<gate>(point, table, skip));
    set_sync_point_callback([this](std::string_view p, std::string_view t) {
      std::vector<gate*> current;  // a gate may be added while a thread waits in another
      {
        std::lock_guard reading(gates_mutex_);
        for (auto& g : gates_) current.push_back(g.get());
      }
      for (gate* g : current) g->on(p, t);
    });
    return *gates_.back();
  }

  // Waits for `done` within the hang guard; true if it finished.
  template <typename T>
  static bool finishes(std::future<T>& done) {
    return done.wait_for(hang_guard) == std::future_status::ready;
  }

  void create_table(const std::string& name, const std::string& stream_view = "") {
    json request{{"TableName", name},
                 {"BillingMode", "PAY_PER_REQUEST"},
                 {"AttributeDefinitions", {{{"AttributeName", "pk"}, {"AttributeType", "S"}}}},
                 {"KeySchema", {{{"AttributeName", "pk"}, {"KeyType", "HASH"}}}}};
    if (!stream_view.empty())
      request["StreamSpecification"] = {{"StreamEnabled", true}, {"StreamViewType", stream_view}};
    const json description = call("CreateTable", request)["TableDescription"];
    stream_arns_[name] = description.value("LatestStreamArn", std::string());
  }
  json put(const std::string& table, const std::string& pk, const json& extra = json::object()) {
    json item{{"pk", S(pk)}};
    for (const auto& [name, value] : extra.items()) item[name] = value;
    return call("PutItem", {{"TableName", table}, {"Item", item}});
  }
  json add(const std::string& table, const std::string& pk, int by = 1) {
    return call("UpdateItem", {{"TableName", table},
                               {"Key", {{"pk", S(pk)}}},
                               {"UpdateExpression", "ADD n :by"},
                               {"ExpressionAttributeValues", {{":by", N(std::to_string(by))}}}});
  }
  json get(const std::string& table, const std::string& pk) {
    return call("GetItem", {{"TableName", table}, {"Key", {{"pk", S(pk)}}}, {"ConsistentRead", true}});
  }
  std::string counter(const std::string& table, const std::string& pk) {
    const json item = get(table, pk);
    return item.contains("Item") ? item["Item"]["n"]["N"].get<std::string>() : "absent";
  }
  std::string latest_iterator(const std::string& table) {
    const std::string& arn = stream_arns_.at(table);
    const std::string shard =
        streams("DescribeStream", {{"StreamArn", arn}})["StreamDescription"]["Shards"][0]["ShardId"];
    return streams(
        "GetShardIterator",
        {{"StreamArn", arn}, {"ShardId", shard}, {"ShardIteratorType", "LATEST"}})["ShardIterator"];
  }
  std::vector<std::string> record_keys(const std::string& iterator) {
    std::vector<std::string> out;
    const json response = streams("GetRecords", {{"ShardIterator", iterator}});
    for (const auto& record : response["Records"]) out.push_back(record["dynamodb"]["Keys"]["pk"]["S"]);
    return out;
  }
  static json transaction(const std::vector<std::pair<std::string, std::string>>& increments) {
    json actions = json::array();
    for (const auto& [table, pk] : increments) {
      actions.push_back({{"Update",
                          {{"TableName", table},
                           {"Key", {{"pk", S(pk)}}},
                           {"UpdateExpression", "ADD n :one"},
                           {"ExpressionAttributeValues", {{":one", N("1")}}}}}});
    }
    return {{"TransactItems", actions}};
  }

  std::mutex gates_mutex_;
  std::vector<std::unique_ptr<gate>> gates_;  // guarded by gates_mutex_
  std::vector<std::thread> threads_;
  std::map<std::string, std::string> stream_arns_;
};

TEST_F(WriteIsolationTest, WritesToOtherTablesFinishWhileOneTableIsHeld) {
  create_table("tab-a");
  create_table("tab-b");
  gate& held = hold("write:before_commit", "tab-b");
  auto writer_b = spawn([&] { return put("tab-b", "big", {{"v", S("first")}}); });
  ASSERT_TRUE(held.wait_held()) << "the write to table b never reached its commit";

  // Table b's lock is held: every kind of write to table a goes on.
  auto others = spawn([&] {
    put("tab-a", "one");
    add("tab-a", "counter");
    call("DeleteItem", {{"TableName", "tab-a"}, {"Key", {{"pk", S("one")}}}});
    call("BatchWriteItem",
         {{"RequestItems", {{"tab-a", {{{"PutRequest", {{"Item", {{"pk", S("two")}}}}}}}}}}});
    call("TransactWriteItems", transaction({{"tab-a", "counter"}}));
    call("TagResource", {{"ResourceArn", "arn:aws:dynamodb:us-east-1:000000000000:table/tab-a"},
                         {"Tags", {{{"Key", "k"}, {"Value", "v"}}}}});
    call("CreateTable", {{"TableName", "tab-c"},
                         {"BillingMode", "PAY_PER_REQUEST"},
                         {"AttributeDefinitions", {{{"AttributeName", "pk"}, {"AttributeType", "S"}}}},
                         {"KeySchema", {{{"AttributeName", "pk"}, {"KeyType", "HASH"}}}}});
    return counter("tab-a", "counter");
  });
  const bool others_done = finishes(others);
  // A second write to table b, prepared before the first commits (the first passed this point
  // before the gate was set), then waits for the first: it cannot finish while b is held.
  gate& evaluated = hold("write:prepared", "tab-b");
  auto second_b = spawn([&] { return add("tab-b", "big"); });
  const bool second_b_evaluated = evaluated.wait_held();
  evaluated.release();
  const bool second_b_early = second_b.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  // Reads take no lock, and see table b as it was.
  const json before = get("tab-b", "big");
  held.release();
  ASSERT_TRUE(others_done) << "writes to table a waited for the write held on table b";
  EXPECT_EQ(others.get(), "2");
  EXPECT_TRUE(second_b_evaluated);
  EXPECT_FALSE(second_b_early) << "a second write to table b did not wait for the held one";
  EXPECT_FALSE(before.contains("Item")) << before.dump();
  ASSERT_TRUE(finishes(writer_b));
  ASSERT_TRUE(finishes(second_b));
  writer_b.get();
  second_b.get();
  // The second write to b read the item under the lock: it kept the first one's value.
  const json item = get("tab-b", "big")["Item"];
  EXPECT_EQ(item["v"], S("first")) << item.dump();
  EXPECT_EQ(item["n"], N("1")) << item.dump();
}

TEST_F(WriteIsolationTest, MultiTableWritesTakeTheirLocksInNameOrder) {
  for (const char* name : {"alpha", "mid", "zeta"}) create_table(name);
  std::mutex mutex;
  std::vector<std::string> order;
  set_sync_point_callback([&](std::string_view point, std::string_view table) {
    if (point != "table_lock:acquired") return;
    std::lock_guard lock(mutex);
    order.emplace_back(table);
  });
  // Request order zeta, alpha, mid; two actions on zeta.
  call("TransactWriteItems", transaction({{"zeta", "x"}, {"alpha", "x"}, {"mid", "x"}, {"zeta", "y"}}));
  EXPECT_EQ(order, (std::vector<std::string>{"alpha", "mid", "zeta"}));
  order.clear();
  call("BatchWriteItem", {{"RequestItems",
                           {{"zeta", {{{"PutRequest", {{"Item", {{"pk", S("p")}}}}}}}},
                            {"alpha", {{{"DeleteRequest", {{"Key", {{"pk", S("x")}}}}}}}}}}});
  EXPECT_EQ(order, (std::vector<std::string>{"alpha", "zeta"}));
}

TEST_F(WriteIsolationTest, TransactionsOverTheSameTablesInOppositeOrdersAllComplete) {
  create_table("tab-a");
  create_table("tab-b");
  constexpr int rounds = 200;
  using actions = std::vector<std::pair<std::string, std::string>>;
  const auto run = [&](const actions& order) {
    for (int i = 0; i < rounds; ++i) call("TransactWriteItems", transaction(order));
  };
  auto forward = spawn([&] { run(actions{{"tab-a", "shared"}, {"tab-b", "shared"}}); });
  auto backward = spawn([&] { run(actions{{"tab-b", "shared"}, {"tab-a", "shared"}}); });
  ASSERT_TRUE(finishes(forward)) << "transactions over a, b and over b, a deadlocked";
  ASSERT_TRUE(finishes(backward)) << "transactions over a, b and over b, a deadlocked";
  forward.get();
  backward.get();
  EXPECT_EQ(counter("tab-a", "shared"), std::to_string(2 * rounds));
  EXPECT_EQ(counter("tab-b", "shared"), std::to_string(2 * rounds));
}

TEST_F(WriteIsolationTest, CountersAndConditionalPutsAreExactUnderConcurrency) {
  create_table("tab-a");
  create_table("tab-b");
  constexpr int threads = 4;
  constexpr int increments = 100;
  std::vector<std::future<int>> workers;
  for (int t = 0; t < threads; ++t) {
    workers.push_back(spawn([&, t] {
      int won = 0;
      for (int i = 0; i < increments; ++i) {
        add(t % 2 == 0 ? "tab-a" : "tab-b", "counter");
        call("TransactWriteItems", transaction({{"tab-a", "both"}, {"tab-b", "both"}}));
        // Every thread races for the same keys: exactly one put of each may win.
        const std::string error = error_of(
            "PutItem", {{"TableName", "tab-a"},
                        {"Item", {{"pk", S("race-" + std::to_string(i))}, {"winner", N(std::to_string(t))}}},
                        {"ConditionExpression", "attribute_not_exists(pk)"}});
        if (error == "no error") {
          ++won;
        } else if (error != "ConditionalCheckFailedException: The conditional request failed") {
          throw std::runtime_error(error);
        }
      }
      return won;
    }));
  }
  int wins = 0;
  for (auto& worker : workers) {
    ASSERT_TRUE(finishes(worker));
    wins += worker.get();
  }
  EXPECT_EQ(wins, increments);
  EXPECT_EQ(counter("tab-a", "counter"), std::to_string(threads / 2 * increments));
  EXPECT_EQ(counter("tab-b", "counter"), std::to_string(threads / 2 * increments));
  EXPECT_EQ(counter("tab-a", "both"), std::to_string(threads * increments));
  EXPECT_EQ(counter("tab-b", "both"), std::to_string(threads * increments));
}

TEST_F(WriteIsolationTest, LatestIteratorNeverSkipsARecordCommittedAfterIt) {
  create_table("tab-a", "KEYS_ONLY");
  create_table("tab-b", "KEYS_ONLY");
  gate& held = hold("write:before_commit", "tab-a");
  // Table a's record has taken its sequence number and waits to be written...
  auto writer_a = spawn([&] { return put("tab-a", "late"); });
  ASSERT_TRUE(held.wait_held());
  // ... while table b's record takes the next number and is written first.
  put("tab-b", "early");
  const std::string from_latest = latest_iterator("tab-a");
  held.release();
  ASSERT_TRUE(finishes(writer_a));
  writer_a.get();
  EXPECT_EQ(record_keys(from_latest), std::vector<std::string>{"late"});
  EXPECT_TRUE(record_keys(latest_iterator("tab-a")).empty());
}

TEST_F(WriteIsolationTest, AConditionPreparedBeforeAConcurrentWriteIsEvaluatedAfterIt) {
  create_table("tab-a");
  // A conditional put prepared while there is no item, and another put of the key commits
  // before it takes the lock.
  gate& held = hold("write:prepared", "tab-a");
  auto first = spawn([&] {
    return error_of("PutItem", {{"TableName", "tab-a"},
                                {"Item", {{"pk", S("k")}, {"by", S("first")}}},
                                {"ConditionExpression", "attribute_not_exists(pk)"}});
  });
  ASSERT_TRUE(held.wait_held());
  put("tab-a", "k", {{"by", S("second")}});
  held.release();
  ASSERT_TRUE(finishes(first));
  EXPECT_EQ(first.get(), "ConditionalCheckFailedException: The conditional request failed");
  EXPECT_EQ(get("tab-a", "k")["Item"]["by"], S("second"));
}

TEST_F(WriteIsolationTest, APutPreparedBeforeANewIndexIsIndexed) {
  create_table("tab-a");
  gate& held = hold("write:prepared", "tab-a");
  auto writer = spawn([&] { return put("tab-a", "k", {{"g", S("blue")}}); });
  ASSERT_TRUE(held.wait_held());
  // The index is created (and backfilled) between the write's evaluation and its commit.
  call("UpdateTable", {{"TableName", "tab-a"},
                       {"AttributeDefinitions", {{{"AttributeName", "g"}, {"AttributeType", "S"}}}},
                       {"GlobalSecondaryIndexUpdates",
                        {{{"Create",
                           {{"IndexName", "by-g"},
                            {"KeySchema", {{{"AttributeName", "g"}, {"KeyType", "HASH"}}}},
                            {"Projection", {{"ProjectionType", "ALL"}}}}}}}}});
  held.release();
  ASSERT_TRUE(finishes(writer));
  writer.get();
  const json found = call("Query", {{"TableName", "tab-a"},
                                    {"IndexName", "by-g"},
                                    {"KeyConditionExpression", "g = :g"},
                                    {"ExpressionAttributeValues", {{":g", S("blue")}}}});
  EXPECT_EQ(found["Count"], 1) << found.dump();
}

TEST_F(WriteIsolationTest, AWriteToATableDeletedMeanwhileWritesNothing) {
  create_table("tab-a");
  gate& held = hold("write:prepared", "tab-a");
  auto writer = spawn([&] {
    return error_of("PutItem", {{"TableName", "tab-a"}, {"Item", {{"pk", S("k")}}}});
  });
  ASSERT_TRUE(held.wait_held());
  call("DeleteTable", {{"TableName", "tab-a"}});
  create_table("tab-a");
  held.release();
  ASSERT_TRUE(finishes(writer));
  EXPECT_EQ(writer.get(), "ResourceNotFoundException: Requested resource not found");
  EXPECT_FALSE(get("tab-a", "k").contains("Item"));
  EXPECT_EQ(call("Scan", {{"TableName", "tab-a"}})["Count"], 0);
}

TEST_F(WriteIsolationTest, ATokenInUseByARunningTransactionIsRefusedThenReplayed) {
  create_table("tab-a");
  json request = transaction({{"tab-a", "counter"}});
  request["ClientRequestToken"] = "token-1";
  gate& held = hold("write:before_commit", "tab-a");
  auto first = spawn([&] { return call("TransactWriteItems", request); });
  ASSERT_TRUE(held.wait_held());
  EXPECT_EQ(error_of("TransactWriteItems", request),
            "TransactionInProgressException: The transaction with the given request token is already in "
            "progress.");
  held.release();
  ASSERT_TRUE(finishes(first));
  first.get();
  // Done: the same request is answered without being applied again.
  EXPECT_EQ(call("TransactWriteItems", request), json::object());
  EXPECT_EQ(counter("tab-a", "counter"), "1");
  json different = transaction({{"tab-a", "other"}});
  different["ClientRequestToken"] = "token-1";
  EXPECT_EQ(error_of("TransactWriteItems", different),
            "IdempotentParameterMismatchException: Request with ClientRequestToken was previously used with "
            "different parameters");
}

}  // namespace
}  // namespace fogbank::dynamodb
