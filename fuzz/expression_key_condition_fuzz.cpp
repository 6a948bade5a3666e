// KeyConditionExpression text: parse (which key is which is the caller's business, checked
// against the table's schema, so parsing is all there is).

#include "expression_fixture.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fogbank;
  fuzz::expect_only_aws_errors([&] {
    dynamodb::expression_attributes attributes(&fuzz::expression_names(), &fuzz::expression_values());
    dynamodb::parse_key_condition(fuzz::as_text(data, size), attributes);
    attributes.check_all_used();
  });
  return 0;
}
