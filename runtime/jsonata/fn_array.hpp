// The stable merge sort behind $sort, for the evaluator's order-by too.
#pragma once

#include <functional>
#include <vector>

#include "runtime/jsonata/value.hpp"

namespace sc::jsonata {

/// Sorts `items` the way jsonata-js's $sort does: a top-down merge sort
/// that takes the right-hand item first exactly when `swap(left, right)`
/// is true (so equal items keep their order). `swap` may throw.
std::vector<value> merge_sort(std::vector<value> items,
                              const std::function<bool(const value&, const value&)>& swap);

/// JavaScript's `a < b` on two strings (UTF-16 code unit order).
bool js_string_less(const std::string& a, const std::string& b);

}  // namespace sc::jsonata
