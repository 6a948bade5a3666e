// The `fogbank` command line.
//
//   fogbank serve [--host H] [--port N] [--data-dir DIR | --in-memory] [--threads N]
//                 [--max-threads N] [--seed N] [--ttl-interval S] [--lambda-concurrency N]
//                 [--template FILE]... [--parameter KEY=VALUE]...
//                 [--tls-cert FILE --tls-key FILE [--tls-ca FILE]] [--credentials KEY:SECRET]...
//   fogbank run PATH... [--seed N] [--transcript FILE] [--junit FILE] [--endpoint URL]
//   fogbank bench SCENARIO --clients N (--duration D | --iterations K) [...] (emulator/load)
//   fogbank --help | --version
//
// `serve` prints exactly one line, "fogbank listening on http://HOST:PORT", once the port
// accepts connections (tests and scripts wait for it), and runs until SIGINT or SIGTERM, then
// stops accepting, lets requests in flight finish and exits 0. Bad usage exits 2; a failure to
// start (storage, address in use, a template that does not load) exits 1. Templates are loaded
// after the port is bound and before that line; what they did goes to stderr, so that stdout
// keeps its one line.

#include "fogbank/apigw/rest_api.hpp"
#include "fogbank/apigw/service.hpp"
#include "fogbank/core/command_line.hpp"
#include "fogbank/core/ids.hpp"
#include "fogbank/core/version.hpp"
#include "fogbank/dispatch/client.hpp"
#include "fogbank/http/server.hpp"
#include "fogbank/http/tls_files.hpp"
#include "fogbank/lambda/runtime_host.hpp"
#include "fogbank/load/bench.hpp"
#include "fogbank/main/emulator.hpp"
#include "fogbank/main/temporary_directory.hpp"
#include "fogbank/scenario/journal.hpp"
#include "fogbank/scenario/runner.hpp"
#include "fogbank/template/loader.hpp"
#include "fogbank/workers/worker_host.hpp"

#ifdef FOGBANK_WITH_MIMALLOC
#include <mimalloc.h>
#endif
#include <pthread.h>
#include <unistd.h>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace {

using namespace fogbank;

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

constexpr std::string_view main_help =
    R"(fogbank - a local AWS emulator (DynamoDB, SQS and Lambda; API Gateway WebSockets to come)

Usage:
  fogbank serve [options]     Serve the AWS APIs on one port (see `fogbank serve --help`)
  fogbank run PATH...         Run YAML scenarios on a virtual clock (see `fogbank run --help`)
  fogbank bench SCENARIO      Load-run a scenario with many clients (see `fogbank bench --help`)
  fogbank --help              Show this help
  fogbank --version           Show the version

Point any AWS client at it, e.g. `aws --endpoint-url http://localhost:4566 dynamodb list-tables`.
)";

constexpr std::string_view serve_help = R"(Usage: fogbank serve [options]

Serve the AWS APIs on one port until SIGINT or SIGTERM.

Options:
  --host HOST        Address to listen on (default 127.0.0.1; 0.0.0.0 for all interfaces)
  --port N           Port to listen on (default 4566, LocalStack's edge port; 0 = any free port)
  --data-dir DIR     Keep data in DIR, created if missing (default ./.fogbank)
  --in-memory        Keep data in memory only; nothing survives exit
  --threads N        Server threads (default 2)
  --max-threads N    Most server threads: more than --threads are started while
                     slow requests hold threads, so others are still served (default 64)
  --seed N           Seed for generated ids (request ids and the like); random if not given
  --ttl-interval S   Seconds between DynamoDB TTL sweeps (default 60; 0 = only on
                     POST /_fogbank/dynamodb/expire)
  --lambda-concurrency N
                     Invocations of one Lambda function that may run at once when it has no
                     reserved concurrency, 1 to 1000 (default 10; AWS's default account
                     concurrency is 1000); beyond it an invocation is throttled
                     (TooManyRequestsException)
  --template FILE    Create the resources of a CloudFormation or SAM template (YAML or JSON)
                     before listening; repeatable, loaded in order. With a data directory, a
                     later start updates what changed and keeps the data (README: Templates)
  --parameter K=V    A value for the templates' parameter K (over its Default); repeatable
  --tls-cert FILE    The certificate (PEM, chain) for https:// and wss:// on the same port,
  --tls-key FILE     and its private key (PEM). Default: fogbank's own, signed by a CA it
                     makes once in DATA-DIR/tls (README: TLS)
  --tls-ca FILE      With --tls-cert: the CA certificate handlers are told to trust and
                     GET /_fogbank/tls/ca.pem serves (default: neither)
  --credentials KEY:SECRET
                     Verify AWS Signature Version 4 on every AWS API request: only requests
                     signed by access key KEY with secret SECRET (within 15 minutes of the
                     server clock) are served, others get AWS's errors (UnrecognizedClient-
                     Exception, InvalidSignatureException, SignatureDoesNotMatch, ...).
                     Repeatable, one pair each. Lambda handlers are given the first pair.
                     Default: signatures are not verified, any key is accepted
  -h, --help         Show this help

Once listening, prints one line: fogbank listening on http://HOST:PORT
(what the templates created, and their Outputs, go to stderr before it)
)";

struct serve_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 4566;
  std::string data_dir = ".fogbank";
  bool data_dir_given = false;
  bool in_memory = false;
  int threads = 2;
  int max_threads = 64;
  std::optional<std::uint64_t> seed;
  std::uint64_t ttl_interval_seconds = 60;
  std::vector<std::string> templates;
  std::map<std::string, std::string> parameters;
  int lambda_concurrency = core::default_lambda_concurrency;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_ca;
  // --credentials, in the order given: access key id and secret.
  std::vector<std::pair<std::string, std::string>> credentials;
};

// A usage error: the message goes to stderr and fogbank exits 2.
using core::usage_error;

// Parses the arguments after "serve". Returns nullopt when help was printed.
std::optional<serve_options> parse_serve(const std::vector<std::string_view>& list) {
  serve_options options;
  for (core::arg_reader args(list); args.next();) {
    const std::string_view arg = args.name();
    if (arg == "-h" || arg == "--help") {
      args.no_value();
      std::cout << serve_help;
      return std::nullopt;
    } else if (arg == "--host") {
      options.host = std::string(args.value());
      if (options.host.empty()) throw usage_error{"--host: expected an address"};
    } else if (arg == "--port") {
      options.port = static_cast<std::uint16_t>(args.number(0, 65535));
    } else if (arg == "--data-dir") {
      options.data_dir = std::string(args.value());
      options.data_dir_given = true;
      if (options.data_dir.empty()) throw usage_error{"--data-dir: expected a directory"};
    } else if (arg == "--in-memory") {
      args.no_value();
      options.in_memory = true;
    } else if (arg == "--threads") {
      options.threads = static_cast<int>(args.number(1, 256));
    } else if (arg == "--max-threads") {
      options.max_threads = static_cast<int>(args.number(1, 1024));
    } else if (arg == "--seed") {
      options.seed = args.number(0, std::numeric_limits<std::uint64_t>::max());
    } else if (arg == "--ttl-interval") {
      options.ttl_interval_seconds = args.number(0, 365ULL * 24 * 3600);
    } else if (arg == "--template") {
      options.templates.emplace_back(args.value());
      if (options.templates.back().empty()) throw usage_error{"--template: expected a file"};
    } else if (arg == "--parameter") {
      const std::string_view pair = args.value();
      const auto eq = pair.find('=');
      if (eq == std::string_view::npos || eq == 0) {
        throw usage_error{"--parameter: expected KEY=VALUE, got '" + std::string(pair) + "'"};
      }
      const std::string key(pair.substr(0, eq));
      if (!options.parameters.emplace(key, std::string(pair.substr(eq + 1))).second) {
        throw usage_error{"--parameter: " + key + " is given twice"};
      }
    } else if (arg == "--lambda-concurrency") {
      options.lambda_concurrency = static_cast<int>(args.number(1, core::max_lambda_concurrency));
    } else if (arg == "--tls-cert" || arg == "--tls-key" || arg == "--tls-ca") {
      std::string& file = arg == "--tls-cert"  ? options.tls_cert
                          : arg == "--tls-key" ? options.tls_key
                                               : options.tls_ca;
      file = std::string(args.value());
      if (file.empty()) throw usage_error{std::string(arg) + ": expected a file"};
    } else if (arg == "--credentials") {
      // An access key id has no ':' (AWS's are 16-128 word characters), so the first one splits.
      const std::string_view pair = args.value();
      const auto colon = pair.find(':');
      if (colon == std::string_view::npos || colon == 0 || colon + 1 == pair.size()) {
        throw usage_error{"--credentials: expected KEY:SECRET"};
      }
      const std::string key(pair.substr(0, colon));
      for (const auto& [known, secret] : options.credentials) {
        if (known == key) throw usage_error{"--credentials: access key " + key + " is given twice"};
      }
      options.credentials.emplace_back(key, std::string(pair.substr(colon + 1)));
    } else {
      throw usage_error{"unknown option for serve: '" + std::string(args.given()) + "'"};
    }
  }
  if (options.tls_cert.empty() != options.tls_key.empty())
    throw usage_error{"--tls-cert and --tls-key go together"};
  if (!options.tls_ca.empty() && options.tls_cert.empty())
    throw usage_error{"--tls-ca needs --tls-cert and --tls-key"};
  if (options.in_memory && options.data_dir_given)
    throw usage_error{"--data-dir and --in-memory cannot be combined"};
  return options;
}

// SIGINT and SIGTERM are blocked in every thread and taken synchronously by sigwait() in main,
// so no handler runs in a signal context and the server threads never see them.
sigset_t shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

// Reads every template, checks that each --parameter belongs to one of them, then creates (or
// brings in line) their resources in order, printing what was done to stderr. False, with
// `*error` ("file:line: resource: property: what"), on the first failure.
// The worker host (Node.js, Python and provided functions) needs the URL handlers' SDKs reach,
// which is known only once the HTTP server has bound its port, after the emulator and its Lambda
// service exist. The emulator gets this stand-in among its runtime hosts at open(); the worker host
// is put behind it once the port is known, and taken out again before the services stop, so that
// the invocations it ends on shutdown still find the Lambda service alive.
class late_worker_host final : public lambda::runtime_host {
 public:
  void attach(std::shared_ptr<lambda::runtime_host> host) {
    std::lock_guard lock(mutex_);
    host_ = std::move(host);
  }
  std::shared_ptr<lambda::runtime_host> detach() {
    std::lock_guard lock(mutex_);
    return std::exchange(host_, nullptr);
  }

  bool runs(const lambda::function_config& config) const override {
    const auto host = current();
    return host && host->runs(config);
  }
  void invoke(const lambda::function_config& config, lambda::invocation call,
              std::function<void(lambda::invocation_outcome)> done) override {
    if (const auto host = current()) {
      host->invoke(config, std::move(call), std::move(done));
      return;
    }
    // runs() said yes a moment ago and the host has since been detached: shutting down.
    lambda::invocation_outcome outcome;
    outcome.kind = lambda::outcome_kind::crashed;
    outcome.payload = R"({"errorType":"Runtime.ExitError","errorMessage":"fogbank is shutting down"})";
    done(std::move(outcome));
  }
  void retire(std::string_view function_name) override {
    if (const auto host = current()) host->retire(function_name);
  }

 private:
  std::shared_ptr<lambda::runtime_host> current() const {
    std::lock_guard lock(mutex_);
    return host_;
  }

  mutable std::mutex mutex_;
  std::shared_ptr<lambda::runtime_host> host_;
};

// The server's TLS as setup_tls leaves it: the CA file clients and workers trust, and fogbank's own
// files when it uses them (made on first need).
struct tls_setup {
  std::string ca_file;
  std::shared_ptr<http::lazy_tls_files> own;
};

// Starts the worker host behind `slot`: handlers' SDKs reach `endpoint`, Node.js handlers find the
// SDK for JavaScript v3 as on Lambda, and the bootstraps are written under the data directory (the
// temporary directory when in memory).
bool attach_workers(late_worker_host& slot, const serve_options& options, const std::string& endpoint,
                    const tls_setup& tls, std::string* error) {
  workers::worker_host_options host_options;
  host_options.endpoint_url = endpoint;
  host_options.ca_bundle = tls.ca_file;
  if (tls.own) host_options.prepare_ca_bundle = [own = tls.own] { own->files(); };
  host_options.default_concurrency = options.lambda_concurrency;
  // Handlers' SDKs sign their calls back to fogbank: with a key the server accepts.
  if (!options.credentials.empty()) {
    host_options.access_key_id = options.credentials.front().first;
    host_options.secret_access_key = options.credentials.front().second;
  }
  if (!options.in_memory)
    host_options.runtime_dir = std::filesystem::path(options.data_dir) / "lambda-runtime";
  if (auto sdk = workers::default_node_modules(); !sdk.empty())
    host_options.node_path.push_back(std::move(sdk));
  try {
    slot.attach(workers::make_worker_host(host_options));
  } catch (const std::exception& e) {
    *error = e.what();
    return false;
  }
  return true;
}

// Where fogbank keeps its own TLS files in a data directory (README: TLS).
std::filesystem::path data_dir_tls_folder(const serve_options& options) {
  return std::filesystem::path(options.data_dir) / "tls";
}

// A data directory's TLS files being read or made on a thread of their own (start_data_dir_tls).
struct early_tls {
  std::shared_ptr<http::lazy_tls_files> own;
  std::future<void> made;  // its destructor waits for the thread
};

// Fills in the server's TLS: the files given, or fogbank's own (made once under the data directory
// and reused, so that a client trusting the CA keeps trusting it; in memory, in `scratch`).
// In memory, fogbank's own are made on first need -- the first TLS handshake, GET
// /_fogbank/tls/ca.pem or Lambda worker -- not at start (key generation was a sixth of an
// in-memory start's CPU). With a data directory they are read (or made) at start as before: so
// that DATA-DIR/tls/ca.pem exists once fogbank is ready, as the README tells clients, and so that
// damaged or mismatched files stop the start with their error instead of failing every TLS
// handshake later. Validity dates are the service clock's. `early`, when given, is the data
// directory's files already being read or made (start_data_dir_tls); setup_tls waits for them.
// False with `*error` when they cannot be had.
bool setup_tls(const serve_options& options, const core::clock& clock, temporary_directory& scratch,
               http::server_options& server_options, tls_setup& tls, std::string* error,
               early_tls* early = nullptr) {
  if (!options.tls_cert.empty()) {
    server_options.tls_certificate_file = options.tls_cert;
    server_options.tls_key_file = options.tls_key;
    server_options.tls_ca_file = options.tls_ca;
    tls.ca_file = options.tls_ca;
    return true;
  }
  if (early != nullptr) {
    tls.own = early->own;
  } else {
    std::filesystem::path dir;
    if (options.in_memory) {
      if (!scratch.make("fogbank-tls-", "the TLS certificates", error)) return false;
      dir = scratch.path();
    } else {
      dir = data_dir_tls_folder(options);
    }
    tls.own = std::make_shared<http::lazy_tls_files>(dir, [&clock] { return clock.now(); });
  }
  tls.ca_file = tls.own->names().ca_certificate.string();
  try {
    if (early != nullptr) {
      early->made.get();  // rethrows what the thread met
    } else if (!options.in_memory) {
      tls.own->files();
    }
  } catch (const std::exception& e) {
    *error = std::string("TLS: ") + e.what();
    return false;
  }
  server_options.tls_on_demand = [own = tls.own] { return own->files(); };
  return true;
}

// With a data directory and no --tls-cert, the directory's TLS files read -- on its first start,
// made: two key and certificate generations -- on a thread of their own, begun before the emulator
// opens the database (RocksDB's files and their fsyncs), so that the start waits for the longer of
// the two rather than for both. Dated by the real clock: serve's service clock (it has no manual
// clock). Null when serve has no such files to read, or no thread could be started for them
// (setup_tls then reads or makes them itself).
std::unique_ptr<early_tls> start_data_dir_tls(const serve_options& options) {
  if (options.in_memory || !options.tls_cert.empty()) return nullptr;
  auto early = std::make_unique<early_tls>();
  early->own = std::make_shared<http::lazy_tls_files>(data_dir_tls_folder(options),
                                                      [] { return core::real_clock{}.now(); });
  try {
    early->made = std::async(std::launch::async, [own = early->own] { own->files(); });
  } catch (const std::system_error&) {
    return nullptr;
  }
  return early;
}

// What GET /_fogbank/stacks answers: the stacks --template loaded, each with its resources'
// logical and physical ids and its Outputs, so that `fogbank run --endpoint` can resolve a
// scenario's logical ids against the running server. Filled once the templates are loaded.
struct loaded_stacks {
  std::mutex mutex;
  nlohmann::json stacks = nlohmann::json::array();
};

bool load_templates(const serve_options& options, const emulator_options& opened, const emulator& services,
                    loaded_stacks& loaded, std::string* error) {
  if (options.templates.empty()) return true;
  // The load's own time, on stderr: bench/footprint.sh reads it (exec-to-ready also counts the
  // process start). A duration on the monotonic clock, never a service time.
  const auto started = std::chrono::steady_clock::now();
  const auto elapsed_ms = [&started] {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  };
  try {
    std::vector<templates::parsed_template> parsed;
    std::set<std::string> declared;
    for (const std::string& file : options.templates) {
      parsed.push_back(templates::read_template(file));
      for (const std::string& name : parsed.back().parameter_names()) declared.insert(name);
    }
    for (const auto& [key, value] : options.parameters) {
      if (!declared.contains(key)) {
        // CloudFormation's answer to a parameter the template does not declare.
        *error = "--parameter: Parameters: [" + key + "] do not exist in the template" +
                 (parsed.size() > 1 ? "s" : "");
        return false;
      }
    }
    const double read_ms = elapsed_ms();
    std::map<std::string, std::string> exports;
    std::set<std::string> stacks;
    for (const templates::parsed_template& tmpl : parsed) {
      templates::load_options load;
      load.stack_name = tmpl.default_stack_name();
      if (!stacks.insert(load.stack_name).second) {
        *error = tmpl.file().string() + ": a second template for the stack '" + load.stack_name +
                 "' (stack names come from the file names; give each template its own)";
        return false;
      }
      load.parameters = options.parameters;
      load.seed = opened.seed;
      if (!opened.data_dir.empty()) {
        load.state_dir = opened.data_dir;
        load.code_dir = std::filesystem::path(opened.data_dir) / "code";
      }
      load.exports = &exports;
      const templates::load_result result = templates::deploy(services.client(), tmpl, load);
      for (const std::string& line : templates::describe(result)) std::cerr << "fogbank: " << line << "\n";
      nlohmann::json stack = {{"name", result.stack_name},
                              {"file", tmpl.file().string()},
                              {"resources", nlohmann::json::array()},
                              {"outputs", nlohmann::json::object()}};
      for (const auto& [name, value] : result.outputs) stack["outputs"][name] = value;
      for (const auto& resource : result.resources) {
        stack["resources"].push_back({{"logical_id", resource.logical_id},
                                      {"type", resource.type},
                                      {"physical_id", resource.physical_id}});
      }
      const std::lock_guard lock(loaded.mutex);
      loaded.stacks.push_back(std::move(stack));
    }
    std::fprintf(stderr, "fogbank: %zu template%s loaded in %.1f ms (%.1f ms reading them)\n", parsed.size(),
                 parsed.size() == 1 ? "" : "s", elapsed_ms(), read_ms);
  } catch (const templates::template_error& e) {
    *error = e.what();
    return false;
  }
  return true;
}

int serve(const serve_options& options) {
  // Before any thread starts, so that every thread inherits the mask.
  const sigset_t signals = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A client closing its connection must not kill the process (Asio also sends with
  // MSG_NOSIGNAL; this covers stdout being a closed pipe).
  std::signal(SIGPIPE, SIG_IGN);

  emulator_options emulator_options;
  if (!options.in_memory) emulator_options.data_dir = options.data_dir;
  emulator_options.seed = options.seed ? *options.seed : core::id_generator::random_seed();
  emulator_options.ttl_interval = std::chrono::seconds(options.ttl_interval_seconds);
  emulator_options.lambda_concurrency = options.lambda_concurrency;
  const auto workers = std::make_shared<late_worker_host>();
  emulator_options.runtime_hosts.push_back(workers);
  // Every completed invocation, for GET /_fogbank/lambda/invocations (`fogbank run --endpoint`'s
  // expect_invocations).
  const auto journal = std::make_shared<scenario::invocation_journal>();
  emulator_options.wrap_runtime_host = [journal](std::shared_ptr<lambda::runtime_host> host) {
    return journal->wrap(std::move(host));
  };
  std::string error;
  // Destroyed after the returns below: none leaves its thread running.
  const std::unique_ptr<early_tls> early = start_data_dir_tls(options);
  std::unique_ptr<emulator> services = emulator::open(emulator_options, &error);
  if (!services) {
    std::cerr << "fogbank: " << error << "\n";
    return exit_failure;
  }
  services->start();

  http::server_options server_options;
  server_options.host = options.host;
  server_options.port = options.port;
  server_options.threads = options.threads;
  server_options.max_threads = options.max_threads;
  server_options.websocket = &services->websocket_gateway();
  server_options.http_apis = &services->http_api_gateway();
  server_options.rest_api = &services->rest_gateway();
  server_options.clock = &services->clock();
  for (const auto& [key, secret] : options.credentials) server_options.credentials.emplace(key, secret);
  temporary_directory tls_scratch;
  tls_setup tls;
  if (!setup_tls(options, services->clock(), tls_scratch, server_options, tls, &error, early.get())) {
    std::cerr << "fogbank: " << error << "\n";
    services->stop();
    return exit_failure;
  }
  const auto stacks = std::make_shared<loaded_stacks>();
  services->services().add_admin({"GET", "/_fogbank/stacks", [stacks] {
                                    const std::lock_guard lock(stacks->mutex);
                                    return nlohmann::json{{"stacks", stacks->stacks}};
                                  }});
  services->services().add_admin(
      {"GET", "/_fogbank/lambda/invocations", [journal] { return journal->snapshot(); }});
  http::server server(server_options, services->services());
  if (!server.start(&error)) {
    std::cerr << "fogbank: " << error << "\n";
    return exit_failure;
  }
  if (!tls.ca_file.empty()) {
    std::cerr << "fogbank: https:// and wss:// on the same port; clients trust the CA in " << tls.ca_file
              << " (also served at GET /_fogbank/tls/ca.pem"
              << (options.in_memory
                      ? "; made on first need: the first TLS connection, Lambda worker or GET of it)\n"
                      : ")\n");
  }

  // An IPv6 literal needs brackets in a URL.
  const bool ipv6 = options.host.find(':') != std::string::npos;
  const std::string endpoint = std::string("http://") + (ipv6 ? "[" : "") + options.host + (ipv6 ? "]" : "") +
                               ":" + std::to_string(server.port());
  services->set_endpoint(endpoint);
  std::string workers_error;
  if (!attach_workers(*workers, options, endpoint, tls, &workers_error)) {
    std::cerr << "fogbank: " << workers_error << "\n";
    server.stop();
    services->stop();
    return exit_failure;
  }
  if (!load_templates(options, emulator_options, *services, *stacks, &error)) {
    std::cerr << "fogbank: " << error << "\n";
    server.stop();
    workers->detach().reset();
    services->stop();
    return exit_failure;
  }
  // The invoke URL of every API Gateway stage (from the templates, or kept in the data directory).
  for (const std::string& url : services->apigw().invoke_urls())
    std::cerr << "fogbank: API Gateway: " << url << "\n";
  // REST APIs' invoke URLs (from templates, or kept in the data directory), as health lists them.
  for (const auto& url : services->rest_apis().health().value("restApiUrls", nlohmann::json::array())) {
    std::cerr << "fogbank: REST API stage at " << url.get<std::string>() << "\n";
  }
  std::printf("fogbank listening on %s\n", endpoint.c_str());
  std::fflush(stdout);

  int signal_number = 0;
  while (sigwait(&signals, &signal_number) != 0) {
  }
  std::cerr << "fogbank: " << (signal_number == SIGINT ? "SIGINT" : "SIGTERM")
            << " received, shutting down\n";
  // Stop accepting, answer pending long polls with an empty receive, let the rest finish.
  server.stop();
  // The worker processes go first: the invocations their end interrupts complete into the Lambda
  // service, which must still be there.
  workers->detach().reset();
  // No visibility timeout, delay or poll deadline fires from here on; messages in flight become
  // visible again when the service is next opened on this data. The services, then storage,
  // close with the emulator.
  services->stop();
  return exit_ok;
}

// ---- fogbank run ----

constexpr std::string_view run_help = R"(Usage: fogbank run PATH... [options]

Run YAML scenarios (emulator/scenario/README.md) in process on a virtual clock. A folder runs
every *.yaml / *.yml file in it, sorted by name. Prints one line per scenario with its result
and time, and for a failure the step, its file:line and expected versus actual as a diff.
Exits 0 when every scenario passed, 1 when one failed, 2 on bad usage.

Options:
  --seed N           Seed for ids and handlers' randomness, over each scenario's own `seed:`
  --transcript FILE  Write every externally visible event as JSON lines (the same scenarios and
                     seed give the same bytes)
  --junit FILE       Write a JUnit XML report
  --endpoint URL     Run them against a running `fogbank serve` at URL (http://HOST:PORT) over
                     real sockets and its real clock, instead of in process; the server must
                     have the scenarios' templates loaded (--template)
  -h, --help         Show this help
)";

struct run_command_options {
  std::vector<std::filesystem::path> paths;
  std::optional<std::uint64_t> seed;
  std::string transcript;
  std::string junit;
  std::string endpoint;
};

std::optional<run_command_options> parse_run(const std::vector<std::string_view>& list) {
  run_command_options options;
  for (core::arg_reader args(list); args.next();) {
    const std::string_view arg = args.name();
    if (arg == "-h" || arg == "--help") {
      std::cout << run_help;
      return std::nullopt;
    } else if (arg == "--seed") {
      options.seed = args.number(0, std::numeric_limits<std::uint64_t>::max());
    } else if (arg == "--endpoint") {
      options.endpoint = std::string(args.value());
      if (!options.endpoint.starts_with("http://"))
        throw usage_error{"--endpoint: expected http://HOST:PORT, found '" + options.endpoint + "'"};
    } else if (arg == "--transcript" || arg == "--junit") {
      (arg == "--junit" ? options.junit : options.transcript) = std::string(args.value());
    } else if (arg.substr(0, 1) == "-" && arg.size() > 1) {
      throw usage_error{"unknown option for run: '" + std::string(args.given()) + "'"};
    } else {
      options.paths.emplace_back(std::string(arg));
    }
  }
  if (options.paths.empty()) throw usage_error{"run: name at least one scenario file or folder"};
  // A server's ids come from its own seed: `fogbank serve --seed N` is the way to pin them.
  if (options.seed && !options.endpoint.empty())
    throw usage_error{
        "run: --seed applies to in-process runs; with --endpoint, start the server with --seed"};
  return options;
}

// A scenario's emulator with what Node.js and Python handlers need beside it: an HTTP server on a
// free loopback port for their SDKs and Runtime API, and the worker host in its deterministic mode
// (the handler's clock frozen at the service time, seeded randomness). In-process calls keep the
// fixed endpoint the scenario runner gives them, so that no port reaches a transcript.
class scenario_environment final : public scenario::environment {
 public:
  static std::unique_ptr<scenario::environment> open(const emulator_options& base, std::string* error) {
    auto env = std::unique_ptr<scenario_environment>(new scenario_environment);
    emulator_options options = base;
    options.runtime_hosts.push_back(env->workers_);
    env->services_ = emulator::open(options, error);
    if (!env->services_) return nullptr;
    env->services_->set_endpoint("http://localhost:4566");
    http::server_options server_options;
    server_options.port = 0;
    server_options.websocket = &env->services_->websocket_gateway();
    // Responses are dated by the manual clock that the handlers' clocks are frozen at. Dated by
    // the wall clock, they made the AWS SDK for JavaScript v3 see a skew of years: it corrects its
    // clock on a worker's first response and retries that response when it is an error (a
    // ConditionalCheckFailedException included), so a handler's write was sent twice.
    server_options.clock = &env->services_->clock();
    // https:// on the same port, as `fogbank serve` has: handlers that post to
    // https://domainName/stage (the seeds' own code) reach it as they do a server. The
    // certificates are dated by the wall clock, which TLS clients check them against.
    // Made on first need (a handler's first https:// call, or its worker's start), as serve's.
    if (!env->tls_dir_.make("fogbank-run-tls-", "the TLS certificates", error)) return nullptr;
    const auto tls =
        std::make_shared<http::lazy_tls_files>(env->tls_dir_.path(), [] { return core::real_clock{}.now(); });
    server_options.tls_on_demand = [tls] { return tls->files(); };
    env->server_ = std::make_unique<http::server>(server_options, env->services_->services());
    if (!env->server_->start(error)) return nullptr;
    workers::worker_host_options host_options;
    host_options.endpoint_url = "http://127.0.0.1:" + std::to_string(env->server_->port());
    host_options.ca_bundle = tls->names().ca_certificate;
    host_options.prepare_ca_bundle = [tls] { tls->files(); };
    host_options.deterministic = true;
    // Worker start-up lines are real-time chatter, not part of a scenario's output.
    host_options.log = [](std::string_view) {};
    if (auto sdk = workers::default_node_modules(); !sdk.empty())
      host_options.node_path.push_back(std::move(sdk));
    try {
      env->workers_->attach(workers::make_worker_host(host_options));
    } catch (const std::exception& e) {
      *error = e.what();
      return nullptr;
    }
    return env;
  }

  ~scenario_environment() override {
    if (server_) server_->stop();
    workers_->detach().reset();
  }

  emulator& services() override { return *services_; }
  // Handlers post to @connections at the domain their events name: the server's real port.
  std::string domain_name() override { return "127.0.0.1:" + std::to_string(server_->port()); }

 private:
  scenario_environment() = default;
  std::shared_ptr<late_worker_host> workers_ = std::make_shared<late_worker_host>();
  temporary_directory tls_dir_;  // goes after the server and the workers that use its files
  std::unique_ptr<emulator> services_;
  std::unique_ptr<http::server> server_;
};

int run_scenarios(const run_command_options& options) {
  std::signal(SIGPIPE, SIG_IGN);
  const std::vector<std::filesystem::path> files = scenario::expand_paths(options.paths);
  std::ofstream transcript;
  if (!options.transcript.empty()) {
    transcript.open(options.transcript, std::ios::binary | std::ios::trunc);
    if (!transcript) throw std::runtime_error("--transcript: cannot write " + options.transcript);
  }
  scenario::run_options run;
  run.seed = options.seed;
  run.transcript = transcript.is_open() ? &transcript : nullptr;
  run.open = scenario_environment::open;
  run.endpoint = options.endpoint;
  std::vector<scenario::scenario_result> results;
  std::size_t failed = 0;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (files.size() > 1)
      std::cerr << "[" << i + 1 << "/" << files.size() << "] " << files[i].string() << "\n";
    // A file with `variants:` reports each as a scenario of its own.
    for (scenario::scenario_result& r : scenario::run_variants(files[i], run)) {
      char time[32];
      std::snprintf(time, sizeof time, "%.2fs", r.seconds);
      std::cout << (r.passed ? "PASS " : "FAIL ") << r.name << " (" << r.file.string() << ") " << time
                << "\n";
      if (!r.passed) {
        ++failed;
        std::cout << r.failure << (r.failure.ends_with('\n') ? "" : "\n");
      }
      std::cout.flush();
      results.push_back(std::move(r));
    }
  }
  std::cout << results.size() - failed << " passed, " << failed << " failed\n";
  if (transcript.is_open()) transcript.flush();
  if (!options.junit.empty()) {
    std::ofstream junit(options.junit, std::ios::binary | std::ios::trunc);
    junit << scenario::junit_report(results, "fogbank run");
    if (!junit) throw std::runtime_error("--junit: cannot write " + options.junit);
  }
  return failed == 0 ? exit_ok : exit_failure;
}

// ---- fogbank bench ----

// The server of `fogbank bench` without --endpoint: `fogbank serve --in-memory --port 0` with the
// scenario's templates, in this process (the same steps as serve(), which blocks on signals).
class bench_server final : public load::local_server {
 public:
  static std::unique_ptr<load::local_server> start(const load::local_server_options& options,
                                                   std::string* error) {
    auto s = std::unique_ptr<bench_server>(new bench_server);
    s->options_.in_memory = true;
    s->options_.port = 0;
    for (const auto& file : options.templates) s->options_.templates.push_back(file.string());
    s->options_.parameters = options.parameters;
    s->options_.lambda_concurrency = options.lambda_concurrency;
    emulator_options opened;
    opened.seed = core::id_generator::random_seed();
    opened.lambda_concurrency = s->options_.lambda_concurrency;
    opened.runtime_hosts.push_back(s->workers_);
    s->services_ = emulator::open(opened, error);
    if (!s->services_) return nullptr;
    s->services_->start();
    http::server_options server_options;
    server_options.host = s->options_.host;
    server_options.port = 0;
    server_options.threads = s->options_.threads;
    server_options.max_threads = s->options_.max_threads;
    server_options.websocket = &s->services_->websocket_gateway();
    server_options.http_apis = &s->services_->http_api_gateway();
    server_options.rest_api = &s->services_->rest_gateway();
    if (!setup_tls(s->options_, s->services_->clock(), s->tls_scratch_, server_options, s->tls_, error))
      return nullptr;
    const auto stacks = s->stacks_;
    s->services_->services().add_admin({"GET", "/_fogbank/stacks", [stacks] {
                                          const std::lock_guard lock(stacks->mutex);
                                          return nlohmann::json{{"stacks", stacks->stacks}};
                                        }});
    s->server_ = std::make_unique<http::server>(server_options, s->services_->services());
    if (!s->server_->start(error)) return nullptr;
    s->endpoint_ = "http://127.0.0.1:" + std::to_string(s->server_->port());
    s->services_->set_endpoint(s->endpoint_);
    if (!attach_workers(*s->workers_, s->options_, s->endpoint_, s->tls_, error)) return nullptr;
    if (!load_templates(s->options_, opened, *s->services_, *s->stacks_, error)) return nullptr;
    return s;
  }

  ~bench_server() override {
    if (server_) server_->stop();
    workers_->detach().reset();
    if (services_) services_->stop();
  }

  std::string endpoint() const override { return endpoint_; }

 private:
  bench_server() = default;
  serve_options options_;
  std::shared_ptr<late_worker_host> workers_ = std::make_shared<late_worker_host>();
  std::unique_ptr<emulator> services_;
  temporary_directory tls_scratch_;
  tls_setup tls_;
  std::shared_ptr<loaded_stacks> stacks_ = std::make_shared<loaded_stacks>();
  std::unique_ptr<http::server> server_;
  std::string endpoint_;
};

int bench(const std::vector<std::string_view>& args) {
  std::signal(SIGPIPE, SIG_IGN);
  const std::optional<load::bench_options> options = load::parse_bench_args(args);
  if (!options) {
    std::cout << load::bench_help;
    return exit_ok;
  }
  load::bench_options run = *options;
  run.progress_in_place = isatty(STDERR_FILENO) != 0;
  return load::run_bench(run, bench_server::start, std::cout, std::cerr);
}

int run(const std::vector<std::string_view>& args) {
  if (args.empty()) {
    std::cerr << main_help;
    return exit_usage;
  }
  const std::string_view command = args[0];
  if (command == "-h" || command == "--help" || command == "help") {
    std::cout << main_help;
    return exit_ok;
  }
  if (command == "--version" || command == "-V" || command == "version") {
    std::cout << "fogbank " << core::fogbank_version << "\n";
    return exit_ok;
  }
  if (command == "serve") {
    const auto options = parse_serve(std::vector<std::string_view>(args.begin() + 1, args.end()));
    if (!options) return exit_ok;
    return serve(*options);
  }
  if (command == "run") {
    const auto options = parse_run(std::vector<std::string_view>(args.begin() + 1, args.end()));
    if (!options) return exit_ok;
    return run_scenarios(*options);
  }
  if (command == "bench") return bench(std::vector<std::string_view>(args.begin() + 1, args.end()));
  throw usage_error{"unknown command '" + std::string(command) + "'"};
}

}  // namespace

int main(int argc, char** argv) {
#ifdef FOGBANK_WITH_MIMALLOC
  // mimalloc gives the pages of a freed block back to the system 25 ms after the block is freed
  // (madvise), and the next big block faults them in again. A Scan answer is a few blocks of a
  // megabyte or more, made and freed within milliseconds: at 64 connections the server spent its
  // time in page faults and in copies into fresh pages, and a 1 MB page cost ~20 ms of CPU where
  // it costs ~2 with the pages kept (bench/README.md, "Items written from their bytes"). Kept a
  // second, the pages still go back once a load is over. MIMALLOC_DECOMMIT_DELAY still decides.
  if (std::getenv("MIMALLOC_DECOMMIT_DELAY") == nullptr) mi_option_set(mi_option_decommit_delay, 1000);
#endif
  std::vector<std::string_view> args(argv + 1, argv + argc);
  try {
    return run(args);
  } catch (const usage_error& e) {
    std::cerr << "fogbank: " << e.what() << "\nRun 'fogbank --help' for usage.\n";
    return exit_usage;
  } catch (const std::exception& e) {
    std::cerr << "fogbank: " << e.what() << "\n";
    return exit_failure;
  }
}
