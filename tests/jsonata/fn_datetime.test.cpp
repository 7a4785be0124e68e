// $now, $millis, $fromMillis and $toMillis, called directly with a fixed
// evaluation time. Expected values are jsonata-js 2.0.6's (the suite's
// cases, and outputs of the npm package with its clock fixed to the same
// time), including its quirks.
#include <catch2/catch.hpp>

#include <cmath>

#include "runtime/jsonata/error.hpp"
#include "runtime/jsonata/functions.hpp"

using namespace sc::jsonata;

namespace {

constexpr int64_t fixed_now = 1764991545678;  // 2025-12-06T03:25:45.678Z, a Saturday

struct test_context final : call_context {
  environment e;
  test_context() {
    e.now_ms = fixed_now;
    e.lim.max_string_bytes = 1 << 20;
  }
  value apply(const value&, std::vector<value>) override { throw std::logic_error("no apply"); }
  size_t arity(const value&) const override { return 0; }
  const environment& env() const override { return e; }
  void tick(size_t) override {}
  size_t position() const override { return 3; }
  uint64_t random_bits() override { return 0; }
};

const builtin& find(std::string_view name) {
  for (const auto& b : tables::datetime_functions())
    if (name == b.name) return b;
  throw std::logic_error("no such built-in");
}

// Calls with missing optional arguments as undefined, as the evaluator passes them.
value call(std::string_view name, std::vector<value> args, size_t arity) {
  while (args.size() < arity) args.emplace_back();
  test_context ctx;
  return find(name).fn(ctx, args);
}

value s(const char* text) { return value::string(text); }
value n(double d) { return value::number(d); }
const value none;

std::string from(double millis, value picture = {}, value zone = {}) {
  value v = call("fromMillis", {n(millis), picture, zone}, 3);
  REQUIRE(v.is_string());
  return v.as_string();
}

double to(const char* text, value picture = {}) {
  value v = call("toMillis", {s(text), picture}, 2);
  REQUIRE(v.is_number());
  return v.as_number();
}

template <typename F>
std::string code_of(F f) {
  try {
    f();
  } catch (const exception& e) {
    CHECK(e.err().position == size_t(3));
    return e.err().code;
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("the date/time built-ins carry jsonata-js's signatures", "[jsonata][datetime]") {
  CHECK(std::string(find("now").signature) == "<s?s?:s>");
  CHECK(std::string(find("millis").signature) == "<:n>");
  CHECK(std::string(find("fromMillis").signature) == "<n-s?s?:s>");
  CHECK(std::string(find("toMillis").signature) == "<s-s?:n>");
}

TEST_CASE("$now and $millis give the evaluation's fixed time", "[jsonata][datetime]") {
  CHECK(call("millis", {}, 0).as_number() == double(fixed_now));
  CHECK(call("now", {}, 2).as_string() == "2025-12-06T03:25:45.678Z");
  CHECK(call("now", {s("[Y]-[M]-[D] [FNn]")}, 2).as_string() == "2025-12-6 Saturday");
  CHECK(call("now", {none, s("-0500")}, 2).as_string() == "2025-12-05T22:25:45.678-05:00");
}

TEST_CASE("$fromMillis writes ISO 8601 by default", "[jsonata][datetime]") {
  CHECK(from(1) == "1970-01-01T00:00:00.001Z");
  CHECK(from(1509380732935) == "2017-10-30T16:25:32.935Z");
  CHECK(from(1.7) == "1970-01-01T00:00:00.001Z");
  CHECK(from(-1.7) == "1969-12-31T23:59:59.999Z");
  CHECK(from(-62198755200000) == "-0001-01-01T00:00:00.000Z");
  CHECK(from(8.64e15) == "5760-09-13T00:00:00.000Z");  // year % 10000, as jsonata-js writes it
  CHECK(from(1e20) == "0NaN-NaN-NaNTNaN:NaN:NaN.NaNZ");
  CHECK(call("fromMillis", {none}, 3).is_undefined());
}

TEST_CASE("$fromMillis reads literals, escapes and widths", "[jsonata][datetime]") {
  const double t = 1521801216617;  // 2018-03-23T10:33:36.617Z
  CHECK(from(t, s("Hello")) == "Hello");
  CHECK(from(t, s("Year: <[Y9,999,*]>")) == "Year: <2,018>");
  CHECK(from(t, s("[[Year]]: [[[Y0001]]]")) == "[Year]: [2018]");
  CHECK(from(t, s("Year]]: <[Y0001]>")) == "Year]: <2018>");
  CHECK(from(t, s("[D#1]/[M#1]/[Y0001]")) == "23/3/2018");
  CHECK(from(t, s("[D#1,2]/[M1,2]/[Y,2]")) == "23/03/18");
  CHECK(from(t, s("[D#1,2]/[M1,2]/[Y##01,2-2]")) == "23/03/18");
  CHECK(from(t, s("[Y]-[ M01]-[D 01]T[H01 ]:[ m   ]:[s].[f0  01][Z01:\n 01t]")) ==
        "2018-03-23T10:33:36.617Z");
  CHECK(from(0, s("[Y,abc]")) == "1970");
  CHECK(from(0, s("[Y,-2]")) == "70");
  CHECK(from(0, s("[q1]")) == "undefined");
}

TEST_CASE("$fromMillis names, numbers in words and ordinals", "[jsonata][datetime]") {
  const double t = 1521801216617;
  CHECK(from(t, s("[D1] [M01] [YI]")) == "23 03 MMXVIII");
  CHECK(from(t, s("[Da] [MA] [Yi]")) == "w C mmxviii");
  CHECK(from(t, s("[Yw]")) == "two thousand and eighteen");
  CHECK(from(t, s("[FNn], the [Dwo] of [MNn] [Y] [E]")) ==
        "Friday, the twenty-third of March 2018 ISO");
  CHECK(from(t, s("[FNn,3-3], [D1o] [MNn,3-3] [Y] [C]")) == "Fri, 23rd Mar 2018 ISO");
  CHECK(from(t, s("[F], [D]/[M]/[Y] [h]:[m]:[s] [PN]")) == "friday, 23/3/2018 10:33:36 AM");
  CHECK(from(1204405500000, s("[F], [D]/[M]/[Y] [h]:[m]:[s] [P]")) ==
        "saturday, 1/3/2008 9:05:00 pm");
  CHECK(from(1199664000000, s("[h]:[m]:[s] [P]")) == "12:00:00 am");
  CHECK(from(927007005677, s("[YWwo,2]")) == "One Thousand, Nine Hundred and Ninety-Ninth");
  CHECK(from(1514808000000, s("[dwo] day of the year")) == "first day of the year");
  CHECK(from(1483185600000, s("[d] days in [Y0001]")) == "366 days in 2016");
}

TEST_CASE("$fromMillis computes ISO weeks and week-numbering years", "[jsonata][datetime]") {
  CHECK(from(1419854400000, s("Week: [W]")) == "Week: 1");
  CHECK(from(1419768000000, s("Week: [W]")) == "Week: 52");
  CHECK(from(1451736000000, s("Week: [W]")) == "Week: 53");
  CHECK(from(1359720000000, s("Week: [w] of [xNn]")) == "Week: 5 of January");
  CHECK(from(1483272000000, s("Week: [w] of [xNn]")) == "Week: 5 of December");
  CHECK(from(1104537600000, s("[X0001]-W[W01]-[F1]")) == "2004-W53-6");  // 2005-01-01
  CHECK(from(1199059200000, s("[X0001]-W[W01]-[F1]")) == "2008-W01-1");  // 2007-12-31
  // Years 0-99 go through Date.UTC's 1900s, as in jsonata-js.
  CHECK(from(-60000000000000, s("[Y]-[M]-[D] [W] [w] [X] [x] [d]")) == "68-9-3 36 1 67 8 247");
}

TEST_CASE("$fromMillis applies ±HHMM offsets as jsonata-js reads them", "[jsonata][datetime]") {
  const double t = 1531310400000;  // 2018-07-11T12:00:00Z
  CHECK(from(t, s("[H01]:[m][Z]"), s("-0500")) == "07:00-05:00");
  CHECK(from(t, s("[H01]:[m][Z0]"), s("-0500")) == "07:00-5");
  CHECK(from(t, s("[H01]:[m][Z0]"), s("+0530")) == "17:30+5:30");
  CHECK(from(t, s("[H01]:[m][z]"), s("-0500")) == "07:00GMT-05:00");
  CHECK(from(t, s("[H01]:[m][Z01:01t]")) == "12:00Z");
  CHECK(from(t, s("[H01]:[m][Z01:01]")) == "12:00+00:00");
  CHECK(from(1204405500000, s("[Y]-[M01]-[D01]T[H01]:[m]:[s].[f001][Z0101t]"), s("+0530")) ==
        "2008-03-02T02:35:00.000+0530");
  CHECK(from(t, s("[H01]:[m][Z]"), s("-0530")) == "05:30-06:30");  // parseInt arithmetic
  CHECK(from(t, s("[H01]:[m][Z]"), s("abc")) == "NaN:NaN0N:aN");
  CHECK(from(1539963900000, none, s("0000")) == "2018-10-19T15:45:00.000Z");
}

TEST_CASE("$fromMillis refuses bad pictures", "[jsonata][datetime]") {
  CHECK(code_of([] { from(0, s("[YN]-[M]-[D]")); }) == "D3133");
  CHECK(code_of([] { from(0, s("[YN]-[M")); }) == "D3135");
  CHECK(code_of([] { from(0, s("[]")); }) == "D3132");
  CHECK(code_of([] { from(0, s("[Z010101t]"), s("+0530")); }) == "D3134");
  CHECK(code_of([] { from(0, s("[ZI]"), s("+0100")); }) == "D3134");
  CHECK(code_of([] { from(0, s("[fN]")); }) == "D3133");
  CHECK(code_of([] { from(0, s("[Y,100000000]")); }) == "U1001");  // past the string budget
}

TEST_CASE("$toMillis reads ISO 8601 as V8's Date.parse does", "[jsonata][datetime]") {
  CHECK(to("1970-01-01T00:00:00.001Z") == 1);
  CHECK(to("2018-02-01T09:42:13.123+0000") == 1517478133123);
  CHECK(to("2017-10-30") == 1509321600000);
  CHECK(to("2018") == 1514764800000);
  CHECK(to("2018-02-03T10:00:00") == 1517652000000);  // local time is UTC
  CHECK(to("2018-02-03T10:00:00+0530") == 1517632200000);
  CHECK(to("2018-02-03T24:00:00Z") == 1517702400000);
  CHECK(to("2018-02-03T10:00:00.1234567Z") == 1517652000123);
  CHECK(to("2018T10:00:00Z") == 1514800800000);
  CHECK(to("2018-02-30") == 1519948800000);
  CHECK(to("0000-01-01") == -62167219200000);
  CHECK(to("2018.5") == 1525132800000);
  CHECK(to("2018-02.5") == 1517788800000);
  CHECK(to("0049.5") == 2503440000000);
  CHECK(to("0049Z") == 2493072000000);  // the legacy reader's 2049
  CHECK(to("0049") == -60620832000000);
  CHECK(std::isnan(to("2018-23:59")));  // the shape check passes it (a year and an offset)
  for (const char* nan : {"2018-02-03-04", "2018-13-03", "2018-02-03T25:00:00Z", "2018-02-39",
                          "2018-02-03+05:00", "2018.13", "2018-02-03.5", "2018-02-03T10:00:00+24:00"})
    CHECK(std::isnan(to(nan)));
  for (const char* bad : {"foo", "01-02-2018", "2018-02-03 11:15:33", "2018-1-01", ""})
    CHECK(code_of([&] { to(bad); }) == "D3110");
  CHECK(call("toMillis", {none}, 2).is_undefined());
}

TEST_CASE("$toMillis parses with a picture", "[jsonata][datetime]") {
  CHECK(to("201802", s("[Y0001][M01]")) == 1517443200000);
  CHECK(to("201802", s("[Y,*-4][M01]")) == 1517443200000);
  CHECK(to("2018-03-27T14:03:00.123Z", s("[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001]Z")) ==
        1522159380123);
  CHECK(to("21st 12 1881", s("[D1o] [M01] [Y0001]")) == -2777932800000);
  CHECK(to("27 iii MMXVIII", s("[D1] [Mi] [YI]")) == 1522108800000);
  CHECK(to("ae C mmxviii", s("[Da] [MA] [Yi]")) == 1522454400000);
  CHECK(to("2 Feb 2012", s("[D1] [MNn,3-3] [Y0001]")) == 1328140800000);
  CHECK(to("nineteen hundred and eighty-four", s("[Yw]")) == 441763200000);
  CHECK(to("TWENTY-SECOND August two thousand and seventeen", s("[DW] [MNn] [Yw]")) ==
        1503360000000);
  CHECK(to("4/4/2018 12:06 am", s("[D1]/[M1]/[Y0001] [h]:[m] [P]")) == 1522800360000);
  CHECK(to("4/4/2018 11:30 pm", s("[D1]/[M1]/[Y0001] [h]:[m] [P]")) == 1522884600000);
  CHECK(to("2018-094", s("[Y0001]-[d001]")) == 1522800000000);
  CHECK(to("Mon, Twelfth November 2018", s("[FNn,*-3], [DWwo] [MNn] [Y]")) == 1541980800000);
  CHECK(to("2020-09-09 08:00:00 GMT-05:00", s("[Y0001]-[M01]-[D01] [H01]:[m01]:[s01] [z]")) ==
        1599656400000);
  CHECK(to("2020-09-09 12:00:00 +0530", s("[Y0001]-[M01]-[D01] [H01]:[m01]:[s01] [Z0001]")) ==
        1599633000000);
  CHECK(to("18", s("[Y01]")) == -1640995200000);  // Date.UTC reads 18 as 1918
}

TEST_CASE("$toMillis takes missing leading components from the evaluation's time",
          "[jsonata][datetime]") {
  CHECK(to("13:45", s("[H]:[m]")) == 1765028700000);  // 2025-12-06T13:45Z
  CHECK(to("10:30 pm", s("[h]:[m] [P]")) == 1765060200000);  // 2025-12-06T22:30Z
  CHECK(to("March", s("[MNn]")) == 1740787200000);         // 2025-03-01
}

TEST_CASE("$toMillis refuses pictures that cannot make a date", "[jsonata][datetime]") {
  CHECK(call("toMillis", {s("Hello"), s("Hello")}, 2).is_undefined());
  CHECK(call("toMillis", {s("irrelevent string"), s("[Y]-[M]-[D]")}, 2).is_undefined());
  CHECK(code_of([] { to("2018-05-22", s("[Y]-[M]-[q]")); }) == "D3132");
  CHECK(code_of([] { to("2018-05-22", s("[YN]-[M]-[D]")); }) == "D3133");
  CHECK(code_of([] { to("2018-22", s("[Y]-[D]")); }) == "D3136");
  CHECK(code_of([] { to("5-22 23:59", s("[M]-[D] [m]:[s]")); }) == "D3136");
  CHECK(code_of([] { to("2018-3-2-5", s("[X]-[x]-[w]-[F1]")); }) == "D3136");
  CHECK(code_of([] { to("2018-32-5", s("[X]-[W]-[F1]")); }) == "D3136");
  CHECK(code_of([] { to("5 MARCH 2018", s("[D] [MN] [Y]")); }) == "D3136");
}
