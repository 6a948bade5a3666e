#include "expression_parser.hpp"

#include "expression_reserved.hpp"
#include "fogbank/core/aws_error.hpp"

#include <charconv>

namespace fogbank::dynamodb {
namespace {

struct function_info {
  std::string_view name;
  function_id id;
  std::size_t arity;
  bool in_condition;  // usable in condition expressions, else only in update expressions
};

constexpr function_info functions[] = {
    {"attribute_exists", function_id::attribute_exists, 1, true},
    {"attribute_not_exists", function_id::attribute_not_exists, 1, true},
    {"attribute_type", function_id::attribute_type, 2, true},
    {"begins_with", function_id::begins_with, 2, true},
    {"contains", function_id::contains, 2, true},
    {"size", function_id::size, 1, true},
    {"if_not_exists", function_id::if_not_exists, 2, false},
    {"list_append", function_id::list_append, 2, false},
};

// Function names are case-sensitive in DynamoDB ("BEGINS_WITH(a, :b)" is an unknown function).
const function_info* find_function(std::string_view name) {
  for (const auto& f : functions) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string_view function_name(function_id id) {
  for (const auto& f : functions) {
    if (f.id == id) return f.name;
  }
  return "";
}

// The type DynamoDB can tell an operand has before seeing the item: a literal value's type, or
// N for size(). Paths and other functions are unknown.
std::optional<value_type> static_type(const operand& o) {
  if (o.what == operand::kind::value && !o.value.is_null()) return type_of(o.value);
  if (o.what == operand::kind::function && o.function == function_id::size) return value_type::N;
  return std::nullopt;
}

// "{N:5}" as BETWEEN's bound errors print a value.
std::string bound_string(const json& value) {
  const auto type = type_of(value);
  const json& inner = value.begin().value();
  std::string out = "{";
  out += type_name(type);
  out += ':';
  out += inner.is_string() ? inner.get<std::string>() : inner.dump();
  out += '}';
  return out;
}

}  // namespace

std::string too_many_operators_message() {
  return "The expression contains too many operators; operator count: " + std::to_string(max_operators + 1);
}

std::string too_many_in_operands_message(std::size_t operands) {
  return "The IN operator is provided with too many operands; number of operands: " +
         std::to_string(operands);
}

void expression_parser::count_operator() {
  if (++operators_ > max_operators) raise(too_many_operators_message());
}

expression_parser::nesting_guard expression_parser::enter_nested() {
  if (depth_ >= max_nesting_depth) {
    // Unconfirmed wording: DynamoDB documents no nesting limit (alternator's test_limits.py
    // shows it answers such input with a syntax, redundant-parentheses or operator-count error).
    raise("The expression has too many nested levels; nesting levels: " + std::to_string(depth_ + 1));
  }
  ++depth_;
  return nesting_guard(depth_);
}

std::string path_list_string(const attribute_path& path) {
  std::string out = "[";
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (i > 0) out += ", ";
    if (path[i].index) {
      out += '[';
      out += std::to_string(*path[i].index);
      out += ']';
    } else {
      out += path[i].name;
    }
  }
  out += ']';
  return out;
}

std::string_view operand_type_word(value_type type) {
  switch (type) {
    case value_type::S:
      return "STRING";
    case value_type::N:
      return "NUMBER";
    case value_type::B:
      return "BINARY";
    case value_type::BOOL:
      return "BOOLEAN";
    case value_type::NUL:
      return "NULL";
    case value_type::M:
      return "MAP";
    case value_type::L:
      return "LIST";
    default:
      return type_name(type);
  }
}

expression_parser::expression_parser(std::string_view text, expression_attributes& attributes,
                                     std::string_view parameter, mode m)
    : text_(text), attributes_(attributes), mode_(m) {
  prefix_ = "Invalid ";
  prefix_ += parameter;
  prefix_ += ": ";
  if (text.empty()) raise("The expression can not be empty;");
  tokens_ = tokenize(text);
}

// ---- Tokens and problems ---------------------------------------------------------------------

bool expression_parser::at_keyword(std::string_view upper) const {
  return peek().kind == token_kind::identifier && keyword_equals(text_of(peek()), upper);
}

bool expression_parser::is_mode_keyword(const token& t) const {
  if (t.kind != token_kind::identifier) return false;
  const auto word = text_of(t);
  switch (mode_) {
    case mode::condition:
      return keyword_equals(word, "AND") || keyword_equals(word, "OR") || keyword_equals(word, "NOT") ||
             keyword_equals(word, "BETWEEN") || keyword_equals(word, "IN");
    case mode::update:
      return keyword_equals(word, "SET") || keyword_equals(word, "REMOVE") || keyword_equals(word, "ADD") ||
             keyword_equals(word, "DELETE");
    case mode::projection:
      return false;
  }
  return false;
}

void expression_parser::expect(token_kind kind) {
  if (!at(kind)) syntax_error(pos_);
  ++pos_;
}

void expression_parser::syntax_error(std::size_t token_index) const {
  raise(syntax_error_message(text_, tokens_, token_index));
}

void expression_parser::raise(const std::string& message) const {
  core::throw_validation(prefix_ + message);
}

void expression_parser::note(problem p, std::string message) {
  // dynalite's condition grammar keeps one slot for undefined names and values alike.
  if (mode_ == mode::condition && p == problem::attribute_value) p = problem::attribute_name;
  // ... and its update grammar one slot for every function problem.
  if (mode_ == mode::update && p == problem::operand_count) p = problem::function;
  auto& slot = problems_[static_cast<std::size_t>(p)];
  if (slot.empty()) slot = std::move(message);
}

void expression_parser::raise_recorded(std::initializer_list<problem> order) const {
  for (problem p : order) {
    const auto& message = problems_[static_cast<std::size_t>(p)];
    if (!message.empty()) raise(message);
  }
}

// ---- Paths and operands ----------------------------------------------------------------------

void expression_parser::note_path_element(std::string_view identifier) {
  if (is_reserved_word(identifier)) {
    note(problem::reserved,
         "Attribute name is a reserved keyword; reserved keyword: " + std::string(identifier));
  }
}

attribute_path expression_parser::parse_path() {
  attribute_path path;
  auto parse_name = [&] {
    const token& t = peek();
    if (t.kind == token_kind::name) {
      const auto placeholder = text_of(t);
      const std::string* name = attributes_.find_name(placeholder);
      if (name == nullptr) {
        note(problem::attribute_name,
             "An expression attribute name used in the document path is not defined; attribute name: " +
                 std::string(placeholder));
        path.push_back(path_element{std::string(placeholder), std::nullopt});
      } else {
        path.push_back(path_element{*name, std::nullopt});
      }
    } else if (t.kind == token_kind::identifier && !(path.empty() && is_mode_keyword(t))) {
      note_path_element(text_of(t));
      path.push_back(path_element{std::string(text_of(t)), std::nullopt});
    } else {
      syntax_error(pos_);
    }
    ++pos_;
  };
  parse_name();
  for (;;) {
    if ((at(token_kind::dot) || at(token_kind::lbracket)) && path.size() > max_path_dereferences) {
      // Unconfirmed wording; the limit is documented, DynamoDB's message for it is not known.
      raise("The document path exceeds the maximum depth of " + std::to_string(max_path_dereferences) +
            "; path depth: " + std::to_string(path.size()));
    }
    if (at(token_kind::dot)) {
      ++pos_;
      parse_name();
    } else if (at(token_kind::lbracket)) {
      ++pos_;
      if (!at(token_kind::number)) syntax_error(pos_);
      const auto digits = text_of(peek());
      std::size_t index = 0;
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
      // DynamoDB reads the index as an integer and refuses one beyond it (scylladb/scylladb#25947,
      // against AWS: a[99999999999999]). Its bound taken as a 32-bit int's (unconfirmed).
      if (ec != std::errc() || end != digits.data() + digits.size() || index > max_list_index) {
        raise("List index is not within the allowable range; index: [" + std::string(digits) + "]");
      }
      ++pos_;
      expect(token_kind::rbracket);
      path.push_back(path_element{std::string(), index});
    } else {
      break;
    }
  }
  return path;
}

operand expression_parser::parse_operand() {
  const token& t = peek();
  operand o;
  if (t.kind == token_kind::value) {
    const auto placeholder = text_of(t);
    ++pos_;
    o.what = operand::kind::value;
    const json* value = attributes_.find_value(placeholder);
    if (value == nullptr) {
      note(problem::attribute_value,
           "An expression attribute value used in expression is not defined; attribute value: " +
               std::string(placeholder));
    } else {
      o.value = *value;
      if (type_of(o.value) == value_type::N) o.number = number_of(o.value);
    }
    return o;
  }
  if (t.kind == token_kind::identifier && !is_mode_keyword(t) &&
      tokens_[pos_ + 1].kind == token_kind::lparen) {
    const auto name = text_of(t);
    ++pos_;
    return parse_function(name);
  }
  if (t.kind == token_kind::name || (t.kind == token_kind::identifier && !is_mode_keyword(t))) {
    o.what = operand::kind::path;
    o.path = parse_path();
    return o;
  }
  syntax_error(pos_);
}

operand expression_parser::parse_operand_parens(bool* parenthesized) {
  if (!at(token_kind::lparen)) {
    if (parenthesized != nullptr) *parenthesized = false;
    return parse_operand();
  }
  ++pos_;
  const auto nested = enter_nested();
  bool inner_parenthesized = false;
  operand o = parse_operand_parens(&inner_parenthesized);
  expect(token_kind::rparen);
  if (inner_parenthesized) note(problem::parens, "The expression has redundant parentheses;");
  if (parenthesized != nullptr) *parenthesized = true;
  return o;
}

operand expression_parser::parse_function(std::string_view name) {
  expect(token_kind::lparen);
  const auto nested = enter_nested();
  operand call;
  call.what = operand::kind::function;
  call.args.push_back(parse_operand_parens());
  while (at(token_kind::comma)) {
    ++pos_;
    call.args.push_back(parse_operand_parens());
  }
  expect(token_kind::rparen);

  const function_info* info = find_function(name);
  if (info == nullptr) {
    note(problem::unknown_function, "Invalid function name; function: " + std::string(name));
    return call;
  }
  call.function = info->id;
  if (mode_ == mode::update && info->in_condition) {
    // Unconfirmed wording (not in dynalite, which calls these unknown): as other emulators
    // quote DynamoDB for condition functions used in an update.
    note(problem::unknown_function,
         "The function is not allowed in an update expression; function: " + std::string(name));
    return call;
  }
  if (mode_ != mode::update && !info->in_condition) {
    // Unconfirmed wording, by symmetry with the update-expression message above.
    note(problem::unknown_function,
         "The function is not allowed in a condition expression; function: " + std::string(name));
    return call;
  }
  if (call.args.size() != info->arity) {
    note(problem::operand_count,
         "Incorrect number of operands for operator or function; operator or function: " + std::string(name) +
             ", number of operands: " + std::to_string(call.args.size()));
    return call;
  }
  if (mode_ == mode::update) {
    check_update_function(name, call);
  } else {
    note_misused_functions(call.args);
    check_condition_function(name, call);
  }
  return call;
}

void expression_parser::check_condition_function(std::string_view name, const operand& call) {
  if (call.args.size() == 2) check_distinct(name, call.args[0], call.args[1]);
  const std::string prefix =
      "Incorrect operand type for operator or function; operator or function: " + std::string(name) +
      ", operand type: ";
  switch (call.function) {
    case function_id::attribute_exists:
    case function_id::attribute_not_exists:
      if (call.args[0].what != operand::kind::path) {
        note(problem::function,
             "Operator or function requires a document path; operator or function: " + std::string(name));
      }
      break;
    case function_id::begins_with:
      for (const auto& arg : call.args) {
        const auto type = static_type(arg);
        if (type && *type != value_type::S && *type != value_type::B) {
          note(problem::function, prefix + std::string(type_name(*type)));
          break;
        }
      }
      break;
    case function_id::attribute_type: {
      const auto type = static_type(call.args[1]);
      if (!type || *type != value_type::S) {
        // dynalite's rendering of "any type" for a non-literal operand.
        note(problem::function,
             prefix + (type ? std::string(type_name(*type)) : std::string("{NS,SS,L,BS,N,M,B,BOOL,NULL,S}")));
      } else if (!type_from_name(call.args[1].value["S"].get<std::string>())) {
        note(problem::function,
             "Invalid attribute type name found; type: " + call.args[1].value["S"].get<std::string>() +
                 ", valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}");
      }
      break;
    }
    case function_id::size: {
      const auto type = static_type(call.args[0]);
      if (type && (*type == value_type::N || *type == value_type::BOOL || *type == value_type::NUL)) {
        note(problem::function, prefix + std::string(type_name(*type)));
      }
      break;
    }
    default:
      break;
  }
}

void expression_parser::check_update_function(std::string_view name, const operand& call) {
  switch (call.function) {
    case function_id::if_not_exists:
      if (call.args[0].what != operand::kind::path) {
        note(problem::function,
             "Operator or function requires a document path; operator or function: " + std::string(name));
      }
      break;
    case function_id::list_append:
      for (const auto& arg : call.args) {
        if (arg.what == operand::kind::value && !arg.value.is_null() && type_of(arg.value) != value_type::L) {
          note(problem::function,
               "Incorrect operand type for operator or function; operator or function: list_append, operand "
               "type: " +
                   std::string(type_name(type_of(arg.value))));
          break;
        }
      }
      break;
    default:
      break;
  }
}

void expression_parser::note_misused_functions(const std::vector<operand>& operands, std::size_t first) {
  for (std::size_t i = first; i < operands.size(); ++i) {
    const auto& o = operands[i];
    if (o.what == operand::kind::function && o.function != function_id::size && !o.args.empty()) {
      note(problem::misused_function,
           "The function is not allowed to be used this way in an expression; function: " +
               std::string(function_name(o.function)));
    }
  }
}

void expression_parser::check_distinct(std::string_view op, const operand& a, const operand& b) {
  if (a.what == operand::kind::path && b.what == operand::kind::path && a.path == b.path) {
    note(problem::distinct,
         "The first operand must be distinct from the remaining operands for this operator or function; "
         "operator: " +
             std::string(op) + ", first operand: " + path_list_string(a.path));
  }
}

void expression_parser::check_target(const attribute_path& path) {
  // Paths under different top-level attributes neither overlap nor conflict, so only the earlier
  // paths under the same one are compared: linear in the number of paths for the common case
  // (AttributesToGet and AttributeUpdates name thousands of distinct attributes at most once).
  auto& same_head = targets_by_head_[path.front().name];
  for (const std::size_t earlier_index : same_head) {
    const attribute_path& earlier = targets_[earlier_index];
    bool differ = false;
    const std::size_t common = std::min(earlier.size(), path.size());
    for (std::size_t i = 0; i < common; ++i) {
      if (earlier[i].index.has_value() != path[i].index.has_value()) {
        note(problem::path_conflict,
             "Two document paths conflict with each other; must remove or rewrite one of these paths; path "
             "one: " +
                 path_list_string(earlier) + ", path two: " + path_list_string(path));
        differ = true;
        break;
      }
      if (!(earlier[i] == path[i])) {
        differ = true;
        break;
      }
    }
    if (!differ) {
      note(problem::path_overlap,
           "Two document paths overlap with each other; must remove or rewrite one of these paths; path "
           "one: " +
               path_list_string(earlier) + ", path two: " + path_list_string(path));
    }
  }
  same_head.push_back(targets_.size());
  targets_.push_back(path);
}

// ---- Conditions ------------------------------------------------------------------------------

condition expression_parser::parse_condition() {
  node root = parse_or();
  if (!at(token_kind::eof)) syntax_error(pos_);
  condition c = require_condition(root);
  // The kinds after `condition` only for problems outside every atomic condition (none known).
  raise_recorded({problem::parens, problem::unknown_function, problem::misused_function, problem::reserved,
                  problem::condition, problem::attribute_name, problem::operand_count, problem::distinct,
                  problem::function});
  return c;
}

// dynalite's condition grammar (db/conditionParser.pegjs, checkConditionErrors) settles the
// problems of these kinds condition by condition: the first atomic condition with any of them
// decides which is reported, in this order of kinds. So in "attribute_exists(:a) and a = a" the
// first condition's "requires a document path" wins over the second's distinct-operand problem,
// although a distinct-operand problem outranks it within one condition (dynalite's scan.js,
// pinned against DynamoDB).
void expression_parser::latch_condition_problem() {
  if (!problems_[static_cast<std::size_t>(problem::condition)].empty()) return;
  for (problem p : {problem::attribute_name, problem::operand_count, problem::distinct, problem::function}) {
    const auto& message = problems_[static_cast<std::size_t>(p)];
    if (!message.empty()) {
      problems_[static_cast<std::size_t>(problem::condition)] = message;
      return;
    }
  }
}

condition expression_parser::require_condition(node& n) {
  if (n.cond) return std::move(*n.cond);
  if (n.op.what != operand::kind::function) syntax_error(n.end_token);
  if (n.op.function == function_id::size) {
    note(problem::misused_function,
         "The function is not allowed to be used this way in an expression; function: size");
  }
  condition c;
  c.what = condition::kind::function;
  c.operands.push_back(std::move(n.op));
  return c;
}

expression_parser::node expression_parser::parse_or() {
  node left = parse_and();
  while (at_keyword("OR")) {
    count_operator();
    condition l = require_condition(left);
    ++pos_;
    node right = parse_and();
    condition r = require_condition(right);
    condition c;
    c.what = condition::kind::or_;
    c.children.push_back(std::move(l));
    c.children.push_back(std::move(r));
    left = node{std::move(c), operand{}, false, pos_};
  }
  return left;
}

expression_parser::node expression_parser::parse_and() {
  node left = parse_not();
  while (at_keyword("AND")) {
    count_operator();
    condition l = require_condition(left);
    ++pos_;
    node right = parse_not();
    condition r = require_condition(right);
    condition c;
    c.what = condition::kind::and_;
    c.children.push_back(std::move(l));
    c.children.push_back(std::move(r));
    left = node{std::move(c), operand{}, false, pos_};
  }
  return left;
}

// NOT NOT ... NOT x: a loop, not a recursion, so that only the operator count bounds the chain.
expression_parser::node expression_parser::parse_not() {
  std::size_t nots = 0;
  while (at_keyword("NOT")) {
    count_operator();
    ++pos_;
    ++nots;
  }
  node inner = parse_comparison();
  if (nots == 0) return inner;
  condition c = require_condition(inner);
  for (; nots > 0; --nots) {
    condition outer;
    outer.what = condition::kind::not_;
    outer.children.push_back(std::move(c));
    c = std::move(outer);
  }
  return node{std::move(c), operand{}, false, pos_};
}

expression_parser::node expression_parser::parse_comparison() {
  node left = parse_primary();
  if (left.cond) return left;  // parenthesized: its conditions latched their problems
  condition c;
  switch (peek().kind) {
    case token_kind::eq:
      c.what = condition::kind::eq;
      break;
    case token_kind::ne:
      c.what = condition::kind::ne;
      break;
    case token_kind::lt:
      c.what = condition::kind::lt;
      break;
    case token_kind::le:
      c.what = condition::kind::le;
      break;
    case token_kind::gt:
      c.what = condition::kind::gt;
      break;
    case token_kind::ge:
      c.what = condition::kind::ge;
      break;
    default:
      if (at_keyword("BETWEEN")) {
        c.what = condition::kind::between;
      } else if (at_keyword("IN")) {
        c.what = condition::kind::in;
      } else {
        latch_condition_problem();  // a function call standing as a condition
        return left;                // an operand; the caller decides whether it may stand alone
      }
  }
  count_operator();
  const std::string_view op = text_of(peek());
  ++pos_;
  c.operands.push_back(std::move(left.op));
  if (c.what == condition::kind::between) {
    c.operands.push_back(parse_operand_parens());
    if (!at_keyword("AND")) syntax_error(pos_);
    ++pos_;
    c.operands.push_back(parse_operand_parens());
    note_misused_functions(c.operands);
    check_between_bounds(c.operands[1], c.operands[2]);
  } else if (c.what == condition::kind::in) {
    expect(token_kind::lparen);
    c.operands.push_back(parse_operand_parens());
    while (at(token_kind::comma)) {
      ++pos_;
      c.operands.push_back(parse_operand_parens());
    }
    expect(token_kind::rparen);
    note_misused_functions(c.operands);
    if (c.operands.size() - 1 > max_in_operands) {
      note(problem::function, too_many_in_operands_message(c.operands.size() - 1));
    }
  } else {
    c.operands.push_back(parse_operand_parens());
    note_misused_functions(c.operands);
    check_distinct(op, c.operands[0], c.operands[1]);
  }
  latch_condition_problem();
  return node{std::move(c), operand{}, false, pos_};
}

expression_parser::node expression_parser::parse_primary() {
  if (at(token_kind::lparen)) {
    ++pos_;
    const auto nested = enter_nested();
    node inner = parse_or();
    expect(token_kind::rparen);
    if (inner.parenthesized) note(problem::parens, "The expression has redundant parentheses;");
    inner.parenthesized = true;
    inner.end_token = pos_;
    return inner;
  }
  node n;
  n.op = parse_operand();
  n.end_token = pos_;
  return n;
}

void expression_parser::check_between_bounds(const operand& lower, const operand& upper) {
  if (lower.what != operand::kind::value || upper.what != operand::kind::value || lower.value.is_null() ||
      upper.value.is_null()) {
    return;
  }
  const std::string bounds = "lower bound operand: AttributeValue: " + bound_string(lower.value) +
                             ", upper bound operand: AttributeValue: " + bound_string(upper.value);
  if (type_of(lower.value) != type_of(upper.value)) {
    note(problem::function,
         "The BETWEEN operator requires same data type for lower and upper bounds; " + bounds);
    return;
  }
  const auto order = compare_scalars(lower.value, upper.value);
  if (order && *order > 0) {
    note(problem::function,
         "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; " + bounds);
  }
}

}  // namespace fogbank::dynamodb
