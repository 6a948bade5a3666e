#pragma once
// The parsed form of condition and update expressions: what the parsers build and the
// evaluators walk. Placeholders are already resolved, values copied out of the request, so a
// tree stays valid after the request is gone.

#include "attribute_value.hpp"
#include "expressions.hpp"
#include "fogbank/core/decimal.hpp"

#include <optional>
#include <string>
#include <vector>

namespace fogbank::dynamodb {

enum class function_id {
  attribute_exists,
  attribute_not_exists,
  attribute_type,
  begins_with,
  contains,
  size,
  if_not_exists,
  list_append,
};

// One operand: a document path, an ExpressionAttributeValues value, or a function call
// (size() in conditions; if_not_exists() and list_append() in updates).
struct operand {
  enum class kind { path, value, function };
  kind what = kind::value;
  attribute_path path;                       // kind::path
  json value;                                // kind::value
  std::optional<core::decimal> number;       // kind::value holding an N: parsed once, at parse time
  function_id function = function_id::size;  // kind::function
  std::vector<operand> args;                 // kind::function
};

struct condition {
  enum class kind { eq, ne, lt, le, gt, ge, between, in, and_, or_, not_, function };
  kind what = kind::eq;
  // Comparisons: two operands; BETWEEN: value, lower, upper; IN: value then the list;
  // function: the call itself as operands[0] (attribute_exists, begins_with, ...).
  std::vector<operand> operands;
  std::vector<condition> children;  // AND / OR: two; NOT: one
};

// The right-hand side of SET: an operand, or operand + operand, or operand - operand.
struct set_value {
  enum class kind { single, plus, minus };
  kind what = kind::single;
  operand left;
  operand right;
};

struct update_action {
  enum class kind { set, remove, add, del };
  kind what = kind::set;
  attribute_path path;
  set_value value;  // kind::set
  json operand;     // kind::add / kind::del: the ExpressionAttributeValues value
};

struct update {
  std::vector<update_action> actions;  // in expression order
  std::vector<attribute_path> paths;   // the target of each action, in expression order
};

// The value at `path` in `item` (an item: attribute name -> AttributeValue), or null if any
// step is missing or of the wrong type. Never allocates.
const json* find_path(const json& item, const attribute_path& path);
// The value at the first `length` elements of `path`, or null.
const json* find_path(const json& item, const attribute_path& path, std::size_t length);

}  // namespace fogbank::dynamodb
