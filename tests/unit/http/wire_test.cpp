// The wire helpers against hostile headers: the Host header is echoed into every SQS queue URL,
// so only a plain host[:port] is taken from it (issue 6: nothing a client sends may corrupt what
// the server hands back).

#include "wire.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fogbank::http {
namespace {

constexpr std::string_view fallback = "http://localhost:4566";

std::string endpoint_for(const std::string& host, bool tls = false) {
  request req{bhttp::verb::post, "/", 11};
  req.set(bhttp::field::host, host);
  reply_to to;
  to.tls = tls;
  return endpoint_of(req, to, fallback);
}

TEST(Wire, EndpointFollowsAPlainHost) {
  for (const std::string& host :
       std::vector<std::string>{"localhost:4566", "localhost", "127.0.0.1:4566", "[::1]:4566", "[::1]",
                                "sqs.us-east-1.localhost.localstack.cloud:4566", "fogbank_1:80",
                                "[2001:db8::ffff:192.0.2.1]:8080"}) {
    EXPECT_EQ(endpoint_for(host), "http://" + host) << host;
  }
}

TEST(Wire, EndpointOfATlsRequestIsHttps) {
  EXPECT_EQ(endpoint_for("127.0.0.1:4566", true), "https://127.0.0.1:4566");
  EXPECT_EQ(endpoint_for("a b", true), fallback);
}

TEST(Wire, EndpointFallsBackForAnythingElse) {
  // Found by hand: a Host header of 60,000 characters became a 60 KB QueueUrl, and one with
  // bytes that are not UTF-8 came back as replacement characters inside it.
  for (const std::string& host :
       {std::string(),           std::string(60000, 'h'),   std::string(254, 'h'), std::string("h\xff\xfe:1"),
        std::string("a b"),      std::string("a/b"),        std::string("a@b"),    std::string("a\"b"),
        std::string("<script>"), std::string("a%41"),       std::string("host:"),  std::string("host:123456"),
        std::string("host:12a"), std::string("host:1:2"),   std::string("[::1"),   std::string("[::1]x"),
        std::string("[::1]:"),   std::string("[zz::1]:80"), std::string("[]"),     std::string(":80")}) {
    EXPECT_EQ(endpoint_for(host), fallback) << "Host: " << host.substr(0, 80);
  }
  request none{bhttp::verb::post, "/", 11};
  EXPECT_EQ(endpoint_of(none, reply_to{}, fallback), fallback);
}

TEST(Wire, HostLengthLimitIsADnsName) {
  EXPECT_TRUE(is_plain_host(std::string(253, 'h')));
  EXPECT_TRUE(is_plain_host(std::string(253, 'h') + ":65535"));
  EXPECT_FALSE(is_plain_host(std::string(254, 'h')));
}

TEST(Wire, MediaTypeOfHugeAndOddValues) {
  EXPECT_EQ(media_type("application/json; charset=utf-8"), "application/json");
  EXPECT_EQ(media_type(" \t "), "");
  EXPECT_EQ(media_type(";;;;"), "");
  const std::string padded = std::string(30000, ' ') + "text/plain" + std::string(30000, ' ') + ";x";
  EXPECT_EQ(media_type(padded), "text/plain");
}

// find_header must answer as Beast's find() does (the first of a repeated header, names in any
// case, known to Beast or not), since it replaced it on every request.
TEST(Wire, FindHeaderAnswersAsBeastsFind) {
  request req{bhttp::verb::post, "/", 11};
  req.insert("x-AMZ-target", "DynamoDB_20120810.GetItem");
  req.insert("content-TYPE", "application/x-amz-json-1.0");
  req.insert(bhttp::field::authorization, "first");
  req.insert("AUTHORIZATION", "second");
  req.insert("X-Amz-Date", "");
  for (const std::string_view name : {"X-Amz-Target", "x-amz-target", "Content-Type", "authorization",
                                      "X-Amz-Date", "X-Amz-Targe", "Host"}) {
    const auto beast = req.find(bsv(name));
    const std::optional<std::string_view> expected =
        beast == req.end() ? std::nullopt : std::optional<std::string_view>(sv(beast->value()));
    EXPECT_EQ(find_header(req, name), expected) << name;
    EXPECT_EQ(header_value(req, name), sv(req[bsv(name)])) << name;
  }
  for (const bhttp::field name :
       {bhttp::field::content_type, bhttp::field::authorization, bhttp::field::host}) {
    const auto beast = req.find(name);
    const std::optional<std::string_view> expected =
        beast == req.end() ? std::nullopt : std::optional<std::string_view>(sv(beast->value()));
    EXPECT_EQ(find_header(req, name), expected) << bhttp::to_string(name);
    EXPECT_EQ(header_value(req, name), sv(req[name])) << bhttp::to_string(name);
  }
  EXPECT_EQ(find_header(req, bhttp::field::authorization), std::optional<std::string_view>("first"));
  EXPECT_EQ(find_header(req, "x-amz-date"), std::optional<std::string_view>(""));  // present, empty
  EXPECT_EQ(find_header(req, "Host"), std::nullopt);
}

}  // namespace
}  // namespace fogbank::http
