#include "table_locks.hpp"

#include "sync_point.hpp"

#include <algorithm>

namespace fogbank::dynamodb {

table_locks::held& table_locks::held::operator=(held&& other) noexcept {
  if (this != &other) {
    release();
    names_ = std::move(other.names_);
    mutexes_ = std::move(other.mutexes_);
  }
  return *this;
}

table_locks::held::~held() {
  release();
}

void table_locks::held::release() noexcept {
  for (auto it = mutexes_.rbegin(); it != mutexes_.rend(); ++it) (*it)->unlock();
  mutexes_.clear();
  names_.clear();
}

std::shared_ptr<std::mutex> table_locks::mutex_for(const std::string& name) {
  {
    // Every write looks its tables up here: writers of different tables share the map, not a lock.
    std::shared_lock lock(mutex_);
    if (auto it = locks_.find(name); it != locks_.end()) return it->second;
  }
  std::unique_lock lock(mutex_);
  auto it = locks_.find(name);
  if (it == locks_.end()) it = locks_.emplace(name, std::make_shared<std::mutex>()).first;
  return it->second;
}

table_locks::held table_locks::lock(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  held out;
  out.mutexes_.reserve(names.size());
  for (const auto& name : names) {
    std::shared_ptr<std::mutex> mutex = mutex_for(name);
    mutex->lock();
    // From here on `out` unlocks it, even if a later step throws.
    out.mutexes_.push_back(std::move(mutex));
    out.names_.push_back(name);
    sync_point("table_lock:acquired", name);
  }
  return out;
}

}  // namespace fogbank::dynamodb
