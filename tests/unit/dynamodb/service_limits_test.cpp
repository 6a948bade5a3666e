// Hostile requests through the service (issue 6): each answers DynamoDB's error and changes
// nothing. Items nested too deep by an update, UpdateTable retyping a key, tag and index counts
// checked before any work, JSON of the wrong type answered as AWS answers it (never the JSON
// library's text), and storage errors that are never taken for the end of the data.

#include "fogbank/storage/database.hpp"

#include "service_fixture.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace fogbank::dynamodb {
namespace {

using nlohmann::json;
using test::N;
using test::S;

json hash_key_schema(const std::string& hash) {
  return json::array({{{"AttributeName", hash}, {"KeyType", "HASH"}}});
}

json definitions(std::initializer_list<std::pair<const char*, const char*>> entries) {
  json out = json::array();
  for (const auto& [name, type] : entries) out.push_back({{"AttributeName", name}, {"AttributeType", type}});
  return out;
}

json gsi_create(const std::string& index, const std::string& hash) {
  return json::array({{{"Create",
                        {{"IndexName", index},
                         {"KeySchema", hash_key_schema(hash)},
                         {"Projection", {{"ProjectionType", "ALL"}}}}}}});
}

class ServiceLimitsTest : public test::service_fixture {
 protected:
  void SetUp() override {
    service_fixture::SetUp();
    create_table("tbl");
  }

  void create_table(const std::string& name, json extra = json::object()) {
    json request{{"TableName", name},
                 {"BillingMode", "PAY_PER_REQUEST"},
                 {"AttributeDefinitions", definitions({{"pk", "S"}})},
                 {"KeySchema", hash_key_schema("pk")}};
    request.update(extra);
    call("CreateTable", request);
  }

  json describe(const std::string& name = "tbl") {
    return call("DescribeTable", {{"TableName", name}})["Table"];
  }
  json tags(const std::string& name = "tbl") {
    return call("ListTagsOfResource", {{"ResourceArn", arn(name)}})["Tags"];
  }
  static std::string arn(const std::string& name) {
    return "arn:aws:dynamodb:us-east-1:000000000000:table/" + name;
  }
};

// ---- AttributeValue nesting (finding 3) ------------------------------------------------------

TEST_F(ServiceLimitsTest, UpdateThatNestsTooDeepIsRefusedAndChangesNothing) {
  json value = S("leaf");
  for (int i = 0; i < 30; ++i) value = json{{"M", {{"m", value}}}};  // leaf at level 31
  call("PutItem", {{"TableName", "tbl"}, {"Item", {{"pk", S("k")}, {"a", {{"M", json::object()}}}}}});
  // a (level 1) . b (level 2) = value: the leaf lands at level 32, the limit.
  call("UpdateItem", {{"TableName", "tbl"},
                      {"Key", {{"pk", S("k")}}},
                      {"UpdateExpression", "SET a.b = :v"},
                      {"ExpressionAttributeValues", {{":v", value}}}});
  const json before = call("GetItem", {{"TableName", "tbl"}, {"Key", {{"pk", S("k")}}}});
  // One level more: the value alone is valid, the item it would make is not.
  call("PutItem",
       {{"TableName", "tbl"}, {"Item", {{"pk", S("k")}, {"a", {{"M", {{"c", {{"M", json::object()}}}}}}}}}});
  const json stored = call("GetItem", {{"TableName", "tbl"}, {"Key", {{"pk", S("k")}}}});
  EXPECT_EQ(error_of("UpdateItem", {{"TableName", "tbl"},
                                    {"Key", {{"pk", S("k")}}},
                                    {"UpdateExpression", "SET a.c.d = :v"},
                                    {"ExpressionAttributeValues", {{":v", value}}}}),
            "ValidationException: Nesting Levels have exceeded supported limits: Attributes in the item have "
            "nested levels beyond supported limit");
  EXPECT_EQ(call("GetItem", {{"TableName", "tbl"}, {"Key", {{"pk", S("k")}}}}), stored);
  EXPECT_NE(before, stored);
}

// ---- UpdateTable (finding 5) -----------------------------------------------------------------

TEST_F(ServiceLimitsTest, UpdateTableNeverRetypesTheTableKey) {
  call("PutItem", {{"TableName", "tbl"}, {"Item", {{"pk", S("k")}, {"g", S("x")}}}});
  // The finding: a GSI on another attribute, with pk redefined as N. DynamoDB accepts the call
  // and keeps pk's type (paritysuite/dynamodb-conformance#78, characterised against AWS).
  call("UpdateTable", {{"TableName", "tbl"},
                       {"AttributeDefinitions", definitions({{"pk", "N"}, {"g", "S"}})},
                       {"GlobalSecondaryIndexUpdates", gsi_create("byG", "g")}});
  const json table = describe();
  EXPECT_EQ(table["AttributeDefinitions"], definitions({{"g", "S"}, {"pk", "S"}}));
  EXPECT_EQ(call("GetItem", {{"TableName", "tbl"}, {"Key", {{"pk", S("k")}}}})["Item"]["g"], S("x"));
  EXPECT_EQ(error_of("GetItem", {{"TableName", "tbl"}, {"Key", {{"pk", N("1")}}}}),
            "ValidationException: The provided key element does not match the schema");
}

TEST_F(ServiceLimitsTest, AnIndexCannotRedefineAKeyType) {
  // alternator test_gsi_key_type_conflict_on_update quotes DynamoDB's message.
  const json before = describe();
  EXPECT_EQ(error_of("UpdateTable", {{"TableName", "tbl"},
                                     {"AttributeDefinitions", definitions({{"pk", "N"}})},
                                     {"GlobalSecondaryIndexUpdates", gsi_create("byPk", "pk")}}),
            "ValidationException: One or more parameter values were invalid: Attributes cannot be redefined. "
            "Please check that your attribute has the same type as previously defined. Existing schema: "
            "Schema:[SchemaElement: key{pk:S:HASH}] New schema: Schema:[SchemaElement: key{pk:N:HASH}]");
  call("UpdateTable", {{"TableName", "tbl"},
                       {"AttributeDefinitions", definitions({{"x", "S"}})},
                       {"GlobalSecondaryIndexUpdates", gsi_create("byX", "x")}});
  EXPECT_EQ(error_of("UpdateTable", {{"TableName", "tbl"},
                                     {"AttributeDefinitions", definitions({{"x", "N"}})},
                                     {"GlobalSecondaryIndexUpdates", gsi_create("byX2", "x")}}),
            "ValidationException: One or more parameter values were invalid: Attributes cannot be redefined. "
            "Please check that your attribute has the same type as previously defined. Existing schema: "
            "Schema:[SchemaElement: key{x:S:HASH}] New schema: Schema:[SchemaElement: key{x:N:HASH}]");
  EXPECT_EQ(describe()["GlobalSecondaryIndexes"].size(), 1u);
  EXPECT_EQ(before["AttributeDefinitions"], definitions({{"pk", "S"}}));
  // Once the index is gone, x is free to take another type.
  call("UpdateTable",
       {{"TableName", "tbl"}, {"GlobalSecondaryIndexUpdates", {{{"Delete", {{"IndexName", "byX"}}}}}}});
  call("UpdateTable", {{"TableName", "tbl"},
                       {"AttributeDefinitions", definitions({{"x", "N"}})},
                       {"GlobalSecondaryIndexUpdates", gsi_create("byX2", "x")}});
  EXPECT_EQ(describe()["AttributeDefinitions"], definitions({{"pk", "S"}, {"x", "N"}}));
}

TEST_F(ServiceLimitsTest, AnIndexKeyMustBeDefinedByTheRequest) {
  // alternator test_gsi_backfill_with_lsi: even a key the table already defines.
  EXPECT_EQ(
      error_of("UpdateTable",
               {{"TableName", "tbl"}, {"GlobalSecondaryIndexUpdates", gsi_create("byPk", "pk")}}),
      "ValidationException: One or more parameter values were invalid: Some index key attributes are not "
      "defined in AttributeDefinitions. Keys: [pk], AttributeDefinitions: []");
  EXPECT_FALSE(describe().contains("GlobalSecondaryIndexes"));
}

TEST_F(ServiceLimitsTest, OneIndexCreatedOrDeletedPerUpdate) {
  json updates = gsi_create("byA", "a");
  updates.push_back(gsi_create("byB", "b")[0]);
  EXPECT_EQ(
      error_of("UpdateTable", {{"TableName", "tbl"},
                               {"AttributeDefinitions", definitions({{"a", "S"}, {"b", "S"}})},
                               {"GlobalSecondaryIndexUpdates", updates}}),
      "LimitExceededException: Subscriber limit exceeded: Only 1 online index can be created or deleted "
      "simultaneously per table");
  // Checked before any definition is read: 10,000 creates of undefined attributes get the same
  // answer (a create of the wrong JSON type is the deserializer's SerializationException first).
  json many = json::array();
  for (int i = 0; i < 10000; ++i) many.push_back(gsi_create("ix" + std::to_string(i), "undefined")[0]);
  EXPECT_EQ(
      error_of("UpdateTable", {{"TableName", "tbl"}, {"GlobalSecondaryIndexUpdates", many}}),
      "LimitExceededException: Subscriber limit exceeded: Only 1 online index can be created or deleted "
      "simultaneously per table");
  EXPECT_FALSE(describe().contains("GlobalSecondaryIndexes"));
}

// ---- Tags (finding 4) ------------------------------------------------------------------------

TEST_F(ServiceLimitsTest, ThirtyThousandTagsAreRefusedBeforeAnyWork) {
  call("TagResource", {{"ResourceArn", arn("tbl")}, {"Tags", {{{"Key", "keep"}, {"Value", "1"}}}}});
  json many = json::array();
  for (int i = 0; i < 30000; ++i) many.push_back({{"Key", "k" + std::to_string(i)}, {"Value", "v"}});
  EXPECT_EQ(error_of("TagResource", {{"ResourceArn", arn("tbl")}, {"Tags", many}}),
            "LimitExceededException: Too many tags on the resource");
  // 49 more fit, 50 more do not: the count includes the tags the table already has.
  many.erase(many.begin() + 50, many.end());
  EXPECT_EQ(error_of("TagResource", {{"ResourceArn", arn("tbl")}, {"Tags", many}}),
            "LimitExceededException: Too many tags on the resource");
  EXPECT_EQ(tags(), json::parse(R"([{"Key": "keep", "Value": "1"}])"));
  many.erase(many.begin() + 49, many.end());
  call("TagResource", {{"ResourceArn", arn("tbl")}, {"Tags", many}});
  EXPECT_EQ(tags().size(), 50u);
  // Re-tagging existing keys adds none.
  call("TagResource", {{"ResourceArn", arn("tbl")}, {"Tags", {{{"Key", "keep"}, {"Value", "2"}}}}});
  EXPECT_EQ(tags()[0], json::parse(R"({"Key": "keep", "Value": "2"})"));
}

TEST_F(ServiceLimitsTest, UntagWithAHundredThousandKeys) {
  call("TagResource", {{"ResourceArn", arn("tbl")},
                       {"Tags", {{{"Key", "a"}, {"Value", "1"}}, {{"Key", "b"}, {"Value", "2"}}}}});
  json keys = json::array();
  for (int i = 0; i < 100000; ++i) keys.push_back("k" + std::to_string(i));
  keys.push_back("a");
  call("UntagResource", {{"ResourceArn", arn("tbl")}, {"TagKeys", keys}});
  EXPECT_EQ(tags(), json::parse(R"([{"Key": "b", "Value": "2"}])"));
}

TEST_F(ServiceLimitsTest, TagsAreValidated) {
  json many = json::array();
  for (int i = 0; i < 51; ++i) many.push_back({{"Key", "k" + std::to_string(i)}, {"Value", "v"}});
  EXPECT_EQ(error_of("CreateTable", {{"TableName", "new_table"},
                                     {"BillingMode", "PAY_PER_REQUEST"},
                                     {"AttributeDefinitions", definitions({{"pk", "S"}})},
                                     {"KeySchema", hash_key_schema("pk")},
                                     {"Tags", many}}),
            "LimitExceededException: Too many tags on the resource");
  EXPECT_EQ(error_of("DescribeTable", {{"TableName", "new_table"}}),
            "ResourceNotFoundException: Requested resource not found: Table: new_table not found");
  EXPECT_EQ(
      error_of("TagResource", {{"ResourceArn", arn("tbl")}, {"Tags", {{{"Key", ""}, {"Value", "v"}}}}}),
      "ValidationException: 1 validation error detected: Value '' at 'tags.1.member.key' failed to satisfy "
      "constraint: Member must have length greater than or equal to 1");
  EXPECT_EQ(
      error_of("TagResource", {{"ResourceArn", arn("tbl")}, {"Tags", {{{"Key", "k"}, {"Value", {1, 2}}}}}}),
      "SerializationException: Unrecognized collection type class java.lang.String");
  // A tag's value is a string, never a document stored and echoed back.
  EXPECT_EQ(tags(), json::array());
}

// ---- Counts before work (finding 4) ----------------------------------------------------------

TEST_F(ServiceLimitsTest, BatchGetCountsKeysBeforeLookingAnythingUp) {
  json keys = json::array();
  for (int i = 0; i < 60; ++i) keys.push_back({{"pk", S(std::to_string(i))}});
  // Two tables that do not exist: the count is the answer, not ResourceNotFoundException.
  EXPECT_EQ(error_of("BatchGetItem",
                     {{"RequestItems", {{"nope1", {{"Keys", keys}}}, {"nope2", {{"Keys", keys}}}}}}),
            "ValidationException: Too many items requested for the BatchGetItem call");
}

// ---- JSON of the wrong type (finding 6) ------------------------------------------------------
// The deserializer's wording as dynalite's test/helpers.js assertType pins it against DynamoDB today.

TEST_F(ServiceLimitsTest, WrongJsonTypesGetAwsErrorsNotLibraryText) {
  struct probe {
    const char* operation;
    json request;
    const char* error;
  };
  const probe probes[] = {
      {"UpdateTable",
       {{"TableName", "tbl"}, {"GlobalSecondaryIndexUpdates", {{{"Delete", "x"}}}}},
       "SerializationException: Unexpected field type"},
      {"UpdateTable",
       json::parse(
           R"({"TableName": "tbl", "GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": [1]}}]})"),
       "SerializationException: Unrecognized collection type class java.lang.String"},
      {"UpdateTable",
       {{"TableName", "tbl"},
        {"ProvisionedThroughput", {{"ReadCapacityUnits", "1"}, {"WriteCapacityUnits", 1}}}},
       "SerializationException: STRING_VALUE cannot be converted to Long"},
      {"UpdateTable",
       {{"TableName", "tbl"}, {"DeletionProtectionEnabled", "perhaps"}},
       "SerializationException: Unexpected token received from parser"},
      {"UpdateTable",
       {{"TableName", "tbl"},
        {"AttributeDefinitions", {{{"AttributeName", 7}, {"AttributeType", "S"}}}},
        {"GlobalSecondaryIndexUpdates", gsi_create("byI", "i")}},
       "SerializationException: NUMBER_VALUE cannot be converted to String"},
      {"CreateTable",
       {{"TableName", "new_table"},
        {"BillingMode", 7},
        {"AttributeDefinitions", definitions({{"pk", "S"}})},
        {"KeySchema", hash_key_schema("pk")}},
       "SerializationException: NUMBER_VALUE cannot be converted to String"},
      {"GetItem",
       {{"TableName", "tbl"}, {"Key", {{"pk", S("k")}}}, {"ConsistentRead", {{"a", 1}}}},
       "SerializationException: Start of structure or map found where not expected"},
      {"Query",
       {{"TableName", "tbl"},
        {"KeyConditionExpression", "pk = :v"},
        {"ExpressionAttributeValues", {{":v", S("k")}}},
        {"ScanIndexForward", 3}},
       "SerializationException: NUMBER_VALUE cannot be converted to Boolean"},
      {"Scan",
       {{"TableName", "tbl"}, {"Segment", 0}, {"TotalSegments", "2"}},
       "SerializationException: STRING_VALUE cannot be converted to Integer"},
      {"BatchGetItem",
       json::parse(R"({"RequestItems": {"tbl": {"Keys": [{"pk": {"S": "k"}}], "ConsistentRead": [true]}}})"),
       "SerializationException: Unrecognized collection type class java.lang.Boolean"},
  };
  for (const auto& p : probes) {
    const std::string error = error_of(p.operation, p.request);
    EXPECT_EQ(error, p.error) << p.operation << " " << p.request.dump();
    EXPECT_EQ(error.find("json.exception"), std::string::npos) << error;
  }
  EXPECT_EQ(describe()["AttributeDefinitions"], definitions({{"pk", "S"}}));
  EXPECT_FALSE(describe().contains("GlobalSecondaryIndexes"));
}

// ---- Storage errors (finding 7) --------------------------------------------------------------

// A database whose scans fail after `fail_after` entries once `failing` is set: the iterator
// stops (valid() false) with an io_error state, as RocksDB's does on a read error. Its writes
// fail with an io_error, writing nothing, once `writes_before_failure` (when not negative)
// more have succeeded. The fixture puts it under the emulator's services.
class failing_database : public storage::database {
 public:
  explicit failing_database(std::unique_ptr<storage::database> real) : real_(std::move(real)) {}

  std::atomic<bool> failing{false};
  std::size_t fail_after = 1;

  storage::status get(storage::column c, std::string_view key, std::string* value,
                      const storage::snapshot* at) const override {
    return real_->get(c, key, value, at);
  }
  std::atomic<int> writes_before_failure{-1};

  storage::status write(storage::write_batch& batch) override {
    int left = writes_before_failure.load();
    while (left > 0 && !writes_before_failure.compare_exchange_weak(left, left - 1)) {
    }
    if (left == 0) return storage::status::error(storage::status::kind::io_error, "injected write error");
    return real_->write(batch);
  }
  std::unique_ptr<storage::snapshot> take_snapshot() const override { return real_->take_snapshot(); }
  std::unique_ptr<storage::iterator> scan(storage::column c, const storage::scan_range& range,
                                          const storage::snapshot* at) const override {
    return std::make_unique<failing_iterator>(real_->scan(c, range, at), failing ? fail_after : SIZE_MAX);
  }

 private:
  class failing_iterator : public storage::iterator {
   public:
    failing_iterator(std::unique_ptr<storage::iterator> real, std::size_t fail_after)
        : real_(std::move(real)), left_(fail_after) {}
    bool valid() const override { return left_ > 0 && real_->valid(); }
    std::string_view key() const override { return real_->key(); }
    std::string_view value() const override { return real_->value(); }
    void next() override {
      real_->next();
      if (left_ > 0 && left_ != SIZE_MAX) --left_;
    }
    // An error only where entries were left: a range that ends first ends normally.
    storage::status state() const override {
      if (left_ == 0 && real_->valid()) {
        return storage::status::error(storage::status::kind::io_error, "injected read error");
      }
      return real_->state();
    }

   private:
    std::unique_ptr<storage::iterator> real_;
    std::size_t left_;
  };

  std::unique_ptr<storage::database> real_;
};

class StorageErrorTest : public test::service_fixture {
 protected:
  void SetUp() override {
    open("", [this](std::unique_ptr<storage::database> real) -> std::unique_ptr<storage::database> {
      auto failing = std::make_unique<failing_database>(std::move(real));
      db_failing_ = failing.get();
      return failing;
    });
    call("CreateTable", {{"TableName", "tbl"},
                         {"BillingMode", "PAY_PER_REQUEST"},
                         {"AttributeDefinitions", definitions({{"pk", "S"}})},
                         {"KeySchema", hash_key_schema("pk")}});
    for (int i = 0; i < 5; ++i) {
      call("PutItem", {{"TableName", "tbl"},
                       {"Item", {{"pk", S(std::to_string(i))}, {"g", S("x")}, {"ttl", N("1700000010")}}}});
    }
  }

  failing_database* db_failing_ = nullptr;
};

const std::string injected = "InternalServerError: Internal server error: injected read error";

TEST_F(StorageErrorTest, ReadsAnswerInternalServerErrorNotAShortPage) {
  db_failing_->failing = true;
  EXPECT_EQ(error_of("Scan", {{"TableName", "tbl"}}), injected);
  EXPECT_EQ(error_of("Query", {{"TableName", "tbl"},
                               {"KeyConditionExpression", "pk = :v"},
                               {"ExpressionAttributeValues", {{":v", S("1")}}}}),
            "no error");  // one entry in range: the scan ends at its range before the failure
  db_failing_->fail_after = 0;
  EXPECT_EQ(error_of("Query", {{"TableName", "tbl"},
                               {"KeyConditionExpression", "pk = :v"},
                               {"ExpressionAttributeValues", {{":v", S("1")}}}}),
            injected);
  db_failing_->failing = false;
  EXPECT_EQ(call("Scan", {{"TableName", "tbl"}})["Count"], 5);
}

TEST_F(StorageErrorTest, AFailedBackfillCreatesNoIndex) {
  db_failing_->failing = true;
  db_failing_->fail_after = 2;
  EXPECT_EQ(error_of("UpdateTable", {{"TableName", "tbl"},
                                     {"AttributeDefinitions", definitions({{"g", "S"}})},
                                     {"GlobalSecondaryIndexUpdates", gsi_create("byG", "g")}}),
            injected);
  db_failing_->failing = false;
  const json table = call("DescribeTable", {{"TableName", "tbl"}})["Table"];
  EXPECT_FALSE(table.contains("GlobalSecondaryIndexes"));
  EXPECT_EQ(table["AttributeDefinitions"], definitions({{"pk", "S"}}));
}

TEST_F(StorageErrorTest, AFailedEraseDeletesNoTable) {
  db_failing_->failing = true;
  db_failing_->fail_after = 2;
  EXPECT_EQ(error_of("DeleteTable", {{"TableName", "tbl"}}), injected);
  db_failing_->failing = false;
  EXPECT_EQ(call("Scan", {{"TableName", "tbl"}})["Count"], 5);
}

// BatchWriteItem is not atomic: "If any requested operations fail because [...] an internal
// processing failure occurs, the failed operations are returned in the UnprocessedItems
// response parameter" (API_BatchWriteItem). Each item is committed on its own, so a storage
// failure after the first leaves the items before it written and answers the rest, as sent.
TEST_F(StorageErrorTest, ABatchWriteFailingMidwayAnswersTheRestAsUnprocessedItems) {
  const json requests = json::array({
      {{"PutRequest", {{"Item", {{"pk", S("new-a")}}}}}},
      {{"DeleteRequest", {{"Key", {{"pk", S("0")}}}}}},
      {{"PutRequest", {{"Item", {{"pk", S("new-b")}}}}}},
      {{"DeleteRequest", {{"Key", {{"pk", S("1")}}}}}},
  });
  db_failing_->writes_before_failure = 2;
  const json response = call("BatchWriteItem", {{"RequestItems", {{"tbl", requests}}}});
  db_failing_->writes_before_failure = -1;
  EXPECT_EQ(response["UnprocessedItems"], json({{"tbl", {requests[2], requests[3]}}}));
  auto present = [&](const std::string& pk) {
    return call("GetItem", {{"TableName", "tbl"}, {"Key", {{"pk", S(pk)}}}}).contains("Item");
  };
  EXPECT_TRUE(present("new-a"));
  EXPECT_FALSE(present("0"));
  EXPECT_FALSE(present("new-b"));
  EXPECT_TRUE(present("1"));
  EXPECT_EQ(call("Scan", {{"TableName", "tbl"}})["Count"], 5);
}

// A failure on the first item: nothing was written, so the call fails as a whole.
TEST_F(StorageErrorTest, ABatchWriteFailingOnItsFirstItemWritesNothing) {
  db_failing_->writes_before_failure = 0;
  EXPECT_EQ(error_of("BatchWriteItem", {{"RequestItems",
                                         {{"tbl",
                                           {{{"PutRequest", {{"Item", {{"pk", S("new-a")}}}}}},
                                            {{"DeleteRequest", {{"Key", {{"pk", S("0")}}}}}}}}}}}),
            "InternalServerError: Internal server error: injected write error");
  db_failing_->writes_before_failure = -1;
  EXPECT_EQ(call("Scan", {{"TableName", "tbl"}})["Count"], 5);
}

TEST_F(StorageErrorTest, AFailedTtlSweepDeletesNothing) {
  call("UpdateTimeToLive",
       {{"TableName", "tbl"}, {"TimeToLiveSpecification", {{"Enabled", true}, {"AttributeName", "ttl"}}}});
  advance(std::chrono::hours(1));
  db_failing_->failing = true;
  db_failing_->fail_after = 2;
  EXPECT_EQ(dynamodb().expire_now(), 0u);
  db_failing_->failing = false;
  EXPECT_EQ(call("Scan", {{"TableName", "tbl"}})["Count"], 5);
  EXPECT_EQ(dynamodb().expire_now(), 5u);
}

}  // namespace
}  // namespace fogbank::dynamodb
