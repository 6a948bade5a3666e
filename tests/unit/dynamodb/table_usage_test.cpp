// ItemCount, TableSizeBytes and each index's ItemCount and IndexSizeBytes are counters kept in
// every write batch (table_usage.hpp): after every kind of write, they must equal what a full
// scan of the table and of each index counts, also after a restart, after the counters are lost
// (a data directory from before them), and after the table is deleted and created again.

#include "table_usage.hpp"
#include "attribute_value.hpp"
#include "fogbank/storage/database.hpp"
#include "fogbank/storage/key_encoding.hpp"
#include "service_fixture.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

namespace fogbank::dynamodb {
namespace {

using nlohmann::json;
using test::N;
using test::S;

// The manual clock starts at 1'700'000'000 epoch seconds (service_fixture).
const char* const expired_at = "1699999000";
const char* const future = "1800000000";

struct counted {
  std::int64_t count = 0;
  std::int64_t bytes = 0;
  bool operator==(const counted&) const = default;
};

std::string text(const counted& c) {
  return "{count " + std::to_string(c.count) + ", bytes " + std::to_string(c.bytes) + "}";
}

class TableUsageTest : public test::service_fixture {
 protected:
  void TearDown() override {
    emulator_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  void open_on_disk() {
    dir_ = std::filesystem::temp_directory_path() / ("fogbank-usage-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    open(dir_.string());
  }
  void reopen() { open(dir_.string()); }

  // Table "usage": pk S, sk N; GSI byUser (user, ALL); LSI byScore (score, INCLUDE name); TTL on
  // "expires".
  void create_table() {
    const json lsi{{"IndexName", "byScore"},
                   {"KeySchema",
                    {{{"AttributeName", "pk"}, {"KeyType", "HASH"}},
                     {{"AttributeName", "score"}, {"KeyType", "RANGE"}}}},
                   {"Projection", {{"ProjectionType", "INCLUDE"}, {"NonKeyAttributes", {"name"}}}}};
    const json gsi{{"IndexName", "byUser"},
                   {"KeySchema", {{{"AttributeName", "user"}, {"KeyType", "HASH"}}}},
                   {"Projection", {{"ProjectionType", "ALL"}}}};
    call("CreateTable",
         {{"TableName", "usage"},
          {"BillingMode", "PAY_PER_REQUEST"},
          {"AttributeDefinitions",
           {{{"AttributeName", "pk"}, {"AttributeType", "S"}},
            {{"AttributeName", "sk"}, {"AttributeType", "N"}},
            {{"AttributeName", "user"}, {"AttributeType", "S"}},
            {{"AttributeName", "score"}, {"AttributeType", "N"}}}},
          {"KeySchema",
           {{{"AttributeName", "pk"}, {"KeyType", "HASH"}}, {{"AttributeName", "sk"}, {"KeyType", "RANGE"}}}},
          {"GlobalSecondaryIndexes", json::array({gsi})},
          {"LocalSecondaryIndexes", json::array({lsi})}});
    call("UpdateTimeToLive",
         {{"TableName", "usage"},
          {"TimeToLiveSpecification", {{"AttributeName", "expires"}, {"Enabled", true}}}});
  }

  static json item(const std::string& pk, int sk, const json& extra = json::object()) {
    json out{{"pk", S(pk)}, {"sk", N(std::to_string(sk))}, {"name", S("name of " + pk)}, {"other", S("x")}};
    for (const auto& [name, value] : extra.items()) out[name] = value;
    return out;
  }
  static json key(const std::string& pk, int sk) { return {{"pk", S(pk)}, {"sk", N(std::to_string(sk))}}; }
  void put(const json& it) { call("PutItem", {{"TableName", "usage"}, {"Item", it}}); }

  // Every item of the table (or of `index`), by a full Scan, counted and sized.
  counted scanned(const std::string& index = "") {
    counted out;
    json request{{"TableName", "usage"}};
    if (!index.empty()) request["IndexName"] = index;
    while (true) {
      const json page = call("Scan", request);
      for (const auto& it : page["Items"]) {
        ++out.count;
        out.bytes += static_cast<std::int64_t>(item_size(it));
      }
      if (!page.contains("LastEvaluatedKey")) break;
      request["ExclusiveStartKey"] = page["LastEvaluatedKey"];
    }
    return out;
  }

  // DescribeTable's counters agree with full scans, for the table and every index it lists.
  void expect_counters_match(const std::string& when) {
    SCOPED_TRACE(when);
    const json table = call("DescribeTable", {{"TableName", "usage"}})["Table"];
    const counted described{table["ItemCount"].get<std::int64_t>(),
                            table["TableSizeBytes"].get<std::int64_t>()};
    const counted scan = scanned();
    EXPECT_EQ(described, scan) << "table: described " << text(described) << ", scanned " << text(scan);
    for (const char* kind : {"GlobalSecondaryIndexes", "LocalSecondaryIndexes"}) {
      if (!table.contains(kind)) continue;
      for (const auto& index : table[kind]) {
        const std::string name = index["IndexName"];
        const counted index_described{index["ItemCount"].get<std::int64_t>(),
                                      index["IndexSizeBytes"].get<std::int64_t>()};
        const counted index_scan = scanned(name);
        EXPECT_EQ(index_described, index_scan) << "index " << name << ": described " << text(index_described)
                                               << ", scanned " << text(index_scan);
      }
    }
  }

  std::int64_t item_count() { return call("DescribeTable", {{"TableName", "usage"}})["Table"]["ItemCount"]; }

  // Every write kind, changing index membership on the way.
  void write_everything() {
    for (int i = 0; i < 6; ++i)
      put(item("p" + std::to_string(i % 2), i, {{"user", S("u" + std::to_string(i))}}));
    put(item("p0", 100, {{"score", N("5")}}));  // LSI only
    put(item("p0", 101));                       // no index
    expect_counters_match("after new puts");
    // Overwrites: bigger, leaving the GSI (with numbers stored in another form than sent: a put
    // counts the size of what it was sent), joining it, joining the LSI.
    put(item("p0", 0, {{"user", S("u0")}, {"payload", S(std::string(500, 'z'))}}));
    put(item("p1", 1, {{"amount", N("0012.500")}, {"nums", {{"NS", {"001.10", "-2.50", "1e3"}}}}}));
    put(item("p0", 101, {{"user", S("late")}, {"score", N("9")}}));
    expect_counters_match("after overwrites");
    // UpdateItem: grow, remove an index key, add one, and an upsert of a new item.
    call("UpdateItem", {{"TableName", "usage"},
                        {"Key", key("p0", 2)},
                        {"UpdateExpression", "SET more = :m REMOVE #u"},
                        {"ExpressionAttributeNames", {{"#u", "user"}}},
                        {"ExpressionAttributeValues", {{":m", S(std::string(100, 'm'))}}}});
    call("UpdateItem", {{"TableName", "usage"},
                        {"Key", key("p1", 3)},
                        {"UpdateExpression", "SET score = :s, #n = :n"},
                        {"ExpressionAttributeNames", {{"#n", "name"}}},
                        {"ExpressionAttributeValues", {{":s", N("3")}, {":n", S("renamed")}}}});
    call("UpdateItem", {{"TableName", "usage"},
                        {"Key", key("p2", 7)},
                        {"UpdateExpression", "SET #u = :u"},
                        {"ExpressionAttributeNames", {{"#u", "user"}}},
                        {"ExpressionAttributeValues", {{":u", S("u7")}}}});
    expect_counters_match("after updates");
    // DeleteItem, of an item and of nothing; a failed condition changes nothing.
    call("DeleteItem", {{"TableName", "usage"}, {"Key", key("p1", 5)}});
    call("DeleteItem", {{"TableName", "usage"}, {"Key", key("nobody", 1)}});
    EXPECT_EQ(error_of("PutItem", {{"TableName", "usage"},
                                   {"Item", item("p0", 4)},
                                   {"ConditionExpression", "attribute_not_exists(pk)"}}),
              "ConditionalCheckFailedException: The conditional request failed");
    expect_counters_match("after deletes");
    // BatchWriteItem: puts (new and overwrite) and deletes.
    call("BatchWriteItem",
         {{"RequestItems",
           {{"usage",
             {{{"PutRequest", {{"Item", item("p3", 1, {{"user", S("b1")}, {"score", N("1")}})}}}},
              {{"PutRequest", {{"Item", item("p0", 100)}}}},
              {{"DeleteRequest", {{"Key", key("p0", 4)}}}},
              {{"DeleteRequest", {{"Key", key("p9", 9)}}}}}}}}});
    expect_counters_match("after BatchWriteItem");
    // TransactWriteItems: one of each action; then a cancelled one, which changes nothing.
    call("TransactWriteItems",
         {{"TransactItems",
           {{{"Put", {{"TableName", "usage"}, {"Item", item("p4", 1, {{"user", S("t1")}})}}}},
            {{"Update",
              {{"TableName", "usage"}, {"Key", key("p3", 1)}, {"UpdateExpression", "REMOVE score"}}}},
            {{"Delete", {{"TableName", "usage"}, {"Key", key("p0", 101)}}}},
            {{"ConditionCheck",
              {{"TableName", "usage"},
               {"Key", key("p0", 0)},
               {"ConditionExpression", "attribute_exists(pk)"}}}}}}});
    EXPECT_EQ(error_of("TransactWriteItems",
                       {{"TransactItems",
                         {{{"Put", {{"TableName", "usage"}, {"Item", item("p5", 1, {{"user", S("t2")}})}}}},
                          {{"ConditionCheck",
                            {{"TableName", "usage"},
                             {"Key", key("absent", 0)},
                             {"ConditionExpression", "attribute_exists(pk)"}}}}}}}),
              "TransactionCanceledException: Transaction cancelled, please refer cancellation reasons for "
              "specific reasons [None, ConditionalCheckFailed]");
    expect_counters_match("after TransactWriteItems");
    // TTL: two items expire (one in each index), one does not.
    put(item("p6", 1, {{"user", S("e1")}, {"expires", N(expired_at)}}));
    put(item("p6", 2, {{"score", N("2")}, {"expires", N(expired_at)}}));
    put(item("p6", 3, {{"expires", N(future)}}));
    EXPECT_EQ(dynamodb().expire_now(), 2u);
    expect_counters_match("after the TTL sweep");
  }

  std::filesystem::path dir_;
};

TEST_F(TableUsageTest, CountersEqualFullScansAfterEveryKindOfWrite) {
  create_table();
  expect_counters_match("empty");
  EXPECT_EQ(item_count(), 0);
  write_everything();
  EXPECT_EQ(item_count(), 9);  // 14 keys written, 3 deleted, 2 expired
  // UpdateTable: a new GSI is backfilled with its counter, a deleted one's goes.
  call("UpdateTable", {{"TableName", "usage"},
                       {"AttributeDefinitions", {{{"AttributeName", "name"}, {"AttributeType", "S"}}}},
                       {"GlobalSecondaryIndexUpdates",
                        {{{"Create",
                           {{"IndexName", "byName"},
                            {"KeySchema", {{{"AttributeName", "name"}, {"KeyType", "HASH"}}}},
                            {"Projection", {{"ProjectionType", "KEYS_ONLY"}}}}}}}}});
  expect_counters_match("after a GSI was created");
  put(item("p7", 1, {{"user", S("after")}}));
  call("DeleteItem", {{"TableName", "usage"}, {"Key", key("p0", 0)}});
  expect_counters_match("after writes to the new GSI");
  call("UpdateTable",
       {{"TableName", "usage"}, {"GlobalSecondaryIndexUpdates", {{{"Delete", {{"IndexName", "byUser"}}}}}}});
  expect_counters_match("after a GSI was deleted");
  put(item("p7", 2, {{"user", S("after")}}));
  expect_counters_match("after a write without byUser");
}

// A put that replaces an item nobody reads (no condition, ReturnValues or consumed capacity, on a
// table with no index and no stream) sizes the old item from its stored bytes instead of decoding
// it (write_apply.cpp): the counters come out as from a scan all the same, and a caller that asks
// for the old item still gets it.
TEST_F(TableUsageTest, PutsThatReplaceItemsUnreadKeepTheCountersExact) {
  call("CreateTable",
       {{"TableName", "usage"},
        {"BillingMode", "PAY_PER_REQUEST"},
        {"AttributeDefinitions",
         {{{"AttributeName", "pk"}, {"AttributeType", "S"}},
          {{"AttributeName", "sk"}, {"AttributeType", "N"}}}},
        {"KeySchema",
         {{{"AttributeName", "pk"}, {"KeyType", "HASH"}}, {{"AttributeName", "sk"}, {"KeyType", "RANGE"}}}}});
  for (int i = 0; i < 5; ++i) put(item("p", i));
  expect_counters_match("after new puts");
  // Bigger, smaller again, and items of every type (numbers in another form than stored, maps,
  // lists, sets, binary, null, bool) replaced by others.
  put(item("p", 0, {{"payload", S(std::string(700, 'z'))}}));
  put(item("p", 0));
  const json every_type{{"amount", N("0012.500")},
                        {"map", {{"M", {{"b", N("-1e3")}, {"a", {{"L", {S("x"), {{"BOOL", true}}}}}}}}}},
                        {"nums", {{"NS", {"001.10", "-2.50"}}}},
                        {"strs", {{"SS", {"a", "bb"}}}},
                        {"bin", {{"B", "AAEC"}}},
                        {"bins", {{"BS", {"AA==", "AQ=="}}}},
                        {"nothing", {{"NULL", true}}}};
  put(item("p", 1, every_type));
  put(item("p", 1, {{"payload", S(std::string(40, 'y'))}}));
  put(item("p", 2, every_type));
  call("BatchWriteItem",
       {{"RequestItems",
         {{"usage",
           {{{"PutRequest", {{"Item", item("p", 2)}}}},
            {{"PutRequest", {{"Item", item("p", 3, {{"payload", S(std::string(90, 'w'))}})}}}},
            {{"PutRequest", {{"Item", item("p", 9)}}}}}}}}});
  expect_counters_match("after overwrites");
  EXPECT_EQ(item_count(), 6);

  // Asked for, the replaced item is there as before: as ALL_OLD, and in the units it costs (the
  // larger of the old and the new item: 3 KB over 1 KB is 3 write units).
  put(item("p", 4, every_type));
  const json stored = call("GetItem", {{"TableName", "usage"}, {"Key", key("p", 4)}})["Item"];
  ASSERT_TRUE(stored.is_object());
  const json old_answer =
      call("PutItem", {{"TableName", "usage"}, {"Item", item("p", 4)}, {"ReturnValues", "ALL_OLD"}});
  EXPECT_EQ(old_answer["Attributes"], stored);
  put(item("p", 4, {{"payload", S(std::string(3000, 'q'))}}));
  const json units = call("PutItem", {{"TableName", "usage"},
                                      {"Item", item("p", 4)},
                                      {"ReturnConsumedCapacity", "TOTAL"}})["ConsumedCapacity"];
  EXPECT_EQ(units["CapacityUnits"], 3.0) << units.dump();
  expect_counters_match("after puts that read the old item");
}

TEST_F(TableUsageTest, CountersSurviveARestart) {
  open_on_disk();
  create_table();
  write_everything();
  const json before = call("DescribeTable", {{"TableName", "usage"}})["Table"];
  reopen();
  const json after = call("DescribeTable", {{"TableName", "usage"}})["Table"];
  EXPECT_EQ(after["ItemCount"], before["ItemCount"]);
  EXPECT_EQ(after["TableSizeBytes"], before["TableSizeBytes"]);
  EXPECT_EQ(after["GlobalSecondaryIndexes"], before["GlobalSecondaryIndexes"]);
  EXPECT_EQ(after["LocalSecondaryIndexes"], before["LocalSecondaryIndexes"]);
  expect_counters_match("after a restart");
  put(item("p8", 1, {{"user", S("r")}, {"score", N("8")}}));
  call("DeleteItem", {{"TableName", "usage"}, {"Key", key("p1", 1)}});
  expect_counters_match("after writes after a restart");
}

TEST_F(TableUsageTest, LostCountersAreMeasuredAtStart) {
  open_on_disk();
  create_table();
  write_everything();
  // As a data directory written before the counters existed: none stored.
  storage::database& db = emulator_->database();
  storage::scan_range range;
  range.lower = "usage/";
  range.upper = storage::key::prefix_successor("usage/");
  storage::write_batch batch;
  for (auto it = db.scan(storage::column::meta, range); it->valid(); it->next()) {
    batch.erase(storage::column::meta, it->key());
  }
  ASSERT_EQ(batch.count(), 3) << "one counter each for the table, the GSI and the LSI";
  ASSERT_TRUE(db.write(batch).is_ok());
  reopen();
  expect_counters_match("after a restart without counters");
  put(item("p8", 1, {{"user", S("r")}, {"score", N("8")}}));
  expect_counters_match("after a write");
  reopen();
  expect_counters_match("after a second restart");
}

TEST_F(TableUsageTest, ATableCreatedAgainStartsFromZero) {
  create_table();
  write_everything();
  call("DeleteTable", {{"TableName", "usage"}});
  create_table();
  expect_counters_match("created again");
  EXPECT_EQ(item_count(), 0);
  put(item("p0", 1, {{"user", S("u")}}));
  expect_counters_match("one item");
  EXPECT_EQ(item_count(), 1);
}

TEST(TableUsageText, StoredFormRoundTripsAndRejectsGarbage) {
  const usage value{12345678901, 98765432109876};
  const std::optional<usage> parsed = parse_usage(usage_text(value));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->count, value.count);
  EXPECT_EQ(parsed->bytes, value.bytes);
  for (const char* bad : {"", "1", "1 ", " 1 2", "1 2 ", "a b", "1  2", "1 2x"}) {
    EXPECT_FALSE(parse_usage(bad).has_value()) << "'" << bad << "'";
  }
}

}  // namespace
}  // namespace fogbank::dynamodb
