#pragma once
// The DynamoDB service's private state and its operations, one member function per API
// operation with a uniform signature, split over ops_*.cpp by area.

#include "capacity.hpp"
#include "fogbank/core/aws_error.hpp"
#include "fogbank/core/clock.hpp"
#include "fogbank/core/ids.hpp"
#include "fogbank/core/scheduler.hpp"
#include "fogbank/dynamodb/service.hpp"
#include "fogbank/storage/database.hpp"
#include "stream_model.hpp"
#include "table_locks.hpp"
#include "table_model.hpp"
#include "table_usage.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

namespace fogbank::dynamodb {
namespace partiql {
struct statement;
}

using json = nlohmann::json;
using table_ptr = std::shared_ptr<const table_info>;
using stream_ptr = std::shared_ptr<const stream_info>;

// One API write's storage batch together with the stream records staged into it, which are
// handed to subscribers once the batch is written.
struct item_batch {
  struct staged_record {
    std::string table_name;
    std::string arn;
    std::string shard_id;
    json record;
  };
  storage::write_batch storage;
  std::vector<staged_record> records;
  // What the batch changes in its tables' and indexes' item counts and sizes (table_usage.hpp).
  usage_delta usage;
  // How many items it overwrites or deletes: each leaves an older version in the memtable.
  std::uint64_t superseded_items = 0;
};

// DynamoDB's item size limit.
inline constexpr std::size_t max_item_bytes = 400 * 1024;
// RocksDB keeps every version of a key in the memtable until it is flushed, and a Query or Scan
// steps over all of them: after 48 overwrites of each of 1,000 items a Query of 20 took 2.5x the
// CPU it took before, and 1.4x once the memtable was flushed (BM_QueryAfterOverwrites,
// bench/README.md, "Eighth pass"). A flush keeps one version of each key, so after this many
// overwrites and deletes the items' and index entries' memtables are flushed in the background
// rather than at 16 MiB (service_impl::commit): a table whose items are rewritten all the time
// (a counter, a connection's state) stays nearly as quick to read as a fresh one, and a table
// written once is never flushed early.
inline constexpr std::uint64_t flush_after_superseded_items = 8192;
// Query and Scan stop reading once a page has read this much data.
inline constexpr std::size_t max_page_bytes = 1024 * 1024;

class service_impl {
 public:
  service_impl(storage::database& database, core::clock& service_clock, core::scheduler& scheduler,
               core::id_generator& id_source);
  ~service_impl();

  using operation = json (service_impl::*)(const json& request, const request_context& context);
  // The operation named `name`, or nullptr.
  static const operation* find_operation(std::string_view name);
  // How many operations the table holds (the request model must know each: a unit test checks).
  static std::size_t operation_count();

  // ---- catalog ----
  // The table named by `name`; throws ResourceNotFoundException when there is none. DynamoDB
  // words it "Requested resource not found" for data-plane operations and "Requested resource
  // not found: Table: <name> not found" for DescribeTable, UpdateTable and DeleteTable.
  table_ptr find_table(std::string_view name) const;
  table_ptr find_table_for_control(std::string_view name) const;
  table_ptr find_table_or_null(std::string_view name) const;
  // Persists `table` in the meta column (in `batch`) and publishes it in the in-memory catalog
  // once the batch is written.
  void stage_table(storage::write_batch& batch, const table_info& table) const;
  void publish_table(std::shared_ptr<table_info> table);
  // A fresh id for a table, index or stream (their storage prefixes). Thread-safe.
  std::uint32_t allocate_id();

  // ---- items ----
  std::optional<json> read_item(const table_info& table, const std::string& storage_key,
                                const storage::snapshot* at = nullptr) const;
  // The stored bytes of the item at `storage_key`, or nullopt; InternalServerError on a
  // storage failure.
  std::optional<std::string> read_item_bytes(const std::string& storage_key,
                                             const storage::snapshot* at = nullptr) const;
  // A new item in its storage form, made before the table's lock (it depends on nothing
  // stored): its encoding and, for each index of `table` in order, its entry's key and value if
  // the item has one.
  struct prepared_item {
    const table_info* table = nullptr;  // the definition the index entries are for
    std::size_t bytes = 0;              // item_size of the item
    std::string storage_key;            // where the item lives
    std::string encoded;
    std::vector<std::optional<std::pair<std::string, std::string>>> index_entries;
  };
  prepared_item prepare_item(const table_info& table, const json& item, std::size_t item_bytes,
                             std::string storage_key) const;
  // Adds to `batch` what replacing `old_item` by `new_item` (either may be null) changes in the
  // item and its index entries of `table`, and in their counts and sizes; `prepared` is
  // new_item's storage form, used if it was made for this same definition. `old_item_bytes`,
  // given only with a null old_item on a table with no index, is the size of an old item that
  // was not decoded.
  void stage_item_change(item_batch& batch, const table_info& table, const json* old_item,
                         const json* new_item, const prepared_item* prepared = nullptr,
                         std::optional<std::size_t> old_item_bytes = std::nullopt) const;
  // Whether a change to an item of `table` gets a stream record (stage_stream_record): the
  // table has a stream and it is enabled. Requires the table's lock, as that does.
  bool records_stream(const table_info& table) const;
  // Adds the stream record of that change to `batch`, when the table has a stream enabled and
  // the item really changes, with the next sequence number. `table` must be the catalog's
  // current definition, and its table lock held from here until the batch is committed: that
  // is what keeps each stream's sequence numbers in commit order.
  void stage_stream_record(item_batch& batch, const table_info& table, const json* old_item,
                           const json* new_item, change_origin origin = change_origin::client);
  // Both of the above. Requires the table's lock.
  void stage_item(item_batch& batch, const table_info& table, const json* old_item, const json* new_item,
                  change_origin origin = change_origin::client);
  void commit(storage::write_batch& batch);
  // Writes the batch with the new totals of the counters it changes, then queues its stream records for
  // subscribers (delivered by a scheduler entry, after the call returns). Requires the locks of the tables
  // whose records it holds.
  void commit(item_batch& batch);

  // ---- item counts and sizes (table_usage.cpp) ----
  // Loads the counters at start; measures (and persists) those of tables that have none.
  void load_usage();
  // ItemCount and TableSizeBytes of `table`, ItemCount and IndexSizeBytes of `index`: the
  // counters, or a scan for a table or index that has none.
  usage table_usage(const table_info& table) const;
  usage index_usage(const index_info& index) const;
  // Counts and sizes by scanning the items of a table or the entries of an index.
  usage measure_table(std::uint32_t table_id) const;
  usage measure_index(std::uint32_t index_id) const;
  // Adds to batch.usage what replacing `old_item` by `new_item` changes in the counters of
  // `table` and its indexes.
  // `new_item_bytes`, when given, is item_size(*new_item); `old_item_bytes`, given only with a
  // null old_item on a table with no index, is the size of an old item that was not decoded.
  void stage_usage_change(item_batch& batch, const table_info& table, const json* old_item,
                          const json* new_item, std::optional<std::size_t> new_item_bytes = std::nullopt,
                          std::optional<std::size_t> old_item_bytes = std::nullopt) const;
  // Adds to batch.storage the new totals of the counters batch.usage changes (commit() does).
  // Requires the locks of the tables concerned until the batch is committed.
  void stage_usage_totals(item_batch& batch) const;
  describe_context describe_for(const request_context& context) const;

  // ---- streams (stream_catalog.cpp) ----
  stream_ptr find_stream_or_null(std::uint32_t stream_id) const;
  // The stream a StreamArn names; throws ResourceNotFoundException (or ValidationException for
  // something that is not a stream ARN).
  stream_ptr find_stream_by_arn(const std::string& arn) const;
  std::vector<stream_ptr> all_streams() const;
  // Persists `stream` (in `batch`) and publishes it once `publish_stream` is called.
  void stage_stream(storage::write_batch& batch, const stream_info& stream) const;
  void publish_stream(std::shared_ptr<stream_info> stream);
  // Starts a new stream for `table` (whose stream_specification is set): a fresh id and label,
  // persisted in `batch`; sets table.stream_id and table.stream_label. Requires the table's lock.
  std::shared_ptr<stream_info> open_stream(storage::write_batch& batch, table_info& table,
                                           const request_context& context);
  // Closes the table's current stream (DISABLED, with its last sequence number), in `batch`.
  // Requires the table's lock.
  std::shared_ptr<stream_info> close_stream(storage::write_batch& batch, const table_info& table);
  // Removes records older than the retention period and forgets streams disabled longer than
  // that. Takes no table lock: it erases only records no writer touches again. If another
  // thread is trimming already, returns at once (that thread does the work).
  void trim_streams();
  // Hands queued records to subscribers, in sequence order: the body of the scheduler entry that
  // commit() posts. Never called with a table lock held.
  void deliver_pending();
  // The sequence number of the last record written to the stream, or 0 if it holds none. A
  // record written after this call returns has a higher number: each stream's records are
  // numbered and written under its table's lock, so in order (LATEST iterators start here).
  std::uint64_t last_record_sequence(std::uint32_t stream_id) const;

  // ---- time to live (ops_ttl.cpp) ----
  // Deletes every expired item of every table with TTL enabled; returns how many.
  std::size_t expire_items();

  // ---- operations ----
  json create_table(const json& request, const request_context& context);
  json describe_table(const json& request, const request_context& context);
  json list_tables(const json& request, const request_context& context);
  json update_table(const json& request, const request_context& context);
  json delete_table(const json& request, const request_context& context);
  json tag_resource(const json& request, const request_context& context);
  json untag_resource(const json& request, const request_context& context);
  json list_tags_of_resource(const json& request, const request_context& context);
  json describe_endpoints(const json& request, const request_context& context);
  json describe_limits(const json& request, const request_context& context);

  json put_item(const json& request, const request_context& context);
  json get_item(const json& request, const request_context& context);
  json update_item(const json& request, const request_context& context);
  json delete_item(const json& request, const request_context& context);

  json query(const json& request, const request_context& context);
  json scan(const json& request, const request_context& context);

  json batch_get_item(const json& request, const request_context& context);
  json batch_write_item(const json& request, const request_context& context);
  json transact_write_items(const json& request, const request_context& context);
  json transact_get_items(const json& request, const request_context& context);

  json update_time_to_live(const json& request, const request_context& context);
  json describe_time_to_live(const json& request, const request_context& context);

  // ---- backups and point-in-time recovery settings (backup.cpp, backup_ops.cpp) ----
  json create_backup(const json& request, const request_context& context);
  json describe_backup(const json& request, const request_context& context);
  json list_backups(const json& request, const request_context& context);
  json delete_backup(const json& request, const request_context& context);
  json restore_table_from_backup(const json& request, const request_context& context);
  json describe_continuous_backups(const json& request, const request_context& context);
  json update_continuous_backups(const json& request, const request_context& context);
  // Loads the backup catalog and moves next_id_ past the storage ids backups hold. Called once,
  // by the constructor, after the tables and streams are loaded.
  void load_backups();
  struct backup_catalog;  // backup.hpp
  std::shared_ptr<backup_catalog> backups_;

  // ---- PartiQL (ops_partiql.cpp) ----
  json execute_statement(const json& request, const request_context& context);
  json batch_execute_statement(const json& request, const request_context& context);
  json execute_transaction(const json& request, const request_context& context);
  // One INSERT, UPDATE or DELETE through PutItem, UpdateItem or DeleteItem; `options` holds
  // ReturnConsumedCapacity and ReturnValuesOnConditionCheckFailure. Answers {Items: [...]}.
  json run_partiql_write(const partiql::statement& statement, const json& parameters, const json& options,
                         const request_context& context);

  storage::database& db_;
  core::clock& clock_;
  core::scheduler& scheduler_;
  core::id_generator& ids_;

  // Scheduler entries hold this, not the service: the destructor clears `impl` under `mutex`, so
  // an entry that runs later does nothing.
  struct lifetime {
    std::mutex mutex;
    service_impl* impl = nullptr;
  };
  std::shared_ptr<lifetime> lifetime_;

  // One write lock per table (table_locks.hpp): a condition, the read it depends on and the
  // write it guards happen under the locks of the tables written, so conditional writes and
  // counters are exact under any concurrency, while writes to other tables go on. Reads take
  // no lock: each write is one atomic RocksDB batch, so a read sees all of it or none.
  table_locks table_locks_;

  // The catalog: held only to look up or replace an entry, never across other work (the
  // health endpoint counts tables under it).
  mutable std::shared_mutex catalog_mutex_;
  std::map<std::string, table_ptr, std::less<>> tables_;
  std::map<std::uint32_t, stream_ptr> streams_;  // guarded by catalog_mutex_
  std::atomic<std::uint32_t> next_id_{1};
  // The committed item counts and sizes of tables and indexes (table_usage.hpp).
  usage_registry usage_;

  // Items overwritten or deleted since the items' memtable was last flushed on their account
  // (commit(item_batch&)).
  std::atomic<std::uint64_t> superseded_since_flush_{0};

  // The last stream sequence number handed out, service-wide. Taken under the lock of the
  // table whose stream the record goes to (so each stream's numbers follow its commits);
  // persisted in the meta column with the batches that use one, and recovered at start from
  // the streams themselves too (batches of different tables may commit out of number order).
  std::atomic<std::uint64_t> last_sequence_{0};
  // One trim at a time (trim_streams); a second caller skips rather than waits.
  std::mutex trim_mutex_;

  // In-process stream subscribers (service::subscribe_stream) and the records waiting for them.
  struct subscriber {
    std::string table_name;
    std::function<void(const json&)> callback;
  };
  std::mutex subscribers_mutex_;
  std::map<std::uint64_t, std::shared_ptr<const subscriber>> subscribers_;
  std::uint64_t next_subscription_ = 1;
  std::atomic<bool> has_subscribers_{false};
  std::mutex pending_mutex_;
  std::deque<item_batch::staged_record> pending_;  // in sequence order; guarded by pending_mutex_
  bool delivery_posted_ = false;                   // a delivery entry is pending; guarded by pending_mutex_
  core::scheduler::entry_id delivery_entry_ = 0;   // guarded by pending_mutex_
  std::mutex delivery_mutex_;                      // one thread delivers at a time
  std::atomic<std::uint64_t> subscriber_errors_{0};

  // The TTL sweeper's schedule (service::start_ttl_sweeper), if started.
  struct sweeper;
  std::shared_ptr<sweeper> sweeper_;
  void stop_sweeper();

  // TransactWriteItems ClientRequestToken -> its request, for the 10-minute idempotency window
  // (ops_batch.cpp). Held only for constant work: requests are compared outside it.
  struct token_record {
    std::shared_ptr<const json> request;
    core::time_point completed;  // meaningful once done
    bool done = false;           // false while the transaction that first used it runs
    capacity_by_table capacity;  // what the first request consumed, once done
  };
  std::mutex tokens_mutex_;
  std::map<std::string, token_record, std::less<>> transaction_tokens_;  // guarded by tokens_mutex_
  // Completed tokens by completion time, oldest first, for expiry.
  std::deque<std::pair<core::time_point, std::string>> token_expiry_;  // guarded by tokens_mutex_
};

// Items are stored as MessagePack.
std::string encode_item(const json& item);
json decode_item(std::string_view bytes);

// For an answer its caller only writes out as text (core::call_context::renders_text): appends
// the JSON text of the item stored as `bytes` to `out`, written straight from the bytes, and
// returns its item_size (0 unless `with_size`). Building each item to write it out again was most
// of a Query's work (bench/README.md, "Items written from their bytes"). Throws what decode_item
// throws for bytes it cannot read.
std::size_t append_item_text(std::string& out, std::string_view bytes, bool with_size);

}  // namespace fogbank::dynamodb
