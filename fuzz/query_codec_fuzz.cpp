// The AWS query protocol's codec (SQS): a form body as a client sends it, decoded into the JSON
// request of the operation its Action names (or, without one, of an operation picked from the
// input's length, so that every operation's shapes are reached), and the XML the same object
// would encode into if the service answered with it.

#include "query_codec.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fogbank::http;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  query_codec::params form;
  query_codec::parse_form(text, form);

  const query_model::service_model& model = query_model::sqs();
  const query_model::operation* op = nullptr;
  if (auto action = form.find("Action"); action != form.end()) op = model.find(action->second);
  if (op == nullptr) op = &model.operations[size % model.operations.size()];
  try {
    const nlohmann::json request = query_codec::decode_request(model, *op, form);
    query_codec::encode_response(model, *op, request, "fuzz-request-id");
  } catch (const fogbank::core::aws_error& error) {
    query_codec::encode_error(model.xml_namespace, query_codec::error_code_of(error), error.message(),
                              query_codec::fault_of(error.http_status()), "fuzz-request-id");
  }
  return 0;
}
