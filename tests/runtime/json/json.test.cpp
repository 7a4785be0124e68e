// The JSON reader (runtime/json/json.hpp) and the definition reader
// (asl::parse) on numbers RapidJSON 1.1.0's full-precision conversion gets
// wrong. Found by fuzz/json_reader (UBSan: clz(0) and an out-of-bounds
// index in RapidJSON's internal/diyfp.h).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "runtime/asl/parse.hpp"
#include "runtime/json/json.hpp"

using namespace sc;

namespace {
double read_double(const std::string& text) {
  json::document d;
  std::string error;
  INFO(text.substr(0, 80) << " " << error);
  REQUIRE(json::parse(text, d, &error));
  REQUIRE(d.IsDouble());
  return d.GetDouble();
}
}  // namespace

// "0e68" read as -4.1e-171, "0.0e111" as 1.6e293 (a zero significand went
// through RapidJSON's DiyFp normalisation, clz(0)).
TEST_CASE("A zero with a large exponent or many decimals reads as zero", "[json]") {
  for (const std::string& text : std::vector<std::string>{"0e68", "0.0e111", "0E+99", "0e-23", "0.000e-300",
                           "0.00000000000000000000000", "0.0e00000000000000000000000000000000000000099"}) {
    double d = read_double(text);
    CHECK(d == 0.0);
    CHECK_FALSE(std::signbit(d));
  }
  for (const std::string& text : std::vector<std::string>{"-0e68", "-0.00e-99", "-0.0000000000000000000000000000000000000000"}) {
    double d = read_double(text);
    CHECK(d == 0.0);
    CHECK(std::signbit(d));
  }
  json::document d;
  REQUIRE(json::parse(R"({"a":[0e38,1e38,"0e38",10e-23],"0e99":0.0e99})", d));
  CHECK(json::dump(d) == R"({"a":[0.0,1e38,"0e38",1e-22],"0e99":0.0})");
}

// "0." followed by 400 zeros and a 1 indexed past RapidJSON's table of
// cached powers of ten: a segmentation fault in the node for one request
// body or execution input.
TEST_CASE("A tiny number with many digits underflows to zero without crashing", "[json]") {
  CHECK(read_double("0." + std::string(400, '0') + "1") == 0.0);
  CHECK(std::signbit(read_double("-0." + std::string(400, '0') + "1")));
  CHECK(read_double("0." + std::string(300, '0') + "1") == 1e-301);
  CHECK(read_double(std::string(40, '1') + "e-400") == 0.0);
}

// 40 digits then e290 (1.1e329) read as -3.4e-288 instead of being refused.
TEST_CASE("A number too big for a double is refused, however it is written", "[json]") {
  for (const std::string& text : std::vector<std::string>{std::string(40, '1') + "e290", "1e309", std::string(400, '1'),
                           "0." + std::string(30, '0') + "1e340", "[-" + std::string(40, '9') + "e300]"}) {
    INFO(text);
    json::document d;
    std::string error;
    CHECK_FALSE(json::parse(text, d, &error));
    CHECK(error.rfind("Number too big to be stored in double", 0) == 0);
  }
  json::document d;
  std::string error;
  CHECK_FALSE(json::parse("[1, " + std::string(40, '1') + "e290]", d, &error));
  CHECK(error == "Number too big to be stored in double. at offset 4");
  CHECK(d.IsNull());
}

TEST_CASE("Numbers are read correctly rounded", "[json]") {
  for (const std::string& text : std::vector<std::string>{"0.1", "1.7976931348623157e308", "4.9e-324", "2.2250738585072014e-308",
                           "123456789012345678901234567890", "9007199254740993.0",
                           "0.30000000000000004", std::string(40, '1') + "e-350",
                           std::string(30, '9') + "e-330", "-2.5e-3", "1" + std::string(300, '0'),
                           "0." + std::string(200, '3') + "e5"}) {
    INFO(text);
    CHECK(read_double(text) == std::strtod(text.c_str(), nullptr));
  }
}

TEST_CASE("Integers keep their JSON types", "[json]") {
  json::document d;
  REQUIRE(json::parse("[0,-0,2147483647,4294967296,-9223372036854775808,18446744073709551615,"
                      "18446744073709551616,-9223372036854775809]",
                      d));
  CHECK(d[0].IsInt());
  CHECK((d[1].IsInt() && d[1].GetInt() == 0 && !d[1].IsDouble()));
  CHECK(d[2].IsInt());
  CHECK((d[3].IsInt64() && !d[3].IsInt()));
  CHECK((d[4].IsInt64() && d[4].GetInt64() == INT64_MIN));
  CHECK((d[5].IsUint64() && !d[5].IsInt64() && d[5].GetUint64() == UINT64_MAX));
  CHECK((d[6].IsDouble() && d[6].GetDouble() == 18446744073709551616.0));
  CHECK((d[7].IsDouble() && d[7].GetDouble() == -9223372036854775809.0));
  CHECK(json::dump(d) ==
        "[0,0,2147483647,4294967296,-9223372036854775808,18446744073709551615,"
        "18446744073709553000.0,-9223372036854776000.0]");
}

TEST_CASE("Malformed JSON is still rejected at the same offset", "[json]") {
  json::document d;
  std::string error;
  CHECK_FALSE(json::parse("[0e]", d, &error));
  CHECK(error == "Miss exponent in number. at offset 3");
  CHECK_FALSE(json::parse("[0e99x]", d, &error));
  CHECK(error == "Missing a comma or ']' after an array element. at offset 5");
  CHECK_FALSE(json::parse(std::string_view("[1,\0 2]", 7), d, &error));
  CHECK(error == "Invalid value. at offset 3");
  CHECK_FALSE(json::parse("{\"a\":1} x", d, &error));
  CHECK(error == "The document root must not be followed by other values. at offset 8");
  CHECK(d.IsNull());
  REQUIRE(json::parse("\xEF\xBB\xBF{\"a\":\"\\u00e9\"}", d));  // byte order mark skipped
  CHECK(json::dump(d) == "{\"a\":\"\xC3\xA9\"}");
}

TEST_CASE("A definition's numbers are read the same way", "[json][asl]") {
  auto r = asl::parse(R"({"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"z":0e68,"t":0.)" +
                      std::string(400, '0') + R"(1},"End":true}}})");
  REQUIRE(r.def);
  const auto& result = r.def->root->states[0].result;
  REQUIRE(result);
  CHECK(json::dump(*result) == R"({"z":0.0,"t":0.0})");

  auto big = asl::parse(R"({"StartAt":"P","States":{"P":{"Type":"Pass","Result":)" +
                        std::string(40, '1') + R"(e290,"End":true}}})");
  REQUIRE_FALSE(big.def);
  REQUIRE(big.diagnostics.size() == 1);
  CHECK(big.diagnostics[0].code == "INVALID_JSON_DESCRIPTION");
  CHECK(big.diagnostics[0].message == "Number too big to be stored in double");
  CHECK(big.diagnostics[0].location.find("line: 1, column: 54]") != std::string::npos);
}

// Texts without such numbers keep RapidJSON's own conversion (fast); both
// ways must build the same values.
TEST_CASE("Both number conversions build the same values", "[json]") {
  const std::string easy = "[0,-0,7,-7,1.5,-2.25,123456789012345678,-1234567890123456789,0.1,"
                           "18446744073709551615,4294967295,2147483648,-2147483649]";
  std::string hard = easy;
  hard.back() = ',';
  hard += "1e0]";
  json::document a, b;
  REQUIRE(json::parse(easy, a));
  REQUIRE(json::parse(hard, b));
  REQUIRE(b.Size() == a.Size() + 1);
  for (rapidjson::SizeType i = 0; i < a.Size(); ++i) {
    INFO(i);
    CHECK(a[i].IsInt() == b[i].IsInt());
    CHECK(a[i].IsUint() == b[i].IsUint());
    CHECK(a[i].IsInt64() == b[i].IsInt64());
    CHECK(a[i].IsUint64() == b[i].IsUint64());
    CHECK(a[i].IsDouble() == b[i].IsDouble());
    CHECK(a[i] == b[i]);
  }
  CHECK(json::dump(b) == json::dump(a).substr(0, json::dump(a).size() - 1) + ",1.0]");
}
