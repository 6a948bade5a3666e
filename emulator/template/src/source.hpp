#pragma once
// A template file as a JSON value plus where each part came from. YAML and JSON are both read by
// yaml-cpp (JSON is YAML's flow style), so both get line numbers. Short intrinsic forms become
// long ones as they are read (`!Ref X` is {"Ref": "X"}, `!GetAtt A.B` is {"Fn::GetAtt": ["A",
// "B"]}, `!Sub s` is {"Fn::Sub": s}, ...), so that nothing after this file knows about tags.
//
// Scalars stay strings (CloudFormation's own model: `Timeout: 30` and `Timeout: "30"` mean the
// same); the resource types coerce them where a service wants a number or a boolean. A plain
// `null`, `~` or empty value is JSON null.

#include "fogbank/template/loader.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fogbank::templates {

using json = nlohmann::json;

// CloudFormation's largest template (one read from S3): 1 MB ("CloudFormation quotas", template
// body size in an Amazon S3 object).
inline constexpr std::size_t max_template_bytes = 1'000'000;
// Deepest nesting read, and evaluated. Real templates nest about 15 levels (an IAM policy inside
// a resource inside Resources); 64 leaves room and keeps every recursive walk of the value far
// from the end of the stack.
inline constexpr int max_template_depth = 64;
// Values read, aliases expanded: a YAML alias can repeat a subtree many times over ("billion
// laughs"); a template of 1 MB has far fewer nodes than this.
inline constexpr std::size_t max_template_nodes = 500'000;

// A place in the template: a JSON pointer ("/Resources/Orders/Properties/KeySchema/0").
std::string child_path(const std::string& parent, std::string_view key);
std::string child_path(const std::string& parent, std::size_t index);
// The keys of a JSON pointer, unescaped.
std::vector<std::string> path_keys(const std::string& pointer);

// Lines of the parts of the template, and aliases for the parts the SAM transform generates
// (an event source mapping is reported at its function's `Events` entry).
class location_map {
 public:
  void set(const std::string& pointer, int line) { lines_[pointer] = line; }
  // Pointers under `generated` are reported as the same pointer under `source`.
  void alias(const std::string& generated, const std::string& source) { aliases_[generated] = source; }

  // `pointer` with the longest matching alias applied (once).
  std::string source_path(const std::string& pointer) const;
  // The line of `pointer` or, failing that, of its nearest ancestor that has one; 0 if none.
  int line_of(const std::string& pointer) const;

 private:
  std::map<std::string, int> lines_;
  std::map<std::string, std::string> aliases_;
};

struct template_source {
  std::filesystem::path file;
  json root = json::object();
  location_map locations;
  // Object keys in the order the file gives them, for the top-level sections ("/Resources",
  // "/Outputs", "/Parameters", ...): resources are created in template order where their
  // references allow, and Outputs are printed in it.
  std::map<std::string, std::vector<std::string>> key_order;

  // The keys of `section` ("/Resources") in file order.
  const std::vector<std::string>& order_of(const std::string& section) const;
};

// Reads `file`. Throws template_error for an unreadable or oversized file, a YAML or JSON
// syntax error (with its line and column), a duplicate key, an unknown `!Tag`, or a value
// nested deeper than max_template_depth.
template_source read_source(const std::filesystem::path& file);
// The same, from text (tests); `file` only names it in errors.
template_source parse_source(std::string_view text, const std::filesystem::path& file);

// Throws the template_error for the part at `pointer`: its line, and the resource and property
// (or section and entry) it belongs to, named as the template names them.
[[noreturn]] void fail_at(const template_source& source, const std::string& pointer,
                          const std::string& reason);
// The same with `property` named instead of the one `pointer` is in (a call's operation).
[[noreturn]] void fail_named(const template_source& source, const std::string& pointer,
                             const std::string& property, const std::string& reason);

}  // namespace fogbank::templates
