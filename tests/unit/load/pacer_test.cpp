// `--rate`'s pacing: slots an interval apart, none before it is asked for, no burst after a stall.

#include "pacer.hpp"

#include <gtest/gtest.h>

namespace fogbank::load {
namespace {

using namespace std::chrono_literals;
using clock = pacer::clock;

TEST(PacerTest, SlotsAreOneIntervalApartWhenAskedAtOnce) {
  pacer p(200);  // 5 ms apart
  EXPECT_EQ(p.interval(), 5ms);
  const clock::time_point t0{};
  EXPECT_EQ(p.next(t0), t0);
  EXPECT_EQ(p.next(t0), t0 + 5ms);
  EXPECT_EQ(p.next(t0 + 1ms), t0 + 10ms);
  EXPECT_EQ(p.next(t0 + 2ms), t0 + 15ms);
}

TEST(PacerTest, NoRequestStartsBeforeItAsks) {
  pacer p(10);  // 100 ms apart
  const clock::time_point t0{};
  EXPECT_EQ(p.next(t0), t0);
  EXPECT_EQ(p.next(t0 + 250ms), t0 + 250ms);
  EXPECT_EQ(p.next(t0 + 260ms), t0 + 350ms);
}

TEST(PacerTest, AFallenBehindRunDoesNotBurst) {
  pacer p(1000);  // 1 ms apart
  const clock::time_point t0{};
  for (int i = 0; i < 3; ++i) p.next(t0);
  // The users stalled for a second: the next requests are still 1 ms apart, from now on.
  EXPECT_EQ(p.next(t0 + 1s), t0 + 1s);
  EXPECT_EQ(p.next(t0 + 1s), t0 + 1s + 1ms);
  EXPECT_EQ(p.next(t0 + 1s), t0 + 1s + 2ms);
}

TEST(PacerTest, FractionalRates) {
  EXPECT_EQ(pacer(0.5).interval(), 2s);
  EXPECT_EQ(pacer(4).interval(), 250ms);
}

}  // namespace
}  // namespace fogbank::load
