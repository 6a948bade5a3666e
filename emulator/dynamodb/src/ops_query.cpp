// Query and Scan: one paging engine over a bounded range of storage keys, for tables and
// indexes alike. DynamoDB's order of work is kept exactly: read up to Limit items or 1 MB,
// then apply the FilterExpression, then the projection; Count counts what passed the filter,
// ScannedCount what was read.

#include "attribute_value.hpp"
#include "expression_tree.hpp"
#include "expressions.hpp"
#include "fogbank/core/json_text.hpp"
#include "fogbank/storage/key_encoding.hpp"
#include "item_keys.hpp"
#include "item_writes.hpp"
#include "request.hpp"
#include "request_expressions.hpp"
#include "service_impl.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <set>

namespace fogbank::dynamodb {
namespace {

using core::aws_error;
using core::error_code;
using core::throw_validation;

struct read_plan {
  table_ptr table;
  const index_info* index = nullptr;
  std::shared_ptr<const condition> filter;
  std::optional<projection> wanted;
  std::string select;  // ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES, SPECIFIC_ATTRIBUTES, COUNT
  std::optional<std::int64_t> limit;
  bool consistent = false;
  bool forward = true;
  json exclusive_start_key;       // null when absent
  bool fetch_from_table = false;  // LSI queried for attributes it does not project
  bool splice_items = false;      // the caller only writes the answer out (call_context::renders_text)
};

std::string index_prefix(std::uint32_t id) {
  std::string out;
  storage::key::append_u32(out, id);
  return out;
}

// A Query's or Scan's FilterExpression and ProjectionExpression (or their legacy forms), parsed
// before the table is looked up: DynamoDB reports their problems for a table that does not exist
// (dynalite's validations/query.js and scan.js, pinned against DynamoDB).
struct read_expressions {
  std::shared_ptr<const condition> filter;
  std::optional<projection> wanted;
};

read_expressions parse_read_expressions(request_expressions& expressions) {
  read_expressions out;
  if (expressions.filter())
    out.filter = parse_condition(*expressions.filter(), expressions.attributes(), "FilterExpression");
  if (expressions.projection())
    out.wanted = parse_projection(*expressions.projection(), expressions.attributes());
  return out;
}

// Parses the members Query and Scan share: TableName, IndexName, Select, Limit, ConsistentRead,
// ExclusiveStartKey; the expressions come parsed.
read_plan parse_read(const service_impl& service, const json& request, read_expressions parsed,
                     expression_operation operation) {
  read_plan plan;
  plan.table = service.find_table(request["TableName"].get<std::string>());
  if (const json* name = find_member(request, "IndexName")) {
    validate_table_name(*name, "indexName");
    plan.index = plan.table->find_index(name->get<std::string>());
    if (!plan.index) {
      throw_validation("The table does not have the specified index: " + name->get<std::string>());
    }
  }
  plan.limit = optional_integer(request, "Limit");
  if (plan.limit) {
    if (*plan.limit < 1) {
      throw_validation(constraint_message("\'" + std::to_string(*plan.limit) + "\'", "limit",
                                          "Member must have value greater than or equal to 1"));
    }
  }
  plan.consistent = boolean_member(request, "ConsistentRead", false);
  if (plan.consistent && plan.index && plan.index->global) {
    throw_validation("Consistent reads are not supported on global secondary indexes");
  }
  plan.filter = std::move(parsed.filter);
  plan.wanted = std::move(parsed.wanted);
  plan.select =
      optional_enum(request, "Select", "select",
                    {"SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES"}, "");
  if (plan.select.empty()) {
    plan.select = plan.wanted  ? "SPECIFIC_ATTRIBUTES"
                  : plan.index ? "ALL_PROJECTED_ATTRIBUTES"
                               : "ALL_ATTRIBUTES";
  } else {
    // Select against the projection, then against the index. Query's messages carry the
    // "1 validation error detected: " prefix and Scan's do not, as DynamoDB answers (moto's
    // aws_verified test_dynamodb_select.py; emulators' tests pinned against DynamoDB).
    const std::string prefix =
        operation == expression_operation::query ? "1 validation error detected: " : "";
    if (plan.wanted && plan.select != "SPECIFIC_ATTRIBUTES") {
      throw_validation(prefix + "Cannot specify the " +
                       (request.contains("AttributesToGet") ? "AttributesToGet" : "ProjectionExpression") +
                       " when choosing to get " + (plan.select == "COUNT" ? "only the Count" : plan.select));
    }
    if (plan.select == "SPECIFIC_ATTRIBUTES" && !plan.wanted) {
      throw_validation(prefix +
                       "Must specify the AttributesToGet or ProjectionExpression when choosing to get "
                       "SPECIFIC_ATTRIBUTES");
    }
    if (plan.select == "ALL_PROJECTED_ATTRIBUTES" && !plan.index) {
      throw_validation(prefix + "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName");
    }
  }
  if (plan.index && plan.index->projection != projection_type::all &&
      (plan.select == "ALL_ATTRIBUTES" || plan.select == "SPECIFIC_ATTRIBUTES")) {
    // A local index reads the attributes it lacks from the table, as DynamoDB does; a global one
    // cannot (check_global_index_select).
    plan.fetch_from_table = !plan.index->global;
  }
  if (const json* start = find_member(request, "ExclusiveStartKey")) {
    if (!start->is_object()) throw aws_error(error_code::serialization, "Unexpected value type in payload");
    for (const auto& [name, value] : start->items()) validate_value(value);
    plan.exclusive_start_key = *start;
  }
  return plan;
}

// ALL_ATTRIBUTES from a global index that does not project them all. A Query reports it after
// its key and filter checks, a Scan after its index's start key checks (dynalite's
// actions/query.js and scan.js, pinned against DynamoDB).
void check_global_index_select(const read_plan& plan) {
  if (plan.index && plan.index->global && plan.index->projection != projection_type::all &&
      plan.select == "ALL_ATTRIBUTES") {
    throw_validation(
        "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global "
        "secondary index " +
        plan.index->name + " because its projection type is not ALL");
  }
}

// The storage key an ExclusiveStartKey stands for (table or index entry), validated against the
// key schema as DynamoDB does.
std::string start_storage_key(const read_plan& plan) {
  const table_info& table = *plan.table;
  const json& start = plan.exclusive_start_key;
  auto typed = [&](const std::string& name) {
    auto it = start.find(name);
    return it != start.end() && it->contains(table.attribute_types.at(name));
  };
  bool ok = typed(table.keys.hash) && (!table.keys.range || typed(*table.keys.range));
  if (plan.index) {
    for (const auto& name : plan.index->keys.attributes()) ok = ok && typed(name);
  }
  // Exactly the key attributes: every one present with its type, and nothing else.
  if (!ok || start.size() != key_of(table, start, plan.index).size())
    throw_validation(
        "The provided starting key is invalid: The provided key element does not match the schema");
  if (!plan.index) return item_storage_key(table, start);
  return index_entry_key(table, *plan.index, start);
}

json run_page(const service_impl& service, const read_plan& plan, storage::scan_range range,
              const json& request, const std::function<bool(const json&)>& in_segment = {}) {
  const table_info& table = *plan.table;
  const capacity_mode mode = capacity_mode_of(request);
  if (!plan.exclusive_start_key.is_null()) {
    const std::string start = start_storage_key(plan);
    // Keys are prefix-free, so start + '\0' is the least key after start.
    if (plan.forward) {
      range.lower = std::max(range.lower, start + std::string(1, '\0'));
    } else if (!range.upper || start < *range.upper) {
      range.upper = start;
    }
  }
  range.reverse = !plan.forward;
  const storage::column column = plan.index ? storage::column::index_entries : storage::column::items;

  json items = json::array();
  std::int64_t count = 0;
  std::int64_t scanned = 0;
  std::size_t bytes = 0;
  std::size_t entry_bytes = 0;    // read from the index (or the table, without one)
  std::size_t fetched_bytes = 0;  // read from the table for an LSI's unprojected attributes
  json last_key = nullptr;
  auto snapshot = service.db_.take_snapshot();
  const auto it = service.db_.scan(column, range, snapshot.get());
  // Items nothing here reads (no segment, filter or projection, nothing fetched from the table)
  // go into the answer as one text, written from their bytes.
  const bool splice = plan.splice_items && !in_segment && !plan.fetch_from_table && !plan.filter &&
                      !plan.wanted && plan.select != "COUNT";
  std::string items_text = "[";  // the items so far, when they are written from their bytes
  for (; it->valid(); it->next()) {
    if (splice) {
      if (scanned > 0) items_text += ',';
      const std::size_t size = append_item_text(items_text, it->value(), true);
      ++scanned;
      ++count;
      entry_bytes += size;
      bytes += size;
      if ((plan.limit && scanned >= *plan.limit) || bytes >= max_page_bytes) {
        last_key = key_of(table, decode_item(it->value()), plan.index);
        break;
      }
      continue;
    }
    json item = decode_item(it->value());
    if (in_segment && !in_segment(item)) continue;
    std::size_t size = item_size(item);
    entry_bytes += size;
    if (plan.fetch_from_table) {
      if (auto full = service.read_item(table, item_storage_key(table, item), snapshot.get())) {
        item = std::move(*full);
        size = item_size(item);
        fetched_bytes += size;
      }
    }
    ++scanned;
    bytes += size;
    // The last key is taken before the item moves into the page: a copy of every item, and a
    // second item_size, were about a quarter of a Query's time (bench/README.md).
    const bool page_full = (plan.limit && scanned >= *plan.limit) || bytes >= max_page_bytes;
    if (page_full) last_key = key_of(table, item, plan.index);
    if (!plan.filter || evaluate(*plan.filter, item)) {
      ++count;
      if (plan.select != "COUNT")
        items.push_back(plan.wanted ? project(*plan.wanted, item) : std::move(item));
    }
    if (page_full) break;
  }
  check_iteration(*it);
  json response{{"Count", count}, {"ScannedCount", scanned}};
  if (splice) {
    items_text += ']';
    response["Items"] = core::spliced_text(items_text);
  } else if (plan.select != "COUNT") {
    response["Items"] = std::move(items);
  }
  if (!last_key.is_null()) response["LastEvaluatedKey"] = std::move(last_key);
  // One rounding for the page, over everything read before the filter: a Query's items are
  // one read whose total size is rounded up to the next 4 KB, and a filter does not change what
  // was read (read-write-operations.html); an index query, over the index entries
  // (GSI.html#GSI.ThroughputConsiderations.Reads). An LSI query that fetches unprojected attributes also
  // reads the table items: unconfirmed how DynamoDB splits that between Table and the index.
  table_capacity usage;
  if (plan.index) {
    (plan.index->global ? usage.global_indexes : usage.local_indexes)[plan.index->name] =
        read_units(entry_bytes, plan.consistent);
    if (fetched_bytes > 0) usage.table = read_units(fetched_bytes, plan.consistent);
  } else {
    usage.table = read_units(entry_bytes, plan.consistent);
  }
  json capacity = capacity_json(mode, table.name, usage);
  if (!capacity.is_null()) response["ConsumedCapacity"] = std::move(capacity);
  return response;
}

// A Query's key condition terms matched to the key schema: one per partition key attribute
// and, in KeySchema order, one per sort key attribute of a leading run (all but its last one
// equalities). A single-attribute key has at most one sort term.
struct key_terms {
  std::vector<const key_condition::term*> hash;
  std::vector<const key_condition::term*> sort;
};

const key_condition::term* term_for(const key_condition& condition, const std::string& attribute) {
  for (const auto& term : condition.terms) {
    if (term.attribute == attribute) return &term;
  }
  return nullptr;
}

// The key checks of a Query on a single-attribute key schema, with its ExclusiveStartKey, in
// DynamoDB's order (dynalite's actions/query.js, pinned against DynamoDB): the start key's size,
// then key attribute by key attribute (partition key first) the start key's value, then the
// condition on it. `unindexable` names the legacy KeyConditions no key condition can take.
void check_single_attribute_keys(const read_plan& plan, const key_condition& condition,
                                 const std::vector<std::string>& unindexable) {
  const table_info& table = *plan.table;
  const key_schema& keys = plan.index ? plan.index->keys : table.keys;
  const json& start = plan.exclusive_start_key;
  if (!start.is_null()) {
    // As many attributes as the table's and the index's keys have, or the bare message.
    std::size_t names = table.keys.range ? 2 : 1;
    if (plan.index) {
      for (const auto& name : plan.index->keys.attributes()) names += table.is_key_attribute(name) ? 0 : 1;
    }
    if (start.size() != names) throw_validation("The provided starting key is invalid");
  }
  const std::size_t conditions = condition.terms.size() + unindexable.size();
  for (const std::string* attribute : {&keys.hash, keys.range ? &*keys.range : nullptr}) {
    if (attribute == nullptr) break;
    const bool is_hash = attribute == &keys.hash;
    const std::string& type = table.attribute_types.at(*attribute);
    if (!start.is_null()) {
      const auto value = start.find(*attribute);
      if (value == start.end()) throw_validation("The provided starting key is invalid");
      if (!value->contains(type)) throw_validation("The provided key element does not match the schema");
    }
    if (is_hash && !keys.range && conditions > 1) throw_validation("Query key condition not supported");
    const key_condition::term* term = term_for(condition, *attribute);
    if (std::find(unindexable.begin(), unindexable.end(), *attribute) != unindexable.end())
      throw_validation("Attempted conditional constraint is not an indexable operation");
    if (!term) {
      if (is_hash || conditions > 1)
        throw_validation("Query condition missed key schema element: " + *attribute);
      continue;
    }
    for (const json* operand : {&term->value, &term->value2}) {
      if (!operand->is_null() && !operand->contains(type)) {
        throw_validation(
            "One or more parameter values were invalid: Condition parameter type does not match schema type");
      }
    }
    if (is_hash && term->comparison != key_condition::op::eq)
      throw_validation("Query key condition not supported");
  }
}

key_terms match_single_attribute(const key_schema& keys, const key_condition& condition) {
  const key_condition::term* hash_term = nullptr;
  const key_condition::term* range_term = nullptr;
  for (const auto& term : condition.terms) {
    if (term.attribute == keys.hash && !hash_term) {
      hash_term = &term;
    } else if (keys.range && term.attribute == *keys.range && !range_term) {
      range_term = &term;
    } else {
      throw_validation("Query condition missed key schema element: " +
                       (hash_term ? keys.range.value_or(keys.hash) : keys.hash));
    }
  }
  if (!hash_term) throw_validation("Query condition missed key schema element: " + keys.hash);
  if (hash_term->comparison != key_condition::op::eq) throw_validation("Query key condition not supported");
  key_terms out;
  out.hash.push_back(hash_term);
  if (range_term) out.sort.push_back(range_term);
  return out;
}

// A multi-attribute GSI key (developer guide, GSI.DesignPattern.MultiAttributeKeys): every
// partition key attribute with an equality; sort key attributes left to right without a gap,
// all with equalities but the last, which may take any key comparison. AWS pins the error type,
// and that a skipped sort key attribute is named (moto's AWS-verified
// test_dynamodb_multi_attribute_gsi.py; ScyllaDB's test_gsi_composite_keys.py). The sort key
// wording is DynamoDB Local 3.3.1's (floci-io/floci#2471 matches it); the partition key ones are
// DynamoDB's single-attribute wordings, unconfirmed for this case.
key_terms match_multi_attribute(const key_schema& keys, const key_condition& condition) {
  const auto hashes = keys.hash_attributes();
  const auto sorts = keys.range_attributes();
  // The first key attribute without a term: what DynamoDB names when a condition is not on the key.
  auto first_missing = [&]() {
    for (const auto* names : {&hashes, &sorts}) {
      for (const auto& name : *names) {
        if (!term_for(condition, name)) return name;
      }
    }
    return hashes.front();
  };
  for (const auto& term : condition.terms) {
    if (!keys.uses(term.attribute))
      throw_validation("Query condition missed key schema element: " + first_missing());
  }
  key_terms out;
  for (const auto& name : hashes) {
    const key_condition::term* term = term_for(condition, name);
    if (!term) throw_validation("Query condition missed key schema element: " + name);
    out.hash.push_back(term);
  }
  for (const auto* term : out.hash) {
    if (term->comparison != key_condition::op::eq) throw_validation("Query key condition not supported");
  }
  // A condition on a sort key attribute needs an equality on every one before it.
  for (std::size_t later = 1; later < sorts.size(); ++later) {
    if (!term_for(condition, sorts[later])) continue;
    for (std::size_t prior = 0; prior < later; ++prior) {
      const key_condition::term* term = term_for(condition, sorts[prior]);
      if (!term || term->comparison != key_condition::op::eq) {
        throw_validation("RANGE key attributes " + sorts[prior] +
                         " must have equality conditions specified in the query because a condition is "
                         "present on key attribute " +
                         sorts[later]);
      }
    }
  }
  for (const auto& name : sorts) {
    const key_condition::term* term = term_for(condition, name);
    if (!term) break;
    out.sort.push_back(term);
  }
  return out;
}

key_terms match_key_terms(const key_schema& keys, const key_condition& condition) {
  return keys.multi_attribute() ? match_multi_attribute(keys, condition)
                                : match_single_attribute(keys, condition);
}

// The key range of a Query: the partition of the hash values, narrowed by the sort key
// condition (with a multi-attribute sort key: the equalities on its leading attributes, then
// the condition on the last one given).
storage::scan_range query_range(const read_plan& plan, const key_condition& condition) {
  const table_info& table = *plan.table;
  const key_schema& keys = plan.index ? plan.index->keys : table.keys;
  const key_terms matched = match_key_terms(keys, condition);

  auto check_type = [&](const key_condition::term& term) {
    const std::string& type = table.attribute_types.at(term.attribute);
    for (const json* operand : {&term.value, &term.value2}) {
      if (!operand->is_null() && !operand->contains(type)) {
        throw_validation(
            "One or more parameter values were invalid: Condition parameter type does not match schema type");
      }
    }
  };
  for (const auto* term : matched.hash) check_type(*term);
  for (const auto* term : matched.sort) check_type(*term);

  std::string partition = index_prefix(plan.index ? plan.index->id : table.id);
  for (const auto* term : matched.hash) append_key_value(partition, term->value);
  // Equalities on leading sort key attributes narrow the prefix like the partition does.
  for (std::size_t i = 0; i + 1 < matched.sort.size(); ++i)
    append_key_value(partition, matched.sort[i]->value);
  storage::scan_range range;
  range.lower = partition;
  range.upper = storage::key::prefix_successor(partition);
  if (matched.sort.empty()) return range;
  const key_condition::term* range_term = matched.sort.back();
  auto encoded = [&](const json& value) {
    std::string out = partition;
    append_key_value(out, value);
    return out;
  };
  switch (range_term->comparison) {
    case key_condition::op::eq:
      range.lower = encoded(range_term->value);
      range.upper = storage::key::prefix_successor(range.lower);
      break;
    case key_condition::op::lt:
      range.upper = encoded(range_term->value);
      break;
    case key_condition::op::le:
      range.upper = storage::key::prefix_successor(encoded(range_term->value));
      break;
    case key_condition::op::gt:
      range.lower = storage::key::prefix_successor(encoded(range_term->value));
      break;
    case key_condition::op::ge:
      range.lower = encoded(range_term->value);
      break;
    case key_condition::op::between:
      if (compare_scalars(range_term->value, range_term->value2).value_or(0) > 0) {
        throw_validation(
            "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or "
            "equal to lower bound; lower bound operand: AttributeValue: " +
            range_term->value.dump() + ", upper bound operand: AttributeValue: " + range_term->value2.dump());
      }
      range.lower = encoded(range_term->value);
      range.upper = storage::key::prefix_successor(encoded(range_term->value2));
      break;
    case key_condition::op::begins_with:
      if (table.attribute_types.at(range_term->attribute) == "N") {
        throw_validation(
            "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or "
            "function: begins_with, operand type: N");
      }
      range.lower = partition + key_value_prefix(range_term->value);
      range.upper = storage::key::prefix_successor(range.lower);
      break;
  }
  if (range.upper && *range.upper < range.lower) range.upper = range.lower;  // empty range
  return range;
}

// A Query's ExclusiveStartKey must lie in what the query reads: DynamoDB refuses one from another
// partition or outside the sort key condition. Wordings from dynalite's query.js (pinned against
// DynamoDB): without a sort key condition, "outside query boundaries"; with one, the sort key is
// checked first, then the partition ("at most one row and cannot be restarted").
void check_start_key(const read_plan& plan, const key_condition& condition,
                     const storage::scan_range& range) {
  const key_schema& keys = plan.index ? plan.index->keys : plan.table->keys;
  const key_terms matched = match_key_terms(keys, condition);
  (void)start_storage_key(plan);  // the key's shape first: "The provided starting key is invalid: ..."
  const json& start = plan.exclusive_start_key;
  bool same_partition = true;
  for (const auto* term : matched.hash) {
    same_partition = same_partition && compare_scalars(start.at(term->attribute), term->value) == 0;
  }
  if (matched.sort.empty()) {
    if (!same_partition)
      throw_validation("The provided starting key is outside query boundaries based on provided conditions");
    return;
  }
  // The sort key alone, as if in the queried partition: within the range query_range made?
  read_plan moved = plan;
  for (const auto* term : matched.hash) moved.exclusive_start_key[term->attribute] = term->value;
  const std::string key = start_storage_key(moved);
  if (key < range.lower || (range.upper && key >= *range.upper))
    throw_validation("The provided starting key does not match the range key predicate");
  if (!same_partition) throw_validation("The query can return at most one row and cannot be restarted");
}

// How many key conditions a Query may give: 2 (hash and sort key), or one per key attribute for
// a GSI with multi-attribute keys. Looked up without errors: parse_read reports a missing table
// or index in DynamoDB's order.
std::size_t max_key_terms(const service_impl& service, const json& request) {
  const json* table_name = find_member(request, "TableName");
  const json* index_name = find_member(request, "IndexName");
  if (!table_name || !index_name || !table_name->is_string() || !index_name->is_string()) return 2;
  const table_ptr table = service.find_table_or_null(table_name->get_ref<const std::string&>());
  const index_info* index = table ? table->find_index(index_name->get_ref<const std::string&>()) : nullptr;
  return index && index->keys.multi_attribute() ? index->keys.attributes().size() : 2;
}

// Whether `o` reads `attribute` at the top level of an item (a.b[1] reads a), functions'
// arguments included.
bool operand_reads(const operand& o, const std::string& attribute) {
  if (o.what == operand::kind::path) return o.path.front().name == attribute;
  return std::any_of(o.args.begin(), o.args.end(),
                     [&](const operand& arg) { return operand_reads(arg, attribute); });
}

bool condition_reads(const condition& c, const std::string& attribute) {
  return std::any_of(c.operands.begin(), c.operands.end(),
                     [&](const operand& o) { return operand_reads(o, attribute); }) ||
         std::any_of(c.children.begin(), c.children.end(),
                     [&](const condition& child) { return condition_reads(child, attribute); });
}

// A Query's filter may not read a key attribute of what it queries (the table, or the index):
// those belong in the key condition. DynamoDB names the first, in key schema order (dynalite's
// query validation, pinned against DynamoDB; the message as AWS users report it).
void check_filter_reads_no_key(const read_plan& plan, const json& request) {
  if (!plan.filter) return;
  const key_schema& keys = plan.index ? plan.index->keys : plan.table->keys;
  for (const std::string& attribute : keys.attributes()) {
    if (condition_reads(*plan.filter, attribute)) {
      throw_validation(std::string(request.contains("QueryFilter") ? "QueryFilter" : "Filter Expression") +
                       " can only contain non-primary key attributes: Primary key attribute: " + attribute);
    }
  }
}

// The top-level attributes `o` reads through a nested path (a.b, a[1]), functions' arguments
// included.
void collect_nested_heads(const operand& o, std::set<std::string, std::less<>>& heads) {
  if (o.what == operand::kind::path && o.path.size() > 1) heads.insert(o.path.front().name);
  for (const operand& arg : o.args) collect_nested_heads(arg, heads);
}

void collect_nested_heads(const condition& c, std::set<std::string, std::less<>>& heads) {
  for (const operand& o : c.operands) collect_nested_heads(o, heads);
  for (const condition& child : c.children) collect_nested_heads(child, heads);
}

// A key attribute of the table or of any index is a scalar: a filter or projection may not look
// inside it. DynamoDB names the table's keys first, then the indexes' (dynalite's db/index.js
// validateKeyPaths and traverseIndexes, pinned against DynamoDB: GSIs from the last, then LSIs).
void check_scalar_key_paths(const table_info& table, const std::set<std::string, std::less<>>& heads) {
  if (heads.empty()) return;
  const std::string message =
      "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: ";
  for (const std::string* name : {&table.keys.hash, table.keys.range ? &*table.keys.range : nullptr}) {
    if (name != nullptr && heads.contains(*name)) throw_validation(message + "Key: " + *name);
  }
  std::vector<const index_info*> order;
  for (auto it = table.indexes.rbegin(); it != table.indexes.rend(); ++it) {
    if (it->global) order.push_back(&*it);
  }
  for (const auto& index : table.indexes) {
    if (!index.global) order.push_back(&index);
  }
  for (const index_info* index : order) {
    for (const auto& name : index->keys.attributes()) {
      if (heads.contains(name)) throw_validation(message + "IndexKey: " + name);
    }
  }
}

void check_projection_key_paths(const read_plan& plan) {
  if (!plan.wanted) return;
  std::set<std::string, std::less<>> heads;
  for (const auto& path : plan.wanted->paths) {
    if (path.size() > 1) heads.insert(path.front().name);
  }
  check_scalar_key_paths(*plan.table, heads);
}

void check_filter_key_paths(const read_plan& plan) {
  if (!plan.filter) return;
  std::set<std::string, std::less<>> heads;
  collect_nested_heads(*plan.filter, heads);
  check_scalar_key_paths(*plan.table, heads);
}

}  // namespace

json service_impl::query(const json& request, const request_context& context) {
  validate_table_name(request.contains("TableName") ? request["TableName"] : json(), "tableName");
  const std::size_t key_terms_allowed = max_key_terms(*this, request);
  request_expressions expressions(request, expression_operation::query, "attributesToGet", key_terms_allowed);
  // What needs no table first, as DynamoDB checks it (dynalite's validations/query.js): a key
  // condition given, every expression's grammar and placeholders, then the key condition's shape.
  if (!expressions.key_condition() && !find_member(request, "KeyConditions")) {
    throw_validation(
        "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.");
  }
  std::shared_ptr<const condition> key_expression;
  if (expressions.key_condition())
    key_expression = parse_key_condition_grammar(*expressions.key_condition(), expressions.attributes());
  read_expressions parsed = parse_read_expressions(expressions);
  expressions.attributes().check_all_used();
  const key_condition condition =
      key_expression ? narrow_key_condition(*key_expression, key_terms_allowed) : key_condition{};

  read_plan plan = parse_read(*this, request, std::move(parsed), expression_operation::query);
  plan.forward = boolean_member(request, "ScanIndexForward", true);
  const key_schema& keys = plan.index ? plan.index->keys : plan.table->keys;
  const std::vector<std::string>& unindexable = expressions.unindexable_key_conditions();
  if (!keys.multi_attribute()) {
    check_single_attribute_keys(plan, condition, unindexable);
  } else if (!unindexable.empty()) {
    throw_validation("Attempted conditional constraint is not an indexable operation");
  }
  const storage::scan_range range = query_range(plan, condition);
  if (!plan.exclusive_start_key.is_null()) check_start_key(plan, condition, range);
  check_projection_key_paths(plan);
  check_filter_reads_no_key(plan, request);
  check_global_index_select(plan);
  check_filter_key_paths(plan);
  plan.splice_items = context.renders_text;
  return run_page(*this, plan, range, request);
}

json service_impl::scan(const json& request, const request_context& context) {
  validate_table_name(request.contains("TableName") ? request["TableName"] : json(), "tableName");
  request_expressions expressions(request, expression_operation::scan);
  read_expressions parsed = parse_read_expressions(expressions);
  expressions.attributes().check_all_used();
  read_plan plan = parse_read(*this, request, std::move(parsed), expression_operation::scan);
  check_global_index_select(plan);

  const std::optional<std::int64_t> segment = optional_integer(request, "Segment");
  const std::optional<std::int64_t> total = optional_integer(request, "TotalSegments");
  std::function<bool(const json&)> in_segment;
  if (segment || total) {
    // dynalite's scan validation tests, pinned against DynamoDB.
    if (!total) {
      throw_validation(
          "The TotalSegments parameter is required but was not present in the request when Segment parameter "
          "is present");
    }
    if (!segment) {
      throw_validation(
          "The Segment parameter is required but was not present in the request when parameter TotalSegments "
          "is present");
    }
    const auto segments = *total;
    const auto which = *segment;
    if (segments < 1 || segments > 1000000) {
      throw_validation(constraint_message("\'" + std::to_string(segments) + "\'", "totalSegments",
                                          segments < 1
                                              ? "Member must have value greater than or equal to 1"
                                              : "Member must have value less than or equal to 1000000"));
    }
    if (which < 0 || which >= segments) {
      throw_validation(
          "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: " +
          std::to_string(which) + " is not less than TotalSegments: " + std::to_string(segments));
    }
    // An item belongs to the segment chosen by a hash of its partition key, as DynamoDB splits
    // a table by partition.
    const std::string hash_name = plan.table->keys.hash;
    in_segment = [hash_name, segments, which](const json& item) {
      std::string encoded;
      append_key_value(encoded, item.at(hash_name));
      std::uint64_t hash = 14695981039346656037ULL;  // FNV-1a: the same split on every platform and run
      for (unsigned char c : encoded) hash = (hash ^ c) * 1099511628211ULL;
      return static_cast<std::int64_t>(hash % static_cast<std::uint64_t>(segments)) == which;
    };
  }
  // The start key's shape, then keys read through nested paths (dynalite's actions/scan.js).
  if (!plan.exclusive_start_key.is_null()) (void)start_storage_key(plan);
  check_projection_key_paths(plan);
  check_filter_key_paths(plan);
  storage::scan_range range;
  range.lower = index_prefix(plan.index ? plan.index->id : plan.table->id);
  range.upper = storage::key::prefix_successor(range.lower);
  plan.splice_items = context.renders_text;
  return run_page(*this, plan, range, request, in_segment);
}

}  // namespace fogbank::dynamodb
