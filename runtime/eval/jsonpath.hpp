// JSONPath as the States Language uses it.
//
// Two flavours share one compiled form:
//  * reference paths ($, .name, ['name'], [n]) select exactly one node and
//    are the only form allowed where a value is written (ResultPath) and in
//    Choice `Variable`;
//  * full paths add wildcards (.*, [*]), slices ([a:b:c]), unions ([0,1]),
//    recursive descent (..) and filters ([?(@.x > 1)]), and yield a list.
// A path that starts with `$$` addresses the context object and one that
// starts with `$name` the workflow variable `name`; the caller chooses which
// root to pass.
#pragma once

#include "runtime/eval/failure.hpp"
#include "runtime/json/json.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sc::eval {

class path {
 public:
  /// Compiles `text`; nullopt and a message in `error` when it is not a valid
  /// JSONPath. `text` must start with `$` (or `$$`).
  static std::optional<path> compile(std::string_view text, std::string* error = nullptr);

  /// The text as written in the definition.
  const std::string& text() const;
  /// True for `$$...` paths (context object).
  bool is_context() const;
  /// True when the path can only ever select one node (a reference path).
  bool is_reference() const;
  /// True for the path `$` (or `$$`) alone.
  bool is_root() const;
  /// True for `$name...` paths, which read the workflow variable `name`
  /// (JSONPath `Assign`): pass that variable's value as the root.
  bool is_variable() const;
  /// The variable name of a `$name...` path; empty otherwise.
  const std::string& variable() const;
  /// How many steps follow the root (`$.a[0]` has 2).
  size_t length() const;

  /// Evaluates against `root`. A reference path yields the node itself; a
  /// full path yields a JSON array of every match (AWS flattens nothing
  /// more; as in Jayway, a trailing name union `$.x['a','b']` yields an
  /// object of the fields present instead). Returns false when a reference
  /// path matches nothing; a full path that matches nothing yields an empty
  /// array and true (AWS's rule for wildcards/filters/slices).
  /// Evaluation is bounded: a full path whose matches or result would be
  /// far larger than any payload (`$..[*]..[*]` over a deeply nested input)
  /// returns false and, when `error` is given, States.DataLimitExceeded.
  bool select(const json::value& root, json::value& out, json::allocator& a,
              maybe_failure* error = nullptr) const;

  /// Writes `v` at this (reference) path inside `root`, creating objects
  /// for missing fields (ResultPath semantics). Fails with
  /// States.ResultPathMatchFailure wording when the path runs through a
  /// non-object or an array index is out of range.
  maybe_failure assign(json::value& root, json::value&& v, json::allocator& a) const;

  /// AWS's canonical bracket form, e.g. `$['a']['b'][0]`, used in messages
  /// such as "No results for path: $['missing']".
  std::string canonical() const;

  ~path();
  path(const path&);
  path(path&&) noexcept;
  path& operator=(const path&);
  path& operator=(path&&) noexcept;

 private:
  struct impl;
  path() = default;
  std::shared_ptr<const impl> impl_;
};

}  // namespace sc::eval
