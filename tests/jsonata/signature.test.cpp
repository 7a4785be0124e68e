#include <catch2/catch.hpp>

#include "runtime/jsonata/signature.hpp"

using namespace sc::jsonata;

namespace {
std::string fails(const signature& s, std::vector<value> args, value ctx = {}) {
  try {
    s.validate(args, ctx, "f", 0);
  } catch (const exception& e) {
    return e.err().code + ":" + std::to_string(e.err().index.value_or(0));
  }
  return "";
}
}  // namespace

TEST_CASE("A '-' parameter takes the context value when the argument is missing", "[jsonata][signature]") {
  auto s = signature::parse("<s-nn?:s>");
  auto out = s.validate({value::number(1)}, value::string("abc"), "substring", 0);
  REQUIRE(out.size() == 3);
  CHECK(out[0].as_string() == "abc");
  CHECK(out[1].as_number() == 1);
  CHECK(out[2].is_undefined());
  CHECK(fails(s, {value::number(1)}, value::number(3)) == "T0411:1");
}

TEST_CASE("Arrays parameters wrap single values and check item types", "[jsonata][signature]") {
  auto s = signature::parse("<a<n>:n>");
  auto out = s.validate({value::number(5)}, value(), "sum", 0);
  REQUIRE(out[0].is_array());
  CHECK(out[0].as_array()[0].as_number() == 5);
  CHECK(fails(s, {value::array({value::number(1), value::string("x")})}) == "T0412:1");
  CHECK(fails(s, {value::string("x")}) == "T0412:1");
  try {
    s.validate({value::string("x")}, value(), "sum", 0);
  } catch (const exception& e) {
    CHECK(e.err().message == "Argument 1 of function \"sum\" must be an array of \"numbers\"");
  }
}

TEST_CASE("A mismatch names the first argument that does not fit", "[jsonata][signature]") {
  auto s = signature::parse("<s-nn?:s>");
  CHECK(fails(s, {value::string("a"), value::string("b")}) == "T0410:2");
  CHECK(fails(s, {value::string("a"), value::number(1), value::number(2), value::number(3)}) == "T0410:4");
  auto u = signature::parse("<s-(sf)(sf)n?:s>");
  CHECK(fails(u, {value::string("a"), value::number(1), value::string("c")}) == "T0410:2");
}

TEST_CASE("Signature syntax errors are S0401 and S0402", "[jsonata][signature]") {
  auto code = [](const char* text) {
    try {
      signature::parse(text);
    } catch (const exception& e) {
      return e.err().code;
    }
    return std::string();
  };
  CHECK(code("<n<n>>") == "S0401");
  CHECK(code("<(sa<n>)>") == "S0402");
  CHECK(code("<f<n:n>a<o>>").empty());
  CHECK(signature::parse("<f<n:n>a<o>>").parameter_count() == 2);
}
