// Map Run helpers other actions use (api/actions/map_runs.cpp).
#pragma once

#include "api/service.hpp"

namespace sc::api {

/// True when `arn` names a Map Run or a child execution of one (its ids
/// carry the parent's placement, runtime/interp/map_run.hpp).
bool is_map_run_resource(const std::string& arn);

/// DescribeStateMachineForExecution of a child execution: answers and
/// returns true; false when `arn` is not a child execution.
bool describe_child_state_machine(context& c, const std::string& arn);

/// ListExecutions with mapRunArn (statusFilter already checked).
void list_map_run_executions(context& c, const std::string& map_run_arn,
                             const std::optional<std::string>& status, size_t limit);

/// StopExecution of a child execution (`child` is its record): the child
/// ends ABORTED in its parent's interpreter, its iteration failed.
void stop_child_execution(context& c, const cluster::execution_record& child,
                          const std::optional<std::string>& error,
                          const std::optional<std::string>& cause);

/// One item of a ListExecutions answer (executions.cpp); also the items of
/// a Map Run's listing, which carry mapRunArn.
void write_execution_item(rapidjson::Writer<rapidjson::StringBuffer>& w,
                          const cluster::execution_record& e);

}  // namespace sc::api
