// Fuzz target: JSONPath (runtime/eval/jsonpath.hpp): compiling a path,
// selecting with it and writing through it (ResultPath).
//
// Input: "path\0document\0value". A document or value that is not valid
// JSON is replaced by a small default. Checks: the selection and anything
// written are valid JSON; after a successful assign through a reference
// path, selecting with the same path finds the written value.
#include "fuzz/common.hpp"
#include "runtime/eval/jsonpath.hpp"


extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sc;
  auto [text, doc_text, value_text] = fuzz::split<3>(data, size);

  std::string error;
  auto p = eval::path::compile(text, &error);
  if (!p) {
    SC_FUZZ_CHECK(!error.empty(), "a rejected path has a message");
    return 0;
  }
  SC_FUZZ_CHECK(p->text() == text, "path keeps its text");
  (void)p->canonical();
  if (p->is_root()) SC_FUZZ_CHECK(p->is_reference(), "$ is a reference path");

  json::document doc;
  fuzz::parse_or(doc_text, doc, R"({"a":[1,{"b":"c"}],"d":{"e":null}})");

  json::document sel;
  // A path that selects nothing (a reference path, or Jayway's definite
  // `$.x['a','b']` on a missing x) is the caller's failure to report.
  if (p->select(doc, sel, sel.GetAllocator())) fuzz::check_dump(sel, "selection");

  // ResultPath: write `value` into a copy of the document.
  json::document value;
  fuzz::parse_or(value_text, value, R"({"written":true})");
  json::document target;
  target.CopyFrom(doc, target.GetAllocator());
  json::value v(value, target.GetAllocator());
  auto failed = p->assign(target, std::move(v), target.GetAllocator());
  if (failed) {
    SC_FUZZ_CHECK(!failed->error.empty(), "assign failure has an error name");
    return 0;
  }
  // The interpreter refuses a ResultPath longer than json::max_depth steps
  // and fails a state whose output nests deeper than json::max_depth
  // (runner_data.cpp): such documents are not written, so only those within
  // the cap must serialise to JSON that reads back.
  if (p->length() > json::max_depth) return 0;
  {
    std::string text = json::dump(target);
    if (json::nesting_depth(text) > json::max_depth) return 0;
  }
  fuzz::check_dump(target, "document after assign");
  if (p->is_reference() && !p->is_context() && !p->is_variable()) {
    json::document back;
    SC_FUZZ_CHECK(p->select(target, back, back.GetAllocator()), "assigned value is found");
    SC_FUZZ_CHECK(json::dump(back) == json::dump(value), "assigned value reads back");
  }
  return 0;
}
