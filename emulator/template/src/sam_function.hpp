#pragma once
// AWS::Serverless::Function, translated as samtranslator's SamFunction.to_cloudformation does
// for what fogbank runs (sam_resources.py; pull events: eventsources/pull.py).

#include "sam.hpp"

#include <map>
#include <string>
#include <vector>

namespace fogbank::templates {

struct generated_resource {
  std::string logical_id;
  json resource;               // {"Type": ..., "Properties": ...}
  std::string source_pointer;  // where errors about it are reported
  // Properties reported at a place of their own: property name -> pointer in the template.
  std::map<std::string, std::string> property_sources;
};

// The function's resources: first the AWS::Lambda::Function (same logical id), then its role
// (when none is given), one event source mapping per SQS or DynamoDB event and a subscription
// and permission per SNS event. `properties` has Globals merged. Other events go to `events`.
// Throws template_error for an unknown property or event property, a missing
// CodeUri/InlineCode, or a CodeUri that is not a local directory.
std::vector<generated_resource> translate_function(const template_source& source,
                                                   const std::string& logical_id, const json& properties,
                                                   std::vector<recorded_event>* events);

}  // namespace fogbank::templates
