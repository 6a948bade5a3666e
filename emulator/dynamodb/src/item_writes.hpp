#pragma once
// One item write — PutItem, UpdateItem, DeleteItem, or a ConditionCheck — parsed and validated
// before anything is read, then evaluated against the item's current state and applied with
// the others of its call. Single-item operations, BatchWriteItem and TransactWriteItems all go
// through here, so validation, errors and locking are the same for each.

#include "capacity.hpp"
#include "expressions.hpp"
#include "service_impl.hpp"

#include <optional>
#include <string>
#include <vector>

namespace fogbank::dynamodb {

enum class write_kind { put, update, remove, check };

struct write_request {
  write_kind kind = write_kind::put;
  table_ptr table;
  json key;                                               // the primary key attributes
  std::string storage_key;                                // where the item lives
  json item;                                              // put: the item to store
  std::size_t item_bytes = 0;                             // put: item_size(item), as stored too
  std::shared_ptr<const condition> condition_expression;  // null when absent
  std::shared_ptr<const update> update_expression;        // update: null for a key-only upsert
  bool return_old_on_failure = false;                     // ReturnValuesOnConditionCheckFailure = ALL_OLD
  // Whether the caller reads write_result::old_item (ReturnValues, consumed capacity). When it
  // does not, a put with no condition, on a table with no index and no stream, needs nothing of
  // the item it replaces but its size (the table's counters): apply_writes reads that from the
  // stored bytes (write_result::old_item_bytes) instead of decoding the item.
  bool caller_reads_old_item = true;
};

// Parses one write from a request shaped like PutItem/UpdateItem/DeleteItem (or the Put, Update,
// Delete, ConditionCheck members of TransactWriteItems, or a BatchWriteItem PutRequest or
// DeleteRequest, whose table is `table_name` rather than a member). Validates the table, key or
// item, expressions and their placeholders; copies nothing from the request before it is
// validated. Throws ValidationException / ResourceNotFoundException.
write_request parse_write(const service_impl& service, write_kind kind, const json& request,
                          const std::string* table_name = nullptr);

struct write_result {
  std::optional<json> old_item;
  // Set, with old_item nullopt, when an item was replaced without being decoded
  // (write_request::caller_reads_old_item): its item_size.
  std::optional<std::size_t> old_item_bytes;
  std::optional<json> new_item;  // nullopt when the item is deleted (or absent and unchanged)
  bool written = false;          // committed to storage (write_commit::each may stop early)
};

// The item a put stores: its numbers in canonical form ("0012.50" is stored as "12.5", as
// DynamoDB does). Needs nothing but the request. Its item_size is write.item_bytes: a number's
// size is that of its value, which the canonical text keeps.
json item_as_stored(const write_request& write);

// Evaluates the condition against `old_item` and computes the new state, for `table` (the
// definition of write.table now: the same table, perhaps with other indexes). A put stores
// `stored_put` if given (item_as_stored, made earlier). Throws ConditionalCheckFailedException
// ("The conditional request failed", with the old item as `Item` when asked) or
// ValidationException for run-time expression errors and size limits.
write_result evaluate_write(const write_request& write, const table_info& table, std::optional<json> old_item,
                            std::optional<json> stored_put = std::nullopt);

// What a write that fails its condition or validation does to the call.
enum class write_failure {
  raise,               // the call fails with that error (single-item writes, BatchWriteItem)
  cancel_transaction,  // TransactionCanceledException with every action's reason
};

// How the writes of one call are committed.
enum class write_commit {
  // One atomic storage batch for all of them (single-item writes, TransactWriteItems).
  together,
  // One storage batch per item (its item, index entries and stream record), in order, so that
  // other tables' writers (and SQS) interleave rather than queue behind a 10 MB batch in
  // RocksDB's single write queue: BatchWriteItem, which DynamoDB does not make atomic either.
  // If storage fails after some items were committed, the rest are left unwritten
  // (write_result::written false) and no error is raised; if it fails on the first, the error
  // is raised and nothing is written.
  each,
};

// Applies the writes of one call (one item, a BatchWriteItem or a TransactWriteItems; at most
// one per item): items, index entries and stream records, committed as `commit` says. Returns
// each write's result, in order. Every write is evaluated before any is committed, so on a
// failure of a condition or of validation (see write_failure) nothing is written.
//
// What a write needs no stored state for is done before any lock: the item a put stores, its
// encoding and its index entries (the bulk of a large put). Then, holding the locks of the
// tables written (table_locks.hpp), each item is read, each condition evaluated (a
// transaction's all against the state the locks keep), updates computed, and the batch
// written with its stream records. So conditions and counters are exact, and a large write
// holds only its own tables' locks, and those only for what depends on what is stored.
std::vector<write_result> apply_writes(service_impl& service, const std::vector<write_request>& writes,
                                       write_failure on_failure,
                                       write_commit commit = write_commit::together);

}  // namespace fogbank::dynamodb
