// One entry of an execution's history, in the shape GetExecutionHistory
// returns: `details` is the JSON object text of the event's
// `<detailsKey>` member (e.g. stateEnteredEventDetails), with inputs and
// outputs already JSON-string encoded as AWS sends them.
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
  std::string details;        ///< JSON object text; empty when none
};

}  // namespace sc::model
