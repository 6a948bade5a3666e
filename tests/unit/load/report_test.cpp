// The recorder's result, the comparison of two results, the table.

#include "recorder.hpp"

#include <gtest/gtest.h>

namespace fogbank::load {
namespace {

json result_with(double connect_p99_scale, std::uint64_t errors) {
  recorder r;
  for (std::uint64_t i = 1; i <= 100; ++i)
    r.success("connect", static_cast<std::uint64_t>(i * 100 * connect_p99_scale), 0.5);
  for (std::uint64_t i = 0; i < errors; ++i) r.failure("connect", "timeout (30s)", 1.5);
  r.success("call dynamodb.GetItem", 250, 1.2);
  r.frame(900, 1.3);
  r.unattributed_frame();
  return r.to_json({{"elapsed_seconds", 2.0}});
}

json row(const json& rows, const std::string& step, const std::string& metric) {
  for (const json& r : rows) {
    if (r.at("step") == step && r.at("metric") == metric) return r;
  }
  ADD_FAILURE() << "no row " << step << " " << metric << " in " << rows.dump();
  return json::object();
}

TEST(RecorderTest, CountsPerKindAndTimeline) {
  const json result = result_with(1.0, 3);
  EXPECT_EQ(result.at("requests"), 104u);
  EXPECT_EQ(result.at("errors"), 3u);
  const json& connect = result.at("steps").at("connect");
  EXPECT_EQ(connect.at("count"), 103u);
  EXPECT_EQ(connect.at("ok"), 100u);
  EXPECT_EQ(connect.at("errors_by_type"), (json{{"timeout (30s)", 3}}));
  EXPECT_DOUBLE_EQ(connect.at("throughput").get<double>(), 51.5);
  EXPECT_EQ(result.at("e2e").at("frames"), 1u);
  EXPECT_EQ(result.at("e2e").at("unattributed_frames"), 1u);
  // Seconds 0 and 1: 100 connects in the first, 3 errors, a call and a frame in the second.
  ASSERT_EQ(result.at("timeline").size(), 2u) << result.at("timeline").dump();
  EXPECT_EQ(result.at("timeline")[0].at("requests"), 100u);
  EXPECT_EQ(result.at("timeline")[1].at("requests"), 4u);
  EXPECT_EQ(result.at("timeline")[1].at("errors"), 3u);
  EXPECT_EQ(result.at("timeline")[1].at("frames"), 1u);
}

TEST(RecorderTest, AdvanceIsNoRequest) {
  recorder r;
  r.success("advance", 1'000'000, 0.1);
  EXPECT_EQ(r.requests(), 0u);
  EXPECT_EQ(r.kinds().at("advance").ok, 1u);
}

TEST(RecorderTest, ASendAnsweredWithAnErrorFrameBecomesAnError) {
  recorder r;
  r.success("send", 40, 0.2);
  r.success("send", 60, 0.3);
  r.failed_later("send", "Internal server error (route invocation failed or throttled)", 1.1);
  const json result = r.to_json({{"elapsed_seconds", 2.0}});
  const json& send = result.at("steps").at("send");
  // Still two sends, one of them now an error; the run's totals and its second agree.
  EXPECT_EQ(send.at("count"), 2u);
  EXPECT_EQ(send.at("ok"), 1u);
  EXPECT_EQ(send.at("errors_by_type"),
            (json{{"Internal server error (route invocation failed or throttled)", 1}}));
  EXPECT_EQ(result.at("requests"), 2u);
  EXPECT_EQ(result.at("errors"), 1u);
  EXPECT_EQ(result.at("timeline").at(1).at("errors"), 1u);
  EXPECT_EQ(result.at("timeline").at(0).at("requests"), 2u);
  EXPECT_NE(format_table(result).find("route invocation failed or throttled"), std::string::npos);
}

TEST(RecorderTest, ServerSideLambdaCountsAreReported) {
  recorder r;
  r.success("connect", 100, 0.1);
  EXPECT_FALSE(r.to_json({{"elapsed_seconds", 1.0}}).contains("lambda"));  // a server without them
  r.lambda_counts({{"OnDisconnect", {{"invocations", 7}, {"throttles", 3}}},
                   {"OnConnect", {{"invocations", 1}, {"throttles", 0}}}});
  EXPECT_EQ(r.lambda_throttles(), 3u);
  const json result = r.to_json({{"elapsed_seconds", 1.0}});
  EXPECT_EQ(result.at("lambda").at("OnDisconnect").at("throttles"), 3u);
  // Throttles no client saw are no step's error, but the table names them.
  EXPECT_EQ(result.at("errors"), 0u);
  const std::string table = format_table(result);
  EXPECT_NE(table.find("OnDisconnect: 7 invocations, 3 throttled (TooManyRequestsException)"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("OnConnect: 1 invocations\n"), std::string::npos) << table;
}

TEST(RecorderTest, GatewayErrorFramesAreKnownByTheirShape) {
  // As fogbank (and AWS, byte for byte) sends them: emulator/apigw/src/route_selection.cpp.
  EXPECT_EQ(
      gateway_error_of(R"({"message": "Internal server error", "connectionId":"c1=", "requestId":"r1="})"),
      "Internal server error (route invocation failed or throttled)");
  EXPECT_EQ(gateway_error_of(R"({"message": "Forbidden", "connectionId":"c1=", "requestId":"r1="})"),
            "Forbidden (no route for the message)");
  // What handlers post is no error, even with a "message".
  EXPECT_FALSE(gateway_error_of(R"({"message": "hello"})"));
  EXPECT_FALSE(gateway_error_of(R"({"message": "Internal server error", "connectionId":"c1=", "from":"x"})"));
  EXPECT_FALSE(gateway_error_of(R"({"message": "a", "connectionId":"c", "requestId":"r", "more": 1})"));
  EXPECT_FALSE(gateway_error_of(R"({"count": 3})"));
  EXPECT_FALSE(gateway_error_of("not json"));
}

TEST(CompareTest, ChangePerMetricInPercent) {
  const json rows = compare(result_with(1.0, 0), result_with(2.0, 4));
  const json p99 = row(rows, "connect", "p99_us");
  // 9900 us, as the bucket holding it reports it (within 1/128).
  EXPECT_NEAR(p99.at("old").get<double>(), 9900, 9900.0 / 128);
  EXPECT_NEAR(p99.at("change").get<double>(), 100.0, 1.0) << p99.dump();
  // Errors from 0: no percentage, both values shown.
  const json errors = row(rows, "connect", "errors");
  EXPECT_EQ(errors.at("old"), 0.0);
  EXPECT_EQ(errors.at("new"), 4.0);
  EXPECT_TRUE(errors.at("change").is_null());
  const json unchanged = row(rows, "call dynamodb.GetItem", "p50_us");
  EXPECT_DOUBLE_EQ(unchanged.at("change").get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(row(rows, "e2e", "p50_us").at("change").get<double>(), 0.0);
}

TEST(CompareTest, StepOnOneSideOnly) {
  json old_result = result_with(1.0, 0);
  old_result["steps"].erase("call dynamodb.GetItem");
  const json rows = compare(old_result, result_with(1.0, 0));
  const json added = row(rows, "call dynamodb.GetItem", "throughput");
  EXPECT_TRUE(added.at("old").is_null());
  EXPECT_TRUE(added.at("change").is_null());
  EXPECT_NE(format_comparison(rows).find("new"), std::string::npos) << format_comparison(rows);
}

TEST(ReportTest, TableHasARowPerKindAndTheErrors) {
  const std::string table = format_table(result_with(1.0, 2));
  EXPECT_NE(table.find("connect"), std::string::npos) << table;
  EXPECT_NE(table.find("call dynamodb.GetItem"), std::string::npos) << table;
  EXPECT_NE(table.find("e2e: cause -> frame"), std::string::npos) << table;
  EXPECT_NE(table.find("connect: timeout (30s) x2"), std::string::npos) << table;
}

TEST(ReportTest, MicrosecondsFormatted) {
  EXPECT_EQ(format_micros(850), "850us");
  EXPECT_EQ(format_micros(12'345), "12.35ms");
  EXPECT_EQ(format_micros(1'200'000), "1.20s");
}

}  // namespace
}  // namespace fogbank::load
