// Fuzz target: the ASL parser and validator (runtime/asl/parse.hpp), the
// code behind CreateStateMachine/UpdateStateMachine/ValidateStateMachine-
// Definition, and the InvalidDefinition message it renders.
//
// Input: definition text. Checks: exactly one of a definition or
// diagnostics; every diagnostic has a code; the rendered message is
// well-formed; a compiled definition is consistent (every transition,
// catcher and Choice rule names a state index of its own machine, machine
// ids are dense), which the interpreter relies on without checking.
#include "fuzz/common.hpp"
#include "runtime/asl/parse.hpp"

namespace {

using namespace sc;

bool in_range(int index, const asl::machine& m) {
  return index >= 0 && static_cast<size_t>(index) < m.states.size();
}

void check_machine(const asl::machine& m, const asl::definition& def) {
  SC_FUZZ_CHECK(m.id >= 0 && static_cast<size_t>(m.id) < def.machines.size() &&
                    def.machines[static_cast<size_t>(m.id)] == &m,
                "machine ids are dense");
  SC_FUZZ_CHECK(in_range(m.start_index, m), "StartAt resolved");
  for (size_t i = 0; i < m.states.size(); ++i) {
    const auto& s = m.states[i];
    SC_FUZZ_CHECK(s.index == static_cast<int>(i), "state index");
    if (!s.next.empty()) SC_FUZZ_CHECK(in_range(s.next_index, m), "Next resolved");
    for (const auto& c : s.catchers) SC_FUZZ_CHECK(in_range(c.next_index, m), "Catch Next resolved");
    for (const auto& r : s.choices) SC_FUZZ_CHECK(in_range(r.next_index, m), "Choice Next resolved");
    if (!s.default_next.empty()) SC_FUZZ_CHECK(in_range(s.default_index, m), "Default resolved");
    if (s.type == asl::state_type::parallel) {
      SC_FUZZ_CHECK(!s.branches.empty(), "a Parallel state has branches");
      for (const auto& b : s.branches) {
        SC_FUZZ_CHECK(b != nullptr, "Parallel branch");
        check_machine(*b, def);
      }
    }
    if (s.type == asl::state_type::map) {
      SC_FUZZ_CHECK(s.processor != nullptr, "a Map state has a processor");
      check_machine(*s.processor, def);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sc;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = asl::parse(text);
  SC_FUZZ_CHECK((r.def != nullptr) != !r.diagnostics.empty(),
                "a definition xor diagnostics");
  if (!r.def) {
    for (const auto& d : r.diagnostics) SC_FUZZ_CHECK(!d.code.empty(), "diagnostic without a code");
    const std::string msg = asl::format_diagnostics(r.diagnostics);
    SC_FUZZ_CHECK(msg.rfind("Invalid State Machine Definition: '", 0) == 0 && msg.back() == '\'',
                  "InvalidDefinition message shape");
    // The message goes into an error body as a JSON string.
    SC_FUZZ_CHECK(json::valid(json::quote(msg)), "message cannot be quoted");
    return 0;
  }
  SC_FUZZ_CHECK(r.def->text == text, "definition keeps its text");
  SC_FUZZ_CHECK(r.def->root != nullptr && !r.def->machines.empty() &&
                    r.def->machines[0] == r.def->root.get(),
                "machine 0 is the top level");
  check_machine(*r.def->root, *r.def);
  return 0;
}
