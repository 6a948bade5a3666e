#include "event_source_mapping.hpp"

namespace fogbank::lambda {

using json = nlohmann::json;

json mapping_record::to_stored() const {
  json stored = {{"uuid", uuid},
                 {"region", region},
                 {"account", account},
                 {"kind", kind == source_kind::sqs ? "sqs" : "dynamodb"},
                 {"source", source_arn},
                 {"function", function_key},
                 {"function_arn", function_arn},
                 {"enabled", enabled},
                 {"batch_size", batch_size},
                 {"window", batching_window_seconds},
                 {"report_failures", report_batch_item_failures},
                 {"filters", filters},
                 {"starting_position", starting_position},
                 {"retries", maximum_retry_attempts},
                 {"max_age", maximum_record_age_seconds},
                 {"bisect", bisect_on_error},
                 {"parallelization", parallelization_factor},
                 {"on_failure", on_failure},
                 {"last_modified", last_modified},
                 {"last_result", last_processing_result},
                 {"checkpoint", checkpoint}};
  if (maximum_concurrency) stored["max_concurrency"] = *maximum_concurrency;
  return stored;
}

mapping_record mapping_record::from_stored(const json& stored) {
  mapping_record m;
  m.uuid = stored.at("uuid").get<std::string>();
  m.region = stored.at("region").get<std::string>();
  m.account = stored.at("account").get<std::string>();
  m.kind = stored.at("kind").get<std::string>() == "sqs" ? source_kind::sqs : source_kind::dynamodb_stream;
  m.source_arn = stored.at("source").get<std::string>();
  m.function_key = stored.at("function").get<std::string>();
  m.function_arn = stored.at("function_arn").get<std::string>();
  m.enabled = stored.at("enabled").get<bool>();
  m.batch_size = stored.at("batch_size").get<int>();
  m.batching_window_seconds = stored.at("window").get<int>();
  m.report_batch_item_failures = stored.at("report_failures").get<bool>();
  m.filters = stored.value("filters", std::vector<std::string>{});
  m.starting_position = stored.at("starting_position").get<std::string>();
  m.maximum_retry_attempts = stored.at("retries").get<int>();
  m.maximum_record_age_seconds = stored.at("max_age").get<std::int64_t>();
  m.bisect_on_error = stored.at("bisect").get<bool>();
  m.parallelization_factor = stored.at("parallelization").get<int>();
  m.on_failure = stored.at("on_failure").get<std::string>();
  m.last_modified = stored.at("last_modified").get<double>();
  m.last_processing_result = stored.at("last_result").get<std::string>();
  m.checkpoint = stored.at("checkpoint").get<std::string>();
  if (const auto it = stored.find("max_concurrency"); it != stored.end())
    m.maximum_concurrency = it->get<int>();
  return m;
}

json mapping_record::configuration(std::string_view state) const {
  // The members AWS answers with, per source (recorded create responses, research §6.1).
  json out = {{"UUID", uuid},
              {"EventSourceMappingArn", arn()},
              {"BatchSize", batch_size},
              {"MaximumBatchingWindowInSeconds", batching_window_seconds},
              {"EventSourceArn", source_arn},
              {"FunctionArn", function_arn},
              {"LastModified", last_modified},
              {"State", state},
              {"FunctionResponseTypes",
               report_batch_item_failures ? json::array({"ReportBatchItemFailures"}) : json::array()}};
  if (!filters.empty()) {
    json list = json::array();
    for (const std::string& pattern : filters) list.push_back({{"Pattern", pattern}});
    out["FilterCriteria"] = {{"Filters", std::move(list)}};
  }
  if (kind == source_kind::sqs) {
    out["StateTransitionReason"] = "USER_INITIATED";
    if (maximum_concurrency) out["ScalingConfig"] = {{"MaximumConcurrency", *maximum_concurrency}};
    return out;
  }
  out["StateTransitionReason"] = "User action";
  out["StartingPosition"] = starting_position;
  out["ParallelizationFactor"] = parallelization_factor;
  out["MaximumRetryAttempts"] = maximum_retry_attempts;
  out["MaximumRecordAgeInSeconds"] = maximum_record_age_seconds;
  out["BisectBatchOnFunctionError"] = bisect_on_error;
  out["TumblingWindowInSeconds"] = 0;
  out["LastProcessingResult"] = last_processing_result;
  out["DestinationConfig"] = {
      {"OnFailure", on_failure.empty() ? json::object() : json{{"Destination", on_failure}}}};
  return out;
}

}  // namespace fogbank::lambda
