// Workers over their lives: reused warm, capped by the function's concurrency, replaced on a new
// revision or retire(), and ended by timeouts, exits, floods and oversized answers without ever
// taking the host down (research doc §4.3, §1.3).

#include "worker_fixture.hpp"

#include <set>
#include <string>
#include <thread>

namespace fogbank::workers::testing {
namespace {

class lifecycle : public worker_test {};

// Whether process `pid` has ended (reaped, or a zombie waiting for whoever inherited it), waiting
// up to a few seconds for SIGKILL to land.
bool gone_or_zombie(int pid) {
  for (int i = 0; i < 100; ++i) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string ignored, state;
    if (!(stat >> ignored >> ignored >> state) || state == "Z") return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

// A handler that reports its process id, to tell workers apart.
constexpr const char* pid_handler = "exports.handler = async (event) => ({ pid: process.pid, event });\n";

TEST_F(lifecycle, WarmWorkerIsReusedAndOnlyTheFirstInvocationIsACold) {
  write("index.js", pid_handler);
  const auto config = function("nodejs20.x", "index.handler");
  const auto first = invoke(config);
  const auto second = invoke(config);
  ASSERT_EQ(first.kind, lambda::outcome_kind::success) << describe(first);
  ASSERT_EQ(second.kind, lambda::outcome_kind::success) << describe(second);
  EXPECT_EQ(parsed(first)["pid"], parsed(second)["pid"]);
  EXPECT_TRUE(first.init_duration.has_value());
  EXPECT_FALSE(second.init_duration.has_value());
  EXPECT_NE(first.log.find("Init Duration: "), std::string::npos) << first.log;
  EXPECT_EQ(second.log.find("Init Duration: "), std::string::npos) << second.log;
  EXPECT_EQ(second.log.find("INIT_START"), std::string::npos) << second.log;
  EXPECT_EQ(cold_starts(), 1u);
}

TEST_F(lifecycle, ConcurrencyCapsTheWorkersAndQueuesTheRest) {
  // Each invocation holds its worker until released by a file: with a cap of 2, four invocations
  // run on exactly two processes.
  write("index.js",
        "const fs = require('fs');\n"
        "exports.handler = async (event) => {\n"
        "  while (!fs.existsSync(event.release)) await new Promise(r => setTimeout(r, 10));\n"
        "  return { pid: process.pid };\n"
        "};\n");
  auto config = function("nodejs20.x", "index.handler", 20s);
  config.reserved_concurrency = 2;
  const std::string release = (root_ / "release").string();
  std::vector<std::future<lambda::invocation_outcome>> running;
  for (int i = 0; i < 4; ++i) running.push_back(start(config, call(json{{"release", release}}.dump())));
  // Two at a time: the other two wait for a worker (nothing answers before the release).
  std::this_thread::sleep_for(300ms);
  for (auto& f : running) EXPECT_EQ(f.wait_for(0s), std::future_status::timeout);
  std::ofstream(root_ / "release") << "go";
  std::set<int> pids;
  for (auto& f : running) {
    const auto outcome = wait(f);
    ASSERT_EQ(outcome.kind, lambda::outcome_kind::success) << describe(outcome);
    pids.insert(parsed(outcome)["pid"].get<int>());
  }
  EXPECT_EQ(pids.size(), 2u);
  EXPECT_EQ(cold_starts(), 2u);
}

TEST_F(lifecycle, NewRevisionStartsANewWorker) {
  write("index.js", pid_handler);
  auto config = function("nodejs20.x", "index.handler");
  const auto before = invoke(config);
  write("index.js", "exports.handler = async () => ({ pid: process.pid, edited: true });\n");
  const auto same_revision = invoke(config);  // warm: the edit is not seen yet
  config.revision = "r2";
  const auto after = invoke(config);
  ASSERT_EQ(after.kind, lambda::outcome_kind::success) << describe(after);
  EXPECT_EQ(parsed(before)["pid"], parsed(same_revision)["pid"]);
  EXPECT_EQ(parsed(same_revision).count("edited"), 0u);
  EXPECT_NE(parsed(before)["pid"], parsed(after)["pid"]);
  EXPECT_EQ(parsed(after)["edited"], true);
  EXPECT_TRUE(after.init_duration.has_value());
}

TEST_F(lifecycle, RetireStopsTheWarmWorkers) {
  write("index.js", pid_handler);
  const auto config = function("nodejs20.x", "index.handler");
  const auto before = invoke(config);
  host().retire(config.name);
  const auto after = invoke(config);
  ASSERT_EQ(after.kind, lambda::outcome_kind::success) << describe(after);
  EXPECT_NE(parsed(before)["pid"], parsed(after)["pid"]);
  EXPECT_EQ(cold_starts(), 2u);
}

TEST_F(lifecycle, TimeoutKillsTheWorkerAndAnswersSandboxTimedout) {
  // The handler leaves a child process behind: it goes with the worker's process group.
  write("index.js",
        "const { spawn } = require('child_process');\n"
        "exports.handler = async (event) => {\n"
        "  if (event.hang) {\n"
        "    const child = spawn('sleep', ['600'], { stdio: 'ignore' });\n"
        "    require('fs').writeFileSync(event.pidFile, String(child.pid));\n"
        "    console.log('hanging'); await new Promise(() => setInterval(() => {}, 1000));\n"
        "  }\n"
        "  return { pid: process.pid };\n"
        "};\n");
  const auto config = function("nodejs20.x", "index.handler", 1s);
  const auto pid_file = root_ / "child.pid";
  const auto outcome = invoke(config, json{{"hang", true}, {"pidFile", pid_file.string()}}.dump());
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::timeout) << describe(outcome);
  EXPECT_EQ(
      outcome.payload,
      R"({"errorType":"Sandbox.Timedout","errorMessage":"RequestId: req-1 Error: Task timed out after 1.00 seconds"})");
  EXPECT_NE(outcome.log.find("\tINFO\thanging\n"), std::string::npos) << outcome.log;
  EXPECT_NE(outcome.log.find("\tStatus: timeout\t"), std::string::npos) << outcome.log;
  int child = 0;
  std::ifstream(pid_file) >> child;
  ASSERT_GT(child, 0);
  EXPECT_TRUE(gone_or_zombie(child)) << "the handler's child process " << child << " outlived its worker";
  // The next invocation gets a new worker, which answers.
  const auto next = invoke(config);
  ASSERT_EQ(next.kind, lambda::outcome_kind::success) << describe(next);
  EXPECT_TRUE(next.init_duration.has_value());
}

TEST_F(lifecycle, ProcessExitIsARuntimeExitErrorWithItsStatus) {
  write("index.js", "exports.handler = async (event) => { process.exit(event.code); };\n");
  const auto config = function("nodejs20.x", "index.handler");
  auto outcome = invoke(config, R"({"code":3})");
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::crashed) << describe(outcome);
  EXPECT_EQ(
      outcome.payload,
      R"({"errorType":"Runtime.ExitError","errorMessage":"RequestId: req-1 Error: Runtime exited with error: exit status 3"})");
  EXPECT_NE(outcome.log.find("\tStatus: error\tError Type: Runtime.ExitError\t"), std::string::npos)
      << outcome.log;
  outcome = invoke(config, R"({"code":0})");
  EXPECT_EQ(
      outcome.payload,
      R"({"errorType":"Runtime.ExitError","errorMessage":"RequestId: req-2 Error: Runtime exited without providing a reason"})")
      << describe(outcome);
}

TEST_F(lifecycle, KilledBySignalNamesTheSignal) {
  write("index.js", "exports.handler = async () => { process.kill(process.pid, 'SIGKILL'); };\n");
  const auto outcome = invoke(function("nodejs20.x", "index.handler"));
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::crashed) << describe(outcome);
  EXPECT_EQ(parsed(outcome)["errorMessage"],
            "RequestId: req-1 Error: Runtime exited with error: signal: killed");
}

TEST_F(lifecycle, UncaughtExceptionFailsTheInvocationAndTheNextOneRunsInANewWorker) {
  // Node.js posts the error, then exits 129 right after (RIC): not a crash of the next invocation.
  write("index.js",
        "exports.handler = async (event) => {\n"
        "  if (event.boom) setImmediate(() => { throw new Error('from a callback'); });\n"
        "  if (event.boom) await new Promise(r => setTimeout(r, 1000));\n"
        "  return { pid: process.pid };\n"
        "};\n");
  const auto config = function("nodejs20.x", "index.handler");
  const auto failed = invoke(config, R"({"boom":true})");
  ASSERT_EQ(failed.kind, lambda::outcome_kind::function_error) << describe(failed);
  EXPECT_EQ(parsed(failed)["errorMessage"], "from a callback");
  for (int i = 0; i < 3; ++i) {
    const auto next = invoke(config);
    ASSERT_EQ(next.kind, lambda::outcome_kind::success) << describe(next);
  }
}

TEST_F(lifecycle, WorkerThatExitsWhileIdleIsReplacedAtTheNextInvocation) {
  // The handler answers at once and leaves a timer that prints and exits between invocations.
  write("index.js",
        "exports.handler = (event, context, callback) => {\n"
        "  context.callbackWaitsForEmptyEventLoop = false;\n"
        "  setTimeout(() => { console.log('late line'); process.exit(7); }, 50);\n"
        "  callback(null, { pid: process.pid });\n"
        "};\n");
  const auto config = function("nodejs20.x", "index.handler");
  const auto first = invoke(config);
  ASSERT_EQ(first.kind, lambda::outcome_kind::success) << describe(first);
  EXPECT_EQ(first.log.find("late line"), std::string::npos) << first.log;
  // Once the host has seen the exit, the next invocation is answered by a new worker. (If it comes
  // before the exit is seen, the dead worker's pending /next has already been answered with it and
  // it fails with Runtime.ExitError, as on Lambda, where a thawed runtime whose timer exits the
  // process fails the invocation that thawed it; emulator/workers/README.md.)
  const auto exit_seen = [&] {
    const auto lines = host_log();
    return std::any_of(lines.begin(), lines.end(), [](const std::string& l) {
      return l.find(") exited with exit status 7") != std::string::npos;
    });
  };
  for (int i = 0; i < 1000 && !exit_seen(); ++i) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(exit_seen()) << "the host did not see the worker exit within 10 s";
  const auto second = invoke(config);
  ASSERT_EQ(second.kind, lambda::outcome_kind::success) << describe(second);
  EXPECT_NE(parsed(first)["pid"], parsed(second)["pid"]);
  const auto lines = host_log();
  const auto logged = [&](const std::string& text) {
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string& l) { return l.find(text) != std::string::npos; });
  };
  EXPECT_TRUE(logged("(between invocations): ")) << "no idle output in the host's log";
  EXPECT_TRUE(logged("INFO\tlate line"));
  EXPECT_TRUE(logged(") exited with exit status 7"));
}

TEST_F(lifecycle, FloodedOutputIsBoundedAndTheHostKeepsServing) {
  // 40 MB through the pipe, written synchronously (console) and asynchronously (process.stderr):
  // the invocation answers, its log keeps the last 256 KiB, which end with its last line.
  write("index.js",
        "const line = 'x'.repeat(1000);\n"
        "exports.handler = async (event) => {\n"
        "  for (let i = 0; i < 20 * 1024; i++) console.log(line);\n"
        "  for (let i = 0; i < 20 * 1024; i++) process.stderr.write(line + '\\n');\n"
        "  process.stderr.write('the end\\n');\n"
        "  return 'flooded';\n"
        "};\n");
  const auto config = function("nodejs20.x", "index.handler", 30s);
  const auto outcome = invoke(config);
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::success) << outcome.payload;
  EXPECT_EQ(outcome.payload, "\"flooded\"");
  EXPECT_LT(outcome.log.size(), 300u * 1024);
  EXPECT_NE(outcome.log.find(" bytes of output dropped: the log keeps the last 262144 bytes\n"),
            std::string::npos);
  EXPECT_NE(outcome.log.find("xx\nthe end\nEND RequestId: req-1\n"), std::string::npos)
      << outcome.log.substr(outcome.log.size() - 300);
  EXPECT_EQ(invoke(config).kind, lambda::outcome_kind::success);
}

TEST_F(lifecycle, OversizedResponseFailsTheInvocationAsLambdaDoes) {
  write("index.js", "exports.handler = async (event) => 'y'.repeat(event.size);\n");
  const auto config = function("nodejs20.x", "index.handler", 10s);
  // 6291556 bytes is the limit; a JSON string of n characters is n + 2 bytes.
  const auto fits = invoke(config, R"({"size":6291554})");
  ASSERT_EQ(fits.kind, lambda::outcome_kind::success) << fits.payload.substr(0, 200);
  EXPECT_EQ(fits.payload.size(), 6291556u);
  const auto outcome = invoke(config, R"({"size":7000000})");
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::function_error) << describe(outcome);
  EXPECT_EQ(
      outcome.payload,
      R"({"errorMessage":"Response payload size (7000002 bytes) exceeded maximum allowed payload size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"})");
  // The worker goes on serving.
  EXPECT_EQ(invoke(config, R"({"size":3})").payload, "\"yyy\"");
}

TEST_F(lifecycle, UnknownRuntimeIsNotRun) {
  EXPECT_FALSE(host().runs(function("java21", "Handler::handle")));
  EXPECT_FALSE(host().runs(function("nodejs16.x", "index.handler")));
  EXPECT_TRUE(host().runs(function("nodejs22.x", "index.handler")));
  EXPECT_TRUE(host().runs(function("python3.12", "app.handler")));
  EXPECT_TRUE(host().runs(function("provided.al2023", "anything")));
  const auto outcome = invoke(function("java21", "Handler::handle"));
  ASSERT_EQ(outcome.kind, lambda::outcome_kind::init_error) << describe(outcome);
  EXPECT_EQ(parsed(outcome)["errorType"], "Runtime.InvalidEntrypoint");
}

TEST_F(lifecycle, DestroyingTheHostEndsInvocationsInFlight) {
  write("index.js", "exports.handler = () => new Promise(() => setInterval(() => {}, 1000));\n");
  const auto config = function("nodejs20.x", "index.handler", 60s);
  auto running = start(config, call());
  std::this_thread::sleep_for(500ms);
  host_.reset();
  ASSERT_EQ(running.wait_for(0s), std::future_status::ready);
  EXPECT_EQ(running.get().kind, lambda::outcome_kind::crashed);
}

}  // namespace
}  // namespace fogbank::workers::testing
