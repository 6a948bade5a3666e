#include "sigv4.hpp"

#include <array>
#include <map>

namespace fogbank::http::sigv4 {
namespace {

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Query parameters by decoded name; a name without '=' maps to "".
std::map<std::string, std::string, std::less<>> parse_query(std::string_view query) {
  std::map<std::string, std::string, std::less<>> params;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    std::string name = url_decode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? std::string{} : url_decode(pair.substr(eq + 1));
    params.emplace(std::move(name), std::move(value));
  }
  return params;
}

// "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=f": the key=value
// parameters after the algorithm, separated by commas and/or spaces.
std::map<std::string, std::string, std::less<>> parse_authorization(std::string_view header) {
  std::map<std::string, std::string, std::less<>> params;
  bool first_token = true;
  while (!header.empty()) {
    const auto sep = header.find_first_of(", ");
    const std::string_view token = header.substr(0, sep);
    header = sep == std::string_view::npos ? std::string_view{} : header.substr(sep + 1);
    if (token.empty()) continue;
    if (first_token) {  // the algorithm
      first_token = false;
      continue;
    }
    const auto eq = token.find('=');
    if (eq == std::string_view::npos) {
      params.emplace(std::string(token), std::string{});
    } else {
      params.emplace(std::string(token.substr(0, eq)), std::string(token.substr(eq + 1)));
    }
  }
  return params;
}

bool has_nonempty(const std::map<std::string, std::string, std::less<>>& params, std::string_view key) {
  const auto it = params.find(key);
  return it != params.end() && !it->second.empty();
}

check_result failure(check_result::outcome outcome, std::string message) {
  check_result result;
  result.result = outcome;
  result.message = std::move(message);
  return result;
}

check_result with_credential(std::string_view credential) {
  auto scope = parse_credential(credential);
  if (!scope) {
    // DynamoDB's wording (recorded in dynalite's index.js).
    return failure(check_result::outcome::incomplete,
                   "Credential must have exactly 5 slash-delimited elements, e.g. "
                   "keyid/date/region/service/term, got '" +
                       std::string(credential) + "'");
  }
  check_result result;
  result.scope = std::move(*scope);
  return result;
}

}  // namespace

std::string url_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
               hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<credential_scope> parse_credential(std::string_view credential) {
  while (!credential.empty() && credential.back() == '/') credential.remove_suffix(1);
  std::array<std::string_view, 5> parts;
  std::size_t count = 0;
  while (true) {
    const auto slash = credential.find('/');
    if (count == parts.size()) return std::nullopt;
    parts[count++] = credential.substr(0, slash);
    if (slash == std::string_view::npos) break;
    credential = credential.substr(slash + 1);
  }
  if (count != parts.size()) return std::nullopt;
  return credential_scope{std::string(parts[0]), std::string(parts[1]), std::string(parts[2]),
                          std::string(parts[3]), std::string(parts[4])};
}

check_result check(const signed_request& request) {
  const auto query = parse_query(request.query);
  const bool has_header = request.authorization.has_value() && !request.authorization->empty();
  const bool presigned = query.find("X-Amz-Algorithm") != query.end();

  if (has_header && presigned) {
    return failure(
        check_result::outcome::invalid,
        "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.");
  }
  if ((!has_header && !presigned) || (has_header && trim(*request.authorization).substr(0, 5) != "AWS4-")) {
    return failure(check_result::outcome::missing, "Request is missing Authentication Token");
  }

  std::string message;
  if (has_header) {
    const auto params = parse_authorization(*request.authorization);
    for (std::string_view required : {"Credential", "Signature", "SignedHeaders"}) {
      if (!has_nonempty(params, required)) {
        message += "Authorization header requires '" + std::string(required) + "' parameter. ";
      }
    }
    if (!request.has_date) {
      message += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
    }
    if (!message.empty()) {
      return failure(check_result::outcome::incomplete,
                     message + "Authorization=" + std::string(*request.authorization));
    }
    return with_credential(params.find("Credential")->second);
  }

  for (std::string_view required :
       {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"}) {
    if (!has_nonempty(query, required)) {
      message += "AWS query-string parameters must include '" + std::string(required) + "'. ";
    }
  }
  if (!message.empty()) {
    return failure(check_result::outcome::incomplete, message + "Re-examine the query-string parameters.");
  }
  return with_credential(query.find("X-Amz-Credential")->second);
}

}  // namespace fogbank::http::sigv4
