#pragma once
// The threads that run the server's io_context, and the promise that service calls never hold
// all of them (issue 6: a slow or large request must not stall other clients or the health
// endpoint).
//
// A service call runs on the I/O thread that read its request, inline: a hand-off to another
// thread for every call costs two thread wake-ups, which on a two-core machine took GetItem
// from ~43,000 to ~15,000 requests per CPU-second (bench/README.md). Most calls take
// microseconds, but some take long (a BatchWriteItem of 10 MB, a 1 MB Scan page), and with as
// many of them as there are I/O threads, nothing else would be read or answered. So a monitor
// looks at the threads every `tick`: a thread that has been inside the same call since the last
// look is stuck, and while fewer than `base` threads are free, it starts another thread on the
// same io_context, up to `max`. Those extra threads leave again once more than `base` threads are
// free. Fast calls are never seen by the monitor, so they cost two atomic increments each.

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>

namespace fogbank::http {

class io_threads {
 public:
  // `ioc` must outlive this object; `base` threads always run it, at most `max` at once. The
  // monitor looks every `tick`; once no call has begun or ended for `quiet`, it sleeps until
  // one begins.
  io_threads(boost::asio::io_context& ioc, int base, int max,
             std::chrono::milliseconds tick = std::chrono::milliseconds(2),
             std::chrono::milliseconds quiet = std::chrono::milliseconds(200));
  // Calls join().
  ~io_threads();
  io_threads(const io_threads&) = delete;
  io_threads& operator=(const io_threads&) = delete;

  // Starts the base threads and the monitor. Call once.
  void start();
  // Stops the monitor and joins every thread; stop the io_context first (threads that are
  // inside a call finish it). Idempotent. Not from one of these threads.
  void join();

  // Threads running the io_context now (base and extra). Thread-safe.
  std::size_t running() const;
  // Whether the monitor sleeps until a call begins, and how many beginning calls had to wake it
  // (each a system call and a thread switch: under load there should be none). Thread-safe.
  bool monitor_sleeps() const { return monitor_idle_.load(); }
  std::uint64_t wakes_by_calls() const { return wakes_by_calls_.load(std::memory_order_relaxed); }

  // Marks the calling thread as inside a service call for the scope's lifetime (a no-op on a
  // thread that is not one of these).
  class call_scope {
   public:
    call_scope() noexcept;
    ~call_scope();
    call_scope(const call_scope&) = delete;
    call_scope& operator=(const call_scope&) = delete;

   private:
    void* slot_;
  };

 private:
  struct slot {
    io_threads* owner = nullptr;
    std::atomic<std::uint64_t> calls{0};  // odd while the thread is inside a call
    std::atomic<bool> retire{false};      // an extra thread asked to leave
    std::uint64_t last_seen = 0;          // the monitor's previous look; guarded by mutex_
    bool running = false;                 // guarded by mutex_
    bool extra = false;
    std::thread thread;
  };

  void run_base(slot& s);
  void run_extra(slot& s);
  void monitor();
  // Starts a thread in a free slot (joining whatever thread used it before). Requires mutex_.
  bool start_extra();

  boost::asio::io_context& ioc_;
  const int base_;
  const int max_;
  const std::chrono::milliseconds tick_;
  // Looks in a row that saw no call begin or end, after which the monitor sleeps.
  const std::int64_t quiet_ticks_;
  // Calls in progress on any thread: once the threads have been quiet for a while, the monitor
  // sleeps until there is one. A call that begins wakes it only if it sleeps that way
  // (monitor_idle_). It does not sleep at the first look that finds no call in progress: under
  // load, between two requests, that is most looks, and each would cost the next request a wake-up
  // (a lock, a futex call and a thread switch; bench/README.md, "Fourth pass").
  std::atomic<int> in_calls_{0};
  std::atomic<bool> monitor_idle_{false};
  std::atomic<std::uint64_t> wakes_by_calls_{0};
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<slot> slots_;  // stable addresses; one per thread ever needed (at most max_)
  std::thread monitor_;
  bool started_ = false;
  bool stopping_ = false;
};

}  // namespace fogbank::http
