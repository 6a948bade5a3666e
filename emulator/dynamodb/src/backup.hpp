#pragma once
// On-demand backups as fogbank keeps them: the source table's definition at the time of the
// backup, and a copy of its items taken from one RocksDB snapshot, stored in the items column
// under a storage id of the backup's own (so a backup outlives its table and survives a
// restart with a data directory). Shapes are botocore's dynamodb 2012-08-10 model
// (BackupDetails, BackupSummary, SourceTableDetails, SourceTableFeatureDetails).

#include "service_impl.hpp"
#include "table_model.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace fogbank::dynamodb {

struct backup_info {
  std::string arn;
  std::string name;
  std::int64_t created_ms = 0;   // service clock
  std::uint32_t storage_id = 0;  // prefix of the copied items in the items column
  std::string table_arn;
  table_info table;  // the source table's definition when the backup was taken
  std::int64_t item_count = 0;
  std::int64_t size_bytes = 0;
};

json backup_to_storage_json(const backup_info& backup);
backup_info backup_from_storage_json(const json& stored);

// The meta-column key of a backup's record.
std::string backup_key(const std::string& arn);
inline constexpr std::string_view backup_key_prefix = "backup/";
// The meta-column key of a table's point-in-time recovery setting, by the table's TableId (a
// uuid no later table reuses, so a table made again under the same name starts without it).
std::string recovery_key(const table_info& table);

// AWS's backup ARN: <table ARN>/backup/<creation time in ms, 14 digits>-<8 hex digits>
// (aws dynamodb create-backup's documented output, e.g. .../backup/01576616366715-b4e58d3a).
std::string make_backup_arn(const std::string& table_arn, std::int64_t created_ms, std::uint32_t suffix);

json backup_details(const backup_info& backup);
json backup_summary(const backup_info& backup);
// DescribeBackup's and DeleteBackup's BackupDescription; `status` is BackupDetails.BackupStatus.
json backup_description(const backup_info& backup, const char* status = "AVAILABLE");

// The service's backups and what is in progress on them.
struct service_impl::backup_catalog {
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<const backup_info>, std::less<>> by_arn;  // guarded by mutex
  // ARNs of backups a restore is reading, and names of tables a backup is being taken of
  // (BackupInUseException for a conflicting DeleteBackup or CreateBackup meanwhile).
  std::multiset<std::string, std::less<>> restoring;  // guarded by mutex
  std::set<std::string, std::less<>> backing_up;      // guarded by mutex
};

}  // namespace fogbank::dynamodb
