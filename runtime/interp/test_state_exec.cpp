// TestState's one step, run by the interpreter's own runner.
//
// `state_tester` (a friend of `runner`) enters the state on a thread of a
// throw-away execution and takes the state's `flow` back instead of driving
// on: `go` is SUCCEEDED with a next state, `end` SUCCEEDED, `fail` goes
// through the runner's Retry/Catch (handle_error) and comes back RETRIABLE
// (a retry timer was armed: its delay is the back-off), CAUGHT_ERROR (the
// catcher's output and Next) or FAILED. Choice, Succeed, Fail and JSONata
// Pass run their usual code; a Wait's timer is not waited for.
//
// The JSONPath data flow of Pass, Task, Parallel and Map is run here step by
// step with the runner's helpers (apply_input_path, apply_template, assign,
// apply_result_path, apply_output_path) so that each stage can be reported
// as AWS's inspectionData; a Task, Parallel or Map takes its result (or
// error) from the request's mock.
#include "runtime/interp/runner.hpp"
#include "runtime/interp/test_state_detail.hpp"

#include <cmath>

namespace sc::interp::detail {

class state_tester {
 public:
  state_tester(runner& r, const test_request& req, const json::value* context, test_result& out)
      : r_(r), req_(req), out_(out), debug_(req.level != inspection_level::info) {
    r_.context_override_ = context;
    if (debug_) out_.inspection.emplace();
  }

  void run(int machine, int index);

 private:
  test_inspection& insp() { return *out_.inspection; }
  void record(std::optional<std::string> test_inspection::*field, const json::value& v) {
    if (debug_) insp().*field = json::dump(v);
  }
  void refuse(std::string message) {
    out_.refusal = test_refusal{"ValidationException", std::move(message)};
  }
  bool mock_error() const { return req_.mock && req_.mock->error_output; }
  flow mocked_failure() const {
    const auto& m = *req_.mock;
    return flow::fail(failure{m.error.value_or(""), m.cause.value_or("")}, m.error.has_value(),
                      m.cause.has_value());
  }
  /// The mock's result, parsed (the request check made sure it parses).
  void mocked_result(json::document& res) const {
    if (!req_.mock || !req_.mock->result || !json::parse(*req_.mock->result, res)) res.SetNull();
  }

  flow pass(thread& t, const asl::state& st);
  flow task(thread& t, const asl::state& st);  ///< Task and Parallel
  flow map(thread& t, const asl::state& st);
  /// ResultSelector → Assign → ResultPath → OutputPath over a mocked result.
  flow finish(thread& t, const asl::state& st, json::document& in, json::document& res);
  void conclude(thread& t, const asl::state& st, const flow& f);

  runner& r_;
  const test_request& req_;
  test_result& out_;
  bool debug_;
};

flow state_tester::pass(thread& t, const asl::state& st) {
  json::document in;
  json::parse(t.input, in);
  json::document eff;
  if (auto e = r_.apply_input_path(t, st.input_path, in, eff)) return flow::fail(*e);
  json::document res;
  if (st.parameters) {
    if (auto e = r_.apply_template(t, *st.parameters, eff, res)) return flow::fail(*e);
  } else {
    res.CopyFrom(eff, res.GetAllocator());
  }
  if (st.result) {
    // Result replaces the effective input, which AWS then does not report.
    res.CopyFrom(*st.result, res.GetAllocator());
    record(&test_inspection::result, res);
  } else {
    record(&test_inspection::after_input_path, eff);
    record(&test_inspection::after_parameters, res);
  }
  record(&test_inspection::after_result_selector, res);
  if (st.assign)
    if (auto e = r_.assign(t, *st.assign, res)) return flow::fail(*e);
  json::value moved(res, in.GetAllocator());
  if (auto e = r_.apply_result_path(t, st.result_path, in, std::move(moved))) return flow::fail(*e);
  record(&test_inspection::after_result_path, in);
  std::string out;
  if (auto e = r_.apply_output_path(t, st, in, out)) return flow::fail(*e);
  return r_.exit_state(t, st, out);
}

flow state_tester::finish(thread& t, const asl::state& st, json::document& in,
                          json::document& res) {
  json::document sel;
  if (st.result_selector) {
    if (auto e = r_.apply_template(t, *st.result_selector, res, sel)) return flow::fail(*e);
  } else {
    sel.CopyFrom(res, sel.GetAllocator());
  }
  record(&test_inspection::after_result_selector, sel);
  if (st.assign)
    if (auto e = r_.assign(t, *st.assign, sel)) return flow::fail(*e);
  json::value moved(sel, in.GetAllocator());
  if (auto e = r_.apply_result_path(t, st.result_path, in, std::move(moved))) return flow::fail(*e);
  record(&test_inspection::after_result_path, in);
  std::string out;
  if (auto e = r_.apply_output_path(t, st, in, out)) return flow::fail(*e);
  return r_.exit_state(t, st, out);
}

flow state_tester::task(thread& t, const asl::state& st) {
  if (req_.resolve_credentials && st.type == asl::state_type::task) {
    std::string role = st.credentials_role;
    if (auto f = r_.credentials_role(t, st, role)) return flow::fail(*f);
    out_.call_role = role;
  }
  if (st.type == asl::state_type::parallel && req_.mock && req_.mock->result) {
    json::document res;
    mocked_result(res);
    if (!res.IsArray()) {
      refuse("Mocked result must be an array.");
      return flow::blocked();
    }
    if (res.Size() != st.branches.size()) {
      refuse("Mocked result must contain the same number of items as number of Parallel branches.");
      return flow::blocked();
    }
  }
  if (st.jsonata) {
    std::string eff;
    if (auto e = r_.jsonata_arguments(t, st, eff)) return flow::fail(*e);
    if (debug_ && st.arguments) insp().after_arguments = eff;
    if (mock_error()) return mocked_failure();
    json::document res;
    mocked_result(res);
    record(&test_inspection::result, res);
    return r_.finish_jsonata(t, st, res);
  }
  json::document in;
  json::parse(t.input, in);
  json::document eff;
  if (auto e = r_.apply_input_path(t, st.input_path, in, eff)) return flow::fail(*e);
  record(&test_inspection::after_input_path, eff);
  json::document params;
  if (st.parameters) {
    if (auto e = r_.apply_template(t, *st.parameters, eff, params)) return flow::fail(*e);
  } else {
    params.CopyFrom(eff, params.GetAllocator());
  }
  record(&test_inspection::after_parameters, params);
  if (mock_error()) return mocked_failure();
  json::document res;
  mocked_result(res);
  record(&test_inspection::result, res);
  return finish(t, st, in, res);
}

flow state_tester::map(thread& t, const asl::state& st) {
  json::document in;
  json::parse(t.input, in);
  json::document eff, items;
  int64_t maxc = -1, tol_count = -1;
  double tol_pct = -1;
  if (st.jsonata) {
    eff.CopyFrom(in, eff.GetAllocator());
    if (st.item_reader && req_.map_item_reader_data) {
      json::parse(*req_.map_item_reader_data, items);
    } else if (auto e = r_.jsonata_map_items(t, st, items)) {
      return flow::fail(*e);
    }
    if (auto e = r_.jsonata_map_limits(t, st, maxc, tol_count, tol_pct)) return flow::fail(*e);
  } else {
    if (auto e = r_.apply_input_path(t, st.input_path, in, eff)) return flow::fail(*e);
    if (st.input_path.is_null || (st.input_path.path && !st.input_path.path->is_root()))
      record(&test_inspection::after_input_path, eff);
    if (st.item_reader && req_.map_item_reader_data) {
      json::parse(*req_.map_item_reader_data, items);
    } else {
      if (auto e = r_.apply_input_path(t, st.items_path, eff, items)) return flow::fail(*e);
      if (st.items_path.is_null || (st.items_path.path && !st.items_path.path->is_root()))
        record(&test_inspection::after_items_path, items);
    }
  }
  if (!items.IsArray())
    return flow::fail(r_.runtime(t, "Map state input must be an array but was: " +
                                        (items.IsString() ? std::string(items.GetString())
                                                          : json::dump(items))));
  // ItemSelector, then ItemBatcher, as the iterations would get them.
  if (st.item_batcher) {
    if (auto e = r_.batch_map_items(t, st, eff, items)) return flow::fail(*e);
    record(&test_inspection::after_item_batcher, items);
  } else if ((st.jsonata && st.item_selector) || (!st.jsonata && st.parameters)) {
    json::document selected;
    selected.SetArray();
    auto& a = selected.GetAllocator();
    int64_t index = 0;
    for (auto& item : items.GetArray()) {
      std::string text;
      if (st.jsonata) {
        if (auto e = r_.jsonata_item_selector(t, st, item, index, text)) return flow::fail(*e);
      } else {
        json::document one;
        if (auto e = r_.apply_template(t, *st.parameters, item, one, &item, index))
          return flow::fail(*e);
        text = json::dump(one);
      }
      json::document d;
      json::parse(text, d);
      selected.PushBack(json::value(d, a), a);
      ++index;
    }
    record(&test_inspection::after_item_selector, selected);
  }
  if (maxc < 0) maxc = st.max_concurrency.value_or(0);
  if (auto e = r_.int_field(t, eff, st.max_concurrency_path, "MaxConcurrencyPath", maxc))
    return flow::fail(*e);
  if (tol_count < 0) tol_count = st.tolerated_failure_count.value_or(-1);
  if (auto e = r_.int_field(t, eff, st.tolerated_failure_count_path, "ToleratedFailureCountPath",
                            tol_count))
    return flow::fail(*e);
  if (tol_pct < 0) tol_pct = st.tolerated_failure_percentage.value_or(-1);
  if (st.tolerated_failure_percentage_path) {
    json::value v;
    json::document tmp;
    if (!r_.select(t, *st.tolerated_failure_percentage_path, eff, v, tmp.GetAllocator()) ||
        !v.IsNumber() || v.GetDouble() < 0 || v.GetDouble() > 100)
      return flow::fail(r_.runtime(
          t, "The ToleratedFailurePercentagePath field refers to an invalid value: " +
                 st.tolerated_failure_percentage_path->text()));
    tol_pct = v.GetDouble();
  }
  if (debug_) {
    insp().max_concurrency = maxc;
    if (tol_count >= 0) insp().tolerated_failure_count = tol_count;
    if (tol_pct >= 0) insp().tolerated_failure_percentage = tol_pct;
  }
  if (mock_error()) return mocked_failure();
  // stateConfiguration.mapIterationFailureCount against the thresholds.
  if (req_.map_iteration_failure_count && (tol_count >= 0 || tol_pct >= 0)) {
    t.items = json::dump(items);
    t.item_count = static_cast<int64_t>(items.Size());
    t.failures = *req_.map_iteration_failure_count;
    t.tolerated_count = tol_count;
    t.tolerated_percentage = tol_pct;
    if (r_.map_threshold_exceeded(t, st))
      return flow::fail(failure{"States.ExceedToleratedFailureThreshold",
                                "The specified tolerated failure threshold was exceeded"});
  }
  json::document res;
  mocked_result(res);
  if (st.result_writer ? !res.IsObject() : !res.IsArray()) {
    refuse(st.result_writer ? "Mocked result must be a JSON object."
                            : "Mocked result must be an array.");
    return flow::blocked();
  }
  if (st.jsonata) return r_.finish_jsonata(t, st, res);
  return r_.finish_with_result(t, st, std::move(res), res.GetAllocator());
}

void state_tester::run(int machine, int index) {
  const asl::state& st = r_.def_.machines[machine]->states[index];
  thread& t = r_.new_thread(-1, machine, 0);
  if (req_.variables) t.variables = *req_.variables;
  t.state = index;
  t.ph = phase::idle;
  t.retries.assign(st.retry.size(), 0);
  t.entered_ms = r_.now_;
  t.input = req_.input;
  // As the first state of an execution: ExecutionStarted #1, this state #2.
  t.entered_event = 2;
  t.last_event = 2;
  r_.s_.next_event_id = 3;
  if (debug_) {
    json::document in;
    json::parse(t.input, in);
    record(&test_inspection::input, in);
    // Choice, Wait and Succeed report their InputPath (Fail has none).
    if (!st.jsonata && (st.type == asl::state_type::choice || st.type == asl::state_type::wait ||
                        st.type == asl::state_type::succeed)) {
      json::document eff;
      if (!r_.apply_input_path(t, st.input_path, in, eff))
        record(&test_inspection::after_input_path, eff);
    }
  }
  flow f;
  switch (st.type) {
    case asl::state_type::pass: f = st.jsonata ? r_.execute(t, st) : pass(t, st); break;
    case asl::state_type::task:
    case asl::state_type::parallel: f = task(t, st); break;
    case asl::state_type::map: f = map(t, st); break;
    case asl::state_type::wait:
      f = r_.execute(t, st);
      if (f.kind == flow_kind::blocked && t.ph == phase::wait) {
        r_.cancel_timer(t.timer);  // TestState answers without waiting
        t.ph = phase::idle;
        f = r_.wait_done(t, st);
      }
      break;
    default: f = r_.execute(t, st); break;
  }
  if (out_.refusal) return;
  conclude(t, st, f);
  if (debug_ && !t.variables.empty()) insp().variables = t.variables;
}

void state_tester::conclude(thread& t, const asl::state& st, const flow& f) {
  const asl::machine& m = *r_.def_.machines[t.machine];
  switch (f.kind) {
    case flow_kind::next:
      out_.status = "SUCCEEDED";
      out_.output = f.data;
      out_.next_state = m.states[f.next].name;
      return;
    case flow_kind::end:
      out_.status = "SUCCEEDED";
      out_.output = f.data;
      return;
    case flow_kind::fail: break;
    default:
      out_.status = "FAILED";
      out_.error = "States.Runtime";
      out_.cause = "The state did not finish in one step.";
      return;
  }
  // stateConfiguration.retrierRetryCount: the attempts the matching retrier
  // has made already.
  if (req_.retrier_retry_count)
    for (auto& n : t.retries) n = *req_.retrier_retry_count;
  const std::string& err = f.f.error;
  // The retrier that matches is reported (AWS: also when its attempts are
  // used up, without a back-off), and the catcher that takes the error.
  std::optional<int64_t> retry_index, catch_index;
  bool retries_left = false;
  if (err != "States.Runtime") {
    for (size_t i = 0; i < st.retry.size(); ++i) {
      if (!runner::matches(st.retry[i].error_equals, err)) continue;
      retry_index = static_cast<int64_t>(i);
      retries_left = t.retries[i] < st.retry[i].max_attempts;
      break;  // the first retrier that matches decides, attempts left or not
    }
    if (!retries_left)
      for (size_t i = 0; i < st.catchers.size(); ++i)
        if (runner::matches(st.catchers[i].error_equals, err)) {
          catch_index = static_cast<int64_t>(i);
          break;
        }
  }
  flow g = r_.handle_error(t, f);
  const flow& shown = g.kind == flow_kind::fail ? g : f;
  if (shown.has_error) out_.error = shown.f.error;
  if (shown.has_cause) out_.cause = shown.f.cause;
  if (g.kind == flow_kind::blocked && t.ph == phase::retry) {
    out_.status = "RETRIABLE";
    int64_t due = r_.now_;
    auto it = r_.s_.timers.find(t.timer);
    if (it != r_.s_.timers.end()) due = it->second.due_ms;
    if (debug_) {
      insp().retry_index = retry_index.value_or(0);
      insp().retry_backoff_seconds = (due - r_.now_) / 1000;
    }
  } else if (g.kind == flow_kind::next) {
    out_.status = "CAUGHT_ERROR";
    out_.output = g.data;
    out_.next_state = m.states[g.next].name;
    if (debug_) {
      insp().catch_index = catch_index.value_or(0);
      insp().retry_index = retry_index;
    }
  } else {
    out_.status = "FAILED";
    if (debug_) insp().retry_index = retry_index;
  }
}

void run_test_state(const asl::definition& def, int machine, int index, const test_request& req,
                    const json::value* context, test_result& out) {
  step_result r;
  r.next = make_execution(
      "arn:aws:states:" + req.region + ":" + req.account + ":express:TestStateMachine:TestState",
      "arn:aws:states:" + req.region + ":" + req.account + ":stateMachine:TestStateMachine",
      "TestStateMachine", "TestState", req.role_arn, req.input, req.now_ms, req.seed);
  limits lim;
  lim.record_history = false;
  runner run(def, r, req.now_ms, lim);
  state_tester(run, req, context, out).run(machine, index);
}

}  // namespace sc::interp::detail
