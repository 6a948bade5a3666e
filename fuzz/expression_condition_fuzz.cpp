// ConditionExpression / FilterExpression text: parse, then evaluate against an item holding every
// type and against an empty (absent) item.

#include "expression_fixture.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fogbank;
  fuzz::expect_only_aws_errors([&] {
    dynamodb::expression_attributes attributes(&fuzz::expression_names(), &fuzz::expression_values());
    auto condition = dynamodb::parse_condition(fuzz::as_text(data, size), attributes, "ConditionExpression");
    dynamodb::evaluate(*condition, fuzz::sample_item());
    dynamodb::evaluate(*condition, nlohmann::json::object());
    attributes.check_all_used();
  });
  return 0;
}
