// Fuzz target: JSONata (runtime/jsonata): compiling an expression and
// evaluating it against a document.
//
// Input: "expression\0document". An expression that is not valid UTF-8 is
// skipped (state machine definitions are validated as UTF-8 before their
// expressions compile); a document that is not valid JSON is replaced by a
// small default. Evaluation runs with small limits (depth 100, 200,000
// steps, 100,000 items, 1 MiB strings, tight regex limits) so that every
// input finishes quickly: going past a limit must be an error, never a
// crash, a hang or unbounded memory.
// Checks: a compile error has a code and a message; an evaluation either
// returns or throws sc::jsonata::exception with a code and a message (any
// other exception is a finding); a result writes as valid JSON in valid
// UTF-8 and deep-equals itself unless it holds NaN; the expression also
// compiles from its own text again.
#include <random>

#include "fuzz/common.hpp"
#include "runtime/jsonata/jsonata.hpp"

namespace {

bool has_nan(const sc::jsonata::value& v, int depth = 0) {
  using sc::jsonata::kind;
  if (depth > 200) return true;  // too deep to bother: skip the self-equality check
  switch (v.type()) {
    case kind::number: return v.as_number() != v.as_number();
    case kind::array:
      for (auto& x : v.as_array().items) if (has_nan(x, depth + 1)) return true;
      return false;
    case kind::object:
      for (auto& [k, x] : v.as_object().entries) if (has_nan(x, depth + 1)) return true;
      return false;
    default: return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sc;
  namespace ja = sc::jsonata;
  auto [text, doc_text] = fuzz::split<2>(data, size);
  if (!json::valid_utf8(text)) return 0;

  auto compiled = ja::expression::compile(text);
  if (auto* e = std::get_if<ja::error>(&compiled)) {
    SC_FUZZ_CHECK(!e->code.empty() && !e->message.empty(), "a compile error has a code and a message");
    return 0;
  }
  const auto& expr = std::get<ja::expression>(compiled);
  SC_FUZZ_CHECK(expr.text() == text, "an expression keeps its text");
  SC_FUZZ_CHECK(std::holds_alternative<ja::expression>(ja::expression::compile(expr.text())),
                "an expression compiles again from its text");

  ja::value input;
  json::document doc;
  if (!doc_text.empty()) {
    if (!json::parse_untrusted(doc_text, doc)) json::parse(R"({"a":[1,{"b":"c"}],"d":{"e":null}})", doc);
    input = ja::from_json(doc);
  }
  ja::bindings vars;
  ja::value states = ja::value::object();
  states.mutable_object().set("input", input);
  vars.emplace("states", states);

  ja::environment env;
  env.now_ms = 1'700'000'000'000;
  auto rng = std::make_shared<std::mt19937_64>(7);
  env.random_bits = [rng] { return (*rng)(); };
  env.lim.max_depth = 100;
  env.lim.max_steps = 200'000;
  env.lim.max_sequence = 100'000;
  env.lim.max_string_bytes = 1u << 20;
  env.lim.regex_match_limit = 100'000;
  env.lim.regex_depth_limit = 1'000;

  ja::value result;
  try {
    result = expr.evaluate(input, vars, env);
  } catch (const ja::exception& e) {
    SC_FUZZ_CHECK(!e.err().code.empty() && !e.err().message.empty(),
                  "an evaluation error has a code and a message");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "escaped exception: %s\n", e.what());
    SC_FUZZ_CHECK(false, "only sc::jsonata::exception leaves evaluate");
  }
  if (result.is_undefined()) return 0;
  std::string out = ja::to_json(result);
  SC_FUZZ_CHECK(json::valid_utf8(out), "a result writes as valid UTF-8");
  if (json::nesting_depth(out) <= json::max_depth) SC_FUZZ_CHECK(json::valid(out), "a result writes as JSON");
  if (!has_nan(result)) SC_FUZZ_CHECK(ja::deep_equal(result, result), "a result equals itself");
  return 0;
}
