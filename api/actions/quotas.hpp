// AWS's account quotas on the number of state machines and activities
// (config `limits:`), checked by CreateStateMachine and CreateActivity.
#pragma once

#include "api/service.hpp"

#include <string>

namespace sc::api {

/// Throws StateMachineLimitExceeded when the caller's account and Region
/// already hold `limits.state_machines` state machines and `arn` is not one of them (a
/// repeated, idempotent create of an existing machine still succeeds).
/// Count-then-create is not atomic: concurrent creates at the limit may
/// overshoot it by the number of racing requests.
void check_state_machine_quota(context& c, const std::string& arn);

/// The same for activities: ActivityLimitExceeded past `limits.activities`.
void check_activity_quota(context& c, const std::string& arn);

/// AWS's open executions quota: ExecutionLimitExceeded when the caller's
/// account and Region already run `limits.open_executions` Standard
/// executions (stores that do not count them: never). Count-then-start:
/// racing starts may overshoot by the number racing. `retry_of`: the ARN a
/// named start would create; when that execution already runs, the start
/// is not refused (an idempotent retry of a start creates nothing: the
/// start answers it as usual).
void check_open_execution_quota(context& c, const std::string& retry_of = {});

}  // namespace sc::api
