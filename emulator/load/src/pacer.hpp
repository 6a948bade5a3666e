#pragma once
// `--rate R`: at most R requests a second start across all virtual users. Each request asks for
// the next slot, an interval of 1/R after the one before, or now when that is already past: a
// request never starts early, and a run that fell behind (every user busy waiting for answers)
// does not burst to catch up; it runs at what the users manage, which the report shows.
// Latencies are timed from the request's own start, not from its slot (a simple pacing, not a
// correction for coordinated omission).
//
// Thread-safety: used by the engine's one I/O thread.

#include <chrono>
#include <cstdint>
#include <optional>

namespace fogbank::load {

class pacer {
 public:
  using clock = std::chrono::steady_clock;

  // `per_second` > 0.
  explicit pacer(double per_second)
      : interval_(
            std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(1.0 / per_second))) {}

  // The time the next request may start, given the time it asks; the slot after it is reserved.
  clock::time_point next(clock::time_point now) {
    const clock::time_point slot = last_ && *last_ + interval_ > now ? *last_ + interval_ : now;
    last_ = slot;
    return slot;
  }

  clock::duration interval() const noexcept { return interval_; }

 private:
  clock::duration interval_;
  std::optional<clock::time_point> last_;
};

}  // namespace fogbank::load
