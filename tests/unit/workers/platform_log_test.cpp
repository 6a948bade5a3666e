// What the platform writes around an invocation (research doc §9.1) and answers for the
// invocations it ends (§4.3), and the bounded capture of a worker's output.

#include "platform_log.hpp"
#include "bootstrap_files.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>

namespace fogbank::workers {
namespace {

using namespace std::chrono_literals;

TEST(PlatformLog, ReportLineHasLambdasFieldsAndTrailingTab) {
  EXPECT_EQ(
      report_line(
          {.request_id = "r1", .duration = 3071270us, .memory_size_mb = 128, .max_memory_used_mb = 21}),
      "REPORT RequestId: r1\tDuration: 3071.27 ms\tBilled Duration: 3072 ms\tMemory Size: 128 MB\tMax Memory "
      "Used: 21 MB\t\n");
  EXPECT_EQ(report_line({.request_id = "r2",
                         .duration = 0us,
                         .memory_size_mb = 256,
                         .init_duration = 84000us,
                         .status = "timeout"}),
            "REPORT RequestId: r2\tDuration: 0.00 ms\tBilled Duration: 1 ms\tMemory Size: 256 MB\tMax Memory "
            "Used: 0 "
            "MB\tInit Duration: 84.00 ms\tStatus: timeout\t\n");
  EXPECT_EQ(
      report_line(
          {.request_id = "r3", .duration = 1500us, .status = "error", .error_type = "Runtime.ExitError"}),
      "REPORT RequestId: r3\tDuration: 1.50 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: "
      "0 "
      "MB\tStatus: error\tError Type: Runtime.ExitError\t\n");
  EXPECT_EQ(start_line("r1", "$LATEST"), "START RequestId: r1 Version: $LATEST\n");
  EXPECT_EQ(end_line("r1"), "END RequestId: r1\n");
}

TEST(PlatformLog, PayloadsOfInvocationsThePlatformEnds) {
  EXPECT_EQ(
      timeout_payload("f83d9f5b", 3000ms),
      R"({"errorType":"Sandbox.Timedout","errorMessage":"RequestId: f83d9f5b Error: Task timed out after 3.00 seconds"})");
  EXPECT_EQ(
      timeout_payload("x", 900000ms),
      R"({"errorType":"Sandbox.Timedout","errorMessage":"RequestId: x Error: Task timed out after 900.00 seconds"})");
  EXPECT_EQ(
      exit_payload("1c0c", "exit status 101"),
      R"({"errorType":"Runtime.ExitError","errorMessage":"RequestId: 1c0c Error: Runtime exited with error: exit status 101"})");
  EXPECT_EQ(
      exit_payload("1c0c", ""),
      R"({"errorType":"Runtime.ExitError","errorMessage":"RequestId: 1c0c Error: Runtime exited without providing a reason"})");
  EXPECT_EQ(
      response_too_large_payload(7000002),
      R"({"errorMessage":"Response payload size (7000002 bytes) exceeded maximum allowed payload size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"})");
}

int wait_status_of(const char* script) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", script, static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

TEST(PlatformLog, ExitsAreDescribedAsGoPrintsThem) {
  EXPECT_EQ(describe_exit(wait_status_of("exit 0")), "");
  EXPECT_EQ(describe_exit(wait_status_of("exit 3")), "exit status 3");
  EXPECT_EQ(describe_exit(wait_status_of("kill -KILL $$")), "signal: killed");
  EXPECT_EQ(describe_exit(wait_status_of("kill -TERM $$")), "signal: terminated");
  EXPECT_EQ(describe_exit(wait_status_of("kill -USR1 $$")), "signal: user defined signal 1");
}

TEST(PlatformLog, OutputBufferKeepsTheLastBytesFromALineStart) {
  output_buffer small(10);
  small.append("abc\n");
  EXPECT_EQ(small.take(), "abc\n");
  EXPECT_TRUE(small.empty());
  output_buffer bounded(16);
  for (int i = 0; i < 100; ++i) bounded.append("line " + std::to_string(i) + "\n");
  const std::string kept = bounded.take();
  EXPECT_EQ(kept.rfind("[fogbank] ", 0), 0u) << kept;
  EXPECT_NE(kept.find(" bytes of output dropped: the log keeps the last 16 bytes\nline 99\n"),
            std::string::npos)
      << kept;
  // 100 lines of 7 or 8 bytes: 790 in all, "line 99\n" kept.
  EXPECT_EQ(kept.substr(10, 3), "782") << kept;
}

TEST(BootstrapFiles, AreWrittenOnceUnderTheirContentHash) {
  const auto root =
      std::filesystem::temp_directory_path() / ("fogbank-bootstraps-" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  std::string error;
  const auto dir = install_bootstraps(root, &error);
  ASSERT_FALSE(dir.empty()) << error;
  EXPECT_EQ(dir.parent_path(), root);
  for (const char* file :
       {"node/index.js", "node/runtime.js", "python/bootstrap.py", "python/site/sitecustomize.py"}) {
    EXPECT_TRUE(std::filesystem::is_regular_file(dir / file)) << file;
  }
  const auto& first = embedded_bootstraps().front();
  std::ifstream in(dir / first.path, std::ios::binary);
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, first.content);
  // A second install finds the directory complete.
  EXPECT_EQ(install_bootstraps(root, &error), dir);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(root), std::filesystem::directory_iterator()),
            1);
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace fogbank::workers
