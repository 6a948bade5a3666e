#pragma once
// `fogbank bench SCENARIO --clients N (--duration D | --iterations K) [--ramp R] [--rate R]
// [--lambda-concurrency N] [--endpoint URL] [--json FILE] [--html FILE] [--compare OLD.json]`: N virtual
// users each run a scenario's client steps (connect, send, disconnect, drop, call, request, advance) over
// real sockets on the real clock, against a server the caller starts in process with the scenario's templates
// or a running one
// (`--endpoint`). It reports throughput, latency percentiles (microsecond histograms) and errors
// per step kind, and the end-to-end latency from a WebSocket connect/send/disconnect to the frames
// it causes at the connected clients. The format and the rules are in emulator/load/README.md.
//
// Thread-safety: run_bench() runs the virtual users on one I/O thread of its own and returns once
// they are done; two runs may go on at once.

#include "fogbank/core/command_line.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace fogbank::load {

// Bad usage of `fogbank bench` (the command prints what() and exits 2).
using usage_error = core::usage_error;

struct bench_options {
  std::filesystem::path scenario;
  std::uint32_t clients = 0;  // virtual users, each with its own clients and captures
  // Exactly one of these: run for this long (then each user finishes its iteration), or run the
  // steps this many times per user.
  std::optional<std::chrono::milliseconds> duration;
  std::optional<std::uint64_t> iterations;
  std::chrono::milliseconds ramp{0};  // users start evenly spread over this time
  // At most this many requests a second start across all users (src/pacer.hpp); none: as fast
  // as the users go.
  std::optional<double> rate;
  // The in-process server's `--lambda-concurrency` (`fogbank serve`'s default; not allowed with
  // --endpoint, whose server has its own).
  int lambda_concurrency = core::default_lambda_concurrency;
  std::string endpoint;      // "http://HOST:PORT"; empty: the in-process server
  std::string json_file;     // the full result
  std::string html_file;     // the self-contained report page
  std::string compare_file;  // an earlier --json result to compare with
  // Whether the progress line is rewritten in place (a terminal) or printed every few seconds.
  bool progress_in_place = false;
};

// What `fogbank bench --help` prints.
extern const std::string_view bench_help;

// Parses the arguments after "bench". nullopt when `--help` was asked for (the caller prints
// bench_help). Throws usage_error for anything wrong, naming the option.
std::optional<bench_options> parse_bench_args(const std::vector<std::string_view>& args);

// The server a bench runs against when no --endpoint is given, started by the caller (it owns the
// composition root): in memory, on a free loopback port, with the scenario's templates loaded and
// GET /_fogbank/stacks answering as `fogbank serve` does. Stopped when destroyed.
class local_server {
 public:
  virtual ~local_server() = default;
  virtual std::string endpoint() const = 0;  // "http://127.0.0.1:PORT"
};

struct local_server_options {
  std::vector<std::filesystem::path> templates;
  std::map<std::string, std::string> parameters;
  int lambda_concurrency = core::default_lambda_concurrency;  // as `fogbank serve --lambda-concurrency`
};

// Starts one; nullptr with `*error` set when it cannot.
using server_factory =
    std::function<std::unique_ptr<local_server>(const local_server_options& options, std::string* error)>;

// Runs the bench: progress on `progress` (stderr), the tables (and the comparison) on `out`.
// Returns the exit code: 0 when every request succeeded, 1 when some failed or the run could not
// start (the reason on `progress`).
int run_bench(const bench_options& options, const server_factory& start_server, std::ostream& out,
              std::ostream& progress);

}  // namespace fogbank::load
