#include "fogbank/core/log.hpp"

#include <cstdio>
#include <mutex>

namespace fogbank::core {
namespace {

void write_line(std::string_view message) noexcept {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::fprintf(stderr, "fogbank: %.*s\n", static_cast<int>(message.size()), message.data());
  std::fflush(stderr);
}

}  // namespace

void log_error(std::string_view message) noexcept {
  write_line(message);
}

void log_info(std::string_view message) noexcept {
  write_line(message);
}

}  // namespace fogbank::core
