// The virtual users: each a small state machine on the one io_context (Boost.Beast's async
// client examples, boost-1.74.0, shaped as a session per user), so that thousands of users cost
// sockets and a few kilobytes each, not threads. Every step is bounded by a watchdog
// (step_bound); a failed step ends the user's iteration, as a failed step ends a scenario.

#include "engine.hpp"

#include "api_request.hpp"
#include "fogbank/core/encoding.hpp"
#include "fogbank/template/loader.hpp"
#include "match.hpp"
#include "pacer.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>
#include <stdexcept>
#include <variant>

namespace fogbank::load {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
// A load run measures on the monotonic clock: latencies, not service time (the emulator's
// core::clock is the service's notion of now, which a load run must not move or read).
using steady = std::chrono::steady_clock;

std::uint64_t micros_between(steady::time_point from, steady::time_point to) {
  return static_cast<std::uint64_t>(
      std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::microseconds>(to - from).count()));
}

std::string scalar_text(const json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

// The services of AWS's JSON protocol, as emulator/scenario/src/live.cpp names them.
std::optional<std::string> target_prefix(const std::string& service) {
  if (service == "dynamodb") return "DynamoDB_20120810.";
  if (service == "dynamodbstreams") return "DynamoDBStreams_20120810.";
  if (service == "sqs") return "AmazonSQS.";
  return std::nullopt;
}

// A request step's query: a map URL-encoded in order (a list repeats the name) or raw text, as
// emulator/scenario/src/api_request.cpp sends it.
std::string query_text(const json& query) {
  if (query.is_string()) return query.get<std::string>();
  std::string out;
  for (const auto& [key, value] : query.items()) {
    const json values = value.is_array() ? value : json::array({value});
    for (const json& one : values)
      out += (out.empty() ? "" : "&") + core::url_encode(key) + "=" + core::url_encode(scalar_text(one));
  }
  return out;
}

std::string error_text(const beast::error_code& ec) {
  if (ec == beast::error::timeout) return "timeout";
  return ec.message();
}

class ws_client;

struct shared_state {
  explicit shared_state(recorder& r) : rec(r) {}
  net::io_context ioc{1};
  tcp::endpoint where;
  std::string host_port;
  std::vector<const scenario::step*> steps;
  std::map<std::string, json> captures;             // Outputs and Ref.X
  std::map<std::string, std::string> physical_ids;  // logical id -> physical id
  std::set<std::string> http_apis;                  // physical ids of HTTP APIs (not REST APIs)
  std::optional<pacer> pace;                        // --rate
  recorder& rec;
  steady::time_point start = steady::now();
  std::optional<steady::time_point> deadline;
  std::optional<std::uint64_t> iterations;
  std::vector<steady::time_point> causes;
  std::set<const ws_client*> listening;  // clients connected or connecting, for first_unanswered()
  std::uint32_t active_users = 0;
  std::function<void()> all_done;  // when the last user ends

  double seconds(steady::time_point at) const { return std::chrono::duration<double>(at - start).count(); }
  void cause() {
    if (causes.size() < max_causes) causes.push_back(steady::now());
  }
  // The oldest cause some connected client has not had its frame for yet: a new client joins
  // there, since a handler still working through older causes (a stream's backlog) posts their
  // frames to it too.
  std::size_t first_unanswered() const;
};

// One HTTP/1.1 connection, kept alive between requests.
class http_conn : public std::enable_shared_from_this<http_conn> {
 public:
  using callback = std::function<void(beast::error_code, int status, std::string body)>;
  explicit http_conn(shared_state& s) : s_(s), stream_(s.ioc) {}

  void request(const std::string& method, const std::string& target,
               std::vector<std::pair<std::string, std::string>> headers, std::string body, callback done) {
    req_ = {};
    req_.method(bhttp::string_to_verb(method));
    req_.target(target);
    req_.version(11);
    req_.set(bhttp::field::host, s_.host_port);
    for (const auto& [name, value] : headers) req_.set(name, value);
    req_.body() = std::move(body);
    req_.prepare_payload();
    req_.keep_alive(true);
    done_ = std::move(done);
    retried_ = false;
    start();
  }

  // The last response's headers, valid in the callback.
  std::vector<std::pair<std::string, std::string>> response_headers() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& field : res_)
      out.emplace_back(std::string(field.name_string()), std::string(field.value()));
    return out;
  }

  void abort() {
    beast::error_code ignored;
    stream_.socket().close(ignored);
    connected_ = false;
  }

 private:
  void start() {
    stream_.expires_after(step_bound);
    if (connected_) return write();
    stream_.async_connect(s_.where, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->finish(ec);
      self->connected_ = true;
      self->fresh_ = true;
      self->write();
    });
  }

  void write() {
    bhttp::async_write(stream_, req_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->retry_or_finish(ec);
      self->res_ = {};
      self->buffer_.clear();
      bhttp::async_read(self->stream_, self->buffer_, self->res_,
                        [self](beast::error_code read, std::size_t) {
                          if (read) return self->retry_or_finish(read);
                          self->fresh_ = false;
                          if (!self->res_.keep_alive()) self->abort();
                          self->finish({});
                        });
    });
  }

  // A kept-alive connection the server closed meanwhile fails on first use: once on a new one.
  void retry_or_finish(beast::error_code ec) {
    abort();
    if (!fresh_ && !retried_ && ec != beast::error::timeout) {
      retried_ = true;
      return start();
    }
    finish(ec);
  }

  void finish(beast::error_code ec) {
    if (ec) abort();
    stream_.expires_never();
    auto done = std::exchange(done_, nullptr);
    if (done) done(ec, ec ? 0 : static_cast<int>(res_.result_int()), ec ? std::string() : res_.body());
  }

  shared_state& s_;
  beast::tcp_stream stream_;
  bhttp::request<bhttp::string_body> req_;
  bhttp::response<bhttp::string_body> res_;
  beast::flat_buffer buffer_;
  callback done_;
  bool connected_ = false;
  bool fresh_ = false;
  bool retried_ = false;
};

// One WebSocket client of a user. Its frames are attributed, in order, to the causes (connects,
// sends, disconnects of any user) from the oldest one still unanswered when it connected: exact
// for handlers that send one frame per cause to each connected client in the order of the causes
// (the visitor counter's count, a broadcast); frames beyond that are counted as unattributed.
class ws_client : public std::enable_shared_from_this<ws_client> {
 public:
  // Listening from the start: the $connect of a client still connecting may already cause frames.
  explicit ws_client(shared_state& s) : s_(s), ws_(s.ioc), cursor_(s.first_unanswered()) {
    s_.listening.insert(this);
  }
  ~ws_client() { s_.listening.erase(this); }
  std::size_t cursor() const noexcept { return cursor_; }

  using connected = std::function<void(beast::error_code, int status, std::string connection_id)>;
  void connect(const std::string& host, const std::string& target,
               std::vector<std::pair<std::string, std::string>> headers, connected done) {
    ws_.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
      for (const auto& [name, value] : headers) {
        if (!beast::iequals(name, "Host")) req.set(name, value);
      }
    }));
    beast::get_lowest_layer(ws_).expires_after(step_bound);
    beast::get_lowest_layer(ws_).async_connect(
        s_.where, [self = shared_from_this(), host, target, done](beast::error_code ec) {
          if (ec) {
            self->s_.listening.erase(self.get());
            return done(ec, 0, "");
          }
          self->ws_.async_handshake(self->upgrade_, host, target, [self, done](beast::error_code shaken) {
            const int status = static_cast<int>(self->upgrade_.result_int());
            std::string id;
            if (const auto it = self->upgrade_.find("X-Fogbank-Connection-Id"); it != self->upgrade_.end())
              id = std::string(it->value());
            if (shaken) {
              self->s_.listening.erase(self.get());
              return done(shaken, status, id);
            }
            beast::get_lowest_layer(self->ws_).expires_never();
            websocket::stream_base::timeout timeouts{};
            timeouts.handshake_timeout = step_bound;  // also bounds the close handshake
            timeouts.idle_timeout = websocket::stream_base::none();
            timeouts.keep_alive_pings = false;
            self->ws_.set_option(timeouts);
            self->open_ = true;
            self->do_read();
            done({}, status, id);
          });
        });
  }

  void send(const std::string& text, std::function<void(beast::error_code)> done) {
    auto data = std::make_shared<std::string>(text);
    ws_.text(true);
    ws_.async_write(net::buffer(*data),
                    [self = shared_from_this(), data, done](beast::error_code ec, std::size_t) { done(ec); });
  }

  void close(int code, std::function<void(beast::error_code)> done) {
    open_ = false;
    s_.listening.erase(this);
    ws_.async_close(websocket::close_reason(static_cast<std::uint16_t>(code)),
                    [self = shared_from_this(), done](beast::error_code ec) { done(ec); });
  }

  void drop() {
    open_ = false;
    s_.listening.erase(this);
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  bool open() const noexcept { return open_ && !ended_; }

 private:
  void do_read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        self->ended_ = true;
        self->s_.listening.erase(self.get());
        return;
      }
      const auto now = steady::now();
      // An error frame answers this client's own send (its route's invocation failed or was
      // throttled): that send failed, though its frame was written. It is no frame a handler
      // caused, so it is not attributed.
      const auto error = self->error_frame();
      self->buffer_.consume(self->buffer_.size());
      if (error) {
        self->s_.rec.failed_later("send", *error, self->s_.seconds(now));
      } else if (self->cursor_ < self->s_.causes.size()) {
        self->s_.rec.frame(micros_between(self->s_.causes[self->cursor_++], now), self->s_.seconds(now));
      } else {
        self->s_.rec.unattributed_frame();
      }
      self->do_read();
    });
  }

  // The frame in buffer_ as API Gateway's error frame, if it is one. Only a short text frame that
  // begins like one is looked at: fan-outs read hundreds of thousands of frames.
  std::optional<std::string> error_frame() const {
    constexpr std::string_view start = "{\"message\"";
    constexpr std::size_t longest = 512;  // the message, two ids and the punctuation
    const std::size_t size = buffer_.size();
    if (!ws_.got_text() || size < start.size() || size > longest) return std::nullopt;
    const std::string text = beast::buffers_to_string(buffer_.data());
    if (!text.starts_with(start)) return std::nullopt;
    return gateway_error_of(text);
  }

  shared_state& s_;
  websocket::stream<beast::tcp_stream> ws_;
  websocket::response_type upgrade_;
  beast::flat_buffer buffer_;
  std::size_t cursor_;
  bool open_ = false;
  bool ended_ = false;
};

std::size_t shared_state::first_unanswered() const {
  std::size_t first = causes.size();
  for (const ws_client* client : listening) first = std::min(first, client->cursor());
  return first;
}

class virtual_user : public std::enable_shared_from_this<virtual_user> {
 public:
  virtual_user(shared_state& s, std::uint32_t index)
      : s_(s), index_(index), watchdog_(s.ioc), pause_(s.ioc), http_(std::make_shared<http_conn>(s)) {}

  void start() {
    ++s_.active_users;
    start_iteration();
  }

 private:
  void start_iteration() {
    captures_ = s_.captures;
    captures_["vu"] = index_;
    captures_["iteration"] = iteration_;
    step_ = 0;
    run_step();
  }

  void run_step() {
    if (step_ == s_.steps.size()) return end_iteration();
    const scenario::step& st = *s_.steps[step_];
    // --rate: a request waits for its slot (think time does not); the watchdog starts after it.
    if (s_.pace && !paced_ && !std::holds_alternative<scenario::advance_step>(st.action)) {
      const auto now = steady::now();
      const auto slot = s_.pace->next(now);
      if (slot > now) {
        paced_ = true;
        pause_.expires_at(slot);
        pause_.async_wait([self = shared_from_this()](beast::error_code) { self->run_step(); });
        return;
      }
    }
    paced_ = false;
    const std::uint64_t gen = ++generation_;
    started_ = steady::now();
    watchdog_.expires_after(step_bound + std::chrono::seconds{5});
    watchdog_.async_wait([self = shared_from_this(), gen](beast::error_code ec) {
      if (ec || gen != self->generation_) return;
      self->abort_sockets();
      self->complete(gen, self->kind_, false, "timeout (" + std::to_string(step_bound.count()) + "s)", {});
    });
    try {
      std::visit([&](const auto& action) { this->begin(gen, action); }, st.action);
    } catch (const std::exception& e) {
      // A {{capture}} that is not there, a value that does not fit: the step fails.
      complete(gen, kind_.empty() ? st.kind : kind_, false, e.what(), {});
    }
  }

  void begin(std::uint64_t gen, const scenario::connect_step& c) {
    kind_ = "connect";
    std::string query;
    const json q = scenario::substitute(c.query, captures_);
    if (q.is_string()) {
      query = q.get<std::string>();
    } else {
      for (const auto& [key, value] : q.items())
        query +=
            (query.empty() ? "" : "&") + core::url_encode(key) + "=" + core::url_encode(scalar_text(value));
    }
    const std::string api = resolve(scenario::substitute(c.api, captures_));
    const std::string target = "/ws/" + core::url_encode(api) + "/" +
                               core::url_encode(scenario::substitute(c.stage, captures_)) +
                               (query.empty() ? "" : "?" + query);
    std::vector<std::pair<std::string, std::string>> headers;
    std::string host = s_.host_port;
    const json given = scenario::substitute(c.headers, captures_);
    for (const auto& [key, value] : given.items()) {
      if (beast::iequals(key, "Host")) host = scalar_text(value);
      headers.emplace_back(key, scalar_text(value));
    }
    const std::string name = c.client;
    if (const auto old = clients_.find(name); old != clients_.end()) old->second->drop();
    auto client = std::make_shared<ws_client>(s_);
    clients_[name] = client;
    s_.cause();
    const int expect_status = c.expect_status;
    client->connect(host, target, std::move(headers),
                    [self = shared_from_this(), gen, expect_status, name](beast::error_code ec, int status,
                                                                          std::string id) {
                      const bool expect_accept = expect_status >= 200 && expect_status < 300;
                      const json result = {{"connection_id", id}, {"status", status}, {"accepted", !ec}};
                      if (!ec) {
                        if (expect_accept) return self->complete(gen, "connect", true, "", result);
                        return self->complete(gen, "connect", false,
                                              "accepted, expected " + std::to_string(expect_status), result);
                      }
                      self->clients_.erase(name);
                      if (ec == websocket::error::upgrade_declined) {
                        if (!expect_accept && status == expect_status)
                          return self->complete(gen, "connect", true, "", result);
                        return self->complete(gen, "connect", false, "refused with " + std::to_string(status),
                                              result);
                      }
                      self->complete(gen, "connect", false, error_text(ec), result);
                    });
  }

  void begin(std::uint64_t gen, const scenario::send_step& send) {
    kind_ = "send";
    const auto client = open_client(send.client);
    const json message = scenario::substitute(send.message, captures_);
    s_.cause();
    client->send(message.is_string() ? message.get<std::string>() : message.dump(),
                 [self = shared_from_this(), gen](beast::error_code ec) {
                   self->complete(gen, "send", !ec, ec ? error_text(ec) : "", json::object());
                 });
  }

  void begin(std::uint64_t gen, const scenario::close_step& close) {
    kind_ = close.drop ? "drop" : "disconnect";
    const auto client = open_client(close.client);
    clients_.erase(close.client);
    s_.cause();
    if (close.drop) {
      client->drop();
      return complete(gen, "drop", true, "", json::object());
    }
    client->close(close.code, [self = shared_from_this(), gen](beast::error_code ec) {
      // The server closing first (a handler's DeleteConnection) is a completed close too.
      const bool ok = !ec || ec == websocket::error::closed;
      self->complete(gen, "disconnect", ok, ok ? "" : error_text(ec), json::object());
    });
  }

  void begin(std::uint64_t gen, const scenario::call_step& call) {
    kind_ = "call " + call.service + "." + call.action;
    const std::string prefix = target_prefix(call.service).value();  // checked before the run
    const json input = scenario::substitute(call.input, captures_);
    std::optional<std::string> expected_error;
    if (call.expect_error) {
      const json expected = scenario::substitute(*call.expect_error, captures_);
      expected_error = expected.is_string() ? expected.get<std::string>() : expected.value("type", "");
    }
    http_->request("POST", "/",
                   {{"Content-Type", "application/x-amz-json-1.0"},
                    {"X-Amz-Target", prefix + call.action},
                    {"X-Amz-Date", "20240101T000000Z"},
                    {"Authorization", "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/" + call.service +
                                          "/aws4_request, SignedHeaders=host, Signature=0"}},
                   input.dump(),
                   [self = shared_from_this(), gen, kind = kind_, expected_error](
                       beast::error_code ec, int status, std::string text) {
                     if (ec) return self->complete(gen, kind, false, error_text(ec), {});
                     json body = text.empty() ? json::object() : json::parse(text, nullptr, false);
                     if (status < 300) {
                       if (expected_error)
                         return self->complete(gen, kind, false, "succeeded, expected " + *expected_error,
                                               body);
                       return self->complete(gen, kind, true, "", body);
                     }
                     std::string type = body.is_object() ? body.value("__type", "") : "";
                     type = type.substr(type.find('#') == std::string::npos ? 0 : type.find('#') + 1);
                     if (type.empty()) type = "HTTP " + std::to_string(status);
                     if (expected_error && type == *expected_error)
                       return self->complete(gen, kind, true, "", body);
                     self->complete(gen, kind, false, type, body);
                   });
  }

  // A request to a REST API or an HTTP API on the user's kept-alive connection, to the paths
  // `fogbank serve` routes them on (as `fogbank run --endpoint` sends them). Only the status is
  // checked (`expect.status`, else any 2xx): under load, other users change what a body holds.
  void begin(std::uint64_t gen, const scenario::request_step& r) {
    kind_ = "request " + r.method + " " + r.path;
    const std::string api_id = resolve(scenario::substitute(r.api, captures_));
    const std::string stage = scenario::substitute(r.stage, captures_);
    const std::string path = scenario::substitute(r.path, captures_);
    const std::string query = query_text(scenario::substitute(r.query, captures_));
    const bool http_api = s_.http_apis.contains(api_id);
    if (!http_api && stage.empty())
      throw std::runtime_error("a request to the REST API " + api_id + " needs a stage");
    std::vector<std::pair<std::string, std::string>> headers;
    bool has_type = false;
    const json given = scenario::substitute(r.headers, captures_);  // items() refers to it
    for (const auto& [name, value] : given.items()) {
      has_type = has_type || beast::iequals(name, "Content-Type");
      headers.emplace_back(name, scalar_text(value));
    }
    std::string body;
    if (r.body) {
      const json value = scenario::substitute(*r.body, captures_);
      body = value.is_string() ? value.get<std::string>() : value.dump();
      if (!value.is_string() && !has_type) headers.emplace_back("Content-Type", "application/json");
    }
    const std::string target =
        (http_api ? "/http/" + core::url_encode(api_id) + (stage.empty() ? "" : "/" + stage) + path
                  : "/rest/" + core::url_encode(api_id) + "/" + core::url_encode(stage) + path) +
        (query.empty() ? "" : "?" + query);
    const std::optional<int> expected = r.expect.status;
    http_->request(r.method, target, std::move(headers), std::move(body),
                   [self = shared_from_this(), gen, kind = kind_, expected](beast::error_code ec, int status,
                                                                            std::string text) {
                     if (ec) return self->complete(gen, kind, false, error_text(ec), {});
                     const bool ok = expected ? status == *expected : status >= 200 && status < 300;
                     const json result =
                         scenario::response_value(status, self->http_->response_headers(), text);
                     self->complete(gen, kind, ok, ok ? "" : "HTTP " + std::to_string(status), result);
                   });
  }

  void begin(std::uint64_t gen, const scenario::advance_step& advance) {
    kind_ = "advance";
    pause_.expires_after(std::min<std::chrono::nanoseconds>(advance.by, longest_advance));
    pause_.async_wait([self = shared_from_this(), gen](beast::error_code) {
      self->complete(gen, "advance", true, "", json::object());
    });
  }

  // Filtered out before the run (engine.cpp's runnable()).
  template <class other>
  void begin(std::uint64_t gen, const other&) {
    complete(gen, "skipped", true, "", json::object());
  }

  std::shared_ptr<ws_client> open_client(const std::string& name) {
    const auto it = clients_.find(name);
    if (it == clients_.end() || !it->second->open()) throw std::runtime_error("client not connected");
    return it->second;
  }

  std::string resolve(const std::string& name) const {
    const auto it = s_.physical_ids.find(name);
    return it == s_.physical_ids.end() ? name : it->second;
  }

  void abort_sockets() {
    for (auto& [name, client] : clients_) client->drop();
    http_->abort();
  }

  void complete(std::uint64_t gen, const std::string& kind, bool ok, const std::string& error,
                const json& result) {
    if (gen != generation_) return;
    ++generation_;
    watchdog_.cancel();
    const auto now = steady::now();
    if (ok) {
      const scenario::step& st = *s_.steps[step_];
      std::string capture_error;
      for (const auto& [name, pointer] : st.captures) {
        try {
          captures_[name] = result.at(json::json_pointer(pointer));
        } catch (const json::exception&) {
          capture_error = "capture " + name + ": no " + pointer + " in the result";
        }
      }
      if (capture_error.empty()) {
        if (kind != "advance") s_.rec.success(kind, micros_between(started_, now), s_.seconds(now));
        ++step_;
        net::post(s_.ioc, [self = shared_from_this()] { self->run_step(); });
        return;
      }
      s_.rec.failure(kind, capture_error, s_.seconds(now));
    } else {
      s_.rec.failure(kind, error, s_.seconds(now));
    }
    net::post(s_.ioc, [self = shared_from_this()] { self->end_iteration(); });
  }

  // Closes what the iteration left open (unmeasured), then starts the next one or ends.
  void end_iteration() {
    std::vector<std::shared_ptr<ws_client>> open;
    for (auto& [name, client] : clients_) {
      if (client->open()) {
        open.push_back(client);
      } else {
        client->drop();
      }
    }
    clients_.clear();
    auto pending = std::make_shared<std::size_t>(open.size());
    auto next = [self = shared_from_this(), pending](beast::error_code) {
      if (--*pending == 0) self->next_iteration();
    };
    if (open.empty()) return next_iteration();
    for (auto& client : open) client->close(1000, next);
  }

  void next_iteration() {
    ++iteration_;
    const bool more = s_.iterations ? iteration_ < *s_.iterations : steady::now() < *s_.deadline;
    if (more) return start_iteration();
    http_->abort();
    if (--s_.active_users == 0 && s_.all_done) s_.all_done();
  }

  shared_state& s_;
  std::uint32_t index_;
  std::uint64_t iteration_ = 0;
  std::size_t step_ = 0;
  std::uint64_t generation_ = 0;
  bool paced_ = false;  // this step has had its --rate slot
  std::string kind_;
  steady::time_point started_;
  net::steady_timer watchdog_;
  net::steady_timer pause_;
  std::shared_ptr<http_conn> http_;
  std::map<std::string, json> captures_;
  std::map<std::string, std::shared_ptr<ws_client>> clients_;
};

// Runs `request` on the io_context until it completes (before the users start).
std::pair<int, std::string> blocking(shared_state& s, const std::string& method, const std::string& target,
                                     std::vector<std::pair<std::string, std::string>> headers,
                                     const std::string& body) {
  auto conn = std::make_shared<http_conn>(s);
  beast::error_code error;
  std::pair<int, std::string> out;
  conn->request(method, target, std::move(headers), body,
                [&](beast::error_code ec, int status, std::string text) {
                  error = ec;
                  out = {status, std::move(text)};
                });
  s.ioc.run();
  s.ioc.restart();
  conn->abort();
  if (error)
    throw std::runtime_error(method + " " + target + " on " + s.host_port + ": " + error_text(error));
  return out;
}

// GET /_fogbank/lambda/metrics: {"<region>/<name>": {"Invocations", "Throttles"}}, or null from
// a server that has no such page or cannot be reached (the run is reported without it).
json lambda_metrics(shared_state& s) {
  try {
    const auto [status, text] = blocking(s, "GET", "/_fogbank/lambda/metrics", {}, "");
    const json parsed = json::parse(text, nullptr, false);
    if (status != 200 || !parsed.is_object() || !parsed.contains("functions")) return nullptr;
    return parsed.at("functions");
  } catch (const std::exception&) {
    return nullptr;
  }
}

// What changed from `before` to `after` (lambda_metrics()), per function name, for the functions
// that were invoked or throttled in between.
json lambda_counts_between(const json& before, const json& after) {
  json out = json::object();
  if (!after.is_object()) return out;
  const auto count = [](const json& all, const std::string& function, const char* name) {
    if (!all.is_object() || !all.contains(function)) return std::uint64_t{0};
    return all.at(function).value(name, std::uint64_t{0});
  };
  for (const auto& [function, counts] : after.items()) {
    const std::uint64_t invocations =
        count(after, function, "Invocations") - count(before, function, "Invocations");
    const std::uint64_t throttles =
        count(after, function, "Throttles") - count(before, function, "Throttles");
    if (invocations == 0 && throttles == 0) continue;
    const auto slash = function.find('/');
    out[slash == std::string::npos ? function : function.substr(slash + 1)] = {{"invocations", invocations},
                                                                               {"throttles", throttles}};
  }
  return out;
}

void resolve_stacks(shared_state& s, const scenario::scenario& sc, const std::string& endpoint) {
  if (sc.templates.empty()) return;
  const auto [status, text] = blocking(s, "GET", "/_fogbank/stacks", {}, "");
  const json parsed = json::parse(text, nullptr, false);
  if (status != 200 || !parsed.is_object())
    throw std::runtime_error("GET /_fogbank/stacks on " + s.host_port + " answered " +
                             std::to_string(status) + " (is it a fogbank server?)");
  const json loaded = parsed.value("stacks", json::array());
  for (const auto& file : sc.templates) {
    const std::string name = templates::read_template(file).default_stack_name();
    const auto stack = std::find_if(loaded.begin(), loaded.end(),
                                    [&](const json& st) { return st.value("name", "") == name; });
    if (stack == loaded.end()) {
      throw std::runtime_error("the server at " + endpoint + " has no stack '" + name +
                               "': start it with `fogbank serve --template " + file.string() + "`");
    }
    for (const json& resource : stack->value("resources", json::array())) {
      const std::string id = resource.value("physical_id", "");
      if (id.empty()) continue;
      const std::string type = resource.value("type", "");
      if (type == "AWS::Serverless::HttpApi" || type == "AWS::ApiGatewayV2::Api") s.http_apis.insert(id);
      s.physical_ids[resource.value("logical_id", "")] = id;
      s.captures["Ref." + resource.value("logical_id", "")] = id;
    }
    const json outputs = stack->value("outputs", json::object());
    for (const auto& [output, value] : outputs.items()) s.captures[output] = value;
  }
}

void load_data(shared_state& s, const scenario::scenario& sc) {
  for (const scenario::fixture_data& data : sc.data) {
    std::string table = scenario::substitute(data.table, s.captures);
    if (const auto it = s.physical_ids.find(table); it != s.physical_ids.end()) table = it->second;
    for (const json& item : data.items) {
      const auto converted = scenario::to_dynamodb_item(scenario::substitute(item, s.captures), data.format);
      const json input = {{"TableName", table}, {"Item", converted.value_or(json::object())}};
      const auto [status, text] = blocking(
          s, "POST", "/",
          {{"Content-Type", "application/x-amz-json-1.0"},
           {"X-Amz-Target", "DynamoDB_20120810.PutItem"},
           // SigV4 needs a date with its Authorization (fogbank checks the header's shape).
           {"X-Amz-Date", "20240101T000000Z"},
           {"Authorization",
            "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, "
            "Signature=0"}},
          input.dump());
      if (status != 200)
        throw std::runtime_error("data at " + data.where.str() + ": PutItem into " + table + " answered " +
                                 std::to_string(status) + ": " + text.substr(0, 300));
    }
  }
}

class progress_printer : public std::enable_shared_from_this<progress_printer> {
 public:
  progress_printer(shared_state& s, std::ostream& out, bool in_place)
      : s_(s), out_(out), in_place_(in_place), timer_(s.ioc) {}

  void start() { schedule(); }
  void finish() {
    timer_.cancel();
    print(true);
  }

  void print(bool final_line) {
    const auto now = steady::now();
    const double elapsed = s_.seconds(now);
    const double interval = std::chrono::duration<double>(now - last_at_).count();
    const double rate = interval > 0 ? static_cast<double>(s_.rec.requests() - last_requests_) / interval : 0;
    last_at_ = now;
    last_requests_ = s_.rec.requests();
    char line[200];
    std::snprintf(line, sizeof line, "%7.1fs  %9.1f req/s  p99 %9s  errors %llu  users %u", elapsed, rate,
                  format_micros(s_.rec.all_latency().percentile(99)).c_str(),
                  static_cast<unsigned long long>(s_.rec.errors()), s_.active_users);
    if (in_place_) {
      out_ << "\r" << line << "    " << (final_line ? "\n" : "") << std::flush;
    } else {
      out_ << line << "\n" << std::flush;
    }
  }

 private:
  void schedule() {
    timer_.expires_after(in_place_ ? std::chrono::milliseconds{250} : std::chrono::milliseconds{5000});
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;
      self->print(false);
      self->schedule();
    });
  }

  shared_state& s_;
  std::ostream& out_;
  bool in_place_;
  net::steady_timer timer_;
  steady::time_point last_at_ = steady::now();
  std::uint64_t last_requests_ = 0;
};

bool runnable(const scenario::step& st) {
  return std::holds_alternative<scenario::connect_step>(st.action) ||
         std::holds_alternative<scenario::send_step>(st.action) ||
         std::holds_alternative<scenario::close_step>(st.action) ||
         std::holds_alternative<scenario::call_step>(st.action) ||
         std::holds_alternative<scenario::request_step>(st.action) ||
         std::holds_alternative<scenario::advance_step>(st.action);
}

}  // namespace

double run_engine(const scenario::scenario& sc, const engine_options& options, recorder& results,
                  std::ostream& progress, std::vector<std::string>* skipped) {
  shared_state s(results);
  constexpr std::string_view scheme = "http://";
  std::string rest = options.endpoint.starts_with(scheme) ? options.endpoint.substr(scheme.size()) : "";
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  const auto colon = rest.rfind(':');
  if (rest.empty() || rest.find('/') != std::string::npos || colon == std::string::npos || colon == 0)
    throw std::runtime_error("--endpoint: expected http://HOST:PORT, found '" + options.endpoint + "'");
  std::string host = rest.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  tcp::resolver resolver(s.ioc);
  beast::error_code ec;
  const auto found = resolver.resolve(host, rest.substr(colon + 1), ec);
  if (ec || found.empty())
    throw std::runtime_error("--endpoint: cannot resolve " + rest + ": " + ec.message());
  s.where = found.begin()->endpoint();
  s.host_port = rest;

  for (const scenario::step& st : sc.steps) {
    if (!runnable(st)) {
      if (skipped) skipped->push_back(st.kind + " at " + st.where.str());
      continue;
    }
    if (const auto* call = std::get_if<scenario::call_step>(&st.action);
        call && !target_prefix(call->service)) {
      throw std::runtime_error(st.where.str() +
                               ": fogbank bench calls only the services of AWS's JSON protocol "
                               "(dynamodb, dynamodbstreams, sqs), not " +
                               call->service);
    }
    s.steps.push_back(&st);
  }
  if (s.steps.empty())
    throw std::runtime_error(
        sc.file.string() +
        ": no step runs under load (connect, send, disconnect, drop, call, request, advance)");
  resolve_stacks(s, sc, options.endpoint);
  load_data(s, sc);
  const json lambda_before = lambda_metrics(s);

  s.start = steady::now();
  s.iterations = options.iterations;
  if (options.rate) s.pace.emplace(*options.rate);
  if (options.duration) s.deadline = s.start + *options.duration;
  std::vector<std::unique_ptr<net::steady_timer>> starts;
  for (std::uint32_t i = 0; i < options.clients; ++i) {
    auto user = std::make_shared<virtual_user>(s, i);
    const auto delay =
        options.clients > 1 ? options.ramp * i / (options.clients - 1) : std::chrono::milliseconds{0};
    if (delay.count() == 0) {
      net::post(s.ioc, [user] { user->start(); });
      continue;
    }
    // Users not started yet count as active, so that the progress line does not end early.
    ++s.active_users;
    starts.push_back(std::make_unique<net::steady_timer>(s.ioc, delay));
    starts.back()->async_wait([user, &s](beast::error_code) {
      --s.active_users;
      user->start();
    });
  }
  auto printer = std::make_shared<progress_printer>(s, progress, options.progress_in_place);
  printer->start();
  s.all_done = [printer] { printer->finish(); };
  s.ioc.run();
  s.all_done = nullptr;
  const double elapsed = s.seconds(steady::now());
  s.ioc.restart();
  if (!lambda_before.is_null())
    results.lambda_counts(lambda_counts_between(lambda_before, lambda_metrics(s)));
  return elapsed;
}

}  // namespace fogbank::load
