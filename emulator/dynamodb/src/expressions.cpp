#include "expressions.hpp"

#include "attribute_value.hpp"
#include "expression_parser.hpp"
#include "expression_tree.hpp"
#include "fogbank/core/aws_error.hpp"

#include <algorithm>
#include <map>

namespace fogbank::dynamodb {
namespace {

// Placeholder keys: '#' or ':' then letters, digits or '_' (dynalite validations/index.js;
// DynamoDB answers e.g. `ExpressionAttributeNames contains invalid key: Syntax error; key:
// "#sryLiyD8D-"`, quoted in 4ossiblellc/dynamodb-update-expression#13).
bool valid_placeholder(std::string_view key, char sigil) {
  if (key.size() < 2 || key[0] != sigil) return false;
  return std::all_of(key.begin() + 1, key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

void check_map(const json* map, std::string_view member, char sigil) {
  if (map == nullptr || map->is_null()) return;
  if (!map->is_object()) {
    throw core::aws_error(core::error_code::serialization, map->is_array()
                                                               ? "Start of list found where not expected"
                                                               : "Expected map or null");
  }
  if (map->empty()) core::throw_validation(std::string(member) + " must not be empty");
  for (const auto& [key, value] : map->items()) {
    if (!valid_placeholder(key, sigil)) {
      core::throw_validation(std::string(member) + " contains invalid key: Syntax error; key: \"" + key +
                             "\"");
    }
    if (sigil == '#') {
      if (!value.is_string()) {
        throw core::aws_error(core::error_code::serialization,
                              value.is_object() ? "Start of structure or map found where not expected."
                                                : "Expected string");  // wording unconfirmed
      }
      if (value.get_ref<const std::string&>().empty()) {
        // As DynamoDB answers it (quoted by applications that match on it, e.g. "... for key #DE").
        core::throw_validation(std::string(member) +
                               " contains invalid value: Empty attribute name for key " + key);
      }
      // A name it maps to is held to the attribute name limit (the start of the message
      // measured in ExtendDB/extenddb#365 for SET #n = :v; its end assumed the same as PutItem's).
      check_attribute_name(value.get_ref<const std::string&>());
    } else {
      try {
        validate_value(value);
      } catch (const core::aws_error& e) {
        // A name too large inside the value is reported bare, as for an item (ExtendDB/extenddb#365:
        // "SET doc = :v" with a long nested key answers PutItem's message).
        if (e.code() != core::error_code::validation || e.message() == attribute_name_too_large_message)
          throw;
        // dynalite validations/index.js: "... contains invalid value: <why> for key <key>".
        core::throw_validation(std::string(member) + " contains invalid value: " + e.message() + " for key " +
                               key);
      }
    }
  }
}

void check_used(const json* map, const std::set<std::string, std::less<>>& used, std::string_view member) {
  if (map == nullptr || !map->is_object()) return;
  std::string unused;
  for (const auto& [key, value] : map->items()) {
    if (used.contains(key)) continue;
    if (!unused.empty()) unused += ", ";
    unused += key;
  }
  if (!unused.empty()) {
    core::throw_validation("Value provided in " + std::string(member) + " unused in expressions: keys: {" +
                           unused + "}");
  }
}

}  // namespace

// ---- Paths and placeholders ------------------------------------------------------------------

std::string to_string(const attribute_path& path) {
  std::string out;
  for (const auto& element : path) {
    if (element.index) {
      out += '[';
      out += std::to_string(*element.index);
      out += ']';
    } else {
      if (!out.empty()) out += '.';
      out += element.name;
    }
  }
  return out;
}

expression_attributes::expression_attributes(const json* names, const json* values)
    : names_(names != nullptr && !names->is_null() ? names : nullptr),
      values_(values != nullptr && !values->is_null() ? values : nullptr) {
  check_map(names_, "ExpressionAttributeNames", '#');
  check_map(values_, "ExpressionAttributeValues", ':');
}

const std::string* expression_attributes::find_name(std::string_view placeholder) {
  if (names_ == nullptr) return nullptr;
  const auto it = names_->find(placeholder);
  if (it == names_->end()) return nullptr;
  used_names_.emplace(placeholder);
  return &it->get_ref<const std::string&>();
}

const json* expression_attributes::find_value(std::string_view placeholder) {
  if (values_ == nullptr) return nullptr;
  const auto it = values_->find(placeholder);
  if (it == values_->end()) return nullptr;
  used_values_.emplace(placeholder);
  return &*it;
}

const std::string& expression_attributes::name(std::string_view placeholder, std::string_view parameter) {
  const std::string* found = find_name(placeholder);
  if (found == nullptr) {
    core::throw_validation(
        "Invalid " + std::string(parameter) +
        ": An expression attribute name used in the document path is not defined; attribute name: " +
        std::string(placeholder));
  }
  return *found;
}

const json& expression_attributes::value(std::string_view placeholder, std::string_view parameter) {
  const json* found = find_value(placeholder);
  if (found == nullptr) {
    core::throw_validation(
        "Invalid " + std::string(parameter) +
        ": An expression attribute value used in expression is not defined; attribute value: " +
        std::string(placeholder));
  }
  return *found;
}

void expression_attributes::check_all_used() const {
  check_used(names_, used_names_, "ExpressionAttributeNames");
  check_used(values_, used_values_, "ExpressionAttributeValues");
}

// ---- Conditions and updates ------------------------------------------------------------------

std::shared_ptr<const condition> parse_condition(std::string_view text, expression_attributes& attributes,
                                                 std::string_view parameter) {
  expression_parser parser(text, attributes, parameter, expression_parser::mode::condition);
  return std::make_shared<const condition>(parser.parse_condition());
}

std::shared_ptr<const update> parse_update(std::string_view text, expression_attributes& attributes) {
  expression_parser parser(text, attributes, "UpdateExpression", expression_parser::mode::update);
  return std::make_shared<const update>(parser.parse_update());
}

// ---- Projections -----------------------------------------------------------------------------

projection parse_projection(std::string_view text, expression_attributes& attributes) {
  expression_parser parser(text, attributes, "ProjectionExpression", expression_parser::mode::projection);
  return projection{parser.parse_projection()};
}

namespace {

// The projected parts of one value: either the whole value, or some members of a map, or
// some elements of a list (kept by original index, emitted compacted in index order).
struct projected {
  const json* whole = nullptr;
  std::map<std::string, projected, std::less<>> members;
  std::map<std::size_t, projected> elements;
};

json emit(const projected& p) {
  if (p.whole != nullptr) return *p.whole;
  if (!p.elements.empty()) {
    json list = json::array();
    for (const auto& [index, element] : p.elements) list.push_back(emit(element));
    return json{{"L", std::move(list)}};
  }
  json map = json::object();
  for (const auto& [name, member] : p.members) map[name] = emit(member);
  return json{{"M", std::move(map)}};
}

}  // namespace

json project(const projection& p, const json& item) {
  projected root;
  for (const auto& path : p.paths) {
    const json* value = find_path(item, path);
    if (value == nullptr) continue;
    // Overlapping paths are rejected at parse time, so a node is never both whole and partial.
    projected* node = &root;
    for (std::size_t i = 0; i < path.size(); ++i) {
      node = path[i].index ? &node->elements[*path[i].index] : &node->members[path[i].name];
    }
    node->whole = value;
  }
  json out = json::object();
  for (const auto& [name, member] : root.members) out[name] = emit(member);
  return out;
}

}  // namespace fogbank::dynamodb
