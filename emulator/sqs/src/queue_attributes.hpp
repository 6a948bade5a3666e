#pragma once
// Queue attributes: defaults, validation and normalization of what CreateQueue and
// SetQueueAttributes set, and what GetQueueAttributes reports.

#include "service_impl.hpp"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace fogbank::sqs {

// The attributes a new queue starts with (SQS API reference, CreateQueue).
std::map<std::string, std::string> default_attributes(bool fifo);

// Validates `given` for a queue of the kind `fifo` and returns it normalized (booleans lower
// case, RedrivePolicy as compact JSON with a numeric maxReceiveCount). Throws InvalidAttributeName
// for names that cannot be set and InvalidAttributeValue / InvalidParameterValue for bad values,
// in AWS's words. The RedrivePolicy's target must exist in `service` and be of the same kind.
std::map<std::string, std::string> validate_attributes(
    const std::vector<std::pair<std::string, std::string>>& given, bool fifo, service_impl& service);

// Every attribute name GetQueueAttributes knows.
bool is_queue_attribute_name(const std::string& name);

// GetQueueAttributes for `names` ("All" = every one that applies).
json read_attributes(const queue& q, const std::vector<std::string>& names, std::int64_t now_ms);

}  // namespace fogbank::sqs
