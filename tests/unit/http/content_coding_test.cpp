// Content codings: gzip and deflate (zlib-wrapped and raw) request bodies, unknown codings,
// corrupt data, bodies that inflate past the limit, Accept-Encoding's q-values (RFC 9110 §12.5.3).
#include "content_coding.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

namespace fogbank::http {
namespace {

// `data` deflated with zlib's `window` (15: zlib wrapper, -15: raw).
std::string deflated(const std::string& data, int window) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, window, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

const std::string payload = R"({"TableName":"t","Item":{"pk":{"S":")" + std::string(5000, 'x') + R"("}}})";

TEST(ContentCoding, GzipRoundTrips) {
  std::string body = gzip(payload);
  EXPECT_LT(body.size(), payload.size());
  EXPECT_EQ(decode_body("gzip", body, 1 << 20), decode_status::ok);
  EXPECT_EQ(body, payload);
  body = gzip(payload);
  EXPECT_EQ(decode_body(" X-Gzip ", body, 1 << 20), decode_status::ok);
  EXPECT_EQ(body, payload);
}

TEST(ContentCoding, DeflateZlibWrappedOrRaw) {
  for (int window : {15, -15}) {
    std::string body = deflated(payload, window);
    EXPECT_EQ(decode_body("deflate", body, 1 << 20), decode_status::ok) << window;
    EXPECT_EQ(body, payload) << window;
  }
}

TEST(ContentCoding, CodingsAreUndoneLastFirst) {
  std::string body = gzip(deflated(payload, 15));
  EXPECT_EQ(decode_body("deflate, identity, gzip", body, 1 << 20), decode_status::ok);
  EXPECT_EQ(body, payload);
}

TEST(ContentCoding, RefusesWhatItCannotDecode) {
  std::string body = payload;
  EXPECT_EQ(decode_body("br", body, 1 << 20), decode_status::unsupported);
  body = payload;
  EXPECT_EQ(decode_body("gzip", body, 1 << 20), decode_status::malformed);
  body = gzip(payload);
  body.resize(body.size() / 2);  // cut short
  EXPECT_EQ(decode_body("gzip", body, 1 << 20), decode_status::malformed);
  body = gzip(payload) + "trailing";
  EXPECT_EQ(decode_body("gzip", body, 1 << 20), decode_status::malformed);
  body.clear();
  EXPECT_EQ(decode_body("gzip", body, 1 << 20), decode_status::malformed);
}

TEST(ContentCoding, StopsInflatingPastTheLimit) {
  // 64 MB of zeros gzip to about 64 KB; inflation stops just past the 1 MB limit.
  std::string body = gzip(std::string(64u << 20, '\0'));
  EXPECT_LT(body.size(), 200u * 1024);
  EXPECT_EQ(decode_body("gzip", body, 1 << 20), decode_status::too_large);
}

TEST(ContentCoding, AcceptEncodingQValues) {
  EXPECT_TRUE(accepts_gzip("gzip"));
  EXPECT_TRUE(accepts_gzip("deflate, GZIP;q=0.5"));
  EXPECT_TRUE(accepts_gzip("*"));
  EXPECT_FALSE(accepts_gzip(""));
  EXPECT_FALSE(accepts_gzip("identity"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("*, gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("*;q=0"));
}

}  // namespace
}  // namespace fogbank::http
