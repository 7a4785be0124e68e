// Bookkeeping of threads (top level, branches, iterations), their activity
// tasks and timers, and aborting running children.
#include "runtime/interp/runner.hpp"

#include <algorithm>

namespace sc::interp::detail {

thread& runner::new_thread(int parent, int machine, int64_t child_index) {
  int id = s_.next_thread++;
  thread& t = s_.threads[id];
  t.id = id;
  t.parent = parent;
  t.machine = machine;
  t.child_index = child_index;
  if (parent >= 0) t.silent = s_.threads[parent].silent;
  return t;
}

thread* runner::task_thread(int64_t task) {
  auto it = s_.tasks.find(task);
  if (it == s_.tasks.end()) return nullptr;
  auto th = s_.threads.find(it->second);
  if (th == s_.threads.end() || th->second.ph != phase::task || th->second.task_id != task)
    return nullptr;
  return &th->second;
}

void runner::reject(int64_t task) {
  r_.rejected = true;
  auto it = s_.closed_tasks.find(task);
  r_.rejected_timed_out = it != s_.closed_tasks.end() && it->second == task_end::timed_out;
}

void runner::cancel_timer(int64_t& timer) {
  if (timer) {
    s_.timers.erase(timer);
    r_.commands.push_back(cmd_cancel_timer{timer});
    timer = 0;
  }
}

void runner::close_task(thread& t, task_end how) {
  if (!t.task_id) return;
  s_.tasks.erase(t.task_id);
  s_.closed_tasks[t.task_id] = how;
  push_cancel(t);
  t.task_id = 0;
  t.task_started = false;
  cancel_timer(t.timeout_timer);
  cancel_timer(t.heartbeat_timer);
  t.ph = phase::idle;
}

void runner::arm_heartbeat(thread& t) {
  cancel_timer(t.heartbeat_timer);
  int64_t id = s_.next_timer++;
  int64_t due = due_after(double(t.heartbeat_seconds));
  s_.timers[id] = timer_ref{t.id, timer_kind::heartbeat, due};
  t.heartbeat_timer = id;
  r_.commands.push_back(cmd_start_timer{id, due});
}

int64_t runner::arm_timer(thread& t, timer_kind kind, int64_t due) {
  int64_t id = s_.next_timer++;
  s_.timers[id] = timer_ref{t.id, kind, due};
  r_.commands.push_back(cmd_start_timer{id, due});
  return id;
}

std::pair<bool, bool> runner::fail_flag(int id) {
  auto it = fail_flags_.find(id);
  return it == fail_flags_.end() ? std::pair{true, true} : it->second;
}

void runner::remove_child(thread& p, int cid) {
  p.children.erase(std::remove(p.children.begin(), p.children.end(), cid), p.children.end());
  s_.threads.erase(cid);
}

void runner::abort_children(thread& p, int keep) {
  std::vector<int> kids = p.children;
  for (int k : kids) {
    auto it = s_.threads.find(k);
    if (it == s_.threads.end()) continue;
    if (k != keep) abort_thread(it->second);
    s_.threads.erase(k);
  }
  p.children.clear();
}

void runner::abort_thread(thread& t) {
  // A child execution of a Distributed Map ends ABORTED, and a running
  // Map Run with it (state_map_run.cpp).
  child_end(t, "ABORTED");
  for (int k : std::vector<int>(t.children)) {
    auto it = s_.threads.find(k);
    if (it != s_.threads.end()) {
      abort_thread(it->second);
      s_.threads.erase(k);
    }
  }
  if (!t.map_run_arn.empty() && t.ph == phase::children && t.state >= 0 &&
      state_of(t).type == asl::state_type::map && state_of(t).map_distributed)
    note_map_run(t, "ABORTED");
  t.children.clear();
  if (t.ph == phase::task) close_task(t, task_end::done);
  cancel_timer(t.timer);
  cancel_timer(t.timeout_timer);
  cancel_timer(t.heartbeat_timer);
}

void runner::abort_children_of_all() {
  auto root = s_.threads.find(1);
  if (root == s_.threads.end()) return;
  stash_children(root->second);  // for a redrive
  record_aborts(root->second);
  abort_thread(root->second);
}

void runner::record_aborts(thread& t) {
  if (t.ph != phase::children || t.state < 0) return;
  const asl::state& st = state_of(t);
  for (int k : std::vector<int>(t.children)) {
    auto it = s_.threads.find(k);
    if (it == s_.threads.end()) continue;
    thread& c = it->second;
    record_aborts(c);
    if (st.type == asl::state_type::map && !st.map_distributed && c.ph != phase::done)
      emit(c, "MapIterationAborted", "mapIterationAbortedEventDetails",
           details().num("index", c.child_index).str("name", st.name).done(), false);
  }
  if (st.type == asl::state_type::map) {
    if (st.map_distributed) emit(t, "MapRunAborted", "", "");
    emit(t, "MapStateAborted", "", "");
  } else if (st.type == asl::state_type::parallel) {
    emit(t, "ParallelStateAborted", "", "");
  }
}

}  // namespace sc::interp::detail
