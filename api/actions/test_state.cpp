// TestState: one state run once on the pure core (runtime/interp/test_state),
// nothing stored. AWS serves it on the `sync-` host like StartSyncExecution;
// the node answers on any Host.
#include "api/service.hpp"

#include "runtime/interp/test_state.hpp"

#include <chrono>
#include <random>

namespace sc::api {

namespace {

constexpr size_t max_payload = 262144;

}  // namespace

void test_state(context& c) {
  interp::test_request req;
  req.definition = c.m.required_str("definition", 1, 1048576);
  req.role_arn = c.m.str("roleArn", 1, 256).value_or("");
  req.input = c.m.str("input", 0, max_payload).value_or("{}");
  auto level = c.m.enumeration("inspectionLevel", {"INFO", "DEBUG", "TRACE"}).value_or("INFO");
  req.level = level == "TRACE"   ? interp::inspection_level::trace
              : level == "DEBUG" ? interp::inspection_level::debug
                                 : interp::inspection_level::info;
  req.reveal_secrets = c.m.boolean("revealSecrets").value_or(false);
  req.variables = c.m.str("variables", 0, max_payload);
  req.state_name = c.m.str("stateName", 1, 80);
  if (const json::value* mock = c.m.object("mock")) {
    members mm(*mock, "mock.");
    interp::test_mock m;
    m.result = mm.str("result", 0, max_payload);
    if (const json::value* eo = mm.object("errorOutput")) {
      members em(*eo, "mock.errorOutput.");
      m.error_output = true;
      m.error = em.str("error", 0, 256);
      m.cause = em.str("cause", 0, 32768);
    }
    m.field_validation = mm.enumeration("fieldValidationMode", {"STRICT", "PRESENT", "NONE"})
                             .value_or("STRICT");
    req.mock = std::move(m);
  }
  req.context = c.m.str("context", 0, max_payload);
  if (const json::value* sc = c.m.object("stateConfiguration")) {
    members sm(*sc, "stateConfiguration.");
    req.retrier_retry_count = sm.integer("retrierRetryCount", 0, INT32_MAX);
    req.error_caused_by_state = sm.str("errorCausedByState", 1, 80);
    req.map_iteration_failure_count = sm.integer("mapIterationFailureCount", 0, INT32_MAX);
    req.map_item_reader_data = sm.str("mapItemReaderData", 0, max_payload);
  }
  req.region = c.region;
  req.account = c.account;
  req.now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  req.seed = std::random_device{}() ^ (uint64_t(std::random_device{}()) << 32);
  auto r = interp::test_state(req);
  if (r.refusal) throw aws_error(r.refusal->type, r.refusal->message);
  c.ok(interp::to_json(r));
}

}  // namespace sc::api
