// WARNING diagnostics and variable references (runtime/asl/analysis.hpp).
#include "runtime/asl/analysis.hpp"
#include "tests/runtime/asl/asl_test_util.hpp"

using namespace sc::asl;

namespace {

std::vector<std::pair<std::string, std::string>> codes(std::string_view text) {
  parse_result r = parse(text);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& d : r.warnings) out.emplace_back(d.code, d.location);
  return out;
}

using pairs = std::vector<std::pair<std::string, std::string>>;

}  // namespace

TEST_CASE("Warnings: the three codes AWS documents, at their locations", "[asl][analysis]") {
  const char* text = R"j({"StartAt":"P","States":{
    "P":{"Type":"Pass","Result":{"a":{"b.$":"$.x"},"c":"$.y"},"Next":"Q"},
    "Q":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:a",
         "Parameters":{"p":"$.x","i":"States.Array(1)","ok.$":"$.z","list":[{"d":"$$.Execution.Id"}],
                       "plain":"$ 5"},
         "ResultSelector":{"r":"$"},"Next":"C"},
    "C":{"Type":"Choice","Choices":[{"Variable":"$.v","StringEquals":"$.w","Next":"W"}],"Default":"W"},
    "W":{"Type":"Wait","Timestamp":"$.t","Next":"F"},
    "F":{"Type":"Fail","Error":"$.e","Cause":"plain"}}})j";
  // The Wait Timestamp is also an error (not a timestamp): warnings come
  // whatever the errors.
  CHECK(codes(text) == pairs{{"PASS_RESULT_IS_STATIC", "/States/P/Result/a/b.$"},
                             {"PASS_RESULT_IS_STATIC", "/States/P/Result/c"},
                             {"NO_DOLLAR", "/States/Q/Parameters/p"},
                             {"NO_DOLLAR", "/States/Q/Parameters/i"},
                             {"NO_DOLLAR", "/States/Q/Parameters/list[0]/d"},
                             {"NO_DOLLAR", "/States/Q/ResultSelector/r"},
                             {"NO_PATH", "/States/C/Choices[0]/StringEquals"},
                             {"NO_PATH", "/States/W/Timestamp"},
                             {"NO_PATH", "/States/F/Error"}});
}

TEST_CASE("Warnings: a string Result, nested machines, and none for JSONata", "[asl][analysis]") {
  const char* text = R"j({"StartAt":"Par","States":{
    "Par":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","Result":"$.q","End":true}}}],
           "Next":"M"},
    "M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","Parameters":{"a":"$.b"},"End":true}}},
         "Next":"J"},
    "J":{"Type":"Pass","QueryLanguage":"JSONata","Output":{"a":"$.b"},"End":true}}})j";
  parse_result r = parse(text);
  CHECK(r.def);  // warnings never make a definition invalid
  CHECK(codes(text) == pairs{{"PASS_RESULT_IS_STATIC", "/States/Par/Branches[0]/States/B/Result"},
                             {"NO_DOLLAR", "/States/M/ItemProcessor/States/I/Parameters/a"}});
  CHECK(codes(R"j({"QueryLanguage":"JSONata","StartAt":"F","States":{"F":{"Type":"Fail","Error":"$.x"}}})j")
            .empty());
}

TEST_CASE("Variable references: JSONPath and JSONata states", "[asl][analysis]") {
  const char* text = R"j({"StartAt":"A","States":{
    "A":{"Type":"Pass","Assign":{"x":1,"y.$":"$.in"},"Next":"B"},
    "B":{"Type":"Pass","InputPath":"$x.sub","Parameters":{"a.$":"$y","b.$":"States.Format('{} $q', $z, $y)",
         "lit":"$notref","n":{"c.$":"$w[0]"}},"ResultPath":"$.r","Next":"C"},
    "C":{"Type":"Choice","Choices":[{"Variable":"$v","IsPresent":true,"Next":"D",
          "Assign":{"k.$":"$u"}}],"Default":"D"},
    "D":{"Type":"Pass","QueryLanguage":"JSONata","Output":"{% $sum([$x, $count($y)]) & $states.input %}",
         "Assign":{"m":"{% ($local := 1; $local + $t) %}"},"Next":"E"},
    "E":{"Type":"Succeed"}}})j";
  auto refs = variable_references(text);
  REQUIRE(refs.size() == 3);
  CHECK(refs[0] == std::pair<std::string, std::vector<std::string>>{"B", {"x", "y", "z", "w"}});
  CHECK(refs[1] == std::pair<std::string, std::vector<std::string>>{"C", {"v", "u"}});
  CHECK(refs[2] == std::pair<std::string, std::vector<std::string>>{"D", {"x", "y", "t"}});
  CHECK(variable_references("not json").empty());
}
