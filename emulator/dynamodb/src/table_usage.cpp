// The item-count and size counters of tables and indexes (table_usage.hpp): their storage form,
// the registry, and the service's loading, staging and measuring of them.

#include "table_usage.hpp"

#include "attribute_value.hpp"
#include "fogbank/storage/key_encoding.hpp"
#include "item_keys.hpp"
#include "service_impl.hpp"

#include <charconv>

namespace fogbank::dynamodb {
namespace {

const char* const usage_key_prefix = "usage/";

std::string index_prefix(std::uint32_t index_id) {
  std::string prefix;
  storage::key::append_u32(prefix, index_id);
  return prefix;
}

// Count and item_size total of the values under [lower, upper) of `column`.
usage measure_range(const storage::database& db, storage::column column, const std::string& lower,
                    const std::string& upper) {
  storage::scan_range range;
  range.lower = lower;
  range.upper = upper;
  usage total;
  const auto it = db.scan(column, range);
  for (; it->valid(); it->next()) {
    ++total.count;
    total.bytes += static_cast<std::int64_t>(item_size(decode_item(it->value())));
  }
  check_iteration(*it);
  return total;
}

}  // namespace

std::string usage_key(std::uint32_t id) {
  return usage_key_prefix + std::to_string(id);
}

std::string usage_text(const usage& value) {
  return std::to_string(value.count) + " " + std::to_string(value.bytes);
}

std::optional<usage> parse_usage(std::string_view text) {
  usage out;
  const char* end = text.data() + text.size();
  auto [after_count, count_error] = std::from_chars(text.data(), end, out.count);
  if (count_error != std::errc() || after_count == end || *after_count != ' ') return std::nullopt;
  auto [after_bytes, bytes_error] = std::from_chars(after_count + 1, end, out.bytes);
  if (bytes_error != std::errc() || after_bytes != end) return std::nullopt;
  return out;
}

std::int64_t projected_size(const table_info& table, const index_info& index, const json& item,
                            std::int64_t item_bytes) {
  if (index.projection == projection_type::all) return item_bytes;
  return static_cast<std::int64_t>(item_size(project_for_index(table, index, item)));
}

std::optional<usage> usage_registry::find(std::uint32_t id) const {
  std::lock_guard lock(mutex_);
  const auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

void usage_registry::set(std::uint32_t id, const usage& value) {
  std::lock_guard lock(mutex_);
  by_id_[id] = value;
}

void usage_registry::erase(std::uint32_t id) {
  std::lock_guard lock(mutex_);
  by_id_.erase(id);
}

void usage_registry::add(const usage_delta& delta) {
  std::lock_guard lock(mutex_);
  for (const auto& [id, change] : delta) {
    const auto it = by_id_.find(id);
    if (it == by_id_.end()) continue;
    it->second.count += change.count;
    it->second.bytes += change.bytes;
  }
}

// ---- the service's side ----

void service_impl::load_usage() {
  storage::scan_range range;
  range.lower = usage_key_prefix;
  range.upper = storage::key::prefix_successor(usage_key_prefix);
  const auto it = db_.scan(storage::column::meta, range);
  for (; it->valid(); it->next()) {
    const std::string_view key = it->key();
    std::uint32_t id = 0;
    const char* begin = key.data() + std::string_view(usage_key_prefix).size();
    const auto [end, error] = std::from_chars(begin, key.data() + key.size(), id);
    const std::optional<usage> value = parse_usage(it->value());
    // Anything unreadable is measured again below, as if it were missing.
    if (error == std::errc() && end == key.data() + key.size() && value) usage_.set(id, *value);
  }
  check_iteration(*it);
  // Tables from before the counters (or whose counter was unreadable): measured once, now.
  storage::write_batch batch;
  std::shared_lock lock(catalog_mutex_);
  for (const auto& [name, table] : tables_) {
    if (!usage_.find(table->id)) {
      const usage measured = measure_table(table->id);
      batch.put(storage::column::meta, usage_key(table->id), usage_text(measured));
      usage_.set(table->id, measured);
    }
    for (const auto& index : table->indexes) {
      if (usage_.find(index.id)) continue;
      const usage measured = measure_index(index.id);
      batch.put(storage::column::meta, usage_key(index.id), usage_text(measured));
      usage_.set(index.id, measured);
    }
  }
  if (!batch.empty()) commit(batch);
}

usage service_impl::measure_table(std::uint32_t table_id) const {
  return measure_range(db_, storage::column::items, table_prefix(table_id), table_prefix(table_id + 1));
}

usage service_impl::measure_index(std::uint32_t index_id) const {
  const std::string prefix = index_prefix(index_id);
  return measure_range(db_, storage::column::index_entries, prefix, storage::key::prefix_successor(prefix));
}

usage service_impl::table_usage(const table_info& table) const {
  if (std::optional<usage> counted = usage_.find(table.id)) return *counted;
  return measure_table(table.id);
}

usage service_impl::index_usage(const index_info& index) const {
  if (std::optional<usage> counted = usage_.find(index.id)) return *counted;
  return measure_index(index.id);
}

void service_impl::stage_usage_change(item_batch& batch, const table_info& table, const json* old_item,
                                      const json* new_item, std::optional<std::size_t> new_item_bytes,
                                      std::optional<std::size_t> old_item_bytes) const {
  const bool had_item = old_item != nullptr || old_item_bytes.has_value();
  const std::int64_t old_bytes =
      static_cast<std::int64_t>(old_item ? item_size(*old_item) : old_item_bytes.value_or(0));
  const std::int64_t new_bytes =
      new_item ? static_cast<std::int64_t>(new_item_bytes ? *new_item_bytes : item_size(*new_item)) : 0;
  usage& own = batch.usage[table.id];
  own.count += (new_item ? 1 : 0) - (had_item ? 1 : 0);
  if (had_item) ++batch.superseded_items;
  own.bytes += new_bytes - old_bytes;
  for (const auto& index : table.indexes) {
    // An item has an entry in an index when it has the index's key attributes.
    const bool had = old_item && index_storage_key(table, index, *old_item).has_value();
    const bool has = new_item && index_storage_key(table, index, *new_item).has_value();
    if (!had && !has) continue;
    usage& entry = batch.usage[index.id];
    if (had) {
      entry.count -= 1;
      entry.bytes -= projected_size(table, index, *old_item, old_bytes);
    }
    if (has) {
      entry.count += 1;
      entry.bytes += projected_size(table, index, *new_item, new_bytes);
    }
  }
}

void service_impl::stage_usage_totals(item_batch& batch) const {
  for (const auto& [id, change] : batch.usage) {
    const std::optional<usage> current = usage_.find(id);
    if (!current) continue;  // untracked: measured when described
    batch.storage.put(storage::column::meta, usage_key(id),
                      usage_text({current->count + change.count, current->bytes + change.bytes}));
  }
}

}  // namespace fogbank::dynamodb
