// What an evaluation gets from outside: the time, randomness and limits.
//
// The pure core has no clock and no random generator of its own. The caller
// passes the execution's time (for $now and $millis, fixed for the whole
// evaluation as in jsonata-js) and the execution's generator (for $random,
// $shuffle and $uuid), so that a recovered execution evaluates identically.
#pragma once

#include <cstdint>
#include <functional>

namespace sc::jsonata {

/// Bounds on one evaluation. Past any of them the evaluation stops with an
/// error (U1001 for depth and steps, D-codes for sizes) instead of taking
/// the node's memory or time.
struct limits {
  size_t max_depth = 500;             ///< nested evaluation frames (non-tail calls, nesting)
  uint64_t max_steps = 50'000'000;    ///< evaluation steps (the suite's timelimit)
  size_t max_sequence = 10'000'000;   ///< items in one produced array/sequence/range
  size_t max_string_bytes = 64u << 20;  ///< bytes in one produced string
  uint32_t regex_match_limit = 10'000'000;  ///< PCRE2 match limit per exec
  uint32_t regex_depth_limit = 10'000;      ///< PCRE2 depth (backtracking) limit per exec
};

struct environment {
  int64_t now_ms = 0;  ///< milliseconds since the epoch: $now(), $millis()
  /// 64 uniformly random bits from the caller's generator; $random() is
  /// (bits >> 11) * 2^-53. Unset: $random/$shuffle/$uuid use a fixed
  /// deterministic sequence.
  std::function<uint64_t()> random_bits;
  limits lim;
};

}  // namespace sc::jsonata
