// The Choice state.
#include "runtime/interp/runner.hpp"

#include "runtime/asl/choice.hpp"

namespace sc::interp::detail {

flow runner::exec_choice(thread& t, const asl::state& st) {
  json::document in;
  json::parse(t.input, in);
  json::document eff;
  if (auto f = apply_input_path(t, st.input_path, in, eff)) return flow::fail(*f);
  json::document ctx;
  build_context(t, ctx);
  int target = -1;
  const eval::payload_template* assign_tpl = st.assign.get();
  const json::value* vars = variables(t);
  for (const auto& rule : st.choices) {
    bool matched = false;
    if (auto f = asl::evaluate(rule, eff, ctx, matched, vars)) return flow::fail(decorate(t, *f));
    if (matched) {
      target = rule.next_index;
      if (rule.assign) assign_tpl = rule.assign.get();
      break;
    }
  }
  if (target < 0) target = st.default_index;
  if (target < 0)
    return flow::fail(failure{"States.NoChoiceMatched",
                              "No Matches! at state '" + st.name + "'"});  // refined by conformance
  if (assign_tpl)
    if (auto f = assign(t, *assign_tpl, eff)) return flow::fail(*f);
  std::string out;
  if (auto f = apply_output_path(t, st, json::dump(eff), out)) return flow::fail(*f);
  details d;
  d.str("name", st.name).payload("output", out);
  emit(t, "ChoiceStateExited", "stateExitedEventDetails", commit_assigned(t, d).done());
  return flow::go(target, out);
}

}  // namespace sc::interp::detail
