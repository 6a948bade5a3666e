// C++ handlers: registration by name, and the context a handler gets (remaining time on the
// service clock, environment, log, and the in-process client on the one call path).

#include "fogbank/lambda/handler.hpp"
#include "fogbank/dispatch/client.hpp"
#include "fogbank/main/emulator.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace fogbank::lambda {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

json echo(const json& event, context& ctx) {
  ctx.log("echoing " + event.dump());
  return {{"event", event}, {"request", ctx.request_id()}, {"stage", ctx.env("STAGE").value_or("none")}};
}
FOGBANK_LAMBDA_HANDLER("test.echo", echo);

json lists_tables(const json&, context& ctx) {
  const core::call_result tables = ctx.call("dynamodb", "ListTables", json::object());
  if (tables.error) throw std::runtime_error(tables.error->message());
  return tables.body;
}
FOGBANK_LAMBDA_HANDLER("test.tables", lists_tables);

TEST(CppHandlers, AreFoundByTheNameTheyWereRegisteredUnder) {
  EXPECT_EQ(find_handler("test.echo"), &echo);
  EXPECT_EQ(find_handler("test.tables"), &lists_tables);
  EXPECT_EQ(find_handler("test.none"), nullptr);
  EXPECT_EQ(find_handler("test.ech"), nullptr);
}

TEST(CppHandlers, GetTheirInvocationsContext) {
  std::string error;
  auto services = emulator::open(emulator_options{.manual_clock = true}, &error);
  ASSERT_TRUE(services) << error;
  const auto now = services->clock().now();
  const std::map<std::string, std::string> environment{{"STAGE", "test"}};
  std::string log;
  context ctx("echoer", "$LATEST", "arn:aws:lambda:us-east-1:000000000000:function:echoer", 128, "req-1",
              now + 3s, &services->clock(), &environment, &services->client(), &log);

  const json out = find_handler("test.echo")(json{{"a", 1}}, ctx);
  EXPECT_EQ(out, (json{{"event", {{"a", 1}}}, {"request", "req-1"}, {"stage", "test"}}));
  EXPECT_EQ(log, "echoing {\"a\":1}\n");
  EXPECT_EQ(ctx.remaining_time(), 3000ms);
  // Read from the service clock, not from a copy of the time the invocation started.
  services->advance(1200ms);
  EXPECT_EQ(ctx.remaining_time(), 1800ms);
  EXPECT_EQ(ctx.env("MISSING"), std::nullopt);

  EXPECT_EQ(find_handler("test.tables")(json::object(), ctx), (json{{"TableNames", json::array()}}));
}

}  // namespace
}  // namespace fogbank::lambda
