// The HTTP front's hot paths for DynamoDB, without sockets: a request's bytes parsed by Beast (as
// the session reads them) and decoded by the router and the AWS JSON front up to the service's
// door, and a response body serialised into the HTTP response the session writes. Each beside
// its baselines in the same run: Beast's parse alone and nlohmann::json's parse (or dump) of the
// same body. BM_*Http runs the whole front over the real DynamoDB service.

#include "aws_json.hpp"
#include "call.hpp"
#include "dynamodb_items.hpp"
#include "router.hpp"
#include "wire.hpp"

#include "fogbank/core/ids.hpp"
#include "fogbank/core/json_limits.hpp"
#include "fogbank/core/service.hpp"
#include "fogbank/dispatch/registry.hpp"

#include <benchmark/benchmark.h>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using nlohmann::json;
using namespace fogbank;
namespace bhttp = boost::beast::http;

// The request an AWS SDK sends (the headers of botocore's DynamoDB client; the signature is of the
// right shape, and the server does not verify it unless asked to).
std::string http_request(std::string_view operation, const std::string& body) {
  return "POST / HTTP/1.1\r\n"
         "Host: localhost:4566\r\n"
         "Accept-Encoding: identity\r\n"
         "X-Amz-Target: DynamoDB_20120810." +
         std::string(operation) +
         "\r\n"
         "Content-Type: application/x-amz-json-1.0\r\n"
         "User-Agent: Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux lang/python#3.11.2\r\n"
         "X-Amz-Date: 20261201T090000Z\r\n"
         "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261201/us-east-1/dynamodb/aws4_request, "
         "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
         "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string get_item_body() {
  return json{{"TableName", "bench"}, {"Key", {{"pk", {{"S", "user#2"}}}, {"sk", {{"N", "42"}}}}}}.dump();
}
std::string put_item_body(std::size_t payload_bytes) {
  return bench::dynamodb_table::put_request(42, payload_bytes).dump();
}

// Bytes to a request as the session's parser makes it (session.cpp: request_parser<string_body>).
http::request parse_http(const std::string& bytes) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.eager(true);
  parser.body_limit(16 * 1024 * 1024);
  boost::beast::error_code ec;
  std::size_t used = 0;
  while (!parser.is_done() && used < bytes.size()) {
    used += parser.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    if (ec) throw std::runtime_error("bad benchmark request: " + ec.message());
  }
  return parser.release();
}

class no_deferral final : public http::reply_channel {
 public:
  std::shared_ptr<http::deferred_reply> defer() override {
    return std::make_shared<http::deferred_reply>([](const http::response&) {});
  }
};

// The DynamoDB row of the real registry with a service that answers {} at once: the router and
// the front do all their work, the call costs nothing.
struct empty_service final : core::service {
  void call(std::string_view, const json&, const core::call_context&, core::call_completion done) override {
    done(core::call_result{});
  }
  json health() const override { return json::object(); }
};

struct parse_only_front {
  parse_only_front() {
    dispatch::service_row row = *real->services().find("dynamodb");
    row.service = &service;
    services.add(std::move(row));
  }
  std::unique_ptr<emulator> real = bench::open_emulator(/*manual_clock=*/true);
  empty_service service;
  core::id_generator ids{1};
  dispatch::registry services{ids};
  http::router router{services};
  no_deferral channel;
};

// Request parse: Beast, then the router and the JSON front (content type, nesting bound, JSON
// parse, target, signature shape, call context) to a service that answers at once.
void request_parse(benchmark::State& state, std::string_view operation, const std::string& body) {
  parse_only_front front;
  const std::string bytes = http_request(operation, body);
  if (auto res = front.router.handle(parse_http(bytes), front.channel);
      !res || res->result() != bhttp::status::ok) {
    state.SkipWithError("the front did not answer 200");
    return;
  }
  for (auto _ : state) {
    const http::request req = parse_http(bytes);
    benchmark::DoNotOptimize(front.router.handle(req, front.channel));
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}
// Baseline: Beast's parse of the same bytes alone.
void request_parse_beast(benchmark::State& state, std::string_view operation, const std::string& body) {
  const std::string bytes = http_request(operation, body);
  for (auto _ : state) benchmark::DoNotOptimize(parse_http(bytes));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}
// Baseline: nlohmann::json's parse of the body alone.
void request_parse_json(benchmark::State& state, const std::string& body) {
  for (auto _ : state) benchmark::DoNotOptimize(json::parse(body));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}

// The front's own pass over the body before parsing it (core::nesting_within: no document nested
// deeper than DynamoDB allows reaches the recursive parser).
void request_nesting_check(benchmark::State& state, const std::string& body) {
  for (auto _ : state) benchmark::DoNotOptimize(core::nesting_within(body, core::max_request_nesting));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}

void BM_GetItemRequestParse(benchmark::State& state) {
  request_parse(state, "GetItem", get_item_body());
}
BENCHMARK(BM_GetItemRequestParse);
void BM_GetItemRequestParse_Beast(benchmark::State& state) {
  request_parse_beast(state, "GetItem", get_item_body());
}
BENCHMARK(BM_GetItemRequestParse_Beast);
void BM_GetItemRequestParse_Json(benchmark::State& state) {
  request_parse_json(state, get_item_body());
}
BENCHMARK(BM_GetItemRequestParse_Json);

// PutItem of the sample item with a payload of range(0) characters.
void BM_PutItemRequestParse(benchmark::State& state) {
  request_parse(state, "PutItem", put_item_body(static_cast<std::size_t>(state.range(0))));
}
BENCHMARK(BM_PutItemRequestParse)->Arg(64)->Arg(1024)->Arg(16384);
void BM_PutItemRequestParse_Beast(benchmark::State& state) {
  request_parse_beast(state, "PutItem", put_item_body(static_cast<std::size_t>(state.range(0))));
}
BENCHMARK(BM_PutItemRequestParse_Beast)->Arg(64)->Arg(1024)->Arg(16384);
void BM_PutItemRequestParse_Json(benchmark::State& state) {
  request_parse_json(state, put_item_body(static_cast<std::size_t>(state.range(0))));
}
BENCHMARK(BM_PutItemRequestParse_Json)->Arg(64)->Arg(1024)->Arg(16384);

void BM_PutItemRequestParse_NestingCheck(benchmark::State& state) {
  request_nesting_check(state, put_item_body(static_cast<std::size_t>(state.range(0))));
}
BENCHMARK(BM_PutItemRequestParse_NestingCheck)->Arg(64)->Arg(1024)->Arg(16384);

// Response build: a service's answer to the HTTP response the front hands the session
// (aws_json_front::success_response: JSON text, CRC32 header, request id, content length).
void response_build(benchmark::State& state, const json& body) {
  const http::reply_to to{.request_id = std::string(52, 'A')};
  const std::size_t size = body.dump().size();
  for (auto _ : state) {
    benchmark::DoNotOptimize(http::aws_json_front::success_response(to, http::amz_json_1_0, body));
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}
// Baseline: nlohmann::json's dump of the same body alone.
void response_build_json(benchmark::State& state, const json& body) {
  const std::size_t size = body.dump().size();
  for (auto _ : state) benchmark::DoNotOptimize(body.dump());
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}

json get_item_response(std::size_t payload_bytes) {
  return {{"Item", bench::sample_item(42, payload_bytes)}};
}
// A Query page of range(0) items, each with a 64-character payload.
json query_response(int items) {
  json page = json::array();
  for (int i = 0; i < items; ++i) page.push_back(bench::sample_item(i, 64));
  return {{"Count", items}, {"ScannedCount", items}, {"Items", std::move(page)}};
}

void BM_GetItemResponseBuild(benchmark::State& state) {
  response_build(state, get_item_response(static_cast<std::size_t>(state.range(0))));
}
BENCHMARK(BM_GetItemResponseBuild)->Arg(64)->Arg(1024)->Arg(16384);
void BM_GetItemResponseBuild_Json(benchmark::State& state) {
  response_build_json(state, get_item_response(static_cast<std::size_t>(state.range(0))));
}
BENCHMARK(BM_GetItemResponseBuild_Json)->Arg(64)->Arg(1024)->Arg(16384);
void BM_QueryResponseBuild(benchmark::State& state) {
  response_build(state, query_response(static_cast<int>(state.range(0))));
}
BENCHMARK(BM_QueryResponseBuild)->Arg(1)->Arg(10)->Arg(100);
void BM_QueryResponseBuild_Json(benchmark::State& state) {
  response_build_json(state, query_response(static_cast<int>(state.range(0))));
}
BENCHMARK(BM_QueryResponseBuild_Json)->Arg(1)->Arg(10)->Arg(100);

// The whole front over the real service (table `bench`, 1,000 items with a 64-character
// payload): what a GetItem or PutItem costs the server less the socket. Set against
// BM_GetItem/BM_PutItem of fogbank_bench (the in-process call alone), it is what HTTP adds.
void http_call(benchmark::State& state, std::string_view operation) {
  bench::dynamodb_table table(1000, 64);
  no_deferral channel;
  http::router router{table.emulator->services()};
  // The requests' bytes, made before timing: GetItem or PutItem of each of the 1,000 keys.
  std::vector<std::string> requests;
  for (int n = 0; n < 1000; ++n) {
    const json body = operation == "GetItem" ? json{{"TableName", "bench"}, {"Key", bench::key_of_item(n)}}
                                             : bench::dynamodb_table::put_request(n, 64);
    requests.push_back(http_request(operation, body.dump()));
  }
  std::size_t i = 0;
  for (auto _ : state) {
    const http::request req = parse_http(requests[i++ % requests.size()]);
    auto res = router.handle(req, channel);
    if (!res || res->result() != bhttp::status::ok) {
      state.SkipWithError("the front did not answer 200");
      break;
    }
    benchmark::DoNotOptimize(res);
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_GetItemHttp(benchmark::State& state) {
  http_call(state, "GetItem");
}
BENCHMARK(BM_GetItemHttp);
void BM_PutItemHttp(benchmark::State& state) {
  http_call(state, "PutItem");
}
BENCHMARK(BM_PutItemHttp);

}  // namespace
