// The worker host: a pool of workers per function name, and the threads their strands run on.

#include "bootstrap_files.hpp"
#include "pool.hpp"

#include "fogbank/core/log.hpp"
#include "fogbank/workers/worker_host.hpp"

#include <boost/asio/executor_work_guard.hpp>

#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <thread>

namespace fogbank::workers {

namespace net = boost::asio;

namespace {

// How long the destructor waits for killed workers' processes to be reaped.
constexpr std::chrono::seconds shutdown_wait{5};

std::string host_path() {
  const char* path = std::getenv("PATH");
  return path != nullptr && *path != '\0' ? path : "/usr/local/bin:/usr/bin:/bin";
}

std::filesystem::path resolve_node(const worker_host_options& options, const std::string& path) {
  if (!options.node_executable.empty()) return options.node_executable;
  return find_in_path("node", path).value_or(std::filesystem::path{});
}

std::filesystem::path resolve_python(const worker_host_options& options, const std::string& path) {
  if (!options.python_executable.empty()) return options.python_executable;
  // Debian's interpreter is the one with python3-boto3, whatever else PATH puts first (pyenv).
  if (::access("/usr/bin/python3", X_OK) == 0) return "/usr/bin/python3";
  return find_in_path("python3", path).value_or(std::filesystem::path{});
}

std::filesystem::path runtime_root(const worker_host_options& options) {
  if (!options.runtime_dir.empty()) return options.runtime_dir;
  return std::filesystem::temp_directory_path() / ("fogbank-" + std::to_string(::getuid())) /
         "lambda-runtime";
}

class worker_host final : public lambda::runtime_host {
 public:
  explicit worker_host(const worker_host_options& options)
      : default_concurrency_(std::max(1, options.default_concurrency)),
        context_{io_, {}, options.log ? options.log : [](std::string_view line) { core::log_info(line); }} {
    std::string error;
    const std::filesystem::path bootstraps = install_bootstraps(runtime_root(options), &error);
    if (bootstraps.empty()) throw std::runtime_error("cannot write fogbank's Lambda bootstraps: " + error);
    launch_settings& settings = context_.settings;
    settings.path = host_path();
    settings.node = resolve_node(options, settings.path);
    settings.python = resolve_python(options, settings.path);
    settings.bootstraps = bootstraps;
    settings.node_path = options.node_path;
    settings.endpoint_url = options.endpoint_url;
    settings.ca_bundle = options.ca_bundle;
    if (!options.ca_bundle.empty()) settings.prepare_ca_bundle = options.prepare_ca_bundle;
    settings.access_key_id = options.access_key_id;
    settings.secret_access_key = options.secret_access_key;
    settings.session_token = options.session_token;
    settings.deterministic = options.deterministic;

    work_.emplace(io_.get_executor());
    const int threads = std::max(1, options.threads);
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([this] {
        // A handler that throws must not take the host down: log it and keep serving.
        for (;;) {
          try {
            io_.run();
            return;
          } catch (const std::exception& e) {
            context_.log(std::string("lambda: uncaught exception in a worker thread: ") + e.what());
          } catch (...) {
            context_.log("lambda: uncaught exception in a worker thread");
          }
        }
      });
    }
  }

  ~worker_host() override {
    std::map<std::string, std::shared_ptr<function_pool>, std::less<>> pools;
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      pools.swap(pools_);
    }
    for (auto& [name, pool] : pools) pool->shutdown();
    pools.clear();
    {
      // Killed workers end their invocations when their exit is seen, on the threads below.
      std::unique_lock lock(context_.live_mutex);
      if (!context_.live_changed.wait_for(lock, shutdown_wait, [this] { return context_.live == 0; })) {
        context_.log("lambda: worker processes still running at shutdown are abandoned");
      }
    }
    work_.reset();
    io_.stop();
    for (auto& t : threads_) t.join();
  }

  bool runs(const lambda::function_config& config) const override {
    return kind_of(config.runtime).has_value();
  }

  void invoke(const lambda::function_config& config, lambda::invocation call,
              std::function<void(lambda::invocation_outcome)> done) override {
    if (!kind_of(config.runtime)) {
      // The service asks runs() first; answered anyway, as Lambda answers a runtime it cannot
      // start (research doc D9).
      lambda::invocation_outcome outcome;
      outcome.kind = lambda::outcome_kind::init_error;
      outcome.payload = invalid_entrypoint_payload(
          call.request_id, "fogbank does not run " + config.runtime + " functions in worker processes");
      done(std::move(outcome));
      return;
    }
    assignment work{config, std::move(call), std::move(done), steady::now()};
    std::shared_ptr<function_pool> pool;
    {
      std::lock_guard lock(mutex_);
      if (!stopping_) {
        auto& slot = pools_[config.name];
        if (!slot) slot = std::make_shared<function_pool>(context_, default_concurrency_);
        pool = slot;
      }
    }
    if (!pool) {
      // Shutting down: answered as a runtime that was killed.
      lambda::invocation_outcome outcome;
      outcome.kind = lambda::outcome_kind::crashed;
      outcome.payload = exit_payload(work.call.request_id, "signal: killed");
      work.done(std::move(outcome));
      return;
    }
    pool->submit(std::move(work));
  }

  void retire(std::string_view function_name) override {
    std::shared_ptr<function_pool> pool;
    {
      std::lock_guard lock(mutex_);
      const auto it = pools_.find(function_name);
      if (it != pools_.end()) pool = it->second;
    }
    if (pool) pool->retire();
  }

 private:
  int default_concurrency_;
  net::io_context io_;
  host_context context_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<function_pool>, std::less<>> pools_;
  bool stopping_ = false;
};

}  // namespace

std::unique_ptr<lambda::runtime_host> make_worker_host(const worker_host_options& options) {
  // The host's pipes and sockets lead to processes that can exit at any moment, and SIGPIPE's
  // default action ends the whole process, not the one call. `fogbank serve` ignores it already;
  // this covers every other process that hosts workers (the benchmarks and tests died of it, under
  // load only, before this). Ignoring is what the writes expect: they report EPIPE instead.
  std::signal(SIGPIPE, SIG_IGN);
  return std::make_unique<worker_host>(options);
}

std::filesystem::path default_node_modules() {
  std::error_code ec;
  if (const char* dir = std::getenv("FOGBANK_NODE_SDK_DIR"); dir != nullptr && *dir != '\0') {
    return std::filesystem::is_directory(dir, ec) ? std::filesystem::path(dir) : std::filesystem::path{};
  }
  const std::filesystem::path source =
      std::filesystem::path(FOGBANK_WORKERS_SOURCE_DIR) / "node_sdk" / "node_modules";
  return std::filesystem::is_directory(source, ec) ? source : std::filesystem::path{};
}

}  // namespace fogbank::workers
