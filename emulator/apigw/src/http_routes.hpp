#pragma once
// HTTP API routes: a route key ("GET /pets/{id}", "ANY /files/{proxy+}", "$default") parsed once,
// and the route a request takes. Pure functions: no service, no clock.
//
// AWS (developer guide, "Working with routes for HTTP APIs"): a route key is a method and a path;
// `ANY` matches every method; `{name}` is a path variable, `{name+}` a greedy one (the last
// segment only) that matches the rest of the path; `$default` catches what no other route does.
// Of the routes that match a request the most specific wins: a literal segment over a variable,
// a variable over a greedy variable, and then a method-specific route over ANY.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fogbank::apigw {

// The most segments a route key or a matched request path may have. AWS states no limit
// (unconfirmed); ours bounds the work per request and the size of stored keys.
inline constexpr std::size_t max_route_segments = 64;

struct http_route_key {
  enum class kind { literal, variable, greedy };
  struct segment {
    kind type = kind::literal;
    std::string text;  // the literal, or the variable's name (without braces and '+')
  };

  bool is_default = false;        // "$default"
  std::string method;             // "GET", ..., or "ANY"
  std::vector<segment> segments;  // "/" has none
};

// `key` parsed, or nullopt with `*error` set to the BadRequestException message.
std::optional<http_route_key> parse_http_route_key(std::string_view key, std::string* error);

// The route a request takes.
struct http_route_match {
  std::size_t index = 0;  // into the routes given
  // Path variables by name, URL-decoded (a greedy variable's value keeps its slashes).
  std::vector<std::pair<std::string, std::string>> path_parameters;
};

// The route of `routes` that a request with `method` and `path` (the path after the stage, as
// sent: "/pets/dog%201") takes: the most specific match, else the $default route, else nullopt.
std::optional<http_route_match> match_http_route(const std::vector<http_route_key>& routes,
                                                 std::string_view method, std::string_view path);

}  // namespace fogbank::apigw
