// Lambda's filter patterns (FilterCriteria of CreateEventSourceMapping): a client's Pattern string
// parsed and checked, then matched against an SQS record (with a JSON body and a plain one) and a
// DynamoDB stream record. Bad input must end as InvalidParameterValueException
// ("Invalid filter pattern definition.") and nothing else.
//
// Input: the pattern text.

#include "filter_pattern.hpp"

#include "fogbank/core/aws_error.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace {

using json = nlohmann::json;

const std::vector<json>& records() {
  static const std::vector<json> all{
      {{"messageId", "m-1"},
       {"body", R"({"kind": "order", "n": 3, "tags": ["a", "b"], "inner": {"x": null}})"},
       {"attributes", {{"ApproximateReceiveCount", "1"}}},
       {"eventSource", "aws:sqs"}},
      {{"messageId", "m-2"}, {"body", "plain text"}, {"eventSource", "aws:sqs"}},
      {{"eventName", "INSERT"},
       {"eventSource", "aws:dynamodb"},
       {"dynamodb",
        {{"Keys", {{"pk", {{"S", "order-1"}}}}},
         {"NewImage",
          {{"pk", {{"S", "order-1"}}}, {"n", {{"N", "12"}}}, {"l", {{"L", json::array({{{"S", "x"}}})}}}}},
         {"SequenceNumber", "100"}}}},
  };
  return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string pattern(reinterpret_cast<const char*>(data), size);
  json parsed;
  try {
    parsed = fogbank::lambda::filter::parse(pattern);
  } catch (const fogbank::core::aws_error&) {
    return 0;  // refused, as it must be
  }
  const std::vector<json> patterns{parsed};
  for (const json& record : records()) {
    (void)fogbank::lambda::filter::matches(parsed, record);
    (void)fogbank::lambda::filter::sqs_passes(patterns, record);
    (void)fogbank::lambda::filter::stream_passes(patterns, record);
  }
  return 0;
}
