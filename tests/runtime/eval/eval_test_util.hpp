// Small helpers shared by the runtime/eval tests: parse JSON text, run a
// path / template / intrinsic, and render the outcome as one string so each
// check compares exact text ("{...}" on success, "error | cause" on failure).
#pragma once

#include "runtime/eval/jsonpath.hpp"
#include "runtime/eval/payload.hpp"
#include "runtime/json/json.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

namespace sc::eval::test {

inline json::document doc(std::string_view text) {
  json::document d;
  std::string err;
  INFO("parsing " << text);
  REQUIRE(json::parse(text, d, &err));
  return d;
}

/// The selected node as compact JSON, or "<none>" when nothing matched.
inline std::string select(std::string_view path_text, std::string_view input) {
  auto p = path::compile(path_text);
  INFO("compiling " << path_text);
  REQUIRE(p);
  auto in = doc(input);
  json::document out;
  if (!p->select(in, out, out.GetAllocator())) return "<none>";
  return json::dump(out);
}

/// The compile error of a path, or "" when it compiles.
inline std::string path_error(std::string_view path_text) {
  std::string err;
  if (path::compile(path_text, &err)) return "";
  return err.empty() ? "?" : err;
}

inline std::string outcome(const maybe_failure& f, const json::value& out) {
  if (f) return f->error + " | " + f->cause;
  return json::dump(out);
}

/// Evaluates one intrinsic expression.
inline std::string run(std::string_view expr, std::string_view input = "{}",
                             std::string_view context = "{}", uint64_t seed = 1) {
  INFO("expression " << expr);
  REQUIRE(check_intrinsic(expr) == "");
  auto in = doc(input), ctx = doc(context);
  json::document out;
  rng r{seed};
  auto f = evaluate_intrinsic(expr, in, ctx, out, out.GetAllocator(), r);
  return outcome(f, out);
}

/// Compiles and evaluates a payload template.
inline std::string render(std::string_view tmpl, std::string_view input = "{}",
                          std::string_view context = "{}", uint64_t seed = 1) {
  auto t = doc(tmpl);
  std::vector<std::string> diags;
  auto compiled = payload_template::compile(t, "/States/S/Parameters", diags);
  INFO("template " << tmpl);
  REQUIRE(diags.empty());
  REQUIRE(compiled);
  auto in = doc(input), ctx = doc(context);
  json::document out;
  rng r{seed};
  auto f = compiled->evaluate(in, ctx, out, out.GetAllocator(), r);
  return outcome(f, out);
}

/// Compiles and evaluates a payload template with workflow variables.
inline std::string render_vars(std::string_view tmpl, std::string_view input, std::string_view variables,
                               uint64_t seed = 1) {
  auto t = doc(tmpl);
  std::vector<std::string> diags;
  auto compiled = payload_template::compile(t, "/States/S/Parameters", diags);
  INFO("template " << tmpl);
  REQUIRE(diags.empty());
  REQUIRE(compiled);
  auto in = doc(input), ctx = doc("{}"), vars = doc(variables);
  json::document out;
  rng r{seed};
  auto f = compiled->evaluate(in, ctx, vars, out, out.GetAllocator(), r);
  return outcome(f, out);
}

/// Evaluates `Parameters: {"value.$": expr}` and returns the dumped output.
inline std::string field(std::string_view expr, std::string_view input = "{}",
                         std::string_view context = "{}", uint64_t seed = 1) {
  std::string tmpl = "{\"value.$\":" + json::quote(expr) + "}";
  return render(tmpl, input, context, seed);
}

}  // namespace sc::eval::test
