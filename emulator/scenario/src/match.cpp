#include "match.hpp"

#include <algorithm>
#include <functional>
#include <sstream>
#include <stdexcept>

namespace fogbank::scenario {
namespace {

// Values nest at most this deep in a comparison: the loader caps expected values at 64 levels,
// and responses (DynamoDB's 32 levels of attributes plus their wrappers) stay well below this.
constexpr int max_depth = 128;

// The most frames a set comparison pairs up by backtracking; beyond it, frames are paired
// greedily (a scenario expecting more frames at once than this is unusual).
constexpr std::size_t max_backtracking_frames = 16;

std::string escape_pointer(const std::string& key) {
  std::string out;
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

bool numbers_equal(const json& a, const json& b) {
  if (a.is_number_integer() && b.is_number_integer()) {
    // nlohmann keeps non-negative literals unsigned and values built in C++ signed: compare
    // the sign first, then the magnitude in the type that holds it.
    const bool a_negative = !a.is_number_unsigned() && a.get<std::int64_t>() < 0;
    const bool b_negative = !b.is_number_unsigned() && b.get<std::int64_t>() < 0;
    if (a_negative != b_negative) return false;
    if (a_negative) return a.get<std::int64_t>() == b.get<std::int64_t>();
    return a.get<std::uint64_t>() == b.get<std::uint64_t>();
  }
  return a.get<double>() == b.get<double>();
}

std::optional<std::string> compare(const json& expected, const json& actual, match_mode mode,
                                   const std::string& path, int depth) {
  const auto differ = [&](const std::string& why) -> std::optional<std::string> {
    return (path.empty() ? std::string("/") : path) + ": " + why;
  };
  if (depth > max_depth) return differ("nested too deeply to compare");
  if (expected.is_number() && actual.is_number()) {
    if (numbers_equal(expected, actual)) return std::nullopt;
    return differ("expected " + expected.dump() + ", found " + actual.dump());
  }
  if (expected.type() != actual.type()) {
    return differ("expected " + std::string(expected.type_name()) + " " + expected.dump() + ", found " +
                  actual.type_name() + " " + actual.dump());
  }
  if (expected.is_object()) {
    for (const auto& [key, value] : expected.items()) {
      const auto found = actual.find(key);
      if (found == actual.end()) return differ("expected key \"" + key + "\", which is missing");
      if (auto why = compare(value, *found, mode, path + "/" + escape_pointer(key), depth + 1)) return why;
    }
    if (mode == match_mode::exact) {
      for (const auto& [key, value] : actual.items()) {
        if (!expected.contains(key)) return differ("unexpected key \"" + key + "\"");
      }
    }
    return std::nullopt;
  }
  if (expected.is_array()) {
    if (expected.size() != actual.size()) {
      return differ("expected " + std::to_string(expected.size()) + " elements, found " +
                    std::to_string(actual.size()));
    }
    for (std::size_t i = 0; i < expected.size(); ++i) {
      if (auto why = compare(expected[i], actual[i], mode, path + "/" + std::to_string(i), depth + 1))
        return why;
    }
    return std::nullopt;
  }
  if (expected == actual) return std::nullopt;
  return differ("expected " + expected.dump() + ", found " + actual.dump());
}

// A received frame as the expected one wants it: JSON when the expectation is structured and the
// text parses, else the text.
json as_frame(const json& expected, const std::string& text) {
  if (expected.is_structured()) {
    json parsed = json::parse(text, nullptr, false);
    if (!parsed.is_discarded()) return parsed;
  }
  return text;
}

std::optional<std::string> frame_mismatch(const json& expected, const std::string& actual, match_mode mode) {
  return compare(expected, as_frame(expected, actual), mode, "", 0);
}

// Pairs every expected frame with a distinct received one (backtracking over small lists).
bool assign(const std::vector<json>& expected, const std::vector<std::string>& actual, match_mode mode,
            std::size_t next, std::vector<bool>& used) {
  if (next == expected.size()) return true;
  for (std::size_t j = 0; j < actual.size(); ++j) {
    if (used[j] || frame_mismatch(expected[next], actual[j], mode)) continue;
    used[j] = true;
    if (assign(expected, actual, mode, next + 1, used)) return true;
    used[j] = false;
    if (expected.size() > max_backtracking_frames) break;
  }
  return false;
}

void collect_lines(const json& value, std::vector<std::string>& lines) {
  std::istringstream in(value.dump(2));
  for (std::string line; std::getline(in, line);) lines.push_back(line);
}

}  // namespace

std::optional<std::string> mismatch(const json& expected, const json& actual, match_mode mode) {
  return compare(expected, actual, mode, "", 0);
}

std::optional<std::string> frames_mismatch(const std::vector<json>& expected,
                                           const std::vector<std::string>& actual, bool in_order,
                                           match_mode mode) {
  if (expected.size() != actual.size()) {
    return "expected " + std::to_string(expected.size()) + " frame" + (expected.size() == 1 ? "" : "s") +
           ", received " + std::to_string(actual.size());
  }
  if (in_order) {
    for (std::size_t i = 0; i < expected.size(); ++i) {
      if (auto why = frame_mismatch(expected[i], actual[i], mode)) {
        return "frame " + std::to_string(i + 1) + ": " + *why;
      }
    }
    return std::nullopt;
  }
  std::vector<bool> used(actual.size(), false);
  if (assign(expected, actual, mode, 0, used)) return std::nullopt;
  // Name the first expected frame that matches no received frame at all.
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const bool any = std::any_of(actual.begin(), actual.end(),
                                 [&](const std::string& a) { return !frame_mismatch(expected[i], a, mode); });
    if (!any) return "expected frame " + std::to_string(i + 1) + " was not received";
  }
  return std::string("the frames match only if one received frame is counted twice");
}

json relevant_part(const json& expected, const json& actual, match_mode mode) {
  if (mode == match_mode::exact || !expected.is_structured() || expected.type() != actual.type())
    return actual;
  if (expected.is_object()) {
    json out = json::object();
    for (const auto& [key, value] : actual.items()) {
      if (const auto it = expected.find(key); it != expected.end())
        out[key] = relevant_part(*it, value, mode);
    }
    return out;
  }
  if (expected.size() != actual.size()) return actual;
  json out = json::array();
  for (std::size_t i = 0; i < actual.size(); ++i) out.push_back(relevant_part(expected[i], actual[i], mode));
  return out;
}

std::string diff(const json& expected, const json& actual) {
  std::vector<std::string> a;
  std::vector<std::string> b;
  collect_lines(expected, a);
  collect_lines(actual, b);
  // Longest common subsequence of lines: values pretty-printed for a failure are small (a
  // response, a list of frames), so the quadratic table is cheap.
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  std::vector<std::vector<std::size_t>> lcs(n + 1, std::vector<std::size_t>(m + 1, 0));
  for (std::size_t i = n; i-- > 0;) {
    for (std::size_t j = m; j-- > 0;) {
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  std::string out = "--- expected\n+++ actual\n";
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      out += "  " + a[i++] + "\n";
      ++j;
    } else if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) {
      out += "+ " + b[j++] + "\n";
    } else {
      out += "- " + a[i++] + "\n";
    }
  }
  return out;
}

std::string substitute(const std::string& text, const std::map<std::string, json>& captures) {
  std::string out;
  std::size_t pos = 0;
  while (true) {
    const std::size_t open = text.find("{{", pos);
    if (open == std::string::npos) break;
    const std::size_t close = text.find("}}", open + 2);
    if (close == std::string::npos) break;
    out += text.substr(pos, open - pos);
    std::string name = text.substr(open + 2, close - open - 2);
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    const auto it = captures.find(name);
    if (it == captures.end()) throw std::runtime_error("unknown capture '{{" + name + "}}'");
    out += it->second.is_string() ? it->second.get<std::string>() : it->second.dump();
    pos = close + 2;
  }
  return out + text.substr(pos);
}

json substitute(const json& value, const std::map<std::string, json>& captures) {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (text.find("{{") == std::string::npos) return value;
    // Exactly one reference: the captured value keeps its type.
    if (text.size() > 4 && text.starts_with("{{") && text.ends_with("}}") &&
        text.find("{{", 2) == std::string::npos) {
      std::string name = text.substr(2, text.size() - 4);
      name.erase(0, name.find_first_not_of(' '));
      name.erase(name.find_last_not_of(' ') + 1);
      const auto it = captures.find(name);
      if (it == captures.end()) throw std::runtime_error("unknown capture '{{" + name + "}}'");
      return it->second;
    }
    return substitute(text, captures);
  }
  if (value.is_object()) {
    json out = json::object();
    for (const auto& [key, item] : value.items()) out[substitute(key, captures)] = substitute(item, captures);
    return out;
  }
  if (value.is_array()) {
    json out = json::array();
    for (const json& item : value) out.push_back(substitute(item, captures));
    return out;
  }
  return value;
}

}  // namespace fogbank::scenario
