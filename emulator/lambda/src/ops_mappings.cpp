// CreateEventSourceMapping, GetEventSourceMapping, ListEventSourceMappings,
// UpdateEventSourceMapping, DeleteEventSourceMapping, for SQS queues and DynamoDB streams, with
// the botocore model's ranges and Lambda's recorded answers (research §6.1). The pollers are in
// sqs_poller.cpp and stream_poller.cpp.
//
// A mapping is ready when the call returns: Create answers State "Creating" (and Update
// "Updating", "Enabling" or "Disabling") as AWS does, and Get then reads "Enabled" or "Disabled".

#include "filter_pattern.hpp"
#include "service_impl.hpp"
#include "validation.hpp"

#include "fogbank/core/encoding.hpp"
#include "fogbank/core/log.hpp"
#include "fogbank/storage/key_encoding.hpp"

#include <algorithm>

namespace fogbank::lambda {
namespace {

using core::error_code;

constexpr int max_batch_size = 10'000;
constexpr int max_fifo_batch_size = 10;
constexpr int default_sqs_batch_size = 10;
constexpr int default_stream_batch_size = 100;
constexpr int max_batching_window = 300;
constexpr int max_stream_retries = 10'000;
constexpr std::int64_t max_record_age = 604'800;
constexpr int max_parallelization = 10;
// ScalingConfig.MaximumConcurrency's range (API_ScalingConfig).
constexpr int min_mapping_concurrency = 2;
constexpr int max_mapping_concurrency = 1000;
// ListEventSourceMappings' MaxItems is 1-10000; fogbank pages at 100 (unconfirmed: AWS's own page).
constexpr int mapping_page_size = 100;

// LocalStack's wording for an unknown UUID (unconfirmed against AWS).
constexpr std::string_view no_such_mapping = "The resource you requested does not exist.";

std::string storage_key(const std::string& uuid) {
  std::string key = "m";
  storage::key::append_bytes(key, uuid);
  return key;
}

struct source {
  source_kind kind;
  std::string region;
  std::string account;
  std::string name;  // queue name, or table name
};

// The source an EventSourceArn names: "arn:aws:sqs:<r>:<a>:<queue>" or
// "arn:aws:dynamodb:<r>:<a>:table/<table>/stream/<label>".
source parse_source(const std::string& arn) {
  auto refuse = [&]() -> source {
    fail(error_code::lambda_invalid_parameter_value,
         "fogbank maps SQS queues and DynamoDB streams to functions: '" + arn +
             "' is neither an SQS queue ARN nor a DynamoDB stream ARN");
  };
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    const std::size_t colon = arn.find(':', start);
    if (colon == std::string::npos) return refuse();
    parts.push_back(arn.substr(start, colon - start));
    start = colon + 1;
  }
  const std::string resource = arn.substr(start);
  if (parts[0] != "arn" || parts[3].empty() || parts[4].empty() || resource.empty()) return refuse();
  if (parts[2] == "sqs" && resource.find(':') == std::string::npos &&
      resource.find('/') == std::string::npos) {
    return {source_kind::sqs, parts[3], parts[4], resource};
  }
  if (parts[2] == "dynamodb" && resource.rfind("table/", 0) == 0) {
    const std::size_t stream = resource.find("/stream/");
    if (stream != std::string::npos && stream > 6 && stream + 8 < resource.size()) {
      return {source_kind::dynamodb_stream, parts[3], parts[4], resource.substr(6, stream - 6)};
    }
  }
  return refuse();
}

std::string queue_url(const source& s) {
  // The SQS service finds a queue by the URL's last two segments, whatever the host.
  return "http://localhost:4566/" + s.account + "/" + s.name;
}

core::call_context context_for(const dispatch::client& client, const source& s) {
  core::call_context context = client.default_context();
  context.region = s.region;
  context.account_id = s.account;
  return context;
}

int range_checked(const json& request, std::string_view member, std::string_view at, std::int64_t low,
                  std::int64_t high, int fallback) {
  const std::optional<std::int64_t> value = validate::integer_member(request, member);
  if (!value) return fallback;
  if (*value < low) {
    validate::constraint(std::to_string(*value), at,
                         "Member must have value greater than or equal to " + std::to_string(low));
  }
  if (*value > high) {
    validate::constraint(std::to_string(*value), at,
                         "Member must have value less than or equal to " + std::to_string(high));
  }
  return static_cast<int>(*value);
}

// Reads the members Create and Update share into `m` (only those present).
void read_settings(mapping_record& m, const json& request) {
  m.batch_size = range_checked(request, "BatchSize", "batchSize", 1, max_batch_size, m.batch_size);
  m.batching_window_seconds =
      range_checked(request, "MaximumBatchingWindowInSeconds", "maximumBatchingWindowInSeconds", 0,
                    max_batching_window, m.batching_window_seconds);
  if (const auto enabled = validate::bool_member(request, "Enabled")) m.enabled = *enabled;
  if (const auto it = request.find("FunctionResponseTypes"); it != request.end() && !it->is_null()) {
    const auto types = it->get<std::vector<std::string>>();
    for (const std::string& type : types) {
      if (type != "ReportBatchItemFailures") {
        validate::constraint("'[" + type + "]'", "functionResponseTypes",
                             "Member must satisfy constraint: [Member must satisfy enum value set: "
                             "[ReportBatchItemFailures]]");
      }
    }
    m.report_batch_item_failures = !types.empty();
  }
  if (const auto it = request.find("FilterCriteria"); it != request.end() && !it->is_null()) {
    std::vector<std::string> patterns;
    const auto filters = it->find("Filters");
    if (filters != it->end() && !filters->is_null()) {
      const auto list = filters->get<std::vector<json>>();
      if (list.size() > filter::max_filters) {
        validate::constraint(std::to_string(list.size()), "filterCriteria.filters",
                             "Member must have length less than or equal to 5");
      }
      for (const json& f : list) {
        const std::string pattern = f.value("Pattern", std::string());
        (void)filter::parse(pattern);
        patterns.push_back(pattern);
      }
    }
    m.filters = std::move(patterns);
  }
  const bool stream = m.kind == source_kind::dynamodb_stream;
  auto stream_only = [&](std::string_view member) {
    const auto it = request.find(member);
    if (!stream && it != request.end() && !it->is_null()) {
      // Unconfirmed wording; AWS refuses stream settings on a queue mapping.
      fail(error_code::lambda_invalid_parameter_value,
           "Unsupported MaximumRetryAttempts, MaximumRecordAgeInSeconds, BisectBatchOnFunctionError, "
           "ParallelizationFactor, DestinationConfig or StartingPosition for SQS event sources: " +
               std::string(member));
    }
  };
  for (std::string_view member :
       {"MaximumRetryAttempts", "MaximumRecordAgeInSeconds", "BisectBatchOnFunctionError",
        "ParallelizationFactor", "DestinationConfig"}) {
    stream_only(member);
  }
  // ScalingConfig (Amazon SQS only; API_ScalingConfig): an empty value removes it.
  if (const auto it = request.find("ScalingConfig"); it != request.end() && !it->is_null()) {
    if (stream) {
      // Unconfirmed wording.
      fail(error_code::lambda_invalid_parameter_value,
           "Unsupported ScalingConfig for DynamoDB event sources");
    }
    if (it->contains("MaximumConcurrency") && !(*it)["MaximumConcurrency"].is_null()) {
      m.maximum_concurrency = range_checked(*it, "MaximumConcurrency", "scalingConfig.maximumConcurrency",
                                            min_mapping_concurrency, max_mapping_concurrency, 0);
    } else {
      m.maximum_concurrency.reset();
    }
  }
  m.maximum_retry_attempts = range_checked(request, "MaximumRetryAttempts", "maximumRetryAttempts", -1,
                                           max_stream_retries, m.maximum_retry_attempts);
  if (const auto age = validate::integer_member(request, "MaximumRecordAgeInSeconds")) {
    // -1 (the stream's retention) or 60-604800.
    if (*age != -1 && (*age < 60 || *age > max_record_age)) {
      validate::constraint(std::to_string(*age), "maximumRecordAgeInSeconds",
                           *age < 60 ? "Member must have value greater than or equal to -1"
                                     : "Member must have value less than or equal to 604800");
    }
    m.maximum_record_age_seconds = *age;
  }
  if (const auto bisect = validate::bool_member(request, "BisectBatchOnFunctionError"))
    m.bisect_on_error = *bisect;
  m.parallelization_factor = range_checked(request, "ParallelizationFactor", "parallelizationFactor", 1,
                                           max_parallelization, m.parallelization_factor);
  if (const auto it = request.find("DestinationConfig"); it != request.end() && !it->is_null()) {
    if (const auto success = it->find("OnSuccess"); success != it->end() && success->is_object() &&
                                                    !success->value("Destination", std::string()).empty()) {
      // The model: "OnSuccess ... Not supported in CreateEventSourceMapping".
      fail(error_code::lambda_invalid_parameter_value, "Unsupported DestinationConfig parameter: OnSuccess");
    }
    if (const auto failure = it->find("OnFailure"); failure != it->end() && failure->is_object()) {
      const std::string arn = failure->value("Destination", std::string());
      if (!arn.empty() && arn.rfind("arn:aws:sqs:", 0) != 0) {
        fail(error_code::lambda_invalid_parameter_value,
             "fogbank sends OnFailure records to SQS queues only: '" + arn + "' is not a queue ARN");
      }
      m.on_failure = arn;
    }
  }
}

// The batch rules of a queue mapping (Create and Update).
void check_queue_batch(const mapping_record& m) {
  if (m.kind != source_kind::sqs) return;
  const std::string name = m.source_arn.substr(m.source_arn.rfind(':') + 1);
  const bool fifo = name.size() > 5 && name.substr(name.size() - 5) == ".fifo";
  if (fifo && m.batch_size > max_fifo_batch_size) {
    // The model: "FIFO queues - Maximum 10" (wording unconfirmed).
    fail(error_code::lambda_invalid_parameter_value,
         "Batch size for FIFO queues must be less than or equal to 10.");
  }
  if (m.batch_size > 10 && m.batching_window_seconds == 0) {
    // Recorded (research §6.1).
    fail(error_code::lambda_invalid_parameter_value,
         "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10");
  }
}

}  // namespace

mapping_record& service_impl::find_mapping(const json& request) {
  const std::optional<std::string> uuid = validate::string_member(request, "UUID");
  if (!uuid) validate::constraint("null", "uUID", "Member must not be null");
  const auto it = mappings_.find(*uuid);
  if (it == mappings_.end()) fail(error_code::lambda_resource_not_found, std::string(no_such_mapping));
  return it->second;
}

void service_impl::store_mapping(const mapping_record& m) {
  storage::write_batch batch;
  batch.put(storage::column::lambda, storage_key(m.uuid), m.to_stored().dump());
  commit(batch);
}

void service_impl::load_mappings() {
  storage::scan_range range;
  range.lower = "m";
  range.upper = "n";
  auto it = db_.scan(storage::column::lambda, range);
  for (; it->valid(); it->next()) {
    mapping_record m = mapping_record::from_stored(json::parse(it->value()));
    mappings_.emplace(m.uuid, m);
  }
  if (const storage::status state = it->state(); !state.is_ok()) {
    throw std::runtime_error("cannot read Lambda event source mappings: " + state.message());
  }
  // What arrived while fogbank was down is read at once.
  for (const auto& [uuid, m] : mappings_) start_mapping(m);
}

void service_impl::start_mapping(const mapping_record& m) {
  mapping_state& state = mapping_states_[m.uuid];
  const source s = parse_source(m.source_arn);
  if (m.kind == source_kind::sqs) {
    std::lock_guard lock(wake_mutex_);
    queue_watchers_.emplace(s.region + "/" + s.account + "/" + s.name, m.uuid);
  } else if (state.subscription == 0 && options_.subscribe_stream) {
    state.subscription = options_.subscribe_stream(s.name, [life = lifetime_, uuid = m.uuid] {
      with_service(life, [&](service_impl& self) { self.wake_mapping(uuid, self.now_ms()); });
    });
  }
  if (m.enabled) wake_mapping(m.uuid, now_ms());
}

void service_impl::stop_mapping(const std::string& uuid) {
  const auto it = mapping_states_.find(uuid);
  if (it != mapping_states_.end() && it->second.subscription != 0 && options_.unsubscribe_stream) {
    options_.unsubscribe_stream(it->second.subscription);
  }
  mapping_states_.erase(uuid);
  std::lock_guard lock(wake_mutex_);
  for (auto w = queue_watchers_.begin(); w != queue_watchers_.end();) {
    w = w->second == uuid ? queue_watchers_.erase(w) : std::next(w);
  }
}

json service_impl::create_event_source_mapping(const json& request, const core::call_context& context) {
  const std::optional<std::string> arn = validate::string_member(request, "EventSourceArn");
  if (!arn) {
    fail(error_code::lambda_invalid_parameter_value,
         "fogbank maps SQS queues and DynamoDB streams to functions: EventSourceArn is required");
  }
  const source s = parse_source(*arn);
  const function_record& fn = find_function(request, context);

  mapping_record m;
  m.uuid = ids_.uuid();
  m.region = context.region;
  m.account = context.account_id;
  m.kind = s.kind;
  m.source_arn = *arn;
  m.function_key = fn.key();
  m.function_arn = fn.arn();
  m.batch_size = s.kind == source_kind::sqs ? default_sqs_batch_size : default_stream_batch_size;
  read_settings(m, request);

  check_queue_batch(m);
  const std::optional<std::string> position = validate::string_member(request, "StartingPosition");
  if (s.kind == source_kind::dynamodb_stream) {
    if (!position) {
      // AWS's answer, an InvalidParameterValueException in the validation form (winglang/wing#7178,
      // a CreateEventSourceMapping against AWS, 2024).
      fail(error_code::lambda_invalid_parameter_value,
           "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: "
           "Member "
           "must not be null.");
    }
    if (*position != "TRIM_HORIZON" && *position != "LATEST") {
      // AT_TIMESTAMP is for Kinesis only (the model).
      validate::constraint(validate::quote_value(*position), "startingPosition",
                           "Member must satisfy enum value set: [TRIM_HORIZON, LATEST]");
    }
    m.starting_position = *position;
  } else if (position) {
    // LocalStack's test recorded against AWS (test_create_starting_position_validation_exceptions[sqs]).
    fail(error_code::lambda_invalid_parameter_value, "StartingPosition is not valid for SQS event sources.");
  }

  for (const auto& [uuid, other] : mappings_) {
    if (other.source_arn == m.source_arn && other.function_key == m.function_key) {
      // Recorded for streams; for queues AWS words it differently (DataBiosphere/azul#3399,
      // aws/chalice#2146: Terraform and Chalice against AWS).
      if (s.kind == source_kind::sqs) {
        fail(error_code::lambda_resource_conflict,
             "An event source mapping with SQS arn (\" " + m.source_arn + " \") and function (\" " + fn.name +
                 " \") already exists. Please update or delete the existing mapping with UUID " + uuid);
      }
      fail(error_code::lambda_resource_conflict, "The event source arn (\" " + m.source_arn +
                                                     " \") and function (\" " + fn.name +
                                                     " \") provided mapping already exists. Please update or "
                                                     "delete the existing mapping with UUID " +
                                                     uuid);
    }
  }

  const core::call_context source_context = context_for(client_, s);
  if (s.kind == source_kind::sqs) {
    const core::call_result attributes =
        client_.call("sqs", "GetQueueAttributes",
                     {{"QueueUrl", queue_url(s)}, {"AttributeNames", {"VisibilityTimeout"}}}, source_context);
    if (attributes.error) {
      // Lambda checks the queue when the mapping is made, naming SQS's query error code
      // (AWS.SimpleQueueService.NonExistentQueue): LocalStack's wording, pinned by its snapshot
      // tests recorded against AWS (localstack/localstack#12297).
      const core::error_type& type = core::describe(attributes.error->code());
      const std::string_view code = type.query_code.empty() ? type.name : type.query_code;
      fail(error_code::lambda_invalid_parameter_value,
           "Error occurred while ReceiveMessage. SQS Error Code: " + std::string(code) +
               ". SQS Error Message: " + attributes.error->message());
    }
    const std::int64_t visibility =
        std::stoll(attributes.body.value("Attributes", json::object()).value("VisibilityTimeout", "30"));
    if (visibility < fn.timeout_seconds) {
      // Recorded (research §6.1).
      fail(error_code::lambda_invalid_parameter_value,
           "Queue visibility timeout: " + std::to_string(visibility) +
               " seconds is less than Function timeout: " + std::to_string(fn.timeout_seconds) + " seconds");
    }
  } else {
    // The stream must exist; LATEST starts after its last record now.
    const core::call_result described =
        client_.call("dynamodbstreams", "DescribeStream", {{"StreamArn", m.source_arn}}, source_context);
    if (described.error) {
      // As AWS answers it (a CloudFormation event log quoting Lambda's 400); the exception's name is
      // not in that log.
      fail(error_code::lambda_invalid_parameter_value, "Stream not found: " + m.source_arn);
    }
    if (m.starting_position == "LATEST") {
      const json shards = described.body["StreamDescription"].value("Shards", json::array());
      if (!shards.empty()) {
        const std::string shard = shards[0].value("ShardId", "");
        core::call_result iterator = client_.call(
            "dynamodbstreams", "GetShardIterator",
            {{"StreamArn", m.source_arn}, {"ShardId", shard}, {"ShardIteratorType", "TRIM_HORIZON"}},
            source_context);
        // Reads to the end for the last sequence number (bounded by the stream's 24-hour retention).
        std::string next = iterator.error ? "" : iterator.body.value("ShardIterator", "");
        while (!next.empty()) {
          const core::call_result page = client_.call(
              "dynamodbstreams", "GetRecords", {{"ShardIterator", next}, {"Limit", 1000}}, source_context);
          if (page.error) break;
          const json& records = page.body["Records"];
          if (records.empty()) break;
          m.checkpoint = records.back()["dynamodb"].value("SequenceNumber", m.checkpoint);
          next = page.body.value("NextShardIterator", "");
        }
      }
    }
  }

  m.last_modified = clock_.epoch_seconds();
  store_mapping(m);
  mappings_.emplace(m.uuid, m);
  start_mapping(m);
  return m.configuration("Creating");
}

json service_impl::get_event_source_mapping(const json& request, const core::call_context&) {
  const mapping_record& m = find_mapping(request);
  return m.configuration(m.enabled ? "Enabled" : "Disabled");
}

json service_impl::list_event_source_mappings(const json& request, const core::call_context& context) {
  const std::optional<std::string> source = validate::string_member(request, "EventSourceArn");
  std::optional<std::string> function_key;
  if (validate::string_member(request, "FunctionName")) function_key = key_of(request, context);
  const int max_items = std::min(range_checked(request, "MaxItems", "maxItems", 1, 10'000, mapping_page_size),
                                 mapping_page_size);
  std::string after;
  if (const auto marker = validate::string_member(request, "Marker")) after = *marker;
  json out = json::array();
  std::string last;
  bool more = false;
  for (auto it = mappings_.upper_bound(after); it != mappings_.end(); ++it) {
    const mapping_record& m = it->second;
    if (m.region != context.region || m.account != context.account_id) continue;
    if (source && m.source_arn != *source) continue;
    if (function_key && m.function_key != *function_key) continue;
    if (static_cast<int>(out.size()) == max_items) {
      more = true;
      break;
    }
    out.push_back(m.configuration(m.enabled ? "Enabled" : "Disabled"));
    last = m.uuid;
  }
  json response = {{"EventSourceMappings", std::move(out)}};
  if (more) response["NextMarker"] = last;
  return response;
}

json service_impl::update_event_source_mapping(const json& request, const core::call_context& context) {
  mapping_record& current = find_mapping(request);
  mapping_record m = current;
  if (validate::string_member(request, "FunctionName")) {
    const function_record& fn = find_function(request, context);
    m.function_key = fn.key();
    m.function_arn = fn.arn();
  }
  if (request.contains("StartingPosition") && !request["StartingPosition"].is_null()) {
    fail(error_code::lambda_invalid_parameter_value,
         "StartingPosition cannot be changed: create a new mapping");
  }
  read_settings(m, request);
  check_queue_batch(m);
  const bool was_enabled = current.enabled;
  m.last_modified = clock_.epoch_seconds();
  store_mapping(m);
  current = m;
  if (m.enabled) wake_mapping(m.uuid, now_ms());
  if (was_enabled != m.enabled) return m.configuration(m.enabled ? "Enabling" : "Disabling");
  return m.configuration("Updating");
}

json service_impl::delete_event_source_mapping(const json& request, const core::call_context&) {
  const mapping_record m = find_mapping(request);
  storage::write_batch batch;
  batch.erase(storage::column::lambda, storage_key(m.uuid));
  commit(batch);
  stop_mapping(m.uuid);
  mappings_.erase(m.uuid);
  return m.configuration("Deleting");
}

}  // namespace fogbank::lambda
