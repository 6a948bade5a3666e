// The latency histogram: every percentile within the bucket error of the exact one.

#include "histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace fogbank::load {
namespace {

// The exact percentile as histogram::percentile defines the rank: the ceil(p/100 * n)-th value.
std::uint64_t exact(std::vector<std::uint64_t> values, double p) {
  std::sort(values.begin(), values.end());
  const auto rank = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(p / 100.0 * values.size())));
  return values[rank - 1];
}

// A bucket is at most 1/128 of its lowest value wide.
constexpr double relative_error = 1.0 / 128;

TEST(HistogramTest, SmallValuesAreExact) {
  histogram h;
  for (std::uint64_t v = 0; v < 256; ++v) h.record(v);
  EXPECT_EQ(h.count(), 256u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 255u);
  EXPECT_EQ(h.percentile(50), 127u);
  EXPECT_EQ(h.percentile(100), 255u);
  EXPECT_DOUBLE_EQ(h.mean(), 127.5);
}

TEST(HistogramTest, BucketsCoverEveryValueOnceAndAreNarrow) {
  // Every value up to 2^20 falls into the bucket whose bounds hold it, buckets are contiguous.
  std::size_t previous = 0;
  for (std::uint64_t v = 0; v < (1u << 20); ++v) {
    const std::size_t b = histogram::bucket_of(v);
    ASSERT_LE(histogram::lowest_in(b), v) << "value " << v;
    ASSERT_GE(histogram::highest_in(b), v) << "value " << v;
    ASSERT_TRUE(b == previous || b == previous + 1)
        << "value " << v << " bucket " << b << " after " << previous;
    previous = b;
    const double width = static_cast<double>(histogram::highest_in(b) - histogram::lowest_in(b) + 1);
    ASSERT_LE(width, std::max(1.0, static_cast<double>(histogram::lowest_in(b)) * relative_error))
        << "value " << v;
  }
}

TEST(HistogramTest, PercentilesWithinTheBucketErrorOfExact) {
  std::mt19937_64 random(42);
  // Latencies from 50 us to about 2 s, log-uniform: every bucket size is exercised.
  std::uniform_real_distribution<double> exponent(std::log(50.0), std::log(2'000'000.0));
  std::vector<std::uint64_t> values;
  histogram h;
  for (int i = 0; i < 100'000; ++i) {
    const auto v = static_cast<std::uint64_t>(std::exp(exponent(random)));
    values.push_back(v);
    h.record(v);
  }
  for (const double p : {1.0, 10.0, 50.0, 90.0, 99.0, 99.9, 100.0}) {
    const std::uint64_t want = exact(values, p);
    const std::uint64_t got = h.percentile(p);
    EXPECT_GE(got, want) << "p" << p << ": expected about " << want << ", got " << got;
    EXPECT_LE(static_cast<double>(got - want), static_cast<double>(want) * relative_error)
        << "p" << p << ": expected " << want << " within 1/128, got " << got;
  }
  EXPECT_EQ(h.max(), *std::max_element(values.begin(), values.end()));
  EXPECT_EQ(h.min(), *std::min_element(values.begin(), values.end()));
}

TEST(HistogramTest, HugeValuesAreCappedNotLost) {
  histogram h;
  h.record(~0ULL);
  EXPECT_EQ(h.count(), 1u);
  EXPECT_EQ(h.max(), histogram::highest_value_us);
  EXPECT_EQ(h.percentile(99), histogram::highest_value_us);
}

TEST(HistogramTest, EmptyAnswersZero) {
  const histogram h;
  EXPECT_EQ(h.percentile(99), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
}

TEST(HistogramTest, MergeEqualsRecordingBoth) {
  histogram a, b, both;
  for (std::uint64_t v = 1; v < 5000; v += 7) {
    (v % 2 ? a : b).record(v * 13);
    both.record(v * 13);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), both.count());
  for (const double p : {50.0, 90.0, 99.0}) EXPECT_EQ(a.percentile(p), both.percentile(p)) << "p" << p;
  EXPECT_EQ(a.min(), both.min());
  EXPECT_EQ(a.max(), both.max());
}

TEST(HistogramTest, JsonRoundTripKeepsPercentiles) {
  histogram h;
  for (std::uint64_t v = 100; v < 100'000; v = v * 11 / 10) h.record(v);
  const histogram back = histogram::from_json(h.to_json());
  EXPECT_EQ(back.count(), h.count());
  for (const double p : {50.0, 90.0, 99.0}) EXPECT_EQ(back.percentile(p), h.percentile(p)) << "p" << p;
  EXPECT_EQ(h.to_json().at("p99"), h.percentile(99));
}

}  // namespace
}  // namespace fogbank::load
