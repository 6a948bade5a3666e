// The log-linear bucket layout of HdrHistogram (Gil Tene's HdrHistogram, "sub-buckets" per power
// of two), reduced to what a load run needs: one fixed precision and microsecond values.

#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace fogbank::load {
namespace {

constexpr std::uint64_t exact_limit = 1ULL << histogram::sub_bucket_bits;  // 256
constexpr std::uint64_t half = exact_limit / 2;                            // 128 per power of two

// shift: how many low bits a value above exact_limit loses (its bucket width is 2^shift).
int shift_of(std::uint64_t value) {
  const int msb = 63 - std::countl_zero(value);
  return msb - (histogram::sub_bucket_bits - 1);
}

}  // namespace

std::size_t histogram::bucket_of(std::uint64_t value) {
  if (value < exact_limit) return static_cast<std::size_t>(value);
  const int shift = shift_of(value);
  // value >> shift lies in [half, 2*half): the position within its power of two.
  return static_cast<std::size_t>(exact_limit + static_cast<std::uint64_t>(shift - 1) * half +
                                  ((value >> shift) - half));
}

std::uint64_t histogram::lowest_in(std::size_t bucket) {
  if (bucket < exact_limit) return bucket;
  const std::uint64_t above = bucket - exact_limit;
  const int shift = static_cast<int>(above / half) + 1;
  return (half + above % half) << shift;
}

std::uint64_t histogram::highest_in(std::size_t bucket) {
  if (bucket < exact_limit) return bucket;
  const int shift = static_cast<int>((bucket - exact_limit) / half) + 1;
  return lowest_in(bucket) + (1ULL << shift) - 1;
}

histogram::histogram() : counts_(bucket_of(highest_value_us) + 1, 0) {}

void histogram::record(std::uint64_t value) {
  value = std::min(value, highest_value_us);
  ++counts_[bucket_of(value)];
  min_ = count_ == 0 ? value : std::min(min_, value);
  max_ = std::max(max_, value);
  sum_ += value;
  ++count_;
}

void histogram::merge(const histogram& other) {
  if (other.count_ == 0) return;
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
  count_ += other.count_;
}

std::uint64_t histogram::percentile(double percentile) const {
  if (count_ == 0) return 0;
  percentile = std::clamp(percentile, 0.0, 100.0);
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(percentile / 100.0 * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(highest_in(i), max_);
  }
  return max_;
}

nlohmann::json histogram::to_json() const {
  nlohmann::json buckets = nlohmann::json::array();
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] != 0) buckets.push_back({lowest_in(i), counts_[i]});
  }
  return {{"count", count_},       {"min", min()},
          {"max", max_},           {"mean", mean()},
          {"p50", percentile(50)}, {"p90", percentile(90)},
          {"p99", percentile(99)}, {"p999", percentile(99.9)},
          {"sum", sum_},           {"buckets", std::move(buckets)}};
}

histogram histogram::from_json(const nlohmann::json& value) {
  histogram h;
  for (const auto& bucket : value.at("buckets")) {
    const auto lowest = std::min(bucket.at(0).get<std::uint64_t>(), highest_value_us);
    h.counts_[bucket_of(lowest)] += bucket.at(1).get<std::uint64_t>();
  }
  h.count_ = value.at("count").get<std::uint64_t>();
  h.min_ = value.at("min").get<std::uint64_t>();
  h.max_ = value.at("max").get<std::uint64_t>();
  h.sum_ = value.value("sum", static_cast<std::uint64_t>(0));
  return h;
}

}  // namespace fogbank::load
