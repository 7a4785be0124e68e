// Evaluation of Choice rules (see choice.hpp).
//
// And / Or short-circuit left to right; a failure in an operand that is
// evaluated aborts the whole rule. A comparison selects its Variable (a `$$`
// path reads the context object) and then:
//   * IsPresent: whether the Variable matched anything;
//   * a missing Variable fails with States.Runtime, AWS's cause being
//     "Invalid path '$.x': The choice state's condition path references an
//     invalid value." (the interpreter prefixes "An error occurred while
//     executing the state ..."); the Is* type tests instead see "no value
//     of that type", so `"IsNull": true` is false and `"IsNull": false` true;
//   * a missing …Path operand fails the same way, naming that path;
//   * operands of the wrong type make the comparison false, never an error.
// Numbers compare by value across integers and floats; strings compare by
// UTF-8 bytes (code point order); timestamps compare as instants, and a
// string that is not an RFC 3339 timestamp compares false.
#include "runtime/asl/choice.hpp"

#include <string_view>
#include <vector>

#include "runtime/asl/choice_ops.hpp"
#include "runtime/asl/timestamp.hpp"
#include "runtime/eval/intrinsics.hpp"

namespace sc::asl {
namespace {

using detail::op_info;
using detail::operand_kind;
using detail::relation;

eval::failure invalid_path(const eval::path& p) {
  return {"States.Runtime",
          "Invalid path '" + p.text() +
              "': The choice state's condition path references an invalid value."};
}

bool lookup(const eval::path& p, const json::value& input, const json::value& context,
            const json::value* variables, json::value& out, json::allocator& a) {
  const json::value* root = eval::intrinsic::root_of(p, input, context, variables);
  return root && p.select(*root, out, a);
}

std::string_view view(const json::value& v) { return {v.GetString(), v.GetStringLength()}; }

template <typename T>
int three_way(T a, T b) {
  return (a > b) - (a < b);
}

// Compares two JSON numbers by value, exactly when both are integers.
int compare_numbers(const json::value& a, const json::value& b) {
  if (a.IsInt64() && b.IsInt64()) return three_way(a.GetInt64(), b.GetInt64());
  if (a.IsUint64() && b.IsUint64()) return three_way(a.GetUint64(), b.GetUint64());
  // One is an integer above INT64_MAX, the other a negative integer.
  if (a.IsInt64() && b.IsUint64()) return -1;
  if (a.IsUint64() && b.IsInt64()) return 1;
  return three_way(a.GetDouble(), b.GetDouble());
}

bool holds(relation rel, int cmp) {
  switch (rel) {
    case relation::eq: return cmp == 0;
    case relation::lt: return cmp < 0;
    case relation::gt: return cmp > 0;
    case relation::le: return cmp <= 0;
    case relation::ge: return cmp >= 0;
    default: return false;
  }
}

// StringMatches: `*` matches any run of characters (including none); `\*`
// is a literal star and `\\` a literal backslash. Greedy matching with
// backtracking to the last star: linear in practice, O(n*m) at worst.
bool wildcard_match(std::string_view text, std::string_view pattern) {
  constexpr int kStar = -1;
  std::vector<int> tokens;
  tokens.reserve(pattern.size());
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size() && (pattern[i + 1] == '*' || pattern[i + 1] == '\\'))
      tokens.push_back(static_cast<unsigned char>(pattern[++i]));
    else if (c == '*')
      tokens.push_back(kStar);
    else
      tokens.push_back(static_cast<unsigned char>(c));
  }
  size_t t = 0, p = 0;
  size_t star = std::string_view::npos, star_text = 0;
  while (t < text.size()) {
    if (p < tokens.size() && tokens[p] != kStar &&
        tokens[p] == static_cast<unsigned char>(text[t])) {
      ++t;
      ++p;
    } else if (p < tokens.size() && tokens[p] == kStar) {
      star = p++;
      star_text = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < tokens.size() && tokens[p] == kStar) ++p;
  return p == tokens.size();
}

bool type_test(relation rel, const json::value& v) {
  switch (rel) {
    case relation::is_null: return v.IsNull();
    case relation::is_numeric: return v.IsNumber();
    case relation::is_string: return v.IsString();
    case relation::is_boolean: return v.IsBool();
    case relation::is_timestamp:
      return v.IsString() && detail::parse_timestamp(view(v)).has_value();
    default: return false;
  }
}

// `value` against `operand` for a comparison operator; false on type mismatch.
bool compare(const op_info& op, const json::value& value, const json::value& operand) {
  switch (op.kind) {
    case operand_kind::string:
      if (!value.IsString() || !operand.IsString()) return false;
      if (op.rel == relation::matches) return wildcard_match(view(value), view(operand));
      return holds(op.rel, view(value).compare(view(operand)));
    case operand_kind::number:
      if (!value.IsNumber() || !operand.IsNumber()) return false;
      return holds(op.rel, compare_numbers(value, operand));
    case operand_kind::boolean:
      if (!value.IsBool() || !operand.IsBool()) return false;
      return value.GetBool() == operand.GetBool();
    case operand_kind::timestamp: {
      if (!value.IsString() || !operand.IsString()) return false;
      auto a = detail::parse_timestamp(view(value));
      auto b = detail::parse_timestamp(view(operand));
      if (!a || !b) return false;
      return holds(op.rel, *a < *b ? -1 : (*b < *a ? 1 : 0));
    }
    case operand_kind::type_test: return false;  // handled by the caller
  }
  return false;
}

eval::maybe_failure evaluate_comparison(const choice_rule& rule, const json::value& input,
                                        const json::value& context, bool& matched,
                                        const json::value* variables) {
  matched = false;
  const op_info* op = detail::find_op(rule.op);
  if (!op || !rule.variable)
    return eval::failure{"States.Runtime", "Invalid Choice rule: no comparison operator"};

  json::document scratch;  // owns copies made by path selection
  json::value value;
  bool found = lookup(*rule.variable, input, context, variables, value, scratch.GetAllocator());
  bool expected = rule.literal && rule.literal->IsBool() && rule.literal->GetBool();

  if (op->rel == relation::is_present) {
    matched = found == expected;
    return std::nullopt;
  }
  if (op->kind == operand_kind::type_test) {
    matched = (found && type_test(op->rel, value)) == expected;
    return std::nullopt;
  }
  if (!found) return invalid_path(*rule.variable);

  if (op->path) {
    if (!rule.value_path)
      return eval::failure{"States.Runtime", "Invalid Choice rule: no comparison path"};
    json::value operand;
    if (!lookup(*rule.value_path, input, context, variables, operand, scratch.GetAllocator()))
      return invalid_path(*rule.value_path);
    matched = compare(*op, value, operand);
    return std::nullopt;
  }
  if (!rule.literal)
    return eval::failure{"States.Runtime", "Invalid Choice rule: no comparison value"};
  matched = compare(*op, value, *rule.literal);
  return std::nullopt;
}

}  // namespace

eval::maybe_failure evaluate(const choice_rule& rule, const json::value& input,
                             const json::value& context, bool& matched,
                             const json::value* variables) {
  switch (rule.k) {
    case choice_rule::kind::and_:
    case choice_rule::kind::or_: {
      bool want = rule.k == choice_rule::kind::or_;  // the verdict that stops the scan
      for (const choice_rule& child : rule.children) {
        bool m = false;
        if (auto f = evaluate(child, input, context, m, variables)) return f;
        if (m == want) {
          matched = want;
          return std::nullopt;
        }
      }
      matched = !want;
      return std::nullopt;
    }
    case choice_rule::kind::not_: {
      if (rule.children.empty())
        return eval::failure{"States.Runtime", "Invalid Choice rule: Not without a rule"};
      bool m = false;
      if (auto f = evaluate(rule.children.front(), input, context, m, variables)) return f;
      matched = !m;
      return std::nullopt;
    }
    case choice_rule::kind::compare: return evaluate_comparison(rule, input, context, matched, variables);
  }
  matched = false;
  return std::nullopt;
}

}  // namespace sc::asl
