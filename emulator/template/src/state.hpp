#pragma once
// What earlier loads of a stack created, kept in the data directory
// (`<state_dir>/templates/<stack>.json`): each resource's type, physical id and the properties
// it was last given (and the create request they made). A later load (after a restart on the same data) keeps
// the names, so it finds what it created instead of making new resources, and compares properties to know
// what changed. Written after each resource, by rename, so a kill leaves the last complete record.

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace fogbank::templates {

struct recorded_resource {
  std::string type;
  std::string physical_id;
  nlohmann::json properties = nlohmann::json::object();  // resolved, as the template gave them
  nlohmann::json request = nlohmann::json::object();     // the create request they made
};

class stack_state {
 public:
  stack_state() = default;
  // The record of `stack` under `state_dir`; empty when there is none or `state_dir` is empty.
  // Throws template_error for a record that cannot be read or parsed.
  static stack_state load(const std::filesystem::path& state_dir, const std::string& stack);

  const recorded_resource* find(const std::string& logical_id) const;
  void put(const std::string& logical_id, recorded_resource resource) {
    resources_[logical_id] = std::move(resource);
  }
  void erase(const std::string& logical_id) { resources_.erase(logical_id); }
  std::vector<std::string> logical_ids() const;

  // Writes the record (no-op without a state directory). Throws template_error on failure.
  void save() const;

 private:
  std::filesystem::path file_;
  std::map<std::string, recorded_resource> resources_;
};

}  // namespace fogbank::templates
