// Input and output processing (InputPath, Parameters, ResultSelector,
// ResultPath, OutputPath), the context object $$, and runtime-failure text.
#include "runtime/interp/runner.hpp"

#include "runtime/eval/intrinsics.hpp"
#include "runtime/model/time.hpp"

#include <cstdio>

namespace sc::interp::detail {

namespace {

/// TestState's context: its members replace the generated ones, objects
/// member by member.
void merge_context(json::value& into, const json::value& from, json::allocator& a) {
  if (!into.IsObject() || !from.IsObject()) {
    into.CopyFrom(from, a);
    return;
  }
  for (auto& m : from.GetObject()) {
    auto it = into.FindMember(m.name);
    if (it == into.MemberEnd())
      into.AddMember(json::value(m.name, a), json::value(m.value, a), a);
    else
      merge_context(it->value, m.value, a);
  }
}

}  // namespace

void runner::build_context(const thread& t, json::document& ctx, const json::value* map_item,
                           int64_t map_index) {
  auto& a = ctx.GetAllocator();
  ctx.SetObject();
  if (!def_.uses_context) return;  // nothing can read it
  // Inside a Distributed Map iteration, the execution is the child
  // execution (state_map_run.cpp) and the machine its labelled machine.
  const thread* child = &t;
  while (child && child->child_arn.empty()) {
    auto it = child->parent >= 0 ? s_.threads.find(child->parent) : s_.threads.end();
    child = it == s_.threads.end() ? nullptr : &it->second;
  }
  json::value exec(rapidjson::kObjectType);
  if (child) {
    const std::string& arn = child->child_arn;
    auto slash = arn.find('/');
    auto colon = arn.find(':', slash);
    std::string machine = labelled_machine_arn(s_.threads.at(child->parent).map_run_arn);
    json::document in;
    json::parse(child->child_input.empty() ? std::string("null") : child->child_input, in);
    exec.AddMember("Id", json::value(arn.c_str(), a), a);
    exec.AddMember("Input", json::value(in, a), a);
    exec.AddMember("StartTime",
                   json::value(model::format_iso8601(child->child_start_ms).c_str(), a), a);
    exec.AddMember("Name", json::value(arn.substr(colon + 1, 36).c_str(), a), a);
    exec.AddMember("RoleArn", json::value(s_.role_arn.c_str(), a), a);
    exec.AddMember("RedriveCount", child->child_redrives, a);
    if (child->child_redrives > 0)
      exec.AddMember("RedriveTime", json::value(model::format_iso8601(s_.redrive_ms).c_str(), a), a);
    ctx.AddMember("Execution", exec, a);
    json::value sm(rapidjson::kObjectType);
    sm.AddMember("Id", json::value(machine.c_str(), a), a);
    sm.AddMember("Name", json::value(machine.substr(machine.rfind(':') + 1).c_str(), a), a);
    ctx.AddMember("StateMachine", sm, a);
  } else {
    exec.AddMember("Id", json::value(s_.execution_arn.c_str(), a), a);
    if (!exec_input_parsed_) {
      json::parse(s_.input, exec_input_);
      exec_input_parsed_ = true;
    }
    exec.AddMember("Input", json::value(exec_input_, a), a);
    exec.AddMember("StartTime", json::value(model::format_iso8601(s_.start_ms).c_str(), a), a);
    exec.AddMember("Name", json::value(s_.name.c_str(), a), a);
    exec.AddMember("RoleArn", json::value(s_.role_arn.c_str(), a), a);
    exec.AddMember("RedriveCount", s_.redrive_count, a);
    if (s_.redrive_count > 0)
      exec.AddMember("RedriveTime", json::value(model::format_iso8601(s_.redrive_ms).c_str(), a), a);
    ctx.AddMember("Execution", exec, a);
    json::value sm(rapidjson::kObjectType);
    sm.AddMember("Id", json::value(s_.state_machine_arn.c_str(), a), a);
    sm.AddMember("Name", json::value(s_.state_machine_name.c_str(), a), a);
    ctx.AddMember("StateMachine", sm, a);
  }
  if (t.state >= 0) {
    json::value st(rapidjson::kObjectType);
    st.AddMember("EnteredTime", json::value(model::format_iso8601(t.entered_ms).c_str(), a), a);
    st.AddMember("Name", json::value(state_of(t).name.c_str(), a), a);
    int64_t retries = 0;
    for (auto n : t.retries) retries += n;
    st.AddMember("RetryCount", retries, a);
    ctx.AddMember("State", st, a);
  }
  if (!context_token_.empty()) {
    json::value task(rapidjson::kObjectType);
    task.AddMember("Token", json::value(context_token_.c_str(), a), a);
    ctx.AddMember("Task", task, a);
  }
  if (map_item) {
    json::value item(rapidjson::kObjectType);
    item.AddMember("Index", map_index, a);
    item.AddMember("Value", json::value(*map_item, a), a);
    json::value m(rapidjson::kObjectType);
    m.AddMember("Item", item, a);
    ctx.AddMember("Map", m, a);
  }
  if (context_override_) merge_context(ctx, *context_override_, a);
}

std::string runner::uuid() {
  uint64_t a = random_.next(), b = random_.next();
  a = (a & 0xFFFFFFFFFFFF0FFFull) | 0x4000ull;
  b = (b & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", unsigned(a >> 32),
                unsigned((a >> 16) & 0xFFFF), unsigned(a & 0xFFFF), unsigned(b >> 48),
                static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFull));
  return buf;
}

std::string runner::runtime_prefix(const thread& t) const {
  return "An error occurred while executing the state '" + state_of(t).name +
         "' (entered at the event id #" + std::to_string(t.entered_event) + "). ";
}

failure runner::runtime(const thread& t, std::string msg) const {
  return failure{"States.Runtime", runtime_prefix(t) + msg};
}

failure runner::too_deep(const thread& t, const char* what) const {
  return runtime(t, std::string(what) + " nests JSON arrays and objects deeper than the maximum of " +
                        std::to_string(json::max_depth) + " levels.");
}

failure runner::decorate(const thread& t, failure f) const {
  if (f.error == "States.Runtime") f.cause = runtime_prefix(t) + f.cause;
  return f;
}

std::optional<failure> runner::apply_input_path(const thread& t, const asl::path_field& pf,
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
  } else if (pf.path->is_variable()) {
    root = eval::intrinsic::root_of(*pf.path, in, ctx, variables(t));
  }
  json::value sel;
  eval::maybe_failure too_large;
  if (!root || !pf.path->select(*root, sel, a, &too_large)) {
    if (too_large) return too_large;
    return runtime(t, "Invalid path '" + pf.path->text() + "' : No results for path: " +
                          pf.path->canonical());
  }
  out.CopyFrom(sel, a);
  return std::nullopt;
}

std::optional<failure> runner::apply_template(const thread& t, const eval::payload_template& tpl,
                                              const json::value& in, json::document& out,
                                              const json::value* map_item,
                                              int64_t map_index) {
  json::document ctx;
  build_context(t, ctx, map_item, map_index);
  json::value v;
  const json::value* vars = variables(t);
  json::value none(rapidjson::kObjectType);
  if (auto f = tpl.evaluate(in, ctx, vars ? *vars : none, v, out.GetAllocator(), random_))
    return decorate(t, *f);
  static_cast<json::value&>(out) = std::move(v);
  return std::nullopt;
}

std::optional<failure> runner::apply_result_path(const thread& t, const asl::path_field& pf,
                                                 json::document& raw, json::value&& result) {
  if (pf.is_null) return std::nullopt;  // discard result, keep input
  if (!pf.path || pf.path->is_root()) {
    static_cast<json::value&>(raw) = std::move(result);
    return std::nullopt;
  }
  // Every step of the path is one more level around the result: a longer
  // path could only build a value too deep to pass on (and to walk).
  if (pf.path->length() > json::max_depth) return too_deep(t, "The ResultPath");
  if (auto f = pf.path->assign(raw, std::move(result), raw.GetAllocator())) return *f;
  return std::nullopt;
}

std::optional<failure> runner::apply_output_path(const thread& t, const asl::state& st,
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

std::optional<failure> runner::apply_output_path(const thread& t, const asl::state& st,
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

std::optional<failure> runner::effective_input(thread& t, const asl::state& st,
                                               std::string& out) {
  if (st.jsonata) return jsonata_arguments(t, st, out);
  json::document in;
  json::parse(t.input, in);
  json::document eff;
  if (auto f = apply_input_path(t, st.input_path, in, eff)) return f;
  if (st.parameters && st.type != asl::state_type::map) {
    json::document p;
    if (auto f = apply_template(t, *st.parameters, eff, p)) return f;
    out = json::dump(p);
    if (too_deep(out)) return too_deep(t, "The state's effective input");
  } else {
    out = json::dump(eff);
  }
  return std::nullopt;
}

flow runner::finish_with_result(thread& t, const asl::state& st, json::value&& result,
                                json::allocator& ra) {
  if (st.jsonata) return finish_jsonata(t, st, result);
  json::document selected;
  json::value res(std::move(result), ra);
  if (st.result_selector) {
    json::document rs;
    if (auto f = apply_template(t, *st.result_selector, res, rs)) return flow::fail(*f);
    static_cast<json::value&>(selected) = json::value(rs, selected.GetAllocator());
  } else {
    static_cast<json::value&>(selected) = json::value(res, selected.GetAllocator());
  }
  if (st.assign)
    if (auto f = assign(t, *st.assign, selected)) return flow::fail(*f);
  json::document raw;
  json::parse(t.input, raw);
  json::value moved(selected, raw.GetAllocator());
  if (auto f = apply_result_path(t, st.result_path, raw, std::move(moved))) return flow::fail(*f);
  std::string after = json::dump(raw);
  std::string out;
  if (auto f = apply_output_path(t, st, after, out)) return flow::fail(*f);
  return exit_state(t, st, out);
}

}  // namespace sc::interp::detail
