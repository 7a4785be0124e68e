// Helpers shared by the runtime/asl tests: parse a definition expecting
// success or failure, and look diagnostics up by code / message / location.
#pragma once

#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/asl/parse.hpp"

namespace asl_test {

/// Parses `text`, requiring success.
inline std::shared_ptr<const sc::asl::definition> parse_ok(std::string_view text) {
  sc::asl::parse_result r = sc::asl::parse(text);
  INFO(sc::asl::format_diagnostics(r.diagnostics));
  REQUIRE(r.diagnostics.empty());
  REQUIRE(r.def);
  return r.def;
}

/// Parses `text`, requiring failure; returns the diagnostics.
inline std::vector<sc::asl::diagnostic> problems(std::string_view text) {
  sc::asl::parse_result r = sc::asl::parse(text);
  REQUIRE_FALSE(r.def);
  REQUIRE_FALSE(r.diagnostics.empty());
  return r.diagnostics;
}

inline bool has(const std::vector<sc::asl::diagnostic>& ds, std::string_view code,
                std::string_view message, std::string_view location) {
  for (const auto& d : ds)
    if (d.code == code && d.message == message && d.location == location) return true;
  return false;
}

/// Requires that `text` fails with exactly this diagnostic among others.
#define REQUIRE_PROBLEM(text, code, message, location)  \
  do {                                                  \
    auto ds_ = asl_test::problems(text);                \
    INFO(sc::asl::format_diagnostics(ds_));             \
    CHECK(asl_test::has(ds_, code, message, location)); \
  } while (0)

/// `{"StartAt":"S","States":{"S":{<body>}}}`
inline std::string one_state(std::string_view body) {
  return std::string(R"({"StartAt":"S","States":{"S":{)") + std::string(body) + "}}}";
}

constexpr const char* kSchema = "SCHEMA_VALIDATION_FAILED";
constexpr const char* kTarget = "MISSING_TRANSITION_TARGET";

}  // namespace asl_test
