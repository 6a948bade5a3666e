#pragma once
// The lines and payloads a runtime host writes the same way whatever the runtime, so that every
// host's logs and failures read as Lambda's:
//
//   START RequestId: 8f5b... Version: $LATEST
//   END RequestId: 8f5b...
//   REPORT RequestId: 8f5b...\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory
//   Used: 0 MB\t
//
// (the REPORT fields as the runtime interface emulator formats them, tab-separated with a
// trailing tab as AWS prints them; a failed invocation adds "Status: timeout" or "Status: error"
// and "Error Type: Runtime.ExitError", as Lambda's current log format does). Durations come from
// the service clock: on a manual clock, which stands still while a handler runs, they read 0.00 ms,
// so transcripts are byte-stable (research D13). Thread-safe pure functions.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fogbank::lambda::log_format {

std::string start_line(std::string_view request_id, std::string_view version);
std::string end_line(std::string_view request_id);

struct report {
  std::chrono::microseconds duration{0};
  int memory_size_mb = 128;
  int max_memory_used_mb = 0;
  std::optional<std::chrono::microseconds> init_duration;  // on a cold start
  std::string_view status;                                 // "", "timeout" or "error"
  std::string_view error_type;                             // with status "error": "Runtime.ExitError"
};
std::string report_line(std::string_view request_id, const report& fields);

// Billed Duration: the duration rounded up to a whole millisecond, at least 1 ms (Lambda bills
// per millisecond; the minimum is fogbank's rule, so that a 0.00 ms duration bills 1 ms).
std::int64_t billed_ms(std::chrono::microseconds duration);

// {"errorType":"Sandbox.Timedout","errorMessage":"RequestId: <id> Error: Task timed out after 3.00
// seconds"}: Lambda's current timeout payload, with the configured timeout.
std::string timeout_payload(std::string_view request_id, std::chrono::milliseconds timeout);

// {"errorType":<type>,"errorMessage":"RequestId: <id> Error: <message>"}: the shape of the errors
// the platform (not the handler) reports, e.g. Runtime.ExitError.
std::string platform_error_payload(std::string_view request_id, std::string_view type,
                                   std::string_view message);

}  // namespace fogbank::lambda::log_format
