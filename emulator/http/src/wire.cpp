#include "wire.hpp"

#include <zlib.h>

#include <climits>

namespace fogbank::http {

std::string_view media_type(std::string_view content_type) noexcept {
  content_type = content_type.substr(0, content_type.find(';'));
  const auto first = content_type.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = content_type.find_last_not_of(" \t");
  return content_type.substr(first, last - first + 1);
}

std::optional<std::string_view> find_header(const bhttp::fields& fields, bhttp::field name) noexcept {
  for (const auto& field : fields) {
    if (field.name() == name) return sv(field.value());
  }
  return std::nullopt;
}

std::optional<std::string_view> find_header(const bhttp::fields& fields, std::string_view name) noexcept {
  for (const auto& field : fields) {
    const auto text = field.name_string();
    if (text.size() == name.size() && boost::beast::iequals(text, bsv(name))) return sv(field.value());
  }
  return std::nullopt;
}

std::string_view header_value(const bhttp::fields& fields, bhttp::field name) noexcept {
  return find_header(fields, name).value_or(std::string_view{});
}

std::string_view header_value(const bhttp::fields& fields, std::string_view name) noexcept {
  return find_header(fields, name).value_or(std::string_view{});
}

std::string crc32_decimal(std::string_view body) {
  uLong crc = ::crc32(0L, Z_NULL, 0);
  const auto* data = reinterpret_cast<const Bytef*>(body.data());
  std::size_t left = body.size();
  // zlib's length parameter is a uInt: feed huge bodies in slices.
  while (left > 0) {
    const uInt slice = left > UINT_MAX ? UINT_MAX : static_cast<uInt>(left);
    crc = ::crc32(crc, data, slice);
    data += slice;
    left -= slice;
  }
  return std::to_string(static_cast<unsigned long>(crc));
}

reply_to reply_to_of(const request& req, std::string request_id) {
  reply_to to;
  to.version = req.version();
  to.keep_alive = req.keep_alive();
  to.cors = find_header(req, bhttp::field::origin).has_value();
  to.request_id = std::move(request_id);
  return to;
}

response make_response(const reply_to& to, bhttp::status status, std::string_view content_type,
                       std::string body) {
  response res{status, to.version};
  // insert, not set: the fields are new, and set() first searches for the field to replace.
  res.insert(bhttp::field::server, "fogbank");
  res.insert("x-amzn-RequestId", bsv(to.request_id));
  res.insert("x-amz-crc32", crc32_decimal(body));
  res.insert(bhttp::field::content_type, bsv(content_type));
  if (to.cors) {
    res.insert(bhttp::field::access_control_allow_origin, "*");
    res.insert(bhttp::field::access_control_expose_headers,
               "x-amzn-RequestId,x-amz-crc32,x-amzn-query-error");
  }
  res.keep_alive(to.keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

namespace {

// A DNS name has at most 253 characters; a port at most 5 digits. The Host header is echoed
// into every queue URL handed back, so it is taken only when it is a plain host[:port].
constexpr std::size_t max_host_length = 253;
constexpr std::size_t max_port_digits = 5;

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// A host name or IPv4 address: letters, digits, '.', '-', and '_' (container names have it).
bool is_name(std::string_view host) noexcept {
  if (host.empty() || host.size() > max_host_length) return false;
  for (const char c : host) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '.' || c == '-' ||
          c == '_'))
      return false;
  }
  return true;
}

// An IPv6 literal in brackets: "[::1]", "[fe80::1%25eth0]" is not accepted (a zone id would
// need escaping in a URL).
bool is_ipv6_literal(std::string_view host) noexcept {
  if (host.size() < 3 || host.size() > 2 + 45 || host.front() != '[' || host.back() != ']') return false;
  for (const char c : host.substr(1, host.size() - 2)) {
    if (!(is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.'))
      return false;
  }
  return true;
}

bool is_port(std::string_view port) noexcept {
  if (port.empty() || port.size() > max_port_digits) return false;
  for (const char c : port) {
    if (!is_digit(c)) return false;
  }
  return true;
}

}  // namespace

bool is_plain_host(std::string_view host) noexcept {
  std::string_view name = host;
  std::string_view port;
  if (const auto bracket = host.rfind(']'); !host.empty() && host.front() == '[') {
    if (bracket == std::string_view::npos) return false;
    name = host.substr(0, bracket + 1);
    const std::string_view rest = host.substr(bracket + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      port = rest.substr(1);
      if (!is_port(port)) return false;
    }
    return is_ipv6_literal(name);
  }
  if (const auto colon = host.find(':'); colon != std::string_view::npos) {
    name = host.substr(0, colon);
    port = host.substr(colon + 1);
    if (!is_port(port)) return false;
  }
  return is_name(name);
}

std::string endpoint_of(const request& req, const reply_to& to, std::string_view fallback) {
  const std::string_view host = header_value(req, bhttp::field::host);
  // Anything but a plain host[:port] would corrupt the queue URLs handed back (a huge header, a
  // byte that is not ASCII, markup).
  if (!is_plain_host(host)) return std::string(fallback);
  return (to.tls ? "https://" : "http://") + std::string(host);
}

}  // namespace fogbank::http
