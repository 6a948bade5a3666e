// Stored items and stream records (item_codec.hpp): any bytes through decode_msgpack, with
// nlohmann's own MessagePack reader (json::from_msgpack's) as the oracle. Both must refuse, or
// both read identical values (the same type at every node, floats bit for bit). decode_msgpack
// refuses two things from_msgpack reads, on purpose: bin/ext values and containers past
// max_stored_nesting; the oracle refuses them too, and stops reading there (its reader recurses
// once per level, so an unbounded reference could overflow the stack on deep inputs).
// append_stored_json and stored_item_size on the same bytes: nothing for bytes decode_msgpack
// refuses; for the others the text core::append_json writes of the decoded value and the size
// item_size gives it, or a refusal, never anything else. And append_msgpack writes what
// json::to_msgpack writes for every value decoded.

#include "attribute_value.hpp"
#include "item_codec.hpp"
#include "json_identical.hpp"

#include "fogbank/core/aws_error.hpp"
#include "fogbank/core/json_text.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using json = nlohmann::json;
namespace dynamodb = fogbank::dynamodb;

// from_msgpack's DOM builder (nlohmann's internal, the one from_msgpack uses), with the refusals
// decode_msgpack adds.
class bounded_reference final : public nlohmann::json_sax<json> {
 public:
  explicit bounded_reference(json& out) : dom_(out, /*allow_exceptions_=*/false) {}

  bool errored() const { return dom_.is_errored(); }

  bool null() override { return dom_.null(); }
  bool boolean(bool value) override { return dom_.boolean(value); }
  bool number_integer(number_integer_t value) override { return dom_.number_integer(value); }
  bool number_unsigned(number_unsigned_t value) override { return dom_.number_unsigned(value); }
  bool number_float(number_float_t value, const string_t& text) override {
    return dom_.number_float(value, text);
  }
  bool string(string_t& value) override { return dom_.string(value); }
  bool binary(binary_t& /*value*/) override { return false; }
  bool start_object(std::size_t elements) override {
    return ++depth_ <= dynamodb::max_stored_nesting && dom_.start_object(elements);
  }
  bool key(string_t& value) override { return dom_.key(value); }
  bool end_object() override {
    --depth_;
    return dom_.end_object();
  }
  bool start_array(std::size_t elements) override {
    return ++depth_ <= dynamodb::max_stored_nesting && dom_.start_array(elements);
  }
  bool end_array() override {
    --depth_;
    return dom_.end_array();
  }
  bool parse_error(std::size_t position, const std::string& last_token,
                   const nlohmann::detail::exception& error) override {
    return dom_.parse_error(position, last_token, error);
  }

 private:
  nlohmann::detail::json_sax_dom_parser<json> dom_;
  int depth_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  json reference;
  bounded_reference sax(reference);
  const bool reference_read =
      json::sax_parse(data, data + size, &sax, json::input_format_t::msgpack, /*strict=*/true) &&
      !sax.errored();
  std::optional<json> decoded;
  try {
    decoded = dynamodb::decode_msgpack(bytes);
    if (!reference_read || !fogbank::test_support::json_identical(*decoded, reference)) std::abort();
  } catch (const dynamodb::msgpack_error&) {
    if (reference_read) std::abort();
  }

  if (decoded) {
    const std::vector<std::uint8_t> reference_bytes = json::to_msgpack(*decoded);
    std::string encoded;
    dynamodb::append_msgpack(encoded, *decoded);
    if (encoded !=
        std::string_view(reinterpret_cast<const char*>(reference_bytes.data()), reference_bytes.size()))
      std::abort();
  }

  std::string text = "[";
  if (dynamodb::append_stored_json(text, bytes)) {
    if (!decoded || text != "[" + fogbank::core::to_json_text(*decoded)) std::abort();
  } else if (text != "[") {
    std::abort();
  }
  if (const std::optional<std::size_t> size = dynamodb::stored_item_size(bytes)) {
    if (!decoded) std::abort();
    try {
      if (*size != dynamodb::item_size(*decoded)) std::abort();
    } catch (const fogbank::core::aws_error&) {
      std::abort();  // item_size refuses the nesting: stored_item_size had to refuse it too
    }
  }
  return 0;
}
