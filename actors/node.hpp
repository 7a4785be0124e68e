// The node: everything that runs executions and activity queues, behind a
// plain C++ interface. CAF lives in actors/*.cpp only; callers (the API
// layer) never see an actor type, which keeps CAF headers out of every
// translation unit but these.
//
// Callbacks passed here run on a CAF worker thread; they must not block and
// should hand their result to the caller's own executor (the HTTP layer
// posts it to the connection's io context).
#pragma once

#include "actors/clock.hpp"
#include "cluster/store.hpp"
#include "config/settings.hpp"
#include "runtime/asl/ast.hpp"
#include "runtime/model/task_token.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace sc::actors {

/// An AWS API error: `type` is the error name (InvalidToken, ...).
struct api_error {
  std::string type;
  std::string message;
};

using error_cb = std::function<void(std::optional<api_error>)>;

struct start_request {
  cluster::state_machine_record machine;
  std::shared_ptr<const asl::definition> def;
  std::string name;       ///< execution name (validated); empty: the node picks one
  std::string input;      ///< JSON text (already validated)
  bool sync = false;      ///< StartSyncExecution
  std::string trace_header;
  /// Started through a version ARN / an alias ARN (then `machine` is the
  /// version's record with the unqualified arn).
  std::string version_arn, alias_arn;
  /// Started on `<stateMachineArn>#<test case>` (actors/mock_config.hpp).
  std::string test_case;
};

struct start_reply {
  std::optional<api_error> error;
  std::string execution_arn;
  int64_t start_ms = 0;
  /// For sync executions: the finished execution.
  cluster::execution_record result;
};

struct activity_task {
  std::string token;  ///< empty when the poll timed out
  std::string input;
  /// Refused: limits.pollers_per_activity polls already wait on this node
  /// (GetActivityTask answers ActivityWorkerLimitExceeded).
  bool worker_limit = false;
};

class mock_config;

class node {
 public:
  node(const config::settings& s, cluster::store& store);
  ~node();
  node(const node&) = delete;
  node& operator=(const node&) = delete;

  /// StartExecution / StartSyncExecution. For sync (EXPRESS) requests the
  /// callback fires when the execution has finished.
  void start_execution(start_request req, std::function<void(start_reply)> done);

  /// StopExecution of a running Standard execution.
  void stop_execution(const std::string& execution_arn, std::string error, std::string cause,
                      bool has_error, bool has_cause,
                      std::function<void(std::optional<api_error>, int64_t stop_ms)> done);

  /// RedriveExecution of a Standard execution that ended without
  /// succeeding (the caller checked it can be redriven; the execution's
  /// step has the last word). `done` gets the redrive date.
  void redrive_execution(const std::string& execution_arn, std::string client_token,
                         std::function<void(std::optional<api_error>, int64_t redrive_ms)> done);


  /// UpdateMapRun: routed to the parent execution `execution_arn` (like a
  /// stop, also to another node's), whose interpreter applies it at once.
  /// Fields < 0 stay unchanged.
  void update_map_run(const std::string& execution_arn, const std::string& map_run_arn,
                      int64_t max_concurrency, int64_t tolerated_count,
                      double tolerated_percentage,
                      std::function<void(std::optional<api_error>)> done);

  /// StopExecution of a Map Run's child execution `child_arn`, routed to its
  /// parent `execution_arn` like update_map_run.
  void stop_child(const std::string& execution_arn, const std::string& child_arn,
                  std::string error, std::string cause, bool has_error, bool has_cause,
                  std::function<void(std::optional<api_error>)> done);

  /// GetActivityTask: answered at once when a task is queued, otherwise
  /// parked until one arrives or the poll timeout passes (empty token).
  void get_activity_task(const std::string& activity_arn, std::string worker_name,
                         std::function<bool()> alive, std::function<void(activity_task)> done);

  void send_task_success(const std::string& token, std::string output, error_cb done);
  void send_task_failure(const std::string& token, std::string error, std::string cause,
                         bool has_error, bool has_cause, error_cb done);
  void send_task_heartbeat(const std::string& token, error_cb done);

  /// The state machine record for StartExecution. With a remote store it is
  /// cached for a second: AWS documents that executions started right after
  /// UpdateStateMachine may still use the previous definition, and the
  /// cache spares a Redis round trip per start. Local updates and deletes
  /// invalidate it at once (forget_machine).
  std::optional<cluster::state_machine_record> machine_for_start(const std::string& arn);
  void forget_machine(const std::string& arn);

  /// Parses a definition once per (state machine, revision) and shares it.
  std::shared_ptr<const asl::definition> definition_for(const cluster::state_machine_record& m);

  const model::token_codec& tokens() const;
  /// Signs new task and page tokens with secrets[0] and accepts tokens
  /// signed with any of `secrets` (newest first, not empty), from now on.
  /// In cluster mode the ring follows the cluster's (cluster/secrets.hpp).
  void set_token_secrets(std::vector<std::string> secrets);
  const config::settings& settings() const;
  /// The mock file (actors/mock_config.hpp) answers the Tasks of executions
  /// started with a test case; null = none.
  void set_mock_config(std::shared_ptr<mock_config> mocks);
  /// The node's own API, for the integrations that call it
  /// (aws-sdk:sfn:<action>, actors/integrations.hpp): `call(operation, JSON
  /// body, done(HTTP status, JSON body))`, `done` called once from any
  /// thread. statecraftd sets it to its api::service; unset, such Tasks fail.
  using local_api = std::function<void(const std::string& operation, std::string body,
                                       std::function<void(int status, std::string body)> done)>;
  void set_local_api(local_api api);
  /// Calls the AWS service integration `resource` (request-response) once,
  /// outside any execution (TestState), with the JSON `parameters` and
  /// `role_arn` assumed as aws.assume_role says. `done(succeeded, output,
  /// error, cause)` is called once, from any thread.
  using aws_answer = std::function<void(bool, std::string, std::string, std::string)>;
  void call_aws(const std::string& resource, std::string parameters, const std::string& role_arn,
                aws_answer done);
  /// Whether the mock file defines `test_case` for the machine named `machine`.
  bool has_mock_test_case(const std::string& machine, const std::string& test_case) const;
  cluster::store& store();

  /// Resumes executions the store holds as RUNNING (after a restart). In
  /// cluster mode, recovery happens per shard as leases are gained.
  void recover();

  /// Joins the cluster on `redis_url` (the store must be the Redis store on
  /// the same URL): membership, shard leases, inboxes, shared activity
  /// queues. False with a message when it cannot.
  bool enable_cluster(const std::string& redis_url, std::string* error);
  /// Manual clock only (actors/clock.hpp): moves execution time forward to
  /// `to_ms` — on every node of a cluster — and fires every timer now due.
  /// Returns the clock's time after the move. Throws store_unavailable.
  int64_t advance_clock(int64_t to_ms);
  /// Stops every actor; parked polls are answered with empty tokens.
  void shutdown();

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

/// Current wall-clock time in epoch milliseconds.
int64_t now_ms();

/// A random version-4 UUID (execution names when none is given).
std::string random_uuid();

}  // namespace sc::actors
