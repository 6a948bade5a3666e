#pragma once
// The AWS query protocol's codec: form parameters in, XML out, driven by a query_model. It is
// the inverse of botocore's QuerySerializer and the counterpart of its QueryParser, so that what
// boto3 1.26 and AWS CLI 2.9 send decodes into the JSON protocol's request object the service
// takes, and the service's JSON response object encodes into the XML those clients parse:
//
//   Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=5      -> {"Attributes": {"VisibilityTimeout": "5"}}
//   SendMessageBatchRequestEntry.2.Id=b                         -> {"Entries": [..., {"Id": "b"}]}
//   {"Messages": [{"Attributes": {"SenderId": "x"}}]}           ->
//   <Message><Attribute><Name>SenderId</Name>...
//
// Pure functions over strings and JSON: no I/O, no service.

#include "query_model.hpp"

#include "fogbank/core/aws_error.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace fogbank::http::query_codec {

// Form parameters, decoded, by name. A name given twice keeps its last value.
using params = std::map<std::string, std::string, std::less<>>;

// Adds the parameters of `text` (application/x-www-form-urlencoded, or a URL's query string) to
// `into`. Never fails: a malformed escape is kept as it is.
void parse_form(std::string_view text, params& into);

// The input object of `op` from the form parameters: members absent from the form are absent
// from the object, integers and booleans become JSON numbers and booleans, blobs stay base64.
// Parameters the model does not know are ignored (Action, Version, signing parameters).
// Throws core::aws_error (InvalidParameterValue) for a value that is not of its member's type.
nlohmann::json decode_request(const query_model::service_model& model, const query_model::operation& op,
                              const params& form);

// The XML document answering a successful `op` whose JSON response object is `result`:
// <OpResponse xmlns="..."><OpResult>...</OpResult><ResponseMetadata><RequestId>id</RequestId>
// </ResponseMetadata></OpResponse>. Members the model does not know are left out.
std::string encode_response(const query_model::service_model& model, const query_model::operation& op,
                            const nlohmann::json& result, std::string_view request_id);

// The query-protocol code of `error`: the catalog's query_code where it has one
// ("AWS.SimpleQueueService.NonExistentQueue"), else its name ("InvalidParameterValue").
std::string_view error_code_of(const core::aws_error& error) noexcept;

// "Sender" for a client's fault (4xx), "Receiver" for the service's (5xx).
std::string_view fault_of(int http_status) noexcept;

// <ErrorResponse xmlns="..."><Error><Type>Sender</Type><Code>code</Code><Message>...</Message>
// <Detail/></Error><RequestId>id</RequestId></ErrorResponse>
std::string encode_error(std::string_view xml_namespace, std::string_view code, std::string_view message,
                         std::string_view fault, std::string_view request_id);

// XML character data for `text`: &, <, > and quotes escaped; carriage returns as &#xD; so that
// the parser's newline normalisation cannot turn "\r\n" into "\n" (a message body must come
// back byte for byte, or its MD5 no longer matches); characters XML 1.0 cannot carry become U+FFFD.
void append_escaped(std::string& out, std::string_view text);

}  // namespace fogbank::http::query_codec
