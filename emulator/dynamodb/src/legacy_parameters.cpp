// Legacy parameters translated into expression text. Validation comes first and reproduces
// DynamoDB's messages; the sources, in order of authority:
//  - DynamoDB Local's request converter (decompiled AWS code, LocalDBClientExceptionMessage /
//    validateExpectedAttribute / validateAttributeUpdates / externalToInternalConditionalOperator):
//    the order of Expected's checks and the ConditionalOperator messages;
//  - dynalite's validations/index.js (validateAttributeConditions, validateConditions),
//    validations/updateItem.js and actions/query.js, whose tests were run against DynamoDB:
//    the per-operator argument counts and types, the enum and constraint messages;
//  - ScyllaDB Alternator's test/alternator/test_expected.py (also run against DynamoDB) and
//    conditions.cc, and the DAX client's V1-to-V2 request converter (amazon-dax-client): the
//    semantics, in particular that NOT_CONTAINS is false for a missing attribute while NE is
//    true ("Surprisingly, if an attribute does not exist at all, NOT_CONTAINS fails").
// The operator semantics are those of the API reference's Condition and ExpectedAttributeValue
// pages ("Legacy conditional parameters" in the developer guide).

#include "legacy_parameters.hpp"

#include "deserializer.hpp"

#include "attribute_value.hpp"
#include "expressions.hpp"
#include "fogbank/core/aws_error.hpp"
#include "request.hpp"

#include <array>
#include <cctype>
#include <cstddef>
#include <limits>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

namespace fogbank::dynamodb {
namespace {

constexpr std::string_view invalid_prefix = "One or more parameter values were invalid: ";

[[noreturn]] void throw_invalid(std::string_view detail) {
  core::throw_validation(std::string(invalid_prefix) + std::string(detail));
}

// ---- Request shape ---------------------------------------------------------------------------
// A member of the wrong JSON type is a SerializationException from DynamoDB's deserializer
// (deserializer.hpp has the wording). The service checks every request's shape before it runs
// (request_validation.hpp); these keep the translators safe on their own.

// Expected, a filter, KeyConditions or AttributeUpdates: a map of `entry_class` structures.
const json& map_of(const json& value, std::string_view entry_class) {
  deserializer::expect_map(value, "com.amazonaws.dynamodb.v20120810." + std::string(entry_class),
                           deserializer::position::field);
  return value;
}

const json& list_of(const json& value) {
  deserializer::expect_list(value, deserializer::position::field);
  return value;
}

// One entry of such a map; null reads as an empty structure, which the checks below then reject
// with DynamoDB's message for what is missing.
const json& structure_of(const json& value, std::string_view entry_class) {
  static const json empty = json::object();
  if (value.is_null()) return empty;
  deserializer::expect_structure(value, entry_class, deserializer::position::element);
  return value;
}

const std::string& string_of(const json& value) {
  deserializer::expect_string(value);
  return value.get_ref<const std::string&>();
}

const std::string* string_member(const json& object, std::string_view name) {
  const json* value = find_member(object, name);
  return value == nullptr ? nullptr : &string_of(*value);
}

// ---- Comparison operators --------------------------------------------------------------------

enum class comparison {
  eq,
  ne,
  le,
  lt,
  ge,
  gt,
  not_null,
  null,
  contains,
  not_contains,
  begins_with,
  in,
  between
};

constexpr unsigned type_bit(value_type type) {
  return 1U << static_cast<unsigned>(type);
}
constexpr unsigned scalar_types = type_bit(value_type::S) | type_bit(value_type::N) | type_bit(value_type::B);
constexpr unsigned set_types = type_bit(value_type::SS) | type_bit(value_type::NS) | type_bit(value_type::BS);
constexpr unsigned prefix_types = type_bit(value_type::S) | type_bit(value_type::B);
constexpr std::size_t unbounded = std::numeric_limits<std::size_t>::max();

// How many AttributeValueList entries each operator takes and of which types (dynalite
// validateConditions' `lengths` and `types`, the API reference's Condition page).
struct operator_rule {
  std::string_view name;
  comparison op;
  std::size_t min_values;
  std::size_t max_values;
  unsigned types;
};

constexpr std::array<operator_rule, 13> operator_rules{{
    {"EQ", comparison::eq, 1, 1, scalar_types | set_types},
    {"NE", comparison::ne, 1, 1, scalar_types | set_types},
    {"LE", comparison::le, 1, 1, scalar_types},
    {"LT", comparison::lt, 1, 1, scalar_types},
    {"GE", comparison::ge, 1, 1, scalar_types},
    {"GT", comparison::gt, 1, 1, scalar_types},
    {"NOT_NULL", comparison::not_null, 0, 0, 0},
    {"NULL", comparison::null, 0, 0, 0},
    {"CONTAINS", comparison::contains, 1, 1, scalar_types},
    {"NOT_CONTAINS", comparison::not_contains, 1, 1, scalar_types},
    {"BEGINS_WITH", comparison::begins_with, 1, 1, prefix_types},
    {"IN", comparison::in, 1, unbounded, scalar_types},
    {"BETWEEN", comparison::between, 2, 2, scalar_types},
}};

// The enum as DynamoDB lists it in the constraint message (dynalite's type definitions).
constexpr std::string_view operator_enum =
    "Member must satisfy enum value set: "
    "[IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]";

// The entry's ComparisonOperator, or nullptr when absent and not `required`. `path` is the member
// as the constraint message names it, e.g. "scanFilter.a.member.comparisonOperator".
const operator_rule* comparison_operator(const json& entry, const std::string& path, bool required) {
  const std::string* name = string_member(entry, "ComparisonOperator");
  if (name == nullptr) {
    if (required) core::throw_validation(null_member_message(path));
    return nullptr;
  }
  for (const auto& rule : operator_rules) {
    if (rule.name == *name) return &rule;
  }
  core::throw_validation(constraint_message("'" + *name + "'", path, operator_enum));
}

// Checks an AttributeValueList against its operator in dynalite's order (validateConditions):
// each value, the count, one type for all, the operator's types, then BETWEEN's bounds. An IN
// list longer than expressions allow is refused first, before any work on its values, with the
// message its translation would get (`expression` names it: "FilterExpression").
void check_arguments(const operator_rule& rule, const std::vector<const json*>& values,
                     std::string_view expression) {
  if (rule.op == comparison::in && values.size() > max_in_operands) {
    core::throw_validation("Invalid " + std::string(expression) + ": " +
                           too_many_in_operands_message(values.size()));
  }
  for (const json* value : values) validate_value(*value);
  if (values.size() < rule.min_values || values.size() > rule.max_values) {
    throw_invalid("Invalid number of argument(s) for the " + std::string(rule.name) + " ComparisonOperator");
  }
  if (values.empty()) return;
  const value_type type = type_of(*values[0]);
  for (const json* value : values) {
    if (type_of(*value) != type)
      throw_invalid("AttributeValues inside AttributeValueList must be of same type");
  }
  if ((rule.types & type_bit(type)) == 0) {
    throw_invalid("ComparisonOperator " + std::string(rule.name) + " is not valid for " +
                  std::string(type_name(type)) + " AttributeValue type");
  }
  if (rule.op == comparison::between) {
    const auto order = compare_scalars(*values[0], *values[1]);
    if (order && *order > 0) {
      // No "One or more parameter values were invalid" prefix here (dynalite).
      core::throw_validation(
          "The BETWEEN condition was provided a range where the lower bound is greater than the "
          "upper bound");
    }
  }
}

std::vector<const json*> argument_list(const json* list) {
  std::vector<const json*> out;
  if (list == nullptr) return out;
  for (const auto& value : list_of(*list)) out.push_back(&value);
  return out;
}

// ---- Text ------------------------------------------------------------------------------------

// Hands out placeholders "#<prefix><n>" and ":<prefix><n>" and records what they stand for.
class placeholders {
 public:
  explicit placeholders(char prefix) : prefix_(prefix) {}

  std::string name(const std::string& attribute) {
    std::string key = "#" + std::string(1, prefix_) + std::to_string(out_.names.size());
    out_.names[key] = attribute;
    return key;
  }
  std::string value(const json& value) {
    std::string key = ":" + std::string(1, prefix_) + std::to_string(out_.values.size());
    out_.values[key] = value;
    return key;
  }
  translated_expression finish(std::string text) && {
    out_.text = std::move(text);
    return std::move(out_);
  }

 private:
  char prefix_;
  translated_expression out_;
};

std::string condition_text(const operator_rule& rule, const std::string& name,
                           const std::vector<const json*>& args, placeholders& p) {
  std::vector<std::string> v;
  v.reserve(args.size());
  for (const json* arg : args) v.push_back(p.value(*arg));
  switch (rule.op) {
    case comparison::eq:
      return name + " = " + v[0];
    // The expression's <> is true for a missing attribute, as legacy NE is (test_expected.py:
    // "If the attribute does not exist at all, this is also considered 'not equal'").
    case comparison::ne:
      return name + " <> " + v[0];
    case comparison::le:
      return name + " <= " + v[0];
    case comparison::lt:
      return name + " < " + v[0];
    case comparison::ge:
      return name + " >= " + v[0];
    case comparison::gt:
      return name + " > " + v[0];
    case comparison::not_null:
      return "attribute_exists(" + name + ")";
    case comparison::null:
      return "attribute_not_exists(" + name + ")";
    case comparison::contains:
      return "contains(" + name + ", " + v[0] + ")";
    // Legacy NOT_CONTAINS is false for a missing attribute, where NOT contains() alone would be
    // true (Alternator's check_NOT_CONTAINS; the DAX client writes the same expression).
    case comparison::not_contains:
      return "(attribute_exists(" + name + ") AND NOT contains(" + name + ", " + v[0] + "))";
    case comparison::begins_with:
      return "begins_with(" + name + ", " + v[0] + ")";
    case comparison::in: {
      std::string list;
      for (const auto& placeholder : v) {
        if (!list.empty()) list += ", ";
        list += placeholder;
      }
      return name + " IN (" + list + ")";
    }
    case comparison::between:
      return name + " BETWEEN " + v[0] + " AND " + v[1];
  }
  return {};  // unreachable: every comparison is handled above
}

// The operators condition_text writes for `op`, as the expression parser counts them.
std::size_t operator_count(comparison op) {
  switch (op) {
    case comparison::not_null:
    case comparison::null:
    case comparison::contains:
    case comparison::begins_with:
      return 0;  // functions
    case comparison::not_contains:
      return 2;  // AND, NOT
    default:
      return 1;
  }
}

// The rule named by a ComparisonOperator member, or nullptr (absent, or not one of the enum).
const operator_rule* rule_named(const json& entry) {
  const json* name = find_member(entry, "ComparisonOperator");
  if (name == nullptr || !name->is_string()) return nullptr;
  for (const auto& rule : operator_rules) {
    if (rule.name == name->get_ref<const std::string&>()) return &rule;
  }
  return nullptr;
}

// The operator a filter or KeyConditions entry stands for.
comparison condition_operator(const json& entry) {
  const operator_rule* rule = rule_named(entry);
  return rule != nullptr ? rule->op : comparison::eq;
}

// The operator an Expected entry stands for: its ComparisonOperator, else = for a Value, else
// attribute_not_exists() (Exists: false).
comparison expected_operator(const json& entry) {
  if (const operator_rule* rule = rule_named(entry)) return rule->op;
  return find_member(entry, "Value") != nullptr ? comparison::eq : comparison::null;
}

// Legacy conditions become one expression, so they get its operator quota: refused before any
// of them is translated, with the message the translated expression would get (`expression`:
// "ConditionExpression", "FilterExpression"). The joiners between entries count too.
// Unconfirmed that DynamoDB limits legacy conditions this way; fogbank must bound them, as it
// evaluates them as expressions.
void check_operator_count(const json& conditions, std::string_view expression,
                          comparison (*operator_of)(const json&)) {
  std::size_t operators = conditions.size() - 1;
  for (const auto& [attribute, entry] : conditions.items()) {
    if (operators > max_operators) break;
    operators += operator_count(operator_of(structure_of(entry, "Condition")));
  }
  if (operators > max_operators) {
    core::throw_validation("Invalid " + std::string(expression) + ": " + too_many_operators_message());
  }
}

void append_term(std::string& text, const std::string& term, std::string_view joiner) {
  if (!text.empty()) text += joiner;
  text += term;
}

// ---- ConditionalOperator ---------------------------------------------------------------------

struct conditional_operator {
  bool present = false;
  std::string_view joiner = " AND ";  // AND is the default
};

conditional_operator conditional_operator_of(const json& request) {
  const std::string op =
      optional_enum(request, "ConditionalOperator", "conditionalOperator", {"OR", "AND"}, "");
  if (op.empty()) return {};
  return {true, op == "OR" ? " OR " : " AND "};
}

// DynamoDB Local's COND_OP_WITHOUT_FILTER_OR_EXPECTED and COND_OP_WITH_ONE_ELEMENT; Alternator's
// test_update_expected_empty pins the first for an empty Expected.
void check_conditional_operator(const conditional_operator& op, std::size_t conditions) {
  if (!op.present) return;
  if (conditions == 0)
    core::throw_validation("ConditionalOperator cannot be used without Filter or Expected");
  if (conditions == 1) {
    core::throw_validation(
        "ConditionalOperator can only be used when Filter or Expected has two or more elements");
  }
}

// ---- Expected --------------------------------------------------------------------------------

// One Expected entry. The order of the checks is DynamoDB Local's validateExpectedAttribute.
std::string expected_term(const std::string& attribute, const json& entry, placeholders& p) {
  const operator_rule* rule =
      comparison_operator(entry, "expected." + attribute + ".member.comparisonOperator", false);
  const json* value = find_member(entry, "Value");
  const json* list = find_member(entry, "AttributeValueList");
  const std::optional<bool> exists = optional_boolean(entry, "Exists");
  const std::string for_attribute = " for Attribute: " + attribute;

  if (exists && rule != nullptr)
    throw_invalid("Exists and ComparisonOperator cannot be used together" + for_attribute);
  if (value != nullptr && list != nullptr) {
    throw_invalid("Value and AttributeValueList cannot be used together" + for_attribute);
  }
  if (rule == nullptr && list != nullptr) {
    throw_invalid("AttributeValueList can only be used with a ComparisonOperator" + for_attribute);
  }
  if (exists == false && value != nullptr)
    throw_invalid("Value cannot be used when Exists is false" + for_attribute);
  if (value == nullptr && list == nullptr) {
    if (rule != nullptr) {
      if (rule->op != comparison::null && rule->op != comparison::not_null) {
        throw_invalid("Value or AttributeValueList must be used with ComparisonOperator: " +
                      std::string(rule->name) + for_attribute);
      }
    } else if (!exists) {
      throw_invalid("Value must be provided when Exists is null" + for_attribute);
    } else if (*exists) {
      throw_invalid("Value must be provided when Exists is true" + for_attribute);
    }
  }

  if (rule != nullptr) {
    // With a ComparisonOperator, Value stands for a one-entry AttributeValueList (dynalite).
    std::vector<const json*> args = list != nullptr ? argument_list(list) : std::vector<const json*>{};
    if (value != nullptr) args.push_back(value);
    check_arguments(*rule, args, "ConditionExpression");
    return condition_text(*rule, p.name(attribute), args, p);
  }
  if (value != nullptr) {
    validate_value(*value);
    const std::string name = p.name(attribute);
    return name + " = " + p.value(*value);
  }
  return "attribute_not_exists(" + p.name(attribute) + ")";  // Exists: false
}

// ---- Filters and KeyConditions ---------------------------------------------------------------

// Checks every entry's ComparisonOperator before anything else: DynamoDB reports request-shape
// errors before the checks of its values (dynalite's scan tests).
void check_operators_present(const json& conditions, const std::string& member) {
  for (const auto& [attribute, entry] : conditions.items()) {
    comparison_operator(structure_of(entry, "Condition"),
                        member + "." + attribute + ".member.comparisonOperator", true);
  }
}

// A filter or KeyConditions entry, checked: its operator and arguments. `expression` is what
// the entry becomes ("FilterExpression"), for messages.
struct checked_condition {
  const operator_rule* rule;
  std::vector<const json*> args;
};

checked_condition check_condition(const std::string& attribute, const json& entry, const std::string& member,
                                  std::string_view expression) {
  const operator_rule* rule =
      comparison_operator(entry, member + "." + attribute + ".member.comparisonOperator", true);
  std::vector<const json*> args = argument_list(find_member(entry, "AttributeValueList"));
  check_arguments(*rule, args, expression);
  return {rule, std::move(args)};
}

bool indexable(comparison op) {
  switch (op) {
    case comparison::eq:
    case comparison::le:
    case comparison::lt:
    case comparison::ge:
    case comparison::gt:
    case comparison::begins_with:
    case comparison::between:
      return true;
    default:
      return false;
  }
}

// ---- AttributeUpdates ------------------------------------------------------------------------

constexpr std::string_view action_enum = "Member must satisfy enum value set: [ADD, PUT, DELETE]";

std::string clause(std::string_view keyword, const std::vector<std::string>& actions) {
  std::string out;
  for (const auto& action : actions) {
    out += out.empty() ? std::string(keyword) + " " : ", ";
    out += action;
  }
  return out;
}

}  // namespace

std::optional<translated_expression> translate_expected(const json& request) {
  const conditional_operator op = conditional_operator_of(request);
  const json* expected = find_member(request, "Expected");
  const std::size_t count = expected != nullptr ? map_of(*expected, "ExpectedAttributeValue").size() : 0;
  check_conditional_operator(op, count);
  if (count == 0) return std::nullopt;  // an empty Expected imposes no condition (test_expected.py)

  for (const auto& [attribute, entry] : expected->items()) {
    comparison_operator(structure_of(entry, "ExpectedAttributeValue"),
                        "expected." + attribute + ".member.comparisonOperator", false);
  }
  check_operator_count(*expected, "ConditionExpression", expected_operator);
  placeholders p('e');
  std::string text;
  for (const auto& [attribute, entry] : expected->items()) {
    append_term(text, expected_term(attribute, structure_of(entry, "ExpectedAttributeValue"), p), op.joiner);
  }
  return std::move(p).finish(std::move(text));
}

std::optional<translated_expression> translate_filter(const json& request, std::string_view member) {
  const conditional_operator op = conditional_operator_of(request);
  const json* filter = find_member(request, member);
  const std::size_t count = filter != nullptr ? map_of(*filter, "Condition").size() : 0;
  const std::string path = lower_first(member);
  if (count > 0) check_operators_present(*filter, path);
  check_conditional_operator(op, count);
  if (count == 0) return std::nullopt;
  check_operator_count(*filter, "FilterExpression", condition_operator);

  placeholders p('f');
  std::string text;
  for (const auto& [attribute, entry] : filter->items()) {
    const checked_condition c =
        check_condition(attribute, structure_of(entry, "Condition"), path, "FilterExpression");
    append_term(text, condition_text(*c.rule, p.name(attribute), c.args, p), op.joiner);
  }
  return std::move(p).finish(std::move(text));
}

std::optional<translated_expression> translate_key_conditions(const json& request, std::size_t max_conditions,
                                                              std::vector<std::string>* unindexable) {
  const json* conditions = find_member(request, "KeyConditions");
  if (conditions == nullptr) return std::nullopt;
  map_of(*conditions, "Condition");
  check_operators_present(*conditions, "keyConditions");

  // Every entry checked (dynalite validations/index.js), then the count (validations/query.js),
  // then the operators (actions/query.js); text only for the one or two that pass.
  std::vector<std::pair<const std::string*, checked_condition>> checked;
  for (const auto& [attribute, entry] : conditions->items()) {
    checked.emplace_back(&attribute, check_condition(attribute, structure_of(entry, "Condition"),
                                                     "keyConditions", "KeyConditionExpression"));
  }
  // A multi-attribute GSI key takes KeyConditions on all its attributes: DynamoDB accepts them
  // (moto's AWS-verified test_key_conditions_with_range_keys; scylladb/scylladb#31393). The
  // wording for too many of them there is unconfirmed.
  if (checked.empty() || checked.size() > max_conditions) {
    core::throw_validation(max_conditions == 2 ? "Conditions can be of length 1 or 2 only"
                                               : "Conditions can be of length 1 to " +
                                                     std::to_string(max_conditions) + " only");
  }
  for (const auto& entry : checked) {
    if (indexable(entry.second.rule->op)) continue;
    if (unindexable == nullptr)
      core::throw_validation("Attempted conditional constraint is not an indexable operation");
    unindexable->push_back(*entry.first);
  }
  placeholders p('k');
  std::string text;
  for (const auto& [attribute, c] : checked) {
    if (!indexable(c.rule->op)) continue;
    append_term(text, condition_text(*c.rule, p.name(*attribute), c.args, p), " AND ");
  }
  if (text.empty()) return std::nullopt;
  return std::move(p).finish(std::move(text));
}

std::optional<translated_expression> translate_attribute_updates(const json& request) {
  const json* updates = find_member(request, "AttributeUpdates");
  if (updates == nullptr || map_of(*updates, "AttributeValueUpdate").empty()) return std::nullopt;

  for (const auto& [attribute, entry] : updates->items()) {
    const std::string* action = string_member(structure_of(entry, "AttributeValueUpdate"), "Action");
    if (action != nullptr && *action != "ADD" && *action != "PUT" && *action != "DELETE") {
      core::throw_validation(constraint_message(
          "'" + *action + "'", "attributeUpdates." + attribute + ".member.action", action_enum));
    }
  }

  placeholders p('u');
  std::vector<std::string> sets;
  std::vector<std::string> removes;
  std::vector<std::string> adds;
  std::vector<std::string> deletes;
  std::string empty_list;  // the placeholder of {"L": []}, once a list ADD needs it
  for (const auto& [attribute, raw_entry] : updates->items()) {
    const json& entry = structure_of(raw_entry, "AttributeValueUpdate");
    const std::string* action_member = string_member(entry, "Action");
    const std::string_view action = action_member != nullptr ? std::string_view(*action_member) : "PUT";
    const json* value = find_member(entry, "Value");
    // The checks and their order are dynalite's validations/updateItem.js.
    if (value != nullptr) validate_value(*value);
    if (value == nullptr && action != "DELETE") {
      throw_invalid("Only DELETE action is allowed when no attribute value is specified");
    }
    const value_type type = value != nullptr ? type_of(*value) : value_type::NUL;
    if (value != nullptr && action == "DELETE" && (type_bit(type) & set_types) == 0) {
      throw_invalid("DELETE action with value is not supported for the type " + std::string(type_name(type)));
    }
    if (value != nullptr && action == "ADD" &&
        (type_bit(type) & (set_types | type_bit(value_type::N) | type_bit(value_type::L))) == 0) {
      throw_invalid("ADD action is not supported for the type " + std::string(type_name(type)));
    }

    const std::string name = p.name(attribute);
    if (action == "PUT") {
      sets.push_back(name + " = " + p.value(*value));
    } else if (action == "DELETE") {
      if (value == nullptr) {
        removes.push_back(name);
      } else {
        deletes.push_back(name + " " + p.value(*value));
      }
    } else if (type == value_type::L) {
      // Legacy ADD appends to a list, creating it if absent (AttributeValueUpdate; dynalite);
      // the expression ADD takes only numbers and sets.
      if (empty_list.empty()) empty_list = p.value(json{{"L", json::array()}});
      sets.push_back(name + " = list_append(if_not_exists(" + name + ", " + empty_list + "), " +
                     p.value(*value) + ")");
    } else {
      adds.push_back(name + " " + p.value(*value));
    }
  }

  std::string text;
  for (const auto& part :
       {clause("SET", sets), clause("REMOVE", removes), clause("ADD", adds), clause("DELETE", deletes)}) {
    if (part.empty()) continue;
    if (!text.empty()) text += ' ';
    text += part;
  }
  return std::move(p).finish(std::move(text));
}

std::optional<translated_expression> translate_attributes_to_get(const json& request,
                                                                 std::string_view member_path) {
  const json* attributes = find_member(request, "AttributesToGet");
  if (attributes == nullptr) return std::nullopt;
  if (list_of(*attributes).empty()) {
    core::throw_validation(
        constraint_message("'[]'", member_path, "Member must have length greater than or equal to 1"));
  }
  placeholders p('p');
  std::set<std::string_view> seen;  // a set: AttributesToGet may name thousands of attributes
  std::string text;
  for (const auto& element : *attributes) {
    const std::string& attribute = string_of(element);
    // Checked here: the projection parser would call a repeated name overlapping paths.
    if (!seen.insert(attribute).second) throw_invalid("Duplicate value in attribute name: " + attribute);
    append_term(text, p.name(attribute), ", ");
  }
  return std::move(p).finish(std::move(text));
}

}  // namespace fogbank::dynamodb
