#include "order.hpp"

#include <algorithm>
#include <map>
#include <queue>
#include <set>

namespace fogbank::templates {
namespace {

struct reference {
  std::string target;
  std::string pointer;  // where the reference is, for errors
};

class reference_finder {
 public:
  reference_finder(const template_source& source, const stack_model& model, evaluator& conditions)
      : source_(source), model_(model), conditions_(conditions) {}

  void collect(const json& value, const std::string& pointer, int depth, std::vector<reference>& out) {
    if (depth > max_evaluation_depth) {
      fail_at(source_, pointer, "nested deeper than " + std::to_string(max_evaluation_depth) + " levels");
    }
    if (value.is_object() && value.size() == 1) {
      const std::string& name = value.begin().key();
      const json& args = value.begin().value();
      const std::string at = child_path(pointer, name);
      if (name == "Ref" && args.is_string()) {
        add(args.get<std::string>(), at, out);
        return;
      }
      if (name == "Fn::GetAtt") {
        if (args.is_array() && !args.empty() && args[0].is_string())
          add_resource(args[0].get<std::string>(), at, out);
        if (args.is_string())
          add_resource(args.get<std::string>().substr(0, args.get<std::string>().find('.')), at, out);
        if (args.is_array() && args.size() == 2) collect(args[1], child_path(at, 1), depth + 1, out);
        return;
      }
      if (name == "Fn::Sub") {
        sub(args, at, depth, out);
        return;
      }
      if (name == "Fn::If" && args.is_array() && args.size() == 3 && args[0].is_string()) {
        const std::size_t chosen =
            conditions_.condition(args[0].get<std::string>(), child_path(at, 0)) ? 1 : 2;
        collect(args[chosen], child_path(at, chosen), depth + 1, out);
        return;
      }
    }
    if (value.is_object()) {
      for (const auto& [key, member] : value.items())
        collect(member, child_path(pointer, key), depth + 1, out);
    } else if (value.is_array()) {
      for (std::size_t i = 0; i < value.size(); ++i)
        collect(value[i], child_path(pointer, i), depth + 1, out);
    }
  }

 private:
  void sub(const json& args, const std::string& at, int depth, std::vector<reference>& out) {
    std::string text;
    std::set<std::string> local;
    std::string text_path = at;
    if (args.is_string()) {
      text = args.get<std::string>();
    } else if (args.is_array() && args.size() == 2 && args[0].is_string()) {
      text = args[0].get<std::string>();
      text_path = child_path(at, 0);
      if (args[1].is_object()) {
        for (const auto& [key, member] : args[1].items()) {
          local.insert(key);
          collect(member, child_path(child_path(at, 1), key), depth + 1, out);
        }
      }
    } else {
      return;  // malformed: the evaluator says so
    }
    for (const std::string& name : sub_references(source_, text, text_path)) {
      if (local.contains(name) || name.rfind("AWS::", 0) == 0) continue;
      const auto dot = name.find('.');
      if (dot == std::string::npos) {
        add(name, text_path, out);
      } else {
        add_resource(name.substr(0, dot), text_path, out);
      }
    }
  }

  void add(const std::string& name, const std::string& pointer, std::vector<reference>& out) {
    if (conditions_.is_parameter(name)) return;
    add_resource(name, pointer, out);
  }

  void add_resource(const std::string& name, const std::string& pointer, std::vector<reference>& out) {
    if (model_.find_resource(name) == nullptr) {
      fail_at(source_, pointer,
              "Template format error: Unresolved resource dependencies [" + name +
                  "] in the Resources block of the template");
    }
    out.push_back({name, pointer});
  }

  const template_source& source_;
  const stack_model& model_;
  evaluator& conditions_;
};

}  // namespace

std::vector<const resource_decl*> creation_order(const template_source& source, const stack_model& model,
                                                 evaluator& conditions) {
  std::vector<const resource_decl*> created;
  for (const resource_decl& resource : model.resources) {
    if (resource.condition.empty() ||
        conditions.condition(resource.condition, child_path(resource.pointer, "Condition"))) {
      created.push_back(&resource);
    }
  }
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < created.size(); ++i) index[created[i]->logical_id] = i;

  // edges[i]: the resources i waits for, each with where i refers to it.
  std::vector<std::map<std::size_t, std::string>> edges(created.size());
  reference_finder finder(source, model, conditions);
  for (std::size_t i = 0; i < created.size(); ++i) {
    std::vector<reference> references;
    finder.collect(created[i]->properties, child_path(created[i]->pointer, "Properties"), 0, references);
    for (std::size_t d = 0; d < created[i]->depends_on.size(); ++d) {
      references.push_back({created[i]->depends_on[d], child_path(created[i]->pointer, "DependsOn")});
    }
    for (const reference& r : references) {
      // A resource whose condition is false makes no edge; referring to it fails when the value
      // is evaluated, with its own message.
      const auto target = index.find(r.target);
      if (target != index.end()) edges[i].emplace(target->second, r.pointer);
    }
  }

  // Kahn's algorithm, the smallest template position first.
  std::vector<std::size_t> waiting(created.size());
  std::vector<std::vector<std::size_t>> dependents(created.size());
  for (std::size_t i = 0; i < created.size(); ++i) {
    waiting[i] = edges[i].size();
    for (const auto& [target, pointer] : edges[i]) dependents[target].push_back(i);
  }
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
  for (std::size_t i = 0; i < created.size(); ++i) {
    if (waiting[i] == 0) ready.push(i);
  }
  std::vector<const resource_decl*> order;
  while (!ready.empty()) {
    const std::size_t next = ready.top();
    ready.pop();
    order.push_back(created[next]);
    for (const std::size_t dependent : dependents[next]) {
      if (--waiting[dependent] == 0) ready.push(dependent);
    }
  }
  if (order.size() == created.size()) return order;

  // A cycle: walk from the first resource left along references to resources left until one
  // repeats; the cycle is the walk from that one on.
  std::size_t at = 0;
  while (waiting[at] == 0) ++at;
  std::vector<std::size_t> walk;
  std::map<std::size_t, std::size_t> seen;
  while (!seen.contains(at)) {
    seen[at] = walk.size();
    walk.push_back(at);
    for (const auto& [target, pointer] : edges[at]) {
      if (waiting[target] != 0) {
        at = target;
        break;
      }
    }
  }
  std::vector<std::size_t> cycle(walk.begin() + static_cast<std::ptrdiff_t>(seen[at]), walk.end());
  std::vector<std::string> names;
  for (const std::size_t i : cycle) names.push_back(created[i]->logical_id);
  std::vector<std::string> sorted = names;
  std::sort(sorted.begin(), sorted.end());
  std::string listed;
  for (const std::string& name : sorted) listed += (listed.empty() ? "" : ", ") + name;
  std::string path;
  for (const std::string& name : names) path += name + " -> ";
  path += names.front();
  const std::size_t first = cycle.front();
  const std::size_t second = cycle.size() > 1 ? cycle[1] : cycle.front();
  fail_at(source, edges[first].at(second),
          "Circular dependency between resources: [" + listed + "] (" + path + ")");
}

}  // namespace fogbank::templates
