#include "ids.hpp"

#include "fogbank/core/ids.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace fogbank::apigw {
namespace {

TEST(apigw_ids, event_ids_have_aws_s_sixteen_character_form) {
  core::id_generator ids(1);
  std::set<std::string> seen;
  // 11 bytes in URL-safe base64: 15 characters, the last carrying 4 bits (so one of every fourth
  // letter of the alphabet), then '=' ("Kf2bqd9WywMCEng=" captured from AWS).
  const std::regex shape("[A-Za-z0-9_-]{14}[AEIMQUYcgkosw048]=");
  for (int i = 0; i < 1000; ++i) {
    const std::string id = new_event_id(ids);
    EXPECT_TRUE(std::regex_match(id, shape)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(apigw_ids, same_seed_same_ids) {
  core::id_generator a(9);
  core::id_generator b(9);
  EXPECT_EQ(new_event_id(a), new_event_id(b));
  EXPECT_EQ(new_api_id(a), new_api_id(b));
  EXPECT_EQ(new_resource_id(a), new_resource_id(b));
  EXPECT_TRUE(std::regex_match(new_api_id(a), std::regex("[a-z0-9]{10}")));
  EXPECT_TRUE(std::regex_match(new_resource_id(a), std::regex("[a-z0-9]{7}")));
}

}  // namespace
}  // namespace fogbank::apigw
