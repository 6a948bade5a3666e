// The AWS JSON protocol's front door on inputs the fuzzer found (fuzz/findings/json_front/).

#include "aws_json.hpp"
#include "call.hpp"

#include "fogbank/main/emulator.hpp"

#include <gtest/gtest.h>

namespace fogbank::http {
namespace {

using nlohmann::json;

class no_deferral final : public reply_channel {
 public:
  std::shared_ptr<deferred_reply> defer() override {
    return std::make_shared<deferred_reply>([](const response&) {});
  }
};

TEST(JsonFront, AuthorizationHeaderThatIsNotUtf8GetsTheSignatureError) {
  std::string error;
  const auto services = emulator::open(emulator_options{.manual_clock = true}, &error);
  ASSERT_TRUE(services) << error;
  const aws_json_front front(services->services());
  request req{bhttp::verb::post, "/", 11};
  req.set(bhttp::field::content_type, "application/x-amz-json-1.0");
  req.set("X-Amz-Target", "DynamoDB_20120810.ListTables");
  // The IncompleteSignatureException message quotes the header, here with a stray 0xA4 byte.
  req.set(bhttp::field::authorization, "AWS4-\xA4");
  req.body() = "{}";
  req.prepare_payload();
  no_deferral channel;

  const auto res = front.handle(req, reply_to_of(req, "rid"), channel);

  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), bhttp::status::bad_request);
  const json body = json::parse(res->body());
  EXPECT_EQ(body["__type"], "com.amazon.coral.service#IncompleteSignatureException") << res->body();
  EXPECT_NE(body["message"].get<std::string>().find("Authorization=AWS4-\xEF\xBF\xBD"), std::string::npos)
      << "the stray byte should read as U+FFFD: " << res->body();
}

}  // namespace
}  // namespace fogbank::http
