#pragma once
// Queue attributes: defaults, validation and normalization of what CreateQueue and
// SetQueueAttributes set, their typed form (queue_settings), and what GetQueueAttributes reports.
//
// JSON carried inside attribute strings (Policy, RedrivePolicy, RedriveAllowPolicy) is read only
// through core::parse_json_within with max_attribute_json_depth, so nothing a client sets can
// later be copied or dump()ed deeper than the stack allows.

#include "service_impl.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fogbank::sqs {

// Deepest JSON accepted inside an attribute string. An IAM policy document nests about six
// levels (document, Statement list, statement, Condition, operator, key, value list) and the
// redrive policies two; 32 leaves room for any valid document and is far below what the
// recursive copy and dump() of nlohmann::json can take.
inline constexpr int max_attribute_json_depth = 32;
// "Amazon SQS policy quotas": a queue policy is at most 8,192 bytes.
inline constexpr std::size_t max_policy_bytes = 8'192;

// Longest attribute value accepted: the largest any attribute can validly hold is a Policy
// (max_policy_bytes); a RedrivePolicy or KMS key id is far shorter. Checked before a value is
// parsed or scanned, so that what validate_attributes does is bounded however large the value.
inline constexpr std::size_t max_attribute_value_bytes = max_policy_bytes;

// The Attributes map of CreateQueue or SetQueueAttributes, as string_map reads it, but at most
// as many entries as there are attribute names and one more: a map with more entries names
// something that is not an attribute among them, and validate_attributes, which goes through
// them in this same order, stops at that or an earlier error. So the work is bounded by the
// attributes SQS has, however many entries a request holds.
std::vector<std::pair<std::string, std::string>> attribute_entries(const json& request, const char* member);
// The value string_map would read for `name` in the map `member`, looked up directly; nullopt if
// absent.
std::optional<std::string> attribute_value(const json& request, const char* member, const char* name);

// The attributes a new queue starts with (SQS API reference, CreateQueue).
std::map<std::string, std::string> default_attributes(bool fifo);

// Validates `given` for a queue of the kind `fifo` and returns it normalized (booleans lower
// case, RedrivePolicy as compact JSON with a numeric maxReceiveCount). Throws InvalidAttributeName
// for names that cannot be set and InvalidAttributeValue / InvalidParameterValue for bad values,
// in AWS's words. The RedrivePolicy's target must exist in `service` and be of the same kind.
// Reads nothing but the request and the queues; changes nothing.
std::map<std::string, std::string> validate_attributes(
    const std::vector<std::pair<std::string, std::string>>& given, bool fifo, service_impl& service);

// The typed form of a full attribute map (as update_attributes keeps it). Values that do not
// parse (only possible for stored data older than a rule) keep their defaults.
queue_settings parse_settings(const std::map<std::string, std::string>& attributes);

// A RedrivePolicy text read through the bounded parser; nullopt unless it is an object with a
// string deadLetterTargetArn and an integer (or integer text) maxReceiveCount.
std::optional<redrive_policy> parse_redrive_policy(std::string_view text);

// Every attribute name GetQueueAttributes knows.
bool is_queue_attribute_name(const std::string& name);
// Throws InvalidAttributeName for the first of `names` that GetQueueAttributes does not know.
void check_attribute_names(const std::vector<std::string>& names);

// GetQueueAttributes for `names` ("All" = every one that applies), sorted, each once
// (string_set). The message counts, which take a walk over the queue, only when asked for.
json read_attributes(const queue& q, const std::vector<std::string>& names, std::int64_t now_ms);

}  // namespace fogbank::sqs
