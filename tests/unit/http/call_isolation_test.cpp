// Slow service calls never hold every server thread (issue 6: a slow request never stalls other
// services or the health endpoint). A real server on a loopback port, two base threads, and a
// fake service whose "Slow" operation waits until the test lets it go: more slow calls than base
// threads are held inside the service while the health endpoint and other calls are answered;
// shutdown answers a running call with its real result. And io_threads itself: a thread is
// added while a call holds the base ones, and leaves after.

#include "io_threads.hpp"

#include "fogbank/core/ids.hpp"
#include "fogbank/dispatch/registry.hpp"
#include "fogbank/http/server.hpp"

#include <gtest/gtest.h>
#include <boost/asio/defer.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace fogbank::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using nlohmann::json;
using tcp = net::ip::tcp;

// Only turns a hang into a failure: with the code right, every wait ends as soon as the other
// side gets there.
constexpr auto hang_guard = std::chrono::seconds(60);

// A service whose "Slow" calls wait inside call() until release(); anything else answers at once.
class holding_service final : public core::service {
 public:
  void call(std::string_view operation, const json&, const core::call_context&,
            core::call_completion done) override {
    if (operation == "Slow") {
      std::unique_lock lock(mutex_);
      ++inside_;
      changed_.notify_all();
      changed_.wait(lock, [&] { return released_; });
    }
    done(core::call_result{json{{"answered", std::string(operation)}}, std::nullopt});
  }
  json health() const override { return json{{"held_calls", "none of its locks"}}; }

  // True once `count` slow calls are inside call() at the same time.
  bool wait_inside(int count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, hang_guard, [&] { return inside_ >= count; });
  }
  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int inside_ = 0;
  bool released_ = false;
};

// One keep-alive connection; every exchange gives up after the hang guard.
class connection {
 public:
  explicit connection(std::uint16_t port) : stream_(ioc_) {
    stream_.connect(tcp::endpoint(net::ip::address_v4::loopback(), port));
  }

  // The response, or nullopt if none came within the hang guard.
  std::optional<bhttp::response<bhttp::string_body>> exchange(bhttp::request<bhttp::string_body> req) {
    req.prepare_payload();
    bhttp::response<bhttp::string_body> res;
    beast::flat_buffer buffer;
    bool done = false;
    beast::error_code failure;
    bhttp::async_write(stream_, req, [&](beast::error_code ec, std::size_t) {
      if (ec) {
        failure = ec;
        done = true;
        return;
      }
      bhttp::async_read(stream_, buffer, res, [&](beast::error_code read_ec, std::size_t) {
        failure = read_ec;
        done = true;
      });
    });
    ioc_.restart();
    ioc_.run_for(hang_guard);
    if (!done || failure) return std::nullopt;
    return res;
  }

 private:
  net::io_context ioc_;
  beast::tcp_stream stream_;
};

bhttp::request<bhttp::string_body> call_request(std::string_view operation) {
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, "/", 11};
  req.set(bhttp::field::host, "127.0.0.1");
  req.set(bhttp::field::content_type, "application/x-amz-json-1.0");
  req.set("X-Amz-Target", "Holding_20240101." + std::string(operation));
  req.set("X-Amz-Date", "20240101T000000Z");
  req.set(bhttp::field::authorization,
          "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/holding/aws4_request, SignedHeaders=host, "
          "Signature=0123456789abcdef");
  req.body() = "{}";
  return req;
}

bhttp::request<bhttp::string_body> health_request() {
  bhttp::request<bhttp::string_body> req{bhttp::verb::get, "/_fogbank/health", 11};
  req.set(bhttp::field::host, "127.0.0.1");
  return req;
}

class CallIsolationTest : public ::testing::Test {
 protected:
  CallIsolationTest() {
    registry_.add({.name = "holding",
                   .target_prefix = "Holding_20240101.",
                   .error_namespace = "com.example.holding",
                   .request_ids = dispatch::request_id_style::upper_alnum_52,
                   .service = &service_});
  }
  void SetUp() override {
    server_options options;
    options.port = 0;
    options.threads = 2;
    server_ = std::make_unique<server>(options, registry_);
    std::string error;
    ASSERT_TRUE(server_->start(&error)) << error;
  }
  void TearDown() override {
    service_.release();
    for (auto& t : clients_) t.join();
    server_->stop();
  }

  // Sends `operation` on a connection of its own, from a thread of its own (joined in
  // TearDown); the future gets the answer's body, or "no answer".
  std::future<std::string> call_async(std::string operation) {
    auto answer = std::make_shared<std::promise<std::string>>();
    std::future<std::string> result = answer->get_future();
    const std::uint16_t port = server_->port();
    clients_.emplace_back([answer, operation, port] {
      connection c(port);
      auto res = c.exchange(call_request(operation));
      answer->set_value(res ? res->body() : "no answer");
    });
    return result;
  }

  holding_service service_;
  core::id_generator ids_{7};
  dispatch::registry registry_{ids_};
  std::unique_ptr<server> server_;
  std::vector<std::thread> clients_;
};

TEST_F(CallIsolationTest, SlowCallsNeverHoldEveryThread) {
  // Three slow calls, one more than there are I/O threads, all inside the service at once.
  std::vector<std::future<std::string>> slow;
  for (int i = 0; i < 3; ++i) slow.push_back(call_async("Slow"));
  ASSERT_TRUE(service_.wait_inside(3)) << "the slow calls did not all start: they queue behind each other";

  connection c(server_->port());
  const auto health = c.exchange(health_request());
  ASSERT_TRUE(health) << "GET /_fogbank/health waited for the slow calls";
  EXPECT_EQ(health->result(), bhttp::status::ok);
  EXPECT_EQ(json::parse(health->body())["status"], "running") << health->body();
  const auto fast = c.exchange(call_request("Fast"));
  ASSERT_TRUE(fast) << "a fast call waited for the slow ones";
  EXPECT_EQ(fast->result(), bhttp::status::ok);
  EXPECT_EQ(fast->body(), R"({"answered":"Fast"})");

  service_.release();
  for (auto& answer : slow) {
    ASSERT_EQ(answer.wait_for(hang_guard), std::future_status::ready);
    EXPECT_EQ(answer.get(), R"({"answered":"Slow"})");
  }
}

TEST_F(CallIsolationTest, StoppingAnswersARunningCallWithItsOwnResult) {
  auto slow = call_async("Slow");
  ASSERT_TRUE(service_.wait_inside(1));
  // stop() waits (up to its grace period) for the call in flight. The call is let go once stop()
  // has begun, which shows as the port refusing connections (its first step).
  const std::uint16_t port = server_->port();
  auto stopping = std::async(std::launch::async, [&] { server_->stop(); });
  const auto give_up = std::chrono::steady_clock::now() + hang_guard;
  for (;;) {
    net::io_context ioc;
    tcp::socket probe(ioc);
    beast::error_code ec;
    probe.connect(tcp::endpoint(net::ip::address_v4::loopback(), port), ec);
    if (ec || std::chrono::steady_clock::now() > give_up) break;
    std::this_thread::yield();
  }
  service_.release();
  ASSERT_EQ(slow.wait_for(hang_guard), std::future_status::ready);
  // The real answer, not the empty result a stopping server gives a parked long poll.
  EXPECT_EQ(slow.get(), R"({"answered":"Slow"})");
  ASSERT_EQ(stopping.wait_for(hang_guard), std::future_status::ready);
}

// An io_context with work to wait for and io_threads running it; stopped and joined at the end.
struct running_threads {
  net::io_context ioc;
  net::executor_work_guard<net::io_context::executor_type> work = net::make_work_guard(ioc);
  io_threads threads;

  running_threads(int concurrency_hint, int base, int max,
                  std::chrono::milliseconds quiet = std::chrono::milliseconds(200))
      : ioc(concurrency_hint), threads(ioc, base, max, std::chrono::milliseconds(1), quiet) {
    threads.start();
  }
  ~running_threads() {
    work.reset();
    ioc.stop();
    threads.join();
  }
};

// Flags that handlers on the io_threads set and the test waits for.
struct flags {
  std::mutex mutex;
  std::condition_variable changed;

  void set(bool& flag) {
    std::lock_guard lock(mutex);
    flag = true;
    changed.notify_all();
  }
  // Whether `flag` was set within hang_guard.
  bool wait(const bool& flag) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, hang_guard, [&] { return flag; });
  }
  // Posts a call that holds the io_threads thread running it until `release` is set.
  void post_held_call(net::io_context& ioc, const bool& release) {
    net::post(ioc, [this, &release] {
      const io_threads::call_scope in_call;
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return release; });
    });
  }
};

TEST(IoThreadsTest, AddsAThreadWhileCallsHoldTheBaseOnesAndLetsItGoAfter) {
  running_threads run(4, 1, 3);
  net::io_context& ioc = run.ioc;
  io_threads& threads = run.threads;
  flags flags;
  bool release = false;
  bool other_ran = false;
  // A call that holds the only base thread...
  flags.post_held_call(ioc, release);
  // ... and other work, which a thread the monitor adds gets to.
  net::post(ioc, [&] { flags.set(other_ran); });
  EXPECT_TRUE(flags.wait(other_ran)) << "no thread was added while the call held the only one";
  EXPECT_EQ(threads.running(), 2u);
  flags.set(release);
  // Once the base thread is free again, the extra one leaves.
  const auto give_up = std::chrono::steady_clock::now() + hang_guard;
  while (threads.running() > 1 && std::chrono::steady_clock::now() < give_up) std::this_thread::yield();
  EXPECT_EQ(threads.running(), 1u);
}

// An extra thread leaves after running one handler; what that handler queued as its
// continuation (net::defer, as an async_write queues its next write) is in the io_context's queue
// with no thread woken for it. The leaving thread must wake one: the base thread, idle by then,
// runs it at once, not at the next socket event (with none to come, never).
TEST(IoThreadsTest, WhatAnExtraThreadsLastHandlerQueuedRunsAfterItLeaves) {
  running_threads run(4, 1, 2);
  net::io_context& ioc = run.ioc;
  flags flags;
  bool release = false;
  bool continued = false;
  std::thread::id held_thread;
  std::thread::id extra_thread;
  // A call holds the only base thread, so the monitor adds one...
  net::post(ioc, [&] { held_thread = std::this_thread::get_id(); });
  flags.post_held_call(ioc, release);
  // ... which runs this: it ends the call, gives the monitor time to see the base thread free and
  // ask this one to leave (it looks every millisecond), and queues its continuation.
  net::post(ioc, [&] {
    extra_thread = std::this_thread::get_id();
    flags.set(release);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    net::defer(ioc, [&] { flags.set(continued); });
  });
  EXPECT_TRUE(flags.wait(continued))
      << "the continuation queued by the extra thread's last handler never ran";
  EXPECT_NE(held_thread, extra_thread) << "the second handler did not run on an added thread";
}

// Under load the threads are often between calls when the monitor looks; it must not go to sleep
// then, or the next call pays for waking it (a futex call and a thread switch per look). It sleeps
// once the threads have been quiet for its `quiet` time, and the first call after wakes it.
TEST(IoThreadsTest, TheMonitorSleepsOnlyAfterAQuietSpellNotBetweenCalls) {
  running_threads run(1, 1, 2, std::chrono::milliseconds(500));
  net::io_context& ioc = run.ioc;
  io_threads& threads = run.threads;
  const auto give_up = std::chrono::steady_clock::now() + hang_guard;
  while (!threads.monitor_sleeps() && std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(threads.monitor_sleeps()) << "the monitor of idle threads did not go to sleep";
  ASSERT_EQ(threads.wakes_by_calls(), 0u);

  // Short calls one after another for 200 ms and at least 100 of them (about 200 looks, most of
  // them between two calls), every one from the base thread: only the first wakes the monitor.
  // Both bounds: on a loaded machine (CI runs three tests at a time under ASan) a 100 us pause
  // can take milliseconds, and the number of calls must not depend on it.
  constexpr std::uint64_t min_calls = 100;
  std::atomic<std::uint64_t> calls{0};
  std::promise<void> done;
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  std::function<void()> next = [&] {
    {
      const io_threads::call_scope in_call;
      calls.fetch_add(1);
    }
    if (std::chrono::steady_clock::now() < until || calls.load() < min_calls) {
      // A short pause between calls, as between two requests, so that looks see none in progress.
      std::this_thread::sleep_for(std::chrono::microseconds(100));
      net::post(ioc, next);
    } else {
      done.set_value();
    }
  };
  net::post(ioc, next);
  ASSERT_EQ(done.get_future().wait_for(hang_guard), std::future_status::ready);
  // Quiet, only the first call wakes it. Under load a pause between two calls can outlast the
  // quiet spell and let it sleep again (CI saw 2 wakes in 826 calls); a monitor that slept between
  // calls would be woken by about every other one.
  EXPECT_GE(threads.wakes_by_calls(), 1u);
  EXPECT_LE(threads.wakes_by_calls(), calls.load() / 20)
      << "calls woke the monitor " << threads.wakes_by_calls() << " times in " << calls.load() << " calls";
}

}  // namespace
}  // namespace fogbank::http
