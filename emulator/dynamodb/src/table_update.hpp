#pragma once
// UpdateTable as parse -> typed settings -> apply. parse_update_table reads the request alone
// (every member's type, enum and number, every count limit) and takes no lock; apply_update
// checks the settings against the table as it is now and returns the table as it will be. Both
// throw before anything is changed: the caller writes only what apply_update returned.

#include "table_model.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fogbank::dynamodb {

struct global_index_update {
  enum class action { create, update, remove };
  action what = action::create;
  std::string index_name;       // update, remove
  json definition;              // create: the GlobalSecondaryIndex definition, checked by apply_update
  json provisioned_throughput;  // update: {ReadCapacityUnits, WriteCapacityUnits}, checked; null when absent
};

struct table_update {
  std::optional<std::string> billing_mode;     // PROVISIONED or PAY_PER_REQUEST
  std::optional<json> provisioned_throughput;  // checked {ReadCapacityUnits, WriteCapacityUnits}
  std::optional<bool> deletion_protection;
  std::optional<bool> stream_enabled;  // StreamSpecification.StreamEnabled
  std::string stream_view_type;        // set when stream_enabled is true
  std::vector<attribute_definition> attribute_definitions;
  std::vector<global_index_update> index_updates;  // at most one create or remove (DynamoDB's limit)
};

// Reads an UpdateTable request (TableName excepted). Throws ValidationException,
// SerializationException, or LimitExceededException for more than one index created or deleted.
table_update parse_update_table(const json& request);

// `current` with `update` applied, or the ValidationException / ResourceNotFoundException
// DynamoDB answers. A created index has id 0 (the caller allocates it); a removed index is
// absent; the stream fields are left to the caller (open_stream / close_stream). Attribute
// definitions change only by the keys of a created index; a definition that gives an attribute
// the table already keys on a different type is refused if the new index uses it ("Attributes
// cannot be redefined"), else ignored, as DynamoDB does.
table_info apply_update(const table_info& current, const table_update& update);

}  // namespace fogbank::dynamodb
