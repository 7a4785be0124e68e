// RedriveExecution: a FAILED, TIMED_OUT or ABORTED Standard execution
// continues from where it stopped, in the same history.
//
// What is kept. When a Standard execution ends without succeeding,
// `keep_for_redrive` stores in execution_state::redrive the threads as they
// stood at the failure: the top level in the state that failed (with that
// state's input and the thread's variables), and, when that state is a
// Parallel or Map that failed while running its children, the state's
// bookkeeping (branch/iteration results collected so far) and the children
// that failed or were aborted, each in turn in the state it failed in. A
// failing Parallel/Map drops its children (abort_children), so it first
// copies them aside (`stash_children`, this step only: a failure reaches
// the top level within the step it happens in, unless a Retry or Catch
// takes it, and then the copy is moot).
//
// What a redrive does (ev_redrive, `on_redrive`):
//   ExecutionRedriven {redriveCount}, previousEventId = the last event;
//   then each kept thread continues:
//   * in a plain state (Task, Pass, Wait, Choice, Fail, …, or a Parallel/Map
//     that failed outside its children): the state is entered again with its
//     original input (…StateEntered chained to the event before), its Retry
//     counters at zero (AWS resets them on redrive);
//   * in a Parallel: no new ParallelStateEntered/Started; the branches that
//     failed or were aborted continue (each in the state it stopped in),
//     branches that succeeded keep their outputs; ParallelStateSucceeded and
//     …Exited follow as usual;
//   * in an inline Map: each failed or aborted iteration continues after a
//     new MapIterationStarted {index, name}; iterations whose failure was
//     tolerated run again from the start, iterations never started start as
//     usual (MaxConcurrency applies); succeeded ones keep their outputs;
//   * in a Distributed Map: MapRunRedriven {mapRunArn, redriveCount of the
//     Map Run} and then as for the inline Map without iteration events; each
//     failed or aborted child execution (an iteration thread) is reopened:
//     ExecutionRedriven in its own history, its record RUNNING again, the
//     Map Run's counts and record updated (state_map_run.cpp writes them).
//   The state machine's TimeoutSeconds counts again from the redrive.
#include "runtime/interp/runner.hpp"

#include <algorithm>
#include <set>

namespace sc::interp {

namespace {
/// AWS keeps idempotent answers for the last 10 client tokens, each for
/// 15 minutes after its first use.
constexpr size_t kept_tokens = 10;
constexpr int64_t token_window_ms = 15 * 60 * 1000;
}  // namespace

// AWS: a Map Run can be redriven at most 1,000 times; past that, the
// redrive of its parent fails the Map with States.Runtime.
constexpr int64_t max_map_run_redrives = 1000;

std::string redrive_refusal(const execution_state& s, const limits& lim) {
  switch (s.status) {
    case exec_status::running: return "Execution is RUNNING and cannot be redriven";
    case exec_status::succeeded: return "Execution is SUCCEEDED and cannot be redriven";
    default: break;
  }
  // AWS: the history must hold fewer than 24,999 events, to leave room for
  // ExecutionRedriven and at least one more.
  if (s.next_event_id - 1 >= lim.history_events - 1) return "Execution history event limit exceeded";
  // Nothing kept: ended before redrive existed here (or an Express one).
  if (s.redrive.empty()) return "Execution was started before the launch of RedriveExecution";
  return {};
}

namespace detail {

const thread* runner::kept(int id) const {
  auto st = stash_.find(id);
  auto lv = s_.threads.find(id);
  if (st != stash_.end() &&
      (lv == s_.threads.end() || (lv->second.entered_event == st->second.entered_event &&
                                  lv->second.state == st->second.state)))
    return &st->second;
  return lv == s_.threads.end() ? nullptr : &lv->second;
}

void runner::copy_tree(int id, std::map<int, thread>& out) {
  const thread* t = kept(id);
  if (!t) return;
  thread& slot = out[id];
  if (&slot != t) slot = *t;
  std::vector<int> kids = slot.children;
  for (int c : kids) copy_tree(c, out);
}

void runner::stash_children(const thread& p) {
  if (!lim_.record_history) return;  // Express: never redriven
  copy_tree(p.id, stash_);
}

void runner::keep_for_redrive() {
  s_.redrive.clear();
  if (over_limit_) return;  // failed at the history limit: not redrivable
  copy_tree(1, s_.redrive);
  stash_.clear();
}

void runner::on_redrive(const ev_redrive& e) {
  if (!e.client_token.empty()) {
    const int64_t at = e.at_ms ? e.at_ms : now_;
    for (const auto& [token, ms] : s_.redrive_tokens)
      if (token == e.client_token && at - ms <= token_window_ms) {
        r_.redrive_ms = ms;  // the same request again: the same answer
        return;
      }
  }
  if (auto why = redrive_refusal(s_, lim_); !why.empty()) {
    r_.rejected = true;
    r_.not_redrivable = std::move(why);
    return;
  }
  s_.status = exec_status::running;
  s_.stop_ms = 0;
  s_.output.clear();
  s_.error.clear();
  s_.cause.clear();
  s_.has_error = s_.has_cause = false;
  ++s_.redrive_count;
  s_.redrive_ms = e.at_ms ? e.at_ms : now_;
  r_.redrive_ms = s_.redrive_ms;
  if (!e.client_token.empty()) {
    s_.redrive_tokens.emplace_back(e.client_token, s_.redrive_ms);
    if (s_.redrive_tokens.size() > kept_tokens) s_.redrive_tokens.erase(s_.redrive_tokens.begin());
  }
  int64_t id = emit_exec("ExecutionRedriven", "executionRedrivenEventDetails",
                         details().num("redriveCount", s_.redrive_count).done(),
                         s_.next_event_id - 1);
  s_.threads = std::move(s_.redrive);
  s_.redrive.clear();
  auto root_it = s_.threads.find(1);
  if (root_it == s_.threads.end()) return;  // (refused above: never empty)
  thread& root = root_it->second;
  if (def_.root->timeout_seconds) {
    int64_t t = s_.next_timer++;
    int64_t due = due_after(double(*def_.root->timeout_seconds));
    s_.timers[t] = timer_ref{root.id, timer_kind::execution_timeout, due};
    r_.commands.push_back(cmd_start_timer{t, due});
  }
  root.last_event = id;
  // Children that finish while the tree is being resumed defer their
  // parent's continuation; `drive` takes it up once the tree is set up.
  ++drive_depth_;
  flow f = resume(root);
  --drive_depth_;
  drive(root, std::move(f));
}

flow runner::resume(thread& t) {
  t.task_id = 0;
  t.task_started = false;
  t.timer = t.timeout_timer = t.heartbeat_timer = 0;
  t.failed = false;
  t.output.clear();
  t.error.clear();
  t.cause.clear();
  if (t.state < 0) {  // the top level, failed before its first state
    t.ph = phase::idle;
    return flow::go(def_.root->start_index, s_.input);
  }
  const asl::state& st = state_of(t);
  t.retries.assign(st.retry.size(), 0);
  const bool fan_out = st.type == asl::state_type::parallel || st.type == asl::state_type::map;
  if (t.ph == phase::children && fan_out) return resume_children(t, st);
  t.ph = phase::idle;
  t.children.clear();
  return flow::go(t.state, t.input);
}

flow runner::resume_children(thread& p, const asl::state& st) {
  const bool is_map = st.type == asl::state_type::map;
  const bool quiet = is_map && st.map_distributed;
  if (quiet && p.map_run_redrives >= max_map_run_redrives) {
    // The Map Run stays as it ended; its kept children are dropped.
    std::vector<int> drop = p.children;
    while (!drop.empty()) {
      int k = drop.back();
      drop.pop_back();
      auto it = s_.threads.find(k);
      if (it == s_.threads.end()) continue;
      drop.insert(drop.end(), it->second.children.begin(), it->second.children.end());
      s_.threads.erase(it);
    }
    p.children.clear();
    p.ph = phase::idle;
    return flow::fail(runtime(p, "The Map Run " + p.map_run_arn + " has reached the limit of " +
                                     std::to_string(max_map_run_redrives) + " redrives"));
  }
  std::vector<int> kept_kids;
  std::set<int64_t> covered;
  for (int k : p.children) {
    auto it = s_.threads.find(k);
    if (it == s_.threads.end()) continue;
    if (it->second.state < 0) {
      // Never entered a state (a branch not yet started, an iteration whose
      // ItemSelector failed): it starts anew below.
      s_.threads.erase(it);
      continue;
    }
    kept_kids.push_back(k);
    covered.insert(it->second.child_index);
  }
  p.children.clear();
  // A streamed Map (ItemReader windows, ResultWriter to S3: map_s3.cpp)
  // keeps no result per item: its tolerated failures are the ones to run
  // again, with the items they kept.
  const bool streamed = is_map && (!p.ms.reader.empty() || map_writes(st));
  int64_t redone = 0;
  if (streamed) {
    std::vector<std::pair<int64_t, std::string>> again;
    for (size_t k = 0; k < p.failed_items.size(); ++k)
      if (!covered.count(p.failed_items[k]))
        again.emplace_back(p.failed_items[k], k < p.ms.failed_inputs.size() ? p.ms.failed_inputs[k] : "{}");
    std::sort(again.begin(), again.end(), [](auto& a, auto& b) { return a.first > b.first; });
    p.failed_items.clear();
    p.ms.failed_inputs.clear();
    p.failures = 0;
    p.redo.clear();
    p.ms.redo_inputs.clear();
    for (auto& [i, item] : again) {  // descending: launch_iterations takes from the back
      p.redo.push_back(i);
      p.ms.redo_inputs.push_back(std::move(item));
    }
    redone = static_cast<int64_t>(p.redo.size());
    // An S3 call in flight when the Map failed was dropped with the
    // execution's tasks: made again (a results file's records are in it).
    if (!p.ms.io_request.empty()) {
      std::string req = std::move(p.ms.io_request);
      map_io_forget(p);
      map_io_issue(p, std::move(req));
    } else {
      map_io_forget(p);
    }
  } else if (is_map) {
    for (int64_t i : p.failed_items)
      if (i >= 0 && i < static_cast<int64_t>(p.results.size()))
        p.results[static_cast<size_t>(i)].clear();
    p.failed_items.clear();
    p.failures = 0;
    p.redo.clear();
    // Started before, not running when it failed and without a result: a
    // tolerated failure. It runs again from the start.
    for (int64_t i = std::min<int64_t>(p.next_item, static_cast<int64_t>(p.results.size())) - 1;
         i >= 0; --i)  // descending: launch_iterations takes from the back
      if (p.results[static_cast<size_t>(i)].empty() && !covered.count(i)) p.redo.push_back(i);
  }
  if (is_map) {
    if (quiet) {
      // The Map Run is redriven: its failed and aborted child executions
      // continue (reopened below), tolerated failures run again as new
      // children, items never started start.
      ++p.map_run_redrives;
      p.map_run_failed = std::max<int64_t>(
          0, p.map_run_failed - static_cast<int64_t>(p.redo.size()));
      // Their items too (a redrive parses the items once).
      int64_t redo_items = static_cast<int64_t>(p.redo.size());
      if (st.item_batcher && streamed) {
        redo_items = 0;
        for (const auto& text : p.ms.redo_inputs) {
          json::document b;
          json::parse(text, b);
          redo_items += batch_size(st, b);
        }
      } else if (st.item_batcher && !p.redo.empty()) {
        json::document items;
        if (json::parse(p.items, items) && items.IsArray()) {
          redo_items = 0;
          for (int64_t i : p.redo)
            redo_items += i < static_cast<int64_t>(items.Size())
                              ? batch_size(st, items[static_cast<rapidjson::SizeType>(i)])
                              : 1;
        }
      }
      p.map_items_failed = std::max<int64_t>(0, p.map_items_failed - redo_items);
      emit(p, "MapRunRedriven", "mapRunRedrivenEventDetails",
           details().str("mapRunArn", p.map_run_arn).num("redriveCount", p.map_run_redrives).done(),
           false);
    }
  }
  if (streamed) {
    // Finished: the successes and the tolerated failures, which run again.
    p.finished = std::max<int64_t>(0, p.finished - redone);
  } else {
    p.finished = 0;
    for (const auto& r : p.results) p.finished += r.empty() ? 0 : 1;
  }
  p.ph = phase::children;
  const int64_t key = p.entered_event;
  const int pid = p.id;
  // A Parallel's branches without a result and without a kept thread (none
  // in practice: every unfinished branch ran when it failed) start anew.
  std::vector<std::pair<int, flow>> runs;
  for (int k : kept_kids) {
    thread& c = s_.threads[k];
    if (quiet && !c.child_arn.empty()) {
      // A Map Run child that failed or was aborted: the same child
      // execution continues, its history with ExecutionRedriven. A failed
      // one was closed before its Map stashed it (next event id negated);
      // an aborted one was stashed just before its ExecutionAborted took
      // the next id (none for an Express child, which records no events).
      const bool was_failed = c.ph == phase::done && c.failed;
      const int64_t items = c.child_items > 0 ? c.child_items : 1;
      if (was_failed) {
        p.map_run_failed = std::max<int64_t>(0, p.map_run_failed - 1);
        p.map_items_failed = std::max<int64_t>(0, p.map_items_failed - items);
      } else {
        p.map_run_aborted = std::max<int64_t>(0, p.map_run_aborted - 1);
        p.map_items_aborted = std::max<int64_t>(0, p.map_items_aborted - items);
      }
      const bool express = c.child_arn.find(":express:") != std::string::npos;
      c.child_next_event = c.child_next_event < 0   ? -c.child_next_event
                           : express               ? c.child_next_event
                                                   : c.child_next_event + 1;
      ++c.child_redrives;
      c.last_event = c.child_next_event - 1;
      child_emit(c, "ExecutionRedriven", "executionRedrivenEventDetails",
                 details().num("redriveCount", c.child_redrives).done(), true);
      child_write(c);
    }
    if (is_map && !quiet) {
      c.last_event = emit(p, "MapIterationStarted", "mapIterationStartedEventDetails",
                          details().num("index", c.child_index).str("name", st.name).done(),
                          false);
    } else if (!quiet) {
      c.last_event = p.last_event;
    }
    p.children.push_back(k);
  }
  if (quiet) note_map_run(p, "RUNNING");
  if (!is_map) {
    for (size_t i = 0; i < p.results.size() && i < st.branches.size(); ++i) {
      if (!p.results[i].empty() || covered.count(static_cast<int64_t>(i))) continue;
      thread& c = new_thread(pid, st.branches[i]->id, static_cast<int64_t>(i));
      thread& pp = s_.threads[pid];
      c.last_event = pp.last_event;
      pp.children.push_back(c.id);
      runs.emplace_back(c.id, flow::go(def_.machines[c.machine]->start_index, pp.effective));
    }
  }
  auto still_waiting = [&] {
    auto it = s_.threads.find(pid);
    return s_.status == exec_status::running && it != s_.threads.end() &&
           it->second.ph == phase::children && it->second.entered_event == key;
  };
  for (int k : kept_kids) {
    if (!still_waiting()) return flow::blocked();
    auto it = s_.threads.find(k);
    if (it == s_.threads.end()) continue;
    flow f = resume(it->second);
    auto again = s_.threads.find(k);
    if (again == s_.threads.end()) continue;
    drive(again->second, std::move(f));
  }
  for (auto& [cid, f] : runs) {
    if (!still_waiting()) return flow::blocked();
    auto it = s_.threads.find(cid);
    if (it != s_.threads.end()) drive(it->second, std::move(f));
  }
  if (!still_waiting()) return flow::blocked();
  thread& m = s_.threads[pid];
  if (is_map) {
    launch_iterations(m);  // the rest (MaxConcurrency applies); ends the Map when all are done
  } else if (m.finished == m.item_count && m.children.empty()) {
    return parallel_done(m, st);
  }
  return flow::blocked();
}

}  // namespace detail
}  // namespace sc::interp
