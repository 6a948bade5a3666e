// Time to Live: UpdateTimeToLive, DescribeTimeToLive and the sweep that deletes expired items.
//
// TTL changes take effect at once (ENABLED / DISABLED, never ENABLING / DISABLING), as tables
// are ACTIVE at once, and the one-hour lockout between changes is not enforced: test suites
// toggle TTL per test. The sweep follows the TTL documentation
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-before-you-start.html):
// an item expires when its TTL attribute is a top-level Number of epoch seconds less than the
// current time and no more than five years in the past; any other item is left alone.

#include "attribute_value.hpp"
#include "item_keys.hpp"
#include "request.hpp"
#include "service_impl.hpp"

#include <chrono>
#include <cstdio>
#include <variant>

namespace fogbank::dynamodb {
namespace {

using core::throw_validation;

// "no more than five years in the past"
constexpr std::int64_t max_expired_age_seconds = 5LL * 365 * 24 * 60 * 60;
// Expired items are deleted in batches of this many, so that a sweep of a large table holds
// the table's write lock for bounded work at a time.
constexpr std::size_t sweep_batch_items = 100;

// Epoch seconds `seconds` as a DynamoDB number.
core::decimal seconds_decimal(std::int64_t millis) {
  const std::string text = std::to_string(millis) + "e-3";
  return std::get<core::decimal>(core::decimal::parse(text));
}

bool expired(const json& item, const std::string& attribute, const core::decimal& now,
             const core::decimal& oldest) {
  auto it = item.find(attribute);
  if (it == item.end() || !it->is_object() || !it->contains("N")) return false;
  const core::decimal at = number_of(*it);
  return at < now && at >= oldest;
}

}  // namespace

json service_impl::update_time_to_live(const json& request, const request_context&) {
  validate_table_name(request.contains("TableName") ? request["TableName"] : json(), "tableName");
  const json* specification = find_member(request, "TimeToLiveSpecification");
  if (!specification) throw_validation(null_member_message("timeToLiveSpecification"));
  if (!specification->is_object()) {
    throw core::aws_error(core::error_code::serialization, "Unexpected value type in payload");
  }
  const std::optional<bool> enabled = optional_boolean(*specification, "Enabled");
  if (!enabled) throw_validation(null_member_message("timeToLiveSpecification.enabled"));
  const std::string& attribute =
      required_string(*specification, "AttributeName", "timeToLiveSpecification.attributeName");
  if (attribute.empty() || attribute.size() > 255) {
    throw_validation(constraint_message("'" + attribute + "'", "timeToLiveSpecification.attributeName",
                                        attribute.empty()
                                            ? "Member must have length greater than or equal to 1"
                                            : "Member must have length less than or equal to 255"));
  }
  const bool enable = *enabled;

  const table_locks::held lock = table_locks_.lock(request["TableName"].get<std::string>());
  auto table = std::make_shared<table_info>(*find_table_for_control(request["TableName"].get<std::string>()));
  // UpdateTimeToLive is not idempotent: DynamoDB refuses a change to the state the table is
  // already in, and an attribute change while enabled (disable first). Wording as clients match it.
  if (enable && table->ttl_enabled) throw_validation("TimeToLive is already enabled");
  if (!enable && !table->ttl_enabled) throw_validation("TimeToLive is already disabled");
  table->ttl_enabled = enable;
  table->ttl_attribute = enable ? attribute : std::string();
  storage::write_batch batch;
  stage_table(batch, *table);
  commit(batch);
  publish_table(std::move(table));
  return {{"TimeToLiveSpecification", {{"AttributeName", attribute}, {"Enabled", enable}}}};
}

json service_impl::describe_time_to_live(const json& request, const request_context&) {
  validate_table_name(request.contains("TableName") ? request["TableName"] : json(), "tableName");
  auto table = find_table_for_control(request["TableName"].get<std::string>());
  json description{{"TimeToLiveStatus", table->ttl_enabled ? "ENABLED" : "DISABLED"}};
  if (table->ttl_enabled) description["AttributeName"] = table->ttl_attribute;
  return {{"TimeToLiveDescription", description}};
}

std::size_t service_impl::expire_items() {
  std::vector<std::string> names;
  {
    std::shared_lock lock(catalog_mutex_);
    for (const auto& [name, table] : tables_) {
      if (table->ttl_enabled) names.push_back(name);
    }
  }
  std::size_t deleted = 0;
  for (const auto& name : names) {
    const table_ptr table = find_table_or_null(name);
    if (!table || !table->ttl_enabled) continue;
    const std::int64_t now_ms = clock_.epoch_millis();
    const core::decimal now = seconds_decimal(now_ms);
    const core::decimal oldest = seconds_decimal(now_ms - max_expired_age_seconds * 1000);
    // The scan, as long as the table is large, takes no lock: it only finds candidates.
    std::vector<std::string> victims;
    storage::scan_range range;
    range.lower = table_prefix(table->id);
    range.upper = table_prefix(table->id + 1);
    const auto it = db_.scan(storage::column::items, range);
    for (; it->valid(); it->next()) {
      if (expired(decode_item(it->value()), table->ttl_attribute, now, oldest))
        victims.emplace_back(it->key());
    }
    // A scan that failed part-way deletes nothing this round (the next sweep tries again), and
    // says so: the sweep runs on the scheduler, where an exception would reach no client.
    if (const storage::status status = it->state(); !status.is_ok()) {
      std::fprintf(stderr, "fogbank: TTL sweep of table %s skipped, storage error: %s\n", table->name.c_str(),
                   status.message().c_str());
      continue;
    }
    // Deleted a batch at a time under the table's lock, each candidate read again there: it may
    // have been written since the scan (a new TTL value, or deleted already).
    for (std::size_t start = 0; start < victims.size(); start += sweep_batch_items) {
      const table_locks::held lock = table_locks_.lock(name);
      const table_ptr current = find_table_or_null(name);
      if (!current || current->id != table->id || !current->ttl_enabled) break;
      item_batch batch;
      const std::size_t end = std::min(victims.size(), start + sweep_batch_items);
      for (std::size_t i = start; i < end; ++i) {
        const std::optional<json> item = read_item(*current, victims[i]);
        if (!item || !expired(*item, current->ttl_attribute, now, oldest)) continue;
        stage_item(batch, *current, &*item, nullptr, change_origin::time_to_live);
        ++deleted;
      }
      commit(batch);
    }
  }
  return deleted;
}

}  // namespace fogbank::dynamodb
