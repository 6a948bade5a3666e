// parse_json_within (json_limits.hpp): request bodies parsed into nlohmann::json values without
// nlohmann's parser.
//
// Why: every JSON-protocol request (DynamoDB, SQS JSON, Lambda, API Gateway's control planes) is
// parsed once, and nlohmann's lexer appends a string one character at a time and reads a number
// character by character into a buffer: a seventh of a PutItem's instructions and a tenth of a
// GetItem's (bench/README.md, "Fifth pass"). This parser copies runs of plain characters at once
// and builds the same values.
//
// "The same": for any input, the value nlohmann::json::parse(text, nullptr, false) gives, with
// the same types (a number without a fraction or exponent is unsigned if it fits, signed if
// negative and it fits, else a double; a double that is not finite is an error), or no value
// where nlohmann gives a discarded one. nlohmann's quirks are kept: a UTF-8 byte order mark
// before the value is skipped, a NUL byte outside a string ends the input, and of duplicate keys
// the last wins. fuzz/json_parse_fuzz.cpp checks this against nlohmann on any bytes, and
// tests/unit/core/json_parse_test.cpp on the cases above.

#include "fogbank/core/json_limits.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

namespace fogbank::core {
namespace {

using json = nlohmann::json;

class fast_json_parser {
 public:
  fast_json_parser(std::string_view text, int max_depth)
      : at_(text.data()), end_(text.data() + text.size()), depth_left_(max_depth) {}

  bool document(json& out) {
    // nlohmann skips a byte order mark at the very start; a partial one is an error.
    if (at_ != end_ && static_cast<unsigned char>(*at_) == 0xEF) {
      if (end_ - at_ < 3 || static_cast<unsigned char>(at_[1]) != 0xBB ||
          static_cast<unsigned char>(at_[2]) != 0xBF)
        return false;
      at_ += 3;
    }
    skip_whitespace();
    if (!value(out)) return false;
    skip_whitespace();
    return at_end();
  }

 private:
  // nlohmann reads a NUL byte outside a string as the end of the input.
  bool at_end() const { return at_ == end_ || *at_ == '\0'; }

  void skip_whitespace() {
    while (at_ != end_ && (*at_ == ' ' || *at_ == '\t' || *at_ == '\n' || *at_ == '\r')) ++at_;
  }

  bool literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - at_) < word.size() || std::memcmp(at_, word.data(), word.size()) != 0)
      return false;
    at_ += word.size();
    return true;
  }

  bool value(json& out) {
    if (at_end()) return false;
    switch (*at_) {
      case '{':
        return object(out);
      case '[':
        return array(out);
      case '"': {
        std::string text;
        if (!string(text)) return false;
        out = std::move(text);
        return true;
      }
      case 't':
        out = true;
        return literal("true");
      case 'f':
        out = false;
        return literal("false");
      case 'n':
        out = nullptr;
        return literal("null");
      default:
        return number(out);
    }
  }

  // An object or an array from its opening bracket to `closer`: `element` reads one member or
  // element, whitespace before it skipped.
  template <typename Element>
  bool container(char closer, Element element) {
    if (--depth_left_ < 0) return false;
    ++at_;  // '{' or '['
    skip_whitespace();
    if (at_ != end_ && *at_ == closer) {
      ++at_;
      ++depth_left_;
      return true;
    }
    for (;;) {
      if (!element()) return false;
      skip_whitespace();
      if (at_ == end_) return false;
      if (*at_ == closer) {
        ++at_;
        ++depth_left_;
        return true;
      }
      if (*at_ != ',') return false;
      ++at_;
      skip_whitespace();
    }
  }

  bool object(json& out) {
    out = json::object();
    auto& members = out.get_ref<json::object_t&>();
    return container('}', [&] {
      if (at_ == end_ || *at_ != '"') return false;
      std::string key;
      if (!string(key)) return false;
      skip_whitespace();
      if (at_ == end_ || *at_ != ':') return false;
      ++at_;
      skip_whitespace();
      json member;
      if (!value(member)) return false;
      members.insert_or_assign(std::move(key), std::move(member));  // the last of equal keys wins
      return true;
    });
  }

  bool array(json& out) {
    out = json::array();
    auto& elements = out.get_ref<json::array_t&>();
    return container(']', [&] { return value(elements.emplace_back()); });
  }

  static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // Four hex digits after "\u"; -1 if they are not.
  int hex4() {
    if (end_ - at_ < 4) return -1;
    int code = 0;
    for (int i = 0; i < 4; ++i) {
      const int digit = hex_digit(at_[i]);
      if (digit < 0) return -1;
      code = code << 4 | digit;
    }
    at_ += 4;
    return code;
  }

  static void append_utf8(std::string& out, std::uint32_t code) {
    if (code < 0x80) {
      out += static_cast<char>(code);
    } else if (code < 0x800) {
      out += static_cast<char>(0xC0 | code >> 6);
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      out += static_cast<char>(0xE0 | code >> 12);
      out += static_cast<char>(0x80 | (code >> 6 & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | code >> 18);
      out += static_cast<char>(0x80 | (code >> 12 & 0x3F));
      out += static_cast<char>(0x80 | (code >> 6 & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    }
  }

  // One UTF-8 sequence of two to four bytes starting at at_ (its first byte >= 0x80), checked as
  // RFC 3629 (and nlohmann) have it: no overlong forms, no surrogates, nothing above U+10FFFF.
  bool utf8_sequence() {
    const auto byte = [this](std::ptrdiff_t i) { return static_cast<unsigned char>(at_[i]); };
    const auto in = [](unsigned char b, unsigned char low, unsigned char high) {
      return b >= low && b <= high;
    };
    const std::ptrdiff_t left = end_ - at_;
    const unsigned char lead = byte(0);
    int length = 0;
    unsigned char second_low = 0x80;
    unsigned char second_high = 0xBF;
    if (in(lead, 0xC2, 0xDF)) {
      length = 2;
    } else if (lead == 0xE0) {
      length = 3, second_low = 0xA0;
    } else if (in(lead, 0xE1, 0xEC) || in(lead, 0xEE, 0xEF)) {
      length = 3;
    } else if (lead == 0xED) {
      length = 3, second_high = 0x9F;
    } else if (lead == 0xF0) {
      length = 4, second_low = 0x90;
    } else if (in(lead, 0xF1, 0xF3)) {
      length = 4;
    } else if (lead == 0xF4) {
      length = 4, second_high = 0x8F;
    } else {
      return false;
    }
    if (left < length || !in(byte(1), second_low, second_high)) return false;
    for (int i = 2; i < length; ++i) {
      if (!in(byte(i), 0x80, 0xBF)) return false;
    }
    at_ += length;
    return true;
  }

  // A string from its opening quote: runs of plain characters are copied at once.
  bool string(std::string& out) {
    ++at_;  // '"'
    for (;;) {
      const char* run = at_;
      while (at_ != end_) {
        const auto c = static_cast<unsigned char>(*at_);
        if (c == '"' || c == '\\' || c < 0x20) break;
        if (c >= 0x80) {
          if (!utf8_sequence()) return false;
          continue;
        }
        ++at_;
      }
      out.append(run, at_);
      if (at_ == end_) return false;
      const char c = *at_++;
      if (c == '"') return true;
      if (c != '\\') return false;  // a control character
      if (at_ == end_) return false;
      switch (*at_++) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const int first = hex4();
          if (first < 0) return false;
          std::uint32_t code = static_cast<std::uint32_t>(first);
          if (code >= 0xD800 && code <= 0xDBFF) {
            // A high surrogate must be followed by an escaped low one.
            if (end_ - at_ < 2 || at_[0] != '\\' || at_[1] != 'u') return false;
            at_ += 2;
            const int second = hex4();
            if (second < 0xDC00 || second > 0xDFFF) return false;
            code = 0x10000 + ((code - 0xD800) << 10) + (static_cast<std::uint32_t>(second) - 0xDC00);
          } else if (code >= 0xDC00 && code <= 0xDFFF) {
            return false;
          }
          append_utf8(out, code);
          break;
        }
        default:
          return false;
      }
    }
  }

  static bool digit(char c) { return c >= '0' && c <= '9'; }

  // JSON's number grammar, then nlohmann's types: unsigned or signed if it has neither fraction
  // nor exponent and fits, a finite double otherwise.
  bool number(json& out) {
    const char* start = at_;
    const bool negative = *at_ == '-';
    if (negative) ++at_;
    if (at_ == end_ || !digit(*at_)) return false;
    if (*at_ == '0') {
      ++at_;
    } else {
      while (at_ != end_ && digit(*at_)) ++at_;
    }
    bool integral = true;
    if (at_ != end_ && *at_ == '.') {
      integral = false;
      ++at_;
      if (at_ == end_ || !digit(*at_)) return false;
      while (at_ != end_ && digit(*at_)) ++at_;
    }
    if (at_ != end_ && (*at_ == 'e' || *at_ == 'E')) {
      integral = false;
      ++at_;
      if (at_ != end_ && (*at_ == '+' || *at_ == '-')) ++at_;
      if (at_ == end_ || !digit(*at_)) return false;
      while (at_ != end_ && digit(*at_)) ++at_;
    }
    if (integral) {
      if (negative) {
        std::int64_t value = 0;
        if (std::from_chars(start, at_, value).ec == std::errc()) {
          out = value;
          return true;
        }
      } else {
        std::uint64_t value = 0;
        if (std::from_chars(start, at_, value).ec == std::errc()) {
          out = value;
          return true;
        }
      }
      // Too large for 64 bits: a double, as nlohmann makes it.
    }
    // strtod, as nlohmann uses it (the same rounding, and underflow to zero or a subnormal).
    const std::string token(start, at_);
    const double value = std::strtod(token.c_str(), nullptr);
    if (!std::isfinite(value)) return false;
    out = value;
    return true;
  }

  const char* at_;
  const char* const end_;
  int depth_left_;
};

}  // namespace

std::optional<nlohmann::json> parse_json_checked(std::string_view text, int max_depth) {
  // The parser keeps to the depth itself as well: nothing here recurses deeper than max_depth.
  json value;
  fast_json_parser parser(text, max_depth);
  if (!parser.document(value)) return std::nullopt;
  return value;
}

std::optional<nlohmann::json> parse_json_within(std::string_view text, int max_depth) {
  // The scan first keeps the answer what it was with nlohmann's parser for texts that end early
  // (a NUL byte) and nest too deep after the end.
  if (!nesting_within(text, max_depth)) return std::nullopt;
  return parse_json_checked(text, max_depth);
}

}  // namespace fogbank::core
