#pragma once
// YAML scenarios (`fogbank run`): a scenario file names its templates and a seed, then steps
// (API calls, WebSocket clients, clock moves, expectations), run in process on a manual clock.
// The file format is documented in emulator/scenario/README.md and checked by
// emulator/scenario/scenario.schema.json.
//
// Determinism: one thread (the caller's) drives the manual clock; Lambda invocations complete
// before the step that starts them returns, so handlers run one at a time while the clock stands
// still; ids come from the seeded id streams. The same scenario and seed give the same
// transcript, byte for byte.
//
// Thread-safety: run_file() uses the calling thread only (an environment may serve handlers'
// SDK calls on threads of its own while a step waits). Two runs may go on at once on two threads,
// each with its own environment.

#include "fogbank/main/emulator.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace fogbank::scenario {

// What a scenario runs in: the emulator (opened with the options given: manual clock, seed) and
// whatever must live beside it, e.g. the HTTP server and the worker host that Node.js and Python
// handlers need (the `fogbank` command adds them; the in-process default has only C++ handlers).
class environment {
 public:
  virtual ~environment() = default;
  virtual emulator& services() = 0;
  // What WebSocket clients connect to (requestContext.domainName, and where handlers post to
  // @connections): "host:port". The transcript writes it as "localhost:4566", so that a port
  // chosen at run time never makes two runs differ.
  virtual std::string domain_name() { return "localhost:4566"; }
};

// Opens an environment, or returns nullptr with `*error` set.
using environment_factory =
    std::function<std::unique_ptr<environment>(const emulator_options& options, std::string* error)>;

// The emulator alone, in memory: C++ handlers only.
std::unique_ptr<environment> open_in_process(const emulator_options& options, std::string* error);

struct run_options {
  // Overrides the scenario's own `seed:` when set (`--seed N`).
  std::optional<std::uint64_t> seed;
  // Receives the transcript as JSON lines (`--transcript FILE`); nullptr: none is written.
  std::ostream* transcript = nullptr;
  // Empty: open_in_process.
  environment_factory open;
  // "http://HOST:PORT" of a running `fogbank serve` (`--endpoint`): the steps go over real sockets
  // on its real clock instead (`open` and `seed` unused); the server must have the scenario's
  // templates loaded. See emulator/scenario/README.md, "Against a running server".
  std::string endpoint;
};

struct scenario_result {
  std::filesystem::path file;
  std::string name;  // the scenario's `name:`, else the file's stem
  bool passed = false;
  // When it failed: the step ("step 3 (call dynamodb GetItem)"), "file:line:column", and what
  // went wrong, with expected and actual as a diff where there are both. Several lines.
  std::string failure;
  double seconds = 0;  // wall time of the run, for the report only (never in a transcript)
};

// Reads, checks and runs one scenario file. A file that does not load fails with the loader's
// error ("file:line:column: expected ..."); the run never throws for a scenario's content. A file
// with `variants:` runs each and gives one result (passed when every variant did).
scenario_result run_file(const std::filesystem::path& file, const run_options& options);
// The same, one result per variant of a file with `variants:` (named "name [variant]"); a file
// without them gives one result, as run_file does. A file that does not load gives one failure.
std::vector<scenario_result> run_variants(const std::filesystem::path& file, const run_options& options);

// The scenario files a `fogbank run PATH...` argument names: a file as it is, a folder's
// *.yaml and *.yml files (not recursive) sorted by name. Throws std::runtime_error for a path
// that does not exist.
std::vector<std::filesystem::path> expand_paths(const std::vector<std::filesystem::path>& paths);

// JUnit XML (the Jenkins / GitLab dialect: one <testsuite> of one <testcase> per scenario, a
// <failure> with the failure text).
std::string junit_report(const std::vector<scenario_result>& results, const std::string& suite_name);

}  // namespace fogbank::scenario
