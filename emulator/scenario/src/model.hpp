#pragma once
// A scenario as the loader makes it: typed steps, each with where it was written. Values that
// may hold `{{capture}}` references stay JSON (or strings) and are substituted when the step
// runs.

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace fogbank::scenario {

using json = nlohmann::json;

// Where something was written: 1-based line and column (0 when unknown).
struct location {
  std::string file;
  int line = 0;
  int column = 0;
  std::string str() const { return file + ":" + std::to_string(line) + ":" + std::to_string(column); }
};

// A scenario file that does not load: what() is "file:line:column: message".
class load_error : public std::runtime_error {
 public:
  load_error(location where, const std::string& message)
      : std::runtime_error(where.str() + ": " + message), where_(std::move(where)), message_(message) {}
  const location& where() const noexcept { return where_; }
  const std::string& message() const noexcept { return message_; }

 private:
  location where_;
  std::string message_;
};

enum class match_mode { subset, exact };

struct expectation {
  json value;
  match_mode mode = match_mode::subset;
};

// `call: {service, action, input}` through the in-process client.
struct call_step {
  std::string service;
  std::string action;
  json input = json::object();
  std::optional<expectation> expect;  // on the response body
  // `expect_error`: {"type": ..., "message": ...} (message optional), matched as a subset of
  // {"type", "message"} of the error. Set: the call must fail.
  std::optional<json> expect_error;
};

// `connect: {client, api, stage, query, headers, expect_status}`.
struct connect_step {
  std::string client;
  std::string api;  // a template's logical id, or an API id
  std::string stage;
  json query = json::object();    // a map (URL-encoded in order) or a raw string
  json headers = json::object();  // name -> value, in order
  int expect_status = 200;        // a 2xx accepts; anything else expects a refusal with it
};

struct send_step {
  std::string client;
  json message;  // a string is sent as it is, anything else as compact JSON
};

// `disconnect: {client, code}` (a close frame from the client) or `drop: {client}` (the socket
// goes without one: 1006).
struct close_step {
  std::string client;
  bool drop = false;
  int code = 1000;
};

struct advance_step {
  std::chrono::nanoseconds by{0};
};

struct settle_step {};

// `expect_frames: {client, frames, order, match}`: what the client received since its last
// expect_frames, all of it.
struct frames_step {
  std::string client;
  std::vector<json> frames;
  bool in_order = true;  // order: exact | set
  match_mode mode = match_mode::subset;
  // `closed: CODE`: the server has closed the connection with this code (after the frames).
  std::optional<int> closed;
};

// `expect_queue: {queue, visible, in_flight, delayed}`: the queue's approximate counts
// (GetQueueAttributes' ApproximateNumberOfMessages, ...NotVisible, ...Delayed); those not given
// are not checked. `queue`: a name, a URL or a template's logical id.
struct queue_step {
  std::string queue;
  std::optional<std::int64_t> visible;
  std::optional<std::int64_t> in_flight;
  std::optional<std::int64_t> delayed;
};

// `expect_invocations: {function, count, events, errors, match}`: the invocations of `function`
// (a name or a template's logical id; absent: every function) since the last expect_invocations
// of it. `events` are matched in order against their events; `errors` counts those that did not
// succeed (a function error, a timeout, a crash).
struct invocations_step {
  std::string function;
  std::optional<std::int64_t> count;
  std::optional<std::vector<json>> events;
  std::optional<std::int64_t> errors;
  match_mode mode = match_mode::subset;
};

// `expect_stream_records: {table, count, records, match}`: the DynamoDB stream records of `table`
// (a name or a template's logical id) written since the last expect_stream_records of it, or
// since the scenario started (its `data:` included); `records` are matched in order.
struct stream_records_step {
  std::string table;
  std::optional<std::int64_t> count;
  std::optional<std::vector<json>> records;
  match_mode mode = match_mode::subset;
};

// `expect_logs: {function, contains}`: each text appears in what the function's invocations
// logged so far.
struct logs_step {
  std::string function;
  std::vector<std::string> contains;
};

// What a request step expects of the response: the status (without one any 2xx passes), each
// header named here present with that value (names compared without case), and the body matched
// as a frame is (JSON when the expected body is an object or a list, else as text).
struct response_expectation {
  std::optional<int> status;
  json headers = json::object();
  std::optional<expectation> body;
};

// `request: {api, stage, method, path, query, headers, body}` with `expect` (and `match`): one
// request to a REST API or an HTTP API (api_request.hpp), answered by the same gateway code a
// client over HTTP reaches.
struct request_step {
  std::string api;    // a template's logical id, or an API id
  std::string stage;  // a REST API's stage; an HTTP API's (empty: its $default stage)
  std::string method = "GET";
  std::string path = "/";         // after the stage, starting with '/', sent as it is
  json query = json::object();    // a map (URL-encoded in order; a list repeats the name) or raw text
  json headers = json::object();  // name -> value, in order
  std::optional<json> body;       // a string is sent as it is, anything else as compact JSON
  response_expectation expect;
};

using step_action =
    std::variant<call_step, connect_step, send_step, close_step, advance_step, settle_step, frames_step,
                 queue_step, invocations_step, stream_records_step, logs_step, request_step>;

struct step {
  location where;
  std::string kind;  // the YAML key: "call", "connect", ...
  step_action action;
  // `capture: {name: /json/pointer}` into the step's result.
  std::vector<std::pair<std::string, std::string>> captures;
};

// `data:` at the top level: items put into a table before the first step.
struct fixture_data {
  location where;
  std::string table;  // a name or a template's logical id; may hold {{captures}}
  // The items, each in AWS's JSON shape ({"id": {"S": "x"}}) or plain JSON ({"id": "x"}),
  // read from the scenario or from `file` (a JSON list, relative to the scenario).
  std::vector<json> items;
  // `format`: "auto" (an item whose every value is one attribute-value object is in AWS's shape),
  // "dynamodb" or "plain".
  std::string format = "auto";
};

// `variants:` at the top level: the same data and steps run once per variant, each with its own
// templates and parameters (e.g. one app written twice, in Node.js and in C++), reported as
// "name [variant]".
struct variant {
  location where;
  std::string name;
  std::vector<std::filesystem::path> templates;   // empty: the scenario's own
  std::map<std::string, std::string> parameters;  // over the scenario's own
};

struct scenario {
  std::filesystem::path file;
  std::string name;
  std::string description;
  std::vector<std::filesystem::path> templates;  // resolved against the file's folder
  std::map<std::string, std::string> parameters;
  std::uint64_t seed = 0;
  std::vector<fixture_data> data;
  std::vector<step> steps;
  std::vector<variant> variants;  // empty: the scenario runs once, as it is
};

// The scenarios a file runs: `sc` itself without variants, else one per variant (its templates
// and parameters applied, its name "name [variant]").
std::vector<scenario> expand_variants(const scenario& sc);

// The step kinds the loader knows (the YAML keys), for the schema's test.
const std::set<std::string>& step_kinds();

// An item as DynamoDB takes it: `item` as it is when `format` is "dynamodb" (or "auto" and it
// already has AWS's shape), else every value converted (strings S, numbers N, booleans BOOL, null
// NULL, lists L, objects M). nullopt when a value cannot be converted (nested too deep).
std::optional<json> to_dynamodb_item(const json& item, const std::string& format);

// Reads and checks a scenario file. Throws load_error.
scenario load_file(const std::filesystem::path& file);
// The same from text (`file` names it in errors and resolves template paths).
scenario load_text(const std::string& text, const std::filesystem::path& file);

// "30s", "500ms", "5m", "2h", "1m30s". nullopt when malformed.
std::optional<std::chrono::nanoseconds> parse_duration(const std::string& text);

}  // namespace fogbank::scenario
