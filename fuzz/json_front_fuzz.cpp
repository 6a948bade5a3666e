// The AWS JSON protocol's front door (aws_json_front::handle): content type, JSON syntax and
// nesting, X-Amz-Target, SigV4 header, body shape, and the answer in each case. The services
// behind it are stubs, one per way a service answers (a result, a thrown error, an error
// delivered through the asynchronous completion), so the run stays on the front's own code.
//
// Input: the request target ("/", "/?X-Amz-Algorithm=..."), then one "Name: value" header per
// line, a blank line, and the body (everything after it, so no Content-Length to keep right):
//
//   /
//   X-Amz-Target: DynamoDB_20120810.PutItem
//   Content-Type: application/x-amz-json-1.0
//   Authorization: AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dynamodb/aws4_request, ...
//
//   {"TableName": "t"}

#include "aws_json.hpp"

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

// The stand-in services behind the registry's rows: one answers, one refuses, one (SQS) fails
// when the request names a queue.
struct answer_service final : core::service {
  void call(std::string_view operation, const nlohmann::json& body, const core::call_context&,
            core::call_completion done) override {
    done(core::call_result{nlohmann::json{{"Operation", operation}, {"Members", body.size()}}, std::nullopt});
  }
  nlohmann::json health() const override { return nlohmann::json::object(); }
};

struct refuse_service final : core::service {
  void call(std::string_view operation, const nlohmann::json&, const core::call_context&,
            core::call_completion done) override {
    core::call_result result;
    result.error.emplace(core::error_code::resource_not_found,
                         "Requested resource not found: " + std::string(operation));
    done(std::move(result));
  }
  nlohmann::json health() const override { return nlohmann::json::object(); }
};

struct queue_service final : core::service {
  void call(std::string_view operation, const nlohmann::json& body, const core::call_context&,
            core::call_completion done) override {
    core::call_result result;
    if (body.is_object() && body.contains("QueueUrl")) {
      result.error.emplace(core::error_code::queue_does_not_exist,
                           "The specified queue does not exist for " + std::string(operation));
    }
    done(std::move(result));
  }
  nlohmann::json health() const override { return nlohmann::json::object(); }
};

struct stand_ins {
  stand_ins() {
    registry.add({.name = "dynamodb",
                  .target_prefix = "DynamoDB_20120810.",
                  .error_namespace = "com.amazonaws.dynamodb.v20120810",
                  .service = &answer});
    registry.add({.name = "dynamodbstreams",
                  .target_prefix = "DynamoDBStreams_20120810.",
                  .error_namespace = "com.amazonaws.dynamodb.v20120810",
                  .service = &refuse});
    registry.add({.name = "sqs",
                  .target_prefix = "AmazonSQS.",
                  .error_namespace = "com.amazonaws.sqs",
                  .query_compatible = true,
                  .request_ids = dispatch::request_id_style::uuid,
                  .service = &queue});
  }
  answer_service answer;
  refuse_service refuse;
  queue_service queue;
  core::id_generator ids{1};
  dispatch::registry registry{ids};
};

const http::aws_json_front& front() {
  static const stand_ins services;
  static const http::aws_json_front instance(services.registry);
  return instance;
}

// Splits off the text up to the next '\n' (without it).
std::string_view next_line(std::string_view& text) {
  const auto end = text.find('\n');
  std::string_view line = text.substr(0, end);
  text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  http::request req{http::bhttp::verb::post, "/", 11};
  try {
    const std::string_view target = next_line(input);
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

  immediate_channel channel;
  const http::reply_to to = http::reply_to_of(req, "fuzz-request-id");
  front().handle(req, to, channel);
  return 0;
}
