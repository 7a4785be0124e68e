// The manual clock's admin route, `/_statecraft/clock` (actors/clock.hpp).
// Not part of AWS's API (which is `POST /` with X-Amz-Target): a path of its
// own that exists only when the node runs with `--clock manual`; otherwise
// every request to it is answered 404.
//
//   GET  /_statecraft/clock                     → the clock
//   POST /_statecraft/clock {"advance":"24h"}   → moved forward by a duration
//   POST /_statecraft/clock {"advanceSeconds":86400}
//   POST /_statecraft/clock {"to":"2027-01-01T00:00:00Z"}
//
// Answer: {"clock":"manual","now":"<ISO-8601>","nowEpochMillis":N}. Errors
// are 400 with {"message":...}; the clock never moves back.
#pragma once

#include "actors/node.hpp"
#include "api/http_server.hpp"

namespace sc::api {

/// True when `req` is for the admin clock route (then `done` was called).
bool handle_admin_clock(const request& req, const responder& done, actors::node& node);

}  // namespace sc::api
