#include "request.hpp"

#include <algorithm>
#include <charconv>
#include <functional>
#include <limits>

namespace fogbank::sqs {

void fail(core::error_code code, std::string message) {
  throw core::aws_error(code, std::move(message));
}

void fail_missing(std::string_view name) {
  fail(core::error_code::missing_parameter,
       "The request must contain the parameter " + std::string(name) + ".");
}

void fail_invalid_value(std::string_view name, std::string_view value, std::string_view reason) {
  fail(core::error_code::invalid_parameter_value, "Value " + std::string(value) + " for parameter " +
                                                      std::string(name) +
                                                      " is invalid. Reason: " + std::string(reason));
}

std::string scalar_text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  return value.dump();
}

std::optional<std::string> optional_string(const json& request, const char* name) {
  auto it = request.find(name);
  if (it == request.end() || it->is_null()) return std::nullopt;
  if (it->is_object() || it->is_array()) {
    fail(core::error_code::invalid_parameter_value,
         std::string("The parameter ") + name + " must be a string.");
  }
  return scalar_text(*it);
}

std::string required_string(const json& request, const char* name) {
  auto value = optional_string(request, name);
  if (!value || value->empty()) fail_missing(name);
  return *value;
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::string_view digits = text;
  if (digits.front() == '+') digits.remove_prefix(1);
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

std::optional<std::int64_t> optional_int(const json& request, const char* name) {
  auto it = request.find(name);
  if (it == request.end() || it->is_null()) return std::nullopt;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_string()) {
    if (auto value = parse_int(it->get_ref<const std::string&>())) return value;
  }
  // The query protocol's own wording for a value that is not an integer.
  fail_invalid_value(name, scalar_text(*it), "Must be an integer.");
}

std::vector<std::string> string_list(const json& request, const char* name) {
  std::vector<std::string> out;
  auto it = request.find(name);
  if (it == request.end() || it->is_null()) return out;
  if (it->is_string()) {
    out.push_back(it->get<std::string>());
    return out;
  }
  if (!it->is_array()) {
    fail(core::error_code::invalid_parameter_value,
         std::string("The parameter ") + name + " must be a list.");
  }
  for (const auto& item : *it) out.push_back(scalar_text(item));
  return out;
}

std::size_t list_size(const json& request, const char* name) {
  auto it = request.find(name);
  if (it == request.end() || it->is_null()) return 0;
  if (it->is_string()) return 1;
  if (!it->is_array()) {
    fail(core::error_code::invalid_parameter_value,
         std::string("The parameter ") + name + " must be a list.");
  }
  return it->size();
}

std::vector<std::string> string_set(const json& request, const char* name) {
  std::vector<std::string> out = string_list(request, name);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool contains(const std::vector<std::string>& set, std::string_view name) {
  return std::binary_search(set.begin(), set.end(), name, std::less<>());
}

std::vector<std::pair<std::string, std::string>> string_map(const json& request, const char* name) {
  return string_map(request, name, std::numeric_limits<std::size_t>::max());
}

std::vector<std::pair<std::string, std::string>> string_map(const json& request, const char* name,
                                                            std::size_t max_entries) {
  std::vector<std::pair<std::string, std::string>> out;
  auto it = request.find(name);
  if (it == request.end() || it->is_null()) return out;
  if (!it->is_object()) {
    fail(core::error_code::invalid_parameter_value, std::string("The parameter ") + name + " must be a map.");
  }
  for (const auto& [key, value] : it->items()) {
    if (out.size() == max_entries) break;
    out.emplace_back(key, scalar_text(value));
  }
  return out;
}

}  // namespace fogbank::sqs
