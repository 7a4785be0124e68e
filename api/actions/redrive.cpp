// RedriveExecution, and the redrive fields of DescribeExecution.
//
// The handler checks what AWS checks (in AWS's order of reasons) against the
// stored record, then asks the node to redrive: the execution's owner feeds
// ev_redrive to its actor, whose step decides again on the state it holds
// (a concurrent redrive or stop loses there) and saves the redrive like any
// other transition. A clientToken seen in the execution's last 10 redrives
// answers with that redrive's date (AWS keeps tokens for 15 minutes; here
// the last 10 are kept with the execution).
#include "api/actions/redrive.hpp"
#include "api/actions/quotas.hpp"

#include "runtime/interp/step.hpp"

#include <cstdlib>

namespace sc::api {

namespace {

constexpr int64_t day_ms = int64_t(24) * 3600 * 1000;
/// AWS: an execution may not stay open longer than a year.
constexpr int64_t max_open_ms = 365 * day_ms;
/// AWS's idempotency window for client tokens.
constexpr int64_t token_window_ms = 15 * 60 * 1000;

bool token_ok(std::string_view s) {
  for (char ch : s)
    if (ch < '!' || ch > '~') return false;
  return true;
}

}  // namespace

int64_t redrive_period_ms() {
  static const int64_t period = [] {
    if (const char* v = std::getenv("STATECRAFT_REDRIVE_PERIOD_SECONDS")) {
      char* end = nullptr;
      long long s = std::strtoll(v, &end, 10);
      if (end != v && s >= 0) return static_cast<int64_t>(s) * 1000;
    }
    return 14 * day_ms;
  }();
  return period;
}

redrive_view redrive_status(context& c, const cluster::execution_record& e) {
  const redrive_view ok{"REDRIVABLE", {}};
  auto no = [](std::string why) { return redrive_view{"NOT_REDRIVABLE", std::move(why)}; };
  if (e.status == "RUNNING" || e.status == "SUCCEEDED")
    return no("Execution is " + e.status + " and cannot be redriven");
  if (!e.map_run_arn.empty()) {
    // A Map Run's child: redriven by redriving its parent (the Map Run then
    // continues it), so REDRIVABLE_BY_MAP_RUN while the parent can be.
    auto run = c.store.get_map_run(e.map_run_arn);
    auto parent = run ? c.store.get_execution_record(run->execution_arn) : std::nullopt;
    if (!parent) return no("Execution was started before the launch of RedriveExecution");
    // Our wording: a SUCCEEDED Map Run (its failures were tolerated) is not
    // run again, nor one redriven the most times AWS allows.
    if (run->status == "SUCCEEDED") return no("Map Run is SUCCEEDED and cannot be redriven");
    if (run->redrive_count >= max_map_run_redrives)
      return no("Map Run has reached the limit of 1000 redrives");
    auto v = redrive_status(c, *parent);
    if (v.status == "REDRIVABLE" || v.status == "REDRIVABLE_BY_MAP_RUN")
      return {"REDRIVABLE_BY_MAP_RUN", {}};
    // The parent itself succeeded or runs: nothing can redrive this child.
    return v;
  }
  auto m = c.store.get_state_machine(e.machine_arn);
  if (!m || m->status == "DELETING") return no("State machine is in DELETING status");
  const int64_t now = actors::exec_now_ms();
  if (c.store.history_length(e.arn) >= static_cast<int64_t>(c.cfg.executions.history_event_limit) - 1)
    return no("Execution history event limit exceeded");
  if (now - e.start_ms > max_open_ms) return no("Execution has exceeded the max execution time");
  if (now - e.stop_ms > redrive_period_ms()) return no("Execution redrivable period exceeded");
  if (!e.redrivable) return no("Execution was started before the launch of RedriveExecution");
  return ok;
}

void write_redrive_fields(out& o, context& c, const cluster::execution_record& e) {
  o.num("redriveCount", e.redrive_count);
  if (e.redrive_count > 0) o.time("redriveDate", e.redrive_ms);
  auto v = redrive_status(c, e);
  o.str("redriveStatus", v.status);
  if (!v.reason.empty()) o.str("redriveStatusReason", v.reason);
}

void redrive_execution(context& c) {
  auto arn = c.m.required_str("executionArn", 1, 256);
  auto token = c.m.patterned("clientToken", 1, 64, token_ok, "[!-~]+");
  if (auto a = model::parse_arn(arn); a && a->kind == model::arn_kind::express_execution)
    throw aws_error("ExecutionNotRedrivable",
                    "Execution of an EXPRESS state machine cannot be redriven");
  require_arn(arn, model::arn_kind::execution);
  auto e = c.store.get_execution(arn);
  if (!e) throw aws_error("ExecutionDoesNotExist", "Execution Does Not Exist: '" + arn + "'");
  if (e->express)
    throw aws_error("ExecutionNotRedrivable",
                    "Execution of an EXPRESS state machine cannot be redriven");
  // The same request again (same client token, within AWS's window): the
  // same answer, whatever the execution does now.
  if (token && e->state) {
    for (const auto& [t, ms] : e->state->redrive_tokens)
      if (t == *token && actors::now_ms() - ms <= token_window_ms)
        return c.ok(out().time("redriveDate", ms).done());
  }
  auto v = redrive_status(c, *e);
  if (v.status == "REDRIVABLE_BY_MAP_RUN")
    throw aws_error("ExecutionNotRedrivable",
                    "Execution is a child execution of a Map Run and is redriven with its parent "
                    "execution");
  if (v.status != "REDRIVABLE") throw aws_error("ExecutionNotRedrivable", v.reason);
  check_open_execution_quota(c);
  auto done = c.done;
  c.node.redrive_execution(arn, token.value_or(""),
                           [done](std::optional<actors::api_error> err, int64_t redrive_ms) {
                             if (err) return send_error(done, *err);
                             done(response{200, out().time("redriveDate", redrive_ms).done(), {}});
                           });
}

}  // namespace sc::api
