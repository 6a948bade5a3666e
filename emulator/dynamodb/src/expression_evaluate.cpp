// Evaluation of parsed conditions over an item. On the hot path of every conditional write,
// Query and Scan filter: it walks the tree and the item in place, and allocates only where a
// size() result must be compared with a number or binary data must be decoded.

#include "expression_tree.hpp"

#include <algorithm>
#include <string_view>

namespace fogbank::dynamodb {
namespace {

// An operand's value for one item: an AttributeValue (in the item or the tree), or the
// result of size(), or nothing (a missing attribute, or size() of a type without one).
struct resolved {
  const json* value = nullptr;
  const core::decimal* number = nullptr;  // value's number when parsed ahead of time
  std::optional<std::size_t> size;
  bool present() const { return value != nullptr || size.has_value(); }
};

std::size_t base64_decoded_length(std::string_view text) {
  std::size_t padding = 0;
  while (!text.empty() && text.back() == '=') {
    text.remove_suffix(1);
    ++padding;
  }
  return (text.size() + padding) / 4 * 3 - padding;
}

// size() as DynamoDB defines it: string length in bytes, binary length, number of elements of
// a set or list, number of members of a map. Other types have no size.
std::optional<std::size_t> size_of(const json& value) {
  const json& inner = value.begin().value();
  switch (type_of(value)) {
    case value_type::S:
      return inner.get_ref<const std::string&>().size();
    case value_type::B:
      return base64_decoded_length(inner.get_ref<const std::string&>());
    case value_type::SS:
    case value_type::NS:
    case value_type::BS:
    case value_type::L:
    case value_type::M:
      return inner.size();
    default:
      return std::nullopt;
  }
}

const json& inner_of(const json& value) {
  return value.begin().value();
}

resolved resolve(const operand& o, const json& item) {
  resolved r;
  switch (o.what) {
    case operand::kind::path:
      r.value = find_path(item, o.path);
      break;
    case operand::kind::value:
      if (!o.value.is_null()) {
        r.value = &o.value;
        if (o.number) r.number = &*o.number;
      }
      break;
    case operand::kind::function:
      if (o.function == function_id::size && o.args.size() == 1) {
        const resolved arg = resolve(o.args[0], item);
        if (arg.value != nullptr) r.size = size_of(*arg.value);
      }
      break;
  }
  return r;
}

core::decimal decimal_of_size(std::size_t n) {
  return std::get<core::decimal>(core::decimal::parse(std::to_string(n)));
}

// The number an operand stands for when compared with a size(), if it is an N.
std::optional<core::decimal> number_for_size(const resolved& r) {
  if (r.size) return decimal_of_size(*r.size);
  if (r.value == nullptr || type_of(*r.value) != value_type::N) return std::nullopt;
  if (r.number != nullptr) return *r.number;
  return number_of(*r.value);
}

// Order of two operands: nullopt when they are not comparable (missing, different types,
// or types without an order).
std::optional<int> compare(const resolved& a, const resolved& b) {
  if (!a.present() || !b.present()) return std::nullopt;
  if (a.size && b.size) return *a.size < *b.size ? -1 : (*a.size > *b.size ? 1 : 0);
  if (a.size || b.size) {
    const auto x = number_for_size(a);
    const auto y = number_for_size(b);
    if (!x || !y) return std::nullopt;
    const auto order = *x <=> *y;
    return order < 0 ? -1 : (order > 0 ? 1 : 0);
  }
  if (a.number != nullptr && b.number != nullptr) {
    const auto order = *a.number <=> *b.number;
    return order < 0 ? -1 : (order > 0 ? 1 : 0);
  }
  return compare_scalars(*a.value, *b.value);
}

bool equal(const resolved& a, const resolved& b) {
  if (!a.present() || !b.present()) return false;
  if (a.size || b.size) {
    const auto order = compare(a, b);
    return order && *order == 0;
  }
  return values_equal(*a.value, *b.value);
}

bool begins_with(const resolved& a, const resolved& b) {
  if (a.value == nullptr || b.value == nullptr) return false;
  const auto type = type_of(*a.value);
  if (type != type_of(*b.value)) return false;
  const auto& text = inner_of(*a.value).get_ref<const std::string&>();
  const auto& prefix = inner_of(*b.value).get_ref<const std::string&>();
  if (type == value_type::S) return std::string_view(text).starts_with(prefix);
  if (type == value_type::B) {
    const auto bytes = base64_decode(text);
    const auto prefix_bytes = base64_decode(prefix);
    return bytes && prefix_bytes && std::string_view(*bytes).starts_with(*prefix_bytes);
  }
  return false;
}

bool set_contains_number(const json& elements, const json& number) {
  const core::decimal wanted = number_of(number);
  for (const auto& element : elements) {
    const auto parsed = core::decimal::parse(element.get_ref<const std::string&>());
    if (const auto* d = std::get_if<core::decimal>(&parsed); d != nullptr && *d == wanted) return true;
  }
  return false;
}

bool contains(const resolved& a, const resolved& b) {
  if (a.value == nullptr || b.value == nullptr) return false;
  const auto outer = type_of(*a.value);
  const auto element = type_of(*b.value);
  const json& haystack = inner_of(*a.value);
  const json& needle = inner_of(*b.value);
  switch (outer) {
    case value_type::S:
      return element == value_type::S && haystack.get_ref<const std::string&>().find(
                                             needle.get_ref<const std::string&>()) != std::string::npos;
    case value_type::B: {
      if (element != value_type::B) return false;
      const auto bytes = base64_decode(haystack.get_ref<const std::string&>());
      const auto part = base64_decode(needle.get_ref<const std::string&>());
      return bytes && part && bytes->find(*part) != std::string::npos;
    }
    case value_type::SS:
    case value_type::BS:
      if (element != (outer == value_type::SS ? value_type::S : value_type::B)) return false;
      return std::find(haystack.begin(), haystack.end(), needle) != haystack.end();
    case value_type::NS:
      return element == value_type::N && set_contains_number(haystack, *b.value);
    case value_type::L:
      for (const auto& member : haystack) {
        if (values_equal(member, *b.value)) return true;
      }
      return false;
    default:
      return false;
  }
}

bool evaluate_function(const operand& call, const json& item) {
  switch (call.function) {
    case function_id::attribute_exists:
      return resolve(call.args[0], item).value != nullptr;
    case function_id::attribute_not_exists:
      return resolve(call.args[0], item).value == nullptr;
    case function_id::attribute_type: {
      const auto value = resolve(call.args[0], item);
      const auto type = resolve(call.args[1], item);
      if (value.value == nullptr || type.value == nullptr || type_of(*type.value) != value_type::S)
        return false;
      return type_name(type_of(*value.value)) == inner_of(*type.value).get_ref<const std::string&>();
    }
    case function_id::begins_with:
      return begins_with(resolve(call.args[0], item), resolve(call.args[1], item));
    case function_id::contains:
      return contains(resolve(call.args[0], item), resolve(call.args[1], item));
    default:
      return false;  // size() alone, if_not_exists(), list_append(): rejected at parse time
  }
}

bool evaluate_condition(const condition& c, const json& item) {
  switch (c.what) {
    case condition::kind::and_:
      return evaluate_condition(c.children[0], item) && evaluate_condition(c.children[1], item);
    case condition::kind::or_:
      return evaluate_condition(c.children[0], item) || evaluate_condition(c.children[1], item);
    case condition::kind::not_:
      return !evaluate_condition(c.children[0], item);
    case condition::kind::function:
      return evaluate_function(c.operands[0], item);
    case condition::kind::eq:
      return equal(resolve(c.operands[0], item), resolve(c.operands[1], item));
    case condition::kind::ne:
      // A missing attribute is "not equal" to anything (alternator pins the same behaviour).
      return !equal(resolve(c.operands[0], item), resolve(c.operands[1], item));
    case condition::kind::lt:
    case condition::kind::le:
    case condition::kind::gt:
    case condition::kind::ge: {
      const auto order = compare(resolve(c.operands[0], item), resolve(c.operands[1], item));
      if (!order) return false;
      switch (c.what) {
        case condition::kind::lt:
          return *order < 0;
        case condition::kind::le:
          return *order <= 0;
        case condition::kind::gt:
          return *order > 0;
        default:
          return *order >= 0;
      }
    }
    case condition::kind::between: {
      const auto value = resolve(c.operands[0], item);
      const auto low = compare(value, resolve(c.operands[1], item));
      if (!low || *low < 0) return false;
      const auto high = compare(value, resolve(c.operands[2], item));
      return high && *high <= 0;
    }
    case condition::kind::in: {
      const auto value = resolve(c.operands[0], item);
      for (std::size_t i = 1; i < c.operands.size(); ++i) {
        if (equal(value, resolve(c.operands[i], item))) return true;
      }
      return false;
    }
  }
  return false;
}

}  // namespace

const json* find_path(const json& item, const attribute_path& path) {
  return find_path(item, path, path.size());
}

const json* find_path(const json& item, const attribute_path& path, std::size_t length) {
  if (!item.is_object() || length == 0 || path[0].index) return nullptr;
  const auto top = item.find(path[0].name);
  if (top == item.end()) return nullptr;
  const json* current = &*top;
  for (std::size_t i = 1; i < length; ++i) {
    if (!current->is_object() || current->size() != 1) return nullptr;
    const auto member = current->begin();
    if (path[i].index) {
      if (member.key() != "L" || *path[i].index >= member->size()) return nullptr;
      current = &(*member)[*path[i].index];
    } else {
      if (member.key() != "M") return nullptr;
      const auto next = member->find(path[i].name);
      if (next == member->end()) return nullptr;
      current = &*next;
    }
  }
  return current;
}

bool evaluate(const condition& c, const json& item) {
  return evaluate_condition(c, item);
}

}  // namespace fogbank::dynamodb
