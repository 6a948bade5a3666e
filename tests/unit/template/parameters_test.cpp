// Parameters: defaults, overrides (--parameter), types and constraints, with CloudFormation's
// messages at the parameter's line.

#include "template_fixture.hpp"

#include <string>

namespace fogbank::templates::testing {
namespace {

std::map<std::string, json> values_of(const std::string& parameters,
                                      const std::map<std::string, std::string>& given = {}) {
  const read_text t("Parameters:\n" + parameters + "Resources:\n  Q: {Type: AWS::SQS::Queue}\n");
  return resolve_parameters(t.source, t.model, given);
}

template_error parameter_error(const std::string& parameters,
                               const std::map<std::string, std::string>& given = {}) {
  return error_of([&] { values_of(parameters, given); });
}

TEST(TemplateParameters, DefaultsAndOverrides) {
  const std::string declared =
      "  Env: {Type: String, Default: dev}\n  Size: {Type: Number, Default: 5}\n"
      "  Zones: {Type: CommaDelimitedList, Default: \"a, b\"}\n  Ports: {Type: List<Number>, Default: [80, "
      "443]}\n"
      "  Key: {Type: \"AWS::EC2::KeyPair::KeyName\", Default: mine}\n";
  auto values = values_of(declared);
  EXPECT_EQ(values["Env"], "dev");
  EXPECT_EQ(values["Size"], "5");
  EXPECT_EQ(values["Zones"], json({"a", "b"}));
  EXPECT_EQ(values["Ports"], json({"80", "443"}));
  EXPECT_EQ(values["Key"], "mine");
  values = values_of(declared, {{"Env", "prod"}, {"Zones", "x,y , z"}, {"Unrelated", "ignored here"}});
  EXPECT_EQ(values["Env"], "prod");
  EXPECT_EQ(values["Zones"], json({"x", "y", "z"}));
}

TEST(TemplateParameters, ConstraintsInCloudFormationsWords) {
  struct row {
    std::string declaration;
    std::map<std::string, std::string> given;
    int line;
    std::string reason;
  };
  const row rows[] = {
      {"  P:\n    Type: String\n", {}, 2, "Parameters: [P] must have values"},
      {"  P:\n    Type: String\n    AllowedValues: [dev, prod]\n    Default: test\n",
       {},
       5,
       "Parameter 'P' must be one of AllowedValues"},
      {"  P:\n    Type: String\n    AllowedValues: [dev, prod]\n",
       {{"P", "qa"}},
       2,
       "Parameter 'P' must be one of AllowedValues"},
      {"  P: {Type: Number, Default: ten}\n", {}, 2, "Parameter 'P' must be a number"},
      {"  P: {Type: String, Default: abc, AllowedPattern: \"[0-9]+\"}\n",
       {},
       2,
       "Parameter 'P' must match pattern [0-9]+"},
      {"  P: {Type: String, Default: ab, MinLength: 3}\n",
       {},
       2,
       "Parameter 'P' must contain at least 3 characters"},
      {"  P: {Type: String, Default: abcd, MaxLength: 3}\n",
       {},
       2,
       "Parameter 'P' must contain at most 3 characters"},
      {"  P: {Type: Number, Default: 0, MinValue: 1}\n",
       {},
       2,
       "Parameter 'P' must be a number not less than 1"},
      {"  P: {Type: Number, Default: 11, MaxValue: 10}\n",
       {},
       2,
       "Parameter 'P' must be a number not greater than 10"},
      {"  P: {Type: List<Number>, Default: \"1,x\"}\n", {}, 2, "Parameter 'P' must be a number"},
      {"  P: {Type: String, Default: x, AllowedValues: [a], ConstraintDescription: pick a}\n",
       {},
       2,
       "Parameter 'P' failed to satisfy constraint: pick a"},
  };
  for (const row& r : rows) {
    const template_error e = parameter_error(r.declaration, r.given);
    EXPECT_EQ(e.reason(), r.reason) << r.declaration << "got: " << e.what();
    EXPECT_EQ(e.line(), r.line) << r.declaration << e.what();
    EXPECT_EQ(e.resource(), "Parameters") << e.what();
  }
}

TEST(TemplateParameters, DeclarationErrors) {
  struct row {
    std::string declaration;
    std::string reason;
  };
  const row rows[] = {
      {"  P: {Default: x}\n", "Every Parameters object must contain a Type member"},
      {"  P: {Type: Text}\n", "Unrecognized parameter type: Text"},
      {"  P: {Type: \"AWS::SSM::Parameter::Value<String>\", Default: /x}\n",
       "SSM parameter types are not supported"},
      {"  P: {Type: String, Colour: red}\n", "Invalid template parameter property 'Colour'"},
      {"  P-1: {Type: String}\n", "Parameter name P-1 is non alphanumeric"},
      {"  P: {Type: String, Default: x, AllowedPattern: \"[\"}\n", "'[' is not a valid pattern"},
  };
  for (const row& r : rows) {
    const template_error e = parameter_error(r.declaration);
    EXPECT_NE(e.reason().find(r.reason), std::string::npos) << r.declaration << "got: " << e.what();
    EXPECT_EQ(e.line(), 2) << e.what();
  }
}

TEST(TemplateParameters, LongValuesAreCheckedWithoutExhaustingTheStack) {
  const std::string value(max_parameter_bytes, 'a');
  EXPECT_EQ(values_of("  P: {Type: String, AllowedPattern: \"(a|b)*\"}\n", {{"P", value}})["P"], value);
  const template_error e =
      parameter_error("  P: {Type: String, AllowedPattern: \"(a|b)*\"}\n", {{"P", value + "a"}});
  EXPECT_NE(e.reason().find("is longer than 4096 bytes"), std::string::npos) << e.what();
}

TEST(TemplateParameters, ParameterNamesInFileOrder) {
  temp_dir dir;
  const auto file = dir.write("t.yaml",
                              "Parameters:\n  Zeta: {Type: String}\n  Alpha: {Type: String}\n"
                              "Resources:\n  Q: {Type: AWS::SQS::Queue}\n");
  EXPECT_EQ(read_template(file).parameter_names(), (std::vector<std::string>{"Zeta", "Alpha"}));
}

TEST(TemplateParameters, DefaultStackNames) {
  temp_dir dir;
  EXPECT_EQ(read_template(dir.write("orders-api.yaml", "Resources:\n  Q: {Type: AWS::SQS::Queue}\n"))
                .default_stack_name(),
            "orders-api");
  // SAM's template.yaml is named by its folder.
  EXPECT_EQ(read_template(dir.write("chat_app/template.yaml", "Resources:\n  Q: {Type: AWS::SQS::Queue}\n"))
                .default_stack_name(),
            "chat-app");
  EXPECT_EQ(read_template(dir.write("1st.json", "{\"Resources\": {\"Q\": {\"Type\": \"AWS::SQS::Queue\"}}}"))
                .default_stack_name(),
            "stack-1st");
}

}  // namespace
}  // namespace fogbank::templates::testing
