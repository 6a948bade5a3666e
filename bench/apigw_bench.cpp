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
//   ws_fanout_proc/<server>/<n> the same with the n clients in a second process
//                              (apigw_fanout_clients, next to this executable), so that the server's
//                              n sockets and the clients' n fit under RLIMIT_NOFILE each: how the
//                              fan-out to 10,000 runs on a machine whose hard limit is 20,000
//   http_api/<server>          one request to an HTTP API route (GET /http/<api-id>/hello, payload
//                              format 2.0) answered by an in-process C++ handler, on a keep-alive
//                              connection; the baseline answers the same status and body
//   rest_api/<server>          one request to a REST API route (GET /rest/<api-id>/dev/hello, Lambda
//                              proxy, payload 1.0) on a keep-alive connection: `fogbank_cpp` runs an
//                              in-process C++ handler, `fogbank_node` a Node.js handler in a warm
//                              worker process (the real `node`); the baseline is the same Beast answer
//
// The fogbank run of each pair reports `of_beast`: its throughput over the baseline's measured just
// before it in the same run (1 = as fast as bare Beast; a fan-out's throughput is 1 / its time).
// Numbers in bench/README.md. Its own executable: it links the HTTP front end (Beast).
//
// Set FOGBANK_BENCH_SMOKE=1 (the ctest smoke run does) to leave out the 10,000-client fan-outs (both
// kinds); the smoke run keeps ws_fanout_proc/<server>/1000, so that the client program is exercised.

#include "fogbank/core/encoding.hpp"
#include "fogbank/dispatch/client.hpp"
#include "fogbank/http/server.hpp"
#include "fogbank/lambda/handler.hpp"
#include "fogbank/main/emulator.hpp"
#include "fogbank/workers/worker_host.hpp"

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
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
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
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

// A Node.js handler answering what apigw_bench.hello answers (JSON.stringify gives the same bytes).
constexpr const char* node_hello =
    "exports.handler = async () => ({statusCode: 200, headers: {'content-type': 'application/json'}, "
    "body: JSON.stringify({message: 'hello'})});\n";

struct fogbank_server {
  fogbank_server() {
    root = std::filesystem::temp_directory_path() / ("fogbank-apigw-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(root / "node");
    std::ofstream(root / "node" / "index.js") << node_hello;
    workers::worker_host_options host_options;
    host_options.runtime_dir = root / "runtime";
    host_options.log = [](std::string_view) {};

    emulator_options options;
    options.seed = 1;
    options.runtime_hosts.push_back(workers::make_worker_host(host_options));
    std::string error;
    emu = emulator::open(options, &error);
    if (!emu) throw std::runtime_error("cannot open an emulator in memory: " + error);
    http::server_options server_options;
    server_options.port = 0;
    server_options.threads = server_threads;
    server_options.websocket = &emu->websocket_gateway();
    server_options.http_apis = &emu->http_api_gateway();
    server_options.rest_api = &emu->rest_gateway();
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

    const json rest = must(*emu, "apigateway", "CreateRestApi", {{"name", "bench-rest"}});
    rest_api = rest.value("id", "");
    rest_route(rest.value("rootResourceId", ""), "hello", cpp_function("apigw_bench.hello"));
    rest_route(rest.value("rootResourceId", ""), "hello-node",
               function({{"Runtime", "nodejs20.x"},
                         {"Handler", "index.handler"},
                         {"Code", {{"S3Bucket", "hot-reload"}, {"S3Key", (root / "node").string()}}}}));
    must(*emu, "apigateway", "CreateDeployment", {{"restapi_id", rest_api}, {"stageName", "dev"}});
  }
  ~fogbank_server() {
    server->stop();
    emu.reset();
    std::error_code ignored;
    std::filesystem::remove_all(root, ignored);
  }

  // A new function of `config` (Runtime, Handler, Code); its ARN.
  std::string function(json config) {
    config["FunctionName"] = "bench-" + std::to_string(functions++);
    config["Role"] = "arn:aws:iam::000000000000:role/bench";
    return must(*emu, "lambda", "CreateFunction", config).value("FunctionArn", "");
  }
  std::string cpp_function(const std::string& handler) {
    return function(
        {{"Runtime", "provided.al2023"}, {"Handler", handler}, {"Code", {{"ZipFile", package_base64}}}});
  }
  static std::string invocation_uri(const std::string& arn) {
    return "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + arn + "/invocations";
  }

  void route(const std::string& api, const std::string& key, const std::string& handler, bool two_way) {
    json integration = {{"apiId", api},
                        {"integrationType", "AWS_PROXY"},
                        {"integrationUri", invocation_uri(cpp_function(handler))}};
    if (handler == "apigw_bench.hello") integration["payloadFormatVersion"] = "2.0";
    const std::string integration_id =
        must(*emu, "apigatewayv2", "CreateIntegration", integration).value("integrationId", "");
    json request = {{"apiId", api}, {"routeKey", key}, {"target", "integrations/" + integration_id}};
    if (two_way) request["routeResponseSelectionExpression"] = "$default";
    must(*emu, "apigatewayv2", "CreateRoute", request);
  }

  // GET /<path_part> of the REST API, a Lambda proxy integration of `arn`.
  void rest_route(const std::string& parent, const std::string& path_part, const std::string& arn) {
    const std::string resource =
        must(*emu, "apigateway", "CreateResource",
             {{"restapi_id", rest_api}, {"parent_id", parent}, {"pathPart", path_part}})
            .value("id", "");
    must(*emu, "apigateway", "PutMethod",
         {{"restapi_id", rest_api},
          {"resource_id", resource},
          {"http_method", "GET"},
          {"authorizationType", "NONE"}});
    must(*emu, "apigateway", "PutIntegration",
         {{"restapi_id", rest_api},
          {"resource_id", resource},
          {"http_method", "GET"},
          {"type", "AWS_PROXY"},
          {"httpMethod", "POST"},
          {"uri", invocation_uri(arn)}});
  }

  std::filesystem::path root;  // the Node.js handler's code and the workers' bootstraps
  std::unique_ptr<emulator> emu;
  std::unique_ptr<http::server> server;
  std::string ws_api;
  std::string http_api;
  std::string rest_api;
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

// The fan-out's n clients, connected (with ?record=1) when it is made.
struct client_group {
  client_group(int kind, int n, bool separate) : kind(kind), n(n), separate(separate) {}
  virtual ~client_group() = default;
  // Waits until all n have one more message. False on timeout or failure.
  virtual bool wait_all() = 0;

  int kind;
  int n;
  bool separate;  // in a process of their own
};

// n clients reading on their own io_context thread, counting the messages that reach them.
struct fanout_clients : client_group {
  fanout_clients(int kind, int n) : client_group(kind, n, false) {
    for (int i = 0; i < n; ++i) clients.push_back(open_ws(ioc, kind, /*record=*/true));
    buffers.resize(n);
    for (int i = 0; i < n; ++i) read(i);
    thread = std::thread([this] { ioc.run(); });
  }
  ~fanout_clients() override {
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
  bool wait_all() override {
    std::unique_lock lock(mutex);
    const bool all = done.wait_for(lock, fanout_wait, [this] { return received.load() >= n; });
    received = 0;
    return all;
  }

  net::io_context ioc;
  net::executor_work_guard<net::io_context::executor_type> work = net::make_work_guard(ioc);
  std::vector<std::unique_ptr<ws_client>> clients;
  std::vector<beast::flat_buffer> buffers;
  std::atomic<int> received{0};
  std::mutex mutex;
  std::condition_variable done;
  std::thread thread;
};

// The n clients in a child process, bench/apigw_fanout_clients.cpp, spoken to over two pipes: it
// says "ready" once connected and "done" each time all n have one more message; closing its stdin
// ends it. posix_spawn rather than fork: this process has threads.
struct child_clients : client_group {
  child_clients(int kind, int n) : client_group(kind, n, true) {
    const std::filesystem::path program =
        std::filesystem::read_symlink("/proc/self/exe").parent_path() / "apigw_fanout_clients";
    int to_child[2] = {-1, -1};
    int from_child[2] = {-1, -1};
    if (::pipe2(to_child, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    if (::pipe2(from_child, O_CLOEXEC) != 0) {
      ::close(to_child[0]);
      ::close(to_child[1]);
      throw std::runtime_error("pipe2 failed");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, to_child[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, from_child[1], STDOUT_FILENO);
    const std::string port = std::to_string(port_of(kind));
    const std::string target = ws_target(kind, /*record=*/true);
    const std::string count = std::to_string(n);
    std::vector<char*> args{const_cast<char*>(program.c_str()), const_cast<char*>(port.c_str()),
                            const_cast<char*>(target.c_str()), const_cast<char*>(count.c_str()), nullptr};
    const int spawned = ::posix_spawn(&pid, program.c_str(), &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(to_child[0]);
    ::close(from_child[1]);
    to = to_child[1];
    from = from_child[0];
    if (spawned != 0) {
      pid = -1;
      end(false);
      throw std::runtime_error("cannot start " + program.string() + ": " + std::strerror(spawned));
    }
    // n handshakes, each through $connect on a loaded machine: allow a second per 100 clients.
    const std::string first = next_line(std::chrono::seconds(60 + n / 100));
    if (first != "ready") {
      end(/*stop_now=*/true);  // the destructor does not run when the constructor throws
      throw std::runtime_error("apigw_fanout_clients: " + (first.empty() ? "no answer" : first));
    }
  }
  ~child_clients() override { end(false); }

  // Closes the child's stdin (it then closes its connections and exits) and waits for it; with
  // `stop_now`, a child that may still be connecting, it is killed first.
  void end(bool stop_now) {
    if (to >= 0) ::close(to);
    to = -1;
    if (pid > 0) {
      if (stop_now) ::kill(pid, SIGKILL);
      int status = 0;
      ::waitpid(pid, &status, 0);
      pid = -1;
    }
    if (from >= 0) ::close(from);
    from = -1;
  }
  bool wait_all() override {
    const std::string line = next_line(fanout_wait);
    if (line == "done") return true;
    std::fprintf(stderr, "apigw_fanout_clients: %s\n", line.empty() ? "no answer in time" : line.c_str());
    return false;
  }

  // The child's next line, without its newline; empty on timeout or end of file.
  std::string next_line(std::chrono::milliseconds wait) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (true) {
      if (const std::size_t nl = pending.find('\n'); nl != std::string::npos) {
        std::string line = pending.substr(0, nl);
        pending.erase(0, nl + 1);
        return line;
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return {};
      pollfd p{from, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[256];
      const ssize_t got = ::read(from, chunk, sizeof chunk);
      if (got <= 0) return {};
      pending.append(chunk, static_cast<std::size_t>(got));
    }
  }

  pid_t pid = -1;
  int to = -1;    // the child's stdin
  int from = -1;  // the child's stdout
  std::string pending;
};

// The fan-out's clients, one group at a time (descriptors), kept across the calls Google Benchmark
// makes to settle on an iteration count; the other benchmarks close it first.
std::unique_ptr<client_group> current_group;
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

void ws_fanout(benchmark::State& state, int kind, int n, bool separate) {
  // In one process the clients' sockets and the server's; with the clients apart, the server's.
  const rlim_t needed = (separate ? 1 : 2) * static_cast<rlim_t>(n) + spare_descriptors;
  if (const rlim_t allowed = raise_descriptor_limit(); allowed < needed) {
    const std::string why = "skipped: " + std::to_string(n) + " clients need " + std::to_string(needed) +
                            " file descriptors in this process, RLIMIT_NOFILE allows " +
                            std::to_string(allowed);
    std::printf("%s\n", why.c_str());
    state.SkipWithError(why.c_str());
    return;
  }
  try {
    if (!current_group || current_group->kind != kind || current_group->n != n ||
        current_group->separate != separate) {
      current_group.reset();
      {
        std::lock_guard lock(recorded_mutex);
        recorded_ids.clear();
      }
      if (separate) {
        current_group = std::make_unique<child_clients>(kind, n);
      } else {
        current_group = std::make_unique<fanout_clients>(kind, n);
      }
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
    current_group.reset();
    return false;
  };
  if (!once()) return;  // warm-up, not timed
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    if (!once()) return;
  }
  report(state, std::string(separate ? "ws_fanout_proc/" : "ws_fanout/") + std::to_string(n), kind,
         static_cast<double>(state.iterations()), std::chrono::steady_clock::now() - start);
  state.counters["clients"] = n;
  state.SetItemsProcessed(state.iterations() * n);
}

// ---- (d) HTTP API and (e) REST API requests per second -----------------------------------------

// GET `target` on one keep-alive connection, expecting 200 and http_body; `scenario` names the
// baseline figure the run is compared with.
void keep_alive_get(benchmark::State& state, int kind, const std::string& scenario,
                    const std::string& target) {
  current_group.reset();
  net::io_context ioc;
  try {
    tcp::socket socket(ioc);
    socket.connect({net::ip::make_address("127.0.0.1"), port_of(kind)});
    socket.set_option(tcp::no_delay(true));
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, target, 11};
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
    if (!once()) return;  // warm-up (a Node.js worker's cold start), not timed
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) {
      if (!once()) break;
    }
    report(state, scenario, kind, static_cast<double>(state.iterations()),
           std::chrono::steady_clock::now() - start);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  state.SetItemsProcessed(state.iterations());
}

void http_api(benchmark::State& state, int kind) {
  keep_alive_get(state, kind, "http_api",
                 kind == beast_kind ? "/hello" : "/http/" + the_fogbank().http_api + "/hello");
}

// fogbank: `path` of the REST API's dev stage ("hello": C++ in process, "hello-node": Node.js).
void rest_api(benchmark::State& state, int kind, const std::string& path) {
  keep_alive_get(state, kind, "rest_api",
                 kind == beast_kind ? "/hello" : "/rest/" + the_fogbank().rest_api + "/dev/" + path);
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
  for (const bool separate : {false, true}) {
    for (const int n : {1000, 10000}) {
      if (smoke && n > 1000) continue;
      for (const int kind : {beast_kind, fogbank_kind}) {
        const std::string scenario = separate ? "ws_fanout_proc" : "ws_fanout";
        benchmark::RegisterBenchmark((name(scenario.c_str(), kind) + "/" + std::to_string(n)).c_str(),
                                     ws_fanout, kind, n, separate)
            ->UseRealTime();
      }
    }
  }
  for (const int kind : {beast_kind, fogbank_kind}) {
    benchmark::RegisterBenchmark(name("http_api", kind).c_str(), http_api, kind)->UseRealTime();
  }
  benchmark::RegisterBenchmark("rest_api/beast", rest_api, beast_kind, std::string("hello"))->UseRealTime();
  benchmark::RegisterBenchmark("rest_api/fogbank_cpp", rest_api, fogbank_kind, std::string("hello"))
      ->UseRealTime();
  benchmark::RegisterBenchmark("rest_api/fogbank_node", rest_api, fogbank_kind, std::string("hello-node"))
      ->UseRealTime();
  return true;
}();

}  // namespace
