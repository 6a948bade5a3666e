#pragma once
// The threads that run service calls, apart from the threads that run the sockets.
//
// A service call may take long: a BatchWriteItem of 25 items of 400 KB takes a quarter of a
// second on a busy two-core machine. Run on the I/O threads, as many such calls as there are
// I/O threads would leave none to read any other request or to answer /_fogbank/health (issue 6
// measured exactly that, bench/isolation.sh). So a session hands each service call to this pool
// and writes the answer when it comes back, by the path long polls already take
// (deferred_reply); the I/O threads only move bytes and answer the health endpoint.
//
// The pool grows on demand: a call that finds no idle thread gets a new one, up to
// `max_threads`, so that one slow call never makes a fast one queue behind it; past that, calls
// wait their turn in arrival order. Threads stay once started (an idle one waits on a condition
// variable and costs nothing) until stop().

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace fogbank::http {

class call_pool {
 public:
  explicit call_pool(std::size_t max_threads);
  // Calls stop().
  ~call_pool();
  call_pool(const call_pool&) = delete;
  call_pool& operator=(const call_pool&) = delete;

  // Runs `task` on a pool thread. After stop() the task is destroyed without running. A task
  // that throws is logged. Thread-safe.
  void post(std::function<void()> task);

  // Lets the running tasks finish, destroys the queued ones unrun and joins the threads.
  // Idempotent. Must not be called from a pool thread.
  void stop();

  // Threads started so far (at most max_threads). Thread-safe.
  std::size_t threads() const;

 private:
  void run();

  const std::size_t max_threads_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;  // guarded by mutex_
  std::vector<std::thread> threads_;         // guarded by mutex_
  std::size_t idle_ = 0;                     // threads waiting for a task; guarded by mutex_
  bool stopping_ = false;                    // guarded by mutex_
};

}  // namespace fogbank::http
