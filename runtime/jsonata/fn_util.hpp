// Small helpers shared by the built-in function files (fn_*.cpp); not part
// of the library's interface.
#pragma once

#include <string>
#include <vector>

#include "runtime/jsonata/error.hpp"
#include "runtime/jsonata/functions.hpp"
#include "runtime/jsonata/value.hpp"

namespace sc::jsonata::fn {

/// A JSONata sequence holding `items`.
inline value seq(std::vector<value> items = {}) { return value::sequence(std::move(items)); }

/// The argument at `i`, or undefined when the call had fewer.
inline const value& arg(const std::vector<value>& args, size_t i) {
  static const value none;
  return i < args.size() ? args[i] : none;
}

/// Raises `code` (one jsonata-js does not have) with its own message.
/// `token` is the function's name: the evaluator re-fills the message of an
/// error without a token from the template, which would erase this one.
[[noreturn]] void raise_message(const std::string& code, std::string message, std::string token,
                                call_context& ctx, value val = {}, std::optional<size_t> index = {});

/// Raises `code` at the call's position with the template's inserts.
[[noreturn]] void raise_at(const std::string& code, call_context& ctx, value val = {},
                           std::optional<size_t> index = {});

/// JSON.stringify of a string (quotes and escapes as JavaScript writes them).
std::string json_quote(std::string_view s);

/// True when every item is a number (an undefined array is not).
bool all_numbers(const value& v);
/// True when every item is a string.
bool all_strings(const value& v);

/// Refuses a result longer than the evaluation allows (D-codes for sizes
/// are not in jsonata-js; U1001 like the other budgets, with a clear message).
void check_string_size(size_t bytes, call_context& ctx);
void check_sequence_size(size_t items, call_context& ctx);

}  // namespace sc::jsonata::fn
