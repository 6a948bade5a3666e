#pragma once
// Diagnostics of the HTTP front end, one line each on stderr. (Replace with core's logger once
// core has one.)

#include <string>
#include <string_view>

namespace fogbank::http {

// Writes "fogbank: <message>" and a newline to stderr, the message as loggable() makes it.
// Thread-safe; never throws.
void log_error(std::string_view message) noexcept;

// `message` fit for one log line: control characters written as \xNN, and cut after 4 KiB with
// the original length noted.
std::string loggable(std::string_view message);

}  // namespace fogbank::http
