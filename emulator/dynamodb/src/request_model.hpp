#pragma once
// DynamoDB's and DynamoDB Streams' request shapes, as their front end checks them before any
// operation runs: each member's JSON type and its constraints (required, length, range, pattern,
// enum). The tables are generated from botocore's models, with DynamoDB's own reporting orders,
// by tools/gen_request_model.py (request_model_dynamodb.cpp, request_model_streams.cpp);
// request_validation.hpp walks them.

#include <cstdint>
#include <limits>
#include <span>
#include <string_view>

namespace fogbank::dynamodb::request_model {

enum class kind : unsigned char {
  structure,
  list,
  map,
  string,
  integer,
  long_integer,
  boolean,
  blob,
  double_number,
  timestamp,
  // Not walked: attribute_value.cpp validates AttributeValues with DynamoDB's own messages.
  attribute_value,
};

// The patterns the model's walked shapes carry, each with a matcher in request_validation.cpp.
enum class pattern_kind : unsigned char { none, table_name };

// An index into the shape table.
using shape_index = unsigned short;

struct member {
  std::string_view name;  // as on the wire: "TableName"
  shape_index shape;
  bool required;
};

inline constexpr std::int64_t no_limit = std::numeric_limits<std::int64_t>::min();

struct shape {
  std::string_view name;  // botocore's shape name: "KeySchemaElement"
  kind type;
  // structure: members in the order DynamoDB reports them
  std::span<const member> members = {};
  // list: the element's shape; map: the value's shape
  shape_index element = 0;
  // map: the key's shape
  shape_index key = 0;
  // length (strings, lists, maps) or value (numbers) bounds, or no_limit
  std::int64_t min = no_limit;
  std::int64_t max = no_limit;
  pattern_kind pattern = pattern_kind::none;
  // enum values in the order DynamoDB lists them in its message
  std::span<const std::string_view> enum_values = {};
};

struct operation {
  std::string_view name;  // "PutItem"
  shape_index input;
};

// One service's shapes and the operations it serves.
struct service_model {
  std::span<const shape> shapes;
  std::span<const operation> operations;  // sorted by name

  const shape& at(shape_index index) const noexcept { return shapes[index]; }
  // The operation called `name`, or nullptr.
  const operation* find_operation(std::string_view name) const noexcept;
};

// DynamoDB 2012-08-10 (request_model_dynamodb.cpp, generated).
const service_model& dynamodb_model() noexcept;
// DynamoDB Streams 2012-08-10 (request_model_streams.cpp, generated).
const service_model& streams_model() noexcept;

}  // namespace fogbank::dynamodb::request_model
