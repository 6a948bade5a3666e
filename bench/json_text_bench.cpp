// Response bodies as JSON text: nlohmann's dump(-1, ' ', false, replace), what every front wrote
// them with, beside core::to_json_text, which writes the same bytes (tests/unit/core/
// json_text_test.cpp). Bytes per second are of the text written.
//
//   build/bench/fogbank_bench --benchmark_filter='BM_JsonText'

#include "dynamodb_items.hpp"

#include "fogbank/core/json_text.hpp"

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace {

using nlohmann::json;
using namespace fogbank;

enum class body {
  get_item,          // GetItem's answer: one sample item with a 64-character payload
  scan_ascii,        // a 1 MB Scan page: items with 1 KB ASCII payloads
  scan_latin,        // the same with payloads of European text: mostly ASCII, some 2-byte letters
  scan_cjk,          // the same with payloads of CJK text: all 3-byte characters
  scan_json_string,  // the same with payloads that hold JSON text (quotes escaped every few bytes)
};

// `bytes` (about) of `pattern` repeated, cut at a character boundary.
std::string repeated(std::string_view pattern, std::size_t bytes) {
  std::string out;
  while (out.size() + pattern.size() <= bytes) out += pattern;
  return out;
}

std::string payload(body kind) {
  switch (kind) {
    case body::scan_latin:
      return repeated("Grüße aus Köln, où l'été est très chaud; ", 1024);
    case body::scan_cjk:
      return repeated("東京都渋谷区の天気は晴れです。", 1024);
    case body::scan_json_string:
      return repeated(R"({"id":"u-1","tags":["a","b"],"n":12.5},)", 1024);
    default:
      return bench::payload_text(1024);
  }
}

json response(body kind) {
  if (kind == body::get_item) return {{"Item", bench::sample_item(42, 64)}};
  // Items until the page's text reaches 1 MB, as DynamoDB stops a Scan page there.
  json items = json::array();
  const std::string text = payload(kind);
  std::size_t size = 0;
  for (int n = 0; size < 1024 * 1024; ++n) {
    json item = bench::sample_item(n);
    item["payload"] = {{"S", text}};
    size += item.dump().size() + 1;
    items.push_back(std::move(item));
  }
  const auto count = items.size();
  return {{"Items", std::move(items)},
          {"Count", count},
          {"ScannedCount", count},
          {"LastEvaluatedKey", bench::key_of_item(static_cast<int>(count) - 1)}};
}

void BM_JsonText_NlohmannDump(benchmark::State& state, body kind) {
  const json value = response(kind);
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
    bytes += text.size();
    benchmark::DoNotOptimize(text.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

void BM_JsonText_ToJsonText(benchmark::State& state, body kind) {
  const json value = response(kind);
  if (core::to_json_text(value) != value.dump(-1, ' ', false, json::error_handler_t::replace)) {
    state.SkipWithError("to_json_text differs from dump");
    return;
  }
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string text = core::to_json_text(value);
    bytes += text.size();
    benchmark::DoNotOptimize(text.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

BENCHMARK_CAPTURE(BM_JsonText_NlohmannDump, get_item, body::get_item);
BENCHMARK_CAPTURE(BM_JsonText_ToJsonText, get_item, body::get_item);
BENCHMARK_CAPTURE(BM_JsonText_NlohmannDump, scan_ascii, body::scan_ascii);
BENCHMARK_CAPTURE(BM_JsonText_ToJsonText, scan_ascii, body::scan_ascii);
BENCHMARK_CAPTURE(BM_JsonText_NlohmannDump, scan_latin, body::scan_latin);
BENCHMARK_CAPTURE(BM_JsonText_ToJsonText, scan_latin, body::scan_latin);
BENCHMARK_CAPTURE(BM_JsonText_NlohmannDump, scan_cjk, body::scan_cjk);
BENCHMARK_CAPTURE(BM_JsonText_ToJsonText, scan_cjk, body::scan_cjk);
BENCHMARK_CAPTURE(BM_JsonText_NlohmannDump, scan_json_string, body::scan_json_string);
BENCHMARK_CAPTURE(BM_JsonText_ToJsonText, scan_json_string, body::scan_json_string);

}  // namespace
