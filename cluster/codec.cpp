// msgpack encoding of stored records; see codec.hpp for the blob layout.
// Each record is a positional array; the field order below IS the format
// (version 1): append new fields at the end, never reorder or remove.
#ifndef MSGPACK_NO_BOOST
#define MSGPACK_NO_BOOST
#endif
#include "cluster/codec.hpp"

#include <msgpack.hpp>

#include <limits>
#include <string>
#include <type_traits>
#include <utility>

namespace sc::cluster::codec {

namespace {

// ---------------------------------------------------------------------------
// Writing.

struct sink {
  std::string& s;
  void write(const char* p, size_t n) { s.append(p, n); }
};
using packer = msgpack::packer<sink>;

class writer {
 public:
  explicit writer(kind k) : sink_{buf_}, pk_(sink_) {
    buf_.push_back(static_cast<char>(format_version));
    buf_.push_back(static_cast<char>(k));
  }
  packer& pk() { return pk_; }
  std::string take() { return std::move(buf_); }

 private:
  std::string buf_;
  sink sink_;
  packer pk_;
};

void put_s(packer& p, const std::string& v) {
  p.pack_str(static_cast<uint32_t>(v.size()));
  p.pack_str_body(v.data(), static_cast<uint32_t>(v.size()));
}
void put_i(packer& p, int64_t v) { p.pack_int64(v); }
void put_u(packer& p, uint64_t v) { p.pack_uint64(v); }
void put_b(packer& p, bool v) {
  if (v)
    p.pack_true();
  else
    p.pack_false();
}
void put_d(packer& p, double v) { p.pack_double(v); }

// ---------------------------------------------------------------------------
// Reading. Failures throw `bad`, caught once in decode_blob.

struct bad {
  std::string msg;
};
[[noreturn]] void fail(std::string m) { throw bad{std::move(m)}; }

int64_t as_i64(const msgpack::object& o) {
  if (o.type == msgpack::type::POSITIVE_INTEGER) {
    if (o.via.u64 > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      fail("integer out of range");
    return static_cast<int64_t>(o.via.u64);
  }
  if (o.type == msgpack::type::NEGATIVE_INTEGER) return o.via.i64;
  fail("expected an integer");
}

int as_int(const msgpack::object& o) {
  int64_t v = as_i64(o);
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
    fail("integer out of range");
  return static_cast<int>(v);
}

uint64_t as_u64(const msgpack::object& o) {
  if (o.type != msgpack::type::POSITIVE_INTEGER) fail("expected an unsigned integer");
  return o.via.u64;
}

bool as_bool(const msgpack::object& o) {
  if (o.type != msgpack::type::BOOLEAN) fail("expected a boolean");
  return o.via.boolean;
}

double as_double(const msgpack::object& o) {
  // msgpack-c unpacks a float64 with an integral value (-1.0, 3.0) as an
  // integer object, so integers are floats here too.
  if (o.type == msgpack::type::POSITIVE_INTEGER) return static_cast<double>(o.via.u64);
  if (o.type == msgpack::type::NEGATIVE_INTEGER) return static_cast<double>(o.via.i64);
  if (o.type != msgpack::type::FLOAT64 && o.type != msgpack::type::FLOAT32)
    fail("expected a float");
  return o.via.f64;
}

std::string as_str(const msgpack::object& o) {
  if (o.type == msgpack::type::STR) return std::string(o.via.str.ptr, o.via.str.size);
  if (o.type == msgpack::type::BIN) return std::string(o.via.bin.ptr, o.via.bin.size);
  fail("expected a string");
}

template <class E>
E as_enum(const msgpack::object& o, E last) {
  int64_t v = as_i64(o);
  if (v < 0 || v > static_cast<int64_t>(last)) fail("enum value out of range");
  return static_cast<E>(v);
}

/// The fields of one positional array, read in order.
class fields {
 public:
  fields(const msgpack::object& o, uint32_t min, const char* what) : what_(what) {
    if (o.type != msgpack::type::ARRAY) fail(std::string(what) + ": expected an array");
    p_ = o.via.array.ptr;
    n_ = o.via.array.size;
    if (n_ < min)
      fail(std::string(what) + ": " + std::to_string(n_) + " fields, expected at least " +
           std::to_string(min));
  }
  bool more() const { return i_ < n_; }
  /// A trailing field newer blobs have and older ones lack: read into
  /// `out` when present, else `out` = T{} (integer, bool or string).
  template <class T>
  void opt(T& out) {
    if (!more()) {
      out = T{};
    } else if constexpr (std::is_same_v<T, std::string>) {
      out = s();
    } else if constexpr (std::is_same_v<T, bool>) {
      out = b();
    } else {
      static_assert(std::is_integral_v<T>);
      out = static_cast<T>(i64());
    }
  }
  const msgpack::object& next() {
    if (i_ >= n_) fail(std::string(what_) + ": missing field " + std::to_string(i_));
    return p_[i_++];
  }
  template <class F>
  auto field(F f) {
    uint32_t at = i_;
    try {
      return f(next());
    } catch (bad& b) {
      b.msg = std::string(what_) + " field " + std::to_string(at) + ": " + b.msg;
      throw;
    }
  }
  int64_t i64() { return field(as_i64); }
  int i32() { return field(as_int); }
  uint64_t u64() { return field(as_u64); }
  bool b() { return field(as_bool); }
  double d() { return field(as_double); }
  std::string s() { return field(as_str); }
  template <class E>
  E e(E last) {
    return field([last](const msgpack::object& o) { return as_enum(o, last); });
  }

 private:
  const char* what_;
  const msgpack::object* p_ = nullptr;
  uint32_t n_ = 0;
  uint32_t i_ = 0;
};

const msgpack::object_array& as_array(const msgpack::object& o, const char* what) {
  if (o.type != msgpack::type::ARRAY) fail(std::string(what) + ": expected an array");
  return o.via.array;
}

const msgpack::object_map& as_map(const msgpack::object& o, const char* what) {
  if (o.type != msgpack::type::MAP) fail(std::string(what) + ": expected a map");
  return o.via.map;
}

const char* kind_name(kind k) {
  switch (k) {
    case kind::state_machine: return "state machine";
    case kind::activity: return "activity";
    case kind::execution: return "execution";
    case kind::history_event: return "history event";
    case kind::execution_state: return "execution state";
    case kind::tags: return "tags";
    case kind::alias: return "alias";
    case kind::map_run: return "map run";
  }
  return "?";
}

bool reference_strings(msgpack::type::object_type, std::size_t, void*) { return true; }

/// Checks the header, parses the msgpack body (bounded by its length) and
/// hands the root object to `f`, which fills a temporary; `out` changes only
/// on success.
template <class T, class F>
bool decode_blob(std::string_view blob, kind k, T& out, std::string* error, F&& f) {
  try {
    if (blob.size() < 2) fail("blob too short");
    if (static_cast<uint8_t>(blob[0]) != format_version)
      fail("unknown format version " + std::to_string(static_cast<uint8_t>(blob[0])));
    if (static_cast<uint8_t>(blob[1]) != static_cast<uint8_t>(k))
      fail(std::string("not a ") + kind_name(k) + " blob");
    const char* data = blob.data() + 2;
    const size_t len = blob.size() - 2;
    // Every array element takes at least one byte, every map pair two: no
    // declared size above the body length can be genuine.
    msgpack::unpack_limit limit(len, len / 2, len, len, len, 32);
    msgpack::object_handle oh;
    size_t off = 0;
    msgpack::unpack(oh, data, len, off, reference_strings, nullptr, limit);
    if (off != len) fail("trailing bytes after the record");
    T tmp{};
    f(oh.get(), tmp);
    out = std::move(tmp);
    return true;
  } catch (const bad& b) {
    if (error) *error = std::string(kind_name(k)) + ": " + b.msg;
  } catch (const std::exception& e) {
    if (error) *error = std::string(kind_name(k)) + ": malformed msgpack (" + e.what() + ")";
  } catch (...) {
    if (error) *error = std::string(kind_name(k)) + ": malformed msgpack";
  }
  return false;
}

// ---------------------------------------------------------------------------
// execution_state pieces.

constexpr uint32_t thread_fields = 34;

// A Distributed Map's streaming state (interp::map_stream): bounded by the
// window and the ResultWriter's buffer, whatever the item count.
void put_strings(packer& p, const std::vector<std::string>& v) {
  p.pack_array(static_cast<uint32_t>(v.size()));
  for (const auto& x : v) put_s(p, x);
}

bool map_stream_empty(const interp::map_stream& m) {
  return m.reader.empty() && m.io_task == 0 && m.io_request.empty() && m.ok_records.empty() &&
         m.failed_records.empty() && m.ok_files == 0 && m.failed_files == 0 && m.written == 0 &&
         !m.closing && m.failed_inputs.empty() && m.redo_inputs.empty() && m.item.empty() &&
         m.cursor.empty() && !m.end && m.base == 0 && m.carry.empty() && m.read == 0 &&
         m.buffered_bytes == 0 && m.io_records == 0 && !m.io_failed_file && m.ok_entries.empty() &&
         m.failed_entries.empty();
}

void put_map_stream(packer& p, const interp::map_stream& m) {
  p.pack_array(20);
  put_s(p, m.reader);
  put_s(p, m.cursor);
  put_b(p, m.end);
  put_i(p, m.base);
  put_s(p, m.carry);
  put_i(p, m.read);
  put_i(p, m.io_task);
  put_s(p, m.io_request);
  put_strings(p, m.ok_records);
  put_strings(p, m.failed_records);
  put_i(p, m.buffered_bytes);
  put_i(p, m.ok_files);
  put_i(p, m.failed_files);
  put_i(p, m.io_records);
  put_b(p, m.io_failed_file);
  put_s(p, m.ok_entries);
  put_s(p, m.failed_entries);
  put_i(p, m.written);
  put_b(p, m.closing);
  p.pack_array(3);
  put_strings(p, m.failed_inputs);
  put_strings(p, m.redo_inputs);
  put_s(p, m.item);
}

std::vector<std::string> get_strings(const msgpack::object& o, const char* what) {
  const auto& a = as_array(o, what);
  std::vector<std::string> v;
  v.reserve(a.size);
  for (uint32_t i = 0; i < a.size; ++i) v.push_back(as_str(a.ptr[i]));
  return v;
}

interp::map_stream get_map_stream(const msgpack::object& o) {
  fields f(o, 20, "map_stream");
  interp::map_stream m;
  m.reader = f.s();
  m.cursor = f.s();
  m.end = f.b();
  m.base = f.i64();
  m.carry = f.s();
  m.read = f.i64();
  m.io_task = f.i64();
  m.io_request = f.s();
  m.ok_records = get_strings(f.next(), "map_stream.ok_records");
  m.failed_records = get_strings(f.next(), "map_stream.failed_records");
  m.buffered_bytes = f.i64();
  m.ok_files = f.i64();
  m.failed_files = f.i64();
  m.io_records = f.i64();
  m.io_failed_file = f.b();
  m.ok_entries = f.s();
  m.failed_entries = f.s();
  m.written = f.i64();
  m.closing = f.b();
  fields g(f.next(), 3, "map_stream.redrive");
  m.failed_inputs = get_strings(g.next(), "map_stream.failed_inputs");
  m.redo_inputs = get_strings(g.next(), "map_stream.redo_inputs");
  m.item = g.s();
  return m;
}

void put_thread(packer& p, const interp::thread& t) {
  // The Distributed Map streaming state, only when there is one (most
  // threads have none: they save no extra bytes).
  const bool has_ms = !map_stream_empty(t.ms);
  p.pack_array(thread_fields + (has_ms ? 21 : 20));
  put_i(p, t.id);
  put_i(p, t.parent);
  put_i(p, t.machine);
  put_i(p, t.state);
  put_i(p, t.child_index);
  put_u(p, static_cast<uint8_t>(t.ph));
  put_s(p, t.input);
  put_s(p, t.effective);
  put_i(p, t.entered_event);
  put_i(p, t.entered_ms);
  put_i(p, t.last_event);
  p.pack_array(static_cast<uint32_t>(t.retries.size()));
  for (int64_t r : t.retries) put_i(p, r);
  put_i(p, t.task_id);
  put_i(p, t.timeout_timer);
  put_i(p, t.heartbeat_timer);
  put_i(p, t.heartbeat_seconds);
  put_b(p, t.task_started);
  put_i(p, t.timer);
  p.pack_array(static_cast<uint32_t>(t.children.size()));
  for (int c : t.children) put_i(p, c);
  p.pack_array(static_cast<uint32_t>(t.results.size()));
  for (const auto& r : t.results) put_s(p, r);
  put_s(p, t.items);
  put_i(p, t.item_count);
  put_i(p, t.next_item);
  put_i(p, t.finished);
  put_i(p, t.failures);
  put_i(p, t.max_concurrency);
  put_i(p, t.tolerated_count);
  put_d(p, t.tolerated_percentage);
  put_b(p, t.failed);
  put_s(p, t.output);
  put_s(p, t.error);
  put_s(p, t.cause);
  put_b(p, t.silent);
  put_s(p, t.map_run_arn);
  put_i(p, t.input_event);  // optional (absent in older blobs)
  put_s(p, t.variables);    // optional (absent in older blobs)
  // Distributed Map (optional, absent in older blobs).
  put_i(p, t.map_run_start_ms);
  put_i(p, t.map_run_succeeded);
  put_i(p, t.map_run_failed);
  put_i(p, t.map_run_aborted);
  put_s(p, t.child_arn);
  put_s(p, t.child_input);
  put_i(p, t.child_start_ms);
  put_i(p, t.child_next_event);
  // Redrive bookkeeping of a Map (optional, absent in older blobs).
  p.pack_array(static_cast<uint32_t>(t.failed_items.size()));
  for (int64_t i : t.failed_items) put_i(p, i);
  p.pack_array(static_cast<uint32_t>(t.redo.size()));
  for (int64_t i : t.redo) put_i(p, i);
  put_i(p, t.map_run_redrives);
  put_i(p, t.child_redrives);
  // Map Run item counts (optional, absent in older blobs).
  put_i(p, t.child_items);
  put_i(p, t.map_items_total);
  put_i(p, t.map_items_started);
  put_i(p, t.map_items_succeeded);
  put_i(p, t.map_items_failed);
  put_i(p, t.map_items_aborted);
  if (has_ms) put_map_stream(p, t.ms);  // optional (absent in older blobs and when empty)
}

interp::thread get_thread(const msgpack::object& o) {
  fields f(o, thread_fields, "thread");
  interp::thread t;
  t.id = f.i32();
  t.parent = f.i32();
  t.machine = f.i32();
  t.state = f.i32();
  t.child_index = f.i64();
  t.ph = f.e(interp::phase::done);
  t.input = f.s();
  t.effective = f.s();
  t.entered_event = f.i64();
  t.entered_ms = f.i64();
  t.last_event = f.i64();
  {
    const auto& a = as_array(f.next(), "thread.retries");
    t.retries.reserve(a.size);
    for (uint32_t i = 0; i < a.size; ++i) t.retries.push_back(as_i64(a.ptr[i]));
  }
  t.task_id = f.i64();
  t.timeout_timer = f.i64();
  t.heartbeat_timer = f.i64();
  t.heartbeat_seconds = f.i64();
  t.task_started = f.b();
  t.timer = f.i64();
  {
    const auto& a = as_array(f.next(), "thread.children");
    t.children.reserve(a.size);
    for (uint32_t i = 0; i < a.size; ++i) t.children.push_back(as_int(a.ptr[i]));
  }
  {
    const auto& a = as_array(f.next(), "thread.results");
    t.results.reserve(a.size);
    for (uint32_t i = 0; i < a.size; ++i) t.results.push_back(as_str(a.ptr[i]));
  }
  t.items = f.s();
  t.item_count = f.i64();
  t.next_item = f.i64();
  t.finished = f.i64();
  t.failures = f.i64();
  t.max_concurrency = f.i64();
  t.tolerated_count = f.i64();
  t.tolerated_percentage = f.d();
  t.failed = f.b();
  t.output = f.s();
  t.error = f.s();
  t.cause = f.s();
  t.silent = f.b();
  t.map_run_arn = f.s();
  f.opt(t.input_event);
  f.opt(t.variables);
  if (f.more()) {
    t.map_run_start_ms = f.i64();
    t.map_run_succeeded = f.i64();
    t.map_run_failed = f.i64();
    t.map_run_aborted = f.i64();
    t.child_arn = f.s();
    t.child_input = f.s();
    t.child_start_ms = f.i64();
    t.child_next_event = f.i64();
  }
  if (f.more()) {
    const auto& a = as_array(f.next(), "thread.failed_items");
    for (uint32_t i = 0; i < a.size; ++i) t.failed_items.push_back(as_i64(a.ptr[i]));
  }
  if (f.more()) {
    const auto& a = as_array(f.next(), "thread.redo");
    for (uint32_t i = 0; i < a.size; ++i) t.redo.push_back(as_i64(a.ptr[i]));
  }
  f.opt(t.map_run_redrives);
  f.opt(t.child_redrives);
  if (f.more()) {
    t.child_items = f.i64();
    t.map_items_total = f.i64();
    t.map_items_started = f.i64();
    t.map_items_succeeded = f.i64();
    t.map_items_failed = f.i64();
    t.map_items_aborted = f.i64();
  }
  if (f.more()) t.ms = get_map_stream(f.next());
  return t;
}

constexpr uint32_t state_fields = 23;
constexpr uint32_t execution_fields = 19;
constexpr uint32_t machine_fields = 12;
constexpr uint32_t activity_fields = 3;
constexpr uint32_t event_fields = 8;

}  // namespace

// ---------------------------------------------------------------------------
// Encoders.

std::string encode(const state_machine_record& r) {
  writer w(kind::state_machine);
  auto& p = w.pk();
  p.pack_array(machine_fields + 1);
  put_s(p, r.arn);
  put_s(p, r.name);
  put_s(p, r.definition);
  put_s(p, r.role_arn);
  put_s(p, r.type);
  put_i(p, r.creation_ms);
  put_i(p, r.update_ms);
  put_s(p, r.logging_json);
  put_b(p, r.tracing_enabled);
  put_s(p, r.revision_id);
  put_s(p, r.description);
  put_s(p, r.status);
  put_s(p, r.encryption_json);  // optional (absent in older blobs)
  return w.take();
}

std::string encode(const activity_record& r) {
  writer w(kind::activity);
  auto& p = w.pk();
  p.pack_array(activity_fields + 1);
  put_s(p, r.arn);
  put_s(p, r.name);
  put_i(p, r.creation_ms);
  put_s(p, r.encryption_json);  // optional (absent in older blobs)
  return w.take();
}

std::string encode(const execution_record& r, identity id) {
  const bool keep = id == identity::keep;
  static const std::string none;
  writer w(kind::execution);
  auto& p = w.pk();
  // Two more fields (version and alias ARN) only when there are any; older
  // blobs have 19 and decode unchanged.
  // A third (the Map Run of a child execution) only when there is one,
  // and three more (redrive count, date, redrivable) for one that can be or
  // was redriven.
  // And one more (the mock test case) after those when there is one.
  const bool mocked = !r.test_case.empty();
  const bool redriven = mocked || r.redrive_count > 0 || r.redrivable;
  const bool child = redriven || !r.map_run_arn.empty();
  const bool extra = child || !r.version_arn.empty() || !r.alias_arn.empty();
  p.pack_array(mocked     ? execution_fields + 7
               : redriven ? execution_fields + 6
               : child  ? execution_fields + 3
               : extra  ? execution_fields + 2
                        : execution_fields);
  put_s(p, keep ? r.arn : none);
  put_s(p, keep ? r.machine_arn : none);
  put_s(p, r.name);
  put_s(p, r.status);
  put_i(p, r.start_ms);
  put_i(p, r.stop_ms);
  put_s(p, r.input);
  put_s(p, r.output);
  put_s(p, r.error);
  put_s(p, r.cause);
  put_b(p, r.has_output);
  put_b(p, r.has_error);
  put_b(p, r.has_cause);
  put_s(p, keep ? r.definition : none);
  put_s(p, keep ? r.role_arn : none);
  put_i(p, r.machine_update_ms);
  put_s(p, keep ? r.revision_id : none);
  put_b(p, r.express);
  put_s(p, r.trace_header);
  if (extra) {
    put_s(p, r.version_arn);
    put_s(p, r.alias_arn);
  }
  if (child) put_s(p, r.map_run_arn);
  if (redriven) {
    put_i(p, r.redrive_count);
    put_i(p, r.redrive_ms);
    put_b(p, r.redrivable);
  }
  if (mocked) put_s(p, r.test_case);
  return w.take();
}

std::string encode(const model::history_event& e) {
  writer w(kind::history_event);
  auto& p = w.pk();
  // A payload reference is a ninth field, written only when there is one
  // (older blobs have eight and decode unchanged).
  p.pack_array(e.payload_ref ? event_fields + 1 : event_fields);
  put_i(p, e.id);
  put_i(p, e.previous_id);
  put_i(p, e.timestamp_ms);
  put_s(p, e.type);
  put_s(p, e.details_key);
  put_s(p, e.details);
  put_s(p, e.payload_key);
  put_s(p, e.payload);
  if (e.payload_ref) put_i(p, e.payload_ref);
  return w.take();
}

std::string encode(const interp::execution_state& s, identity id) {
  const bool keep = id == identity::keep;
  static const std::string none;
  writer w(kind::execution_state);
  auto& p = w.pk();
  p.pack_array(state_fields + 2);
  put_s(p, keep ? s.execution_arn : none);
  put_s(p, keep ? s.state_machine_arn : none);
  put_s(p, keep ? s.state_machine_name : none);
  put_s(p, keep ? s.name : none);
  put_s(p, keep ? s.role_arn : none);
  put_s(p, keep ? s.input : none);
  put_i(p, s.start_ms);
  put_i(p, s.stop_ms);
  put_u(p, static_cast<uint8_t>(s.status));
  put_s(p, s.output);
  put_s(p, s.error);
  put_s(p, s.cause);
  put_b(p, s.has_error);
  put_b(p, s.has_cause);
  put_i(p, s.next_event_id);
  put_i(p, s.next_thread);
  put_i(p, s.next_task);
  put_i(p, s.next_timer);
  put_u(p, s.rng);
  p.pack_map(static_cast<uint32_t>(s.threads.size()));
  for (const auto& [id, t] : s.threads) {
    put_i(p, id);
    put_thread(p, t);
  }
  p.pack_map(static_cast<uint32_t>(s.timers.size()));
  for (const auto& [id, t] : s.timers) {
    put_i(p, id);
    p.pack_array(3);
    put_i(p, t.thread);
    put_u(p, static_cast<uint8_t>(t.kind));
    put_i(p, t.due_ms);
  }
  p.pack_map(static_cast<uint32_t>(s.tasks.size()));
  for (const auto& [task, thread] : s.tasks) {
    put_i(p, task);
    put_i(p, thread);
  }
  p.pack_map(static_cast<uint32_t>(s.closed_tasks.size()));
  for (const auto& [task, end] : s.closed_tasks) {
    put_i(p, task);
    put_u(p, static_cast<uint8_t>(end));
  }
  put_i(p, s.history_bytes);  // optional (absent in older blobs)
  // Redrive (optional): [count, date, kept threads, client tokens].
  p.pack_array(4);
  put_i(p, s.redrive_count);
  put_i(p, s.redrive_ms);
  p.pack_map(static_cast<uint32_t>(s.redrive.size()));
  for (const auto& [id, t] : s.redrive) {
    put_i(p, id);
    put_thread(p, t);
  }
  p.pack_array(static_cast<uint32_t>(s.redrive_tokens.size()));
  for (const auto& [token, ms] : s.redrive_tokens) {
    p.pack_array(2);
    put_s(p, token);
    put_i(p, ms);
  }
  return w.take();
}

std::string encode(const std::vector<tag>& tags) {
  writer w(kind::tags);
  auto& p = w.pk();
  p.pack_array(static_cast<uint32_t>(tags.size()));
  for (const auto& t : tags) {
    p.pack_array(2);
    put_s(p, t.key);
    put_s(p, t.value);
  }
  return w.take();
}

// ---------------------------------------------------------------------------
// Decoders.

bool decode(std::string_view blob, state_machine_record& out, std::string* error) {
  return decode_blob(blob, kind::state_machine, out, error,
                     [](const msgpack::object& o, state_machine_record& r) {
                       fields f(o, machine_fields, "state machine");
                       r.arn = f.s();
                       r.name = f.s();
                       r.definition = f.s();
                       r.role_arn = f.s();
                       r.type = f.s();
                       r.creation_ms = f.i64();
                       r.update_ms = f.i64();
                       r.logging_json = f.s();
                       r.tracing_enabled = f.b();
                       r.revision_id = f.s();
                       r.description = f.s();
                       r.status = f.s();
                       f.opt(r.encryption_json);
                     });
}

bool decode(std::string_view blob, activity_record& out, std::string* error) {
  return decode_blob(blob, kind::activity, out, error,
                     [](const msgpack::object& o, activity_record& r) {
                       fields f(o, activity_fields, "activity");
                       r.arn = f.s();
                       r.name = f.s();
                       r.creation_ms = f.i64();
                       f.opt(r.encryption_json);
                     });
}

bool decode(std::string_view blob, execution_record& out, std::string* error) {
  auto state = out.state;
  bool ok = decode_blob(blob, kind::execution, out, error,
                        [](const msgpack::object& o, execution_record& r) {
                          fields f(o, execution_fields, "execution");
                          r.arn = f.s();
                          r.machine_arn = f.s();
                          r.name = f.s();
                          r.status = f.s();
                          r.start_ms = f.i64();
                          r.stop_ms = f.i64();
                          r.input = f.s();
                          r.output = f.s();
                          r.error = f.s();
                          r.cause = f.s();
                          r.has_output = f.b();
                          r.has_error = f.b();
                          r.has_cause = f.b();
                          r.definition = f.s();
                          r.role_arn = f.s();
                          r.machine_update_ms = f.i64();
                          r.revision_id = f.s();
                          r.express = f.b();
                          r.trace_header = f.s();
                          if (f.more()) {
                            r.version_arn = f.s();
                            r.alias_arn = f.s();
                          } else {
                            r.version_arn.clear();
                            r.alias_arn.clear();
                          }
                          f.opt(r.map_run_arn);
                          f.opt(r.redrive_count);
                          f.opt(r.redrive_ms);
                          f.opt(r.redrivable);
                          f.opt(r.test_case);
                        });
  out.state = std::move(state);
  return ok;
}

bool decode(std::string_view blob, model::history_event& out, std::string* error) {
  return decode_blob(blob, kind::history_event, out, error,
                     [](const msgpack::object& o, model::history_event& e) {
                       fields f(o, event_fields, "history event");
                       e.id = f.i64();
                       e.previous_id = f.i64();
                       e.timestamp_ms = f.i64();
                       e.type = f.s();
                       e.details_key = f.s();
                       e.details = f.s();
                       e.payload_key = f.s();
                       e.payload = f.s();
                       f.opt(e.payload_ref);
                     });
}

bool decode(std::string_view blob, interp::execution_state& out, std::string* error) {
  return decode_blob(
      blob, kind::execution_state, out, error,
      [](const msgpack::object& o, interp::execution_state& s) {
        fields f(o, state_fields, "execution state");
        s.execution_arn = f.s();
        s.state_machine_arn = f.s();
        s.state_machine_name = f.s();
        s.name = f.s();
        s.role_arn = f.s();
        s.input = f.s();
        s.start_ms = f.i64();
        s.stop_ms = f.i64();
        s.status = f.e(interp::exec_status::aborted);
        s.output = f.s();
        s.error = f.s();
        s.cause = f.s();
        s.has_error = f.b();
        s.has_cause = f.b();
        s.next_event_id = f.i64();
        s.next_thread = f.i32();
        s.next_task = f.i64();
        s.next_timer = f.i64();
        s.rng = f.u64();
        {
          const auto& m = as_map(f.next(), "threads");
          for (uint32_t i = 0; i < m.size; ++i)
            s.threads.emplace(as_int(m.ptr[i].key), get_thread(m.ptr[i].val));
        }
        {
          const auto& m = as_map(f.next(), "timers");
          for (uint32_t i = 0; i < m.size; ++i) {
            fields t(m.ptr[i].val, 3, "timer");
            interp::timer_ref r;
            r.thread = t.i32();
            r.kind = t.e(interp::timer_kind::execution_timeout);
            r.due_ms = t.i64();
            s.timers.emplace(as_i64(m.ptr[i].key), r);
          }
        }
        {
          const auto& m = as_map(f.next(), "tasks");
          for (uint32_t i = 0; i < m.size; ++i)
            s.tasks.emplace(as_i64(m.ptr[i].key), as_int(m.ptr[i].val));
        }
        {
          const auto& m = as_map(f.next(), "closed tasks");
          for (uint32_t i = 0; i < m.size; ++i)
            s.closed_tasks.emplace(as_i64(m.ptr[i].key),
                                   as_enum(m.ptr[i].val, interp::task_end::timed_out));
        }
        f.opt(s.history_bytes);
        if (f.more()) {
          fields r(f.next(), 4, "redrive");
          s.redrive_count = r.i64();
          s.redrive_ms = r.i64();
          const auto& m = as_map(r.next(), "redrive threads");
          for (uint32_t i = 0; i < m.size; ++i)
            s.redrive.emplace(as_int(m.ptr[i].key), get_thread(m.ptr[i].val));
          const auto& a = as_array(r.next(), "redrive tokens");
          for (uint32_t i = 0; i < a.size; ++i) {
            fields t(a.ptr[i], 2, "redrive token");
            std::string token = t.s();
            s.redrive_tokens.emplace_back(std::move(token), t.i64());
          }
        }
      });
}

bool decode(std::string_view blob, std::vector<tag>& out, std::string* error) {
  return decode_blob(blob, kind::tags, out, error,
                     [](const msgpack::object& o, std::vector<tag>& v) {
                       const auto& a = as_array(o, "tags");
                       v.reserve(a.size);
                       for (uint32_t i = 0; i < a.size; ++i) {
                         fields f(a.ptr[i], 2, "tag");
                         tag t;
                         t.key = f.s();
                         t.value = f.s();
                         v.push_back(std::move(t));
                       }
                     });
}

std::string encode(const alias_record& a) {
  writer w(kind::alias);
  auto& p = w.pk();
  p.pack_array(6);
  put_s(p, a.arn);
  put_s(p, a.name);
  put_s(p, a.description);
  put_i(p, a.creation_ms);
  put_i(p, a.update_ms);
  p.pack_array(static_cast<uint32_t>(a.routes.size()));
  for (const auto& r : a.routes) {
    p.pack_array(2);
    put_s(p, r.version_arn);
    put_i(p, r.weight);
  }
  return w.take();
}

bool decode(std::string_view blob, alias_record& out, std::string* error) {
  return decode_blob(blob, kind::alias, out, error, [](const msgpack::object& o, alias_record& a) {
    fields f(o, 6, "alias");
    a.arn = f.s();
    a.name = f.s();
    a.description = f.s();
    a.creation_ms = f.i64();
    a.update_ms = f.i64();
    const auto& routes = as_array(f.next(), "routes");
    a.routes.clear();
    for (uint32_t i = 0; i < routes.size; ++i) {
      fields rf(routes.ptr[i], 2, "route");
      route r;
      r.version_arn = rf.s();
      r.weight = rf.i64();
      a.routes.push_back(std::move(r));
    }
  });
}

namespace {
void put_counts(packer& p, const interp::map_run_counts& c) {
  p.pack_array(10);
  for (int64_t v : {c.pending, c.running, c.succeeded, c.failed, c.timed_out, c.aborted, c.total,
                    c.results_written, c.pending_redrive, c.failures_not_redrivable})
    put_i(p, v);
}
interp::map_run_counts get_counts(const msgpack::object& o) {
  fields f(o, 10, "map run counts");
  interp::map_run_counts c;
  for (int64_t* v : {&c.pending, &c.running, &c.succeeded, &c.failed, &c.timed_out, &c.aborted,
                     &c.total, &c.results_written, &c.pending_redrive,
                     &c.failures_not_redrivable})
    *v = f.i64();
  return c;
}
constexpr uint32_t map_run_fields = 17;
}  // namespace

std::string encode(const interp::map_run_record& r) {
  writer w(kind::map_run);
  auto& p = w.pk();
  p.pack_array(map_run_fields);
  put_s(p, r.arn);
  put_s(p, r.execution_arn);
  put_s(p, r.machine_arn);
  put_s(p, r.label);
  put_s(p, r.status);
  put_i(p, r.start_ms);
  put_i(p, r.stop_ms);
  put_i(p, r.max_concurrency);
  put_i(p, r.tolerated_count);
  put_d(p, r.tolerated_percentage);
  put_b(p, r.express);
  put_i(p, r.processor);
  put_counts(p, r.items);
  put_counts(p, r.executions);
  put_i(p, r.redrive_count);
  put_i(p, r.redrive_ms);
  put_i(p, 0);  // reserved
  return w.take();
}

bool decode(std::string_view blob, interp::map_run_record& out, std::string* error) {
  return decode_blob(blob, kind::map_run, out, error,
                     [](const msgpack::object& o, interp::map_run_record& r) {
                       fields f(o, map_run_fields, "map run");
                       r.arn = f.s();
                       r.execution_arn = f.s();
                       r.machine_arn = f.s();
                       r.label = f.s();
                       r.status = f.s();
                       r.start_ms = f.i64();
                       r.stop_ms = f.i64();
                       r.max_concurrency = f.i64();
                       r.tolerated_count = f.i64();
                       r.tolerated_percentage = f.d();
                       r.express = f.b();
                       r.processor = f.i32();
                       r.items = get_counts(f.next());
                       r.executions = get_counts(f.next());
                       r.redrive_count = f.i64();
                       r.redrive_ms = f.i64();
                       f.i64();
                     });
}

}  // namespace sc::cluster::codec
