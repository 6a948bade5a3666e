// Log lines quote client bytes (a target header, an exception's text): they must stay one line
// of bounded length whatever the client sent.

#include "log.hpp"

#include <gtest/gtest.h>

#include <string>

namespace fogbank::http {
namespace {

TEST(Log, ControlCharactersAreEscaped) {
  EXPECT_EQ(loggable("plain text, quotes ' \" and UTF-8 \xc3\xa9"),
            "plain text, quotes ' \" and UTF-8 \xc3\xa9");
  EXPECT_EQ(loggable("a\nfogbank: forged\r\x1b[2Jb\x7f"), "a\\x0afogbank: forged\\x0d\\x1b[2Jb\\x7f");
  EXPECT_EQ(loggable(std::string("nul\0here", 8)), "nul\\x00here");
}

TEST(Log, LongMessagesAreCut) {
  const std::string message(64 * 1024, 'x');
  const std::string line = loggable(message);
  EXPECT_EQ(line, std::string(4096, 'x') + "... (65536 bytes)");
  EXPECT_EQ(loggable(std::string(4096, 'y')), std::string(4096, 'y'));
}

TEST(Log, WritesOneLineToStderr) {
  testing::internal::CaptureStderr();
  log_error("two\nlines");
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "fogbank: two\\x0alines\n");
}

}  // namespace
}  // namespace fogbank::http
