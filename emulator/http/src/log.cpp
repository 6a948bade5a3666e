#include "log.hpp"

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <string>

namespace fogbank::http {

namespace {

// Enough for any message of fogbank's own plus what it quotes (an exception's text, a target
// header); a client that makes a message longer (a 64 KiB header) must not flood the log.
constexpr std::size_t max_logged_bytes = 4096;

}  // namespace

std::string loggable(std::string_view message) {
  std::string out;
  out.reserve(std::min(message.size(), max_logged_bytes) + 32);
  for (const char c : message.substr(0, max_logged_bytes)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) {
      // A newline or an escape sequence quoted from a request could forge or hide log lines.
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[byte >> 4];
      out += hex[byte & 0xF];
    } else {
      out += c;
    }
  }
  if (message.size() > max_logged_bytes) out += "... (" + std::to_string(message.size()) + " bytes)";
  return out;
}

void log_error(std::string_view message) noexcept {
  static std::mutex mutex;
  try {
    const std::string line = loggable(message);
    std::lock_guard lock(mutex);
    std::fprintf(stderr, "fogbank: %s\n", line.c_str());
    std::fflush(stderr);
  } catch (...) {
    // Out of memory building the line: say at least that something went wrong.
    std::lock_guard lock(mutex);
    std::fputs("fogbank: (an error whose message could not be formatted)\n", stderr);
    std::fflush(stderr);
  }
}

}  // namespace fogbank::http
