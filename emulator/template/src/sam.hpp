#pragma once
// The SAM transform (`Transform: AWS::Serverless-2016-10-31`), as AWS's translator
// (aws/serverless-application-model, samtranslator) does it for the resources fogbank emulates:
//   - Globals.Function and Globals.SimpleTable merged into each resource (plugins/globals):
//     scalars and intrinsics replaced by the resource's value, maps merged key by key, lists
//     concatenated global-first (Architectures replaced: see sam.cpp);
//   - AWS::Serverless::Function -> AWS::Lambda::Function with the same logical id, a
//     `<Id>Role` AWS::IAM::Role when no Role is given, and one AWS::Lambda::EventSourceMapping
//     `<Id><EventName>` per SQS or DynamoDB event, an AWS::SNS::Subscription and its
//     permission per SNS event (sam_sns.hpp); other events are recorded for later;
//   - AWS::Serverless::SimpleTable -> AWS::DynamoDB::Table.
// Other AWS::Serverless::* types stay as they are (and are listed as ignored).

#include "source.hpp"

#include <string>
#include <vector>

namespace fogbank::templates {

// A SAM event fogbank does not turn into a resource yet (Api, HttpApi, Schedule, ...):
// kept for the API Gateway and SNS loaders to come.
struct recorded_event {
  std::string function;  // the function's logical id
  std::string name;      // the event's key under Events
  std::string type;      // "Api", "HttpApi", "SNS", ...
  json properties;
  std::string pointer;  // where it is in the template
};

// True if the template's Transform names the SAM transform. Throws template_error for a
// Transform that is not a string or list of strings, or names a transform fogbank lacks.
bool uses_sam(const template_source& source);

// Applies the SAM transform to `source` in place (its locations report generated resources at
// the SAM resource, or the event, they came from). Local CodeUri directories are resolved
// against the template's folder. Throws template_error for an invalid Globals section or SAM
// resource.
void apply_sam(template_source& source, std::vector<recorded_event>* events);

// SAM's REST APIs (sam_api.cpp): the `Api` events in `events` and the AWS::Serverless::Api
// resources of `source` become AWS::ApiGateway::* resources (the events handled leave `events`).
// Called by apply_sam once functions are translated. Throws template_error for an Api event or
// AWS::Serverless::Api fogbank cannot translate.
void apply_sam_apis(template_source& source, std::vector<recorded_event>* events);

// SAM's Globals merge of one value (exposed for tests): `local` over `global`.
json merge_globals(const json& global, const json& local, const std::string& property);

}  // namespace fogbank::templates
