// Names of the compiled AST's enums, spelled as the States Language spells
// them (used in diagnostics and execution history).
#include "runtime/asl/ast.hpp"

namespace sc::asl {

const char* to_string(state_type t) {
  switch (t) {
    case state_type::pass: return "Pass";
    case state_type::task: return "Task";
    case state_type::choice: return "Choice";
    case state_type::wait: return "Wait";
    case state_type::succeed: return "Succeed";
    case state_type::fail: return "Fail";
    case state_type::parallel: return "Parallel";
    case state_type::map: return "Map";
  }
  return "Unknown";
}

}  // namespace sc::asl
