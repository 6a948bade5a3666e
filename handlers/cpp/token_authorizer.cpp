// token_authorizer.handler: a Lambda REQUEST authorizer, as the developer guide's examples write
// one ("Use API Gateway Lambda authorizers"): it reads the token from the query string (`token`)
// or the `Auth` header and answers an IAM policy on the event's methodArn.
//
//   token "allow"  -> Allow, principalId "user-allow", context {"user": "alice", "level": 3,
//                     "admin": false}
//   token "deny"   -> Deny on the methodArn
//   token "broken" -> an answer without principalId (a malformed authorizer answer)
//   anything else  -> throws "Unauthorized" (API Gateway answers 401)

#include "fogbank/lambda/handler.hpp"

#include <stdexcept>
#include <string>

namespace {

using json = nlohmann::json;

json policy(const std::string& effect, const json& method_arn) {
  return {{"Version", "2012-10-17"},
          {"Statement",
           json::array({{{"Action", "execute-api:Invoke"}, {"Effect", effect}, {"Resource", method_arn}}})}};
}

json handle(const json& event, fogbank::lambda::context& ctx) {
  std::string token = event.value("queryStringParameters", json::object()).value("token", "");
  if (token.empty()) token = event.value("headers", json::object()).value("Auth", "");
  ctx.log("token_authorizer: " + token);
  const json method_arn = event.value("methodArn", "");
  if (token == "allow") {
    return {{"principalId", "user-" + token},
            {"policyDocument", policy("Allow", method_arn)},
            {"context", {{"user", "alice"}, {"level", 3}, {"admin", false}}}};
  }
  if (token == "deny") return {{"principalId", "user-deny"}, {"policyDocument", policy("Deny", method_arn)}};
  if (token == "broken") return {{"policyDocument", policy("Allow", method_arn)}};
  throw std::runtime_error("Unauthorized");
}

}  // namespace

FOGBANK_LAMBDA_HANDLER("token_authorizer.handler", handle);
