#pragma once
// The HTTP front end: one port that speaks the AWS wire protocols and hands each decoded request
// to the dispatch registry's one call path. Requests are routed by `X-Amz-Target` (the JSON
// protocol: DynamoDB, and SQS as current SDKs speak it) or by a form body's `Action` (the query
// protocol: SQS as older SDKs and AWS CLI v2 speak it), to the registry row that claims them; the
// rows are all the server knows of the services. `GET /_fogbank/health` reports status, and the
// registry's admin actions are served under `/_fogbank/`. Boost.Beast and Asio stay behind this
// header.
//
// A call may be answered after the service's call() has returned (an SQS long poll, up to
// 20 s): no server thread waits for it, and the connection keeps its place in line (the next
// pipelined request is read only after that answer is written). A call that holds its thread
// long does not hold the server: other threads are started meanwhile (server_options).

#include "fogbank/http/tls_files.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace fogbank::core {
class clock;
}
namespace fogbank::dispatch {
class registry;
}
namespace fogbank::apigw {
class websocket_gateway;
class http_api_gateway;
class rest_gateway;
}  // namespace fogbank::apigw

namespace fogbank::http {

struct server_options {
  // Address to bind: an IPv4/IPv6 literal or a host name ("localhost").
  std::string host = "127.0.0.1";
  // 0 binds an ephemeral port; port() tells which.
  std::uint16_t port = 4566;
  // Threads running the one shared io_context: they read requests, run the service calls
  // and write the answers.
  int threads = 2;
  // While service calls hold threads for longer than a couple of milliseconds (a BatchWriteItem
  // of 10 MB), more threads are started, so that `threads` of them stay free for everyone
  // else and the health endpoint; this many at most. They leave once no longer needed.
  int max_threads = 64;
  // Largest request body accepted. DynamoDB's own front end refuses bodies over 16 MiB
  // with 413 (dynalite's MAX_REQUEST_BYTES mirrors it).
  std::size_t body_limit = 16 * 1024 * 1024;
  // Largest request header block accepted.
  std::uint32_t header_limit = 64 * 1024;
  // How long a keep-alive connection may sit without starting a request. Well above SQS's
  // longest poll (20 s), so that a client polling in a loop keeps its connection.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds{120}};
  // How long one request may take to arrive once it has started, and one response to be sent.
  // The time a service takes to answer (a long poll) is not counted: no timer runs meanwhile.
  std::chrono::milliseconds io_timeout{std::chrono::seconds{60}};
  // On stop(), how long in-flight requests get to finish before connections are dropped.
  // Pending long polls do not wait for it: they are answered at once with an empty receive.
  std::chrono::milliseconds shutdown_grace{std::chrono::seconds{10}};
  // TLS on the same port: a connection whose first byte starts a TLS handshake gets TLS with
  // this certificate (PEM, the server's first, then any intermediates) and private key (PEM);
  // any other gets plain HTTP. Both empty: plain HTTP only. See tls_files.hpp for generating them.
  std::string tls_certificate_file;
  std::string tls_key_file;
  // The CA certificate that signed it, served at GET /_fogbank/tls/ca.pem for clients to trust
  // (empty: that path answers 404).
  std::string tls_ca_file;
  // Instead of the three files above (when they are empty): TLS with the files this returns,
  // called on the first need of them -- the first TLS handshake, the first GET
  // /_fogbank/tls/ca.pem -- and not at start (lazy_tls_files::files). It may be called from two
  // I/O threads at once. When it throws std::exception, that connection gets plain HTTP (its
  // handshake bytes a 400), that request a 500, the reason is logged, and the next need calls it
  // again.
  std::function<tls_files()> tls_on_demand;
  // How long a TLS client gets to complete its handshake once its first byte is in. A client
  // that says nothing at all is held to idle_timeout, as an idle keep-alive connection is.
  std::chrono::milliseconds tls_handshake_timeout{std::chrono::seconds{10}};
  // The time of every response's Date header: the service clock, so that a manual clock's
  // server dates its answers as its services date their records. Null: the wall clock. Must
  // outlive the server.
  const core::clock* clock = nullptr;
  // Access key id -> secret access key. Empty (the default): signatures are only shape-checked,
  // any key is accepted. Otherwise every request to an AWS API (the JSON, query and REST-JSON
  // protocols: DynamoDB, SQS, SNS, Lambda, API Gateway's management APIs) must carry a valid
  // Signature Version 4 by one of these keys, signed within 15 minutes of `clock`'s time, or is
  // refused with the service's own error (InvalidSignatureException, SignatureDoesNotMatch, ...).
  // fogbank's own endpoints (/_fogbank/...) and the invoke URLs of API Gateway APIs are not
  // signed and stay open.
  std::map<std::string, std::string, std::less<>> credentials;
  // Where WebSocket upgrades to API Gateway APIs (ws://host:port/ws/<api-id>/<stage>) go; null
  // refuses them like any unknown request. Must outlive the server.
  apigw::websocket_gateway* websocket = nullptr;
  // Where calls to API Gateway HTTP APIs go (http://host:port/http/<api-id>/..., and the host form
  // <api-id>.execute-api.<anything> for an HTTP API's id; see http_api_front.hpp); null answers
  // them like any unknown request. Must outlive the server.
  apigw::http_api_gateway* http_apis = nullptr;
  // Where requests to REST APIs' invoke URLs (http://host:port/rest/<api-id>/<stage>/<path>, or
  // <api-id>.execute-api.localhost:port/<stage>/<path>) go; null leaves them to the other
  // fronts. Must outlive the server.
  const apigw::rest_gateway* rest_api = nullptr;
};

class server {
 public:
  // `services` must outlive the server.
  server(server_options options, const dispatch::registry& services);
  // Calls stop().
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Resolves and binds the address, starts listening and starts the thread pool. Returns false
  // with `*error` set when the address cannot be resolved or bound (for example, in use), or the
  // TLS files cannot be read.
  // Call at most once.
  bool start(std::string* error);

  // The port actually bound (meaningful after a successful start()).
  std::uint16_t port() const noexcept;

  // Stops accepting, closes WebSocket connections with 1001 (Going Away), closes every connection
  // that is still reading a request (idle keep-alive ones and those with part of a request in),
  // answers pending long polls with an empty
  // receive, lets requests received whole finish and their responses go out (up to
  // shutdown_grace), then joins the threads. Idempotent. Must not be called from a server
  // thread (i.e. from inside a service's call()). A service may still complete a call after
  // stop() (a long poll it was holding): that answer is dropped.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace fogbank::http
