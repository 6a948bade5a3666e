// API Gateway over the real HTTP server (emulator/http on a loopback port), each beside a bare
// Boost.Beast server of the same shape (one io_context, 2 threads) in this file, the baseline:
//
//   ws_connect/<server>        a WebSocket connection opened and closed: TCP connect, upgrade
//                              (fogbank: $connect runs an in-process C++ handler), close handshake
//   ws_echo/<server>           one message and its answer on one open connection (fogbank: a
//                              two-way route to an in-process C++ handler that answers its body)
//   ws_fanout/<server>/<n>     one message to n open connections and the time until every one has
//                              it (fogbank: one PostToConnection per connection through the
//                              in-process client, the @connections path of an in-process handler;
//                              the baseline writes to its sessions directly)
//   http_api/<server>          one request to an HTTP API route (GET /http/<api-id>/hello, payload
//                              format 2.0) answered by an in-process C++ handler, on a keep-alive
//                              connection; the baseline answers the same status and body
//
// The fogbank run of each pair reports `of_beast`: its throughput over the baseline's measured just
// before it in the same run (1 = as fast as bare Beast; a fan-out's throughput is 1 / its time).
// Numbers in bench/README.md. Its own executable: it links the HTTP front end (Beast).
//
// Set FOGBANK_BENCH_SMOKE=1 (the ctest smoke run does) to leave out the 10,000-client fan-out.

#include "fogbank/core/encoding.hpp"
#include "fogbank/dispatch/client.hpp"
#include "fogbank/http/server.hpp"
#include "fogbank/lambda/handler.hpp"
#include "fogbank/main/emulator.hpp"

#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace fogbank;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using json = nlohmann::json;
using namespace std::chrono_literals;

// Both servers run this many threads on one io_context, as `fogbank serve --threads 2` does.
constexpr int server_threads = 2;
// How long a fan-out may take before the benchmark gives up (bounded waits only).
constexpr auto fanout_wait = 60s;
// File descriptors kept free beside the 2 per fan-out client (its socket and the server's).
constexpr rlim_t spare_descriptors = 128;

const std::string echo_message = R"({"action":"echo","n":1})";
const std::string fanout_message = R"({"event":"fan-out","n":1})";
const std::string http_body = R"({"message":"hello"})";

// ---- the in-process C++ handlers of the fogbank side ---------------------------------------------

// Connection ids of the clients that connected with ?record=1 (the fan-out's), in order.
std::mutex recorded_mutex;
std::vector<std::string> recorded_ids;

json on_connect(const json& event, lambda::context&) {
  const json query = event.value("queryStringParameters", json::object());
  if (query.is_object() && query.value("record", "") == "1") {
    std::lock_guard lock(recorded_mutex);
    recorded_ids.push_back(event["requestContext"].value("connectionId", ""));
  }
  return {{"statusCode", 200}};
}
// A two-way route: its body goes back to the caller.
json on_echo(const json& event, lambda::context&) {
  return {{"statusCode", 200}, {"body", event.value("body", "")}};
}
json on_hello(const json&, lambda::context&) {
  return {{"statusCode", 200}, {"headers", {{"content-type", "application/json"}}}, {"body", http_body}};
}
FOGBANK_LAMBDA_HANDLER("apigw_bench.connect", on_connect);
FOGBANK_LAMBDA_HANDLER("apigw_bench.echo", on_echo);
FOGBANK_LAMBDA_HANDLER("apigw_bench.hello", on_hello);

// A 240-byte package; in-process functions only need Handler to name a registered handler.
constexpr const char* package_base64 =
    "UEsDBBQAAAAAAAAAIVgvOtrpEgAAABIAAAAJAAAAYm9vdHN0cmFwIyEvYmluL3NoCmVjaG8gaGkKUEsDBBQAAAAAAAAAIVggMDo2BgAA"
    "AAYAAAAMAAAAbGliL2RhdGEudHh0aGVsbG8KUEsBAhQDFAAAAAAAAAAhWC862ukSAAAAEgAAAAkAAAAAAAAAAAAAAO2BAAAAAGJvb3Rz"
    "dHJhcFBLAQIUAxQAAAAAAAAAIVggMDo2BgAAAAYAAAAMAAAAAAAAAAAAAACkgTkAAABsaWIvZGF0YS50eHRQSwUGAAAAAAIAAgBxAAAA"
    "aQAAAAAA";

// ---- the baseline: a bare Beast HTTP + WebSocket server ------------------------------------------

class beast_server;

class beast_ws_session : public std::enable_shared_from_this<beast_ws_session> {
 public:
  beast_ws_session(tcp::socket&& socket, beast_server& server) : ws_(std::move(socket)), server_(server) {}
  ~beast_ws_session();
  void run(bhttp::request<bhttp::string_body> req);
  // Queues a text frame, written once the handshake is done; any thread.
  void send(std::string data) {
    net::post(ws_.get_executor(), [self = shared_from_this(), data = std::move(data)]() mutable {
      self->queue_.push_back(std::move(data));
      if (self->open_ && self->queue_.size() == 1) self->write();
    });
  }

 private:
  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      self->queue_.push_back(beast::buffers_to_string(self->buffer_.data()));
      self->buffer_.consume(self->buffer_.size());
      if (self->queue_.size() == 1) self->write();
      self->read();
    });
  }
  void write() {
    ws_.text(true);
    ws_.async_write(net::buffer(queue_.front()),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      if (ec) return;
                      self->queue_.pop_front();
                      if (!self->queue_.empty()) self->write();
                    });
  }

  websocket::stream<tcp::socket> ws_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  bool open_ = false;  // the handshake is done (strand only)
  beast_server& server_;
};

class beast_http_session : public std::enable_shared_from_this<beast_http_session> {
 public:
  beast_http_session(tcp::socket&& socket, beast_server& server)
      : socket_(std::move(socket)), server_(server) {}
  void read() {
    req_ = {};
    bhttp::async_read(socket_, buffer_, req_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      self->on_request();
    });
  }

 private:
  void on_request();

  tcp::socket socket_;
  beast::flat_buffer buffer_;
  bhttp::request<bhttp::string_body> req_;
  bhttp::response<bhttp::string_body> res_;
  beast_server& server_;
};

class beast_server {
 public:
  beast_server() : acceptor_(ioc_, {net::ip::make_address("127.0.0.1"), 0}) {
    accept();
    for (int i = 0; i < server_threads; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }
  ~beast_server() {
    ioc_.stop();
    for (auto& t : threads_) t.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  void add(beast_ws_session* s, std::weak_ptr<beast_ws_session> w) {
    std::lock_guard lock(mutex_);
    sessions_[s] = std::move(w);
  }
  void remove(beast_ws_session* s) {
    std::lock_guard lock(mutex_);
    sessions_.erase(s);
  }
  void broadcast(const std::string& data) {
    std::lock_guard lock(mutex_);
    for (auto& [raw, weak] : sessions_) {
      if (auto s = weak.lock()) s->send(data);
    }
  }

 private:
  void accept() {
    acceptor_.async_accept(net::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
      if (!ec) std::make_shared<beast_http_session>(std::move(socket), *this)->read();
      accept();
    });
  }

  // Declared first, destroyed last: sessions still held by the io_context's pending handlers
  // leave the map as they go.
  std::mutex mutex_;
  std::map<beast_ws_session*, std::weak_ptr<beast_ws_session>> sessions_;
  net::io_context ioc_{server_threads};
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
};

beast_ws_session::~beast_ws_session() {
  server_.remove(this);
}

// Registered before the handshake, as fogbank registers a connection before its 101: a client
// whose handshake is done is reached by the next broadcast.
void beast_ws_session::run(bhttp::request<bhttp::string_body> req) {
  server_.add(this, shared_from_this());
  ws_.async_accept(req, [self = shared_from_this()](beast::error_code ec) {
    if (ec) return;
    self->open_ = true;
    if (!self->queue_.empty()) self->write();
    self->read();
  });
}

void beast_http_session::on_request() {
  if (websocket::is_upgrade(req_)) {
    std::make_shared<beast_ws_session>(std::move(socket_), server_)->run(std::move(req_));
    return;
  }
  res_ = {bhttp::status::ok, req_.version()};
  res_.set(bhttp::field::content_type, "application/json");
  res_.keep_alive(req_.keep_alive());
  res_.body() = http_body;
  res_.prepare_payload();
  bhttp::async_write(socket_, res_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (!ec) self->read();
  });
}

// ---- fogbank: the emulator behind its HTTP server, with a WebSocket API and an HTTP API ----------

json must(const emulator& e, std::string_view service, std::string_view operation, const json& request) {
  core::call_result r = e.client().call(service, operation, request);
  if (r.error) throw std::runtime_error(std::string(operation) + " failed: " + r.error->message());
  return std::move(r.body);
}

struct fogbank_server {
  fogbank_server() {
    emulator_options options;
    options.seed = 1;
    std::string error;
    emu = emulator::open(options, &error);
    if (!emu) throw std::runtime_error("cannot open an emulator in memory: " + error);
    http::server_options server_options;
    server_options.port = 0;
    server_options.threads = server_threads;
    server_options.websocket = &emu->websocket_gateway();
    server_options.http_apis = &emu->http_api_gateway();
    server = std::make_unique<http::server>(server_options, emu->services());
    if (!server->start(&error)) throw std::runtime_error("cannot start the server: " + error);

    ws_api = must(*emu, "apigatewayv2", "CreateApi",
                  {{"name", "bench-ws"},
                   {"protocolType", "WEBSOCKET"},
                   {"routeSelectionExpression", "$request.body.action"}})
                 .value("apiId", "");
    must(*emu, "apigatewayv2", "CreateStage", {{"apiId", ws_api}, {"stageName", "dev"}});
    route(ws_api, "$connect", "apigw_bench.connect", false);
    route(ws_api, "echo", "apigw_bench.echo", true);

    http_api = must(*emu, "apigatewayv2", "CreateApi", {{"name", "bench-http"}, {"protocolType", "HTTP"}})
                   .value("apiId", "");
    must(*emu, "apigatewayv2", "CreateStage", {{"apiId", http_api}, {"stageName", "$default"}});
    route(http_api, "GET /hello", "apigw_bench.hello", false);
  }
  ~fogbank_server() { server->stop(); }

  void route(const std::string& api, const std::string& key, const std::string& handler, bool two_way) {
    const std::string name = "bench-" + std::to_string(functions++);
    const std::string arn = must(*emu, "lambda", "CreateFunction",
                                 {{"FunctionName", name},
                                  {"Runtime", "provided.al2023"},
                                  {"Handler", handler},
                                  {"Role", "arn:aws:iam::000000000000:role/bench"},
                                  {"Code", {{"ZipFile", package_base64}}}})
                                .value("FunctionArn", "");
    json integration = {{"apiId", api},
                        {"integrationType", "AWS_PROXY"},
                        {"integrationUri", "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" +
                                               arn + "/invocations"}};
    if (handler == "apigw_bench.hello") integration["payloadFormatVersion"] = "2.0";
    const std::string integration_id =
        must(*emu, "apigatewayv2", "CreateIntegration", integration).value("integrationId", "");
    json request = {{"apiId", api}, {"routeKey", key}, {"target", "integrations/" + integration_id}};
    if (two_way) request["routeResponseSelectionExpression"] = "$default";
    must(*emu, "apigatewayv2", "CreateRoute", request);
  }

  std::unique_ptr<emulator> emu;
  std::unique_ptr<http::server> server;
  std::string ws_api;
  std::string http_api;
  int functions = 0;
};

enum server_kind : int { beast_kind = 0, fogbank_kind = 1 };

beast_server& the_beast() {
  static beast_server s;
  return s;
}
fogbank_server& the_fogbank() {
  static fogbank_server s;
  return s;
}

std::uint16_t port_of(int kind) {
  return kind == beast_kind ? the_beast().port() : the_fogbank().server->port();
}
std::string ws_target(int kind, bool record = false) {
  if (kind == beast_kind) return "/";
  return "/ws/" + the_fogbank().ws_api + "/dev" + (record ? "?record=1" : "");
}

// The baseline's throughput per scenario, from its run just before fogbank's.
std::map<std::string, double> baseline_rates;

// Records the run's throughput (operations per wall-clock second) and, for fogbank, its ratio to
// the baseline's.
void report(benchmark::State& state, const std::string& scenario, int kind, double operations,
            std::chrono::steady_clock::duration elapsed) {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  if (seconds <= 0) return;
  const double rate = operations / seconds;
  if (kind == beast_kind) {
    baseline_rates[scenario] = rate;
  } else if (auto b = baseline_rates.find(scenario); b != baseline_rates.end() && b->second > 0) {
    state.counters["of_beast"] = rate / b->second;
  }
}

using ws_client = websocket::stream<tcp::socket>;

std::unique_ptr<ws_client> open_ws(net::io_context& ioc, int kind, bool record = false) {
  auto ws = std::make_unique<ws_client>(ioc);
  ws->next_layer().connect({net::ip::make_address("127.0.0.1"), port_of(kind)});
  ws->next_layer().set_option(tcp::no_delay(true));
  ws->handshake("127.0.0.1:" + std::to_string(port_of(kind)), ws_target(kind, record));
  return ws;
}

// n clients reading on their own io_context thread, counting the messages that reach them.
struct fanout_clients {
  fanout_clients(int kind, int n) : kind(kind), n(n) {
    for (int i = 0; i < n; ++i) clients.push_back(open_ws(ioc, kind, /*record=*/true));
    buffers.resize(n);
    for (int i = 0; i < n; ++i) read(i);
    thread = std::thread([this] { ioc.run(); });
  }
  ~fanout_clients() {
    work.reset();
    net::post(ioc, [this] {
      for (auto& c : clients) {
        beast::error_code ignored;
        c->next_layer().close(ignored);
      }
    });
    thread.join();
  }

  void read(int i) {
    clients[i]->async_read(buffers[i], [this, i](beast::error_code ec, std::size_t) {
      if (ec) return;
      buffers[i].consume(buffers[i].size());
      if (received.fetch_add(1) + 1 == n) {
        std::lock_guard lock(mutex);
        done.notify_all();
      }
      read(i);
    });
  }

  // Waits until all n have their message, then resets the count. False on timeout.
  bool wait_all() {
    std::unique_lock lock(mutex);
    const bool all = done.wait_for(lock, fanout_wait, [this] { return received.load() >= n; });
    received = 0;
    return all;
  }

  int kind;
  int n;
  net::io_context ioc;
  net::executor_work_guard<net::io_context::executor_type> work = net::make_work_guard(ioc);
  std::vector<std::unique_ptr<ws_client>> clients;
  std::vector<beast::flat_buffer> buffers;
  std::atomic<int> received{0};
  std::mutex mutex;
  std::condition_variable done;
  std::thread thread;
};

// The fan-out's clients, one group at a time (descriptors), kept across the calls Google Benchmark
// makes to settle on an iteration count; the other benchmarks close it first.
std::unique_ptr<fanout_clients> current_group;
std::vector<std::string> group_ids;

// ---- (a) connections per second ---------------------------------------------------------------

void ws_connect(benchmark::State& state, int kind) {
  current_group.reset();
  net::io_context ioc;
  const auto once = [&] {
    auto ws = open_ws(ioc, kind);
    ws->close(websocket::close_code::normal);
  };
  try {
    once();  // warm-up (and the server's start), not timed
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) once();
    report(state, "ws_connect", kind, static_cast<double>(state.iterations()),
           std::chrono::steady_clock::now() - start);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  state.SetItemsProcessed(state.iterations());
}

// ---- (b) echo round trips on one connection ---------------------------------------------------

void ws_echo(benchmark::State& state, int kind) {
  current_group.reset();
  net::io_context ioc;
  try {
    auto ws = open_ws(ioc, kind);
    ws->text(true);
    beast::flat_buffer buffer;
    // One round trip; false (the state's error set) when the answer is not the message.
    const auto once = [&] {
      ws->write(net::buffer(echo_message));
      ws->read(buffer);
      const std::string answer = beast::buffers_to_string(buffer.data());
      buffer.consume(buffer.size());
      if (answer == echo_message) return true;
      state.SkipWithError(("expected the echo " + echo_message + ", got " + answer).c_str());
      return false;
    };
    if (!once()) return;  // warm-up, not timed
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) {
      if (!once()) break;
    }
    report(state, "ws_echo", kind, static_cast<double>(state.iterations()),
           std::chrono::steady_clock::now() - start);
    ws->close(websocket::close_code::normal);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  state.SetItemsProcessed(state.iterations());
}

// ---- (c) fan-out to n connections -------------------------------------------------------------

// Raises the soft descriptor limit to the hard one; how many descriptors are allowed then.
rlim_t raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur;
}

void ws_fanout(benchmark::State& state, int kind, int n) {
  const rlim_t needed = 2 * static_cast<rlim_t>(n) + spare_descriptors;
  if (const rlim_t allowed = raise_descriptor_limit(); allowed < needed) {
    const std::string why = "skipped: " + std::to_string(n) + " clients need " + std::to_string(needed) +
                            " file descriptors (theirs and the server's), RLIMIT_NOFILE allows " +
                            std::to_string(allowed);
    std::printf("%s\n", why.c_str());
    state.SkipWithError(why.c_str());
    return;
  }
  try {
    if (!current_group || current_group->kind != kind || current_group->n != n) {
      current_group.reset();
      {
        std::lock_guard lock(recorded_mutex);
        recorded_ids.clear();
      }
      current_group = std::make_unique<fanout_clients>(kind, n);
      std::lock_guard lock(recorded_mutex);
      group_ids = recorded_ids;
      if (kind == fogbank_kind && static_cast<int>(group_ids.size()) != n) {
        throw std::runtime_error("$connect recorded " + std::to_string(group_ids.size()) + " of " +
                                 std::to_string(n) + " connections");
      }
    }
  } catch (const std::exception& e) {
    current_group.reset();
    state.SkipWithError(e.what());
    return;
  }
  const std::string data = core::base64_encode(fanout_message);
  // One message to every client, and the wait until each has it; false with the state's error set.
  const auto once = [&] {
    if (kind == beast_kind) {
      the_beast().broadcast(fanout_message);
    } else {
      for (const std::string& id : group_ids) {
        const core::call_result r = the_fogbank().emu->client().call(
            "apigatewaymanagementapi", "PostToConnection", {{"connectionId", id}, {"Data", data}});
        if (r.error) {
          state.SkipWithError(("PostToConnection failed: " + r.error->message()).c_str());
          return false;
        }
      }
    }
    if (current_group->wait_all()) return true;
    state.SkipWithError("not every client had the message within 60 s");
    return false;
  };
  if (!once()) return;  // warm-up, not timed
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    if (!once()) return;
  }
  report(state, "ws_fanout/" + std::to_string(n), kind, static_cast<double>(state.iterations()),
         std::chrono::steady_clock::now() - start);
  state.counters["clients"] = n;
  state.SetItemsProcessed(state.iterations() * n);
}

// ---- (d) HTTP API requests per second ---------------------------------------------------------

void http_api(benchmark::State& state, int kind) {
  current_group.reset();
  net::io_context ioc;
  try {
    tcp::socket socket(ioc);
    socket.connect({net::ip::make_address("127.0.0.1"), port_of(kind)});
    socket.set_option(tcp::no_delay(true));
    bhttp::request<bhttp::empty_body> req{
        bhttp::verb::get, kind == beast_kind ? "/hello" : "/http/" + the_fogbank().http_api + "/hello", 11};
    req.set(bhttp::field::host, "127.0.0.1:" + std::to_string(port_of(kind)));
    beast::flat_buffer buffer;
    // One request; false (the state's error set) when the answer is not the expected one.
    const auto once = [&] {
      bhttp::write(socket, req);
      bhttp::response<bhttp::string_body> res;
      bhttp::read(socket, buffer, res);
      if (res.result() == bhttp::status::ok && res.body() == http_body) return true;
      state.SkipWithError(
          ("expected 200 " + http_body + ", got " + std::to_string(res.result_int()) + " " + res.body())
              .c_str());
      return false;
    };
    if (!once()) return;  // warm-up, not timed
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) {
      if (!once()) break;
    }
    report(state, "http_api", kind, static_cast<double>(state.iterations()),
           std::chrono::steady_clock::now() - start);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  state.SetItemsProcessed(state.iterations());
}

// Each scenario's baseline first, then fogbank: the ratio needs the baseline's figure.
const bool registered = [] {
  const bool smoke = std::getenv("FOGBANK_BENCH_SMOKE") != nullptr;
  const auto name = [](const char* scenario, int kind) {
    return std::string(scenario) + (kind == beast_kind ? "/beast" : "/fogbank");
  };
  for (const int kind : {beast_kind, fogbank_kind}) {
    benchmark::RegisterBenchmark(name("ws_connect", kind).c_str(), ws_connect, kind)->UseRealTime();
  }
  for (const int kind : {beast_kind, fogbank_kind}) {
    benchmark::RegisterBenchmark(name("ws_echo", kind).c_str(), ws_echo, kind)->UseRealTime();
  }
  for (const int n : {1000, 10000}) {
    if (smoke && n > 1000) continue;
    for (const int kind : {beast_kind, fogbank_kind}) {
      benchmark::RegisterBenchmark((name("ws_fanout", kind) + "/" + std::to_string(n)).c_str(), ws_fanout,
                                   kind, n)
          ->UseRealTime();
    }
  }
  for (const int kind : {beast_kind, fogbank_kind}) {
    benchmark::RegisterBenchmark(name("http_api", kind).c_str(), http_api, kind)->UseRealTime();
  }
  return true;
}();

}  // namespace
