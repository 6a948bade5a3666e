#pragma once
// fogbank's diagnostics: one line each on stderr, "fogbank: <message>". Lines from different
// threads never interleave. Never throws.

#include <string_view>

namespace fogbank::core {

// Something went wrong that the caller cannot be told about through a response (a stream
// subscriber that threw, an exception escaping a scheduler task, an internal error).
void log_error(std::string_view message) noexcept;
// Something a person running fogbank wants to see (start-up, shutdown).
void log_info(std::string_view message) noexcept;

}  // namespace fogbank::core
