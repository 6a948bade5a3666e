#pragma once
// A table's definition as fogbank keeps it: key schema, attribute types, indexes, billing,
// streams and tags. Parsed from CreateTable (validated there), persisted in the meta column as
// JSON, and rendered back as DynamoDB's TableDescription.

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fogbank::dynamodb {

using json = nlohmann::json;

// A key schema. `hash` and `range` are the first partition and sort key attributes; a GSI with
// multi-attribute keys (DynamoDB, November 2025: up to four partition and four sort key
// attributes, GSIs only) lists its further ones, in KeySchema order, in more_hash and more_range.
// Tables and LSIs leave those empty, and so do single-attribute GSIs.
struct key_schema {
  std::string hash;
  std::optional<std::string> range;
  std::vector<std::string> more_hash;
  std::vector<std::string> more_range;

  bool multi_attribute() const { return !more_hash.empty() || !more_range.empty(); }
  // Every partition key attribute, then every sort key attribute, in KeySchema order.
  std::vector<std::string> hash_attributes() const;
  std::vector<std::string> range_attributes() const;
  std::vector<std::string> attributes() const;
  bool uses(std::string_view attribute) const;
};

enum class projection_type { all, keys_only, include };

struct index_info {
  std::string name;
  bool global = true;    // GSI; false for an LSI
  std::uint32_t id = 0;  // storage prefix of the index entries
  key_schema keys;
  projection_type projection = projection_type::all;
  std::vector<std::string> non_key_attributes;  // for INCLUDE
  json provisioned_throughput;                  // GSIs only; null when on-demand
};

struct table_info {
  std::string name;
  std::uint32_t id = 0;  // storage prefix of the table's items
  std::string table_id;  // the uuid DescribeTable reports as TableId
  key_schema keys;
  std::map<std::string, std::string> attribute_types;  // AttributeDefinitions: name -> S|N|B
  std::vector<index_info> indexes;
  std::string billing_mode = "PROVISIONED";
  json provisioned_throughput;  // {ReadCapacityUnits, WriteCapacityUnits}
  json stream_specification;    // as given, null when absent
  std::string stream_label;     // set while a stream is enabled
  std::uint32_t stream_id = 0;  // the enabled stream's id, 0 when none
  std::string ttl_attribute;    // TimeToLiveSpecification.AttributeName while TTL is enabled
  bool ttl_enabled = false;
  json tags = json::array();  // [{Key, Value}]
  double creation_time = 0;   // epoch seconds
  bool deletion_protection = false;
  json restore_summary;  // RestoreSummary of a table made by RestoreTableFromBackup, else null

  const index_info* find_index(std::string_view index_name) const;
  // The key attributes of the table and of every index (used by projections and validation).
  std::vector<std::string> all_key_attributes() const;
  bool is_key_attribute(std::string_view attribute) const {
    return attribute == keys.hash || (keys.range && attribute == *keys.range);
  }
};

json to_storage_json(const table_info& table);
table_info from_storage_json(const json& stored);

struct describe_context {
  std::string region;
  std::string account_id;
  std::int64_t item_count = 0;
  std::int64_t size_bytes = 0;
  std::string status = "ACTIVE";
};
// DynamoDB's TableDescription for `table`.
json describe(const table_info& table, const describe_context& context);
std::string table_arn(const table_info& table, const describe_context& context);
// A KeySchema list ([{AttributeName, KeyType}]) for `keys`.
json key_schema_json(const key_schema& keys);

// Validates a CreateTable request and builds the table it describes (ids left 0). Throws
// ValidationException with DynamoDB's wording for every invalid combination. Pure: the caller
// applies the result (ids, storage) only once it has returned.
table_info parse_create_table(const json& request);

struct attribute_definition {
  std::string name;
  std::string type;  // S, N or B
};
// An AttributeDefinitions list, in request order: names distinct, types S, N or B.
std::vector<attribute_definition> parse_attribute_definitions(const json& definitions);

// Validates one GlobalSecondaryIndex definition against `table` (billing mode) and
// `attribute_definitions`, which must define its keys (for CreateTable and the Create action of
// UpdateTable's GlobalSecondaryIndexUpdates), and returns it (id left 0).
index_info parse_global_index(const json& definition, const table_info& table,
                              const std::vector<attribute_definition>& attribute_definitions);

// A ProvisionedThroughput member (`member` names it in messages): both units, integers from 1.
json parse_throughput(const json& throughput, std::string_view member);

// Throws if the table's indexes project more NonKeyAttributes in all than DynamoDB allows.
void check_projected_attributes(const table_info& table);

// ---- tags ----

// DynamoDB's quota of tags per resource.
inline constexpr std::size_t max_tags = 50;
struct tag {
  std::string key;
  std::string value;
};
// The Tags member of CreateTable or TagResource: at most max_tags, each Key 1-128 and Value 0-256
// characters; a key given twice keeps the later value. The count is checked before any entry is
// read.
std::vector<tag> parse_tags(const json& tags);
// The error for a resource that would hold more than max_tags tags.
[[noreturn]] void throw_too_many_tags();
// [{Key, Value}] as DynamoDB lists tags, and back.
json tags_json(const std::vector<tag>& tags);
std::vector<tag> tags_of(const table_info& table);

// Validates a table or index name and throws DynamoDB's ValidationException if it is invalid.
// `member` is the request member for the message ("tableName", "indexName").
void validate_table_name(const json& name, std::string_view member);

}  // namespace fogbank::dynamodb
