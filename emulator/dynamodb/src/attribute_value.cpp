#include "attribute_value.hpp"

#include "deserializer.hpp"
#include "fogbank/core/aws_error.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <utility>
#include <variant>
#include <vector>

// Where the wording comes from. DynamoDB does not document its validation messages; these follow
// dynalite (github.com/architect/dynalite, validations/index.js), which reproduces them from real
// responses, checked against newer captures where those exist:
//  - ExtendDB issue #100 (a real response to duplicate NS members),
//  - dynoxide issue #110 and floci's DynamoDB tests (nesting limit, captured against AWS),
//  - the AWS "What's New" of 2020-05-18: empty S and B values are allowed outside keys, so the
//    old "may not contain an empty string" checks belong to key validation, not here.
// Type mismatches inside the JSON (a number where a string belongs, a bad base64 blob) are
// rejected by DynamoDB's deserializer before validation runs: SerializationException, in
// deserializer.hpp's wording.

namespace fogbank::dynamodb {
namespace {

using core::aws_error;
using core::error_code;

constexpr std::array<std::pair<std::string_view, value_type>, 10> type_table{{
    {"S", value_type::S},
    {"N", value_type::N},
    {"B", value_type::B},
    {"BOOL", value_type::BOOL},
    {"NULL", value_type::NUL},
    {"M", value_type::M},
    {"L", value_type::L},
    {"SS", value_type::SS},
    {"NS", value_type::NS},
    {"BS", value_type::BS},
}};

// dynalite validateAttributeValue.
constexpr std::string_view empty_value_message =
    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
constexpr std::string_view several_types_message =
    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported "
    "datatypes";
constexpr std::string_view null_not_true_message =
    "One or more parameter values were invalid: Null attribute value types must have the value of true";
// The double space and "An number" are DynamoDB's own (quoted from real responses in
// aws-sdk-net issue #3297 and Sage-Bionetworks/BridgePF PR #905).
constexpr std::string_view empty_ss_message =
    "One or more parameter values were invalid: An string set  may not be empty";
constexpr std::string_view empty_ns_message =
    "One or more parameter values were invalid: An number set  may not be empty";
constexpr std::string_view empty_bs_message =
    "One or more parameter values were invalid: Binary sets should not be empty";
// DynamoDB reports duplicate NS members without the prefix or the members (ExtendDB issue #100).
constexpr std::string_view duplicate_ns_message = "Input collection contains duplicates";
// A JSON null inside a set. Empty strings and binaries are allowed in sets since 2020, so these
// old dynalite messages now only fit a null member; best available wording.
constexpr std::string_view null_in_ss_message =
    "One or more parameter values were invalid: An string set may not have a empty string as a member";
constexpr std::string_view null_in_bs_message =
    "One or more parameter values were invalid: Binary sets may not contain null or empty values";
constexpr std::string_view null_in_ns_message = "The parameter cannot be converted to a numeric value";
// floci's DynamoDB tests, captured against AWS; PutItem adds a "1 validation error detected: "
// prefix, which is the caller's business.
constexpr std::string_view attribute_value_class = "com.amazonaws.dynamodb.v20120810.AttributeValue";
constexpr std::string_view nesting_message =
    "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond "
    "supported limit";

// First pass over a value: the JSON shapes the deserializer enforces, and the nesting limit.
// Unknown members and members whose value is null are ignored, as the deserializer drops them.
// `nesting`: what a value past DynamoDB's nesting limit gets, the ValidationException or (for a
// pass over the types alone, which leaves the limit to validate_value) nothing.
enum class past_limit { refuse, skip };

void check_shape(const json& value, std::size_t level, past_limit nesting = past_limit::refuse) {
  using deserializer::position;
  if (level > max_attribute_nesting) {
    if (nesting == past_limit::skip) return;
    core::throw_validation(std::string(nesting_message));
  }
  if (value.is_null()) return;  // reported as an empty AttributeValue by the second pass
  deserializer::expect_structure(value, "AttributeValue", position::element);
  for (const auto& [name, body] : members_of(value)) {
    const auto type = type_from_name(name);
    if (!type || body.is_null()) continue;
    switch (*type) {
      case value_type::S:
      case value_type::N:
        deserializer::expect_string(body);
        break;
      case value_type::B:
        deserializer::expect_blob(body);
        break;
      case value_type::BOOL:
      case value_type::NUL:
        deserializer::expect_boolean(body, false);
        break;
      case value_type::SS:
      case value_type::NS:
      case value_type::BS:
        deserializer::expect_list(body, position::field);
        for (const auto& member : body) {
          if (member.is_null()) continue;
          if (*type == value_type::BS) {
            deserializer::expect_blob(member);
          } else {
            deserializer::expect_string(member);
          }
        }
        break;
      case value_type::L:
        deserializer::expect_list(body, position::field);
        for (const auto& element : body) check_shape(element, level + 1, nesting);
        break;
      case value_type::M:
        deserializer::expect_map(body, attribute_value_class, position::field);
        for (const auto& [key, element] : members_of(body)) check_shape(element, level + 1, nesting);
        break;
    }
  }
}

[[noreturn]] void throw_nesting() {
  core::throw_validation(std::string(nesting_message));
}

core::decimal parse_number(const std::string& text) {
  auto parsed = core::decimal::parse(text);
  if (auto* message = std::get_if<std::string>(&parsed)) core::throw_validation(std::move(*message));
  return std::get<core::decimal>(parsed);
}

std::optional<core::decimal> try_number(const json& text) {
  if (!text.is_string()) return std::nullopt;
  auto parsed = core::decimal::parse(text.get_ref<const std::string&>());
  if (auto* number = std::get_if<core::decimal>(&parsed)) return *number;
  return std::nullopt;
}

// "[a, b, a]": how DynamoDB lists an offending set in its messages.
std::string collection_text(const json& members) {
  std::string out = "[";
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (i > 0) out += ", ";
    out += members[i].get<std::string>();
  }
  return out + "]";
}

template <typename T>
bool has_duplicates(std::vector<T> values) {
  std::sort(values.begin(), values.end());
  return std::adjacent_find(values.begin(), values.end()) != values.end();
}

// Second pass, in dynalite's order: per member, numbers, NULL, empty sets, set members,
// duplicates, then nested values; the member count last.
void check_value(const json& value) {
  std::size_t members = 0;
  if (value.is_object()) {
    for (const auto& [name, body] : members_of(value)) {
      if (type_from_name(name) && !body.is_null()) ++members;
    }
  }
  if (members == 0) core::throw_validation(std::string(empty_value_message));

  for (const auto& [name, body] : members_of(value)) {
    const auto type = type_from_name(name);
    if (!type || body.is_null()) continue;
    switch (*type) {
      case value_type::S:
      case value_type::B:
      case value_type::BOOL:
        break;
      case value_type::N:
        parse_number(body.get_ref<const std::string&>());
        break;
      case value_type::NUL:
        if (!body.get<bool>()) core::throw_validation(std::string(null_not_true_message));
        break;
      case value_type::SS: {
        if (body.empty()) core::throw_validation(std::string(empty_ss_message));
        std::vector<std::string> texts;
        for (const auto& member : body) {
          if (member.is_null()) core::throw_validation(std::string(null_in_ss_message));
          texts.push_back(member.get<std::string>());
        }
        if (has_duplicates(std::move(texts))) {
          core::throw_validation("One or more parameter values were invalid: Input collection " +
                                 collection_text(body) + " contains duplicates.");
        }
        break;
      }
      case value_type::NS: {
        if (body.empty()) core::throw_validation(std::string(empty_ns_message));
        std::vector<core::decimal> numbers;
        for (const auto& member : body) {
          if (member.is_null()) core::throw_validation(std::string(null_in_ns_message));
          numbers.push_back(parse_number(member.get_ref<const std::string&>()));
        }
        // Numerically: "1" and "1.0" are the same member.
        if (has_duplicates(std::move(numbers))) core::throw_validation(std::string(duplicate_ns_message));
        break;
      }
      case value_type::BS: {
        if (body.empty()) core::throw_validation(std::string(empty_bs_message));
        std::vector<std::string> bytes;
        for (const auto& member : body) {
          if (member.is_null()) core::throw_validation(std::string(null_in_bs_message));
          bytes.push_back(base64_decode(member.get_ref<const std::string&>()).value_or(std::string()));
        }
        // No space before "of": DynamoDB's wording (dynalite; floci's tests against AWS).
        if (has_duplicates(std::move(bytes))) {
          core::throw_validation("One or more parameter values were invalid: Input collection " +
                                 collection_text(body) + "of type BS contains duplicates.");
        }
        break;
      }
      case value_type::L:
        for (const auto& element : body) check_value(element);
        break;
      case value_type::M:
        for (const auto& [key, element] : members_of(body)) {
          check_attribute_name(key);
          check_value(element);
        }
        break;
    }
  }

  if (members > 1) core::throw_validation(std::string(several_types_message));
}

struct typed_body {
  value_type type;
  const json* body;
};

// The type member of a value: the first known member that is not null.
std::optional<typed_body> find_type(const json& value) {
  if (!value.is_object()) return std::nullopt;
  for (const auto& [name, body] : members_of(value)) {
    const auto type = type_from_name(name);
    if (type && !body.is_null()) return typed_body{*type, &body};
  }
  return std::nullopt;
}

int sign_of(int n) {
  return (n > 0) - (n < 0);
}

// Unsigned byte order, the order DynamoDB uses for S (UTF-8 bytes) and B.
int compare_bytes(std::string_view a, std::string_view b) {
  const std::size_t common = std::min(a.size(), b.size());
  if (common > 0) {
    if (const int r = std::memcmp(a.data(), b.data(), common); r != 0) return sign_of(r);
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

// The bytes of a B text, or the text itself if it is not base64 (never for validated values):
// comparisons must not throw.
std::string bytes_of(const json& text) {
  if (!text.is_string()) return {};
  const auto& s = text.get_ref<const std::string&>();
  return base64_decode(s).value_or(s);
}

// Sorted, de-duplicated members of a set, for order-free comparison.
template <typename T, typename F>
std::vector<T> set_members(const json& body, F convert) {
  std::vector<T> out;
  if (body.is_array()) {
    for (const auto& member : body) out.push_back(convert(member));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// A number's contribution to item size. The developer guide gives "approximately 1 byte per two
// significant digits + 1 byte"; the exact rule, measured against ConsumedCapacity by Zac Charles
// (github.com/zaccharles/dynamodb-calculator), is that digits are stored in base-100 pairs
// aligned on the decimal point: the bytes are the pairs from the first to the last non-zero pair,
// plus 1 (exponent), plus 1 more for a negative number, at most 21; zero takes 1 byte.
std::size_t number_size(const core::decimal& number) {
  if (number.is_zero()) return 1;
  std::string text = number.to_string();  // plain notation, no exponent, canonical
  if (!text.empty() && text.front() == '-') text.erase(0, 1);
  const auto point = text.find('.');
  std::string integer = text.substr(0, point);
  std::string fraction = point == std::string::npos ? std::string() : text.substr(point + 1);
  if (integer == "0") integer.clear();
  if (integer.size() % 2 != 0) integer.insert(0, 1, '0');
  if (fraction.size() % 2 != 0) fraction.push_back('0');
  const std::string digits = integer + fraction;
  std::size_t first = digits.size();
  std::size_t last = 0;
  for (std::size_t i = 0; i < digits.size(); i += 2) {
    if (digits[i] != '0' || digits[i + 1] != '0') {
      first = std::min(first, i);
      last = i;
    }
  }
  constexpr std::size_t max_number_size = 21;
  const std::size_t pairs = first <= last ? (last - first) / 2 + 1 : 0;
  const std::size_t size = pairs + 1 + (number.is_negative() ? 1 : 0);
  return std::min(size, max_number_size);
}

// number_size of a number already written as DynamoDB writes it back (plain notation, no leading
// zero but the one before a point, no trailing zero after it): what every stored item holds and
// most requests send. The same pairs, counted on the text, where parsing it into a decimal and
// printing it back took most of item_size (5% of a Query's CPU over HTTP); nullopt for any other
// text, which goes the long way. Equal to it on every number: attribute_value_test's
// AttributeValueSize.CanonicalNumbersSizeAsTheirParsedForm.
std::optional<std::size_t> canonical_number_size(std::string_view text) noexcept {
  // Below 10^40 and, with 38 significant digits at most, above 10^-40: inside DynamoDB's range,
  // so that every text taken here also parses.
  constexpr std::size_t max_fast_length = 40;
  constexpr std::size_t max_number_size = 21;
  if (text.empty() || text.size() > max_fast_length) return std::nullopt;
  const bool negative = text.front() == '-';
  if (negative) text.remove_prefix(1);
  const auto point = text.find('.');
  std::string_view integer = text.substr(0, point);
  const std::string_view fraction =
      point == std::string_view::npos ? std::string_view() : text.substr(point + 1);
  const auto all_digits = [](std::string_view part) {
    return std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (integer.empty() || !all_digits(integer) || !all_digits(fraction)) return std::nullopt;
  if (integer.size() > 1 && integer.front() == '0') return std::nullopt;
  if (point != std::string_view::npos && (fraction.empty() || fraction.back() == '0')) return std::nullopt;
  if (integer == "0") integer = {};
  if (integer.empty() && fraction.empty()) return 1;  // zero, "-0" included
  // The digits in base-100 pairs aligned on the point, as number_size pads them.
  char digits[max_fast_length + 2];
  std::size_t length = 0;
  if (integer.size() % 2 != 0) digits[length++] = '0';
  for (const char c : integer) digits[length++] = c;
  for (const char c : fraction) digits[length++] = c;
  if (fraction.size() % 2 != 0) digits[length++] = '0';
  const std::string_view all(digits, length);
  const std::size_t first_digit = all.find_first_not_of('0');
  const std::size_t last_digit = all.find_last_not_of('0');
  constexpr auto max_significant = static_cast<std::size_t>(core::decimal::max_significant_digits);
  if (last_digit - first_digit + 1 > max_significant) return std::nullopt;
  const std::size_t pairs = last_digit / 2 - first_digit / 2 + 1;
  return std::min(pairs + 1 + (negative ? 1 : 0), max_number_size);
}

std::size_t number_text_size(const json& text) {
  return text.is_string() ? dynamodb::number_text_size(std::string_view(text.get_ref<const std::string&>()))
                          : 0;
}

std::size_t binary_size(const json& text) {
  return text.is_string() ? dynamodb::binary_text_size(std::string_view(text.get_ref<const std::string&>()))
                          : 0;
}

}  // namespace

std::size_t number_text_size(std::string_view text) {
  if (const auto size = canonical_number_size(text)) return *size;
  auto parsed = core::decimal::parse(text);
  const auto* number = std::get_if<core::decimal>(&parsed);
  return number != nullptr ? number_size(*number) : 0;
}

std::size_t binary_text_size(std::string_view text) {
  std::size_t pad = 0;
  for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it) ++pad;
  return text.size() / 4 * 3 - std::min<std::size_t>(pad, 2);
}

std::string_view type_name(value_type type) {
  for (const auto& [name, t] : type_table) {
    if (t == type) return name;
  }
  return {};
}

std::optional<value_type> type_from_name(std::string_view name) {
  for (const auto& [n, type] : type_table) {
    if (n == name) return type;
  }
  return std::nullopt;
}

value_type type_of(const json& value) {
  const auto found = find_type(value);
  if (!found) core::throw_validation(std::string(empty_value_message));
  return found->type;
}

void check_attribute_name(const std::string& name) {
  if (name.size() > max_attribute_name_bytes)
    core::throw_validation(std::string(attribute_name_too_large_message));
}

void check_value_types(const json& value) {
  check_shape(value, 1, past_limit::skip);
}

void validate_value(const json& value) {
  // Shapes first: DynamoDB deserializes the whole request before it validates any of it.
  check_shape(value, 1);
  check_value(value);
}

void validate_item(const json& item) {
  if (item.is_null()) return;
  deserializer::expect_map(item, attribute_value_class, deserializer::position::field);
  for (const auto& [name, value] : members_of(item)) check_shape(value, 1);
  for (const auto& [name, value] : members_of(item)) {
    check_attribute_name(name);
    check_value(value);
  }
}

namespace {

bool values_equal_at(const json& a, const json& b, std::size_t level) {
  if (level > max_attribute_nesting) return false;
  const auto ta = find_type(a);
  const auto tb = find_type(b);
  if (!ta || !tb || ta->type != tb->type) return false;
  const json& x = *ta->body;
  const json& y = *tb->body;
  switch (ta->type) {
    case value_type::S:
    case value_type::BOOL:
    case value_type::NUL:
      return x == y;
    case value_type::N: {
      const auto nx = try_number(x);
      const auto ny = try_number(y);
      return nx && ny ? *nx == *ny : x == y;
    }
    case value_type::B:
      return bytes_of(x) == bytes_of(y);
    case value_type::SS: {
      auto text = [](const json& m) { return m.is_string() ? m.get<std::string>() : std::string(); };
      return set_members<std::string>(x, text) == set_members<std::string>(y, text);
    }
    case value_type::NS: {
      auto number = [](const json& m) { return try_number(m).value_or(core::decimal()); };
      return set_members<core::decimal>(x, number) == set_members<core::decimal>(y, number);
    }
    case value_type::BS:
      return set_members<std::string>(x, bytes_of) == set_members<std::string>(y, bytes_of);
    case value_type::L:
      if (!x.is_array() || !y.is_array() || x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i) {
        if (!values_equal_at(x[i], y[i], level + 1)) return false;
      }
      return true;
    case value_type::M:
      if (!x.is_object() || !y.is_object() || x.size() != y.size()) return false;
      for (const auto& [key, element] : x.items()) {
        const auto other = y.find(key);
        if (other == y.end() || !values_equal_at(element, *other, level + 1)) return false;
      }
      return true;
  }
  return false;
}

}  // namespace

bool values_equal(const json& a, const json& b) {
  return values_equal_at(a, b, 1);
}

std::optional<int> compare_scalars(const json& a, const json& b) {
  const auto ta = find_type(a);
  const auto tb = find_type(b);
  if (!ta || !tb || ta->type != tb->type) return std::nullopt;
  const json& x = *ta->body;
  const json& y = *tb->body;
  switch (ta->type) {
    case value_type::S:
      if (!x.is_string() || !y.is_string()) return std::nullopt;
      return compare_bytes(x.get_ref<const std::string&>(), y.get_ref<const std::string&>());
    case value_type::N: {
      const auto nx = try_number(x);
      const auto ny = try_number(y);
      if (!nx || !ny) return std::nullopt;
      const auto order = *nx <=> *ny;
      return order < 0 ? -1 : (order > 0 ? 1 : 0);
    }
    case value_type::B:
      if (!x.is_string() || !y.is_string()) return std::nullopt;
      return compare_bytes(bytes_of(x), bytes_of(y));
    default:
      return std::nullopt;
  }
}

core::decimal number_of(const json& value) {
  const auto found = find_type(value);
  if (!found || found->type != value_type::N || !found->body->is_string()) {
    core::throw_validation(std::string(empty_value_message));
  }
  return parse_number(found->body->get_ref<const std::string&>());
}

json make_number(const core::decimal& number) {
  return json{{"N", number.to_string()}};
}

// Per the developer guide's "Item sizes and formats" (CapacityUnitCalculations.html): strings by
// UTF-8 bytes, binary by raw bytes, BOOL and NULL 1 byte, M and L 3 bytes plus 1 byte per element
// plus the elements (and, for M, each key's UTF-8 bytes). Sets are the sum of their members, with
// no overhead (the guide is silent; this is dynamodb-calculator's measured rule).
namespace {

std::size_t value_size_at(const json& value, std::size_t level) {
  if (level > max_attribute_nesting) throw_nesting();
  const auto found = find_type(value);
  if (!found) return 0;
  const json& body = *found->body;
  constexpr std::size_t document_overhead = 3;
  constexpr std::size_t element_overhead = 1;
  switch (found->type) {
    case value_type::S:
      return body.is_string() ? body.get_ref<const std::string&>().size() : 0;
    case value_type::N:
      return number_text_size(body);
    case value_type::B:
      return binary_size(body);
    case value_type::BOOL:
    case value_type::NUL:
      return 1;
    case value_type::SS: {
      std::size_t size = 0;
      for (const auto& member : body)
        size += member.is_string() ? member.get_ref<const std::string&>().size() : 0;
      return size;
    }
    case value_type::NS: {
      std::size_t size = 0;
      for (const auto& member : body) size += number_text_size(member);
      return size;
    }
    case value_type::BS: {
      std::size_t size = 0;
      for (const auto& member : body) size += binary_size(member);
      return size;
    }
    case value_type::L: {
      std::size_t size = document_overhead;
      for (const auto& element : body) size += value_size_at(element, level + 1) + element_overhead;
      return size;
    }
    case value_type::M: {
      std::size_t size = document_overhead;
      for (const auto& [key, element] : members_of(body))
        size += key.size() + value_size_at(element, level + 1) + element_overhead;
      return size;
    }
  }
  return 0;
}

// Whether `value` (at `level`) nests deeper than the limit; stops as soon as it passes it.
bool nests_too_deep(const json& value, std::size_t level) {
  if (level > max_attribute_nesting) return true;
  const auto found = find_type(value);
  if (!found || (found->type != value_type::L && found->type != value_type::M)) return false;
  for (const auto& element : *found->body) {
    if (nests_too_deep(element, level + 1)) return true;
  }
  return false;
}

}  // namespace

std::size_t value_size(const json& value) {
  return value_size_at(value, 1);
}

void check_item_nesting(const json& item) {
  if (!item.is_object()) return;
  for (const auto& [name, value] : members_of(item)) {
    // Unconfirmed that DynamoDB words an UpdateItem result this way; it is its message for a
    // PutItem item nested too deep.
    if (nests_too_deep(value, 1)) throw_nesting();
  }
}

std::size_t item_size(const json& item) {
  if (!item.is_object()) return 0;
  std::size_t size = 0;
  for (const auto& [name, value] : members_of(item)) size += name.size() + value_size(value);
  return size;
}

namespace {
// Puts `text`, a validated number, in canonical form (left as is if it somehow does not parse).
// Most numbers arrive canonical already: canonical_number_size takes exactly those texts (and "-0",
// which is zero, "0"), and they are kept without a parse and a print (1.6% of a PutItem).
void canonicalize_number(json& text) {
  std::string& number = text.get_ref<std::string&>();
  if (number != "-0" && canonical_number_size(number)) return;
  auto parsed = core::decimal::parse(number);
  if (auto* value = std::get_if<core::decimal>(&parsed)) number = value->to_string();
}

void normalize_value(json& value, std::size_t level) {
  if (level > max_attribute_nesting) throw_nesting();
  for (auto& [type, content] : members_of(value)) {
    if (type == "N") {
      canonicalize_number(content);
    } else if (type == "NS") {
      for (auto& member : content) canonicalize_number(member);
    } else if (type == "M") {
      for (auto& [name, nested] : members_of(content)) normalize_value(nested, level + 1);
    } else if (type == "L") {
      for (auto& nested : content) normalize_value(nested, level + 1);
    }
  }
}
}  // namespace

void normalize_numbers(json& item) {
  for (auto& [name, value] : members_of(item)) normalize_value(value, 1);
}

}  // namespace fogbank::dynamodb
