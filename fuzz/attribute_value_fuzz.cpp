// AttributeValues and items as JSON: validation, then what the service does with a valid item
// (canonical numbers, sizes, comparisons).

#include "attribute_value.hpp"

#include "expression_fixture.hpp"

namespace {

using fogbank::fuzz::json;
namespace dynamodb = fogbank::dynamodb;

void use_valid_value(const json& value) {
  dynamodb::type_name(dynamodb::type_of(value));
  dynamodb::value_size(value);
  dynamodb::values_equal(value, value);
  dynamodb::compare_scalars(value, value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const json input = json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (input.is_discarded()) return 0;
  fogbank::fuzz::expect_only_aws_errors([&] {
    dynamodb::validate_value(input);
    use_valid_value(input);
  });
  if (!input.is_object()) return 0;
  fogbank::fuzz::expect_only_aws_errors([&] {
    dynamodb::validate_item(input);
    dynamodb::item_size(input);
    json normalized = input;
    dynamodb::normalize_numbers(normalized);
    for (const auto& value : normalized) {
      use_valid_value(value);
      // Against a value of every type, as conditions compare them.
      for (const auto& other : fogbank::fuzz::sample_item()) {
        dynamodb::values_equal(value, other);
        dynamodb::compare_scalars(value, other);
      }
    }
  });
  return 0;
}
