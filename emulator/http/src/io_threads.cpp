#include "io_threads.hpp"

#include "log.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <exception>
#include <system_error>

namespace fogbank::http {
namespace {

// The slot of the io_threads thread running here, if any.
thread_local void* current_slot = nullptr;

// Runs `body`, logging what a handler throws (it must not take the server down) and starting
// over, until `body` returns normally.
template <typename Body>
void keep_running(Body body) {
  for (;;) {
    try {
      body();
      return;
    } catch (const std::exception& e) {
      log_error(std::string("uncaught exception in a server thread: ") + e.what());
    } catch (...) {
      log_error("uncaught exception in a server thread");
    }
  }
}

}  // namespace

io_threads::io_threads(boost::asio::io_context& ioc, int base, int max, std::chrono::milliseconds tick,
                       std::chrono::milliseconds quiet)
    : ioc_(ioc),
      base_(std::max(1, base)),
      max_(std::max(std::max(1, base), max)),
      tick_(tick),
      quiet_ticks_(std::max<std::int64_t>(1, quiet / std::max(tick, std::chrono::milliseconds(1)))) {}

io_threads::~io_threads() {
  join();
}

void io_threads::start() {
  std::lock_guard lock(mutex_);
  if (started_) return;
  started_ = true;
  for (int i = 0; i < base_; ++i) {
    slot& s = slots_.emplace_back();
    s.owner = this;
    s.running = true;
    s.thread = std::thread([this, &s] { run_base(s); });
  }
  monitor_ = std::thread([this] { monitor(); });
}

void io_threads::join() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (monitor_.joinable()) monitor_.join();
  // The monitor is gone and starts nothing more; slots_ no longer changes.
  for (auto& s : slots_) {
    if (s.thread.joinable()) s.thread.join();
  }
}

std::size_t io_threads::running() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(
      std::count_if(slots_.begin(), slots_.end(), [](const slot& s) { return s.running; }));
}

void io_threads::run_base(slot& s) {
  current_slot = &s;
  keep_running([this] { ioc_.run(); });
  std::lock_guard lock(mutex_);
  s.running = false;
}

void io_threads::run_extra(slot& s) {
  current_slot = &s;
  // One handler (or one tick) at a time, so that a request to leave is seen soon.
  keep_running([&] {
    while (!ioc_.stopped() && !s.retire.load(std::memory_order_acquire)) ioc_.run_one_for(tick_);
  });
  // What the last handler run here queued as its continuation (an async_write's next write, a
  // strand's next handler) went into the io_context's queue when that handler returned, with no
  // thread woken for it: Asio leaves it to the thread that ran the handler, which in run() goes
  // round again (scheduler::work_cleanup). This thread leaves instead, so it wakes another, which
  // a post from outside the run loop does. Without it such a step waited for the next event on any
  // socket: a 1 MB response stopped after its first write until a 60 s deadline fired.
  boost::asio::post(ioc_, [] {});
  std::lock_guard lock(mutex_);
  s.running = false;
}

bool io_threads::start_extra() {
  slot* free = nullptr;
  for (auto& s : slots_) {
    if (!s.running && s.extra) {
      free = &s;
      break;
    }
  }
  if (free == nullptr) {
    if (static_cast<int>(slots_.size()) >= max_) return false;
    free = &slots_.emplace_back();
    free->owner = this;
    free->extra = true;
  }
  // Whatever thread used the slot before has left run_extra (it cleared `running` last).
  if (free->thread.joinable()) free->thread.join();
  free->retire.store(false, std::memory_order_relaxed);
  free->calls.store(0, std::memory_order_relaxed);
  free->last_seen = 0;
  try {
    free->thread = std::thread([this, free] { run_extra(*free); });
  } catch (const std::system_error& e) {
    log_error(std::string("cannot start another server thread: ") + e.what());
    return false;
  }
  free->running = true;
  return true;
}

void io_threads::monitor() {
  std::unique_lock lock(mutex_);
  std::int64_t quiet = 0;  // looks in a row that saw no call begin or end
  while (!stopping_) {
    const bool extras =
        std::any_of(slots_.begin(), slots_.end(), [](const slot& s) { return s.running && s.extra; });
    if (in_calls_.load() == 0 && !extras && quiet >= quiet_ticks_) {
      // Nothing to watch: sleep until a call begins (call_scope wakes us). The flag is set before
      // in_calls_ is looked at again, and call_scope counts itself in before it reads the flag
      // (both sequentially consistent), so either it sees the flag or we see its call.
      monitor_idle_.store(true);
      // Woken by a call that began, even if it has ended again by the time we look (short calls
      // do): otherwise every call after it would have to wake us again.
      const std::uint64_t woken = wakes_by_calls_.load(std::memory_order_relaxed);
      wake_.wait(lock, [this, woken] {
        return stopping_ || in_calls_.load() > 0 || wakes_by_calls_.load(std::memory_order_relaxed) != woken;
      });
      monitor_idle_.store(false);
      quiet = 0;
    } else {
      wake_.wait_for(lock, tick_);
    }
    if (stopping_) break;
    int running = 0;
    int free = 0;
    bool active = in_calls_.load() > 0;
    for (auto& s : slots_) {
      if (!s.running || s.retire.load(std::memory_order_relaxed)) continue;
      ++running;
      const std::uint64_t calls = s.calls.load(std::memory_order_acquire);
      // Inside the same call as at the last look: stuck for at least a tick.
      const bool stuck = (calls & 1) != 0 && calls == s.last_seen;
      if (calls != s.last_seen) active = true;
      s.last_seen = calls;
      if (!stuck) ++free;
    }
    quiet = active ? 0 : quiet + 1;
    for (; free < base_ && running < max_; ++free, ++running) {
      if (!start_extra()) break;
    }
    // More free threads than needed: one extra thread not inside a call leaves per tick.
    if (free > base_) {
      for (auto& s : slots_) {
        if (s.running && s.extra && !s.retire.load(std::memory_order_relaxed) &&
            (s.calls.load(std::memory_order_acquire) & 1) == 0) {
          s.retire.store(true, std::memory_order_release);
          break;
        }
      }
    }
  }
}

io_threads::call_scope::call_scope() noexcept : slot_(current_slot) {
  if (slot_ == nullptr) return;
  auto& s = *static_cast<slot*>(slot_);
  s.calls.fetch_add(1, std::memory_order_release);
  if (s.owner->in_calls_.fetch_add(1) == 0 && s.owner->monitor_idle_.load()) {
    // The monitor sleeps with nothing to watch: there is something now.
    std::lock_guard lock(s.owner->mutex_);
    s.owner->wakes_by_calls_.fetch_add(1, std::memory_order_relaxed);
    s.owner->wake_.notify_one();
  }
}

io_threads::call_scope::~call_scope() {
  if (slot_ == nullptr) return;
  auto& s = *static_cast<slot*>(slot_);
  s.owner->in_calls_.fetch_sub(1);
  s.calls.fetch_add(1, std::memory_order_release);
}

}  // namespace fogbank::http
