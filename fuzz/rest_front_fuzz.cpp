// The AWS REST-JSON protocol's front door (rest_json_front::handle, Lambda's API): the route from
// method and path, URI members (percent-decoded, greedy labels), the query string, header members,
// the JSON body or a raw blob payload, and the encoding of the answer (status and header members,
// blob payloads, errors with x-amzn-ErrorType). The service behind it is a stand-in that answers
// with the request it decoded (so encoding sees whatever members decoding produced) or refuses,
// depending on the operation, so the run stays on the front's own code.
//
// Input: the request line's method and target ("POST /2015-03-31/functions/f/invocations?x=1"),
// then one "Name: value" header per line, a blank line, and the body:
//
//   POST /2015-03-31/functions/my-fn/invocations
//   X-Amz-Invocation-Type: Event
//
//   {"k": 1}

#include "rest_json.hpp"

#include "fogbank/core/aws_error.hpp"
#include "fogbank/core/ids.hpp"
#include "fogbank/dispatch/registry.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace {

using namespace fogbank;

class immediate_channel : public http::reply_channel {
 public:
  std::shared_ptr<http::deferred_reply> defer() override {
    return std::make_shared<http::deferred_reply>([](const http::response&) {});
  }
};

// Answers with what it was given, or refuses with one of Lambda's errors, by operation.
struct echo_service final : core::service {
  void call(std::string_view operation, const nlohmann::json& body, const core::call_context&,
            core::call_completion done) override {
    core::call_result result;
    if (operation.size() % 3 == 0) {
      result.error.emplace(core::error_code::lambda_resource_not_found,
                           "Function not found: " + std::string(operation));
    } else if (operation.size() % 3 == 1) {
      result.error.emplace(core::error_code::lambda_too_many_requests, "Rate Exceeded.",
                           nlohmann::json{{"Reason", "ConcurrentInvocationLimitExceeded"}});
    } else {
      result.body = body;
    }
    done(std::move(result));
  }
  nlohmann::json health() const override { return nlohmann::json::object(); }
};

struct stand_ins {
  stand_ins() {
    registry.add({.name = "lambda",
                  .rest_protocol = true,
                  .max_request_bytes = 70'167'211,
                  .request_ids = dispatch::request_id_style::uuid,
                  .service = &echo});
  }
  echo_service echo;
  core::id_generator ids{1};
  dispatch::registry registry{ids};
};

const http::rest_json_front& front() {
  static const stand_ins services;
  static const http::rest_json_front instance(services.registry);
  return instance;
}

std::string_view next_line(std::string_view& text) {
  const auto end = text.find('\n');
  std::string_view line = text.substr(0, end);
  text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  http::request req{http::bhttp::verb::get, "/", 11};
  try {
    std::string_view first = next_line(input);
    const auto space = first.find(' ');
    const std::string_view method = first.substr(0, space);
    const std::string_view target =
        space == std::string_view::npos ? std::string_view("/") : first.substr(space + 1);
    const http::bhttp::verb verb = http::bhttp::string_to_verb(http::bsv(method));
    if (verb == http::bhttp::verb::unknown) return 0;
    req.method(verb);
    req.target(http::bsv(target.empty() ? std::string_view("/") : target));
    for (std::string_view line = next_line(input); !line.empty(); line = next_line(input)) {
      const auto colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0) continue;
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      req.insert(http::bsv(line.substr(0, colon)), http::bsv(value));
    }
  } catch (const std::exception&) {
    return 0;  // Beast refuses some field names and values; the session's parser never makes them
  }
  req.body() = std::string(input);
  req.prepare_payload();

  if (!front().find(req)) return 0;  // the router sends only matching requests here
  immediate_channel channel;
  const http::reply_to to = http::reply_to_of(req, "fuzz-request-id");
  front().handle(req, to, channel);
  return 0;
}
