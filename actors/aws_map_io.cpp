// Distributed Map's S3 reads and writes (interp/map_io.hpp) through the
// node's signed AWS calls (aws_call.hpp), asynchronously: each step of a
// read is a callback on the HTTP client's thread; nothing waits.
//
// read, getObject CSV / JSONL / MANIFEST: ranged GETs from the cursor's byte
// offset, fed to the incremental item parser (runtime/aws/s3_items.hpp)
// until the window's Max items (or ReaderConfig.MaxItems over all windows)
// are read or the object ends. A GET asks for about the bytes the window
// needs (the cursor's bytes per item so far; 64 KiB at first), doubling
// while a row is unfinished, at most aws.map_read_bytes. The answer's
// cursor is the offset of the first row not taken, the CSV header and the
// count. getObject JSON: a plain array streams the same way (its elements
// taken as they complete; the cursor also says whether the read is inside
// the array); with ItemsPointer, the whole document in one window.
// listObjectsV2: one page (up to 1,000 keys, no more than the window asks)
// per window; the cursor is the continuation token.
// put: one PUT (a results file or the manifest).
#include "actors/aws_map_io.hpp"

#include "runtime/aws/s3_items.hpp"

#include <algorithm>
#include <memory>

namespace sc::actors {

namespace {

using ev = interp::ev_integration;

std::string member(const json::value& o, const char* k) {
  if (!o.IsObject()) return "";
  auto m = o.FindMember(k);
  return m != o.MemberEnd() && m->value.IsString() ? m->value.GetString() : "";
}

int64_t int_member(const json::value& o, const char* k) {
  if (!o.IsObject()) return 0;
  auto m = o.FindMember(k);
  return m != o.MemberEnd() && m->value.IsInt64() ? m->value.GetInt64() : 0;
}

std::string s3_error(const aws_calls::raw_answer& a) {
  auto e = aws::read_error(a.status, a.headers, a.body);
  return "S3 answered " + std::to_string(a.status) + (e.code.empty() ? "" : " " + e.code) +
         (e.message.empty() ? "" : ": " + e.message);
}

std::string key_path(const std::string& key) { return "/" + aws::uri_encode(key, true); }

/// One window being read from an object.
struct object_read {
  std::string arn, resource, bucket, key, base;
  int64_t task = 0;
  aws::reader_config cfg;
  int64_t offset = 0;        ///< where the next GET starts
  int64_t consumed = 0;      ///< offset of the first byte not taken
  int64_t count0 = 0;        ///< items read before this window
  int64_t want = 0;          ///< items this window may take
  int64_t chunk = 64 << 10;  ///< next GET's size
  std::unique_ptr<aws::item_parser> parser;
  json::document items;
};

}  // namespace

void s3_map_io::run(const std::string& execution_arn, const interp::cmd_map_io& c) {
  json::document req;
  json::parse(c.request, req);
  const std::string op = member(req, "Op");
  const int64_t task = c.task;
  const std::string arn = execution_arn;
  auto deliver = deliver_;
  auto fail = [deliver, arn, task](const std::string& error, const std::string& cause) {
    ev e;
    e.task = task;
    e.k = ev::kind::failed;
    e.error = error;
    e.cause = cause;
    deliver(arn, std::move(e));
  };
  auto ok = [deliver, arn, task](std::string output) {
    ev e;
    e.task = task;
    e.k = ev::kind::succeeded;
    e.output = std::move(output);
    deliver(arn, std::move(e));
  };

  if (op == "put") {
    const std::string bucket = member(req, "Bucket"), key = member(req, "Key");
    auto wfail = [fail](const std::string& why) {
      fail("States.ResultWriterFailed",
           "The Map state's ResultWriter (arn:aws:states:::s3:putObject) could not write its results: " + why);
    };
    bool path_style = false;
    aws::wire_request r;
    r.method = "PUT";
    r.url = calls_.s3_base(bucket, path_style) + key_path(key);
    r.headers.push_back({"Content-Type", "application/json"});
    r.body = member(req, "Body");
    const int64_t size = int64_t(r.body.size());
    calls_.send("s3", std::move(r), [wfail, ok, bucket, key, size](aws_calls::raw_answer a) {
      if (!a.ok) return wfail(a.error);
      if (a.status != 200) return wfail(s3_error(a) + " (s3://" + bucket + "/" + key + ")");
      ok("{\"Size\":" + std::to_string(size) + "}");
    });
    return;
  }

  const std::string resource = member(req, "Resource");
  auto rfail = [fail, resource](const std::string& why) {
    fail("States.ItemReaderFailed",
         "The Map state's ItemReader (" + resource + ") could not read its items: " + why);
  };
  const json::value* params = req.HasMember("Parameters") ? &req["Parameters"] : nullptr;
  const json::value* rc = req.HasMember("ReaderConfig") ? &req["ReaderConfig"] : nullptr;
  const json::value* cursor = req.HasMember("Cursor") ? &req["Cursor"] : nullptr;
  const int64_t max = std::max<int64_t>(1, int_member(req, "Max"));
  std::string err;
  json::document empty;
  empty.SetObject();
  auto cfg = aws::parse_reader_config(rc ? *rc : empty, err);
  if (!cfg) return rfail(err);
  const std::string bucket = params ? member(*params, "Bucket") : "";
  if (bucket.empty()) return rfail("its Parameters name no Bucket");
  const int64_t count0 = cursor ? int_member(*cursor, "Count") : 0;
  int64_t want = max;
  if (cfg->max_items > 0) want = std::min(want, cfg->max_items - count0);
  if (want <= 0) return ok("{\"Items\":[],\"Cursor\":null,\"End\":true}");  // MaxItems read
  bool path_style = false;
  const std::string base = calls_.s3_base(bucket, path_style);

  if (resource.size() >= 14 && resource.compare(resource.size() - 14, 14, ":listObjectsV2") == 0) {
    const std::string token = cursor ? member(*cursor, "Token") : "";
    std::string q = "list-type=2&max-keys=" + std::to_string(std::clamp<int64_t>(want, 1, 1000));
    if (!token.empty()) q += "&continuation-token=" + aws::uri_encode(token);
    if (auto prefix = params ? member(*params, "Prefix") : ""; !prefix.empty())
      q += "&prefix=" + aws::uri_encode(prefix);
    aws::wire_request r;
    r.method = "GET";
    r.url = base + "/?" + q;
    const int64_t limit = cfg->max_items;
    calls_.send("s3", std::move(r), [rfail, ok, bucket, count0, want, limit](aws_calls::raw_answer a) {
      if (!a.ok) return rfail(a.error);
      if (a.status != 200) return rfail(s3_error(a) + " (listing s3://" + bucket + ")");
      json::document items;
      items.SetArray();
      std::string next;
      int64_t count = 0;
      if (!aws::list_objects_items(a.body, items, items.GetAllocator(), next, want, count))
        return rfail("the listing of s3://" + bucket + " could not be read");
      const int64_t total = count0 + count;
      const bool end = next.empty() || (limit > 0 && total >= limit);
      ok("{\"Items\":" + json::dump(items) + ",\"Cursor\":{\"Token\":" + json::quote(next) +
         ",\"Count\":" + std::to_string(total) + "},\"End\":" + (end ? "true" : "false") + "}");
    });
    return;
  }

  auto st = std::make_shared<object_read>();
  st->arn = arn;
  st->task = task;
  st->resource = resource;
  st->bucket = bucket;
  st->key = params ? member(*params, "Key") : "";
  if (st->key.empty()) return rfail("its Parameters name no Key");
  st->base = base;
  st->count0 = count0;
  st->want = want;
  st->offset = st->consumed = cursor ? int_member(*cursor, "Offset") : 0;
  if (cursor && cursor->IsObject() && cursor->HasMember("Header") && (*cursor)["Header"].IsArray()) {
    cfg->header_first_row = false;  // read by an earlier window
    cfg->headers.clear();
    for (const auto& h : (*cursor)["Header"].GetArray())
      if (h.IsString()) cfg->headers.emplace_back(h.GetString());
  }
  // JSON with ItemsPointer: the document is parsed whole, in one window; a
  // plain JSON array streams like lines (the cursor notes being inside it).
  const bool whole = cfg->input_type == "JSON" && !cfg->items_pointer.empty();
  const bool capped = cfg->max_items > 0;
  const int64_t limit_all = capped ? cfg->max_items : 0;  // MaxItems over all windows
  if (!whole) cfg->max_items = want;  // this window's share (ItemsPointer: read whole, at once)
  if (count0 > 0)
    st->chunk = std::clamp<int64_t>(st->offset / count0 * want * 5 / 4 + 1024, 4096, max_read_bytes_);
  st->chunk = std::min<int64_t>(whole ? max_read_bytes_ : st->chunk, max_read_bytes_);
  st->cfg = *cfg;
  st->parser = std::make_unique<aws::item_parser>(*cfg);
  if (cursor && cursor->IsObject() && cursor->HasMember("InArray") && (*cursor)["InArray"].IsBool() &&
      (*cursor)["InArray"].GetBool())
    st->parser->resume_in_array();
  st->items.SetArray();
  const std::string where = "(s3://" + bucket + "/" + st->key + ")";
  auto done = [ok, st](bool end) {
    std::string header = "null";
    if (st->cfg.input_type == "CSV" && st->parser->have_header()) {
      header = "[";
      for (size_t i = 0; i < st->parser->header().size(); ++i)
        header += (i ? "," : "") + json::quote(st->parser->header()[i]);
      header += "]";
    }
    const int64_t total = st->count0 + st->parser->count();
    ok("{\"Items\":" + json::dump(st->items) + ",\"Cursor\":{\"Offset\":" + std::to_string(st->consumed) +
       ",\"Header\":" + header + ",\"InArray\":" + (st->parser->in_array() ? "true" : "false") +
       ",\"Count\":" + std::to_string(total) + "},\"End\":" + (end || st->parser->done() ? "true" : "false") +
       "}");
  };
  // One ranged GET, then another or the answer. The function refers to
  // itself weakly; each call in flight holds it.
  auto step = std::make_shared<std::function<void()>>();
  std::weak_ptr<std::function<void()>> self_ref = step;
  aws_calls* calls = &calls_;
  const int64_t cap = max_read_bytes_;
  *step = [st, calls, rfail, done, where, self_ref, cap, capped, limit_all, whole]() {
    auto keep = self_ref.lock();
    aws::wire_request r;
    r.method = "GET";
    r.url = st->base + key_path(st->key);
    r.headers.push_back({"Range", "bytes=" + std::to_string(st->offset) + "-" +
                                      std::to_string(st->offset + st->chunk - 1)});
    calls->send("s3", std::move(r), [st, rfail, done, where, keep, cap, capped, limit_all,
                                     whole](aws_calls::raw_answer a) {
      if (!a.ok) return rfail(a.error);
      if (a.status == 416) return done(true);  // an empty object, or read to its end
      if (a.status != 200 && a.status != 206) return rfail(s3_error(a) + " " + where);
      int64_t total = -1;
      if (auto cr = aws::find_header(a.headers, "Content-Range")) {
        auto slash = cr->rfind('/');
        if (slash != std::string::npos && (*cr)[slash + 1] != '*') total = std::stoll(cr->substr(slash + 1));
      }
      if (a.status == 200) {  // the whole object (no range support): skip what was taken
        total = int64_t(a.body.size());
        a.body.erase(0, size_t(std::min<int64_t>(st->offset, total)));
      }
      const int64_t fed_to = st->offset + int64_t(a.body.size());
      const bool more_wanted = st->parser->feed(a.body, st->items, st->items.GetAllocator());
      if (!st->parser->error().empty()) return rfail(st->parser->error() + " " + where);
      st->offset = fed_to;
      st->consumed = fed_to - int64_t(st->parser->pending_bytes());
      const bool object_end = a.body.empty() || (total >= 0 && fed_to >= total);
      if (!more_wanted) {  // the window is full
        const bool end = (capped && st->count0 + st->parser->count() >= limit_all) ||
                         (object_end && st->consumed >= fed_to);
        return done(end);
      }
      if (object_end) {
        if (!st->parser->finish(st->items, st->items.GetAllocator()))
          return rfail(st->parser->error() + " " + where);
        st->consumed = fed_to;
        return done(true);
      }
      // Some items: the window is answered (the next starts at `consumed`);
      // none yet (a row longer than the chunk, or a JSON document): more.
      if (st->parser->count() > 0 && !whole) return done(false);
      st->chunk = std::min<int64_t>(st->chunk * 2, cap);
      if (keep) (*keep)();
    });
  };
  (*step)();
}

}  // namespace sc::actors
