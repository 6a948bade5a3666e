// Invoke: RequestResponse (run now, answered with the handler's response), Event (queued, see
// async_events.cpp, answered 202) and DryRun (checked, answered 204); and what every invocation
// shares: the host that runs it, the function's concurrency, its logs.

#include "fogbank/core/encoding.hpp"
#include "fogbank/core/json_limits.hpp"
#include "fogbank/core/log.hpp"
#include "fogbank/lambda/log_format.hpp"
#include "service_impl.hpp"
#include "validation.hpp"

#include <atomic>
#include <cstdio>

namespace fogbank::lambda {
namespace {

using core::error_code;

// How deep a payload may nest. Lambda takes any JSON; the handlers fogbank hosts in process get
// it parsed, and a parsed value is copied and dumped recursively.
constexpr int max_payload_nesting = 512;
// "Up to 3,583 bytes of base64-encoded data about the invoking client" (the model's ClientContext).
constexpr std::size_t max_client_context_bytes = 3583;

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// Why no host runs a function: the message of its Runtime.InvalidEntrypoint error (fogbank's own
// wording; AWS has no such case).
std::string no_host_message(const function_config& config) {
  if (starts_with(config.runtime, "provided")) {
    return "no C++ handler is registered as '" + config.handler +
           "' (FOGBANK_LAMBDA_HANDLER in handlers/cpp/), and no runtime host here runs a bootstrap";
  }
  if (starts_with(config.runtime, "nodejs") || starts_with(config.runtime, "python")) {
    return "no runtime host here runs " + config.runtime + " functions (they run in worker processes)";
  }
  return "fogbank does not run " + config.runtime + " functions";
}

// The Invoke response for `outcome`.
json invoke_response(const invocation_outcome& outcome, bool tail) {
  json out = {{"StatusCode", 200}, {"ExecutedVersion", "$LATEST"}};
  std::string payload = outcome.payload;
  bool failed = outcome.kind != outcome_kind::success;
  if (!failed && payload.size() > max_response_bytes) {
    // LocalStack's RIE fork words it "to be in parity with what AWS returns".
    failed = true;
    payload = json{{"errorMessage", "Response payload size (" + std::to_string(payload.size()) +
                                        " bytes) exceeded maximum allowed payload size (" +
                                        std::to_string(max_response_bytes) + " bytes)."},
                   {"errorType", "Function.ResponseSizeTooLarge"}}
                  .dump();
  }
  if (failed) out["FunctionError"] = "Unhandled";
  out["Payload"] = core::base64_encode(payload);
  if (tail) {
    const std::string& log = outcome.log;
    out["LogResult"] = core::base64_encode(log.size() > log_result_bytes
                                               ? std::string_view(log).substr(log.size() - log_result_bytes)
                                               : std::string_view(log));
  }
  return out;
}

// Parses and checks Invoke's members (all but the function).
invoke_request parse_invoke(const json& request) {
  invoke_request out;
  out.invocation_type = validate::string_member(request, "InvocationType").value_or("RequestResponse");
  if (out.invocation_type != "RequestResponse" && out.invocation_type != "Event" &&
      out.invocation_type != "DryRun") {
    validate::constraint(validate::quote_value(out.invocation_type), "invocationType",
                         "Member must satisfy enum value set: [Event, RequestResponse, DryRun]");
  }
  const std::string log_type = validate::string_member(request, "LogType").value_or("None");
  if (log_type != "None" && log_type != "Tail") {
    validate::constraint(validate::quote_value(log_type), "logType",
                         "Member must satisfy enum value set: [None, Tail]");
  }
  out.tail = log_type == "Tail" && out.invocation_type == "RequestResponse";

  if (const auto payload = validate::string_member(request, "Payload")) {
    std::optional<std::string> bytes = core::base64_decode_lenient(*payload);
    if (!bytes)
      fail(error_code::lambda_invalid_request_content,
           "Could not parse request body into json: Payload is not valid base64");
    out.payload = std::move(*bytes);
  }
  const bool async = out.invocation_type == "Event";
  const std::size_t limit = async ? max_async_payload_bytes : max_sync_payload_bytes;
  if (out.payload.size() > limit) {
    // Recorded: "6291478 byte payload is too large for the RequestResponse invocation type (limit
    // 6291456 bytes)".
    fail(error_code::lambda_request_too_large,
         std::to_string(out.payload.size()) + " byte payload is too large for the " + out.invocation_type +
             " invocation type (limit " + std::to_string(limit) + " bytes)");
  }
  // No payload is an empty object: "When you invoke a function with no payload the Lambda
  // service passes {}" (aws-lambda-dotnet #834, by the maintainers).
  if (out.payload.find_first_not_of(" \t\r\n") == std::string::npos) out.payload = "{}";
  if (!core::parse_json_within(out.payload, max_payload_nesting)) {
    // Recorded: "Could not parse request body into json: Could not parse payload into json:
    // Unexpected character ..." (the parser's own words are Java's; not reproduced).
    fail(
        error_code::lambda_invalid_request_content,
        "Could not parse request body into json: Could not parse payload into json: the payload is not valid "
        "JSON" +
            std::string(core::nesting_within(out.payload, max_payload_nesting) ? "" : " within 512 levels"));
  }
  if (const auto client_context = validate::string_member(request, "ClientContext")) {
    std::optional<std::string> decoded = client_context->size() <= max_client_context_bytes
                                             ? core::base64_decode_lenient(*client_context)
                                             : std::nullopt;
    // The runtimes parse the client context as JSON (both RICs); unconfirmed wording.
    if (!decoded || !core::parse_json_within(*decoded, core::max_request_nesting)) {
      fail(error_code::lambda_invalid_request_content,
           "Client context must be a valid Base64-encoded JSON object.");
    }
    out.client_context = std::move(*decoded);
  }
  return out;
}

// Calls a completion once, whoever calls first (the host, or the service when the host throws).
class once {
 public:
  explicit once(std::function<void(invocation_outcome)> f) : f_(std::move(f)) {}
  void operator()(invocation_outcome outcome) {
    if (called_.exchange(true)) return;
    f_(std::move(outcome));
  }

 private:
  std::function<void(invocation_outcome)> f_;
  std::atomic<bool> called_{false};
};

// Waits for a completion that may come from another thread.
struct waiter {
  std::mutex mutex;
  std::condition_variable arrived;
  std::optional<invocation_outcome> outcome;

  std::function<void(invocation_outcome)> completion() {
    return [this](invocation_outcome o) {
      std::lock_guard lock(mutex);
      outcome = std::move(o);
      arrived.notify_all();
    };
  }
  invocation_outcome wait() {
    std::unique_lock lock(mutex);
    arrived.wait(lock, [&] { return outcome.has_value(); });
    return std::move(*outcome);
  }
};

}  // namespace

function_config service_impl::config_of(const function_record& fn) const {
  function_config config;
  config.name = fn.name;
  config.arn = fn.arn();
  config.runtime = fn.runtime;
  config.handler = fn.handler;
  config.code_dir = fn.code_dir;
  config.environment = fn.environment;
  config.timeout = std::chrono::seconds(fn.timeout_seconds);
  config.memory_mb = fn.memory_mb;
  config.region = fn.region;
  config.account_id = fn.account;
  config.revision = fn.revision_id;
  return config;
}

invocation service_impl::new_invocation(const function_record& fn, std::string request_id,
                                        std::string payload) {
  invocation call;
  call.request_id = std::move(request_id);
  call.payload = std::move(payload);
  call.invoked_arn = fn.arn();
  call.service_time = clock_.now();
  call.deadline = call.service_time + std::chrono::seconds(fn.timeout_seconds);
  // An X-Ray trace header of the documented shape: Root=1-<epoch seconds, hex>-<96 bits>.
  const std::uint64_t a = request_ids_.next();
  const std::uint64_t b = request_ids_.next();
  char trace[96];
  std::snprintf(trace, sizeof trace, "Root=1-%08llx-%08llx%016llx;Parent=%016llx;Sampled=0",
                static_cast<unsigned long long>(clock_.epoch_millis() / 1000),
                static_cast<unsigned long long>(a >> 32), static_cast<unsigned long long>(b),
                static_cast<unsigned long long>(a ^ b));
  call.trace_id = trace;
  call.random_seed = request_ids_.next();
  return call;
}

int service_impl::concurrency_limit(const function_record& fn) const {
  return fn.reserved_concurrency ? *fn.reserved_concurrency : options_.default_concurrency;
}

bool service_impl::acquire_slot(const function_record& fn) {
  int& running = in_flight_[fn.key()];
  invocation_counts& counts = counts_[fn.region + "/" + fn.name];
  if (running >= concurrency_limit(fn)) {
    if (running == 0) in_flight_.erase(fn.key());
    ++counts.throttles;
    return false;
  }
  ++running;
  ++counts.invocations;
  return true;
}

void service_impl::release_slot(const std::string& function_key) {
  const auto it = in_flight_.find(function_key);
  if (it != in_flight_.end() && --it->second <= 0) in_flight_.erase(it);
}

void service_impl::keep_log(const function_record& fn, const std::string& log) {
  std::string& kept = logs_[fn.region + "/" + fn.name];
  kept += log;
  if (kept.size() > kept_log_bytes) kept.erase(0, kept.size() - kept_log_bytes);
  // The server log gets every line, named after its function.
  std::size_t start = 0;
  while (start < log.size()) {
    const std::size_t end = log.find('\n', start);
    const std::string_view line =
        std::string_view(log).substr(start, end == std::string::npos ? end : end - start);
    core::log_info("lambda " + fn.name + ": " + std::string(line));
    if (end == std::string::npos) break;
    start = end + 1;
  }
}

void service_impl::run_invocation(const function_config& config, invocation call,
                                  std::function<void(invocation_outcome)> done) {
  auto finish = std::make_shared<once>(std::move(done));
  const std::string request_id = call.request_id;
  try {
    for (const auto& host : options_.hosts) {
      if (!host->runs(config)) continue;
      host->invoke(config, std::move(call),
                   [finish](invocation_outcome outcome) { (*finish)(std::move(outcome)); });
      return;
    }
  } catch (const std::exception& e) {
    core::log_error("a runtime host failed to run function " + config.name + ": " + e.what());
    invocation_outcome failed;
    failed.kind = outcome_kind::crashed;
    failed.payload = log_format::platform_error_payload(request_id, "Runtime.ExitError",
                                                        "Runtime exited without providing a reason");
    (*finish)(std::move(failed));
    return;
  }
  invocation_outcome outcome;
  outcome.kind = outcome_kind::init_error;
  outcome.payload =
      log_format::platform_error_payload(request_id, "Runtime.InvalidEntrypoint", no_host_message(config));
  log_format::report report;
  report.memory_size_mb = config.memory_mb;
  report.status = "error";
  report.error_type = "Runtime.InvalidEntrypoint";
  outcome.log = log_format::start_line(request_id, config.version) + log_format::end_line(request_id) +
                log_format::report_line(request_id, report);
  (*finish)(std::move(outcome));
}

void service_impl::invoke(const json& request, const core::call_context& context,
                          core::call_completion& done) {
  const invoke_request parsed = parse_invoke(request);
  const std::string request_id = context.request_id.empty() ? request_ids_.uuid() : context.request_id;

  function_config config;
  invocation call;
  std::string key;
  {
    std::lock_guard lock(mutex_);
    const function_record& fn = find_function(request, context);
    if (parsed.invocation_type == "DryRun") {
      done(core::call_result{json{{"StatusCode", 204}}, std::nullopt});
      done = nullptr;
      return;
    }
    if (parsed.invocation_type == "Event") {
      enqueue_event(fn, request_id, parsed.payload);
      done(core::call_result{json{{"StatusCode", 202}}, std::nullopt});
      done = nullptr;
      return;
    }
    if (!acquire_slot(fn)) {
      // Recorded: 429 TooManyRequestsException "Rate Exceeded." with Reason.
      throw core::aws_error(
          error_code::lambda_too_many_requests, "Rate Exceeded.",
          json{{"Reason", fn.reserved_concurrency ? "ReservedFunctionConcurrentInvocationLimitExceeded"
                                                  : "ConcurrentInvocationLimitExceeded"}});
    }
    config = config_of(fn);
    call = new_invocation(fn, request_id, parsed.payload);
    call.client_context = parsed.client_context;
    key = fn.key();
  }

  // From here the invocation owns `done`.
  auto finish = [life = lifetime_, key, tail = parsed.tail,
                 done = std::move(done)](invocation_outcome outcome) mutable {
    with_service(life, [&](service_impl& self) {
      std::lock_guard lock(self.mutex_);
      self.release_slot(key);
      if (const auto it = self.functions_.find(key); it != self.functions_.end())
        self.keep_log(it->second, outcome.log);
    });
    done(core::call_result{invoke_response(outcome, tail), std::nullopt});
  };
  done = nullptr;

  if (!options_.wait_for_invocations && context.may_defer) {
    run_invocation(config, std::move(call), std::move(finish));
    return;
  }
  // The caller cannot be answered later (a manual clock): wait here, whichever thread the host
  // answers on.
  waiter wait;
  run_invocation(config, std::move(call), wait.completion());
  finish(wait.wait());
}

}  // namespace fogbank::lambda
