#include "sync_point.hpp"

#include <atomic>
#include <memory>
#include <mutex>

namespace fogbank::dynamodb {
namespace {

std::atomic<bool> armed{false};
std::mutex callback_mutex;
std::shared_ptr<const sync_point_callback> installed;  // guarded by callback_mutex

}  // namespace

void set_sync_point_callback(sync_point_callback callback) {
  std::lock_guard lock(callback_mutex);
  installed = callback ? std::make_shared<const sync_point_callback>(std::move(callback)) : nullptr;
  armed.store(installed != nullptr, std::memory_order_release);
}

void sync_point(std::string_view point, std::string_view table) {
  if (!armed.load(std::memory_order_relaxed)) return;
  std::shared_ptr<const sync_point_callback> callback;
  {
    std::lock_guard lock(callback_mutex);
    callback = installed;
  }
  // Called without the mutex: the callback may block until another thread reaches its own point.
  if (callback) (*callback)(point, table);
}

}  // namespace fogbank::dynamodb
