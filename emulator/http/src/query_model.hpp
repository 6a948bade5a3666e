#pragma once
// The shapes of an AWS query-protocol service, as the query codec walks them: which form
// parameters a request's members arrive in (`Attribute.1.Name`, `SendMessageBatchRequestEntry.2.Id`)
// and which XML elements a result's members go out as (`<Message>`, `<Attribute><Name>`).
// The tables themselves are generated from botocore's models by tools/gen_sqs_query_model.py
// (sqs_query_model.cpp, sns_query_model.cpp); nothing here is specific to one service.

#include <cstddef>
#include <span>
#include <string_view>

namespace fogbank::http::query_model {

enum class kind : unsigned char { structure, list, map, string, integer, long_integer, boolean, blob };

// An index into a model's shape table.
using shape_index = unsigned short;

// One member of a structure.
struct member {
  // The member's name in the JSON protocol's shapes (what the service reads and writes):
  // "Attributes", "Entries".
  std::string_view name;
  // Its name on the query wire, botocore's effective `locationName` (member trait over shape
  // trait) or the member name: "Attribute", "Entries".
  std::string_view wire_name;
  shape_index shape;
  // A flattened list or map: its elements sit directly under the parent, named after the
  // element ("AttributeName.1", repeated `<Message>`), with no wrapping element.
  bool flattened;
};

struct shape {
  std::string_view name;
  kind type;
  // structure
  std::span<const member> members;
  // list: the element's shape and its wire name ("" when the model gives none: "member")
  shape_index element = 0;
  std::string_view element_name;
  // map: key and value shapes and their wire names ("" when the model gives none: "key"/"value")
  shape_index key = 0;
  shape_index value = 0;
  std::string_view key_name;
  std::string_view value_name;
};

struct operation {
  std::string_view name;  // "SendMessage"
  shape_index input;
  // The result structure, or no_shape for operations that answer with metadata only.
  shape_index output;
  std::string_view result_wrapper;  // "SendMessageResult"
};

inline constexpr shape_index no_shape = 0xFFFF;

struct service_model {
  std::string_view api_version;    // "2012-11-05"
  std::string_view xml_namespace;  // "http://queue.amazonaws.com/doc/2012-11-05/"
  std::span<const shape> shapes;
  std::span<const operation> operations;  // sorted by name

  // The operation called `name`, or nullptr.
  const operation* find(std::string_view name) const noexcept;
  const shape& at(shape_index index) const noexcept { return shapes[index]; }
};

// SQS 2012-11-05, from botocore's query-protocol model (sqs_query_model.cpp, generated).
const service_model& sqs();
// SNS 2010-03-31, from botocore's query-protocol model (sns_query_model.cpp, generated).
const service_model& sns();

// The model of the service a dispatch registry row names ("sqs", "sns"), or nullptr if fogbank
// has none for it.
inline const service_model* for_service(std::string_view name) noexcept {
  if (name == "sqs") return &sqs();
  if (name == "sns") return &sns();
  return nullptr;
}

}  // namespace fogbank::http::query_model
