#pragma once
// ReturnConsumedCapacity: what a call consumes on a table and on each of its indexes, computed
// as the developer guide's "Read/write capacity mode" and "Item sizes and formats" pages say.
//
//   reads:  one unit per 4 KB read, rounded up per item (GetItem, BatchGetItem, TransactGetItems)
//           or per page over every item read before the filter (Query, Scan); half for an
//           eventually consistent read, double in a transaction.
//   writes: one unit per 1 KB of the larger of the old and new item, rounded up, at least 1;
//           double in a transaction. Each index whose entry the write adds, changes or removes
//           costs the size of that entry the same way, twice when its key changes (a delete and
//           a put) (GSI.html#GSI.ThroughputConsiderations.Writes, LSI.html likewise).
//
// Responses carry {TableName, CapacityUnits} for TOTAL, plus Table and the
// GlobalSecondaryIndexes / LocalSecondaryIndexes maps for INDEXES. Transactions also report
// ReadCapacityUnits or WriteCapacityUnits at each level, as DynamoDB does for them only (a
// TransactWriteItems response quoted in rusoto/rusoto#1919; single-item operations leave
// them out, aws/aws-sdk-java#1986).

#include "table_model.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace fogbank::dynamodb {

using json = nlohmann::json;

enum class capacity_mode { none, total, indexes };
// The request's ReturnConsumedCapacity (validated: INDEXES, TOTAL or NONE).
capacity_mode capacity_mode_of(const json& request);

// Units one call consumed on one table and its indexes.
struct table_capacity {
  double table = 0;
  std::map<std::string, double> global_indexes;
  std::map<std::string, double> local_indexes;

  double total() const;
  void add(const table_capacity& other);
  void scale(double factor);
};

// Which units a transaction reports alongside CapacityUnits.
enum class unit_kind { unreported, read, write };

// The ConsumedCapacity object for `usage` on `table_name`, or null for capacity_mode::none.
json capacity_json(capacity_mode mode, const std::string& table_name, const table_capacity& usage,
                   unit_kind kind = unit_kind::unreported);

// Capacity per table of a call over several tables, in the order the tables first appear.
struct capacity_by_table {
  std::vector<std::pair<std::string, table_capacity>> tables;
  void add(const std::string& table_name, const table_capacity& usage);
  // [ConsumedCapacity, ...], one per table; empty for capacity_mode::none.
  json to_json(capacity_mode mode, unit_kind kind) const;
};

// Write capacity units for writing an item of `bytes` (1 per KB, rounded up, at least 1) and read
// capacity units for reading `bytes` (1 per 4 KB, at least 1, halved for eventually consistent
// reads).
double write_units(std::size_t bytes);
double read_units(std::size_t bytes, bool consistent);

// What replacing `old_item` by `new_item` (either may be null: a put of a new item, a delete, or
// a write that changed nothing of a missing item) consumes on `table` and its indexes.
table_capacity write_capacity(const table_info& table, const json* old_item, const json* new_item);

}  // namespace fogbank::dynamodb
