// PartiQL statements (ExecuteStatement's Statement): parse, translate against a table with a
// sort key and a GSI, then parse every expression the translation produced with the expression
// parser the item operations use, so that a statement can only ever become an AWS error or a
// well-formed request.

#include "expression_fixture.hpp"
#include "partiql.hpp"
#include "partiql_translate.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

using nlohmann::json;

const fogbank::dynamodb::table_info& sample_table() {
  static const fogbank::dynamodb::table_info table = [] {
    fogbank::dynamodb::table_info t;
    t.name = "t";
    t.keys = {"pk", std::string("sk")};
    t.attribute_types = {{"pk", "S"}, {"sk", "N"}, {"g", "S"}};
    fogbank::dynamodb::index_info index;
    index.name = "i";
    index.keys = {"g", std::nullopt};
    t.indexes.push_back(index);
    return t;
  }();
  return table;
}

const json& sample_parameters() {
  static const json parameters = json::array({{{"S", "a"}},
                                              {{"N", "1"}},
                                              {{"SS", {"x"}}},
                                              {{"M", {{"pk", {{"S", "a"}}}, {"sk", {{"N", "2"}}}}}},
                                              {{"L", json::array()}},
                                              {{"BOOL", true}},
                                              {{"NULL", true}},
                                              {{"B", "AA=="}}});
  return parameters;
}

void parse_expressions(const json& request);

// The translation's own output must always be well-formed: a syntax or parenthesis error from
// the expression parser is a translator bug, so it aborts (a finding) rather than passing as
// an AWS error.
void check_expressions(const json& request) {
  try {
    parse_expressions(request);
  } catch (const fogbank::core::aws_error& error) {
    const std::string message = error.message();
    if (message.find("Syntax error") != std::string::npos ||
        message.find("redundant parentheses") != std::string::npos) {
      std::fprintf(stderr, "translated request is malformed: %s\n%s\n", message.c_str(),
                   request.dump().c_str());
      std::abort();
    }
    throw;
  }
}

void parse_expressions(const json& request) {
  using namespace fogbank::dynamodb;
  const json* names =
      request.contains("ExpressionAttributeNames") ? &request["ExpressionAttributeNames"] : nullptr;
  const json* values =
      request.contains("ExpressionAttributeValues") ? &request["ExpressionAttributeValues"] : nullptr;
  expression_attributes attributes(names, values);
  for (const char* member : {"ConditionExpression", "FilterExpression"}) {
    if (request.contains(member)) {
      auto condition = parse_condition(request[member].get<std::string>(), attributes, member);
      evaluate(*condition, fogbank::fuzz::sample_item());
    }
  }
  if (request.contains("KeyConditionExpression")) {
    parse_key_condition(request["KeyConditionExpression"].get<std::string>(), attributes);
  }
  if (request.contains("UpdateExpression"))
    parse_update(request["UpdateExpression"].get<std::string>(), attributes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fogbank;
  fuzz::expect_only_aws_errors([&] {
    const dynamodb::partiql::statement statement = dynamodb::partiql::parse(fuzz::as_text(data, size));
    dynamodb::partiql::check_parameter_count(statement, sample_parameters());
    if (statement.is_read()) {
      const auto plan = dynamodb::partiql::plan_select(statement, sample_parameters(), sample_table());
      check_expressions(plan.request);
      dynamodb::partiql::project_result(statement, fuzz::sample_item());
      dynamodb::partiql::plan_key_read(statement, sample_parameters(), sample_table(), "not a key read");
    } else {
      check_expressions(
          dynamodb::partiql::plan_write(statement, sample_parameters(), sample_table()).request);
    }
  });
  return 0;
}
