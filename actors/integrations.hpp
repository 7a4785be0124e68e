// The integration layer: carries out cmd_call_integration off CAF's and the
// io threads, and hands the outcome back to the execution as ev_integration.
//
// One worker thread per node runs the calls (today they are calls into this
// node: states:startExecution, aws-sdk:sfn:<every action>) and watches `.sync`
// jobs (a child execution's stored record, read every 200 ms at first, then
// less often up to every 2 s, until it ends). Outcomes are routed to the execution like
// any other message (node::impl::route), so they are stepped and stored in
// order with everything else the execution receives.
//
// Durability: a call is made after the step that scheduled it is stored.
// If the node dies before the outcome is stored, recovery issues the call
// again from the stored state (node::impl::requeue_task): the call is
// at-least-once, and states:startExecution makes it idempotent by naming
// the child deterministically (the parent's ARN and the task's number) and
// taking an existing child with the same input as its own. A
// `.waitForTaskToken` task whose call was recorded (TaskSubmitted) is not
// called again: its token still completes it. aws-sdk:sfn:<action> calls
// other than sendTask* are at-least-once too: one made again after a crash
// may find the effect of the first (StateMachineAlreadyExists, …) or, for
// an unnamed startExecution, start a second execution, as a restarted AWS
// task could.
//
// A call that fails before it was accepted ends the task with TaskFailed
// (request-response) or TaskSubmitFailed (`.sync`, `.waitForTaskToken`).
// Private to actors/.
#pragma once

#include "actors/node.hpp"
#include "runtime/interp/command.hpp"
#include "runtime/interp/event.hpp"
#include "runtime/interp/map_io.hpp"

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sc::actors {

class aws_calls;
class s3_map_io;
class http_invoker;

class integrations {
 public:
  /// `deliver(arn, event)`: hands an outcome to the execution.
  integrations(node& n, std::function<void(const std::string&, interp::ev_integration)> deliver);
  ~integrations();
  integrations(const integrations&) = delete;
  integrations& operator=(const integrations&) = delete;

  void call(const std::string& execution_arn, const interp::cmd_call_integration& c);
  /// The node's own API for aws-sdk:sfn:<action> (node::set_local_api).
  void set_local_api(node::local_api api);
  void cancel(const std::string& execution_arn, const interp::cmd_cancel_integration& c);
  void stop();
  /// AWS service calls (actors/aws_call.hpp), also used by Distributed Map's S3 reader.
  aws_calls& aws() { return *aws_; }
  /// Distributed Map on S3: its settings, for limits.map_sources.
  const interp::map_io* map_sources() const;
  /// A Distributed Map's S3 call (actors/aws_map_io.hpp; never blocks).
  void map_io(const std::string& execution_arn, const interp::cmd_map_io& c);

 private:
  struct watch {
    std::string parent_arn;
    int64_t task = 0;
    std::string child_arn;
    bool json_output = false;  ///< .sync:2
    int64_t next_ms = 0;       ///< next look at the child's record
    int64_t interval_ms = 200; ///< doubles up to 2 s while the child runs
  };
  void post(std::function<void()> job);
  void run();
  void start_execution(const std::string& parent, const interp::cmd_call_integration& c);
  /// aws-sdk:sfn:sendTaskSuccess / sendTaskFailure / sendTaskHeartbeat.
  void send_task(const std::string& parent, const interp::cmd_call_integration& c,
                 const std::string& action);
  /// aws-sdk:sfn:<action>, any other action: through the node's own API.
  void sdk_call(const std::string& parent, const interp::cmd_call_integration& c,
                const std::string& action);
  void stop_child(const std::string& parent, const interp::cmd_cancel_integration& c);
  void check_watches();
  void finish_watch(const watch& w, const cluster::execution_record& rec);

  node& node_;
  std::function<void(const std::string&, interp::ev_integration)> deliver_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stop_ = false;
  std::vector<watch> watches_;  ///< worker thread only
  node::local_api api_;          ///< set before the node serves (statecraftd)
  std::unique_ptr<http_invoker> http_;  ///< http:invoke (actors/http_invoke.hpp)
  std::thread worker_;
  std::unique_ptr<aws_calls> aws_;  ///< AWS services (actors/aws_call.hpp)
  std::unique_ptr<s3_map_io> map_io_;
  interp::map_io map_settings_;
};

/// The name a states:startExecution call gives its child when Parameters
/// has none: a UUID derived from the parent's ARN and the task's number,
/// so that calling again (after a crash) finds the same child.
std::string child_execution_name(const std::string& parent_arn, int64_t task);

}  // namespace sc::actors
