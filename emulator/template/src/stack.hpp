#pragma once
// A template's sections, checked: Parameters, Mappings, Conditions, Resources and Outputs as
// CloudFormation's template anatomy defines them, and the parameter values of one load.

#include "source.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fogbank::templates {

// CloudFormation quotas ("CloudFormation quotas" page): per template.
inline constexpr std::size_t max_resources = 500;
inline constexpr std::size_t max_parameters = 200;
inline constexpr std::size_t max_outputs = 200;
inline constexpr std::size_t max_mappings = 200;
// Parameter values are checked against AllowedPattern with std::regex, which recurses per
// character on some patterns: values longer than this are refused before any match. Parameter
// values in CloudFormation are at most 4,096 bytes.
inline constexpr std::size_t max_parameter_bytes = 4096;

struct parameter_decl {
  std::string name;
  std::string type;  // String, Number, List<Number>, CommaDelimitedList, AWS::..., List<AWS::...>
  json declaration;  // the parameter's object as written
  std::string pointer;
};

struct resource_decl {
  std::string logical_id;
  std::string type;
  json properties = json::object();
  std::vector<std::string> depends_on;
  std::string condition;  // empty: always created
  std::string pointer;    // "/Resources/<id>"
};

struct output_decl {
  std::string name;
  json value;
  json export_name;  // null when not exported
  std::string condition;
  std::string pointer;
};

struct stack_model {
  std::vector<parameter_decl> parameters;  // file order
  json mappings = json::object();
  json conditions = json::object();
  std::vector<std::string> condition_names;  // file order
  std::vector<resource_decl> resources;      // file order (SAM's generated ones after their source)
  std::vector<output_decl> outputs;          // file order

  const resource_decl* find_resource(const std::string& logical_id) const;
  const parameter_decl* find_parameter(const std::string& name) const;
};

// The sections of `source` (after the SAM transform), checked for shape: known top-level
// sections, alphanumeric logical ids, each resource's Type and attributes, DependsOn and
// Condition naming what exists, Outputs with a Value, CloudFormation's quotas. Throws
// template_error.
stack_model read_model(const template_source& source);

// Each parameter's value for this load: `overrides`, else its Default. String and Number
// parameters are JSON strings (Ref of a Number gives a string, as in CloudFormation); list types
// are arrays of strings. Throws template_error for a missing value or one that breaks Type,
// AllowedValues, AllowedPattern, Min/MaxLength or Min/MaxValue, in CloudFormation's words.
std::map<std::string, json> resolve_parameters(const template_source& source, const stack_model& model,
                                               const std::map<std::string, std::string>& overrides);

}  // namespace fogbank::templates
