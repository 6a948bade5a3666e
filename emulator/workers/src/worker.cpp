#include "worker.hpp"

#include "process_setup.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/process/args.hpp>
#include <boost/process/async.hpp>
#include <boost/process/async_pipe.hpp>
#include <boost/process/env.hpp>
#include <boost/process/environment.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/io.hpp>
#include <boost/process/start_dir.hpp>

#include <nlohmann/json.hpp>

#include <sys/ioctl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <csignal>
#include <fstream>

namespace fogbank::workers {

namespace net = boost::asio;
namespace bp = boost::process;
namespace beast = boost::beast;

namespace {

// Lambda limits the Init phase to 10 seconds. fogbank fails the invocation that waits for a
// worker that takes longer (Lambda would retry the init within the invocation's own timeout).
constexpr std::chrono::seconds init_phase_limit{10};
// A runtime that reports an init error "should exit after reporting the error" (Runtime API
// spec); one that does not is killed after this long.
constexpr std::chrono::seconds init_error_grace{2};
// In a deterministic run (a scenario on the manual clock) the service clock stands still while a
// handler works, so its Timeout and the Init limit can only be watched in real time, and a busy
// machine (a CI runner, a load average of 8) must not turn a handler that succeeds into a timeout
// and change the transcript. There the real-time limits are this many times the configured
// ones: they still end a handler that hangs, and the outcome still names the configured Timeout.
constexpr int deterministic_slack = 3;
// Output read per wakeup of the pipe, so that a flooding handler leaves the strand to the rest.
constexpr std::size_t output_budget = 1024 * 1024;
// Output read at once when an invocation changes state (what the runtime printed before it
// called the Runtime API is in the pipe by then).
constexpr std::size_t drain_budget = 4 * 1024 * 1024;

constexpr std::string_view api_prefix = "/2018-06-01/runtime/";

api_response json_response(bhttp::status status, unsigned version, bool keep_alive, std::string body) {
  api_response res{status, version};
  res.set(bhttp::field::content_type, "application/json");
  res.keep_alive(keep_alive);
  res.body() = std::move(body);
  return res;
}

// Error bodies of the Runtime API, as RIE renders them: {"errorMessage":...,"errorType":...}.
api_response api_error(const api_request& req, bhttp::status status, std::string_view type,
                       std::string_view message) {
  nlohmann::ordered_json body;
  body["errorMessage"] = message;
  body["errorType"] = type;
  return json_response(status, req.version(), req.keep_alive(), body.dump());
}

api_response accepted(const api_request& req) {
  return json_response(bhttp::status::accepted, req.version(), req.keep_alive(), R"({"status":"OK"})");
}

std::string url_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::chrono::microseconds since(steady::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - start);
}

std::string lowercase_first(std::string text) {
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

// 403 for a call that the runtime's state forbids (RIE's "State transition from %s to %s failed
// for runtime. Error: State transition is not allowed"; the state names are RIE's).
api_response forbidden(const api_request& req, std::string_view from, std::string_view to) {
  return api_error(req, bhttp::status::forbidden, "InvalidStateTransition",
                   "State transition from " + std::string(from) + " to " + std::string(to) +
                       " failed for runtime. Error: State transition is not allowed");
}

}  // namespace

// ---- start -------------------------------------------------------------------------------------------

worker::worker(host_context& host, std::shared_ptr<worker_owner> owner, runtime_kind kind,
               std::uint64_t epoch, lambda::function_config config)
    : host_(host),
      owner_(std::move(owner)),
      kind_(kind),
      epoch_(epoch),
      config_(std::move(config)),
      id_(host.next_worker++),
      strand_(net::make_strand(host.io)),
      timer_(strand_) {
  std::lock_guard lock(host_.live_mutex);
  ++host_.live;
}

worker::~worker() {
  std::lock_guard lock(host_.live_mutex);
  --host_.live;
  host_.live_changed.notify_all();
}

void worker::begin(assignment first) {
  // Posted: a failure to start reports to the pool, which may be holding its lock right now.
  net::post(strand_, [self = shared_from_this(), first = std::move(first)]() mutable {
    self->launch(std::move(first));
  });
}

void worker::launch(assignment first) {
  if (phase_ != phase::initializing) {
    // Stopped before it started (retired, or the host is shutting down): the pool decides.
    phase_ = phase::exited;
    owner_->resubmit(std::move(first));
    return;
  }
  current_.emplace(running{std::move(first), true});
  try {
    spawn();
  } catch (const std::exception& e) {
    // Boost.Process reports through error codes; anything thrown (memory) still ends the
    // invocation rather than leaving it unanswered.
    kill_process();
    if (current_) fail_to_start(e.what());
    host_.log(std::string("lambda: starting a worker failed: ") + e.what());
  }
}

void worker::spawn() {
  // The CA the worker is told to trust is made on first need: this may be it. A failure throws to
  // launch()'s handler, which fails the invocation.
  if (host_.settings.prepare_ca_bundle) host_.settings.prepare_ca_bundle();
  spawned_at_ = steady::now();
  const lambda::invocation& first = current_->work.call;
  api_ = std::make_shared<runtime_api>(strand_, weak_from_this(), max_response_bytes);
  std::string error;
  if (!api_->open(&error)) return fail_to_start(error);

  const auto& settings = host_.settings;
  worker_identity identity;
  identity.api_port = api_->port();
  identity.log_stream = log_stream_name(first.service_time, config_.version, id_);
  identity.init_time = first.service_time;
  identity.init_seed = first.random_seed;
  const launch_spec spec = make_launch(config_, kind_, settings, identity);

  if (kind_ == runtime_kind::provided && !std::filesystem::is_regular_file(spec.executable)) {
    return fail_to_start("Couldn't find valid bootstrap(s): [" + spec.executable.string() + "]");
  }
  if (spec.executable.empty()) {
    return fail_to_start(std::string("fogbank found no ") +
                         (kind_ == runtime_kind::node ? "node" : "python3") + " to run " + config_.runtime +
                         " with");
  }

  // set(), not operator[]: Boost.Process 1.74's find() compares `name=` against each entry with
  // std::equal over the name's length, reading past entries shorter than it (ASan: heap-buffer-
  // overflow). The names here are unique (a map), so nothing needs finding.
  bp::environment env;
  for (const auto& [name, value] : spec.environment) env.set(name, value);
  bp::async_pipe output(host_.io);
  std::error_code ec;
  std::weak_ptr<worker> weak = weak_from_this();
  child_ = bp::child(
      bp::exe = spec.executable.string(), bp::args = spec.arguments, env,
      bp::start_dir = spec.directory.string(), (bp::std_out & bp::std_err) > output, bp::std_in < bp::null,
      bp::on_exit =
          [weak](int, const std::error_code&) {
            // On the SIGCHLD service's strand: move to ours, where child_ is readable.
            if (auto self = weak.lock()) {
              net::post(self->strand_, [self] { self->on_exit(self->child_.native_exit_code()); });
            }
          },
      host_.io, process_setup{}, ec);
  if (ec) {
    // Lambda's wording for a bootstrap it cannot run: "fork/exec /var/task/bootstrap: permission
    // denied" (awslabs/aws-lambda-dart-runtime#20).
    return fail_to_start("fork/exec " + spec.executable.string() + ": " + lowercase_first(ec.message()));
  }
  // Killed by process group (the handler's own children too), never by the child's destructor.
  child_.detach();
  pid_ = child_.id();
  output_.emplace(std::move(output).source());
  output_->non_blocking(true);
  wait_output();
  api_->start();

  init_log_ = init_start_line(config_.runtime, config_.region);
  arm_timer(real_time_limit(init_phase_limit));
}

void worker::fail_to_start(std::string message) {
  phase_ = phase::exited;
  if (api_) api_->close();
  report_gone();
  assignment first = std::move(current_->work);
  current_.reset();
  const std::string& id = first.call.request_id;
  lambda::invocation_outcome outcome;
  outcome.kind = lambda::outcome_kind::init_error;
  outcome.payload = invalid_entrypoint_payload(id, message);
  outcome.init_duration = std::chrono::microseconds{0};
  outcome.log = init_start_line(config_.runtime, config_.region) +
                init_report_line(std::chrono::microseconds{0}, "error", "Runtime.InvalidEntrypoint") +
                start_line(id, config_.version) + "RequestId: " + id + " Error: " + message +
                "\nRuntime.InvalidEntrypoint\n" + end_line(id) +
                report_line({.request_id = id,
                             .memory_size_mb = config_.memory_mb,
                             .init_duration = std::chrono::microseconds{0},
                             .status = "error",
                             .error_type = "Runtime.InvalidEntrypoint"});
  host_.log("lambda " + config_.name + ": cannot start a " + config_.runtime + " worker: " + message);
  try {
    first.done(std::move(outcome));
  } catch (...) {
    host_.log("lambda: an invocation's completion threw");
  }
}

void worker::assign(assignment next) {
  // Posted, never run inline: the pool may call this from inside this worker's own finish().
  net::post(strand_, [self = shared_from_this(), next = std::move(next)]() mutable {
    if (self->phase_ == phase::stopping || self->phase_ == phase::exited || self->current_) {
      // Stopped or died meanwhile: the pool finds it another worker.
      self->owner_->resubmit(std::move(next));
      return;
    }
    // What the runtime printed since the last invocation is not this one's.
    self->read_output(drain_budget);
    self->current_.emplace(running{std::move(next)});
    self->arm_timer(self->real_time_limit(self->config_.timeout));
    if (self->waiting_next_) self->deliver();
  });
}

void worker::stop() {
  net::post(strand_, [self = shared_from_this()] {
    if (self->phase_ == phase::exited) return;
    self->phase_ = phase::stopping;
    self->report_gone();
    self->kill_process();
  });
}

// ---- Runtime API -------------------------------------------------------------------------------------

void worker::on_request(const std::shared_ptr<api_connection>& from, api_request request) {
  std::string_view target(request.target().data(), request.target().size());
  target = target.substr(0, target.find('?'));
  if (target.substr(0, api_prefix.size()) != api_prefix) {
    return from->reply(api_error(request, bhttp::status::not_found, "NotFound", "Not found"));
  }
  const std::string_view path = target.substr(api_prefix.size());
  const bool get = request.method() == bhttp::verb::get;
  const bool post = request.method() == bhttp::verb::post;
  if (path == "invocation/next") {
    if (!get)
      return from->reply(
          api_error(request, bhttp::status::method_not_allowed, "MethodNotAllowed", "Method not allowed"));
    waiting_keep_alive_ = request.keep_alive();
    waiting_version_ = request.version();
    return on_next(from);
  }
  if (path == "init/error") {
    if (!post)
      return from->reply(
          api_error(request, bhttp::status::method_not_allowed, "MethodNotAllowed", "Method not allowed"));
    return on_init_error(from, std::move(request));
  }
  constexpr std::string_view invocation = "invocation/";
  if (path.substr(0, invocation.size()) == invocation) {
    const std::string_view rest = path.substr(invocation.size());
    const std::size_t slash = rest.rfind('/');
    if (slash != std::string_view::npos) {
      const std::string_view action = rest.substr(slash + 1);
      if (action == "response" || action == "error") {
        if (!post)
          return from->reply(api_error(request, bhttp::status::method_not_allowed, "MethodNotAllowed",
                                       "Method not allowed"));
        const std::string id = url_decode(rest.substr(0, slash));
        return on_answer(from, id, action == "error", std::move(request));
      }
    }
  }
  from->reply(api_error(request, bhttp::status::not_found, "NotFound", "Not found"));
}

void worker::on_next(const std::shared_ptr<api_connection>& from) {
  if (phase_ == phase::stopping || phase_ == phase::exited) return from->close();
  // A second long poll replaces the first (the runtime gave up on it).
  if (waiting_next_ && waiting_next_ != from) waiting_next_->close();
  waiting_next_ = from;
  if (phase_ == phase::initializing) {
    // What the runtime printed while loading the handler belongs to the first invocation's log:
    // read while the phase still routes it there (once ready, output goes to the host's log as
    // output between invocations).
    read_output(drain_budget);
    phase_ = phase::ready;
    init_ended_ = true;
    init_duration_ = since(spawned_at_);
    init_log_ += init_output_.take();
    char millis[32];
    std::snprintf(millis, sizeof millis, "%.2f", static_cast<double>(init_duration_.count()) / 1000.0);
    host_.log("lambda " + config_.name + ": cold start of a " + config_.runtime + " worker (pid " +
              std::to_string(pid_) + ") took " + millis + " ms");
  }
  // RIE lets a runtime that is running an invocation ask for the next one: that invocation goes
  // on until it is answered or times out.
  if (current_ && !current_->delivered) deliver();
}

void worker::deliver() {
  running& run = *current_;
  const lambda::invocation& call = run.work.call;
  read_output(drain_budget);
  run.delivered = true;
  run.delivered_at = steady::now();
  last_request_id_ = call.request_id;
  last_answered_ = false;
  idle_bytes_ = 0;
  arm_timer(real_time_limit(config_.timeout));

  // The deadline on the service clock. On a real clock, the time this invocation waited for a
  // worker (and for the worker's init) is not its own: Lambda starts the clock at the invoke.
  auto deadline = call.deadline != std::chrono::system_clock::time_point{}
                      ? call.deadline
                      : call.service_time + config_.timeout;
  if (!host_.settings.deterministic) {
    deadline +=
        std::chrono::duration_cast<std::chrono::system_clock::duration>(run.delivered_at - run.work.accepted);
  }
  const auto epoch_ms = [](std::chrono::system_clock::time_point at) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
  };
  api_response res = json_response(bhttp::status::ok, waiting_version_, waiting_keep_alive_, call.payload);
  res.set("Lambda-Runtime-Aws-Request-Id", call.request_id);
  res.set("Lambda-Runtime-Deadline-Ms", std::to_string(epoch_ms(deadline)));
  res.set("Lambda-Runtime-Invoked-Function-Arn", call.invoked_arn.empty() ? config_.arn : call.invoked_arn);
  // RIE sets these only when they have a value.
  if (!call.trace_id.empty()) res.set("Lambda-Runtime-Trace-Id", call.trace_id);
  if (!call.client_context.empty()) res.set("Lambda-Runtime-Client-Context", call.client_context);
  // fogbank's own, for its bootstraps (an unmodified runtime ignores them): the service clock to
  // freeze the handler's clock at, and the seed of its randomness.
  if (host_.settings.deterministic)
    res.set("Fogbank-Service-Time-Ms", std::to_string(epoch_ms(call.service_time)));
  if (call.random_seed) res.set("Fogbank-Random-Seed", std::to_string(*call.random_seed));
  auto connection = std::move(waiting_next_);
  waiting_next_.reset();
  connection->reply(std::move(res));
}

void worker::on_answer(const std::shared_ptr<api_connection>& from, std::string_view id, bool is_error,
                       api_request request) {
  const bool current = current_ && current_->delivered && current_->work.call.request_id == id;
  if (!current) {
    // RIE: an id that is answered already is a state error (403); any other id is 400.
    if (!id.empty() && id == last_request_id_ && last_answered_) {
      return from->reply(forbidden(request, "RuntimeResponseSentState",
                                   is_error ? "InvocationErrorResponse" : "InvocationResponse"));
    }
    return from->reply(
        api_error(request, bhttp::status::bad_request, "InvalidRequestID", "Invalid request ID"));
  }
  last_answered_ = true;
  // Each answer below ends the invocation before the runtime is told it was accepted: finish()
  // collects the invocation's output, and whatever the runtime prints once it has the reply is
  // between invocations (asio may send the reply at once, and the runtime may print before a
  // finish() that came second would read the pipe).
  if (!is_error) {
    if (request.body().size() > max_response_bytes) {
      // Only a chunked body gets here (a Content-Length over the limit is refused at the header).
      api_response refusal = api_error(
          request, bhttp::status::payload_too_large, "RequestEntityTooLarge",
          "Exceeded maximum allowed payload size (" + std::to_string(max_response_bytes) + " bytes).");
      finish(
          {lambda::outcome_kind::function_error, response_too_large_payload(request.body().size()), "", ""});
      return from->reply(std::move(refusal));
    }
    api_response ok = accepted(request);
    finish({lambda::outcome_kind::success, std::move(request.body()), "", ""});
    return from->reply(std::move(ok));
  }
  // The body is the runtime's error JSON, passed through; without one, Lambda builds it from
  // Lambda-Runtime-Function-Error-Type (Runtime API spec).
  std::string payload = std::move(request.body());
  if (payload.empty()) {
    const std::string type(request["Lambda-Runtime-Function-Error-Type"]);
    nlohmann::ordered_json body;
    body["errorMessage"] = "";
    body["errorType"] = type.empty() ? "Unhandled" : type;
    payload = body.dump();
  }
  api_response ok = accepted(request);
  finish({lambda::outcome_kind::function_error, std::move(payload), "", ""});
  from->reply(std::move(ok));
}

void worker::on_body_too_large(const std::shared_ptr<api_connection>& from, const api_request& header,
                               std::optional<std::uint64_t> size) {
  // RIE answers 413 RequestEntityTooLarge and fails the invocation with the size it was sent.
  from->reply(
      api_error(header, bhttp::status::payload_too_large, "RequestEntityTooLarge",
                "Exceeded maximum allowed payload size (" + std::to_string(max_response_bytes) + " bytes)."));
  // An oversized /error body ends the invocation the same way: the runtime's answer, whichever
  // it was, did not fit.
  std::string_view target(header.target().data(), header.target().size());
  const std::string_view prefix = "/2018-06-01/runtime/invocation/";
  if (!current_ || !current_->delivered || target.substr(0, prefix.size()) != prefix) return;
  target.remove_prefix(prefix.size());
  const std::size_t slash = target.rfind('/');
  if (slash == std::string_view::npos) return;
  const std::string_view action = target.substr(slash + 1);
  if (action != "response" && action != "error") return;
  if (url_decode(target.substr(0, slash)) != current_->work.call.request_id) return;
  last_answered_ = true;
  finish({lambda::outcome_kind::function_error,
          response_too_large_payload(static_cast<std::size_t>(size.value_or(max_response_bytes + 1))), "",
          ""});
}

void worker::on_init_error(const std::shared_ptr<api_connection>& from, api_request request) {
  if (phase_ != phase::initializing) {
    return from->reply(
        forbidden(request, current_ && current_->delivered ? "Running" : "Ready", "InitError"));
  }
  from->reply(accepted(request));
  // "Error will be served in response to the first invoke" (Runtime API spec): the body as
  // posted, or one built from the error type header.
  std::string payload = std::move(request.body());
  const std::string type(request["Lambda-Runtime-Function-Error-Type"]);
  if (payload.empty() || !nlohmann::json::accept(payload)) {
    nlohmann::ordered_json body;
    body["errorMessage"] = payload;
    body["errorType"] = type.empty() ? "Runtime.Unknown" : type;
    payload = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  read_output(drain_budget);
  phase_ = phase::stopping;
  init_ended_ = true;
  init_duration_ = since(spawned_at_);
  init_log_ += init_output_.take();
  init_log_ += init_report_line(host_.settings.deterministic ? std::chrono::microseconds{0} : init_duration_,
                                "error", type);
  report_gone();
  if (current_) finish({lambda::outcome_kind::init_error, std::move(payload), "error", type});
  arm_timer(init_error_grace);
}

// ---- ending an invocation ----------------------------------------------------------------------------

void worker::finish(ending end) {
  read_output(drain_budget);
  running run = std::move(*current_);
  current_.reset();
  const lambda::invocation& call = run.work.call;
  const bool deterministic = host_.settings.deterministic;

  lambda::invocation_outcome outcome;
  outcome.kind = end.kind;
  outcome.payload = std::move(end.payload);
  if (!deterministic && run.delivered) outcome.duration = since(run.delivered_at);
  if (run.cold) {
    // A worker that never finished its init reports the time it had.
    const auto init = init_ended_ ? init_duration_ : since(spawned_at_);
    outcome.init_duration = deterministic ? std::chrono::microseconds{0} : init;
  }
  if (run.cold) outcome.log = std::move(init_log_) + init_output_.take();
  outcome.log += start_line(call.request_id, config_.version);
  outcome.log += run.output.take();
  if (!outcome.log.empty() && outcome.log.back() != '\n') outcome.log += '\n';
  outcome.log += end_line(call.request_id);
  outcome.log += report_line({.request_id = call.request_id,
                              .duration = outcome.duration,
                              .memory_size_mb = config_.memory_mb,
                              .max_memory_used_mb = deterministic ? 0 : max_memory_used_mb(),
                              .init_duration = outcome.init_duration,
                              .status = std::move(end.status),
                              .error_type = std::move(end.error_type)});

  const bool reusable =
      (end.kind == lambda::outcome_kind::success || end.kind == lambda::outcome_kind::function_error) &&
      phase_ == phase::ready;
  if (reusable) {
    timer_.cancel();
    // Free before done: a caller that invokes again as soon as it has its answer finds this
    // worker idle instead of starting another.
    owner_->on_free(shared_from_this());
  } else {
    report_gone();
  }
  try {
    run.work.done(std::move(outcome));
  } catch (const std::exception& e) {
    host_.log(std::string("lambda: an invocation's completion threw: ") + e.what());
  } catch (...) {
    host_.log("lambda: an invocation's completion threw");
  }
}

std::chrono::milliseconds worker::real_time_limit(std::chrono::milliseconds limit) const {
  return host_.settings.deterministic ? limit * deterministic_slack : limit;
}

void worker::arm_timer(std::chrono::milliseconds after) {
  timer_.expires_after(after);
  timer_.async_wait(
      net::bind_executor(strand_, [self = shared_from_this()](beast::error_code ec) { self->on_timer(ec); }));
}

void worker::on_timer(beast::error_code ec) {
  if (ec || timer_.expiry() > steady::now()) return;  // cancelled, or re-armed since
  if (!current_) {
    // An init error's grace period ended with the runtime still there.
    if (phase_ != phase::exited) kill_process();
    return;
  }
  const bool initializing = phase_ == phase::initializing;
  phase_ = phase::stopping;
  kill_process();
  if (initializing) {
    init_log_ += init_output_.take();
    init_log_ += init_report_line(
        host_.settings.deterministic ? std::chrono::microseconds{0} : since(spawned_at_), "timeout", "");
  }
  const std::string id = current_->work.call.request_id;
  finish({lambda::outcome_kind::timeout, timeout_payload(id, config_.timeout), "timeout", ""});
}

// ---- the process -------------------------------------------------------------------------------------

void worker::on_exit(int wait_status) {
  // Whatever it printed last (a crash's stack trace) is still in the pipe: read it while the
  // phase still says whose it is.
  while (read_output(drain_budget)) {
    int pending = 0;
    if (!output_ || ::ioctl(output_->native_handle(), FIONREAD, &pending) != 0 || pending == 0) break;
  }
  const bool expected = phase_ == phase::stopping;
  const bool was_ready = phase_ == phase::ready;
  phase_ = phase::exited;
  timer_.cancel();
  if (!idle_line_.empty()) log_idle_line(std::exchange(idle_line_, {}));
  if (output_) {
    beast::error_code ignored;
    output_->close(ignored);
  }
  if (api_) api_->close();
  waiting_next_.reset();
  const std::string reason = describe_exit(wait_status);
  if (!expected) {
    host_.log("lambda " + config_.name + ": " + config_.runtime + " worker (pid " + std::to_string(pid_) +
              ") exited" + (reason.empty() ? "" : " with " + reason));
  }
  if (current_) {
    if (!current_->delivered && was_ready) {
      // It exited between invocations (Node.js does right after answering when the handler left
      // an uncaught exception): the invocation never reached it.
      report_gone();
      running run = std::move(*current_);
      current_.reset();
      owner_->resubmit(std::move(run.work));
      return;
    }
    const std::string id = current_->work.call.request_id;
    if (current_->cold && !current_->delivered) {
      init_log_ += init_output_.take();
      init_log_ +=
          init_report_line(host_.settings.deterministic ? std::chrono::microseconds{0} : since(spawned_at_),
                           "error", "Runtime.ExitError");
    }
    finish({lambda::outcome_kind::crashed, exit_payload(id, reason), "error", "Runtime.ExitError"});
  }
  report_gone();
}

void worker::kill_process() {
  if (pid_ <= 0 || phase_ == phase::exited) return;
  // The whole group: a handler's own child processes go with it (the child made itself a group
  // leader before exec, process_setup.hpp).
  if (::killpg(pid_, SIGKILL) != 0) ::kill(pid_, SIGKILL);
}

void worker::report_gone() {
  if (gone_reported_) return;
  gone_reported_ = true;
  owner_->on_gone(shared_from_this());
}

int worker::max_memory_used_mb() const {
  // Peak resident set of the runtime process (VmHWM), as close as Linux gets to Lambda's figure.
  if (pid_ <= 0 || phase_ == phase::exited) return 0;
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      const long kib = std::strtol(line.c_str() + 6, nullptr, 10);
      return static_cast<int>((kib + 1023) / 1024);
    }
  }
  return 0;
}

// ---- output ------------------------------------------------------------------------------------------

void worker::wait_output() {
  if (!output_) return;
  output_->async_wait(net::posix::stream_descriptor::wait_read,
                      net::bind_executor(strand_, [self = shared_from_this()](beast::error_code ec) {
                        if (ec) return;
                        if (self->read_output(output_budget)) self->wait_output();
                      }));
}

bool worker::read_output(std::size_t budget) {
  if (!output_ || !output_->is_open()) return false;
  char buffer[64 * 1024];
  std::size_t total = 0;
  while (total < budget) {
    const ssize_t n = ::read(output_->native_handle(), buffer, sizeof buffer);
    if (n > 0) {
      total += static_cast<std::size_t>(n);
      route_output(std::string_view(buffer, static_cast<std::size_t>(n)));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    // End of file (every writer is gone) or an error: nothing more will come.
    beast::error_code ignored;
    output_->close(ignored);
    return false;
  }
  return true;
}

void worker::route_output(std::string_view bytes) {
  if (current_ && current_->delivered) return current_->output.append(bytes);
  if (phase_ == phase::initializing) return init_output_.append(bytes);
  // Between invocations: to the host's log, a line at a time, bounded.
  idle_line_.append(bytes);
  std::size_t newline;
  while ((newline = idle_line_.find('\n')) != std::string::npos) {
    log_idle_line(std::string_view(idle_line_).substr(0, newline));
    idle_line_.erase(0, newline + 1);
  }
  if (idle_line_.size() > max_idle_output) {
    log_idle_line(idle_line_);
    idle_line_.clear();
  }
}

void worker::log_idle_line(std::string_view line) {
  const std::size_t before = idle_bytes_;
  idle_bytes_ += line.size() + 1;
  if (idle_bytes_ <= max_idle_output) {
    host_.log("lambda " + config_.name + " (between invocations): " + std::string(line));
  } else if (before <= max_idle_output) {
    host_.log("lambda " + config_.name + ": more output between invocations dropped");
  }
}

}  // namespace fogbank::workers
