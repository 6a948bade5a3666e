// DynamoDB's and DynamoDB Streams' model-driven request checks (request_validation.hpp), which
// every request body meets before its operation runs: any JSON document against any operation's
// input shape.
//
// Input: an operation name on the first line ("Query"), then the request body as JSON.

#include "request_validation.hpp"

#include "fogbank/core/aws_error.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = text.find('\n');
  if (newline == std::string_view::npos) return 0;
  const nlohmann::json request =
      nlohmann::json::parse(text.substr(newline + 1), nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded()) return 0;
  try {
    // Either service's model: the operation names do not overlap.
    const std::string_view operation = text.substr(0, newline);
    namespace model = fogbank::dynamodb::request_model;
    fogbank::dynamodb::validate_request_shape(model::dynamodb_model(), operation, request);
    fogbank::dynamodb::validate_request_shape(model::streams_model(), operation, request);
  } catch (const fogbank::core::aws_error&) {
    // The SerializationException or ValidationException bad input must produce.
  }
  return 0;
}
