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
};

/// The JSON object text of the event's details as GetExecutionHistory
/// returns it: `details` plus, when there is a payload and
/// `include_payload`, "<key>": "<escaped payload>" and
/// "<key>Details": {"truncated": false}.
std::string render_details(const history_event& e, bool include_payload = true);

}  // namespace sc::model
