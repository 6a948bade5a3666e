// fail.handler: always throws, so that the tests see Lambda's answer to a handler error:
// X-Amz-Function-Error: Unhandled and {"errorMessage", "errorType", "stackTrace"}.
//
//   event: {"reason": "why"}    error: std::runtime_error("why")

#include "fogbank/lambda/handler.hpp"

#include <stdexcept>
#include <string>

namespace {

nlohmann::json handle(const nlohmann::json& event, fogbank::lambda::context& ctx) {
  const std::string reason = event.value("reason", std::string("fail.handler always fails"));
  ctx.log("failing: " + reason);
  throw std::runtime_error(reason);
}

}  // namespace

FOGBANK_LAMBDA_HANDLER("fail.handler", handle);
