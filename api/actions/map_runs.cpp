// DescribeMapRun, ListMapRuns, UpdateMapRun, and the Map Run sides of
// ListExecutions (mapRunArn) and DescribeStateMachineForExecution (child
// executions). Map Runs and children are written by their parent
// execution's saves (runtime/interp/map_run.hpp); these only read, except
// UpdateMapRun, which is routed to the parent like StopExecution.
#include "api/actions/map_runs.hpp"

#include "runtime/interp/map_run.hpp"

namespace sc::api {

namespace {

[[noreturn]] void not_found(const std::string& arn) {
  throw aws_error("ResourceNotFound", "Resource not found: '" + arn + "'");
}

/// A Map Run ARN: arn:<partition>:states:<region>:<account>:mapRun:<machine>/<label>:<id>.
void require_map_run_arn(const std::string& arn) {
  auto pos = arn.find(":mapRun:");
  bool ok = arn.rfind("arn:", 0) == 0 && pos != std::string::npos &&
            arn.find('/', pos) != std::string::npos &&
            std::count(arn.begin(), arn.end(), ':') == 7;
  if (!ok) throw aws_error("InvalidArn", "Invalid Arn: '" + arn + "'");
}

void write_counts(out& o, const char* key, const interp::map_run_counts& c) {
  auto& w = o.key(key).writer();
  w.StartObject();
  const std::pair<const char*, int64_t> fields[] = {
      {"pending", c.pending},     {"running", c.running},
      {"succeeded", c.succeeded}, {"failed", c.failed},
      {"timedOut", c.timed_out},  {"aborted", c.aborted},
      {"total", c.total},         {"resultsWritten", c.results_written},
      {"failuresNotRedrivable", c.failures_not_redrivable},
      {"pendingRedrive", c.pending_redrive}};
  for (auto& [k, v] : fields) {
    w.Key(k);
    w.Int64(v);
  }
  w.EndObject();
}

}  // namespace

bool is_map_run_resource(const std::string& arn) {
  return interp::embedded_placement(arn).has_value();
}

void describe_map_run(context& c) {
  auto arn = c.m.required_str("mapRunArn", 1, 2000);
  require_map_run_arn(arn);
  auto r = c.store.get_map_run(arn);
  if (!r) not_found(arn);
  out o;
  o.str("mapRunArn", r->arn)
      .str("executionArn", r->execution_arn)
      .str("status", r->status)
      .time("startDate", r->start_ms);
  if (r->status != "RUNNING") o.time("stopDate", r->stop_ms);
  o.num("maxConcurrency", r->max_concurrency);
  o.key("toleratedFailurePercentage").writer().Double(r->tolerated_percentage);
  o.num("toleratedFailureCount", r->tolerated_count);
  write_counts(o, "itemCounts", r->items);
  write_counts(o, "executionCounts", r->executions);
  o.num("redriveCount", r->redrive_count);
  if (r->redrive_ms) o.time("redriveDate", r->redrive_ms);
  c.ok(o.done());
}

void list_map_runs(context& c) {
  auto arn = c.m.required_str("executionArn", 1, 256);
  size_t limit = page_size(c.m);
  auto token = c.m.str("nextToken", 1, 1024);
  require_arn(arn, model::arn_kind::execution);
  if (!c.store.get_execution_record(arn))
    throw aws_error("ExecutionDoesNotExist", "Execution Does Not Exist: '" + arn + "'");
  std::string after;
  if (token) {
    auto key = decode_page_token(c.node.tokens(), "mapruns", *token);
    auto bar = key.find('|');
    if (bar == std::string::npos || key.substr(0, bar) != arn)
      throw aws_error("InvalidToken", "Invalid Token: 'Invalid pagination token'");
    after = key.substr(bar + 1);
  }
  auto page = c.store.list_map_runs(arn, after, limit);
  out o;
  auto& w = o.key("mapRuns").writer();
  w.StartArray();
  for (auto& r : page.items) {
    w.StartObject();
    w.Key("executionArn");
    w.String(r.execution_arn.c_str());
    w.Key("mapRunArn");
    w.String(r.arn.c_str());
    w.Key("stateMachineArn");
    w.String(r.machine_arn.c_str());
    w.Key("startDate");
    auto t = out::epoch_text(r.start_ms);
    w.RawValue(t.c_str(), t.size(), rapidjson::kNumberType);
    if (r.status != "RUNNING") {
      w.Key("stopDate");
      auto s = out::epoch_text(r.stop_ms);
      w.RawValue(s.c_str(), s.size(), rapidjson::kNumberType);
    }
    w.EndObject();
  }
  w.EndArray();
  if (!page.next.empty())
    o.str("nextToken", encode_page_token(c.node.tokens(), "mapruns", arn + "|" + page.next));
  c.ok(o.done());
}

void update_map_run(context& c) {
  auto arn = c.m.required_str("mapRunArn", 1, 2000);
  auto maxc = c.m.integer("maxConcurrency");
  auto count = c.m.integer("toleratedFailureCount");
  std::optional<double> pct;
  if (c.body.IsObject()) {
    auto it = c.body.FindMember("toleratedFailurePercentage");
    if (it != c.body.MemberEnd() && !it->value.IsNull()) {
      if (!it->value.IsNumber())
        throw aws_error("SerializationException",
                        std::string("Expected a number for member 'toleratedFailurePercentage' "
                                    "but found ") + json::type_name(it->value));
      pct = it->value.GetDouble();
    }
  }
  if (maxc && *maxc < 0)
    validation_error("'" + std::to_string(*maxc) + "'", "maxConcurrency",
                     "Member must have value greater than or equal to 0");
  if (count && *count < 0)
    validation_error("'" + std::to_string(*count) + "'", "toleratedFailureCount",
                     "Member must have value greater than or equal to 0");
  if (pct && (*pct < 0 || *pct > 100)) {
    std::string shown = json::dump(c.body["toleratedFailurePercentage"]);
    validation_error("'" + shown + "'", "toleratedFailurePercentage",
                     *pct < 0 ? "Member must have value greater than or equal to 0"
                              : "Member must have value less than or equal to 100");
  }
  require_map_run_arn(arn);
  auto r = c.store.get_map_run(arn);
  if (!r) not_found(arn);
  if (r->status != "RUNNING")
    throw aws_error("ValidationException",
                    "Map Run is not in RUNNING state: '" + arn + "'");
  auto done = c.done;
  c.node.update_map_run(r->execution_arn, arn, maxc.value_or(-1), count.value_or(-1),
                        pct.value_or(-1), [done](std::optional<actors::api_error> err) {
                          if (err) return send_error(done, *err);
                          done(response{200, "{}", {}});
                        });
}

void list_map_run_executions(context& c, const std::string& map_run_arn,
                             const std::optional<std::string>& status, size_t limit) {
  require_map_run_arn(map_run_arn);
  auto run = c.store.get_map_run(map_run_arn);
  if (!run) not_found(map_run_arn);
  std::string after;
  if (auto tok = c.m.str("nextToken", 1, 3096)) {
    auto key = decode_page_token(c.node.tokens(), "mrexec", *tok);
    auto bar = key.find('|');
    if (bar == std::string::npos || key.substr(0, bar) != map_run_arn)
      throw aws_error("InvalidToken", "Invalid Token: 'Invalid pagination token'");
    after = key.substr(bar + 1);
  }
  // PENDING_REDRIVE lists nothing until RedriveExecution exists.
  cluster::page<cluster::execution_record> page;
  if (status.value_or("") != "PENDING_REDRIVE")
    page = c.store.list_map_run_executions(map_run_arn, status.value_or(""), after, limit);
  out o;
  auto& w = o.key("executions").writer();
  w.StartArray();
  for (auto& e : page.items) write_execution_item(w, e);  // executions.cpp
  w.EndArray();
  if (!page.next.empty())
    o.str("nextToken", encode_page_token(c.node.tokens(), "mrexec", map_run_arn + "|" + page.next));
  c.ok(o.done());
}

void stop_child_execution(context& c, const cluster::execution_record& child,
                          const std::optional<std::string>& error,
                          const std::optional<std::string>& cause) {
  // Already over: the stop date it has (as for any execution).
  if (child.status != "RUNNING") return c.ok(out().time("stopDate", child.stop_ms).done());
  auto run = c.store.get_map_run(child.map_run_arn);
  if (!run) not_found(child.map_run_arn);
  auto done = c.done;
  c.node.stop_child(run->execution_arn, child.arn, error.value_or(""), cause.value_or(""),
                    error.has_value(), cause.has_value(),
                    [done](std::optional<actors::api_error> err) {
                      if (err) return send_error(done, *err);
                      done(response{200, out().time("stopDate", actors::exec_now_ms()).done(), {}});
                    });
}

bool describe_child_state_machine(context& c, const std::string& arn) {
  if (!is_map_run_resource(arn)) return false;
  auto e = c.store.get_execution_record(arn);
  if (!e || e->map_run_arn.empty()) return false;
  auto run = c.store.get_map_run(e->map_run_arn);
  auto parent = run ? c.store.get_execution(run->execution_arn) : std::nullopt;
  std::string definition;
  std::string role;
  int64_t updated = 0;
  std::string revision;
  if (parent) {
    role = parent->role_arn;
    updated = parent->machine_update_ms;
    revision = parent->revision_id;
    cluster::state_machine_record m;
    m.arn = parent->machine_arn;
    m.definition = parent->definition;
    m.revision_id = parent->revision_id;
    if (auto def = c.node.definition_for(m);
        def && run->processor >= 0 && size_t(run->processor) < def->machines.size())
      definition = def->machines[size_t(run->processor)]->text;
  }
  auto slash = e->machine_arn.rfind(':');
  out o;
  o.str("stateMachineArn", e->machine_arn)
      .str("name", slash == std::string::npos ? e->machine_arn : e->machine_arn.substr(slash + 1))
      .str("definition", definition)
      .str("roleArn", role)
      .time("updateDate", updated)
      .str("mapRunArn", e->map_run_arn)
      .str("label", run ? run->label : "");
  o.key("loggingConfiguration").writer().StartObject();
  o.writer().Key("level");
  o.writer().String("OFF");
  o.writer().Key("includeExecutionData");
  o.writer().Bool(false);
  o.writer().EndObject();
  o.key("tracingConfiguration").writer().StartObject();
  o.writer().Key("enabled");
  o.writer().Bool(false);
  o.writer().EndObject();
  if (!revision.empty()) o.str("revisionId", revision);
  c.ok(o.done());
  return true;
}

}  // namespace sc::api
