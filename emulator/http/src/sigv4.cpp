#include "sigv4.hpp"

#include "fogbank/core/encoding.hpp"

#include <array>
#include <map>

namespace fogbank::http::sigv4 {
namespace {

// Longer than any AWS region name (the longest have about 15 characters) and than the names
// local setups use ("local", "localhost", "fakeRegion"); the region goes into every ARN and
// stream record of the caller's resources, so a client must not make it arbitrarily long.
constexpr std::size_t max_region_length = 64;

bool has_nonempty(const parameters& params, std::string_view key) {
  const auto it = params.find(key);
  return it != params.end() && !it->second.empty();
}

check_result failure(check_result::outcome outcome, std::string message) {
  check_result result;
  result.result = outcome;
  result.message = std::move(message);
  return result;
}

// Letters, digits, '-' and '_': every AWS region name, and the made-up ones local setups use.
// Anything else (a byte that is not ASCII, a quote, a slash) would end up in ARNs and stored
// records the client later reads back.
bool valid_region(std::string_view region) {
  if (region.size() > max_region_length) return false;
  for (const char c : region) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

check_result with_credential(std::string_view credential) {
  auto scope = parse_credential(credential);
  if (!scope) {
    // DynamoDB's wording (recorded in dynalite's index.js).
    return failure(check_result::outcome::incomplete,
                   "Credential must have exactly 5 slash-delimited elements, e.g. "
                   "keyid/date/region/service/term, got '" +
                       printable(credential) + "'");
  }
  if (!valid_region(scope->region)) {
    // AWS's wording for a scope it does not serve, as SDK users quote it (aws-sdk-ruby issue
    // 508, aws-sdk-js issue 4545), trailing space included. AWS checks the region against the
    // endpoint's; fogbank serves every region and refuses only names no region can have.
    return failure(check_result::outcome::invalid,
                   "Credential should be scoped to a valid region, not '" + printable(scope->region) + "'. ");
  }
  check_result result;
  result.scope = std::move(*scope);
  return result;
}

}  // namespace

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

// Query parameters by decoded name; a name without '=' maps to "".
parameters query_parameters(std::string_view query) {
  parameters params;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    std::string name = core::url_decode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? std::string{} : core::url_decode(pair.substr(eq + 1));
    params.emplace(std::move(name), std::move(value));
  }
  return params;
}

// "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=f": the key=value
// parameters after the algorithm, separated by commas and/or spaces.
namespace {

// Calls take(name, value) for each key=value token after the algorithm, in order, until it
// returns false; a token without '=' has the value "".
template <class Take>
void for_each_authorization_parameter(std::string_view header, Take&& take) {
  bool first_token = true;
  while (!header.empty()) {
    // A plain loop, not find_first_of(", "): libstdc++ searches the set once per character, and
    // this ran three times per request (2.8% of a GetItem's CPU).
    std::size_t sep = 0;
    while (sep < header.size() && header[sep] != ',' && header[sep] != ' ') ++sep;
    const std::string_view token = header.substr(0, sep);
    header = sep == header.size() ? std::string_view{} : header.substr(sep + 1);
    if (token.empty()) continue;
    if (first_token) {  // the algorithm
      first_token = false;
      continue;
    }
    const auto eq = token.find('=');
    const bool more = eq == std::string_view::npos ? take(token, std::string_view{})
                                                   : take(token.substr(0, eq), token.substr(eq + 1));
    if (!more) return;
  }
}

}  // namespace

parameters authorization_parameters(std::string_view header) {
  parameters params;
  for_each_authorization_parameter(header, [&params](std::string_view name, std::string_view value) {
    params.emplace(std::string(name), std::string(value));
    return true;
  });
  return params;
}

std::string printable(std::string_view text) {
  // U+FFFD, as nlohmann::json's error_handler_t::replace writes it.
  constexpr std::string_view replacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    char32_t min = 0;
    if (lead < 0x80) {
      length = 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
      min = 0x80;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      min = 0x800;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      min = 0x10000;
    }
    bool ok = length > 0 && i + length <= text.size();
    char32_t code = length > 1 ? lead & (0x3Fu >> (length - 1)) : lead;
    for (std::size_t k = 1; ok && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      ok = (next & 0xC0) == 0x80;
      code = (code << 6) | (next & 0x3F);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8 either.
    ok = ok && code >= min && code <= 0x10FFFF && !(code >= 0xD800 && code <= 0xDFFF);
    if (ok) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out.append(replacement);
      ++i;
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
  const auto query = query_parameters(request.query);
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
    // The three parameters in one pass over the header (the first of each name counts, as in
    // authorization_parameters' map): a pass per name was 3,500 instructions of every request.
    constexpr std::array<std::string_view, 3> required = {"Credential", "Signature", "SignedHeaders"};
    std::array<std::optional<std::string_view>, 3> values;
    std::size_t found = 0;
    for_each_authorization_parameter(*request.authorization,
                                     [&](std::string_view key, std::string_view value) {
                                       for (std::size_t i = 0; i < required.size(); ++i) {
                                         if (key == required[i] && !values[i]) {
                                           values[i] = value;
                                           ++found;
                                         }
                                       }
                                       return found < required.size();
                                     });
    for (std::size_t i = 0; i < required.size(); ++i) {
      if (!values[i] || values[i]->empty())
        message += "Authorization header requires '" + std::string(required[i]) + "' parameter. ";
    }
    const std::string_view credential = values[0].value_or(std::string_view{});
    if (!request.has_date) {
      message += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
    }
    if (!message.empty()) {
      return failure(check_result::outcome::incomplete,
                     message + "Authorization=" + printable(*request.authorization));
    }
    return with_credential(credential);
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
