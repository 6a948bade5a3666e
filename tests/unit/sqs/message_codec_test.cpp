// The stored forms of messages and deduplication records (emulator/sqs/src/message_codec.cpp):
// byte for byte what json::to_msgpack wrote for the same maps before the encoders wrote
// MessagePack directly, so that data in either form reads back alike.

#include "message_codec.hpp"
#include "message_format.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace fogbank::sqs {
namespace {

// The encoders as they were (service.cpp at 96bd64a): a json map, then to_msgpack.
std::string reference_message_bytes(const message& m) {
  const json j{{"s", m.seq},
               {"i", m.id},
               {"b", m.body},
               {"a", m.attributes},
               {"y", m.system_attributes},
               {"g", m.group_id},
               {"d", m.dedup_id},
               {"n", m.sequence_number},
               {"u", m.sender_id},
               {"l", m.dead_letter_source_arn},
               {"t", m.sent_ms},
               {"v", m.visible_at_ms},
               {"f", m.first_receive_ms},
               {"r", m.last_receive_ms},
               {"c", m.receive_count},
               {"h", m.receipt_handle}};
  std::string out;
  json::to_msgpack(j, out);
  return out;
}

std::string reference_dedup_bytes(const dedup_record& r) {
  std::string out;
  json::to_msgpack(
      json{{"i", r.message_id}, {"n", r.sequence_number}, {"g", r.group_id}, {"x", r.expires_ms}}, out);
  return out;
}

message sample_message() {
  message m;
  m.seq = 7;
  m.id = "0f8fad5b-d9cb-469f-a165-70867728950e";
  m.body = std::string(64, 'm');
  m.md5_body = "ignored: not stored";
  m.sender_id = "000000000000";
  m.sent_ms = 1'700'000'000'000;
  m.visible_at_ms = 1'700'000'030'000;
  return m;
}

void expect_same_bytes(const message& m) {
  const std::string bytes = encode_stored_message(m);
  ASSERT_EQ(bytes, reference_message_bytes(m));
  const message back = decode_stored_message(bytes);
  EXPECT_EQ(back.seq, m.seq);
  EXPECT_EQ(back.id, m.id);
  EXPECT_EQ(back.body, m.body);
  EXPECT_EQ(back.attributes, m.attributes);
  EXPECT_EQ(back.system_attributes, m.system_attributes);
  EXPECT_EQ(back.group_id, m.group_id);
  EXPECT_EQ(back.dedup_id, m.dedup_id);
  EXPECT_EQ(back.sequence_number, m.sequence_number);
  EXPECT_EQ(back.sender_id, m.sender_id);
  EXPECT_EQ(back.dead_letter_source_arn, m.dead_letter_source_arn);
  EXPECT_EQ(back.sent_ms, m.sent_ms);
  EXPECT_EQ(back.visible_at_ms, m.visible_at_ms);
  EXPECT_EQ(back.first_receive_ms, m.first_receive_ms);
  EXPECT_EQ(back.last_receive_ms, m.last_receive_ms);
  EXPECT_EQ(back.receive_count, m.receive_count);
  EXPECT_EQ(back.receipt_handle, m.receipt_handle);
  EXPECT_EQ(back.md5_body, md5_hex(m.body));
}

TEST(sqs_message_codec, a_fresh_message) {
  expect_same_bytes(sample_message());
  expect_same_bytes(message{});
}

TEST(sqs_message_codec, every_member_set) {
  message m = sample_message();
  m.attributes = json{{"colour", {{"DataType", "String"}, {"StringValue", "blue"}}},
                      {"blob", {{"DataType", "Binary"}, {"BinaryValue", "AQI="}}},
                      {"n", {{"DataType", "Number.int"}, {"StringValue", "-12.5e3"}}}};
  m.system_attributes = json{{"AWSTraceHeader", {{"DataType", "String"}, {"StringValue", "Root=1-abc"}}}};
  m.group_id = "group-1";
  m.dedup_id = std::string(128, 'd');
  m.sequence_number = "10000000000000000042";
  m.dead_letter_source_arn = "arn:aws:sqs:us-east-1:000000000000:source";
  m.first_receive_ms = 1'700'000'001'000;
  m.last_receive_ms = 1'700'000'002'000;
  m.receive_count = 3;
  m.receipt_handle = std::string(300, 'h');
  expect_same_bytes(m);
}

// Each string and integer on both sides of every boundary between MessagePack forms.
TEST(sqs_message_codec, lengths_and_integers_at_every_form_boundary) {
  for (std::size_t length : {0, 1, 31, 32, 255, 256, 65'535, 65'536, 1'048'576}) {
    message m = sample_message();
    m.body = std::string(length, 'b');
    m.receipt_handle = std::string(length, 'h');
    expect_same_bytes(m);
  }
  const std::vector<std::int64_t> integers{0,
                                           1,
                                           127,
                                           128,
                                           255,
                                           256,
                                           65'535,
                                           65'536,
                                           4'294'967'295,
                                           4'294'967'296,
                                           std::numeric_limits<std::int64_t>::max(),
                                           -1,
                                           -32,
                                           -33,
                                           -128,
                                           -129,
                                           -32'768,
                                           -32'769,
                                           -2'147'483'648,
                                           -2'147'483'649,
                                           std::numeric_limits<std::int64_t>::min()};
  for (std::int64_t value : integers) {
    message m = sample_message();
    m.sent_ms = value;
    m.visible_at_ms = value;
    m.first_receive_ms = value;
    m.last_receive_ms = value;
    m.receive_count = value;
    if (value >= 0) m.seq = static_cast<std::uint64_t>(value);
    expect_same_bytes(m);
  }
  message m = sample_message();
  m.seq = std::numeric_limits<std::uint64_t>::max();
  expect_same_bytes(m);
}

// Attribute maps of other shapes than the service keeps (a message stored by an older fogbank
// could hold anything json::to_msgpack wrote): they are written as nlohmann writes them.
TEST(sqs_message_codec, attribute_maps_of_any_shape) {
  for (const json& attributes : {json(), json::array(), json{{"k", {1, 2.5, true, nullptr}}},
                                 json{{"a", "x"},
                                      {"b", "y"},
                                      {"c", "z"},
                                      {"d", 1},
                                      {"e", 2},
                                      {"f", 3},
                                      {"g", 4},
                                      {"h", 5},
                                      {"i", 6},
                                      {"j", 7},
                                      {"k", 8},
                                      {"l", 9},
                                      {"m", 10},
                                      {"n", 11},
                                      {"o", 12},
                                      {"p", 13}}}) {
    message m = sample_message();
    m.attributes = attributes;
    m.system_attributes = attributes;
    expect_same_bytes(m);
  }
}

TEST(sqs_message_codec, random_messages) {
  std::mt19937_64 random(42);
  const auto text = [&](std::size_t max) {
    std::string out(random() % (max + 1), '\0');
    for (char& c : out) c = static_cast<char>(random());
    return out;
  };
  const auto integer = [&] {
    // Small and large magnitudes alike.
    return static_cast<std::int64_t>(random()) >> (random() % 64);
  };
  for (int i = 0; i < 500; ++i) {
    message m;
    m.seq = random() >> (random() % 64);
    m.id = text(40);
    m.body = text(70'000);
    m.group_id = text(300);
    m.dedup_id = text(130);
    m.sequence_number = text(20);
    m.sender_id = text(12);
    m.dead_letter_source_arn = text(80);
    m.receipt_handle = text(400);
    m.sent_ms = integer();
    m.visible_at_ms = integer();
    m.first_receive_ms = integer();
    m.last_receive_ms = integer();
    m.receive_count = integer();
    expect_same_bytes(m);
  }
}

TEST(sqs_message_codec, dedup_records) {
  for (const dedup_record& r : {dedup_record{},
                                dedup_record{"0f8fad5b-d9cb-469f-a165-70867728950e", "10000000000000000001",
                                             "group", 1'700'000'300'000},
                                dedup_record{"", "", std::string(300, 'g'), -5}}) {
    const std::string bytes = encode_dedup_record(r);
    ASSERT_EQ(bytes, reference_dedup_bytes(r));
    const dedup_record back = decode_dedup_record(bytes);
    EXPECT_EQ(back.message_id, r.message_id);
    EXPECT_EQ(back.sequence_number, r.sequence_number);
    EXPECT_EQ(back.group_id, r.group_id);
    EXPECT_EQ(back.expires_ms, r.expires_ms);
  }
}

}  // namespace
}  // namespace fogbank::sqs
