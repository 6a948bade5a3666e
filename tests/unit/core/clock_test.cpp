#include "fogbank/core/clock.hpp"
#include "fogbank/core/http_date.hpp"

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

TEST(Clock, HttpDateIsRfc9110sImfFixdate) {
  // RFC 9110's own example: Sun, 06 Nov 1994 08:49:37 GMT is 784111777 seconds after the epoch.
  EXPECT_EQ(format_http_date(time_point{std::chrono::seconds{784'111'777}}), "Sun, 06 Nov 1994 08:49:37 GMT");
  // Sub-second parts are dropped, not rounded; days and months take their three-letter names.
  EXPECT_EQ(format_http_date(time_point{std::chrono::milliseconds{1'700'000'000'999}}),
            "Tue, 14 Nov 2023 22:13:20 GMT");
  EXPECT_EQ(format_http_date(time_point{std::chrono::seconds{0}}), "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(Clock, Iso8601WithMilliseconds) {
  // 2023-11-14T22:13:20Z is epoch 1,700,000,000.
  EXPECT_EQ(format_iso8601_millis(time_point{std::chrono::milliseconds{1'700'000'000'007}}),
            "2023-11-14T22:13:20.007");
  EXPECT_EQ(format_iso8601_millis(time_point{}), "1970-01-01T00:00:00.000");
}

}  // namespace
}  // namespace fogbank::core
