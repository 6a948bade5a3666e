#include "fogbank/core/json_limits.hpp"

#include <vector>

namespace fogbank::core {

bool nesting_within(std::string_view text, int limit) noexcept {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '{':
      case '[':
        if (++depth > limit) return false;
        break;
      case '}':
      case ']':
        // A closer with nothing open makes the text invalid; the parser stops there, before it
        // could build anything deeper than what this count has already allowed.
        --depth;
        break;
      default:
        break;
    }
  }
  return true;
}

// parse_json_within: json_parse.cpp.

bool depth_within(const nlohmann::json& value, int limit) noexcept {
  if (!value.is_structured()) return true;
  if (limit < 1) return false;
  try {
    // One frame per open container: where its walk has got to.
    struct frame {
      const nlohmann::json* container;
      nlohmann::json::const_iterator next;
    };
    std::vector<frame> open{{&value, value.cbegin()}};
    while (!open.empty()) {
      frame& top = open.back();
      if (top.next == top.container->cend()) {
        open.pop_back();
        continue;
      }
      const nlohmann::json& child = *top.next;
      ++top.next;
      if (!child.is_structured()) continue;
      if (static_cast<int>(open.size()) + 1 > limit) return false;
      open.push_back({&child, child.cbegin()});
    }
    return true;
  } catch (...) {
    return false;  // no memory for the walk: treat as too deep rather than recurse
  }
}

}  // namespace fogbank::core
