// A Distributed Map streaming from an ItemReader and to a ResultWriter
// through cmd_map_io / ev_integration (runtime/interp/map_s3.cpp): the pure
// core asks for windows and writes, never holds more than a window.
#include "interp_test_util.hpp"

#include "runtime/interp/map_io.hpp"
#include "runtime/json/json.hpp"

#include <string>
#include <vector>

using namespace sc;
using namespace interp_test;

namespace {

std::string machine(const std::string& extra) {
  return R"({"StartAt":"M","States":{"M":{"Type":"Map","End":true,"MaxConcurrency":1,
    "ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSONL"},
                  "Parameters":{"Bucket":"b","Key.$":"$.key"}},)" +
         extra + R"("ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},
      "StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}}}})";
}

std::vector<interp::cmd_map_io> io_of(const interp::step_result& r) {
  std::vector<interp::cmd_map_io> out;
  for (const auto& c : r.commands)
    if (auto* m = std::get_if<interp::cmd_map_io>(&c)) out.push_back(*m);
  return out;
}

json::document parsed(const std::string& text) {
  json::document d;
  REQUIRE(json::parse(text, d));
  return d;
}

interp::ev_integration answer(int64_t task, const std::string& output) {
  interp::ev_integration e;
  e.task = task;
  e.k = interp::ev_integration::kind::succeeded;
  e.output = output;
  return e;
}

}  // namespace

TEST_CASE("An ItemReader's items arrive in windows asked for by cmd_map_io", "[interp][map][mapstream]") {
  auto def = compile(machine(""));
  interp::map_io io;
  io.window_items = 4;
  interp::limits lim;
  lim.map_sources = &io;
  auto r = interp::step(*def, execution(R"({"key":"k.jsonl"})"), interp::ev_start{}, 0, lim);
  auto cmds = io_of(r);
  REQUIRE(cmds.size() == 1);
  auto req = parsed(cmds[0].request);
  CHECK(std::string(req["Op"].GetString()) == "read");
  CHECK(std::string(req["Parameters"]["Key"].GetString()) == "k.jsonl");
  CHECK(req["Cursor"].IsNull());
  CHECK(req["Max"].GetInt64() == 4);
  // Nothing is read by the core itself: the Map waits.
  CHECK(r.next.status == interp::exec_status::running);

  int64_t item = 0;
  std::string expected = "[";
  for (int window = 0; window < 3; ++window) {
    std::string items = "[";
    for (int i = 0; i < 4; ++i, ++item) {
      items += (i ? "," : "") + std::to_string(item);
      expected += (item ? "," : "") + std::to_string(item);
    }
    items += "]";
    const bool last = window == 2;
    r = interp::step(*def, std::move(r.next),
                     answer(cmds[0].task, R"({"Items":)" + items + R"(,"Cursor":{"Offset":)" +
                                               std::to_string(item) + R"(},"End":)" +
                                               (last ? "true" : "false") + "}"),
                     1, lim);
    // The window never holds more than a window's items.
    for (const auto& [id, t] : r.next.threads) {
      json::document w;
      if (!t.items.empty() && json::parse(t.items, w) && w.IsArray()) CHECK(w.Size() <= 4);
    }
    if (last) break;
    cmds = io_of(r);
    REQUIRE(cmds.size() == 1);
    auto next = parsed(cmds[0].request);
    CHECK(next["Cursor"]["Offset"].GetInt64() == item);  // from where the last window ended
  }
  expected += "]";
  REQUIRE(r.next.status == interp::exec_status::succeeded);
  CHECK(r.next.output == expected);
  CHECK(r.next.tasks.empty());
}

TEST_CASE("A failed read fails the Map with States.ItemReaderFailed", "[interp][map][mapstream]") {
  auto def = compile(machine(""));
  interp::map_io io;
  io.window_items = 2;
  interp::limits lim;
  lim.map_sources = &io;
  auto r = interp::step(*def, execution(R"({"key":"k"})"), interp::ev_start{}, 0, lim);
  auto cmds = io_of(r);
  REQUIRE(cmds.size() == 1);
  r = interp::step(*def, std::move(r.next), answer(cmds[0].task, R"({"Items":[1,2],"Cursor":{},"End":false})"),
                   1, lim);
  cmds = io_of(r);
  REQUIRE(cmds.size() == 1);
  interp::ev_integration e;
  e.task = cmds[0].task;
  e.k = interp::ev_integration::kind::failed;
  e.error = "States.ItemReaderFailed";
  e.cause = "gone";
  r = interp::step(*def, std::move(r.next), e, 2, lim);
  REQUIRE(r.next.status == interp::exec_status::failed);
  CHECK(r.next.error == "States.ItemReaderFailed");
  CHECK(r.next.cause == "gone");
}

TEST_CASE("ResultWriter files are written as results come, then the manifest", "[interp][map][mapstream]") {
  auto def = compile(machine(R"("ResultWriter":{"Resource":"arn:aws:states:::s3:putObject",
      "Parameters":{"Bucket":"out","Prefix":"p"}},)"));
  interp::map_io io;
  io.window_items = 3;
  io.result_file_bytes = 1;  // a file per write
  interp::limits lim;
  lim.map_sources = &io;
  auto r = interp::step(*def, execution(R"({"key":"k"})"), interp::ev_start{}, 0, lim);
  auto cmds = io_of(r);
  REQUIRE(cmds.size() == 1);
  r = interp::step(*def, std::move(r.next), answer(cmds[0].task, R"({"Items":[1,2,3],"Cursor":{},"End":true})"),
                   1, lim);
  std::vector<std::string> keys;
  std::string manifest;
  for (int guard = 0; guard < 10 && r.next.status == interp::exec_status::running; ++guard) {
    cmds = io_of(r);
    REQUIRE(cmds.size() == 1);
    auto req = parsed(cmds[0].request);
    REQUIRE(std::string(req["Op"].GetString()) == "put");
    keys.push_back(req["Key"].GetString());
    if (keys.back().find("manifest.json") != std::string::npos) manifest = req["Body"].GetString();
    // The records being written are not kept twice: at most one buffered.
    for (const auto& [id, t] : r.next.threads) CHECK(t.ms.ok_records.size() + t.results.size() <= 3);
    r = interp::step(*def, std::move(r.next), answer(cmds[0].task, R"({"Size":10})"), 2, lim);
  }
  REQUIRE(r.next.status == interp::exec_status::succeeded);
  REQUIRE(keys.size() >= 2);
  CHECK(keys.back().find("manifest.json") != std::string::npos);
  CHECK(keys[0].find("/SUCCEEDED_0.json") != std::string::npos);
  auto m = parsed(manifest);
  CHECK(m["ResultFiles"]["SUCCEEDED"].Size() == keys.size() - 1);
  auto out = parsed(r.next.output);
  CHECK(std::string(out["ResultWriterDetails"]["Key"].GetString()) == keys.back());
}

TEST_CASE("A Distributed Map without MaxConcurrency runs at most 10,000 children at a time",
          "[interp][map][mapstream]") {
  auto def = compile(R"({"StartAt":"M","States":{"M":{"Type":"Map","End":true,
    "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
      "StartAt":"T","States":{"T":{"Type":"Task",
        "Resource":"arn:aws:states:us-east-1:123456789012:activity:a","End":true}}}}}})");
  std::string input = "[";
  for (int i = 0; i < 10005; ++i) input += (i ? ",0" : "0");
  input += "]";
  interp::limits lim;
  lim.record_history = false;
  auto r = interp::step(*def, execution(input), interp::ev_start{}, 0, lim);
  size_t tasks = 0;
  for (const auto& [id, t] : r.next.threads) tasks += t.ph == interp::phase::task ? 1 : 0;
  CHECK(tasks == 10000);
}
