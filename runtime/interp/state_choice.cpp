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
  for (const auto& rule : st.choices) {
    bool matched = false;
    if (auto f = asl::evaluate(rule, eff, ctx, matched)) return flow::fail(decorate(t, *f));
    if (matched) {
      target = rule.next_index;
      break;
    }
  }
  if (target < 0) target = st.default_index;
  if (target < 0)
    return flow::fail(failure{"States.NoChoiceMatched",
                              "No Matches! at state '" + st.name + "'"});  // refined by conformance
  std::string out;
  if (auto f = apply_output_path(t, st, json::dump(eff), out)) return flow::fail(*f);
  emit(t, "ChoiceStateExited", "stateExitedEventDetails",
       details().str("name", st.name).payload("output", out).done());
  return flow::go(target, out);
}

}  // namespace sc::interp::detail
