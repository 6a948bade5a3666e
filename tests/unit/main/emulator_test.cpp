// The composition root on a manual clock: advance() and run_until_idle() run the scheduler in
// (time, sequence) order with the clock at each entry's time; asynchronous work of every service
// (stream deliveries, long-poll answers) waits for them; a fixed seed fixes every resource id.

#include "fogbank/main/emulator.hpp"
#include "fogbank/core/scheduler.hpp"
#include "fogbank/dispatch/client.hpp"
#include "fogbank/dispatch/registry.hpp"
#include "fogbank/dynamodb/service.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace fogbank {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::unique_ptr<emulator> open_manual(std::uint64_t seed, const std::string& data_dir = "") {
  emulator_options options;
  options.manual_clock = true;
  options.seed = seed;
  options.data_dir = data_dir;
  std::string error;
  auto opened = emulator::open(options, &error);
  EXPECT_TRUE(opened) << error;
  return opened;
}

json must(const emulator& e, std::string_view service, std::string_view operation, const json& request) {
  core::call_result r = e.client().call(service, operation, request);
  EXPECT_FALSE(r.error) << operation << ": " << (r.error ? r.error->message() : "");
  return r.body;
}

json streamed_table(const std::string& name) {
  return {{"TableName", name},
          {"BillingMode", "PAY_PER_REQUEST"},
          {"AttributeDefinitions", {{{"AttributeName", "pk"}, {"AttributeType", "S"}}}},
          {"KeySchema", {{{"AttributeName", "pk"}, {"KeyType", "HASH"}}}},
          {"StreamSpecification", {{"StreamEnabled", true}, {"StreamViewType", "NEW_IMAGE"}}}};
}

TEST(Emulator, AdvanceRunsEntriesInTimeOrderWithTheClockAtEachOnesTime) {
  auto e = open_manual(1);
  const core::time_point start = e->clock().now();
  std::vector<std::pair<std::string, core::time_point::duration>> ran;
  auto note = [&](std::string what) { ran.emplace_back(std::move(what), e->clock().now() - start); };
  e->scheduler().schedule_after(3s, [&] { note("c@3"); });
  e->scheduler().schedule_after(1s, [&] {
    note("a@1");
    e->scheduler().schedule_after(1s, [&] { note("b@2 (added by a)"); });
  });
  e->scheduler().schedule_after(5s, [&] { note("d@5"); });

  EXPECT_EQ(e->run_until_idle(), 0u);
  EXPECT_EQ(e->advance(4s), 3u);
  EXPECT_EQ(ran, (std::vector<std::pair<std::string, core::time_point::duration>>{
                     {"a@1", 1s}, {"b@2 (added by a)", 2s}, {"c@3", 3s}}));
  EXPECT_EQ(e->clock().now() - start, 4s);
  EXPECT_EQ(e->advance(1s), 1u);
  EXPECT_EQ(ran.back().first, "d@5");
}

// GET /_fogbank/idle, which `fogbank run --endpoint` polls for `settle`: not idle while a
// scheduler entry is due; an entry due later does not count.
TEST(Emulator, IdleEndpointReportsEntriesDueNow) {
  auto e = open_manual(1);
  const auto& actions = e->services().admin_actions();
  const auto idle = std::find_if(actions.begin(), actions.end(),
                                 [](const dispatch::admin_action& a) { return a.path == "/_fogbank/idle"; });
  ASSERT_NE(idle, actions.end());
  EXPECT_EQ(idle->method, "GET");
  const json quiet = {{"idle", true}, {"due", false}, {"invocations_in_flight", 0}};
  EXPECT_EQ(idle->run(), quiet);
  e->scheduler().schedule_after(1s, [] {});
  EXPECT_EQ(idle->run(), quiet);
  e->scheduler().post([] {});
  EXPECT_EQ(idle->run(), (json{{"idle", false}, {"due", true}, {"invocations_in_flight", 0}}));
  EXPECT_EQ(e->run_until_idle(), 1u);
  EXPECT_EQ(idle->run(), quiet);
  EXPECT_EQ(e->advance(1s), 1u);
  EXPECT_EQ(idle->run(), quiet);
}

TEST(Emulator, StreamRecordsArriveOnlyWhenTheSchedulerRuns) {
  auto e = open_manual(1);
  must(*e, "dynamodb", "CreateTable", streamed_table("events"));
  std::vector<std::string> seen;
  e->dynamodb().subscribe_stream(
      "events", [&](const json& record) { seen.push_back(record["dynamodb"]["Keys"]["pk"]["S"]); });
  must(*e, "dynamodb", "PutItem", {{"TableName", "events"}, {"Item", {{"pk", {{"S", "one"}}}}}});
  must(*e, "dynamodb", "PutItem", {{"TableName", "events"}, {"Item", {{"pk", {{"S", "two"}}}}}});
  EXPECT_TRUE(seen.empty());
  EXPECT_EQ(e->run_until_idle(), 1u);  // one delivery entry carries both, in order
  EXPECT_EQ(seen, (std::vector<std::string>{"one", "two"}));
}

TEST(Emulator, LongPollEndsWhenASendLandsOrAtItsDeadline) {
  auto e = open_manual(1);
  const std::string url = must(*e, "sqs", "CreateQueue", {{"QueueName", "jobs"}})["QueueUrl"];
  std::optional<core::call_result> first;
  e->client().call("sqs", "ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 20}},
                   e->client().default_context(), [&](core::call_result r) { first = std::move(r); });
  EXPECT_FALSE(first);
  e->advance(5s);
  EXPECT_FALSE(first);
  must(*e, "sqs", "SendMessage", {{"QueueUrl", url}, {"MessageBody", "hello"}});
  EXPECT_FALSE(first);  // its answer is a scheduler entry
  e->run_until_idle();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->body["Messages"][0]["Body"], "hello");

  std::optional<core::call_result> second;
  e->client().call("sqs", "ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 20}},
                   e->client().default_context(), [&](core::call_result r) { second = std::move(r); });
  e->advance(19999ms);
  EXPECT_FALSE(second);
  e->advance(1ms);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->body, json::object());

  // The synchronous client on a manual clock cannot wait: a long poll answers at once.
  EXPECT_EQ(must(*e, "sqs", "ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 20}}), json::object());
}

// The ids a short session of calls produces: table, stream and queue ARNs, message ids, stream
// event ids. `noise` interleaves calls that create nothing.
std::vector<std::string> session_ids(emulator& e, bool noise) {
  std::vector<std::string> ids;
  auto quiet = [&] {
    if (!noise) return;
    e.client().call("dynamodb", "ListTables", json::object());
    e.client().call("dynamodb", "DescribeTable", {{"TableName", "nosuch"}});
    e.client().call("sqs", "GetQueueUrl", {{"QueueName", "nosuch"}});
    (void)e.health();
  };
  quiet();
  const json table = must(e, "dynamodb", "CreateTable", streamed_table("orders"))["TableDescription"];
  ids.push_back(table["TableArn"]);
  ids.push_back(table["TableId"]);
  ids.push_back(table["LatestStreamArn"]);
  std::vector<std::string> event_ids;
  e.dynamodb().subscribe_stream("orders",
                                [&](const json& record) { event_ids.push_back(record["eventID"]); });
  quiet();
  const std::string url = must(e, "sqs", "CreateQueue", {{"QueueName", "work"}})["QueueUrl"];
  ids.push_back(url);
  for (int i = 0; i < 3; ++i) {
    quiet();
    must(e, "dynamodb", "PutItem", {{"TableName", "orders"}, {"Item", {{"pk", {{"S", std::to_string(i)}}}}}});
    ids.push_back(must(e, "sqs", "SendMessage", {{"QueueUrl", url}, {"MessageBody", "m"}})["MessageId"]);
  }
  const json received = must(e, "sqs", "ReceiveMessage", {{"QueueUrl", url}, {"MaxNumberOfMessages", 10}});
  for (const json& m : received["Messages"]) ids.push_back(m["ReceiptHandle"]);
  e.run_until_idle();
  ids.insert(ids.end(), event_ids.begin(), event_ids.end());
  return ids;
}

TEST(Emulator, ASeedFixesEveryResourceIdWhateverElseIsCalled) {
  auto a = open_manual(7);
  auto b = open_manual(7);
  auto c = open_manual(8);
  const std::vector<std::string> plain = session_ids(*a, false);
  EXPECT_EQ(plain.size(), 3u + 1u + 3u + 3u + 3u);
  EXPECT_EQ(session_ids(*b, true), plain);
  EXPECT_NE(session_ids(*c, false), plain);
}

TEST(Emulator, ARestartOnTheSameDataDoesNotReuseIds) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("fogbank-emulator-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::string first_id;
  {
    auto e = open_manual(7, dir.string());
    const std::string url = must(*e, "sqs", "CreateQueue", {{"QueueName", "q"}})["QueueUrl"];
    first_id = must(*e, "sqs", "SendMessage", {{"QueueUrl", url}, {"MessageBody", "before"}})["MessageId"];
  }
  {
    auto e = open_manual(7, dir.string());
    const std::string url = must(*e, "sqs", "GetQueueUrl", {{"QueueName", "q"}})["QueueUrl"];
    const std::string second_id =
        must(*e, "sqs", "SendMessage", {{"QueueUrl", url}, {"MessageBody", "after"}})["MessageId"];
    EXPECT_NE(second_id, first_id);
    const json received = must(*e, "sqs", "ReceiveMessage", {{"QueueUrl", url}, {"MaxNumberOfMessages", 10}});
    EXPECT_EQ(received["Messages"].size(), 2u);
  }
  std::filesystem::remove_all(dir);
}

TEST(Emulator, OpenReportsADataDirectoryThatCannotBeCreated) {
  emulator_options options;
  options.data_dir = "/proc/fogbank-cannot-be-here";
  std::string error;
  EXPECT_EQ(emulator::open(options, &error), nullptr);
  EXPECT_NE(error.find("cannot create data directory"), std::string::npos) << error;
}

}  // namespace
}  // namespace fogbank
