#pragma once
// One function's workers: reuses idle ones, starts new ones up to the function's concurrency,
// queues invocations beyond it (first in, first out), and retires workers of an older revision or
// of an earlier retire(). Thread-safe: invoke() callers and the workers' strands both call in.

#include "worker.hpp"

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace fogbank::workers {

class function_pool final : public worker_owner, public std::enable_shared_from_this<function_pool> {
 public:
  function_pool(host_context& host, int default_concurrency);

  // Runs `work` in a worker of its config's revision, now or once one is free.
  void submit(assignment work);
  // Stops idle workers now and busy ones when they finish; later invocations get new workers.
  void retire();
  // The host is going away: queued invocations end as Runtime.ExitError, every worker is killed
  // (its invocation ends the same way), nothing is started any more.
  void shutdown();

  // worker_owner
  void on_free(const std::shared_ptr<worker>& w) override;
  void on_gone(const std::shared_ptr<worker>& w) override;
  void resubmit(assignment work) override;

 private:
  using actions = std::vector<std::function<void()>>;
  // Matches queued invocations with workers; what it decides runs after the lock is released.
  void pump(actions& later);
  void remove(const std::shared_ptr<worker>& w);
  void enqueue(assignment work, bool front);
  static void fail(assignment work);

  host_context& host_;
  int default_concurrency_;
  std::mutex mutex_;
  std::deque<assignment> queue_;
  std::vector<std::shared_ptr<worker>> workers_;  // started and not gone
  std::vector<std::shared_ptr<worker>> idle_;     // of those, the ones without an invocation
  std::string revision_;                          // the newest revision submitted
  int concurrency_ = 1;
  std::uint64_t epoch_ = 0;  // bumped by retire()
  bool shut_down_ = false;
};

}  // namespace fogbank::workers
