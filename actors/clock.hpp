// Execution time: the clock every execution reads (`now` of interp::step,
// history timestamps, timer due dates). Normally the wall clock; with
// `executions.clock: manual` (`--clock manual`) a manual clock that starts
// at the wall time when the node starts (or `executions.clock_start`) and
// moves only when told (`POST /_statecraft/clock`, `statecraft clock`).
// In a cluster the manual time lives in Redis (keys::manual_clock()) and
// every node follows it (keys::clock_channel()).
//
// Node housekeeping (idle actors, long polls, lease heartbeats) always uses
// the wall clock (now_ms()).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sc::actors {

/// Execution time in epoch milliseconds (the manual clock when it is on).
int64_t exec_now_ms();

/// Whether the manual clock is on in this process.
bool manual_clock();

/// Turns the manual clock on at `start_ms` (process-wide; before the node
/// starts executions).
void enable_manual_clock(int64_t start_ms);

/// Moves the manual clock forward to `to_ms` (never back: an earlier
/// instant leaves it where it is). Returns the clock's time after the call.
int64_t set_manual_clock(int64_t to_ms);

/// "24h", "90m", "1h30m", "45s", "250ms", "2d" or a bare number of seconds
/// ("86400", "1.5") → milliseconds; nullopt when malformed or negative.
std::optional<int64_t> parse_clock_duration(std::string_view text);

}  // namespace sc::actors
