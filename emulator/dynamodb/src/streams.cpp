// The DynamoDB Streams API: ListStreams, DescribeStream, GetShardIterator, GetRecords.
//
// Request and response shapes are botocore's dynamodbstreams 2012-08-10 model; behaviour and
// errors follow the API reference (API_streams_*). Wording marked "unconfirmed" has not been
// checked against the service.

#include "fogbank/dynamodb/streams.hpp"

#include "fogbank/storage/key_encoding.hpp"
#include "request.hpp"
#include "request_validation.hpp"
#include "service_impl.hpp"
#include "stream_model.hpp"

#include <algorithm>
#include <array>
#include <optional>

namespace fogbank::dynamodb {
namespace {

using core::aws_error;
using core::error_code;
using core::throw_validation;

// API limits: ListStreams and DescribeStream return at most 100 entries, GetRecords 1000
// records or 1 MB, whichever comes first.
constexpr std::int64_t max_list_limit = 100;
constexpr std::int64_t max_records_limit = 1000;
constexpr std::size_t max_records_bytes = 1024 * 1024;

// An optional integer member in [1, `max`], or `fallback`.
std::int64_t optional_limit(const json& request, std::int64_t max, std::int64_t fallback) {
  const json* value = find_member(request, "Limit");
  if (!value) return fallback;
  if (!value->is_number_integer())
    throw aws_error(error_code::serialization, "Unexpected value type in payload");
  const auto limit = value->get<std::int64_t>();
  if (limit < 1) {
    throw_validation(constraint_message("'" + std::to_string(limit) + "'", "limit",
                                        "Member must have value greater than or equal to 1"));
  }
  if (limit > max) {
    // unconfirmed: the API reference lists LimitExceededException for GetRecords' Limit above 1000.
    throw_validation(
        constraint_message("'" + std::to_string(limit) + "'", "limit",
                           "Member must have value less than or equal to " + std::to_string(max)));
  }
  return limit;
}

std::string arn_for(const stream_info& stream, const request_context& context) {
  return stream_arn(context.region, context.account_id, stream);
}

json shard_description(const stream_info& stream) {
  json range{{"StartingSequenceNumber", format_sequence(stream.first_sequence)}};
  if (!stream.enabled) range["EndingSequenceNumber"] = format_sequence(stream.last_sequence);
  return {{"ShardId", shard_id(stream)}, {"SequenceNumberRange", range}};
}

[[noreturn]] void throw_trimmed() {
  // As clients report it (ironSource/node-dynamodb-stream#13).
  throw aws_error(error_code::trimmed_data_access, "The data you are trying to access has been trimmed");
}

// ShardId members: 28 to 65 characters (botocore's dynamodbstreams model, ShardId).
constexpr std::size_t min_shard_id = 28;
constexpr std::size_t max_shard_id = 65;

void check_shard_id(const std::string& id, const std::string& member) {
  if (id.size() < min_shard_id || id.size() > max_shard_id) {
    throw_validation(constraint_message("'" + id + "'", member,
                                        id.size() < min_shard_id
                                            ? "Member must have length greater than or equal to 28"
                                            : "Member must have length less than or equal to 65"));
  }
}

// DescribeStream's ShardFilter (API_streams_ShardFilter): Type CHILD_SHARDS, the only type
// there is, with the ShardId whose children are wanted. The parent's id, or nullopt without a
// filter. A filter without a ShardId is refused (unconfirmed wording).
std::optional<std::string> child_shards_of(const json& request) {
  const json* filter = find_member(request, "ShardFilter");
  if (!filter) return std::nullopt;
  if (!filter->is_object()) throw aws_error(error_code::serialization, "Unexpected value type in payload");
  optional_enum(*filter, "Type", "shardFilter.type", {"CHILD_SHARDS"}, "CHILD_SHARDS");
  const std::string parent = optional_string(*filter, "ShardId");
  if (parent.empty()) throw_validation("ShardFilter.ShardId must be specified for Type CHILD_SHARDS");
  check_shard_id(parent, "shardFilter.shardId");
  return parent;
}

json list_streams(service_impl& dynamodb, const json& request, const request_context& context) {
  const std::int64_t limit = optional_limit(request, max_list_limit, max_list_limit);
  const std::string table_name = optional_string(request, "TableName");
  if (!table_name.empty()) validate_table_name(json(table_name), "tableName");
  const std::string start = optional_string(request, "ExclusiveStartStreamArn");

  std::vector<std::pair<std::string, stream_ptr>> streams;
  for (auto& stream : dynamodb.all_streams()) {
    if (!table_name.empty() && stream->table_name != table_name) continue;
    std::string arn = arn_for(*stream, context);
    if (!start.empty() && arn <= start) continue;
    streams.emplace_back(std::move(arn), std::move(stream));
  }
  std::sort(streams.begin(), streams.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  json listed = json::array();
  json response = json::object();
  for (const auto& [arn, stream] : streams) {
    if (static_cast<std::int64_t>(listed.size()) == limit) {
      response["LastEvaluatedStreamArn"] = listed.back()["StreamArn"];
      break;
    }
    listed.push_back({{"StreamArn", arn}, {"TableName", stream->table_name}, {"StreamLabel", stream->label}});
  }
  response["Streams"] = std::move(listed);
  return response;
}

json describe_stream(service_impl& dynamodb, const json& request, const request_context& context) {
  const std::string& arn = required_string(request, "StreamArn", "streamArn");
  optional_limit(request, max_list_limit, max_list_limit);
  const std::string start = optional_string(request, "ExclusiveStartShardId");
  if (!start.empty()) check_shard_id(start, "exclusiveStartShardId");
  const std::optional<std::string> parent = child_shards_of(request);
  dynamodb.trim_streams();
  const stream_ptr stream = dynamodb.find_stream_by_arn(arn);
  // Each stream has one shard, which never splits: it is no shard's child and has none. Shards
  // follow in ShardId order, so paging starts after any id that sorts at or after it.
  json shards = json::array();
  if (!parent && (start.empty() || start < shard_id(*stream))) shards.push_back(shard_description(*stream));
  return {{"StreamDescription",
           {{"StreamArn", arn_for(*stream, context)},
            {"StreamLabel", stream->label},
            {"StreamStatus", stream->enabled ? "ENABLED" : "DISABLED"},
            {"StreamViewType", stream->view_type},
            {"CreationRequestDateTime", static_cast<double>(stream->created_ms) / 1000.0},
            {"TableName", stream->table_name},
            {"KeySchema", key_schema_json(stream->keys)},
            {"Shards", shards}}}};
}

json get_shard_iterator(service_impl& dynamodb, const json& request, const request_context&) {
  const std::string& arn = required_string(request, "StreamArn", "streamArn");
  const std::string& shard = required_string(request, "ShardId", "shardId");
  if (!find_member(request, "ShardIteratorType")) throw_validation(null_member_message("shardIteratorType"));
  const std::string type =
      optional_enum(request, "ShardIteratorType", "shardIteratorType",
                    {"TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"}, "");
  const bool by_sequence = type == "AT_SEQUENCE_NUMBER" || type == "AFTER_SEQUENCE_NUMBER";
  std::uint64_t sequence = 0;
  if (by_sequence) {
    const std::string text = optional_string(request, "SequenceNumber");
    if (text.empty()) {
      throw_validation("SequenceNumber must be specified for ShardIteratorType " + type);  // unconfirmed
    }
    auto parsed = parse_sequence(text);
    if (!parsed || *parsed == 0) throw_validation("Invalid SequenceNumber: " + text);  // unconfirmed
    sequence = *parsed;
  }

  dynamodb.trim_streams();
  const stream_ptr stream = dynamodb.find_stream_by_arn(arn);
  if (shard != shard_id(*stream)) {
    throw aws_error(error_code::resource_not_found,
                    "Requested resource not found: Shard does not exist");  // unconfirmed
  }
  shard_position position;
  position.stream_id = stream->id;
  position.issued_ms = dynamodb.clock_.epoch_millis();
  const std::uint64_t horizon = std::max(stream->trimmed_through, stream->first_sequence - 1);
  if (type == "TRIM_HORIZON") {
    position.after = horizon;
  } else if (type == "LATEST") {
    // After the shard's last record now: one written later has a higher number, even if a write
    // to another stream took its number from the shared counter after that one
    // (service_impl::last_record_sequence).
    position.after = std::max(
        horizon, stream->enabled ? dynamodb.last_record_sequence(stream->id) : stream->last_sequence);
  } else {
    // A sequence number already trimmed away (API_streams_GetShardIterator: TrimmedDataAccessException).
    if (sequence <= stream->trimmed_through) throw_trimmed();
    position.after = type == "AT_SEQUENCE_NUMBER" ? sequence - 1 : sequence;
  }
  return {{"ShardIterator", encode_shard_iterator(arn, position)}};
}

json get_records(service_impl& dynamodb, const json& request, const request_context&) {
  const std::string& iterator = required_string(request, "ShardIterator", "shardIterator");
  if (iterator.size() > 2048) {
    throw_validation(constraint_message("'" + iterator + "'", "shardIterator",
                                        "Member must have length less than or equal to 2048"));
  }
  const std::int64_t limit = optional_limit(request, max_records_limit, max_records_limit);
  auto position = decode_shard_iterator(iterator);
  if (!position) throw_validation("Invalid ShardIterator");  // unconfirmed
  const std::string arn = iterator.substr(0, iterator.rfind("|1|"));

  const std::int64_t now_ms = dynamodb.clock_.epoch_millis();
  if (now_ms - position->issued_ms >
      std::chrono::duration_cast<std::chrono::milliseconds>(shard_iterator_lifetime).count()) {
    // The message DynamoDB Streams sends (as the Kinesis adapter passes it on,
    // spring-attic/spring-integration-aws#59).
    throw aws_error(error_code::expired_iterator, "Shard iterator has expired");
  }
  dynamodb.trim_streams();
  const stream_ptr stream = dynamodb.find_stream_or_null(position->stream_id);
  if (!stream) {
    throw aws_error(error_code::resource_not_found,
                    "Requested resource not found: Stream: " + arn + " not found");
  }
  // Records the iterator points at have been trimmed since it was issued.
  if (position->after < stream->trimmed_through) throw_trimmed();

  storage::scan_range range;
  range.lower = stream_record_key(stream->id, position->after + 1);
  range.upper = storage::key::prefix_successor(stream_prefix(stream->id));
  json records = json::array();
  std::size_t bytes = 0;
  std::uint64_t after = position->after;
  auto it = dynamodb.db_.scan(storage::column::streams, range);
  for (; it->valid(); it->next()) {
    if (static_cast<std::int64_t>(records.size()) == limit || bytes >= max_records_bytes) break;
    json record = decode_stream_record(it->value());
    bytes += record["dynamodb"].value("SizeBytes", std::size_t{0});
    std::string_view key = it->key();
    std::uint32_t id = 0;
    storage::key::read_u32(key, id);
    storage::key::read_u64(key, after);
    records.push_back(std::move(record));
  }
  if (!it->state().is_ok()) {
    throw aws_error(error_code::internal_failure, "Internal server error: " + it->state().message());
  }
  json response{{"Records", std::move(records)}};
  // A closed shard read to its end has no next iterator (API_streams_GetRecords: NextShardIterator).
  const bool exhausted = !it->valid();
  if (stream->enabled || !exhausted) {
    response["NextShardIterator"] = encode_shard_iterator(arn, {stream->id, after, now_ms});
  }
  return response;
}

using stream_operation = json (*)(service_impl&, const json&, const request_context&);
// Every DynamoDB Streams operation, sorted by name (checked below) for lookup.
constexpr auto operations = core::make_operation_table<stream_operation>({
    {"DescribeStream", &describe_stream},
    {"GetRecords", &get_records},
    {"GetShardIterator", &get_shard_iterator},
    {"ListStreams", &list_streams},
});
static_assert(operations.sorted(), "operations must be sorted by name");

constexpr core::error_funnel funnel{core::error_code::serialization, "Unexpected value type in payload",
                                    "DynamoDB Streams"};

}  // namespace

streams_service::streams_service(dynamodb::service& dynamodb) : dynamodb_(dynamodb) {}

void streams_service::call(std::string_view operation, const nlohmann::json& request,
                           const core::call_context& context, core::call_completion done) {
  done(core::run_funneled(funnel, operation, [&]() -> json {
    const stream_operation* handler = operations.find(operation);
    if (!handler) throw aws_error(error_code::unknown_operation, "");
    core::require_request_object(request);
    // DynamoDB Streams checks the request's shape before the operation runs (request_validation.hpp).
    validate_request_shape(request_model::streams_model(), operation, request);
    return (*handler)(*dynamodb_.impl_, request, context);
  }));
}

}  // namespace fogbank::dynamodb
