// `fogbank bench`: options, the run, and its reports.

#include "fogbank/load/bench.hpp"

#include "engine.hpp"
#include "html.hpp"
#include "model.hpp"
#include "recorder.hpp"

#include "fogbank/core/command_line.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <variant>

#include <fstream>
#include <limits>
#include <sstream>

namespace fogbank::load {

const std::string_view bench_help =
    R"(Usage: fogbank bench SCENARIO --clients N (--duration D | --iterations K) [options]

Run a scenario's client steps (connect, send, disconnect, drop, call, request, advance) with N
virtual users at once over real sockets on the real clock, against a server started in this
process with the scenario's templates (in memory, on a free loopback port) or a running one.
Each user has its own WebSocket clients and {{captures}} ({{vu}} and {{iteration}} are
predefined); data: is loaded once before the run; expectations and settle are skipped
(emulator/load/README.md).
Prints a progress line while it runs and a table per step kind at the end; exits 0 when every
request succeeded, 1 when one failed, 2 on bad usage.

Options:
  --clients N        Virtual users (1 to 100000)
  --duration D       Run for D (e.g. 30s, 2m): users start no iteration after it
  --iterations K     Run the steps K times per user
  --ramp R           Start the users evenly over R (default: all at once)
  --rate R           Start at most R requests a second across all users (a fixed rate, e.g.
                     200 or 0.5); fewer when the users cannot keep up (default: no limit)
  --lambda-concurrency N
                     Invocations of one Lambda function that may run at once in the server in
                     process, 1 to 1000 (default 10, as `fogbank serve`); beyond it an invocation
                     is throttled (TooManyRequestsException) and counted as an error. AWS's
                     default account concurrency is 1000
  --endpoint URL     Run against `fogbank serve` at URL (http://HOST:PORT) started with the
                     scenario's templates (--template), instead of in process
  --json FILE        Write the full result as JSON
  --html FILE        Write a self-contained HTML report (charts, no network needed)
  --compare OLD.json Print the change per metric against an earlier --json result
  -h, --help         Show this help
)";

namespace {

// More users than this would need more descriptors than a machine gives one process by default
// many times over; the bound keeps a typo from starting a million sockets.
constexpr std::uint64_t max_clients = 100'000;
constexpr std::uint64_t max_iterations = 1'000'000'000;
constexpr std::chrono::hours max_duration{24};
constexpr std::chrono::hours max_ramp{1};
constexpr double max_rate = 1'000'000;

std::chrono::milliseconds parse_time(std::string_view option, std::string_view text, std::chrono::hours max) {
  const auto parsed = scenario::parse_duration(std::string(text));
  if (!parsed)
    throw usage_error(std::string(option) + ": expected a duration such as 500ms, 30s or 2m, got '" +
                      std::string(text) + "'");
  if (*parsed > max)
    throw usage_error(std::string(option) + ": " + std::string(text) + " is longer than " +
                      std::to_string(max.count()) + "h");
  return std::chrono::duration_cast<std::chrono::milliseconds>(*parsed);
}

std::string format_rate(double rate) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", rate);
  return text;
}

double parse_rate(std::string_view text) {
  const std::string given(text);
  const bool digits = !given.empty() && given.find_first_not_of("0123456789.") == std::string::npos &&
                      std::count(given.begin(), given.end(), '.') <= 1 && given.front() != '.' &&
                      given.back() != '.' && given.size() <= 16;
  if (!digits)
    throw usage_error("--rate: expected requests per second such as 200 or 0.5, got '" + given + "'");
  const double value = std::stod(given);
  if (value <= 0 || value > max_rate)
    throw usage_error("--rate: " + given + " is out of range (more than 0, at most 1000000)");
  return value;
}

json read_json_file(const std::string& option, const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error(option + ": cannot read " + file);
  std::ostringstream text;
  text << in.rdbuf();
  json parsed = json::parse(text.str(), nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("steps"))
    throw std::runtime_error(option + ": " + file + " is not a result of `fogbank bench --json`");
  return parsed;
}

void write_file(const std::string& option, const std::string& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error(option + ": cannot write " + file);
}

// Each WebSocket client and each user's HTTP connection is a descriptor here, and one more in
// the server when it runs in this process: raise the soft limit to the hard one and say so when
// even that is short.
void check_descriptors(std::uint64_t needed, std::ostream& progress) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur != RLIM_INFINITY && needed + 64 > limit.rlim_cur) {
    // Only the users connected at once count: with a --ramp longer than a user's stay, far fewer
    // than all (the 10,000-visitor runs in bench/README.md).
    progress << "fogbank bench: warning: about " << needed
             << " descriptors needed with every user connected at once, the limit is " << limit.rlim_cur
             << " (ulimit -n, raised to the hard limit): connects beyond it fail with "
                "'Too many open files'\n";
  }
}

}  // namespace

std::optional<bench_options> parse_bench_args(const std::vector<std::string_view>& list) {
  bench_options options;
  bool scenario_given = false;
  bool concurrency_given = false;
  for (core::arg_reader args(list); args.next();) {
    const std::string_view arg = args.name();
    const auto file = [&]() {
      const std::string_view v = args.value();
      if (v.empty()) throw usage_error(std::string(arg) + ": expected a file");
      return std::string(v);
    };
    if (arg == "-h" || arg == "--help") {
      return std::nullopt;
    } else if (arg == "--clients") {
      options.clients = static_cast<std::uint32_t>(args.number(1, max_clients));
    } else if (arg == "--iterations") {
      options.iterations = args.number(1, max_iterations);
    } else if (arg == "--duration") {
      options.duration = parse_time(arg, args.value(), max_duration);
      if (options.duration->count() == 0) throw usage_error("--duration: must be more than 0");
    } else if (arg == "--ramp") {
      options.ramp = parse_time(arg, args.value(), max_ramp);
    } else if (arg == "--rate") {
      options.rate = parse_rate(args.value());
    } else if (arg == "--lambda-concurrency") {
      options.lambda_concurrency = static_cast<int>(args.number(1, core::max_lambda_concurrency));
      concurrency_given = true;
    } else if (arg == "--endpoint") {
      options.endpoint = std::string(args.value());
      if (!options.endpoint.starts_with("http://"))
        throw usage_error("--endpoint: expected http://HOST:PORT, found '" + options.endpoint + "'");
    } else if (arg == "--json") {
      options.json_file = file();
    } else if (arg == "--html") {
      options.html_file = file();
    } else if (arg == "--compare") {
      options.compare_file = file();
    } else if (arg.size() > 1 && arg[0] == '-') {
      throw usage_error("unknown option for bench: '" + std::string(args.given()) + "'");
    } else if (scenario_given) {
      throw usage_error("bench: one scenario file, found a second: '" + std::string(arg) + "'");
    } else {
      options.scenario = std::string(arg);
      scenario_given = true;
    }
  }
  // The server at --endpoint has its own (`fogbank serve --lambda-concurrency`): saying it here
  // would change nothing there.
  if (concurrency_given && !options.endpoint.empty())
    throw usage_error(
        "bench: --lambda-concurrency applies to the server in process; with --endpoint, "
        "start the server with --lambda-concurrency");
  if (!scenario_given) throw usage_error("bench: name a scenario file");
  if (options.clients == 0) throw usage_error("bench: --clients N is required");
  if (options.duration.has_value() == options.iterations.has_value())
    throw usage_error("bench: give exactly one of --duration and --iterations");
  return options;
}

int run_bench(const bench_options& options, const server_factory& start_server, std::ostream& out,
              std::ostream& progress) {
  try {
    const scenario::scenario sc = scenario::load_file(options.scenario);
    std::optional<json> old_result;
    if (!options.compare_file.empty()) old_result = read_json_file("--compare", options.compare_file);

    std::uint64_t clients_per_user = 0;
    std::set<std::string> names;
    for (const auto& st : sc.steps) {
      if (const auto* c = std::get_if<scenario::connect_step>(&st.action)) names.insert(c->client);
    }
    clients_per_user = names.size();
    // A user opens its HTTP connection only for call and request steps.
    const bool http = std::any_of(sc.steps.begin(), sc.steps.end(), [](const scenario::step& st) {
      return std::holds_alternative<scenario::call_step>(st.action) ||
             std::holds_alternative<scenario::request_step>(st.action);
    });
    const bool in_process = options.endpoint.empty();
    check_descriptors(options.clients * (clients_per_user + (http ? 1 : 0)) * (in_process ? 2 : 1), progress);

    std::unique_ptr<local_server> server;
    std::string endpoint = options.endpoint;
    if (in_process) {
      std::string error;
      local_server_options server_options;
      server_options.templates = sc.templates;
      server_options.parameters = sc.parameters;
      server_options.lambda_concurrency = options.lambda_concurrency;
      server = start_server(server_options, &error);
      if (!server) {
        progress << "fogbank bench: " << error << "\n";
        return 1;
      }
      endpoint = server->endpoint();
    }

    engine_options run;
    run.endpoint = endpoint;
    run.clients = options.clients;
    run.duration = options.duration;
    run.iterations = options.iterations;
    run.ramp = options.ramp;
    run.rate = options.rate;
    run.progress_in_place = options.progress_in_place;
    out << "fogbank bench: " << sc.name << " (" << options.scenario.string() << "), " << options.clients
        << " clients, "
        << (options.rate ? "at most " + format_rate(*options.rate) + " requests/s, " : std::string())
        << (options.iterations ? std::to_string(*options.iterations) + " iterations each"
                               : "for " + std::to_string(options.duration->count()) + "ms")
        << ", against " << endpoint
        << (in_process
                ? " (in process, Lambda concurrency " + std::to_string(options.lambda_concurrency) + ")"
                : std::string())
        << "\n";
    out.flush();
    recorder results;
    std::vector<std::string> skipped;
    const double elapsed = run_engine(sc, run, results, progress, &skipped);
    for (const std::string& step : skipped) out << "skipped under load: " << step << "\n";

    json description = {{"scenario", sc.name},
                        {"file", options.scenario.string()},
                        {"clients", options.clients},
                        {"ramp_seconds", static_cast<double>(options.ramp.count()) / 1000.0},
                        {"endpoint", in_process ? "in process" : endpoint},
                        {"skipped_steps", skipped},
                        {"elapsed_seconds", elapsed}};
    if (in_process) description["lambda_concurrency"] = options.lambda_concurrency;
    if (options.iterations) description["iterations"] = *options.iterations;
    if (options.rate) description["rate_per_second"] = *options.rate;
    if (options.duration)
      description["duration_seconds"] = static_cast<double>(options.duration->count()) / 1000.0;
    const json result = results.to_json(description);

    char summary[160];
    std::snprintf(summary, sizeof summary, "%llu requests in %.2fs, %llu errors",
                  static_cast<unsigned long long>(results.requests()), elapsed,
                  static_cast<unsigned long long>(results.errors()));
    out << summary;
    if (const std::uint64_t throttles = results.lambda_throttles(); throttles > 0)
      out << "; " << throttles << " Lambda invocations throttled (server side)";
    out << "\n" << format_table(result);
    if (!options.json_file.empty()) write_file("--json", options.json_file, result.dump(2) + "\n");
    if (!options.html_file.empty()) write_file("--html", options.html_file, html_report(result));
    if (old_result)
      out << "\ncompared with " << options.compare_file << ":\n"
          << format_comparison(compare(*old_result, result));
    out.flush();
    return results.errors() == 0 ? 0 : 1;
  } catch (const scenario::load_error& e) {
    progress << "fogbank bench: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    progress << "fogbank bench: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace fogbank::load
