#include "item_collections.hpp"

#include "attribute_value.hpp"
#include "fogbank/storage/key_encoding.hpp"
#include "item_keys.hpp"
#include "request.hpp"

#include <algorithm>

namespace fogbank::dynamodb {

bool item_collection_metrics_wanted(const json& request) {
  return optional_enum(request, "ReturnItemCollectionMetrics", "returnItemCollectionMetrics",
                       {"SIZE", "NONE"}, "NONE") == "SIZE";
}

bool has_item_collections(const table_info& table) {
  return std::any_of(table.indexes.begin(), table.indexes.end(),
                     [](const index_info& index) { return !index.global; });
}

json size_estimate_range_gb(std::size_t bytes) {
  constexpr double gigabyte = 1024.0 * 1024.0 * 1024.0;
  const double low = static_cast<double>(bytes / static_cast<std::size_t>(gigabyte));
  return json::array({low, low + 1});
}

json item_collection_metrics(const service_impl& service, const table_info& table, const json& key) {
  const json& hash_value = key.at(table.keys.hash);
  // The collection's size: its items and their LSI entries ("The size of an item collection is
  // the sum of the sizes of all items in the collection", plus "the size of all attributes
  // projected into all of the local secondary indexes", LSI.html#LSI.ItemCollections and the
  // API reference's ItemCollectionMetrics), each LSI entry with the 100 bytes of overhead the
  // developer guide counts for index storage.
  std::string partition = table_prefix(table.id);
  append_key_value(partition, hash_value);
  storage::scan_range range;
  range.lower = partition;
  range.upper = storage::key::prefix_successor(partition);
  std::size_t bytes = 0;
  auto snapshot = service.db_.take_snapshot();
  const auto it = service.db_.scan(storage::column::items, range, snapshot.get());
  for (; it->valid(); it->next()) {
    const json item = decode_item(it->value());
    bytes += item_size(item);
    for (const auto& index : table.indexes) {
      if (index.global || !index_storage_key(table, index, item)) continue;
      bytes += item_size(project_for_index(table, index, item)) + 100;
    }
  }
  check_iteration(*it);
  // The partition key alone names the collection; a collection under 1 GB is [0, 1]
  // (paritysuite/dynamodb-conformance, tests/tier1/putItem/itemCollectionMetrics.test.ts,
  // measured in eu-west-2 and us-east-1). The bounds of larger ones: unconfirmed.
  return {{"ItemCollectionKey", {{table.keys.hash, hash_value}}},
          {"SizeEstimateRangeGB", size_estimate_range_gb(bytes)}};
}

}  // namespace fogbank::dynamodb
