#include "execute.hpp"

#include "deferred.hpp"

#include <algorithm>
#include <set>

namespace fogbank::templates {
namespace {

planned_resource with_values(const planned_resource& planned,
                             const std::map<std::string, std::string>& known) {
  planned_resource r = planned;
  r.physical_id = substitute_deferred(json(r.physical_id), known).get<std::string>();
  r.properties = substitute_deferred(r.properties, known);
  for (planned_call& call : r.create) call.request = substitute_deferred(call.request, known);
  for (auto& [name, value] : r.attributes) value = substitute_deferred(value, known);
  return r;
}

std::string scalar_output(const json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

// CloudFormation outputs are strings; a list shows as its items joined, as Fn::Join would. Not
// recursive: a list inside a list shows as its JSON.
std::string output_text(const json& value) {
  if (!value.is_array()) return scalar_output(value);
  std::string out;
  for (const json& item : value) out += (out.empty() ? "" : ",") + scalar_output(item);
  return out;
}

// What this load created, newest last, so that a failure can delete it again.
using created_list = std::vector<std::pair<const resource_type*, ensure_result>>;

load_result run_plan(const template_source& source, const stack_plan& plan, call_runner& runner,
                     stack_state& state, std::map<std::string, std::string>* exports, created_list& created) {
  load_result result;
  result.stack_name = plan.stack_name;
  std::map<std::string, std::string> known;
  std::set<std::string> in_plan;
  for (const planned_resource& planned : plan.resources) {
    in_plan.insert(planned.logical_id);
    const planned_resource r = with_values(planned, known);
    for (const planned_call& call : r.create) {
      std::set<std::string> left;
      collect_deferred(call.request, &left);
      if (!left.empty()) {
        // An attribute its resource did not have once made (a stream ARN of a table whose stream
        // the service did not report): nothing can stand in for it.
        fail_at(source, r.pointer, "needs " + *left.begin() + ", which is not known");
      }
    }
    resource_outcome outcome{r.logical_id, r.type, r.physical_id, resource_action::ignored, r.notes};
    const recorded_resource* previous = state.find(r.logical_id);
    if (previous != nullptr && previous->type != r.type) previous = nullptr;
    if (r.kind == nullptr) {
      outcome.notes.push_back("not emulated by fogbank");
      if (state.put(r.logical_id, {r.type, r.physical_id, r.properties, json::object()}))
        state.append(r.logical_id);
    } else {
      resource_calls calls(runner, source, r);
      ensure_result done = r.kind->ensure(calls, r, previous);
      if (done.action == resource_action::created) created.emplace_back(r.kind, done);
      for (const auto& [attribute, value] : done.deferred) known[r.logical_id + "." + attribute] = value;
      outcome.physical_id = done.physical_id;
      outcome.action = done.action;
      outcome.notes.insert(outcome.notes.end(), done.notes.begin(), done.notes.end());
      const json request = r.create.empty() ? json::object() : r.create.front().request;
      // Journaled as soon as it is made: after a kill, a later load finds it under its recorded
      // name instead of making another. The record is rewritten whole once, below.
      if (state.put(r.logical_id, {r.type, done.recorded_id.empty() ? done.physical_id : done.recorded_id,
                                   r.properties, request})) {
        state.append(r.logical_id);
      }
    }
    result.resources.push_back(std::move(outcome));
  }
  for (const auto& [logical_id, type] : plan.skipped) {
    result.resources.push_back({logical_id, type, "", resource_action::skipped, {"its Condition is false"}});
  }
  // What an earlier load made and this template no longer has is left as it is (deleting a
  // table would drop its items), and forgotten.
  std::set<std::string> skipped;
  for (const auto& [logical_id, type] : plan.skipped) skipped.insert(logical_id);
  for (const std::string& logical_id : state.logical_ids()) {
    if (in_plan.contains(logical_id)) continue;
    const recorded_resource* gone = state.find(logical_id);
    result.notes.push_back(logical_id + " (" + gone->physical_id + ") " +
                           (skipped.contains(logical_id) ? "has a Condition that is now false"
                                                         : "is no longer in the template") +
                           ": left in place");
    state.erase(logical_id);
  }
  state.save();

  for (const planned_output& output : plan.outputs) {
    const json value = substitute_deferred(output.value, known);
    std::set<std::string> left;
    collect_deferred(value, &left);
    if (!left.empty())
      fail_at(source, child_path("/Outputs", output.name), "needs " + *left.begin() + ", which is not known");
    const std::string text = output_text(value);
    result.outputs.emplace_back(output.name, text);
    if (exports != nullptr && !output.export_name.empty()) (*exports)[output.export_name] = text;
  }
  for (const recorded_event& event : plan.events) {
    result.notes.push_back(event.function + " event " + event.name + " (" + event.type +
                           ") recorded: fogbank does not deliver " + event.type + " events yet");
  }
  return result;
}

}  // namespace

load_result execute_plan(const template_source& source, const stack_plan& plan, call_runner& runner,
                         stack_state& state, std::map<std::string, std::string>* exports) {
  const stack_state before = state;
  created_list created;
  try {
    return run_plan(source, plan, runner, state, exports, created);
  } catch (const template_error& error) {
    if (created.empty()) throw;
    // As CloudFormation rolls back a failed creation: what this load made is deleted again,
    // newest first, and the record is as it was. Deleting is best effort (a refusal is no reason
    // to hide the error that matters).
    for (auto it = created.rbegin(); it != created.rend(); ++it) {
      for (const planned_call& call : it->first->delete_calls(it->second)) {
        static_cast<void>(runner.call(call.service, call.operation, call.request));
      }
    }
    state.restore(before);
    const std::string what = created.size() == 1 ? std::string("the resource this load created before it was")
                                                 : "the " + std::to_string(created.size()) +
                                                       " resources this load created before it were";
    throw template_error(error.file(), error.line(), error.resource(), error.property(),
                         error.reason() + " (" + what + " deleted again)");
  }
}

}  // namespace fogbank::templates
