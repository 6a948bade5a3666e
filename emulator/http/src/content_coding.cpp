#include "content_coding.hpp"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <limits>
#include <optional>
#include <vector>

namespace fogbank::http {
namespace {

// A Content-Encoding value lists at most a few codings; more is not a real client.
constexpr std::size_t max_codings = 4;
// zlib's window bits: 15 (32 KB), plus 16 for a gzip wrapper or 32 to detect gzip or zlib.
constexpr int gzip_window = 15 + 16;
constexpr int auto_window = 15 + 32;
constexpr int raw_window = -15;
constexpr std::size_t chunk = 64 * 1024;

std::string lower_trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> split_list(std::string_view value) {
  std::vector<std::string> out;
  while (!value.empty()) {
    const auto comma = value.find(',');
    std::string item = lower_trimmed(value.substr(0, comma));
    if (!item.empty()) out.push_back(std::move(item));
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return out;
}

// Inflates `in` with zlib's `window` into `out`; false if it is not valid data or does not end.
decode_status inflate_with(int window, const std::string& in, std::string& out, std::size_t limit) {
  z_stream zs{};
  if (inflateInit2(&zs, window) != Z_OK) return decode_status::malformed;
  out.clear();
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  std::size_t offered = 0;  // of `in`, fed in slices: avail_in is a uInt
  char buffer[chunk];
  int result = Z_OK;
  do {
    if (zs.avail_in == 0 && offered < in.size()) {
      const std::size_t slice = std::min<std::size_t>(in.size() - offered, std::numeric_limits<uInt>::max());
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + offered));
      zs.avail_in = static_cast<uInt>(slice);
      offered += slice;
    }
    zs.next_out = reinterpret_cast<Bytef*>(buffer);
    zs.avail_out = sizeof buffer;
    result = inflate(&zs, Z_NO_FLUSH);
    if (result != Z_OK && result != Z_STREAM_END) break;
    out.append(buffer, sizeof buffer - zs.avail_out);
    if (out.size() > limit) {
      inflateEnd(&zs);
      return decode_status::too_large;
    }
    // No progress possible: input used up without the stream's end.
    if (result == Z_OK && zs.avail_in == 0 && offered == in.size() && zs.avail_out != 0) break;
  } while (result != Z_STREAM_END);
  // Trailing bytes after the stream's end are not part of a valid body either.
  const bool complete = result == Z_STREAM_END && zs.avail_in == 0 && offered == in.size();
  inflateEnd(&zs);
  return complete ? decode_status::ok : decode_status::malformed;
}

}  // namespace

decode_status decode_body(std::string_view content_encoding, std::string& body, std::size_t limit) {
  const std::vector<std::string> codings = split_list(content_encoding);
  if (codings.size() > max_codings) return decode_status::unsupported;
  for (const auto& coding : codings) {
    if (coding != "gzip" && coding != "x-gzip" && coding != "deflate" && coding != "identity")
      return decode_status::unsupported;
  }
  std::string out;
  for (auto it = codings.rbegin(); it != codings.rend(); ++it) {
    if (*it == "identity") continue;
    decode_status status = decode_status::ok;
    if (*it == "deflate") {
      // RFC 9110's deflate is zlib-wrapped; some clients send the raw stream: both are taken.
      status = inflate_with(auto_window, body, out, limit);
      if (status == decode_status::malformed) status = inflate_with(raw_window, body, out, limit);
    } else {
      status = inflate_with(gzip_window, body, out, limit);
    }
    if (status != decode_status::ok) return status;
    body.swap(out);
  }
  return decode_status::ok;
}

bool accepts_gzip(std::string_view accept_encoding) {
  std::optional<bool> gzip_listed;
  bool star = false;
  for (const auto& item : split_list(accept_encoding)) {
    const auto semicolon = item.find(';');
    const std::string coding = lower_trimmed(std::string_view(item).substr(0, semicolon));
    bool accepted = true;
    if (semicolon != std::string::npos) {
      const std::string parameter = lower_trimmed(std::string_view(item).substr(semicolon + 1));
      if (parameter.rfind("q=", 0) == 0) accepted = std::strtod(parameter.c_str() + 2, nullptr) > 0.0;
    }
    if (coding == "gzip" || coding == "x-gzip") gzip_listed = accepted;
    if (coding == "*") star = accepted;
  }
  return gzip_listed.value_or(star);
}

std::string gzip(std::string_view data) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, gzip_window, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return {};
  }
  std::string out;
  char buffer[chunk];
  std::size_t offered = 0;
  int result = Z_OK;
  do {
    if (zs.avail_in == 0 && offered < data.size()) {
      const std::size_t slice =
          std::min<std::size_t>(data.size() - offered, std::numeric_limits<uInt>::max());
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + offered));
      zs.avail_in = static_cast<uInt>(slice);
      offered += slice;
    }
    zs.next_out = reinterpret_cast<Bytef*>(buffer);
    zs.avail_out = sizeof buffer;
    result = deflate(&zs, offered == data.size() ? Z_FINISH : Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - zs.avail_out);
  } while (result != Z_STREAM_END && result != Z_STREAM_ERROR);
  deflateEnd(&zs);
  return out;
}

}  // namespace fogbank::http
