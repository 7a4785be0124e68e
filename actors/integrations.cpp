// The integration layer (integrations.hpp) and its first integration,
// arn:aws:states:::states:startExecution[.sync|.sync:2|.waitForTaskToken].
#include "actors/integrations.hpp"

#include "actors/aws_call.hpp"
#include "actors/aws_map_io.hpp"
#include "actors/http_invoke.hpp"
#include "actors/sfn_sdk.hpp"

#include "runtime/interp/integration.hpp"
#include "runtime/json/json.hpp"
#include "runtime/model/arn.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace sc::actors {

namespace {

using ev = interp::ev_integration;

uint64_t fnv1a(std::string_view s, uint64_t h) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

ev answer(int64_t task, ev::kind k, std::string output) {
  ev e;
  e.task = task;
  e.k = k;
  e.output = std::move(output);
  return e;
}

ev failed(int64_t task, const std::string& code, const std::string& message) {
  ev e = answer(task, ev::kind::failed, "");
  auto f = optimized_failure(code, message);
  e.error = f.error;
  e.cause = f.cause;
  return e;
}

std::string start_output(const std::string& arn, int64_t start_ms) {
  return "{\"ExecutionArn\":" + json::quote(arn) + ",\"StartDate\":" + std::to_string(start_ms) +
         "}";
}

/// DescribeExecution's answer as the integration returns it (`.sync`:
/// Input/Output as JSON text; `.sync:2`: as JSON).
std::string describe_output(const cluster::execution_record& r, bool json_output) {
  auto payload = [&](const std::string& text) {
    return json_output && json::valid(text) ? text : json::quote(text);
  };
  std::string o = "{\"ExecutionArn\":" + json::quote(r.arn);
  o += ",\"Input\":" + payload(r.input) + ",\"InputDetails\":{\"Included\":true}";
  o += ",\"Name\":" + json::quote(r.name);
  if (r.has_output)
    o += ",\"Output\":" + payload(r.output) + ",\"OutputDetails\":{\"Included\":true}";
  if (r.has_error) o += ",\"Error\":" + json::quote(r.error);
  if (r.has_cause) o += ",\"Cause\":" + json::quote(r.cause);
  o += ",\"StartDate\":" + std::to_string(r.start_ms);
  o += ",\"StateMachineArn\":" + json::quote(r.machine_arn);
  o += ",\"Status\":" + json::quote(r.status);
  if (r.stop_ms) o += ",\"StopDate\":" + std::to_string(r.stop_ms);
  return o + "}";
}

struct start_args {
  std::string machine_arn, name, input = "{}";
  bool has_name = false;
};

}  // namespace

std::string child_execution_name(const std::string& parent_arn, int64_t task) {
  std::string key = parent_arn + "#" + std::to_string(task);
  uint64_t a = fnv1a(key, 14695981039346656037ull), b = fnv1a(key, 0x9e3779b97f4a7c15ull);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", uint32_t(a >> 32),
                uint32_t((a >> 16) & 0xffff), uint32_t(a & 0xfff),
                uint32_t(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffull));
  return buf;
}

integrations::integrations(node& n,
                           std::function<void(const std::string&, interp::ev_integration)> deliver)
    : node_(n), deliver_(std::move(deliver)),
      http_(std::make_unique<http_invoker>(n.settings())) {
  aws_ = std::make_unique<aws_calls>(node_.settings(), deliver_);
  map_io_ = std::make_unique<s3_map_io>(*aws_, deliver_, node_.settings().aws.map_read_bytes);
  map_settings_.window_items = node_.settings().aws.map_window_items;
  map_settings_.result_file_bytes = node_.settings().aws.map_result_file_bytes;
  worker_ = std::thread([this] { run(); });
}

integrations::~integrations() { stop(); }

const interp::map_io* integrations::map_sources() const { return &map_settings_; }

void integrations::map_io(const std::string& execution_arn, const interp::cmd_map_io& c) {
  map_io_->run(execution_arn, c);
}

void integrations::stop() {
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  if (http_) http_->stop();
  if (aws_) aws_->stop();
}

void integrations::post(std::function<void()> job) {
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void integrations::call(const std::string& execution_arn, const interp::cmd_call_integration& c) {
  post([this, execution_arn, c] {
    auto ir = interp::parse_integration(c.resource);
    if (ir && ir->resource_type == "states" && ir->action == "startExecution")
      return start_execution(execution_arn, c);
    if (ir && ir->resource_type == "aws-sdk:sfn" && interp::integration_supported(*ir)) {
      if (ir->action == "sendTaskSuccess" || ir->action == "sendTaskFailure" ||
          ir->action == "sendTaskHeartbeat")
        return send_task(execution_arn, c, ir->action);
      return sdk_call(execution_arn, c, ir->action);
    }
    if (ir && ir->resource_type == "http" && interp::integration_supported(*ir))
      return http_->call(execution_arn, c,
                         [this, execution_arn](ev e) { deliver_(execution_arn, std::move(e)); });
    if (aws_calls::handles(c.resource)) {
      // The Task's Credentials.RoleArn, else the state machine's roleArn,
      // when roles are assumed (aws.assume_role).
      std::string role = c.role_arn;
      if (role.empty() && aws_->assumes_roles())
        if (auto rec = node_.store().get_execution_record(execution_arn))
          if (auto m = node_.machine_for_start(rec->machine_arn)) role = m->role_arn;
      return aws_->call(execution_arn, c, role);
    }
    // The core only schedules what integration_supported() accepts.
    ev e = answer(c.task, ev::kind::start_failed, "");
    e.error = "States.Runtime";
    e.cause = "Statecraft cannot call the resource '" + c.resource + "'.";
    deliver_(execution_arn, e);
  });
}

void integrations::set_local_api(node::local_api api) {
  std::lock_guard lock(mu_);
  api_ = std::move(api);
}

void integrations::cancel(const std::string& execution_arn,
                          const interp::cmd_cancel_integration& c) {
  post([this, execution_arn, c] { stop_child(execution_arn, c); });
}

void integrations::run() {
  for (;;) {
    std::deque<std::function<void()>> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(200),
                   [this] { return stop_ || !jobs_.empty(); });
      if (stop_) return;
      batch.swap(jobs_);
    }
    for (auto& job : batch) {
      try {
        job();
      } catch (const std::exception&) {
        // A store error: the execution's recovery calls again.
      }
    }
    try {
      check_watches();  // each watch looks only when it is due
    } catch (const std::exception&) {
    }
  }
}

namespace {

std::optional<start_args> read_start_args(const std::string& params, int64_t task,
                                          const std::string& parent, ev& error) {
  json::document d;
  start_args a;
  if (!json::parse(params, d) || !d.IsObject()) d.SetObject();
  auto m = d.FindMember("StateMachineArn");
  if (m == d.MemberEnd() || !m->value.IsString()) {
    error = failed(task, "ValidationException",
                   "1 validation error detected: Value null at 'stateMachineArn' failed to "
                   "satisfy constraint: Member must not be null");
    return std::nullopt;
  }
  a.machine_arn = m->value.GetString();
  if (auto n = d.FindMember("Name"); n != d.MemberEnd() && n->value.IsString()) {
    a.name = n->value.GetString();
    a.has_name = true;
  } else {
    a.name = child_execution_name(parent, task);
  }
  if (auto in = d.FindMember("Input"); in != d.MemberEnd()) {
    if (in->value.IsString()) a.input = in->value.GetString();
    else a.input = json::dump(in->value);
  }
  return a;
}

}  // namespace

void integrations::start_execution(const std::string& parent_arn,
                                   const interp::cmd_call_integration& c) {
  const auto pattern = static_cast<interp::integration_pattern>(c.pattern);
  // The call submits a job or a callback: its failure is TaskSubmitFailed.
  auto deliver = [this, pattern](const std::string& arn, ev e) {
    if (e.k == ev::kind::failed && pattern != interp::integration_pattern::request_response)
      e.k = ev::kind::submit_failed;
    deliver_(arn, std::move(e));
  };
  const std::string& parent = parent_arn;
  ev err;
  auto args = read_start_args(c.parameters, c.task, parent, err);
  if (!args) return deliver(parent, err);
  auto machine = node_.machine_for_start(args->machine_arn);
  if (!machine || machine->status == "DELETING")
    return deliver(parent, failed(c.task, "StateMachineDoesNotExist",
                                   "State Machine Does Not Exist: '" + args->machine_arn + "'"));
  std::string perr;
  json::document in;
  if (!json::parse(args->input, in, &perr))
    return deliver(parent, failed(c.task, "InvalidExecutionInput",
                                   "Invalid State Machine Execution Input: '" + perr + "'"));
  auto def = node_.definition_for(*machine);
  if (!def)
    return deliver(parent, failed(c.task, "InvalidDefinition",
                                   "The state machine definition is not valid"));
  const bool express = machine->type == "EXPRESS";
  const bool sync = pattern == interp::integration_pattern::sync ||
                    pattern == interp::integration_pattern::sync2;
  const bool json_output = pattern == interp::integration_pattern::sync2;
  start_request req;
  req.machine = *machine;
  req.def = def;
  req.name = args->name;
  req.input = args->input;
  req.sync = express && sync;
  const int64_t task = c.task;
  const std::string input = args->input;
  // The child lives in its machine's Region and account (api/namespaces.hpp).
  const auto machine_parts = model::parse_arn(machine->arn);
  const std::string child_arn = model::execution_arn(
      machine_parts ? machine_parts->region : node_.settings().node.region,
      machine_parts ? machine_parts->account : node_.settings().node.account_id, machine->name,
      args->name);
  node_.start_execution(std::move(req), [this, parent, task, pattern, sync, express, json_output,
                                         input, child_arn, deliver](start_reply r) {
    if (r.error && r.error->type == "ExecutionAlreadyExists") {
      // Called again after a crash: the child with our name and input is
      // the one the first call started.
      post([this, parent, task, pattern, sync, json_output, input, child_arn, deliver,
            e = *r.error] {
        auto rec = node_.store().get_execution_record(child_arn);
        if (!rec || rec->input != input)
          return deliver(parent, failed(task, "ExecutionAlreadyExists", e.message));
        std::string out = start_output(rec->arn, rec->start_ms);
        if (pattern == interp::integration_pattern::request_response)
          return deliver_(parent, answer(task, ev::kind::succeeded, out));
        deliver_(parent, answer(task, ev::kind::submitted, out));
        if (sync) watches_.push_back(watch{parent, task, child_arn, json_output});
      });
      return;
    }
    if (r.error) return deliver(parent, failed(task, r.error->type, r.error->message));
    std::string out = start_output(r.execution_arn, r.start_ms);
    if (pattern == interp::integration_pattern::request_response)
      return deliver_(parent, answer(task, ev::kind::succeeded, out));
    deliver_(parent, answer(task, ev::kind::submitted, out));
    if (!sync) return;
    if (express) {  // finished already: the reply carries its record
      auto rec = r.result;
      post([this, parent, task, json_output, rec] {
        finish_watch(watch{parent, task, rec.arn, json_output}, rec);
      });
      return;
    }
    post([this, parent, task, child_arn = r.execution_arn, json_output] {
      watches_.push_back(watch{parent, task, child_arn, json_output});
    });
  });
}

void integrations::send_task(const std::string& parent, const interp::cmd_call_integration& c,
                             const std::string& action) {
  json::document d;
  if (!json::parse(c.parameters, d) || !d.IsObject()) d.SetObject();
  auto str = [&](const char* k, std::string& out) {
    auto m = d.FindMember(k);
    if (m == d.MemberEnd()) return false;
    out = m->value.IsString() ? m->value.GetString() : json::dump(m->value);
    return true;
  };
  std::string token, output, error, cause;
  str("TaskToken", token);
  const bool has_error = str("Error", error), has_cause = str("Cause", cause);
  if (!str("Output", output)) output = "{}";
  const int64_t task = c.task;
  const bool again = c.again;
  const bool callback = static_cast<interp::integration_pattern>(c.pattern) ==
                        interp::integration_pattern::wait_for_task_token;
  auto done = [this, parent, task, again, callback](std::optional<api_error> e) {
    post([this, parent, task, again, callback, e] {
      // Made again after a crash: the first call most likely answered the
      // task already (its outcome was lost with the node), so "it does not
      // exist anymore" is taken as that first call's success.
      if (!e || (again && e->type == "TaskDoesNotExist"))
        return deliver_(parent,
                        answer(task, callback ? ev::kind::submitted : ev::kind::succeeded, "{}"));
      auto f = sdk_failure(400, e->type, e->message);
      ev fe = answer(task, callback ? ev::kind::submit_failed : ev::kind::failed, "");
      fe.error = f.error;
      fe.cause = f.cause;
      deliver_(parent, fe);
    });
  };
  if (action == "sendTaskSuccess") node_.send_task_success(token, output, done);
  else if (action == "sendTaskFailure")
    node_.send_task_failure(token, error, cause, has_error, has_cause, done);
  else node_.send_task_heartbeat(token, done);
}

void integrations::sdk_call(const std::string& parent, const interp::cmd_call_integration& c,
                            const std::string& action) {
  node::local_api api;
  {
    std::lock_guard lock(mu_);
    api = api_;
  }
  const int64_t task = c.task;
  const bool callback =
      static_cast<interp::integration_pattern>(c.pattern) ==
      interp::integration_pattern::wait_for_task_token;
  if (!api) {
    ev e = answer(task, ev::kind::start_failed, "");
    e.error = "States.Runtime";
    e.cause = "This node does not serve the Step Functions API to call '" + c.resource + "'.";
    return deliver_(parent, e);
  }
  api(sdk_operation(action), sdk_request_body(c.parameters),
      // Delivered at once (deliver_ only routes a message), so that a
      // callback's TaskSubmitted is queued before whatever the call set
      // going (a child's SendTaskSuccess) can answer the task.
      [this, parent, task, callback](int status, std::string body) {
        if (status == 200) {
          std::string out = sdk_result(body);
          // A callback task waits for its token once the call is made.
          return deliver_(parent, answer(task, callback ? ev::kind::submitted
                                                        : ev::kind::succeeded,
                                         std::move(out)));
        }
        auto f = sdk_failure(status, body);
        ev e = answer(task, callback ? ev::kind::submit_failed : ev::kind::failed, "");
        e.error = f.error;
        e.cause = f.cause;
        deliver_(parent, e);
      });
}

void integrations::check_watches() {
  const int64_t now = now_ms();
  for (size_t i = 0; i < watches_.size();) {
    if (watches_[i].next_ms > now) {
      ++i;
      continue;
    }
    auto rec = node_.store().get_execution_record(watches_[i].child_arn);
    if (rec && rec->status == "RUNNING") {
      auto& w = watches_[i];
      w.interval_ms = std::min<int64_t>(w.interval_ms * 2, 2000);
      w.next_ms = now + w.interval_ms;
      ++i;
      continue;
    }
    watch w = watches_[i];
    watches_.erase(watches_.begin() + static_cast<std::ptrdiff_t>(i));
    if (rec) finish_watch(w, *rec);
  }
}

void integrations::finish_watch(const watch& w, const cluster::execution_record& rec) {
  std::string out = describe_output(rec, w.json_output);
  if (rec.status == "SUCCEEDED") return deliver_(w.parent_arn, answer(w.task, ev::kind::succeeded, out));
  ev e = answer(w.task, ev::kind::failed, "");
  e.error = "States.TaskFailed";
  e.cause = out;
  deliver_(w.parent_arn, e);
}

void integrations::stop_child(const std::string& parent, const interp::cmd_cancel_integration& c) {
  std::string child_arn;
  for (size_t i = 0; i < watches_.size(); ++i)
    if (watches_[i].parent_arn == parent && watches_[i].task == c.task) {
      child_arn = watches_[i].child_arn;
      watches_.erase(watches_.begin() + static_cast<std::ptrdiff_t>(i));
      break;
    }
  auto ir = interp::parse_integration(c.resource);
  if (!ir || (ir->pattern != interp::integration_pattern::sync &&
              ir->pattern != interp::integration_pattern::sync2))
    return;
  if (child_arn.empty()) {
    // Not watched here (the node restarted): the child's ARN follows from
    // the parameters.
    ev err;
    auto args = read_start_args(c.parameters, c.task, parent, err);
    if (!args) return;
    auto m = model::parse_arn(args->machine_arn);
    if (!m) return;
    auto machine = node_.machine_for_start(args->machine_arn);
    if (!machine) return;
    child_arn = model::execution_arn(m->region, m->account, machine->name, args->name);
  }
  auto rec = node_.store().get_execution_record(child_arn);
  if (!rec || rec->status != "RUNNING") return;
  // Stopping a parent (or ending its .sync task otherwise) stops the child.
  node_.stop_execution(child_arn, "", "", false, false, [](std::optional<api_error>, int64_t) {});
}

}  // namespace sc::actors
