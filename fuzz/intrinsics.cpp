// Fuzz target: intrinsic functions (runtime/eval/intrinsics.hpp): the
// expression parser and all 18 States.* functions, with path arguments
// into the input, the context object (`$$`) and workflow variables (`$x`).
//
// Input: "expression\0input\0context\0variables". Invalid JSON parts fall
// back to small defaults. Checks: the parser and check_intrinsic agree; a
// result is valid JSON; a failure has an error name and a cause;
// evaluation is deterministic for a given random state.
#include "fuzz/common.hpp"
#include "runtime/eval/intrinsics.hpp"
#include "runtime/eval/payload.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sc;
  auto [expr, input_text, context_text, vars_text] = fuzz::split<4>(data, size);

  std::string error;
  auto call = eval::intrinsic::parse(expr, error);
  SC_FUZZ_CHECK((call != nullptr) == eval::check_intrinsic(expr).empty(),
                "parse and check_intrinsic agree");
  if (!call) {
    SC_FUZZ_CHECK(!error.empty(), "a rejected expression has a message");
    return 0;
  }

  json::document input, context, vars;
  fuzz::parse_or(input_text, input, R"({"a":[1,2,3],"s":"x,y","n":1.5,"o":{"k":"v"}})");
  fuzz::parse_or(context_text, context,
                 R"({"Execution":{"Id":"arn:aws:states:us-east-1:123456789012:execution:m:e"},)"
                 R"("State":{"Name":"S"}})");
  fuzz::parse_or(vars_text, vars, R"({"x":{"y":[true,null]},"v":"w"})");

  json::document out;
  eval::rng random;
  auto failed = eval::intrinsic::evaluate(*call, input, context, &vars, "f.$", out,
                                          out.GetAllocator(), random);
  if (failed) {
    SC_FUZZ_CHECK(!failed->error.empty() && !failed->cause.empty(), "failure has error and cause");
  } else {
    fuzz::check_dump(out, "intrinsic result");
  }

  // The public entry point (Fail ErrorPath/CausePath) on the same text, with
  // the same random state, must agree.
  json::document again;
  eval::rng random2;
  auto failed2 = eval::evaluate_intrinsic(expr, input, context, vars, again, again.GetAllocator(),
                                          random2);
  SC_FUZZ_CHECK(failed.has_value() == failed2.has_value(), "evaluations agree on failure");
  if (failed) SC_FUZZ_CHECK(failed->error == failed2->error, "same error name");
  else SC_FUZZ_CHECK(json::dump(out) == json::dump(again), "same result");
  return 0;
}
