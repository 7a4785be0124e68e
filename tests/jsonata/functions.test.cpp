#include "tests/jsonata/fn_test_context.hpp"

using namespace sc::jsonata;
using namespace sc::jsonata::test;

TEST_CASE("$string writes numbers at 15 significant digits and functions as empty", "[jsonata][functions]") {
  fn_context c;
  CHECK(stringify(N(0.1 + 0.2)) == "0.3");
  CHECK(stringify(N(1e21)) == "1e+21");
  CHECK(stringify(N(123456789012345678.0)) == "123456789012346000");
  CHECK(stringify(J(R"({"a":[1,2.5,"x",null],"b":{}})")) == R"({"a":[1,2.5,"x",null],"b":{}})");
  CHECK(stringify(J(R"({"a":[1,{"b":2}],"c":[]})"), true) ==
        "{\n  \"a\": [\n    1,\n    {\n      \"b\": 2\n    }\n  ],\n  \"c\": []\n}");
  CHECK(stringify(A({*builtin_value("sum")})) == "[\"\"]");
  CHECK(code_of([] { stringify(N(INFINITY)); }) == "D3001");
  CHECK(c.call("string", {S("x")}).as_string() == "x");
}

TEST_CASE("$boolean and $number follow jsonata-js", "[jsonata][functions]") {
  fn_context c;
  CHECK_FALSE(truthy(A({value::boolean(false), N(0)})));
  CHECK(truthy(A({value::boolean(false), N(1)})));
  CHECK_FALSE(truthy(value::object()));
  CHECK(c.call("number", {S("0x1F")}).as_number() == 31);
  CHECK(c.call("number", {S("-1.5e2")}).as_number() == -150);
  CHECK(std::isnan(c.call("number", {S("0x1Fzz")}).as_number()));
  CHECK(code_of([&] { c.call("number", {S("1e400")}); }) == "D3030");
  CHECK(code_of([&] { c.call("number", {S(" 1")}); }) == "D3030");
}

TEST_CASE("$round rounds half to even at a precision", "[jsonata][functions]") {
  fn_context c;
  CHECK(c.call("round", {N(2.5)}).as_number() == 2);
  CHECK(c.call("round", {N(3.5)}).as_number() == 4);
  CHECK(c.call("round", {N(-2.5)}).as_number() == 0 - 2);
  CHECK(c.call("round", {N(1.005), N(2)}).as_number() == 1);
  CHECK(c.call("round", {N(1.015), N(2)}).as_number() == 1.02);
  CHECK(c.call("round", {N(12345), N(-2)}).as_number() == 12300);
  CHECK(c.call("round", {N(-0.4)}).as_number() == 0);
}

TEST_CASE("Strings count code points; regex indexes count UTF-16 units", "[jsonata][functions]") {
  fn_context c;
  CHECK(c.call("length", {S("😀")}).as_number() == 1);
  CHECK(c.call("substring", {S("😀a"), N(1)}).as_string() == "a");
  CHECK(c.call("substring", {S("hello"), N(-3), N(2)}).as_string() == "ll");
  CHECK(c.call("pad", {S("😀"), N(3), S("#")}).as_string() == "😀##");
  CHECK(c.call("pad", {S("ab"), N(-5), S("xy")}).as_string() == "xyxab");
  value m = c.call("match", {S("a😀b"), re("b")});
  CHECK(m.as_array()[0].as_object().find("index")->as_number() == 3);
  value parts = c.call("split", {S("a😀b"), S("")});
  CHECK(parts.as_array().size() == 4);
  CHECK(c.call("trim", {S("  a \n\t b  ")}).as_string() == "a b");
  CHECK(c.call("uppercase", {S("straße ñ")}).as_string() == "STRASSE Ñ");
  CHECK(c.call("lowercase", {S("ÀÉ ΣΑ Жж")}).as_string() == "àé σα жж");
}

TEST_CASE("$replace substitutes groups and refuses empty matches after the first", "[jsonata][functions]") {
  fn_context c;
  CHECK(c.call("replace", {S("John Smith"), re("(\\w+)\\s(\\w+)"), S("$2, $1")}).as_string() == "Smith, John");
  CHECK(c.call("replace", {S("abcabc"), S("b"), S("X"), N(1)}).as_string() == "aXcabc");
  CHECK(c.call("replace", {S("265USD"), re("([0-9]+)USD"), S("$$$1")}).as_string() == "$265");
  CHECK(c.call("replace", {S("abc"), re("b"), S("$9")}).as_string() == "ac");
  CHECK(c.call("replace", {S("abc"), re("(b)"), S("$12")}).as_string() == "ab2c");
  CHECK(code_of([&] { c.call("replace", {S("abc"), re("x*"), S("-")}); }) == "D1004");
  CHECK(code_of([&] { c.call("replace", {S("abc"), S(""), S("-")}); }) == "D3010");
}

TEST_CASE("$split and $match walk regex matches", "[jsonata][functions]") {
  fn_context c;
  value s = c.call("split", {S("a1b22c"), re("[0-9]+")});
  CHECK(to_json(s) == R"(["a","b","c"])");
  CHECK(to_json(c.call("split", {S("a,b,c"), S(","), N(2)})) == R"(["a","b"])");
  value m = c.call("match", {S("ababbabbcc"), re("a(b+)")});
  CHECK(to_json(m) ==
        R"([{"match":"ab","index":0,"groups":["b"]},{"match":"abb","index":2,"groups":["bb"]},{"match":"abb","index":5,"groups":["bb"]}])");
  CHECK(c.call("contains", {S("abc"), re("B", "i")}).as_bool());
}

TEST_CASE("URL and base64 encodings match JavaScript's", "[jsonata][functions]") {
  fn_context c;
  CHECK(c.call("encodeUrlComponent", {S("?x=test&y=é")}).as_string() == "%3Fx%3Dtest%26y%3D%C3%A9");
  CHECK(c.call("encodeUrl", {S("https://mozilla.org/?x=шеллы")}).as_string() ==
        "https://mozilla.org/?x=%D1%88%D0%B5%D0%BB%D0%BB%D1%8B");
  CHECK(c.call("decodeUrl", {S("%3Fx%3D%D1%88")}).as_string() == "%3Fx%3Dш");
  CHECK(c.call("decodeUrlComponent", {S("%3Fx%3D%D1%88")}).as_string() == "?x=ш");
  CHECK(code_of([&] { c.call("decodeUrlComponent", {S("%E0%A4%A")}); }) == "D3140");
  CHECK(c.call("base64encode", {S("myuser:mypass")}).as_string() == "bXl1c2VyOm15cGFzcw==");
  CHECK(c.call("base64decode", {S("bXl1c2VyOm15cGFzcw==")}).as_string() == "myuser:mypass");
}

TEST_CASE("$sort is a stable merge sort; $distinct and $zip", "[jsonata][functions]") {
  fn_context c;
  CHECK(to_json(c.call("sort", {J("[3,1,2]")})) == "[1,2,3]");
  CHECK(to_json(c.call("sort", {J(R"(["b","a","B"])")})) == R"(["B","a","b"])");
  CHECK(code_of([&] { c.call("sort", {J(R"([1,"a"])")}); }) == "D3070");
  CHECK(to_json(c.call("distinct", {J(R"([1,{"a":1},1,{"a":1}])")})) == R"([1,{"a":1}])");
  CHECK(to_json(c.call("zip", {J("[1,2,3]"), J("[4,5]")})) == "[[1,4],[2,5]]");
  CHECK(to_json(c.call("append", {N(1), J("[2]")})) == "[1,2]");
}

TEST_CASE("Object functions", "[jsonata][functions]") {
  fn_context c;
  CHECK(to_json(c.call("keys", {J(R"([{"b":1,"a":2},{"c":3,"2":0}])")})) == R"(["2","b","a","c"])");
  CHECK(to_json(c.call("spread", {J(R"({"a":1,"b":2})")})) == R"([{"a":1},{"b":2}])");
  CHECK(to_json(c.call("merge", {J(R"([{"a":1},{"b":2,"a":3}])")})) == R"({"a":3,"b":2})");
  CHECK(c.call("type", {value::null()}).as_string() == "null");
  CHECK(c.call("exists", {value()}).as_bool() == false);
  try {
    c.call("error", {S("boom")});
    FAIL("no error");
  } catch (const exception& e) {
    CHECK(e.err().code == "D3137");
    CHECK(e.err().message == "boom");
  }
}

TEST_CASE("Numeric aggregates", "[jsonata][functions]") {
  fn_context c;
  CHECK(c.call("sum", {J("[1,2,3]")}).as_number() == 6);
  CHECK(c.call("max", {J("[1,5,3]")}).as_number() == 5);
  CHECK(c.call("min", {J("[]")}).is_undefined());
  CHECK(c.call("average", {J("[1,2]")}).as_number() == 1.5);
  CHECK(code_of([&] { c.call("power", {N(10), N(400)}); }) == "D3061");
  CHECK(code_of([&] { c.call("sqrt", {N(-1)}); }) == "D3060");
  CHECK(c.call("count", {value()}).as_number() == 0);
}

TEST_CASE("HOFs pass as many arguments as the callback declares", "[jsonata][functions]") {
  fn_context c;
  CHECK(to_json(c.call("map", {J("[1,2]"), *builtin_value("string")})) == R"(["1","2"])");
  CHECK(code_of([&] { c.call("reduce", {J("[1,2]"), *builtin_value("string")}); }) == "D3050");
  CHECK(code_of([&] { c.call("single", {J("[1,2]")}); }) == "D3138");
  CHECK(code_of([&] { c.call("single", {J("[]")}); }) == "D3139");
}

TEST_CASE("Step Functions' functions", "[jsonata][functions][sfn]") {
  fn_context c;
  CHECK(c.call("random", {N(42)}).as_number() == 0.7275636800328681);
  double r = c.call("random", {}).as_number();
  CHECK((r >= 0 && r < 1));
  CHECK(to_json(c.call("partition", {J("[1,2,3,4,5]"), N(2)})) == "[[1,2],[3,4],[5]]");
  CHECK(to_json(c.call("range", {N(0), N(10), N(2)})) == "[0,2,4,6,8,10]");
  CHECK(to_json(c.call("range", {N(3), N(1), N(-1)})) == "[3,2,1]");
  CHECK(c.call("hash", {S("input data"), S("SHA-1")}).as_string() ==
        "aaff4a450a104cd177d28d18d74485e8cae074b7");
  CHECK(code_of([&] { c.call("hash", {S("x"), S("SHA-3")}); }) == "D3202");
  std::string u = c.call("uuid", {}).as_string();
  CHECK(u.size() == 36);
  CHECK(u[14] == '4');
  CHECK(to_json(c.call("parse", {S(R"({"a":[1,true]})")})) == R"({"a":[1,true]})");
  CHECK(code_of([&] { c.call("parse", {S("{")}); }) == "D3205");
}

TEST_CASE("Regex values see JavaScript's String() of their argument and a start index", "[jsonata][functions][regex]") {
  fn_context c;
  value r = re("a");
  const auto& rf = static_cast<const regex_function&>(r.as_function());
  CHECK(apply_regex(c, rf, {J(R"({"a":1})")}).is_undefined());  // "[object Object]"
  value m = apply_regex(c, rf, {S("aXa"), N(1)});
  CHECK(m.as_object().find("start")->as_number() == 2);
  value first = apply_regex(c, static_cast<const regex_function&>(re("b").as_function()), {S("abcb")});
  value next = c.apply(*first.as_object().find("next"), {});
  CHECK(next.as_object().find("start")->as_number() == 3);
  CHECK(c.apply(*next.as_object().find("next"), {}).is_undefined());
}

TEST_CASE("Case mapping: final sigma, ligatures and ß", "[jsonata][functions]") {
  fn_context c;
  CHECK(c.call("lowercase", {S("ΣΑΣ")}).as_string() == "σας");
  CHECK(c.call("uppercase", {S("ﬀ ß")}).as_string() == "FF SS");
}

TEST_CASE("$merge and $keys order big objects as JavaScript does", "[jsonata][functions]") {
  fn_context c;
  std::vector<value> objs;
  for (int i = 0; i < 3000; ++i) {
    value o = value::object();
    o.mutable_object().set("k" + std::to_string(i % 1000), N(i));
    o.mutable_object().set(std::to_string(2000 - i % 1000), N(i));
    objs.push_back(o);
  }
  value merged = c.call("merge", {A(objs)});
  const auto& e = merged.as_object().entries;
  REQUIRE(e.size() == 2000);
  CHECK(e.front().first == "1001");
  CHECK(e[999].first == "2000");
  CHECK(e[1000].first == "k0");
  CHECK(e.back().second.as_number() == 2999);
  CHECK(c.call("keys", {A(objs)}).as_array().size() == 2000);
  CHECK(c.call("distinct", {J(R"([1,"1",1,null,null,true,[1],[1]])")}).as_array().size() == 5);
}
