// Service integrations of the Task state: what a Resource names and how
// the pure core asks the outside world to call it.
//
// A Task whose Resource is `arn:<partition>:states:<region>:<account>:
// <service>:<action>[.sync[:2]|.waitForTaskToken]` is an integration. The
// core records TaskScheduled and emits `cmd_call_integration`; the node's
// integration layer (actors/integrations.cpp) makes the call off CAF's and
// the io threads and answers with `ev_integration` events (started,
// submitted, succeeded, failed). A `.waitForTaskToken` task ends with
// SendTaskSuccess/SendTaskFailure (ev_task_succeeded/failed), like an
// activity task, through the same signed task token.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sc::asl {
struct state;
}

namespace sc::interp {

enum class integration_pattern : uint8_t { request_response, sync, sync2, wait_for_task_token };

struct integration_resource {
  std::string resource_type;  ///< "states", "aws-sdk:sfn", "lambda", "http", …
  std::string resource;       ///< "startExecution.sync:2" (as history records it)
  std::string action;         ///< "startExecution"
  integration_pattern pattern = integration_pattern::request_response;
};

/// The integration a Task's Resource names; nullopt for activities and
/// anything that is not an `arn:…:states:…:…:<service>:<action>` ARN.
std::optional<integration_resource> parse_integration(std::string_view resource);

/// Whether this node can call it (today: states:startExecution in its
/// four patterns, and aws-sdk:sfn:<action> for every Step Functions API
/// action, request-response or `.waitForTaskToken`). Others fail at run
/// time as before.
bool integration_supported(const integration_resource& r);

/// Whether `action` (camelCase, as in `aws-sdk:sfn:<action>`) is an
/// operation of the Step Functions API.
bool sfn_sdk_action(std::string_view action);

/// What is wrong with a Task's Resource that names something no Step
/// Functions region offers (an unknown aws-sdk:sfn action, `.sync` on an
/// aws-sdk integration, a states: action other than startExecution), in
/// AWS's words; "" when nothing is (activities, Lambda ARNs and services
/// judged at run time included). Checked when a definition is validated.
std::string resource_problem(std::string_view resource);

/// The role a Task's call made again after a crash assumes: its literal
/// Credentials.RoleArn, or its `RoleArn.$` path (into the state input, not
/// `$$` or a variable) re-selected from `state_input`; "" otherwise (a
/// JSONata RoleArn expression is not re-evaluated: the state machine's role
/// is used then).
std::string recovery_role(const asl::state& st, const std::string& state_input);

/// The region of an ARN ("" when it has none).
std::string arn_region(std::string_view arn);

}  // namespace sc::interp
