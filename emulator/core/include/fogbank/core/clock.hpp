#pragma once
// Time is injected: services read it through a clock, never from the system directly, so that
// tests and scenarios can run on a manual clock.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace fogbank::core {

using time_point = std::chrono::system_clock::time_point;

class clock {
 public:
  virtual ~clock() = default;
  // The current service time. Thread-safe.
  virtual time_point now() const = 0;

  // Seconds and milliseconds since the Unix epoch, as AWS reports timestamps.
  double epoch_seconds() const;
  std::int64_t epoch_millis() const;
};

// The wall clock.
class real_clock final : public clock {
 public:
  time_point now() const override { return std::chrono::system_clock::now(); }
};

// A clock that moves only when told to. Thread-safe.
class manual_clock final : public clock {
 public:
  explicit manual_clock(time_point start = time_point{std::chrono::seconds{1'700'000'000}})
      : now_(start.time_since_epoch().count()) {}
  time_point now() const override { return time_point{time_point::duration{now_.load()}}; }
  void advance(std::chrono::nanoseconds by) {
    now_ += std::chrono::duration_cast<time_point::duration>(by).count();
  }
  void set(time_point to) { now_ = to.time_since_epoch().count(); }

 private:
  std::atomic<time_point::rep> now_;
};

// `at` as UTC ISO 8601 with milliseconds and no zone suffix, e.g. "2024-01-15T10:30:45.123": the
// form of DynamoDB's stream labels.
std::string format_iso8601_millis(time_point at);

}  // namespace fogbank::core
