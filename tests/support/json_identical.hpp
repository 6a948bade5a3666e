#pragma once
// For tests and fuzz targets that compare a value with an oracle's: nlohmann::json's operator==
// calls 1, 1u and 1.0 equal and NaN unequal to itself, which hides exactly the differences a
// decoder or parser can get wrong.

#include <nlohmann/json.hpp>

#include <bit>
#include <cstddef>
#include <cstdint>

namespace fogbank::test_support {

// Equal values of equal types at every node; floats bit for bit (NaN equal to the same NaN,
// -0.0 apart from 0.0). Recursive: for values of bounded depth (parsed or decoded under a limit).
inline bool json_identical(const nlohmann::json& a, const nlohmann::json& b) {
  using value_t = nlohmann::json::value_t;
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case value_t::object: {
      if (a.size() != b.size()) return false;
      for (auto x = a.begin(), y = b.begin(); x != a.end(); ++x, ++y) {
        if (x.key() != y.key() || !json_identical(*x, *y)) return false;
      }
      return true;
    }
    case value_t::array: {
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (!json_identical(a[i], b[i])) return false;
      }
      return true;
    }
    case value_t::number_float:
      return std::bit_cast<std::uint64_t>(a.get<double>()) == std::bit_cast<std::uint64_t>(b.get<double>());
    default:
      return a == b;
  }
}

}  // namespace fogbank::test_support
