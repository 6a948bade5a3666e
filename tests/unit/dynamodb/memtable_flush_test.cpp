// Items overwritten or deleted leave older versions in RocksDB's memtable, which every Query and
// Scan steps over until the memtable is flushed; after flush_after_superseded_items of them the
// service flushes the items' and index entries' memtables in the background (service_impl.hpp).
// A spy over the real database counts the flushes asked for; what the flush does is RocksDB's,
// and the reads after it must see the newest version of everything.

#include "service_fixture.hpp"
#include "service_impl.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace fogbank::dynamodb {
namespace {

using nlohmann::json;
using test::N;
using test::S;

// The real database, with the flushes it is asked for counted by column.
class flush_counting_database : public storage::database {
 public:
  explicit flush_counting_database(std::unique_ptr<storage::database> real) : real_(std::move(real)) {}

  std::map<storage::column, int> flushes() const {
    std::lock_guard lock(mutex_);
    return flushes_;
  }

  storage::status get(storage::column c, std::string_view key, std::string* value,
                      const storage::snapshot* at) const override {
    return real_->get(c, key, value, at);
  }
  storage::status write(storage::write_batch& batch) override { return real_->write(batch); }
  std::unique_ptr<storage::iterator> scan(storage::column c, const storage::scan_range& range,
                                          const storage::snapshot* at) const override {
    return real_->scan(c, range, at);
  }
  std::unique_ptr<storage::snapshot> take_snapshot() const override { return real_->take_snapshot(); }
  storage::status flush(storage::column c, bool wait) override {
    {
      std::lock_guard lock(mutex_);
      ++flushes_[c];
    }
    return real_->flush(c, wait);
  }

 private:
  std::unique_ptr<storage::database> real_;
  mutable std::mutex mutex_;
  std::map<storage::column, int> flushes_;
};

class MemtableFlushTest : public test::service_fixture {
 protected:
  void SetUp() override {
    open("", [this](std::unique_ptr<storage::database> real) -> std::unique_ptr<storage::database> {
      auto spy = std::make_unique<flush_counting_database>(std::move(real));
      spy_ = spy.get();
      return spy;
    });
    // A GSI, so that index entries are overwritten too.
    call("CreateTable", {{"TableName", "hot"},
                         {"BillingMode", "PAY_PER_REQUEST"},
                         {"AttributeDefinitions",
                          {{{"AttributeName", "pk"}, {"AttributeType", "S"}},
                           {{"AttributeName", "g"}, {"AttributeType", "S"}}}},
                         {"KeySchema", {{{"AttributeName", "pk"}, {"KeyType", "HASH"}}}},
                         {"GlobalSecondaryIndexes",
                          {{{"IndexName", "byG"},
                            {"KeySchema", {{{"AttributeName", "g"}, {"KeyType", "HASH"}}}},
                            {"Projection", {{"ProjectionType", "ALL"}}}}}}});
  }

  // BatchWriteItem puts of items pk "k<first>".."k<first + count - 1>", 25 to a call, with
  // attribute v = `round`.
  void put_items(int first, int count, int round) {
    for (int start = first; start < first + count; start += 25) {
      json requests = json::array();
      for (int i = start; i < std::min(start + 25, first + count); ++i) {
        const json item{{"pk", S("k" + std::to_string(i))},
                        {"g", S("g" + std::to_string(i % 7))},
                        {"v", N(std::to_string(round))}};
        requests.push_back({{"PutRequest", {{"Item", item}}}});
      }
      call("BatchWriteItem", {{"RequestItems", {{"hot", requests}}}});
    }
  }

  std::map<storage::column, int> expected_flushes(int n) {
    if (n == 0) return {};
    return {{storage::column::items, n}, {storage::column::index_entries, n}};
  }

  flush_counting_database* spy_ = nullptr;
};

TEST_F(MemtableFlushTest, EnoughOverwritesAndDeletesFlushTheItemsMemtables) {
  static_assert(flush_after_superseded_items % 4096 == 0);
  const int threshold = static_cast<int>(flush_after_superseded_items);
  // New items supersede nothing, however many.
  put_items(0, threshold + 100, 0);
  EXPECT_EQ(spy_->flushes(), expected_flushes(0));

  // One short of the threshold in overwrites (BatchWriteItem, PutItem, UpdateItem) and deletes...
  put_items(0, threshold - 4, 1);
  call("PutItem", {{"TableName", "hot"}, {"Item", {{"pk", S("k1")}, {"g", S("g1")}, {"v", N("2")}}}});
  call("UpdateItem", {{"TableName", "hot"},
                      {"Key", {{"pk", S("k2")}}},
                      {"UpdateExpression", "SET v = :v"},
                      {"ExpressionAttributeValues", {{":v", N("2")}}}});
  call("DeleteItem", {{"TableName", "hot"}, {"Key", {{"pk", S("k3")}}}});
  // (a delete of nothing supersedes nothing)
  call("DeleteItem", {{"TableName", "hot"}, {"Key", {{"pk", S("absent")}}}});
  EXPECT_EQ(spy_->flushes(), expected_flushes(0));

  // ...and the next one flushes both columns, once.
  call("PutItem", {{"TableName", "hot"}, {"Item", {{"pk", S("k4")}, {"g", S("g4")}, {"v", N("2")}}}});
  EXPECT_EQ(spy_->flushes(), expected_flushes(1));
  // Counted again from zero: k3 was deleted, so one of these puts is new.
  put_items(0, threshold, 3);
  EXPECT_EQ(spy_->flushes(), expected_flushes(1));
  put_items(threshold, 1, 3);
  EXPECT_EQ(spy_->flushes(), expected_flushes(2));

  // What was flushed reads as written: the newest version of each item, in the table and the index.
  EXPECT_EQ(call("GetItem", {{"TableName", "hot"}, {"Key", {{"pk", S("k1")}}}})["Item"]["v"], N("3"));
  EXPECT_EQ(call("GetItem", {{"TableName", "hot"}, {"Key", {{"pk", S("k3")}}}})["Item"]["v"], N("3"));
  EXPECT_EQ(call("GetItem", {{"TableName", "hot"}, {"Key", {{"pk", S("k8200")}}}})["Item"]["v"], N("0"));
  const json page = call("Query", {{"TableName", "hot"},
                                   {"IndexName", "byG"},
                                   {"KeyConditionExpression", "g = :g"},
                                   {"ExpressionAttributeValues", {{":g", S("g3")}}},
                                   {"Select", "COUNT"}});
  int expected_count = 0;
  for (int i = 0; i < threshold + 100; ++i) expected_count += i % 7 == 3 ? 1 : 0;
  EXPECT_EQ(page["Count"], expected_count);
  const json described = call("DescribeTable", {{"TableName", "hot"}})["Table"];
  EXPECT_EQ(described["ItemCount"], threshold + 100);
}

}  // namespace
}  // namespace fogbank::dynamodb
