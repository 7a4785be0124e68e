// ASL failures are values, never C++ exceptions: every evaluation that can
// fail at run time returns an optional `failure` carrying the ASL error name
// (States.Runtime, States.IntrinsicFailure, ...) and AWS's cause text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace sc::eval {

struct failure {
  std::string error;  ///< ASL error name, e.g. "States.Runtime"
  std::string cause;  ///< human-readable cause, worded as AWS words it
};

using maybe_failure = std::optional<failure>;

/// Deterministic pseudo-random source for States.MathRandom and States.UUID.
/// The pure core never reads a real RNG: the seed lives in the execution
/// state, so replaying a step gives the same numbers.
struct rng {
  uint64_t state = 0x9E3779B97F4A7C15ull;
  uint64_t next() {  // splitmix64
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
};

}  // namespace sc::eval
