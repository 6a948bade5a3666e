#pragma once
// The message types shared by the session (transport) and the protocol fronts (routing and
// codecs), and the headers every fogbank response carries.

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace fogbank::http {

namespace bhttp = boost::beast::http;

using request = bhttp::request<bhttp::string_body>;
using response = bhttp::response<bhttp::string_body>;

// Boost 1.74's Beast speaks boost::string_view; fogbank speaks std::string_view.
inline std::string_view sv(boost::beast::string_view text) noexcept {
  return {text.data(), text.size()};
}
inline boost::beast::string_view bsv(std::string_view text) noexcept {
  return {text.data(), text.size()};
}

// The value of the first header `name` of `fields` (a request's or a response's), or nullopt. Beast's
// find() and operator[] search a tree comparing names without regard to case, ~300 instructions
// each, and a DynamoDB call looked up about twenty headers that way (7 % of a GetItem's
// instructions). A message has a handful of headers and Beast keeps each known name's code: a walk
// comparing codes costs a fraction. The same first header as Beast's find() (insertion order).
std::optional<std::string_view> find_header(const bhttp::fields& fields, bhttp::field name) noexcept;
// The same for any name, known to Beast or not (X-Amz-Target), compared without regard to case.
std::optional<std::string_view> find_header(const bhttp::fields& fields, std::string_view name) noexcept;
// find_header's value, or "" when there is none (what Beast's operator[] gives).
std::string_view header_value(const bhttp::fields& fields, bhttp::field name) noexcept;
std::string_view header_value(const bhttp::fields& fields, std::string_view name) noexcept;

// Content types of the AWS JSON protocol. DynamoDB answers in the content type the request
// used, and in application/json when the request had none (dynalite's connection tests pin
// both against live DynamoDB).
inline constexpr std::string_view amz_json_1_0 = "application/x-amz-json-1.0";
inline constexpr std::string_view plain_json = "application/json";

// The media type of a Content-Type value: "application/json; charset=utf-8" -> "application/json".
std::string_view media_type(std::string_view content_type) noexcept;

// What a response needs from its request, kept apart from it so that a response can be made
// after the request is gone (a deferred reply).
struct reply_to {
  unsigned version = 11;
  bool keep_alive = true;
  bool cors = false;  // the request carried an Origin header (a browser SDK)
  bool tls = false;   // the request came over TLS (https://)
  std::string request_id;
};

reply_to reply_to_of(const request& req, std::string request_id);

// A response with `status`, `content_type` and `body`, keep-alive as the request asked,
// carrying `x-amzn-RequestId` and `x-amz-crc32` (the SDKs verify the CRC32 of DynamoDB response
// bodies and retry on a mismatch), and CORS headers for a browser's request.
response make_response(const reply_to& to, bhttp::status status, std::string_view content_type,
                       std::string body);

// "http://" ("https://" when `to` came over TLS) and the Host header the client addressed
// ("http://localhost:4566"), or `fallback` when there is none or it is not a plain host[:port]
// (see is_plain_host).
std::string endpoint_of(const request& req, const reply_to& to, std::string_view fallback);

// True for "name", "name:port", "[ipv6]" and "[ipv6]:port", where a name is 1-253 letters,
// digits, '.', '-' or '_', and a port 1-5 digits.
bool is_plain_host(std::string_view host) noexcept;

// The decimal zlib CRC32 of `body`, as DynamoDB's x-amz-crc32 header gives it.
std::string crc32_decimal(std::string_view body);

}  // namespace fogbank::http
