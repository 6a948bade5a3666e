// The stream catalog: opening a stream when a table's stream is enabled, closing it when it is
// disabled or its table deleted, trimming records past the retention period, and handing
// committed records to in-process subscribers.

#include "fogbank/core/log.hpp"
#include "fogbank/storage/key_encoding.hpp"
#include "item_keys.hpp"
#include "service_impl.hpp"

#include <algorithm>
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
  // A trim may have moved the horizon since `stream` was copied from the catalog (trim_streams
  // takes no table lock): the horizon only moves forward.
  if (auto it = streams_.find(stream->id); it != streams_.end())
    stream->trimmed_through = std::max(stream->trimmed_through, it->second->trimmed_through);
  streams_[stream->id] = std::move(stream);
}

std::uint64_t service_impl::last_record_sequence(std::uint32_t stream_id) const {
  storage::scan_range range;
  range.lower = stream_prefix(stream_id);
  range.upper = storage::key::prefix_successor(range.lower);
  range.reverse = true;
  const auto last = db_.scan(storage::column::streams, range);
  std::uint64_t sequence = 0;
  if (last->valid()) {
    std::string_view key = last->key();
    std::uint32_t id = 0;
    if (!storage::key::read_u32(key, id) || !storage::key::read_u64(key, sequence)) sequence = 0;
  }
  check_iteration(*last);
  return sequence;
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
  stream->first_sequence = last_sequence_.load() + 1;
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
  const std::uint64_t last = last_record_sequence(stream->id);
  stream->last_sequence = last != 0 ? last : stream->first_sequence;
  stage_stream(batch, *stream);
  return stream;
}

void service_impl::trim_streams() {
  // Every stream read trims; one trim at a time does the work, the others go on reading.
  std::unique_lock trimming(trim_mutex_, std::try_to_lock);
  if (!trimming.owns_lock()) return;
  const std::int64_t horizon =
      clock_.epoch_millis() - std::chrono::duration_cast<std::chrono::milliseconds>(stream_retention).count();
  // No table lock is needed: writers only add records newer than any trimmed here, and a
  // stream's definition is not rewritten (the horizon has its own key, stream_trim_key).
  storage::write_batch batch;
  std::vector<std::pair<std::uint32_t, std::uint64_t>> trimmed_to;
  std::vector<std::uint32_t> removed;
  for (const stream_ptr& stream : all_streams()) {
    // A stream disabled for longer than the retention period is gone, records and all. Nothing
    // changes a disabled stream any more, so this reading of it stands.
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
      batch.erase(storage::column::meta, stream_trim_key(stream->id));
      removed.push_back(stream->id);
    } else if (trimmed != stream->trimmed_through) {
      batch.put(storage::column::meta, stream_trim_key(stream->id), std::to_string(trimmed));
      trimmed_to.emplace_back(stream->id, trimmed);
    }
  }
  if (batch.empty()) return;
  commit(batch);
  std::unique_lock catalog_lock(catalog_mutex_);
  for (const auto& [id, trimmed] : trimmed_to) {
    auto it = streams_.find(id);
    if (it == streams_.end() || it->second->trimmed_through >= trimmed) continue;
    auto updated = std::make_shared<stream_info>(*it->second);
    updated->trimmed_through = trimmed;
    it->second = std::move(updated);
  }
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
