// Work that grows quadratically counts against the step budget: a loop that
// copies a growing string or array on every turn ends with U1001 instead of
// holding a thread for minutes.
#include <catch2/catch.hpp>

#include <variant>

#include "runtime/jsonata/jsonata.hpp"

using namespace sc::jsonata;

namespace {
std::string failure_code(const char* text) {
  auto compiled = expression::compile(text);
  REQUIRE(std::holds_alternative<expression>(compiled));
  environment env;  // the node's default limits (50M steps)
  try {
    std::get<expression>(compiled).evaluate(value(), {}, env);
  } catch (const exception& e) {
    return e.err().code;
  }
  return "";
}
}  // namespace

TEST_CASE("A loop appending to a growing string meets the step budget", "[jsonata][limits]") {
  // 9M turns copying up to 9 MB each: ~4e13 bytes without the bound.
  CHECK(failure_code(R"($reduce([1..9000000], function($a, $v){$a & "x"}, ""))") == "U1001");
  CHECK(failure_code(R"($length($reduce([1..20000], function($a, $v){$a & "xy"}, "")))") == "");
}

TEST_CASE("A loop appending to a growing array meets the step budget", "[jsonata][limits]") {
  CHECK(failure_code(R"($reduce([1..300000], function($a, $v){$append($a, $v)}, []))") == "U1001");
  CHECK(failure_code(R"($count($reduce([1..3000], function($a, $v){$append($a, $v)}, [])))") == "");
}
