// The HTTP Task's I/O (arn:aws:states:::http:invoke): turns a
// cmd_call_integration into a call through the node's outbound client
// (actors/outbound_http.hpp), with the connection the Task names
// (config/outbound.hpp: API key, basic, OAuth client credentials), and
// answers with ev_integration. The request and the answer's shape are the
// pure runtime/interp/http_task.hpp.
//
// Errors: the Task's arguments → States.Runtime; an unknown connection →
// Events.ConnectionResource.ResourceNotFound; an OAuth token endpoint that
// does not give a token → Events.ConnectionResource.AuthInvalidResponse;
// no answer (refused, DNS, TLS, timeout, allow-list) → States.Http.Socket;
// a status outside 2xx → States.Http.StatusCode.<n>. No message carries a
// connection's secrets.
//
// OAuth tokens are cached per connection until shortly before expires_in
// (one token request for many calls; calls arriving during a token request
// wait for it) and fetched again when the API answers 401.
//
// Each request gets at most 60 s (AWS's limit), less when the Task's
// TimeoutSeconds is smaller. At-least-once: a call in flight when the node
// dies is made again by recovery (integrations.hpp).
// Private to actors/.
#pragma once

#include "config/settings.hpp"
#include "runtime/interp/command.hpp"
#include "runtime/interp/event.hpp"

#include <functional>
#include <memory>
#include <string>

namespace sc::actors {

class http_invoker {
 public:
  using deliver_fn = std::function<void(interp::ev_integration)>;

  explicit http_invoker(const config::settings& s);
  ~http_invoker();
  http_invoker(const http_invoker&) = delete;
  http_invoker& operator=(const http_invoker&) = delete;

  /// Makes the call; `deliver` gets `started`, then `succeeded` or
  /// `failed` (from the outbound client's thread). Nothing is delivered
  /// for calls cut short by stop().
  void call(const std::string& execution_arn, const interp::cmd_call_integration& c,
            deliver_fn deliver);

  /// Ends the calls in flight without an outcome and joins the client.
  void stop();

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace sc::actors
