#include "http_routes.hpp"

#include "fogbank/core/encoding.hpp"

#include <algorithm>
#include <array>
#include <set>

namespace fogbank::apigw {
namespace {

using kind = http_route_key::kind;

// The methods a route key may name (developer guide, "Working with routes for HTTP APIs").
constexpr std::array<std::string_view, 8> route_methods = {"ANY",     "DELETE", "GET",  "HEAD",
                                                           "OPTIONS", "PATCH",  "POST", "PUT"};

bool variable_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '.';
}

// A literal segment: anything printable but the braces and whitespace (unconfirmed: AWS's own
// rule is not published).
bool literal_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u != 0x7f && c != '{' && c != '}';
}

// Splits "/a/b" into {"a", "b"}; "/" into {}. nullopt past max_route_segments.
std::optional<std::vector<std::string_view>> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  if (path == "/") return out;
  path.remove_prefix(1);
  while (true) {
    if (out.size() == max_route_segments) return std::nullopt;
    const std::size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

// How specific a segment kind is: higher wins.
int rank_of(kind k) {
  switch (k) {
    case kind::literal:
      return 2;
    case kind::variable:
      return 1;
    case kind::greedy:
      return 0;
  }
  return 0;
}

// Whether `route` matches the request segments; fills `parameters`.
bool matches(const http_route_key& route, const std::vector<std::string_view>& path,
             std::vector<std::pair<std::string, std::string>>& parameters) {
  parameters.clear();
  for (std::size_t i = 0; i < route.segments.size(); ++i) {
    const http_route_key::segment& s = route.segments[i];
    if (s.type == kind::greedy) {
      // One segment or more: `/{proxy+}` does not match `/` (unconfirmed for HTTP APIs; REST APIs
      // behave so).
      if (i >= path.size()) return false;
      std::string rest;
      for (std::size_t j = i; j < path.size(); ++j) {
        if (j > i) rest += '/';
        rest += core::url_decode(path[j]);
      }
      parameters.emplace_back(s.text, std::move(rest));
      return true;
    }
    if (i >= path.size()) return false;
    if (s.type == kind::literal) {
      if (path[i] != s.text && core::url_decode(path[i]) != s.text) return false;
    } else {
      if (path[i].empty()) return false;
      parameters.emplace_back(s.text, core::url_decode(path[i]));
    }
  }
  return route.segments.size() == path.size();
}

// <0 when `a` is less specific than `b`, 0 when as specific, >0 when more.
int compare_specificity(const http_route_key& a, const http_route_key& b) {
  const std::size_t n = std::min(a.segments.size(), b.segments.size());
  for (std::size_t i = 0; i < n; ++i) {
    const int d = rank_of(a.segments[i].type) - rank_of(b.segments[i].type);
    if (d != 0) return d;
  }
  // Equal so far: the longer literal prefix was decided above; a greedy route matching more
  // than its own length is less specific than a longer exact one.
  if (a.segments.size() != b.segments.size()) return a.segments.size() > b.segments.size() ? 1 : -1;
  const bool a_any = a.method == "ANY";
  const bool b_any = b.method == "ANY";
  if (a_any != b_any) return a_any ? -1 : 1;
  return 0;
}

}  // namespace

std::optional<http_route_key> parse_http_route_key(std::string_view key, std::string* error) {
  http_route_key out;
  if (key == "$default") {
    out.is_default = true;
    return out;
  }
  const auto invalid_key = [&]() -> std::optional<http_route_key> {
    // unconfirmed: fogbank's wording.
    *error =
        "Invalid route key specified: " + std::string(key) +
        ". A route key is $default, or an HTTP method (ANY, DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT), "
        "a space and a path starting with /";
    return std::nullopt;
  };
  const auto invalid_path = [&]() -> std::optional<http_route_key> {
    // AWS's words for a route path it refuses (serverless/serverless#10423 quotes them from
    // CloudFormation: "One or more path parts appear to be invalid"); the detail is fogbank's.
    *error = "One or more path parts appear to be invalid: " + std::string(key);
    return std::nullopt;
  };
  const std::size_t space = key.find(' ');
  if (space == std::string_view::npos) return invalid_key();
  const std::string_view method = key.substr(0, space);
  const std::string_view path = key.substr(space + 1);
  if (std::find(route_methods.begin(), route_methods.end(), method) == route_methods.end())
    return invalid_key();
  if (!path.starts_with('/')) return invalid_key();
  if (path.size() > 1 && path.ends_with('/')) return invalid_path();
  const std::optional<std::vector<std::string_view>> parts = split_path(path);
  if (!parts) return invalid_path();
  std::set<std::string, std::less<>> names;
  out.method = std::string(method);
  for (std::size_t i = 0; i < parts->size(); ++i) {
    std::string_view part = (*parts)[i];
    if (part.empty()) return invalid_path();
    http_route_key::segment s;
    if (part.front() == '{' || part.back() == '}') {
      if (part.size() < 3 || part.front() != '{' || part.back() != '}') return invalid_path();
      part = part.substr(1, part.size() - 2);
      if (part.ends_with('+')) {
        // A greedy variable ends the path.
        if (i + 1 != parts->size()) return invalid_path();
        s.type = kind::greedy;
        part.remove_suffix(1);
      } else {
        s.type = kind::variable;
      }
      if (part.empty() || !std::all_of(part.begin(), part.end(), variable_name_char)) return invalid_path();
      if (!names.insert(std::string(part)).second) return invalid_path();
    } else if (!std::all_of(part.begin(), part.end(), literal_char)) {
      return invalid_path();
    }
    s.text = std::string(part);
    out.segments.push_back(std::move(s));
  }
  return out;
}

std::optional<http_route_match> match_http_route(const std::vector<http_route_key>& routes,
                                                 std::string_view method, std::string_view path) {
  std::optional<http_route_match> best;
  std::optional<std::size_t> fallback;
  if (path.empty()) path = "/";
  const std::optional<std::vector<std::string_view>> parts =
      path.starts_with('/') ? split_path(path) : std::nullopt;
  std::vector<std::pair<std::string, std::string>> parameters;
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const http_route_key& route = routes[i];
    if (route.is_default) {
      if (!fallback) fallback = i;
      continue;
    }
    if (!parts) continue;
    if (route.method != "ANY" && route.method != method) continue;
    if (!matches(route, *parts, parameters)) continue;
    if (!best || compare_specificity(route, routes[best->index]) > 0) {
      best = http_route_match{i, parameters};
    }
  }
  if (best) return best;
  if (fallback) return http_route_match{*fallback, {}};
  return std::nullopt;
}

}  // namespace fogbank::apigw
