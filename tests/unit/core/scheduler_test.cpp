#include "fogbank/core/scheduler.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <string>
#include <vector>

namespace fogbank::core {
namespace {

using namespace std::chrono_literals;

TEST(Scheduler, RunsDueEntriesInTimeThenSchedulingOrder) {
  manual_clock clock;
  scheduler timers(clock);
  std::vector<std::string> ran;
  timers.schedule_after(2s, [&] { ran.push_back("b@2"); });
  timers.schedule_after(1s, [&] { ran.push_back("a@1"); });
  timers.schedule_after(2s, [&] { ran.push_back("c@2"); });
  timers.schedule_after(3s, [&] { ran.push_back("d@3"); });

  EXPECT_EQ(timers.run_due(), 0u);
  clock.advance(2s);
  EXPECT_EQ(timers.run_due(), 3u);
  EXPECT_EQ(ran, (std::vector<std::string>{"a@1", "b@2", "c@2"}));
  EXPECT_EQ(timers.pending(), 1u);
  EXPECT_EQ(timers.next_due(), clock.now() + 1s);
}

TEST(Scheduler, TasksScheduledForNowRunInTheSameCall) {
  manual_clock clock;
  scheduler timers(clock);
  std::vector<int> ran;
  timers.schedule_after(0s, [&] {
    ran.push_back(1);
    timers.schedule_after(0s, [&] { ran.push_back(2); });
    timers.schedule_after(1s, [&] { ran.push_back(3); });
  });
  EXPECT_EQ(timers.run_due(), 2u);
  EXPECT_EQ(ran, (std::vector<int>{1, 2}));
}

TEST(Scheduler, CancelledEntriesDoNotRun) {
  manual_clock clock;
  scheduler timers(clock);
  bool ran = false;
  auto id = timers.schedule_after(1s, [&] { ran = true; });
  EXPECT_TRUE(timers.cancel(id));
  EXPECT_FALSE(timers.cancel(id));
  clock.advance(5s);
  EXPECT_EQ(timers.run_due(), 0u);
  EXPECT_FALSE(ran);
}

TEST(Scheduler, RealTimeThreadRunsEntriesWhenDue) {
  real_clock clock;
  scheduler timers(clock);
  timers.start();
  std::promise<void> done;
  std::atomic<int> order{0};
  int first = -1;
  int second = -1;
  timers.schedule_after(30ms, [&] {
    second = order++;
    done.set_value();
  });
  timers.schedule_after(1ms, [&] { first = order++; });
  // Bounded wait: the entries are due in 30 ms; 10 s means the thread never ran them.
  ASSERT_EQ(done.get_future().wait_for(10s), std::future_status::ready);
  timers.stop();
  EXPECT_EQ(first, 0);
  EXPECT_EQ(second, 1);
}

}  // namespace
}  // namespace fogbank::core
