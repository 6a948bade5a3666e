// SNS subscription filter policies (a FilterPolicy attribute of Subscribe or
// SetSubscriptionAttributes): a client's policy text parsed and checked under one of the two
// scopes, then matched against fixed message attributes and payloads. Bad input must end as
// InvalidParameter and nothing else.
//
// Input: one byte choosing the scope (even: MessageAttributes, odd: MessageBody), then the policy
// text.

#include "filter_policy.hpp"

#include "fogbank/core/aws_error.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using json = nlohmann::json;

const json& attributes() {
  static const json all = json::parse(R"({
    "store": {"DataType": "String", "StringValue": "example_corp"},
    "price": {"DataType": "Number", "StringValue": "99.5"},
    "tags": {"DataType": "String.Array", "StringValue": "[\"red\", 5, true, null, [1], {\"a\": 1}]"},
    "source": {"DataType": "String", "StringValue": "10.0.0.1"},
    "blob": {"DataType": "Binary", "BinaryValue": "AgME"}
  })");
  return all;
}

constexpr std::string_view payloads[] = {
    R"({"object": {"key": "auto-1", "n": 12, "list": [1, "a", {"x": null}]}, "object.key": "dotted"})",
    R"({"Records": [{"s3": {"object": [[{"key": "auto-insurance.xml", "size": 17}]]}}, {"s3": {"object": {}}}]})",
    "plain text",
    "[1, 2, 3]",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto scope = (data[0] & 1) != 0 ? fogbank::sns::filter::scope::message_body
                                        : fogbank::sns::filter::scope::message_attributes;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  json policy;
  try {
    policy = fogbank::sns::filter::parse(text, scope, "Invalid parameter: ");
  } catch (const fogbank::core::aws_error& error) {
    if (error.code() != fogbank::core::error_code::sns_invalid_parameter) __builtin_trap();
    return 0;  // refused, as it must be
  }
  (void)fogbank::sns::filter::matches_attributes(policy, attributes());
  for (const std::string_view payload : payloads) (void)fogbank::sns::filter::matches_body(policy, payload);
  return 0;
}
