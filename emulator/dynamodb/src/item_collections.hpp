#pragma once
// ReturnItemCollectionMetrics: for a write to a table with local secondary indexes, the item
// collection it touched (every item and LSI entry with the item's partition key) and an
// estimate of that collection's size. Tables without LSIs have no item collections to report.

#include "service_impl.hpp"

#include <string>

namespace fogbank::dynamodb {

// The request's ReturnItemCollectionMetrics is SIZE (validated: SIZE or NONE).
bool item_collection_metrics_wanted(const json& request);

// True if `table` has a local secondary index.
bool has_item_collections(const table_info& table);

// {ItemCollectionKey: {<hash key>: value}, SizeEstimateRangeGB: [low, high]} for the collection
// of the item with primary key `key` as stored now. Requires has_item_collections(table).
json item_collection_metrics(const service_impl& service, const table_info& table, const json& key);

// The collection size estimate for `bytes`: the whole gigabytes below and above it, [0, 1] for a
// collection under 1 GB.
json size_estimate_range_gb(std::size_t bytes);

}  // namespace fogbank::dynamodb
