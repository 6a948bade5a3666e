#pragma once
// Diagnostics of the HTTP front end, one line each on stderr. (Replace with core's logger once
// core has one.)

#include <string_view>

namespace fogbank::http {

// Writes "fogbank: <message>" and a newline to stderr. Thread-safe; never throws.
void log_error(std::string_view message) noexcept;

}  // namespace fogbank::http
