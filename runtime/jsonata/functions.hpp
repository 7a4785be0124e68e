// The built-in function library.
//
// Every built-in is one C++ function with its jsonata-js signature string;
// the evaluator checks arguments against the signature in one place before
// the call (signature.hpp), so a built-in receives validated arguments
// (missing optional ones as undefined). Higher-order built-ins ($map,
// $filter, $reduce, $sort, $single, $each, $sift, $replace with a function)
// call back into the evaluator through `call_context`.
//
// Step Functions' own functions ($partition, $range, $hash, $random with a
// seed, $uuid, $parse) are in the same table; $eval is not (AWS does not
// offer it).
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "runtime/jsonata/environment.hpp"
#include "runtime/jsonata/signature.hpp"
#include "runtime/jsonata/value.hpp"

namespace sc::jsonata {

/// What a built-in may ask of the evaluation that called it.
class call_context {
 public:
  virtual ~call_context() = default;
  /// Calls a function value (lambda, built-in, partial application, regex)
  /// with `args`; errors propagate as `exception`.
  virtual value apply(const value& fn, std::vector<value> args) = 0;
  /// How many arguments `fn` declares (lambda parameters, or a built-in's
  /// signature parameters); $map and friends pass only that many.
  virtual size_t arity(const value& fn) const = 0;
  virtual const environment& env() const = 0;
  /// Counts `n` steps of work against the evaluation's budget (throws
  /// U1001 past it). Built-ins that loop over large inputs call it.
  virtual void tick(size_t n = 1) = 0;
  /// Position of the call in the expression (for errors).
  virtual size_t position() const = 0;
  /// 64 random bits from the environment's generator (or the fixed
  /// fallback sequence when the environment has none).
  virtual uint64_t random_bits() = 0;
};

using native_impl = value (*)(call_context&, std::vector<value>& args);

struct builtin {
  const char* name;       ///< without the `$`
  const char* signature;  ///< jsonata-js signature string
  native_impl fn;
  /// JavaScript's `implementation.length` when it differs from the
  /// signature's parameter count ($string: 1, $zip: 0); -1 otherwise.
  int arity = -1;
};

/// Every built-in: the concatenation of the per-file tables below
/// (functions.cpp), so each family of functions lives in a file named after it.
std::span<const builtin> builtins();

namespace tables {
std::span<const builtin> string_functions();    ///< fn_string.cpp ($string, $substring, $match, …)
std::span<const builtin> numeric_functions();   ///< fn_numeric.cpp ($number, $round, $sum, …)
std::span<const builtin> array_functions();     ///< fn_array.cpp ($count, $append, $sort, $zip, …)
std::span<const builtin> object_functions();    ///< fn_object.cpp ($keys, $lookup, $spread, $merge, $each, $sift, $type, $error, $assert, …)
std::span<const builtin> hof_functions();       ///< fn_hof.cpp ($map, $filter, $single, $reduce)
std::span<const builtin> format_functions();    ///< fn_format.cpp ($formatNumber, $formatBase, $formatInteger, $parseInteger)
std::span<const builtin> datetime_functions();  ///< fn_datetime.cpp ($now, $millis, $fromMillis, $toMillis)
std::span<const builtin> sfn_functions();       ///< fn_sfn.cpp (Step Functions': $partition, $range, $hash, $random, $uuid, $parse)
}  // namespace tables

/// A built-in (or another native function, e.g. a match's `next`) as a value.
struct native_function final : function_node {
  native_function() : function_node(variety::native) {}
  std::string name;
  std::optional<sc::jsonata::signature> sig;
  std::function<value(call_context&, std::vector<value>&)> fn;
  /// How many arguments $map/$filter/$each/$sift/$single/$reduce pass to it
  /// (jsonata-js's getFunctionArity: the implementation's declared length).
  size_t arity = 0;
};

/// The built-ins as function values, by name (created once, shared).
const value* builtin_value(std::string_view name);

// --- helpers shared by the evaluator and the built-ins -------------------

/// JSONata's $string(v) (JSON with numbers at 15 significant digits,
/// functions as ""); `prettify` indents by 2.
std::string stringify(const value& v, bool prettify = false);
/// JSONata's $boolean(v) truthiness (undefined → undefined handled by caller).
bool truthy(const value& v);
/// $number(v) conversion; throws D3030 when not convertible.
double to_number(const value& v, call_context& ctx);

}  // namespace sc::jsonata
