// What the evaluator needs from the string functions: applying a regex
// value. In jsonata-js a regex literal evaluates to a matcher function;
// calling it on a string returns the first match as
// {match, start, end, groups, next}, where `next()` returns the following
// match (raising D1004 when that one would be empty and not advance) and
// start/end count UTF-16 units. $match, $replace, $split and $contains use
// the same objects when they are given a matcher that is not a regex.
#pragma once

#include <vector>

#include "runtime/jsonata/functions.hpp"
#include "runtime/jsonata/regex.hpp"

namespace sc::jsonata {

/// Applies a regex value to `args` (the first argument is the subject; a
/// non-string is converted as JavaScript's RegExp.exec would). Undefined
/// when there is no match.
value apply_regex(call_context& ctx, const regex_function& re, const std::vector<value>& args);

}  // namespace sc::jsonata
