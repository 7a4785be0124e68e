// Distributed Map's ItemReader and ResultWriter when the node can call S3
// (lim_.map_sources, interp/map_io.hpp): streamed, through cmd_map_io.
//
//   * ItemReader: its Parameters (JSONPath; JSONata Arguments as literal
//     values) are evaluated against the state's effective input, its
//     ReaderConfig's MaxItemsPath resolved, once, as the Map starts. The
//     items then arrive in windows (cmd_map_io "read" → ev_integration):
//     the Map keeps only the items not launched yet and a cursor, and asks
//     for the next window when less than half a window is left. The Map
//     Run's total grows as items are read; it ends when the source is over
//     and every iteration has ended. ItemSelector and ItemBatcher apply as
//     usual (a batch still open at the end of a window is carried over).
//   * ResultWriter with a Resource: each finished iteration's record is
//     buffered in the Map's state; a full buffer (map_io::result_file_bytes)
//     is written as the next SUCCEEDED_n / FAILED_n file while iterations go
//     on; when they are all over, the rest and then manifest.json are
//     written, and the Map's output becomes {"MapRunArn",
//     "ResultWriterDetails": {"Bucket", "Key"}}. WriterConfig alone: the
//     results are returned transformed (COMPACT / FLATTEN).
// A failure to read or write is States.ItemReaderFailed /
// States.ResultWriterFailed, an ordinary error of the Map (MapStateFailed);
// a read failing mid-stream stops the Map Run's running children.
#include "runtime/interp/runner.hpp"

#include "runtime/aws/s3_items.hpp"
#include "runtime/interp/map_io.hpp"

#include <algorithm>

namespace sc::interp {

std::optional<cmd_map_io> map_io_in_flight(const execution_state& s, int64_t task) {
  auto it = s.tasks.find(task);
  if (it == s.tasks.end()) return std::nullopt;
  auto th = s.threads.find(it->second);
  if (th == s.threads.end() || th->second.ms.io_task != task || th->second.ms.io_request.empty())
    return std::nullopt;
  return cmd_map_io{task, th->second.ms.io_request};
}

namespace detail {

namespace {

/// Parameters (JSONPath) or Arguments (JSONata, taken literally) of an
/// ItemReader / ResultWriter object.
const json::value* args_of(const json::value& obj) {
  for (const char* k : {"Parameters", "Arguments"})
    if (auto m = obj.FindMember(k); m != obj.MemberEnd()) return &m->value;
  return nullptr;
}

std::string member(const json::value& o, const char* k) {
  if (!o.IsObject()) return "";
  auto m = o.FindMember(k);
  return m != o.MemberEnd() && m->value.IsString() ? m->value.GetString() : "";
}

}  // namespace

bool runner::map_writes(const asl::state& st) const {
  return st.result_writer && !st.result_writer_resource.empty() && lim_.map_sources;
}

std::optional<failure> runner::map_reader_begin(thread& t, const asl::state& st, const json::value& eff) {
  auto fail = [&](failure f) -> std::optional<failure> {
    if (!will_retry(t, f.error)) emit(t, "MapStateFailed", "", "");
    return f;
  };
  json::document reader;
  json::parse(st.item_reader_json, reader);
  json::document params;
  params.SetObject();
  if (const json::value* a = reader.IsObject() ? args_of(reader) : nullptr) {
    if (a->IsObject() && reader.HasMember("Parameters")) {
      std::vector<std::string> diags;
      auto tpl = eval::payload_template::compile(*a, "ItemReader.Parameters", diags);
      if (!tpl)
        return fail(failure{"States.ItemReaderFailed", "The ItemReader's Parameters are not valid"});
      if (auto f = apply_template(t, *tpl, eff, params)) return fail(*f);
    } else {
      params.CopyFrom(*a, params.GetAllocator());
    }
  }
  json::document rc;
  rc.SetObject();
  if (reader.IsObject())
    if (auto m = reader.FindMember("ReaderConfig"); m != reader.MemberEnd() && m->value.IsObject())
      rc.CopyFrom(m->value, rc.GetAllocator());
  if (auto m = rc.FindMember("MaxItemsPath"); m != rc.MemberEnd() && m->value.IsString()) {
    std::optional<eval::path> p = eval::path::compile(m->value.GetString());
    int64_t max = 0;
    if (p) {
      if (auto f = int_field(t, eff, p, "MaxItemsPath", max)) return fail(*f);
    }
    rc.RemoveMember("MaxItemsPath");
    rc.AddMember("MaxItems", json::value(max), rc.GetAllocator());
  }
  t.ms.reader = "{\"Resource\":" + json::quote(st.item_reader_resource) +
                ",\"Parameters\":" + json::dump(params) + ",\"ReaderConfig\":" + json::dump(rc) + "}";
  return std::nullopt;
}

void runner::map_io_issue(thread& m, std::string request) {
  int64_t task = s_.next_task++;
  s_.tasks[task] = m.id;
  m.ms.io_task = task;
  m.ms.io_request = request;
  r_.commands.push_back(cmd_map_io{task, std::move(request)});
}

void runner::map_io_forget(thread& m) {
  if (m.ms.io_task) s_.tasks.erase(m.ms.io_task);
  m.ms.io_task = 0;
  m.ms.io_request.clear();
}

int64_t runner::map_window(const thread& m) const {
  int64_t w = lim_.map_sources ? lim_.map_sources->window_items : 1000;
  if (m.max_concurrency > 0) w = std::max<int64_t>(w, 2 * m.max_concurrency);
  return std::max<int64_t>(w, 1);
}

void runner::map_refill(thread& m) {
  if (m.ms.reader.empty() || m.ms.end || m.ms.io_task || m.ms.closing) return;
  const int64_t window = map_window(m);
  const int64_t left = m.item_count - m.next_item;
  if (left * 2 > window) return;
  json::document r;
  json::parse(m.ms.reader, r);
  std::string req = "{\"Op\":\"read\",\"Resource\":" + json::dump(r["Resource"]) +
                    ",\"Parameters\":" + json::dump(r["Parameters"]) +
                    ",\"ReaderConfig\":" + json::dump(r["ReaderConfig"]) +
                    ",\"Cursor\":" + (m.ms.cursor.empty() ? std::string("null") : m.ms.cursor) +
                    ",\"Max\":" + std::to_string(window - left) + "}";
  map_io_issue(m, std::move(req));
}

bool runner::on_map_io(const ev_integration& e) {
  auto it = s_.tasks.find(e.task);
  if (it == s_.tasks.end()) return false;
  auto th = s_.threads.find(it->second);
  if (th == s_.threads.end() || th->second.ph == phase::task) return false;
  s_.tasks.erase(it);
  thread& m = th->second;
  // An answer for a Map that is over or started again: nothing to do.
  if (m.ms.io_task != e.task || m.ph != phase::children || m.state < 0) return true;
  const asl::state& st = state_of(m);
  json::document req;
  json::parse(m.ms.io_request, req);
  const bool read = member(req, "Op") == "read";
  m.ms.io_task = 0;
  m.ms.io_request.clear();
  using k = ev_integration::kind;
  if (e.k == k::started || e.k == k::submitted) return true;
  if (e.k != k::succeeded) {
    map_io_failed(m, st, failure{e.error.empty() ? (read ? "States.ItemReaderFailed" : "States.ResultWriterFailed")
                                                 : e.error,
                                 e.cause});
    return true;
  }
  json::document a;
  json::parse(e.output, a);
  if (!read) {
    // A results file or the manifest is written.
    const std::string key = member(req, "Key");
    const int64_t size = a.IsObject() && a.HasMember("Size") && a["Size"].IsInt64() ? a["Size"].GetInt64() : 0;
    if (m.ms.io_records < 0) {  // the manifest: the Map is over
      json::document out;
      std::string bucket = member(req, "Bucket");
      json::parse("{\"MapRunArn\":" + json::quote(m.map_run_arn) + ",\"ResultWriterDetails\":{\"Bucket\":" +
                      json::quote(bucket) + ",\"Key\":" + json::quote(key) + "}}",
                  out);
      m.ms.io_records = 0;
      map_stream_end(m);
      m.ph = phase::idle;
      m.children.clear();
      m.results.clear();
      m.items.clear();
      m.failed_items.clear();
      drive_later(m, finish_with_result(m, st, std::move(out), out.GetAllocator()));
      return true;
    }
    std::string entry = "{\"Key\":" + json::quote(key) + ",\"Size\":" + std::to_string(size) + "}";
    std::string& entries = m.ms.io_failed_file ? m.ms.failed_entries : m.ms.ok_entries;
    entries += (entries.empty() ? "" : ",") + entry;
    ++(m.ms.io_failed_file ? m.ms.failed_files : m.ms.ok_files);
    m.ms.written += m.ms.io_records;
    m.ms.io_records = 0;
    note_map_run(m, "RUNNING");
    if (auto f = map_write_next(m, st)) {
      drive_later(m, std::move(*f));
      return true;
    }
    // A read waited for this write: the window may need filling, or the
    // Map ending (launch_iterations does both).
    if (!m.ms.closing && !m.ms.io_task && m.ph == phase::children) launch_iterations(m);
    return true;
  }
  // A window of items.
  if (!a.IsObject() || !a.HasMember("Items") || !a["Items"].IsArray()) {
    map_io_failed(m, st, failure{"States.ItemReaderFailed",
                                 "The Map state's ItemReader could not read its items: a malformed answer"});
    return true;
  }
  m.ms.cursor = a.HasMember("Cursor") ? json::dump(a["Cursor"]) : "";
  m.ms.end = a.HasMember("End") && a["End"].IsBool() && a["End"].GetBool();
  json::document items;
  items.CopyFrom(a["Items"], items.GetAllocator());
  m.ms.read += int64_t(items.Size());
  json::document eff;
  json::parse(m.effective, eff);
  if (auto f = batch_map_items(m, st, eff, items, !m.ms.end)) {
    map_io_failed(m, st, *f);
    return true;
  }
  // The window: the items not launched yet, then the new ones.
  json::document window;
  json::parse(m.items, window);
  if (!window.IsArray()) window.SetArray();
  json::document next;
  next.SetArray();
  auto& al = next.GetAllocator();
  const int64_t from = std::max<int64_t>(0, m.next_item - m.ms.base);
  for (rapidjson::SizeType i = rapidjson::SizeType(from); i < window.Size(); ++i)
    next.PushBack(json::value(window[i], al), al);
  for (auto& v : items.GetArray()) next.PushBack(json::value(v, al), al);
  m.ms.base += from;
  m.items = json::dump(next);
  m.item_count += int64_t(items.Size());
  m.map_items_total += map_items_in(st, items);
  if (!map_writes(st)) m.results.resize(static_cast<size_t>(m.item_count));
  note_map_run(m, "RUNNING");
  launch_iterations(m);  // ends the Map when the source is over and all are done
  return true;
}

void runner::map_stream_end(thread& m) {
  map_io_forget(m);
  std::string item = std::move(m.ms.item);  // a Map inside an iteration: the iteration's own
  m.ms = map_stream{};
  m.ms.item = std::move(item);
}

void runner::map_io_failed(thread& m, const asl::state& st, failure f) {
  map_io_forget(m);
  m.ms.closing = false;
  stash_children(m);  // for a redrive
  abort_map_children(m, -1, st);
  if (!m.map_run_arn.empty()) {
    note_map_run(m, "FAILED");
    emit(m, "MapRunFailed", "", "");
  }
  if (!will_retry(m, f.error)) emit(m, "MapStateFailed", "", "");
  m.ph = phase::idle;
  m.items.clear();
  m.results.clear();
  drive_later(m, flow::fail(std::move(f)));
}

void runner::map_keep_result(thread& p, const thread& c, const asl::state& st, bool failed) {
  std::string input = c.ms.item.empty() ? "{}" : c.ms.item;
  std::string rec = "{\"ExecutionArn\":" + json::quote(c.child_arn) + ",\"Input\":" + json::quote(input) +
                    ",\"InputDetails\":{\"Included\":true}";
  if (failed) {
    rec += ",\"Error\":" + json::quote(c.error) + ",\"Cause\":" + json::quote(c.cause) +
           ",\"Status\":\"FAILED\"}";
    p.ms.failed_records.push_back(std::move(rec));
    p.ms.buffered_bytes += int64_t(p.ms.failed_records.back().size());
  } else {
    rec += ",\"Output\":" + json::quote(c.output) +
           ",\"OutputDetails\":{\"Included\":true},\"Status\":\"SUCCEEDED\"}";
    p.ms.ok_records.push_back(std::move(rec));
    p.ms.buffered_bytes += int64_t(p.ms.ok_records.back().size());
  }
  const int64_t limit = lim_.map_sources ? lim_.map_sources->result_file_bytes : (int64_t(1) << 20);
  if (p.ms.buffered_bytes >= limit && !p.ms.io_task)
    if (auto f = map_write_next(p, st)) drive_later(p, std::move(*f));
}

std::optional<flow> runner::map_write_next(thread& m, const asl::state& st) {
  if (m.ms.io_task) return std::nullopt;
  const int64_t limit = lim_.map_sources ? lim_.map_sources->result_file_bytes : (int64_t(1) << 20);
  const bool ok_due = !m.ms.ok_records.empty() && (m.ms.closing || m.ms.buffered_bytes >= limit);
  const bool failed_due = !m.ms.failed_records.empty() && (m.ms.closing || m.ms.buffered_bytes >= limit);
  if (!ok_due && !failed_due && !m.ms.closing) return std::nullopt;
  json::document writer;
  json::parse(st.result_writer_json, writer);
  if (!writer.IsObject()) writer.SetObject();
  json::document eff;
  json::parse(m.effective, eff);
  json::document params;
  params.SetObject();
  auto fail = [&](failure f) -> std::optional<flow> {
    if (m.ms.closing) {  // MapStateSucceeded is recorded already
      map_stream_end(m);
      m.ph = phase::idle;
      m.children.clear();
      m.results.clear();
      m.items.clear();
      return flow::fail(std::move(f));
    }
    map_io_failed(m, st, std::move(f));
    return std::nullopt;
  };
  if (const json::value* a = args_of(writer)) {
    if (a->IsObject() && writer.HasMember("Parameters")) {
      std::vector<std::string> diags;
      auto tpl = eval::payload_template::compile(*a, "ResultWriter.Parameters", diags);
      if (!tpl) return fail(failure{"States.ResultWriterFailed", "The ResultWriter's Parameters are not valid"});
      if (auto f = apply_template(m, *tpl, eff, params)) return fail(*f);
    } else {
      params.CopyFrom(*a, params.GetAllocator());
    }
  }
  const std::string bucket = member(params, "Bucket");
  if (bucket.empty())
    return fail(failure{"States.ResultWriterFailed",
                        "The Map state's ResultWriter (arn:aws:states:::s3:putObject) could not write its "
                        "results: its Parameters name no Bucket"});
  std::string prefix = member(params, "Prefix");
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  // <Prefix>/<Map Run id>/...: the id is what follows the label in the ARN.
  const std::string dir = prefix + m.map_run_arn.substr(m.map_run_arn.rfind(':') + 1) + "/";
  std::string transformation = "NONE", output_type = "JSON";
  if (auto w = writer.FindMember("WriterConfig"); w != writer.MemberEnd() && w->value.IsObject()) {
    if (auto x = member(w->value, "Transformation"); !x.empty()) transformation = x;
    if (auto x = member(w->value, "OutputType"); !x.empty()) output_type = x;
  }
  const std::string ext = output_type == "JSONL" ? ".jsonl" : ".json";
  auto put = [&](const std::string& key, const std::string& body) {
    map_io_issue(m, "{\"Op\":\"put\",\"Bucket\":" + json::quote(bucket) + ",\"Key\":" + json::quote(key) +
                        ",\"Body\":" + json::quote(body) + "}");
  };
  if (ok_due || failed_due) {
    const bool failed_file = !ok_due;
    auto& recs = failed_file ? m.ms.failed_records : m.ms.ok_records;
    const int64_t n = failed_file ? m.ms.failed_files : m.ms.ok_files;
    std::string body = aws::format_results(recs, transformation, output_type, false);
    for (const auto& r : recs) m.ms.buffered_bytes -= int64_t(r.size());
    m.ms.io_records = int64_t(recs.size());
    m.ms.io_failed_file = failed_file;
    recs.clear();
    put(dir + (failed_file ? "FAILED_" : "SUCCEEDED_") + std::to_string(n) + ext, body);
    return std::nullopt;
  }
  // Closing, everything written: the manifest.
  std::string manifest = "{\"DestinationBucket\":" + json::quote(bucket) +
                         ",\"MapRunArn\":" + json::quote(m.map_run_arn) + ",\"ResultFiles\":{\"FAILED\":[" +
                         m.ms.failed_entries + "],\"PENDING\":[],\"SUCCEEDED\":[" + m.ms.ok_entries + "]}}";
  m.ms.io_records = -1;
  put(dir + "manifest.json", manifest);
  return std::nullopt;
}

std::optional<failure> runner::write_map_results(thread& t, const asl::state& st, json::document& out) {
  // WriterConfig alone: the results, transformed, are the Map's output.
  std::string transformation = "NONE";
  json::document writer;
  json::parse(st.result_writer_json, writer);
  if (writer.IsObject())
    if (auto m = writer.FindMember("WriterConfig"); m != writer.MemberEnd() && m->value.IsObject())
      if (auto x = member(m->value, "Transformation"); !x.empty()) transformation = x;
  std::vector<std::string> outputs;
  for (size_t i = 0; i < t.results.size(); ++i) outputs.push_back(t.results[i].empty() ? "null" : t.results[i]);
  std::string text = aws::format_results(outputs, transformation, "JSON", true);
  if (!json::parse(text, out)) out.SetArray();
  return std::nullopt;
}

}  // namespace detail
}  // namespace sc::interp
