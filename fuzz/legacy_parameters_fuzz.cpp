// A request's legacy parameters (Expected, ConditionalOperator, QueryFilter, ScanFilter,
// KeyConditions, AttributeUpdates, AttributesToGet), as JSON: translated as a write, a Query and
// a Scan would translate them, then parsed and evaluated like the expressions they become.

#include "expression_fixture.hpp"
#include "request_expressions.hpp"

namespace {

using fogbank::fuzz::json;
namespace dynamodb = fogbank::dynamodb;

void run(const json& request, dynamodb::expression_operation operation) {
  fogbank::fuzz::expect_only_aws_errors([&] {
    dynamodb::request_expressions expressions(request, operation);
    auto& attributes = expressions.attributes();
    const json& item = fogbank::fuzz::sample_item();
    if (expressions.condition()) {
      dynamodb::evaluate(
          *dynamodb::parse_condition(*expressions.condition(), attributes, "ConditionExpression"), item);
    }
    if (expressions.filter()) {
      dynamodb::evaluate(*dynamodb::parse_condition(*expressions.filter(), attributes, "FilterExpression"),
                         item);
    }
    if (expressions.key_condition()) dynamodb::parse_key_condition(*expressions.key_condition(), attributes);
    if (expressions.projection()) {
      dynamodb::project(dynamodb::parse_projection(*expressions.projection(), attributes), item);
    }
    if (expressions.update()) {
      auto update = dynamodb::parse_update(*expressions.update(), attributes);
      fogbank::fuzz::expect_only_aws_errors([&] {
        json copy = item;
        dynamodb::apply(*update, copy);
      });
    }
    attributes.check_all_used();
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const json request = json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (!request.is_object()) return 0;
  run(request, dynamodb::expression_operation::update);  // UpdateItem (PutItem, DeleteItem: a subset)
  run(request, dynamodb::expression_operation::query);
  run(request, dynamodb::expression_operation::scan);
  return 0;
}
