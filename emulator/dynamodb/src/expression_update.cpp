// Applying a parsed UpdateExpression to an item.
//
// DynamoDB evaluates every right-hand side against the item as it was before the update
// ("SET x = :v, y = x" copies the old x), and list indexes in REMOVE and SET name positions in
// the old list ("REMOVE a[1] SET a[3] = :v" changes the element that was fourth). Both are
// pinned by alternator's test_update_expression.py, which runs against DynamoDB. So: compute
// all SET values first, then apply SETs in path order (elements set past a list's end are
// appended in index order, as the developer guide says), then ADD and DELETE, and REMOVE last,
// highest index first, so that no removal shifts an index another action still refers to.

#include "expression_tree.hpp"
#include "fogbank/core/aws_error.hpp"

#include <algorithm>
#include <numeric>

namespace fogbank::dynamodb {
namespace {

// Run-time messages: the wording of DynamoDB's UpdateItem errors as listed in the SDK
// documentation of TransactionCanceledException and quoted in alternator's tests.
constexpr const char* missing_attribute =
    "The provided expression refers to an attribute that does not exist in the item";
constexpr const char* wrong_type = "An operand in the update expression has an incorrect data type";
constexpr const char* invalid_path =
    "The document path provided in the update expression is invalid for update";

json* find_path_mutable(json& item, const attribute_path& path, std::size_t length) {
  // The same walk as conditions use; the item is ours to modify, so dropping const is sound.
  return const_cast<json*>(find_path(item, path, length));
}

// The list or map (the inner JSON array/object) that holds the last element of `path`, or null.
json* container_of(json& item, const attribute_path& path) {
  json* parent = find_path_mutable(item, path, path.size() - 1);
  if (parent == nullptr || parent->size() != 1) return nullptr;
  auto member = parent->begin();
  const bool want_list = path.back().index.has_value();
  if (member.key() != (want_list ? "L" : "M")) return nullptr;
  return &*member;
}

void assign(json& item, const attribute_path& path, json value) {
  if (path.size() == 1) {
    item[path[0].name] = std::move(value);
    return;
  }
  json* container = container_of(item, path);
  if (container == nullptr) core::throw_validation(invalid_path);
  if (path.back().index) {
    if (*path.back().index < container->size()) {
      (*container)[*path.back().index] = std::move(value);
    } else {
      container->push_back(std::move(value));
    }
  } else {
    (*container)[path.back().name] = std::move(value);
  }
}

void remove(json& item, const attribute_path& path) {
  if (path.size() == 1) {
    item.erase(path[0].name);
    return;
  }
  json* container = container_of(item, path);
  if (container == nullptr) {
    // DynamoDB ignores REMOVE of a nested path when the item does not exist at all, but
    // rejects it on an existing item (alternator: test_nested_attribute_remove_from_missing_item).
    if (item.empty()) return;
    core::throw_validation(invalid_path);
  }
  if (path.back().index) {
    if (*path.back().index < container->size()) container->erase(*path.back().index);
  } else {
    container->erase(path.back().name);
  }
}

core::decimal checked(std::variant<core::decimal, std::string> result) {
  if (auto* error = std::get_if<std::string>(&result)) core::throw_validation(std::move(*error));
  return std::get<core::decimal>(std::move(result));
}

json evaluate_operand(const operand& o, const json& item) {
  switch (o.what) {
    case operand::kind::path: {
      const json* value = find_path(item, o.path);
      if (value == nullptr) core::throw_validation(missing_attribute);
      return *value;
    }
    case operand::kind::value:
      return o.value;
    case operand::kind::function:
      break;
  }
  if (o.function == function_id::if_not_exists) {
    if (const json* existing = find_path(item, o.args[0].path)) return *existing;
    return evaluate_operand(o.args[1], item);
  }
  // list_append
  json first = evaluate_operand(o.args[0], item);
  json second = evaluate_operand(o.args[1], item);
  if (type_of(first) != value_type::L || type_of(second) != value_type::L) core::throw_validation(wrong_type);
  auto& list = first["L"];
  for (auto& element : second["L"]) list.push_back(std::move(element));
  return first;
}

json evaluate_set_value(const set_value& v, const json& item) {
  if (v.what == set_value::kind::single) return evaluate_operand(v.left, item);
  const json left = evaluate_operand(v.left, item);
  const json right = evaluate_operand(v.right, item);
  if (type_of(left) != value_type::N || type_of(right) != value_type::N) core::throw_validation(wrong_type);
  const auto a = number_of(left);
  const auto b = number_of(right);
  return make_number(
      checked(v.what == set_value::kind::plus ? core::decimal::add(a, b) : core::decimal::subtract(a, b)));
}

bool set_element_equal(value_type set_type, const json& a, const json& b) {
  if (set_type != value_type::NS) return a == b;
  const auto x = core::decimal::parse(a.get_ref<const std::string&>());
  const auto y = core::decimal::parse(b.get_ref<const std::string&>());
  return std::holds_alternative<core::decimal>(x) && std::holds_alternative<core::decimal>(y) &&
         std::get<core::decimal>(x) == std::get<core::decimal>(y);
}

bool set_has(value_type set_type, const json& elements, const json& element) {
  return std::any_of(elements.begin(), elements.end(),
                     [&](const json& e) { return set_element_equal(set_type, e, element); });
}

bool is_set(value_type type) {
  return type == value_type::SS || type == value_type::NS || type == value_type::BS;
}

void add(json& item, const attribute_path& path, const json& operand_value) {
  json* current = find_path_mutable(item, path, path.size());
  if (current == nullptr) {
    assign(item, path, operand_value);  // ADD creates the attribute, as if added to 0 or {}
    return;
  }
  const auto type = type_of(*current);
  if (type != type_of(operand_value)) core::throw_validation(wrong_type);
  if (type == value_type::N) {
    *current = make_number(checked(core::decimal::add(number_of(*current), number_of(operand_value))));
    return;
  }
  if (!is_set(type)) core::throw_validation(wrong_type);
  auto& elements = current->begin().value();
  for (const auto& element : operand_value.begin().value()) {
    if (!set_has(type, elements, element)) elements.push_back(element);
  }
}

void del(json& item, const attribute_path& path, const json& operand_value) {
  json* current = find_path_mutable(item, path, path.size());
  if (current == nullptr) return;  // deleting from a missing set does nothing
  const auto type = type_of(*current);
  if (type != type_of(operand_value) || !is_set(type)) core::throw_validation(wrong_type);
  const auto& remove_these = operand_value.begin().value();
  auto& elements = current->begin().value();
  json kept = json::array();
  for (auto& element : elements) {
    if (!set_has(type, remove_these, element)) kept.push_back(std::move(element));
  }
  if (kept.empty()) {
    remove(item, path);  // a set cannot be empty: removing every element removes the attribute
  } else {
    elements = std::move(kept);
  }
}

// Orders paths element by element, list indexes numerically.
bool path_less(const attribute_path& a, const attribute_path& b) {
  const std::size_t common = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < common; ++i) {
    const auto& x = a[i];
    const auto& y = b[i];
    if (x.index.has_value() != y.index.has_value()) return x.index.has_value();
    if (x.index) {
      if (*x.index != *y.index) return *x.index < *y.index;
    } else if (x.name != y.name) {
      return x.name < y.name;
    }
  }
  return a.size() < b.size();
}

}  // namespace

void apply(const update& u, json& item) {
  std::vector<std::size_t> sets;
  std::vector<std::size_t> removes;
  std::vector<json> values(u.actions.size());
  for (std::size_t i = 0; i < u.actions.size(); ++i) {
    const auto& action = u.actions[i];
    if (action.what == update_action::kind::set) {
      values[i] = evaluate_set_value(action.value, item);
      sets.push_back(i);
    } else if (action.what == update_action::kind::remove) {
      removes.push_back(i);
    }
  }
  auto by_path = [&](std::size_t x, std::size_t y) {
    return path_less(u.actions[x].path, u.actions[y].path);
  };
  std::stable_sort(sets.begin(), sets.end(), by_path);
  for (std::size_t i : sets) assign(item, u.actions[i].path, std::move(values[i]));
  for (const auto& action : u.actions) {
    if (action.what == update_action::kind::add) add(item, action.path, action.operand);
    if (action.what == update_action::kind::del) del(item, action.path, action.operand);
  }
  std::stable_sort(removes.begin(), removes.end(), by_path);
  for (auto it = removes.rbegin(); it != removes.rend(); ++it) remove(item, u.actions[*it].path);
}

const std::vector<attribute_path>& updated_paths(const update& u) {
  return u.paths;
}

bool only_removes(const update& u) {
  return !u.actions.empty() && std::all_of(u.actions.begin(), u.actions.end(), [](const update_action& a) {
    return a.what == update_action::kind::remove || a.what == update_action::kind::del;
  });
}

}  // namespace fogbank::dynamodb
