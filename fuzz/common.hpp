// Shared helpers of the libFuzzer targets (docs/fuzzing.md).
//
// A target that needs several inputs (a path and a document, a definition
// and an execution input, ...) takes them from one byte string split at NUL
// bytes: "part0\0part1\0part2". A missing part is empty; the last part takes
// the rest, NULs included. fuzz/seed.py writes seeds in the same form.
#pragma once

#include "runtime/json/json.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace sc::fuzz {

inline constexpr char separator = '\0';

template <size_t N>
std::array<std::string_view, N> split(const uint8_t* data, size_t size) {
  std::array<std::string_view, N> parts{};
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  for (size_t i = 0; i + 1 < N; ++i) {
    size_t cut = rest.find(separator);
    if (cut == std::string_view::npos) {
      parts[i] = rest;
      return parts;
    }
    parts[i] = rest.substr(0, cut);
    rest.remove_prefix(cut + 1);
  }
  parts[N - 1] = rest;
  return parts;
}

/// An invariant of the code under test: a violation is a finding (abort, so
/// libFuzzer keeps the input as a crash).
#define SC_FUZZ_CHECK(cond, what)                                                       \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "fuzz invariant violated at %s:%d: %s (%s)\n", __FILE__,     \
                   __LINE__, what, #cond);                                              \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

/// Parses `text` into `doc`; on failure parses `fallback` instead (so a
/// target still runs with a mangled document part).
inline void parse_or(std::string_view text, json::document& doc, std::string_view fallback) {
  if (!json::parse(text, doc)) json::parse(fallback, doc);
}

/// The compact text of `v` must itself be valid JSON.
inline void check_dump(const json::value& v, const char* what) {
  std::string text = json::dump(v);
  SC_FUZZ_CHECK(json::valid(text), what);
}

}  // namespace sc::fuzz
