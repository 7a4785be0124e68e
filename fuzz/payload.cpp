// Fuzz target: payload templates (runtime/eval/payload.hpp): Parameters,
// ResultSelector, ItemSelector. A template is a JSON value whose "x.$"
// fields are paths into the input, `$$` paths into the context object,
// `$name` paths into workflow variables, or intrinsic function calls.
//
// Input: "template\0input\0context\0variables" (invalid JSON parts other
// than the template fall back to small defaults). Checks: compile returns a
// template exactly when it reports no diagnostics; a payload is valid JSON;
// a failure has an error name and a cause; both evaluate overloads agree
// when there are no variables.
#include "fuzz/common.hpp"
#include "runtime/eval/payload.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sc;
  auto [tmpl_text, input_text, context_text, vars_text] = fuzz::split<4>(data, size);

  json::document tmpl;
  if (!json::parse(tmpl_text, tmpl)) return 0;
  std::vector<std::string> diagnostics;
  auto t = eval::payload_template::compile(tmpl, "/States/S/Parameters", diagnostics);
  SC_FUZZ_CHECK((t != nullptr) == diagnostics.empty(), "a template xor diagnostics");
  if (!t) return 0;

  json::document input, context, vars;
  fuzz::parse_or(input_text, input, R"({"a":[1,2,3],"s":"x,y","n":1.5,"o":{"k":"v"}})");
  fuzz::parse_or(context_text, context,
                 R"({"Execution":{"Id":"arn:aws:states:us-east-1:123456789012:execution:m:e"},)"
                 R"("State":{"Name":"S"},"Map":{"Item":{"Index":0,"Value":"i"}}})");
  fuzz::parse_or(vars_text, vars, R"({"x":{"y":[true,null]},"v":"w"})");

  json::document out;
  eval::rng random;
  auto failed = t->evaluate(input, context, vars, out, out.GetAllocator(), random);
  if (failed)
    SC_FUZZ_CHECK(!failed->error.empty() && !failed->cause.empty(), "failure has error and cause");
  else
    fuzz::check_dump(out, "payload");

  // Without variables: the two-argument overload equals an empty object.
  json::document a, b;
  json::value none(rapidjson::kObjectType);
  eval::rng ra, rb;
  auto fa = t->evaluate(input, context, a, a.GetAllocator(), ra);
  auto fb = t->evaluate(input, context, none, b, b.GetAllocator(), rb);
  SC_FUZZ_CHECK(fa.has_value() == fb.has_value(), "overloads agree on failure");
  if (!fa) SC_FUZZ_CHECK(json::dump(a) == json::dump(b), "overloads agree on the payload");
  return 0;
}
