// apply_writes (item_writes.hpp): how every item write reaches storage. The work a write's size
// decides (reading and decoding the old item, the condition, the update, the new item's
// encoding and index keys) is done before the locks; under them, each item is read once more
// to see that nothing changed, then the stream records are numbered and the batch written.

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

// One write as evaluated: the stored bytes it was evaluated against (nullopt: no item then) and
// what it computed from them.
struct evaluated_write {
  std::optional<std::string> old_bytes;
  write_result result;
};

// TransactionCanceledException's CancellationReasons entry for an action that failed.
json cancellation_reason(const aws_error& error) {
  if (error.code() == error_code::conditional_check_failed) {
    json reason{{"Code", "ConditionalCheckFailed"}, {"Message", error.message()}};
    if (error.extra().is_object() && error.extra().contains("Item")) reason["Item"] = error.extra()["Item"];
    return reason;
  }
  return {{"Code", "ValidationError"}, {"Message", error.message()}};
}

// Reads each write's item (as of `at`, or the latest state when null) and evaluates the write
// against it with the definition tables[i]. Throws as `on_failure` says.
std::vector<evaluated_write> evaluate_all(const service_impl& service,
                                          const std::vector<write_request>& writes,
                                          const std::vector<table_ptr>& tables, write_failure on_failure,
                                          const storage::snapshot* at) {
  std::vector<evaluated_write> out(writes.size());
  json reasons = json::array();
  bool cancelled = false;
  for (std::size_t i = 0; i < writes.size(); ++i) {
    evaluated_write& entry = out[i];
    entry.old_bytes = service.read_item_bytes(writes[i].storage_key, at);
    std::optional<json> old_item;
    if (entry.old_bytes) old_item = decode_item(*entry.old_bytes);
    if (on_failure == write_failure::raise) {
      entry.result = evaluate_write(writes[i], *tables[i], old_item);
      continue;
    }
    // A transaction evaluates every action, so that the cancellation lists each one's reason.
    try {
      entry.result = evaluate_write(writes[i], *tables[i], old_item);
      reasons.push_back({{"Code", "None"}});
    } catch (const aws_error& error) {
      cancelled = true;
      reasons.push_back(cancellation_reason(error));
    }
  }
  if (cancelled) {
    std::string codes;
    for (const auto& reason : reasons)
      codes += (codes.empty() ? "" : ", ") + reason["Code"].get<std::string>();
    throw aws_error(
        error_code::transaction_canceled,
        "Transaction cancelled, please refer cancellation reasons for specific reasons [" + codes + "]",
        {{"CancellationReasons", std::move(reasons)}});
  }
  return out;
}

// The item and index changes of every write that changes something (a ConditionCheck changes
// nothing).
void stage_changes(const service_impl& service, storage::write_batch& batch,
                   const std::vector<write_request>& writes, const std::vector<table_ptr>& tables,
                   const std::vector<evaluated_write>& evaluated) {
  for (std::size_t i = 0; i < writes.size(); ++i) {
    if (writes[i].kind == write_kind::check) continue;
    const write_result& result = evaluated[i].result;
    service.stage_item_change(batch, *tables[i], result.old_item ? &*result.old_item : nullptr,
                              result.new_item ? &*result.new_item : nullptr);
  }
}

}  // namespace

std::vector<write_result> apply_writes(service_impl& service, const std::vector<write_request>& writes,
                                       write_failure on_failure) {
  std::vector<table_ptr> tables;
  std::vector<std::string> names;
  tables.reserve(writes.size());
  names.reserve(writes.size());
  for (const auto& write : writes) {
    tables.push_back(write.table);
    names.push_back(write.table->name);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());

  // Before any lock. One write reads one item, atomically; several read one snapshot.
  std::vector<evaluated_write> evaluated;
  {
    const std::unique_ptr<storage::snapshot> snapshot =
        writes.size() > 1 ? service.db_.take_snapshot() : nullptr;
    evaluated = evaluate_all(service, writes, tables, on_failure, snapshot.get());
  }
  item_batch batch;
  stage_changes(service, batch.storage, writes, tables, evaluated);
  for (const auto& name : names) sync_point("write:evaluated", name);

  const table_locks::held locks = service.table_locks_.lock(names);
  // With the locks held, the tables' definitions and these items change only through us.
  bool unchanged = true;
  for (std::size_t i = 0; i < writes.size(); ++i) {
    table_ptr current = service.find_table_or_null(writes[i].table->name);
    if (!current || current->id != writes[i].table->id) {
      // Deleted (or deleted and created again) since the request was parsed.
      throw aws_error(error_code::resource_not_found, "Requested resource not found");
    }
    if (current != tables[i]) {
      // UpdateTable (or a tag change) replaced the definition: its indexes and stream decide.
      tables[i] = std::move(current);
      unchanged = false;
    }
  }
  for (std::size_t i = 0; unchanged && i < writes.size(); ++i) {
    if (service.read_item_bytes(writes[i].storage_key) != evaluated[i].old_bytes) unchanged = false;
  }
  if (!unchanged) {
    // Another writer got there first. Evaluated again here, the result holds until the commit.
    evaluated = evaluate_all(service, writes, tables, on_failure, nullptr);
    batch = item_batch{};
    stage_changes(service, batch.storage, writes, tables, evaluated);
  }
  for (std::size_t i = 0; i < writes.size(); ++i) {
    if (writes[i].kind == write_kind::check) continue;
    const write_result& result = evaluated[i].result;
    service.stage_stream_record(batch, *tables[i], result.old_item ? &*result.old_item : nullptr,
                                result.new_item ? &*result.new_item : nullptr);
  }
  for (const auto& name : locks.tables()) sync_point("write:before_commit", name);
  service.commit(batch);

  std::vector<write_result> results;
  results.reserve(evaluated.size());
  for (auto& entry : evaluated) results.push_back(std::move(entry.result));
  return results;
}

}  // namespace fogbank::dynamodb
