#pragma once
// DynamoDB's expression language: ConditionExpression, FilterExpression, KeyConditionExpression,
// ProjectionExpression and UpdateExpression. Each is parsed once into a tree, with its
// #name and :value placeholders resolved at parse time, then evaluated over plain JSON items
// (no storage involved). Errors are core::aws_error(ValidationException) worded as DynamoDB
// words them, e.g. "Invalid ConditionExpression: Syntax error; token: \"<\", near: \"a <\"".

#include "attribute_value.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace fogbank::dynamodb {

// ---- Limits ----------------------------------------------------------------------------------
// Checked by every parser below as it goes, so that no expression can exhaust the stack or make
// the work grow faster than its text.

// DynamoDB's quota on operators in any one expression
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-expression-parameters):
// comparisons, BETWEEN, IN, AND, OR, NOT, and + and - in SET. Functions are not counted
// (alternator's test_limits.py, run against DynamoDB).
inline constexpr std::size_t max_operators = 300;
// How deep parentheses and function calls may nest. DynamoDB documents no such limit; 300 admits
// every expression the operator quota admits with one operator per level (e.g. 150 levels of
// "a < b OR (...)"). A level of parenthesised condition costs the parser about 3 KB of stack
// (measured: 300 levels need under 900 KB in a RelWithDebInfo build), far from the 8 MB of a
// request thread even with a sanitizer's larger frames.
inline constexpr std::size_t max_nesting_depth = 300;
// "The maximum depth for a document path is 32. Therefore, the number of dereferences operators
// in a path cannot exceed this limit." (developer guide, Expressions.Attributes.html)
inline constexpr std::size_t max_path_dereferences = 32;
// The largest list index a document path may name.
inline constexpr std::size_t max_list_index = 2147483647;
// DynamoDB's documented limit on the operands of IN.
inline constexpr std::size_t max_in_operands = 100;

// The message DynamoDB answers an expression with more than max_operators operators, without
// the "Invalid <parameter>: " prefix. DynamoDB stops counting at the first operator too many, so
// the count is always 301 (alternator's test_limits.py; aws/aws-sdk-js#3721).
std::string too_many_operators_message();
// "The IN operator is provided with too many operands; number of operands: <n>" (wording from a
// DynamoDB error quoted in reapit/foundations#8255), without the prefix.
std::string too_many_in_operands_message(std::size_t operands);

// One step of a document path: a member name (`a`, `#n` resolved) or a list index (`[2]`).
struct path_element {
  std::string name;                  // set when !index
  std::optional<std::size_t> index;  // set for list elements
  bool operator==(const path_element&) const = default;
};
// A document path such as a.b[2].c. Never empty.
using attribute_path = std::vector<path_element>;
// "a.b[2].c": the path as DynamoDB prints it in error messages.
std::string to_string(const attribute_path& path);

// The ExpressionAttributeNames and ExpressionAttributeValues of one request, and which of them
// the request's expressions used. Parse every expression of a request with the same object,
// then call check_all_used().
class expression_attributes {
 public:
  // `names` and `values` are the request members, or null when absent. Throws
  // ValidationException when present but malformed (e.g. "ExpressionAttributeValues must not
  // be empty", a value that is not a valid AttributeValue).
  expression_attributes(const json* names, const json* values);

  // Resolves "#n" / ":v"; throws ValidationException ("... An expression attribute name used
  // in the document path is not defined; attribute name: #n", "... An expression attribute
  // value used in expression is not defined; attribute value: :v") naming `parameter`.
  const std::string& name(std::string_view placeholder, std::string_view parameter);
  const json& value(std::string_view placeholder, std::string_view parameter);

  // As name() / value(), but null instead of throwing when `placeholder` is not defined. The
  // parsers use these because DynamoDB reports an undefined placeholder only after other
  // problems found anywhere in the expression (e.g. a reserved word). Marks it used if found.
  const std::string* find_name(std::string_view placeholder);
  const json* find_value(std::string_view placeholder);

  // Throws ValidationException "Value provided in ExpressionAttributeNames unused in
  // expressions: keys: {#a, #b}" (or ...Values...) if any placeholder was never used.
  void check_all_used() const;

 private:
  const json* names_;
  const json* values_;
  // Sets, not lists: a request may use thousands of placeholders (legacy parameters are
  // translated into them), and each use is looked up.
  std::set<std::string, std::less<>> used_names_;
  std::set<std::string, std::less<>> used_values_;
};

// ---- Condition and filter expressions --------------------------------------------------------

struct condition;  // the parsed tree; opaque

// Parses a ConditionExpression or FilterExpression; `parameter` is the request member name used
// in error messages ("ConditionExpression", "FilterExpression").
std::shared_ptr<const condition> parse_condition(std::string_view text, expression_attributes& attributes,
                                                 std::string_view parameter);
// True if `item` (a JSON object; empty for an item that does not exist) satisfies `c`.
// Comparisons between different types are false, as in DynamoDB. Never throws for any item.
bool evaluate(const condition& c, const json& item);

// ---- Update expressions ----------------------------------------------------------------------

struct update;  // the parsed tree; opaque

// Parses an UpdateExpression (SET, REMOVE, ADD, DELETE clauses). Rejects overlapping or
// conflicting paths ("Invalid UpdateExpression: Two document paths overlap with each other;
// must remove or rewrite one of these paths; path one: [a], path two: [a, b]").
std::shared_ptr<const update> parse_update(std::string_view text, expression_attributes& attributes);

// Applies `u` to `item` in place (`item` is an empty object when the item is new). Throws
// ValidationException for run-time errors with DynamoDB's wording, e.g. "The provided
// expression refers to an attribute that does not exist in the item", "An operand in the update
// expression has an incorrect data type". On throw `item` may be partly modified: callers apply
// to a copy.
void apply(const update& u, json& item);

// The document paths that `u` sets, removes, adds to or deletes from, in expression order.
// Used to reject updates of key attributes and for ReturnValues UPDATED_OLD / UPDATED_NEW.
const std::vector<attribute_path>& updated_paths(const update& u);

// True if every action of `u` takes something away (REMOVE, DELETE from a set): such an update
// does not create an item that does not exist.
bool only_removes(const update& u);

// ---- Projection expressions ------------------------------------------------------------------

struct projection {
  std::vector<attribute_path> paths;
};
// Parses a ProjectionExpression ("a, b.c, #n[1]"). Rejects overlapping paths as DynamoDB does.
projection parse_projection(std::string_view text, expression_attributes& attributes);
// The parts of `item` named by `p`; list elements keep their relative order and are compacted
// as DynamoDB does. Attributes absent from the item are simply left out.
json project(const projection& p, const json& item);

// ---- Key condition expressions ---------------------------------------------------------------

struct key_condition {
  enum class op { eq, lt, le, gt, ge, between, begins_with };
  struct term {
    std::string attribute;  // resolved top-level attribute name
    op comparison;
    json value;   // the (first) operand
    json value2;  // BETWEEN's upper bound, else null
  };
  // One or two terms joined by AND. Which term is the hash key (must be eq) and which the sort
  // key is checked by the caller against the table's key schema.
  std::vector<term> terms;
};
// Parses a KeyConditionExpression: `k = :v`, optionally AND one of `s = :v`, `s < :v`,
// `s <= :v`, `s > :v`, `s >= :v`, `s BETWEEN :a AND :b`, `begins_with(s, :p)`. Anything else
// (OR, NOT, nested paths, functions other than begins_with, more than two terms) is the
// ValidationException DynamoDB gives for it.
// `max_terms` is more than 2 only for a GSI with multi-attribute keys (one term per key attribute).
key_condition parse_key_condition(std::string_view text, expression_attributes& attributes,
                                  std::size_t max_terms = 2);
// The two steps of parse_key_condition, for a Query, which reports a problem in the grammar of
// any of its expressions (and an unused placeholder) before narrowing its key condition
// (dynalite's validations/index.js: validateExpressions, then convertKeyCondition).
std::shared_ptr<const condition> parse_key_condition_grammar(std::string_view text,
                                                             expression_attributes& attributes);
key_condition narrow_key_condition(const condition& parsed, std::size_t max_terms = 2);

}  // namespace fogbank::dynamodb
