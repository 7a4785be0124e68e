// Private to runtime/asl: the Choice comparison operators, shared by the
// compiler (which checks each operator's operand) and the evaluator.
#pragma once

#include <span>
#include <string_view>

namespace sc::asl::detail {

/// What an operator compares.
enum class operand_kind { string, number, boolean, timestamp, type_test };

/// How it compares.
enum class relation {
  eq,
  lt,
  gt,
  le,
  ge,
  matches,  // comparisons
  is_null,
  is_present,
  is_numeric,
  is_string,
  is_boolean,
  is_timestamp  // type tests
};

struct op_info {
  std::string_view name;  ///< e.g. "NumericLessThanPath"
  operand_kind kind;
  relation rel;
  bool path;  ///< the …Path variant: the operand is another path's value
};

/// The operator named `name`, or nullptr.
const op_info* find_op(std::string_view name);

/// Every comparison operator, in AWS's documented order.
std::span<const op_info> all_ops();

}  // namespace sc::asl::detail
