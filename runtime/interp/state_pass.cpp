// The Pass state.
#include "runtime/interp/runner.hpp"

namespace sc::interp::detail {

flow runner::exec_pass(thread& t, const asl::state& st) {
  // A Pass state right after a Pass state starts from the document the
  // previous one built (its output text is this input): no parse. The
  // text comparison makes the reuse exact whatever happened in between.
  std::optional<json::document> reused;
  if (carried_ && carried_text_ == t.input) {
    reused.emplace(std::move(*carried_));
    carried_.reset();
  }
  json::document in = reused ? std::move(*reused) : json::document();
  if (!reused) json::parse(t.input, in);
  auto& a = in.GetAllocator();
  const json::value* eff = &in;
  json::document eff_doc;
  if (st.input_path.is_null || (st.input_path.path && !st.input_path.path->is_root())) {
    if (auto f = apply_input_path(t, st.input_path, in, eff_doc)) return flow::fail(*f);
    eff = &eff_doc;
  }
  json::value res;
  if (st.parameters) {
    json::document ctx;
    build_context(t, ctx);
    const json::value* vars = variables(t);
    json::value none(rapidjson::kObjectType);
    if (auto f = st.parameters->evaluate(*eff, ctx, vars ? *vars : none, res, a, random_))
      return flow::fail(decorate(t, *f));
  }
  if (st.result)
    res.CopyFrom(*st.result, a);
  else if (!st.parameters)
    res.CopyFrom(*eff, a);
  if (st.assign)
    if (auto f = assign(t, *st.assign, res)) return flow::fail(*f);
  if (auto f = apply_result_path(t, st.result_path, in, std::move(res))) return flow::fail(*f);
  std::string out;
  if (auto f = apply_output_path(t, st, in, out)) return flow::fail(*f);
  // A reused document's pool only grows (what a Pass replaces stays
  // allocated): carry it on only while it holds little garbage, or a loop
  // through Pass states would pile up a copy of its data per round (a
  // Pass -> Choice loop carrying 100 KB reached 700 MB in one step).
  if (!st.end && !st.output_path.is_null &&
      (!st.output_path.path || st.output_path.path->is_root()) &&
      a.Size() <= 2 * out.size() + 16384) {
    // `out` is `in` serialised: carry the document to the next state.
    carried_text_ = out;
    carried_.emplace(std::move(in));
  }
  return exit_state(t, st, out);
}

}  // namespace sc::interp::detail
