// Payload templates: `.$` fields, nesting, AWS's run-time and definition-time messages.
#include "eval_test_util.hpp"

using namespace sc;
using namespace sc::eval;
using sc::eval::test::doc;
using sc::eval::test::render;
using sc::eval::test::render_vars;

namespace {
std::vector<std::string> diagnostics(const char* tmpl, const char* location = "/States/S/Parameters") {
  auto t = doc(tmpl);
  std::vector<std::string> diags;
  auto compiled = payload_template::compile(t, location, diags);
  CHECK((compiled == nullptr) == !diags.empty());
  return diags;
}
}  // namespace

TEST_CASE("Fields ending in .$ take a path value and lose the suffix", "[eval][payload]") {
  const char* in = R"({"a":{"b":[1,2]},"s":"x"})";
  CHECK(render(R"({"v.$":"$.a.b","lit":"$.not.a.path","n":1})", in) == R"({"v":[1,2],"lit":"$.not.a.path","n":1})");
  CHECK(render(R"({"all.$":"$"})", in) == R"({"all":{"a":{"b":[1,2]},"s":"x"}})");
  CHECK(render(R"({"first.$":"$.a.b[0]","last3.$":"$.a.b[1:]"})", in) == R"({"first":1,"last3":[2]})");
  CHECK(render(R"({"x":{"y.$":"$.s","z":[{"w.$":"$.s"},"$.s",3]}})", in) == R"({"x":{"y":"x","z":[{"w":"x"},"$.s",3]}})");
  CHECK(render(R"({"lit":{"k":[1,{"m":null}]}})", in) == R"({"lit":{"k":[1,{"m":null}]}})");
  CHECK(render(R"({})", in) == "{}");
}

TEST_CASE("Context paths read the context object", "[eval][payload]") {
  const char* ctx = R"({"Execution":{"Id":"arn:x","Input":{"k":1}},"Map":{"Item":{"Index":2,"Value":"v"}}})";
  CHECK(render(R"({"id.$":"$$.Execution.Id","i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value","c.$":"$$.Execution.Input"})",
               "{}", ctx) == R"({"id":"arn:x","i":2,"v":"v","c":{"k":1}})");
  CHECK(render(R"({"ctx.$":"$$"})", "{}", R"({"a":1})") == R"({"ctx":{"a":1}})");
}

TEST_CASE("Intrinsic calls in templates are evaluated", "[eval][payload]") {
  CHECK(render(R"j({"m.$":"States.Format('{} {}', $.a, $$.b)","n":{"len.$":"States.ArrayLength($.l)"}})j",
               R"({"a":"x","l":[1,2,3]})", R"({"b":"y"})") == R"({"m":"x y","n":{"len":3}})");
}

TEST_CASE("Wildcards and slices over missing fields give empty arrays", "[eval][payload]") {
  // conformance base/test_base.test_json_path_array_wildcard_or_slice_with_no_input.*
  CHECK(render(R"({"item.$":"$.item.items[1:]"})") == R"({"item":[]})");
  CHECK(render(R"({"item.$":"$.item.items[1:5].itemValue"})") == R"({"item":[]})");
  CHECK(render(R"({"item.$":"$.item.items[:1]"})") == R"({"item":[]})");
  CHECK(render(R"({"item.$":"$.items[:1].itemValue"})") == R"({"item":[]})");
  CHECK(render(R"({"item.$":"$.items[*]"})") == R"({"item":[]})");
}

TEST_CASE("A path with no match fails with AWS's States.Runtime cause", "[eval][payload]") {
  // conformance scenarios/test_base_scenarios.test_invalid_jsonpath_INVALID_JSONPATH_IN_STRING_EXPR_CONTEXTPATH
  CHECK(render(R"({"value.$":"$$.Execution.Input.no_such_jsonpath"})", R"({"int-literal":0})",
               R"({"Execution":{"Input":{"int-literal":0}}})") ==
        "States.Runtime | The JSONPath '$$.Execution.Input.no_such_jsonpath' specified for the field 'value.$' "
        "could not be found in the input '{\"int-literal\":0}'");
  // Wording seen in a real AWS execution history.
  CHECK(render(R"({"name.$":"$.application.name","address.$":"$.application.address"})",
               R"({"flagged":false})") ==
        "States.Runtime | The JSONPath '$.application.name' specified for the field 'name.$' could not be found "
        "in the input '{\"flagged\":false}'");
  CHECK(render(R"({"outer":{"inner.$":"$.missing"}})", R"({"a":[1, 2]})") ==
        "States.Runtime | The JSONPath '$.missing' specified for the field 'inner.$' could not be found in the "
        "input '{\"a\":[1,2]}'");
}

TEST_CASE("Intrinsic failures propagate out of the template", "[eval][payload]") {
  CHECK(render(R"j({"r.$":"States.MathAdd($.a, 1)"})j", R"j({"a":"x"})j") ==
        "States.Runtime | Invalid arguments in States.MathAdd");
}

TEST_CASE("A later field with the same output name replaces the earlier one", "[eval][payload]") {
  CHECK(render(R"({"a":1,"b":2,"a.$":"$.x"})", R"({"x":"new"})") == R"({"a":"new","b":2})");
}

TEST_CASE("Non-object templates are copied as they are", "[eval][payload]") {
  CHECK(render(R"([1,{"a.$":"$.x"}])", R"({"x":2})") == R"([1,{"a":2}])");
  CHECK(render(R"("text")") == R"("text")");
}

TEST_CASE("Bad .$ values are reported with their location at compile time", "[eval][payload]") {
  CHECK(diagnostics(R"({"ok.$":"$.a","bad.$":"nope"})") ==
        std::vector<std::string>{"/States/S/Parameters/bad.$: The value for the field 'bad.$' must be a valid JSONPath "
                                 "or a valid intrinsic function call"});
  auto d = diagnostics(R"j({"p.$":"$.a[","n":{"f.$":"States.Nope(1)"},"l":[{"x.$":5}],"s.$":"States.Format('x'"})j");
  REQUIRE(d.size() == 4);
  CHECK(d[0] == "/States/S/Parameters/p.$: The value for the field 'p.$' must be a valid JSONPath or a valid intrinsic function call");
  CHECK(d[1] == "/States/S/Parameters/n/f.$: The value for the field 'f.$' must be a valid JSONPath or a valid intrinsic function call");
  CHECK(d[2] == "/States/S/Parameters/l/0/x.$: The value for the field 'x.$' must be a valid JSONPath or a valid intrinsic function call");
  CHECK(d[3] == "/States/S/Parameters/s.$: The value for the field 's.$' must be a valid JSONPath or a valid intrinsic function call");
  CHECK(diagnostics(R"j({"a.$":"$.x","b.$":"States.Array()","c":"anything"})j").empty());
}

TEST_CASE("A compiled template does not depend on the source document", "[eval][payload]") {
  std::shared_ptr<const payload_template> t;
  {
    json::document src;
    src.SetObject();
    std::string key = "lit", text = "copied";
    src.AddMember(json::value(rapidjson::StringRef(key.data(), key.size())),
                  json::value(rapidjson::StringRef(text.data(), text.size())), src.GetAllocator());
    std::vector<std::string> diags;
    t = payload_template::compile(src, "/", diags);
    REQUIRE(t);
    key.assign("XXX");
    text.assign("XXXXXX");
  }
  json::document in = doc("{}"), out;
  rng r;
  REQUIRE_FALSE(t->evaluate(in, in, out, out.GetAllocator(), r));
  CHECK(json::dump(out) == R"({"lit":"copied"})");
}

TEST_CASE("Evaluating a template many times is fast", "[eval][payload]") {
  json::document tmpl = doc(R"j({"a.$":"$.x.y[0]","b":{"c.$":"States.Format('{}-{}', $.x.z, $$.n)","d":[1,2,3]}})j");
  std::vector<std::string> diags;
  auto t = payload_template::compile(tmpl, "/", diags);
  REQUIRE(t);
  json::document in = doc(R"({"x":{"y":[7],"z":"q"}})"), ctx = doc(R"({"n":5})");
  rng r;
  std::string last;
  for (int i = 0; i < 2000; ++i) {
    json::document out;
    REQUIRE_FALSE(t->evaluate(in, ctx, out, out.GetAllocator(), r));
    if (i == 0) last = json::dump(out);
  }
  CHECK(last == R"({"a":7,"b":{"c":"q-5","d":[1,2,3]}})");
}

TEST_CASE("Workflow variables are read with $name paths", "[eval][payload]") {
  // conformance assign/test_reference_assign_BASE_REFERENCE_IN_PARAMETERS
  CHECK(render_vars(R"({"result.$":"$result"})", R"({"result":"input"})", R"({"result":"foobar"})") ==
        R"({"result":"foobar"})");
  CHECK(render_vars(R"({"a.$":"$v.list[1]","b.$":"$v.list[*].n","c":"$v"})", "{}",
                    R"({"v":{"list":[{"n":1},{"n":2}]}})") == R"({"a":{"n":2},"b":[1,2],"c":"$v"})");
  CHECK(render_vars(R"({"a.$":"$nope"})", R"({"x":1})", "{}") ==
        R"(States.Runtime | The JSONPath '$nope' specified for the field 'a.$' could not be found in the input '{"x":1}')");
  // Without variables every $name path is unknown.
  CHECK(render(R"({"a.$":"$v"})") ==
        "States.Runtime | The JSONPath '$v' specified for the field 'a.$' could not be found in the input '{}'");
}

TEST_CASE("Intrinsics read workflow variables, as in the AWS Assign recordings", "[eval][payload]") {
  // conformance assign/test_reference_assign_BASE_REFERENCE_IN_INTRINSIC_FUNCTION (uuid left out)
  const char* vars = R"({"inputArray":[1,2,3,4,5,6,7,8,9],"duplicateArray":[1,2,2,3,3,4],"rawString":"Hello World",
      "encodedString":"SGVsbG8gV29ybGQ=","inputString":"Hash this string","json1":{"a":1,"b":2},"json2":{"c":3,"d":4},
      "jsonString":"{\"key\":\"value\"}","jsonObject":{"test":"object"},"value1":5,"value2":3,"csvString":"a,b,c,d,e",
      "name":"John","place":"LocalStack","additionalInfo":{"age":30,"role":"developer"}})";
  const char* tmpl = R"j({"encodingOps":{"encoded.$":"States.Base64Encode($rawString)","decoded.$":"States.Base64Decode($encodedString)"},
      "hashOps":{"hashValue.$":"States.Hash($inputString, 'SHA-256')"},
      "jsonOps":{"mergedJson.$":"States.JsonMerge($json1, $json2, false)","parsedJson.$":"States.StringToJson($jsonString)",
                 "stringifiedJson.$":"States.JsonToString($jsonObject)"},
      "mathOps":{"sum.$":"States.MathAdd($value1, $value2)"},
      "stringOps":{"splitString.$":"States.StringSplit($csvString, ',')",
                   "formattedString.$":"States.Format('Hello {}, welcome to {}!', $name, $place)"}})j";
  CHECK(render_vars(tmpl, "{}", vars) ==
        R"({"encodingOps":{"encoded":"SGVsbG8gV29ybGQ=","decoded":"Hello World"},)"
        R"("hashOps":{"hashValue":"1cac63f39fd68d8c531f27b807610fb3d50f0fc3f186995767fb6316e7200a3e"},)"
        R"("jsonOps":{"mergedJson":{"a":1,"b":2,"c":3,"d":4},"parsedJson":{"key":"value"},"stringifiedJson":"{\"test\":\"object\"}"},)"
        R"("mathOps":{"sum":8},"stringOps":{"splitString":["a","b","c","d","e"],"formattedString":"Hello John, welcome to LocalStack!"}})");
}

TEST_CASE("Intrinsics over the input match the AWS Assign recordings", "[eval][payload]") {
  // conformance assign/test_assign_from_value_BASE_ASSIGN_FROM_INTRINSIC_FUNCTION (arrayOps)
  const char* in = R"({"inputArray":[1,2,3,4,5,6],"duplicateArray":[1,2,2,3,3,4]})";
  const char* tmpl = R"j({"simpleArray.$":"States.Array('a', 'b', 'c')","partitionedArray.$":"States.ArrayPartition($.inputArray, 2)",
      "containsElement.$":"States.ArrayContains($.inputArray, 5)","numberRange.$":"States.ArrayRange(1, 10, 2)",
      "thirdElement.$":"States.ArrayGetItem($.inputArray, 2)","arraySize.$":"States.ArrayLength($.inputArray)",
      "uniqueValues.$":"States.ArrayUnique($.duplicateArray)"})j";
  CHECK(render(tmpl, in) ==
        R"({"simpleArray":["a","b","c"],"partitionedArray":[[1,2],[3,4],[5,6]],"containsElement":true,)"
        R"("numberRange":[1,3,5,7,9],"thirdElement":3,"arraySize":6,"uniqueValues":[1,2,3,4]})");
}
