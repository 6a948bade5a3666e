#include "expression_lexer.hpp"

namespace fogbank::dynamodb {
namespace {

bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_word(char c) {
  return is_letter(c) || is_digit(c) || c == '_';
}
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Length of the UTF-8 sequence starting with `lead`, so that an invalid non-ASCII character is
// reported whole rather than as a broken byte.
std::size_t utf8_length(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

}  // namespace

std::vector<token> tokenize(std::string_view text) {
  std::vector<token> tokens;
  tokens.reserve(text.size() / 2 + 2);
  std::size_t i = 0;
  const std::size_t n = text.size();
  auto word_end = [&](std::size_t from) {
    while (from < n && is_word(text[from])) ++from;
    return from;
  };
  while (i < n) {
    const char c = text[i];
    if (is_space(c)) {
      ++i;
      continue;
    }
    const std::size_t begin = i;
    token_kind kind = token_kind::invalid;
    std::size_t end = i + 1;
    if (is_letter(c)) {
      kind = token_kind::identifier;
      end = word_end(i + 1);
    } else if (is_digit(c)) {
      kind = token_kind::number;
      end = i + 1;
      while (end < n && is_digit(text[end])) ++end;
    } else if (c == '#' || c == ':') {
      end = word_end(i + 1);
      if (end > i + 1) {
        kind = c == '#' ? token_kind::name : token_kind::value;
      } else {
        end = i + 1;  // a lone '#' or ':' is not a token of its own
      }
    } else {
      const char next = i + 1 < n ? text[i + 1] : '\0';
      switch (c) {
        case '(':
          kind = token_kind::lparen;
          break;
        case ')':
          kind = token_kind::rparen;
          break;
        case '[':
          kind = token_kind::lbracket;
          break;
        case ']':
          kind = token_kind::rbracket;
          break;
        case ',':
          kind = token_kind::comma;
          break;
        case '.':
          kind = token_kind::dot;
          break;
        case '=':
          kind = token_kind::eq;
          break;
        case '+':
          kind = token_kind::plus;
          break;
        case '-':
          kind = token_kind::minus;
          break;
        case '<':
          if (next == '>') {
            kind = token_kind::ne;
            end = i + 2;
          } else if (next == '=') {
            kind = token_kind::le;
            end = i + 2;
          } else {
            kind = token_kind::lt;
          }
          break;
        case '>':
          if (next == '=') {
            kind = token_kind::ge;
            end = i + 2;
          } else {
            kind = token_kind::gt;
          }
          break;
        default:
          end = i + utf8_length(static_cast<unsigned char>(c));
          if (end > n) end = n;
          break;
      }
    }
    tokens.push_back(token{kind, begin, end});
    i = end;
  }
  tokens.push_back(token{token_kind::eof, n, n});
  return tokens;
}

std::string syntax_error_message(std::string_view text, const std::vector<token>& tokens, std::size_t index) {
  const token& bad = tokens[index];
  std::string message = "Syntax error; token: \"";
  if (bad.kind == token_kind::eof) {
    message += "<EOF>";
  } else {
    message.append(text.substr(bad.begin, bad.end - bad.begin));
  }
  std::size_t near_begin = index > 0 ? tokens[index - 1].begin : bad.begin;
  std::size_t near_end = bad.end;
  if (bad.kind != token_kind::eof && index + 1 < tokens.size()) near_end = tokens[index + 1].end;
  if (bad.kind == token_kind::eof && index > 0) near_end = tokens[index - 1].end;
  message += "\", near: \"";
  message.append(text.substr(near_begin, near_end - near_begin));
  message += '"';
  return message;
}

bool keyword_equals(std::string_view word, std::string_view upper_keyword) {
  if (word.size() != upper_keyword.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    char c = word[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != upper_keyword[i]) return false;
  }
  return true;
}

}  // namespace fogbank::dynamodb
