#include "state.hpp"

#include "fogbank/core/json_limits.hpp"
#include "fogbank/template/loader.hpp"
#include "source.hpp"

#include <fstream>
#include <sstream>
#include <system_error>

namespace fogbank::templates {
namespace {

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& reason) {
  throw template_error(file.string(), 0, "", "", reason);
}

}  // namespace

stack_state stack_state::load(const std::filesystem::path& state_dir, const std::string& stack) {
  stack_state state;
  if (state_dir.empty()) return state;
  state.file_ = state_dir / "templates" / (stack + ".json");
  std::error_code ec;
  if (!std::filesystem::exists(state.file_, ec)) return state;
  std::ifstream in(state.file_, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) fail(state.file_, "cannot read the record of what earlier loads created");
  // Written by save() from resolved templates, so nested no deeper than they are.
  const auto parsed = core::parse_json_within(text.str(), 2 * max_template_depth);
  if (!parsed || !parsed->is_object() || !parsed->contains("resources") ||
      !(*parsed)["resources"].is_object()) {
    fail(state.file_, "the record of what earlier loads created is damaged; remove it to start afresh");
  }
  for (const auto& [logical_id, entry] : (*parsed)["resources"].items()) {
    if (!entry.is_object() || !entry.contains("type") || !entry["type"].is_string() ||
        !entry.contains("physical_id") || !entry["physical_id"].is_string()) {
      fail(state.file_, "the record of " + logical_id + " is damaged; remove the file to start afresh");
    }
    state.resources_[logical_id] = {entry["type"].get<std::string>(), entry["physical_id"].get<std::string>(),
                                    entry.value("properties", nlohmann::json::object()),
                                    entry.value("request", nlohmann::json::object())};
  }
  return state;
}

const recorded_resource* stack_state::find(const std::string& logical_id) const {
  const auto it = resources_.find(logical_id);
  return it == resources_.end() ? nullptr : &it->second;
}

std::vector<std::string> stack_state::logical_ids() const {
  std::vector<std::string> ids;
  for (const auto& [id, resource] : resources_) ids.push_back(id);
  return ids;
}

void stack_state::save() const {
  if (file_.empty()) return;
  nlohmann::json resources = nlohmann::json::object();
  for (const auto& [id, r] : resources_) {
    resources[id] = {{"type", r.type},
                     {"physical_id", r.physical_id},
                     {"properties", r.properties},
                     {"request", r.request}};
  }
  const nlohmann::json document = {{"resources", resources}};
  std::error_code ec;
  std::filesystem::create_directories(file_.parent_path(), ec);
  if (ec) fail(file_, "cannot create " + file_.parent_path().string() + ": " + ec.message());
  // Written aside and renamed over the old record: a kill mid-write leaves the old one whole.
  const std::filesystem::path temporary = file_.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << document.dump(2) << "\n";
    out.flush();
    if (!out) fail(temporary, "cannot write the record of what this load created");
  }
  std::filesystem::rename(temporary, file_, ec);
  if (ec) fail(file_, "cannot write the record of what this load created: " + ec.message());
}

}  // namespace fogbank::templates
