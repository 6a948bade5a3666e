// orders.put: stores the order in its event in DynamoDB (table TABLE_NAME) and, when QUEUE_URL is
// set, announces it on SQS, both through the in-process client, as a handler on AWS would through
// the SDK. A call that fails fails the invocation (the exception becomes Lambda's error payload).
//
//   event: {"id": "o-1", "amount": 12}    response: {"stored": "o-1"}

#include "fogbank/dispatch/client.hpp"
#include "fogbank/lambda/handler.hpp"

#include <stdexcept>
#include <string>

namespace {

using json = nlohmann::json;

// Thrown for a call another service refused: its type is the errorType Lambda reports.
struct order_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

json require_ok(const fogbank::core::call_result& result, const char* what) {
  if (!result.ok()) {
    throw order_error(std::string(what) + " failed: " + std::string(result.error->name()) + ": " +
                      result.error->message());
  }
  return result.body;
}

json handle(const json& event, fogbank::lambda::context& ctx) {
  const std::optional<std::string> table = ctx.env("TABLE_NAME");
  if (!table) throw order_error("TABLE_NAME is not set");
  if (!event.contains("id") || !event["id"].is_string()) throw order_error("the event has no string id");
  const std::string id = event["id"].get<std::string>();
  json item = {{"pk", {{"S", id}}}, {"request_id", {{"S", ctx.request_id()}}}};
  if (event.contains("amount") && event["amount"].is_number()) {
    item["amount"] = {{"N", event["amount"].dump()}};
  }
  require_ok(ctx.call("dynamodb", "PutItem", {{"TableName", *table}, {"Item", item}}), "PutItem");
  ctx.log("stored order " + id);
  if (const std::optional<std::string> queue = ctx.env("QUEUE_URL")) {
    require_ok(
        ctx.call("sqs", "SendMessage", {{"QueueUrl", *queue}, {"MessageBody", json{{"order", id}}.dump()}}),
        "SendMessage");
  }
  return {{"stored", id}};
}

}  // namespace

FOGBANK_LAMBDA_HANDLER("orders.put", handle);
