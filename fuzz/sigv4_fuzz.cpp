// SigV4 as fogbank reads it: the Authorization header, or the presigned-URL query string, and
// the credential scope inside either.
//
// Input: the Authorization header on the first line ("-" for none), the query string after it.

#include "sigv4.hpp"

#include "fogbank/core/encoding.hpp"

#include <cstddef>
#include <cstdint>
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
  sigv4::check(request);
  sigv4::parse_credential(header);
  fogbank::core::url_decode(query);
  return 0;
}
