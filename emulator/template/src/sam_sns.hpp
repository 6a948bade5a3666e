#pragma once
// A SAM function's `Events: Type: SNS`, as samtranslator's push event source SNS translates it
// (model/eventsources/push.py): an AWS::SNS::Subscription `<Function><Event>` (Protocol lambda,
// Endpoint the function's ARN) and the AWS::Lambda::Permission `<Function><Event>Permission` that
// lets sns.amazonaws.com invoke the function; with SqsSubscription, a queue between topic and
// function instead (sam_sns.cpp, through_queue).

#include "sam_function.hpp"

#include <string>
#include <vector>

namespace fogbank::templates {

// The resources of SNS event `event` of `function`; `properties` are the event's Properties.
// Throws template_error for a missing Topic, an unknown property, or an SqsSubscription that is
// neither a boolean nor a map with QueueArn and QueueUrl.
std::vector<generated_resource> sns_event_resources(const template_source& source,
                                                    const std::string& function, const std::string& event,
                                                    const json& properties, const std::string& event_path);

}  // namespace fogbank::templates
