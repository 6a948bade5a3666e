#pragma once
// The recursive-descent parser behind parse_condition, parse_update, parse_projection and
// parse_key_condition.
//
// DynamoDB reports a syntax error as soon as it meets one, but other problems (a reserved word,
// an undefined placeholder, a misused function, overlapping paths, ...) only once the whole
// expression has parsed, and then in a fixed order of kinds: a FilterExpression with both a
// reserved word and an undefined :value reports the reserved word wherever it stands. The
// parser therefore records the first problem of each kind and raises the winner at the end.
// The order per expression type follows dynalite (db/conditionParser.pegjs,
// db/updateParser.pegjs, db/projectionParser.pegjs), which was written against real DynamoDB.
//
// Limits, raised at once (before the stack can run out, and before any later problem):
//  - at most `max_operators` operators (comparisons, BETWEEN, IN, AND, OR, NOT, and + and - in
//    SET), DynamoDB's documented quota, with its wording "The expression contains too many
//    operators; operator count: 301";
//  - at most `max_nesting_depth` nested parentheses and function calls: every recursion of the
//    parser passes through one of these, so this bounds its stack (NOT chains are parsed in a
//    loop and bounded by the operator count);
//  - document paths of at most `max_path_dereferences` dereferences (`.name` and `[n]`).
// A parsed tree is therefore at most max_operators + max_nesting_depth levels deep, which bounds
// every recursive walk over it (evaluation, key-condition narrowing, destruction).

#include "expression_lexer.hpp"
#include "expression_tree.hpp"

#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fogbank::dynamodb {

class expression_parser {
 public:
  enum class mode { condition, update, projection };

  // `parameter` names the request member in messages ("ConditionExpression", ...). Throws
  // ValidationException "Invalid <parameter>: The expression can not be empty;" for "".
  expression_parser(std::string_view text, expression_attributes& attributes, std::string_view parameter,
                    mode m);

  condition parse_condition();
  update parse_update();
  std::vector<attribute_path> parse_projection();

 private:
  enum class problem {
    parens,
    unknown_function,
    misused_function,
    reserved,
    section,
    attribute_name,
    attribute_value,
    path_overlap,
    path_conflict,
    operand,
    operand_count,
    distinct,
    function,
    // Condition expressions only: the first of attribute_name, operand_count, distinct and
    // function found once an atomic condition (a comparison, BETWEEN, IN or function) has
    // parsed; see latch_condition_problem.
    condition,
    count_,
  };

  // A condition, or an operand that still may become one side of a comparison.
  struct node {
    std::optional<condition> cond;
    operand op;
    bool parenthesized = false;
    std::size_t end_token = 0;  // the token after the node, where a syntax error is reported
  };

  // Tokens.
  const token& peek() const { return tokens_[pos_]; }
  std::string_view text_of(const token& t) const { return text_.substr(t.begin, t.end - t.begin); }
  bool at(token_kind kind) const { return peek().kind == kind; }
  bool at_keyword(std::string_view upper) const;
  bool is_mode_keyword(const token& t) const;
  void expect(token_kind kind);
  [[noreturn]] void syntax_error(std::size_t token_index) const;
  [[noreturn]] void raise(const std::string& message) const;

  // Problems.
  void note(problem p, std::string message);
  void raise_recorded(std::initializer_list<problem> order) const;

  // Shared pieces.
  attribute_path parse_path();
  void note_path_element(std::string_view identifier);
  operand parse_operand();
  operand parse_operand_parens(bool* parenthesized = nullptr);
  operand parse_function(std::string_view name);
  void check_condition_function(std::string_view name, const operand& call);
  void check_update_function(std::string_view name, const operand& call);
  void note_misused_functions(const std::vector<operand>& operands, std::size_t first = 0);
  void check_distinct(std::string_view op, const operand& a, const operand& b);
  void check_target(const attribute_path& path);

  // Conditions.
  node parse_or();
  node parse_and();
  node parse_not();
  node parse_comparison();
  node parse_primary();
  condition require_condition(node& n);
  void latch_condition_problem();
  void check_between_bounds(const operand& lower, const operand& upper);

  // Updates.
  void parse_section(update& u, update_action::kind what, std::string_view keyword);
  set_value parse_set_value();
  set_value parse_set_term();
  void check_arithmetic(std::string_view op, const operand& a, const operand& b);

  // Limits.
  void count_operator();
  // One level of parentheses or function call, left when the parse of that level ends,
  // normally or by an exception.
  class nesting_guard {
   public:
    explicit nesting_guard(std::size_t& depth) : depth_(depth) {}
    nesting_guard(const nesting_guard&) = delete;
    nesting_guard& operator=(const nesting_guard&) = delete;
    ~nesting_guard() { --depth_; }

   private:
    std::size_t& depth_;
  };
  // Enters one more level, or raises the nesting error when that would pass max_nesting_depth.
  nesting_guard enter_nested();

  std::string_view text_;
  std::vector<token> tokens_;
  std::size_t pos_ = 0;
  std::size_t operators_ = 0;
  std::size_t depth_ = 0;
  expression_attributes& attributes_;
  std::string prefix_;  // "Invalid ConditionExpression: "
  mode mode_;
  std::array<std::string, static_cast<std::size_t>(problem::count_)> problems_;
  std::vector<attribute_path> targets_;  // update and projection paths, for overlap checks
  std::map<std::string, std::vector<std::size_t>, std::less<>> targets_by_head_;  // indexes into targets_
  std::array<bool, 4> sections_seen_{};
};

// "[a, b, [2], c]": a path as DynamoDB prints it in overlap and distinct-operand messages.
std::string path_list_string(const attribute_path& path);
// "STRING", "NUMBER", ... as ADD/DELETE operand type errors name a value's type; sets keep
// their short names ("SS").
std::string_view operand_type_word(value_type type);

}  // namespace fogbank::dynamodb
