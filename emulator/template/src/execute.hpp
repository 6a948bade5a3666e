#pragma once
// Executing a plan: resource by resource in its order, each token of an earlier resource
// replaced by its value, the resource created or brought in line (resource_type::ensure), and
// what it is now recorded, so that a kill mid-load loses nothing a later load needs.

#include "plan.hpp"
#include "resource_type.hpp"

namespace fogbank::templates {

// Runs `plan` through `runner`, recording each resource in `state` (journaled as it is made, the
// record written whole at the end), and adds the exported outputs to `exports` (when given).
// Throws template_error for a call a service refuses; the resources this load created before it
// are deleted again and the record is left as it was (what it updated stays updated).
load_result execute_plan(const template_source& source, const stack_plan& plan, call_runner& runner,
                         stack_state& state, std::map<std::string, std::string>* exports);

}  // namespace fogbank::templates
