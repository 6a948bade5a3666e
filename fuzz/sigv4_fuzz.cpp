// SigV4 as fogbank reads it: the Authorization header, or the presigned-URL query string, and
// the credential scope inside either; and as `serve --credentials` verifies it, with the
// signer's access key known so that the canonical request and signature are computed.
//
// Input: the Authorization header on the first line ("-" for none), the query string after it.

#include "sigv4.hpp"
#include "sigv4_verify.hpp"

#include "fogbank/core/encoding.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fogbank::http;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto newline = input.find('\n');
  const std::string_view header = input.substr(0, newline);
  const std::string_view query =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);

  sigv4::signed_request request;
  if (header != "-") request.authorization = header;
  request.query = query;
  request.has_date = size % 2 == 0;
  const sigv4::check_result checked = sigv4::check(request);
  sigv4::parse_credential(header);

  constexpr std::string_view signed_at = "20240101T000000Z";
  fogbank::http::request req{
      bhttp::verb::post, bsv("/" + std::string(query.substr(0, query.find('?'))) + "?" + std::string(query)),
      11};
  if (header != "-") req.set(bhttp::field::authorization, bsv(header));
  req.set(bhttp::field::host, "localhost:4566");
  if (request.has_date) req.set("X-Amz-Date", bsv(signed_at));
  sigv4::key_ring keys;
  if (checked.result == sigv4::check_result::outcome::ok) keys.emplace(checked.scope.access_key_id, "secret");
  sigv4::verify(req, sigv4::sha256_hex(query), keys, *sigv4::parse_timestamp(signed_at));
  fogbank::core::url_decode(query);
  return 0;
}
