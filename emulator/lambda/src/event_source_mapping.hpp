#pragma once
// One event source mapping as the Lambda service keeps it: what it reads (an SQS queue or a
// DynamoDB stream), which function it invokes, its batching and failure settings, and where it
// has got to in a stream (the checkpoint). Stored as JSON in the `lambda` column; shown as
// EventSourceMappingConfiguration.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fogbank::lambda {

enum class source_kind { sqs, dynamodb_stream };

struct mapping_record {
  std::string uuid;
  std::string region;
  std::string account;
  source_kind kind = source_kind::sqs;
  std::string source_arn;  // arn:aws:sqs:<r>:<a>:<queue> or arn:aws:dynamodb:<r>:<a>:table/<t>/stream/<label>
  std::string function_key;  // function_record::key()
  std::string function_arn;
  bool enabled = true;
  int batch_size = 10;
  int batching_window_seconds = 0;
  bool report_batch_item_failures = false;
  // FilterCriteria's patterns, as given (filter_pattern.hpp); a record passes if any matches.
  std::vector<std::string> filters;
  // SQS only: ScalingConfig.MaximumConcurrency, the most batches in flight at once (2-1000).
  // Unset: as many as the function's concurrency allows.
  std::optional<int> maximum_concurrency;
  // Streams only.
  std::string starting_position;                 // TRIM_HORIZON or LATEST
  int maximum_retry_attempts = -1;               // -1: until the record expires
  std::int64_t maximum_record_age_seconds = -1;  // -1: the stream's retention
  bool bisect_on_error = false;
  int parallelization_factor = 1;
  std::string on_failure;    // destination ARN (an SQS queue), or empty
  double last_modified = 0;  // epoch seconds, as Lambda reports this timestamp
  std::string last_processing_result = "No records processed";
  // The sequence number of the last stream record handled (processed, or given up on), or empty
  // when the mapping reads from the trim horizon.
  std::string checkpoint;

  // "arn:aws:lambda:<r>:<a>:event-source-mapping:<uuid>"
  std::string arn() const {
    return "arn:aws:lambda:" + region + ":" + account + ":event-source-mapping:" + uuid;
  }

  nlohmann::json to_stored() const;
  // Throws nlohmann::json exceptions on a record it cannot read.
  static mapping_record from_stored(const nlohmann::json& stored);
  // EventSourceMappingConfiguration, with `state` ("Enabled", "Creating", "Deleting", ...).
  nlohmann::json configuration(std::string_view state) const;
};

}  // namespace fogbank::lambda
