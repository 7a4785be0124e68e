#include <catch2/catch.hpp>

#include "runtime/jsonata/regex.hpp"

using namespace sc::jsonata;

TEST_CASE("Regexes follow JavaScript: $ only at the end, \\u escapes, unset backreferences", "[jsonata][regex]") {
  error err;
  auto r = regex::compile("a$", "", &err);
  REQUIRE(r);
  CHECK_FALSE(r->exec("a\n", 0));
  auto u = regex::compile("\\u0041", "", &err);
  REQUIRE(u);
  CHECK(u->exec("xA", 0)->begin == 1);
  auto b = regex::compile("(a)?\\1b", "", &err);
  REQUIRE(b);
  CHECK(b->exec("b", 0));
  auto i = regex::compile("straße", "i", &err);
  REQUIRE(i);
  CHECK(i->exec("STRAßE", 0));
  auto w = regex::compile("^\\w+$", "", &err);
  CHECK_FALSE(w->exec("é", 0));
}

TEST_CASE("Invalid patterns are S0303 errors", "[jsonata][regex]") {
  error err;
  CHECK_FALSE(regex::compile("(", "", &err));
  CHECK(err.code == "S0303");
}

TEST_CASE("Catastrophic backtracking stops with U1001", "[jsonata][regex]") {
  error err;
  auto r = regex::compile("(a+)+$", "", &err);
  REQUIRE(r);
  limits lim;
  lim.regex_match_limit = 100000;
  std::string s(40, 'a');
  s += "!";
  try {
    r->exec(s, 0, lim);
    FAIL("no error");
  } catch (const exception& e) {
    CHECK(e.err().code == "U1001");
  }
}
