#pragma once
// PartiQL for DynamoDB: the statements ExecuteStatement, BatchExecuteStatement and
// ExecuteTransaction take, parsed into a small tree. Execution (partiql_execute.cpp) translates
// a parsed statement into the typed requests the item operations already take (GetItem, Query,
// Scan, PutItem, UpdateItem, DeleteItem, TransactGetItems, TransactWriteItems), with every name
// and value as an expression placeholder, so one expression evaluator serves both languages.
//
// The dialect is DynamoDB's subset (developerguide/ql-reference.*): SELECT with a projection
// list or *, FROM "table" or "table"."index", WHERE with comparisons, BETWEEN, IN, IS [NOT]
// MISSING / NULL, AND, OR, NOT and the functions begins_with, contains, attribute_type, size,
// attribute_exists, attribute_not_exists; INSERT INTO t VALUE {...}; UPDATE t SET/REMOVE ...
// WHERE; DELETE FROM t WHERE; EXISTS(SELECT ...) in transactions; `?` parameters; RETURNING.
// Messages are DynamoDB's where they are known: DynamoDB Local's ValidationExceptionMessages
// (ddb.partiql.shared.exceptions, the PartiQL front end AWS ships in DynamoDB Local) and
// recordings of DynamoDB Local 3.2/3.3 (dbimp's DynamoDB notes); the parse-error envelope
// "Statement wasn't well formed, can't be processed: <detail>" is confirmed against DynamoDB
// (nubo-db/dynoxide#149); the details after the colon are `unconfirmed` except "Expected data
// manipulation" and "Unexpected keyword".

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fogbank::dynamodb::partiql {

using json = nlohmann::json;

// botocore's PartiQLStatement shape: 1 to 8192 characters (DynamoDB Local answers a longer one
// "Member must have length less than or equal to 8192").
inline constexpr std::size_t max_statement_length = 8192;
// How deep expressions and literal values may nest (parentheses, NOT, maps, lists). DynamoDB
// nests documents 32 levels; 64 leaves room for parentheses around them, and keeps the
// recursive descent far from the stack's end on any thread.
inline constexpr int max_depth = 64;

// One step of a document path: an attribute or map key, or a list index.
struct path_part {
  std::string name;                    // empty for an index
  std::optional<std::uint32_t> index;  // set for [n]
};
using path = std::vector<path_part>;

enum class node_kind {
  path,       // a document path
  literal,    // a scalar literal: `literal` holds its AttributeValue
  missing,    // the MISSING literal (only after IS)
  parameter,  // `?`: `parameter` is its position, from 0
  map,        // {'k': v, ...}: `keys` and `children` in order
  list,       // [v, ...]
  bag,        // <<v, ...>> (a set)
  compare,    // children[0] op children[1]; op is = <> < <= > >=
  between,    // children[0] BETWEEN children[1] AND children[2]
  in,         // children[0] IN children[1] (a list)
  conjunction,
  disjunction,
  negation,
  is,         // children[0] IS [NOT] (MISSING | NULL | type): op is the upper-cased word
  call,       // op(children...): op lower-cased
  arithmetic  // children[0] op children[1]; op is + or -
};

struct node {
  node_kind kind = node_kind::literal;
  std::string op;
  bool negated = false;  // IS NOT
  partiql::path path;
  json literal;
  std::size_t parameter = 0;
  std::vector<std::string> keys;
  std::vector<std::unique_ptr<node>> children;
};
using node_ptr = std::unique_ptr<node>;

enum class statement_kind { select, insert, update, remove, exists };

// One SET or REMOVE action of an UPDATE, in statement order.
struct assignment {
  bool remove = false;
  partiql::path target;
  node_ptr value;  // SET only
};

struct statement {
  statement_kind kind = statement_kind::select;
  std::string table;
  std::optional<std::string> index;  // SELECT ... FROM "table"."index"
  bool select_all = false;           // SELECT *
  std::vector<partiql::path> projection;
  node_ptr item;  // INSERT's VALUE
  std::vector<assignment> assignments;
  node_ptr where;                   // null when absent
  std::string returning;            // "" or e.g. "ALL OLD" (RETURNING <this> *)
  std::size_t parameter_count = 0;  // how many `?` the statement holds
  bool is_read() const { return kind == statement_kind::select; }
};

// Parses one statement (an optional trailing semicolon; -- and /* */ comments). Throws
// ValidationException: "Statement wasn't well formed, can't be processed: <detail>" for
// syntax, DynamoDB's own messages for what it parses but refuses (e.g. "Unsupported clause:
// LIMIT"). Never recurses deeper than max_depth.
statement parse(std::string_view text);

// The path as DynamoDB names a projected path in a result: its last attribute name with the
// indexes after it ("m.k[1]" -> "k[1]").
std::string result_label(const partiql::path& path);

// `detail` in the parse-error envelope.
[[noreturn]] void throw_malformed(const std::string& detail);

}  // namespace fogbank::dynamodb::partiql
