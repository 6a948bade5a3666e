#pragma once
// The scheduler: every piece of timed or asynchronous work in fogbank (visibility timeouts,
// delays, long-poll deadlines, stream delivery, TTL sweeps) is an entry here, ordered by
// (service time, sequence number). Nothing sleeps or polls on a period of its own.
//
// Two ways to drive it:
//   - real time: start() runs a thread that waits until the earliest entry is due (or a new,
//     earlier one is added) and runs it;
//   - virtual time (scenarios, tests): the owner advances a manual_clock and calls run_due(),
//     which runs every entry due by then on the calling thread, in order. Same entries, same
//     clock moves, same order: deterministic.
//
// Thread-safety: every member may be called from any thread, including from inside a task.

#include "fogbank/core/clock.hpp"

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

namespace fogbank::core {

class scheduler {
 public:
  using task = std::function<void()>;
  using entry_id = std::uint64_t;

  // `service_clock` must outlive the scheduler.
  explicit scheduler(clock& service_clock);
  ~scheduler();  // stops the thread if running; pending entries are dropped
  scheduler(const scheduler&) = delete;
  scheduler& operator=(const scheduler&) = delete;

  // Runs `work` once the service time reaches `at`. Entries due at the same time run in the
  // order they were scheduled. Returns an id for cancel().
  entry_id schedule_at(time_point at, task work);
  entry_id schedule_after(std::chrono::nanoseconds delay, task work);
  // Removes a pending entry. False if it already ran, is running, or never existed.
  bool cancel(entry_id id);

  // Runs `work` as soon as possible: due now, after the entries already due now.
  entry_id post(task work) { return schedule_at(clock_.now(), std::move(work)); }

  // Runs, on this thread, every entry due at or before the clock's current time, including
  // entries that those tasks schedule for a time already reached. Returns how many ran.
  // A task that throws is logged and does not stop the others.
  std::size_t run_due();
  // The time of the earliest pending entry, if any.
  std::optional<time_point> next_due() const;
  std::size_t pending() const;

  // Real-time mode: a thread runs entries as they fall due. stop() waits for a running task.
  void start();
  void stop();

  // Whether the calling thread is running one of this scheduler's tasks right now. Work that
  // would wait for the scheduler (a blocking long poll) must not wait on it.
  bool in_task() const noexcept;

 private:
  void run_task(task& work) const noexcept;

  // Removes and returns the earliest entry if it is due at `now`.
  std::optional<task> pop_due(time_point now);

  clock& clock_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  // (due time, sequence) -> task; the sequence breaks ties in scheduling order.
  std::map<std::pair<time_point, entry_id>, task> entries_;
  std::map<entry_id, time_point> due_of_;
  entry_id next_id_ = 1;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace fogbank::core
