// apply_writes (item_writes.hpp): how every item write reaches storage. The work a put's size
// decides (the item as stored, its encoding, its index entries) is done before the locks; under
// them, the old items are read, conditions evaluated, updates computed, stream records numbered
// and the batch written (or, for BatchWriteItem, one batch per item).

#include "attribute_value.hpp"
#include "item_codec.hpp"
#include "item_keys.hpp"
#include "item_writes.hpp"
#include "sync_point.hpp"

#include <algorithm>
#include <memory>
#include <string>

namespace fogbank::dynamodb {
namespace {

using core::aws_error;
using core::error_code;

// TransactionCanceledException's CancellationReasons entry for an action that failed.
json cancellation_reason(const aws_error& error) {
  if (error.code() == error_code::conditional_check_failed) {
    json reason{{"Code", "ConditionalCheckFailed"}, {"Message", error.message()}};
    if (error.extra().is_object() && error.extra().contains("Item")) reason["Item"] = error.extra()["Item"];
    return reason;
  }
  return {{"Code", "ValidationError"}, {"Message", error.message()}};
}

[[noreturn]] void throw_cancelled(json reasons) {
  std::string codes;
  for (const auto& reason : reasons) codes += (codes.empty() ? "" : ", ") + reason["Code"].get<std::string>();
  throw aws_error(
      error_code::transaction_canceled,
      "Transaction cancelled, please refer cancellation reasons for specific reasons [" + codes + "]",
      {{"CancellationReasons", std::move(reasons)}});
}

// "The aggregate size of the items in the transaction cannot exceed 4 MB" (API_TransactWriteItems;
// MB as in the 400 KB item limit, 1024-based). The request's own size is checked before the locks
// (ops_batch.cpp); here, once every action has been evaluated, the items as they would be written:
// a Put's and an Update's resulting item (an Update may grow a large item by a few bytes), a
// Delete's or a ConditionCheck's key.
constexpr std::size_t max_transaction_item_bytes = 4 * 1024 * 1024;

void check_transaction_size(const std::vector<write_request>& writes,
                            const std::vector<write_result>& results) {
  std::size_t total = 0;
  for (std::size_t i = 0; i < writes.size(); ++i) {
    const bool writes_item = writes[i].kind == write_kind::put || writes[i].kind == write_kind::update;
    total += item_size(writes_item && results[i].new_item ? *results[i].new_item : writes[i].key);
  }
  if (total > max_transaction_item_bytes) {
    core::throw_validation("The aggregate size of the items in the transaction cannot exceed 4 MB");
  }
}

// Whether `write` replaces whatever item it finds without anyone reading that item: a put with
// no condition, whose caller does not want the old item, on a table (its definition now, under
// its lock) with no index entry and no stream record to derive from the old item. Then only
// the old item's size counts (the table's TableSizeBytes).
bool replaces_unread(const service_impl& service, const write_request& write, const table_info& table) {
  return write.kind == write_kind::put && !write.caller_reads_old_item && !write.condition_expression &&
         table.indexes.empty() && !service.records_stream(table);
}

}  // namespace

std::vector<write_result> apply_writes(service_impl& service, const std::vector<write_request>& writes,
                                       write_failure on_failure, write_commit commit) {
  // Before any lock: what each put stores, in its storage form, for the definition the request
  // was parsed against.
  std::vector<std::optional<json>> stored(writes.size());
  std::vector<service_impl::prepared_item> prepared(writes.size());
  std::vector<std::string> names;
  names.reserve(writes.size());
  for (std::size_t i = 0; i < writes.size(); ++i) {
    names.push_back(writes[i].table->name);
    if (writes[i].kind != write_kind::put) continue;
    stored[i] = item_as_stored(writes[i]);
    prepared[i] =
        service.prepare_item(*writes[i].table, *stored[i], writes[i].item_bytes, writes[i].storage_key);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  for (const auto& name : names) sync_point("write:prepared", name);

  const table_locks::held locks = service.table_locks_.lock(names);
  // With the locks held, the tables' definitions and these items change only through us.
  std::vector<table_ptr> tables;
  tables.reserve(writes.size());
  for (const auto& write : writes) {
    table_ptr current = service.find_table_or_null(write.table->name);
    if (!current || current->id != write.table->id) {
      // Deleted (or deleted and created again) since the request was parsed.
      throw aws_error(error_code::resource_not_found, "Requested resource not found");
    }
    tables.push_back(std::move(current));
  }

  std::vector<write_result> results(writes.size());
  json reasons = json::array();
  bool cancelled = false;
  for (std::size_t i = 0; i < writes.size(); ++i) {
    std::optional<json> old_item;
    std::optional<std::size_t> old_item_bytes;
    if (replaces_unread(service, writes[i], *tables[i])) {
      // Nothing reads the old item but its size: decoding it was a twentieth of a PutItem's
      // instructions (bench/README.md, "Eighth pass").
      std::optional<std::string> bytes = service.read_item_bytes(writes[i].storage_key);
      if (bytes) old_item_bytes = stored_item_size(*bytes);
      if (bytes && !old_item_bytes) old_item = decode_item(*bytes);  // not a shape the sizer reads
    } else {
      old_item = service.read_item(*tables[i], writes[i].storage_key);
    }
    if (on_failure == write_failure::raise) {
      results[i] = evaluate_write(writes[i], *tables[i], std::move(old_item), std::move(stored[i]));
      results[i].old_item_bytes = old_item_bytes;
      continue;
    }
    // A transaction evaluates every action, so that the cancellation lists each one's reason.
    try {
      results[i] = evaluate_write(writes[i], *tables[i], std::move(old_item), std::move(stored[i]));
      results[i].old_item_bytes = old_item_bytes;
      reasons.push_back({{"Code", "None"}});
    } catch (const aws_error& error) {
      cancelled = true;
      reasons.push_back(cancellation_reason(error));
    }
  }
  if (cancelled) throw_cancelled(std::move(reasons));
  if (on_failure == write_failure::cancel_transaction) check_transaction_size(writes, results);

  auto stage = [&](item_batch& batch, std::size_t i) {
    if (writes[i].kind == write_kind::check) return;  // a condition only: nothing changes
    const write_result& result = results[i];
    const json* old_item = result.old_item ? &*result.old_item : nullptr;
    const json* new_item = result.new_item ? &*result.new_item : nullptr;
    // A put's prepared form serves if UpdateTable has not replaced the definition since.
    service.stage_item_change(batch, *tables[i], old_item, new_item,
                              tables[i] == writes[i].table ? &prepared[i] : nullptr, result.old_item_bytes);
    service.stage_stream_record(batch, *tables[i], old_item, new_item);
  };
  if (commit == write_commit::together) {
    item_batch batch;
    for (std::size_t i = 0; i < writes.size(); ++i) stage(batch, i);
    for (const auto& name : locks.tables()) sync_point("write:before_commit", name);
    service.commit(batch);
    for (auto& result : results) result.written = true;
    return results;
  }
  // One item at a time, each staged (its stream record numbered) just before its commit and
  // under its table's lock, so each stream's records stay in commit order.
  for (const auto& name : locks.tables()) sync_point("write:before_commit", name);
  for (std::size_t i = 0; i < writes.size(); ++i) {
    item_batch batch;
    stage(batch, i);
    try {
      service.commit(batch);
    } catch (const aws_error&) {
      if (i == 0) throw;  // nothing written: the call fails as a whole
      return results;     // the rest stay unwritten; the caller reports them
    }
    results[i].written = true;
  }
  return results;
}

}  // namespace fogbank::dynamodb
