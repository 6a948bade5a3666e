#pragma once
// CloudFormation and SAM templates: resources declared the way teams already declare them,
// created through the in-process client (dispatch::client), on the same call path as the AWS
// APIs. A template is read (YAML or JSON, short and long intrinsic forms, the SAM transform),
// turned into a plan of calls in dependency order, and the plan is executed: what is missing is
// created, what differs from the template is updated, what is equal is kept with its data.
//
// The subset supported, and what fogbank accepts but ignores, is documented in README.md
// ("Templates").
//
// Thread-safety: read_template and deploy may run on any thread; deploy makes synchronous calls
// through the client, so it must not run on the scheduler's thread of a manual-clock emulator
// that another thread drives.

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace fogbank::dispatch {
class client;
}

namespace fogbank::templates {

// A template that cannot be loaded, and where: what() is "file:line: resource: property: reason",
// leaving out the parts that do not apply (a YAML syntax error has no resource).
class template_error : public std::runtime_error {
 public:
  template_error(std::string file, int line, std::string resource, std::string property, std::string reason);

  const std::string& file() const noexcept { return file_; }
  int line() const noexcept { return line_; }  // 1-based; 0 when unknown
  const std::string& resource() const noexcept { return resource_; }
  const std::string& property() const noexcept { return property_; }
  const std::string& reason() const noexcept { return reason_; }

 private:
  std::string file_;
  int line_;
  std::string resource_;
  std::string property_;
  std::string reason_;
};

struct parsed_template_impl;

// A template read from its file, the SAM transform applied. Cheap to copy (shared, immutable).
class parsed_template {
 public:
  explicit parsed_template(std::shared_ptr<const parsed_template_impl> impl) : impl_(std::move(impl)) {}

  const std::filesystem::path& file() const noexcept;
  // The names under Parameters, in the template's order.
  std::vector<std::string> parameter_names() const;
  // The stack name a template gets when none is given: the file's name without its extension,
  // or, for SAM's conventional `template.yaml`/`template.json`, its folder's name; made a valid
  // stack name ([A-Za-z][A-Za-z0-9-]*).
  std::string default_stack_name() const;

  const parsed_template_impl& impl() const noexcept { return *impl_; }

 private:
  std::shared_ptr<const parsed_template_impl> impl_;
};

// Reads and checks `file`. Throws template_error (file:line and what is wrong) for a file that
// cannot be read, YAML or JSON that does not parse, a malformed section or intrinsic function,
// an unsupported transform, or an invalid SAM resource.
parsed_template read_template(const std::filesystem::path& file);

struct load_options {
  // AWS::StackName, and the prefix of generated names. Empty: the template's default.
  std::string stack_name;
  // Values for the template's Parameters (`--parameter KEY=VALUE`), over their defaults. A key
  // the template does not declare is ignored here (a caller loading several templates checks
  // that each key belongs to one of them).
  std::map<std::string, std::string> parameters;
  // Seeds the random part of generated names (CloudFormation's `<stack>-<logicalId>-<suffix>`):
  // the same seed, stack and logical id give the same name.
  std::uint64_t seed = 0;
  // Where what a load created is recorded (`<state_dir>/templates/<stack>.json`), so that a later
  // load, after a restart on the same data, finds the resources by their physical names and
  // updates them instead of creating new ones. Empty: nothing is recorded (in-memory servers).
  std::filesystem::path state_dir;
  // Where inline code (Lambda `Code.ZipFile`, SAM `InlineCode`) is written as a file, to be run
  // from there as local code. Empty: a template with inline code is refused.
  std::filesystem::path code_dir;
  // Exports (Outputs with Export.Name) of templates loaded before, for Fn::ImportValue; this
  // template's exports are added. nullptr: none.
  std::map<std::string, std::string>* exports = nullptr;
};

enum class resource_action {
  created,    // did not exist: created
  updated,    // existed and differed from the template: brought in line
  unchanged,  // existed as the template says: kept as it was
  ignored,    // a type fogbank does not emulate (IAM roles, log groups, ...): accepted, nothing done
  skipped,    // its Condition is false
};

struct resource_outcome {
  std::string logical_id;
  std::string type;
  std::string physical_id;  // table name, queue URL, function name, mapping UUID; empty if ignored
  resource_action action = resource_action::created;
  std::vector<std::string> notes;  // what was updated, or what was accepted but not emulated
};

struct load_result {
  std::string stack_name;
  std::vector<resource_outcome> resources;                   // in the order they were created
  std::vector<std::pair<std::string, std::string>> outputs;  // Outputs, resolved, in template order
  std::vector<std::string> notes;  // recorded for later (SAM Api/HttpApi/SNS events), left alone
};

// Creates or updates the resources of `tmpl` through `client`, in dependency order. Throws
// template_error for a bad parameter value, a bad reference, a cycle, an unsupported property of
// an emulated type, or a call a service refused (the resource, the operation and the service's
// error). Nothing of a failed load stays but its updates: what it created before the failure is
// deleted again, as CloudFormation rolls back a failed creation.
load_result deploy(const dispatch::client& client, const parsed_template& tmpl, const load_options& options);

// What `fogbank serve` prints of a load: one line per resource, then one per output.
std::vector<std::string> describe(const load_result& result);

}  // namespace fogbank::templates
