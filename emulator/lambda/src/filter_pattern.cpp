#include "filter_pattern.hpp"

#include "fogbank/core/aws_error.hpp"
#include "fogbank/core/json_limits.hpp"

#include <algorithm>
#include <cctype>

namespace fogbank::lambda::filter {
namespace {

using json = nlohmann::json;

// Recorded AWS answer for a pattern Lambda cannot read (research §6.1).
constexpr const char* invalid_pattern = "Invalid filter pattern definition.";
// How deep a message body may nest to be filtered as JSON (Invoke's payload bound).
constexpr int max_body_nesting = 512;

[[noreturn]] void invalid() {
  throw core::aws_error(core::error_code::lambda_invalid_parameter_value, invalid_pattern);
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

bool is_scalar(const json& v) {
  return v.is_string() || v.is_number() || v.is_boolean() || v.is_null();
}

// "*" matches any run of characters; no other wildcard.
bool wildcard_match(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool numeric_op(const std::string& op) {
  return op == "=" || op == "<" || op == "<=" || op == ">" || op == ">=";
}

void check_matcher(const json& m) {
  if (is_scalar(m)) return;
  if (!m.is_object() || m.size() != 1) invalid();
  const std::string key = m.begin().key();
  const json& value = m.begin().value();
  if (key == "prefix") {
    if (value.is_string()) return;
    if (value.is_object() && value.size() == 1 && value.contains("equals-ignore-case") &&
        value["equals-ignore-case"].is_string())
      return;
    invalid();
  }
  if (key == "suffix" || key == "equals-ignore-case" || key == "wildcard") {
    if (!value.is_string()) invalid();
    return;
  }
  if (key == "exists") {
    if (!value.is_boolean()) invalid();
    return;
  }
  if (key == "anything-but") {
    if (is_scalar(value) && !value.is_null()) return;
    if (value.is_array() && !value.empty() &&
        (std::all_of(value.begin(), value.end(), [](const json& v) { return v.is_string(); }) ||
         std::all_of(value.begin(), value.end(), [](const json& v) { return v.is_number(); })))
      return;
    if (value.is_object() && value.size() == 1 && value.contains("prefix") && value["prefix"].is_string())
      return;
    invalid();
  }
  if (key == "numeric") {
    if (!value.is_array() || (value.size() != 2 && value.size() != 4)) invalid();
    for (std::size_t i = 0; i < value.size(); i += 2) {
      if (!value[i].is_string() || !numeric_op(value[i].get<std::string>()) || !value[i + 1].is_number())
        invalid();
    }
    return;
  }
  invalid();
}

void check_pattern(const json& pattern, int depth) {
  if (depth > max_pattern_depth || !pattern.is_object() || pattern.empty()) invalid();
  for (const auto& [key, value] : pattern.items()) {
    if (key == "$or") {
      if (!value.is_array() || value.size() < 2) invalid();
      for (const json& alternative : value) check_pattern(alternative, depth + 1);
    } else if (value.is_object()) {
      check_pattern(value, depth + 1);
    } else if (value.is_array()) {
      if (value.empty()) invalid();
      for (const json& m : value) check_matcher(m);
    } else {
      invalid();
    }
  }
}

bool compare(double v, const std::string& op, double n) {
  if (op == "=") return v == n;
  if (op == "<") return v < n;
  if (op == "<=") return v <= n;
  if (op == ">") return v > n;
  return v >= n;
}

// Whether one value of the record (`present` false: the field is absent) matches matcher `m`.
bool leaf_matches(const json& m, const json* v) {
  if (m.is_object()) {
    const std::string key = m.begin().key();
    const json& value = m.begin().value();
    if (key == "exists") return value.get<bool>() == (v != nullptr && !v->is_object());
    if (v == nullptr) return false;
    if (key == "numeric") {
      if (!v->is_number()) return false;
      const double x = v->get<double>();
      for (std::size_t i = 0; i < value.size(); i += 2) {
        if (!compare(x, value[i].get<std::string>(), value[i + 1].get<double>())) return false;
      }
      return true;
    }
    if (key == "anything-but") {
      if (value.is_object())
        return v->is_string() && v->get<std::string>().rfind(value["prefix"].get<std::string>(), 0) != 0;
      if (value.is_array())
        return std::none_of(value.begin(), value.end(), [&](const json& x) { return x == *v; });
      return value != *v;
    }
    if (!v->is_string()) return false;
    const std::string text = v->get<std::string>();
    if (key == "prefix") {
      if (value.is_string()) return text.rfind(value.get<std::string>(), 0) == 0;
      return lower(text).rfind(lower(value["equals-ignore-case"].get<std::string>()), 0) == 0;
    }
    if (key == "suffix") {
      const std::string suffix = value.get<std::string>();
      return text.size() >= suffix.size() &&
             text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
    }
    if (key == "equals-ignore-case") return lower(text) == lower(value.get<std::string>());
    if (key == "wildcard") return wildcard_match(value.get<std::string>(), text);
    return false;
  }
  return v != nullptr && *v == m;
}

bool field_matches(const json& matchers, const json* v) {
  if (v != nullptr && v->is_array()) {
    // An array in the record matches when any element does.
    return std::any_of(v->begin(), v->end(), [&](const json& element) {
      return std::any_of(matchers.begin(), matchers.end(),
                         [&](const json& m) { return leaf_matches(m, &element); });
    });
  }
  return std::any_of(matchers.begin(), matchers.end(), [&](const json& m) { return leaf_matches(m, v); });
}

bool object_matches(const json& pattern, const json* record) {
  for (const auto& [key, value] : pattern.items()) {
    if (key == "$or") {
      if (std::none_of(value.begin(), value.end(), [&](const json& p) { return object_matches(p, record); }))
        return false;
      continue;
    }
    const json* field = nullptr;
    if (record != nullptr && record->is_object()) {
      const auto it = record->find(key);
      if (it != record->end()) field = &*it;
    }
    if (value.is_object()) {
      if (!object_matches(value, field)) return false;
    } else if (!field_matches(value, field)) {
      return false;
    }
  }
  return true;
}

bool any_matches(const std::vector<json>& patterns, const json& record) {
  return std::any_of(patterns.begin(), patterns.end(), [&](const json& p) { return matches(p, record); });
}

json without_source_fields(json record) {
  record.erase("eventSource");
  record.erase("eventSourceARN");
  record.erase("awsRegion");
  return record;
}

}  // namespace

json parse(const std::string& pattern) {
  if (pattern.size() > max_pattern_bytes) invalid();
  std::optional<json> parsed = core::parse_json_within(pattern, max_pattern_depth);
  if (!parsed) invalid();
  check_pattern(*parsed, 1);
  return std::move(*parsed);
}

bool matches(const json& pattern, const json& record) {
  return object_matches(pattern, &record);
}

bool sqs_passes(const std::vector<json>& patterns, const json& record) {
  if (patterns.empty()) return true;
  json filtered = without_source_fields(record);
  const std::string body = record.value("body", "");
  // As deep as an Invoke payload may nest; a deeper body is filtered as a plain string.
  const std::optional<json> parsed_body = core::parse_json_within(body, max_body_nesting);
  const bool json_body = parsed_body && parsed_body->is_object();
  if (json_body) filtered["body"] = *parsed_body;
  return std::any_of(patterns.begin(), patterns.end(), [&](const json& p) {
    const auto it = p.find("body");
    // A JSON body against a string pattern, or a string body against a JSON pattern: dropped.
    if (it != p.end() && it->is_object() != json_body) return false;
    return matches(p, filtered);
  });
}

bool stream_passes(const std::vector<json>& patterns, const json& record) {
  return patterns.empty() || any_matches(patterns, without_source_fields(record));
}

}  // namespace fogbank::lambda::filter
