#pragma once
// Values a plan can name before they exist. Most of what Ref and Fn::GetAtt give is known from
// the template alone (a table's name and ARN, a queue's ARN); a few only come back from the
// service (a table's stream ARN carries its creation time, a queue URL its endpoint, an event
// source mapping's UUID). The plan holds those as tokens, `{{fogbank:<LogicalId>.<Attribute>}}`,
// inside the strings that use them (Fn::Sub and Fn::Join included), and executing the plan
// replaces each token once its resource has been created or found.

#include <nlohmann/json.hpp>

#include <cstddef>

#include <map>
#include <set>
#include <string>
#include <string_view>

namespace fogbank::templates {

// The deepest value the walks below go into: plans hold resolved template values, which the
// evaluator bounds at max_evaluation_depth (intrinsics.hpp: 256), wrapped in a call's request a
// few levels more. Deeper cannot come from a template; it is refused rather than recursed into.
inline constexpr int max_deferred_depth = 256 + 16;

// The token of `attribute` of `logical_id` ("Ref" for what Ref gives).
std::string deferred_token(const std::string& logical_id, const std::string& attribute);

// True if `text` holds a token.
bool has_deferred(std::string_view text);
// The "<LogicalId>.<Attribute>" of every token in the strings of `value`. Both walks throw
// template_error for a value nested deeper than max_deferred_depth.
void collect_deferred(const nlohmann::json& value, std::set<std::string>* keys);

// `value` with every token whose "<LogicalId>.<Attribute>" is in `known` replaced by its value.
// Tokens not in `known` stay.
nlohmann::json substitute_deferred(const nlohmann::json& value,
                                   const std::map<std::string, std::string>& known);

}  // namespace fogbank::templates
