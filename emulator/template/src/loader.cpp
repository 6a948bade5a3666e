// The public face: read_template (file -> checked template, SAM applied), deploy (plan, then
// execute through the in-process client) and describe (what `fogbank serve` prints).

#include "fogbank/template/loader.hpp"

#include "local_urls.hpp"

#include "execute.hpp"
#include "fogbank/dispatch/client.hpp"
#include "plan.hpp"
#include "sam.hpp"
#include "stack.hpp"

#include <cctype>

namespace fogbank::templates {

struct parsed_template_impl {
  template_source source;
  stack_model model;
  std::vector<recorded_event> events;
};

namespace {

// CloudFormation stack names: a letter, then letters, digits and hyphens, at most 128.
constexpr std::size_t max_stack_name = 128;

bool valid_stack_name(const std::string& name) {
  if (name.empty() || name.size() > max_stack_name || !std::isalpha(static_cast<unsigned char>(name[0])))
    return false;
  for (const char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  }
  return true;
}

class client_runner final : public call_runner {
 public:
  explicit client_runner(const dispatch::client& client) : client_(client) {}
  core::call_result call(const std::string& service, const std::string& operation,
                         const json& request) override {
    return client_.call(service, operation, request);
  }

 private:
  const dispatch::client& client_;
};

std::string action_name(resource_action action) {
  switch (action) {
    case resource_action::created:
      return "created";
    case resource_action::updated:
      return "updated";
    case resource_action::unchanged:
      return "unchanged";
    case resource_action::ignored:
      return "ignored";
    case resource_action::skipped:
      return "skipped";
  }
  return "?";
}

}  // namespace

template_error::template_error(std::string file, int line, std::string resource, std::string property,
                               std::string reason)
    : std::runtime_error([&] {
        std::string text = file;
        if (line > 0) text += ":" + std::to_string(line);
        text += ": ";
        if (!resource.empty()) text += resource + ": ";
        if (!property.empty()) text += property + ": ";
        return text + reason;
      }()),
      file_(std::move(file)),
      line_(line),
      resource_(std::move(resource)),
      property_(std::move(property)),
      reason_(std::move(reason)) {}

const std::filesystem::path& parsed_template::file() const noexcept {
  return impl_->source.file;
}

std::vector<std::string> parsed_template::parameter_names() const {
  std::vector<std::string> names;
  for (const parameter_decl& parameter : impl_->model.parameters) names.push_back(parameter.name);
  return names;
}

std::string parsed_template::default_stack_name() const {
  const std::filesystem::path& file = impl_->source.file;
  std::string name = file.stem().string();
  // SAM's conventional file name says nothing of the app: its folder does.
  const std::filesystem::path folder = std::filesystem::absolute(file).parent_path().filename();
  if (name == "template" && !folder.empty()) name = folder.string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') c = '-';
  }
  if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0]))) name = "stack-" + name;
  if (name.size() > max_stack_name) name.resize(max_stack_name);
  return name;
}

parsed_template read_template(const std::filesystem::path& file) {
  auto impl = std::make_shared<parsed_template_impl>();
  impl->source = read_source(file);
  if (uses_sam(impl->source)) apply_sam(impl->source, &impl->events);
  impl->model = read_model(impl->source);
  return parsed_template(std::move(impl));
}

load_result deploy(const dispatch::client& client, const parsed_template& tmpl, const load_options& options) {
  const parsed_template_impl& impl = tmpl.impl();
  plan_options planning;
  planning.stack_name = options.stack_name.empty() ? tmpl.default_stack_name() : options.stack_name;
  if (!valid_stack_name(planning.stack_name)) {
    throw template_error(
        impl.source.file.string(), 0, "", "",
        "'" + planning.stack_name +
            "' is not a valid stack name (a letter, then letters, digits and hyphens, at most 128)");
  }
  planning.parameters = options.parameters;
  planning.seed = options.seed;
  planning.region = client.default_context().region;
  planning.account_id = client.default_context().account_id;
  planning.code_dir = options.code_dir;
  planning.exports = options.exports;
  stack_state state = stack_state::load(options.state_dir, planning.stack_name);
  const stack_plan plan = make_plan(impl.source, impl.model, impl.events, planning, state);
  client_runner runner(client);
  load_result result = execute_plan(impl.source, plan, runner, state, options.exports);
  for (const auto& [name, value] : result.outputs) {
    if (auto local = local_invoke_url(value, client.default_context().endpoint))
      result.notes.push_back("output " + name + " reaches fogbank at " + *local);
    else if (auto command = local_command(value, client.default_context().endpoint))
      result.notes.push_back("output " + name + " reaches fogbank as " + *command);
  }
  return result;
}

std::vector<std::string> describe(const load_result& result) {
  std::vector<std::string> lines;
  for (const resource_outcome& r : result.resources) {
    std::string line =
        result.stack_name + ": " + action_name(r.action) + " " + r.logical_id + " (" + r.type + ")";
    if (!r.physical_id.empty()) line += " " + r.physical_id;
    for (std::size_t i = 0; i < r.notes.size(); ++i) line += (i == 0 ? ": " : "; ") + r.notes[i];
    lines.push_back(std::move(line));
  }
  for (const std::string& note : result.notes) lines.push_back(result.stack_name + ": " + note);
  for (const auto& [name, value] : result.outputs) {
    std::string line = result.stack_name;
    line.append(": output ").append(name).append(" = ").append(value);
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace fogbank::templates
