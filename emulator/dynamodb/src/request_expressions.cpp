#include "request_expressions.hpp"

#include "legacy_parameters.hpp"
#include "request.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace fogbank::dynamodb {
namespace {

using core::aws_error;
using core::error_code;
using core::throw_validation;

constexpr std::array<std::string_view, 5> expression_members{"ConditionExpression", "UpdateExpression",
                                                             "FilterExpression", "KeyConditionExpression",
                                                             "ProjectionExpression"};
constexpr std::array<std::string_view, 7> legacy_members{
    "AttributeUpdates", "AttributesToGet", "ConditionalOperator", "Expected",
    "KeyConditions",    "QueryFilter",     "ScanFilter"};

// Which of the members above, and of ExpressionAttributeNames and ExpressionAttributeValues, a
// request has (present and not null), as bits: learnt in one pass over the request's members (a
// GetItem has two or three) instead of a lookup per name -- about twenty of them, 4,500
// instructions of every GetItem, for requests that mostly have none of these members.
class watched_members {
 public:
  static constexpr std::uint32_t expressions = (1u << expression_members.size()) - 1;
  static constexpr std::uint32_t legacy = ((1u << legacy_members.size()) - 1) << expression_members.size();
  static constexpr std::uint32_t placeholders = 3u << (expression_members.size() + legacy_members.size());

  explicit watched_members(const json& request) {
    if (!request.is_object()) return;
    for (const auto& [name, value] : request.get_ref<const json::object_t&>()) {
      if (value.is_null()) continue;
      std::uint32_t bit = 1;
      for (const auto& list : {std::span<const std::string_view>(expression_members),
                               std::span<const std::string_view>(legacy_members),
                               std::span<const std::string_view>(placeholder_members)}) {
        for (const std::string_view watched : list) {
          if (name == watched) bits_ |= bit;
          bit <<= 1;
        }
      }
    }
  }
  bool any(std::uint32_t mask) const { return (bits_ & mask) != 0; }

 private:
  static constexpr std::array<std::string_view, 2> placeholder_members{"ExpressionAttributeNames",
                                                                       "ExpressionAttributeValues"};
  std::uint32_t bits_ = 0;
};

// DynamoDB's limit on the length of any expression string, in bytes
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-expression-parameters).
constexpr std::size_t max_expression_bytes = 4096;

std::optional<std::string> string_member(const json& request, std::string_view name) {
  const json* value = find_member(request, name);
  if (!value) return std::nullopt;
  if (!value->is_string()) throw aws_error(error_code::serialization, "Unexpected value type in payload");
  const auto& text = value->get_ref<const std::string&>();
  if (text.size() > max_expression_bytes) {
    // Wording as real DynamoDB answers it, e.g. "Invalid FilterExpression: Expression size has
    // exceeded the maximum allowed size; expression size: 5872".
    throw_validation("Invalid " + std::string(name) +
                     ": Expression size has exceeded the maximum allowed size; expression size: " +
                     std::to_string(text.size()));
  }
  return text;
}

// The members of each kind in the order DynamoDB's mixture message lists them for `operation`
// (dynalite's validations/<operation>.js validateExpressionParams, pinned against DynamoDB: e.g.
// Query's "{ProjectionExpression, FilterExpression, KeyConditionExpression}").
std::vector<std::string_view> mixture_order(expression_operation operation, bool expressions) {
  switch (operation) {
    case expression_operation::put_or_delete:
      if (expressions) return {"ConditionExpression"};
      return {"Expected"};
    case expression_operation::update:
      if (expressions) return {"UpdateExpression", "ConditionExpression"};
      return {"AttributeUpdates", "Expected"};
    case expression_operation::get:
      if (expressions) return {"ProjectionExpression"};
      return {"AttributesToGet"};
    case expression_operation::query:
      if (expressions) return {"ProjectionExpression", "FilterExpression", "KeyConditionExpression"};
      return {"AttributesToGet", "QueryFilter", "ConditionalOperator", "KeyConditions"};
    case expression_operation::scan:
      if (expressions) return {"ProjectionExpression", "FilterExpression"};
      return {"AttributesToGet", "ScanFilter", "ConditionalOperator"};
  }
  return {};
}

// The members of `all` present in `request`: first those of `order`, in its order, then the
// others (members of another operation, which DynamoDB's lists leave out; fogbank names them
// after the operation's own rather than ignore them).
std::string present_members(const json& request, std::vector<std::string_view> order,
                            std::span<const std::string_view> all) {
  for (auto name : all) {
    if (std::find(order.begin(), order.end(), name) == order.end()) order.push_back(name);
  }
  std::string out;
  for (auto name : order) {
    if (find_member(request, name)) out += (out.empty() ? "" : ", ") + std::string(name);
  }
  return out;
}

// DynamoDB's message for a request that mixes the two kinds of parameters lists each kind's
// members present, in braces.
void reject_mixture(const json& request, expression_operation operation, const watched_members& present) {
  // Every request gets here: without both kinds there is nothing to list (or allocate).
  if (!present.any(watched_members::legacy) || !present.any(watched_members::expressions)) return;
  const std::string legacy = present_members(request, mixture_order(operation, false), legacy_members);
  const std::string modern = present_members(request, mixture_order(operation, true), expression_members);
  throw_validation(
      "Can not use both expression and non-expression parameters in the same request: Non-expression "
      "parameters: {" +
      legacy + "} Expression parameters: {" + modern + "}");
}

// ExpressionAttributeNames without any expression of the operation, or ExpressionAttributeValues
// without any of those that take values (all but ProjectionExpression), legacy parameters or not:
// "ExpressionAttributeValues can only be specified when using expressions: FilterExpression and
// KeyConditionExpression are null" (dynalite's validations and tests, pinned against DynamoDB).
void reject_placeholders_without_expressions(const json& request, expression_operation operation,
                                             const watched_members& watched) {
  // Every request gets here: without placeholders there is nothing to check (or allocate).
  if (!watched.any(watched_members::placeholders)) return;
  const auto present = [&](std::string_view name) { return find_member(request, name) != nullptr; };
  std::vector<std::string_view> members;
  switch (operation) {
    case expression_operation::put_or_delete:
      members = {"ConditionExpression"};
      break;
    case expression_operation::update:
      members = {"UpdateExpression", "ConditionExpression"};
      break;
    case expression_operation::get:
      members = {"ProjectionExpression"};
      break;
    case expression_operation::query:
      members = {"FilterExpression", "KeyConditionExpression", "ProjectionExpression"};
      break;
    case expression_operation::scan:
      members = {"FilterExpression", "ProjectionExpression"};
      break;
  }
  if (present("ExpressionAttributeNames") && std::none_of(members.begin(), members.end(), present)) {
    throw_validation("ExpressionAttributeNames can only be specified when using expressions");
  }
  std::erase(members, "ProjectionExpression");
  if (!members.empty() && present("ExpressionAttributeValues") &&
      std::none_of(members.begin(), members.end(), present)) {
    std::string null_members;
    for (std::string_view name : members)
      null_members += (null_members.empty() ? "" : " and ") + std::string(name);
    throw_validation("ExpressionAttributeValues can only be specified when using expressions: " +
                     null_members + (members.size() > 1 ? " are null" : " is null"));
  }
}

}  // namespace

request_expressions::request_expressions(const json& request, expression_operation operation,
                                         std::string_view attributes_to_get_member,
                                         std::size_t max_key_conditions) {
  const watched_members watched(request);
  reject_mixture(request, operation, watched);
  reject_placeholders_without_expressions(request, operation, watched);
  if (watched.any(watched_members::expressions)) {
    condition_ = string_member(request, "ConditionExpression");
    update_ = string_member(request, "UpdateExpression");
    filter_ = string_member(request, "FilterExpression");
    key_condition_ = string_member(request, "KeyConditionExpression");
    projection_ = string_member(request, "ProjectionExpression");
  }

  bool legacy = false;
  if (watched.any(watched_members::legacy)) {
    const std::string_view filter_member = operation == expression_operation::query  ? "QueryFilter"
                                           : operation == expression_operation::scan ? "ScanFilter"
                                                                                     : "";
    owned_names_ = json::object();
    owned_values_ = json::object();
    auto adopt = [&](std::optional<translated_expression> translated, std::optional<std::string>& slot) {
      if (!translated) return;
      legacy = true;
      slot = std::move(translated->text);
      owned_names_.update(translated->names);
      owned_values_.update(translated->values);
    };
    // ConditionalOperator joins the terms of Expected in writes and of the filter in reads.
    if (filter_member.empty()) {
      adopt(translate_expected(request), condition_);
      adopt(translate_attribute_updates(request), update_);
    } else {
      adopt(translate_filter(request, filter_member), filter_);
    }
    adopt(translate_key_conditions(
              request, max_key_conditions,
              operation == expression_operation::query ? &unindexable_key_conditions_ : nullptr),
          key_condition_);
    adopt(translate_attributes_to_get(request, attributes_to_get_member), projection_);
  }

  if (legacy) {
    attributes_.emplace(owned_names_.empty() ? nullptr : &owned_names_,
                        owned_values_.empty() ? nullptr : &owned_values_);
  } else if (watched.any(watched_members::placeholders)) {
    attributes_.emplace(find_member(request, "ExpressionAttributeNames"),
                        find_member(request, "ExpressionAttributeValues"));
  } else {
    attributes_.emplace(nullptr, nullptr);
  }
}

}  // namespace fogbank::dynamodb
