// The stream catalog: opening a stream when a table's stream is enabled, closing it when it is
// disabled or its table deleted, trimming records past the retention period, and handing
// committed records to in-process subscribers.

#include "fogbank/core/log.hpp"
#include "fogbank/storage/key_encoding.hpp"
#include "item_keys.hpp"
#include "service_impl.hpp"

#include <optional>

namespace fogbank::dynamodb {

stream_ptr service_impl::find_stream_or_null(std::uint32_t stream_id) const {
  std::shared_lock lock(catalog_mutex_);
  auto it = streams_.find(stream_id);
  return it == streams_.end() ? nullptr : it->second;
}

stream_ptr service_impl::find_stream_by_arn(const std::string& arn) const {
  auto names = parse_stream_arn(arn);
  if (names) {
    std::shared_lock lock(catalog_mutex_);
    for (const auto& [id, stream] : streams_) {
      if (stream->table_name == names->first && stream->label == names->second) return stream;
    }
  }
  // DynamoDB Streams' wording (LocalStack and other emulators reproduce it from the service).
  throw core::aws_error(core::error_code::resource_not_found,
                        "Requested resource not found: Stream: " + arn + " not found");
}

std::vector<stream_ptr> service_impl::all_streams() const {
  std::shared_lock lock(catalog_mutex_);
  std::vector<stream_ptr> out;
  out.reserve(streams_.size());
  for (const auto& [id, stream] : streams_) out.push_back(stream);
  return out;
}

void service_impl::stage_stream(storage::write_batch& batch, const stream_info& stream) const {
  batch.put(storage::column::meta, stream_meta_key(stream.id), to_storage_json(stream).dump());
}

void service_impl::publish_stream(std::shared_ptr<stream_info> stream) {
  std::unique_lock lock(catalog_mutex_);
  streams_[stream->id] = std::move(stream);
}

std::shared_ptr<stream_info> service_impl::open_stream(storage::write_batch& batch, table_info& table,
                                                       const request_context& context) {
  auto stream = std::make_shared<stream_info>();
  stream->id = allocate_id();
  stream->table_name = table.name;
  stream->view_type = table.stream_specification.value("StreamViewType", std::string("KEYS_ONLY"));
  stream->keys = table.keys;
  stream->region = context.region;
  stream->account_id = context.account_id;
  // The label is the stream's creation time. A table whose stream is disabled and enabled again
  // within one millisecond (easy on a manual clock) still gets a new ARN: the label moves on.
  auto at = std::chrono::time_point_cast<std::chrono::milliseconds>(clock_.now());
  auto label_taken = [&](const std::string& label) {
    std::shared_lock lock(catalog_mutex_);
    for (const auto& [id, other] : streams_) {
      if (other->table_name == table.name && other->label == label) return true;
    }
    return false;
  };
  while (label_taken(core::format_iso8601_millis(at))) at += std::chrono::milliseconds(1);
  stream->label = core::format_iso8601_millis(at);
  stream->created_ms = at.time_since_epoch().count();
  stream->first_sequence = last_sequence_ + 1;
  table.stream_id = stream->id;
  table.stream_label = stream->label;
  stage_stream(batch, *stream);
  return stream;
}

std::shared_ptr<stream_info> service_impl::close_stream(storage::write_batch& batch,
                                                        const table_info& table) {
  const stream_ptr current = find_stream_or_null(table.stream_id);
  if (!current) return nullptr;
  auto stream = std::make_shared<stream_info>(*current);
  stream->enabled = false;
  stream->disabled_ms = clock_.epoch_millis();
  // EndingSequenceNumber: the shard's last record (its first possible number if it has none).
  stream->last_sequence = stream->first_sequence;
  storage::scan_range range;
  range.lower = stream_prefix(stream->id);
  range.upper = storage::key::prefix_successor(range.lower);
  range.reverse = true;
  auto last = db_.scan(storage::column::streams, range);
  if (last->valid()) {
    std::string_view key = last->key();
    std::uint32_t id = 0;
    std::uint64_t sequence = 0;
    if (storage::key::read_u32(key, id) && storage::key::read_u64(key, sequence))
      stream->last_sequence = sequence;
  }
  check_iteration(*last);
  stage_stream(batch, *stream);
  return stream;
}

void service_impl::trim_streams() {
  std::lock_guard lock(write_mutex_);
  const std::int64_t horizon =
      clock_.epoch_millis() - std::chrono::duration_cast<std::chrono::milliseconds>(stream_retention).count();
  storage::write_batch batch;
  std::vector<std::shared_ptr<stream_info>> changed;
  std::vector<std::uint32_t> removed;
  for (const stream_ptr& stream : all_streams()) {
    // A stream disabled for longer than the retention period is gone, records and all.
    const bool expired = !stream->enabled && stream->disabled_ms <= horizon;
    std::uint64_t trimmed = stream->trimmed_through;
    storage::scan_range range;
    range.lower = stream_prefix(stream->id);
    range.upper = storage::key::prefix_successor(range.lower);
    auto it = db_.scan(storage::column::streams, range);
    for (; it->valid(); it->next()) {
      if (!expired && stream_record_time(it->value()) > horizon) break;  // records are in time order
      std::string_view key = it->key();
      std::uint32_t id = 0;
      std::uint64_t sequence = 0;
      if (storage::key::read_u32(key, id) && storage::key::read_u64(key, sequence)) trimmed = sequence;
      batch.erase(storage::column::streams, it->key());
    }
    check_iteration(*it);
    if (expired) {
      batch.erase(storage::column::meta, stream_meta_key(stream->id));
      removed.push_back(stream->id);
    } else if (trimmed != stream->trimmed_through) {
      auto updated = std::make_shared<stream_info>(*stream);
      updated->trimmed_through = trimmed;
      stage_stream(batch, *updated);
      changed.push_back(std::move(updated));
    }
  }
  if (batch.empty()) return;
  commit(batch);
  for (auto& stream : changed) publish_stream(std::move(stream));
  std::unique_lock catalog_lock(catalog_mutex_);
  for (auto id : removed) streams_.erase(id);
}

void service_impl::deliver_pending() {
  // One delivery at a time (a manual clock's run_due() and the scheduler thread could otherwise
  // overlap), so records arrive in sequence order.
  std::lock_guard delivery(delivery_mutex_);
  std::deque<item_batch::staged_record> records;
  {
    std::lock_guard lock(pending_mutex_);
    records.swap(pending_);
    delivery_posted_ = false;  // writes from here on post the next delivery
  }
  for (auto& next : records) {
    std::vector<std::shared_ptr<const subscriber>> targets;
    {
      std::lock_guard lock(subscribers_mutex_);
      for (const auto& [id, entry] : subscribers_) {
        if (entry->table_name == next.table_name) targets.push_back(entry);
      }
    }
    if (targets.empty()) continue;
    const json event = lambda_event_record(next.record, next.arn);
    // The subscriber's failure is its own (the write it reports has long been acknowledged), but
    // it is never silent.
    const auto report = [&](std::string_view what) {
      ++subscriber_errors_;
      core::log_error("DynamoDB stream subscriber failed on table " + next.table_name + ", shard " +
                      next.shard_id + ", sequence number " +
                      next.record["dynamodb"].value("SequenceNumber", "") + ": " + std::string(what));
    };
    for (const auto& target : targets) {
      try {
        target->callback(event);
      } catch (const std::exception& e) {
        report(e.what());
      } catch (...) {
        report("unknown exception");
      }
    }
  }
}

}  // namespace fogbank::dynamodb
