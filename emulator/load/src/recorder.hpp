#pragma once
// What a load run measured: per step kind (connect, send, disconnect, drop, advance, and each
// call as "call SERVICE.Action") a latency histogram, successes and errors by type; the
// end-to-end latency of frames; a timeline per second. Turned into the final table, the JSON
// result (`--json`), the comparison with an earlier result (`--compare`) and the HTML page.
//
// Thread-safety: none; the runner's one I/O thread records.

#include "histogram.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fogbank::load {

using json = nlohmann::json;

struct kind_stats {
  histogram latency;  // successful steps only
  std::uint64_t ok = 0;
  std::map<std::string, std::uint64_t> errors;  // error type -> count
  std::uint64_t error_count() const;
};

// One second of the run, summed up once it is over (a histogram per second would cost 27 KB
// each).
struct second_stats {
  std::uint64_t requests = 0;  // steps that completed (ok or not), advance excluded
  std::uint64_t errors = 0;
  std::uint64_t frames = 0;
  std::uint64_t p50_us = 0, p99_us = 0, max_us = 0;  // of the successful requests
  std::uint64_t e2e_p50_us = 0, e2e_p99_us = 0;
};

class recorder {
 public:
  // The step kinds that are not requests (think time) stay out of requests/s and p99 so far.
  static bool is_request(const std::string& kind) { return kind != "advance"; }

  void success(const std::string& kind, std::uint64_t latency_us, double at_seconds);
  void failure(const std::string& kind, const std::string& type, double at_seconds);
  // A step already recorded as a success turned out to have failed: API Gateway answered a send
  // with an error frame (its route's invocation failed or was throttled). One success of `kind`
  // becomes an error of `type` (its latency, the write's, stays in the histogram); with none to
  // take back (cannot happen: a frame is written before its answer comes), a failure.
  void failed_later(const std::string& kind, const std::string& type, double at_seconds);
  // A frame attributed to the connect/send/disconnect that caused it, or one that was not.
  void frame(std::uint64_t latency_us, double at_seconds);
  void unattributed_frame() { ++unattributed_frames_; }

  // The server's Lambda counts over the run, {"<function>": {"invocations", "throttles"}}, from
  // GET /_fogbank/lambda/metrics; to_json() writes them as "lambda" (not set: not written).
  void lambda_counts(json counts) { lambda_ = std::move(counts); }
  std::uint64_t lambda_throttles() const;

  std::uint64_t requests() const noexcept { return requests_; }
  std::uint64_t errors() const noexcept { return errors_; }
  const histogram& all_latency() const noexcept { return all_; }
  const std::map<std::string, kind_stats>& kinds() const noexcept { return kinds_; }
  const histogram& e2e() const noexcept { return e2e_; }
  std::uint64_t unattributed_frames() const noexcept { return unattributed_frames_; }

  // The result as `--json` writes it; `run` is the run's description (scenario, clients, ...,
  // "elapsed_seconds").
  json to_json(const json& run) const;

 private:
  // Moves the timeline on to the second `at_seconds` falls in (completions arrive in time order,
  // give or take a timer's jitter: a late one counts in the current second).
  void advance_to(double at_seconds);
  void close_second();

  std::map<std::string, kind_stats> kinds_;
  histogram all_;
  histogram e2e_;
  std::uint64_t requests_ = 0;
  std::uint64_t errors_ = 0;
  std::uint64_t unattributed_frames_ = 0;
  json lambda_;
  std::vector<second_stats> timeline_;  // the seconds that are over
  second_stats current_;
  histogram current_latency_;
  histogram current_e2e_;
};

// The final table of a result (as to_json made it): one row per step kind and one for the
// end-to-end frames, then the errors by type.
std::string format_table(const json& result);

// The change per metric from `old_result` to `new_result` (both as to_json made them), for every
// step kind in either: throughput, p50, p90, p99, max and errors, and the same for e2e frames.
// Each row: {"step", "metric", "old", "new", "change"} (change in percent; null when old is 0
// or the step is missing on one side).
json compare(const json& old_result, const json& new_result);
std::string format_comparison(const json& rows);

// The error type of a frame API Gateway sent a client in answer to one of its messages, or
// nullopt for any other frame (what handlers post). API Gateway answers a message whose route's
// integration failed with {"message": "Internal server error", "connectionId":"...",
// "requestId":"..."} (a throttled invocation, TooManyRequestsException, included: the client
// cannot tell the two apart) and one that no route takes with "Forbidden" (fogbank sends both as
// AWS does: emulator/apigw/src/route_selection.hpp).
std::optional<std::string> gateway_error_of(std::string_view frame);

// "850us", "12.3ms", "1.20s".
std::string format_micros(std::uint64_t us);

}  // namespace fogbank::load
