#pragma once
// An HDR-style latency histogram in microseconds: values below 2^sub_bucket_bits are counted
// exactly, larger ones in buckets whose width is at most 1/2^(sub_bucket_bits-1) of their lower
// bound (log-linear, as HdrHistogram with 2 significant digits), so that any percentile is
// within that relative error of the exact one. Recording is O(1) and allocation-free.
//
// Thread-safety: none; each recorder owns its histograms (the runner has one I/O thread).

#include <nlohmann/json.hpp>

#include <cstdint>
#include <vector>

namespace fogbank::load {

class histogram {
 public:
  // 256 exact values, then 128 buckets per power of two: the relative error is below 1/128.
  static constexpr int sub_bucket_bits = 8;
  // Larger values are recorded as this (an hour): no step waits that long (every exchange is
  // bounded by 30 s), so only a broken clock reaches it.
  static constexpr std::uint64_t highest_value_us = 3'600'000'000ULL;

  histogram();

  void record(std::uint64_t value_us);
  void merge(const histogram& other);

  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t min() const noexcept { return count_ ? min_ : 0; }
  std::uint64_t max() const noexcept { return max_; }
  double mean() const noexcept {
    return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0;
  }

  // The value at `percentile` (0..100): the highest value equivalent to the bucket that holds
  // the ceil(percentile/100 * count)-th smallest value, capped at max(). 0 when empty.
  std::uint64_t percentile(double percentile) const;

  // The bucket a value falls in, and a bucket's lowest and highest equivalent values.
  static std::size_t bucket_of(std::uint64_t value_us);
  static std::uint64_t lowest_in(std::size_t bucket);
  static std::uint64_t highest_in(std::size_t bucket);

  // {"count", "min", "max", "mean", "p50", "p90", "p99", "p999", "buckets": [[lowest, count]...]}
  // (non-empty buckets only), and back; from_json throws nlohmann::json::exception for a shape it
  // does not know.
  nlohmann::json to_json() const;
  static histogram from_json(const nlohmann::json& value);

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t min_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace fogbank::load
