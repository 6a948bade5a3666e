#include "fogbank/core/scheduler.hpp"

#include "fogbank/core/log.hpp"

#include <exception>
#include <string>

namespace fogbank::core {
namespace {

// The scheduler whose task this thread is running, if any.
thread_local const scheduler* running_scheduler = nullptr;

}  // namespace

scheduler::scheduler(clock& service_clock) : clock_(service_clock) {}

scheduler::~scheduler() {
  stop();
}

scheduler::entry_id scheduler::schedule_at(time_point at, task work) {
  std::lock_guard lock(mutex_);
  const entry_id id = next_id_++;
  const bool earliest = entries_.empty() || at < entries_.begin()->first.first;
  entries_.emplace(std::make_pair(at, id), std::move(work));
  due_of_.emplace(id, at);
  if (earliest) wake_.notify_all();
  return id;
}

scheduler::entry_id scheduler::schedule_after(std::chrono::nanoseconds delay, task work) {
  return schedule_at(clock_.now() + std::chrono::duration_cast<time_point::duration>(delay), std::move(work));
}

bool scheduler::cancel(entry_id id) {
  std::lock_guard lock(mutex_);
  auto it = due_of_.find(id);
  if (it == due_of_.end()) return false;
  entries_.erase(std::make_pair(it->second, id));
  due_of_.erase(it);
  return true;
}

std::optional<scheduler::task> scheduler::pop_due(time_point now) {
  std::lock_guard lock(mutex_);
  if (entries_.empty() || entries_.begin()->first.first > now) return std::nullopt;
  auto node = entries_.extract(entries_.begin());
  due_of_.erase(node.key().second);
  return std::move(node.mapped());
}

std::size_t scheduler::run_due() {
  std::size_t ran = 0;
  // Re-read the clock only once: tasks that schedule work "now" run in this call, but a task
  // cannot make the call run forever by moving a real clock along.
  const time_point now = clock_.now();
  while (auto work = pop_due(now)) {
    run_task(*work);
    ++ran;
  }
  return ran;
}

std::optional<time_point> scheduler::next_due() const {
  std::lock_guard lock(mutex_);
  if (entries_.empty()) return std::nullopt;
  return entries_.begin()->first.first;
}

std::size_t scheduler::pending() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void scheduler::run_task(task& work) const noexcept {
  const scheduler* outer = running_scheduler;
  running_scheduler = this;
  try {
    work();
  } catch (const std::exception& e) {
    try {
      log_error(std::string("a scheduled task failed: ") + e.what());
    } catch (...) {
      log_error("a scheduled task failed");
    }
  } catch (...) {
    log_error("a scheduled task failed: unknown exception");
  }
  running_scheduler = outer;
}

bool scheduler::in_task() const noexcept {
  return running_scheduler == this;
}

void scheduler::start() {
  std::lock_guard guard(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      if (entries_.empty()) {
        wake_.wait(lock);
        continue;
      }
      const time_point due = entries_.begin()->first.first;
      const time_point now = clock_.now();
      if (due > now) {
        // Wait in steady time for the gap the service clock shows; an earlier entry or stop()
        // wakes us sooner.
        wake_.wait_for(lock, due - now);
        continue;
      }
      auto node = entries_.extract(entries_.begin());
      due_of_.erase(node.key().second);
      lock.unlock();
      run_task(node.mapped());
      lock.lock();
    }
  });
}

void scheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

}  // namespace fogbank::core
