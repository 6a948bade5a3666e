#include "plan.hpp"

#include "deferred.hpp"
#include "fogbank/core/ids.hpp"
#include "order.hpp"
#include "resource_type.hpp"

#include <algorithm>

namespace fogbank::templates {
namespace {

// Names of resources fogbank does not emulate: long enough for any type's Ref.
constexpr std::size_t max_ignored_name = 128;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// What Ref and Fn::GetAtt give for a type fogbank does not emulate, shaped as AWS gives them so
// that a function's Role or an output still reads right: Ref the name (an SNS topic's ARN, as
// SNS's Ref is), Arn an ARN of the type's service, any other attribute the name.
json ignored_attribute(const plan_context& c, const planned_resource& r, const std::string& attribute) {
  const std::string& name = r.physical_id;
  const std::string& region = c.options.region;
  const std::string& account = c.options.account_id;
  std::string arn;
  if (r.type == "AWS::IAM::Role") {
    arn = "arn:aws:iam::" + account + ":role/" + name;
  } else if (r.type == "AWS::IAM::ManagedPolicy") {
    arn = "arn:aws:iam::" + account + ":policy/" + name;
  } else if (r.type == "AWS::Logs::LogGroup") {
    arn = "arn:aws:logs:" + region + ":" + account + ":log-group:" + name + ":*";
  } else if (r.type == "AWS::SNS::Topic") {
    arn = "arn:aws:sns:" + region + ":" + account + ":" + name;
    if (attribute == "Ref" || attribute == "TopicArn") return arn;
  } else if (r.type == "AWS::S3::Bucket") {
    arn = "arn:aws:s3:::" + name;
  } else {
    // "AWS::Service::Thing" -> arn:aws:service:<region>:<account>:thing/<name>
    const auto first = r.type.find("::");
    const auto second = r.type.find("::", first + 2);
    const std::string service = first == std::string::npos || second == std::string::npos
                                    ? std::string("unknown")
                                    : lower(r.type.substr(first + 2, second - first - 2));
    const std::string kind =
        second == std::string::npos ? std::string("resource") : lower(r.type.substr(second + 2));
    arn = "arn:aws:" + service + ":" + region + ":" + account + ":" + kind + "/" + name;
  }
  if (attribute == "Arn") return arn;
  return name;
}

std::string describe_attributes(const planned_resource& r) {
  std::string out;
  for (const auto& [name, value] : r.attributes) {
    if (name != "Ref") out += (out.empty() ? "" : ", ") + name;
  }
  return out.empty() ? std::string("none") : out;
}

void check_properties(const template_source& source, const resource_type& kind, const resource_decl& decl,
                      planned_resource& r) {
  for (const auto& [key, value] : decl.properties.items()) {
    if (kind.supported().contains(key)) continue;
    if (kind.accepted_unemulated().contains(key)) {
      r.notes.push_back(key + " accepted, not emulated");
      continue;
    }
    std::string supported;
    for (const std::string& name : kind.supported()) supported += (supported.empty() ? "" : ", ") + name;
    fail_at(source, child_path(child_path(decl.pointer, "Properties"), key),
            "is not a property of " + std::string(kind.type_name()) + " that fogbank supports (it supports " +
                supported + ")");
  }
}

std::string stack_id(const plan_options& options, const std::string& stack_name) {
  core::id_generator ids(core::id_generator::derive_seed(options.seed, stable_hash(stack_name)));
  return "arn:aws:cloudformation:" + options.region + ":" + options.account_id + ":stack/" + stack_name +
         "/" + ids.uuid();
}

}  // namespace

stack_plan make_plan(const template_source& source, const stack_model& model,
                     std::vector<recorded_event> events, const plan_options& options,
                     const stack_state& recorded) {
  stack_plan plan;
  plan.stack_name = options.stack_name;
  plan.events = std::move(events);
  pseudo_parameters pseudo{options.region, options.account_id, plan.stack_name,
                           stack_id(options, plan.stack_name)};
  evaluator values(source, model, resolve_parameters(source, model, options.parameters), pseudo,
                   options.exports);
  // Every condition is decided now, so that a malformed one fails the load even when unused.
  for (const std::string& name : model.condition_names)
    values.condition(name, child_path("/Conditions", name));

  const plan_context context{source, options, recorded, plan.stack_name};
  const std::vector<const resource_decl*> order = creation_order(source, model, values);
  for (const resource_decl& resource : model.resources) {
    if (std::find(order.begin(), order.end(), &resource) == order.end()) {
      plan.skipped.emplace_back(resource.logical_id, resource.type);
    }
  }
  std::map<std::string, std::size_t> planned;
  values.set_resources(
      [&](const std::string& logical_id, const std::string& attribute, const std::string& pointer) {
        const auto at = planned.find(logical_id);
        if (at == planned.end())
          fail_at(source, pointer, "refers to " + logical_id + " before it is planned");
        const planned_resource& target = plan.resources[at->second];
        if (target.kind == nullptr) return ignored_attribute(context, target, attribute);
        if (const auto value = target.attributes.find(attribute); value != target.attributes.end())
          return value->second;
        if (const auto why = target.missing.find(attribute); why != target.missing.end()) {
          fail_at(source, pointer, logical_id + " has no " + attribute + ": " + why->second);
        }
        fail_at(source, pointer,
                "Template error: resource " + logical_id + " (" + target.type +
                    ") does not support attribute type " + attribute + " in Fn::GetAtt (it has " +
                    describe_attributes(target) + ")");
      });

  for (const resource_decl* decl : order) {
    planned_resource r;
    r.logical_id = decl->logical_id;
    r.type = decl->type;
    r.pointer = decl->pointer;
    r.kind = find_resource_type(decl->type);
    if (r.kind != nullptr) check_properties(source, *r.kind, *decl, r);
    std::optional<json> properties =
        values.resolve(decl->properties, child_path(decl->pointer, "Properties"));
    r.properties = properties && properties->is_object() ? std::move(*properties) : json::object();
    if (r.kind != nullptr) {
      r.kind->plan(context, r);
    } else {
      r.physical_id = physical_name(context, r, "", max_ignored_name);
      r.attributes["Ref"] = r.physical_id;
    }
    for (const planned_call& call : r.create) collect_deferred(call.request, &r.needs);
    planned[r.logical_id] = plan.resources.size();
    plan.resources.push_back(std::move(r));
  }

  for (const output_decl& output : model.outputs) {
    if (!output.condition.empty() &&
        !values.condition(output.condition, child_path(output.pointer, "Condition"))) {
      continue;
    }
    std::optional<json> value = values.resolve(output.value, child_path(output.pointer, "Value"));
    planned_output out{output.name, value ? std::move(*value) : json(""), ""};
    if (!output.export_name.is_null()) {
      const std::string at = child_path(child_path(output.pointer, "Export"), "Name");
      const std::optional<json> name = values.resolve(output.export_name, at);
      if (!name || !name->is_string()) fail_at(source, at, "an export's Name must be a string");
      out.export_name = name->get<std::string>();
    }
    plan.outputs.push_back(std::move(out));
  }
  return plan;
}

}  // namespace fogbank::templates
