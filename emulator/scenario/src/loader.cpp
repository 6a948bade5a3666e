// The scenario loader: YAML (yaml-cpp, which marks every node with its line and column) into
// typed steps. Every error names the node's position and what was expected there, the way a
// compiler does, so that a malformed scenario is fixed without reading the loader.

#include "api_request.hpp"
#include "model.hpp"
#include "reader.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace fogbank::scenario {
namespace {

using detail::read_mode;
using detail::reader;

// `disconnect: alice` or `disconnect: {client: alice}`: the client's name.
std::string client_of(const reader& r, const YAML::Node& node, const std::string& kind,
                      const std::set<std::string>& extra = {}) {
  if (node.IsScalar()) return r.string(node, "a client name");
  r.require_map(node, "a " + kind + " step's body, or a client name");
  std::set<std::string> allowed = extra;
  allowed.insert("client");
  r.only_keys(node, allowed, "a " + kind + " step");
  return r.required_string(node, "client", "the client's name");
}

step_action read_call(const reader& r, const YAML::Node& item, const YAML::Node& body) {
  r.require_map(body, "a call step's body {service, action, input}");
  r.only_keys(body, {"service", "action", "input"}, "a call step");
  call_step call;
  call.service = r.required_string(body, "service", "a service name such as dynamodb");
  call.action = r.required_string(body, "action", "an operation name such as PutItem");
  if (const YAML::Node input = body["input"]) {
    r.require_map(input, "the call's input in AWS's JSON shape");
    call.input = r.value(input);
  }
  if (const YAML::Node expect = item["expect"]) {
    call.expect = expectation{r.value(expect), match_mode::subset};
    if (const YAML::Node mode = item["match"]) call.expect->mode = read_mode(r, mode);
  } else if (const YAML::Node mode = item["match"]) {
    r.fail(mode, "'match' applies to 'expect', which this step does not have");
  }
  if (const YAML::Node error = item["expect_error"]) {
    if (call.expect) r.fail(error, "expected either 'expect' or 'expect_error', not both");
    if (error.IsScalar()) {
      call.expect_error = json{{"type", r.string(error, "an error type")}};
    } else {
      r.require_map(error, "an error type, or {type, message}");
      r.only_keys(error, {"type", "message"}, "expect_error");
      call.expect_error = r.value(error);
    }
  }
  return call;
}

step_action read_connect(const reader& r, const YAML::Node& body) {
  r.require_map(body, "a connect step's body {client, api, stage, query, headers}");
  r.only_keys(body, {"client", "api", "stage", "query", "headers", "expect_status"}, "a connect step");
  connect_step connect;
  connect.client = r.required_string(body, "client", "the client's name");
  connect.api = r.required_string(body, "api", "the API's logical id in a template, or its API id");
  connect.stage = r.required_string(body, "stage", "the stage's name");
  if (const YAML::Node query = body["query"]) {
    if (!query.IsScalar()) r.require_map(query, "a query string (text, or a mapping of parameters)");
    connect.query = r.value(query);
    if (connect.query.is_object()) {
      for (const auto& [key, value] : connect.query.items()) {
        if (value.is_structured()) r.fail(query[key], "expected a scalar value for query parameter " + key);
      }
    } else {
      connect.query = query.Scalar();
    }
  }
  if (const YAML::Node headers = body["headers"]) {
    r.require_map(headers, "headers (a mapping of names to values)");
    for (const auto& entry : headers) {
      connect.headers[entry.first.as<std::string>()] = r.string(entry.second, "a header value");
    }
  }
  if (const YAML::Node status = body["expect_status"]) {
    const json code = r.value(status);
    if (!code.is_number_integer() || code.get<int>() < 100 || code.get<int>() > 599) {
      r.fail(status, "expected an HTTP status between 100 and 599");
    }
    connect.expect_status = code.get<int>();
  }
  return connect;
}

step_action read_send(const reader& r, const YAML::Node& body) {
  r.require_map(body, "a send step's body {client, message}");
  r.only_keys(body, {"client", "message"}, "a send step");
  send_step send;
  send.client = r.required_string(body, "client", "the client's name");
  const YAML::Node message = body["message"];
  if (!message) r.fail(body, "missing 'message' (text, or a value sent as JSON)");
  send.message = message.IsScalar() ? json(message.Scalar()) : r.value(message);
  return send;
}

step_action read_frames(const reader& r, const YAML::Node& body) {
  r.require_map(body, "an expect_frames step's body {client, frames, order, match, closed}");
  r.only_keys(body, {"client", "frames", "order", "match", "closed"}, "an expect_frames step");
  frames_step frames;
  frames.client = r.required_string(body, "client", "the client's name");
  const YAML::Node list = body["frames"];
  if (!list) r.fail(body, "missing 'frames' (a list of the frames expected; [] for none)");
  if (!list.IsSequence()) r.fail(list, "expected 'frames' to be a list, found " + reader::describe(list));
  for (const auto& frame : list)
    frames.frames.push_back(frame.IsScalar() ? json(frame.Scalar()) : r.value(frame));
  if (const YAML::Node order = body["order"]) {
    const std::string text = r.string(order, "an order");
    if (text != "exact" && text != "set") r.fail(order, "expected 'exact' or 'set', found '" + text + "'");
    frames.in_order = text == "exact";
  }
  if (const YAML::Node mode = body["match"]) frames.mode = read_mode(r, mode);
  if (const YAML::Node closed = body["closed"]) {
    const json code = r.value(closed);
    // RFC 6455 7.4: close codes are 1000-4999.
    if (!code.is_number_integer() || code.get<int>() < 1000 || code.get<int>() > 4999)
      r.fail(closed, "expected the close code the server sent (1000 to 4999)");
    frames.closed = code.get<int>();
  }
  return frames;
}

std::int64_t count_of(const reader& r, const YAML::Node& node, const std::string& what) {
  const json value = r.value(node);
  if (!value.is_number_integer() || value.get<std::int64_t>() < 0)
    r.fail(node, "expected " + what + " (a count, 0 or more)");
  return value.get<std::int64_t>();
}

step_action read_queue(const reader& r, const YAML::Node& body) {
  r.require_map(body, "an expect_queue step's body {queue, visible, in_flight, delayed}");
  r.only_keys(body, {"queue", "visible", "in_flight", "delayed"}, "an expect_queue step");
  queue_step queue;
  queue.queue = r.required_string(body, "queue", "the queue's name, URL or logical id");
  if (body["visible"]) queue.visible = count_of(r, body["visible"], "the visible messages");
  if (body["in_flight"]) queue.in_flight = count_of(r, body["in_flight"], "the messages in flight");
  if (body["delayed"]) queue.delayed = count_of(r, body["delayed"], "the delayed messages");
  if (!queue.visible && !queue.in_flight && !queue.delayed)
    r.fail(body, "expected at least one of visible, in_flight, delayed");
  return queue;
}

step_action read_invocations(const reader& r, const YAML::Node& body) {
  r.require_map(body, "an expect_invocations step's body {function, count, events, errors, match}");
  r.only_keys(body, {"function", "count", "events", "errors", "match"}, "an expect_invocations step");
  invocations_step inv;
  if (body["function"])
    inv.function = r.required_string(body, "function", "the function's name or logical id");
  if (body["count"]) inv.count = count_of(r, body["count"], "the number of invocations");
  if (body["errors"]) inv.errors = count_of(r, body["errors"], "the number of failed invocations");
  if (const YAML::Node events = body["events"]) {
    if (!events.IsSequence())
      r.fail(events, "expected 'events' to be a list, found " + reader::describe(events));
    inv.events.emplace();
    for (const auto& event : events) inv.events->push_back(r.value(event));
    if (inv.count && *inv.count != static_cast<std::int64_t>(inv.events->size()))
      r.fail(body["count"], "'count' differs from the number of 'events'");
  }
  if (const YAML::Node mode = body["match"]) inv.mode = read_mode(r, mode);
  if (!inv.count && !inv.events && !inv.errors)
    r.fail(body, "expected at least one of count, events, errors");
  return inv;
}

step_action read_stream_records(const reader& r, const YAML::Node& body) {
  r.require_map(body, "an expect_stream_records step's body {table, count, records, match}");
  r.only_keys(body, {"table", "count", "records", "match"}, "an expect_stream_records step");
  stream_records_step records;
  records.table = r.required_string(body, "table", "the table's name or logical id");
  if (body["count"]) records.count = count_of(r, body["count"], "the number of stream records");
  if (const YAML::Node list = body["records"]) {
    if (!list.IsSequence()) r.fail(list, "expected 'records' to be a list, found " + reader::describe(list));
    records.records.emplace();
    for (const auto& record : list) records.records->push_back(r.value(record));
    if (records.count && *records.count != static_cast<std::int64_t>(records.records->size()))
      r.fail(body["count"], "'count' differs from the number of 'records'");
  }
  if (const YAML::Node mode = body["match"]) records.mode = read_mode(r, mode);
  if (!records.count && !records.records) r.fail(body, "expected at least one of count, records");
  return records;
}

step_action read_logs(const reader& r, const YAML::Node& body) {
  r.require_map(body, "an expect_logs step's body {function, contains}");
  r.only_keys(body, {"function", "contains"}, "an expect_logs step");
  logs_step logs;
  logs.function = r.required_string(body, "function", "the function's name or logical id");
  const YAML::Node contains = body["contains"];
  if (!contains) r.fail(body, "missing 'contains' (a text, or a list of texts, the logs must have)");
  if (contains.IsSequence()) {
    for (const auto& text : contains) logs.contains.push_back(r.string(text, "a text"));
  } else {
    logs.contains.push_back(r.string(contains, "a text, or a list of texts"));
  }
  return logs;
}

// Nesting a fixture item may have: DynamoDB's own limit on nested attributes.
constexpr int max_item_depth = 32;

std::optional<json> plain_to_attribute(const json& value, int depth) {
  if (depth > max_item_depth) return std::nullopt;
  if (value.is_string()) return json{{"S", value}};
  if (value.is_boolean()) return json{{"BOOL", value}};
  if (value.is_null()) return json{{"NULL", true}};
  if (value.is_number()) return json{{"N", value.dump()}};
  json out = value.is_array() ? json::array() : json::object();
  for (const auto& [key, element] : value.items()) {
    auto converted = plain_to_attribute(element, depth + 1);
    if (!converted) return std::nullopt;
    if (value.is_array()) {
      out.push_back(std::move(*converted));
    } else {
      out[key] = std::move(*converted);
    }
  }
  return value.is_array() ? json{{"L", out}} : json{{"M", out}};
}

bool in_dynamodb_shape(const json& item) {
  static const std::set<std::string> types = {"S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"};
  if (item.empty()) return false;
  for (const auto& [key, value] : item.items()) {
    if (!value.is_object() || value.size() != 1 || !types.contains(value.begin().key())) return false;
  }
  return true;
}

std::vector<fixture_data> read_data(const reader& r, const YAML::Node& node,
                                    const std::filesystem::path& file) {
  if (!node.IsSequence()) r.fail(node, "expected 'data' to be a list of {table, items | file}");
  std::vector<fixture_data> out;
  for (const auto& entry : node) {
    r.require_map(entry, "fixture data {table, items | file, format}");
    r.only_keys(entry, {"table", "items", "file", "format"}, "fixture data");
    fixture_data data;
    data.where = r.at(entry);
    data.table = r.required_string(entry, "table", "the table's name or logical id");
    if (const YAML::Node format = entry["format"]) {
      data.format = r.string(format, "a format");
      if (data.format != "auto" && data.format != "dynamodb" && data.format != "plain")
        r.fail(format, "expected 'auto', 'dynamodb' or 'plain', found '" + data.format + "'");
    }
    const YAML::Node items = entry["items"];
    const YAML::Node from = entry["file"];
    if (items && from) r.fail(from, "expected either 'items' or 'file', not both");
    json list;
    if (items) {
      list = r.value(items);
    } else if (from) {
      std::filesystem::path path = r.string(from, "a JSON file of items (relative to the scenario)");
      if (path.is_relative()) path = file.parent_path() / path;
      std::ifstream in(path, std::ios::binary);
      if (!in) r.fail(from, "cannot read " + path.string());
      list = json::parse(in, nullptr, false);
      if (list.is_discarded()) r.fail(from, path.string() + " is not valid JSON");
    } else {
      r.fail(entry, "missing 'items' or 'file'");
    }
    if (!list.is_array()) r.fail(items ? items : from, "expected a list of items");
    for (const json& item : list) {
      if (!item.is_object())
        r.fail(items ? items : from, "expected every item to be an object, found " + item.dump());
      if (!to_dynamodb_item(item, data.format))
        r.fail(items ? items : from,
               "an item is nested more than " + std::to_string(max_item_depth) + " levels deep");
      data.items.push_back(item);
    }
    out.push_back(std::move(data));
  }
  return out;
}

// Template files: a list of paths relative to the scenario's folder.
std::vector<std::filesystem::path> read_templates(const reader& r, const YAML::Node& node,
                                                  const std::filesystem::path& file) {
  if (!node.IsSequence()) r.fail(node, "expected a list of template files, found " + reader::describe(node));
  std::vector<std::filesystem::path> out;
  for (const auto& entry : node) {
    const std::filesystem::path path = r.string(entry, "a template file (relative to the scenario)");
    out.push_back(path.is_absolute() ? path : file.parent_path() / path);
  }
  return out;
}

std::map<std::string, std::string> read_parameters(const reader& r, const YAML::Node& node) {
  r.require_map(node, "template parameters (a mapping of names to values)");
  std::map<std::string, std::string> out;
  for (const auto& entry : node)
    out[entry.first.as<std::string>()] = r.string(entry.second, "a parameter value");
  return out;
}

// Variants run one after the other in one report: a handful is what they are for.
constexpr std::size_t max_variants = 16;

std::vector<variant> read_variants(const reader& r, const YAML::Node& node,
                                   const std::filesystem::path& file) {
  if (!node.IsSequence() || node.size() == 0)
    r.fail(node, "expected 'variants' to be a non-empty list of {name, templates, parameters}");
  if (node.size() > max_variants)
    r.fail(node, "expected at most " + std::to_string(max_variants) + " variants, found " +
                     std::to_string(node.size()));
  std::vector<variant> out;
  std::set<std::string> names;
  for (const auto& entry : node) {
    r.require_map(entry, "a variant {name, templates, parameters}");
    r.only_keys(entry, {"name", "templates", "parameters"}, "a variant");
    variant v;
    v.where = r.at(entry);
    v.name = r.required_string(entry, "name", "the variant's name, shown as \"scenario [name]\"");
    if (!names.insert(v.name).second) r.fail(entry["name"], "a second variant named '" + v.name + "'");
    if (const YAML::Node templates = entry["templates"]) v.templates = read_templates(r, templates, file);
    if (const YAML::Node parameters = entry["parameters"]) v.parameters = read_parameters(r, parameters);
    if (!entry["templates"] && !entry["parameters"])
      r.fail(entry,
             "expected 'templates' or 'parameters' in variant '" + v.name + "' (what makes it differ)");
    out.push_back(std::move(v));
  }
  return out;
}

const std::set<std::string> known_kinds = {"call",
                                           "connect",
                                           "send",
                                           "disconnect",
                                           "drop",
                                           "advance",
                                           "settle",
                                           "expect_frames",
                                           "expect_queue",
                                           "expect_invocations",
                                           "expect_logs",
                                           "request",
                                           "expect_stream_records"};

std::string kind_list() {
  std::string out;
  for (const std::string& kind : known_kinds) out += (out.empty() ? "" : ", ") + kind;
  return out;
}

step read_step(const reader& r, const YAML::Node& item) {
  step s;
  s.where = r.at(item);
  if (item.IsScalar()) {
    // A step without a body: only `settle`.
    if (item.Scalar() != "settle") {
      r.fail(item,
             "expected a step (settle, or a mapping such as {call: ...}), found '" + item.Scalar() + "'");
    }
    s.kind = "settle";
    s.action = settle_step{};
    return s;
  }
  r.require_map(item, "a step (a mapping with one of: " + kind_list() + ")");
  YAML::Node kind_key;
  for (const auto& entry : item) {
    const std::string key = entry.first.as<std::string>();
    if (!known_kinds.contains(key)) continue;
    if (!s.kind.empty())
      r.fail(entry.first, "a step has one kind; this one has '" + s.kind + "' and '" + key + "'");
    s.kind = key;
    kind_key = entry.first;
  }
  if (s.kind.empty()) {
    r.fail(item, "expected one of: " + kind_list());
  }
  std::set<std::string> allowed = {s.kind, "capture", "note"};
  if (s.kind == "call") allowed.insert({"expect", "expect_error", "match"});
  if (s.kind == "request") allowed.insert({"expect", "match"});
  r.only_keys(item, allowed, "a " + s.kind + " step");
  const YAML::Node body = item[s.kind];
  if (s.kind == "call") {
    s.action = read_call(r, item, body);
  } else if (s.kind == "request") {
    s.action = read_request(r, item, body);
  } else if (s.kind == "connect") {
    s.action = read_connect(r, body);
  } else if (s.kind == "send") {
    s.action = read_send(r, body);
  } else if (s.kind == "disconnect" || s.kind == "drop") {
    close_step close;
    close.drop = s.kind == "drop";
    close.client =
        client_of(r, body, s.kind, close.drop ? std::set<std::string>{} : std::set<std::string>{"code"});
    if (!close.drop && body.IsMap() && body["code"]) {
      const json code = r.value(body["code"]);
      // RFC 6455 7.4: codes a client may send are 1000 and 3000-4999 (1001-1003, 1007-1011 too).
      if (!code.is_number_integer() || code.get<int>() < 1000 || code.get<int>() > 4999) {
        r.fail(body["code"], "expected a close code between 1000 and 4999");
      }
      close.code = code.get<int>();
    }
    s.action = close;
  } else if (s.kind == "advance") {
    const std::string text = r.string(body, "a duration such as 30s, 500ms, 5m or 1m30s");
    const auto by = parse_duration(text);
    if (!by) r.fail(body, "expected a duration such as 30s, 500ms, 5m or 1m30s, found '" + text + "'");
    s.action = advance_step{*by};
  } else if (s.kind == "settle") {
    if (body && !body.IsNull()) r.fail(body, "settle takes no value");
    s.action = settle_step{};
  } else if (s.kind == "expect_queue") {
    s.action = read_queue(r, body);
  } else if (s.kind == "expect_invocations") {
    s.action = read_invocations(r, body);
  } else if (s.kind == "expect_stream_records") {
    s.action = read_stream_records(r, body);
  } else if (s.kind == "expect_logs") {
    s.action = read_logs(r, body);
  } else {
    s.action = read_frames(r, body);
  }
  if (const YAML::Node capture = item["capture"]) {
    r.require_map(capture, "captures (a mapping of names to JSON pointers such as /Item/id/S)");
    for (const auto& entry : capture) {
      const std::string name = entry.first.as<std::string>();
      const std::string pointer = r.string(entry.second, "a JSON pointer");
      if (!pointer.empty() && pointer.front() != '/') {
        r.fail(entry.second, "expected a JSON pointer starting with '/', found '" + pointer + "'");
      }
      try {
        (void)json::json_pointer(pointer);
      } catch (const json::exception&) {
        r.fail(entry.second, "expected a JSON pointer (RFC 6901), found '" + pointer + "'");
      }
      s.captures.emplace_back(name, pointer);
    }
  }
  (void)kind_key;
  return s;
}

}  // namespace

const std::set<std::string>& step_kinds() {
  return known_kinds;
}

std::optional<json> to_dynamodb_item(const json& item, const std::string& format) {
  if (!item.is_object()) return std::nullopt;
  if (format == "dynamodb" || (format == "auto" && in_dynamodb_shape(item))) return item;
  json out = json::object();
  for (const auto& [key, value] : item.items()) {
    auto converted = plain_to_attribute(value, 1);
    if (!converted) return std::nullopt;
    out[key] = std::move(*converted);
  }
  return out;
}

std::optional<std::chrono::nanoseconds> parse_duration(const std::string& text) {
  using namespace std::chrono;
  // A day of virtual time per step at most: more is a typo, and the clock would have to run
  // every entry due in between.
  constexpr nanoseconds max_duration = hours{24 * 366};
  nanoseconds total{0};
  std::size_t i = 0;
  if (text.empty()) return std::nullopt;
  while (i < text.size()) {
    std::size_t digits = i;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
    if (digits == i || digits - i > 9) return std::nullopt;
    const long long amount = std::stoll(text.substr(i, digits - i));
    std::size_t unit_end = digits;
    while (unit_end < text.size() && (text[unit_end] < '0' || text[unit_end] > '9')) ++unit_end;
    const std::string unit = text.substr(digits, unit_end - digits);
    nanoseconds per_unit{0};
    if (unit == "ms") {
      per_unit = milliseconds{1};
    } else if (unit == "s") {
      per_unit = seconds{1};
    } else if (unit == "m") {
      per_unit = minutes{1};
    } else if (unit == "h") {
      per_unit = hours{1};
    } else {
      return std::nullopt;
    }
    // Checked before multiplying: 9 digits of hours overflow 64 bits of nanoseconds.
    if (amount > max_duration / per_unit) return std::nullopt;
    total += per_unit * amount;
    if (total > max_duration) return std::nullopt;
    i = unit_end;
  }
  return total;
}

scenario load_text(const std::string& text, const std::filesystem::path& file) {
  const reader r(file.string());
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw load_error({file.string(), e.mark.line + 1, e.mark.column + 1}, "invalid YAML: " + e.msg);
  }
  r.require_map(root, "a scenario {name, templates, seed, steps}");
  r.only_keys(root, {"name", "description", "templates", "parameters", "seed", "data", "steps", "variants"},
              "a scenario");
  scenario out;
  out.file = file;
  out.name = root["name"] ? r.string(root["name"], "the scenario's name") : file.stem().string();
  if (const YAML::Node description = root["description"])
    out.description = r.string(description, "a description");
  if (const YAML::Node templates = root["templates"]) out.templates = read_templates(r, templates, file);
  if (const YAML::Node parameters = root["parameters"]) out.parameters = read_parameters(r, parameters);
  if (const YAML::Node variants = root["variants"]) out.variants = read_variants(r, variants, file);
  if (const YAML::Node seed = root["seed"]) {
    const json value = r.value(seed);
    if (!value.is_number_unsigned()) r.fail(seed, "expected a non-negative integer seed");
    out.seed = value.get<std::uint64_t>();
  }
  if (const YAML::Node data = root["data"]) out.data = read_data(r, data, file);
  const YAML::Node steps = root["steps"];
  if (!steps) r.fail(root, "missing 'steps' (the list of the scenario's steps)");
  if (!steps.IsSequence()) r.fail(steps, "expected 'steps' to be a list, found " + reader::describe(steps));
  for (const auto& item : steps) out.steps.push_back(read_step(r, item));
  return out;
}

std::vector<scenario> expand_variants(const scenario& sc) {
  if (sc.variants.empty()) return {sc};
  std::vector<scenario> out;
  for (const variant& v : sc.variants) {
    scenario one = sc;
    one.variants.clear();
    one.name = sc.name + " [" + v.name + "]";
    if (!v.templates.empty()) one.templates = v.templates;
    for (const auto& [key, value] : v.parameters) one.parameters[key] = value;
    out.push_back(std::move(one));
  }
  return out;
}

scenario load_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw load_error({file.string(), 0, 0}, "cannot read the file");
  std::ostringstream text;
  text << in.rdbuf();
  return load_text(text.str(), file);
}

}  // namespace fogbank::scenario
