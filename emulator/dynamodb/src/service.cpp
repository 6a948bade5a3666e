#include "fogbank/dynamodb/service.hpp"

#include "attribute_value.hpp"
#include "fogbank/core/json_text.hpp"
#include "fogbank/core/log.hpp"
#include "fogbank/core/scheduler.hpp"
#include "fogbank/storage/key_encoding.hpp"
#include "item_codec.hpp"
#include "item_keys.hpp"
#include "request_validation.hpp"
#include "service_impl.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace fogbank::dynamodb {
namespace {

// Every DynamoDB operation fogbank implements, sorted by name (checked below) for lookup.
constexpr auto operations = core::make_operation_table<service_impl::operation>({
    {"BatchExecuteStatement", &service_impl::batch_execute_statement},
    {"BatchGetItem", &service_impl::batch_get_item},
    {"BatchWriteItem", &service_impl::batch_write_item},
    {"CreateBackup", &service_impl::create_backup},
    {"CreateTable", &service_impl::create_table},
    {"DeleteBackup", &service_impl::delete_backup},
    {"DeleteItem", &service_impl::delete_item},
    {"DeleteTable", &service_impl::delete_table},
    {"DescribeBackup", &service_impl::describe_backup},
    {"DescribeContinuousBackups", &service_impl::describe_continuous_backups},
    {"DescribeEndpoints", &service_impl::describe_endpoints},
    {"DescribeLimits", &service_impl::describe_limits},
    {"DescribeTable", &service_impl::describe_table},
    {"DescribeTimeToLive", &service_impl::describe_time_to_live},
    {"ExecuteStatement", &service_impl::execute_statement},
    {"ExecuteTransaction", &service_impl::execute_transaction},
    {"GetItem", &service_impl::get_item},
    {"ListBackups", &service_impl::list_backups},
    {"ListTables", &service_impl::list_tables},
    {"ListTagsOfResource", &service_impl::list_tags_of_resource},
    {"PutItem", &service_impl::put_item},
    {"Query", &service_impl::query},
    {"RestoreTableFromBackup", &service_impl::restore_table_from_backup},
    {"Scan", &service_impl::scan},
    {"TagResource", &service_impl::tag_resource},
    {"TransactGetItems", &service_impl::transact_get_items},
    {"TransactWriteItems", &service_impl::transact_write_items},
    {"UntagResource", &service_impl::untag_resource},
    {"UpdateContinuousBackups", &service_impl::update_continuous_backups},
    {"UpdateItem", &service_impl::update_item},
    {"UpdateTable", &service_impl::update_table},
    {"UpdateTimeToLive", &service_impl::update_time_to_live},
});
static_assert(operations.sorted(), "operations must be sorted by name");

// Failures no operation classified (see core::run_funneled).
constexpr core::error_funnel funnel{core::error_code::serialization, "Unexpected value type in payload",
                                    "DynamoDB"};

const char* const table_key_prefix = "table/";
const char* const stream_key_prefix = "stream/";
// The last stream sequence number handed out, as decimal text.
const char* const sequence_key = "stream_sequence";

// Items compare as DynamoDB compares values: a write that changes nothing but the order of a
// set or the spelling of a number ("1.0" for "1") leaves the item as it was.
bool same_item(const json& a, const json& b) {
  if (a.size() != b.size()) return false;
  for (auto it = a.begin(); it != a.end(); ++it) {
    auto other = b.find(it.key());
    if (other == b.end() || !values_equal(*it, *other)) return false;
  }
  return true;
}

}  // namespace

const service_impl::operation* service_impl::find_operation(std::string_view name) {
  return operations.find(name);
}

std::size_t service_impl::operation_count() {
  return operations.rows.size();
}

std::string encode_item(const json& item) {
  std::string out;
  append_msgpack(out, item);
  return out;
}

json decode_item(std::string_view bytes) {
  try {
    return decode_msgpack(bytes);
  } catch (const msgpack_error&) {
    // Stored bytes fogbank cannot read are its own failure, not the client's malformed request.
    throw core::aws_error(core::error_code::internal_failure,
                          "Internal server error: unreadable stored item");
  }
}

std::size_t append_item_text(std::string& out, std::string_view bytes, bool with_size) {
  const std::optional<std::size_t> size = with_size ? stored_item_size(bytes) : std::optional<std::size_t>(0);
  if (size && append_stored_json(out, bytes)) return *size;
  // Bytes the quick way leaves alone (none fogbank writes): the same text and size the long way.
  const json item = decode_item(bytes);
  core::append_json(out, item);
  return with_size ? item_size(item) : 0;
}

service_impl::service_impl(storage::database& database, core::clock& service_clock,
                           core::scheduler& scheduler, core::id_generator& id_source)
    : db_(database),
      clock_(service_clock),
      scheduler_(scheduler),
      ids_(id_source),
      lifetime_(std::make_shared<lifetime>()) {
  lifetime_->impl = this;
  // Load the catalog.
  storage::scan_range range;
  range.lower = table_key_prefix;
  range.upper = storage::key::prefix_successor(table_key_prefix);
  std::uint32_t next_id = 1;
  auto tables = db_.scan(storage::column::meta, range);
  for (; tables->valid(); tables->next()) {
    auto table = std::make_shared<table_info>(from_storage_json(json::parse(tables->value())));
    next_id = std::max(next_id, table->id + 1);
    for (const auto& index : table->indexes) next_id = std::max(next_id, index.id + 1);
    tables_[table->name] = std::move(table);
  }
  check_iteration(*tables);
  const auto read_number = [&](const std::string& key) -> std::uint64_t {
    std::string text;
    const storage::status read = db_.get(storage::column::meta, key, &text);
    if (read.is_not_found()) return 0;
    if (!read.is_ok()) {
      throw core::aws_error(core::error_code::internal_failure, "Internal server error: " + read.message());
    }
    return std::stoull(text);
  };
  std::uint64_t last_sequence = read_number(sequence_key);
  range.lower = stream_key_prefix;
  range.upper = storage::key::prefix_successor(stream_key_prefix);
  auto streams = db_.scan(storage::column::meta, range);
  for (; streams->valid(); streams->next()) {
    auto stream = std::make_shared<stream_info>(stream_from_storage_json(json::parse(streams->value())));
    next_id = std::max(next_id, stream->id + 1);
    stream->trimmed_through = std::max(stream->trimmed_through, read_number(stream_trim_key(stream->id)));
    // Batches of different tables may have committed out of sequence order, leaving the stored
    // counter below a number already used: no number a stream holds, or has trimmed, or ended
    // at, is handed out again.
    last_sequence =
        std::max({last_sequence, last_record_sequence(stream->id), stream->trimmed_through,
                  stream->last_sequence, stream->first_sequence > 0 ? stream->first_sequence - 1 : 0});
    streams_[stream->id] = std::move(stream);
  }
  check_iteration(*streams);
  next_id_ = next_id;
  last_sequence_ = last_sequence;
  load_backups();
  load_usage();
}

service_impl::~service_impl() {
  {
    // Waits for a running delivery or sweep of ours; later entries find impl null.
    std::lock_guard guard(lifetime_->mutex);
    lifetime_->impl = nullptr;
  }
  std::lock_guard lock(pending_mutex_);
  if (delivery_posted_) scheduler_.cancel(delivery_entry_);
}

table_ptr service_impl::find_table_or_null(std::string_view name) const {
  std::shared_lock lock(catalog_mutex_);
  auto it = tables_.find(name);
  return it == tables_.end() ? nullptr : it->second;
}

table_ptr service_impl::find_table(std::string_view name) const {
  if (auto table = find_table_or_null(name)) return table;
  throw core::aws_error(core::error_code::resource_not_found, "Requested resource not found");
}

table_ptr service_impl::find_table_for_control(std::string_view name) const {
  if (auto table = find_table_or_null(name)) return table;
  throw core::aws_error(core::error_code::resource_not_found,
                        "Requested resource not found: Table: " + std::string(name) + " not found");
}

void service_impl::stage_table(storage::write_batch& batch, const table_info& table) const {
  batch.put(storage::column::meta, table_key_prefix + table.name, to_storage_json(table).dump());
}

void service_impl::publish_table(std::shared_ptr<table_info> table) {
  std::unique_lock lock(catalog_mutex_);
  tables_[table->name] = std::move(table);
}

std::uint32_t service_impl::allocate_id() {
  return next_id_.fetch_add(1);
}

std::optional<std::string> service_impl::read_item_bytes(const std::string& storage_key,
                                                         const storage::snapshot* at) const {
  std::string bytes;
  auto status = db_.get(storage::column::items, storage_key, &bytes, at);
  if (status.is_not_found()) return std::nullopt;
  if (!status.is_ok()) {
    throw core::aws_error(core::error_code::internal_failure, "Internal server error: " + status.message());
  }
  return bytes;
}

std::optional<json> service_impl::read_item(const table_info& table, const std::string& storage_key,
                                            const storage::snapshot* at) const {
  (void)table;
  std::optional<std::string> bytes = read_item_bytes(storage_key, at);
  if (!bytes) return std::nullopt;
  return decode_item(*bytes);
}

service_impl::prepared_item service_impl::prepare_item(const table_info& table, const json& item,
                                                       std::size_t item_bytes,
                                                       std::string storage_key) const {
  prepared_item out;
  out.table = &table;
  out.bytes = item_bytes;
  out.storage_key = std::move(storage_key);
  // The encoding is the item's size (names and values) and a few bytes per attribute (tags, the
  // type's name): reserved at once rather than grown by doubling.
  out.encoded.reserve(item_bytes + 8 * item.size() + 8);
  append_msgpack(out.encoded, item);
  out.index_entries.reserve(table.indexes.size());
  for (const auto& index : table.indexes) {
    std::optional<std::string> key = index_storage_key(table, index, item);
    if (key) {
      out.index_entries.emplace_back(std::in_place, std::move(*key),
                                     encode_item(project_for_index(table, index, item)));
    } else {
      out.index_entries.emplace_back(std::nullopt);
    }
  }
  return out;
}

void service_impl::stage_item_change(item_batch& item_changes, const table_info& table, const json* old_item,
                                     const json* new_item, const prepared_item* prepared,
                                     std::optional<std::size_t> old_item_bytes) const {
  const json* any = new_item ? new_item : old_item;
  if (!any) return;
  if (prepared && (prepared->table != &table || !new_item)) prepared = nullptr;
  stage_usage_change(item_changes, table, old_item, new_item,
                     prepared ? std::optional<std::size_t>(prepared->bytes) : std::nullopt, old_item_bytes);
  storage::write_batch& batch = item_changes.storage;
  std::string computed_key;
  const std::string& key = prepared ? prepared->storage_key : (computed_key = item_storage_key(table, *any));
  if (new_item) {
    batch.put(storage::column::items, key, prepared ? prepared->encoded : encode_item(*new_item));
  } else {
    batch.erase(storage::column::items, key);
  }
  for (std::size_t i = 0; i < table.indexes.size(); ++i) {
    const index_info& index = table.indexes[i];
    std::optional<std::string> old_entry =
        old_item ? possible_index_key(table, index, *old_item) : std::nullopt;
    if (prepared) {
      const auto& entry = prepared->index_entries[i];
      if (old_entry && (!entry || entry->first != *old_entry))
        batch.erase(storage::column::index_entries, *old_entry);
      if (entry) batch.put(storage::column::index_entries, entry->first, entry->second);
      continue;
    }
    std::optional<std::string> new_entry =
        new_item ? index_storage_key(table, index, *new_item) : std::nullopt;
    if (old_entry && old_entry != new_entry) batch.erase(storage::column::index_entries, *old_entry);
    if (new_entry) {
      batch.put(storage::column::index_entries, *new_entry,
                encode_item(project_for_index(table, index, *new_item)));
    }
  }
}

void service_impl::stage_item(item_batch& batch, const table_info& table, const json* old_item,
                              const json* new_item, change_origin origin) {
  stage_item_change(batch, table, old_item, new_item);
  stage_stream_record(batch, table, old_item, new_item, origin);
}

bool service_impl::records_stream(const table_info& table) const {
  if (table.stream_id == 0) return false;
  const stream_ptr stream = find_stream_or_null(table.stream_id);
  return stream && stream->enabled;
}

void service_impl::stage_stream_record(item_batch& batch, const table_info& table, const json* old_item,
                                       const json* new_item, change_origin origin) {
  if (!old_item && !new_item) return;
  if (table.stream_id == 0) return;
  const stream_ptr stream = find_stream_or_null(table.stream_id);
  if (!stream || !stream->enabled) return;
  if (old_item && new_item && same_item(*old_item, *new_item)) return;  // DynamoDB writes no record
  const std::uint64_t sequence = ++last_sequence_;
  const std::int64_t now_ms = clock_.epoch_millis();
  std::string event_id = ids_.uuid();
  std::erase(event_id, '-');  // AWS's eventIDs are 32 hex digits
  json record =
      make_stream_record(*stream, table, old_item, new_item, sequence, now_ms, std::move(event_id), origin);
  batch.storage.put(storage::column::streams, stream_record_key(stream->id, sequence),
                    encode_stream_record(now_ms, record));
  batch.storage.put(storage::column::meta, sequence_key, std::to_string(sequence));
  if (has_subscribers_.load()) {
    batch.records.push_back({stream->table_name, stream_arn(stream->region, stream->account_id, *stream),
                             shard_id(*stream), std::move(record)});
  }
}

void service_impl::commit(storage::write_batch& batch) {
  auto status = db_.write(batch);
  if (!status.is_ok()) {
    throw core::aws_error(core::error_code::internal_failure, "Internal server error: " + status.message());
  }
}

void service_impl::commit(item_batch& batch) {
  if (batch.storage.empty()) return;
  stage_usage_totals(batch);
  commit(batch.storage);
  usage_.add(batch.usage);
  if (batch.superseded_items != 0 &&
      superseded_since_flush_.fetch_add(batch.superseded_items) + batch.superseded_items >=
          flush_after_superseded_items &&
      superseded_since_flush_.exchange(0) >= flush_after_superseded_items) {
    // A failed flush loses nothing (the data is in the memtable and the log): reads stay slower.
    static_cast<void>(db_.flush(storage::column::items, false));
    static_cast<void>(db_.flush(storage::column::index_entries, false));
  }
  if (batch.records.empty()) return;
  std::lock_guard lock(pending_mutex_);
  for (auto& record : batch.records) pending_.push_back(std::move(record));
  batch.records.clear();
  if (delivery_posted_) return;
  // One entry delivers everything queued by the time it runs; a write made after it has taken
  // the queue posts the next one. Records therefore reach subscribers in sequence order, after
  // the call that wrote them has returned.
  delivery_posted_ = true;
  delivery_entry_ = scheduler_.post([life = lifetime_] {
    std::lock_guard guard(life->mutex);
    if (life->impl != nullptr) life->impl->deliver_pending();
  });
}

describe_context service_impl::describe_for(const request_context& context) const {
  describe_context out;
  out.region = context.region;
  out.account_id = context.account_id;
  return out;
}

// ---- public surface --------------------------------------------------------------------------

service::service(storage::database& db, core::clock& clock, core::scheduler& scheduler,
                 core::id_generator& ids)
    : impl_(std::make_unique<service_impl>(db, clock, scheduler, ids)) {}

service::~service() {
  impl_->stop_sweeper();
}

void service::call(std::string_view operation, const nlohmann::json& request,
                   const core::call_context& context, core::call_completion done) {
  done(core::run_funneled(funnel, operation, [&]() -> json {
    const service_impl::operation* handler = service_impl::find_operation(operation);
    if (!handler) {
      // DynamoDB answers an unknown operation with a bare
      // UnknownOperationException; the HTTP codec renders it with the coral namespace.
      throw core::aws_error(core::error_code::unknown_operation, "");
    }
    core::require_request_object(request);
    // DynamoDB checks the request's shape before the operation runs (request_validation.hpp).
    validate_request_shape(request_model::dynamodb_model(), operation, request);
    return (impl_.get()->**handler)(request, context);
  }));
}

nlohmann::json service::health() const {
  return {{"tables", table_count()}, {"stream_subscriber_errors", impl_->subscriber_errors_.load()}};
}

std::size_t service::table_count() const {
  std::shared_lock lock(impl_->catalog_mutex_);
  return impl_->tables_.size();
}

std::uint64_t service::subscribe_stream(std::string_view table_name, stream_callback on_record) {
  auto entry = std::make_shared<const service_impl::subscriber>(
      service_impl::subscriber{std::string(table_name), std::move(on_record)});
  std::lock_guard lock(impl_->subscribers_mutex_);
  const std::uint64_t id = impl_->next_subscription_++;
  impl_->subscribers_[id] = std::move(entry);
  impl_->has_subscribers_ = true;
  return id;
}

bool service::unsubscribe_stream(std::uint64_t subscription) {
  std::lock_guard lock(impl_->subscribers_mutex_);
  const bool found = impl_->subscribers_.erase(subscription) > 0;
  impl_->has_subscribers_ = !impl_->subscribers_.empty();
  return found;
}

std::size_t service::expire_now() {
  const std::size_t deleted = impl_->expire_items();
  impl_->trim_streams();
  return deleted;
}

// The sweeper's schedule: shared between the service and its scheduler entries, so an entry
// that runs after the service stopped it (or is gone) does nothing.
struct service_impl::sweeper {
  std::mutex mutex;
  bool stopped = false;
  core::scheduler::entry_id entry = 0;
  std::chrono::milliseconds interval{0};
};

void service_impl::stop_sweeper() {
  // Moved out first: cancel() may drop the entry's reference, and the mutex must outlive the lock.
  const std::shared_ptr<sweeper> state = std::move(sweeper_);
  if (!state) return;
  std::lock_guard lock(state->mutex);  // waits for a sweep in progress
  state->stopped = true;
  scheduler_.cancel(state->entry);
}

void service::start_ttl_sweeper(std::chrono::milliseconds interval) {
  impl_->stop_sweeper();
  auto state = std::make_shared<service_impl::sweeper>();
  state->interval = std::max(interval, std::chrono::milliseconds(1));
  impl_->sweeper_ = state;
  // Each entry sweeps and schedules the next: one pending entry at a time, `interval` apart.
  struct sweep_task {
    std::shared_ptr<service_impl::sweeper> state;
    service* owner;
    core::scheduler* scheduler;
    void operator()() const {
      std::lock_guard lock(state->mutex);
      if (state->stopped) return;
      try {
        owner->expire_now();
      } catch (const std::exception& e) {
        // The next sweep tries again; a failed one deleted nothing (each deletion is one batch).
        core::log_error(std::string("DynamoDB TTL sweep failed: ") + e.what());
      }
      state->entry = scheduler->schedule_after(state->interval, *this);
    }
  };
  std::lock_guard lock(state->mutex);
  state->entry =
      impl_->scheduler_.schedule_after(state->interval, sweep_task{state, this, &impl_->scheduler_});
}

}  // namespace fogbank::dynamodb
