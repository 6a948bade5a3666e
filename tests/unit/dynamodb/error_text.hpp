#pragma once
// The errors a call raises, as text, for the tests that compare DynamoDB's wording.

#include "fogbank/core/aws_error.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace fogbank::dynamodb {

// "Name: message" of the AWS error `call` raises, or "no error".
inline std::string error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const core::aws_error& e) {
    return std::string(e.name()) + ": " + e.message();
  }
  return "no error";
}

// The message of the ValidationException `call` raises (any other error fails the test), or
// "<no error>".
inline std::string validation_message_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const core::aws_error& e) {
    EXPECT_EQ(e.code(), core::error_code::validation) << e.message();
    return e.message();
  }
  return "<no error>";
}

inline nlohmann::json j(std::string_view text) {
  return nlohmann::json::parse(text);
}

}  // namespace fogbank::dynamodb
