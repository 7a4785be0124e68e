// Intrinsic functions (States.Format, States.Array, ...): parser and
// evaluator. Private to runtime/eval: payload templates and
// `evaluate_intrinsic` (payload.hpp) are the public entry points.
//
// An expression is parsed once into a tree of `call` nodes whose arguments
// are literals (strings in single quotes, numbers, true/false/null), paths
// ($... or $$..., compiled once) or nested calls. Syntax errors and unknown
// function names are found at parse time; argument counts and types are
// checked when the call runs, as AWS does (States.Runtime,
// "Invalid arguments in States.X").
#pragma once

#include "runtime/eval/failure.hpp"
#include "runtime/eval/jsonpath.hpp"
#include "runtime/json/json.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sc::eval::intrinsic {

/// The 18 functions of the States Language.
enum class function : uint8_t {
  format, string_to_json, json_to_string, array, array_partition, array_contains,
  array_range, array_get_item, array_length, array_unique, base64_encode, base64_decode,
  hash, json_merge, math_random, math_add, string_split, uuid
};

struct node;
using node_ptr = std::shared_ptr<const node>;

/// One node of a parsed intrinsic expression.
struct node {
  enum class kind : uint8_t { call, literal, path };
  kind k = kind::literal;
  // call
  function fn = function::array;
  std::string name;  ///< "States.Format"
  std::vector<node_ptr> args;
  // literal: the value; for string literals also the text as written
  // between the quotes (States.Format needs the escapes of its template).
  std::shared_ptr<json::document> value;
  std::string raw;
  bool is_string_literal = false;
  // path
  std::optional<sc::eval::path> p;
};

/// Parses a whole expression, which must be one function call. Returns
/// nullptr and sets `error` when the text is not a valid call.
node_ptr parse(std::string_view expression, std::string& error);

/// Evaluates a parsed call. `variables` (may be null) maps workflow variable
/// names to values for `$name` arguments. `field` names the template field
/// for the "could not be found" message (e.g. "a.$"); empty leaves it out.
maybe_failure evaluate(const node& call, const json::value& input, const json::value& context,
                       const json::value* variables, std::string_view field, json::value& out,
                       json::allocator& a, rng& random);

/// The root a compiled path reads: the input, the context object, or the
/// named member of `variables`; nullptr for an unknown variable.
const json::value* root_of(const sc::eval::path& p, const json::value& input,
                           const json::value& context, const json::value* variables);

/// AWS's cause for a path that selects nothing, e.g. "The JSONPath '$.x'
/// specified for the field 'a.$' could not be found in the input '{}'".
std::string path_not_found(std::string_view path_text, std::string_view field,
                           const json::value& input);

/// java.util.Random(seed).nextInt(bound): AWS's seeded States.MathRandom.
int32_t java_random_next_int(int64_t seed, int32_t bound);

}  // namespace sc::eval::intrinsic
