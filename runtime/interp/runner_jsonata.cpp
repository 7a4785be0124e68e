// JSONata states: what replaces InputPath/Parameters/ResultSelector/
// ResultPath/OutputPath when a state's QueryLanguage is JSONata.
//
// Each expression sees `$states` (input: the state's raw input; result:
// the task/branches/iterations' result, in Output and Assign of Task,
// Parallel and Map; errorOutput: {Error, Cause} in a Catcher; context: the
// context object, built only when an expression reads it) and the workflow
// variables it names, with the values from before the state. Time ($now)
// is the step's and randomness ($random, $uuid, $shuffle) comes from the
// execution's generator, so a replayed step evaluates identically.
//
// A failing expression is States.QueryEvaluationError (retriable and
// catchable). AWS records it as an EvaluationFailed event (error, cause,
// location = the field path, state) chained, when the failure happens as the
// state starts, to the event before the state's …StateEntered; a Map or
// Parallel then records its …StateFailed.
#include "runtime/interp/runner.hpp"

#include "runtime/eval/jsonata_template.hpp"
#include "runtime/model/time.hpp"

#include <algorithm>
#include <cmath>

namespace sc::interp::detail {

namespace {

jsonata::value parse_value(const std::string& text) {
  jsonata::value v;
  if (!jsonata::from_json_text(text, v)) v = jsonata::value::null();
  return v;
}

bool integral(const jsonata::value& v) {
  return v.is_number() && std::isfinite(v.as_number()) &&
         v.as_number() == std::floor(v.as_number());
}

}  // namespace

const jsonata::environment& runner::jsonata_env() {
  if (!jenv_) {
    jenv_.emplace();
    jenv_->now_ms = now_;
    jenv_->random_bits = [this] { return random_.next(); };
  }
  return *jenv_;
}

eval::jsonata_scope runner::jsonata_scope_for(thread& t, std::initializer_list<const asl::jsonata_field*> fields,
                                              const json::value* result,
                                              const json::value* error_output,
                                              const json::value* map_item, int64_t map_index) {
  eval::jsonata_scope scope;
  scope.env = &jsonata_env();
  jsonata::value states = jsonata::value::object();
  auto& o = states.mutable_object();
  // The previous JSONata state's output is usually this state's input:
  // take its value instead of parsing the text again.
  if (carried_value_text_ == t.input && !carried_value_.is_undefined())
    o.set("input", carried_value_);
  else
    o.set("input", parse_value(t.input));
  bool context = false;
  std::vector<std::string> names;
  for (const asl::jsonata_field* f : fields) {
    if (!f || !*f) continue;
    context = context || (*f)->reads_context();
    for (const auto& n : (*f)->variables())
      if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  }
  if (result) o.set("result", jsonata::from_json(*result));
  if (error_output) o.set("errorOutput", jsonata::from_json(*error_output));
  if (context) {
    json::document ctx;
    build_context(t, ctx, map_item, map_index);
    o.set("context", jsonata::from_json(ctx));
  }
  scope.bindings.emplace("states", std::move(states));
  if (!names.empty()) {
    if (const json::value* vars = variables(t)) {
      for (const auto& n : names) {
        auto it = vars->FindMember(json::value(rapidjson::StringRef(n.data(), n.size())));
        if (it != vars->MemberEnd()) scope.bindings.emplace(n, jsonata::from_json(it->value));
      }
    }
  }
  return scope;
}

failure runner::query_failed(thread& t, const asl::state& st, failure f,
                             const std::string& location, bool at_entry) {
  if (f.error == "States.QueryEvaluationError" || f.error == "States.Runtime")
    f.cause = runtime_prefix(t) + f.cause;
  details d;
  d.str("error", f.error).str("cause", f.cause);
  if (!location.empty()) d.str("location", location);
  d.str("state", st.name);
  // As recorded on AWS: chained to the event before the …StateEntered when
  // the state fails as it starts.
  int64_t saved = t.last_event;
  if (at_entry && entered_prev_.count(t.id) && entered_prev_[t.id].first == t.entered_event)
    t.last_event = entered_prev_[t.id].second;
  int64_t id = emit(t, "EvaluationFailed", "evaluationFailedEventDetails", d.done());
  if (id == saved) t.last_event = saved;  // not recorded (silent thread)
  if ((st.type == asl::state_type::map || st.type == asl::state_type::parallel) &&
      !will_retry(t, f.error))
    emit(t, st.type == asl::state_type::map ? "MapStateFailed" : "ParallelStateFailed", "", "");
  return f;
}

std::optional<failure> runner::eval_field(thread& t, const asl::state& st,
                                          const asl::jsonata_field& field,
                                          const eval::jsonata_scope& scope, json::value& out,
                                          json::allocator& a, bool at_entry) {
  std::string where;
  if (auto f = field->evaluate(scope, out, a, &where)) return query_failed(t, st, *f, where, at_entry);
  return std::nullopt;
}

std::optional<failure> runner::jsonata_assign(thread& t, const asl::state& st,
                                              const asl::jsonata_field& field,
                                              const eval::jsonata_scope& scope, bool at_entry) {
  json::document values;
  if (auto f = eval_field(t, st, field, scope, values, values.GetAllocator(), at_entry)) return f;
  if (!values.IsObject()) return std::nullopt;
  return store_assigned(t, values);
}

std::optional<failure> runner::jsonata_number(thread& t, const asl::state& st,
                                              const asl::jsonata_field& field,
                                              const eval::jsonata_scope& scope, const char* name,
                                              bool integer, double& out) {
  jsonata::value v;
  std::string where;
  if (auto f = field->evaluate_value(scope, v, &where)) return query_failed(t, st, *f, where, true);
  if (!v.is_number() || (integer && !integral(v)) || v.as_number() < 0)
    return query_failed(t, st,
                        eval::jsonata_unexpected_type(field->expression_text(), name,
                                                      integer ? "integer" : "number", v),
                        name, true);
  out = v.as_number();
  return std::nullopt;
}

// ---- Output and exit ---------------------------------------------------------

flow runner::jsonata_exit(thread& t, const asl::state& st, const asl::jsonata_field& output,
                          const asl::jsonata_field& assign, const json::value* result,
                          const std::string* default_output, bool at_entry) {
  auto scope = jsonata_scope_for(t, {&output, &assign}, result);
  std::string out;
  jsonata::value out_value;
  if (output) {
    std::string where;
    if (auto f = output->evaluate_value(scope, out_value, &where))
      return flow::fail(query_failed(t, st, *f, where, at_entry));
    size_t depth = 0;
    out = jsonata::to_json(out_value, &depth);
    if (depth > json::max_depth) return flow::fail(too_deep(t, "The state's output"));
  } else if (default_output) {
    out = *default_output;
  } else if (result) {
    out = json::dump(*result);
  } else {
    out = t.input;
  }
  if (assign)
    if (auto f = jsonata_assign(t, st, assign, scope, at_entry)) return flow::fail(*f);
  if (!out_value.is_undefined()) {
    carried_value_ = std::move(out_value);
    carried_value_text_ = out;
  }
  return exit_state(t, st, out);
}

flow runner::exec_pass_jsonata(thread& t, const asl::state& st) {
  return jsonata_exit(t, st, st.output, st.assign_jsonata, nullptr, nullptr, true);
}

flow runner::exec_succeed_jsonata(thread& t, const asl::state& st) {
  return jsonata_exit(t, st, st.output, nullptr, nullptr, nullptr, true);
}

flow runner::exec_fail_jsonata(thread& t, const asl::state& st) {
  failure f;
  bool has_error = false, has_cause = false;
  auto scope = jsonata_scope_for(t, {&st.error_expr, &st.cause_expr});
  auto text = [&](const asl::jsonata_field& field, const char* name, std::string& out,
                  bool& has) -> std::optional<failure> {
    jsonata::value v;
    std::string where;
    if (auto e = field->evaluate_value(scope, v, &where)) return query_failed(t, st, *e, where, true);
    if (!v.is_string())
      return query_failed(t, st,
                          eval::jsonata_unexpected_type(field->expression_text(), name, "string", v),
                          name, true);
    out = v.as_string();
    has = true;
    return std::nullopt;
  };
  if (st.error) {
    f.error = *st.error;
    has_error = true;
  } else if (st.error_expr) {
    if (auto e = text(st.error_expr, "Error", f.error, has_error)) return flow::fail(*e);
  }
  if (st.cause) {
    f.cause = *st.cause;
    has_cause = true;
  } else if (st.cause_expr) {
    if (auto e = text(st.cause_expr, "Cause", f.cause, has_cause)) return flow::fail(*e);
  }
  return flow::fail(f, has_error, has_cause);
}

flow runner::exec_choice_jsonata(thread& t, const asl::state& st) {
  std::vector<const asl::jsonata_field*> fields;
  int target = -1;
  const asl::choice_rule* matched = nullptr;
  for (size_t i = 0; i < st.choices.size(); ++i) {
    const auto& rule = st.choices[i];
    if (!rule.condition) continue;
    auto scope = jsonata_scope_for(t, {&rule.condition});
    jsonata::value v;
    std::string where;
    if (auto f = rule.condition->evaluate_value(scope, v, &where))
      return flow::fail(query_failed(t, st, *f, where, true));
    std::string field = "Choices[" + std::to_string(i) + "]/Condition";
    if (!v.is_boolean())
      return flow::fail(query_failed(
          t, st, eval::jsonata_unexpected_type(rule.condition->expression_text(), field, "boolean", v),
          field, true));
    if (v.as_bool()) {
      target = rule.next_index;
      matched = &rule;
      break;
    }
  }
  if (target < 0) target = st.default_index;
  if (target < 0)
    return flow::fail(failure{"States.NoChoiceMatched", "No Matches! at state '" + st.name + "'"});
  const asl::jsonata_field& output = matched ? matched->output : st.output;
  const asl::jsonata_field& assign = matched ? matched->assign_jsonata : st.assign_jsonata;
  auto scope = jsonata_scope_for(t, {&output, &assign});
  std::string out = t.input;
  if (output) {
    json::document o;
    if (auto f = eval_field(t, st, output, scope, o, o.GetAllocator(), true)) return flow::fail(*f);
    out = json::dump(o);
  }
  if (assign)
    if (auto f = jsonata_assign(t, st, assign, scope, true)) return flow::fail(*f);
  details d;
  d.str("name", st.name).payload("output", out);
  emit(t, "ChoiceStateExited", "stateExitedEventDetails", commit_assigned(t, d).done());
  return flow::go(target, out);
}

flow runner::exec_wait_jsonata(thread& t, const asl::state& st) {
  int64_t due = now_;
  if (st.seconds) {
    due = due_after(*st.seconds);
  } else if (st.timestamp) {
    auto ts = model::parse_iso8601(*st.timestamp);
    if (ts) due = *ts;
  } else if (st.seconds_expr) {
    auto scope = jsonata_scope_for(t, {&st.seconds_expr});
    double secs = 0;
    if (auto f = jsonata_number(t, st, st.seconds_expr, scope, "Seconds", true, secs))
      return flow::fail(*f);
    due = due_after(std::min(secs, 99999999.0));
  } else if (st.timestamp_expr) {
    auto scope = jsonata_scope_for(t, {&st.timestamp_expr});
    jsonata::value v;
    std::string where;
    if (auto f = st.timestamp_expr->evaluate_value(scope, v, &where))
      return flow::fail(query_failed(t, st, *f, where, true));
    if (!v.is_string())
      return flow::fail(query_failed(
          t, st, eval::jsonata_unexpected_type(st.timestamp_expr->expression_text(), "Timestamp", "string", v),
          "Timestamp", true));
    auto ts = model::parse_iso8601(v.as_string());
    if (!ts) {
      // Recorded on AWS: this one chains to the WaitStateEntered event.
      return flow::fail(query_failed(
          t, st,
          failure{"States.QueryEvaluationError",
                  "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time "
                  "format string: " + v.as_string()},
          "Timestamp", false));
    }
    due = *ts;
  }
  t.effective = t.input;
  t.ph = phase::wait;
  t.timer = arm_timer(t, timer_kind::wait, due);
  return flow::blocked();
}

flow runner::wait_done_jsonata(thread& t, const asl::state& st) {
  return jsonata_exit(t, st, st.output, st.assign_jsonata, nullptr, nullptr, false);
}

// ---- Task, Parallel and Map ------------------------------------------------

std::optional<failure> runner::jsonata_arguments(thread& t, const asl::state& st,
                                                 std::string& out) {
  if (!st.arguments) {
    out = t.input;
    return std::nullopt;
  }
  auto scope = jsonata_scope_for(t, {&st.arguments});
  json::document a;
  if (auto f = eval_field(t, st, st.arguments, scope, a, a.GetAllocator(), true)) return f;
  out = json::dump(a);
  if (too_deep(out)) return too_deep(t, "The state's effective input");
  return std::nullopt;
}

std::optional<failure> runner::jsonata_task_timeouts(thread& t, const asl::state& st,
                                                     int64_t& timeout, int64_t& heartbeat) {
  auto scope = jsonata_scope_for(t, {&st.timeout_expr, &st.heartbeat_expr});
  if (st.timeout_expr) {
    double v = 0;
    if (auto f = jsonata_number(t, st, st.timeout_expr, scope, "TimeoutSeconds", true, v)) return f;
    timeout = static_cast<int64_t>(std::min(v, 99999999.0));
  }
  if (st.heartbeat_expr) {
    double v = 0;
    if (auto f = jsonata_number(t, st, st.heartbeat_expr, scope, "HeartbeatSeconds", true, v))
      return f;
    heartbeat = static_cast<int64_t>(std::min(v, 99999999.0));
  }
  return std::nullopt;
}

flow runner::finish_jsonata(thread& t, const asl::state& st, const json::value& result) {
  return jsonata_exit(t, st, st.output, st.assign_jsonata, &result, nullptr, false);
}

std::optional<failure> runner::jsonata_map_items(thread& t, const asl::state& st,
                                                 json::document& items) {
  if (!st.items) {
    json::parse(t.input, items);
    if (!items.IsArray())
      return query_failed(t, st,
                          failure{"States.QueryEvaluationError",
                                  "Map state input must be an array but was: " +
                                      (items.IsString() ? std::string(items.GetString())
                                                        : json::dump(items))},
                          "", true);
    return std::nullopt;
  }
  auto scope = jsonata_scope_for(t, {&st.items});
  jsonata::value v;
  std::string where;
  if (auto f = st.items->evaluate_value(scope, v, &where)) return query_failed(t, st, *f, where, true);
  if (!v.is_array())
    return query_failed(t, st,
                        eval::jsonata_unexpected_type(st.items->expression_text(), "Items", "array", v),
                        "Items", true);
  if (!jsonata::to_json(v, items, items.GetAllocator())) return too_deep(t, "The Map's Items");
  return std::nullopt;
}

std::optional<failure> runner::jsonata_map_limits(thread& t, const asl::state& st, int64_t& maxc,
                                                  int64_t& tol_count, double& tol_pct) {
  auto scope = jsonata_scope_for(t, {&st.max_concurrency_expr, &st.tolerated_count_expr,
                                     &st.tolerated_percentage_expr});
  double v = 0;
  if (st.max_concurrency_expr) {
    if (auto f = jsonata_number(t, st, st.max_concurrency_expr, scope, "MaxConcurrency", true, v))
      return f;
    maxc = static_cast<int64_t>(std::min(v, 9.2e18));
  }
  if (st.tolerated_count_expr) {
    if (auto f = jsonata_number(t, st, st.tolerated_count_expr, scope, "ToleratedFailureCount",
                                true, v))
      return f;
    tol_count = static_cast<int64_t>(std::min(v, 9.2e18));
  }
  if (st.tolerated_percentage_expr) {
    if (auto f = jsonata_number(t, st, st.tolerated_percentage_expr, scope,
                                "ToleratedFailurePercentage", false, v))
      return f;
    if (v > 100)
      return query_failed(t, st,
                          failure{"States.QueryEvaluationError",
                                  "ToleratedFailurePercentage must be between 0 and 100."},
                          "ToleratedFailurePercentage", true);
    tol_pct = v;
  }
  return std::nullopt;
}

std::optional<failure> runner::jsonata_item_selector(thread& m, const asl::state& st,
                                                     const json::value& item, int64_t index,
                                                     std::string& out) {
  auto scope = jsonata_scope_for(m, {&st.item_selector}, nullptr, nullptr, &item, index);
  json::document sel;
  std::string where;
  if (auto f = st.item_selector->evaluate(scope, sel, sel.GetAllocator(), &where))
    return query_failed(m, st, *f, where, false);
  out = json::dump(sel);
  return std::nullopt;
}

// ---- Catch -------------------------------------------------------------------

flow runner::catch_jsonata(thread& t, const asl::state& st, const asl::catcher& c,
                           const json::value& error_output) {
  auto scope = jsonata_scope_for(t, {&c.output, &c.assign_jsonata}, nullptr, &error_output);
  std::string out;
  if (c.output) {
    json::document o;
    if (auto f = eval_field(t, st, c.output, scope, o, o.GetAllocator(), false))
      return flow::fail(*f);
    out = json::dump(o);
  } else {
    out = json::dump(error_output);
  }
  if (c.assign_jsonata)
    if (auto f = jsonata_assign(t, st, c.assign_jsonata, scope, false)) return flow::fail(*f);
  if (too_deep(out)) return flow::fail(too_deep(t, "The state's output"));
  details d;
  d.str("name", st.name).payload("output", out);
  emit(t, exited_type(st.type), "stateExitedEventDetails", commit_assigned(t, d).done());
  return flow::go(c.next_index, out);
}

}  // namespace sc::interp::detail
