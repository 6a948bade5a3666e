#pragma once
// DynamoDB Streams as fogbank keeps them. A stream is born each time a table's stream is
// enabled (CreateTable or UpdateTable) and lives until 24 hours after it is disabled (or its
// table deleted). Each stream has one shard; its records live in the `streams` column:
//
//   record key:   u32 stream id | u64 sequence number
//   record value: u64 creation time (epoch milliseconds) | MessagePack of the Record
//
// Sequence numbers come from one service-wide counter (persisted beside the catalog), so they
// increase across every stream and survive restarts. On the wire a sequence number is the
// counter in AWS's 21-digit decimal form.

#include "fogbank/core/clock.hpp"
#include "table_model.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fogbank::dynamodb {

// DynamoDB Streams keeps records for 24 hours
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html).
inline constexpr auto stream_retention = std::chrono::hours(24);
// A shard iterator is good for 15 minutes after GetShardIterator (or GetRecords) issued it
// (API_streams_GetRecords: ExpiredIteratorException).
inline constexpr auto shard_iterator_lifetime = std::chrono::minutes(15);

struct stream_info {
  std::uint32_t id = 0;  // storage prefix of its records
  std::string table_name;
  std::string label;      // ISO 8601 creation time: the last part of the stream ARN
  std::string view_type;  // KEYS_ONLY | NEW_IMAGE | OLD_IMAGE | NEW_AND_OLD_IMAGES
  key_schema keys;
  std::string region;      // of the request that enabled it: the records' awsRegion
  std::string account_id;  // likewise, for the ARN delivered to subscribers
  std::int64_t created_ms = 0;
  std::uint64_t first_sequence = 0;  // StartingSequenceNumber: the first number it could hold
  bool enabled = true;
  std::int64_t disabled_ms = 0;       // when it was disabled (0 while enabled)
  std::uint64_t last_sequence = 0;    // EndingSequenceNumber once disabled
  std::uint64_t trimmed_through = 0;  // every record up to this number has been trimmed
};

json to_storage_json(const stream_info& stream);
stream_info stream_from_storage_json(const json& stored);
// The meta-column key of a stream's definition.
std::string stream_meta_key(std::uint32_t stream_id);
// The meta-column key of how far a stream has been trimmed (decimal text), kept apart from its
// definition so that trimming never rewrites a definition that UpdateTable or DeleteTable may
// be changing at the same moment. A stream's trimmed_through is the larger of the two.
std::string stream_trim_key(std::uint32_t stream_id);

// arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>
std::string stream_arn(std::string_view region, std::string_view account_id, const stream_info& stream);
// The (table name, label) a stream ARN names, or nullopt if it is not a stream ARN.
std::optional<std::pair<std::string, std::string>> parse_stream_arn(std::string_view arn);
// The one shard's id: "shardId-" + 20-digit creation time + "-" + 8 hex digits of the stream id.
std::string shard_id(const stream_info& stream);

// Sequence numbers on the wire: "1" followed by the counter in 20 digits, so that string order
// is numeric order and the form has AWS's minimum length of 21.
std::string format_sequence(std::uint64_t sequence);
// The counter of a sequence number in that form, or nullopt.
std::optional<std::uint64_t> parse_sequence(std::string_view text);

std::string stream_record_key(std::uint32_t stream_id, std::uint64_t sequence);
std::string stream_prefix(std::uint32_t stream_id);
std::string encode_stream_record(std::int64_t created_ms, const json& record);
// Decodes a record value; `created_ms` receives its creation time.
json decode_stream_record(std::string_view bytes, std::int64_t* created_ms = nullptr);
// The creation time of a record value without decoding the record.
std::int64_t stream_record_time(std::string_view bytes);

// Who made a change: a client, or DynamoDB's TTL process (whose deletions carry userIdentity).
enum class change_origin { client, time_to_live };

// The stream Record (GetRecords' shape) for replacing `old_item` by `new_item` (either may be
// null, not both) in a table with `stream`'s view type.
json make_stream_record(const stream_info& stream, const table_info& table, const json* old_item,
                        const json* new_item, std::uint64_t sequence, std::int64_t created_ms,
                        std::string event_id, change_origin origin);

// The record as a Lambda event source mapping hands it to a function: GetRecords' Record plus
// eventSourceARN, with userIdentity's members in the event's camelCase.
json lambda_event_record(const json& record, const std::string& event_source_arn);

// A shard iterator's content. On the wire: "<stream arn>|1|<base64 of id, position, issue time>"
// like AWS's (API_streams_GetRecords example), opaque to clients.
struct shard_position {
  std::uint32_t stream_id = 0;
  std::uint64_t after = 0;  // the next record returned has a sequence number above this
  std::int64_t issued_ms = 0;
};
std::string encode_shard_iterator(const std::string& arn, const shard_position& position);
std::optional<shard_position> decode_shard_iterator(std::string_view iterator);

}  // namespace fogbank::dynamodb
