// JWT claim decoding for the Cognito authorizer (emulator/apigw/src/jwt.hpp): an Authorization
// header value, as any client sends it to a Cognito-protected REST API method. Oracle: decode()
// never throws; a token it accepts has object header and claims, whose string form
// (claims_as_strings, what reaches the function) is built without throwing and serializes.
//
// Input: the header value's bytes.

#include "jwt.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fogbank::apigw;
  const std::string_view value(reinterpret_cast<const char*>(data), size);
  const std::string_view token = jwt::bearer_token(value);
  const fogbank::core::time_point now{std::chrono::seconds{1'700'000'000}};
  const jwt::decoded d = jwt::decode(token, now);
  if (d.result == jwt::outcome::malformed) return 0;
  if (!d.header.is_object() || !d.claims.is_object()) std::abort();
  const nlohmann::json claims = jwt::claims_as_strings(d.claims);
  for (const auto& [name, v] : claims.items()) {
    if (!v.is_string()) std::abort();
  }
  static_cast<void>(claims.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return 0;
}
