#include "pool.hpp"

#include <algorithm>

namespace fogbank::workers {

function_pool::function_pool(host_context& host, int default_concurrency)
    : host_(host), default_concurrency_(std::max(1, default_concurrency)) {}

void function_pool::submit(assignment work) {
  enqueue(std::move(work), false);
}

void function_pool::resubmit(assignment work) {
  // It was first in line once already.
  enqueue(std::move(work), true);
}

void function_pool::enqueue(assignment work, bool front) {
  actions later;
  {
    std::lock_guard lock(mutex_);
    if (shut_down_) {
      later.push_back([work = std::move(work)]() mutable { fail(std::move(work)); });
    } else {
      if (!front) {
        revision_ = work.config.revision;
        // Reserved concurrency 0 throttles every invocation in Lambda; the service answers those
        // itself, so a host never sees one. At least one worker, so that nothing waits forever.
        concurrency_ = std::max(1, work.config.reserved_concurrency.value_or(default_concurrency_));
      }
      if (front) {
        queue_.push_front(std::move(work));
      } else {
        queue_.push_back(std::move(work));
      }
      pump(later);
    }
  }
  for (auto& action : later) action();
}

void function_pool::retire() {
  actions later;
  {
    std::lock_guard lock(mutex_);
    ++epoch_;
    pump(later);
  }
  for (auto& action : later) action();
}

void function_pool::shutdown() {
  std::deque<assignment> queued;
  std::vector<std::shared_ptr<worker>> running;
  {
    std::lock_guard lock(mutex_);
    shut_down_ = true;
    queued.swap(queue_);
    running.swap(workers_);
    idle_.clear();
  }
  for (auto& work : queued) fail(std::move(work));
  for (auto& w : running) w->stop();
}

void function_pool::on_free(const std::shared_ptr<worker>& w) {
  actions later;
  {
    std::lock_guard lock(mutex_);
    if (std::find(workers_.begin(), workers_.end(), w) == workers_.end()) {
      // Removed meanwhile (retired, or the host is shutting down).
      later.push_back([w] { w->stop(); });
    } else {
      idle_.push_back(w);
      pump(later);
    }
  }
  for (auto& action : later) action();
}

void function_pool::on_gone(const std::shared_ptr<worker>& w) {
  actions later;
  {
    std::lock_guard lock(mutex_);
    remove(w);
    if (!shut_down_) pump(later);
  }
  for (auto& action : later) action();
}

void function_pool::remove(const std::shared_ptr<worker>& w) {
  std::erase(workers_, w);
  std::erase(idle_, w);
}

void function_pool::pump(actions& later) {
  const auto stop = [&](const std::shared_ptr<worker>& w) {
    remove(w);
    later.push_back([w] { w->stop(); });
  };
  while (!queue_.empty()) {
    const std::string& wanted = queue_.front().config.revision;
    const auto match = std::find_if(idle_.begin(), idle_.end(), [&](const std::shared_ptr<worker>& w) {
      return w->revision() == wanted && w->epoch() == epoch_;
    });
    if (match != idle_.end()) {
      std::shared_ptr<worker> w = *match;
      idle_.erase(match);
      later.push_back([w, work = std::move(queue_.front())]() mutable { w->assign(std::move(work)); });
      queue_.pop_front();
      continue;
    }
    if (static_cast<int>(workers_.size()) < concurrency_) {
      assignment work = std::move(queue_.front());
      queue_.pop_front();
      const auto kind = kind_of(work.config.runtime).value_or(runtime_kind::provided);  // checked by the host
      // Started (and its first invocation handed over) after the lock is released.
      auto w = std::make_shared<worker>(host_, shared_from_this(), kind, epoch_, work.config);
      workers_.push_back(w);
      later.push_back([w, work = std::move(work)]() mutable { w->begin(std::move(work)); });
      continue;
    }
    // At the limit: an idle worker that cannot serve what waits makes room for one that can.
    if (idle_.empty()) break;
    stop(idle_.front());
  }
  // Idle workers that no queued invocation can use and that are out of date stop now; busy ones
  // of an old revision or epoch stop when they come back (they are not matched above).
  std::vector<std::shared_ptr<worker>> stale;
  for (const auto& w : idle_) {
    if (w->revision() != revision_ || w->epoch() != epoch_) stale.push_back(w);
  }
  for (const auto& w : stale) stop(w);
}

void function_pool::fail(assignment work) {
  lambda::invocation_outcome outcome;
  outcome.kind = lambda::outcome_kind::crashed;
  outcome.payload = exit_payload(work.call.request_id, "signal: killed");
  outcome.log = start_line(work.call.request_id, work.config.version) +
                "[fogbank] the runtime host stopped\n" + end_line(work.call.request_id) +
                report_line({.request_id = work.call.request_id,
                             .memory_size_mb = work.config.memory_mb,
                             .status = "error",
                             .error_type = "Runtime.ExitError"});
  work.done(std::move(outcome));
}

}  // namespace fogbank::workers
