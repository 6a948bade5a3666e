// ProjectionExpression text: parse, then project an item holding every type.

#include "expression_fixture.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fogbank;
  fuzz::expect_only_aws_errors([&] {
    dynamodb::expression_attributes attributes(&fuzz::expression_names(), &fuzz::expression_values());
    auto projection = dynamodb::parse_projection(fuzz::as_text(data, size), attributes);
    dynamodb::project(projection, fuzz::sample_item());
  });
  return 0;
}
