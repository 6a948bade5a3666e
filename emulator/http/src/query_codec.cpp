#include "query_codec.hpp"

#include "fogbank/core/encoding.hpp"

#include "sigv4.hpp"

#include <charconv>
#include <cstdint>
#include <optional>
#include <set>

namespace fogbank::http::query_codec {
namespace {

using query_model::kind;
using query_model::member;
using query_model::service_model;
using query_model::shape;

// Decoding and encoding recurse along the model, which is a tree of bounded depth (SQS: four
// levels); the depth guard is for a model, not for input.
constexpr int max_depth = 16;

bool starts_with(std::string_view text, std::string_view prefix) noexcept {
  return text.substr(0, prefix.size()) == prefix;
}

std::string join(std::string_view prefix, std::string_view name) {
  if (prefix.empty()) return std::string(name);
  std::string out;
  out.reserve(prefix.size() + 1 + name.size());
  out.append(prefix).append(1, '.').append(name);
  return out;
}

// The indices N present as "<prefix>.N" or "<prefix>.N.<more>", in order. Clients number from
// 1 without gaps; a gap or a 0 is taken as it comes rather than ending the list early.
std::set<std::uint32_t> indices_under(const params& form, const std::string& prefix) {
  std::set<std::uint32_t> found;
  const std::string dotted = prefix + ".";
  for (auto it = form.lower_bound(dotted); it != form.end() && starts_with(it->first, dotted); ++it) {
    const std::string_view rest = std::string_view(it->first).substr(dotted.size());
    std::uint32_t n = 0;
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), n);
    if (ec != std::errc() || end == rest.data()) continue;
    if (end != rest.data() + rest.size() && *end != '.') continue;
    found.insert(n);
  }
  return found;
}

bool has_any_under(const params& form, const std::string& prefix) {
  if (form.find(prefix) != form.end()) return true;
  const std::string dotted = prefix + ".";
  const auto it = form.lower_bound(dotted);
  return it != form.end() && starts_with(it->first, dotted);
}

[[noreturn]] void invalid_value(std::string_view key, std::string_view value, std::string_view reason) {
  throw core::aws_error(core::error_code::invalid_parameter_value,
                        "Value " + std::string(value) + " for parameter " + std::string(key) +
                            " is invalid. Reason: " + std::string(reason) + ".");
}

class decoder {
 public:
  decoder(const service_model& model, const params& form) : model_(model), form_(form) {}

  // The value of a shape whose parameters sit at `key`, or nullopt when none were sent.
  std::optional<nlohmann::json> value(const shape& s, const std::string& key, bool flattened, int depth) {
    if (depth > max_depth) return std::nullopt;
    switch (s.type) {
      case kind::structure:
        return structure(s, key, depth);
      case kind::list:
        return list(s, key, flattened, depth);
      case kind::map:
        return map(s, key, flattened, depth);
      case kind::string:
      case kind::blob:  // base64 on both wires
        if (const auto it = form_.find(key); it != form_.end()) return nlohmann::json(it->second);
        return std::nullopt;
      case kind::integer:
      case kind::long_integer:
        if (const auto it = form_.find(key); it != form_.end()) return integer(key, it->second);
        return std::nullopt;
      case kind::boolean:
        if (const auto it = form_.find(key); it != form_.end()) {
          if (it->second == "true") return nlohmann::json(true);
          if (it->second == "false") return nlohmann::json(false);
          invalid_value(key, it->second, "Must be true or false");
        }
        return std::nullopt;
    }
    return std::nullopt;
  }

  nlohmann::json structure_members(const shape& s, const std::string& prefix, int depth) {
    nlohmann::json out = nlohmann::json::object();
    for (const member& m : s.members) {
      auto v = value(model_.at(m.shape), join(prefix, m.wire_name), m.flattened, depth + 1);
      if (v) out[std::string(m.name)] = std::move(*v);
    }
    return out;
  }

 private:
  std::optional<nlohmann::json> structure(const shape& s, const std::string& key, int depth) {
    if (!has_any_under(form_, key)) return std::nullopt;
    return structure_members(s, key, depth);
  }

  std::optional<nlohmann::json> list(const shape& s, const std::string& key, bool flattened, int depth) {
    // botocore: a flattened list's elements replace the last name of the key with the element's
    // name ("AttributeNames" -> "AttributeName.1"); a wrapped one goes under it ("X.member.1").
    std::string prefix;
    if (flattened) {
      if (s.element_name.empty()) {
        prefix = key;
      } else {
        const auto dot = key.rfind('.');
        prefix = dot == std::string::npos ? std::string(s.element_name)
                                          : key.substr(0, dot + 1) + std::string(s.element_name);
      }
    } else {
      prefix = join(key, s.element_name.empty() ? "member" : s.element_name);
    }
    const auto found = indices_under(form_, prefix);
    if (found.empty()) {
      // botocore sends an empty list as the bare key with an empty value.
      if (const auto it = form_.find(key); it != form_.end() && it->second.empty())
        return nlohmann::json::array();
      return std::nullopt;
    }
    nlohmann::json out = nlohmann::json::array();
    const shape& element = model_.at(s.element);
    for (const std::uint32_t i : found) {
      auto v = value(element, prefix + "." + std::to_string(i), false, depth + 1);
      if (v) out.push_back(std::move(*v));
    }
    return out;
  }

  std::optional<nlohmann::json> map(const shape& s, const std::string& key, bool flattened, int depth) {
    const std::string prefix = flattened ? key : key + ".entry";
    const auto found = indices_under(form_, prefix);
    if (found.empty()) return std::nullopt;
    const std::string_view key_name = s.key_name.empty() ? "key" : s.key_name;
    const std::string_view value_name = s.value_name.empty() ? "value" : s.value_name;
    nlohmann::json out = nlohmann::json::object();
    for (const std::uint32_t i : found) {
      const std::string entry = prefix + "." + std::to_string(i);
      const auto k = form_.find(join(entry, key_name));
      if (k == form_.end()) continue;
      auto v = value(model_.at(s.value), join(entry, value_name), false, depth + 1);
      // A map entry without a value: kept as an empty string for the service to judge.
      out[k->second] = v ? std::move(*v) : nlohmann::json("");
    }
    return out;
  }

  static nlohmann::json integer(std::string_view key, const std::string& text) {
    std::int64_t n = 0;
    const char* begin = text.data();
    const char* end = begin + text.size();
    if (begin != end && *begin == '+') ++begin;
    const auto [stop, ec] = std::from_chars(begin, end, n);
    if (ec != std::errc() || stop != end || begin == end) invalid_value(key, text, "Must be an integer");
    return n;
  }

  const service_model& model_;
  const params& form_;
};

class encoder {
 public:
  explicit encoder(const service_model& model, std::string& out) : model_(model), out_(out) {}

  // The members of structure `s` present in `value`, in model order.
  void members(const shape& s, const nlohmann::json& value, int depth) {
    if (!value.is_object() || depth > max_depth) return;
    for (const member& m : s.members) {
      const auto it = value.find(std::string(m.name));
      if (it == value.end() || it->is_null()) continue;
      member_value(m, *it, depth + 1);
    }
  }

 private:
  void member_value(const member& m, const nlohmann::json& value, int depth) {
    const shape& s = model_.at(m.shape);
    if (s.type == kind::list) {
      if (!value.is_array()) return;
      const shape& element = model_.at(s.element);
      if (m.flattened) {
        // QueryParser: a flattened list is its elements, each named after the list's element
        // name (<Message>...</Message><Message>...</Message>) or else the member's.
        const std::string_view name = s.element_name.empty() ? m.wire_name : s.element_name;
        for (const auto& v : value) element_value(element, name, v, depth);
      } else {
        open(m.wire_name);
        for (const auto& v : value)
          element_value(element, s.element_name.empty() ? "member" : s.element_name, v, depth);
        close(m.wire_name);
      }
      return;
    }
    if (s.type == kind::map) {
      if (!value.is_object()) return;
      const std::string_view key_name = s.key_name.empty() ? "key" : s.key_name;
      const std::string_view value_name = s.value_name.empty() ? "value" : s.value_name;
      const shape& value_shape = model_.at(s.value);
      if (!m.flattened) open(m.wire_name);
      for (const auto& [k, v] : value.items()) {
        open(m.flattened ? m.wire_name : std::string_view("entry"));
        open(key_name);
        append_escaped(out_, k);
        close(key_name);
        element_value(value_shape, value_name, v, depth);
        close(m.flattened ? m.wire_name : std::string_view("entry"));
      }
      if (!m.flattened) close(m.wire_name);
      return;
    }
    element_value(s, m.wire_name, value, depth);
  }

  void element_value(const shape& s, std::string_view name, const nlohmann::json& value, int depth) {
    open(name);
    if (s.type == kind::structure) {
      members(s, value, depth + 1);
    } else {
      scalar(value);
    }
    close(name);
  }

  void scalar(const nlohmann::json& value) {
    if (value.is_string()) {
      append_escaped(out_, value.get_ref<const std::string&>());
    } else if (value.is_boolean()) {
      out_ += value.get<bool>() ? "true" : "false";
    } else if (value.is_number()) {
      out_ += value.dump();
    }
  }

  void open(std::string_view name) { out_.append(1, '<').append(name).append(1, '>'); }
  void close(std::string_view name) { out_.append("</").append(name).append(1, '>'); }

  const service_model& model_;
  std::string& out_;
};

}  // namespace

void parse_form(std::string_view text, params& into) {
  while (!text.empty()) {
    const auto amp = text.find('&');
    const std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    std::string name = core::url_decode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? std::string() : core::url_decode(pair.substr(eq + 1));
    into.insert_or_assign(std::move(name), std::move(value));
  }
}

nlohmann::json decode_request(const service_model& model, const query_model::operation& op,
                              const params& form) {
  decoder d(model, form);
  return d.structure_members(model.at(op.input), "", 0);
}

std::string encode_response(const service_model& model, const query_model::operation& op,
                            const nlohmann::json& result, std::string_view request_id) {
  std::string out;
  out.reserve(256);
  out.append("<?xml version=\"1.0\"?><").append(op.name).append("Response xmlns=\"");
  out.append(model.xml_namespace).append("\">");
  if (op.output != query_model::no_shape) {
    out.append(1, '<').append(op.result_wrapper).append(1, '>');
    encoder(model, out).members(model.at(op.output), result, 0);
    out.append("</").append(op.result_wrapper).append(1, '>');
  }
  out.append("<ResponseMetadata><RequestId>");
  append_escaped(out, request_id);
  out.append("</RequestId></ResponseMetadata></").append(op.name).append("Response>");
  return out;
}

std::string_view error_code_of(const core::aws_error& error) noexcept {
  const core::error_type& row = core::describe(error.code());
  return row.query_code.empty() ? row.name : row.query_code;
}

std::string_view fault_of(int http_status) noexcept {
  return http_status >= 500 ? "Receiver" : "Sender";
}

std::string encode_error(std::string_view xml_namespace, std::string_view code, std::string_view message,
                         std::string_view fault, std::string_view request_id) {
  std::string out;
  out.reserve(256 + message.size());
  out.append("<?xml version=\"1.0\"?><ErrorResponse xmlns=\"")
      .append(xml_namespace)
      .append("\"><Error><Type>");
  append_escaped(out, fault);
  out.append("</Type><Code>");
  append_escaped(out, code);
  out.append("</Code><Message>");
  append_escaped(out, message);
  out.append("</Message><Detail/></Error><RequestId>");
  append_escaped(out, request_id);
  out.append("</RequestId></ErrorResponse>");
  return out;
}

void append_escaped(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\r':
        out += "&#xD;";
        break;
      case '\t':
      case '\n':
        out += c;
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\xEF\xBF\xBD";
        } else {
          out += c;
        }
    }
  }
}

}  // namespace fogbank::http::query_codec
