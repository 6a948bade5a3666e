// The DynamoDB service's own encodings, each beside a baseline measured in the same run: storage
// keys (item_keys: what every read and write computes from the request's key) against the bare
// byte escaping of the same key text, and the stored form of an item (service_impl's
// encode_item/decode_item, MessagePack) against nlohmann::json's text of the same item and, for
// decoding, against json::from_msgpack.

#include "attribute_value.hpp"
#include "dynamodb_items.hpp"
#include "item_keys.hpp"
#include "service_impl.hpp"
#include "table_model.hpp"

#include "fogbank/core/json_text.hpp"
#include "fogbank/storage/key_encoding.hpp"

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>

namespace {

using nlohmann::json;
using namespace fogbank;

// The table `bench` as the service holds it once created.
dynamodb::table_info bench_table() {
  dynamodb::table_info table = dynamodb::parse_create_table(bench::create_bench_table());
  table.id = 7;
  return table;
}

// A key whose hash key value (S) has `bytes` characters, range key 42.
json key_with_hash_of(std::size_t bytes) {
  return {{"pk", {{"S", bench::payload_text(bytes)}}}, {"sk", {{"N", "42"}}}};
}

// The storage key of an item (table prefix, ordered hash key S, ordered range key N), from the
// item's JSON: what GetItem, PutItem and every write compute.
void BM_KeyEncode(benchmark::State& state) {
  const dynamodb::table_info table = bench_table();
  const json item = key_with_hash_of(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(dynamodb::item_storage_key(table, item));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_KeyEncode)->Arg(8)->Arg(64)->Arg(1024);

// The baseline of BM_KeyEncode: the storage layer's byte escaping of the same hash key text and
// the table prefix, with no JSON and no number.
void BM_KeyEncode_AppendBytes(benchmark::State& state) {
  const std::string hash = bench::payload_text(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    std::string out;
    storage::key::append_u32(out, 7);
    storage::key::append_bytes(out, hash);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_KeyEncode_AppendBytes)->Arg(8)->Arg(64)->Arg(1024);

// GetItem's whole key step: the Key parameter validated against the schema, then encoded.
void BM_GetItemKey(benchmark::State& state) {
  const dynamodb::table_info table = bench_table();
  const json key = key_with_hash_of(8);
  for (auto _ : state) {
    const json validated = dynamodb::validate_key(table, key);
    benchmark::DoNotOptimize(dynamodb::item_storage_key(table, validated));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GetItemKey);

// The stored form of an item with a payload of range(0) characters: written by every put,
// bytes = the encoded size.
void BM_ItemEncode(benchmark::State& state) {
  const json item = bench::sample_item(42, static_cast<std::size_t>(state.range(0)));
  const std::size_t size = dynamodb::encode_item(item).size();
  for (auto _ : state) benchmark::DoNotOptimize(dynamodb::encode_item(item));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}
BENCHMARK(BM_ItemEncode)->Arg(64)->Arg(1024)->Arg(16384);

// The baseline of BM_ItemEncode: the same item as JSON text.
void BM_ItemEncode_JsonText(benchmark::State& state) {
  const json item = bench::sample_item(42, static_cast<std::size_t>(state.range(0)));
  const std::size_t size = item.dump().size();
  for (auto _ : state) benchmark::DoNotOptimize(item.dump());
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}
BENCHMARK(BM_ItemEncode_JsonText)->Arg(64)->Arg(1024)->Arg(16384);

// An item read back from its stored form (decode_item: item_codec.cpp's decoder): every item
// GetItem, Query and Scan return, and every write's old item. bytes = the encoded size.
void BM_ItemDecode(benchmark::State& state) {
  const std::string stored =
      dynamodb::encode_item(bench::sample_item(42, static_cast<std::size_t>(state.range(0))));
  for (auto _ : state) benchmark::DoNotOptimize(dynamodb::decode_item(stored));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * stored.size()));
}
BENCHMARK(BM_ItemDecode)->Arg(64)->Arg(1024)->Arg(16384);

// The baseline of BM_ItemDecode: the same bytes through json::from_msgpack, what decode_item
// called before item_codec.cpp's decoder.
void BM_ItemDecode_Nlohmann(benchmark::State& state) {
  const std::string stored =
      dynamodb::encode_item(bench::sample_item(42, static_cast<std::size_t>(state.range(0))));
  for (auto _ : state) benchmark::DoNotOptimize(json::from_msgpack(stored.begin(), stored.end()));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * stored.size()));
}
BENCHMARK(BM_ItemDecode_Nlohmann)->Arg(64)->Arg(1024)->Arg(16384);

// The other baseline of BM_ItemDecode: the same item parsed from JSON text.
void BM_ItemDecode_JsonText(benchmark::State& state) {
  const std::string text = bench::sample_item(42, static_cast<std::size_t>(state.range(0))).dump();
  for (auto _ : state) benchmark::DoNotOptimize(json::parse(text));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ItemDecode_JsonText)->Arg(64)->Arg(1024)->Arg(16384);

// DynamoDB's size of an item (capacity units, the 400 KB limit, Query's 1 MB page): computed for
// every item a read or write touches.
void BM_ItemSize(benchmark::State& state) {
  const json item = bench::sample_item(42, static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(dynamodb::item_size(item));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ItemSize)->Arg(64)->Arg(1024)->Arg(16384);

// An item's text in an answer, written from its stored bytes with its size (append_item_text:
// what GetItem, Query and Scan do for a caller that only writes the answer out, the HTTP front).
void BM_ItemText_FromBytes(benchmark::State& state) {
  const std::string stored =
      dynamodb::encode_item(bench::sample_item(42, static_cast<std::size_t>(state.range(0))));
  std::string text;
  for (auto _ : state) {
    text.clear();
    benchmark::DoNotOptimize(dynamodb::append_item_text(text, stored, true));
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * stored.size()));
}
BENCHMARK(BM_ItemText_FromBytes)->Arg(64)->Arg(1024)->Arg(16384);

// The baseline of BM_ItemText_FromBytes: the item decoded, sized and written out, as every answer
// was made before (and still is for callers that read the items).
void BM_ItemText_Decoded(benchmark::State& state) {
  const std::string stored =
      dynamodb::encode_item(bench::sample_item(42, static_cast<std::size_t>(state.range(0))));
  std::string text;
  for (auto _ : state) {
    text.clear();
    const json item = dynamodb::decode_item(stored);
    benchmark::DoNotOptimize(dynamodb::item_size(item));
    core::append_json(text, item);
    benchmark::DoNotOptimize(text);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * stored.size()));
}
BENCHMARK(BM_ItemText_Decoded)->Arg(64)->Arg(1024)->Arg(16384);

// A deep copy of an item with a payload of range(0) characters: what GetItem pays to put the
// item it read into its response (ops_items.cpp), and Query for every item of its page.
void BM_ItemCopy(benchmark::State& state) {
  const json item = bench::sample_item(42, static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    json copy = item;
    benchmark::DoNotOptimize(copy);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ItemCopy)->Arg(64)->Arg(1024)->Arg(16384);

}  // namespace
