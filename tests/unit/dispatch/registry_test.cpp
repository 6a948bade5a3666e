// The registry and the in-process client over services of their own (the call path is under test
// here, not a service): lookup by name, request ids from their own stream, health, and the
// synchronous client's rule that nothing waits where nothing could end the wait.

#include "fogbank/dispatch/registry.hpp"
#include "fogbank/core/clock.hpp"
#include "fogbank/core/ids.hpp"
#include "fogbank/core/scheduler.hpp"
#include "fogbank/dispatch/client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <regex>
#include <string>
#include <thread>

namespace fogbank::dispatch {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// Answers at once with what it was asked, unless the operation is "Wait": then it holds the
// completion (as a long poll does) while the caller may wait, and answers at once when it may not.
struct echo_service final : core::service {
  void call(std::string_view operation, const json& request, const core::call_context& context,
            core::call_completion done) override {
    if (operation == "Wait" && context.may_defer) {
      held = std::move(done);
      parked = true;
      return;
    }
    done(core::call_result{json{{"operation", operation},
                                {"request", request},
                                {"region", context.region},
                                {"may_defer", context.may_defer}},
                           std::nullopt});
  }
  json health() const override { return json{{"echoes", 3}}; }
  core::call_completion held;
  std::atomic<bool> parked{false};
};

struct registry_test : ::testing::Test {
  registry_test() {
    services.add({.name = "echo", .target_prefix = "Echo_1.", .service = &echo});
    services.add_admin({"POST", "/_fogbank/echo", [] { return json{{"done", true}}; }});
  }
  core::manual_clock clock;
  core::scheduler scheduler{clock};
  core::id_generator request_ids{7};
  registry services{request_ids};
  echo_service echo;
};

TEST_F(registry_test, FindsRowsByName) {
  ASSERT_NE(services.find("echo"), nullptr);
  EXPECT_EQ(services.find("echo")->target_prefix, "Echo_1.");
  EXPECT_EQ(services.find("Echo"), nullptr);
  ASSERT_EQ(services.admin_actions().size(), 1u);
  EXPECT_EQ(services.admin_actions()[0].run(), (json{{"done", true}}));
}

TEST_F(registry_test, HealthListsEveryServiceAndItsCounts) {
  EXPECT_EQ(services.health(), (json{{"services", {{"echo", "running"}}}, {"echoes", 3}}));
}

TEST_F(registry_test, RequestIdsHaveEachServicesShape) {
  EXPECT_TRUE(std::regex_match(services.new_request_id(request_id_style::upper_alnum_52),
                               std::regex("[0-9A-Z]{52}")));
  EXPECT_TRUE(
      std::regex_match(services.new_request_id(request_id_style::uuid),
                       std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
}

TEST_F(registry_test, ClientCallsByNameAndAnswersUnknownNames) {
  const client c(services, scheduler, /*can_wait=*/true);
  core::call_result r = c.call("echo", "Say", json{{"x", 1}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.body["operation"], "Say");
  EXPECT_EQ(r.body["request"], (json{{"x", 1}}));
  EXPECT_EQ(r.body["region"], "us-east-1");

  core::call_result missing = c.call("nosuch", "Say", json::object());
  ASSERT_TRUE(missing.error);
  EXPECT_EQ(missing.error->code(), core::error_code::unknown_operation);
  EXPECT_EQ(missing.error->message(), "fogbank serves no service named 'nosuch'");

  std::optional<core::call_result> async;
  c.call("nosuch", "Say", json::object(), c.default_context(),
         [&](core::call_result result) { async = result; });
  ASSERT_TRUE(async && async->error);
}

TEST_F(registry_test, ClientRefusesRequestsNestedDeeperThanAnyWireRequest) {
  const client c(services, scheduler, /*can_wait=*/true);
  json deep = json::object();
  for (int i = 0; i < 100000; ++i) deep = json{{"a", std::move(deep)}};  // built without recursion
  core::call_result r = c.call("echo", "Say", deep);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code(), core::error_code::validation);
  EXPECT_EQ(r.error->message(), "Nesting Levels have exceeded supported limits");

  json at_limit = json::object();
  for (int i = 1; i < 128; ++i) at_limit = json{{"a", std::move(at_limit)}};
  EXPECT_TRUE(c.call("echo", "Say", json{{"k", 1}}).ok());
  EXPECT_FALSE(c.call("echo", "Say", json{{"a", at_limit}}).ok());  // 129 levels
  EXPECT_TRUE(c.call("echo", "Count", at_limit).ok());              // 128 levels
}

TEST_F(registry_test, ClientThatCannotWaitNeverLetsACallDefer) {
  const client c(services, scheduler, /*can_wait=*/false);  // a manual clock's
  core::call_result r = c.call("echo", "Wait", json::object());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.body["may_defer"], false);
  EXPECT_FALSE(echo.parked);
}

TEST_F(registry_test, ClientCalledFromASchedulerTaskNeverWaits) {
  const client c(services, scheduler, /*can_wait=*/true);
  std::optional<core::call_result> inside;
  scheduler.post([&] { inside = c.call("echo", "Wait", json::object()); });
  EXPECT_EQ(scheduler.run_due(), 1u);
  ASSERT_TRUE(inside);
  EXPECT_EQ(inside->body["may_defer"], false);
}

TEST_F(registry_test, ClientThatCanWaitWaitsForALaterAnswer) {
  const client c(services, scheduler, /*can_wait=*/true);
  std::thread answerer([&] {
    // The answer comes from another thread, once the call has parked.
    while (!echo.parked) std::this_thread::sleep_for(1ms);
    echo.held(core::call_result{json{{"late", true}}, std::nullopt});
  });
  core::call_result r = c.call("echo", "Wait", json::object());
  answerer.join();
  EXPECT_EQ(r.body, (json{{"late", true}}));
}

}  // namespace
}  // namespace fogbank::dispatch
