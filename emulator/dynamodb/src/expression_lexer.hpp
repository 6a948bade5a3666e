#pragma once
// Tokens of DynamoDB's expression language, shared by the condition, update, projection and
// key-condition parsers.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace fogbank::dynamodb {

enum class token_kind {
  identifier,  // a bare name or keyword: a letter, then letters, digits or '_'
  name,        // #placeholder
  value,       // :placeholder
  number,      // digits, only meaningful as a list index
  lparen,
  rparen,
  lbracket,
  rbracket,
  comma,
  dot,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  plus,
  minus,
  invalid,  // a character (UTF-8 sequence) that starts no token, e.g. '_', '!', a lone '#'
  eof,
};

struct token {
  token_kind kind;
  std::size_t begin;  // byte offsets into the expression text
  std::size_t end;
};

// Splits `text` into tokens; the last one is always eof (begin == end == text.size()).
// Never fails: characters that start no token become `invalid` tokens, reported by the parser.
std::vector<token> tokenize(std::string_view text);

// DynamoDB's syntax error text for the token at `index`, without the "Invalid X: " prefix:
// `Syntax error; token: "<tok>", near: "<prev tok next>"`. The token is "<EOF>" at the end;
// "near" is the source from the previous token through the next one, which is what AWS returns
// (e.g. token ":" near "hits : incr" for "ADD hits : incr", token "<EOF>" near "foo" for "foo").
std::string syntax_error_message(std::string_view text, const std::vector<token>& tokens, std::size_t index);

// Case-insensitive comparison of an identifier token with an upper-case keyword.
bool keyword_equals(std::string_view word, std::string_view upper_keyword);

}  // namespace fogbank::dynamodb
