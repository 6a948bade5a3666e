#include "capacity.hpp"

#include "attribute_value.hpp"
#include "item_keys.hpp"
#include "request.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

namespace fogbank::dynamodb {
namespace {

json units_json(double units, unit_kind kind) {
  json out{{"CapacityUnits", units}};
  if (kind == unit_kind::read) out["ReadCapacityUnits"] = units;
  if (kind == unit_kind::write) out["WriteCapacityUnits"] = units;
  return out;
}

// What a write costs one index: the entries it puts and deletes there
// (GSI.html#GSI.ThroughputConsiderations.Writes).
double index_write_units(const table_info& table, const index_info& index, const json* old_item,
                         const json* new_item) {
  std::optional<std::string> old_key = old_item ? index_storage_key(table, index, *old_item) : std::nullopt;
  std::optional<std::string> new_key = new_item ? index_storage_key(table, index, *new_item) : std::nullopt;
  // Not in the index before or after: "no additional write cost for the index".
  if (!old_key && !new_key) return 0;
  std::optional<json> old_entry;
  std::optional<json> new_entry;
  if (old_key) old_entry = project_for_index(table, index, *old_item);
  if (new_key) new_entry = project_for_index(table, index, *new_item);
  // Added to the index, or taken out of it: one write of that entry.
  if (!old_key) return write_units(item_size(*new_entry));
  if (!new_key) return write_units(item_size(*old_entry));
  // An indexed key changed: "two writes are required, one to delete the previous item from the
  // index and another write to put the new item into the index".
  if (*old_key != *new_key) return write_units(item_size(*old_entry)) + write_units(item_size(*new_entry));
  // Same key: one write if a projected attribute changed, nothing if the entry is the same
  // (an update of attributes the index does not project).
  if (*old_entry == *new_entry) return 0;
  return write_units(std::max(item_size(*old_entry), item_size(*new_entry)));
}

}  // namespace

capacity_mode capacity_mode_of(const json& request) {
  const std::string mode = optional_enum(request, "ReturnConsumedCapacity", "returnConsumedCapacity",
                                         {"INDEXES", "TOTAL", "NONE"}, "NONE");
  if (mode == "INDEXES") return capacity_mode::indexes;
  if (mode == "TOTAL") return capacity_mode::total;
  return capacity_mode::none;
}

double table_capacity::total() const {
  double sum = table;
  for (const auto& [name, units] : global_indexes) sum += units;
  for (const auto& [name, units] : local_indexes) sum += units;
  return sum;
}

void table_capacity::add(const table_capacity& other) {
  table += other.table;
  for (const auto& [name, units] : other.global_indexes) global_indexes[name] += units;
  for (const auto& [name, units] : other.local_indexes) local_indexes[name] += units;
}

void table_capacity::scale(double factor) {
  table *= factor;
  for (auto& [name, units] : global_indexes) units *= factor;
  for (auto& [name, units] : local_indexes) units *= factor;
}

json capacity_json(capacity_mode mode, const std::string& table_name, const table_capacity& usage,
                   unit_kind kind) {
  if (mode == capacity_mode::none) return nullptr;
  json out = units_json(usage.total(), kind);
  out["TableName"] = table_name;
  if (mode == capacity_mode::indexes) {
    // Table is there even when only an index was read (then with 0 units): unconfirmed.
    out["Table"] = units_json(usage.table, kind);
    auto add_map = [&](const char* member, const std::map<std::string, double>& indexes) {
      if (indexes.empty()) return;
      json map = json::object();
      for (const auto& [name, units] : indexes) map[name] = units_json(units, kind);
      out[member] = std::move(map);
    };
    add_map("GlobalSecondaryIndexes", usage.global_indexes);
    add_map("LocalSecondaryIndexes", usage.local_indexes);
  }
  return out;
}

void capacity_by_table::add(const std::string& table_name, const table_capacity& usage) {
  for (auto& [name, total] : tables) {
    if (name == table_name) return total.add(usage);
  }
  tables.emplace_back(table_name, usage);
}

json capacity_by_table::to_json(capacity_mode mode, unit_kind kind) const {
  json out = json::array();
  if (mode == capacity_mode::none) return out;
  for (const auto& [name, usage] : tables) out.push_back(capacity_json(mode, name, usage, kind));
  return out;
}

double write_units(std::size_t bytes) {
  return std::max(1.0, std::ceil(static_cast<double>(bytes) / 1024.0));
}

double read_units(std::size_t bytes, bool consistent) {
  double units = std::max(1.0, std::ceil(static_cast<double>(bytes) / 4096.0));
  return consistent ? units : units / 2;
}

table_capacity write_capacity(const table_info& table, const json* old_item, const json* new_item) {
  table_capacity usage;
  // PutItem, UpdateItem and DeleteItem are charged by the larger of the item before and after
  // the write (read-write-operations.html; Alternator's test_short_after_long_put and
  // test_long_update, run against DynamoDB); a write that finds nothing and leaves nothing, 1.
  usage.table =
      write_units(std::max(old_item ? item_size(*old_item) : 0, new_item ? item_size(*new_item) : 0));
  for (const auto& index : table.indexes) {
    const double units = index_write_units(table, index, old_item, new_item);
    if (units == 0) continue;  // an index the write leaves alone is not listed: unconfirmed
    (index.global ? usage.global_indexes : usage.local_indexes)[index.name] += units;
  }
  return usage;
}

}  // namespace fogbank::dynamodb
