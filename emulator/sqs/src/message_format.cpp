#include "message_format.hpp"

#include "request.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

namespace fogbank::sqs {
namespace {

// OpenSSL 3 looks a digest up in its provider tables (under a lock shared by every thread) each
// time EVP_md5() or EVP_sha256() is passed to EVP_Digest, and EVP_Digest allocates a context and
// the algorithm's state per call: together about 2.5x the MD5 of a 64-byte body, which every
// SendMessage computes. So each digest is fetched once, and each thread reuses one context.
enum class digest_kind { md5, sha256 };

const EVP_MD* digest_type(digest_kind kind) {
  // Fetched once, never freed: the EVP_MDs stay reachable until exit, after OpenSSL's own
  // cleanup may already have run. If a provider does not offer one, the legacy getter still
  // works (and fetches per call).
  static const EVP_MD* const md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  static const EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (kind == digest_kind::md5) return md5 != nullptr ? md5 : EVP_md5();
  return sha256 != nullptr ? sha256 : EVP_sha256();
}

struct md_ctx_free {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

std::string digest_hex(digest_kind kind, std::string_view bytes) {
  const EVP_MD* type = digest_type(kind);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  // One context per thread, re-initialized for each digest (which keeps the algorithm's state
  // allocated when the digest is the same as last time).
  thread_local const std::unique_ptr<EVP_MD_CTX, md_ctx_free> ctx(EVP_MD_CTX_new());
  const bool done = ctx != nullptr && EVP_DigestInit_ex2(ctx.get(), type, nullptr) == 1 &&
                    EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size()) == 1 &&
                    EVP_DigestFinal_ex(ctx.get(), digest.data(), &length) == 1;
  if (!done) EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, type, nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(static_cast<std::size_t>(length) * 2, '\0');
  for (unsigned int i = 0; i < length; ++i) {
    out[2 * i] = hex[digest[i] >> 4];
    out[2 * i + 1] = hex[digest[i] & 0xF];
  }
  return out;
}

// Decodes one UTF-8 code point from the front of `text`; nullopt on malformed input. Malformed
// includes what the Unicode standard calls ill-formed although the bit pattern decodes: overlong
// forms (C0 AF for '/'), encoded surrogates (ED A0 80) and values past U+10FFFF, so that no
// character reaches a queue in a disguise the checks below would not recognize.
std::optional<char32_t> next_code_point(std::string_view& text) {
  const auto lead = static_cast<unsigned char>(text.front());
  int extra = 0;
  char32_t cp = 0;
  char32_t smallest = 0;  // the least code point that needs this many bytes
  if (lead < 0x80) {
    cp = lead;
  } else if ((lead & 0xE0) == 0xC0) {
    cp = lead & 0x1F;
    extra = 1;
    smallest = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    cp = lead & 0x0F;
    extra = 2;
    smallest = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    cp = lead & 0x07;
    extra = 3;
    smallest = 0x10000;
  } else {
    return std::nullopt;
  }
  if (text.size() < static_cast<std::size_t>(extra) + 1) return std::nullopt;
  for (int i = 1; i <= extra; ++i) {
    const auto c = static_cast<unsigned char>(text[static_cast<std::size_t>(i)]);
    if ((c & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (c & 0x3F);
  }
  if (cp < smallest || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  text.remove_prefix(static_cast<std::size_t>(extra) + 1);
  return cp;
}

bool allowed(char32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
         (c >= 0x10000 && c <= 0x10FFFF);
}

void append_length_prefixed(std::string& out, std::string_view bytes) {
  const auto n = static_cast<std::uint32_t>(bytes.size());
  out.push_back(static_cast<char>((n >> 24) & 0xFF));
  out.push_back(static_cast<char>((n >> 16) & 0xFF));
  out.push_back(static_cast<char>((n >> 8) & 0xFF));
  out.push_back(static_cast<char>(n & 0xFF));
  out.append(bytes);
}

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  return std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
}

// SQS Number attributes: "up to 38 digits of precision, and it can be between 10^-128 and
// 10^+126" (developer guide, "Message attribute data types"). Read as DynamoDB reads its own
// range: zero, or a magnitude from 10^-128 to 10^126. The text is an optional sign, digits with
// at most one point, and an optional exponent. Looked at as text only: the exponent is
// accumulated with a ceiling, so "1e999999999999" costs no more than "1e9".
bool is_sqs_number(std::string_view text) {
  constexpr int max_digits = 38;
  constexpr std::int64_t max_exponent = 126;
  constexpr std::int64_t min_exponent = -128;
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  // The value is 0.d1d2...dn x 10^scale with d1 != 0 (n significant digits).
  bool any_digit = false;
  int significant = 0;
  int trailing_zeros = 0;  // zeros after the last non-zero digit, not yet known to be significant
  char first = '0';        // d1
  std::int64_t scale = 0;
  bool after_point = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.') {
      if (after_point) return false;
      after_point = true;
      continue;
    }
    if (c < '0' || c > '9') break;
    any_digit = true;
    if (c == '0' && significant == 0) {
      if (after_point) --scale;  // 0.00d: each leading zero after the point shifts the scale
      continue;
    }
    if (c == '0') {
      ++trailing_zeros;
    } else {
      if (significant == 0) first = c;
      significant += trailing_zeros + 1;
      trailing_zeros = 0;
      if (significant > max_digits) return false;
    }
    if (!after_point) ++scale;
  }
  if (!any_digit) return false;
  std::int64_t exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
    if (i == text.size()) return false;
    for (; i < text.size(); ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      // Past this ceiling the value is out of range whatever the digits: stop growing.
      exponent = std::min<std::int64_t>(exponent * 10 + (text[i] - '0'), 1'000'000);
    }
    if (negative) exponent = -exponent;
  }
  if (i != text.size()) return false;
  if (significant == 0) return true;  // zero, whatever its exponent
  // 10^(scale-1) <= |value| < 10^scale.
  const std::int64_t magnitude = scale + exponent;
  const bool exactly_upper_bound = significant == 1 && first == '1';  // 10^126 itself
  if (magnitude > max_exponent + 1 || (magnitude == max_exponent + 1 && !exactly_upper_bound)) return false;
  return magnitude - 1 >= min_exponent;
}

std::string member_text(const json& value, const char* name) {
  auto it = value.find(name);
  if (it == value.end() || it->is_null() || !it->is_string()) return {};
  return it->get<std::string>();
}

}  // namespace

std::string md5_hex(std::string_view bytes) {
  return digest_hex(digest_kind::md5, bytes);
}

std::string sha256_hex(std::string_view bytes) {
  return digest_hex(digest_kind::sha256, bytes);
}

bool has_only_allowed_characters(std::string_view text) {
  while (!text.empty()) {
    auto cp = next_code_point(text);
    if (!cp || !allowed(*cp)) return false;
  }
  return true;
}

void check_body_characters(std::string_view body) {
  if (!has_only_allowed_characters(body)) {
    // AWS's message for a body with a character outside the XML 1.0 set (SendMessage errors).
    fail(
        core::error_code::invalid_message_contents,
        "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to "
        "#xFFFD | #x10000 to #x10FFFF");
  }
}

std::size_t check_message_attributes(const json& attributes) {
  if (attributes.is_null()) return 0;
  if (!attributes.is_object()) {
    fail(core::error_code::invalid_parameter_value, "The message attributes must be a map.");
  }
  if (attributes.size() > max_message_attributes) {
    fail(core::error_code::invalid_parameter_value, "Number of message attributes [" +
                                                        std::to_string(attributes.size()) +
                                                        "] exceeds the allowed maximum [10].");
  }
  std::size_t size = 0;
  for (const auto& [name, value] : attributes.items()) {
    // Name rules from the developer guide: up to 256 characters of [A-Za-z0-9_.-], no leading or
    // trailing period, no consecutive periods, no "AWS." or "Amazon." prefix (any case).
    const bool name_chars = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    });
    if (name.size() > 256 || !name_chars) {
      fail(
          core::error_code::invalid_parameter_value,
          "Message (user) attribute names can only contain upper and lower case characters, digits, periods, "
          "hyphens and underscores and must be at most 256 characters long.");
    }
    if (name.front() == '.' || name.back() == '.' || name.find("..") != std::string::npos ||
        starts_with_ci(name, "AWS.") || starts_with_ci(name, "Amazon.")) {
      fail(core::error_code::invalid_parameter_value,
           "Message (user) attribute name '" + name +
               "' is invalid. You can't use message attribute names beginning with 'AWS.' or 'Amazon.', nor "
               "names that start or end with a period or contain consecutive periods.");
    }
    if (!value.is_object()) {
      fail(core::error_code::invalid_parameter_value,
           "The message attribute '" + name + "' must contain non-empty message attribute type.");
    }
    const std::string type = member_text(value, "DataType");
    if (type.empty()) {
      fail(core::error_code::invalid_parameter_value,
           "The message attribute '" + name + "' must contain non-empty message attribute type.");
    }
    const bool is_string = starts_with_ci(type, "String");
    const bool is_number = starts_with_ci(type, "Number");
    const bool is_binary = starts_with_ci(type, "Binary");
    const auto custom_ok = [&](std::size_t base) { return type.size() == base || type[base] == '.'; };
    if (!((is_string && custom_ok(6)) || (is_number && custom_ok(6)) || (is_binary && custom_ok(6))) ||
        type.size() > 256 || !has_only_allowed_characters(type)) {
      fail(core::error_code::invalid_parameter_value, "The type of message (user) attribute '" + name +
                                                          "' is invalid. You must use only the following "
                                                          "supported type prefixes: Binary, Number, String.");
    }
    if (value.contains("StringListValues") || value.contains("BinaryListValues")) {
      // AWS reserves the list members and rejects them.
      fail(core::error_code::unsupported_operation,
           "Message attribute list values in SendMessage operation are not supported.");
    }
    std::string payload;
    if (is_binary) {
      const std::string text = member_text(value, "BinaryValue");
      auto decoded = base64_decode(text);
      if (text.empty() || !decoded || decoded->empty()) {
        fail(core::error_code::invalid_parameter_value,
             "The message attribute '" + name +
                 "' must contain non-empty message attribute value for message "
                 "attribute type '" +
                 type + "'.");
      }
      payload = *decoded;
    } else {
      payload = member_text(value, "StringValue");
      if (payload.empty()) {
        fail(core::error_code::invalid_parameter_value,
             "The message attribute '" + name +
                 "' must contain non-empty message attribute value for message "
                 "attribute type '" +
                 type + "'.");
      }
      if (!has_only_allowed_characters(payload)) {
        fail(core::error_code::invalid_parameter_value,
             "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | "
             "#xE000 to "
             "#xFFFD | #x10000 to #x10FFFF");
      }
      if (is_number && !is_sqs_number(payload)) {
        fail(core::error_code::invalid_parameter_value,
             "Can't cast the value of message (user) attribute '" + name + "' to a number.");
      }
    }
    size += name.size() + type.size() + payload.size();
  }
  return size;
}

std::size_t minimum_attributes_size(const json& attributes) {
  if (!attributes.is_object() || attributes.size() > max_message_attributes) return 0;
  const auto text_size = [](const json& value, const char* member) -> std::size_t {
    auto it = value.find(member);
    return it != value.end() && it->is_string() ? it->get_ref<const std::string&>().size() : 0;
  };
  std::size_t size = 0;
  for (const auto& [name, value] : attributes.items()) {
    if (!value.is_object()) continue;
    size += name.size() + text_size(value, "DataType");
    auto type = value.find("DataType");
    const bool binary = type != value.end() && type->is_string() &&
                        starts_with_ci(type->get_ref<const std::string&>(), "Binary");
    if (!binary) size += text_size(value, "StringValue");
  }
  return size;
}

std::string message_attributes_md5(const json& attributes) {
  if (!attributes.is_object() || attributes.empty()) return {};
  std::vector<std::string> names;
  for (const auto& [name, value] : attributes.items()) names.push_back(name);
  std::sort(names.begin(), names.end());  // byte order, as the SDKs sort
  std::string buffer;
  for (const auto& name : names) {
    const json& value = attributes.at(name);
    const std::string type = member_text(value, "DataType");
    append_length_prefixed(buffer, name);
    append_length_prefixed(buffer, type);
    if (starts_with_ci(type, "Binary")) {
      buffer.push_back(2);
      append_length_prefixed(buffer,
                             base64_decode(member_text(value, "BinaryValue")).value_or(std::string()));
    } else {
      buffer.push_back(1);
      append_length_prefixed(buffer, member_text(value, "StringValue"));
    }
  }
  return md5_hex(buffer);
}

json select_message_attributes(const json& attributes, const std::vector<std::string>& names) {
  json out = json::object();
  if (!attributes.is_object() || attributes.empty()) return out;
  if (contains(names, "All") || contains(names, ".*")) return attributes;
  for (const auto& [name, value] : attributes.items()) {
    bool wanted = contains(names, name);
    // "prefix.*" for each "prefix." the name starts with (a prefix of at least one character).
    for (std::size_t dot = name.find('.', 1); !wanted && dot != std::string::npos;
         dot = name.find('.', dot + 1))
      wanted = contains(names, name.substr(0, dot + 1) + "*");
    if (wanted) out[name] = value;
  }
  return out;
}

}  // namespace fogbank::sqs
