// The Parallel state: one child thread per branch.
#include "runtime/interp/runner.hpp"

namespace sc::interp::detail {

flow runner::exec_parallel(thread& t, const asl::state& st) {
  std::string eff;
  if (auto f = effective_input(t, st, eff)) return flow::fail(*f);
  emit(t, "ParallelStateStarted", "", "");
  t.effective = eff;
  t.ph = phase::children;
  t.children.clear();
  t.results.assign(st.branches.size(), std::string());
  t.finished = 0;
  t.failures = 0;
  t.item_count = static_cast<int64_t>(st.branches.size());
  std::vector<int> started;
  for (size_t i = 0; i < st.branches.size(); ++i) {
    thread& c = new_thread(t.id, st.branches[i]->id, static_cast<int64_t>(i));
    c.last_event = t.last_event;
    t.children.push_back(c.id);
    started.push_back(c.id);
  }
  if (st.branches.empty()) return parallel_done(t, st);
  int parent = t.id;
  const int64_t key = t.entered_event;
  for (int cid : started) {
    auto it = s_.threads.find(cid);
    if (it == s_.threads.end()) continue;
    thread& c = it->second;
    drive(c, flow::go(def_.machines[c.machine]->start_index, eff));
    if (s_.status != exec_status::running) return flow::blocked();
    auto pt = s_.threads.find(parent);
    if (pt == s_.threads.end() || pt->second.ph != phase::children ||
        pt->second.entered_event != key)
      return flow::blocked();
  }
  return flow::blocked();
}

flow runner::parallel_done(thread& t, const asl::state& st) {
  emit(t, "ParallelStateSucceeded", "", "", false);
  return finish_children(t, st);
}

flow runner::finish_children(thread& t, const asl::state& st) {
  json::document arr;
  arr.SetArray();
  for (auto& r : t.results) {
    json::document d;
    json::parse(r, d);
    arr.PushBack(json::value(d, arr.GetAllocator()), arr.GetAllocator());
  }
  t.ph = phase::idle;
  t.children.clear();
  t.results.clear();
  t.items.clear();
  t.failed_items.clear();
  return finish_with_result(t, st, std::move(arr), arr.GetAllocator());
}

void runner::parallel_child_done(thread& p, thread& c, const asl::state& st) {
  int cid = c.id;
  if (c.failed) {
    flow f = flow::fail(failure{c.error, c.cause}, fail_flag(cid).first,
                        fail_flag(cid).second);
    p.last_event = c.last_event;
    stash_children(p);  // for a redrive
    abort_children(p, cid);
    if (!will_retry(p, f.f.error)) emit(p, "ParallelStateFailed", "", "");
    p.ph = phase::idle;
    drive_later(p, std::move(f));
    return;
  }
  p.results[static_cast<size_t>(c.child_index)] = c.output;
  p.last_event = c.last_event;
  remove_child(p, cid);
  if (++p.finished == p.item_count) drive_later(p, parallel_done(p, st));
}

}  // namespace sc::interp::detail
