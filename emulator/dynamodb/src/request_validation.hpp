#pragma once
// The checks DynamoDB's front end makes on a request before its operation runs, and so before
// any table is looked up (an invalid request to a missing table is a ValidationException, not
// ResourceNotFoundException), driven by the model in request_model.hpp:
//   1. JSON types, as DynamoDB's deserializer reads them: a member of the wrong type is a
//      SerializationException ("NUMBER_VALUE cannot be converted to String", "Expected list or
//      null", ...), the first one found in DynamoDB's member order.
//   2. Constraints (required, length, range, pattern, enum), collected in DynamoDB's member order
//      and reported together, at most ten:
//        "2 validation errors detected: Value 'a;' at 'tableName' failed to satisfy constraint:
//         Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; Value 'a;' at ..."
//      with DynamoDB's member paths ("keySchema.1.member.keyType", "requestItems.t.member.keys";
//      a map's keys and its values' own constraints are reported once, at the map: "Map keys must
//      satisfy constraint: [...]").
// The semantic checks (expressions, key schemas, Segment pairing, ...) stay with the operations
// and run after these.

#include "request_model.hpp"

#include <nlohmann/json_fwd.hpp>

#include <string_view>

namespace fogbank::dynamodb {

// Throws core::aws_error (SerializationException or ValidationException) if `request` does not
// fit `operation`'s input shape in `model` (request_model::dynamodb_model() or streams_model());
// an operation the model does not know is not checked here.
void validate_request_shape(const request_model::service_model& model, std::string_view operation,
                            const nlohmann::json& request);

}  // namespace fogbank::dynamodb
