#pragma once
// What Lambda's platform itself writes and answers, as opposed to the runtime: the START / END /
// REPORT lines around an invocation's log (research doc §9.1), the error payloads of invocations
// that the platform ends (timeouts, runtime exits, oversized responses, a missing bootstrap:
// §4.3), and the bounded capture of a worker's output.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace fogbank::workers {

// Lambda's limit on a synchronous response, as AWS reports it: "exceeded maximum allowed payload
// size (6291556 bytes)" (6 MiB + 100; observed in DataBiosphere/azul#8258, and LocalStack's RIE
// fork uses the same number).
constexpr std::size_t max_response_bytes = 6 * 1024 * 1024 + 100;

// An invocation's log keeps the last this many bytes of what the handler printed (a handler
// printing in a loop until its timeout would otherwise hold gigabytes). X-Amz-Log-Result returns
// only the last 4 KB anyway; 256 KiB is CloudWatch Logs' largest event.
constexpr std::size_t max_invocation_output = 256 * 1024;

// What a worker prints between invocations (a timer that fires late) goes to the host's log,
// at most this much per idle period.
constexpr std::size_t max_idle_output = 64 * 1024;

// Keeps the last `limit` bytes appended, cut at a line start where one is near.
class output_buffer {
 public:
  explicit output_buffer(std::size_t limit) : limit_(limit) {}
  void append(std::string_view bytes);
  bool empty() const noexcept { return data_.empty() && dropped_ == 0; }
  // The text kept, after a line saying how many bytes were dropped if any were; then empty.
  std::string take();

 private:
  std::string data_;
  std::size_t limit_;
  std::size_t dropped_ = 0;
};

struct report_fields {
  std::string request_id;
  std::chrono::microseconds duration{0};
  int memory_size_mb = 128;
  int max_memory_used_mb = 0;
  std::optional<std::chrono::microseconds> init_duration;
  std::string status;      // "", or "timeout" / "error" when the platform ended the invocation
  std::string error_type;  // with status "error", e.g. "Runtime.ExitError"
};

std::string start_line(std::string_view request_id, std::string_view version);
std::string end_line(std::string_view request_id);
std::string report_line(const report_fields& fields);
std::string init_start_line(std::string_view runtime, std::string_view region);
// INIT_REPORT, logged when the initialization of a worker fails or times out.
std::string init_report_line(std::chrono::microseconds init_duration, std::string_view status,
                             std::string_view error_type);

// "3.00": a timeout in seconds with two decimals, as in "Task timed out after 3.00 seconds".
std::string seconds_text(std::chrono::milliseconds timeout);

// Error payloads (the body Invoke returns with X-Amz-Function-Error: Unhandled).
std::string timeout_payload(std::string_view request_id, std::chrono::milliseconds timeout);
// `reason` from describe_exit(), or empty for an exit with status 0.
std::string exit_payload(std::string_view request_id, std::string_view reason);
std::string response_too_large_payload(std::size_t size);
std::string invalid_entrypoint_payload(std::string_view request_id, std::string_view message);

// A wait status as Go's os.ProcessState prints it (Lambda's platform is Go): "exit status 1",
// "signal: killed", "signal: segmentation fault (core dumped)"; empty for exit status 0.
std::string describe_exit(int wait_status);

}  // namespace fogbank::workers
