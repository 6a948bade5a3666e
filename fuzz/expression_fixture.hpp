#pragma once
// What the four expression fuzz targets share: the ExpressionAttributeNames and
// ExpressionAttributeValues a request could carry (short placeholders, so that mutations find
// them), and an item holding every type, to evaluate, update and project against.

#include "expressions.hpp"

#include "fogbank/core/aws_error.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace fogbank::fuzz {

using json = nlohmann::json;

inline const json& expression_names() {
  static const json names = json::parse(R"({
    "#a": "a", "#s": "s", "#n": "n", "#l": "l", "#m": "m", "#k": "pk", "#d": "a.b", "#r": "name"
  })");
  return names;
}

inline const json& expression_values() {
  static const json values = json::parse(R"({
    ":v": {"S": "x"}, ":s": {"S": "hello"}, ":n": {"N": "10"}, ":f": {"N": "-2.5e3"},
    ":b": {"B": "AQID"}, ":t": {"BOOL": true}, ":z": {"NULL": true},
    ":l": {"L": [{"S": "x"}, {"N": "3"}]}, ":m": {"M": {"k": {"S": "v"}}},
    ":ss": {"SS": ["a", "b"]}, ":ns": {"NS": ["1", "2.5"]}, ":bs": {"BS": ["AQ=="]}
  })");
  return values;
}

inline const json& sample_item() {
  static const json item = json::parse(R"({
    "pk": {"S": "key"}, "s": {"S": "hello"}, "n": {"N": "10"}, "b": {"B": "AQID"},
    "t": {"BOOL": true}, "z": {"NULL": true}, "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2.5"]},
    "bs": {"BS": ["AQ=="]}, "l": {"L": [{"S": "x"}, {"N": "3"}, {"L": [{"N": "1"}]}]},
    "m": {"M": {"k": {"S": "v"}, "deep": {"L": [{"M": {"x": {"N": "1"}}}]}}},
    "a.b": {"S": "dotted"}, "name": {"S": "reserved"}
  })");
  return item;
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Runs `body` and swallows the AWS errors bad input must produce; anything else (another
// exception, a crash, a sanitizer report) escapes to libFuzzer as a finding.
template <typename F>
void expect_only_aws_errors(F&& body) {
  try {
    body();
  } catch (const core::aws_error&) {
  }
}

}  // namespace fogbank::fuzz
