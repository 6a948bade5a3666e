#pragma once
// The loader's YAML reader (yaml-cpp, which marks every node with its line and column): typed
// values out of nodes, and errors that name a node's file:line:column and what was expected
// there. Shared by loader.cpp and the readers of step kinds kept in their own files
// (api_request.cpp).

#include "model.hpp"

#include <yaml-cpp/yaml.h>

#include <set>
#include <string>

namespace fogbank::scenario::detail {

// Nesting allowed in a value (a call's input, an expectation). DynamoDB's own limit on nested
// attributes is 32 levels; JSON documents around them add a few. Checked before recursing, so a
// hostile file cannot exhaust the stack.
constexpr int max_value_depth = 64;

class reader {
 public:
  explicit reader(std::string file) : file_(std::move(file)) {}

  location at(const YAML::Node& node) const {
    const YAML::Mark mark = node.Mark();
    // yaml-cpp's marks are 0-based; a node without one (-1) reports 0.
    return {file_, mark.line < 0 ? 0 : mark.line + 1, mark.column < 0 ? 0 : mark.column + 1};
  }

  [[noreturn]] void fail(const YAML::Node& node, const std::string& message) const {
    throw load_error(at(node), message);
  }

  void require_map(const YAML::Node& node, const std::string& what) const {
    if (!node.IsMap()) fail(node, "expected " + what + " (a mapping), found " + describe(node));
  }

  // Rejects keys outside `allowed`, naming them all.
  void only_keys(const YAML::Node& node, const std::set<std::string>& allowed,
                 const std::string& what) const {
    for (const auto& entry : node) {
      const std::string key = entry.first.as<std::string>();
      if (!allowed.contains(key)) {
        std::string list;
        for (const std::string& name : allowed) list += (list.empty() ? "" : ", ") + name;
        fail(entry.first, "unknown key '" + key + "' in " + what + "; expected one of: " + list);
      }
    }
  }

  std::string string(const YAML::Node& node, const std::string& what) const {
    if (!node.IsScalar()) fail(node, "expected " + what + " (a string), found " + describe(node));
    return node.Scalar();
  }

  std::string required_string(const YAML::Node& map, const std::string& key, const std::string& what) const {
    const YAML::Node value = map[key];
    if (!value) fail(map, "missing '" + key + "' (" + what + ")");
    const std::string text = string(value, what);
    if (text.empty()) fail(value, "expected " + what + ", found an empty string");
    return text;
  }

  // A YAML value as JSON: plain scalars are typed (null, booleans, integers, decimals), quoted
  // ones stay strings.
  json value(const YAML::Node& node, int depth = 0) const {
    if (depth > max_value_depth) {
      fail(node, "expected a value nested at most " + std::to_string(max_value_depth) + " levels deep");
    }
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        return nullptr;
      case YAML::NodeType::Sequence: {
        json out = json::array();
        for (const auto& item : node) out.push_back(value(item, depth + 1));
        return out;
      }
      case YAML::NodeType::Map: {
        json out = json::object();
        for (const auto& entry : node) {
          // A plain `NULL` (DynamoDB's {NULL: true}) is a null to YAML, and yaml-cpp keeps no text of it.
          if (entry.first.IsNull())
            fail(entry.first, "a key YAML reads as null (NULL, null, ~): quote it (\"NULL\")");
          if (!entry.first.IsScalar()) fail(entry.first, "expected a string key");
          out[entry.first.Scalar()] = value(entry.second, depth + 1);
        }
        return out;
      }
      case YAML::NodeType::Scalar:
        break;
    }
    const std::string& text = node.Scalar();
    if (node.Tag() != "?") return text;  // quoted ("!") or explicitly tagged: a string
    if (text == "~" || text == "null" || text == "Null" || text == "NULL") return nullptr;
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
    if (const json number = json::parse(text, nullptr, false); number.is_number()) return number;
    return text;
  }

  static std::string describe(const YAML::Node& node) {
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        return "nothing";
      case YAML::NodeType::Sequence:
        return "a list";
      case YAML::NodeType::Map:
        return "a mapping";
      case YAML::NodeType::Scalar:
        return "'" + node.Scalar() + "'";
    }
    return "something else";
  }

  const std::string& file() const noexcept { return file_; }

 private:
  std::string file_;
};

inline match_mode read_mode(const reader& r, const YAML::Node& node) {
  const std::string text = r.string(node, "a match mode");
  if (text == "subset") return match_mode::subset;
  if (text == "exact") return match_mode::exact;
  r.fail(node, "expected 'subset' or 'exact', found '" + text + "'");
}

}  // namespace fogbank::scenario::detail
