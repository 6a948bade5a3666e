#pragma once
// A template as a plan: its resources in creation order, each with its properties resolved, its
// physical name, the calls that create it (service, operation, request) and what Ref and
// Fn::GetAtt of it give. Values only known once a resource exists are tokens (deferred.hpp);
// `needs` says which outputs of earlier resources feed a resource's calls. execute.hpp runs it.

#include "intrinsics.hpp"
#include "sam.hpp"
#include "state.hpp"

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace fogbank::templates {

class resource_type;

struct planned_call {
  std::string service;    // "dynamodb", "sqs", "lambda"
  std::string operation;  // "CreateTable"
  json request;
};

struct planned_resource {
  std::string logical_id;
  std::string type;
  std::string pointer;                         // "/Resources/<id>"
  const resource_type* kind = nullptr;         // nullptr: a type fogbank does not emulate (ignored)
  std::string physical_id;                     // the name it has (or gets); may be a token
  json properties = json::object();            // resolved: no intrinsic functions left, maybe tokens
  std::vector<planned_call> create;            // the calls that create it, in order
  std::map<std::string, json> attributes;      // "Ref", "Arn", ...: values or tokens
  std::map<std::string, std::string> missing;  // attributes it does not have here, and why
  std::set<std::string> needs;                 // "<LogicalId>.<Attribute>" its calls wait for
  std::vector<std::string> notes;              // accepted but not emulated
  std::map<std::string, std::string> files;    // inline code: path -> content, written before the calls
};

struct planned_output {
  std::string name;
  json value;  // may hold tokens
  std::string export_name;
};

struct stack_plan {
  std::string stack_name;
  std::vector<planned_resource> resources;                   // creation order
  std::vector<std::pair<std::string, std::string>> skipped;  // (logical id, type) whose Condition is false
  std::vector<planned_output> outputs;
  std::vector<recorded_event> events;
};

struct plan_options {
  std::string stack_name;
  std::map<std::string, std::string> parameters;
  std::uint64_t seed = 0;
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  std::filesystem::path code_dir;
  const std::map<std::string, std::string>* exports = nullptr;
};

// Everything a resource type needs to plan one resource.
struct plan_context {
  const template_source& source;
  const plan_options& options;
  const stack_state& recorded;  // what earlier loads created: their names are kept
  const std::string& stack_name;
};

// The plan of `source` (SAM already applied; `model` read from it) for this load. Throws
// template_error for a bad parameter, reference, cycle, property or attribute.
stack_plan make_plan(const template_source& source, const stack_model& model,
                     std::vector<recorded_event> events, const plan_options& options,
                     const stack_state& recorded);

}  // namespace fogbank::templates
