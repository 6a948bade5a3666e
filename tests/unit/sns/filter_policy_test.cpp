// Filter policies as pure functions: every refusal's wording (AWS's, from LocalStack's
// AWS-recorded tests/aws/services/sns/test_sns_filter_policy.snapshot.json, without the parser
// location AWS appends) and the matchers over attributes and payloads.

#include "filter_policy.hpp"

#include "fogbank/core/aws_error.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace fogbank::sns::filter {
namespace {

using json = nlohmann::json;

constexpr std::string_view subscribe_prefix = "Invalid parameter: Attributes Reason: ";

std::string refusal(const std::string& policy, scope s = scope::message_attributes) {
  try {
    (void)parse(policy, s, subscribe_prefix);
  } catch (const core::aws_error& e) {
    EXPECT_EQ(e.code(), core::error_code::sns_invalid_parameter);
    return e.message();
  }
  return "(accepted)";
}

TEST(sns_filter_policy, refusals_are_worded_as_aws_words_them) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"key":[["value"]]})", "FilterPolicy: Match value must be String, number, true, false, or null"},
      {R"({"key":[{"wrong-operator":true}]})", "FilterPolicy: Unrecognized match type wrong-operator"},
      {R"({"key":[{"suffix":"value","prefix":"value2"}]})",
       "FilterPolicy: Only one key allowed in match expression"},
      {R"({"key":[{"suffix":100}]})", "FilterPolicy: suffix match pattern must be a string"},
      {R"({"key":[{"suffix":null}]})", "FilterPolicy: suffix match pattern must be a string"},
      {R"({"key":{"suffix":"value"}})", "FilterPolicy: \"suffix\" must be an object or an array"},
      {R"({"key":[{"numeric":[]}]})", "FilterPolicy: Invalid member in numeric match: ]"},
      {R"({"key":[{"numeric":["operator"]}]})",
       "FilterPolicy: Unrecognized numeric range operator: operator"},
      {R"({"key":[{"numeric":[1,"<="]}]})", "FilterPolicy: Invalid member in numeric match: 1"},
      {R"({"key":[{"numeric":["=","000"]}]})", "FilterPolicy: Value of equals must be numeric"},
      {R"({"key":[{"numeric":[">="]}]})", "FilterPolicy: Value of >= must be numeric"},
      {R"({"key":[{"numeric":["<",100,">",10]}]})", "FilterPolicy: Too many elements in numeric expression"},
      {R"({"key":[{"numeric":[">=",1,">",2]}]})", "FilterPolicy: Bad numeric range operator: >"},
      {R"({"key":[{"numeric":[">",3,"<",1]}]})", "FilterPolicy: Bottom must be less than top"},
      {R"({"key":[{"numeric":[">",20,"<="]}]})", "FilterPolicy: Value of <= must be numeric"},
      {R"({"key":[{"numeric":[">",20,30]}]})", "FilterPolicy: Bad value in numeric range: 30"},
      {R"({"key":[{"numeric":[">",20,"test"]}]})", "FilterPolicy: Bad numeric range operator: test"},
      {R"({"key":[{"numeric":[">",20,"<",30,"<",50]}]})",
       "FilterPolicy: Too many terms in numeric range expression"},
      {R"({"key":[{"exists":null}]})", "FilterPolicy: exists match pattern must be either true or false."},
      {R"({"key":[{"exists":"no"}]})", "FilterPolicy: exists match pattern must be either true or false."},
      {R"({"key":[{"anything-but":{"wrong-operator":null}}]})",
       "FilterPolicy: Unsupported anything-but pattern: wrong-operator"},
      {R"({"key":[{"anything-but":{"suffix":"test"}}]})",
       "FilterPolicy: Unsupported anything-but pattern: suffix"},
      {R"({"key":[{"anything-but":{"prefix":false}}]})",
       "FilterPolicy: prefix match pattern must be a string"},
      {R"({"a":[1],"b":[1],"c":[1],"d":[1],"e":[1],"f":[1]})",
       "FilterPolicy: Filter policy can not have more than 5 keys"},
      {R"({"key":[]})", "FilterPolicy: Empty arrays are not allowed"},
      {R"({"key":{"nested":["v"]}})",
       "Filter policy scope MessageAttributes does not support nested filter policy"},
      {"{invalid", "FilterPolicy: failed to parse JSON."},
  };
  for (const auto& [policy, reason] : cases) {
    EXPECT_EQ(refusal(policy), std::string(subscribe_prefix) + reason) << policy;
  }
}

TEST(sns_filter_policy, too_many_combinations_is_too_complex) {
  // 151 values in one array; 150 pass.
  json values = json::array();
  for (int i = 0; i < 151; ++i) values.push_back(std::to_string(i));
  EXPECT_EQ(refusal(json{{"k", values}}.dump()),
            std::string(subscribe_prefix) + "FilterPolicy: Filter policy is too complex");
  values.erase(values.begin());
  EXPECT_EQ(refusal(json{{"k", values}}.dump()), "(accepted)");
  // 13 * 12 = 156 combinations over two keys.
  json a = json::array(), b = json::array();
  for (int i = 0; i < 13; ++i) a.push_back(i);
  for (int i = 0; i < 12; ++i) b.push_back(i);
  EXPECT_EQ(refusal(json{{"a", a}, {"b", b}}.dump()),
            std::string(subscribe_prefix) + "FilterPolicy: Filter policy is too complex");
}

TEST(sns_filter_policy, empty_policy_is_none) {
  EXPECT_TRUE(parse("", scope::message_attributes, subscribe_prefix).is_null());
  EXPECT_TRUE(parse("{}", scope::message_attributes, subscribe_prefix).is_null());
  EXPECT_TRUE(matches_attributes(nullptr, json::object()));
}

json attributes(std::initializer_list<std::tuple<const char*, const char*, const char*>> list) {
  json out = json::object();
  for (const auto& [name, type, value] : list) {
    out[name] = {{"DataType", type},
                 {std::string(type).starts_with("Binary") ? "BinaryValue" : "StringValue", value}};
  }
  return out;
}

bool passes(const std::string& policy, const json& attrs) {
  return matches_attributes(parse(policy, scope::message_attributes, ""), attrs);
}

TEST(sns_filter_policy, attribute_matchers) {
  const json store = attributes({{"store", "String", "example_corp"},
                                 {"price", "Number", "99.5"},
                                 {"tags", "String.Array", R"(["red", 5, true])"},
                                 {"blob", "Binary", "AgME"}});
  EXPECT_TRUE(passes(R"({"store": ["other", "example_corp"]})", store));
  EXPECT_FALSE(passes(R"({"store": ["other"]})", store));
  EXPECT_TRUE(passes(R"({"store": [{"prefix": "example"}]})", store));
  EXPECT_TRUE(passes(R"({"store": [{"suffix": "_corp"}]})", store));
  EXPECT_TRUE(passes(R"({"store": [{"equals-ignore-case": "EXAMPLE_CORP"}]})", store));
  EXPECT_FALSE(passes(R"({"store": [{"anything-but": ["example_corp"]}]})", store));
  EXPECT_TRUE(passes(R"({"store": [{"anything-but": {"prefix": "zzz"}}]})", store));
  EXPECT_TRUE(passes(R"({"price": [{"numeric": [">", 0, "<=", 100]}]})", store));
  EXPECT_FALSE(passes(R"({"price": [{"numeric": ["<", 50]}]})", store));
  EXPECT_TRUE(passes(R"({"price": [99.5]})", store));
  EXPECT_FALSE(passes(R"({"store": [{"numeric": [">", 0]}]})", store)) << "a String is not a number";
  EXPECT_TRUE(passes(R"({"tags": ["red"]})", store)) << "a String.Array matches by any element";
  EXPECT_TRUE(passes(R"({"tags": [5]})", store));
  EXPECT_TRUE(passes(R"({"tags": [true]})", store));
  EXPECT_FALSE(passes(R"({"tags": ["blue"]})", store));
  EXPECT_TRUE(passes(R"({"blob": [{"exists": true}]})", store));
  EXPECT_FALSE(passes(R"({"blob": ["AgME"]})", store)) << "Binary attributes offer no value to match";
  EXPECT_TRUE(passes(R"({"missing": [{"exists": false}]})", store));
  EXPECT_FALSE(passes(R"({"missing": [{"exists": true}]})", store));
  EXPECT_FALSE(passes(R"({"missing": [{"anything-but": "x"}]})", store));
  EXPECT_TRUE(passes(R"({"missing": [null]})", store));
  // Every key must match; "$or" takes either side.
  EXPECT_FALSE(passes(R"({"store": ["example_corp"], "price": [1]})", store));
  EXPECT_TRUE(passes(R"({"$or": [{"store": ["x"]}, {"price": [99.5]}]})", store));
  EXPECT_FALSE(passes(R"({"$or": [{"store": ["x"]}, {"price": [1]}]})", store));
  const json ip = attributes({{"source", "String", "10.0.0.255"}});
  EXPECT_TRUE(passes(R"({"source": [{"cidr": "10.0.0.0/24"}]})", ip));
  EXPECT_FALSE(passes(R"({"source": [{"cidr": "10.0.1.0/24"}]})", ip));
}

bool body_passes(const std::string& policy, const std::string& message) {
  return matches_body(parse(policy, scope::message_body, ""), message);
}

TEST(sns_filter_policy, payload_matchers) {
  const std::string policy = R"({"object": {"key": [{"prefix": "auto-"}]}})";
  EXPECT_TRUE(body_passes(policy, R"({"object": {"key": "auto-test"}})"));
  EXPECT_TRUE(body_passes(policy, R"({"object.key": "auto-dotted"})"))
      << "dotted keys name nested properties";
  EXPECT_FALSE(body_passes(policy, R"({"object": {"key": "home"}})"));
  EXPECT_FALSE(body_passes(policy, "auto- but not JSON"));
  EXPECT_FALSE(body_passes(policy, R"(["auto-"])")) << "only a JSON object is filtered";
  // Arrays: any element.
  EXPECT_TRUE(body_passes(R"({"headers": {"route-to": ["queue1"]}})",
                          R"({"headers": {"route-to": ["queue2", "queue1"]}})"));
  EXPECT_TRUE(body_passes(
      R"({"Records": {"s3": {"object": {"key": [{"prefix": "auto-"}]}}}})",
      R"({"Records": [{"s3": {"object": [[{"key": "auto-1.xml"}]]}}, {"s3": {"object": {"key": "home"}}}]})"));
  EXPECT_TRUE(body_passes(R"({"a": [{"exists": false}]})", R"({"b": 1})"));
  EXPECT_TRUE(body_passes(R"({"a": [null]})", R"({"a": null})"));
  EXPECT_FALSE(body_passes(R"({"a": [null]})", R"({"b": 1})"));
  EXPECT_TRUE(body_passes(R"({"n": [{"numeric": [">=", 10]}]})", R"({"n": 10})"));
  // A payload nested deeper than the filter reads is not matched, and nothing breaks.
  EXPECT_FALSE(body_passes(R"({"a": [1]})", std::string(100000, '[') + std::string(100000, ']')));
}

}  // namespace
}  // namespace fogbank::sns::filter
