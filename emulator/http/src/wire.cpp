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
  to.cors = req.find(bhttp::field::origin) != req.end();
  to.request_id = std::move(request_id);
  return to;
}

response make_response(const reply_to& to, bhttp::status status, std::string_view content_type,
                       std::string body) {
  response res{status, to.version};
  res.set(bhttp::field::server, "fogbank");
  res.set("x-amzn-RequestId", bsv(to.request_id));
  res.set("x-amz-crc32", crc32_decimal(body));
  res.set(bhttp::field::content_type, bsv(content_type));
  if (to.cors) {
    res.set(bhttp::field::access_control_allow_origin, "*");
    res.set(bhttp::field::access_control_expose_headers, "x-amzn-RequestId,x-amz-crc32,x-amzn-query-error");
  }
  res.keep_alive(to.keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

std::string endpoint_of(const request& req, std::string_view fallback) {
  const std::string_view host = sv(req[bhttp::field::host]);
  // A Host header is a host and an optional port; anything else would corrupt the queue URLs
  // handed back (and could inject markup into them).
  const bool plain = !host.empty() && host.find_first_of(" \t/\\?#@<>\"'&") == std::string_view::npos;
  return plain ? "http://" + std::string(host) : std::string(fallback);
}

}  // namespace fogbank::http
