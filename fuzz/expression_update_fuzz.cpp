// UpdateExpression text: parse, then apply to a copy of an item holding every type and to a new
// (empty) item, as UpdateItem does.

#include "expression_fixture.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fogbank;
  fuzz::expect_only_aws_errors([&] {
    dynamodb::expression_attributes attributes(&fuzz::expression_names(), &fuzz::expression_values());
    auto update = dynamodb::parse_update(fuzz::as_text(data, size), attributes);
    dynamodb::updated_paths(*update);
    fuzz::expect_only_aws_errors([&] {
      nlohmann::json item = fuzz::sample_item();
      dynamodb::apply(*update, item);
    });
    nlohmann::json fresh = nlohmann::json::object();
    dynamodb::apply(*update, fresh);
  });
  return 0;
}
