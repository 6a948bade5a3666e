#include "deferred.hpp"

#include "fogbank/template/loader.hpp"

#include <string>

namespace fogbank::templates {
namespace {

constexpr std::string_view open_mark = "{{fogbank:";
constexpr std::string_view close_mark = "}}";

// Calls `on_token(key, begin, end)` for each token in `text`, in order.
template <typename Visit>
void each_token(std::string_view text, Visit&& on_token) {
  std::size_t at = 0;
  while ((at = text.find(open_mark, at)) != std::string_view::npos) {
    const std::size_t end = text.find(close_mark, at + open_mark.size());
    if (end == std::string_view::npos) return;
    on_token(std::string(text.substr(at + open_mark.size(), end - at - open_mark.size())), at,
             end + close_mark.size());
    at = end + close_mark.size();
  }
}

void check_depth(int depth) {
  if (depth > max_deferred_depth) {
    throw template_error("", 0, "", "",
                         "a value nested deeper than " + std::to_string(max_deferred_depth) + " levels");
  }
}

void collect_at(const nlohmann::json& value, std::set<std::string>* keys, int depth) {
  check_depth(depth);
  if (value.is_string()) {
    each_token(value.get_ref<const std::string&>(),
               [&](const std::string& key, std::size_t, std::size_t) { keys->insert(key); });
  } else if (value.is_structured()) {
    for (const auto& element : value) collect_at(element, keys, depth + 1);
  }
}

nlohmann::json substitute_at(const nlohmann::json& value, const std::map<std::string, std::string>& known,
                             int depth) {
  check_depth(depth);
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (!has_deferred(text)) return value;
    std::string out;
    std::size_t copied = 0;
    each_token(text, [&](const std::string& key, std::size_t begin, std::size_t end) {
      const auto it = known.find(key);
      if (it == known.end()) return;
      out.append(text, copied, begin - copied);
      out += it->second;
      copied = end;
    });
    out.append(text, copied, std::string::npos);
    return out;
  }
  if (value.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, member] : value.items()) out[key] = substitute_at(member, known, depth + 1);
    return out;
  }
  if (value.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& element : value) out.push_back(substitute_at(element, known, depth + 1));
    return out;
  }
  return value;
}

}  // namespace

std::string deferred_token(const std::string& logical_id, const std::string& attribute) {
  return std::string(open_mark) + logical_id + "." + attribute + std::string(close_mark);
}

bool has_deferred(std::string_view text) {
  return text.find(open_mark) != std::string_view::npos;
}

void collect_deferred(const nlohmann::json& value, std::set<std::string>* keys) {
  collect_at(value, keys, 0);
}

nlohmann::json substitute_deferred(const nlohmann::json& value,
                                   const std::map<std::string, std::string>& known) {
  return substitute_at(value, known, 0);
}

}  // namespace fogbank::templates
