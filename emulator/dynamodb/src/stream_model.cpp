#include "stream_model.hpp"

#include "attribute_value.hpp"
#include "fogbank/core/aws_error.hpp"
#include "fogbank/storage/key_encoding.hpp"
#include "item_codec.hpp"
#include "item_keys.hpp"

#include <cstdio>

namespace fogbank::dynamodb {

json to_storage_json(const stream_info& stream) {
  json keys{{"hash", stream.keys.hash}};
  if (stream.keys.range) keys["range"] = *stream.keys.range;
  return {{"id", stream.id},
          {"table_name", stream.table_name},
          {"label", stream.label},
          {"view_type", stream.view_type},
          {"keys", keys},
          {"region", stream.region},
          {"account_id", stream.account_id},
          {"created_ms", stream.created_ms},
          {"first_sequence", stream.first_sequence},
          {"enabled", stream.enabled},
          {"disabled_ms", stream.disabled_ms},
          {"last_sequence", stream.last_sequence},
          {"trimmed_through", stream.trimmed_through}};
}

stream_info stream_from_storage_json(const json& stored) {
  stream_info stream;
  stream.id = stored.at("id").get<std::uint32_t>();
  stream.table_name = stored.at("table_name").get<std::string>();
  stream.label = stored.at("label").get<std::string>();
  stream.view_type = stored.at("view_type").get<std::string>();
  stream.keys.hash = stored.at("keys").at("hash").get<std::string>();
  if (stored["keys"].contains("range")) stream.keys.range = stored["keys"]["range"].get<std::string>();
  stream.region = stored.at("region").get<std::string>();
  stream.account_id = stored.at("account_id").get<std::string>();
  stream.created_ms = stored.at("created_ms").get<std::int64_t>();
  stream.first_sequence = stored.at("first_sequence").get<std::uint64_t>();
  stream.enabled = stored.at("enabled").get<bool>();
  stream.disabled_ms = stored.at("disabled_ms").get<std::int64_t>();
  stream.last_sequence = stored.at("last_sequence").get<std::uint64_t>();
  stream.trimmed_through = stored.at("trimmed_through").get<std::uint64_t>();
  return stream;
}

std::string stream_meta_key(std::uint32_t stream_id) {
  char text[32];
  std::snprintf(text, sizeof text, "stream/%08x", stream_id);
  return text;
}

std::string stream_trim_key(std::uint32_t stream_id) {
  char text[32];
  std::snprintf(text, sizeof text, "stream-trim/%08x", stream_id);
  return text;
}

std::string stream_arn(std::string_view region, std::string_view account_id, const stream_info& stream) {
  return "arn:aws:dynamodb:" + std::string(region) + ":" + std::string(account_id) + ":table/" +
         stream.table_name + "/stream/" + stream.label;
}

std::optional<std::pair<std::string, std::string>> parse_stream_arn(std::string_view arn) {
  constexpr std::string_view table_marker = ":table/";
  constexpr std::string_view stream_marker = "/stream/";
  if (arn.substr(0, 16) != "arn:aws:dynamodb") return std::nullopt;
  const auto table_at = arn.find(table_marker);
  if (table_at == std::string_view::npos) return std::nullopt;
  const auto rest = arn.substr(table_at + table_marker.size());
  const auto stream_at = rest.find(stream_marker);
  if (stream_at == std::string_view::npos || stream_at == 0) return std::nullopt;
  std::string label(rest.substr(stream_at + stream_marker.size()));
  if (label.empty()) return std::nullopt;
  return std::make_pair(std::string(rest.substr(0, stream_at)), std::move(label));
}

std::string shard_id(const stream_info& stream) {
  char text[64];
  std::snprintf(text, sizeof text, "shardId-%020lld-%08x", static_cast<long long>(stream.created_ms),
                stream.id);
  return text;
}

std::string format_sequence(std::uint64_t sequence) {
  char text[32];
  std::snprintf(text, sizeof text, "1%020llu", static_cast<unsigned long long>(sequence));
  return text;
}

std::optional<std::uint64_t> parse_sequence(std::string_view text) {
  if (text.size() != 21 || text.front() != '1') return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text.substr(1)) {
    if (c < '0' || c > '9') return std::nullopt;
    const std::uint64_t digit = static_cast<std::uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

std::string stream_prefix(std::uint32_t stream_id) {
  std::string key;
  storage::key::append_u32(key, stream_id);
  return key;
}

std::string stream_record_key(std::uint32_t stream_id, std::uint64_t sequence) {
  std::string key = stream_prefix(stream_id);
  storage::key::append_u64(key, sequence);
  return key;
}

std::string encode_stream_record(std::int64_t created_ms, const json& record) {
  std::string out;
  storage::key::append_u64(out, static_cast<std::uint64_t>(created_ms));
  append_msgpack(out, record);
  return out;
}

std::int64_t stream_record_time(std::string_view bytes) {
  std::uint64_t created = 0;
  if (!storage::key::read_u64(bytes, created)) return 0;
  return static_cast<std::int64_t>(created);
}

json decode_stream_record(std::string_view bytes, std::int64_t* created_ms) {
  std::uint64_t created = 0;
  if (!storage::key::read_u64(bytes, created)) return json::object();
  if (created_ms) *created_ms = static_cast<std::int64_t>(created);
  try {
    return decode_msgpack(bytes);
  } catch (const msgpack_error&) {
    // As decode_item: a stored record fogbank cannot read is its own failure. (from_msgpack's
    // json::exception used to reach the error funnel as the client's SerializationException.)
    throw core::aws_error(core::error_code::internal_failure,
                          "Internal server error: unreadable stored stream record");
  }
}

json make_stream_record(const stream_info& stream, const table_info& table, const json* old_item,
                        const json* new_item, std::uint64_t sequence, std::int64_t created_ms,
                        std::string event_id, change_origin origin) {
  const json& any = new_item ? *new_item : *old_item;
  json body = json::object();
  // Whole seconds, as Lambda's DynamoDB events and GetRecords show it.
  body["ApproximateCreationDateTime"] = created_ms / 1000;
  body["Keys"] = key_of(table, any);
  const bool new_image = stream.view_type == "NEW_IMAGE" || stream.view_type == "NEW_AND_OLD_IMAGES";
  const bool old_image = stream.view_type == "OLD_IMAGE" || stream.view_type == "NEW_AND_OLD_IMAGES";
  if (new_image && new_item) body["NewImage"] = *new_item;
  if (old_image && old_item) body["OldImage"] = *old_item;
  body["SequenceNumber"] = format_sequence(sequence);
  // The size of the keys and images the record carries: AWS's GetRecords example reports 41
  // bytes for a KEYS_ONLY record whose keys are {"ForumName": "DynamoDB", "Subject": "DynamoDB
  // Thread 3"}, which is exactly their item size.
  std::size_t size = item_size(body["Keys"]);
  if (body.contains("NewImage")) size += item_size(body["NewImage"]);
  if (body.contains("OldImage")) size += item_size(body["OldImage"]);
  body["SizeBytes"] = size;
  body["StreamViewType"] = stream.view_type;

  json record{
      {"eventID", std::move(event_id)}, {"eventName", !old_item ? "INSERT" : !new_item ? "REMOVE" : "MODIFY"},
      {"eventVersion", "1.1"},          {"eventSource", "aws:dynamodb"},
      {"awsRegion", stream.region},     {"dynamodb", std::move(body)}};
  if (origin == change_origin::time_to_live) {
    // The Streams API's Identity shape spells its members PrincipalId and Type.
    record["userIdentity"] = {{"PrincipalId", "dynamodb.amazonaws.com"}, {"Type", "Service"}};
  }
  return record;
}

json lambda_event_record(const json& record, const std::string& event_source_arn) {
  json event = record;
  event["eventSourceARN"] = event_source_arn;
  if (auto it = event.find("userIdentity"); it != event.end()) {
    // Lambda's DynamoDB event documents userIdentity as {"type": "Service", "principalId": ...}.
    *it = {{"type", it->value("Type", std::string())},
           {"principalId", it->value("PrincipalId", std::string())}};
  }
  return event;
}

std::string encode_shard_iterator(const std::string& arn, const shard_position& position) {
  std::string payload;
  storage::key::append_u32(payload, position.stream_id);
  storage::key::append_u64(payload, position.after);
  storage::key::append_u64(payload, static_cast<std::uint64_t>(position.issued_ms));
  return arn + "|1|" + base64_encode(payload);
}

std::optional<shard_position> decode_shard_iterator(std::string_view iterator) {
  const auto bar = iterator.rfind('|');
  if (bar == std::string_view::npos) return std::nullopt;
  auto payload = base64_decode(iterator.substr(bar + 1));
  if (!payload || payload->size() != 20) return std::nullopt;
  std::string_view in = *payload;
  shard_position position;
  std::uint64_t issued = 0;
  if (!storage::key::read_u32(in, position.stream_id) || !storage::key::read_u64(in, position.after) ||
      !storage::key::read_u64(in, issued)) {
    return std::nullopt;
  }
  position.issued_ms = static_cast<std::int64_t>(issued);
  return position;
}

}  // namespace fogbank::dynamodb
