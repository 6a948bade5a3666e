#include "platform_log.hpp"

#include <nlohmann/json.hpp>

#include <sys/wait.h>

#include <cmath>
#include <csignal>
#include <cstdio>

namespace fogbank::workers {

namespace {

// How far past the cut to look for the start of a line, so that the log does not begin in the
// middle of one (or of a UTF-8 sequence).
constexpr std::size_t line_search = 4096;

std::string millis_text(std::chrono::microseconds duration) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", static_cast<double>(duration.count()) / 1000.0);
  return text;
}

// Key order as AWS writes these bodies (research doc §4.3): errorType first for the platform's
// Sandbox.Timedout and Runtime.ExitError.
std::string error_body(std::string_view type_first, std::string_view message) {
  nlohmann::ordered_json body;
  body["errorType"] = type_first;
  body["errorMessage"] = message;
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Go's names for signals (syscall's signal table), which Lambda prints.
const char* signal_name(int signal) {
  switch (signal) {
    case SIGHUP:
      return "hangup";
    case SIGINT:
      return "interrupt";
    case SIGQUIT:
      return "quit";
    case SIGILL:
      return "illegal instruction";
    case SIGTRAP:
      return "trace/breakpoint trap";
    case SIGABRT:
      return "aborted";
    case SIGBUS:
      return "bus error";
    case SIGFPE:
      return "floating point exception";
    case SIGKILL:
      return "killed";
    case SIGUSR1:
      return "user defined signal 1";
    case SIGSEGV:
      return "segmentation fault";
    case SIGUSR2:
      return "user defined signal 2";
    case SIGPIPE:
      return "broken pipe";
    case SIGALRM:
      return "alarm clock";
    case SIGTERM:
      return "terminated";
    default:
      return nullptr;
  }
}

}  // namespace

void output_buffer::append(std::string_view bytes) {
  data_.append(bytes);
  // Trim only when twice the limit is held, so that appending stays linear.
  if (data_.size() > 2 * limit_) {
    const std::size_t cut = data_.size() - limit_;
    dropped_ += cut;
    data_.erase(0, cut);
  }
}

std::string output_buffer::take() {
  if (data_.size() > limit_) {
    const std::size_t cut = data_.size() - limit_;
    dropped_ += cut;
    data_.erase(0, cut);
  }
  std::string kept = std::move(data_);
  data_.clear();
  if (dropped_ == 0) return kept;
  // Start at a line boundary when one is near.
  const std::size_t newline = kept.find('\n');
  if (newline != std::string::npos && newline < line_search) {
    dropped_ += newline + 1;
    kept.erase(0, newline + 1);
  }
  std::string text = "[fogbank] " + std::to_string(dropped_) +
                     " bytes of output dropped: the log keeps the last " + std::to_string(limit_) +
                     " bytes\n" + kept;
  dropped_ = 0;
  return text;
}

std::string start_line(std::string_view request_id, std::string_view version) {
  return "START RequestId: " + std::string(request_id) + " Version: " + std::string(version) + "\n";
}

std::string end_line(std::string_view request_id) {
  return "END RequestId: " + std::string(request_id) + "\n";
}

std::string report_line(const report_fields& fields) {
  // Format of RIE and AWS's extensions ("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration:
  // %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB" + "\tInit Duration: %.2f ms"), with AWS's
  // trailing tab; billed in whole milliseconds, rounded up, at least 1 (research doc §9.1).
  const double millis = static_cast<double>(fields.duration.count()) / 1000.0;
  const long long billed = std::max<long long>(1, static_cast<long long>(std::ceil(millis)));
  std::string line = "REPORT RequestId: " + fields.request_id +
                     "\tDuration: " + millis_text(fields.duration) +
                     " ms\tBilled Duration: " + std::to_string(billed) +
                     " ms\tMemory Size: " + std::to_string(fields.memory_size_mb) +
                     " MB\tMax Memory Used: " + std::to_string(fields.max_memory_used_mb) + " MB\t";
  if (fields.init_duration) line += "Init Duration: " + millis_text(*fields.init_duration) + " ms\t";
  if (!fields.status.empty()) {
    line += "Status: " + fields.status + "\t";
    if (!fields.error_type.empty()) line += "Error Type: " + fields.error_type + "\t";
  }
  return line + "\n";
}

std::string init_start_line(std::string_view runtime, std::string_view region) {
  // AWS: "INIT_START Runtime Version: nodejs:20.v13\tRuntime Version ARN: arn:aws:lambda:...".
  // fogbank has no runtime versions; the ARN names fogbank so that nobody mistakes it for AWS's.
  return "INIT_START Runtime Version: " + std::string(runtime) +
         "\tRuntime Version ARN: arn:aws:lambda:" + std::string(region) + "::runtime:fogbank\n";
}

std::string init_report_line(std::chrono::microseconds init_duration, std::string_view status,
                             std::string_view error_type) {
  // Observed: "INIT_REPORT Init Duration: 0.44 ms\tPhase: init\tStatus: error\tError Type:
  // Runtime.InvalidEntrypoint" (cdklabs/cdk-ecr-deployment#651).
  std::string line = "INIT_REPORT Init Duration: " + millis_text(init_duration) +
                     " ms\tPhase: init\tStatus: " + std::string(status);
  if (!error_type.empty()) line += "\tError Type: " + std::string(error_type);
  return line + "\n";
}

std::string seconds_text(std::chrono::milliseconds timeout) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", static_cast<double>(timeout.count()) / 1000.0);
  return text;
}

std::string timeout_payload(std::string_view request_id, std::chrono::milliseconds timeout) {
  // The configured timeout, not the time measured (research doc §4.3, [OBS-timeout-code]).
  return error_body("Sandbox.Timedout", "RequestId: " + std::string(request_id) +
                                            " Error: Task timed out after " + seconds_text(timeout) +
                                            " seconds");
}

std::string exit_payload(std::string_view request_id, std::string_view reason) {
  const std::string what = reason.empty() ? "Runtime exited without providing a reason"
                                          : "Runtime exited with error: " + std::string(reason);
  return error_body("Runtime.ExitError", "RequestId: " + std::string(request_id) + " Error: " + what);
}

std::string response_too_large_payload(std::size_t size) {
  // LocalStack's RIE fork, "in parity with what AWS returns" (research doc §1.3).
  nlohmann::ordered_json body;
  body["errorMessage"] = "Response payload size (" + std::to_string(size) +
                         " bytes) exceeded maximum allowed payload size (" +
                         std::to_string(max_response_bytes) + " bytes).";
  body["errorType"] = "Function.ResponseSizeTooLarge";
  return body.dump();
}

std::string invalid_entrypoint_payload(std::string_view request_id, std::string_view message) {
  // {"errorMessage":"RequestId: <id> Error: Couldn't find valid bootstrap(s): [/var/task/bootstrap
  // /opt/bootstrap]","errorType":"Runtime.InvalidEntrypoint"} (bakdata/aws-lambda-r-runtime#62).
  nlohmann::ordered_json body;
  body["errorMessage"] = "RequestId: " + std::string(request_id) + " Error: " + std::string(message);
  body["errorType"] = "Runtime.InvalidEntrypoint";
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string describe_exit(int wait_status) {
  if (WIFEXITED(wait_status)) {
    const int code = WEXITSTATUS(wait_status);
    return code == 0 ? std::string() : "exit status " + std::to_string(code);
  }
  if (WIFSIGNALED(wait_status)) {
    const int signal = WTERMSIG(wait_status);
    const char* name = signal_name(signal);
    std::string text = name != nullptr ? std::string("signal: ") + name : "signal " + std::to_string(signal);
    if (WCOREDUMP(wait_status)) text += " (core dumped)";
    return text;
  }
  return "exit status " + std::to_string(wait_status);
}

}  // namespace fogbank::workers
