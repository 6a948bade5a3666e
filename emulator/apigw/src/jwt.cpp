#include "jwt.hpp"

#include "utf8.hpp"

#include "fogbank/core/encoding.hpp"
#include "fogbank/core/json_limits.hpp"
#include "fogbank/core/json_text.hpp"

#include <array>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <optional>

namespace fogbank::apigw::jwt {
namespace {

using json = nlohmann::json;

std::optional<json> decode_object(std::string_view part) {
  std::optional<std::string> text = base64url_decode(part);
  if (!text || !valid_utf8(*text)) return std::nullopt;
  std::optional<json> value = core::parse_json_within(*text, max_nesting);
  if (!value || !value->is_object()) return std::nullopt;
  return value;
}

std::string java_date(std::int64_t seconds) {
  static constexpr std::array<const char*, 7> days = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm utc{};
  if (gmtime_r(&t, &utc) == nullptr) return std::to_string(seconds);
  char text[96];
  std::snprintf(text, sizeof text, "%s %s %02d %02d:%02d:%02d UTC %04d",
                days[static_cast<std::size_t>(utc.tm_wday) % 7],
                months[static_cast<std::size_t>(utc.tm_mon) % 12], utc.tm_mday, utc.tm_hour, utc.tm_min,
                utc.tm_sec, utc.tm_year + 1900);
  return text;
}

std::string text_of(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  return core::to_json_text(value);
}

}  // namespace

std::optional<std::string> base64url_decode(std::string_view text) {
  while (text.ends_with('=')) text.remove_suffix(1);
  std::string standard;
  standard.reserve(text.size());
  for (const char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      standard += c;
    } else if (c == '-') {
      standard += '+';
    } else if (c == '_') {
      standard += '/';
    } else {
      return std::nullopt;
    }
  }
  if (standard.empty()) return std::string();
  return core::base64_decode_lenient(standard);
}

decoded decode(std::string_view token, core::time_point now) noexcept {
  decoded out;
  try {
    if (token.empty() || token.size() > max_token_length) return out;
    const std::size_t first = token.find('.');
    if (first == std::string_view::npos) return out;
    const std::size_t second = token.find('.', first + 1);
    if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) return out;
    std::optional<json> header = decode_object(token.substr(0, first));
    std::optional<json> claims = decode_object(token.substr(first + 1, second - first - 1));
    // The signature is not checked, but it must be base64url (an unsigned token's is empty).
    if (!header || !claims || !base64url_decode(token.substr(second + 1))) return out;
    out.header = std::move(*header);
    out.claims = std::move(*claims);
    out.result = outcome::ok;
    if (const auto exp = out.claims.find("exp"); exp != out.claims.end()) {
      if (!exp->is_number() || !std::isfinite(exp->get<double>())) {
        out.result = outcome::malformed;
        return out;
      }
      const double now_seconds = std::chrono::duration<double>(now.time_since_epoch()).count();
      if (exp->get<double>() <= now_seconds) out.result = outcome::expired;
    }
    return out;
  } catch (...) {
    // Out of memory: the token is refused, as any token that cannot be read.
    return decoded{};
  }
}

std::string_view bearer_token(std::string_view value) noexcept {
  const auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  value = trim(value);
  constexpr std::string_view bearer = "bearer ";
  if (value.size() > bearer.size()) {
    bool same = true;
    for (std::size_t i = 0; i < bearer.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(value[i])) != bearer[i]) same = false;
    }
    if (same) value = trim(value.substr(bearer.size()));
  }
  return value;
}

json claims_as_strings(const json& claims) {
  json out = json::object();
  for (const auto& [name, value] : claims.items()) {
    // Times beyond year 9999 (or NaN) stay as their JSON text: no conversion can overflow.
    const bool time = (name == "exp" || name == "iat" || name == "auth_time") && value.is_number() &&
                      std::fabs(value.get<double>()) < 253'402'300'800.0;
    if (time) {
      out[name] = java_date(static_cast<std::int64_t>(value.get<double>()));
    } else if (value.is_array()) {
      std::string joined;
      for (const json& item : value) joined += (joined.empty() ? "" : ",") + text_of(item);
      out[name] = joined;
    } else {
      out[name] = text_of(value);
    }
  }
  return out;
}

}  // namespace fogbank::apigw::jwt
