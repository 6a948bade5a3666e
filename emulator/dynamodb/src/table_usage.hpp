#pragma once
// ItemCount and TableSizeBytes of each table, ItemCount and IndexSizeBytes of each index, kept as
// counters rather than counted by a scan on every DescribeTable (a scan of a 100k-item table took
// 0.6 s, and SDK waiters and admin tools call DescribeTable constantly).
//
// Each counter is keyed by the storage id of its table or index (ids are allocated from one
// sequence, so they never collide) and persisted in the meta column, under "usage/<id>". Every
// write stages the change of its counters in its item_batch (stage_item_change); commit() writes
// the new totals in the same RocksDB batch as the items and applies them in memory once it is
// written. The table's lock, held by every writer from staging to commit, makes the totals exact.
//
// AWS refreshes these figures about every six hours
// (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TableDescription.html);
// fogbank keeps them exact. Sizes are item_size's (attribute names plus values), of the item as
// stored for a table and of the projected entry for an index.
//
// A table or index whose counter is missing (a data directory written before the counters
// existed, or a table made by a path that does not register one) is measured by a scan: at
// start for every table in the catalog (the totals are then persisted), otherwise whenever it is
// described.

#include "table_model.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace fogbank::dynamodb {

struct usage {
  std::int64_t count = 0;
  std::int64_t bytes = 0;
};

// The changes one batch makes, by table or index id.
using usage_delta = std::map<std::uint32_t, usage>;

// The meta-column key of the counter of `id`, and its stored form ("<count> <bytes>").
std::string usage_key(std::uint32_t id);
std::string usage_text(const usage& value);
// nullopt if `text` is not a stored counter.
std::optional<usage> parse_usage(std::string_view text);

// The bytes `item` (as stored) counts for in `index`: the size of its projected entry.
// `item_bytes` is item_size(item), reused for an ALL projection.
std::int64_t projected_size(const table_info& table, const index_info& index, const json& item,
                            std::int64_t item_bytes);

// The committed counters, in memory. Thread-safe; the table lock orders the writers of each id.
class usage_registry {
 public:
  std::optional<usage> find(std::uint32_t id) const;
  void set(std::uint32_t id, const usage& value);
  void erase(std::uint32_t id);
  // Adds each delta to its id's counter, if that id is tracked.
  void add(const usage_delta& delta);

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::uint32_t, usage> by_id_;  // guarded by mutex_
};

}  // namespace fogbank::dynamodb
