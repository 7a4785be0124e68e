// One entry of an execution's history.
//
// Most histories are written far more often than they are read, so an
// event keeps its payload (the state input or output) as raw JSON text and
// escapes it into a JSON string only when the event is rendered for
// GetExecutionHistory (`render_details`). `details` holds the other members
// of the event's `<detailsKey>` object.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sc::model {

struct history_event {
  int64_t id = 0;
  int64_t previous_id = 0;
  int64_t timestamp_ms = 0;   ///< epoch milliseconds
  std::string type;           ///< e.g. "PassStateEntered"
  std::string details_key;    ///< e.g. "stateEnteredEventDetails"; empty when none
  std::string details;        ///< JSON object text without the payload; empty when none
  std::string payload_key;    ///< "input" or "output"; empty when the event has none
  std::string payload;        ///< raw JSON text of the payload
  /// When not 0: this event's payload is the same text as that of event
  /// #payload_ref of the same execution, and `payload` is left empty. The
  /// interpreter sets it for large payloads repeated from a recent event (a
  /// state's input is usually the previous state's output), so a loop that
  /// carries 100 KB through 25,000 events stores it once. Stores keep the
  /// reference and resolve it when the history is read.
  int64_t payload_ref = 0;
};

/// Fills the payload of every event of `events` (a contiguous run of one
/// execution's history) that refers to an event inside the run; returns
/// the ids referred to that lie outside it, for the caller to look up.
std::vector<int64_t> resolve_payloads(std::vector<history_event>& events);

/// The JSON object text of the event's details as GetExecutionHistory
/// returns it: `details` plus, when there is a payload and
/// `include_payload`, "<key>": "<escaped payload>" and
/// "<key>Details": {"truncated": false}.
std::string render_details(const history_event& e, bool include_payload = true);

}  // namespace sc::model
