// The visitor counter of seed 004 on C++ handlers run in process: the same app as
// handlers/visitor_counter/node (fixtures/visitor_counter_cpp/template.yaml declares it), its
// AWS calls made through the context's in-process client instead of the SDK.
//
//   visitor_counter.updater  $connect: put {connectionId, domainName, stage} in
//                            CONNECTION_IDS_TABLE, then `ADD currentCount :inc` (+1) on the item
//                            {id: "visitorCount"} of VISITOR_COUNT_TABLE; $disconnect: delete the
//                            connection and, if it was still stored, ADD -1.
//   visitor_counter.stream   the count table's stream (batch size 1): posts {"count": n} from the
//                            record's NewImage to every stored connection; a connection that
//                            answers 410 Gone twice, a moment apart, is deleted and counted out.
//
// Both answer {"statusCode": 200} and, when a call fails, {"statusCode": 500} with the error
// logged, as the seed's handlers do.

#include "fogbank/core/encoding.hpp"
#include "fogbank/dispatch/client.hpp"
#include "fogbank/lambda/handler.hpp"

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using json = nlohmann::json;

constexpr const char* count_item_id = "visitorCount";
// A Scan page's LastEvaluatedKey is followed this many times at most: far more connections than
// one API can hold at once, and a bound on a loop that a broken service could make endless.
constexpr int max_scan_pages = 10000;

// API Gateway takes posts to a connection only once its $connect has returned, and answers 410
// Gone before that as after it is gone. The stream record of a visitor's arrival can reach this
// handler while that visitor's $connect is still returning (the count is its last write), so a
// 410 is asked again after this long before the connection is taken for gone: a $connect
// returns in milliseconds once its writes are done.
constexpr std::chrono::milliseconds connect_grace{250};

struct call_failed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

json must(const fogbank::lambda::context& ctx, const char* service, const char* operation,
          const json& request) {
  const fogbank::core::call_result result = ctx.call(service, operation, request);
  if (!result.ok()) {
    throw call_failed(std::string(operation) + ": " + std::string(result.error->name()) + ": " +
                      result.error->message());
  }
  return result.body;
}

std::string env(const fogbank::lambda::context& ctx, const char* name) {
  const std::optional<std::string> value = ctx.env(name);
  if (!value || value->empty()) throw call_failed(std::string(name) + " is not set");
  return *value;
}

void add_to_count(const fogbank::lambda::context& ctx, int delta) {
  must(ctx, "dynamodb", "UpdateItem",
       {{"TableName", env(ctx, "VISITOR_COUNT_TABLE")},
        {"Key", {{"id", {{"S", count_item_id}}}}},
        {"UpdateExpression", "ADD currentCount :inc"},
        {"ExpressionAttributeValues", {{":inc", {{"N", std::to_string(delta)}}}}},
        {"ReturnValues", "UPDATED_NEW"}});
}

// Deletes the connection's item; true if it was there.
bool forget(const fogbank::lambda::context& ctx, const std::string& connection_id) {
  const json deleted = must(ctx, "dynamodb", "DeleteItem",
                            {{"TableName", env(ctx, "CONNECTION_IDS_TABLE")},
                             {"Key", {{"connectionId", {{"S", connection_id}}}}},
                             {"ReturnValues", "ALL_OLD"}});
  return deleted.contains("Attributes");
}

json updater(const json& event, fogbank::lambda::context& ctx) {
  const json& request_context = event.at("requestContext");
  const std::string connection_id = request_context.value("connectionId", "");
  const std::string event_type = request_context.value("eventType", "");
  try {
    if (event_type == "CONNECT") {
      must(ctx, "dynamodb", "PutItem",
           {{"TableName", env(ctx, "CONNECTION_IDS_TABLE")},
            {"Item",
             {{"connectionId", {{"S", connection_id}}},
              {"domainName", {{"S", request_context.value("domainName", "")}}},
              {"stage", {{"S", request_context.value("stage", "")}}}}}});
      ctx.log("Connection ID " + connection_id + " saved.");
      add_to_count(ctx, 1);
      ctx.log("Visitor count incremented.");
    } else if (event_type == "DISCONNECT") {
      // A connection the stream handler already deleted (410 Gone) was counted out then.
      if (forget(ctx, connection_id)) {
        add_to_count(ctx, -1);
        ctx.log("Visitor count decremented.");
      }
      ctx.log("Connection ID " + connection_id + " deleted.");
    } else {
      ctx.log("Unhandled eventType: " + event_type);
    }
    return {{"statusCode", 200}, {"body", "OK"}};
  } catch (const call_failed& e) {
    ctx.log(std::string("DBUpdater Error: ") + e.what());
    return {{"statusCode", 500}, {"body", "Error processing request"}};
  }
}

// Every stored connection id, page by page.
std::vector<std::string> connection_ids(const fogbank::lambda::context& ctx) {
  std::vector<std::string> ids;
  json request = {{"TableName", env(ctx, "CONNECTION_IDS_TABLE")}, {"ProjectionExpression", "connectionId"}};
  for (int page = 0; page < max_scan_pages; ++page) {
    const json scanned = must(ctx, "dynamodb", "Scan", request);
    for (const json& item : scanned.value("Items", json::array())) {
      ids.push_back(item.at("connectionId").value("S", ""));
    }
    if (!scanned.contains("LastEvaluatedKey")) break;
    request["ExclusiveStartKey"] = scanned["LastEvaluatedKey"];
  }
  return ids;
}

json stream(const json& event, fogbank::lambda::context& ctx) {
  const json records = event.value("Records", json::array());
  if (records.empty()) return {{"statusCode", 200}, {"body", "No records."}};
  // One record per invocation: the mapping's batch size is 1.
  const json& record = records.front();
  const std::string name = record.value("eventName", "");
  if (name != "INSERT" && name != "MODIFY") return {{"statusCode", 200}, {"body", "No update needed."}};
  const json image = record.at("dynamodb").value("NewImage", json::object());
  // The count is a DynamoDB number; the frame carries it as a JSON number, as the seed's does.
  const json count = json::parse(image.value("currentCount", json::object()).value("N", "0"), nullptr, false);
  const std::string data =
      fogbank::core::base64_encode(json{{"count", count.is_number() ? count : json(0)}}.dump());
  try {
    const auto post = [&](const std::string& id) {
      return ctx.call("apigatewaymanagementapi", "PostToConnection", {{"connectionId", id}, {"Data", data}});
    };
    std::vector<std::string> gone;
    for (const std::string& id : connection_ids(ctx)) {
      const fogbank::core::call_result posted = post(id);
      if (posted.ok()) continue;
      if (posted.error->code() == fogbank::core::error_code::apigw_gone) {
        gone.push_back(id);
      } else {
        ctx.log("Failed to post to connection " + id + ": " + posted.error->message());
      }
    }
    if (!gone.empty()) std::this_thread::sleep_for(connect_grace);
    for (const std::string& id : gone) {
      const fogbank::core::call_result posted = post(id);
      if (posted.ok() || posted.error->code() != fogbank::core::error_code::apigw_gone) continue;
      ctx.log("Stale connection " + id + ", deleting.");
      if (forget(ctx, id)) add_to_count(ctx, -1);
    }
    return {{"statusCode", 200}, {"body", "Data sent."}};
  } catch (const call_failed& e) {
    ctx.log(std::string("DBStreamProcessor Error: ") + e.what());
    return {{"statusCode", 500}, {"body", e.what()}};
  }
}

}  // namespace

FOGBANK_LAMBDA_HANDLER("visitor_counter.updater", updater);
FOGBANK_LAMBDA_HANDLER("visitor_counter.stream", stream);
