// The WebSocket clients of apigw_bench's fan-out to 10,000, in a process of their own: n clients
// and the server's n sockets do not fit one process under this machine's hard RLIMIT_NOFILE
// (20,000), so apigw_bench starts this program and keeps only the server's side.
//
//   apigw_fanout_clients <port> <target> <n>
//
// Opens n WebSocket connections to 127.0.0.1:<port><target> one after the other, then writes
// "ready\n" to stdout and reads every client on one thread (as the in-process fan-out's clients
// do). Each time all n clients have received one more message it writes "done\n". It exits, closing
// every connection, when its stdin reaches end of file. Any failure: "error: <why>\n" on stdout and
// exit status 1.

#include <sys/resource.h>
#include <unistd.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using ws_client = websocket::stream<tcp::socket>;

// Descriptors kept free beside the clients' sockets (stdio, the io_context's own).
constexpr rlim_t spare_descriptors = 64;
// The most clients one run may ask for: a bound on what a mistyped argument can open.
constexpr long max_clients = 100'000;

void say(const char* line) {
  // One write(2) per line: the parent reads lines, and stdio buffering would hold them back.
  const std::string text = std::string(line) + "\n";
  [[maybe_unused]] const ssize_t ignored = ::write(STDOUT_FILENO, text.data(), text.size());
}

int fail(const std::string& why) {
  say(("error: " + why).c_str());
  return 1;
}

struct clients {
  explicit clients(long n) : n(n) {}

  void read(std::size_t i) {
    sockets[i]->async_read(buffers[i], [this, i](beast::error_code ec, std::size_t) {
      if (ec) return;
      buffers[i].consume(buffers[i].size());
      // The next round starts only after the parent has read "done": no message of it can arrive
      // before the count is back at zero.
      if (received.fetch_add(1) + 1 == n) {
        received = 0;
        say("done");
      }
      read(i);
    });
  }

  long n;
  net::io_context ioc{1};
  std::vector<std::unique_ptr<ws_client>> sockets;
  std::vector<beast::flat_buffer> buffers;
  std::atomic<long> received{0};
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) return fail("usage: apigw_fanout_clients <port> <target> <n>");
  const int port = std::atoi(argv[1]);
  const std::string target = argv[2];
  const long n = std::atol(argv[3]);
  if (port <= 0 || port > 65535 || n <= 0 || n > max_clients) return fail("bad port or client count");

  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur < static_cast<rlim_t>(n) + spare_descriptors) {
    return fail(std::to_string(n) + " clients need " + std::to_string(n + spare_descriptors) +
                " file descriptors, RLIMIT_NOFILE allows " + std::to_string(limit.rlim_cur));
  }

  clients group(n);
  try {
    const tcp::endpoint server{net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)};
    const std::string host = "127.0.0.1:" + std::to_string(port);
    for (long i = 0; i < n; ++i) {
      auto ws = std::make_unique<ws_client>(group.ioc);
      ws->next_layer().connect(server);
      ws->next_layer().set_option(tcp::no_delay(true));
      ws->handshake(host, target);
      group.sockets.push_back(std::move(ws));
    }
  } catch (const std::exception& e) {
    return fail("connecting client " + std::to_string(group.sockets.size() + 1) + ": " + e.what());
  }
  group.buffers.resize(group.sockets.size());
  for (std::size_t i = 0; i < group.sockets.size(); ++i) group.read(i);
  auto work = net::make_work_guard(group.ioc);
  std::thread reader([&] { group.ioc.run(); });
  say("ready");

  // Until the parent closes our stdin (or dies).
  char byte = 0;
  while (::read(STDIN_FILENO, &byte, 1) > 0) {
  }
  net::post(group.ioc, [&] {
    for (auto& ws : group.sockets) {
      beast::error_code ignored;
      ws->next_layer().close(ignored);
    }
  });
  work.reset();
  reader.join();
  return 0;
}
