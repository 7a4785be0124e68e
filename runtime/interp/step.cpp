// The interpreter: one event in, the consequences out.
//
// A step copies the execution state, feeds the event to the thread it
// concerns, and lets that thread (and any parent it completes) run forward
// until every thread is blocked on something outside: an activity task, a
// timer, or its children. Each state's work is written as a function that
// returns a `flow` (blocked / go to state n / end / fail), and `drive` loops
// over flows, so a chain of a thousand Pass states is a loop, not recursion.
//
// History event ids follow AWS: every event's previousEventId is the last
// event of the same thread, the first state's Entered event points at 0, and
// branch/iteration events chain from the Parallel/Map events that opened
// them. Runtime failures (States.Runtime) carry AWS's prefix "An error
// occurred while executing the state 'X' (entered at the event id #N)."
#include "runtime/interp/step.hpp"

#include "runtime/asl/choice.hpp"
#include "runtime/model/time.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace sc::interp {

const char* to_string(exec_status s) {
  switch (s) {
    case exec_status::running: return "RUNNING";
    case exec_status::succeeded: return "SUCCEEDED";
    case exec_status::failed: return "FAILED";
    case exec_status::timed_out: return "TIMED_OUT";
    case exec_status::aborted: return "ABORTED";
  }
  return "RUNNING";
}

execution_state make_execution(std::string execution_arn, std::string state_machine_arn,
                               std::string state_machine_name, std::string name,
                               std::string role_arn, std::string input, int64_t start_ms,
                               uint64_t seed) {
  execution_state s;
  s.execution_arn = std::move(execution_arn);
  s.state_machine_arn = std::move(state_machine_arn);
  s.state_machine_name = std::move(state_machine_name);
  s.name = std::move(name);
  s.role_arn = std::move(role_arn);
  s.input = std::move(input);
  s.start_ms = start_ms;
  s.rng = seed;
  return s;
}

namespace {

using eval::failure;

/// Whether event details are built (off for Express executions).
thread_local bool record_details = true;

/// Small builder for the JSON object text of event details.
class details {
 public:
  details& str(const char* k, std::string_view v) {
    if (!record_details) return *this;
    key(k);
    out_ += json::quote(v);
    return *this;
  }
  details& num(const char* k, int64_t v) {
    if (!record_details) return *this;
    key(k);
    out_ += std::to_string(v);
    return *this;
  }
  /// `k` holds a JSON payload (input/output): kept raw, escaped into a
  /// JSON string plus `<k>Details` only when the history is read.
  details& payload(const char* k, std::string_view json_text) {
    if (!record_details) return *this;
    payload_key_ = k;
    payload_ = json_text;
    return *this;
  }
  details done() {
    out_ = out_.empty() ? "{}" : out_ + "}";
    return std::move(*this);
  }
  std::string text() const { return out_; }
  std::string payload_key_, payload_;

 private:
  void key(const char* k) {
    out_ += out_.empty() ? "{" : ",";
    out_ += '"';
    out_ += k;
    out_ += "\":";
  }
  std::string out_;
};

enum class flow_kind { blocked, next, end, fail };

struct flow {
  flow_kind kind = flow_kind::blocked;
  int next = -1;
  std::string data;  ///< output (next/end)
  failure f;         ///< fail
  bool has_cause = true;
  bool has_error = true;

  static flow blocked() { return {}; }
  static flow go(int n, std::string out) { return {flow_kind::next, n, std::move(out), {}}; }
  static flow end(std::string out) { return {flow_kind::end, -1, std::move(out), {}}; }
  static flow fail(failure f, bool has_error = true, bool has_cause = true) {
    flow fl{flow_kind::fail, -1, {}, std::move(f)};
    fl.has_error = has_error;
    fl.has_cause = has_cause;
    return fl;
  }
};

const char* entered_type(asl::state_type t) {
  switch (t) {
    case asl::state_type::pass: return "PassStateEntered";
    case asl::state_type::task: return "TaskStateEntered";
    case asl::state_type::choice: return "ChoiceStateEntered";
    case asl::state_type::wait: return "WaitStateEntered";
    case asl::state_type::succeed: return "SucceedStateEntered";
    case asl::state_type::fail: return "FailStateEntered";
    case asl::state_type::parallel: return "ParallelStateEntered";
    case asl::state_type::map: return "MapStateEntered";
  }
  return "";
}

const char* exited_type(asl::state_type t) {
  switch (t) {
    case asl::state_type::pass: return "PassStateExited";
    case asl::state_type::task: return "TaskStateExited";
    case asl::state_type::choice: return "ChoiceStateExited";
    case asl::state_type::wait: return "WaitStateExited";
    case asl::state_type::succeed: return "SucceedStateExited";
    case asl::state_type::fail: return "FailStateExited";
    case asl::state_type::parallel: return "ParallelStateExited";
    case asl::state_type::map: return "MapStateExited";
  }
  return "";
}

bool is_activity(const std::string& resource) {
  return resource.rfind("arn:aws:states:", 0) == 0 &&
         resource.find(":activity:") != std::string::npos;
}

std::string number_text(const json::value& v) { return json::dump(v); }

class runner {
 public:
  runner(const asl::definition& def, step_result& r, int64_t now, const limits& lim)
      : def_(def), s_(r.next), r_(r), now_(now), lim_(lim) {
    random_.state = s_.rng;
    record_details = lim.record_history;
  }
  ~runner() {
    s_.rng = random_.state;
    record_details = true;
  }

  void start() {
    int64_t id = emit_exec("ExecutionStarted", "executionStartedEventDetails",
                           details()
                               .payload("input", s_.input)
                               .str("roleArn", s_.role_arn)
                               .done(),
                           0);
    (void)id;
    thread& root = new_thread(-1, 0, 0);
    root.last_event = 0;
    if (def_.root->timeout_seconds) {
      int64_t t = s_.next_timer++;
      int64_t due = now_ + *def_.root->timeout_seconds * 1000;
      s_.timers[t] = timer_ref{root.id, timer_kind::execution_timeout, due};
      r_.commands.push_back(cmd_start_timer{t, due});
    }
    drive(root, flow::go(def_.root->start_index, s_.input));
  }

  /// A timer fell due. Any armed timer due before it fires first, in (due,
  /// id) order: deliveries can arrive out of due order (a timer dropped
  /// while the node did not own the shard is re-armed by the recovery scan
  /// after a later one already fired), and the history must not show it.
  void on_timer(int64_t timer) {
    auto it = s_.timers.find(timer);
    if (it == s_.timers.end()) return;  // cancelled or already fired
    const std::pair<int64_t, int64_t> key{it->second.due_ms, timer};
    std::vector<std::pair<int64_t, int64_t>> earlier;
    for (const auto& [id, ref] : s_.timers)
      if (std::make_pair(ref.due_ms, id) < key) earlier.emplace_back(ref.due_ms, id);
    std::sort(earlier.begin(), earlier.end());
    for (const auto& [due, id] : earlier) {
      fire(id);  // (no-op if an earlier one cancelled it)
      if (s_.status != exec_status::running) return;
    }
    fire(timer);
  }

  void fire(int64_t timer) {
    auto it = s_.timers.find(timer);
    if (it == s_.timers.end()) return;  // cancelled or already fired
    timer_ref ref = it->second;
    s_.timers.erase(it);
    auto th = s_.threads.find(ref.thread);
    if (th == s_.threads.end()) return;
    thread& t = th->second;
    switch (ref.kind) {
      case timer_kind::execution_timeout:
        abort_children_of_all();
        close_execution(exec_status::timed_out, "ExecutionTimedOut",
                        "executionTimedOutEventDetails", "States.Timeout", "", true, false);
        return;
      case timer_kind::wait: {
        if (t.ph != phase::wait || t.timer != timer) return;
        t.timer = 0;
        t.ph = phase::idle;
        const asl::state& st = state_of(t);
        std::string out;
        if (auto f = apply_output_path(t, st, t.effective, out)) return drive(t, flow::fail(*f));
        drive(t, exit_state(t, st, out));
        return;
      }
      case timer_kind::retry: {
        if (t.ph != phase::retry || t.timer != timer) return;
        t.timer = 0;
        t.ph = phase::idle;
        drive(t, execute(t, state_of(t)));
        return;
      }
      case timer_kind::task_timeout:
      case timer_kind::heartbeat: {
        if (t.ph != phase::task || t.task_id == 0) return;
        const char* err =
            ref.kind == timer_kind::task_timeout ? "States.Timeout" : "States.HeartbeatTimeout";
        close_task(t, task_end::timed_out);
        emit(t, "ActivityTimedOut", "activityTimedOutEventDetails",
             details().str("error", err).done());
        drive(t, flow::fail(failure{err, ""}, true, false));
        return;
      }
    }
  }

  void on_activity_started(const ev_activity_started& e) {
    thread* t = task_thread(e.task);
    if (!t) return;
    if (t->task_started) return;
    t->task_started = true;
    emit(*t, "ActivityStarted", "activityStartedEventDetails",
         details().str("workerName", e.worker_name).done());
    if (t->heartbeat_seconds > 0) arm_heartbeat(*t);
  }

  /// A worker answered before its ActivityStarted arrived (the notice and
  /// the answer took different paths): record the start first, as AWS's
  /// history always has it, without a worker name.
  void ensure_started(thread& t) {
    if (t.task_started) return;
    t.task_started = true;
    emit(t, "ActivityStarted", "activityStartedEventDetails", details());
  }

  void on_task_succeeded(const ev_task_succeeded& e) {
    thread* t = task_thread(e.task);
    if (!t) return reject(e.task);
    ensure_started(*t);
    const asl::state& st = state_of(*t);
    close_task(*t, task_end::done);
    emit(*t, "ActivitySucceeded", "activitySucceededEventDetails",
         details().payload("output", e.output).done());
    drive(*t, task_result(*t, st, e.output));
  }

  void on_task_failed(const ev_task_failed& e) {
    thread* t = task_thread(e.task);
    if (!t) return reject(e.task);
    ensure_started(*t);
    close_task(*t, task_end::done);
    details d;
    if (e.has_error) d.str("error", e.error);
    if (e.has_cause) d.str("cause", e.cause);
    emit(*t, "ActivityFailed", "activityFailedEventDetails", d.done());
    drive(*t, flow::fail(failure{e.error, e.cause}, e.has_error, e.has_cause));
  }

  void on_task_heartbeat(const ev_task_heartbeat& e) {
    thread* t = task_thread(e.task);
    if (!t) return reject(e.task);
    if (t->heartbeat_seconds > 0) arm_heartbeat(*t);
  }

  /// Called after every event: enforces the history limit for events
  /// recorded outside `drive` (ActivityStarted, …).
  void finish_step() {
    if (over_limit_ && s_.status == exec_status::running)
      close_execution(exec_status::failed, "ExecutionFailed", "executionFailedEventDetails",
                      "States.Runtime",
                      "The execution reached the maximum number of history events (" +
                          std::to_string(lim_.history_events) + ").",
                      true, true);
  }

  void on_stop(const ev_stop& e) {
    abort_children_of_all();
    close_execution(exec_status::aborted, "ExecutionAborted", "executionAbortedEventDetails",
                    e.error, e.cause, e.has_error, e.has_cause);
  }

 private:
  // ---------------------------------------------------------------- events

  int64_t emit(thread& t, const char* type, const char* key, details det,
               bool advance = true) {
    if (t.silent) return t.last_event;
    int64_t id = push_event(type, key, std::move(det), t.last_event);
    if (advance) t.last_event = id;
    return id;
  }
  /// An event without details (…Started, …Succeeded of Parallel/Map).
  int64_t emit(thread& t, const char* type, const char*, const char*, bool advance = true) {
    return emit(t, type, "", details(), advance);
  }

  int64_t emit_exec(const char* type, const char* key, details det, int64_t prev) {
    return push_event(type, key, std::move(det), prev, true);
  }

  /// Appends an event. Once the history is one event short of its limit,
  /// other events are dropped and the execution fails (the failure event
  /// takes the last slot), as AWS fails executions at 25,000 events.
  int64_t push_event(const char* type, const char* key, details det, int64_t prev,
                     bool execution_level = false) {
    if (!execution_level && s_.next_event_id >= lim_.history_events) {
      over_limit_ = true;
      return s_.next_event_id - 1;
    }
    if (!lim_.record_history) return s_.next_event_id++;
    model::history_event e;
    e.id = s_.next_event_id++;
    e.previous_id = prev;
    e.timestamp_ms = now_;
    e.type = type;
    if (key && *key) {
      e.details_key = key;
      e.details = det.text();
      e.payload_key = std::move(det.payload_key_);
      e.payload = std::move(det.payload_);
    }
    r_.events.push_back(std::move(e));
    return r_.events.back().id;
  }

  // --------------------------------------------------------------- threads

  thread& new_thread(int parent, int machine, int64_t child_index) {
    int id = s_.next_thread++;
    thread& t = s_.threads[id];
    t.id = id;
    t.parent = parent;
    t.machine = machine;
    t.child_index = child_index;
    if (parent >= 0) t.silent = s_.threads[parent].silent;
    return t;
  }

  const asl::machine& machine_of(const thread& t) const { return *def_.machines[t.machine]; }
  const asl::state& state_of(const thread& t) const { return machine_of(t).states[t.state]; }

  thread* task_thread(int64_t task) {
    auto it = s_.tasks.find(task);
    if (it == s_.tasks.end()) return nullptr;
    auto th = s_.threads.find(it->second);
    if (th == s_.threads.end() || th->second.ph != phase::task || th->second.task_id != task)
      return nullptr;
    return &th->second;
  }

  void reject(int64_t task) {
    r_.rejected = true;
    auto it = s_.closed_tasks.find(task);
    r_.rejected_timed_out = it != s_.closed_tasks.end() && it->second == task_end::timed_out;
  }

  void cancel_timer(int64_t& timer) {
    if (timer) {
      s_.timers.erase(timer);
      r_.commands.push_back(cmd_cancel_timer{timer});
      timer = 0;
    }
  }

  void close_task(thread& t, task_end how) {
    if (!t.task_id) return;
    s_.tasks.erase(t.task_id);
    s_.closed_tasks[t.task_id] = how;
    const asl::state& st = state_of(t);
    r_.commands.push_back(cmd_cancel_activity{t.task_id, st.resource});
    t.task_id = 0;
    t.task_started = false;
    cancel_timer(t.timeout_timer);
    cancel_timer(t.heartbeat_timer);
    t.ph = phase::idle;
  }

  void arm_heartbeat(thread& t) {
    cancel_timer(t.heartbeat_timer);
    int64_t id = s_.next_timer++;
    int64_t due = now_ + t.heartbeat_seconds * 1000;
    s_.timers[id] = timer_ref{t.id, timer_kind::heartbeat, due};
    t.heartbeat_timer = id;
    r_.commands.push_back(cmd_start_timer{id, due});
  }

  int64_t arm_timer(thread& t, timer_kind kind, int64_t due) {
    int64_t id = s_.next_timer++;
    s_.timers[id] = timer_ref{t.id, kind, due};
    r_.commands.push_back(cmd_start_timer{id, due});
    return id;
  }

  // --------------------------------------------------------------- context

  /// The context object ($$) for thread `t` in its current state.
  void build_context(const thread& t, json::document& ctx, const json::value* map_item = nullptr,
                     int64_t map_index = 0) {
    auto& a = ctx.GetAllocator();
    ctx.SetObject();
    if (!def_.uses_context) return;  // nothing can read it
    json::value exec(rapidjson::kObjectType);
    exec.AddMember("Id", json::value(s_.execution_arn.c_str(), a), a);
    if (!exec_input_parsed_) {
      json::parse(s_.input, exec_input_);
      exec_input_parsed_ = true;
    }
    exec.AddMember("Input", json::value(exec_input_, a), a);
    exec.AddMember("StartTime", json::value(model::format_iso8601(s_.start_ms).c_str(), a), a);
    exec.AddMember("Name", json::value(s_.name.c_str(), a), a);
    exec.AddMember("RoleArn", json::value(s_.role_arn.c_str(), a), a);
    exec.AddMember("RedriveCount", 0, a);
    ctx.AddMember("Execution", exec, a);
    json::value sm(rapidjson::kObjectType);
    sm.AddMember("Id", json::value(s_.state_machine_arn.c_str(), a), a);
    sm.AddMember("Name", json::value(s_.state_machine_name.c_str(), a), a);
    ctx.AddMember("StateMachine", sm, a);
    if (t.state >= 0) {
      json::value st(rapidjson::kObjectType);
      st.AddMember("EnteredTime", json::value(model::format_iso8601(t.entered_ms).c_str(), a), a);
      st.AddMember("Name", json::value(state_of(t).name.c_str(), a), a);
      int64_t retries = 0;
      for (auto n : t.retries) retries += n;
      st.AddMember("RetryCount", retries, a);
      ctx.AddMember("State", st, a);
    }
    if (map_item) {
      json::value item(rapidjson::kObjectType);
      item.AddMember("Index", map_index, a);
      item.AddMember("Value", json::value(*map_item, a), a);
      json::value m(rapidjson::kObjectType);
      m.AddMember("Item", item, a);
      ctx.AddMember("Map", m, a);
    }
  }

  /// A version-4 UUID from the execution's deterministic PRNG.
  std::string uuid() {
    uint64_t a = random_.next(), b = random_.next();
    a = (a & 0xFFFFFFFFFFFF0FFFull) | 0x4000ull;
    b = (b & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;
    char buf[37];
    std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", unsigned(a >> 32),
                  unsigned((a >> 16) & 0xFFFF), unsigned(a & 0xFFFF), unsigned(b >> 48),
                  static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFull));
    return buf;
  }

  std::string runtime_prefix(const thread& t) const {
    return "An error occurred while executing the state '" + state_of(t).name +
           "' (entered at the event id #" + std::to_string(t.entered_event) + "). ";
  }

  failure runtime(const thread& t, std::string msg) const {
    return failure{"States.Runtime", runtime_prefix(t) + msg};
  }

  /// Eval failures of type States.Runtime get the state prefix.
  failure decorate(const thread& t, failure f) const {
    if (f.error == "States.Runtime") f.cause = runtime_prefix(t) + f.cause;
    return f;
  }

  // ------------------------------------------------------ data processing

  /// InputPath: absent → whole input, null → {}, else the selected node.
  std::optional<failure> apply_input_path(const thread& t, const asl::path_field& pf,
                                          const json::value& in, json::document& out) {
    auto& a = out.GetAllocator();
    if (pf.is_null) {
      out.SetObject();
      return std::nullopt;
    }
    if (!pf.path || pf.path->is_root()) {
      out.CopyFrom(in, a);
      return std::nullopt;
    }
    const json::value* root = &in;
    json::document ctx;
    if (pf.path->is_context()) {
      build_context(t, ctx);
      root = &ctx;
    }
    json::value sel;
    if (!pf.path->select(*root, sel, a))
      return runtime(t, "Invalid path '" + pf.path->text() + "' : No results for path: " +
                            pf.path->canonical());
    out.CopyFrom(sel, a);
    return std::nullopt;
  }

  std::optional<failure> apply_template(const thread& t, const eval::payload_template& tpl,
                                        const json::value& in, json::document& out,
                                        const json::value* map_item = nullptr,
                                        int64_t map_index = 0) {
    json::document ctx;
    build_context(t, ctx, map_item, map_index);
    json::value v;
    if (auto f = tpl.evaluate(in, ctx, v, out.GetAllocator(), random_)) return decorate(t, *f);
    static_cast<json::value&>(out) = std::move(v);
    return std::nullopt;
  }

  /// ResultPath: merge `result` into `raw` (the state's raw input).
  std::optional<failure> apply_result_path(const thread& t, const asl::path_field& pf,
                                           json::document& raw, json::value&& result) {
    if (pf.is_null) return std::nullopt;  // discard result, keep input
    if (!pf.path || pf.path->is_root()) {
      static_cast<json::value&>(raw) = std::move(result);
      return std::nullopt;
    }
    if (auto f = pf.path->assign(raw, std::move(result), raw.GetAllocator())) return *f;
    return std::nullopt;
  }

  /// OutputPath over an already parsed value.
  std::optional<failure> apply_output_path(const thread& t, const asl::state& st,
                                           const json::value& in, std::string& out) {
    if (st.output_path.is_null) {
      out = "{}";
      return std::nullopt;
    }
    if (!st.output_path.path || st.output_path.path->is_root()) {
      out = json::dump(in);
      return std::nullopt;
    }
    json::document o;
    if (auto f = apply_input_path(t, st.output_path, in, o)) return f;
    out = json::dump(o);
    return std::nullopt;
  }

  std::optional<failure> apply_output_path(const thread& t, const asl::state& st,
                                           const std::string& in, std::string& out) {
    if (st.output_path.is_null) {
      out = "{}";
      return std::nullopt;
    }
    if (!st.output_path.path || st.output_path.path->is_root()) {
      out = in;
      return std::nullopt;
    }
    json::document d;
    json::parse(in, d);
    json::document o;
    if (auto f = apply_input_path(t, st.output_path, d, o)) return f;
    out = json::dump(o);
    return std::nullopt;
  }

  /// InputPath then Parameters: the effective input of Task/Parallel/Map.
  std::optional<failure> effective_input(const thread& t, const asl::state& st,
                                         std::string& out) {
    json::document in;
    json::parse(t.input, in);
    json::document eff;
    if (auto f = apply_input_path(t, st.input_path, in, eff)) return f;
    if (st.parameters && st.type != asl::state_type::map) {
      json::document p;
      if (auto f = apply_template(t, *st.parameters, eff, p)) return f;
      out = json::dump(p);
    } else {
      out = json::dump(eff);
    }
    return std::nullopt;
  }

  /// ResultSelector → ResultPath → OutputPath for a state's result.
  flow finish_with_result(thread& t, const asl::state& st, json::value&& result,
                          json::allocator& ra) {
    json::document selected;
    json::value res(std::move(result), ra);
    if (st.result_selector) {
      json::document rs;
      if (auto f = apply_template(t, *st.result_selector, res, rs)) return flow::fail(*f);
      static_cast<json::value&>(selected) = json::value(rs, selected.GetAllocator());
    } else {
      static_cast<json::value&>(selected) = json::value(res, selected.GetAllocator());
    }
    json::document raw;
    json::parse(t.input, raw);
    json::value moved(selected, raw.GetAllocator());
    if (auto f = apply_result_path(t, st.result_path, raw, std::move(moved))) return flow::fail(*f);
    std::string after = json::dump(raw);
    std::string out;
    if (auto f = apply_output_path(t, st, after, out)) return flow::fail(*f);
    return exit_state(t, st, out);
  }

  // ----------------------------------------------------------------- flow

  /// Emits the Exited event and moves to the next state (or ends).
  flow exit_state(thread& t, const asl::state& st, const std::string& out) {
    if (out.size() > lim_.payload_bytes)
      return flow::fail(failure{"States.DataLimitExceeded",
                                "The state/task '" + st.name +
                                    "' returned a result with a size exceeding the maximum "
                                    "number of bytes service limit."});
    emit(t, exited_type(st.type), "stateExitedEventDetails",
         details().str("name", st.name).payload("output", out).done());
    if (st.type == asl::state_type::succeed || st.end) return flow::end(out);
    return flow::go(st.next_index, out);
  }

  /// Runs `t` forward from `f` until it blocks or finishes.
  void drive(thread& t, flow f) {
    for (;;) {
      if (s_.status != exec_status::running) return;
      switch (f.kind) {
        case flow_kind::blocked: return;
        case flow_kind::next: f = enter(t, f.next, std::move(f.data)); break;
        case flow_kind::end: return thread_succeeded(t, std::move(f.data));
        case flow_kind::fail: {
          flow g = handle_error(t, f);
          if (g.kind == flow_kind::fail) return thread_failed(t, g);
          f = std::move(g);
          break;
        }
      }
      if (over_limit_ && s_.status == exec_status::running) {
        close_execution(exec_status::failed, "ExecutionFailed", "executionFailedEventDetails",
                        "States.Runtime",
                        "The execution reached the maximum number of history events (" +
                            std::to_string(lim_.history_events) + ").",
                        true, true);
        return;
      }
    }
  }

  flow enter(thread& t, int index, std::string input) {
    const asl::state& st = machine_of(t).states[index];
    t.state = index;
    t.ph = phase::idle;
    t.retries.assign(st.retry.size(), 0);
    t.entered_ms = now_;
    if (input.size() > lim_.payload_bytes) {
      t.input = "{}";
      return flow::fail(failure{"States.DataLimitExceeded",
                                "The state/task '" + st.name +
                                    "' returned a result with a size exceeding the maximum "
                                    "number of bytes service limit."});
    }
    t.input = std::move(input);
    t.entered_event = emit(t, entered_type(st.type), "stateEnteredEventDetails",
                           details().str("name", st.name).payload("input", t.input).done());
    return execute(t, st);
  }

  /// Does the work of the current state (also re-run by a retry).
  flow execute(thread& t, const asl::state& st) {
    switch (st.type) {
      case asl::state_type::pass: return exec_pass(t, st);
      case asl::state_type::succeed: {
        json::document in;
        json::parse(t.input, in);
        json::document eff;
        if (auto f = apply_input_path(t, st.input_path, in, eff)) return flow::fail(*f);
        std::string out;
        if (auto f = apply_output_path(t, st, json::dump(eff), out)) return flow::fail(*f);
        return exit_state(t, st, out);
      }
      case asl::state_type::fail: return exec_fail(t, st);
      case asl::state_type::choice: return exec_choice(t, st);
      case asl::state_type::wait: return exec_wait(t, st);
      case asl::state_type::task: return exec_task(t, st);
      case asl::state_type::parallel: return exec_parallel(t, st);
      case asl::state_type::map: return exec_map(t, st);
    }
    return flow::fail(runtime(t, "unknown state type"));
  }

  /// Pass: InputPath → Parameters → Result → ResultPath → OutputPath. The
  /// hot path of the pass-chain benchmark, so it works inside one document:
  /// no copy of the input for `$` paths, templates allocate in place.
  flow exec_pass(thread& t, const asl::state& st) {
    // A Pass state right after a Pass state starts from the document the
    // previous one built (its output text is this input): no parse. The
    // text comparison makes the reuse exact whatever happened in between.
    std::optional<json::document> reused;
    if (carried_ && carried_text_ == t.input) {
      reused.emplace(std::move(*carried_));
      carried_.reset();
    }
    json::document in = reused ? std::move(*reused) : json::document();
    if (!reused) json::parse(t.input, in);
    auto& a = in.GetAllocator();
    const json::value* eff = &in;
    json::document eff_doc;
    if (st.input_path.is_null || (st.input_path.path && !st.input_path.path->is_root())) {
      if (auto f = apply_input_path(t, st.input_path, in, eff_doc)) return flow::fail(*f);
      eff = &eff_doc;
    }
    json::value res;
    if (st.parameters) {
      json::document ctx;
      build_context(t, ctx);
      if (auto f = st.parameters->evaluate(*eff, ctx, res, a, random_))
        return flow::fail(decorate(t, *f));
    }
    if (st.result)
      res.CopyFrom(*st.result, a);
    else if (!st.parameters)
      res.CopyFrom(*eff, a);
    if (auto f = apply_result_path(t, st.result_path, in, std::move(res))) return flow::fail(*f);
    std::string out;
    if (auto f = apply_output_path(t, st, in, out)) return flow::fail(*f);
    if (!st.end && !st.output_path.is_null &&
        (!st.output_path.path || st.output_path.path->is_root())) {
      // `out` is `in` serialised: carry the document to the next state.
      carried_text_ = out;
      carried_.emplace(std::move(in));
    }
    return exit_state(t, st, out);
  }

  flow exec_fail(thread& t, const asl::state& st) {
    failure f;
    bool has_error = false, has_cause = false;
    if (st.error) {
      f.error = *st.error;
      has_error = true;
    }
    if (st.cause) {
      f.cause = *st.cause;
      has_cause = true;
    }
    auto dynamic = [&](const std::string& expr, std::string& out,
                       const char* field) -> std::optional<failure> {
      json::document in;
      json::parse(t.input, in);
      json::document ctx;
      build_context(t, ctx);
      json::document v;
      if (expr.rfind("States.", 0) == 0) {
        json::value r;
        if (auto e = eval::evaluate_intrinsic(expr, in, ctx, r, v.GetAllocator(), random_))
          return decorate(t, *e);
        static_cast<json::value&>(v) = std::move(r);
      } else {
        auto p = eval::path::compile(expr);
        if (!p) return runtime(t, std::string("Invalid path '") + expr + "'");
        json::value r;
        if (!p->select(p->is_context() ? static_cast<json::value&>(ctx) : in, r,
                       v.GetAllocator()))
          return runtime(t, std::string("Invalid path '") + expr + "' : No results for path: " +
                                p->canonical());
        static_cast<json::value&>(v) = std::move(r);
      }
      if (!v.IsString())
        return runtime(t, std::string("The ") + field + " field '" + expr +
                              "' must reference a string value, but found: " + json::dump(v));
      out = v.GetString();
      return std::nullopt;
    };
    if (st.error_path) {
      if (auto e = dynamic(*st.error_path, f.error, "ErrorPath")) return flow::fail(*e);
      has_error = true;
    }
    if (st.cause_path) {
      if (auto e = dynamic(*st.cause_path, f.cause, "CausePath")) return flow::fail(*e);
      has_cause = true;
    }
    return flow::fail(f, has_error, has_cause);
  }

  flow exec_choice(thread& t, const asl::state& st) {
    json::document in;
    json::parse(t.input, in);
    json::document eff;
    if (auto f = apply_input_path(t, st.input_path, in, eff)) return flow::fail(*f);
    json::document ctx;
    build_context(t, ctx);
    int target = -1;
    for (const auto& rule : st.choices) {
      bool matched = false;
      if (auto f = asl::evaluate(rule, eff, ctx, matched)) return flow::fail(decorate(t, *f));
      if (matched) {
        target = rule.next_index;
        break;
      }
    }
    if (target < 0) target = st.default_index;
    if (target < 0)
      return flow::fail(failure{"States.NoChoiceMatched",
                                "No Matches! at state '" + st.name + "'"});  // refined by conformance
    std::string out;
    if (auto f = apply_output_path(t, st, json::dump(eff), out)) return flow::fail(*f);
    emit(t, "ChoiceStateExited", "stateExitedEventDetails",
         details().str("name", st.name).payload("output", out).done());
    return flow::go(target, out);
  }

  flow exec_wait(thread& t, const asl::state& st) {
    json::document in;
    json::parse(t.input, in);
    json::document eff;
    if (auto f = apply_input_path(t, st.input_path, in, eff)) return flow::fail(*f);
    int64_t due = now_;
    if (st.seconds) {
      due = now_ + static_cast<int64_t>(*st.seconds * 1000);
    } else if (st.timestamp) {
      auto ts = model::parse_iso8601(*st.timestamp);
      if (!ts)
        return flow::fail(runtime(
            t, "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time "
               "format string: " + *st.timestamp));
      due = *ts;
    } else if (st.seconds_path) {
      json::value v;
      json::document tmp;
      if (!st.seconds_path->select(eff, v, tmp.GetAllocator()))
        return flow::fail(runtime(t, "Invalid path '" + st.seconds_path->text() +
                                         "' : No results for path: " +
                                         st.seconds_path->canonical()));
      if (!v.IsNumber() || !(v.IsInt64() || v.IsUint64()))
        return flow::fail(runtime(t, "The SecondsPath parameter cannot be parsed as a long value: " +
                                         st.seconds_path->text() + " == " +
                                         (v.IsString() ? std::string(v.GetString())
                                                       : number_text(v))));
      if (v.IsInt64() && v.GetInt64() < 0)
        return flow::fail(runtime(t, "The SecondsPath parameter references a negative value: " +
                                         st.seconds_path->text() + " == " + number_text(v)));
      int64_t secs = v.IsInt64() ? v.GetInt64() : static_cast<int64_t>(v.GetUint64() / 2);
      due = now_ + std::min<int64_t>(secs, 99999999) * 1000;
    } else if (st.timestamp_path) {
      json::value v;
      json::document tmp;
      if (!st.timestamp_path->select(eff, v, tmp.GetAllocator()))
        return flow::fail(runtime(t, "Invalid path '" + st.timestamp_path->text() +
                                         "' : No results for path: " +
                                         st.timestamp_path->canonical()));
      std::optional<int64_t> ts;
      if (v.IsString()) ts = model::parse_iso8601(v.GetString());
      if (!ts)
        return flow::fail(runtime(
            t, "The TimestampPath parameter does not reference a valid ISO-8601 extended offset "
               "date-time format string: " +
                   st.timestamp_path->text() + " == " +
                   (v.IsString() ? std::string(v.GetString()) : json::dump(v))));
      due = *ts;
    }
    t.effective = json::dump(eff);
    t.ph = phase::wait;
    t.timer = arm_timer(t, timer_kind::wait, due);
    return flow::blocked();
  }

  flow exec_task(thread& t, const asl::state& st) {
    std::string eff;
    if (auto f = effective_input(t, st, eff)) return flow::fail(*f);
    if (!is_activity(st.resource))
      return flow::fail(failure{
          "States.Runtime", runtime_prefix(t) + "Statecraft does not support the resource '" +
                                st.resource + "' yet; only activity tasks run."});
    json::document in;
    json::parse(t.input, in);
    auto resolve = [&](const std::optional<int64_t>& lit, const std::optional<eval::path>& p,
                       const char* field, int64_t& out) -> std::optional<failure> {
      out = 0;
      if (lit) out = *lit;
      if (p) {
        json::value v;
        json::document tmp;
        if (!p->select(in, v, tmp.GetAllocator()) || !v.IsInt64() || v.GetInt64() <= 0)
          return runtime(t, std::string("The ") + field + " field references an invalid value: " +
                                p->text());
        out = v.GetInt64();
      }
      return std::nullopt;
    };
    int64_t timeout = 0, heartbeat = 0;
    if (auto f = resolve(st.timeout_seconds, st.timeout_seconds_path, "TimeoutSecondsPath", timeout))
      return flow::fail(*f);
    if (auto f = resolve(st.heartbeat_seconds, st.heartbeat_seconds_path, "HeartbeatSecondsPath",
                         heartbeat))
      return flow::fail(*f);
    if (eff.size() > lim_.payload_bytes)
      return flow::fail(failure{"States.DataLimitExceeded",
                                "The state/task '" + st.name +
                                    "' has an input with a size exceeding the maximum number of "
                                    "bytes service limit."});
    details d;
    d.str("resource", st.resource).payload("input", eff);
    if (st.timeout_seconds || st.timeout_seconds_path) d.num("timeoutInSeconds", timeout);
    if (st.heartbeat_seconds || st.heartbeat_seconds_path) d.num("heartbeatInSeconds", heartbeat);
    emit(t, "ActivityScheduled", "activityScheduledEventDetails", d.done());
    int64_t task = s_.next_task++;
    t.effective = eff;
    t.task_id = task;
    t.task_started = false;
    t.ph = phase::task;
    t.heartbeat_seconds = heartbeat;
    s_.tasks[task] = t.id;
    r_.commands.push_back(cmd_schedule_activity{task, st.resource, eff});
    // AWS's default activity timeout is 99999999 s; only arm a timer when set.
    if (timeout > 0) t.timeout_timer = arm_timer(t, timer_kind::task_timeout, now_ + timeout * 1000);
    return flow::blocked();
  }

  flow task_result(thread& t, const asl::state& st, const std::string& output) {
    json::document res;
    if (!json::parse(output, res)) res.SetNull();
    return finish_with_result(t, st, std::move(res), res.GetAllocator());
  }

  // ------------------------------------------------------ Parallel / Map

  flow exec_parallel(thread& t, const asl::state& st) {
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

  flow parallel_done(thread& t, const asl::state& st) {
    emit(t, "ParallelStateSucceeded", "", "", false);
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
    return finish_with_result(t, st, std::move(arr), arr.GetAllocator());
  }

  /// Resolves an integer-valued field given literally or by a path.
  std::optional<failure> int_field(const thread& t, const json::value& in,
                                   const std::optional<eval::path>& p, const char* field,
                                   int64_t& out) {
    if (!p) return std::nullopt;
    json::value v;
    json::document tmp;
    bool found = p->select(in, v, tmp.GetAllocator());
    if (!found || !v.IsNumber() || !(v.IsInt64() || v.IsUint64()) || (v.IsInt64() && v.GetInt64() < 0)) {
      std::string shown = found ? (v.IsString() ? std::string(v.GetString()) : json::dump(v)) : "null";
      return runtime(t, std::string("The ") + field + " field refers to value \"" + shown +
                            "\" which is not a valid integer: " + p->text());
    }
    out = v.IsInt64() ? v.GetInt64() : INT64_MAX;
    return std::nullopt;
  }

  flow exec_map(thread& t, const asl::state& st) {
    json::document in;
    json::parse(t.input, in);
    json::document eff;
    if (auto f = apply_input_path(t, st.input_path, in, eff)) return flow::fail(*f);
    json::document items;
    if (auto f = apply_input_path(t, st.items_path, eff, items)) return flow::fail(*f);
    if (!items.IsArray())
      return flow::fail(runtime(t, "Map state input must be an array but was: " +
                                       (items.IsString() ? std::string(items.GetString())
                                                         : json::dump(items))));
    int64_t maxc = st.max_concurrency.value_or(0);
    if (auto f = int_field(t, eff, st.max_concurrency_path, "MaxConcurrencyPath", maxc))
      return flow::fail(*f);
    int64_t n = static_cast<int64_t>(items.Size());
    emit(t, "MapStateStarted", "mapStateStartedEventDetails", details().num("length", n).done());
    int64_t tol_count = st.tolerated_failure_count.value_or(-1);
    if (st.tolerated_failure_count_path) {
      json::value v;
      json::document tmp;
      if (!st.tolerated_failure_count_path->select(eff, v, tmp.GetAllocator()) || !v.IsInt64())
        return flow::fail(runtime(t, "The ToleratedFailureCountPath field refers to an invalid value: " +
                                         st.tolerated_failure_count_path->text()));
      if (v.GetInt64() < 0) return flow::fail(runtime(t, "ToleratedFailureCount cannot be negative."));
      tol_count = v.GetInt64();
    }
    double tol_pct = st.tolerated_failure_percentage.value_or(-1);
    // A Distributed Map tolerates no failure unless told otherwise (its Map
    // Run reports thresholds of 0), and exceeding it is
    // States.ExceedToleratedFailureThreshold.
    if (st.map_distributed && tol_count < 0 && !st.tolerated_failure_percentage &&
        !st.tolerated_failure_percentage_path)
      tol_count = 0;
    if (st.tolerated_failure_percentage_path) {
      json::value v;
      json::document tmp;
      if (!st.tolerated_failure_percentage_path->select(eff, v, tmp.GetAllocator()) || !v.IsNumber())
        return flow::fail(runtime(t, "The ToleratedFailurePercentagePath field refers to an invalid value: " +
                                         st.tolerated_failure_percentage_path->text()));
      tol_pct = v.GetDouble();
      if (tol_pct < 0 || tol_pct > 100)
        return flow::fail(runtime(t, "ToleratedFailurePercentage must be between 0 and 100."));
    }
    t.effective = json::dump(eff);
    t.items = json::dump(items);
    t.item_count = n;
    t.next_item = 0;
    t.finished = 0;
    t.failures = 0;
    t.max_concurrency = maxc;
    t.tolerated_count = tol_count;
    t.tolerated_percentage = tol_pct;
    t.children.clear();
    t.results.assign(static_cast<size_t>(n), std::string());
    t.ph = phase::children;
    if (st.map_distributed) {
      std::string prefix = s_.state_machine_arn;
      auto pos = prefix.find(":stateMachine:");
      if (pos != std::string::npos) prefix.replace(pos, 14, ":mapRun:");
      t.map_run_arn = prefix + "/" + (st.map_label.empty() ? uuid() : st.map_label) + ":" + uuid();
      emit(t, "MapRunStarted", "mapRunStartedEventDetails",
           details().str("mapRunArn", t.map_run_arn).done());
    }
    if (n == 0) return map_done(t, st);
    launch_iterations(t);
    return flow::blocked();
  }

  /// Starts Map iterations while the concurrency limit allows. Iterations
  /// that finish synchronously are collected by the loop itself (see
  /// `launching_`), so a long Map is a loop, not a recursion.
  void launch_iterations(thread& p) {
    const int64_t key = p.entered_event;
    if (launching_.count(key)) return;
    launching_.insert(key);
    int pid = p.id;
    for (;;) {
      auto pit = s_.threads.find(pid);
      if (pit == s_.threads.end() || s_.status != exec_status::running) break;
      thread& m = pit->second;
      if (m.ph != phase::children || m.entered_event != key) break;
      const asl::state& st = state_of(m);
      if (m.next_item >= m.item_count) break;
      int64_t running = static_cast<int64_t>(m.children.size());
      if (m.max_concurrency > 0 && running >= m.max_concurrency) break;
      int64_t idx = m.next_item++;
      json::document items;
      json::parse(m.items, items);
      const json::value& item = items[static_cast<rapidjson::SizeType>(idx)];
      int64_t started =
          st.map_distributed
              ? m.last_event
              : emit(m, "MapIterationStarted", "mapIterationStartedEventDetails",
                     details().num("index", idx).str("name", st.name).done(), false);
      thread& c = new_thread(m.id, st.processor->id, idx);
      c.silent = c.silent || st.map_distributed;
      c.last_event = started;
      m.children.push_back(c.id);
      std::string input;
      if (st.parameters) {
        json::document eff;
        json::parse(m.effective, eff);
        json::document sel;
        if (auto f = apply_template(m, *st.parameters, eff, sel, &item, idx)) {
          flow fl = flow::fail(*f);
          thread_failed(c, fl);
          continue;
        }
        input = json::dump(sel);
      } else {
        input = json::dump(item);
      }
      int cid = c.id;
      int start = st.processor->start_index;
      drive(c, flow::go(start, std::move(input)));
      (void)cid;
    }
    launching_.erase(key);
    auto pit = s_.threads.find(pid);
    if (pit == s_.threads.end() || s_.status != exec_status::running) return;
    thread& m = pit->second;
    if (m.ph == phase::children && m.entered_event == key && m.finished == m.item_count) drive(m, map_done(m, state_of(m)));
  }

  flow map_done(thread& t, const asl::state& st) {
    if (st.map_distributed) {
      // As recorded on AWS (four recordings): MapStateSucceeded chains from
      // MapRunSucceeded; MapStateExited too when the Map is the execution's
      // first state, and from MapRunStarted otherwise.
      int64_t run_started = t.last_event;
      int64_t run_succeeded = emit(t, "MapRunSucceeded", "", "");
      bool first_state = t.parent < 0 && t.entered_event == 2;
      emit(t, "MapStateSucceeded", "", "", false);
      t.last_event = first_state ? run_succeeded : run_started;
    } else {
      emit(t, "MapStateSucceeded", "", "", false);
    }
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
    return finish_with_result(t, st, std::move(arr), arr.GetAllocator());
  }

  void map_child_done(thread& p, thread& c, const asl::state& st) {
    int cid = c.id;
    const bool quiet = st.map_distributed;
    if (c.failed) {
      emit(c, "MapIterationFailed", "mapIterationFailedEventDetails",
           details().num("index", c.child_index).str("name", st.name).done(), false);
      p.failures++;
      bool tolerated = false;
      if (p.tolerated_count >= 0 && p.failures <= p.tolerated_count) tolerated = true;
      if (p.tolerated_percentage >= 0 && p.item_count > 0 &&
          double(p.failures) * 100.0 / double(p.item_count) <= p.tolerated_percentage)
        tolerated = true;
      if (!tolerated) {
        flow f = (p.tolerated_count >= 0 || p.tolerated_percentage >= 0)
                     ? flow::fail(failure{"States.ExceedToleratedFailureThreshold",
                                          "The specified tolerated failure threshold was exceeded"})
                     : flow::fail(failure{c.error, c.cause}, fail_flag(cid).first,
                                  fail_flag(cid).second);
        if (!quiet) p.last_event = c.last_event;
        abort_map_children(p, cid, st);
        if (quiet) emit(p, "MapRunFailed", "", "");
        if (!will_retry(p, f.f.error)) emit(p, "MapStateFailed", "", "");
        p.ph = phase::idle;
        p.items.clear();
        p.results.clear();
        drive(p, f);
        return;
      }
      p.results[static_cast<size_t>(c.child_index)] =
          "{\"Error\":" + json::quote(c.error) + ",\"Cause\":" + json::quote(c.cause) + "}";
    } else {
      if (!quiet) p.last_event = c.last_event;
      int64_t done_id = emit(c, "MapIterationSucceeded", "mapIterationSucceededEventDetails",
                             details().num("index", c.child_index).str("name", st.name).done(),
                             false);
      p.results[static_cast<size_t>(c.child_index)] = c.output;
      p.finished++;
      remove_child(p, cid);
      if (p.finished == p.item_count && !quiet) p.last_event = done_id;
      if (!launching_.count(p.entered_event)) launch_iterations(p);
      return;
    }
    if (!quiet) p.last_event = c.last_event;
    p.finished++;
    remove_child(p, cid);
    if (!launching_.count(p.entered_event)) launch_iterations(p);
  }

  void abort_map_children(thread& p, int failed_child, const asl::state& st) {
    for (int k : std::vector<int>(p.children)) {
      if (k == failed_child) continue;
      auto it = s_.threads.find(k);
      if (it == s_.threads.end()) continue;
      emit(it->second, "MapIterationAborted", "mapIterationAbortedEventDetails",
           details().num("index", it->second.child_index).str("name", st.name).done(), false);
    }
    abort_children(p, -1);
  }

  // ------------------------------------------------------- completions

  void thread_succeeded(thread& t, std::string output) {
    if (t.parent < 0) {
      s_.output = output;
      int64_t prev = t.last_event;
      emit_exec("ExecutionSucceeded", "executionSucceededEventDetails",
                details().payload("output", output).done(), prev);
      finish(exec_status::succeeded);
      return;
    }
    t.ph = phase::done;
    t.failed = false;
    t.output = std::move(output);
    child_done(t);
  }

  void thread_failed(thread& t, const flow& f) {
    if (t.parent < 0) {
      s_.error = f.f.error;
      s_.cause = f.f.cause;
      s_.has_error = f.has_error;
      s_.has_cause = f.has_cause && !(f.f.cause.empty() && !f.has_cause);
      details d;
      if (f.has_error) d.str("error", f.f.error);
      if (f.has_cause) d.str("cause", f.f.cause);
      emit_exec("ExecutionFailed", "executionFailedEventDetails", d.done(), t.last_event);
      finish(exec_status::failed);
      return;
    }
    t.ph = phase::done;
    t.failed = true;
    t.error = f.f.error;
    t.cause = f.f.cause;
    fail_flags_[t.id] = {f.has_error, f.has_cause};
    child_done(t);
  }

  void child_done(thread& c) {
    auto pit = s_.threads.find(c.parent);
    if (pit == s_.threads.end()) return;
    thread& p = pit->second;
    const asl::state& st = state_of(p);
    int cid = c.id;
    if (st.type == asl::state_type::parallel) {
      if (c.failed) {
        flow f = flow::fail(failure{c.error, c.cause}, fail_flag(cid).first,
                            fail_flag(cid).second);
        p.last_event = c.last_event;
        abort_children(p, cid);
        if (!will_retry(p, f.f.error)) emit(p, "ParallelStateFailed", "", "");
        p.ph = phase::idle;
        drive(p, f);
        return;
      }
      p.results[static_cast<size_t>(c.child_index)] = c.output;
      p.last_event = c.last_event;
      remove_child(p, cid);
      if (++p.finished == p.item_count) drive(p, parallel_done(p, st));
      return;
    }
    if (st.type == asl::state_type::map) map_child_done(p, c, st);
  }

  std::pair<bool, bool> fail_flag(int id) {
    auto it = fail_flags_.find(id);
    return it == fail_flags_.end() ? std::pair{true, true} : it->second;
  }

  void remove_child(thread& p, int cid) {
    p.children.erase(std::remove(p.children.begin(), p.children.end(), cid), p.children.end());
    s_.threads.erase(cid);
  }

  /// Aborts every running child of `p` (and their descendants) except `keep`.
  void abort_children(thread& p, int keep) {
    std::vector<int> kids = p.children;
    for (int k : kids) {
      auto it = s_.threads.find(k);
      if (it == s_.threads.end()) continue;
      if (k != keep) abort_thread(it->second);
      s_.threads.erase(k);
    }
    p.children.clear();
  }

  void abort_thread(thread& t) {
    for (int k : std::vector<int>(t.children)) {
      auto it = s_.threads.find(k);
      if (it != s_.threads.end()) {
        abort_thread(it->second);
        s_.threads.erase(k);
      }
    }
    t.children.clear();
    if (t.ph == phase::task) close_task(t, task_end::done);
    cancel_timer(t.timer);
    cancel_timer(t.timeout_timer);
    cancel_timer(t.heartbeat_timer);
  }

  /// Stop/timeout: records the …Aborted events of every running Parallel
  /// and Map (innermost first), then releases tasks and timers.
  void abort_children_of_all() {
    auto root = s_.threads.find(1);
    if (root == s_.threads.end()) return;
    record_aborts(root->second);
    abort_thread(root->second);
  }

  void record_aborts(thread& t) {
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

  // ------------------------------------------------------- error handling

  static bool matches(const std::vector<std::string>& names, const std::string& error) {
    for (const auto& n : names) {
      if (n == error) return true;
      if (n == "States.ALL" && error != "States.Runtime" && error != "States.DataLimitExceeded")
        return true;
      if (n == "States.TaskFailed" && error != "States.Timeout" && error != "States.Runtime" &&
          error != "States.DataLimitExceeded" && error.rfind("States.", 0) != 0)
        return true;
    }
    return false;
  }

  /// True when a retrier of `t`'s state matches `error` and has attempts left.
  bool will_retry(const thread& t, const std::string& error) const {
    if (t.state < 0 || error == "States.Runtime") return false;
    const asl::state& st = state_of(t);
    for (size_t i = 0; i < st.retry.size(); ++i) {
      if (!matches(st.retry[i].error_equals, error)) continue;
      int64_t done = i < t.retries.size() ? t.retries[i] : 0;
      return done < st.retry[i].max_attempts;
    }
    return false;
  }

  flow handle_error(thread& t, const flow& f) {
    if (t.state < 0) return f;
    const asl::state& st = state_of(t);
    const std::string& err = f.f.error;
    if (err != "States.Runtime") {
      for (size_t i = 0; i < st.retry.size(); ++i) {
        const auto& r = st.retry[i];
        if (!matches(r.error_equals, err)) continue;
        if (t.retries.size() < st.retry.size()) t.retries.resize(st.retry.size(), 0);
        if (t.retries[i] >= r.max_attempts) break;
        double delay = r.interval_seconds * std::pow(r.backoff_rate, double(t.retries[i]));
        if (r.max_delay_seconds) delay = std::min(delay, double(*r.max_delay_seconds));
        if (r.jitter_full) delay = delay * double(random_.next() % 1000001) / 1000000.0;
        t.retries[i]++;
        t.ph = phase::retry;
        t.timer = arm_timer(t, timer_kind::retry, now_ + static_cast<int64_t>(delay * 1000));
        return flow::blocked();
      }
      for (const auto& c : st.catchers) {
        if (!matches(c.error_equals, err)) continue;
        json::document raw;
        json::parse(t.input, raw);
        json::value eo(rapidjson::kObjectType);
        auto& a = raw.GetAllocator();
        if (f.has_error) eo.AddMember("Error", json::value(err.c_str(), a), a);
        if (f.has_cause) eo.AddMember("Cause", json::value(f.f.cause.c_str(), a), a);
        if (auto rf = apply_result_path(t, c.result_path, raw, std::move(eo))) return flow::fail(*rf);
        std::string out = json::dump(raw);
        emit(t, exited_type(st.type), "stateExitedEventDetails",
             details().str("name", st.name).payload("output", out).done());
        return flow::go(c.next_index, out);
      }
    }
    return f;
  }

  // --------------------------------------------------------------- closing

  void close_execution(exec_status status, const char* type, const char* key,
                       const std::string& error, const std::string& cause, bool has_error,
                       bool has_cause) {
    if (s_.status != exec_status::running) return;
    int64_t prev = 0;
    auto root = s_.threads.find(1);
    if (root != s_.threads.end()) prev = root->second.last_event;
    if (!r_.events.empty() || s_.next_event_id > 1) prev = s_.next_event_id - 1;
    s_.error = error;
    s_.cause = cause;
    s_.has_error = has_error;
    s_.has_cause = has_cause;
    details d;
    if (has_error) d.str("error", error);
    if (has_cause) d.str("cause", cause);
    emit_exec(type, key, d.done(), prev);
    finish(status);
  }

  void finish(exec_status status) {
    s_.status = status;
    s_.stop_ms = now_;
    for (auto& [id, t] : s_.threads) {
      if (t.ph == phase::task && t.task_id) {
        s_.closed_tasks[t.task_id] = task_end::done;
        r_.commands.push_back(cmd_cancel_activity{t.task_id, state_of(t).resource});
      }
    }
    for (auto& [id, ref] : s_.timers) r_.commands.push_back(cmd_cancel_timer{id});
    s_.timers.clear();
    s_.tasks.clear();
    s_.threads.clear();
    r_.commands.push_back(cmd_finished{});
  }

  const asl::definition& def_;
  execution_state& s_;
  step_result& r_;
  int64_t now_;
  const limits& lim_;
  eval::rng random_;
  json::document exec_input_;
  std::optional<json::document> carried_;  ///< exec_pass: last Pass output, parsed
  std::string carried_text_;               ///< … and as text
  bool exec_input_parsed_ = false;
  std::map<int, std::pair<bool, bool>> fail_flags_;
  std::set<int64_t> launching_;  ///< Map entries whose launch loop is running
  bool over_limit_ = false;      ///< the history limit was reached in this step
};

}  // namespace

step_result step(const asl::definition& def, const execution_state& state, const event& ev,
                 int64_t now_ms, const limits& lim) {
  return step(def, execution_state(state), ev, now_ms, lim);
}

step_result step(const asl::definition& def, execution_state&& state, const event& ev,
                 int64_t now_ms, const limits& lim) {
  step_result r;
  r.next = std::move(state);
  if (r.next.status != exec_status::running) {
    if (std::holds_alternative<ev_task_succeeded>(ev) || std::holds_alternative<ev_task_failed>(ev) ||
        std::holds_alternative<ev_task_heartbeat>(ev)) {
      int64_t task = std::visit(
          [](const auto& e) -> int64_t {
            if constexpr (requires { e.task; }) return e.task;
            return 0;
          },
          ev);
      r.rejected = true;
      auto it = r.next.closed_tasks.find(task);
      r.rejected_timed_out = it != r.next.closed_tasks.end() && it->second == task_end::timed_out;
    }
    return r;
  }
  {
    runner run(def, r, now_ms, lim);
    std::visit(
        [&](const auto& e) {
          using T = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<T, ev_start>) run.start();
          else if constexpr (std::is_same_v<T, ev_activity_started>) run.on_activity_started(e);
          else if constexpr (std::is_same_v<T, ev_task_succeeded>) run.on_task_succeeded(e);
          else if constexpr (std::is_same_v<T, ev_task_failed>) run.on_task_failed(e);
          else if constexpr (std::is_same_v<T, ev_task_heartbeat>) run.on_task_heartbeat(e);
          else if constexpr (std::is_same_v<T, ev_timer>) run.on_timer(e.timer);
          else if constexpr (std::is_same_v<T, ev_stop>) run.on_stop(e);
        },
        ev);
    run.finish_step();
  }
  return r;
}

}  // namespace sc::interp
