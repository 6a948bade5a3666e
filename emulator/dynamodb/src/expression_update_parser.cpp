#include "expression_parser.hpp"

#include "fogbank/core/aws_error.hpp"

namespace fogbank::dynamodb {

// ---- Update expressions ----------------------------------------------------------------------

update expression_parser::parse_update() {
  update u;
  if (at(token_kind::eof)) syntax_error(pos_);
  while (!at(token_kind::eof)) {
    if (at_keyword("SET")) {
      parse_section(u, update_action::kind::set, "SET");
    } else if (at_keyword("REMOVE")) {
      parse_section(u, update_action::kind::remove, "REMOVE");
    } else if (at_keyword("ADD")) {
      parse_section(u, update_action::kind::add, "ADD");
    } else if (at_keyword("DELETE")) {
      parse_section(u, update_action::kind::del, "DELETE");
    } else {
      syntax_error(pos_);
    }
  }
  raise_recorded({problem::reserved, problem::unknown_function, problem::section, problem::attribute_name,
                  problem::attribute_value, problem::path_overlap, problem::path_conflict, problem::operand,
                  problem::function});
  u.paths = targets_;
  return u;
}

void expression_parser::parse_section(update& u, update_action::kind what, std::string_view keyword) {
  ++pos_;
  auto& seen = sections_seen_[static_cast<std::size_t>(what)];
  if (seen) {
    note(problem::section,
         "The \"" + std::string(keyword) + "\" section can only be used once in an update expression;");
  }
  seen = true;
  for (;;) {
    update_action action;
    action.what = what;
    action.path = parse_path();
    switch (what) {
      case update_action::kind::set:
        expect(token_kind::eq);
        action.value = parse_set_value();
        break;
      case update_action::kind::remove:
        break;
      case update_action::kind::add:
      case update_action::kind::del: {
        if (!at(token_kind::value)) syntax_error(pos_);
        operand value = parse_operand();
        if (!value.value.is_null()) {
          const auto type = type_of(value.value);
          const bool is_set = type == value_type::SS || type == value_type::NS || type == value_type::BS;
          if (!is_set && !(what == update_action::kind::add && type == value_type::N)) {
            note(problem::operand,
                 "Incorrect operand type for operator or function; operator: " + std::string(keyword) +
                     ", operand type: " + std::string(operand_type_word(type)));
          }
        }
        action.operand = std::move(value.value);
        break;
      }
    }
    check_target(action.path);
    u.actions.push_back(std::move(action));
    if (!at(token_kind::comma)) break;
    ++pos_;
  }
}

set_value expression_parser::parse_set_value() {
  set_value v = parse_set_term();
  if (v.what != set_value::kind::single) return v;  // "(a + b)" takes no further operator
  if (!at(token_kind::plus) && !at(token_kind::minus)) return v;
  v.what = at(token_kind::plus) ? set_value::kind::plus : set_value::kind::minus;
  count_operator();
  const std::string_view op = at(token_kind::plus) ? "+" : "-";
  ++pos_;
  v.right = parse_operand_parens();
  check_arithmetic(op, v.left, v.right);
  return v;
}

// One side of SET's "=": an operand, or a parenthesised SET value.
set_value expression_parser::parse_set_term() {
  if (!at(token_kind::lparen)) {
    set_value v;
    v.left = parse_operand();
    return v;
  }
  ++pos_;
  const auto nested = enter_nested();
  set_value inner = parse_set_value();
  expect(token_kind::rparen);
  return inner;
}

void expression_parser::check_arithmetic(std::string_view op, const operand& a, const operand& b) {
  for (const operand* o : {&a, &b}) {
    if (o->what == operand::kind::value && !o->value.is_null() && type_of(o->value) != value_type::N) {
      note(problem::function,
           "Incorrect operand type for operator or function; operator or function: " + std::string(op) +
               ", operand type: " + std::string(type_name(type_of(o->value))));
      return;
    }
  }
}

// ---- Projection expressions ------------------------------------------------------------------

std::vector<attribute_path> expression_parser::parse_projection() {
  std::vector<attribute_path> paths;
  paths.push_back(parse_path());
  while (at(token_kind::comma)) {
    ++pos_;
    paths.push_back(parse_path());
  }
  if (!at(token_kind::eof)) syntax_error(pos_);
  for (const auto& path : paths) check_target(path);
  raise_recorded({problem::reserved, problem::attribute_name, problem::path_overlap, problem::path_conflict});
  return paths;
}

}  // namespace fogbank::dynamodb
