#pragma once
// The order resources are created in: each after the resources its properties refer to (Ref,
// Fn::GetAtt, Fn::Sub; inside Fn::If only the branch its condition takes) and those it names in
// DependsOn; among resources free to go, the template's order.

#include "intrinsics.hpp"

#include <vector>

namespace fogbank::templates {

// The resources whose Condition holds, in creation order. Throws template_error for a reference
// to a name that is neither a parameter nor a resource (at the reference), or a cycle (at the
// reference that closes it, naming the resources in it).
std::vector<const resource_decl*> creation_order(const template_source& source, const stack_model& model,
                                                 evaluator& conditions);

}  // namespace fogbank::templates
