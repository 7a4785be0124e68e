// Distributed Map's ItemReader and ResultWriter when the node can call S3
// (lim_.map_sources, interp/map_io.hpp).
//
//   * ItemReader: its Parameters (JSONPath; JSONata Arguments as literal
//     values) are evaluated against the state's effective input, its
//     ReaderConfig's MaxItemsPath resolved, and the items read replace
//     ItemsPath / Items. ItemSelector and ItemBatcher apply to them as usual.
//   * ResultWriter with a Resource: the Map's output becomes
//     {"MapRunArn", "ResultWriterDetails": {"Bucket", "Key"}} and the
//     results go to S3 (interp/map_io.hpp). WriterConfig alone: the
//     results are returned transformed (COMPACT / FLATTEN).
// A failure to read or write is States.ItemReaderFailed /
// States.ResultWriterFailed, an ordinary error of the Map (MapStateFailed).
#include "runtime/interp/runner.hpp"

#include "runtime/aws/s3_items.hpp"
#include "runtime/interp/map_io.hpp"

#include <algorithm>

namespace sc::interp::detail {

namespace {

/// Parameters (JSONPath) or Arguments (JSONata, taken literally) of an
/// ItemReader / ResultWriter object.
const json::value* args_of(const json::value& obj) {
  for (const char* k : {"Parameters", "Arguments"})
    if (auto m = obj.FindMember(k); m != obj.MemberEnd()) return &m->value;
  return nullptr;
}

}  // namespace

std::optional<failure> runner::read_map_items(thread& t, const asl::state& st, const json::value& eff,
                                              json::document& items) {
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
  items.SetArray();
  if (auto f = lim_.map_sources->read_items(st.item_reader_resource, json::dump(params), json::dump(rc),
                                            items))
    return fail(*f);
  return std::nullopt;
}

std::optional<failure> runner::write_map_results(thread& t, const asl::state& st, json::document& out) {
  json::document writer;
  json::parse(st.result_writer_json, writer);
  if (!writer.IsObject()) writer.SetObject();
  json::document eff;
  json::parse(t.effective, eff);
  json::document params;
  params.SetObject();
  if (const json::value* a = args_of(writer)) {
    if (a->IsObject() && writer.HasMember("Parameters")) {
      std::vector<std::string> diags;
      auto tpl = eval::payload_template::compile(*a, "ResultWriter.Parameters", diags);
      if (!tpl) return failure{"States.ResultWriterFailed", "The ResultWriter's Parameters are not valid"};
      if (auto f = apply_template(t, *tpl, eff, params)) return f;
    } else {
      params.CopyFrom(*a, params.GetAllocator());
    }
  }
  std::string writer_config;
  std::string transformation = "NONE", output_type = "JSON";
  if (auto m = writer.FindMember("WriterConfig"); m != writer.MemberEnd() && m->value.IsObject()) {
    writer_config = json::dump(m->value);
    if (auto x = m->value.FindMember("Transformation"); x != m->value.MemberEnd() && x->value.IsString())
      transformation = x->value.GetString();
    if (auto x = m->value.FindMember("OutputType"); x != m->value.MemberEnd() && x->value.IsString())
      output_type = x->value.GetString();
  }
  json::document items;
  json::parse(t.items, items);
  std::vector<std::string> records;
  std::vector<bool> failed;
  records.reserve(t.results.size());
  for (size_t i = 0; i < t.results.size(); ++i) {
    const bool f = std::find(t.failed_items.begin(), t.failed_items.end(), int64_t(i)) !=
                   t.failed_items.end();
    std::string input = items.IsArray() && i < items.Size() ? json::dump(items[rapidjson::SizeType(i)]) : "{}";
    std::string rec = "{\"Input\":" + json::quote(input) + ",\"InputDetails\":{\"Included\":true}";
    if (f) {
      json::document e;
      json::parse(t.results[i], e);
      auto s = [&](const char* k) {
        auto m = e.IsObject() ? e.FindMember(k) : e.MemberEnd();
        return e.IsObject() && m != e.MemberEnd() && m->value.IsString() ? std::string(m->value.GetString()) : "";
      };
      rec += ",\"Error\":" + json::quote(s("Error")) + ",\"Cause\":" + json::quote(s("Cause")) +
             ",\"Status\":\"FAILED\"}";
    } else {
      rec += ",\"Output\":" + json::quote(t.results[i]) +
             ",\"OutputDetails\":{\"Included\":true},\"Status\":\"SUCCEEDED\"}";
    }
    records.push_back(std::move(rec));
    failed.push_back(f);
  }
  if (st.result_writer_resource.empty()) {
    // WriterConfig alone: the results, transformed, are the Map's output.
    std::vector<std::string> outputs;
    for (size_t i = 0; i < t.results.size(); ++i) outputs.push_back(t.results[i].empty() ? "null" : t.results[i]);
    std::string text = aws::format_results(outputs, transformation, "JSON", true);
    if (!json::parse(text, out)) out.SetArray();
    return std::nullopt;
  }
  std::string details;
  if (auto f = lim_.map_sources->write_results(json::dump(params), writer_config, t.map_run_arn, records,
                                               failed, details))
    return f;
  std::string text = "{\"MapRunArn\":" + json::quote(t.map_run_arn) + ",\"ResultWriterDetails\":" +
                     (details.empty() ? "{}" : details) + "}";
  json::parse(text, out);
  return std::nullopt;
}

}  // namespace sc::interp::detail
