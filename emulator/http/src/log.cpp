#include "log.hpp"

#include <cstdio>
#include <mutex>

namespace fogbank::http {

void log_error(std::string_view message) noexcept {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::fprintf(stderr, "fogbank: %.*s\n", static_cast<int>(message.size()), message.data());
  std::fflush(stderr);
}

}  // namespace fogbank::http
