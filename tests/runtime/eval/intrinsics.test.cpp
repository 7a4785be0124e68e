// The 18 intrinsic functions, checked against AWS's recorded answers
// (shared/conformance/cases/intrinsic and LocalStack's AWS snapshots).
#include "runtime/eval/intrinsics.hpp"

#include "eval_test_util.hpp"
#include "tests/runtime/guarded_text.hpp"

using namespace sc;
using namespace sc::eval;
using sc::eval::test::field;
using sc::eval::test::run;

namespace {
const std::string invalid = "States.Runtime | Invalid arguments in ";
}

TEST_CASE("States.Format matches the AWS recordings for every argument type", "[eval][intrinsic]") {
  // conformance intrinsic/test_generic.test_format_1
  const char* f1 = "States.Format('Formatting argument {}.', $.FunctionInput)";
  CHECK(field(f1, R"({"FunctionInput":""})") == R"({"value":"Formatting argument ."})");
  CHECK(field(f1, R"({"FunctionInput":" "})") == R"({"value":"Formatting argument  ."})");
  CHECK(field(f1, R"({"FunctionInput":"HelloWorld"})") == R"({"value":"Formatting argument HelloWorld."})");
  CHECK(field(f1, R"({"FunctionInput":null})") == R"({"value":"Formatting argument null."})");
  CHECK(field(f1, R"({"FunctionInput":1})") == R"({"value":"Formatting argument 1."})");
  CHECK(field(f1, R"({"FunctionInput":1.1})") == R"({"value":"Formatting argument 1.1."})");
  CHECK(field(f1, R"({"FunctionInput":"{\"Arg1\": 1, \"Arg2\": []}"})") ==
        R"({"value":"Formatting argument {\"Arg1\": 1, \"Arg2\": []}."})");
  // conformance intrinsic/test_generic.test_format_2
  const char* f2 =
      "States.Format('Formatting arguments fst={} and snd={}.', $.FunctionInput.fst, $.FunctionInput.snd)";
  CHECK(field(f2, R"({"FunctionInput":{"fst":{"Arg1":1,"Arg2":[]},"snd":{"Arg1":1,"Arg2":[]}}})") ==
        R"({"value":"Formatting arguments fst={Arg1=1, Arg2=[]} and snd={Arg1=1, Arg2=[]}."})");
  CHECK(field(f2, R"({"FunctionInput":{"fst":null,"snd":1.1}})") ==
        R"({"value":"Formatting arguments fst=null and snd=1.1."})");
  CHECK(field(f2, R"({"FunctionInput":{"fst":[1,"a",null,{"k":[true]}],"snd":false}})") ==
        R"({"value":"Formatting arguments fst=[1, a, null, {k=[true]}] and snd=false."})");
}

TEST_CASE("States.Format handles escapes, literals and nested calls", "[eval][intrinsic]") {
  CHECK(run("States.Format('no placeholders')") == R"("no placeholders")");
  CHECK(run("States.Format('  {}  ', 'x')") == R"("  x  ")");
  CHECK(run(R"(States.Format('Name: \'{}\', Surname: "{}"', $.n, $.s))", R"({"n":"Gabriel","s":"Moreira"})") ==
        R"("Name: 'Gabriel', Surname: \"Moreira\"")");
  CHECK(run(R"(States.Format('\{\} is literal, {} is not, \\ stays', 1))") ==
        R"("{} is literal, 1 is not, \\ stays")");
  CHECK(run("States.Format($.t, $.n)", R"({"t":"Hello {}","n":"Ada"})") == R"("Hello Ada")");
  CHECK(run("States.Format('{}:{}', $.n, $$.Execution.Input.s)", R"({"n":"job"})",
                  R"({"Execution":{"Input":{"s":"run"}}})") == R"("job:run")");
  CHECK(run("States.Format('arn:{}:{}', $.svc, States.JsonToString($.obj))", R"({"svc":"lambda","obj":{"k":1}})") ==
        R"("arn:lambda:{\"k\":1}")");
  // LocalStack AWS snapshot test_generic::test_context_json_path ($$.StateMachine as a Java map)
  CHECK(run("States.Format('Formatting arguments fst={} and snd={}.', $$.Execution.Name, $$.StateMachine)", "{}",
            R"({"Execution":{"Name":"exec"},"StateMachine":{"Id":"arn:aws:states:us-east-1:111111111111:stateMachine:sm","Name":"sm"}})") ==
        R"("Formatting arguments fst=exec and snd={Id=arn:aws:states:us-east-1:111111111111:stateMachine:sm, Name=sm}.")");
  CHECK(run("States.Format('{}|{}|{}', -1, 3.5, 9007199254740991)") == R"("-1|3.5|9007199254740991")");
  // Doubles print as Java's Double.toString (values checked on a JVM).
  CHECK(run("States.Format('{} {} {} {} {} {} {} {} {}', 100.0, 1e7, 0.001, 9.999e-4, 1e21, 123456789.123, -0.0, -1.5e-10, 1e300)") ==
        R"("100.0 1.0E7 0.001 9.999E-4 1.0E21 1.23456789123E8 -0.0 -1.5E-10 1.0E300")");
}

TEST_CASE("States.Format rejects mismatched placeholders and bad templates", "[eval][intrinsic]") {
  CHECK(run("States.Format('{} {}', 'x')") == invalid + "States.Format");
  CHECK(run("States.Format('{}', 'x', 'y')") == invalid + "States.Format");
  CHECK(run("States.Format('Hello {', 'x')") == invalid + "States.Format");
  CHECK(run("States.Format('Hello {{}}', 'x')") == invalid + "States.Format");
  CHECK(run("States.Format('}')") == invalid + "States.Format");
  CHECK(run("States.Format($.t, 'x')", R"({"t":123})") == invalid + "States.Format");
}

TEST_CASE("States.StringToJson parses JSON text as AWS does", "[eval][intrinsic]") {
  // LocalStack AWS snapshot test_json_manipulation::test_string_to_json
  auto s2j = [](const char* text) {
    return run("States.StringToJson($.s)", "{\"s\":" + json::quote(text) + "}");
  };
  CHECK(s2j("") == "null");
  CHECK(s2j(" ") == "null");
  CHECK(s2j("null") == "null");
  CHECK(s2j("-0") == "0");
  CHECK(s2j("1") == "1");
  CHECK(s2j("1.1") == "1.1");
  CHECK(s2j("true") == "true");
  CHECK(s2j("\"HelloWorld\"") == R"("HelloWorld")");
  CHECK(s2j("[1, 2, \"HelloWorld\"]") == R"([1,2,"HelloWorld"])");
  CHECK(s2j("{\"Arg1\": 1, \"Arg2\": []}") == R"({"Arg1":1,"Arg2":[]})");
  CHECK(s2j("{nope") == invalid + "States.StringToJson");
  CHECK(run("States.StringToJson(1)") == invalid + "States.StringToJson");
}

TEST_CASE("States.JsonToString serialises compactly", "[eval][intrinsic]") {
  // conformance intrinsic/test_json_manipulation.test_json_to_string
  auto j2s = [](const char* v) { return field("States.JsonToString($.FunctionInput)", std::string("{\"FunctionInput\":") + v + "}"); };
  CHECK(j2s("null") == R"({"value":"null"})");
  CHECK(j2s("0") == R"({"value":"0"})");
  CHECK(j2s("1") == R"({"value":"1"})");
  CHECK(j2s("1.1") == R"({"value":"1.1"})");
  CHECK(j2s("true") == R"({"value":"true"})");
  CHECK(j2s("\"HelloWorld\"") == R"({"value":"\"HelloWorld\""})");
  CHECK(j2s("[1, 2, \"HelloWorld\"]") == R"({"value":"[1,2,\"HelloWorld\"]"})");
  CHECK(j2s("{\"Arg1\": 1, \"Arg2\": []}") == R"({"value":"{\"Arg1\":1,\"Arg2\":[]}"})");
}

TEST_CASE("States.JsonMerge merges shallowly and needs the false flag", "[eval][intrinsic]") {
  // conformance intrinsic/test_json_manipulation.test_json_merge
  CHECK(run("States.JsonMerge($.FunctionInput.fst, $.FunctionInput.snd, false)",
                  R"({"FunctionInput":{"fst":{"a":{"a1":1,"a2":2},"b":2,"d":3},"snd":{"a":{"a3":1,"a4":2},"c":3,"d":4}}})") ==
        R"({"a":{"a3":1,"a4":2},"b":2,"d":4,"c":3})");
  // conformance intrinsic/test_json_manipulation.test_json_merge_escaped_argument
  CHECK(run(R"(States.JsonMerge(States.StringToJson('{"constant_in_literal": "false"}'), $$.Execution.Input.input_field, false))",
                  "{}", R"({"Execution":{"Input":{"input_field":{"constant_input_field":"constant_value"}}}})") ==
        R"({"constant_in_literal":"false","constant_input_field":"constant_value"})");
  CHECK(run("States.JsonMerge($.a, $.b, true)", R"({"a":{},"b":{}})") == invalid + "States.JsonMerge");
  CHECK(run("States.JsonMerge($.a, $.b, false)", R"({"a":{},"b":[1]})") == invalid + "States.JsonMerge");
  CHECK(run("States.JsonMerge($.a, $.b)", R"({"a":{},"b":{}})") == invalid + "States.JsonMerge");
}

TEST_CASE("States.Array builds an array of its arguments", "[eval][intrinsic]") {
  CHECK(run("States.Array()") == "[]");
  CHECK(run("States.Array(42, true, null, 'hello', -1.5)") == R"([42,true,null,"hello",-1.5])");
  CHECK(run("States.Array( $.a , $.b )", R"({"a":{"k":1},"b":[1,2]})") == R"([{"k":1},[1,2]])");
  CHECK(run("States.Array(1, States.Array(2, 3))") == "[1,[2,3]]");
  CHECK(run("States.Array($.a[*].n)", R"({"a":[{"n":1},{"n":2}]})") == "[[1,2]]");
}

TEST_CASE("States.ArrayPartition chunks an array and truncates the size", "[eval][intrinsic]") {
  CHECK(run("States.ArrayPartition($.a, 4)", R"({"a":[1,2,3,4,5,6,7,8,9]})") == "[[1,2,3,4],[5,6,7,8],[9]]");
  CHECK(run("States.ArrayPartition($.a, 10)", R"({"a":[1,2,3]})") == "[[1,2,3]]");
  CHECK(run("States.ArrayPartition($.a, 1)", R"({"a":[]})") == "[]");
  CHECK(run("States.ArrayPartition($.a, 2.6)", R"({"a":[1,2,3,4,5]})") == "[[1,2],[3,4],[5]]");
  CHECK(run("States.ArrayPartition($.a, 2147483647)", R"({"a":[1]})") == "[[1]]");
  CHECK(run("States.ArrayPartition($.a, 0.6)", R"({"a":[1]})") == invalid + "States.ArrayPartition");
  CHECK(run("States.ArrayPartition($.a, -1)", R"({"a":[1]})") == invalid + "States.ArrayPartition");
  CHECK(run("States.ArrayPartition($.a, '2')", R"({"a":[1]})") == invalid + "States.ArrayPartition");
  CHECK(run("States.ArrayPartition($.a, null)", R"({"a":[1]})") == invalid + "States.ArrayPartition");
  CHECK(run("States.ArrayPartition('x', 2)") == invalid + "States.ArrayPartition");
  CHECK(run("States.ArrayPartition($.a)", R"({"a":[1]})") == invalid + "States.ArrayPartition");
}

TEST_CASE("States.ArrayContains compares values the way AWS does", "[eval][intrinsic]") {
  CHECK(run("States.ArrayContains($.a, 2)", R"({"a":[1,2,3]})") == "true");
  CHECK(run("States.ArrayContains($.a, 5)", R"({"a":[1,2,3]})") == "false");
  CHECK(run("States.ArrayContains($.a, null)", R"({"a":[1,null]})") == "true");
  CHECK(run("States.ArrayContains($.a, $.t)", R"({"a":[[1,2],[3]],"t":[1,2]})") == "true");
  CHECK(run("States.ArrayContains($.a, $.t)", R"({"a":[{"a":1}],"t":{"a":1,"extra":null}})") == "false");
  // AWS quirks: reordered keys do not match, true matches "true".
  CHECK(run("States.ArrayContains($.a, $.t)", R"({"a":[{"a":1,"b":2}],"t":{"b":2,"a":1}})") == "false");
  CHECK(run("States.ArrayContains($.a, true)", R"({"a":["true"]})") == "true");
  CHECK(run("States.ArrayContains($.a, false)", R"({"a":[0,1,-1.5]})") == "false");
  CHECK(run("States.ArrayContains('x', 'x')") == invalid + "States.ArrayContains");
  CHECK(run("States.ArrayContains($.a, 1, 2)", R"({"a":[1]})") == invalid + "States.ArrayContains");
}

TEST_CASE("States.ArrayRange includes the end and truncates its arguments", "[eval][intrinsic]") {
  CHECK(run("States.ArrayRange(1, 9, 2)") == "[1,3,5,7,9]");
  CHECK(run("States.ArrayRange(0, 10, 3)") == "[0,3,6,9]");
  CHECK(run("States.ArrayRange(-2, 2, 2)") == "[-2,0,2]");
  CHECK(run("States.ArrayRange(3, 3, -1)") == "[3]");
  CHECK(run("States.ArrayRange(5, 1, -2)") == "[5,3,1]");
  CHECK(run("States.ArrayRange(5, 1, 1)") == "[]");
  CHECK(run("States.ArrayRange(1.6, 1.4, 1)") == "[1]");
  CHECK(run("States.ArrayRange(5.4, -0.6, -2.4)") == "[5,3,1]");
  CHECK(run("States.ArrayLength(States.ArrayRange(1, 1000, 1))") == "1000");
  CHECK(run("States.ArrayRange(1, 1001, 1)") == invalid + "States.ArrayRange");
  CHECK(run("States.ArrayRange(1, 10, 0.49)") == invalid + "States.ArrayRange");
  CHECK(run("States.ArrayRange('a', 5, 1)") == invalid + "States.ArrayRange");
  CHECK(run("States.ArrayRange(1, 5)") == invalid + "States.ArrayRange");
}

TEST_CASE("States.ArrayGetItem returns one element", "[eval][intrinsic]") {
  // LocalStack AWS snapshot test_array::test_array_get_item
  CHECK(run("States.ArrayGetItem($.fst, $.snd)", R"({"fst":[1,2,3,4,5,6,7,8,9],"snd":5})") == "6");
  CHECK(run("States.ArrayGetItem(States.Array('x', 'y'), 1)") == R"("y")");
  CHECK(run("States.ArrayGetItem($.a, 1.2)", R"({"a":[10,20,30]})") == "20");
  CHECK(run("States.ArrayGetItem($.a, 999)", R"({"a":[]})") == "null");
  CHECK(run("States.ArrayGetItem($.a, 3)", R"({"a":[10,20,30]})") == invalid + "States.ArrayGetItem");
  CHECK(run("States.ArrayGetItem($.a, -1)", R"({"a":[10,20,30]})") == invalid + "States.ArrayGetItem");
  CHECK(run("States.ArrayGetItem($.a, '1')", R"({"a":[10,20,30]})") == invalid + "States.ArrayGetItem");
  CHECK(run("States.ArrayGetItem('abc', 0)") == invalid + "States.ArrayGetItem");
}

TEST_CASE("States.ArrayLength counts top-level elements", "[eval][intrinsic]") {
  // conformance intrinsic/test_array.test_array_length
  CHECK(field("States.ArrayLength($.FunctionInput)", R"({"FunctionInput":[1,2,3,4,5,6,7,8,9]})") ==
        R"({"value":9})");
  CHECK(run("States.ArrayLength(States.Array())") == "0");
  CHECK(run("States.ArrayLength($.o)", R"({"o":{"k":1}})") == invalid + "States.ArrayLength");
}

TEST_CASE("States.ArrayUnique keeps the first of equal values", "[eval][intrinsic]") {
  CHECK(run("States.ArrayUnique($.a)",
                  R"({"a":[null,null,true,true,false,1,1,1.0,"1","x","x",[],[],[null],[null],{"a":1,"b":2},{"b":2,"a":1},{"a":1,"b":1}]})") ==
        R"([null,true,false,1,1.0,"1","x",[],[null],{"a":1,"b":2},{"a":1,"b":1}])");
  CHECK(run("States.ArrayUnique('x')") == invalid + "States.ArrayUnique");
}

TEST_CASE("States.Base64Encode and Base64Decode round-trip UTF-8 text", "[eval][intrinsic]") {
  CHECK(run("States.Base64Encode('hello')") == R"("aGVsbG8=")");
  CHECK(run("States.Base64Encode('')") == R"("")");
  CHECK(run("States.Base64Encode($.s)", R"({"s":"Data to encode"})") == R"("RGF0YSB0byBlbmNvZGU=")");
  CHECK(run("States.Base64Encode($.s)", R"({"s":"こんにちは"})") == R"("44GT44KT44Gr44Gh44Gv")");
  CHECK(run("States.Base64Encode($.s)", R"({"s":"abc\u0000def"})") == R"("YWJjAGRlZg==")");
  CHECK(run("States.Base64Encode('🚀')") == R"("8J+agA==")");
  CHECK(run("States.Base64Decode('aGVsbG8=')") == R"("hello")");
  CHECK(run("States.Base64Decode('4pyT')") == R"("✓")");
  CHECK(run("States.Base64Decode('YWJjAGRlZg==')") == R"("abc\u0000def")");
  CHECK(run("States.Base64Decode(States.Base64Encode($.s))", R"({"s":"line1\nline2"})") == R"("line1\nline2")");
  // AWS is lenient: foreign characters are skipped, decoding stops at '='.
  CHECK(run("States.Base64Decode(' YWJjZA== ')") == R"("abcd")");
  // 'abc' decodes to 0x69 0xB7; the lone 0xB7 becomes U+FFFD as in Java.
  CHECK(run("States.Base64Decode('abc')") == R"("i�")");
  CHECK(run("States.Base64Decode('YWJj')") == R"("abc")");
  CHECK(run("States.Base64Decode('YW!!Jj')") == R"("abc")");
  CHECK(run("States.Base64Decode('YQ==YWJj')") == R"("a")");
  CHECK(run("States.Base64Decode('/w==')") == R"("�")");
  CHECK(run("States.Base64Encode(123)") == invalid + "States.Base64Encode");
  CHECK(run("States.Base64Decode($.o)", R"({"o":{}})") == invalid + "States.Base64Decode");
  CHECK(run("States.Base64Encode('a', 'b')") == invalid + "States.Base64Encode");
}

TEST_CASE("Base64 functions accept at most 10,000 characters", "[eval][intrinsic]") {
  const std::string a10000(10000, 'a'), a10001(10001, 'a');
  auto in = [](const std::string& s) { return "{\"s\":\"" + s + "\"}"; };
  CHECK(run("States.ArrayLength(States.Array(States.Base64Encode($.s)))", in(a10000)) == "1");
  CHECK(run("States.Base64Encode($.s)", in(a10001)) == invalid + "States.Base64Encode");
  CHECK(run("States.Base64Decode($.s)", in(std::string(10001, 'A'))) == invalid + "States.Base64Decode");
  CHECK(run("States.Hash($.s, 'SHA-256')", in(a10001)) == invalid + "States.Hash");
}

TEST_CASE("States.Hash computes hex digests with the five AWS algorithms", "[eval][intrinsic]") {
  CHECK(run("States.Hash('hello', 'MD5')") == R"("5d41402abc4b2a76b9719d911017c592")");
  CHECK(run("States.Hash('hello', 'SHA-1')") == R"("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d")");
  CHECK(run("States.Hash('hello', 'SHA-256')") ==
        R"("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")");
  CHECK(run("States.Hash('hello', 'SHA-384')") ==
        R"("59e1748777448c69de6b800d7a33bbfb9ff1b463e44354c3553bcdb9c666fa90125a3c79f90397bdf5f6a13de828684f")");
  CHECK(run("States.Hash('hello', 'SHA-512')") ==
        R"("9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043")");
  CHECK(run("States.Hash($.s, $.algo)", R"({"s":"Data to encode","algo":"MD5"})") ==
        R"("ca405671828a177e26947171bbe1e352")");
  CHECK(run("States.Hash($.s, 'SHA-256')", R"({"s":"✓"})") ==
        R"("1dabba21cdad44541f6b15796f8d22978fc7ea10c46aeceeeeb66c23b3ac7604")");
  CHECK(run("States.Hash(States.Format('{}:{}', 'x', 'y'), 'SHA-256')") ==
        R"("1274e286686b54fe765ec40735665b4bf789cee2a5b22124c5e0491a88e15271")");
  CHECK(run("States.Hash('data', 'sha-256')") == invalid + "States.Hash");
  CHECK(run("States.Hash('data', 'SHA256')") == invalid + "States.Hash");
  CHECK(run("States.Hash('hello', 123)") == invalid + "States.Hash");
  CHECK(run("States.Hash('hello')") == invalid + "States.Hash");
}

TEST_CASE("States.MathAdd rounds each argument half up before adding", "[eval][intrinsic]") {
  // conformance intrinsic/test_math_operations.test_math_add (all 21 AWS answers)
  const std::pair<const char*, const char*> cases[] = {
      {"-9, 3", "-6"},     {"1.49, 1.5", "3"},  {"1.5, 1.51", "4"},   {"-1.49, -1.5", "-2"},
      {"-1.5, -1.51", "-3"}, {"1.49, 0", "1"},  {"1.49, -1.49", "0"}, {"1.5, 0", "2"},
      {"1.51, 0", "2"},    {"-1.49, 0", "-1"},  {"-1.5, 0", "-1"},    {"-1.51, 0", "-2"},
      {"0.5, 0", "1"},     {"2.5, 0", "3"},     {"3.5, 0", "4"},      {"-0.5, 0.5", "1"},
      {"-0.5, 0", "0"},    {"-2.5, 0", "-2"},   {"-3.5, 0", "-3"},
  };
  for (auto [args, expected] : cases) {
    std::string in = std::string("{\"FunctionInput\":[") + args + "]}";
    CHECK(field("States.MathAdd($.FunctionInput[0], $.FunctionInput[1])", in) ==
          std::string("{\"value\":") + expected + "}");
  }
  CHECK(run("States.MathAdd(1, 'NOT A NUMBER')") == invalid + "States.MathAdd");
  CHECK(run("States.MathAdd(States.ArrayLength(States.Array(1, 2)), -1)") == "1");
}

TEST_CASE("States.MathRandom with a seed reproduces java.util.Random", "[eval][intrinsic]") {
  // Values printed by `new java.util.Random(seed).nextInt(bound)` on a JVM.
  CHECK(intrinsic::java_random_next_int(3, 999) == 239);
  CHECK(intrinsic::java_random_next_int(42, 100) == 30);
  CHECK(intrinsic::java_random_next_int(-10, 9) == 0);
  CHECK(intrinsic::java_random_next_int(0, 9) == 6);
  CHECK(intrinsic::java_random_next_int(7, 64) == 46);
  CHECK(intrinsic::java_random_next_int(123456789, 1000000) == 10965);
  // conformance intrinsic/test_math_operations.test_math_random_seeded input
  CHECK(field("States.MathRandom($.FunctionInput.fst, $.FunctionInput.snd, $.FunctionInput.trd)",
              R"({"FunctionInput":{"fst":0,"snd":999,"trd":3}})") == R"({"value":239})");
  CHECK(run("States.MathRandom($.s, $.e, 1)", R"({"s":2147483640,"e":2147483647})") == "2147483644");
  CHECK(run("States.Array(States.MathRandom(1, 100, 42), States.MathRandom(1, 100, 42))") == "[63,63]");  // JVM: 63
}

TEST_CASE("States.MathRandom without a seed draws from the execution's rng", "[eval][intrinsic]") {
  for (uint64_t seed = 0; seed < 50; ++seed) {
    auto v = run("States.MathRandom(1.6, 5.4)", "{}", "{}", seed);
    INFO(v);
    CHECK((v == "1" || v == "2" || v == "3" || v == "4"));
    CHECK(run("States.MathRandom(1, 999)", "{}", "{}", seed) ==
          run("States.MathRandom(1, 999)", "{}", "{}", seed));
  }
  CHECK(run("States.MathRandom(1, 1)") == invalid + "States.MathRandom");
  CHECK(run("States.MathRandom(10, 5)") == invalid + "States.MathRandom");
  CHECK(run("States.MathRandom(1.4, 1.6)") == invalid + "States.MathRandom");
  CHECK(run("States.MathRandom('a', 10)") == invalid + "States.MathRandom");
  CHECK(run("States.MathRandom(1, 10, null)") == invalid + "States.MathRandom");
  CHECK(run("States.MathRandom(1)") == invalid + "States.MathRandom");
  CHECK(run("States.MathRandom(1, 10, 5, 99)") == invalid + "States.MathRandom");
}

TEST_CASE("States.StringSplit splits on any delimiter character and drops empty tokens", "[eval][intrinsic]") {
  // conformance intrinsic/test_string_operations.test_string_split_context_object
  CHECK(field("States.StringSplit($$.Execution.Input.FunctionInput, ',')", "{}",
              R"({"Execution":{"Input":{"FunctionInput":"Value1,Value2,Value3\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n"}}})") ==
        R"({"value":["Value1","Value2","Value3\nValue4","Value5","Value6\n","\ntrue","1","'HelloWorld'\nNull","None","\n   \n"]})");
  CHECK(run("States.StringSplit($.s, $.d)", R"({"s":"1,2,3,4,5","d":","})") == R"(["1","2","3","4","5"])");
  CHECK(run("States.StringSplit($.s, $.d)", R"({"s":"This.is+a,test=string","d":".+,="})") ==
        R"(["This","is","a","test","string"])");
  CHECK(run("States.StringSplit('Hello\nWorld', '\n')") == R"(["Hello","World"])");
  CHECK(run("States.StringSplit('a→b→c', '→')") == R"(["a","b","c"])");
  CHECK(run("States.StringSplit('', ',')") == "[]");
  CHECK(run("States.StringSplit('abc', '')") == R"(["abc"])");
  CHECK(run("States.StringSplit(1, ',')") == invalid + "States.StringSplit");
}

TEST_CASE("States.UUID produces a version 4 UUID from the rng", "[eval][intrinsic]") {
  auto u = run("States.UUID()", "{}", "{}", 7);
  REQUIRE(u.size() == 38);
  CHECK(u[15] == '4');
  CHECK(std::string("89ab").find(u[20]) != std::string::npos);
  CHECK(u[9] == '-');
  CHECK(u[14] == '-');
  CHECK(u[19] == '-');
  CHECK(u[24] == '-');
  CHECK(u == run("States.UUID()", "{}", "{}", 7));
  CHECK(u != run("States.UUID()", "{}", "{}", 8));
  CHECK(run("States.UUID(1)") == invalid + "States.UUID");
}

TEST_CASE("A missing path argument fails with AWS's could-not-be-found cause", "[eval][intrinsic]") {
  CHECK(field("States.Hash($.missing, 'SHA-256')") ==
        "States.Runtime | The JSONPath '$.missing' specified for the field 'value.$' could not be found in the input '{}'");
  CHECK(field("States.Format('{}', $$.Execution.Nope)", R"({"a":1})", R"({"Execution":{}})") ==
        R"(States.Runtime | The JSONPath '$$.Execution.Nope' specified for the field 'value.$' could not be found in the input '{"a":1}')");
  CHECK(run("States.Base64Encode($.missing)") ==
        "States.Runtime | The JSONPath '$.missing' could not be found in the input '{}'");
}

TEST_CASE("Intrinsic syntax errors and unknown functions are reported by check_intrinsic", "[eval][intrinsic]") {
  for (const char* bad : {"States.Nope(1)", "States.format('x')", "States.Array(", "States.Array($.a) trailing",
                          "States.Array([1,2])", "States.Array(1.)", "States.Array(.5)", "States.Array(1,)",
                          "States.ArrayGetItem($.a, )", "States.Array('unterminated)",
                          "States.Array('bad \\n escape')", "States.Array(tru)", "States.Array($.a b)",
                          "Array(1)", "", "States.Array 1", "States.Array(States.Nope())", "States.Array(1 2)"}) {
    INFO(bad);
    CHECK(check_intrinsic(bad) != "");
  }
  for (const char* good : {"States.Array()", "States.Array( )", "States.UUID()", "States.Array(1) ",
                           "States.Format('a\\'b\\{\\}\\\\', 1)", "States.Array($['a,b'], $.c[?(@.d == ')')])",
                           "States.Array(-1, 0, 2.5e3, true, false, null)", "States.Array(States.Array())",
                           "States.StringSplit('Hello\nWorld', '\n')"}) {
    INFO(good);
    CHECK(check_intrinsic(good) == "");
  }
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "States.Array(";
  CHECK(check_intrinsic(deep) != "");
  json::document in, out;
  in.SetObject();
  rng r;
  auto f = evaluate_intrinsic("States.Nope()", in, in, out, out.GetAllocator(), r);
  REQUIRE(f);
  CHECK(f->error == "States.Runtime");
}

TEST_CASE("Nested calls compose, as in the AWS documentation example", "[eval][intrinsic]") {
  const char* arn = "States.Format('{}.{}', "
                    "States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), "
                    "States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 1))";
  CHECK(run(arn, R"({"ImageRecipe":{"Arn":"arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/x/1.0.2"}})") ==
        R"("1.0")");
  CHECK(run("States.ArrayGetItem(States.StringSplit($.n, '-'), States.MathAdd(States.ArrayLength(States.StringSplit($.n, '-')), -1))",
                  R"({"n":"my-state-machine"})") == R"("machine")");
}

// Found by fuzz/intrinsics: a path argument ending in a backslash inside a
// quoted name ("$['\") moved the parser two bytes on from the backslash,
// past the end of the text, and the blank trimming then read the byte after
// the expression (a heap over-read under AddressSanitizer).
TEST_CASE("A path argument cut off after a backslash is an error, not an over-read",
          "[eval][intrinsic]") {
  for (std::string_view text : {"States.Array($['\\", "States.Format('{}', $.a[\"\\",
                                "States.JsonToString( $[?(@.a == '\\"}) {
    INFO(text);
    sc::test::guarded_text guarded(text);
    std::string error = check_intrinsic(guarded.view());
    CHECK_FALSE(error.empty());
    std::string parse_error;
    CHECK(intrinsic::parse(guarded.view(), parse_error) == nullptr);
  }
}
