// echo.handler: answers its event with what its context says about the invocation, and logs one
// line. The smallest in-process handler; the e2e tests invoke it with the AWS CLI and boto3.
//
//   {"event": <the event>, "function_name": ..., "request_id": ..., "remaining_ms": ...,
//    "memory_limit_mb": ..., "greeting": <env GREETING or null>}

#include "fogbank/lambda/handler.hpp"

namespace {

nlohmann::json handle(const nlohmann::json& event, fogbank::lambda::context& ctx) {
  ctx.log("echo: " + event.dump());
  const std::optional<std::string> greeting = ctx.env("GREETING");
  return {{"event", event},
          {"function_name", ctx.function_name()},
          {"function_arn", ctx.invoked_function_arn()},
          {"request_id", ctx.request_id()},
          {"remaining_ms", ctx.remaining_time().count()},
          {"memory_limit_mb", ctx.memory_limit_mb()},
          {"greeting", greeting ? nlohmann::json(*greeting) : nlohmann::json()}};
}

}  // namespace

FOGBANK_LAMBDA_HANDLER("echo.handler", handle);
