#pragma once
// CloudFormation's intrinsic functions and conditions, evaluated over a template's values: Ref
// (parameters, pseudo parameters, resources), Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select,
// Fn::Split, Fn::If, Fn::FindInMap, Fn::Base64, Fn::GetAZs, Fn::ImportValue, and in Conditions
// Fn::Equals, Fn::Not, Fn::And, Fn::Or and {Condition: name}. Every error names where it is.

#include "stack.hpp"

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace fogbank::templates {

// Each walk of a value (evaluation, conditions referring to conditions) goes at most this deep:
// the template's own nesting (max_template_depth) plus chains of conditions.
inline constexpr int max_evaluation_depth = 256;

struct pseudo_parameters {
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  std::string stack_name;
  std::string stack_id;
};

// What Ref or Fn::GetAtt of a resource gives: `attribute` is "Ref" for Ref. Called only for
// resources that are created (their Condition holds); throws template_error (at `pointer`) for
// an attribute the resource does not have.
using resource_resolver = std::function<json(const std::string& logical_id, const std::string& attribute,
                                             const std::string& pointer)>;

// The names Fn::Sub refers to in `text` ("${Name}" and "${Resource.Attribute}"; "${!Literal}" is
// no reference). Throws template_error at `pointer` for an unterminated "${".
std::vector<std::string> sub_references(const template_source& source, const std::string& text,
                                        const std::string& pointer);

class evaluator {
 public:
  evaluator(const template_source& source, const stack_model& model, std::map<std::string, json> parameters,
            pseudo_parameters pseudo, const std::map<std::string, std::string>* exports);

  // The truth of the condition `name`, evaluated once. Throws template_error for an unknown
  // name, a condition that refers to itself, or a malformed condition function.
  bool condition(const std::string& name, const std::string& pointer);

  // `value` (found at `pointer`) with every intrinsic function applied; nullopt when it is
  // AWS::NoValue. Members and list elements that are AWS::NoValue are left out. Resources are
  // resolved through `resources`; with none set, a reference to a resource is an error.
  std::optional<json> resolve(const json& value, const std::string& pointer);
  void set_resources(resource_resolver resources) { resources_ = std::move(resources); }

  // Whether `name` is a parameter, a pseudo parameter, or neither.
  bool is_parameter(const std::string& name) const;

 private:
  std::optional<json> resolve_at(const json& value, const std::string& pointer, int depth);
  std::optional<json> function(const std::string& name, const json& args, const std::string& pointer,
                               int depth);
  json ref(const std::string& name, const std::string& pointer);
  json get_att(const json& args, const std::string& pointer, int depth);
  json sub(const json& args, const std::string& pointer, int depth);
  json join(const json& args, const std::string& pointer, int depth);
  json select(const json& args, const std::string& pointer, int depth);
  json split(const json& args, const std::string& pointer, int depth);
  json find_in_map(const json& args, const std::string& pointer, int depth);
  std::optional<json> if_(const json& args, const std::string& pointer, int depth);
  bool condition_at(const std::string& name, const std::string& pointer, int depth);
  bool condition_value(const json& value, const std::string& pointer, int depth);
  json must_resolve(const json& value, const std::string& pointer, int depth);
  std::string string_arg(const json& value, const std::string& pointer, int depth, const std::string& what);

  const template_source& source_;
  const stack_model& model_;
  std::map<std::string, json> parameters_;
  pseudo_parameters pseudo_;
  const std::map<std::string, std::string>* exports_;
  resource_resolver resources_;
  std::map<std::string, bool> conditions_;
  std::set<std::string> evaluating_;
  // Above zero while the arguments of a condition function are evaluated: they may not name
  // resources (conditions are decided before anything is created).
  int in_condition_ = 0;
};

}  // namespace fogbank::templates
