// On-demand backups (CreateBackup, DescribeBackup, ListBackups, DeleteBackup,
// RestoreTableFromBackup) and point-in-time recovery settings (DescribeContinuousBackups,
// UpdateContinuousBackups).
//
// Request and response shapes and each operation's errors are botocore's dynamodb 2012-08-10
// model. A backup is AVAILABLE as soon as CreateBackup returns and a restored table ACTIVE as
// soon as RestoreTableFromBackup returns, as tables are on CreateTable here. Error messages
// follow moto (moto/dynamodb/exceptions.py), which is not pinned against AWS: unconfirmed.
//
// Errors the model lists that never arise here: TableInUseException (no table is ever CREATING
// or DELETING), LimitExceededException (no concurrent-operation quota), and
// ContinuousBackupsUnavailableException (AWS raises it while it is still enabling backups for a
// new table; here backups are available from the start).

#include "attribute_value.hpp"
#include "backup.hpp"
#include "fogbank/storage/key_encoding.hpp"
#include "item_keys.hpp"
#include "request.hpp"
#include "service_impl.hpp"
#include "sync_point.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace fogbank::dynamodb {
namespace {

using core::aws_error;
using core::error_code;
using core::throw_validation;

// ListBackups' Limit: BackupsInputLimit, 1 to 100.
constexpr std::int64_t max_list_limit = 100;
// BackupArn: 37 to 1024 characters.
constexpr std::size_t min_backup_arn = 37;
constexpr std::size_t max_backup_arn = 1024;
// PointInTimeRecoverySpecification.RecoveryPeriodInDays: 1 to 35, 35 when not given
// (API_PointInTimeRecoverySpecification).
constexpr std::int64_t max_recovery_days = 35;
// LatestRestorableDateTime "is typically 5 minutes before the current time"
// (API_PointInTimeRecoveryDescription).
constexpr std::int64_t latest_restorable_lag_ms = 5 * 60 * 1000;
constexpr std::int64_t ms_per_day = 24 * 60 * 60 * 1000;

[[noreturn]] void throw_table_not_found(const std::string& name) {
  throw aws_error(error_code::table_not_found, "Table not found: " + name);  // moto's wording
}

[[noreturn]] void throw_backup_not_found(const std::string& arn) {
  throw aws_error(error_code::backup_not_found, "Backup not found: " + arn);  // moto's wording
}

const std::string& required_backup_arn(const json& request) {
  const std::string& arn = required_string(request, "BackupArn", "backupArn");
  if (arn.size() < min_backup_arn || arn.size() > max_backup_arn) {
    throw_validation(constraint_message("'" + arn + "'", "backupArn",
                                        arn.size() < min_backup_arn
                                            ? "Member must have length greater than or equal to 37"
                                            : "Member must have length less than or equal to 1024"));
  }
  return arn;
}

std::string required_table_name(const json& request, const char* name, const char* member) {
  const json* value = find_member(request, name);
  validate_table_name(value ? *value : json(), member);
  return value->get<std::string>();
}

// The creation time a backup ARN carries (…/backup/<14-digit ms>-<hex>), or -1: paging by an
// ARN works even after that backup was deleted.
std::int64_t arn_millis(std::string_view arn) {
  const auto at = arn.rfind("/backup/");
  if (at == std::string_view::npos) return -1;
  std::int64_t millis = 0;
  std::size_t digits = 0;
  for (std::size_t i = at + 8; i < arn.size() && arn[i] >= '0' && arn[i] <= '9'; ++i, ++digits) {
    if (digits == 18) return -1;  // more than an int64 holds: no ARN fogbank made
    millis = millis * 10 + (arn[i] - '0');
  }
  return digits == 0 ? -1 : millis;
}

// A timestamp member (epoch seconds, as the JSON protocol sends them) in milliseconds.
std::optional<std::int64_t> optional_time_ms(const json& request, const char* name) {
  const json* value = find_member(request, name);
  if (!value) return std::nullopt;
  if (!value->is_number()) throw aws_error(error_code::serialization, "Unexpected value type in payload");
  const double seconds = value->get<double>();
  // Far past or future bounds select everything or nothing; clamped so the conversion is defined.
  constexpr double limit = 9.0e12;
  return std::llround(std::clamp(seconds, -limit, limit) * 1000.0);  // 1.123 s is 1123 ms, not 1122
}

// Removes `value` from a set of the catalog when the scope ends.
template <typename Set>
class in_progress {
 public:
  in_progress(std::mutex& mutex, Set& set, typename Set::iterator at) : mutex_(mutex), set_(set), at_(at) {}
  in_progress(const in_progress&) = delete;
  in_progress& operator=(const in_progress&) = delete;
  ~in_progress() {
    std::lock_guard lock(mutex_);
    set_.erase(at_);
  }

 private:
  std::mutex& mutex_;
  Set& set_;
  typename Set::iterator at_;
};

json recovery_description(const json& setting, std::int64_t now_ms) {
  json pitr{{"PointInTimeRecoveryStatus", "DISABLED"}};
  if (setting.is_object() && setting.value("enabled", false)) {
    const std::int64_t since = setting.value("since_ms", now_ms);
    const std::int64_t days = setting.value("days", max_recovery_days);
    const std::int64_t earliest = std::max(since, now_ms - days * ms_per_day);
    pitr = {{"PointInTimeRecoveryStatus", "ENABLED"},
            {"RecoveryPeriodInDays", days},
            {"EarliestRestorableDateTime", static_cast<double>(earliest) / 1000.0},
            {"LatestRestorableDateTime",
             static_cast<double>(std::max(earliest, now_ms - latest_restorable_lag_ms)) / 1000.0}};
  }
  // Continuous backups are always on: the setting that matters is PITR's.
  return {{"ContinuousBackupsDescription",
           {{"ContinuousBackupsStatus", "ENABLED"}, {"PointInTimeRecoveryDescription", std::move(pitr)}}}};
}

}  // namespace

json service_impl::create_backup(const json& request, const request_context& context) {
  const std::string table_name = required_table_name(request, "TableName", "tableName");
  const std::string backup_name = required_table_name(request, "BackupName", "backupName");

  // The definition and the snapshot are taken together under the table's lock: writers wait
  // only for that, and every write acknowledged before CreateBackup took it is in the backup.
  table_ptr table;
  std::unique_ptr<storage::snapshot> snapshot;
  {
    const table_locks::held lock = table_locks_.lock(table_name);
    table = find_table_or_null(table_name);
    if (!table) throw_table_not_found(table_name);
    snapshot = db_.take_snapshot();
  }
  std::unique_lock catalog_lock(backups_->mutex);
  const auto [marked, fresh] = backups_->backing_up.insert(table_name);
  if (!fresh) {
    // unconfirmed wording
    throw aws_error(error_code::backup_in_use,
                    "A backup of table " + table_name + " is already being created");
  }
  catalog_lock.unlock();
  const in_progress guard(backups_->mutex, backups_->backing_up, marked);
  sync_point("backup:copying", table_name);

  auto backup = std::make_shared<backup_info>();
  backup->name = backup_name;
  backup->created_ms = clock_.epoch_millis();
  backup->storage_id = allocate_id();
  backup->table_arn = table_arn(*table, describe_for(context));
  backup->arn =
      make_backup_arn(backup->table_arn, backup->created_ms, static_cast<std::uint32_t>(ids_.next()));
  backup->table = *table;

  storage::write_batch batch;
  const std::string source = table_prefix(table->id);
  const std::string target = table_prefix(backup->storage_id);
  storage::scan_range range;
  range.lower = source;
  range.upper = table_prefix(table->id + 1);
  const auto it = db_.scan(storage::column::items, range, snapshot.get());
  for (; it->valid(); it->next()) {
    std::string key = target;
    key.append(it->key().substr(source.size()));
    batch.put(storage::column::items, key, it->value());
    ++backup->item_count;
    backup->size_bytes += static_cast<std::int64_t>(item_size(decode_item(it->value())));
  }
  check_iteration(*it);  // a partial copy is never committed
  batch.put(storage::column::meta, backup_key(backup->arn), backup_to_storage_json(*backup).dump());
  commit(batch);
  json details = backup_details(*backup);
  std::lock_guard lock(backups_->mutex);
  backups_->by_arn[backup->arn] = std::move(backup);
  return {{"BackupDetails", std::move(details)}};
}

json service_impl::describe_backup(const json& request, const request_context&) {
  const std::string& arn = required_backup_arn(request);
  std::lock_guard lock(backups_->mutex);
  const auto found = backups_->by_arn.find(arn);
  if (found == backups_->by_arn.end()) throw_backup_not_found(arn);
  return {{"BackupDescription", backup_description(*found->second)}};
}

json service_impl::list_backups(const json& request, const request_context&) {
  std::int64_t limit = max_list_limit;
  if (const std::optional<std::int64_t> value = optional_integer(request, "Limit")) {
    limit = *value;
    if (limit < 1 || limit > max_list_limit) {
      throw_validation(constraint_message("'" + std::to_string(limit) + "'", "limit",
                                          limit < 1 ? "Member must have value greater than or equal to 1"
                                                    : "Member must have value less than or equal to 100"));
    }
  }
  std::string table_name;
  if (find_member(request, "TableName")) table_name = required_table_name(request, "TableName", "tableName");
  const std::string type =
      optional_enum(request, "BackupType", "backupType", {"USER", "SYSTEM", "AWS_BACKUP", "ALL"}, "ALL");
  // API_ListBackups: the lower bound is inclusive, the upper bound exclusive.
  const std::optional<std::int64_t> lower = optional_time_ms(request, "TimeRangeLowerBound");
  const std::optional<std::int64_t> upper = optional_time_ms(request, "TimeRangeUpperBound");
  const std::string start = optional_string(request, "ExclusiveStartBackupArn");

  // In creation order (then ARN), the order of the ARNs' time prefixes.
  std::vector<std::pair<std::int64_t, std::shared_ptr<const backup_info>>> listed;
  if (type == "USER" || type == "ALL") {  // every backup fogbank makes is a USER backup
    std::lock_guard lock(backups_->mutex);
    for (const auto& [arn, backup] : backups_->by_arn) {
      if (!table_name.empty() && backup->table.name != table_name) continue;
      if (lower && backup->created_ms < *lower) continue;
      if (upper && backup->created_ms >= *upper) continue;
      listed.emplace_back(backup->created_ms, backup);
    }
  }
  std::sort(listed.begin(), listed.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second->arn < b.second->arn;
  });
  auto from = listed.begin();
  if (!start.empty()) {
    const std::pair<std::int64_t, std::string_view> after{arn_millis(start), start};
    from = std::find_if(listed.begin(), listed.end(), [&](const auto& entry) {
      return std::pair<std::int64_t, std::string_view>{entry.first, entry.second->arn} > after;
    });
  }
  json summaries = json::array();
  json response = json::object();
  for (auto it = from; it != listed.end(); ++it) {
    if (static_cast<std::int64_t>(summaries.size()) == limit) {
      response["LastEvaluatedBackupArn"] = summaries.back()["BackupArn"];
      break;
    }
    summaries.push_back(backup_summary(*it->second));
  }
  response["BackupSummaries"] = std::move(summaries);
  return response;
}

json service_impl::delete_backup(const json& request, const request_context&) {
  const std::string& arn = required_backup_arn(request);
  std::shared_ptr<const backup_info> backup;
  {
    std::lock_guard lock(backups_->mutex);
    const auto found = backups_->by_arn.find(arn);
    if (found == backups_->by_arn.end()) throw_backup_not_found(arn);
    if (backups_->restoring.contains(arn)) {
      // unconfirmed wording
      throw aws_error(error_code::backup_in_use, "Backup is being restored: " + arn);
    }
    // Out of the catalog first: a restore that starts now finds no backup to read.
    backup = found->second;
    backups_->by_arn.erase(found);
  }
  try {
    storage::write_batch batch;
    erase_prefix(db_, batch, storage::column::items, table_prefix(backup->storage_id));
    batch.erase(storage::column::meta, backup_key(arn));
    commit(batch);
  } catch (...) {
    std::lock_guard lock(backups_->mutex);
    backups_->by_arn[arn] = backup;  // nothing was erased: the backup stays
    throw;
  }
  return {{"BackupDescription", backup_description(*backup, "DELETED")}};
}

json service_impl::describe_continuous_backups(const json& request, const request_context&) {
  const std::string name = required_table_name(request, "TableName", "tableName");
  const table_ptr table = find_table_or_null(name);
  if (!table) throw_table_not_found(name);
  std::string stored;
  const storage::status read = db_.get(storage::column::meta, recovery_key(*table), &stored);
  if (!read.is_ok() && !read.is_not_found()) {
    throw aws_error(error_code::internal_failure, "Internal server error: " + read.message());
  }
  return recovery_description(read.is_ok() ? json::parse(stored) : json(), clock_.epoch_millis());
}

json service_impl::update_continuous_backups(const json& request, const request_context&) {
  const std::string name = required_table_name(request, "TableName", "tableName");
  const json* specification = find_member(request, "PointInTimeRecoverySpecification");
  if (!specification) throw_validation(null_member_message("pointInTimeRecoverySpecification"));
  if (!specification->is_object()) {
    throw aws_error(error_code::serialization, "Unexpected value type in payload");
  }
  const std::optional<bool> enabled = optional_boolean(*specification, "PointInTimeRecoveryEnabled");
  if (!enabled) {
    throw_validation(null_member_message("pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled"));
  }
  std::int64_t days = max_recovery_days;
  if (const std::optional<std::int64_t> value = optional_integer(*specification, "RecoveryPeriodInDays")) {
    days = *value;
    if (days < 1 || days > max_recovery_days) {
      throw_validation(constraint_message("'" + std::to_string(days) + "'",
                                          "pointInTimeRecoverySpecification.recoveryPeriodInDays",
                                          days < 1 ? "Member must have value greater than or equal to 1"
                                                   : "Member must have value less than or equal to 35"));
    }
  }

  const table_locks::held lock = table_locks_.lock(name);
  const table_ptr table = find_table_or_null(name);
  if (!table) throw_table_not_found(name);
  const std::int64_t now_ms = clock_.epoch_millis();
  std::string stored;
  const storage::status read = db_.get(storage::column::meta, recovery_key(*table), &stored);
  if (!read.is_ok() && !read.is_not_found()) {
    throw aws_error(error_code::internal_failure, "Internal server error: " + read.message());
  }
  const json before = read.is_ok() ? json::parse(stored) : json::object();
  json setting{{"enabled", *enabled}, {"days", days}};
  // Enabling it again keeps the window it already has.
  setting["since_ms"] = before.value("enabled", false) ? before.value("since_ms", now_ms) : now_ms;
  storage::write_batch batch;
  batch.put(storage::column::meta, recovery_key(*table), setting.dump());
  commit(batch);
  return recovery_description(setting, now_ms);
}

}  // namespace fogbank::dynamodb
