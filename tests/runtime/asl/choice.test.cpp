// Choice rule evaluation: every operator family, the …Path variants, the
// Is* tests, missing variables (States.Runtime with AWS's cause), type
// mismatches, And/Or/Not short-circuiting, and RFC 3339 timestamps.
#include "runtime/asl/choice.hpp"

#include "runtime/asl/timestamp.hpp"
#include "runtime/json/json.hpp"
#include "tests/runtime/asl/asl_test_util.hpp"

using namespace sc::asl;

namespace {

// Compiles `rule` (a top-level rule without Next) through the real parser.
struct compiled_rule {
  std::shared_ptr<const definition> def;
  const choice_rule& rule() const { return def->root->states[0].choices[0]; }
};

compiled_rule compile(const std::string& rule) {
  std::string text = R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[)" +
                     rule.substr(0, rule.size() - 1) + R"(,"Next":"D"}]},"D":{"Type":"Succeed"}}})";
  return {asl_test::parse_ok(text)};
}

struct outcome {
  bool matched = false;
  sc::eval::maybe_failure failure;
};

outcome run(const std::string& rule, const std::string& input, const std::string& context = "{}") {
  compiled_rule c = compile(rule);
  sc::json::document in, ctx;
  REQUIRE(sc::json::parse(input, in));
  REQUIRE(sc::json::parse(context, ctx));
  outcome o;
  o.failure = evaluate(c.rule(), in, ctx, o.matched);
  return o;
}

// True when `rule` matches `input` (and evaluation did not fail).
bool matches(const std::string& rule, const std::string& input) {
  outcome o = run(rule, input);
  INFO(rule << " on " << input);
  if (o.failure) FAIL_CHECK(o.failure->error << ": " << o.failure->cause);
  return o.matched;
}

}  // namespace

TEST_CASE("String comparisons compare strings and are false on other types", "[asl][choice]") {
  CHECK(matches(R"({"Variable":"$.v","StringEquals":"abc"})", R"({"v":"abc"})"));
  CHECK_FALSE(matches(R"({"Variable":"$.v","StringEquals":"abc"})", R"({"v":"abd"})"));
  CHECK_FALSE(matches(R"({"Variable":"$.v","StringEquals":"1"})", R"({"v":1})"));
  CHECK(matches(R"({"Variable":"$.v","StringLessThan":"b"})", R"({"v":"a"})"));
  CHECK_FALSE(matches(R"({"Variable":"$.v","StringLessThan":"b"})", R"({"v":"b"})"));
  CHECK(matches(R"({"Variable":"$.v","StringLessThanEquals":"b"})", R"({"v":"b"})"));
  CHECK(matches(R"({"Variable":"$.v","StringGreaterThan":"B"})", R"({"v":"a"})"));
  CHECK(matches(R"({"Variable":"$.v","StringGreaterThanEquals":"abc"})", R"({"v":"abc"})"));
  CHECK_FALSE(matches(R"({"Variable":"$.v","StringGreaterThanEquals":"abd"})", R"({"v":"abc"})"));
  CHECK(matches(R"({"Variable":"$.v","StringLessThan":"abc"})", R"({"v":"ab"})"));
}

TEST_CASE("StringMatches supports * wildcards and escapes", "[asl][choice]") {
  auto m = [](const char* pattern, const char* value) {
    return matches(
        std::string(R"({"Variable":"$.v","StringMatches":)") + sc::json::quote(pattern) + "}",
        std::string(R"({"v":)") + sc::json::quote(value) + "}");
  };
  CHECK(m("*.log", "app.log"));
  CHECK(m("*.log", ".log"));
  CHECK_FALSE(m("*.log", "app.log.txt"));
  CHECK(m("log-*-end", "log-middle-end"));
  CHECK(m("a*b*c", "aXXbYYc"));
  CHECK(m("a*b*c", "abc"));
  CHECK_FALSE(m("a*b*c", "acb"));
  CHECK(m("*", ""));
  CHECK(m("", ""));
  CHECK_FALSE(m("", "x"));
  CHECK(m("exact", "exact"));
  CHECK_FALSE(m("exact", "exactly"));
  CHECK(m("**x", "x"));
  CHECK(m(R"(star\*)", "star*"));
  CHECK_FALSE(m(R"(star\*)", "starfish"));
  CHECK(m(R"(back\\slash)", R"(back\slash)"));
  CHECK(m(R"(*\\*)", R"(a\b)"));
  CHECK(m("h\xC3\xA9*", "h\xC3\xA9llo"));
  CHECK_FALSE(matches(R"({"Variable":"$.v","StringMatches":"*"})", R"({"v":5})"));
}

TEST_CASE("Numeric comparisons compare integers and floats by value", "[asl][choice]") {
  CHECK(matches(R"({"Variable":"$.v","NumericEquals":1})", R"({"v":1.0})"));
  CHECK(matches(R"({"Variable":"$.v","NumericEquals":1.0})", R"({"v":1})"));
  CHECK_FALSE(matches(R"({"Variable":"$.v","NumericEquals":1})", R"({"v":1.5})"));
  CHECK(matches(R"({"Variable":"$.v","NumericGreaterThan":1.5})", R"({"v":2})"));
  CHECK(matches(R"({"Variable":"$.v","NumericGreaterThanEquals":2})", R"({"v":2.0})"));
  CHECK(matches(R"({"Variable":"$.v","NumericLessThan":0})", R"({"v":-0.5})"));
  CHECK(matches(R"({"Variable":"$.v","NumericLessThanEquals":-3})", R"({"v":-3})"));
  CHECK_FALSE(matches(R"({"Variable":"$.v","NumericLessThan":-3})", R"({"v":-3})"));
  // Large integers compare exactly.
  CHECK_FALSE(matches(R"({"Variable":"$.v","NumericEquals":9007199254740993})",
                      R"({"v":9007199254740992})"));
  CHECK(matches(R"({"Variable":"$.v","NumericGreaterThan":-1})", R"({"v":18446744073709551615})"));
  CHECK(matches(R"({"Variable":"$.v","NumericLessThan":18446744073709551615})", R"({"v":-1})"));
  CHECK(matches(R"({"Variable":"$.v","NumericEquals":1e2})", R"({"v":100})"));
  // Type mismatch is false, not an error.
  CHECK_FALSE(matches(R"({"Variable":"$.v","NumericEquals":1})", R"({"v":"1"})"));
  CHECK_FALSE(matches(R"({"Variable":"$.v","NumericLessThan":1})", R"({"v":null})"));
}

TEST_CASE("BooleanEquals compares booleans", "[asl][choice]") {
  CHECK(matches(R"({"Variable":"$.v","BooleanEquals":true})", R"({"v":true})"));
  CHECK(matches(R"({"Variable":"$.v","BooleanEquals":false})", R"({"v":false})"));
  CHECK_FALSE(matches(R"({"Variable":"$.v","BooleanEquals":true})", R"({"v":false})"));
  CHECK_FALSE(matches(R"({"Variable":"$.v","BooleanEquals":true})", R"({"v":"true"})"));
  CHECK_FALSE(matches(R"({"Variable":"$.v","BooleanEquals":false})", R"({"v":0})"));
}

TEST_CASE("Timestamp comparisons compare instants", "[asl][choice]") {
  CHECK(matches(R"({"Variable":"$.v","TimestampEquals":"2016-03-14T01:59:00Z"})",
                R"({"v":"2016-03-14T03:59:00+02:00"})"));
  CHECK(matches(R"({"Variable":"$.v","TimestampEquals":"2016-03-14T01:59:00Z"})",
                R"({"v":"2016-03-14T01:59:00.000Z"})"));
  CHECK(matches(R"({"Variable":"$.v","TimestampGreaterThan":"2016-03-14T01:59:00Z"})",
                R"({"v":"2016-03-14T01:59:00.001Z"})"));
  CHECK(matches(R"({"Variable":"$.v","TimestampLessThan":"2016-03-14T01:59:00Z"})",
                R"({"v":"2016-03-13T23:59:59-01:00"})"));
  CHECK(matches(R"({"Variable":"$.v","TimestampLessThanEquals":"2016-03-14T01:59:00Z"})",
                R"({"v":"2016-03-14T01:59:00Z"})"));
  CHECK(matches(R"({"Variable":"$.v","TimestampGreaterThanEquals":"1999-12-31T23:59:59Z"})",
                R"({"v":"2000-01-01T00:00:00Z"})"));
  // Not a timestamp, or not a string: false.
  CHECK_FALSE(matches(R"({"Variable":"$.v","TimestampEquals":"2016-03-14T01:59:00Z"})",
                      R"({"v":"2016-03-14 01:59:00Z"})"));
  CHECK_FALSE(
      matches(R"({"Variable":"$.v","TimestampLessThan":"2016-03-14T01:59:00Z"})", R"({"v":5})"));
}

TEST_CASE("Path variants compare against another path's value", "[asl][choice]") {
  CHECK(matches(R"({"Variable":"$.a","NumericLessThanPath":"$.b"})", R"({"a":1,"b":2})"));
  CHECK_FALSE(matches(R"({"Variable":"$.a","NumericLessThanPath":"$.b"})", R"({"a":3,"b":2})"));
  CHECK(matches(R"({"Variable":"$.a","StringEqualsPath":"$.b"})", R"({"a":"x","b":"x"})"));
  CHECK(matches(R"({"Variable":"$.a","BooleanEqualsPath":"$.b"})", R"({"a":false,"b":false})"));
  CHECK(matches(R"({"Variable":"$.a","TimestampGreaterThanPath":"$.b"})",
                R"({"a":"2020-01-02T00:00:00Z","b":"2020-01-01T00:00:00Z"})"));
  CHECK(matches(R"({"Variable":"$.a.b[1]","NumericEqualsPath":"$.c"})",
                R"({"a":{"b":[0,7]},"c":7})"));
  CHECK_FALSE(matches(R"({"Variable":"$.a","StringEqualsPath":"$.b"})", R"({"a":"1","b":1})"));
}

TEST_CASE("A missing Variable fails with States.Runtime and AWS's cause", "[asl][choice]") {
  outcome o = run(R"({"Variable":"$.x","StringEquals":"a"})", R"({"y":1})");
  REQUIRE(o.failure);
  CHECK(o.failure->error == "States.Runtime");
  CHECK(o.failure->cause ==
        "Invalid path '$.x': The choice state's condition path references an invalid value.");

  outcome path = run(R"({"Variable":"$.a","NumericEqualsPath":"$.missing"})", R"({"a":1})");
  REQUIRE(path.failure);
  CHECK(path.failure->error == "States.Runtime");
  CHECK(path.failure->cause ==
        "Invalid path '$.missing': The choice state's condition path "
        "references an invalid value.");
}

TEST_CASE("A null value is present", "[asl][choice]") {
  CHECK_FALSE(matches(R"({"Variable":"$.x","StringEquals":"a"})", R"({"x":null})"));
  CHECK(matches(R"({"Variable":"$.x","IsPresent":true})", R"({"x":null})"));
}

TEST_CASE("IsPresent tests whether the Variable matches", "[asl][choice]") {
  CHECK(matches(R"({"Variable":"$.x","IsPresent":true})", R"({"x":0})"));
  CHECK_FALSE(matches(R"({"Variable":"$.x","IsPresent":true})", R"({})"));
  CHECK(matches(R"({"Variable":"$.x","IsPresent":false})", R"({})"));
  CHECK_FALSE(matches(R"({"Variable":"$.x","IsPresent":false})", R"({"x":false})"));
  CHECK(matches(R"({"Variable":"$.a[5]","IsPresent":false})", R"({"a":[1]})"));
}

TEST_CASE("Is* type tests check the value's type", "[asl][choice]") {
  CHECK(matches(R"({"Variable":"$.v","IsNull":true})", R"({"v":null})"));
  CHECK(matches(R"({"Variable":"$.v","IsNull":false})", R"({"v":0})"));
  CHECK(matches(R"({"Variable":"$.v","IsNumeric":true})", R"({"v":1.1})"));
  CHECK_FALSE(matches(R"({"Variable":"$.v","IsNumeric":true})", R"({"v":"1"})"));
  CHECK(matches(R"({"Variable":"$.v","IsString":true})", R"({"v":""})"));
  CHECK(matches(R"({"Variable":"$.v","IsString":false})", R"({"v":[]})"));
  CHECK(matches(R"({"Variable":"$.v","IsBoolean":true})", R"({"v":false})"));
  CHECK(matches(R"({"Variable":"$.v","IsBoolean":false})", R"({"v":{}})"));
  CHECK(matches(R"({"Variable":"$.v","IsTimestamp":true})", R"({"v":"2012-10-09T19:00:55Z"})"));
  CHECK_FALSE(
      matches(R"({"Variable":"$.v","IsTimestamp":true})", R"({"v":"2012-10-09T19:00:55"})"));
  CHECK_FALSE(matches(R"({"Variable":"$.v","IsTimestamp":true})", R"({"v":"2023-02-24"})"));
}

TEST_CASE("Is* type tests on a missing Variable see no value of that type", "[asl][choice]") {
  CHECK_FALSE(matches(R"({"Variable":"$.v","IsNull":true})", R"({})"));
  CHECK(matches(R"({"Variable":"$.v","IsNull":false})", R"({})"));
  CHECK_FALSE(matches(R"({"Variable":"$.v","IsString":true})", R"({})"));
  CHECK_FALSE(matches(R"({"Variable":"$.v","IsNumeric":true})", R"({})"));
  CHECK_FALSE(matches(R"({"Variable":"$.v","IsBoolean":true})", R"({})"));
  CHECK_FALSE(matches(R"({"Variable":"$.v","IsTimestamp":true})", R"({})"));
}

TEST_CASE("And, Or and Not combine rules and short-circuit", "[asl][choice]") {
  const std::string both =
      R"({"And":[{"Variable":"$.a","NumericGreaterThan":0},{"Variable":"$.b","StringEquals":"x"}]})";
  CHECK(matches(both, R"({"a":1,"b":"x"})"));
  CHECK_FALSE(matches(both, R"({"a":1,"b":"y"})"));
  CHECK_FALSE(matches(both, R"({"a":0})"));  // stops before the missing $.b

  const std::string either =
      R"({"Or":[{"Variable":"$.a","NumericGreaterThan":0},{"Variable":"$.b","StringEquals":"x"}]})";
  CHECK(matches(either, R"({"a":1})"));  // stops before the missing $.b
  CHECK(matches(either, R"({"a":0,"b":"x"})"));
  CHECK_FALSE(matches(either, R"({"a":0,"b":"y"})"));
  outcome fails = run(either, R"({"a":0})");
  REQUIRE(fails.failure);
  CHECK(fails.failure->cause.starts_with("Invalid path '$.b'"));

  CHECK(matches(R"({"Not":{"Variable":"$.a","StringEquals":"x"}})", R"({"a":"y"})"));
  CHECK_FALSE(matches(R"({"Not":{"Not":{"Variable":"$.a","StringEquals":"x"}}})", R"({"a":"y"})"));
  CHECK(matches(R"({"And":[{"Not":{"Variable":"$.a","IsPresent":true}},
                           {"Or":[{"Variable":"$.b","IsNull":true},
                                  {"Variable":"$.b","NumericEquals":3}]}]})",
                R"({"b":3})"));
}

TEST_CASE("A $$ Variable reads the context object", "[asl][choice]") {
  outcome o = run(R"({"Variable":"$$.Execution.Name","StringEquals":"run-1"})", R"({})",
                  R"({"Execution":{"Name":"run-1"}})");
  REQUIRE_FALSE(o.failure);
  CHECK(o.matched);
  outcome mixed = run(R"({"Variable":"$.limit","NumericGreaterThanPath":"$$.Map.Item.Index"})",
                      R"({"limit":5})", R"({"Map":{"Item":{"Index":2}}})");
  REQUIRE_FALSE(mixed.failure);
  CHECK(mixed.matched);
}

TEST_CASE("RFC 3339 timestamps are parsed strictly", "[asl][choice][timestamp]") {
  using detail::parse_timestamp;
  auto t = parse_timestamp("1970-01-01T00:00:00Z");
  REQUIRE(t);
  CHECK(t->seconds == 0);
  CHECK(parse_timestamp("1970-01-01T01:00:00+01:00")->seconds == 0);
  CHECK(parse_timestamp("2016-03-14T01:59:00Z")->seconds == 1457920740);
  CHECK(parse_timestamp("2016-03-14T01:59:00.5Z")->nanos == 500000000);
  CHECK(parse_timestamp("2016-03-14T01:59:00.123456789123Z")->nanos == 123456789);
  CHECK(parse_timestamp("1969-12-31T23:59:59Z")->seconds == -1);
  CHECK(parse_timestamp("2024-02-29T00:00:00Z"));
  CHECK(parse_timestamp("2000-02-29T00:00:00Z"));
  CHECK_FALSE(parse_timestamp("1900-02-29T00:00:00Z"));
  CHECK_FALSE(parse_timestamp("2023-02-29T00:00:00Z"));
  CHECK_FALSE(parse_timestamp("2023-13-01T00:00:00Z"));
  CHECK_FALSE(parse_timestamp("2023-01-01T24:00:00Z"));
  CHECK_FALSE(parse_timestamp("2023-01-01T00:60:00Z"));
  CHECK_FALSE(parse_timestamp("2023-01-01t00:00:00Z"));
  CHECK_FALSE(parse_timestamp("2023-01-01T00:00:00z"));
  CHECK_FALSE(parse_timestamp("2023-01-01T00:00:00"));
  CHECK_FALSE(parse_timestamp("2023-01-01T00:00:00.Z"));
  CHECK_FALSE(parse_timestamp("2023-01-01T00:00:00+0100"));
  CHECK_FALSE(parse_timestamp("2023-01-01T00:00:00Z "));
  CHECK_FALSE(parse_timestamp("2023-1-01T00:00:00Z"));
  CHECK_FALSE(parse_timestamp(""));
}
