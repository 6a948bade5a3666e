#include "transcript.hpp"

#include "fogbank/core/json_text.hpp"
#include "fogbank/lambda/function.hpp"

#include <chrono>
#include <utility>

namespace fogbank::scenario {

// A payload as the transcript shows it: JSON when it parses, else the text.
json payload_value(const std::string& text) {
  json parsed = json::parse(text, nullptr, false);
  return parsed.is_discarded() ? json(text) : parsed;
}

std::string outcome_name(lambda::outcome_kind kind) {
  switch (kind) {
    case lambda::outcome_kind::success:
      return "success";
    case lambda::outcome_kind::function_error:
      return "function_error";
    case lambda::outcome_kind::timeout:
      return "timeout";
    case lambda::outcome_kind::crashed:
      return "crashed";
    case lambda::outcome_kind::init_error:
      return "init_error";
  }
  return "unknown";
}

namespace {

// Node.js prints its process id in its own warnings ("(node:24723) Warning: ..."), which an
// invocation log then carries: written as "(node:PID)", since no two runs share a pid.
std::string stable_log(std::string log) {
  constexpr std::string_view marker = "(node:";
  for (std::size_t at = log.find(marker); at != std::string::npos; at = log.find(marker, at + 1)) {
    std::size_t end = at + marker.size();
    while (end < log.size() && log[end] >= '0' && log[end] <= '9') ++end;
    if (end < log.size() && log[end] == ')' && end > at + marker.size()) {
      log.replace(at + marker.size(), end - at - marker.size(), "PID");
    }
  }
  return log;
}

class recording_host final : public lambda::runtime_host {
 public:
  recording_host(std::shared_ptr<lambda::runtime_host> inner, transcript& log)
      : inner_(std::move(inner)), log_(log) {}

  bool runs(const lambda::function_config& config) const override { return inner_->runs(config); }

  void invoke(const lambda::function_config& config, lambda::invocation call,
              std::function<void(lambda::invocation_outcome)> done) override {
    log_.write({{"event", "invoke"},
                {"function", config.name},
                {"request_id", call.request_id},
                {"payload", payload_value(call.payload)}});
    json event = payload_value(call.payload);
    inner_->invoke(config, std::move(call),
                   [this, name = config.name, event = std::move(event),
                    done = std::move(done)](lambda::invocation_outcome outcome) {
                     const json result = payload_value(outcome.payload);
                     const std::string log = stable_log(outcome.log);
                     log_.write({{"event", "result"},
                                 {"function", name},
                                 {"outcome", outcome_name(outcome.kind)},
                                 {"payload", result},
                                 {"log", log}});
                     log_.record_invocation({{"function", name},
                                             {"event", event},
                                             {"outcome", outcome_name(outcome.kind)},
                                             {"result", result},
                                             {"log", log}});
                     done(std::move(outcome));
                   });
  }

  void retire(std::string_view function_name) override { inner_->retire(function_name); }

 private:
  std::shared_ptr<lambda::runtime_host> inner_;
  transcript& log_;
};

}  // namespace

void transcript::start_clock(const core::clock& clock) {
  std::lock_guard lock(mutex_);
  clock_ = &clock;
  start_ = clock.now();
}

void transcript::mask(std::string from, std::string to) {
  std::lock_guard lock(mutex_);
  mask_from_ = std::move(from);
  mask_to_ = std::move(to);
}

void transcript::write(json event) {
  if (!out_) return;
  std::lock_guard lock(mutex_);
  if (clock_) {
    event["t"] = std::chrono::duration_cast<std::chrono::milliseconds>(clock_->now() - start_).count();
  }
  // Invalid UTF-8 from a handler must not stop the run: replace it in the line.
  std::string line = core::to_json_text(event);
  if (!mask_from_.empty() && mask_from_ != mask_to_) {
    for (std::size_t at = line.find(mask_from_); at != std::string::npos;
         at = line.find(mask_from_, at + mask_to_.size())) {
      line.replace(at, mask_from_.size(), mask_to_);
    }
  }
  *out_ << line << '\n';
}

void transcript::record_invocation(json invocation) {
  std::lock_guard lock(mutex_);
  invocations_.push_back(std::move(invocation));
}

std::vector<json> transcript::invocations() const {
  std::lock_guard lock(mutex_);
  return invocations_;
}

bool client_link::send(std::string data, bool binary) {
  std::lock_guard lock(mutex_);
  if (closed_ || server_close_) return false;
  events_.push_back({{"event", "frame"}, {"client", name_}, {"binary", binary}, {"data", data}});
  frames_.push_back(std::move(data));
  return true;
}

void client_link::close(std::uint16_t code, std::string reason) {
  std::lock_guard lock(mutex_);
  if (closed_ || server_close_) return;
  server_close_ = code;
  events_.push_back({{"event", "closed_by_server"}, {"client", name_}, {"code", code}, {"reason", reason}});
}

std::vector<std::string> client_link::take_frames() {
  std::lock_guard lock(mutex_);
  return std::exchange(frames_, {});
}

std::optional<int> client_link::closed_by_server() const {
  std::lock_guard lock(mutex_);
  return server_close_;
}

std::vector<json> client_link::take_events() {
  std::lock_guard lock(mutex_);
  return std::exchange(events_, {});
}

void client_link::mark_closed() {
  std::lock_guard lock(mutex_);
  closed_ = true;
}

std::shared_ptr<lambda::runtime_host> record_invocations(std::shared_ptr<lambda::runtime_host> host,
                                                         transcript& log) {
  return std::make_shared<recording_host>(std::move(host), log);
}

}  // namespace fogbank::scenario
