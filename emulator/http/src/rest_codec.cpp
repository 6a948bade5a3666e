#include "rest_codec.hpp"

#include "fogbank/core/encoding.hpp"
#include "fogbank/core/json_limits.hpp"
#include "fogbank/core/json_text.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>

namespace fogbank::http {

const rest_model::error_shape* rest_model::service_model::find_error(std::string_view name) const noexcept {
  const auto it = std::lower_bound(errors.begin(), errors.end(), name,
                                   [](const error_shape& e, std::string_view n) { return e.name < n; });
  return it != errors.end() && it->name == name ? &*it : nullptr;
}

namespace rest_codec {
namespace {

using nlohmann::json;
using rest_model::kind;
using rest_model::location;

std::string_view path_of(std::string_view target) noexcept {
  return target.substr(0, target.find('?'));
}

std::string_view query_of(std::string_view target) noexcept {
  const auto q = target.find('?');
  return q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
}

// "/a/b/" -> "/a/b": older models end some routes with a slash, newer SDKs send them without.
std::string_view without_trailing_slash(std::string_view path) noexcept {
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return path;
}

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX -> the byte XX; in a path '+' is itself (only form encoding makes it a space).
std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

using query_params = std::multimap<std::string, std::string, std::less<>>;

query_params parse_query(std::string_view query) {
  query_params out;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    out.emplace(core::url_decode(pair.substr(0, eq)),
                eq == std::string_view::npos ? std::string() : core::url_decode(pair.substr(eq + 1)));
  }
  return out;
}

// The segments of a route template one at a time ("/a/{b}" -> "a", "{b}"), as segments() would
// give them but without a vector: every route of every REST-JSON service is tried against each
// request that may be one, so matching allocates nothing until a route fits.
class template_segments {
 public:
  explicit template_segments(std::string_view path) noexcept : rest_(path) {
    if (!rest_.empty() && rest_.front() == '/') rest_.remove_prefix(1);
  }
  bool done() const noexcept { return done_; }
  std::string_view next() noexcept {
    const auto slash = rest_.find('/');
    const std::string_view part = rest_.substr(0, slash);
    if (slash == std::string_view::npos) {
      done_ = true;
      rest_ = {};
    } else {
      rest_.remove_prefix(slash + 1);
    }
    return part;
  }

 private:
  std::string_view rest_;
  bool done_ = false;
};

// How many literal parts of `op`'s route the request matched; nullopt if it does not match.
std::optional<int> match_one(const rest_model::operation& op, const std::vector<std::string_view>& path,
                             const query_params& query, route& out) {
  template_segments wanted(without_trailing_slash(op.path));
  int literals = 0;
  out.labels.clear();
  std::size_t i = 0;
  for (; !wanted.done(); ++i) {
    const std::string_view part = wanted.next();
    if (part.size() > 2 && part.front() == '{' && part.back() == '}') {
      std::string_view label = part.substr(1, part.size() - 2);
      if (label.back() == '+') {
        // A greedy label takes the rest of the path, slashes included.
        label.remove_suffix(1);
        if (i >= path.size()) return std::nullopt;
        std::string rest;
        for (std::size_t j = i; j < path.size(); ++j) {
          if (j > i) rest.push_back('/');
          rest += percent_decode(path[j]);
        }
        if (rest.empty()) return std::nullopt;
        out.labels.emplace(std::string(label), std::move(rest));
        return literals;
      }
      if (i >= path.size() || path[i].empty()) return std::nullopt;
      out.labels.emplace(std::string(label), percent_decode(path[i]));
      continue;
    }
    if (i >= path.size() || path[i] != part) return std::nullopt;
    ++literals;
  }
  if (path.size() != i) return std::nullopt;
  for (const auto& [key, value] : parse_query(op.query)) {
    const auto [first, last] = query.equal_range(key);
    // A copy: clang (C++20 before P2036) cannot capture a structured binding.
    const std::string wanted_value = value;
    if (std::none_of(first, last, [&](const auto& kv) { return kv.second == wanted_value; }))
      return std::nullopt;
    ++literals;
  }
  return literals;
}

// `text` as a JSON value of `type`; text that does not convert stays a string.
json convert(std::string_view text, kind type) {
  switch (type) {
    case kind::integer:
    case kind::long_integer: {
      std::int64_t value = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) return value;
      return std::string(text);
    }
    case kind::boolean:
      if (text == "true") return true;
      if (text == "false") return false;
      return std::string(text);
    case kind::string_list: {
      // A list in a header is comma-separated.
      json list = json::array();
      while (true) {
        const auto comma = text.find(',');
        std::string_view item = text.substr(0, comma);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        list.push_back(std::string(item));
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
      }
      return list;
    }
    case kind::string:
    case kind::blob:
    case kind::structure:
      break;
  }
  return std::string(text);
}

// A response member's value as header text, or nullopt if it has none.
std::optional<std::string> header_text(const json& value, kind type) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number_integer()) return std::to_string(value.get<std::int64_t>());
  if (value.is_array() && type == kind::string_list) {
    std::string out;
    for (const json& item : value) {
      if (!item.is_string()) continue;
      if (!out.empty()) out += ",";
      out += item.get<std::string>();
    }
    return out;
  }
  return std::nullopt;
}

std::string dump(const json& value) {
  // Replace rather than throw on invalid UTF-8: a response must always be producible.
  return core::to_json_text(value);
}

bool is_bound(const rest_model::message_shape& shape, std::string_view name) {
  return std::any_of(shape.bound.begin(), shape.bound.end(),
                     [&](const rest_model::bound_member& m) { return m.name == name; });
}

}  // namespace

std::optional<route> match(const rest_model::service_model& model, std::string_view method,
                           std::string_view target) {
  const std::vector<std::string_view> path = segments(without_trailing_slash(path_of(target)));
  const query_params query = parse_query(query_of(target));
  std::optional<route> best;
  int best_literals = -1;
  route candidate;
  for (const rest_model::operation& op : model.operations) {
    if (op.method != method) continue;
    const std::optional<int> literals = match_one(op, path, query, candidate);
    if (literals && *literals > best_literals) {
      best_literals = *literals;
      candidate.op = &op;
      best = candidate;
    }
  }
  return best;
}

json decode_request(const rest_model::service_model& model, const route& matched, const request& req) {
  const rest_model::message_shape& input = matched.op->input;
  const std::string& body = req.body();
  json out = json::object();

  const auto parse_body = [&]() -> json {
    std::optional<json> parsed = core::parse_json_within(body, core::max_request_nesting);
    if (!parsed) {
      // The parser's own text names its internals; say what is wrong with the body instead.
      const bool nested = !core::nesting_within(body, core::max_request_nesting);
      throw protocol_error{std::string(model.malformed_body_error),
                           std::string(model.malformed_body_message) +
                               (nested ? "the body nests too deeply" : "the body is not valid JSON")};
    }
    return std::move(*parsed);
  };

  if (!input.payload.empty()) {
    if (!body.empty()) {
      if (input.payload_type == kind::structure) {
        out[std::string(input.payload)] = parse_body();
      } else {
        out[std::string(input.payload)] = core::base64_encode(body);
      }
    }
  } else if (input.has_body_members && !body.empty()) {
    json parsed = parse_body();
    if (!parsed.is_object()) {
      throw protocol_error{std::string(model.malformed_body_error),
                           std::string(model.malformed_body_message) + "the body is not a JSON object"};
    }
    out = std::move(parsed);
  }

  const query_params query = parse_query(query_of(sv(req.target())));
  for (const rest_model::bound_member& member : input.bound) {
    const std::string name(member.name);
    switch (member.where) {
      case location::uri:
        if (const auto it = matched.labels.find(member.wire_name); it != matched.labels.end()) {
          out[name] = convert(it->second, member.type);
        }
        break;
      case location::querystring: {
        const auto [first, last] = query.equal_range(member.wire_name);
        if (first == last) break;
        if (member.type == kind::string_list) {
          json list = json::array();
          for (auto it = first; it != last; ++it) list.push_back(it->second);
          out[name] = std::move(list);
        } else {
          out[name] = convert(first->second, member.type);
        }
        break;
      }
      case location::header:
        if (const auto it = req.find(bsv(member.wire_name)); it != req.end()) {
          out[name] = convert(sv(it->value()), member.type);
        }
        break;
      case location::status_code:
        break;
    }
  }
  return out;
}

encoded encode_response(const rest_model::operation& op, const json& result) {
  const rest_model::message_shape& output = op.output;
  encoded out;
  out.status = op.success_status;
  for (const rest_model::bound_member& member : output.bound) {
    const auto it = result.find(std::string(member.name));
    if (it == result.end() || it->is_null()) continue;
    if (member.where == location::status_code) {
      if (it->is_number_integer()) out.status = it->get<int>();
    } else if (member.where == location::header) {
      if (auto text = header_text(*it, member.type))
        out.headers.emplace_back(member.wire_name, std::move(*text));
    }
  }
  if (out.status == 204) return out;
  if (!output.payload.empty()) {
    const auto it = result.find(std::string(output.payload));
    if (it != result.end() && !it->is_null()) {
      if (output.payload_type == kind::structure) {
        out.body = dump(*it);
      } else if (it->is_string()) {
        // The service gives blobs in base64, as every JSON shape carries them.
        out.body = core::base64_decode_lenient(it->get<std::string>()).value_or(std::string());
      }
    }
    return out;
  }
  if (output.has_body_members) {
    json body = json::object();
    if (result.is_object()) {
      for (const auto& [key, value] : result.items()) {
        if (!is_bound(output, key)) body[key] = value;
      }
    }
    out.body = dump(body);
  }
  return out;
}

encoded encode_error(const rest_model::service_model& model, std::string_view name, int status,
                     std::string_view message, const json& extra) {
  encoded out;
  out.status = status;
  out.headers.emplace_back("x-amzn-ErrorType", std::string(name));
  const rest_model::error_shape* shape = model.find_error(name);
  json body = {{"Type", status >= 500 ? "Service" : "User"}};
  body[shape != nullptr ? std::string(shape->message_member) : std::string("message")] = message;
  if (extra.is_object()) {
    for (const auto& [key, value] : extra.items()) {
      const rest_model::bound_member* header = nullptr;
      if (shape != nullptr) {
        for (const rest_model::bound_member& m : shape->bound) {
          if (m.name == key) header = &m;
        }
      }
      if (header == nullptr) {
        body[key] = value;
      } else if (auto text = header_text(value, header->type)) {
        out.headers.emplace_back(header->wire_name, std::move(*text));
      }
    }
  }
  out.body = dump(body);
  return out;
}

}  // namespace rest_codec
}  // namespace fogbank::http
