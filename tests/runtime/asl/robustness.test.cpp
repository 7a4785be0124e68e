// `parse` never crashes and never throws, whatever it is given: every
// truncation of a rich definition, random byte corruption, every value of
// the definition replaced by values of every other JSON type, and every
// member deleted. Each outcome is consistent: a definition XOR diagnostics.
#include <functional>

#include "runtime/json/json.hpp"
#include "tests/runtime/asl/asl_test_util.hpp"

using namespace sc::asl;

namespace {

const char* kRich = R"({
  "Comment": "every state type", "Version": "1.0", "TimeoutSeconds": 600,
  "StartAt": "Prepare",
  "States": {
    "Prepare": {"Type": "Pass", "Result": {"items": [1, 2, 3]}, "ResultPath": "$.data",
                "Parameters": {"x.$": "$.in", "fixed": [1, {"y": null}]}, "Next": "Work"},
    "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
             "Parameters": {"FunctionName": "f", "Payload.$": "$"},
             "ResultSelector": {"r.$": "$.Payload"}, "TimeoutSeconds": 60, "HeartbeatSeconds": 10,
             "Retry": [{"ErrorEquals": ["States.Timeout"], "IntervalSeconds": 2, "MaxAttempts": 2,
                        "BackoffRate": 1.5, "MaxDelaySeconds": 10, "JitterStrategy": "FULL"}],
             "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed", "ResultPath": "$.err"}],
             "Next": "Decide"},
    "Decide": {"Type": "Choice", "Default": "Later",
               "Choices": [
                 {"And": [{"Variable": "$.n", "NumericGreaterThan": 1},
                          {"Not": {"Variable": "$.s", "StringMatches": "x*"}}], "Next": "Fan"},
                 {"Variable": "$.t", "TimestampLessThanPath": "$.u", "Next": "Each"}]},
    "Later": {"Type": "Wait", "Timestamp": "2030-01-01T00:00:00Z", "Next": "Fan"},
    "Fan": {"Type": "Parallel", "ResultPath": null, "Next": "Each",
            "Branches": [{"StartAt": "B1", "States": {"B1": {"Type": "Wait", "Seconds": 1, "End": true}}},
                         {"StartAt": "B2", "States": {"B2": {"Type": "Succeed"}}}]},
    "Each": {"Type": "Map", "ItemsPath": "$.data.items", "MaxConcurrency": 2,
             "ItemSelector": {"v.$": "$$.Map.Item.Value"},
             "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "One",
                               "States": {"One": {"Type": "Pass", "End": true}}},
             "Next": "Done"},
    "Done": {"Type": "Succeed"},
    "Failed": {"Type": "Fail", "ErrorPath": "$.err.Error", "Cause": "it failed"}
  }
})";

// The outcome must be consistent, whatever happened.
void check_consistent(const std::string& text) {
  parse_result r = parse(text);
  if (r.def) {
    CHECK(r.diagnostics.empty());
  } else {
    CHECK_FALSE(r.diagnostics.empty());
    for (const diagnostic& d : r.diagnostics) CHECK_FALSE(d.code.empty());
    CHECK_FALSE(format_diagnostics(r.diagnostics).empty());
  }
}

// Every value in `v`, depth-first, as paths of member names / indices.
void collect(sc::json::value& v, std::vector<sc::json::value*>& out) {
  out.push_back(&v);
  if (v.IsObject())
    for (auto& m : v.GetObject()) collect(m.value, out);
  else if (v.IsArray())
    for (auto& e : v.GetArray()) collect(e, out);
}

}  // namespace

TEST_CASE("The rich robustness definition is itself valid", "[asl][robustness]") {
  auto def = asl_test::parse_ok(kRich);
  CHECK(def->machines.size() == 4);
}

TEST_CASE("Every truncation of a definition is rejected without crashing", "[asl][robustness]") {
  std::string text = kRich;
  for (size_t n = 0; n < text.size(); ++n) {
    parse_result r = parse(std::string_view(text).substr(0, n));
    REQUIRE_FALSE(r.def);
    REQUIRE_FALSE(r.diagnostics.empty());
  }
}

TEST_CASE("Random byte corruption never crashes the parser", "[asl][robustness]") {
  const std::string original = kRich;
  const char alphabet[] = "{}[]\",:.$*\\ 0123456789aZ-\x01\xC3\xFF";
  uint64_t seed = 0x243F6A8885A308D3ull;
  auto next = [&] {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
  };
  for (int round = 0; round < 3000; ++round) {
    std::string text = original;
    int edits = 1 + int(next() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t at = next() % text.size();
      switch (next() % 3) {
        case 0: text[at] = alphabet[next() % (sizeof(alphabet) - 1)]; break;
        case 1: text.erase(at, 1 + next() % 8); break;
        default: text.insert(at, 1, alphabet[next() % (sizeof(alphabet) - 1)]); break;
      }
      if (text.empty()) text = "{";
    }
    check_consistent(text);
  }
}

TEST_CASE("Every value replaced by every JSON type never crashes the parser", "[asl][robustness]") {
  const char* replacements[] = {"null",
                                "true",
                                "0",
                                "-1",
                                "1.5",
                                "1e400",
                                "\"\"",
                                "\"x\"",
                                "\"$\"",
                                "\"$$\"",
                                "[]",
                                "{}",
                                "[{}]",
                                "[null]",
                                "{\"Type\":\"Pass\"}",
                                "18446744073709551615"};
  sc::json::document base;
  REQUIRE(sc::json::parse(kRich, base));
  std::vector<sc::json::value*> all;
  collect(base, all);
  const size_t count = all.size();
  REQUIRE(count > 100);

  for (size_t i = 1; i < count; ++i) {
    for (const char* replacement : replacements) {
      sc::json::document doc;
      doc.CopyFrom(base, doc.GetAllocator());
      std::vector<sc::json::value*> values;
      collect(doc, values);
      sc::json::document with;
      if (!sc::json::parse(replacement, with)) continue;  // 1e400: not representable
      values[i]->CopyFrom(with, doc.GetAllocator());
      check_consistent(sc::json::dump(doc));
    }
  }
}

TEST_CASE("Every member deleted never crashes the parser", "[asl][robustness]") {
  sc::json::document base;
  REQUIRE(sc::json::parse(kRich, base));
  std::vector<sc::json::value*> all;
  collect(base, all);
  for (size_t i = 0; i < all.size(); ++i) {
    if (!all[i]->IsObject()) continue;
    for (rapidjson::SizeType m = 0; m < all[i]->MemberCount(); ++m) {
      sc::json::document doc;
      doc.CopyFrom(base, doc.GetAllocator());
      std::vector<sc::json::value*> values;
      collect(doc, values);
      values[i]->EraseMember(values[i]->MemberBegin() + m);
      check_consistent(sc::json::dump(doc));
    }
  }
}
