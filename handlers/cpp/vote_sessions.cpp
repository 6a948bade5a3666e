// The vote sessions of seed 001 (pajthy, a scrum estimation tool) on C++ handlers run in process:
// the WebSocket API's routes (`$request.body.action`) change a session's state in DynamoDB with
// conditional writes and publish each change to an SNS topic; the topic's Lambda subscription
// (vote_sessions.notify) pushes it to every connection of the session. Declared by
// fixtures/vote_sessions/template.yaml; the frames are listed in handlers/README.md.
//
//   vote_sessions.actions  every route: create, join, start, stop, reset, kick, vote, $disconnect,
//                          $default (event.requestContext.routeKey says which)
//   vote_sessions.notify   the SNS subscription: posts each published change to the session's
//                          connections (the connections table's GSI bySession)
//
// Tables (environment): SESSIONS_TABLE {sessionId, controller, voting (BOOL), round (N), votes
// (M: voter connection id -> value)}; CONNECTIONS_TABLE {connectionId, sessionId, role
// (controller|voter), name}, GSI bySession (sessionId). TOPIC_ARN: the topic changes go to.
//
// Who may do what is decided by conditional writes: a control action's UpdateItem carries
// `controller = :me`, a vote's `voting = :true`, a kick's DeleteItem `sessionId = :s AND role =
// :voter`; a refused condition becomes an error frame for the caller, and nothing changes.

#include "fogbank/core/encoding.hpp"
#include "fogbank/dispatch/client.hpp"
#include "fogbank/lambda/handler.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace {

using json = nlohmann::json;

// A vote's value and a voter's name: what a card or a name needs, and a bound on the frames.
constexpr std::size_t max_value_length = 16;
constexpr std::size_t max_name_length = 64;
// Query pages of a session's connections followed at most (a bound on a loop a broken service
// could make endless; one page holds 1 MB of keys, far more than a session has voters).
constexpr int max_query_pages = 1000;

// A call another service refused: the invocation answers 500 and logs it.
struct call_failed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A request this app refuses: an error frame for the caller, nothing changed.
struct refused {
  std::string error;
  std::string message;
};

std::string env(const fogbank::lambda::context& ctx, const char* name) {
  const std::optional<std::string> value = ctx.env(name);
  if (!value || value->empty()) throw call_failed(std::string(name) + " is not set");
  return *value;
}

json must(const fogbank::lambda::context& ctx, const char* service, const char* operation,
          const json& request) {
  const fogbank::core::call_result result = ctx.call(service, operation, request);
  if (!result.ok()) {
    throw call_failed(std::string(operation) + ": " + std::string(result.error->name()) + ": " +
                      result.error->message());
  }
  return result.body;
}

// The call's result; false when the service refused its condition (anything else throws).
bool conditional(const fogbank::lambda::context& ctx, const char* operation, const json& request,
                 json* answer = nullptr) {
  const fogbank::core::call_result result = ctx.call("dynamodb", operation, request);
  if (!result.ok() && result.error->code() == fogbank::core::error_code::conditional_check_failed)
    return false;
  if (!result.ok()) {
    throw call_failed(std::string(operation) + ": " + std::string(result.error->name()) + ": " +
                      result.error->message());
  }
  if (answer != nullptr) *answer = result.body;
  return true;
}

json s(const std::string& text) {
  return {{"S", text}};
}

// Posts `frame` to connection `id`; false if it is gone.
bool post(const fogbank::lambda::context& ctx, const std::string& id, const json& frame) {
  const fogbank::core::call_result posted =
      ctx.call("apigatewaymanagementapi", "PostToConnection",
               {{"connectionId", id}, {"Data", fogbank::core::base64_encode(frame.dump())}});
  if (posted.ok()) return true;
  if (posted.error->code() == fogbank::core::error_code::apigw_gone) return false;
  throw call_failed("PostToConnection: " + posted.error->message());
}

// Publishes a change of `session` to the topic, for vote_sessions.notify to push to its
// connections. The session id is also a message attribute, so that a subscription can filter.
void publish(const fogbank::lambda::context& ctx, const std::string& session, json change) {
  change["sessionId"] = session;
  must(ctx, "sns", "Publish",
       {{"TopicArn", env(ctx, "TOPIC_ARN")},
        {"Message", change.dump()},
        {"MessageAttributes", {{"sessionId", {{"DataType", "String"}, {"StringValue", session}}}}}});
}

// The caller's connection item ({} when it is in no session).
json membership(const fogbank::lambda::context& ctx, const std::string& connection_id) {
  return must(ctx, "dynamodb", "GetItem",
              {{"TableName", env(ctx, "CONNECTIONS_TABLE")},
               {"Key", {{"connectionId", s(connection_id)}}},
               {"ConsistentRead", true}})
      .value("Item", json::object());
}

std::string text_of(const json& item, const char* name) {
  return item.contains(name) ? item[name].value("S", "") : std::string();
}

std::string string_member(const json& body, const char* name, std::size_t max_length) {
  if (!body.contains(name) || !body[name].is_string() || body[name].get_ref<const std::string&>().empty())
    throw refused{"BadRequest", std::string(name) + " is required (a non-empty string)"};
  const std::string value = body[name].get<std::string>();
  if (value.size() > max_length)
    throw refused{"BadRequest", std::string(name) + " is longer than " + std::to_string(max_length)};
  return value;
}

struct action_context {
  const fogbank::lambda::context& ctx;
  std::string connection_id;
  std::string request_id;
  json body;
};

void create(const action_context& a) {
  if (!membership(a.ctx, a.connection_id).empty())
    throw refused{"AlreadyInSession", "this connection is in a session already"};
  // The request id is the service's (seeded in scenarios): its first 8 characters name the
  // session; the condition refuses the rare repeat instead of taking over a session.
  const std::string session = a.request_id.substr(0, 8);
  const bool made = conditional(a.ctx, "PutItem",
                                {{"TableName", env(a.ctx, "SESSIONS_TABLE")},
                                 {"Item",
                                  {{"sessionId", s(session)},
                                   {"controller", s(a.connection_id)},
                                   {"voting", {{"BOOL", false}}},
                                   {"round", {{"N", "0"}}},
                                   {"votes", {{"M", json::object()}}}}},
                                 {"ConditionExpression", "attribute_not_exists(sessionId)"}});
  if (!made) throw refused{"TryAgain", "a session of that id exists; send create again"};
  must(a.ctx, "dynamodb", "PutItem",
       {{"TableName", env(a.ctx, "CONNECTIONS_TABLE")},
        {"Item",
         {{"connectionId", s(a.connection_id)}, {"sessionId", s(session)}, {"role", s("controller")}}}});
  post(a.ctx, a.connection_id, {{"event", "created"}, {"sessionId", session}});
}

void join(const action_context& a) {
  const std::string session = string_member(a.body, "sessionId", 64);
  const std::string name = string_member(a.body, "name", max_name_length);
  if (!membership(a.ctx, a.connection_id).empty())
    throw refused{"AlreadyInSession", "this connection is in a session already"};
  const json found =
      must(a.ctx, "dynamodb", "GetItem",
           {{"TableName", env(a.ctx, "SESSIONS_TABLE")}, {"Key", {{"sessionId", s(session)}}}});
  if (!found.contains("Item")) throw refused{"NoSuchSession", "there is no session " + session};
  must(a.ctx, "dynamodb", "PutItem",
       {{"TableName", env(a.ctx, "CONNECTIONS_TABLE")},
        {"Item",
         {{"connectionId", s(a.connection_id)},
          {"sessionId", s(session)},
          {"role", s("voter")},
          {"name", s(name)}}}});
  publish(a.ctx, session, {{"event", "joined"}, {"voter", a.connection_id}, {"name", name}});
}

// The session the caller controls, or refused: Forbidden for a voter, NotInSession for a
// connection in none.
std::string controlled_session(const action_context& a, const std::string& action) {
  const json member = membership(a.ctx, a.connection_id);
  if (member.empty()) throw refused{"NotInSession", "this connection is in no session"};
  if (text_of(member, "role") != "controller")
    throw refused{"Forbidden", "only the session's controller may " + action};
  return text_of(member, "sessionId");
}

// A control action's UpdateItem: `update` with `controller = :me` (and `extra_condition`); the
// updated item, or refused.
json control(const action_context& a, const std::string& session, const std::string& action,
             const std::string& update, json values, const std::string& extra_condition = "") {
  values[":me"] = s(a.connection_id);
  json request = {
      {"TableName", env(a.ctx, "SESSIONS_TABLE")},
      {"Key", {{"sessionId", s(session)}}},
      {"UpdateExpression", update},
      {"ConditionExpression", "#controller = :me" + extra_condition},
      {"ExpressionAttributeNames",
       {{"#controller", "controller"}, {"#voting", "voting"}, {"#round", "round"}, {"#votes", "votes"}}},
      {"ExpressionAttributeValues", values},
      {"ReturnValues", "ALL_NEW"}};
  // Names the expressions do not use would be refused (DynamoDB rejects unused names).
  for (const char* name : {"#voting", "#round", "#votes"}) {
    if (update.find(name) == std::string::npos && extra_condition.find(name) == std::string::npos)
      request["ExpressionAttributeNames"].erase(name);
  }
  json answer;
  if (conditional(a.ctx, "UpdateItem", request, &answer)) return answer.value("Attributes", json::object());
  if (!extra_condition.empty()) throw refused{"VoteNotOpen", "there is no open vote to " + action};
  throw refused{"Forbidden", "only the session's controller may " + action};
}

void start(const action_context& a) {
  const std::string session = controlled_session(a, "start the vote");
  const json item =
      control(a, session, "start the vote", "SET #voting = :true, #votes = :none ADD #round :one",
              {{":true", {{"BOOL", true}}}, {":none", {{"M", json::object()}}}, {":one", {{"N", "1"}}}});
  publish(a.ctx, session, {{"event", "started"}, {"round", std::stoll(item["round"].value("N", "0"))}});
}

// A session's votes as {name: value}, for the frame that reveals them.
json named_votes(const action_context& a, const json& votes) {
  json out = json::object();
  const json by_voter = votes.value("M", json::object());
  for (const auto& [voter, value] : by_voter.items()) {
    const json member = membership(a.ctx, voter);
    out[member.empty() ? voter : text_of(member, "name")] = value.value("S", "");
  }
  return out;
}

void stop(const action_context& a) {
  const std::string session = controlled_session(a, "stop the vote");
  const json item =
      control(a, session, "stop the vote", "SET #voting = :false",
              {{":false", {{"BOOL", false}}}, {":true", {{"BOOL", true}}}}, " AND #voting = :true");
  publish(a.ctx, session,
          {{"event", "stopped"},
           {"round", std::stoll(item["round"].value("N", "0"))},
           {"votes", named_votes(a, item.value("votes", json::object()))}});
}

void reset(const action_context& a) {
  const std::string session = controlled_session(a, "reset the vote");
  control(a, session, "reset the vote", "SET #voting = :false, #votes = :none",
          {{":false", {{"BOOL", false}}}, {":none", {{"M", json::object()}}}});
  publish(a.ctx, session, {{"event", "reset"}});
}

void kick(const action_context& a) {
  const std::string session = controlled_session(a, "kick a voter");
  const std::string voter = string_member(a.body, "voter", 128);
  // Only a voter of this session: the controller cannot kick itself, nor anyone elsewhere.
  const bool removed =
      conditional(a.ctx, "DeleteItem",
                  {{"TableName", env(a.ctx, "CONNECTIONS_TABLE")},
                   {"Key", {{"connectionId", s(voter)}}},
                   {"ConditionExpression", "sessionId = :s AND #role = :voter"},
                   {"ExpressionAttributeNames", {{"#role", "role"}}},
                   {"ExpressionAttributeValues", {{":s", s(session)}, {":voter", s("voter")}}}});
  if (!removed) throw refused{"NoSuchVoter", "there is no voter " + voter + " in this session"};
  // The kicked voter's vote goes with it.
  must(a.ctx, "dynamodb", "UpdateItem",
       {{"TableName", env(a.ctx, "SESSIONS_TABLE")},
        {"Key", {{"sessionId", s(session)}}},
        {"UpdateExpression", "REMOVE #votes.#voter"},
        {"ExpressionAttributeNames", {{"#votes", "votes"}, {"#voter", voter}}}});
  // The kicked voter is told, then its connection is closed, as pajthy's kick ends the voter's
  // subscription; a connection already gone has nothing to close.
  if (post(a.ctx, voter, {{"event", "kicked"}, {"sessionId", session}, {"voter", voter}})) {
    const fogbank::core::call_result closed =
        a.ctx.call("apigatewaymanagementapi", "DeleteConnection", {{"connectionId", voter}});
    if (!closed.ok() && closed.error->code() != fogbank::core::error_code::apigw_gone)
      throw call_failed("DeleteConnection: " + closed.error->message());
  }
  publish(a.ctx, session, {{"event", "kicked"}, {"voter", voter}});
}

void vote(const action_context& a) {
  const std::string value = string_member(a.body, "value", max_value_length);
  const json member = membership(a.ctx, a.connection_id);
  if (member.empty()) throw refused{"NotInSession", "this connection is in no session"};
  if (text_of(member, "role") != "voter") throw refused{"Forbidden", "only voters vote"};
  const std::string session = text_of(member, "sessionId");
  const bool voted =
      conditional(a.ctx, "UpdateItem",
                  {{"TableName", env(a.ctx, "SESSIONS_TABLE")},
                   {"Key", {{"sessionId", s(session)}}},
                   {"UpdateExpression", "SET #votes.#voter = :value"},
                   {"ConditionExpression", "#voting = :true"},
                   {"ExpressionAttributeNames",
                    {{"#votes", "votes"}, {"#voter", a.connection_id}, {"#voting", "voting"}}},
                   {"ExpressionAttributeValues", {{":value", s(value)}, {":true", {{"BOOL", true}}}}}});
  if (!voted) throw refused{"VoteNotOpen", "votes are taken only while a vote is open"};
  publish(a.ctx, session, {{"event", "voted"}, {"voter", a.connection_id}});
}

json actions(const json& event, fogbank::lambda::context& ctx) {
  const json& request_context = event.at("requestContext");
  action_context a{ctx, request_context.value("connectionId", ""), ctx.request_id(), json::object()};
  const std::string route = request_context.value("routeKey", "");
  try {
    // $disconnect: the connection leaves its session (a kicked voter has left already).
    if (route == "$disconnect") {
      const json old = must(ctx, "dynamodb", "DeleteItem",
                            {{"TableName", env(ctx, "CONNECTIONS_TABLE")},
                             {"Key", {{"connectionId", s(a.connection_id)}}},
                             {"ReturnValues", "ALL_OLD"}});
      const json item = old.value("Attributes", json::object());
      if (text_of(item, "role") == "voter")
        publish(ctx, text_of(item, "sessionId"), {{"event", "left"}, {"voter", a.connection_id}});
      return {{"statusCode", 200}};
    }
    if (route == "$connect") return {{"statusCode", 200}};
    const json body = json::parse(event.value("body", ""), nullptr, false);
    a.body = body.is_object() ? body : json::object();
    try {
      if (route == "create") {
        create(a);
      } else if (route == "join") {
        join(a);
      } else if (route == "start") {
        start(a);
      } else if (route == "stop") {
        stop(a);
      } else if (route == "reset") {
        reset(a);
      } else if (route == "kick") {
        kick(a);
      } else if (route == "vote") {
        vote(a);
      } else {
        throw refused{"UnknownAction",
                      "action is one of create, join, start, stop, reset, kick, vote (got " +
                          (a.body.contains("action") ? a.body["action"].dump() : std::string("none")) + ")"};
      }
    } catch (const refused& r) {
      const std::string action = a.body.value("action", route);
      ctx.log("refused " + action + ": " + r.error);
      post(ctx, a.connection_id,
           {{"event", "error"}, {"action", action}, {"error", r.error}, {"message", r.message}});
    }
    return {{"statusCode", 200}};
  } catch (const call_failed& e) {
    ctx.log(std::string("vote sessions error: ") + e.what());
    return {{"statusCode", 500}, {"body", "Error processing request"}};
  }
}

// Every connection of `session`, through the GSI bySession.
std::vector<std::string> subscribers(const fogbank::lambda::context& ctx, const std::string& session) {
  std::vector<std::string> ids;
  json request = {{"TableName", env(ctx, "CONNECTIONS_TABLE")},
                  {"IndexName", "bySession"},
                  {"KeyConditionExpression", "sessionId = :s"},
                  {"ExpressionAttributeValues", {{":s", s(session)}}}};
  for (int page = 0; page < max_query_pages; ++page) {
    const json found = must(ctx, "dynamodb", "Query", request);
    for (const json& item : found.value("Items", json::array())) ids.push_back(text_of(item, "connectionId"));
    if (!found.contains("LastEvaluatedKey")) break;
    request["ExclusiveStartKey"] = found["LastEvaluatedKey"];
  }
  return ids;
}

// The SNS subscription: each record's message to every connection of its session. A connection
// that is gone is forgotten (its $disconnect may not have run yet).
json notify(const json& event, fogbank::lambda::context& ctx) {
  for (const json& record : event.value("Records", json::array())) {
    const json message =
        json::parse(record.value("Sns", json::object()).value("Message", ""), nullptr, false);
    if (!message.is_object() || !message.contains("sessionId") || !message["sessionId"].is_string()) {
      ctx.log("skipped a message without a sessionId");
      continue;
    }
    const std::string session = message["sessionId"].get<std::string>();
    for (const std::string& id : subscribers(ctx, session)) {
      if (!post(ctx, id, message)) {
        ctx.log("gone: " + id);
        must(ctx, "dynamodb", "DeleteItem",
             {{"TableName", env(ctx, "CONNECTIONS_TABLE")}, {"Key", {{"connectionId", s(id)}}}});
      }
    }
  }
  return json::object();
}

}  // namespace

FOGBANK_LAMBDA_HANDLER("vote_sessions.actions", actions);
FOGBANK_LAMBDA_HANDLER("vote_sessions.notify", notify);
