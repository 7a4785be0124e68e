// StartExecution, StartSyncExecution, StopExecution, DescribeExecution,
// ListExecutions, GetExecutionHistory.
#include "api/actions/configuration.hpp"
#include "api/actions/quotas.hpp"
#include "api/auth.hpp"
#include "api/actions/map_runs.hpp"
#include "api/actions/qualified.hpp"
#include "api/actions/redrive.hpp"
#include "runtime/model/arn.hpp"

namespace sc::api {

namespace {

constexpr size_t max_payload = 262144;

struct start_params {
  cluster::state_machine_record machine;
  std::string name, input, trace_header;
  std::string version_arn, alias_arn;
  std::string test_case;  ///< `<stateMachineArn>#<test case>` (mock file)
};

bool ascii_only(std::string_view s) {
  for (unsigned char ch : s)
    if (ch >= 0x80) return false;
  return true;
}

start_params read_start(context& c) {
  start_params p;
  auto arn = c.m.required_str("stateMachineArn", 1, 256);
  // Step Functions Local's mock test cases: `<stateMachineArn>#<test case>`
  // runs the machine with the test case of the node's mock file.
  std::string test_case;
  if (auto hash = arn.find('#'); hash != std::string::npos) {
    test_case = arn.substr(hash + 1);
    arn.resize(hash);
  }
  auto name = c.m.str("name", 1, 80);
  auto input = c.m.str("input", 0, max_payload);
  auto trace = c.m.patterned("traceHeader", 0, 256, ascii_only, "\\p{ASCII}*");
  c.m.str("includedData");
  auto ref = parse_machine_ref(arn);
  if (name) require_name(*name);
  p.input = input.value_or("{}");
  std::string err;
  json::document d;
  if (!json::parse(p.input, d, &err))
    throw aws_error("InvalidExecutionInput",
                    "Invalid State Machine Execution Input: '" + err + "'");
  if (!ref.qualifier.empty()) {
    // A version ARN, or an alias that picks one: the execution runs the
    // version's frozen record and belongs to the unqualified machine.
    auto t = resolve_start_target(c, ref);
    p.version_arn = t.version.arn;
    p.alias_arn = t.alias_arn;
    p.machine = std::move(t.version);
    p.machine.arn = ref.machine_arn;
  } else {
    auto m = c.node.machine_for_start(arn);
    if (!m) throw aws_error("StateMachineDoesNotExist", "State Machine Does Not Exist: '" + arn + "'");
    if (m->status == "DELETING")
      throw aws_error("StateMachineDeleting", "State machine is being deleted: '" + arn + "'");
    p.machine = *m;
  }
  // No name: the node picks one (on a shard it owns: actors/placement.cpp).
  if (name) p.name = *name;
  p.trace_header = trace.value_or("");
  if (!test_case.empty() && !c.node.has_mock_test_case(p.machine.name, test_case))
    throw aws_error("ValidationException",
                    "The mock configuration has no test case '" + test_case +
                        "' for the state machine '" + p.machine.name + "'");
  p.test_case = std::move(test_case);
  return p;
}

/// A payload and its details; with includedData METADATA_ONLY only the
/// details, saying it was left out.
void write_payload(out& o, const char* key, const char* details_key, const std::string& v,
                   bool include = true) {
  if (include) o.str(key, v);
  o.key(details_key).writer().StartObject();
  o.writer().Key("included");
  o.writer().Bool(include);
  o.writer().EndObject();
}

}  // namespace

void start_execution(context& c) {
  auto p = read_start(c);
  // AWS's StartExecution rate: Standard and Express machines have their own.
  if (c.gatekeeper &&
      !c.gatekeeper->admit_start(c.account, c.region, p.machine.type == "EXPRESS"))
    throw aws_error("ThrottlingException", "Rate exceeded");
  if (p.machine.type != "EXPRESS") {
    std::string retry_of;
    if (!p.name.empty())
      if (auto a = model::parse_arn(p.machine.arn))
        retry_of = model::execution_arn(a->region, a->account, p.machine.name, p.name);
    check_open_execution_quota(c, retry_of);
  }
  auto def = c.node.definition_for(p.machine);
  if (!def) throw aws_error("InvalidDefinition", "The state machine definition is not valid");
  actors::start_request req{p.machine,      def,           p.name,        p.input, false,
                            p.trace_header, p.version_arn, p.alias_arn, p.test_case};
  auto done = c.done;
  c.node.start_execution(std::move(req), [done](actors::start_reply r) {
    if (r.error) return send_error(done, *r.error);
    done(response{200,
                  out().str("executionArn", r.execution_arn).time("startDate", r.start_ms).done(),
                  {}});
  });
}

void start_sync_execution(context& c) {
  bool all_data = read_included_data(c.m);
  auto p = read_start(c);
  if (p.machine.type != "EXPRESS")
    throw aws_error("StateMachineTypeNotSupported",
                    "This operation is not supported by this type of state machine");
  auto def = c.node.definition_for(p.machine);
  if (!def) throw aws_error("InvalidDefinition", "The state machine definition is not valid");
  actors::start_request req{p.machine,      def,           p.name,        p.input, true,
                            p.trace_header, p.version_arn, p.alias_arn, p.test_case};
  auto done = c.done;
  c.node.start_execution(std::move(req), [done, all_data](actors::start_reply r) {
    if (r.error) return send_error(done, *r.error);
    const auto& e = r.result;
    out o;
    o.str("executionArn", e.arn)
        .str("stateMachineArn", e.machine_arn)
        .str("name", e.name)
        .time("startDate", e.start_ms)
        .time("stopDate", e.stop_ms)
        .str("status", e.status);
    if (e.has_error) o.str("error", e.error);
    if (e.has_cause) o.str("cause", e.cause);
    write_payload(o, "input", "inputDetails", e.input, all_data);
    if (e.has_output) write_payload(o, "output", "outputDetails", e.output, all_data);
    if (!e.trace_header.empty()) o.str("traceHeader", e.trace_header);
    o.key("billingDetails").writer().StartObject();
    o.writer().Key("billedMemoryUsedInMB");
    o.writer().Int64(64);
    o.writer().Key("billedDurationInMilliseconds");
    o.writer().Int64(std::max<int64_t>(100, (e.stop_ms - e.start_ms + 99) / 100 * 100));
    o.writer().EndObject();
    done(response{200, o.done(), {}});
  });
}

void stop_execution(context& c) {
  auto arn = c.m.required_str("executionArn", 1, 256);
  auto error = c.m.str("error", 0, 256);
  auto cause = c.m.str("cause", 0, 32768);
  require_arn(arn, model::arn_kind::execution);
  auto rec = c.store.get_execution_record(arn);
  if (!rec) throw aws_error("ExecutionDoesNotExist", "Execution Does Not Exist: '" + arn + "'");
  if (!rec->map_run_arn.empty()) return stop_child_execution(c, *rec, error, cause);
  auto done = c.done;
  c.node.stop_execution(arn, error.value_or(""), cause.value_or(""), error.has_value(),
                        cause.has_value(),
                        [done](std::optional<actors::api_error> err, int64_t stop_ms) {
                          if (err) return send_error(done, *err);
                          done(response{200, out().time("stopDate", stop_ms).done(), {}});
                        });
}

void describe_execution(context& c) {
  auto arn = c.m.required_str("executionArn", 1, 256);
  bool all_data = read_included_data(c.m);
  // AWS describes the Express children of a Map Run (not other Express
  // executions).
  if (!(is_map_run_resource(arn) && model::parse_arn(arn) &&
        model::parse_arn(arn)->kind == model::arn_kind::express_execution))
    require_arn(arn, model::arn_kind::execution);
  auto e = c.store.get_execution_record(arn);
  if (!e) throw aws_error("ExecutionDoesNotExist", "Execution Does Not Exist: '" + arn + "'");
  out o;
  o.str("executionArn", e->arn)
      .str("stateMachineArn", e->machine_arn)
      .str("name", e->name)
      .str("status", e->status)
      .time("startDate", e->start_ms);
  if (!e->version_arn.empty()) o.str("stateMachineVersionArn", e->version_arn);
  if (!e->alias_arn.empty()) o.str("stateMachineAliasArn", e->alias_arn);
  if (e->status != "RUNNING") o.time("stopDate", e->stop_ms);
  write_payload(o, "input", "inputDetails", e->input, all_data);
  if (e->has_output) write_payload(o, "output", "outputDetails", e->output, all_data);
  if (e->has_error) o.str("error", e->error);
  if (e->has_cause) o.str("cause", e->cause);
  if (!e->trace_header.empty()) o.str("traceHeader", e->trace_header);
  if (!e->map_run_arn.empty()) o.str("mapRunArn", e->map_run_arn);
  write_redrive_fields(o, c, *e);  // redrive.cpp
  c.ok(o.done());
}

void write_execution_item(rapidjson::Writer<rapidjson::StringBuffer>& w,
                          const cluster::execution_record& e) {
  w.StartObject();
  w.Key("executionArn");
  w.String(e.arn.c_str());
  w.Key("stateMachineArn");
  w.String(e.machine_arn.c_str());
  if (!e.version_arn.empty()) {
    w.Key("stateMachineVersionArn");
    w.String(e.version_arn.c_str());
  }
  if (!e.alias_arn.empty()) {
    w.Key("stateMachineAliasArn");
    w.String(e.alias_arn.c_str());
  }
  w.Key("name");
  w.String(e.name.c_str());
  w.Key("status");
  w.String(e.status.c_str());
  w.Key("startDate");
  auto t = out::epoch_text(e.start_ms);
  w.RawValue(t.c_str(), t.size(), rapidjson::kNumberType);
  if (e.status != "RUNNING") {
    w.Key("stopDate");
    auto s = out::epoch_text(e.stop_ms);
    w.RawValue(s.c_str(), s.size(), rapidjson::kNumberType);
  }
  w.Key("redriveCount");
  w.Int64(e.redrive_count);
  if (e.redrive_count > 0) {
    w.Key("redriveDate");
    auto r = out::epoch_text(e.redrive_ms);
    w.RawValue(r.c_str(), r.size(), rapidjson::kNumberType);
  }
  if (!e.map_run_arn.empty()) {  // listed by mapRunArn (a Map Run's children)
    w.Key("mapRunArn");
    w.String(e.map_run_arn.c_str());
  }
  w.EndObject();
}

void list_executions(context& c) {
  auto arn = c.m.str("stateMachineArn", 1, 256);
  auto status = c.m.str("statusFilter");
  auto map_run = c.m.str("mapRunArn", 1, 2000);
  auto redrive_filter = c.m.enumeration("redriveFilter", {"REDRIVEN", "NOT_REDRIVEN"});
  size_t limit = page_size(c.m);
  if (!arn && !map_run)
    throw aws_error("ValidationException", "Must provide a StateMachine ARN or MapRun ARN");
  if (status && *status != "RUNNING" && *status != "SUCCEEDED" && *status != "FAILED" &&
      *status != "TIMED_OUT" && *status != "ABORTED" && *status != "PENDING_REDRIVE")
    validation_error("'" + *status + "'", "statusFilter",
                     "Member must satisfy enum value set: [SUCCEEDED, TIMED_OUT, FAILED, "
                     "PENDING_REDRIVE, ABORTED, RUNNING]");
  if (arn && map_run)
    throw aws_error("ValidationException",
                    "Only one of StateMachine ARN or MapRun ARN can be provided");
  if (map_run) return list_map_run_executions(c, *map_run, status, limit);
  if (status && *status == "PENDING_REDRIVE")
    throw aws_error("ValidationException",
                    "PENDING_REDRIVE statusFilter is only supported with a MapRun ARN");
  auto ref = parse_machine_ref(*arn);
  std::string after;
  if (auto tok = c.m.str("nextToken", 1, 3096)) after = decode_page_token(c.node.tokens(), "exec", *tok);
  std::optional<cluster::state_machine_record> m;
  if (ref.version()) m = c.store.get_version(*arn);
  else if (ref.alias()) {
    if (c.store.get_alias(*arn)) m = c.store.get_state_machine(ref.machine_arn);
  } else {
    m = c.store.get_state_machine(*arn);
  }
  if (!m) throw aws_error("StateMachineDoesNotExist", "State Machine Does Not Exist: '" + *arn + "'");
  if (m->type == "EXPRESS")
    throw aws_error("StateMachineTypeNotSupported",
                    "This operation is not supported by this type of state machine");
  // A version or alias ARN lists the executions started through it: pages
  // of the machine's executions, filtered, until this page is full.
  cluster::page<cluster::execution_record> page;
  // (redriveFilter too.)
  auto wanted = [&](const cluster::execution_record& e) {
    if (redrive_filter && (e.redrive_count > 0) != (*redrive_filter == "REDRIVEN")) return false;
    return ref.qualifier.empty() || (ref.version() ? e.version_arn : e.alias_arn) == *arn;
  };
  if (ref.qualifier.empty() && !redrive_filter) {
    page = c.store.list_executions(*arn, status.value_or(""), after, limit);
  } else {
    std::string from = after;
    for (;;) {
      auto part = c.store.list_executions(ref.machine_arn, status.value_or(""), from,
                                          limit - page.items.size());
      for (auto& e : part.items)
        if (wanted(e)) page.items.push_back(std::move(e));
      page.next = part.next;
      if (part.next.empty() || page.items.size() == limit) break;
      from = part.next;
    }
  }
  out o;
  auto& w = o.key("executions").writer();
  w.StartArray();
  for (auto& e : page.items) write_execution_item(w, e);
  w.EndArray();
  if (!page.next.empty()) o.str("nextToken", encode_page_token(c.node.tokens(), "exec", page.next));
  c.ok(o.done());
}

void get_execution_history(context& c) {
  auto arn = c.m.required_str("executionArn", 1, 256);
  size_t limit = page_size(c.m);
  bool reverse = c.m.boolean("reverseOrder").value_or(false);
  bool include = c.m.boolean("includeExecutionData").value_or(true);
  auto token = c.m.str("nextToken", 1, 1024);
  require_arn(arn, model::arn_kind::execution);
  if (!c.store.get_execution_record(arn))
    throw aws_error("ExecutionDoesNotExist", "Execution Does Not Exist: '" + arn + "'");
  int64_t from = reverse ? 0 : 1;
  if (token) {
    auto key = decode_page_token(c.node.tokens(), reverse ? "hist-r" : "hist", *token);
    auto bar = key.rfind('|');
    if (bar == std::string::npos || key.substr(0, bar) != arn)
      throw aws_error("InvalidToken", "Invalid Token: 'Invalid pagination token'");
    try {
      from = std::stoll(key.substr(bar + 1));
    } catch (...) {
      throw aws_error("InvalidToken", "Invalid Token: 'Invalid pagination token'");
    }
  }
  auto events = c.store.get_history(arn, from, limit + 1, reverse);
  bool more = events.size() > limit;
  if (more) events.resize(limit);
  out o;
  auto& w = o.key("events").writer();
  w.StartArray();
  for (auto& e : events) {
    w.StartObject();
    w.Key("timestamp");
    auto t = out::epoch_text(e.timestamp_ms);
    w.RawValue(t.c_str(), t.size(), rapidjson::kNumberType);
    w.Key("type");
    w.String(e.type.c_str());
    w.Key("id");
    w.Int64(e.id);
    w.Key("previousEventId");
    w.Int64(e.previous_id);
    if (!e.details_key.empty()) {
      w.Key(e.details_key.c_str());
      auto text = model::render_details(e, include);
      w.RawValue(text.c_str(), text.size(), rapidjson::kObjectType);
    }
    w.EndObject();
  }
  w.EndArray();
  if (more) {
    int64_t next = reverse ? events.back().id - 1 : events.back().id + 1;
    o.str("nextToken", encode_page_token(c.node.tokens(), reverse ? "hist-r" : "hist",
                                         arn + "|" + std::to_string(next)));
  }
  c.ok(o.done());
}

}  // namespace sc::api
