#pragma once
// HTTP content codings (RFC 9110 §8.4): request bodies a client sent compressed
// (Content-Encoding: gzip or deflate, as the AWS SDKs' request compression and curl
// --compressed send them), and gzip responses for a client that asks with Accept-Encoding.
// zlib does the work.

#include <cstddef>
#include <string>
#include <string_view>

namespace fogbank::http {

enum class decode_status {
  ok,
  unsupported,  // a coding other than gzip, x-gzip, deflate, identity: 415
  malformed,    // not valid data of its coding: 400
  too_large,    // decodes to more than the limit: 413
};

// Undoes the codings of a Content-Encoding value on `body`, last applied first; on anything but
// ok, `body` is unspecified. Inflation stops as soon as the output passes `limit`, so a small
// body that inflates enormously (a "zip bomb") costs no more than `limit` bytes.
decode_status decode_body(std::string_view content_encoding, std::string& body, std::size_t limit);

// Whether an Accept-Encoding value accepts gzip: listed (or `*` is) with a q-value above 0.
bool accepts_gzip(std::string_view accept_encoding);

// `data` in gzip form.
std::string gzip(std::string_view data);

}  // namespace fogbank::http
