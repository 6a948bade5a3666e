#pragma once
// UTF-8 validity of client bytes: PostToConnection picks text or binary frames by it, and the
// control plane refuses member strings that are not UTF-8 by name (they could not be stored).

#include <string_view>

namespace fogbank::apigw {

// Whether `bytes` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool valid_utf8(std::string_view bytes) noexcept;

}  // namespace fogbank::apigw
