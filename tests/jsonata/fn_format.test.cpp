// $formatNumber, $formatBase, $formatInteger and $parseInteger, called
// directly. Expected values are jsonata-js 2.0.6's (the suite's cases and
// outputs checked with the npm package), including its quirks.
#include <catch2/catch.hpp>

#include <cmath>

#include "runtime/jsonata/error.hpp"
#include "runtime/jsonata/functions.hpp"

using namespace sc::jsonata;

namespace {

struct test_context final : call_context {
  environment e;
  value apply(const value&, std::vector<value>) override { throw std::logic_error("no apply"); }
  size_t arity(const value&) const override { return 0; }
  const environment& env() const override { return e; }
  void tick(size_t) override {}
  size_t position() const override { return 7; }
  uint64_t random_bits() override { return 0; }
};

const builtin& find(std::string_view name) {
  for (const auto& b : tables::format_functions())
    if (name == b.name) return b;
  throw std::logic_error("no such built-in");
}

value call(std::string_view name, std::vector<value> args) {
  test_context ctx;
  return find(name).fn(ctx, args);
}

value s(const char* text) { return value::string(text); }
value n(double d) { return value::number(d); }

std::string text(std::string_view name, std::vector<value> args) {
  value v = call(name, std::move(args));
  REQUIRE(v.is_string());
  return v.as_string();
}

double number(std::string_view name, std::vector<value> args) {
  value v = call(name, std::move(args));
  REQUIRE(v.is_number());
  return v.as_number();
}

std::string code_of(std::string_view name, std::vector<value> args) {
  try {
    call(name, std::move(args));
  } catch (const exception& e) {
    CHECK(e.err().position == size_t(7));
    return e.err().code;
  }
  return "(no error)";
}

value options(std::initializer_list<std::pair<const char*, const char*>> kv) {
  value o = value::object();
  for (const auto& [k, v] : kv) o.mutable_object().set(k, value::string(v));
  return o;
}

}  // namespace

TEST_CASE("the format built-ins carry jsonata-js's signatures", "[jsonata][format]") {
  CHECK(std::string(find("formatNumber").signature) == "<n-so?:s>");
  CHECK(std::string(find("formatBase").signature) == "<n-n?:s>");
  CHECK(std::string(find("formatInteger").signature) == "<n-s:s>");
  CHECK(std::string(find("parseInteger").signature) == "<s-s:n>");
}

TEST_CASE("$formatNumber groups, pads and rounds as XPath pictures say", "[jsonata][format]") {
  CHECK(text("formatNumber", {n(12345.6), s("#,###.00")}) == "12,345.60");
  CHECK(text("formatNumber", {n(12345678.9), s("9,999.99")}) == "12,345,678.90");
  CHECK(text("formatNumber", {n(123412345678.9), s("9,9,99.99")}) == "123412345,6,78.90");
  CHECK(text("formatNumber", {n(1234.56789), s("9,999.999,999")}) == "1,234.567,890");
  CHECK(text("formatNumber", {n(123.9), s("9999")}) == "0124");
  CHECK(text("formatNumber", {n(-6), s("000")}) == "-006");
  CHECK(text("formatNumber", {n(2), s("000.000")}) == "002.000");
  CHECK(text("formatNumber", {n(1e20), s("#,######")}) == "100,000000,000000,000000");
  CHECK(text("formatNumber", {n(2.14 * 86.58), s("PREFIX##00.000###SUFFIX")}) ==
        "PREFIX185.2812SUFFIX");
  CHECK(text("formatNumber", {n(2392.14 * -36.58), s("000,000.000###;###,###.000###")}) ==
        "87,504.4812");
  CHECK(text("formatNumber", {n(-5), s("#;(#)")}) == "(5)");
  CHECK(text("formatNumber", {n(1234.5), s("#,##0.00;(#,##0.00)")}) == "1,234.50");
  CHECK(text("formatNumber", {n(123), s("[##0]")}) == "[123]");
  CHECK(text("formatNumber", {n(1e-7), s("#.######")}) == ".0");
}

TEST_CASE("$formatNumber rounds half to even and keeps JavaScript's -0 text", "[jsonata][format]") {
  CHECK(text("formatNumber", {n(2.5), s("0")}) == "2");
  CHECK(text("formatNumber", {n(3.5), s("0")}) == "4");
  CHECK(text("formatNumber", {n(-0.5), s("0")}) == "-0");
  CHECK(text("formatNumber", {n(1.005), s("0.00")}) == "1.00");
  CHECK(text("formatNumber", {n(1e300), s("#,##0.00")}) == "1e+,300.00");
}

TEST_CASE("$formatNumber handles percent, per-mille and exponents", "[jsonata][format]") {
  CHECK(text("formatNumber", {n(0.14), s("01%")}) == "14%");
  CHECK(text("formatNumber", {n(0.4857), s("###.###\u2030")}) == "485.7\u2030");
  CHECK(text("formatNumber", {n(0.14), s("###pm"), options({{"per-mille", "pm"}})}) == "140pm");
  CHECK(text("formatNumber", {n(1234.5678), s("00.000e0")}) == "12.346e2");
  CHECK(text("formatNumber", {n(1234.5678), s("00.000e000")}) == "12.346e002");
  CHECK(text("formatNumber", {n(0.234), s("0.0e0")}) == "2.3e-1");
  CHECK(text("formatNumber", {n(0.234), s("#.00e0")}) == "0.23e0");
  CHECK(text("formatNumber", {n(0.123), s("#.e9")}) == "0.1e0");
  CHECK(text("formatNumber", {n(0.234), s(".00e0")}) == ".23e0");
  CHECK(text("formatNumber", {n(12345.6789), s("#,###.##e0")}) == "0.12e5");
  CHECK(text("formatNumber", {n(34.567), s("00.0e00")}) == "34.6e00");
  CHECK(text("formatNumber", {n(0.000001234), s("0.00e0")}) == "1.23e-6");
}

TEST_CASE("$formatNumber takes its characters from the options", "[jsonata][format]") {
  CHECK(text("formatNumber", {n(1234.5678), s("①①.①①①e①"), options({{"zero-digit", "\u245f"}})}) ==
        "①②.③④⑥e②");
  CHECK(text("formatNumber", {n(2), s("AAA.AAA"), options({{"zero-digit", "A"}})}) == "AAC.AAA");
  CHECK(text("formatNumber", {n(0.1), s("AeAAA"), options({{"zero-digit", "A"}})}) == "Be-AAB");
  CHECK(text("formatNumber", {n(1234.5678), s("#.##0,00"),
                              options({{"decimal-separator", ","}, {"grouping-separator", "."}})}) ==
        "1.234,57");
}

TEST_CASE("$formatNumber does not hang where jsonata-js would", "[jsonata][format]") {
  CHECK(text("formatNumber", {n(0), s("0.0e0")}) == "0.0e0");
  CHECK(text("formatNumber", {n(-5), s("0.0e0")}) == "-5.0e0");
}

TEST_CASE("$formatNumber refuses bad pictures with jsonata-js's codes", "[jsonata][format]") {
  CHECK(code_of("formatNumber", {n(20), s("#;#;#")}) == "D3080");
  CHECK(code_of("formatNumber", {n(20), s("#.0.0")}) == "D3081");
  CHECK(code_of("formatNumber", {n(20), s("#0%%")}) == "D3082");
  CHECK(code_of("formatNumber", {n(20), s("#0\u2030\u2030")}) == "D3083");
  CHECK(code_of("formatNumber", {n(20), s("#0%\u2030")}) == "D3084");
  CHECK(code_of("formatNumber", {n(20), s(".e0")}) == "D3085");
  CHECK(code_of("formatNumber", {n(20), s("0+.e0")}) == "D3086");
  CHECK(code_of("formatNumber", {n(20), s("0,.e0")}) == "D3087");
  CHECK(code_of("formatNumber", {n(20), s("0,")}) == "D3088");
  CHECK(code_of("formatNumber", {n(20), s("0,,0")}) == "D3089");
  CHECK(code_of("formatNumber", {n(20), s("0#.e0")}) == "D3090");
  CHECK(code_of("formatNumber", {n(20), s("#0.#0e0")}) == "D3091");
  CHECK(code_of("formatNumber", {n(20), s("#0.0e0%")}) == "D3092");
  CHECK(code_of("formatNumber", {n(20), s("#0.0e0,0")}) == "D3093");
  CHECK(code_of("formatNumber", {n(20), s("")}) == "D3085");
  CHECK(code_of("formatNumber", {n(1234.5678), s("#,##0.00"),
                                 options({{"decimal-separator", ","}, {"grouping-separator", "."}})}) ==
        "D3091");
  CHECK(call("formatNumber", {value(), s("#0.00")}).is_undefined());
}

TEST_CASE("$formatBase writes integers in radix 2 to 36", "[jsonata][format]") {
  CHECK(text("formatBase", {n(100)}) == "100");
  CHECK(text("formatBase", {n(100), n(2)}) == "1100100");
  CHECK(text("formatBase", {n(-100), n(2)}) == "-1100100");
  CHECK(text("formatBase", {n(100), n(36)}) == "2s");
  CHECK(text("formatBase", {n(99.5), n(2.5)}) == "1100100");
  CHECK(text("formatBase", {n(2.5)}) == "2");
  CHECK(text("formatBase", {n(-255.5), n(16)}) == "-100");
  CHECK(text("formatBase", {n(-0.4), n(2)}) == "0");
  CHECK(text("formatBase", {n(1e21), n(16)}) == "3635c9adc5dea00000");
  CHECK(text("formatBase", {n(1e21)}) == "1e+21");
  CHECK(text("formatBase", {n(1e300), n(36)}).substr(0, 12) == "fhgyjdfcg7s0");
  CHECK(code_of("formatBase", {n(100), n(1)}) == "D3100");
  CHECK(code_of("formatBase", {n(100), n(37)}) == "D3100");
  CHECK(code_of("formatBase", {n(255), n(36.6)}) == "D3100");
  CHECK(call("formatBase", {value()}).is_undefined());
}

TEST_CASE("$formatInteger writes decimal pictures with grouping and ordinals", "[jsonata][format]") {
  CHECK(text("formatInteger", {n(123), s("0000")}) == "0123");
  CHECK(text("formatInteger", {n(-3), s("0000")}) == "-0003");
  CHECK(text("formatInteger", {n(1234), s("0;c")}) == "1234");
  CHECK(text("formatInteger", {n(12.6), s("###0")}) == "12");
  CHECK(text("formatInteger", {n(-0.5), s("0")}) == "-1");
  CHECK(text("formatInteger", {n(123), s("000;o")}) == "123rd");
  CHECK(text("formatInteger", {n(11), s("0;o")}) == "11th");
  CHECK(text("formatInteger", {n(1011), s("#,##0;o")}) == "1,011th");
  CHECK(text("formatInteger", {n(12340), s("###١")}) == "١٢٣٤٠");
  CHECK(text("formatInteger", {n(12340), s("###０")}) == "１２３４０");
  CHECK(text("formatInteger", {n(1234567890), s("#,##0")}) == "1,234,567,890");
  CHECK(text("formatInteger", {n(1234567890), s("#:###,##0")}) == "1234:567,890");
  CHECK(text("formatInteger", {n(1234567890), s("##,##,##0")}) == "12345,67,890");
  CHECK(text("formatInteger", {n(12), s("#:###,##0")}) == ",:12");
  CHECK(text("formatInteger", {n(12345), s("0,")}) == "12345,");
  CHECK(text("formatInteger", {n(1e21), s("#,##0")}) == "1e,+21");
  CHECK(code_of("formatInteger", {n(12340), s("##0０")}) == "D3131");
  CHECK(code_of("formatInteger", {n(5), s("#")}) == "D3130");
  CHECK(code_of("formatInteger", {n(5), s("")}) == "D3130");
  CHECK(call("formatInteger", {value(), s("0")}).is_undefined());
}

TEST_CASE("$formatInteger writes letters, Roman numerals and words", "[jsonata][format]") {
  CHECK(text("formatInteger", {n(0), s("I")}) == "");
  CHECK(text("formatInteger", {n(1984), s("I")}) == "MCMLXXXIV");
  CHECK(text("formatInteger", {n(99), s("i")}) == "xcix");
  CHECK(text("formatInteger", {n(1), s("A")}) == "A");
  CHECK(text("formatInteger", {n(12), s("a")}) == "l");
  CHECK(text("formatInteger", {n(27), s("a")}) == "aa");
  CHECK(text("formatInteger", {n(123456), s("A")}) == "FZPH");
  CHECK(text("formatInteger", {n(555), s("W")}) == "FIVE HUNDRED AND FIFTY-FIVE");
  CHECK(text("formatInteger", {n(555), s("Ww")}) == "Five Hundred and Fifty-Five");
  CHECK(text("formatInteger", {n(3730), s("w")}) == "three thousand, seven hundred and thirty");
  CHECK(text("formatInteger", {n(1000000000001), s("w")}) == "one trillion and one");
  CHECK(text("formatInteger", {n(1e15), s("w")}) == "one thousand trillion");
  CHECK(text("formatInteger", {n(1e46), s("w")}) == "ten billion trillion trillion trillion");
  CHECK(text("formatInteger", {n(1234567890123), s("w")}) ==
        "one trillion, two hundred and thirty-four billion, five hundred and sixty-seven "
        "million, eight hundred and ninety thousand, one hundred and twenty-three");
  CHECK(text("formatInteger", {n(20), s("w;o")}) == "twentieth");
  CHECK(text("formatInteger", {n(99), s("W;o")}) == "NINETY-NINTH");
  CHECK(text("formatInteger", {n(100), s("w;o")}) == "one hundredth");
  CHECK(text("formatInteger", {n(1000000000001), s("w;o")}) == "one trillion and first");
  CHECK(text("formatInteger", {n(4327732), s("w;o")}) ==
        "four million, three hundred and twenty-seven thousand, seven hundred and thirty-second");
  CHECK(code_of("formatInteger", {n(1e7), s("I")}) == "U1001");
}

TEST_CASE("$parseInteger reads what $formatInteger writes", "[jsonata][format]") {
  CHECK(number("parseInteger", {s("0123"), s("0000")}) == 123);
  CHECK(number("parseInteger", {s("123rd"), s("000;o")}) == 123);
  CHECK(number("parseInteger", {s("١٢٣٤٠"), s("###١")}) == 12340);
  CHECK(number("parseInteger", {s("１２３４０"), s("###０")}) == 12340);
  CHECK(number("parseInteger", {s("1,234,567,890"), s("#,###,##0")}) == 1234567890);
  CHECK(number("parseInteger", {s("1234:567,890"), s("#:###,##0")}) == 1234567890);
  CHECK(number("parseInteger", {s("12345,67,890"), s("##,##,##0")}) == 1234567890);
  CHECK(number("parseInteger", {s(""), s("I")}) == 0);
  CHECK(number("parseInteger", {s("MCMLXXXIV"), s("I")}) == 1984);
  CHECK(number("parseInteger", {s("xcix"), s("i")}) == 99);
  CHECK(number("parseInteger", {s("FZPH"), s("A")}) == 123456);
  CHECK(number("parseInteger", {s("aa"), s("a")}) == 27);
  CHECK(number("parseInteger", {s("FIVE HUNDRED AND FIFTY-FIVE"), s("W")}) == 555);
  CHECK(number("parseInteger", {s("nineteen hundred and eighty-four"), s("w")}) == 1984);
  CHECK(number("parseInteger", {s("one thousand trillion"), s("w")}) == 1e15);
  CHECK(number("parseInteger", {s("ten billion trillion trillion trillion"), s("w")}) == 1e46);
  CHECK(number("parseInteger", {s("one trillion and first"), s("w;o")}) == 1000000000001);
  CHECK(number("parseInteger", {s("Seven Hundred and Thirty-Third"), s("Ww;o")}) == 733);
  CHECK(number("parseInteger",
               {s("four million, three hundred and twenty-seven thousand, seven hundred and "
                  "thirty-second"),
                s("w;o")}) == 4327732);
  CHECK(code_of("parseInteger", {s("50"), s("#")}) == "D3130");
  CHECK(call("parseInteger", {value(), s("0")}).is_undefined());
}

TEST_CASE("$parseInteger reads loosely, like parseInt", "[jsonata][format]") {
  CHECK(number("parseInteger", {s("12a"), s("0")}) == 12);
  CHECK(number("parseInteger", {s("0x1A"), s("0")}) == 26);
  CHECK(number("parseInteger", {s("  42"), s("0")}) == 42);
  CHECK(number("parseInteger", {s("1,234"), s("0;0")}) == 1);
  CHECK(std::isnan(number("parseInteger", {s("abc"), s("0")})));
  CHECK(std::isnan(number("parseInteger", {s("xyz"), s("w")})));
  CHECK(std::isnan(number("parseInteger", {s("MQ"), s("I")})));
}
