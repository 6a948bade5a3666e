#pragma once
// One emulated resource type: which properties it takes, how it becomes calls, what Ref and
// Fn::GetAtt give, and how an existing resource is brought in line with the template. One file
// per service implements them (types_dynamodb.cpp, types_sqs.cpp, types_lambda.cpp,
// types_apigw.cpp).

#include "fogbank/core/service.hpp"
#include "fogbank/template/loader.hpp"
#include "plan.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace fogbank::templates {

// Runs calls on the services. The real one is the in-process client; tests give their own.
class call_runner {
 public:
  virtual ~call_runner() = default;
  virtual core::call_result call(const std::string& service, const std::string& operation,
                                 const json& request) = 0;
};

// The calls of one resource, with errors reported at it: "file:line: Orders: CreateTable:
// ValidationException: ...".
class resource_calls {
 public:
  resource_calls(call_runner& runner, const template_source& source, const planned_resource& resource)
      : runner_(runner), source_(source), resource_(resource) {}

  // The response, or throws template_error naming the operation and the service's error.
  json must(const std::string& service, const std::string& operation, const json& request);
  json must(const planned_call& call) { return must(call.service, call.operation, call.request); }
  // The response, or nullopt when the service answers `absent` (the resource does not exist);
  // any other error throws as must() does.
  std::optional<json> find(const std::string& service, const std::string& operation, const json& request,
                           core::error_code absent);
  // Throws template_error at the resource (or at `property` of it) with `reason`.
  [[noreturn]] void fail(const std::string& reason, const std::string& property = "") const;

  int calls_made() const noexcept { return calls_; }

 private:
  call_runner& runner_;
  const template_source& source_;
  const planned_resource& resource_;
  int calls_ = 0;
};

struct ensure_result {
  resource_action action = resource_action::created;
  std::string physical_id;  // as reported (a queue's URL, as CloudFormation's PhysicalResourceId is)
  std::string recorded_id;  // as the next load finds it again (a queue's name); empty: physical_id
  std::map<std::string, std::string> deferred;  // values of the resource's tokens: "StreamArn" -> ...
  std::vector<std::string> notes;               // what was updated
};

class resource_type {
 public:
  virtual ~resource_type() = default;
  virtual std::string_view type_name() const = 0;

  // The properties it takes (others are refused, naming the property and its line) and those it
  // accepts without emulating them (listed as notes).
  virtual const std::set<std::string>& supported() const = 0;
  virtual const std::set<std::string>& accepted_unemulated() const = 0;

  // Fills physical_id, create, attributes (and missing, notes) from r.properties, which are
  // resolved. Throws template_error for a value it cannot use.
  virtual void plan(const plan_context& context, planned_resource& r) const = 0;

  // Makes the resource exist as `r` says (tokens of earlier resources already replaced):
  // creates it when missing, updates what differs from `previous` (what the last load gave it;
  // nullptr when this load has no record) and from the service's own description.
  virtual ensure_result ensure(resource_calls& calls, const planned_resource& r,
                               const recorded_resource* previous) const = 0;

  // The calls that delete what ensure() created (`done`), so that a load failing at a later
  // resource leaves nothing of its own behind. None for what is no resource of its own (a queue
  // policy, a permission).
  virtual std::vector<planned_call> delete_calls(const ensure_result& done) const {
    static_cast<void>(done);
    return {};
  }
};

// The emulated type called `name`, or nullptr.
const resource_type* find_resource_type(std::string_view name);

// The resource types of each service (registered in find_resource_type).
const resource_type& dynamodb_table_type();
const resource_type& sqs_queue_type();
const resource_type& sqs_queue_policy_type();
const resource_type& lambda_function_type();
const resource_type& lambda_event_source_mapping_type();
const resource_type& lambda_permission_type();
const resource_type& apigw_api_type();
const resource_type& apigw_route_type();
const resource_type& apigw_integration_type();
const resource_type& apigw_route_response_type();
const resource_type& apigw_stage_type();
const resource_type& apigw_deployment_type();
const resource_type& apigw_authorizer_type();
const resource_type& sns_topic_type();
const resource_type& sns_subscription_type();
const resource_type& sns_topic_policy_type();
const resource_type& apigateway_rest_api_type();
const resource_type& apigateway_resource_type();
const resource_type& apigateway_method_type();
const resource_type& apigateway_authorizer_type();
const resource_type& apigateway_deployment_type();
const resource_type& apigateway_stage_type();

// ---- helpers for the types -----------------------------------------------------------------

// A hash of `text` that is the same on every build and platform (std::hash need not be), for
// seeding the random parts of names.
std::uint64_t stable_hash(std::string_view text);

// CloudFormation's generated physical name: "<stack>-<logicalId>-<12 of [A-Z0-9]>", the front
// cut to fit `max_length` with `suffix` (".fifo") after it; the random part is a function of
// (seed, stack, logical id), so a load with the same seed names things the same way.
std::string generated_name(const plan_context& context, const std::string& logical_id, std::size_t max_length,
                           const std::string& suffix = "");
// The name a resource keeps: its property `name_property` when the template gives it, else what
// an earlier load recorded for it, else a generated one.
std::string physical_name(const plan_context& context, const planned_resource& r,
                          const std::string& name_property, std::size_t max_length,
                          const std::string& suffix = "");

// Property coercions, at `pointer` for errors: templates carry scalars as strings.
std::int64_t int_property(const plan_context& context, const json& value, const std::string& pointer);
bool bool_property(const plan_context& context, const json& value, const std::string& pointer);
std::string string_property(const plan_context& context, const json& value, const std::string& pointer);
// CloudFormation's Tags ([{Key, Value}]) as a map, checked.
std::map<std::string, std::string> tag_map(const plan_context& context, const json& tags,
                                           const std::string& pointer);
// A JSON-typed property (a policy, a redrive policy) as JSON text: an object is serialized, a
// string is taken as it is.
std::string json_text(const plan_context& context, const json& value, const std::string& pointer);

// The pointer of property `name` of `r`.
std::string property_path(const planned_resource& r, const std::string& name);

}  // namespace fogbank::templates
