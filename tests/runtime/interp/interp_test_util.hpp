// Helpers shared by the runtime/interp tests: compile a definition, start
// an execution, run code on a thread with a chosen (small) stack.
#pragma once

#include "runtime/asl/parse.hpp"
#include "runtime/interp/step.hpp"

#include <catch2/catch.hpp>

#include <pthread.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace interp_test {

inline std::shared_ptr<const sc::asl::definition> compile(const std::string& text) {
  auto r = sc::asl::parse(text);
  if (!r.def) FAIL(sc::asl::format_diagnostics(r.diagnostics));
  return r.def;
}

inline sc::interp::execution_state execution(const std::string& input) {
  return sc::interp::make_execution("arn:aws:states:us-east-1:123456789012:execution:m:e",
                                    "arn:aws:states:us-east-1:123456789012:stateMachine:m", "m",
                                    "e", "arn:aws:iam::123456789012:role/r", input, 0, 1);
}

/// Runs `fn` on a new thread whose stack is `stack_bytes`, and waits for it.
/// Catch2 assertions are not thread-safe: `fn` only computes.
inline void on_stack(size_t stack_bytes, const std::function<void()>& fn) {
  pthread_attr_t attr;
  REQUIRE(pthread_attr_init(&attr) == 0);
  REQUIRE(pthread_attr_setstacksize(&attr, stack_bytes) == 0);
  pthread_t th;
  auto trampoline = [](void* arg) -> void* {
    (*static_cast<const std::function<void()>*>(arg))();
    return nullptr;
  };
  int rc = pthread_create(&th, &attr, trampoline, const_cast<std::function<void()>*>(&fn));
  pthread_attr_destroy(&attr);
  REQUIRE(rc == 0);
  pthread_join(th, nullptr);
}

/// Parses `definition` and starts an execution with `input`, both on a
/// thread with a `stack_bytes` stack; the whole execution happens in that
/// first step when it has no task and no timer.
inline sc::interp::step_result start_on_stack(size_t stack_bytes, const std::string& definition,
                                              const std::string& input,
                                              const sc::interp::limits& lim = {}) {
  std::string diagnostics;
  std::optional<sc::interp::step_result> out;
  on_stack(stack_bytes, [&] {
    auto r = sc::asl::parse(definition);
    if (!r.def) {
      diagnostics = sc::asl::format_diagnostics(r.diagnostics);
      return;
    }
    out = sc::interp::step(*r.def, execution(input), sc::interp::ev_start{}, 0, lim);
  });
  INFO(diagnostics);
  REQUIRE(out);
  return std::move(*out);
}

}  // namespace interp_test
