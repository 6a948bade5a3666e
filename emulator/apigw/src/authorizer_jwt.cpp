#include "authorizer_jwt.hpp"

#include "jwt.hpp"

#include "fogbank/core/encoding.hpp"

#include <algorithm>
#include <cctype>

namespace fogbank::apigw {
namespace {

using json = nlohmann::json;

bool same_name(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

// The value of the first identity source the request carries ("$request.header.X",
// "$request.querystring.X"); empty when none does.
std::string identity_of(const std::vector<std::string>& sources,
                        const std::vector<std::pair<std::string, std::string>>& headers,
                        std::string_view query) {
  constexpr std::string_view header_prefix = "$request.header.";
  constexpr std::string_view query_prefix = "$request.querystring.";
  for (const std::string& source : sources) {
    const std::string_view s = source;
    if (s.starts_with(header_prefix)) {
      for (const auto& [name, value] : headers)
        if (same_name(name, s.substr(header_prefix.size())) && !value.empty()) return value;
    } else if (s.starts_with(query_prefix)) {
      std::string_view rest = query;
      while (!rest.empty()) {
        const std::size_t amp = rest.find('&');
        const std::string_view part = rest.substr(0, amp);
        const std::size_t eq = part.find('=');
        if (eq != std::string_view::npos &&
            core::url_decode(part.substr(0, eq)) == s.substr(query_prefix.size()))
          return core::url_decode(part.substr(eq + 1));
        if (amp == std::string_view::npos) break;
        rest.remove_prefix(amp + 1);
      }
    }
  }
  return {};
}

jwt_decision refuse(int status, const std::string& error, const std::string& description) {
  jwt_decision out;
  out.status = status;
  // The header's form as the troubleshooting guide shows it.
  out.www_authenticate =
      "Bearer scope=\"\" error=\"" + error + "\" error_description=\"" + description + "\"";
  return out;
}

bool audience_matches(const json& claims, const std::vector<std::string>& audience) {
  // "API Gateway validates client_id only if aud is not present."
  json aud = claims.contains("aud") ? claims["aud"] : claims.value("client_id", json());
  if (aud.is_string()) aud = json::array({aud});
  if (!aud.is_array()) return false;
  for (const json& a : aud) {
    if (a.is_string() && std::find(audience.begin(), audience.end(), a.get<std::string>()) != audience.end())
      return true;
  }
  return false;
}

std::vector<std::string> token_scopes(const json& claims) {
  std::vector<std::string> out;
  if (const auto scope = claims.find("scope"); scope != claims.end() && scope->is_string()) {
    std::string_view rest = scope->get_ref<const std::string&>();
    while (!rest.empty()) {
      const std::size_t space = rest.find(' ');
      if (space != 0) out.emplace_back(rest.substr(0, space));
      if (space == std::string_view::npos) break;
      rest.remove_prefix(space + 1);
    }
  } else if (const auto scp = claims.find("scp"); scp != claims.end() && scp->is_array()) {
    for (const json& s : *scp)
      if (s.is_string()) out.push_back(s.get<std::string>());
  }
  return out;
}

// Claims as HTTP APIs hand them on: strings as they are, numbers and booleans as their JSON text,
// arrays as "[a b]" (unconfirmed: the form reported for cognito:groups), objects as JSON text.
json claims_for_event(const json& claims) {
  json out = json::object();
  for (const auto& [key, value] : claims.items()) {
    if (value.is_string()) {
      out[key] = value;
    } else if (value.is_array()) {
      std::string joined = "[";
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (i > 0) joined += ' ';
        joined += value[i].is_string() ? value[i].get<std::string>() : value[i].dump();
      }
      out[key] = joined + "]";
    } else {
      out[key] = value.dump();
    }
  }
  return out;
}

}  // namespace

jwt_decision authorize_jwt(const http_jwt_authorizer& authorizer,
                           const std::vector<std::pair<std::string, std::string>>& headers,
                           std::string_view query, core::time_point now) noexcept {
  try {
    const std::string identity = identity_of(authorizer.identity_sources, headers, query);
    if (identity.empty())
      return refuse(401, "invalid_request", "no token in the identity source");  // unconfirmed
    const jwt::decoded token = jwt::decode(jwt::bearer_token(identity), now);
    if (token.result == jwt::outcome::malformed)
      return refuse(401, "invalid_token", "the token is malformed");
    if (token.result == jwt::outcome::expired) return refuse(401, "invalid_token", "the token has expired");
    if (token.claims.value("iss", json()) != authorizer.issuer)
      return refuse(401, "invalid_token", "the token does not have a valid issuer");
    if (!audience_matches(token.claims, authorizer.audience))
      return refuse(401, "invalid_token", "the token does not have a valid audience");
    const std::vector<std::string> scopes = token_scopes(token.claims);
    if (!authorizer.route_scopes.empty()) {
      const bool granted = std::any_of(scopes.begin(), scopes.end(), [&](const std::string& s) {
        return std::find(authorizer.route_scopes.begin(), authorizer.route_scopes.end(), s) !=
               authorizer.route_scopes.end();
      });
      if (!granted) return refuse(403, "insufficient_scope", "the token does not have the required scope");
    }
    jwt_decision out;
    out.status = 200;
    out.authorizer = {{"jwt",
                       {{"claims", claims_for_event(token.claims)},
                        {"scopes", scopes.empty() ? json(nullptr) : json(scopes)}}}};
    return out;
  } catch (const std::exception&) {
    return refuse(401, "invalid_token", "the token is malformed");
  }
}

}  // namespace fogbank::apigw
