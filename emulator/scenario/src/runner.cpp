// Runs a loaded scenario step by step on a manual clock. Each step either completes or yields a
// failure text; the first failure ends the run (later steps would only report its consequences).

#include "fogbank/scenario/runner.hpp"

#include "api_request.hpp"
#include "fogbank/core/encoding.hpp"
#include "live.hpp"
#include "match.hpp"
#include "model.hpp"
#include "transcript.hpp"

#include "fogbank/apigw/websocket.hpp"
#include "fogbank/core/clock.hpp"
#include "fogbank/dispatch/client.hpp"
#include "fogbank/dynamodb/service.hpp"
#include "fogbank/main/temporary_directory.hpp"
#include "fogbank/template/loader.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

namespace fogbank::scenario {
namespace {

// A step that fails: the message (several lines allowed).
struct step_failure {
  std::string message;
};

// With --endpoint (a real clock): `settle` asks GET /_fogbank/idle every poll_interval until it
// answers idle this many times in a row (a frame or a close the server has not read yet starts
// its work only once read: the quiet polls give it that moment), for settle_bound at most.
constexpr int quiet_polls = 3;
constexpr std::chrono::milliseconds poll_interval{25};
constexpr std::chrono::seconds settle_bound{30};
// `advance` waits as long as it says in real time, up to this (a scenario that advances by hours
// is meant for the virtual clock).
constexpr std::chrono::seconds advance_bound{30};
// How long expect_frames waits for the frames it expects to arrive.
constexpr std::chrono::seconds frames_bound{10};

// A call's outcome either way: the response, or the error as {type, message}.
struct call_outcome {
  bool ok = false;
  json value;
};

// What every in-process WebSocket client claims to connect to (requestContext.domainName): a
// fixed name, so that events do not depend on a port.
constexpr std::string_view client_domain = "localhost:4566";

class in_process_environment final : public environment {
 public:
  explicit in_process_environment(std::unique_ptr<emulator> services) : services_(std::move(services)) {}
  emulator& services() override { return *services_; }

 private:
  std::unique_ptr<emulator> services_;
};

std::string scalar_text(const json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

// A received frame as a failure shows it and a capture reads it: JSON when it parses.
json frame_value(const std::string& text) {
  json parsed = json::parse(text, nullptr, false);
  return parsed.is_discarded() || !parsed.is_structured() ? json(text) : parsed;
}

struct client_state {
  std::shared_ptr<client_link> link;    // in process
  std::shared_ptr<live_socket> socket;  // with --endpoint
  std::string connection_id;
  bool open = false;
};

class run {
 public:
  run(const scenario& sc, const run_options& options)
      : sc_(sc), options_(options), log_(options.transcript) {}

  // Throws step_failure for a failing step, std::runtime_error for what stops the run before steps.
  void go() {
    const std::uint64_t seed = options_.seed.value_or(sc_.seed);
    if (!options_.endpoint.empty()) {
      live_ = std::make_unique<live_endpoint>(options_.endpoint);
      domain_ = live_->host_port();
      log_.write({{"event", "scenario"}, {"name", sc_.name}, {"endpoint", options_.endpoint}});
      resolve_stacks();
      note_live_invocations();
      note_live_streams();
      steps();
      return;
    }
    emulator_options opts;
    opts.manual_clock = true;
    opts.seed = seed;
    opts.wrap_runtime_host = [this](std::shared_ptr<lambda::runtime_host> host) {
      return record_invocations(std::move(host), log_);
    };
    std::string error;
    env_ = options_.open ? options_.open(opts, &error) : open_in_process(opts, &error);
    if (!env_) throw std::runtime_error("cannot start the emulator: " + error);
    emulator& services = env_->services();
    log_.start_clock(services.clock());
    domain_ = env_->domain_name();
    log_.mask(domain_, std::string(client_domain));
    log_.write({{"event", "scenario"}, {"name", sc_.name}, {"seed", seed}});
    load_templates(seed);
    subscribe_all_tables();
    steps();
  }

  void steps() {
    load_data();
    for (std::size_t i = 0; i < sc_.steps.size(); ++i) {
      const step& s = sc_.steps[i];
      log_.write({{"event", "step"}, {"index", i + 1}, {"kind", s.kind}, {"line", s.where.line}});
      try {
        json result = std::visit([&](const auto& action) { return perform(action); }, s.action);
        flush_client_events();
        capture(s, result);
      } catch (const step_failure& failure) {
        flush_client_events();
        throw step_failure{"step " + std::to_string(i + 1) + " (" + s.kind + ") at " + s.where.str() + ":\n" +
                           failure.message};
      } catch (const std::exception& e) {
        flush_client_events();
        throw step_failure{"step " + std::to_string(i + 1) + " (" + s.kind + ") at " + s.where.str() + ":\n" +
                           e.what()};
      }
    }
    log_.write({{"event", "passed"}});
  }

  ~run() {
    // The clients' links go before the emulator that holds weak references to them; the
    // emulator goes before the code directory its functions run from.
    clients_.clear();
    env_.reset();
    live_.reset();
  }

 private:
  void load_templates(std::uint64_t seed) {
    if (sc_.templates.empty()) return;
    std::string error;
    if (!code_dir_.make("fogbank-scenario-", "inline Lambda code", &error)) throw std::runtime_error(error);
    std::map<std::string, std::string> exports;
    for (const auto& file : sc_.templates) {
      const templates::parsed_template tmpl = templates::read_template(file);
      templates::load_options load;
      load.stack_name = tmpl.default_stack_name();
      load.parameters = sc_.parameters;
      load.seed = seed;
      load.code_dir = code_dir_.path();
      load.exports = &exports;
      const templates::load_result result = templates::deploy(env_->services().client(), tmpl, load);
      json resources = json::array();
      for (const auto& resource : result.resources) {
        if (resource.physical_id.empty()) continue;
        physical_ids_[resource.logical_id] = resource.physical_id;
        captures_["Ref." + resource.logical_id] = resource.physical_id;
        resources.push_back(
            {{"logical_id", resource.logical_id}, {"type", resource.type}, {"id", resource.physical_id}});
      }
      json outputs = json::object();
      for (const auto& [name, value] : result.outputs) {
        captures_[name] = value;
        outputs[name] = value;
      }
      log_.write({{"event", "template"},
                  {"stack", result.stack_name},
                  {"resources", resources},
                  {"outputs", outputs}});
    }
  }

  // --endpoint: the server must have loaded the scenario's templates (`fogbank serve --template`);
  // their logical ids and Outputs come from GET /_fogbank/stacks, by the stack names the files
  // give.
  void resolve_stacks() {
    if (sc_.templates.empty()) return;
    const json loaded = live_->get_json("/_fogbank/stacks").value("stacks", json::array());
    for (const auto& file : sc_.templates) {
      const std::string name = templates::read_template(file).default_stack_name();
      const auto stack = std::find_if(loaded.begin(), loaded.end(),
                                      [&](const json& s) { return s.value("name", "") == name; });
      if (stack == loaded.end()) {
        throw std::runtime_error("the server at " + options_.endpoint + " has no stack '" + name +
                                 "': start it with `fogbank serve --template " + file.string() + "`");
      }
      for (const json& resource : stack->value("resources", json::array())) {
        const std::string id = resource.value("physical_id", "");
        if (id.empty()) continue;
        physical_ids_[resource.value("logical_id", "")] = id;
        captures_["Ref." + resource.value("logical_id", "")] = id;
      }
      const json outputs = stack->value("outputs", json::object());
      for (const auto& [output, value] : outputs.items()) captures_[output] = value;
      log_.write({{"event", "template"}, {"stack", name}});
    }
  }

  // `data:`: PutItem for each item, before the first step.
  void load_data() {
    for (const fixture_data& data : sc_.data) {
      const std::string table = resolve(text(data.table));
      for (const json& item : data.items) {
        const auto converted = to_dynamodb_item(substitute(item, captures_), data.format);
        const call_outcome put = do_call(
            "dynamodb", "PutItem", {{"TableName", table}, {"Item", converted.value_or(json::object())}});
        if (!put.ok) {
          throw step_failure{"data at " + data.where.str() + ": PutItem into " + table + " failed: " +
                             put.value.value("type", "") + ": " + put.value.value("message", "")};
        }
      }
    }
  }

  // A logical id as its physical id; anything else as it is.
  std::string resolve(const std::string& name) const {
    const auto it = physical_ids_.find(name);
    return it == physical_ids_.end() ? name : it->second;
  }

  // A call written to the transcript (the scenario's own calls and what its steps ask for).
  call_outcome do_call(const std::string& service, const std::string& action, const json& input) {
    call_outcome out = quiet_call(service, action, input);
    json event = {{"event", "call"}, {"service", service}, {"action", action}, {"input", input}};
    event[out.ok ? "response" : "error"] = out.value;
    log_.write(std::move(event));
    return out;
  }

  // A call left out of the transcript: the runner's own reading (stream records), whose iterators
  // are opaque and whose records the transcript has already (`stream_record`).
  call_outcome quiet_call(const std::string& service, const std::string& action, const json& input) {
    call_outcome out;
    if (live_) {
      const live_call_result r = live_->call(service, action, input);
      out.ok = r.error_type.empty();
      out.value = out.ok ? r.body : json{{"type", r.error_type}, {"message", r.error_message}};
    } else {
      const core::call_result r = env_->services().client().call(service, action, input);
      out.ok = !r.error;
      out.value =
          out.ok ? r.body : json{{"type", std::string(r.error->name())}, {"message", r.error->message()}};
    }
    return out;
  }

  // Stream records of every table (those the templates made, and those CreateTable makes later)
  // go into the transcript as they are delivered.
  void subscribe_all_tables() {
    const core::call_result tables = env_->services().client().call("dynamodb", "ListTables", json::object());
    for (const json& name : tables.body.value("TableNames", json::array()))
      subscribe(name.get<std::string>());
  }
  void subscribe(const std::string& table) {
    if (!subscribed_.insert(table).second) return;
    (void)env_->services().dynamodb().subscribe_stream(table, [this, table](const json& record) {
      log_.write({{"event", "stream_record"}, {"table", table}, {"record", record}});
    });
  }

  void flush_client_events() {
    if (live_) return;
    for (auto& [name, client] : clients_) {
      for (json& event : client.link->take_events()) log_.write(std::move(event));
    }
  }

  void capture(const step& s, const json& result) {
    for (const auto& [name, pointer] : s.captures) {
      const json::json_pointer where(pointer);
      if (!result.contains(where)) {
        throw step_failure{"capture " + name + ": " + pointer + " is not in the result:\n" + result.dump(2)};
      }
      captures_[name] = result.at(where);
    }
  }

  std::string text(const std::string& value) const { return substitute(value, captures_); }

  json perform(const call_step& call) {
    const json input = substitute(call.input, captures_);
    const call_outcome result = do_call(call.service, call.action, input);
    const json& outcome = result.value;
    if (!live_ && call.service == "dynamodb" && call.action == "CreateTable" && result.ok) {
      subscribe(input.value("TableName", ""));
    }
    if (call.expect_error) {
      if (result.ok) {
        throw step_failure{"expected the error " + call.expect_error->dump() + ", but the call succeeded:\n" +
                           outcome.dump(2)};
      }
      const json expected = substitute(*call.expect_error, captures_);
      check(expected, outcome, match_mode::subset, "the error");
    } else if (!result.ok) {
      throw step_failure{"the call failed: " + outcome.value("type", "") + ": " +
                         outcome.value("message", "")};
    } else if (call.expect) {
      check(substitute(call.expect->value, captures_), outcome, call.expect->mode, "the response");
    }
    return outcome;
  }

  void check(const json& expected, const json& actual, match_mode mode, const std::string& what) {
    if (const auto why = mismatch(expected, actual, mode)) {
      throw step_failure{what + " does not match: " + *why + "\n" +
                         diff(expected, relevant_part(expected, actual, mode))};
    }
  }

  json perform(const connect_step& connect) {
    const std::string name = text(connect.client);
    if (const auto it = clients_.find(name); it != clients_.end() && it->second.open) {
      throw step_failure{"client " + name + " is already connected"};
    }
    apigw::upgrade request;
    const std::string api = text(connect.api);
    const auto logical = physical_ids_.find(api);
    request.api_id = logical == physical_ids_.end() ? api : logical->second;
    request.stage = text(connect.stage);
    request.domain_name = domain_;
    request.source_ip = "127.0.0.1";
    // X-Forwarded-Port: the fixed port of client_domain, whatever port a server has (handlers
    // post to the domain name, never to this port).
    request.port = "4566";
    bool has_host = false;
    const json headers = substitute(connect.headers, captures_);
    for (const auto& [key, value] : headers.items()) {
      has_host = has_host || key == "Host" || key == "host";
      request.headers.emplace_back(key, scalar_text(value));
    }
    if (!has_host) request.headers.insert(request.headers.begin(), {"Host", domain_});
    const json query = substitute(connect.query, captures_);
    if (query.is_string()) {
      request.query = query.get<std::string>();
    } else {
      for (const auto& [key, value] : query.items()) {
        request.query += (request.query.empty() ? "" : "&") + core::url_encode(key) + "=" +
                         core::url_encode(scalar_text(value));
      }
    }
    std::shared_ptr<client_link> link;
    std::shared_ptr<live_socket> socket;
    std::optional<apigw::connect_outcome> outcome;
    if (live_) {
      std::vector<std::pair<std::string, std::string>> live_headers;
      for (const auto& [key, value] : headers.items()) live_headers.emplace_back(key, scalar_text(value));
      live_upgrade upgrade;
      socket =
          live_->connect("/ws/" + core::url_encode(request.api_id) + "/" + core::url_encode(request.stage) +
                             (request.query.empty() ? "" : "?" + request.query),
                         live_headers, &upgrade);
      outcome.emplace();
      outcome->accepted = upgrade.accepted;
      outcome->status = upgrade.status;
      outcome->body = upgrade.body;
      outcome->connection_id = upgrade.connection_id;
    } else {
      link = std::make_shared<client_link>(name);
      env_->services().websocket_gateway().connect(request, link,
                                                   [&](apigw::connect_outcome o) { outcome = std::move(o); });
    }
    if (!outcome) throw step_failure{"$connect did not complete (a handler still running on a manual clock)"};
    const int status = outcome->accepted ? 200 : outcome->status;
    log_.write({{"event", "connect"},
                {"client", name},
                {"accepted", outcome->accepted},
                {"status", status},
                {"connection_id", outcome->connection_id}});
    const bool want_accept = connect.expect_status >= 200 && connect.expect_status < 300;
    if (outcome->accepted != want_accept || (!want_accept && status != connect.expect_status)) {
      throw step_failure{
          "expected the connection to be " +
          (want_accept ? std::string("accepted") : "refused with " + std::to_string(connect.expect_status)) +
          ", but it was " +
          (outcome->accepted ? std::string("accepted")
                             : "refused with " + std::to_string(status) +
                                   (outcome->body.empty() ? "" : ": " + outcome->body))};
    }
    if (outcome->accepted) {
      // A client connecting again under the same name: what its last connection still had unwritten
      // goes first.
      if (const auto old = clients_.find(name); old != clients_.end() && old->second.link) {
        for (json& event : old->second.link->take_events()) log_.write(std::move(event));
      }
      clients_[name] = client_state{link, socket, outcome->connection_id, true};
    }
    return {{"connection_id", outcome->connection_id}, {"status", status}, {"accepted", outcome->accepted}};
  }

  client_state& open_client(const std::string& name) {
    const auto it = clients_.find(name);
    if (it == clients_.end() || !it->second.open) throw step_failure{"client " + name + " is not connected"};
    return it->second;
  }

  json perform(const send_step& send) {
    const std::string name = text(send.client);
    client_state& client = open_client(name);
    const json message = substitute(send.message, captures_);
    const std::string data = message.is_string() ? message.get<std::string>() : message.dump();
    log_.write({{"event", "send"}, {"client", name}, {"data", data}});
    if (live_) {
      client.socket->send(data);
      settle_live();
    } else {
      env_->services().websocket_gateway().message(client.connection_id, data, false);
    }
    return {{"connection_id", client.connection_id}};
  }

  json perform(const close_step& close) {
    const std::string name = text(close.client);
    client_state& client = open_client(name);
    client.open = false;
    const int code = close.drop ? 1006 : close.code;
    log_.write({{"event", close.drop ? "drop" : "disconnect"}, {"client", name}, {"code", code}});
    if (live_) {
      if (close.drop) {
        client.socket->drop();
      } else {
        client.socket->close(code);
      }
      wait_gone(client.connection_id);
      settle_live();
    } else {
      client.link->mark_closed();
      env_->services().websocket_gateway().closed(client.connection_id, code, "");
    }
    return {{"connection_id", client.connection_id}};
  }

  json perform(const advance_step& advance) {
    log_.write({{"event", "advance"},
                {"by_ms", std::chrono::duration_cast<std::chrono::milliseconds>(advance.by).count()}});
    if (live_) {
      if (advance.by > advance_bound) {
        throw step_failure{"with --endpoint, advance waits in real time, at most " +
                           std::to_string(advance_bound.count()) + "s (run this scenario in process)"};
      }
      std::this_thread::sleep_for(advance.by);
      settle_live();
      return json::object();
    }
    env_->services().advance(advance.by);
    return json::object();
  }

  json perform(const settle_step&) {
    if (live_) {
      settle_live();
      return json::object();
    }
    // On a manual clock Lambda invocations complete before the call that starts them returns
    // (emulator_options::manual_clock), so after run_until_idle() nothing is in flight; a second
    // pass catches entries that work done in the first scheduled for now from another thread (a
    // worker's SDK call served by the HTTP server while the step waited).
    constexpr int max_rounds = 100;  // a loop of entries rescheduling themselves for now is a bug
    for (int round = 0; round < max_rounds; ++round) {
      if (env_->services().run_until_idle() == 0) return json::object();
    }
    throw step_failure{"the emulator did not settle: scheduler entries kept falling due after " +
                       std::to_string(max_rounds) + " rounds"};
  }

  json perform(const frames_step& step) {
    const std::string name = text(step.client);
    const auto it = clients_.find(name);
    if (it == clients_.end()) throw step_failure{"client " + name + " never connected"};
    std::vector<json> expected;
    for (const json& frame : step.frames) expected.push_back(substitute(frame, captures_));
    std::vector<std::string> received;
    if (live_) {
      settle_live();
      received = it->second.socket ? it->second.socket->take_frames(expected.size(), frames_bound)
                                   : std::vector<std::string>{};
      for (const std::string& frame : received)
        log_.write({{"event", "frame"}, {"client", name}, {"data", frame}});
    } else {
      received = it->second.link->take_frames();
    }
    json actual = json::array();
    for (const std::string& frame : received) actual.push_back(frame_value(frame));
    if (const auto why = frames_mismatch(expected, received, step.in_order, step.mode)) {
      const json wanted(expected);
      throw step_failure{"the frames " + name + " received do not match" +
                         (step.in_order ? "" : " (as a set)") + ": " + *why + "\n" +
                         diff(wanted, step.in_order ? relevant_part(wanted, actual, step.mode) : actual)};
    }
    if (step.closed) {
      const std::optional<int> code =
          live_ ? (it->second.socket ? it->second.socket->wait_closed(frames_bound) : std::nullopt)
                : it->second.link->closed_by_server();
      if (code != step.closed) {
        throw step_failure{"expected the server to have closed " + name + "'s connection with " +
                           std::to_string(*step.closed) + ", but " +
                           (code ? "it closed it with " + std::to_string(*code) : std::string("it is open"))};
      }
      it->second.open = false;
    }
    return actual;
  }

  // `request:` (api_request.hpp).
  json perform(const request_step& step) {
    if (!requests_) {
      requests_ =
          std::make_unique<api_requests>(log_, live_ ? nullptr : &env_->services(), live_.get(), domain_);
    }
    return requests_->perform(step, captures_, physical_ids_);
  }

  // ---- --endpoint: a real clock ----

  // Polls GET /_fogbank/idle until it answers idle quiet_polls times in a row.
  void settle_live() {
    const core::real_clock wall;
    const core::time_point deadline = wall.now() + settle_bound;
    int quiet = 0;
    json last;
    while (quiet < quiet_polls) {
      last = live_->get_json("/_fogbank/idle");
      quiet = last.value("idle", false) ? quiet + 1 : 0;
      if (quiet >= quiet_polls) break;
      if (wall.now() > deadline) {
        throw step_failure{"the server did not become idle within " + std::to_string(settle_bound.count()) +
                           "s; GET /_fogbank/idle last answered " + last.dump()};
      }
      std::this_thread::sleep_for(poll_interval);
    }
  }

  // Waits until the server has let the connection go (GetConnection answers 410), so that its
  // $disconnect has started.
  void wait_gone(const std::string& connection_id) {
    if (connection_id.empty()) return;
    const core::real_clock wall;
    const core::time_point deadline = wall.now() + settle_bound;
    while (live_->request("GET", "/@connections/" + core::url_encode(connection_id), {}, "").first != 410) {
      if (wall.now() > deadline) {
        throw step_failure{"the server still had connection " + connection_id + " after " +
                           std::to_string(settle_bound.count()) + "s"};
      }
      std::this_thread::sleep_for(poll_interval);
    }
  }

  // ---- expectations on queues, invocations and logs ----

  json perform(const queue_step& step) {
    const std::string queue = resolve(text(step.queue));
    std::string url = queue;
    if (queue.rfind("http://", 0) != 0 && queue.rfind("https://", 0) != 0) {
      const call_outcome found = do_call("sqs", "GetQueueUrl", {{"QueueName", queue}});
      if (!found.ok) throw step_failure{"no queue " + queue + ": " + found.value.value("message", "")};
      url = found.value.value("QueueUrl", "");
    }
    const call_outcome attrs =
        do_call("sqs", "GetQueueAttributes",
                {{"QueueUrl", url},
                 {"AttributeNames",
                  {"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                   "ApproximateNumberOfMessagesDelayed"}}});
    if (!attrs.ok)
      throw step_failure{"GetQueueAttributes of " + url + ": " + attrs.value.value("message", "")};
    const json a = attrs.value.value("Attributes", json::object());
    const auto number = [&](const char* key) { return std::stoll(a.value(key, std::string("0"))); };
    const json actual = {{"visible", number("ApproximateNumberOfMessages")},
                         {"in_flight", number("ApproximateNumberOfMessagesNotVisible")},
                         {"delayed", number("ApproximateNumberOfMessagesDelayed")}};
    json expected = json::object();
    if (step.visible) expected["visible"] = *step.visible;
    if (step.in_flight) expected["in_flight"] = *step.in_flight;
    if (step.delayed) expected["delayed"] = *step.delayed;
    check(expected, actual, match_mode::subset, "the queue " + queue);
    return actual;
  }

  // --endpoint: how many invocations the server had completed when the scenario started, so that
  // expect_invocations counts only the scenario's own (GET /_fogbank/lambda/invocations).
  void note_live_invocations() {
    try {
      live_invocations_base_ =
          live_->get_json("/_fogbank/lambda/invocations").value("total", std::uint64_t{0});
    } catch (const std::exception& e) {
      live_invocations_error_ = e.what();
    }
  }

  // The invocations completed since the scenario started, oldest first.
  std::vector<json> invocations_so_far() {
    if (!live_) return log_.invocations();
    if (!live_invocations_base_) {
      throw step_failure{"expect_invocations needs GET /_fogbank/lambda/invocations, which the server at " +
                         options_.endpoint + " does not answer: " + live_invocations_error_};
    }
    const json answer = live_->get_json("/_fogbank/lambda/invocations");
    const json list = answer.value("invocations", json::array());
    const std::uint64_t total = answer.value("total", std::uint64_t{0});
    // The server keeps the most recent ones only: those since the start must all be there.
    if (total - *live_invocations_base_ > list.size()) {
      throw step_failure{"the server completed " + std::to_string(total - *live_invocations_base_) +
                         " invocations since the scenario started and keeps only the last " +
                         std::to_string(list.size())};
    }
    std::vector<json> out;
    for (const json& inv : list) {
      if (inv.value("index", std::uint64_t{0}) >= *live_invocations_base_) out.push_back(inv);
    }
    return out;
  }

  json perform(const invocations_step& step) {
    const std::string function = resolve(text(step.function));
    std::size_t& seen = seen_invocations_[function];
    json invocations = json::array();
    std::size_t index = 0;
    for (json& inv : invocations_so_far()) {
      if (!function.empty() && inv.value("function", "") != function) continue;
      if (index++ < seen) continue;
      inv.erase("log");
      inv.erase("index");
      invocations.push_back(std::move(inv));
    }
    seen += invocations.size();
    const std::string what =
        "the invocations of " + (function.empty() ? std::string("every function") : function);
    if (step.count && static_cast<std::int64_t>(invocations.size()) != *step.count) {
      throw step_failure{what + ": expected " + std::to_string(*step.count) + ", found " +
                         std::to_string(invocations.size()) + ":\n" + invocations.dump(2)};
    }
    if (step.errors) {
      const auto failed = std::count_if(invocations.begin(), invocations.end(), [](const json& inv) {
        return inv.value("outcome", "") != "success";
      });
      if (failed != *step.errors) {
        throw step_failure{what + ": expected " + std::to_string(*step.errors) + " that failed, found " +
                           std::to_string(failed) + ":\n" + invocations.dump(2)};
      }
    }
    if (step.events) {
      json events = json::array();
      for (const json& inv : invocations) events.push_back(inv.at("event"));
      json expected = json::array();
      for (const json& event : *step.events) expected.push_back(substitute(event, captures_));
      check(expected, events, step.mode, "the events of " + what);
    }
    return invocations;
  }

  // ---- expectations on stream records ----

  // A call of the runner's own that must succeed.
  json must(const std::string& service, const std::string& action, const json& input) {
    const call_outcome r = quiet_call(service, action, input);
    if (!r.ok) {
      throw step_failure{action + " " + input.dump() + " failed: " + r.value.value("type", "") + ": " +
                         r.value.value("message", "")};
    }
    return r.value;
  }

  // The table's current stream and its shards (DescribeTable, DescribeStream with its pages).
  std::pair<std::string, std::vector<std::string>> stream_shards(const std::string& table) {
    const json described = must("dynamodb", "DescribeTable", {{"TableName", table}});
    const std::string arn = described.value("Table", json::object()).value("LatestStreamArn", "");
    if (arn.empty()) throw step_failure{"the table " + table + " has no stream (StreamSpecification)"};
    std::vector<std::string> shards;
    json request = {{"StreamArn", arn}};
    for (;;) {
      const json page =
          must("dynamodbstreams", "DescribeStream", request).value("StreamDescription", json::object());
      for (const json& shard : page.value("Shards", json::array()))
        shards.push_back(shard.value("ShardId", ""));
      if (!page.contains("LastEvaluatedShardId")) break;
      request["ExclusiveStartShardId"] = page["LastEvaluatedShardId"];
    }
    return {arn, shards};
  }

  // --endpoint: the server's streams hold what earlier scenarios wrote, so each table an
  // expect_stream_records names (when its name is known before the first step) gets a LATEST
  // iterator per shard now; a table named only through a later capture is read from its start.
  void note_live_streams() {
    for (const step& s : sc_.steps) {
      const auto* records = std::get_if<stream_records_step>(&s.action);
      if (records == nullptr) continue;
      std::string table;
      try {
        table = resolve(text(records->table));
      } catch (const std::exception&) {
        continue;  // a capture a later step makes
      }
      if (stream_cursors_.contains(table)) continue;
      stream_cursor& cursor = stream_cursors_[table];
      try {
        auto [arn, shards] = stream_shards(table);
        cursor.stream_arn = arn;
        for (const std::string& shard : shards) {
          cursor.iterators[shard] =
              must("dynamodbstreams", "GetShardIterator",
                   {{"StreamArn", arn}, {"ShardId", shard}, {"ShardIteratorType", "LATEST"}})
                  .value("ShardIterator", "");
        }
      } catch (const step_failure&) {
        // No such table or no stream yet: the step says so when it runs.
      }
    }
  }

  // The records of `table`'s stream since the cursor, which moves past them: per shard, after the
  // last sequence number read, else from a baseline iterator (--endpoint), else from the start.
  json new_stream_records(const std::string& table) {
    auto [arn, shards] = stream_shards(table);
    stream_cursor& cursor = stream_cursors_[table];
    if (cursor.stream_arn != arn) cursor = stream_cursor{arn, {}, {}};  // the stream was re-enabled
    json records = json::array();
    for (const std::string& shard : shards) {
      std::string iterator;
      if (const auto after = cursor.after.find(shard); after != cursor.after.end()) {
        iterator = must("dynamodbstreams", "GetShardIterator",
                        {{"StreamArn", arn},
                         {"ShardId", shard},
                         {"ShardIteratorType", "AFTER_SEQUENCE_NUMBER"},
                         {"SequenceNumber", after->second}})
                       .value("ShardIterator", "");
      } else if (const auto kept = cursor.iterators.find(shard); kept != cursor.iterators.end()) {
        iterator = kept->second;
      } else {
        iterator = must("dynamodbstreams", "GetShardIterator",
                        {{"StreamArn", arn}, {"ShardId", shard}, {"ShardIteratorType", "TRIM_HORIZON"}})
                       .value("ShardIterator", "");
      }
      // Pages until one comes back empty (an open shard always has a next iterator) or the shard
      // is closed and read to its end.
      while (!iterator.empty()) {
        const json page = must("dynamodbstreams", "GetRecords", {{"ShardIterator", iterator}});
        const json got = page.value("Records", json::array());
        iterator = page.value("NextShardIterator", "");
        for (const json& record : got) {
          cursor.after[shard] = record.value("dynamodb", json::object()).value("SequenceNumber", "");
          records.push_back(record);
        }
        if (got.empty()) break;
      }
      // Nothing read yet: a live baseline keeps its place (a new iterator, since an old one ages).
      if (!cursor.after.contains(shard) && cursor.iterators.contains(shard))
        cursor.iterators[shard] = iterator;
    }
    return records;
  }

  json perform(const stream_records_step& step) {
    const std::string table = resolve(text(step.table));
    // A real server writes what earlier steps started in its own time.
    if (live_) settle_live();
    const json records = new_stream_records(table);
    const std::string what = "the stream records of " + table;
    if (step.count && static_cast<std::int64_t>(records.size()) != *step.count) {
      throw step_failure{what + ": expected " + std::to_string(*step.count) + ", found " +
                         std::to_string(records.size()) + ":\n" + records.dump(2)};
    }
    if (step.records) {
      json expected = json::array();
      for (const json& record : *step.records) expected.push_back(substitute(record, captures_));
      check(expected, records, step.mode, what);
    }
    return records;
  }

  json perform(const logs_step& step) {
    const std::string function = resolve(text(step.function));
    std::string logs;
    if (live_) {
      const json all = live_->get_json("/_fogbank/lambda/logs").value("logs", json::object());
      for (const auto& [key, value] : all.items()) {
        if (key.size() > function.size() && key.ends_with("/" + function) && value.is_string())
          logs += value.get<std::string>();
      }
    } else {
      for (const json& inv : log_.invocations()) {
        if (inv.value("function", "") == function) logs += inv.value("log", "");
      }
    }
    for (const std::string& wanted : step.contains) {
      const std::string needle = text(wanted);
      if (logs.find(needle) == std::string::npos) {
        throw step_failure{"the logs of " + function + " do not contain \"" + needle + "\"; they are:\n" +
                           logs};
      }
    }
    return {{"logs", logs}};
  }

  const scenario& sc_;
  const run_options& options_;
  transcript log_;
  temporary_directory code_dir_;
  std::unique_ptr<environment> env_;
  std::map<std::string, json> captures_;
  std::map<std::string, std::string> physical_ids_;
  std::map<std::string, client_state> clients_;
  std::set<std::string> subscribed_;
  std::string domain_;
  std::unique_ptr<live_endpoint> live_;
  std::map<std::string, std::size_t> seen_invocations_;  // by function ("" = all)
  // How far expect_stream_records has read a table's stream (by table name).
  struct stream_cursor {
    std::string stream_arn;
    std::map<std::string, std::string> after;      // shard -> the last sequence number read
    std::map<std::string, std::string> iterators;  // shard -> a LATEST iterator (--endpoint)
  };
  std::map<std::string, stream_cursor> stream_cursors_;
  std::unique_ptr<api_requests> requests_;
  std::optional<std::uint64_t> live_invocations_base_;
  std::string live_invocations_error_;
};

double seconds_since(const core::real_clock& clock, core::time_point start) {
  return std::chrono::duration<double>(clock.now() - start).count();
}

}  // namespace

std::unique_ptr<environment> open_in_process(const emulator_options& options, std::string* error) {
  std::unique_ptr<emulator> services = emulator::open(options, error);
  if (!services) return nullptr;
  services->set_endpoint("http://" + std::string(client_domain));
  return std::make_unique<in_process_environment>(std::move(services));
}

namespace {

// Runs one loaded scenario (a variant of a file, or the file itself) into `result`.
void run_one(const scenario& sc, const run_options& options, scenario_result& result) {
  const core::real_clock wall;
  const core::time_point started = wall.now();
  result.name = sc.name;
  try {
    run r(sc, options);
    r.go();
    result.passed = true;
  } catch (const step_failure& e) {
    result.failure = e.message;
  } catch (const templates::template_error& e) {
    result.failure = std::string("template: ") + e.what();
  } catch (const std::exception& e) {
    result.failure = e.what();
  }
  result.seconds = seconds_since(wall, started);
}

}  // namespace

std::vector<scenario_result> run_variants(const std::filesystem::path& file, const run_options& options) {
  std::vector<scenario> scenarios;
  try {
    scenarios = expand_variants(load_file(file));
  } catch (const load_error& e) {
    scenario_result failed;
    failed.file = file;
    failed.name = file.stem().string();
    failed.failure = e.what();
    return {failed};
  }
  std::vector<scenario_result> results;
  for (const scenario& sc : scenarios) {
    results.emplace_back().file = file;
    run_one(sc, options, results.back());
  }
  return results;
}

scenario_result run_file(const std::filesystem::path& file, const run_options& options) {
  std::vector<scenario_result> results = run_variants(file, options);
  if (results.size() == 1) return std::move(results.front());
  // Variants as one result: passed when every one did, the failures one after the other.
  scenario_result all;
  all.file = file;
  all.name = results.front().name.substr(0, results.front().name.rfind(" ["));
  all.passed = true;
  for (const scenario_result& r : results) {
    all.passed = all.passed && r.passed;
    if (!r.passed) all.failure += r.name + ": " + r.failure + (r.failure.ends_with('\n') ? "" : "\n");
    all.seconds += r.seconds;
  }
  return all;
}

std::vector<std::filesystem::path> expand_paths(const std::vector<std::filesystem::path>& paths) {
  std::vector<std::filesystem::path> out;
  for (const auto& path : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      std::vector<std::filesystem::path> found;
      for (const auto& entry : std::filesystem::directory_iterator(path)) {
        const std::string ext = entry.path().extension().string();
        if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) found.push_back(entry.path());
      }
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else if (std::filesystem::exists(path, ec)) {
      out.push_back(path);
    } else {
      throw std::runtime_error(path.string() + ": no such file or folder");
    }
  }
  return out;
}

}  // namespace fogbank::scenario
