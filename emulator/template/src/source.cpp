#include "source.hpp"

#include <yaml-cpp/yaml.h>

#include <array>
#include <fstream>
#include <sstream>
#include <system_error>

namespace fogbank::templates {
namespace {

// The intrinsic functions with a short form (`!Name`); each reads as {"Fn::Name": value}.
// Ref, Condition and GetAtt are handled apart. The evaluator refuses the ones fogbank does not
// implement, with a message naming them.
constexpr std::array<std::string_view, 15> short_functions = {
    "And",  "Base64", "Cidr", "Equals", "FindInMap", "GetAZs", "If", "ImportValue",
    "Join", "Length", "Not",  "Or",     "Select",    "Split",  "Sub"};

bool is_short_function(std::string_view name) {
  for (const std::string_view known : short_functions) {
    if (known == name) return true;
  }
  return name == "Transform" || name == "ToJsonString";
}

bool is_null_text(const std::string& text) {
  return text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL";
}

class converter {
 public:
  explicit converter(template_source& out) : out_(out) {}

  // `use_tag` false reads a tagged node as if untagged (the inside of `!If [...]`).
  json convert(const YAML::Node& node, const std::string& pointer, int depth, bool use_tag = true) {
    if (depth > max_template_depth) {
      fail_at(out_, pointer, "nested deeper than " + std::to_string(max_template_depth) + " levels");
    }
    if (++nodes_ > max_template_nodes) {
      fail_at(out_, pointer,
              "more than " + std::to_string(max_template_nodes) + " values (aliases expanded)");
    }
    const std::string& tag = node.Tag();
    if (use_tag && tag.size() > 1 && tag[0] == '!')
      return convert_short_form(node, tag.substr(1), pointer, depth);
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        return nullptr;
      case YAML::NodeType::Scalar:
        // A plain null reads as null; a quoted one ('' or "null") stays a string.
        if ((tag == "?" || tag == "tag:yaml.org,2002:null") && is_null_text(node.Scalar())) return nullptr;
        return node.Scalar();
      case YAML::NodeType::Sequence: {
        json list = json::array();
        std::size_t index = 0;
        for (const YAML::Node& element : node) {
          const std::string element_path = child_path(pointer, index++);
          out_.locations.set(element_path, element.Mark().line + 1);
          list.push_back(convert(element, element_path, depth + 1));
        }
        return list;
      }
      case YAML::NodeType::Map:
        return convert_map(node, pointer, depth);
    }
    return nullptr;
  }

 private:
  json convert_map(const YAML::Node& node, const std::string& pointer, int depth) {
    json object = json::object();
    std::vector<std::string> order;
    for (auto it = node.begin(); it != node.end(); ++it) {
      // Copies, not references: yaml-cpp's iterator hands out its pair through a temporary proxy,
      // so a reference to `it->first` dangles at the end of the statement (ASan:
      // stack-use-after-scope).
      const YAML::Node key = it->first;
      const YAML::Node value = it->second;
      const int line = key.Mark().line + 1;
      if (!key.IsScalar() && !key.IsNull()) {
        out_.locations.set(pointer, line);
        fail_at(out_, pointer, "a key must be a plain string");
      }
      const std::string name = key.IsScalar() ? key.Scalar() : std::string();
      const std::string member_path = child_path(pointer, name);
      out_.locations.set(member_path, line);
      if (object.contains(name)) fail_at(out_, member_path, "duplicate key '" + name + "'");
      object[name] = convert(value, member_path, depth + 1);
      order.push_back(name);
    }
    // Resources are created, and Outputs printed, in the file's order.
    if (depth <= 1) out_.key_order[pointer.empty() ? "/" : pointer] = std::move(order);
    return object;
  }

  std::string scalar_of(const YAML::Node& node, const std::string& tag, const std::string& pointer) {
    if (!node.IsScalar()) fail_at(out_, pointer, "!" + tag + " takes a single name");
    return node.Scalar();
  }

  json convert_short_form(const YAML::Node& node, const std::string& name, const std::string& pointer,
                          int depth) {
    if (name == "Ref") return json{{"Ref", scalar_of(node, name, pointer)}};
    if (name == "Condition") return json{{"Condition", scalar_of(node, name, pointer)}};
    const std::string inner_path = child_path(pointer, name == "GetAtt" ? "Fn::GetAtt" : "Fn::" + name);
    out_.locations.set(inner_path, node.Mark().line + 1);
    if (name == "GetAtt" && node.IsScalar()) {
      // `!GetAtt Resource.Attribute`: the attribute is everything after the first dot
      // (attributes such as Endpoint.Address have dots of their own).
      const std::string& text = node.Scalar();
      const auto dot = text.find('.');
      if (dot == std::string::npos || dot == 0 || dot + 1 == text.size()) {
        fail_at(out_, inner_path, "!GetAtt needs Resource.Attribute, got '" + text + "'");
      }
      return json{{"Fn::GetAtt", json::array({text.substr(0, dot), text.substr(dot + 1)})}};
    }
    if (name != "GetAtt" && !is_short_function(name)) {
      fail_at(out_, pointer, "unknown tag '!" + name + "'");
    }
    // The tag applies to the node it is on: its value is the node read as if untagged.
    json value;
    if (node.IsScalar()) {
      value = node.Scalar();
    } else if (!node.IsNull()) {
      value = convert(node, inner_path, depth + 1, /*use_tag=*/false);
    }
    return json{{"Fn::" + name, std::move(value)}};
  }

  template_source& out_;
  std::size_t nodes_ = 0;
};

std::string escape_key(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (const char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

bool all_digits(const std::string& text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// "KeySchema[0].AttributeName" from the keys of a pointer.
std::string join_property(const std::vector<std::string>& keys, std::size_t from) {
  std::string out;
  for (std::size_t i = from; i < keys.size(); ++i) {
    if (all_digits(keys[i]) && !out.empty()) {
      out += "[" + keys[i] + "]";
    } else {
      if (!out.empty()) out += '.';
      out += keys[i];
    }
  }
  return out;
}

}  // namespace

std::string child_path(const std::string& parent, std::string_view key) {
  return parent + "/" + escape_key(key);
}

std::string child_path(const std::string& parent, std::size_t index) {
  return parent + "/" + std::to_string(index);
}

std::vector<std::string> path_keys(const std::string& pointer) {
  std::vector<std::string> keys;
  if (pointer.empty()) return keys;
  std::size_t at = 1;
  while (at <= pointer.size()) {
    const std::size_t next = pointer.find('/', at);
    const std::string raw = pointer.substr(at, next == std::string::npos ? std::string::npos : next - at);
    std::string key;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~' && i + 1 < raw.size()) {
        key += raw[i + 1] == '1' ? '/' : '~';
        ++i;
      } else {
        key += raw[i];
      }
    }
    keys.push_back(std::move(key));
    if (next == std::string::npos) break;
    at = next + 1;
  }
  return keys;
}

std::string location_map::source_path(const std::string& pointer) const {
  // The longest alias that is `pointer` itself or one of its ancestors.
  std::string prefix = pointer;
  while (true) {
    if (const auto it = aliases_.find(prefix); it != aliases_.end()) {
      return it->second + pointer.substr(prefix.size());
    }
    const auto slash = prefix.rfind('/');
    if (slash == std::string::npos || prefix.empty()) return pointer;
    prefix.resize(slash);
  }
}

int location_map::line_of(const std::string& pointer) const {
  std::string at = source_path(pointer);
  while (true) {
    if (const auto it = lines_.find(at); it != lines_.end()) return it->second;
    const auto slash = at.rfind('/');
    if (slash == std::string::npos || at.empty()) return 0;
    at.resize(slash);
  }
}

const std::vector<std::string>& template_source::order_of(const std::string& section) const {
  static const std::vector<std::string> none;
  const auto it = key_order.find(section);
  return it == key_order.end() ? none : it->second;
}

namespace {

// The resource and property (or section and entry) a pointer is in, as the template names them.
std::pair<std::string, std::string> place_of(const template_source& source, const std::string& pointer) {
  const std::vector<std::string> keys = path_keys(source.locations.source_path(pointer));
  std::string resource;
  std::string property;
  if (keys.size() >= 2 && keys[0] == "Resources") {
    resource = keys[1];
    const std::size_t from = keys.size() > 2 && keys[2] == "Properties" ? 3 : 2;
    property = join_property(keys, from);
  } else if (!keys.empty()) {
    resource = keys[0];
    property = join_property(keys, 1);
  }
  return {resource, property};
}

}  // namespace

void fail_at(const template_source& source, const std::string& pointer, const std::string& reason) {
  auto [resource, property] = place_of(source, pointer);
  throw template_error(source.file.string(), source.locations.line_of(pointer), resource, property, reason);
}

void fail_named(const template_source& source, const std::string& pointer, const std::string& property,
                const std::string& reason) {
  throw template_error(source.file.string(), source.locations.line_of(pointer),
                       place_of(source, pointer).first, property, reason);
}

template_source parse_source(std::string_view text, const std::filesystem::path& file) {
  template_source out;
  out.file = file;
  out.locations.set("", 1);
  YAML::Node document;
  try {
    // yaml-cpp bounds its own recursion (DepthGuard, 2000 levels) and reports it as a parser
    // error; the converter below bounds the rest at max_template_depth.
    document = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    std::string reason = e.msg;
    if (!e.mark.is_null()) reason = "column " + std::to_string(e.mark.column + 1) + ": " + reason;
    throw template_error(file.string(), e.mark.is_null() ? 0 : e.mark.line + 1, "", "", reason);
  }
  if (!document.IsMap()) {
    throw template_error(file.string(), 1, "", "",
                         "a template is a mapping of sections (Resources, Parameters, ...)");
  }
  try {
    converter reader(out);
    out.root = reader.convert(document, "", 0);
  } catch (const YAML::Exception& e) {
    // Iterating a node can still throw (an alias to a node yaml-cpp could not resolve).
    throw template_error(file.string(), e.mark.is_null() ? 0 : e.mark.line + 1, "", "", e.msg);
  }
  return out;
}

template_source read_source(const std::filesystem::path& file) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) throw template_error(file.string(), 0, "", "", "cannot read the template: " + ec.message());
  if (size > max_template_bytes) {
    throw template_error(file.string(), 0, "", "",
                         "the template is " + std::to_string(size) + " bytes; CloudFormation's limit is " +
                             std::to_string(max_template_bytes));
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) throw template_error(file.string(), 0, "", "", "cannot read the template");
  return parse_source(text.str(), file);
}

}  // namespace fogbank::templates
