// PartiQL statements as typed item requests (partiql_translate.hpp). Recursion here follows the
// parsed tree, whose depth the parser bounds (max_depth; AND/OR chains are n-ary).

#include "partiql_translate.hpp"

#include "fogbank/core/aws_error.hpp"

#include <map>
#include <set>

namespace fogbank::dynamodb::partiql {
namespace {

using core::throw_validation;

// Builds expression text with placeholders for names and values.
class builder {
 public:
  explicit builder(const json& parameters) : parameters_(parameters) {}

  std::string name(const std::string& attribute) {
    auto [it, inserted] = name_ids_.emplace(attribute, "");
    if (inserted) {
      it->second = "#n" + std::to_string(name_ids_.size() - 1);
      names_[it->second] = attribute;
    }
    return it->second;
  }

  std::string value(json attribute_value) {
    std::string id = ":v" + std::to_string(values_.size());
    values_[id] = std::move(attribute_value);
    return id;
  }

  std::string render_path(const path& p) {
    std::string out;
    for (const auto& part : p) {
      if (part.index) {
        out += "[" + std::to_string(*part.index) + "]";
      } else {
        if (!out.empty()) out += ".";
        out += name(part.name);
      }
    }
    return out;
  }

  // A value node as an AttributeValue.
  json resolve(const node& n) {
    switch (n.kind) {
      case node_kind::literal:
        return n.literal;
      case node_kind::parameter:
        if (!parameters_.is_array() || n.parameter >= parameters_.size()) {
          throw_validation("Number of parameters in request and statement don't match.");
        }
        return parameters_[n.parameter];
      case node_kind::map: {
        json members = json::object();
        for (std::size_t i = 0; i < n.keys.size(); ++i) {
          if (members.contains(n.keys[i])) {
            throw_validation("Duplicate keys in tuple. Key: " + n.keys[i]);  // DynamoDB Local (shortened)
          }
          members[n.keys[i]] = resolve(*n.children[i]);
        }
        return {{"M", std::move(members)}};
      }
      case node_kind::list: {
        json elements = json::array();
        for (const auto& child : n.children) elements.push_back(resolve(*child));
        return {{"L", std::move(elements)}};
      }
      case node_kind::bag: {
        // DynamoDB Local: only string and number literals form sets; a `?` inside one fails too.
        if (n.children.empty()) throw_validation("Empty bags are not supported");
        std::string type;
        json members = json::array();
        for (const auto& child : n.children) {
          const bool scalar = child->kind == node_kind::literal &&
                              (child->literal.contains("S") || child->literal.contains("N"));
          const std::string t = scalar ? std::string(child->literal.contains("S") ? "S" : "N") : "";
          if (!scalar || (!type.empty() && t != type)) {
            throw_validation(
                "Unsupported data type in Bag. DynamoDB only supports either numbers or strings in bags");
          }
          type = t;
          members.push_back(child->literal[t]);
        }
        return {{type + "S", std::move(members)}};
      }
      case node_kind::missing:
        throw_validation("MISSING must be compared using IS operator");
      default:
        throw_validation("Unsupported data type: expression where a value belongs");  // unconfirmed
    }
  }

  static bool is_value(const node& n) {
    return n.kind == node_kind::literal || n.kind == node_kind::parameter || n.kind == node_kind::map ||
           n.kind == node_kind::list || n.kind == node_kind::bag || n.kind == node_kind::missing;
  }

  // An operand of a condition: a path, a value, or size(path).
  std::string operand(const node& n) {
    if (n.kind == node_kind::path) return render_path(n.path);
    if (is_value(n)) return value(resolve(n));
    if (n.kind == node_kind::call && n.op == "size") return call(n);
    if (n.kind == node_kind::arithmetic) {
      throw_validation("Unsupported operator in Condition Expression. Operator: " + n.op);
    }
    throw_validation("WHERE clause must contain an expression that resolves to a boolean");
  }

  // A call without arguments: the expression language has no such call (`size()` is a syntax
  // error there), so it is refused here, in the expression language's words for a wrong operand
  // count (PartiQL's own wording unconfirmed), rather than translated into one.
  static void refuse_empty_call(const node& n) {
    if (!n.children.empty()) return;
    throw_validation("Incorrect number of operands for operator or function; operator or function: " + n.op +
                     ", number of operands: 0");
  }

  std::string call(const node& n) {
    static const std::set<std::string> functions{
        "begins_with", "contains", "attribute_type", "attribute_exists", "attribute_not_exists", "size"};
    if (functions.count(n.op) == 0) throw_validation("Unrecognized function: " + n.op);
    refuse_empty_call(n);
    std::string out = n.op + "(";
    for (std::size_t i = 0; i < n.children.size(); ++i) {
      if (i > 0) out += ", ";
      out += operand(*n.children[i]);
    }
    return out + ")";
  }

  std::string condition(const node& n) {
    switch (n.kind) {
      case node_kind::conjunction:
      case node_kind::disjunction: {
        // Parentheses only where precedence needs them (an OR inside an AND): DynamoDB refuses
        // redundant ones ("The expression has redundant parentheses;"). No rendering starts
        // with a parenthesis, so none is ever doubled.
        std::string out;
        for (const auto& child : n.children) {
          if (!out.empty()) out += n.kind == node_kind::conjunction ? " AND " : " OR ";
          const bool wrap = n.kind == node_kind::conjunction && child->kind == node_kind::disjunction;
          out += wrap ? "(" + condition(*child) + ")" : condition(*child);
        }
        return out;
      }
      case node_kind::negation:
        return "NOT (" + condition(*n.children[0]) + ")";
      case node_kind::compare:
        return operand(*n.children[0]) + " " + n.op + " " + operand(*n.children[1]);
      case node_kind::between:
        return operand(*n.children[0]) + " BETWEEN " + operand(*n.children[1]) + " AND " +
               operand(*n.children[2]);
      case node_kind::in: {
        if (n.children[0]->kind != node_kind::path) {
          throw_validation(
              "IN operator must have a left hand argument of type Variable Reference and right hand argument "
              "of type Seq with at least one member");
        }
        std::string out = operand(*n.children[0]) + " IN (";
        const node& list = *n.children[1];
        for (std::size_t i = 0; i < list.children.size(); ++i) {
          if (i > 0) out += ", ";
          out += operand(*list.children[i]);
        }
        return out + ")";
      }
      case node_kind::is:
        return is(n);
      case node_kind::call:
        if (n.op == "size") break;
        return call(n);
      default:
        break;
    }
    throw_validation("WHERE clause must contain an expression that resolves to a boolean");
  }

  std::string is(const node& n) {
    if (n.children[0]->kind != node_kind::path) {
      throw_validation("The left hand side argument to IS must be a Variable Reference, Literal, or Path");
    }
    const std::string target = render_path(n.children[0]->path);
    if (n.op == "MISSING") {
      return (n.negated ? "attribute_exists(" : "attribute_not_exists(") + target + ")";
    }
    static const std::map<std::string, std::string> types{
        {"NULL", "NULL"}, {"BOOLEAN", "BOOL"}, {"BLOB", "B"},  {"STRING", "S"},
        {"NUMERIC", "N"}, {"STRUCT", "M"},     {"TUPLE", "M"}, {"LIST", "L"}};
    auto type = types.find(n.op);
    if (type == types.end()) {
      throw_validation(
          "Unsupported data type for IS operator: " + n.op +
          ". Supported data types are [MISSING, NULL, BOOLEAN, BLOB, STRING, NUMERIC, STRUCT, TUPLE, "
          "LIST]");
    }
    const std::string test = "attribute_type(" + target + ", " + value({{"S", type->second}}) + ")";
    return n.negated ? "NOT " + test : test;
  }

  // The right side of SET: a value, a path, `a + b`, list_append, if_not_exists.
  std::string update_operand(const node& n, bool nested = false) {
    if (n.kind == node_kind::arithmetic) {
      // DynamoDB's SET takes one + or - between two operands, and none inside a function.
      if (nested)
        throw_validation("Unsupported operator in Update Expression. Operator: " + n.op);  // unconfirmed
      const bool inner =
          n.children[0]->kind == node_kind::arithmetic || n.children[1]->kind == node_kind::arithmetic;
      if (inner)
        throw_validation("Unsupported operator in Update Expression. Operator: " + n.op);  // unconfirmed
      return update_operand(*n.children[0]) + " " + n.op + " " + update_operand(*n.children[1]);
    }
    if (n.kind == node_kind::call && (n.op == "list_append" || n.op == "if_not_exists")) {
      refuse_empty_call(n);
      std::string out = n.op + "(";
      for (std::size_t i = 0; i < n.children.size(); ++i) {
        if (i > 0) out += ", ";
        out += update_operand(*n.children[i], true);
      }
      return out + ")";
    }
    if (n.kind == node_kind::path) return render_path(n.path);
    if (is_value(n)) return value(resolve(n));
    if (n.kind == node_kind::call) throw_validation("Unrecognized function: " + n.op);
    throw_validation("Unsupported operator in Update Expression. Operator: " + n.op);
  }

  // Puts the names and values used so far into `request`.
  void finish(json& request) const {
    if (!names_.empty()) request["ExpressionAttributeNames"] = names_;
    if (!values_.empty()) request["ExpressionAttributeValues"] = values_;
  }

 private:
  const json& parameters_;
  std::map<std::string, std::string> name_ids_;
  json names_ = json::object();
  json values_ = json::object();
};

// The top-level conjuncts of WHERE.
std::vector<const node*> conjuncts(const node* where) {
  std::vector<const node*> out;
  if (!where) return out;
  if (where->kind == node_kind::conjunction) {
    for (const auto& child : where->children) out.push_back(child.get());
  } else {
    out.push_back(where);
  }
  return out;
}

bool is_attribute(const node& n, const std::string& attribute) {
  return n.kind == node_kind::path && n.path.size() == 1 && !n.path[0].index && n.path[0].name == attribute;
}

// For `attribute = value` (either way round), the value side.
const node* equality_value(const node& c, const std::string& attribute) {
  if (c.kind != node_kind::compare || c.op != "=") return nullptr;
  const node& left = *c.children[0];
  const node& right = *c.children[1];
  if (is_attribute(left, attribute) && builder::is_value(right) && right.kind != node_kind::missing)
    return &right;
  if (is_attribute(right, attribute) && builder::is_value(left) && left.kind != node_kind::missing)
    return &left;
  return nullptr;
}

// Whether any path in `n` starts at one of `attributes`.
bool mentions(const node& n, const std::vector<std::string>& attributes) {
  if (n.kind == node_kind::path) {
    for (const auto& a : attributes) {
      if (!n.path.empty() && n.path[0].name == a) return true;
    }
  }
  for (const auto& child : n.children) {
    if (mentions(*child, attributes)) return true;
  }
  return false;
}

// Whether `c` can be a Query's sort-key condition on `range`.
bool is_range_condition(const node& c, const std::string& range) {
  if (c.kind == node_kind::compare && c.op != "<>") {
    return is_attribute(*c.children[0], range) && builder::is_value(*c.children[1]);
  }
  if (c.kind == node_kind::between) {
    return is_attribute(*c.children[0], range) && builder::is_value(*c.children[1]) &&
           builder::is_value(*c.children[2]);
  }
  if (c.kind == node_kind::call && c.op == "begins_with" && c.children.size() == 2) {
    return is_attribute(*c.children[0], range) && builder::is_value(*c.children[1]);
  }
  return false;
}

std::vector<std::string> key_names(const key_schema& keys) {
  std::vector<std::string> out{keys.hash};
  if (keys.range) out.push_back(*keys.range);
  return out;
}

// The key equalities of a statement that must name one item, and the other conjuncts.
struct key_split {
  json key = json::object();
  std::vector<const node*> rest;
};

key_split split_key(const statement& s, const json& parameters, const table_info& table, builder& b) {
  key_split out;
  std::vector<const node*> all = conjuncts(s.where.get());
  std::vector<bool> used(all.size(), false);
  for (const auto& attribute : key_names(table.keys)) {
    bool found = false;
    for (std::size_t i = 0; i < all.size() && !found; ++i) {
      if (used[i]) continue;
      if (const node* v = equality_value(*all[i], attribute)) {
        json value = b.resolve(*v);
        auto type = table.attribute_types.find(attribute);
        if (type != table.attribute_types.end() && (!value.is_object() || !value.contains(type->second))) {
          throw_validation("Key attribute's data type should match its data type in table's schema: Key " +
                           attribute);
        }
        out.key[attribute] = std::move(value);
        used[i] = found = true;
      }
    }
    if (!found) throw_validation("Where clause does not contain a mandatory equality on all key attributes");
  }
  (void)parameters;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (!used[i]) out.rest.push_back(all[i]);
  }
  return out;
}

// `first` (conditions with no top-level OR) and `parts`, ANDed; an OR among several is
// parenthesized, and nothing else is (see builder::condition).
std::string join_conditions(builder& b, const std::vector<const node*>& parts,
                            const std::vector<std::string>& first = {}) {
  const std::size_t total = first.size() + parts.size();
  std::string out;
  for (const auto& text : first) out += (out.empty() ? "" : " AND ") + text;
  for (const node* part : parts) {
    std::string text = b.condition(*part);
    if (total > 1 && part->kind == node_kind::disjunction) text = "(" + text + ")";
    out += (out.empty() ? "" : " AND ") + text;
  }
  return out;
}

}  // namespace

void check_parameter_count(const statement& s, const json& parameters) {
  const std::size_t given = parameters.is_array() ? parameters.size() : 0;
  if (given < s.parameter_count)
    throw_validation("Number of parameters in request and statement don't match.");
}

read_plan plan_select(const statement& s, const json& parameters, const table_info& table) {
  key_schema keys = table.keys;
  read_plan out;
  out.request = {{"TableName", table.name}};
  if (s.index) {
    const index_info* index = table.find_index(*s.index);
    if (!index) {
      // unconfirmed: DynamoDB's Query wording for an unknown index.
      throw_validation("The table does not have the specified index: " + *s.index);
    }
    keys = index->keys;
    out.request["IndexName"] = *s.index;
  }
  builder b(parameters);
  std::vector<const node*> all = conjuncts(s.where.get());
  // A Query when WHERE holds an equality on the partition key and nothing else that a Query's
  // filter could not hold (key attributes); otherwise a Scan with all of WHERE as its filter.
  // An index with multi-attribute keys is read by a Scan filtered by all of WHERE: the same items,
  // without planning a Query over several key attributes (unconfirmed whether DynamoDB plans one).
  const node* hash_conjunct = nullptr;
  for (const node* c : keys.multi_attribute() ? std::vector<const node*>{} : all) {
    if (equality_value(*c, keys.hash)) {
      hash_conjunct = c;
      break;
    }
  }
  const node* range_conjunct = nullptr;
  std::vector<const node*> filters;
  if (hash_conjunct) {
    for (const node* c : all) {
      if (c == hash_conjunct) continue;
      if (!range_conjunct && keys.range && is_range_condition(*c, *keys.range)) {
        range_conjunct = c;
      } else {
        filters.push_back(c);
      }
    }
    for (const node* f : filters) {
      if (mentions(*f, key_names(keys))) hash_conjunct = nullptr;
    }
  }
  if (hash_conjunct) {
    out.operation = "Query";
    // Written path first, whichever way round the statement has it.
    std::string key_condition = b.render_path(path{{keys.hash, std::nullopt}}) + " = " +
                                b.operand(*equality_value(*hash_conjunct, keys.hash));
    if (range_conjunct) key_condition += " AND " + b.condition(*range_conjunct);
    out.request["KeyConditionExpression"] = key_condition;
    if (!filters.empty()) out.request["FilterExpression"] = join_conditions(b, filters);
  } else {
    out.operation = "Scan";
    if (s.where) out.request["FilterExpression"] = b.condition(*s.where);
  }
  b.finish(out.request);
  return out;
}

json plan_key_read(const statement& s, const json& parameters, const table_info& table,
                   const std::string& message) {
  if (s.kind != statement_kind::select) throw_validation(message);
  builder b(parameters);
  key_split split;
  try {
    split = split_key(s, parameters, table, b);
  } catch (const core::aws_error& error) {
    if (error.message().rfind("Where clause", 0) == 0) throw_validation(message);
    throw;
  }
  if (!split.rest.empty()) throw_validation(message);
  return split.key;
}

write_plan plan_write(const statement& s, const json& parameters, const table_info& table) {
  write_plan out;
  builder b(parameters);
  json& request = out.request;
  request = {{"TableName", table.name}};
  if (s.kind == statement_kind::insert) {
    out.operation = "PutItem";
    json item = b.resolve(*s.item);
    if (!item.is_object() || !item.contains("M")) {
      throw_validation(
          "Unsupported format in item expression. Please use struct format {...} to express item values for "
          "insert statement.");
    }
    for (const auto& attribute : key_names(table.keys)) {
      const json& members = item["M"];
      if (!members.contains(attribute))
        throw_validation("Key attribute should be present in the item: Key " + attribute);
      auto type = table.attribute_types.find(attribute);
      if (type != table.attribute_types.end() &&
          (!members[attribute].is_object() || !members[attribute].contains(type->second))) {
        throw_validation("Key attribute's data type should match its data type in table's schema: Key " +
                         attribute);
      }
    }
    request["Item"] = std::move(item["M"]);
    request["ConditionExpression"] = "attribute_not_exists(" + b.name(table.keys.hash) + ")";
    b.finish(request);
    return out;
  }

  key_split split = split_key(s, parameters, table, b);
  request["Key"] = split.key;
  if (s.kind == statement_kind::update) {
    out.operation = "UpdateItem";
    std::string set_actions;
    std::string remove_actions;
    std::string add_actions;
    std::string delete_actions;
    auto append = [](std::string& list, const std::string& action) {
      list += (list.empty() ? "" : ", ") + action;
    };
    for (const auto& action : s.assignments) {
      const std::string target = b.render_path(action.target);
      if (action.remove) {
        append(remove_actions, target);
        continue;
      }
      const node& value = *action.value;
      if (value.kind == node_kind::call && (value.op == "set_add" || value.op == "set_delete")) {
        // DynamoDB Local's rules: SET s = set_add(s, <<...>>) is ADD s ...
        const std::string which = value.op == "set_add" ? "ADD" : "DELETE";
        if (value.children.size() != 2) throw_validation("SET_" + which + " must have exactly two arguments");
        if (value.children[0]->kind != node_kind::path ||
            value.children[0]->path.size() != action.target.size() ||
            b.render_path(value.children[0]->path) != target) {
          throw_validation("The first argument to SET_" + which + " must equal the assignment value");
        }
        const node& operand = *value.children[1];
        if (!builder::is_value(operand)) {
          throw_validation("The second argument to SET_" + which + " must be a value with type SET");
        }
        json set = b.resolve(operand);
        if (!set.is_object() || !(set.contains("SS") || set.contains("NS") || set.contains("BS"))) {
          throw_validation("The second argument to SET_" + which + " must be a value with type SET");
        }
        append(which == "ADD" ? add_actions : delete_actions, target + " " + b.value(std::move(set)));
        continue;
      }
      append(set_actions, target + " = " + b.update_operand(value));
    }
    std::string update;
    if (!set_actions.empty()) update += "SET " + set_actions;
    if (!remove_actions.empty())
      update += (update.empty() ? "" : " ") + std::string("REMOVE ") + remove_actions;
    if (!add_actions.empty()) update += (update.empty() ? "" : " ") + std::string("ADD ") + add_actions;
    if (!delete_actions.empty())
      update += (update.empty() ? "" : " ") + std::string("DELETE ") + delete_actions;
    request["UpdateExpression"] = update;
    // An UPDATE changes an existing item only: of a missing one DynamoDB answers
    // ConditionalCheckFailedException (DynamoDB Local recordings: "update a row that does not exist").
    request["ConditionExpression"] =
        join_conditions(b, split.rest, {"attribute_exists(" + b.name(table.keys.hash) + ")"});
  } else if (s.kind == statement_kind::remove) {
    out.operation = "DeleteItem";
    // DELETE of a missing item succeeds (DynamoDB Local recordings); the rest of WHERE is a
    // condition on an item that exists. OR binds loosest, so the rest needs no parentheses.
    if (!split.rest.empty()) {
      request["ConditionExpression"] =
          "attribute_not_exists(" + b.name(table.keys.hash) + ") OR " + join_conditions(b, split.rest);
    }
  } else if (s.kind == statement_kind::exists) {
    out.operation = "ConditionCheck";
    if (split.rest.empty()) {
      throw_validation("EXISTS() must contain a single item read with additional condition");
    }
    request["ConditionExpression"] = join_conditions(b, split.rest);
  } else {
    throw_validation("Unsupported operation in transaction.");  // a SELECT: callers route those elsewhere
  }
  b.finish(request);
  return out;
}

json value_at(const json& item, const path& p) {
  const json* current = nullptr;
  for (const auto& part : p) {
    if (!current) {
      if (part.index) return nullptr;
      auto it = item.find(part.name);
      if (it == item.end()) return nullptr;
      current = &*it;
      continue;
    }
    if (part.index) {
      auto list = current->find("L");
      if (list == current->end() || !list->is_array() || *part.index >= list->size()) return nullptr;
      current = &(*list)[*part.index];
    } else {
      auto map = current->find("M");
      if (map == current->end() || !map->is_object()) return nullptr;
      auto it = map->find(part.name);
      if (it == map->end()) return nullptr;
      current = &*it;
    }
  }
  return current ? *current : json();
}

json project_result(const statement& s, const json& item) {
  if (s.select_all) return item;
  json out = json::object();
  for (const auto& p : s.projection) {
    json value = value_at(item, p);
    if (!value.is_null()) out[result_label(p)] = std::move(value);
  }
  return out;
}

}  // namespace fogbank::dynamodb::partiql
