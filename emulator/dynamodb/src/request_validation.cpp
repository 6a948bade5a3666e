#include "request_validation.hpp"

#include "attribute_value.hpp"
#include "deserializer.hpp"
#include "fogbank/core/aws_error.hpp"
#include "request.hpp"
#include "request_model.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

namespace fogbank::dynamodb {
namespace {

using json = nlohmann::json;
using request_model::kind;
using request_model::no_limit;
using request_model::shape;

// DynamoDB stops listing violations after ten (dynalite's validations/index.js, checkValidations).
constexpr std::size_t max_reported_violations = 10;

// ---- JSON types (deserializer.hpp has the wording) ---------------------------------------------

using deserializer::position;

// The Java type DynamoDB's front end deserializes a shape into, for "Unrecognized collection type".
std::string java_type(const request_model::service_model& model, const shape& s) {
  switch (s.type) {
    case kind::structure:
    case kind::attribute_value:
      return "com.amazonaws.dynamodb.v20120810." + std::string(s.name);
    case kind::list:
      return "java.util.List<" + java_type(model, model.at(s.element)) + ">";
    case kind::map:
      return "java.util.Map<java.lang.String, " + java_type(model, model.at(s.element)) + ">";
    case kind::string:
    case kind::timestamp:
      return "java.lang.String";
    case kind::integer:
      return "java.lang.Integer";
    case kind::long_integer:
      return "java.lang.Long";
    case kind::double_number:
      return "java.lang.Double";
    case kind::boolean:
      return "java.lang.Boolean";
    case kind::blob:
      return "java.nio.ByteBuffer";
  }
  return "java.lang.Object";
}

void check_type(const request_model::service_model& model, const shape& s, const json& value,
                position where) {
  switch (s.type) {
    case kind::structure:
      deserializer::expect_structure(value, s.name, where);
      return;
    case kind::list:
      deserializer::expect_list(value, where);
      return;
    case kind::map:
      // The Java type is only spelled out in the refusal (a valid request builds no strings).
      if (!value.is_object()) deserializer::expect_map(value, java_type(model, model.at(s.element)), where);
      return;
    case kind::string:
      deserializer::expect_string(value);
      return;
    case kind::integer:
      deserializer::expect_number(value, "Integer");
      return;
    case kind::long_integer:
      deserializer::expect_number(value, "Long");
      return;
    case kind::double_number:
      deserializer::expect_number(value, "Double");
      return;
    case kind::boolean:
      deserializer::expect_boolean(value, true);
      return;
    case kind::blob:
      deserializer::expect_blob(value);
      return;
    case kind::attribute_value:
      // Its types only: its values (empty sets, numbers, nesting) are attribute_value.cpp's,
      // checked by the operation after every constraint here.
      check_value_types(value);
      return;
    case kind::timestamp:  // epoch seconds or text: the operation reads it as it reads it
      return;
  }
}

// ---- Constraint messages -------------------------------------------------------------------------

// A value as DynamoDB prints it in "Value <v> at ...": strings and numbers quoted, a list of
// scalars as [a, b], anything else as its JSON text.
std::string printed_value(const json& value) {
  if (value.is_string()) return "'" + value.get_ref<const std::string&>() + "'";
  if (value.is_array()) {
    std::string out = "'[";
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (i > 0) out += ", ";
      out += value[i].is_string() ? value[i].get_ref<const std::string&>() : value[i].dump();
    }
    return out + "]'";
  }
  return "'" + value.dump() + "'";
}

// Java's String.length(): UTF-16 code units, which is what DynamoDB's length constraints count.
std::int64_t utf16_length(const std::string& text) {
  std::int64_t units = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) units += (c >= 0xF0) ? 2 : 1;  // a lead byte; 4-byte sequences are pairs
  }
  return units;
}

bool matches(request_model::pattern_kind pattern, const std::string& text) {
  return pattern != request_model::pattern_kind::table_name || matches_table_name_pattern(text);
}

std::string_view pattern_text(request_model::pattern_kind pattern) {
  return pattern == request_model::pattern_kind::table_name ? "[a-zA-Z0-9_.-]+" : "";
}

// One constraint of `s` as its message words it; `what` is "length" or "value".
std::string min_constraint(const shape& s, std::string_view what) {
  return "Member must have " + std::string(what) + " greater than or equal to " + std::to_string(s.min);
}
std::string max_constraint(const shape& s, std::string_view what) {
  return "Member must have " + std::string(what) + " less than or equal to " + std::to_string(s.max);
}
std::string pattern_constraint(const shape& s) {
  return "Member must satisfy regular expression pattern: " + std::string(pattern_text(s.pattern));
}

// The constraints `value` breaks as a member of shape `s`, in the order DynamoDB gives them for
// one member (pattern before length: the coral validator's order in the messages on record).
std::vector<std::string> broken_constraints(const shape& s, const json& value) {
  std::vector<std::string> broken;
  std::int64_t length = -1;
  if (s.type == kind::string && value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (!matches(s.pattern, text)) broken.push_back(pattern_constraint(s));
    length = utf16_length(text);
  } else if ((s.type == kind::list && value.is_array()) || (s.type == kind::map && value.is_object())) {
    length = static_cast<std::int64_t>(value.size());
  }
  if (length >= 0) {
    if (s.min != no_limit && length < s.min) broken.push_back(min_constraint(s, "length"));
    if (s.max != no_limit && length > s.max) broken.push_back(max_constraint(s, "length"));
  }
  if ((s.type == kind::integer || s.type == kind::long_integer) && value.is_number()) {
    // nlohmann reads non-negative integers as unsigned; fractions compare as doubles.
    const auto compare_min = [&](std::int64_t bound) {
      if (value.is_number_unsigned())
        return bound <= 0 || value.get<std::uint64_t>() >= static_cast<std::uint64_t>(bound);
      return value.is_number_integer() ? value.get<std::int64_t>() >= bound
                                       : value.get<double>() >= static_cast<double>(bound);
    };
    const auto compare_max = [&](std::int64_t bound) {
      if (value.is_number_unsigned()) return value.get<std::uint64_t>() <= static_cast<std::uint64_t>(bound);
      return value.is_number_integer() ? value.get<std::int64_t>() <= bound
                                       : value.get<double>() <= static_cast<double>(bound);
    };
    if (s.min != no_limit && !compare_min(s.min)) broken.push_back(min_constraint(s, "value"));
    if (s.max != no_limit && !compare_max(s.max)) broken.push_back(max_constraint(s, "value"));
  }
  if (!s.enum_values.empty() && value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (std::find(s.enum_values.begin(), s.enum_values.end(), text) == s.enum_values.end()) {
      broken.push_back(enum_constraint(s.enum_values));
    }
  }
  return broken;
}

bool has_constraints(const shape& s) {
  return s.min != no_limit || s.max != no_limit || s.pattern != request_model::pattern_kind::none ||
         !s.enum_values.empty();
}

// ---- The walk ----------------------------------------------------------------------------------
// One pass in DynamoDB's member order: a type error is thrown at once (the deserializer runs
// before validation, so it wins over any violation found earlier in the walk); violations are
// collected. The model has no recursive shape outside AttributeValue, which is not walked, so the
// walk's depth is the model's (the generator refuses any other cycle).

// Where a value sits, as a chain of steps on the walk's stack, rendered as DynamoDB's member path
// only when a violation is reported (the walk of a valid request builds no strings).
struct member_path {
  enum class step { root, member, element, map_value };
  const member_path* parent = nullptr;
  step how = step::root;
  std::string_view name;  // a member's name, or a map's key
  std::size_t index = 0;  // a list element's position, from 0

  std::string render() const {
    if (how == step::root) return {};
    std::string out = parent->render();
    switch (how) {
      case step::member:
        if (!out.empty()) out += '.';
        out += lower_first(name);
        break;
      case step::element:
        out += "." + std::to_string(index + 1) + ".member";
        break;
      case step::map_value:
        out += "." + std::string(name) + ".member";
        break;
      case step::root:
        break;
    }
    return out;
  }
};

// The most members a structure of the model may have (gen_request_model.py refuses a model with
// more).
constexpr std::size_t max_structure_members = 64;

class shape_walk {
 public:
  explicit shape_walk(const request_model::service_model& model) : model_(model) {}

  void member(const shape& s, const json& value, const member_path& path, position where) {
    check_type(model_, s, value, where);
    if (has_constraints(s)) {
      for (auto& constraint : broken_constraints(s, value)) report(value, path, constraint);
    }
    descend(s, value, path);
  }

  void finish() const {
    if (violations_.empty()) return;
    std::string message =
        std::to_string(violations_.size()) +
        (violations_.size() == 1 ? " validation error detected: " : " validation errors detected: ");
    for (std::size_t i = 0; i < violations_.size(); ++i) {
      if (i > 0) message += "; ";
      message += violations_[i];
    }
    core::throw_validation(message);
  }

  // The request's members are matched to the model's once (a request holds a few; looking each of
  // the model's up in the request would cost a key string per member), then visited in the
  // model's order, which is the order DynamoDB reports them in.
  void structure(const shape& s, const json& object, const member_path& path) {
    std::array<const json*, max_structure_members> present{};
    const std::size_t count = std::min(s.members.size(), max_structure_members);
    for (auto it = object.begin(); it != object.end(); ++it) {
      if (it->is_null()) continue;
      for (std::size_t i = 0; i < count; ++i) {
        if (s.members[i].name == it.key()) {
          present[i] = &*it;
          break;
        }
      }
    }
    for (std::size_t i = 0; i < count; ++i) {
      const auto& m = s.members[i];
      const member_path here{&path, member_path::step::member, m.name};
      if (present[i] == nullptr) {
        if (m.required && violations_.size() < max_reported_violations) {
          report_text("Value null at '" + here.render() +
                      "' failed to satisfy constraint: Member must not be null");
        }
        continue;
      }
      member(model_.at(m.shape), *present[i], here, position::field);
    }
  }

 private:
  void descend(const shape& s, const json& value, const member_path& path) {
    switch (s.type) {
      case kind::structure:
        structure(s, value, path);
        return;
      case kind::list: {
        const shape& element = model_.at(s.element);
        for (std::size_t i = 0; i < value.size(); ++i) {
          if (value[i].is_null()) continue;
          member(element, value[i], member_path{&path, member_path::step::element, {}, i}, position::element);
        }
        return;
      }
      case kind::map:
        map(s, value, path);
        return;
      default:
        return;
    }
  }

  // A map's constraints are reported once for the whole map, each listing all of its part's
  // constraints, as Coral words them for every AWS service:
  //   "Value '{...}' at 'requestItems' failed to satisfy constraint: Map keys must satisfy
  //    constraint: [Member must have length less than or equal to 255, Member must have length
  //    greater than or equal to 3, Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+]"
  // (dynalite's test/batchWriteItem.js, pinned against DynamoDB), then the values' own, and
  //   "... Map value must satisfy constraint: [Member must have length less than or equal to 25,
  //    Member must have length greater than or equal to 1]" (a BatchWriteItem error on record,
  //    flow-lab/flow#5). A value that is a structure is walked at "<map>.<key>.member".
  void map(const shape& s, const json& object, const member_path& path) {
    const shape& key = model_.at(s.key);
    const shape& value_shape = model_.at(s.element);
    if (has_constraints(key)) {
      for (auto it = object.begin(); it != object.end(); ++it) {
        if (!broken_constraints(key, json(it.key())).empty()) {
          report(object, path, "Map keys must satisfy constraint: [" + all_constraints(key) + "]");
          break;
        }
      }
    }
    const bool values_constrained = has_constraints(value_shape);
    bool value_broken = false;
    for (auto it = object.begin(); it != object.end(); ++it) {
      if (it->is_null()) continue;
      check_type(model_, value_shape, *it, position::element);
      if (values_constrained && !broken_constraints(value_shape, *it).empty()) value_broken = true;
      descend(value_shape, *it, member_path{&path, member_path::step::map_value, it.key()});
    }
    if (value_broken)
      report(object, path, "Map value must satisfy constraint: [" + all_constraints(value_shape) + "]");
  }

  // Every constraint of `s`, as a map's key or value constraint lists them: length (or value)
  // bounds, largest first, then the pattern and the enum.
  static std::string all_constraints(const shape& s) {
    const bool number =
        s.type == kind::integer || s.type == kind::long_integer || s.type == kind::double_number;
    const std::string_view what = number ? "value" : "length";
    std::string all;
    const auto add = [&](const std::string& text) { all += (all.empty() ? "" : ", ") + text; };
    if (s.max != no_limit) add(max_constraint(s, what));
    if (s.min != no_limit) add(min_constraint(s, what));
    if (s.pattern != request_model::pattern_kind::none) add(pattern_constraint(s));
    if (!s.enum_values.empty()) add(enum_constraint(s.enum_values));
    return all;
  }

  void report(const json& value, const member_path& path, const std::string& constraint) {
    if (violations_.size() >= max_reported_violations) return;
    report_text("Value " + printed_value(value) + " at '" + path.render() +
                "' failed to satisfy constraint: " + constraint);
  }

  void report_text(std::string text) {
    if (violations_.size() < max_reported_violations) violations_.push_back(std::move(text));
  }

  const request_model::service_model& model_;
  std::vector<std::string> violations_;
};

}  // namespace

const request_model::operation* request_model::service_model::find_operation(
    std::string_view name) const noexcept {
  const auto found = std::lower_bound(operations.begin(), operations.end(), name,
                                      [](const operation& o, std::string_view n) { return o.name < n; });
  return found != operations.end() && found->name == name ? &*found : nullptr;
}

void validate_request_shape(const request_model::service_model& model, std::string_view operation,
                            const nlohmann::json& request) {
  const request_model::operation* found = model.find_operation(operation);
  if (found == nullptr || !request.is_object()) return;
  shape_walk walk(model);
  walk.structure(model.at(found->input), request, member_path{});
  walk.finish();
}

}  // namespace fogbank::dynamodb
