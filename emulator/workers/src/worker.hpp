#pragma once
// One worker: a child process running a function's runtime, its Runtime API listener, its output
// pipe and its timer, all on one strand. A worker is started for an invocation (its cold start),
// then takes one invocation at a time until it is stopped, times out, exits or is killed.
//
// Invocation state machine (research doc §1):
//   assigned ──/next──▶ delivered ──/response──▶ success (or Function.ResponseSizeTooLarge)
//                                   ──/error────▶ function_error
//   (initializing) ──/init/error──▶ init_error, then the worker is stopped
//   timer ▶ Sandbox.Timedout (worker killed);  process exit ▶ Runtime.ExitError
// A warm worker that exits before it takes its next invocation hands that invocation back to its
// pool instead: Node.js exits right after answering when a handler leaves an uncaught exception.

#include "launch.hpp"
#include "platform_log.hpp"
#include "runtime_api.hpp"

#include "fogbank/lambda/function.hpp"

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/process/child.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace fogbank::workers {

using steady = std::chrono::steady_clock;

// What every worker of a host shares.
struct host_context {
  boost::asio::io_context& io;
  launch_settings settings;
  std::function<void(std::string_view)> log;
  std::atomic<std::uint64_t> next_worker{1};
  // Worker objects alive, so that the host's destructor can wait for their processes to be gone.
  std::mutex live_mutex;
  std::condition_variable live_changed;
  int live = 0;
};

// One invocation on its way through a host.
struct assignment {
  lambda::function_config config;
  lambda::invocation call;
  std::function<void(lambda::invocation_outcome)> done;
  steady::time_point accepted;  // when invoke() took it: waiting for a worker is not handler time
};

class worker;

// The pool a worker belongs to. Called on the worker's strand, never with a pool lock held.
class worker_owner {
 public:
  // The worker finished an invocation and can take another (called before that invocation's done).
  virtual void on_free(const std::shared_ptr<worker>& w) = 0;
  // The worker will never take another invocation (called at most once per worker).
  virtual void on_gone(const std::shared_ptr<worker>& w) = 0;
  // An invocation the worker was given but never started (it exited while idle): run it elsewhere.
  virtual void resubmit(assignment a) = 0;

 protected:
  ~worker_owner() = default;
};

class worker final : public api_handler, public std::enable_shared_from_this<worker> {
 public:
  worker(host_context& host, std::shared_ptr<worker_owner> owner, runtime_kind kind, std::uint64_t epoch,
         lambda::function_config config);
  ~worker();
  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;

  // Starts the process for `first` (its cold start). Thread-safe; never throws: a worker that
  // cannot start ends `first` with Lambda's init error and reports itself gone. Call once.
  void begin(assignment first);

  // Gives an idle worker its next invocation. Thread-safe.
  void assign(assignment next);
  // Kills the worker; an invocation in it ends as Runtime.ExitError. Thread-safe, idempotent.
  void stop();

  // Set at construction, readable from any thread.
  const std::string& revision() const noexcept { return config_.revision; }
  std::uint64_t epoch() const noexcept { return epoch_; }

  // api_handler
  void on_request(const std::shared_ptr<api_connection>& from, api_request request) override;
  void on_body_too_large(const std::shared_ptr<api_connection>& from, const api_request& header,
                         std::optional<std::uint64_t> size) override;

 private:
  enum class phase { initializing, ready, stopping, exited };

  struct running {
    assignment work;
    bool cold = false;
    bool delivered = false;
    steady::time_point delivered_at;
    output_buffer output{max_invocation_output};
  };

  void launch(assignment first);
  // Starts the process for current_ (the cold start); fail_to_start() ends current_ instead.
  void spawn();
  void fail_to_start(std::string message);

  // Runtime API
  void on_next(const std::shared_ptr<api_connection>& from);
  void deliver();
  void on_answer(const std::shared_ptr<api_connection>& from, std::string_view id, bool is_error,
                 api_request request);
  void on_init_error(const std::shared_ptr<api_connection>& from, api_request request);

  // Ending an invocation
  struct ending {
    lambda::outcome_kind kind;
    std::string payload;
    std::string status;      // REPORT's Status ("timeout", "error")
    std::string error_type;  // REPORT's Error Type
  };
  void finish(ending end);
  void on_timer(boost::beast::error_code ec);
  // `limit` (a Timeout or the Init limit) as the real time to allow: more in a deterministic run.
  std::chrono::milliseconds real_time_limit(std::chrono::milliseconds limit) const;
  void arm_timer(std::chrono::milliseconds after);

  // The process
  void on_exit(int wait_status);
  void kill_process();
  void report_gone();
  int max_memory_used_mb() const;

  // Output
  void wait_output();
  // Reads what the pipe holds now, up to `budget` bytes; false once it is closed.
  bool read_output(std::size_t budget);
  void route_output(std::string_view bytes);
  void log_idle_line(std::string_view line);

  host_context& host_;
  std::shared_ptr<worker_owner> owner_;
  runtime_kind kind_;
  std::uint64_t epoch_;
  lambda::function_config config_;
  std::uint64_t id_;
  strand strand_;
  boost::asio::steady_timer timer_;
  std::shared_ptr<runtime_api> api_;
  std::optional<boost::asio::posix::stream_descriptor> output_;
  boost::process::child child_;
  int pid_ = 0;

  phase phase_ = phase::initializing;
  bool gone_reported_ = false;
  std::optional<running> current_;
  std::shared_ptr<api_connection> waiting_next_;
  unsigned waiting_version_ = 11;  // its HTTP version and keep-alive, for the answer
  bool waiting_keep_alive_ = true;
  std::string last_request_id_;  // the last invocation delivered, answered or not
  bool last_answered_ = false;

  steady::time_point spawned_at_;
  bool init_ended_ = false;  // the runtime asked for its first invocation or reported an init error
  std::chrono::microseconds init_duration_{0};
  std::string init_log_;  // INIT_START and what the runtime printed while initializing
  output_buffer init_output_{max_invocation_output};
  std::string idle_line_;
  std::size_t idle_bytes_ = 0;
};

}  // namespace fogbank::workers
