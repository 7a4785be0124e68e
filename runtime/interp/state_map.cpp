// The Map state (inline and Distributed): one child thread per item, up to
// MaxConcurrency at a time, with tolerated failures.
#include "runtime/interp/runner.hpp"

#include <algorithm>

namespace sc::interp::detail {

namespace {
constexpr int64_t kDistributedConcurrency = 10000;  // AWS's default for a Distributed Map
}  // namespace

std::optional<failure> runner::int_field(const thread& t, const json::value& in,
                                         const std::optional<eval::path>& p, const char* field,
                                         int64_t& out) {
  if (!p) return std::nullopt;
  json::value v;
  json::document tmp;
  bool found = select(t, *p, in, v, tmp.GetAllocator());
  if (!found || !v.IsNumber() || !(v.IsInt64() || v.IsUint64()) || (v.IsInt64() && v.GetInt64() < 0)) {
    std::string shown = found ? (v.IsString() ? std::string(v.GetString()) : json::dump(v)) : "null";
    return runtime(t, std::string("The ") + field + " field refers to value \"" + shown +
                          "\" which is not a valid integer: " + p->text());
  }
  out = v.IsInt64() ? v.GetInt64() : INT64_MAX;
  return std::nullopt;
}

flow runner::exec_map(thread& t, const asl::state& st) {
  if (!lim_.map_sources)
    if (auto f = map_sources_unavailable(t, st)) return flow::fail(*f);  // map_items.cpp
  json::document in;
  json::parse(t.input, in);
  json::document eff;
  json::document items;
  int64_t jsonata_maxc = -1, jsonata_count = -1;
  double jsonata_pct = -1;
  if (st.jsonata) {
    eff.CopyFrom(in, eff.GetAllocator());
    if (auto f = jsonata_map_items(t, st, items)) return flow::fail(*f);
    if (auto f = jsonata_map_limits(t, st, jsonata_maxc, jsonata_count, jsonata_pct))
      return flow::fail(*f);
  } else {
    if (auto f = apply_input_path(t, st.input_path, in, eff)) return flow::fail(*f);
    if (auto f = apply_input_path(t, st.items_path, eff, items)) return flow::fail(*f);
  }
  // A Map entered again (a Retry): an earlier run's S3 call is moot.
  map_stream_end(t);
  if (st.item_reader && lim_.map_sources) {
    // The items come from S3 in windows, once the Map has started (map_s3.cpp).
    if (auto f = map_reader_begin(t, st, eff)) return flow::fail(*f);
    items.SetArray();
  }
  if (auto f = batch_map_items(t, st, eff, items)) return flow::fail(*f);  // map_items.cpp
  if (!items.IsArray())
    return flow::fail(runtime(t, "Map state input must be an array but was: " +
                                     (items.IsString() ? std::string(items.GetString())
                                                       : json::dump(items))));
  int64_t maxc = jsonata_maxc >= 0 ? jsonata_maxc : st.max_concurrency.value_or(0);
  if (auto f = int_field(t, eff, st.max_concurrency_path, "MaxConcurrencyPath", maxc))
    return flow::fail(*f);
  int64_t n = static_cast<int64_t>(items.Size());
  emit(t, "MapStateStarted", "mapStateStartedEventDetails", details().num("length", n).done());
  int64_t tol_count = jsonata_count >= 0 ? jsonata_count : st.tolerated_failure_count.value_or(-1);
  if (st.tolerated_failure_count_path) {
    json::value v;
    json::document tmp;
    // A numeric string is taken as its number (AWS accepts "1").
    bool found = select(t, *st.tolerated_failure_count_path, eff, v, tmp.GetAllocator());
    if (found && v.IsString()) {
      json::document num;
      if (json::parse(v.GetString(), num) && num.IsInt64()) v.SetInt64(num.GetInt64());
    }
    if (!found || !v.IsInt64())
      return flow::fail(runtime(t, "The ToleratedFailureCountPath field refers to an invalid value: " +
                                       st.tolerated_failure_count_path->text()));
    if (v.GetInt64() < 0) return flow::fail(runtime(t, "ToleratedFailureCount cannot be negative."));
    tol_count = v.GetInt64();
  }
  double tol_pct = jsonata_pct >= 0 ? jsonata_pct : st.tolerated_failure_percentage.value_or(-1);
  // A Distributed Map tolerates no failure unless told otherwise (its Map
  // Run reports thresholds of 0), and exceeding it is
  // States.ExceedToleratedFailureThreshold.
  if (st.map_distributed && tol_count < 0 && !st.tolerated_failure_percentage &&
      !st.tolerated_failure_percentage_path && !st.tolerated_percentage_expr)
    tol_count = 0;
  if (st.tolerated_failure_percentage_path) {
    json::value v;
    json::document tmp;
    bool found = select(t, *st.tolerated_failure_percentage_path, eff, v, tmp.GetAllocator());
    if (found && v.IsString()) {
      json::document num;
      if (json::parse(v.GetString(), num) && num.IsNumber()) v.SetDouble(num.GetDouble());
    }
    if (!found || !v.IsNumber())
      return flow::fail(runtime(t, "The ToleratedFailurePercentagePath field refers to an invalid value: " +
                                       st.tolerated_failure_percentage_path->text()));
    tol_pct = v.GetDouble();
    if (tol_pct < 0 || tol_pct > 100)
      return flow::fail(runtime(t, "ToleratedFailurePercentage must be between 0 and 100."));
  }
  t.effective = json::dump(eff);
  t.items = json::dump(items);
  t.item_count = n;
  t.map_items_total = map_items_in(st, items);  // map_items.cpp
  t.next_item = 0;
  t.finished = 0;
  t.failures = 0;
  t.max_concurrency = maxc;
  t.tolerated_count = tol_count;
  t.tolerated_percentage = tol_pct;
  t.failed_items.clear();
  t.redo.clear();
  t.children.clear();
  // With a ResultWriter Resource the results go to S3 as they come (map_s3.cpp).
  t.results.assign(map_writes(st) ? 0 : static_cast<size_t>(n), std::string());
  t.ph = phase::children;
  t.map_run_arn.clear();  // an earlier Distributed Map of this thread is over
  if (st.map_distributed) {
    map_run_begin(t, st);
    emit(t, "MapRunStarted", "mapRunStartedEventDetails",
         details().str("mapRunArn", t.map_run_arn).done());
  }
  if (n == 0 && t.ms.reader.empty()) return map_done(t, st);
  launch_iterations(t);  // and, with an ItemReader, asks for the first window
  return flow::blocked();
}

void runner::launch_iterations(thread& p) {
  const int64_t key = p.entered_event;
  // Keyed by thread too: states of a Distributed Map iteration record no
  // events, so nested Maps there share their entered_event.
  const std::pair<int, int64_t> entry{p.id, key};
  if (!launching_.insert(entry).second) return;
  int pid = p.id;
  json::document items;
  int64_t last_launched = INT64_MAX;  // index launched last (MAX: none yet, so parse)
  for (;;) {
    auto pit = s_.threads.find(pid);
    if (pit == s_.threads.end() || s_.status != exec_status::running) break;
    thread& m = pit->second;
    if (m.ph != phase::children || m.entered_event != key) break;
    const asl::state& st = state_of(m);
    if (m.redo.empty() && m.next_item >= m.item_count) break;
    int64_t running = static_cast<int64_t>(m.children.size());
    if (m.max_concurrency > 0 && running >= m.max_concurrency) break;
    // A Distributed Map without MaxConcurrency runs up to 10,000 children
    // at a time, as AWS does (and a streamed source stays bounded).
    if (m.max_concurrency <= 0 && st.map_distributed && running >= kDistributedConcurrency) break;
    // A redrive's iterations to run again come first (runner_redrive.cpp;
    // kept in descending order).
    int64_t idx = m.next_item;
    const bool fresh_item = m.redo.empty();
    if (!fresh_item) {
      idx = m.redo.back();
      m.redo.pop_back();
    } else {
      ++m.next_item;
    }
    // The items are parsed once per launch loop, not once per iteration (a
    // 10,000-item Map spent most of its time re-parsing them). The Map can
    // only have started over meanwhile (a Retry from a continuation run
    // inside this loop) if its next item went back: then parse again.
    if (idx <= last_launched) {
      json::parse(m.items, items);
    }
    last_launched = idx;
    // A streamed window holds the items from ms.base on; a redrive's re-run
    // of an earlier item brings its own (map_stream::redo_inputs).
    json::document redo_item;
    if (!fresh_item && !m.ms.redo_inputs.empty()) {
      json::parse(m.ms.redo_inputs.back(), redo_item);
      m.ms.redo_inputs.pop_back();
    }
    const int64_t at = idx - m.ms.base;
    if (redo_item.IsNull() && (at < 0 || !items.IsArray() || at >= int64_t(items.Size()))) continue;
    const json::value& item =
        redo_item.IsNull() ? items[static_cast<rapidjson::SizeType>(at)] : static_cast<const json::value&>(redo_item);
    int64_t started =
        st.map_distributed
            ? m.last_event
            : emit(m, "MapIterationStarted", "mapIterationStartedEventDetails",
                   details().num("index", idx).str("name", st.name).done(), false);
    thread& c = new_thread(m.id, st.processor->id, idx);
    c.silent = c.silent || st.map_distributed;
    if (!m.ms.reader.empty() || map_writes(st)) c.ms.item = json::dump(item);
    c.child_items = batch_size(st, item);  // map_items.cpp
    // A redrive's re-run was counted when it first started (its failure
    // is taken back in resume_children).
    if (fresh_item) m.map_items_started += c.child_items;
    c.last_event = started;
    m.children.push_back(c.id);
    // A Distributed Map iteration is a child execution (state_map_run.cpp):
    // it starts before its input is formed (a failing ItemSelector fails it).
    auto start_child = [&](const std::string& in) {
      if (st.map_distributed) child_begin(m, c, in);
    };
    std::string input;
    if (st.item_batcher) {
      input = json::dump(item);  // a batch, its items already selected (map_items.cpp)
    } else if (st.jsonata && st.item_selector) {
      if (auto f = jsonata_item_selector(m, st, item, idx, input)) {
        start_child(json::dump(item));
        thread_failed(c, flow::fail(*f));
        continue;
      }
    } else if (st.parameters) {
      json::document eff;
      json::parse(m.effective, eff);
      json::document sel;
      if (auto f = apply_template(m, *st.parameters, eff, sel, &item, idx)) {
        flow fl = flow::fail(*f);
        start_child(json::dump(item));
        thread_failed(c, fl);
        continue;
      }
      input = json::dump(sel);
      if (too_deep(input)) {
        start_child(json::dump(item));
        thread_failed(c, flow::fail(too_deep(m, "The ItemSelector result")));
        continue;
      }
    } else {
      input = json::dump(item);
    }
    start_child(input);
    int cid = c.id;
    int start = st.processor->start_index;
    drive(c, flow::go(start, std::move(input)));
    (void)cid;
  }
  launching_.erase(entry);
  auto pit = s_.threads.find(pid);
  if (pit == s_.threads.end() || s_.status != exec_status::running) return;
  thread& m = pit->second;
  if (m.ph == phase::children && m.entered_event == key && !m.map_run_arn.empty())
    note_map_run(m, "RUNNING");
  if (m.ph == phase::children && m.entered_event == key) map_refill(m);  // map_s3.cpp
  if (m.ph == phase::children && m.entered_event == key && m.finished == m.item_count &&
      (m.ms.reader.empty() || m.ms.end) && !m.ms.closing)
    drive_later(m, map_done(m, state_of(m)));
}

flow runner::map_done(thread& t, const asl::state& st) {
  if (st.map_distributed) {
    // As recorded on AWS (four recordings): MapStateSucceeded chains from
    // MapRunSucceeded; MapStateExited too when the Map is the execution's
    // first state, and from MapRunStarted otherwise.
    int64_t run_started = t.last_event;
    note_map_run(t, "SUCCEEDED");
    int64_t run_succeeded = emit(t, "MapRunSucceeded", "", "");
    bool first_state = t.parent < 0 && t.entered_event == 2;
    emit(t, "MapStateSucceeded", "", "", false);
    t.last_event = first_state ? run_succeeded : run_started;
    if (map_writes(st)) {
      // The results not written yet, then the manifest; the Map ends when
      // it is written (map_s3.cpp, on_map_io).
      t.ms.closing = true;
      if (auto f = map_write_next(t, st)) return std::move(*f);
      return flow::blocked();
    }
    if (st.result_writer && lim_.map_sources) {  // WriterConfig alone (map_s3.cpp)
      json::document out;
      if (auto f = write_map_results(t, st, out)) {
        t.ph = phase::idle;
        t.children.clear();
        t.results.clear();
        t.items.clear();
        return flow::fail(*f);
      }
      t.ph = phase::idle;
      t.children.clear();
      t.results.clear();
      t.items.clear();
      t.failed_items.clear();
      return finish_with_result(t, st, std::move(out), out.GetAllocator());
    }
  } else {
    emit(t, "MapStateSucceeded", "", "", false);
  }
  return finish_children(t, st);
}

void runner::map_child_done(thread& p, thread& c, const asl::state& st) {
  int cid = c.id;
  const bool quiet = st.map_distributed;
  if (quiet) child_end(c, c.failed ? "FAILED" : "SUCCEEDED");
  if (c.failed) {
    emit(c, "MapIterationFailed", "mapIterationFailedEventDetails",
         details().num("index", c.child_index).str("name", st.name).done(), false);
    p.failures += c.child_items > 0 ? c.child_items
                                    : map_iteration_items(p, st, c.child_index);  // map_items.cpp
    bool tolerated = (p.tolerated_count >= 0 || p.tolerated_percentage >= 0) &&
                     !map_threshold_exceeded(p, st);
    if (!tolerated) {
      flow f = (p.tolerated_count >= 0 || p.tolerated_percentage >= 0)
                   ? flow::fail(failure{"States.ExceedToleratedFailureThreshold",
                                        "The specified tolerated failure threshold was exceeded"})
                   : flow::fail(failure{c.error, c.cause}, fail_flag(cid).first,
                                fail_flag(cid).second);
      if (!quiet) p.last_event = c.last_event;
      stash_children(p);  // for a redrive
      // An S3 call in flight is dropped (a redrive makes it again from
      // ms.io_request: map_s3.cpp).
      if (p.ms.io_task) s_.tasks.erase(p.ms.io_task);
      p.ms.io_task = 0;
      abort_map_children(p, cid, st);
      if (quiet) {
        note_map_run(p, "FAILED");
        emit(p, "MapRunFailed", "", "");
      }
      if (!will_retry(p, f.f.error)) emit(p, "MapStateFailed", "", "");
      p.ph = phase::idle;
      p.items.clear();
      p.results.clear();
      drive_later(p, std::move(f));
      return;
    }
    p.failed_items.push_back(c.child_index);  // a redrive runs it again
    if (!p.ms.reader.empty() || map_writes(st)) p.ms.failed_inputs.push_back(c.ms.item);
    if (map_writes(st))
      map_keep_result(p, c, st, true);  // map_s3.cpp
    else
      p.results[static_cast<size_t>(c.child_index)] =
          "{\"Error\":" + json::quote(c.error) + ",\"Cause\":" + json::quote(c.cause) + "}";
  } else {
    if (!quiet) p.last_event = c.last_event;
    int64_t done_id = emit(c, "MapIterationSucceeded", "mapIterationSucceededEventDetails",
                           details().num("index", c.child_index).str("name", st.name).done(),
                           false);
    if (map_writes(st))
      map_keep_result(p, c, st, false);  // map_s3.cpp
    else
      p.results[static_cast<size_t>(c.child_index)] = c.output;
    p.finished++;
    remove_child(p, cid);
    if (p.finished == p.item_count && !quiet) p.last_event = done_id;
    if (!launching_.count({p.id, p.entered_event})) launch_iterations(p);
    return;
  }
  if (!quiet) p.last_event = c.last_event;
  p.finished++;
  remove_child(p, cid);
  if (!launching_.count({p.id, p.entered_event})) launch_iterations(p);
}

void runner::abort_map_children(thread& p, int failed_child, const asl::state& st) {
  for (int k : std::vector<int>(p.children)) {
    if (k == failed_child || st.map_distributed) continue;
    auto it = s_.threads.find(k);
    if (it == s_.threads.end()) continue;
    emit(it->second, "MapIterationAborted", "mapIterationAbortedEventDetails",
         details().num("index", it->second.child_index).str("name", st.name).done(), false);
  }
  abort_children(p, -1);
}

}  // namespace sc::interp::detail
