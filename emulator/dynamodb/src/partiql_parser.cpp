// The PartiQL lexer and recursive-descent parser (partiql.hpp). Depth is counted on every
// recursive step (expressions, NOT, parentheses, literal maps/lists/bags) and checked before it.

#include "fogbank/core/aws_error.hpp"
#include "partiql.hpp"
#include "request.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace fogbank::dynamodb::partiql {
namespace {

enum class token_kind {
  identifier,         // bare name or keyword
  quoted_identifier,  // "name"
  string,             // 'text'
  number,
  symbol,  // punctuation and operators: text holds it
  end
};

struct token {
  token_kind kind = token_kind::end;
  std::string text;
};

std::string upper(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Words a bare identifier may not be (DynamoDB answers "Unexpected keyword"; `pad` among them
// per the DynamoDB Local recordings). A subset of PartiQL's reserved words: those of the
// statements DynamoDB takes and the SQL words users reach for. Quoting makes any name usable.
constexpr std::array reserved_words{
    "ALL",     "AND",    "AS",     "ASC",      "AT",     "BETWEEN", "BY",       "CASE",   "CAST",
    "CREATE",  "DELETE", "DESC",   "DISTINCT", "DROP",   "ELSE",    "END",      "EXISTS", "FALSE",
    "FROM",    "GROUP",  "HAVING", "IN",       "INSERT", "INTO",    "IS",       "JOIN",   "LIMIT",
    "MISSING", "NOT",    "NULL",   "OFFSET",   "ON",     "OR",      "ORDER",    "PAD",    "PIVOT",
    "REMOVE",  "SELECT", "SET",    "THEN",     "TRUE",   "UNION",   "UNPIVOT",  "UPDATE", "UPSERT",
    "VALUE",   "VALUES", "WHEN",   "WHERE",    "WITH",   "REPLACE", "RETURNING"};

bool is_reserved(std::string_view word) {
  const std::string u = upper(word);
  return std::find(reserved_words.begin(), reserved_words.end(), u) != reserved_words.end();
}

std::vector<token> lex(std::string_view text) {
  std::vector<token> out;
  std::size_t i = 0;
  const std::size_t n = text.size();
  auto at = [&](std::size_t k) { return k < n ? text[k] : '\0'; };
  while (i < n) {
    const char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '-' && at(i + 1) == '-') {
      while (i < n && text[i] != '\n') ++i;
    } else if (c == '/' && at(i + 1) == '*') {
      const std::size_t close = text.find("*/", i + 2);
      if (close == std::string_view::npos) throw_malformed("Unterminated comment");  // unconfirmed
      i = close + 2;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$') {
      std::size_t j = i;
      while (j < n && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_' || text[j] == '$'))
        ++j;
      out.push_back({token_kind::identifier, std::string(text.substr(i, j - i))});
      i = j;
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '.' && std::isdigit(static_cast<unsigned char>(at(i + 1))))) {
      std::size_t j = i;
      while (j < n && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
      if (at(j) == '.') {
        ++j;
        while (j < n && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
      }
      if (at(j) == 'e' || at(j) == 'E') {
        std::size_t k = j + 1;
        if (at(k) == '+' || at(k) == '-') ++k;
        if (std::isdigit(static_cast<unsigned char>(at(k)))) {
          while (k < n && std::isdigit(static_cast<unsigned char>(text[k]))) ++k;
          j = k;
        }
      }
      out.push_back({token_kind::number, std::string(text.substr(i, j - i))});
      i = j;
    } else if (c == '\'' || c == '"') {
      // 'string' and "identifier", the quote doubled inside.
      std::string value;
      std::size_t j = i + 1;
      for (;;) {
        if (j >= n)
          throw_malformed(c == '\'' ? "Unterminated string" : "Unterminated identifier");  // unconfirmed
        if (text[j] == c) {
          if (at(j + 1) == c) {
            value += c;
            j += 2;
            continue;
          }
          ++j;
          break;
        }
        value += text[j++];
      }
      out.push_back({c == '\'' ? token_kind::string : token_kind::quoted_identifier, std::move(value)});
      i = j;
    } else {
      static constexpr std::array two{"<=", ">=", "<>", "!=", "<<", ">>", "||"};
      std::string symbol(1, c);
      for (const char* candidate : two) {
        if (c == candidate[0] && at(i + 1) == candidate[1]) symbol = candidate;
      }
      if (symbol.size() == 1 && std::string_view("()[]{},.:;*?=<>+-").find(c) == std::string_view::npos) {
        throw_malformed("Unexpected character: " + symbol);  // unconfirmed
      }
      out.push_back({token_kind::symbol, symbol});
      i += symbol.size();
    }
  }
  out.push_back({token_kind::end, ""});
  return out;
}

class parser {
 public:
  explicit parser(std::vector<token> tokens) : tokens_(std::move(tokens)) {}

  statement parse_statement() {
    statement out;
    if (accept_word("SELECT")) {
      parse_select(out);
    } else if (accept_word("INSERT")) {
      parse_insert(out);
    } else if (accept_word("UPDATE")) {
      parse_update(out);
    } else if (accept_word("DELETE")) {
      parse_delete(out);
    } else if (accept_word("EXISTS")) {
      expect_symbol("(");
      if (!accept_word("SELECT")) fail_here();
      parse_select(out);
      expect_symbol(")");
      out.kind = statement_kind::exists;
    } else {
      // DynamoDB's words for a statement that is no DML (nubo-db/dynoxide#149, confirmed).
      throw_malformed("Expected data manipulation");
    }
    accept_symbol(";");
    if (peek().kind != token_kind::end) {
      // A second statement, or a clause DynamoDB does not take.
      if (peek().kind == token_kind::identifier) {
        const std::string word = upper(peek().text);
        if (word == "LIMIT" || word == "OFFSET" || word == "GROUP" || word == "HAVING") {
          // DynamoDB Local recordings: "LIMIT in the statement" -> Unsupported clause: LIMIT.
          core::throw_validation("Unsupported clause: " + word);
        }
      }
      fail_here();
    }
    out.parameter_count = parameters_;
    return out;
  }

 private:
  const token& peek(std::size_t ahead = 0) const {
    return tokens_[std::min(position_ + ahead, tokens_.size() - 1)];
  }
  token next() {
    token t = peek();
    if (position_ < tokens_.size() - 1) ++position_;
    return t;
  }
  bool is_word(const token& t, std::string_view word) const {
    return t.kind == token_kind::identifier && upper(t.text) == word;
  }
  bool accept_word(std::string_view word) {
    if (!is_word(peek(), word)) return false;
    next();
    return true;
  }
  void expect_word(std::string_view word) {
    if (!accept_word(word)) fail_here();
  }
  bool accept_symbol(std::string_view symbol) {
    if (peek().kind != token_kind::symbol || peek().text != symbol) return false;
    next();
    return true;
  }
  void expect_symbol(std::string_view symbol) {
    if (!accept_symbol(symbol)) fail_here();
  }
  [[noreturn]] void fail_here() const {
    const token& t = peek();
    switch (t.kind) {
      case token_kind::end:
        throw_malformed("Unexpected end of statement");  // unconfirmed
      case token_kind::identifier:
        if (is_reserved(t.text)) throw_malformed("Unexpected keyword");  // PyDynamoDB#26 (AWS)
        throw_malformed("Unexpected identifier: " + t.text);             // unconfirmed
      default:
        throw_malformed("Unexpected token: " + t.text);  // unconfirmed
    }
  }

  struct depth_guard {
    explicit depth_guard(int& depth) : depth_(depth) {
      if (++depth_ > max_depth) {
        --depth_;
        throw_malformed("Expression nested too deeply");  // unconfirmed: fogbank's limit
      }
    }
    ~depth_guard() { --depth_; }
    depth_guard(const depth_guard&) = delete;
    depth_guard& operator=(const depth_guard&) = delete;
    int& depth_;
  };

  // A table, index or attribute name: bare (not a reserved word) or double-quoted.
  std::string parse_name() {
    const token& t = peek();
    if (t.kind == token_kind::quoted_identifier) return next().text;
    if (t.kind == token_kind::identifier && !is_reserved(t.text)) return next().text;
    fail_here();
  }

  path parse_path(std::string first) {
    if (first.empty()) core::throw_validation("Path component cannot be an empty string");
    path out{{std::move(first), std::nullopt}};
    for (;;) {
      if (accept_symbol(".")) {
        std::string name = parse_name();
        if (name.empty()) core::throw_validation("Path component cannot be an empty string");
        out.push_back({std::move(name), std::nullopt});
      } else if (accept_symbol("[")) {
        const token t = next();
        if (t.kind == token_kind::number) {
          std::uint32_t index = 0;
          const auto [end, error] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), index);
          if (error != std::errc() || end != t.text.data() + t.text.size()) {
            core::throw_validation("List index is not within the allowable range; index: [" + t.text + "]");
          }
          out.push_back({"", index});
        } else if (t.kind == token_kind::string) {
          if (t.text.empty()) core::throw_validation("Path component cannot be an empty string");
          out.push_back({t.text, std::nullopt});
        } else {
          // a[*] and a[?] and the like.
          core::throw_validation("Unexpected path component");
        }
        expect_symbol("]");
      } else {
        return out;
      }
    }
  }

  void parse_source(statement& out, bool allow_index) {
    out.table = parse_name();
    if (accept_symbol(".")) {
      if (!allow_index) {
        core::throw_validation(
            "FROM clause may only contain a single table name in data manipulation statements");
      }
      out.index = parse_name();
      if (peek().kind == token_kind::symbol && peek().text == ".") {
        core::throw_validation("A path may contain at most 2 components in the FROM clause");
      }
    }
  }

  void parse_select(statement& out) {
    out.kind = statement_kind::select;
    if (accept_symbol("*")) {
      out.select_all = true;
    } else {
      do {
        if (peek().kind == token_kind::symbol && peek().text == "*") {
          core::throw_validation(
              "Other attributes should not be present in the projection when '*' is used.");
        }
        out.projection.push_back(parse_path(parse_name()));
      } while (accept_symbol(","));
      if (accept_symbol("*")) fail_here();
    }
    if (peek().kind == token_kind::symbol && peek().text == ",") {
      core::throw_validation("Other attributes should not be present in the projection when '*' is used.");
    }
    expect_word("FROM");
    parse_source(out, true);
    if (accept_word("WHERE")) out.where = parse_expression();
    if (is_word(peek(), "ORDER"))
      core::throw_validation("Unsupported clause: ORDER BY");  // fogbank: unsupported
  }

  void parse_insert(statement& out) {
    out.kind = statement_kind::insert;
    expect_word("INTO");
    parse_source(out, false);
    if (is_word(peek(), "VALUES")) {
      core::throw_validation(
          "Unsupported operation: Inserting multiple items in a single statement is not supported, use "
          "\"INSERT INTO tableName VALUE item\" instead");
    }
    expect_word("VALUE");
    out.item = parse_value();
    if (is_word(peek(), "RETURNING")) core::throw_validation("RETURNING is not supported in INSERT");
  }

  void parse_update(statement& out) {
    out.kind = statement_kind::update;
    parse_source(out, false);
    bool any = false;
    for (;;) {
      if (accept_word("SET")) {
        do {
          assignment action;
          action.target = parse_path(parse_name());
          expect_symbol("=");
          action.value = parse_additive();
          out.assignments.push_back(std::move(action));
        } while (accept_symbol(","));
      } else if (accept_word("REMOVE")) {
        do {
          assignment action;
          action.remove = true;
          action.target = parse_path(parse_name());
          out.assignments.push_back(std::move(action));
        } while (accept_symbol(","));
      } else if (is_word(peek(), "ADD") || is_word(peek(), "DELETE")) {
        core::throw_validation("Only SET and REMOVE are supported in update expressions at this time");
      } else {
        break;
      }
      any = true;
    }
    if (!any) fail_here();
    expect_word("WHERE");
    out.where = parse_expression();
    parse_returning(out);
  }

  void parse_delete(statement& out) {
    out.kind = statement_kind::remove;
    expect_word("FROM");
    parse_source(out, false);
    expect_word("WHERE");
    out.where = parse_expression();
    parse_returning(out);
    if (!out.returning.empty() && out.returning != "ALL OLD") {
      core::throw_validation("Invalid returning clause: RETURNING " + out.returning +
                             " *. Only RETURNING ALL OLD * is allowed in DELETE statements.");
    }
  }

  // RETURNING (ALL | MODIFIED) (OLD | NEW) *
  void parse_returning(statement& out) {
    if (!accept_word("RETURNING")) return;
    std::string which;
    if (accept_word("ALL")) {
      which = "ALL";
    } else if (accept_word("MODIFIED")) {
      which = "MODIFIED";
    } else {
      fail_here();
    }
    if (accept_word("OLD")) {
      which += " OLD";
    } else if (accept_word("NEW")) {
      which += " NEW";
    } else {
      fail_here();
    }
    if (!accept_symbol("*")) {
      core::throw_validation("Expected '*' after ( MODIFIED | ALL ) ( NEW | OLD ) in RETURNING clause");
    }
    out.returning = which;
  }

  node_ptr make(node_kind kind, std::string op = {}) {
    auto out = std::make_unique<node>();
    out->kind = kind;
    out->op = std::move(op);
    return out;
  }

  node_ptr parse_expression() {
    depth_guard guard(depth_);
    // n-ary, so that a long chain of ORs (or ANDs) nests no deeper than one of them.
    node_ptr left = parse_and();
    if (!is_word(peek(), "OR")) return left;
    node_ptr out = make(node_kind::disjunction);
    out->children.push_back(std::move(left));
    while (accept_word("OR")) out->children.push_back(parse_and());
    return out;
  }

  node_ptr parse_and() {
    node_ptr left = parse_not();
    if (!is_word(peek(), "AND")) return left;
    node_ptr out = make(node_kind::conjunction);
    out->children.push_back(std::move(left));
    while (accept_word("AND")) out->children.push_back(parse_not());
    return out;
  }

  node_ptr parse_not() {
    if (accept_word("NOT")) {
      depth_guard guard(depth_);
      node_ptr out = make(node_kind::negation);
      out->children.push_back(parse_not());
      return out;
    }
    return parse_predicate();
  }

  node_ptr parse_predicate() {
    node_ptr left = parse_additive();
    const token& t = peek();
    if (t.kind == token_kind::symbol && (t.text == "=" || t.text == "<>" || t.text == "!=" || t.text == "<" ||
                                         t.text == "<=" || t.text == ">" || t.text == ">=")) {
      std::string op = next().text;
      node_ptr out = make(node_kind::compare, op == "!=" ? "<>" : op);
      out->children.push_back(std::move(left));
      out->children.push_back(parse_additive());
      return out;
    }
    const bool negated = is_word(t, "NOT") && (is_word(peek(1), "BETWEEN") || is_word(peek(1), "IN"));
    if (negated) next();
    if (accept_word("BETWEEN")) {
      node_ptr out = make(node_kind::between);
      out->children.push_back(std::move(left));
      out->children.push_back(parse_additive());
      expect_word("AND");
      out->children.push_back(parse_additive());
      return negated ? wrap_not(std::move(out)) : std::move(out);
    }
    if (accept_word("IN")) {
      node_ptr out = make(node_kind::in);
      out->children.push_back(std::move(left));
      // IN [a, b] or IN (a, b).
      node_ptr list = make(node_kind::list);
      const bool bracket = accept_symbol("[");
      if (!bracket) expect_symbol("(");
      do {
        list->children.push_back(parse_additive());
      } while (accept_symbol(","));
      expect_symbol(bracket ? "]" : ")");
      out->children.push_back(std::move(list));
      return negated ? wrap_not(std::move(out)) : std::move(out);
    }
    if (accept_word("IS")) {
      node_ptr out = make(node_kind::is);
      out->negated = accept_word("NOT");
      const token& what = peek();
      if (what.kind != token_kind::identifier) fail_here();
      out->op = upper(next().text);
      out->children.push_back(std::move(left));
      return out;
    }
    return left;
  }

  node_ptr wrap_not(node_ptr inner) {
    node_ptr out = make(node_kind::negation);
    out->children.push_back(std::move(inner));
    return out;
  }

  node_ptr parse_additive() {
    node_ptr left = parse_primary();
    int chain = 0;  // each + or - nests the tree one level: counted against the depth limit
    while (peek().kind == token_kind::symbol && (peek().text == "+" || peek().text == "-")) {
      if (depth_ + ++chain > max_depth) throw_malformed("Expression nested too deeply");  // unconfirmed
      node_ptr out = make(node_kind::arithmetic, next().text);
      out->children.push_back(std::move(left));
      out->children.push_back(parse_primary());
      left = std::move(out);
    }
    return left;
  }

  node_ptr parse_primary() {
    depth_guard guard(depth_);
    const token& t = peek();
    if (t.kind == token_kind::symbol && t.text == "(") {
      next();
      node_ptr inner = parse_expression();
      expect_symbol(")");
      return inner;
    }
    if (t.kind == token_kind::identifier && !is_reserved(t.text) && peek(1).kind == token_kind::symbol &&
        peek(1).text == "(") {
      node_ptr out = make(node_kind::call);
      std::string name = next().text;
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out->op = std::move(name);
      expect_symbol("(");
      if (!accept_symbol(")")) {
        do {
          out->children.push_back(parse_additive());
        } while (accept_symbol(","));
        expect_symbol(")");
      }
      return out;
    }
    if (t.kind == token_kind::quoted_identifier ||
        (t.kind == token_kind::identifier && !is_reserved(t.text))) {
      node_ptr out = make(node_kind::path);
      out->path = parse_path(parse_name());
      return out;
    }
    if (is_word(t, "MISSING")) {
      next();
      return make(node_kind::missing);
    }
    return parse_value_here();
  }

  // A literal value (VALUE of INSERT, an operand): scalars, ?, {..}, [..], <<..>>.
  node_ptr parse_value() {
    depth_guard guard(depth_);
    return parse_value_here();
  }

  node_ptr parse_value_here() {
    const token t = peek();
    if (t.kind == token_kind::string) {
      next();
      node_ptr out = make(node_kind::literal);
      out->literal = {{"S", t.text}};
      return out;
    }
    if (t.kind == token_kind::number ||
        (t.kind == token_kind::symbol && t.text == "-" && peek(1).kind == token_kind::number)) {
      std::string text;
      if (t.kind == token_kind::symbol) {
        next();
        text = "-";
      }
      text += next().text;
      node_ptr out = make(node_kind::literal);
      out->literal = {{"N", text}};
      return out;
    }
    if (t.kind == token_kind::identifier) {
      const std::string word = upper(t.text);
      if (word == "TRUE" || word == "FALSE") {
        next();
        node_ptr out = make(node_kind::literal);
        out->literal = {{"BOOL", word == "TRUE"}};
        return out;
      }
      if (word == "NULL") {
        next();
        node_ptr out = make(node_kind::literal);
        out->literal = {{"NULL", true}};
        return out;
      }
      fail_here();
    }
    if (t.kind != token_kind::symbol) fail_here();
    if (t.text == "?") {
      next();
      node_ptr out = make(node_kind::parameter);
      out->parameter = parameters_++;
      return out;
    }
    if (t.text == "{") {
      next();
      node_ptr out = make(node_kind::map);
      if (!accept_symbol("}")) {
        do {
          const token key = next();
          if (key.kind != token_kind::string) {
            // {"a": 1} and {a: 1}: keys must be strings. unconfirmed wording
            throw_malformed("Tuple keys must be of type String");
          }
          expect_symbol(":");
          out->keys.push_back(key.text);
          out->children.push_back(parse_value_or_operand());
        } while (accept_symbol(","));
        expect_symbol("}");
      }
      return out;
    }
    if (t.text == "[" || t.text == "<<") {
      next();
      node_ptr out = make(t.text == "[" ? node_kind::list : node_kind::bag);
      const std::string close = t.text == "[" ? "]" : ">>";
      if (!accept_symbol(close)) {
        do {
          out->children.push_back(parse_value_or_operand());
        } while (accept_symbol(","));
        expect_symbol(close);
      }
      return out;
    }
    fail_here();
  }

  // Inside a literal map or list: another value (DynamoDB takes no paths there).
  node_ptr parse_value_or_operand() { return parse_value(); }

  std::vector<token> tokens_;
  std::size_t position_ = 0;
  std::size_t parameters_ = 0;
  int depth_ = 0;
};

}  // namespace

void throw_malformed(const std::string& detail) {
  core::throw_validation("Statement wasn't well formed, can't be processed: " + detail);
}

statement parse(std::string_view text) {
  // botocore's PartiQLStatement constraints, in the request validator's words.
  if (text.empty()) {
    core::throw_validation(
        constraint_message("''", "statement", "Member must have length greater than or equal to 1"));
  }
  if (text.size() > max_statement_length) {
    core::throw_validation(constraint_message("'" + std::string(text) + "'", "statement",
                                              "Member must have length less than or equal to 8192"));
  }
  parser p(lex(text));
  return p.parse_statement();
}

std::string result_label(const path& p) {
  std::string out;
  for (const auto& part : p) {
    if (part.index) {
      out += "[" + std::to_string(*part.index) + "]";
    } else {
      out = part.name;
    }
  }
  return out;
}

}  // namespace fogbank::dynamodb::partiql
