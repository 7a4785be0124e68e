// The table of Choice comparison operators (see choice_ops.hpp).
#include "runtime/asl/choice_ops.hpp"

#include <algorithm>
#include <iterator>

namespace sc::asl::detail {
namespace {

using k = operand_kind;
using r = relation;

const op_info kOps[] = {
    {"BooleanEquals", k::boolean, r::eq, false},
    {"BooleanEqualsPath", k::boolean, r::eq, true},
    {"IsBoolean", k::type_test, r::is_boolean, false},
    {"IsNull", k::type_test, r::is_null, false},
    {"IsNumeric", k::type_test, r::is_numeric, false},
    {"IsPresent", k::type_test, r::is_present, false},
    {"IsString", k::type_test, r::is_string, false},
    {"IsTimestamp", k::type_test, r::is_timestamp, false},
    {"NumericEquals", k::number, r::eq, false},
    {"NumericEqualsPath", k::number, r::eq, true},
    {"NumericGreaterThan", k::number, r::gt, false},
    {"NumericGreaterThanPath", k::number, r::gt, true},
    {"NumericGreaterThanEquals", k::number, r::ge, false},
    {"NumericGreaterThanEqualsPath", k::number, r::ge, true},
    {"NumericLessThan", k::number, r::lt, false},
    {"NumericLessThanPath", k::number, r::lt, true},
    {"NumericLessThanEquals", k::number, r::le, false},
    {"NumericLessThanEqualsPath", k::number, r::le, true},
    {"StringEquals", k::string, r::eq, false},
    {"StringEqualsPath", k::string, r::eq, true},
    {"StringGreaterThan", k::string, r::gt, false},
    {"StringGreaterThanPath", k::string, r::gt, true},
    {"StringGreaterThanEquals", k::string, r::ge, false},
    {"StringGreaterThanEqualsPath", k::string, r::ge, true},
    {"StringLessThan", k::string, r::lt, false},
    {"StringLessThanPath", k::string, r::lt, true},
    {"StringLessThanEquals", k::string, r::le, false},
    {"StringLessThanEqualsPath", k::string, r::le, true},
    {"StringMatches", k::string, r::matches, false},
    {"TimestampEquals", k::timestamp, r::eq, false},
    {"TimestampEqualsPath", k::timestamp, r::eq, true},
    {"TimestampGreaterThan", k::timestamp, r::gt, false},
    {"TimestampGreaterThanPath", k::timestamp, r::gt, true},
    {"TimestampGreaterThanEquals", k::timestamp, r::ge, false},
    {"TimestampGreaterThanEqualsPath", k::timestamp, r::ge, true},
    {"TimestampLessThan", k::timestamp, r::lt, false},
    {"TimestampLessThanPath", k::timestamp, r::lt, true},
    {"TimestampLessThanEquals", k::timestamp, r::le, false},
    {"TimestampLessThanEqualsPath", k::timestamp, r::le, true},
};

}  // namespace

const op_info* find_op(std::string_view name) {
  // 39 short names: a linear scan costs less than the path lookups around it.
  auto it = std::find_if(std::begin(kOps), std::end(kOps),
                         [&](const op_info& o) { return o.name == name; });
  return it != std::end(kOps) ? &*it : nullptr;
}

std::span<const op_info> all_ops() { return kOps; }

}  // namespace sc::asl::detail
