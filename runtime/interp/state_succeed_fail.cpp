// The terminal states: Succeed and Fail (with ErrorPath/CausePath).
#include "runtime/interp/runner.hpp"

#include "runtime/eval/intrinsics.hpp"

namespace sc::interp::detail {

flow runner::exec_succeed(thread& t, const asl::state& st) {
  json::document in;
  json::parse(t.input, in);
  json::document eff;
  if (auto f = apply_input_path(t, st.input_path, in, eff)) return flow::fail(*f);
  std::string out;
  if (auto f = apply_output_path(t, st, json::dump(eff), out)) return flow::fail(*f);
  return exit_state(t, st, out);
}

flow runner::exec_fail(thread& t, const asl::state& st) {
  failure f;
  bool has_error = false, has_cause = false;
  if (st.error) {
    f.error = *st.error;
    has_error = true;
  }
  if (st.cause) {
    f.cause = *st.cause;
    has_cause = true;
  }
  auto dynamic = [&](const std::string& expr, std::string& out,
                     const char* field) -> std::optional<failure> {
    json::document in;
    json::parse(t.input, in);
    json::document ctx;
    build_context(t, ctx);
    json::document v;
    if (expr.rfind("States.", 0) == 0) {
      json::value r;
      const json::value* vars = variables(t);
      json::value none(rapidjson::kObjectType);
      if (auto e = eval::evaluate_intrinsic(expr, in, ctx, vars ? *vars : none, r,
                                            v.GetAllocator(), random_))
        return decorate(t, *e);
      static_cast<json::value&>(v) = std::move(r);
    } else {
      auto p = eval::path::compile(expr);
      if (!p) return runtime(t, std::string("Invalid path '") + expr + "'");
      json::value r;
      if (!select(t, *p, in, r, v.GetAllocator()))
        return runtime(t, std::string("Invalid path '") + expr + "' : No results for path: " +
                              p->canonical());
      static_cast<json::value&>(v) = std::move(r);
    }
    if (!v.IsString())
      return runtime(t, std::string("The ") + field + " field '" + expr +
                            "' must reference a string value, but found: " + json::dump(v));
    out = v.GetString();
    return std::nullopt;
  };
  if (st.error_path) {
    if (auto e = dynamic(*st.error_path, f.error, "ErrorPath")) return flow::fail(*e);
    has_error = true;
  }
  if (st.cause_path) {
    if (auto e = dynamic(*st.cause_path, f.cause, "CausePath")) return flow::fail(*e);
    has_cause = true;
  }
  return flow::fail(f, has_error, has_cause);
}

}  // namespace sc::interp::detail
