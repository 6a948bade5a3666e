// core::parse_json_within (emulator/core/src/json_parse.cpp), the parser of every JSON request
// body, against its oracle, nlohmann::json::parse after the same nesting check: for any bytes both
// give no value, or the same value with the same types all the way down (nlohmann's == calls 1,
// 1u and 1.0 equal; this does not). Aborts with the input and both answers printed when they
// differ.

#include "fogbank/core/json_limits.hpp"
#include "json_identical.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

using json = nlohmann::json;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // The depth requests are held to: values this deep are safe to compare and dump recursively.
  constexpr int depth = fogbank::core::max_request_nesting;
  const std::optional<json> actual = fogbank::core::parse_json_within(text, depth);
  std::optional<json> expected;
  if (fogbank::core::nesting_within(text, depth)) {
    json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!value.is_discarded()) expected = std::move(value);
  }
  if (expected.has_value() != actual.has_value() ||
      (expected && !fogbank::test_support::json_identical(*expected, *actual))) {
    std::fprintf(
        stderr, "input (%zu bytes): %s\nexpected: %s\nactual:   %s\n", size,
        json(std::string(text)).dump(-1, ' ', true, json::error_handler_t::replace).c_str(),
        expected ? expected->dump(-1, ' ', true, json::error_handler_t::replace).c_str() : "no value",
        actual ? actual->dump(-1, ' ', true, json::error_handler_t::replace).c_str() : "no value");
    std::abort();
  }
  return 0;
}
