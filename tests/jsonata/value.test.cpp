#include <catch2/catch.hpp>

#include "runtime/jsonata/value.hpp"

using namespace sc::jsonata;

TEST_CASE("Numbers are written as JavaScript writes them", "[jsonata][value]") {
  CHECK(format_number_js(100) == "100");
  CHECK(format_number_js(0.1) == "0.1");
  CHECK(format_number_js(1e21) == "1e+21");
  CHECK(format_number_js(1e20) == "100000000000000000000");
  CHECK(format_number_js(1.5e-7) == "1.5e-7");
  CHECK(format_number_js(0.000001) == "0.000001");
  CHECK(format_number_js(-2.5) == "-2.5");
  CHECK(format_number_js(-0.0) == "0");
  CHECK(format_number_js(123456789012345680000.0) == "123456789012345680000");
}

TEST_CASE("Objects keep JavaScript's key order", "[jsonata][value]") {
  value o = value::object();
  auto& n = o.mutable_object();
  n.set("b", value::number(1));
  n.set("10", value::number(2));
  n.set("a", value::number(3));
  n.set("2", value::number(4));
  n.set("b", value::number(5));
  CHECK(to_json(o) == R"({"2":4,"10":2,"b":5,"a":3})");
}

TEST_CASE("JSON round-trips through values", "[jsonata][value]") {
  value v;
  REQUIRE(from_json_text(R"({"a":[1,2.5,"x",null,true],"b":{}})", v));
  CHECK(to_json(v) == R"({"a":[1,2.5,"x",null,true],"b":{}})");
  CHECK(to_json_pretty(v) == "{\n  \"a\": [\n    1,\n    2.5,\n    \"x\",\n    null,\n    true\n  ],\n  \"b\": {}\n}");
  value w;
  REQUIRE(from_json_text(R"({"b":{},"a":[1,2.5,"x",null,true]})", w));
  CHECK(deep_equal(v, w));
}
