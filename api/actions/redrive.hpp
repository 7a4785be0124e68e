// RedriveExecution's rules, shared with DescribeExecution and ListExecutions
// (api/actions/redrive.cpp).
#pragma once

#include "api/service.hpp"

namespace sc::api {

/// AWS's redrivable period: 14 days after the execution stopped. The
/// environment variable STATECRAFT_REDRIVE_PERIOD_SECONDS shortens it (for
/// tests of the "period exceeded" answer).
int64_t redrive_period_ms();

/// redriveStatus (REDRIVABLE / NOT_REDRIVABLE / REDRIVABLE_BY_MAP_RUN for a
/// Map Run's child whose parent can be redriven) and, when not redrivable,
/// AWS's redriveStatusReason.
struct redrive_view {
  std::string status;
  std::string reason;
};
/// AWS's hard limit of redrives of one Map Run (with its parent's).
constexpr int64_t max_map_run_redrives = 1000;

redrive_view redrive_status(context& c, const cluster::execution_record& e);

/// DescribeExecution's redriveCount, redriveDate, redriveStatus and
/// redriveStatusReason.
void write_redrive_fields(out& o, context& c, const cluster::execution_record& e);

}  // namespace sc::api
