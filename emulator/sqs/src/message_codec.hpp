#pragma once
// The stored forms of a message and of a FIFO deduplication record (values in the `queues`
// column family, see service.cpp): MessagePack maps with one-letter keys. The encoders write
// the bytes directly, exactly those that json::to_msgpack writes for the same map (keys in
// byte order, the shortest form of every integer and string length), so that data written
// before and after they replaced it is one format. Pure functions; thread-safe.

#include "service_impl.hpp"

#include <string>
#include <string_view>

namespace fogbank::sqs {

// {"a": attributes, "b": body, "c": receive_count, "d": dedup_id, "f": first_receive_ms,
//  "g": group_id, "h": receipt_handle, "i": id, "l": dead_letter_source_arn,
//  "n": sequence_number, "r": last_receive_ms, "s": seq, "t": sent_ms, "u": sender_id,
//  "v": visible_at_ms, "y": system_attributes}
std::string encode_stored_message(const message& m);
// Reads what encode_stored_message wrote; throws (nlohmann's exceptions) on anything else.
// md5_body is computed from the body; the index fields are left at their defaults.
message decode_stored_message(std::string_view bytes);

// {"g": group_id, "i": message_id, "n": sequence_number, "x": expires_ms}
std::string encode_dedup_record(const dedup_record& r);
dedup_record decode_dedup_record(std::string_view bytes);

}  // namespace fogbank::sqs
