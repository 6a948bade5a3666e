#include "call_pool.hpp"

#include "log.hpp"

#include <algorithm>
#include <exception>
#include <system_error>

namespace fogbank::http {

call_pool::call_pool(std::size_t max_threads) : max_threads_(std::max<std::size_t>(1, max_threads)) {}

call_pool::~call_pool() {
  stop();
}

void call_pool::post(std::function<void()> task) {
  std::unique_lock lock(mutex_);
  if (stopping_) {
    lock.unlock();
    return;  // `task` (and whatever it owns) is destroyed here, outside the lock
  }
  tasks_.push_back(std::move(task));
  // More calls waiting than idle threads to take them: one more thread, while the cap allows.
  if (tasks_.size() > idle_ && threads_.size() < max_threads_) {
    try {
      threads_.emplace_back([this] { run(); });
      return;
    } catch (const std::system_error& e) {
      // Out of threads: the calls wait for the ones there are. With none at all, nothing would
      // ever run them, so this one runs here.
      log_error(std::string("cannot start a call thread: ") + e.what());
      if (threads_.empty()) {
        std::function<void()> now = std::move(tasks_.back());
        tasks_.pop_back();
        lock.unlock();
        now();
        return;
      }
    }
  }
  ready_.notify_one();
}

void call_pool::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    ++idle_;
    ready_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
    --idle_;
    if (stopping_) return;
    std::function<void()> task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    try {
      task();
    } catch (const std::exception& e) {
      log_error(std::string("uncaught exception in a call thread: ") + e.what());
    } catch (...) {
      log_error("uncaught exception in a call thread");
    }
    task = nullptr;  // released before the lock is taken again: it may own a whole session
    lock.lock();
  }
}

void call_pool::stop() {
  std::vector<std::thread> threads;
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    threads.swap(threads_);
    dropped.swap(tasks_);
  }
  ready_.notify_all();
  for (auto& t : threads) t.join();
  // `dropped` goes here, with no lock held.
}

std::size_t call_pool::threads() const {
  std::lock_guard lock(mutex_);
  return threads_.size();
}

}  // namespace fogbank::http
