#pragma once
// Drives a worker host directly: each test writes its handler files into a fresh directory,
// describes a function over it and invokes it, waiting for the outcome. The runtimes are the
// machine's real `node` and `python3`; nothing about them is mocked.

#include "fogbank/core/clock.hpp"
#include "fogbank/lambda/runtime_host.hpp"
#include "fogbank/workers/worker_host.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace fogbank::workers::testing {

using namespace std::chrono_literals;
using nlohmann::json;

// Far beyond any invocation here (timeouts are 1-3 s): a host that never answers fails the test
// instead of hanging the suite.
constexpr auto outcome_wait = 90s;

// The packages the tests' handlers load: aws-sdk v2 (tests/unit/workers/node_packages, `npm ci`).
inline std::filesystem::path test_node_modules() {
  return std::filesystem::path(FOGBANK_WORKERS_TEST_DIR) / "node_packages" / "node_modules";
}

// A fixed service time: deterministic tests compare against it.
inline std::chrono::system_clock::time_point service_time() {
  return std::chrono::system_clock::time_point{std::chrono::milliseconds{1'700'000'000'123}};
}

inline std::string kind_name(lambda::outcome_kind kind) {
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
  return "?";
}

class worker_test : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = std::filesystem::temp_directory_path() / ("fogbank-workers-" + std::to_string(::getpid()) + "-" +
                                                      info->test_suite_name() + "-" + info->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_ / "code");
    options_.runtime_dir = root_ / "runtime";
    options_.endpoint_url = "http://127.0.0.1:9";  // nothing listens: only the SDK tests call out
    options_.default_concurrency = 4;
    options_.log = [this](std::string_view line) {
      std::lock_guard lock(log_mutex_);
      host_log_.emplace_back(line);
    };
    for (const auto& dir : {default_node_modules(), test_node_modules()}) {
      if (!dir.empty() && std::filesystem::is_directory(dir)) options_.node_path.push_back(dir);
    }
  }

  void TearDown() override {
    host_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }

  lambda::runtime_host& host() {
    if (!host_) host_ = make_worker_host(options_);
    return *host_;
  }

  // Writes `content` to code/<path> (creating directories).
  void write(const std::string& path, const std::string& content, bool executable = false) {
    const auto file = root_ / "code" / path;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file) << content;
    if (executable) {
      std::filesystem::permissions(file, std::filesystem::perms::owner_exec,
                                   std::filesystem::perm_options::add);
    }
  }

  lambda::function_config function(const std::string& runtime, const std::string& handler,
                                   std::chrono::milliseconds timeout = 3s) {
    lambda::function_config config;
    config.name = "fn-" + std::to_string(next_function_++);
    config.arn = "arn:aws:lambda:us-east-1:000000000000:function:" + config.name;
    config.runtime = runtime;
    config.handler = handler;
    config.code_dir = root_ / "code";
    config.timeout = timeout;
    config.revision = "r1";
    return config;
  }

  lambda::invocation call(const std::string& payload = "{}") {
    lambda::invocation call;
    call.request_id = "req-" + std::to_string(next_request_++);
    call.payload = payload;
    // A deterministic run reads the fixed service time; a real one the wall clock.
    call.service_time = options_.deterministic ? service_time() : core::real_clock().now();
    call.deadline = call.service_time + 3s;
    return call;
  }

  std::future<lambda::invocation_outcome> start(const lambda::function_config& config, lambda::invocation c) {
    auto promise = std::make_shared<std::promise<lambda::invocation_outcome>>();
    auto future = promise->get_future();
    host().invoke(config, std::move(c),
                  [promise](lambda::invocation_outcome outcome) { promise->set_value(std::move(outcome)); });
    return future;
  }

  lambda::invocation_outcome wait(std::future<lambda::invocation_outcome>& future) {
    if (future.wait_for(outcome_wait) != std::future_status::ready) {
      ADD_FAILURE() << "no outcome after " << outcome_wait.count() << " s";
      return {lambda::outcome_kind::crashed, "no outcome"};
    }
    return future.get();
  }

  lambda::invocation_outcome invoke(const lambda::function_config& config, lambda::invocation c) {
    auto future = start(config, std::move(c));
    return wait(future);
  }
  lambda::invocation_outcome invoke(const lambda::function_config& config,
                                    const std::string& payload = "{}") {
    return invoke(config, call(payload));
  }

  std::vector<std::string> host_log() {
    std::lock_guard lock(log_mutex_);
    return host_log_;
  }
  std::size_t cold_starts() {
    std::size_t count = 0;
    for (const auto& line : host_log()) count += line.find("cold start") != std::string::npos ? 1 : 0;
    return count;
  }

  std::filesystem::path root_;
  worker_host_options options_;
  std::unique_ptr<lambda::runtime_host> host_;
  std::mutex log_mutex_;
  std::vector<std::string> host_log_;
  int next_function_ = 1;
  int next_request_ = 1;
};

// Prints the outcome whole when an expectation on it fails.
inline std::string describe(const lambda::invocation_outcome& outcome) {
  return "kind=" + kind_name(outcome.kind) + "\npayload=" + outcome.payload + "\nlog=\n" + outcome.log;
}

inline json parsed(const lambda::invocation_outcome& outcome) {
  return json::parse(outcome.payload, nullptr, false);
}

}  // namespace fogbank::workers::testing
