// records.store: the consumer of an event source mapping. Writes each record of an SQS or
// DynamoDB stream event to the DynamoDB table TABLE_NAME, keyed by the message id or the stream
// record's sequence number, and reports the SQS messages whose body starts with "fail" as batch
// item failures (Lambda uses that answer only with FunctionResponseTypes ReportBatchItemFailures);
// a stream record whose key pk is "poison" fails the whole batch (it throws).
//
//   SQS record  -> {"pk": messageId, "source": "aws:sqs", "body": body}
//   stream record -> {"pk": SequenceNumber, "source": "aws:dynamodb", "event": eventName, "key": Keys.pk.S}

#include "fogbank/dispatch/client.hpp"
#include "fogbank/lambda/handler.hpp"

#include <stdexcept>
#include <string>

namespace {

using json = nlohmann::json;

json handle(const json& event, fogbank::lambda::context& ctx) {
  const std::optional<std::string> table = ctx.env("TABLE_NAME");
  if (!table) throw std::runtime_error("TABLE_NAME is not set");
  json failures = json::array();
  for (const json& record : event.value("Records", json::array())) {
    const std::string source = record.value("eventSource", "");
    json item = {{"source", {{"S", source}}}};
    if (source == "aws:sqs") {
      const std::string body = record.value("body", "");
      if (body.rfind("fail", 0) == 0) {
        failures.push_back({{"itemIdentifier", record.value("messageId", "")}});
        continue;
      }
      item["pk"] = {{"S", record.value("messageId", "")}};
      item["body"] = {{"S", body.empty() ? std::string("(empty)") : body}};
    } else {
      const json& change = record.at("dynamodb");
      const json key = change.value("Keys", json::object()).value("pk", json::object());
      if (key.value("S", "") == "poison") throw std::runtime_error("a poison record");
      item["pk"] = {{"S", change.value("SequenceNumber", "")}};
      item["event"] = {{"S", record.value("eventName", "")}};
      if (change.contains("Keys") && change["Keys"].contains("pk")) item["key"] = change["Keys"]["pk"];
    }
    const fogbank::core::call_result put =
        ctx.call("dynamodb", "PutItem", {{"TableName", *table}, {"Item", item}});
    if (!put.ok()) throw std::runtime_error("PutItem failed: " + put.error->message());
  }
  ctx.log("stored " + std::to_string(event.value("Records", json::array()).size() - failures.size()) +
          " records");
  return {{"batchItemFailures", failures}};
}

}  // namespace

FOGBANK_LAMBDA_HANDLER("records.store", handle);
