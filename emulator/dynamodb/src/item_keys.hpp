#pragma once
// Primary and index keys: validating them as DynamoDB does, and encoding them into storage keys
// whose byte order is DynamoDB's key order (S by UTF-8 bytes, N numerically, B by bytes).
//
//   item key:        u32 table id | key(hash) [| key(range)]
//   index entry key: u32 index id | key(index hash) [| key(index range)] | key(hash) [| key(range)]
//
// Each key(...) is prefix-free, so "all items of partition h" is the prefix u32 | key(h).

#include "fogbank/storage/database.hpp"
#include "table_model.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace fogbank::dynamodb {

// DynamoDB's key size limits
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html).
inline constexpr std::size_t max_hash_key_bytes = 2048;
inline constexpr std::size_t max_range_key_bytes = 1024;

// Appends the ordered, prefix-free encoding of a key attribute value (S, N or B).
void append_key_value(std::string& out, const json& value);
// The encoding of the S or B value `prefix` without its terminator: every key value that
// begins with `prefix` has an encoding that starts with these bytes (for begins_with).
std::string key_value_prefix(const json& prefix);

std::string table_prefix(std::uint32_t table_id);
// The storage key of the item whose primary key attributes are in `item` (validated).
std::string item_storage_key(const table_info& table, const json& item);
// The storage key of `item`'s entry in `index`, or nullopt when the item lacks the index's key
// attributes (sparse indexes), has them with another type, or has a value an index key cannot
// hold (empty, or over the key size limit: left out by a backfill, refused by a write).
std::optional<std::string> index_storage_key(const table_info& table, const index_info& index,
                                             const json& item);
// The storage key `item` may have an entry under in `index`, the value checks aside: data written
// before fogbank refused index key values over the size limits (or backfilled empty ones) can hold
// such entries, so an update or delete erases at this key.
std::optional<std::string> possible_index_key(const table_info& table, const index_info& index,
                                              const json& item);
// The same storage key, unchecked: `item` has every key attribute of the table and of `index`,
// with its declared type (a validated ExclusiveStartKey).
std::string index_entry_key(const table_info& table, const index_info& index, const json& item);

// The Key parameter of GetItem/DeleteItem/UpdateItem/...: exactly the table's key attributes with
// their declared types. Throws ValidationException "The provided key element does not match
// the schema" otherwise, and the key-size errors. Returns `key` itself (an item of the key).
// `wording` chooses the empty-value message: DynamoDB words it differently for GetItem.
// `values`: whether validate_item has already been through the key's values (GetItem, UpdateItem
// and DeleteItem validate their Key parameter first, as DynamoDB's deserializer does); if so they are
// not validated a second time (a sixth of a GetItem's validate_key).
enum class key_wording { write, get };
enum class key_values { unchecked, validated };
const json& validate_key(const table_info& table, const json& key, key_wording wording = key_wording::write,
                         key_values values = key_values::unchecked);

// The key attributes of an item to be written (PutItem): present, of the declared type, not
// empty, within size limits; and index key attributes, when present, of the declared type.
// Throws DynamoDB's ValidationException otherwise.
void validate_item_keys(const table_info& table, const json& item);

// The primary key attributes of `item` (and of `index`, when given), as LastEvaluatedKey shows.
json key_of(const table_info& table, const json& item, const index_info* index = nullptr);

// The attributes of `item` that `index` projects.
json project_for_index(const table_info& table, const index_info& index, const json& item);

// Call after a loop over `it` ends: throws InternalServerError if the iterator stopped on a
// storage error rather than at the end of its range, so that a failed read is never taken for
// the end of the data (and nothing computed from the partial scan is written or returned).
void check_iteration(const storage::iterator& it);

// Adds to `batch` the erasure of every key under `prefix` of `column`; throws (and the caller
// commits nothing) if the scan stops on a storage error, so a table, index or backup is never
// half erased.
void erase_prefix(storage::database& db, storage::write_batch& batch, storage::column column,
                  const std::string& prefix);

}  // namespace fogbank::dynamodb
