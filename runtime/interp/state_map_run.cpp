// Distributed Map: the Map Run and its child executions (map_run.hpp).
//
// Iterations are threads of the parent like those of an inline Map; what
// makes them child executions is bookkeeping here: each gets an ARN and a
// history of its own (the events of its threads, numbered from 1, STANDARD
// children only), and the step outputs the records that changed (the Map
// Run's and each child's) for the store to write with the parent's save.
#include "runtime/interp/runner.hpp"

#include <algorithm>

namespace sc::interp::detail {

namespace {

/// "<machine ARN with `kind` instead of stateMachine, unqualified>".
std::string machine_base(std::string arn, const char* kind) {
  // Started through a version or alias ARN: Map Runs and children belong
  // to the machine (no qualifier).
  if (std::count(arn.begin(), arn.end(), ':') == 7) arn.erase(arn.rfind(':'));
  auto pos = arn.find(":stateMachine:");
  if (pos != std::string::npos) arn.replace(pos, 14, std::string(":") + kind + ":");
  return arn;
}

std::string label_of(const std::string& map_run_arn) {
  auto slash = map_run_arn.find('/');
  if (slash == std::string::npos) return {};
  auto colon = map_run_arn.find(':', slash);
  return map_run_arn.substr(slash + 1, colon == std::string::npos ? std::string::npos
                                                                   : colon - slash - 1);
}

}  // namespace

thread* runner::child_root(thread& t) {
  thread* p = &t;
  while (p->child_arn.empty()) {
    if (p->parent < 0) return nullptr;
    auto it = s_.threads.find(p->parent);
    if (it == s_.threads.end()) return nullptr;
    p = &it->second;
  }
  return p;
}

int64_t runner::child_emit(thread& t, const char* type, const char* key, details det,
                           bool advance) {
  thread* root = child_root(t);
  if (!root || root->child_next_event <= 0 || !lim_.record_history ||
      root->child_arn.find(":express:") != std::string::npos)
    return t.last_event;
  model::history_event e;
  e.type = type;
  if (key && *key) {
    e.details_key = key;
    e.details = det.text();
    e.payload_key = std::move(det.payload_key_);
    if (!e.payload_key.empty()) e.payload = det.payload_;
  }
  e.id = root->child_next_event++;
  e.previous_id = t.last_event;
  e.timestamp_ms = now_;
  child_write(*root).events.push_back(std::move(e));
  if (advance) t.last_event = root->child_next_event - 1;
  return root->child_next_event - 1;
}

void runner::map_run_begin(thread& m, const asl::state& st) {
  std::string label = st.map_label.empty() ? uuid() : st.map_label;
  std::string id = placed_uuid(random_.next(), random_.next(), placement_hash(s_.execution_arn));
  m.map_run_arn = machine_base(s_.state_machine_arn, "mapRun") + "/" + label + ":" + id;
  m.map_run_start_ms = now_;
  m.map_run_succeeded = m.map_run_failed = m.map_run_aborted = 0;
  m.map_items_started = m.map_items_succeeded = m.map_items_failed = m.map_items_aborted = 0;
  note_map_run(m, "RUNNING");
}

void runner::note_map_run(thread& m, const char* status) {
  if (m.map_run_arn.empty() || m.state < 0) return;
  const asl::state& st = state_of(m);
  if (st.type != asl::state_type::map || !st.map_distributed) return;
  auto [slot, fresh] = map_run_slot_.try_emplace(m.map_run_arn, r_.map_runs.size());
  if (fresh) r_.map_runs.emplace_back();
  map_run_record& r = r_.map_runs[slot->second];
  r.arn = m.map_run_arn;
  // A Distributed Map inside a child execution belongs to that child.
  const thread* owner = child_root(m);
  r.execution_arn = owner ? owner->child_arn : s_.execution_arn;
  r.machine_arn = labelled_machine_arn(m.map_run_arn);
  r.label = label_of(m.map_run_arn);
  r.status = status;
  r.start_ms = m.map_run_start_ms;
  r.stop_ms = r.status == "RUNNING" ? 0 : now_;
  r.max_concurrency = m.max_concurrency;
  r.tolerated_count = std::max<int64_t>(m.tolerated_count, 0);
  r.tolerated_percentage = std::max(m.tolerated_percentage, 0.0);
  r.express = st.processor && st.processor->express;
  r.processor = st.processor ? st.processor->id : 0;
  map_run_counts c;
  c.total = m.item_count;
  c.pending = m.item_count - m.next_item;
  c.succeeded = m.map_run_succeeded;
  c.failed = m.map_run_failed;
  c.aborted = m.map_run_aborted;
  c.running = std::max<int64_t>(0, m.next_item - c.succeeded - c.failed - c.aborted);
  if (r.status != "RUNNING") c.running = 0;
  r.redrive_count = m.map_run_redrives;
  r.redrive_ms = m.map_run_redrives > 0 ? s_.redrive_ms : 0;
  c.results_written = m.ms.written;  // ResultWriter files written so far (map_s3.cpp)
  r.executions = c;
  // Items: the same as the children without an ItemBatcher; with one,
  // each child counts the items of its batch (kept as children start and
  // end: nothing is parsed here). A Map saved before item counts were kept
  // (map_items_total 0) shows its children's counts.
  if (st.item_batcher && m.map_items_total > 0) {
    map_run_counts i;
    i.total = m.map_items_total;
    i.pending = std::max<int64_t>(0, m.map_items_total - m.map_items_started);
    i.succeeded = m.map_items_succeeded;
    i.failed = m.map_items_failed;
    i.aborted = m.map_items_aborted;
    i.results_written = m.ms.written;
    i.running = r.status != "RUNNING"
                    ? 0
                    : std::max<int64_t>(0, m.map_items_started - i.succeeded - i.failed - i.aborted);
    r.items = i;
  } else {
    r.items = c;
  }
}

void runner::child_begin(thread& m, thread& c, const std::string& input) {
  const bool express = state_of(m).processor && state_of(m).processor->express;
  const uint64_t h = placement_hash(s_.execution_arn);
  std::string name = placed_uuid(random_.next(), random_.next(), h);
  std::string arn = machine_base(s_.state_machine_arn, express ? "express" : "execution") + "/" +
                    label_of(m.map_run_arn) + ":" + name;
  if (express) arn += ":" + uuid();
  c.child_arn = std::move(arn);
  c.child_input = input;
  c.child_start_ms = now_;
  c.child_next_event = 1;
  c.last_event = 0;
  details d;
  d.payload("input", c.child_input).str("roleArn", s_.role_arn);
  child_emit(c, "ExecutionStarted", "executionStartedEventDetails", d.done(), true);
  child_write(c);
}

child_execution& runner::child_write(thread& c) {
  auto [slot, fresh] = child_slot_.try_emplace(c.child_arn, r_.children.size());
  if (fresh) {
    r_.children.emplace_back();
    child_execution& w = r_.children.back();
    w.arn = c.child_arn;
    auto slash = w.arn.find('/');
    auto colon = w.arn.find(':', slash);
    w.name = w.arn.substr(colon + 1, 36);
    auto p = s_.threads.find(c.parent);
    if (p != s_.threads.end()) w.map_run_arn = p->second.map_run_arn;
    w.machine_arn = labelled_machine_arn(w.map_run_arn);
    w.start_ms = c.child_start_ms;
    w.input = c.child_input;
    w.express = w.arn.find(":express:") != std::string::npos;
  }
  child_execution& w = r_.children[slot->second];
  w.redrive_count = c.child_redrives;
  w.redrive_ms = c.child_redrives > 0 ? s_.redrive_ms : 0;
  return w;
}

void runner::child_end(thread& c, const char* status, const ev_stop_child* stop) {
  if (c.child_arn.empty() || c.child_next_event <= 0) return;
  const std::string st = status;
  auto [he, hc] = fail_flag(c.id);
  if (st == "SUCCEEDED") {
    details d;
    d.payload("output", c.output);
    child_emit(c, "ExecutionSucceeded", "executionSucceededEventDetails", d.done(), true);
  } else if (st == "FAILED") {
    details d;
    if (he) d.str("error", c.error);
    if (hc) d.str("cause", c.cause);
    child_emit(c, "ExecutionFailed", "executionFailedEventDetails", d.done(), true);
  } else {
    details d;
    if (stop && stop->has_error) d.str("error", stop->error);
    if (stop && stop->has_cause) d.str("cause", stop->cause);
    child_emit(c, "ExecutionAborted", "executionAbortedEventDetails", d.done(), true);
  }
  child_execution& w = child_write(c);
  w.status = st;
  w.stop_ms = now_;
  if (st == "SUCCEEDED") {
    w.output = c.output;
    w.has_output = true;
  } else if (st == "FAILED") {
    w.error = c.error;
    w.cause = c.cause;
    w.has_error = he;
    w.has_cause = hc;
  } else if (stop) {
    w.error = stop->error;
    w.cause = stop->cause;
    w.has_error = stop->has_error;
    w.has_cause = stop->has_cause;
  }
  c.child_next_event = -c.child_next_event;  // closed (a redrive reopens it there)
  c.child_input.clear();
  auto p = s_.threads.find(c.parent);
  if (p == s_.threads.end()) return;
  thread& m = p->second;
  const int64_t items = c.child_items > 0 ? c.child_items : 1;
  if (st == "SUCCEEDED") ++m.map_run_succeeded, m.map_items_succeeded += items;
  else if (st == "FAILED") ++m.map_run_failed, m.map_items_failed += items;
  else ++m.map_run_aborted, m.map_items_aborted += items;
  note_map_run(m, "RUNNING");
}

void runner::on_update_map_run(const ev_update_map_run& e) {
  for (auto& [unused, m] : s_.threads) {
    if (m.map_run_arn != e.map_run_arn || m.ph != phase::children || m.state < 0) continue;
    if (!state_of(m).map_distributed) continue;
    if (e.max_concurrency >= 0) m.max_concurrency = e.max_concurrency;
    if (e.tolerated_count >= 0) m.tolerated_count = e.tolerated_count;
    if (e.tolerated_percentage >= 0) m.tolerated_percentage = e.tolerated_percentage;
    note_map_run(m, "RUNNING");
    if (!launching_.count({m.id, m.entered_event})) launch_iterations(m);
    return;
  }
}

void runner::on_stop_child(const ev_stop_child& e) {
  for (auto& [unused, c] : s_.threads) {
    if (c.child_arn != e.child_arn || c.child_next_event <= 0) continue;
    child_end(c, "ABORTED", &e);
    abort_thread(c);  // its tasks, timers and inner threads
    // For the Map the iteration failed: within the tolerated failures it
    // is one of them, beyond them the Map Run fails.
    thread_failed(c, flow::fail(failure{e.has_error ? e.error : "States.Aborted",
                                        e.has_cause ? e.cause : "The child execution was stopped"}));
    return;
  }
}

}  // namespace sc::interp::detail
