#include "fogbank/lambda/log_format.hpp"
#include "fogbank/core/json_text.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace fogbank::lambda::log_format {
namespace {

// "%.2f" of a duration in milliseconds.
std::string millis(std::chrono::microseconds duration) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", static_cast<double>(duration.count()) / 1000.0);
  return text;
}

}  // namespace

std::string start_line(std::string_view request_id, std::string_view version) {
  return "START RequestId: " + std::string(request_id) + " Version: " + std::string(version) + "\n";
}

std::string end_line(std::string_view request_id) {
  return "END RequestId: " + std::string(request_id) + "\n";
}

std::int64_t billed_ms(std::chrono::microseconds duration) {
  const std::int64_t ms = (duration.count() + 999) / 1000;
  return ms < 1 ? 1 : ms;
}

std::string report_line(std::string_view request_id, const report& fields) {
  std::string line = "REPORT RequestId: " + std::string(request_id) +
                     "\tDuration: " + millis(fields.duration) +
                     " ms\tBilled Duration: " + std::to_string(billed_ms(fields.duration)) +
                     " ms\tMemory Size: " + std::to_string(fields.memory_size_mb) +
                     " MB\tMax Memory Used: " + std::to_string(fields.max_memory_used_mb) + " MB\t";
  if (fields.init_duration) line += "Init Duration: " + millis(*fields.init_duration) + " ms\t";
  if (!fields.status.empty()) line += "Status: " + std::string(fields.status) + "\t";
  if (!fields.error_type.empty()) line += "Error Type: " + std::string(fields.error_type) + "\t";
  return line + "\n";
}

std::string timeout_payload(std::string_view request_id, std::chrono::milliseconds timeout) {
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.2f", static_cast<double>(timeout.count()) / 1000.0);
  return platform_error_payload(request_id, "Sandbox.Timedout",
                                std::string("Task timed out after ") + seconds + " seconds");
}

std::string platform_error_payload(std::string_view request_id, std::string_view type,
                                   std::string_view message) {
  // errorType first, as AWS's timeout payload is recorded (a json object would sort the keys).
  const nlohmann::json t = std::string(type);
  const nlohmann::json m = "RequestId: " + std::string(request_id) + " Error: " + std::string(message);
  return "{\"errorType\":" + core::to_json_text(t) + ",\"errorMessage\":" + core::to_json_text(m) + "}";
}

}  // namespace fogbank::lambda::log_format
