// The runner's client of a running server (live.hpp): Boost.Beast on one I/O thread, every
// operation asynchronous with a deadline, the calling thread waiting on a future. Shaped after
// Beast's http_client_async and websocket_client_async examples (boost-1.74.0).

#include "live.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace fogbank::scenario {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

// The services that speak AWS's JSON protocol, with their X-Amz-Target prefixes (as the
// emulator's registry rows name them; botocore's models: dynamodb 2012-08-10, sqs's JSON
// protocol). SNS's SDKs speak the query protocol, but fogbank also takes SNS in AWS JSON 1.0
// (README.md, "What SNS does here"), whose input and output are the in-process client's JSON
// shapes, so that a scenario's SNS call reads the same in both modes.
std::optional<std::string> target_prefix(const std::string& service) {
  if (service == "dynamodb") return "DynamoDB_20120810.";
  if (service == "dynamodbstreams") return "DynamoDBStreams_20120810.";
  if (service == "sqs") return "AmazonSQS.";
  if (service == "sns") return "SNS_20100331.";
  return std::nullopt;
}

class ws_client final : public live_socket, public std::enable_shared_from_this<ws_client> {
 public:
  explicit ws_client(net::io_context& ioc) : ws_(net::make_strand(ioc)) {}

  // Connects and handshakes; sets `*outcome`. Runs on the caller's thread, waiting for the I/O one.
  void open(const tcp::endpoint& where, const std::string& host, const std::string& target,
            const std::vector<std::pair<std::string, std::string>>& headers, live_upgrade* outcome) {
    std::promise<beast::error_code> done;
    auto finished = done.get_future();
    auto self = shared_from_this();
    beast::get_lowest_layer(ws_).expires_after(io_bound);
    ws_.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
      for (const auto& [name, value] : headers) {
        if (!beast::iequals(name, "Host")) req.set(name, value);
      }
    }));
    beast::get_lowest_layer(ws_).async_connect(where, [self, &done, host, target](beast::error_code ec) {
      if (ec) return done.set_value(ec);
      self->ws_.async_handshake(self->upgrade_, host, target,
                                [self, &done](beast::error_code shaken) { done.set_value(shaken); });
    });
    const beast::error_code ec = finished.get();
    outcome->status = static_cast<int>(upgrade_.result_int());
    outcome->body = upgrade_.body();
    if (const auto it = upgrade_.find("X-Fogbank-Connection-Id"); it != upgrade_.end())
      outcome->connection_id = std::string(it->value());
    if (ec == websocket::error::upgrade_declined) {
      outcome->accepted = false;
      return;
    }
    if (ec) throw std::runtime_error("WebSocket connect to " + host + target + ": " + ec.message());
    outcome->accepted = true;
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = io_bound;  // also bounds the close handshake
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    ws_.set_option(timeouts);
    net::post(ws_.get_executor(), [self] { self->do_read(); });
  }

  void send(const std::string& text) override {
    auto data = std::make_shared<std::string>(text);
    wait("send", [this, data](std::function<void(beast::error_code)> done) {
      ws_.text(true);
      ws_.async_write(net::buffer(*data),
                      [data, done = std::move(done)](beast::error_code ec, std::size_t) { done(ec); });
    });
  }

  void close(int code) override {
    wait("close", [this, code](std::function<void(beast::error_code)> done) {
      ws_.async_close(websocket::close_reason(static_cast<std::uint16_t>(code)), std::move(done));
    });
  }

  void drop() override {
    wait("drop", [this](std::function<void(beast::error_code)> done) {
      beast::get_lowest_layer(ws_).close();
      done({});
    });
  }

  std::vector<std::string> take_frames(std::size_t count, std::chrono::milliseconds bound) override {
    std::unique_lock lock(mutex_);
    arrived_.wait_for(lock, bound, [&] { return frames_.size() >= count || ended_; });
    return std::exchange(frames_, {});
  }

  std::optional<int> closed_by_server() const override {
    std::lock_guard lock(mutex_);
    return server_close_;
  }

  std::optional<int> wait_closed(std::chrono::milliseconds bound) override {
    std::unique_lock lock(mutex_);
    arrived_.wait_for(lock, bound, [&] { return ended_; });
    return server_close_;
  }

 private:
  // Runs `start(done)` on the stream's strand and waits for `done`, up to io_bound (the stream's
  // own timeouts end a stalled operation first).
  void wait(const std::string& what, std::function<void(std::function<void(beast::error_code)>)> start) {
    auto done = std::make_shared<std::promise<beast::error_code>>();
    auto finished = done->get_future();
    auto self = shared_from_this();
    net::post(ws_.get_executor(), [self, start = std::move(start), done] {
      start([done](beast::error_code ec) { done->set_value(ec); });
    });
    if (finished.wait_for(io_bound + std::chrono::seconds{5}) != std::future_status::ready)
      throw std::runtime_error("WebSocket " + what + ": no answer within " +
                               std::to_string(io_bound.count()) + "s");
    const beast::error_code ec = finished.get();
    // Closing a connection the server has already closed is no failure of the scenario.
    if (ec && ec != websocket::error::closed && ec != net::error::operation_aborted &&
        ec != net::error::not_connected && ec != beast::errc::not_connected)
      throw std::runtime_error("WebSocket " + what + ": " + ec.message());
  }

  void do_read() {
    ws_.async_read(buffer_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    std::lock_guard lock(mutex_);
    if (ec) {
      if (ec == websocket::error::closed) server_close_ = ws_.reason().code;
      ended_ = true;
      arrived_.notify_all();
      return;
    }
    frames_.push_back(beast::buffers_to_string(buffer_.data()));
    buffer_.consume(buffer_.size());
    arrived_.notify_all();
    do_read();
  }

  websocket::stream<beast::tcp_stream> ws_;
  websocket::response_type upgrade_;
  beast::flat_buffer buffer_;
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<std::string> frames_;
  std::optional<int> server_close_;
  bool ended_ = false;
};

}  // namespace

struct live_endpoint::impl {
  net::io_context ioc;
  net::executor_work_guard<net::io_context::executor_type> work = net::make_work_guard(ioc);
  std::thread thread;
  tcp::endpoint where;
  std::string host_port;

  ~impl() {
    work.reset();
    ioc.stop();
    if (thread.joinable()) thread.join();
  }
};

live_endpoint::live_endpoint(const std::string& url) : impl_(std::make_unique<impl>()) {
  constexpr std::string_view scheme = "http://";
  std::string rest = url.substr(0, scheme.size()) == scheme ? url.substr(scheme.size()) : std::string();
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  const auto colon = rest.rfind(':');
  if (rest.empty() || rest.find('/') != std::string::npos || colon == std::string::npos || colon == 0 ||
      colon + 1 == rest.size()) {
    throw std::runtime_error("--endpoint: expected http://HOST:PORT, found '" + url + "'");
  }
  std::string host = rest.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  tcp::resolver resolver(impl_->ioc);
  beast::error_code ec;
  const auto found = resolver.resolve(host, rest.substr(colon + 1), ec);
  if (ec || found.empty())
    throw std::runtime_error("--endpoint: cannot resolve " + rest + ": " + ec.message());
  impl_->where = found.begin()->endpoint();
  impl_->host_port = rest;
  impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

live_endpoint::~live_endpoint() = default;

const std::string& live_endpoint::host_port() const noexcept {
  return impl_->host_port;
}

std::pair<int, std::string> live_endpoint::request(
    const std::string& method, const std::string& target,
    const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body,
    std::vector<std::pair<std::string, std::string>>* response_headers) {
  struct exchange {
    explicit exchange(net::io_context& ioc) : stream(net::make_strand(ioc)) {}
    beast::tcp_stream stream;
    bhttp::request<bhttp::string_body> req;
    bhttp::response<bhttp::string_body> res;
    beast::flat_buffer buffer;
    std::promise<beast::error_code> done;
  };
  auto x = std::make_shared<exchange>(impl_->ioc);
  x->req.method(bhttp::string_to_verb(method));
  x->req.target(target);
  x->req.version(11);
  x->req.set(bhttp::field::host, impl_->host_port);
  for (const auto& [name, value] : headers) x->req.set(name, value);
  x->req.body() = body;
  x->req.prepare_payload();
  auto finished = x->done.get_future();
  x->stream.expires_after(io_bound);
  x->stream.async_connect(impl_->where, [x](beast::error_code ec) {
    if (ec) return x->done.set_value(ec);
    bhttp::async_write(x->stream, x->req, [x](beast::error_code written, std::size_t) {
      if (written) return x->done.set_value(written);
      bhttp::async_read(x->stream, x->buffer, x->res, [x](beast::error_code read, std::size_t) {
        beast::error_code ignored;
        x->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        x->done.set_value(read);
      });
    });
  });
  if (const beast::error_code ec = finished.get()) {
    throw std::runtime_error(method + " " + target + " on " + impl_->host_port + ": " + ec.message());
  }
  if (response_headers != nullptr) {
    for (const auto& field : x->res)
      response_headers->emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  return {static_cast<int>(x->res.result_int()), x->res.body()};
}

json live_endpoint::get_json(const std::string& target) {
  const auto [status, body] = request("GET", target, {}, "");
  json parsed = json::parse(body, nullptr, false);
  if (status != 200 || !parsed.is_object()) {
    throw std::runtime_error("GET " + target + " on " + impl_->host_port + " answered " +
                             std::to_string(status) + ": " + body.substr(0, 200) +
                             " (is it a fogbank server?)");
  }
  return parsed;
}

live_call_result live_endpoint::call(const std::string& service, const std::string& action,
                                     const json& input) {
  const auto prefix = target_prefix(service);
  if (!prefix) {
    throw std::runtime_error(
        "with --endpoint, call steps reach only the services of AWS's JSON protocol "
        "(dynamodb, dynamodbstreams, sqs, sns), not " +
        service);
  }
  const auto [status, text] =
      request("POST", "/",
              {{"Content-Type", "application/x-amz-json-1.0"},
               {"X-Amz-Target", *prefix + action},
               {"X-Amz-Date", "20240101T000000Z"},
               // SigV4's shape, unchecked by fogbank: the region is what matters.
               {"Authorization", "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/" + service +
                                     "/aws4_request, SignedHeaders=host, Signature=0"}},
              input.dump());
  live_call_result out;
  out.status = status;
  out.body = text.empty() ? json::object() : json::parse(text, nullptr, false);
  if (out.body.is_discarded()) out.body = json(text);
  if (status >= 300) {
    const std::string type = out.body.is_object() ? out.body.value("__type", "") : "";
    out.error_type = type.substr(type.find('#') == std::string::npos ? 0 : type.find('#') + 1);
    if (out.error_type.empty()) out.error_type = "HTTP " + std::to_string(status);
    if (out.body.is_object()) out.error_message = out.body.value("message", out.body.value("Message", ""));
  }
  return out;
}

std::shared_ptr<live_socket> live_endpoint::connect(
    const std::string& target, const std::vector<std::pair<std::string, std::string>>& headers,
    live_upgrade* outcome) {
  std::string host = impl_->host_port;
  for (const auto& [name, value] : headers) {
    if (beast::iequals(name, "Host")) host = value;
  }
  auto client = std::make_shared<ws_client>(impl_->ioc);
  client->open(impl_->where, host, target, headers, outcome);
  if (!outcome->accepted) return nullptr;
  return client;
}

}  // namespace fogbank::scenario
