#include "fogbank/core/clock.hpp"

#include <gtest/gtest.h>

namespace fogbank::core {
namespace {

TEST(Clock, ManualClockMovesOnlyWhenTold) {
  manual_clock clock(time_point{std::chrono::seconds{1'700'000'000}});
  EXPECT_EQ(clock.epoch_millis(), 1'700'000'000'000);
  clock.advance(std::chrono::milliseconds{1500});
  EXPECT_EQ(clock.epoch_millis(), 1'700'000'001'500);
  EXPECT_DOUBLE_EQ(clock.epoch_seconds(), 1'700'000'001.5);
}

TEST(Clock, Iso8601WithMilliseconds) {
  // 2023-11-14T22:13:20Z is epoch 1,700,000,000.
  EXPECT_EQ(format_iso8601_millis(time_point{std::chrono::milliseconds{1'700'000'000'007}}),
            "2023-11-14T22:13:20.007");
  EXPECT_EQ(format_iso8601_millis(time_point{}), "1970-01-01T00:00:00.000");
}

}  // namespace
}  // namespace fogbank::core
