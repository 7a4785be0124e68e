// Issue 10, finding 3: a Pass -> Choice loop carrying 100 KB grew the
// memory store to 5.2 GB by the 25,000-event limit, because every event
// kept its own copy of the same payload (and one step held them all). A
// payload repeated from a recent event is now a reference, and the bytes an
// execution's history may hold are bounded.
#include "interp_test_util.hpp"

#include "runtime/interp/simulate.hpp"

using namespace sc;

namespace {

const char* loop = R"({"StartAt":"P","States":{
  "P":{"Type":"Pass","Next":"C"},
  "C":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"E"}],"Default":"P"},
  "E":{"Type":"Succeed"}}})";

std::string big_input(size_t bytes) { return "{\"pad\":\"" + std::string(bytes, 'x') + "\"}"; }

size_t stored_payload_bytes(const std::vector<model::history_event>& events) {
  size_t n = 0;
  for (const auto& e : events) n += e.payload.size();
  return n;
}

}  // namespace

TEST_CASE("a loop carrying a large payload stores it once") {
  auto def = interp_test::compile(loop);
  auto st = interp_test::execution(big_input(100 * 1024));
  auto r = interp::step(*def, st, interp::ev_start{}, 0);
  CHECK(r.next.status == interp::exec_status::failed);
  CHECK(r.next.cause ==
        "The execution reached the maximum number of history events (25000).");
  REQUIRE(r.events.size() == 25000);
  // Before: 25,000 events x 100 KB (2.5 GB in this one step's result).
  CHECK(stored_payload_bytes(r.events) < 2 * 103 * 1024);
  CHECK(r.next.history_bytes < 4 << 20);
  // Every reference points at an earlier event that holds the text itself.
  for (const auto& e : r.events) {
    if (!e.payload_ref) continue;
    REQUIRE(e.payload_ref < e.id);
    const auto& target = r.events[static_cast<size_t>(e.payload_ref - 1)];
    CHECK(target.payload_ref == 0);
    CHECK(target.payload.size() == 100 * 1024 + 10);
  }
  // Resolved, the history reads exactly as before.
  auto copy = r.events;
  CHECK(model::resolve_payloads(copy).empty());
  for (size_t i = 0; i < copy.size(); ++i)
    if (!copy[i].payload_key.empty()) CHECK(copy[i].payload.size() == 100 * 1024 + 10);
}

TEST_CASE("references also reach across steps (a Wait between states)") {
  auto def = interp_test::compile(R"({"StartAt":"W","States":{
    "W":{"Type":"Wait","Seconds":1,"Next":"P"},"P":{"Type":"Pass","End":true}}})");
  std::string input = big_input(4096);
  interp::simulation_options opts;
  auto sim = interp::simulate(*def, input, {}, opts);
  REQUIRE(sim.history.size() >= 6);
  for (const auto& e : sim.history)
    if (!e.payload_key.empty()) CHECK(e.payload == input);
  // Unresolved, only the execution's input and the first state's input are
  // stored; the Wait's exit (a later step) and the rest refer to them.
  auto st = interp_test::execution(input);
  auto a = interp::step(*def, st, interp::ev_start{}, 0);
  REQUIRE(a.commands.size() >= 1);
  int64_t timer = 0;
  for (auto& c : a.commands)
    if (auto* t = std::get_if<interp::cmd_start_timer>(&c)) timer = t->timer;
  REQUIRE(timer);
  auto b = interp::step(*def, a.next, interp::ev_timer{timer}, 1000);
  REQUIRE_FALSE(b.events.empty());
  CHECK(stored_payload_bytes(b.events) == 0);
}

TEST_CASE("an execution whose history outgrows its byte limit fails") {
  // Each iteration changes the payload (a counter), so nothing is shared.
  auto def = interp_test::compile(R"J({"StartAt":"P","States":{
    "P":{"Type":"Pass","Parameters":{"pad.$":"$.pad","n.$":"States.MathAdd($.n, 1)"},"Next":"C"},
    "C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":100000,"Next":"E"}],"Default":"P"},
    "E":{"Type":"Succeed"}}})J");
  interp::limits lim;
  lim.history_bytes = 8 << 20;
  auto st = interp_test::execution("{\"n\":0,\"pad\":\"" + std::string(50 * 1024, 'y') + "\"}");
  auto r = interp::step(*def, st, interp::ev_start{}, 0, lim);
  CHECK(r.next.status == interp::exec_status::failed);
  CHECK(r.next.error == "States.Runtime");
  CHECK(r.next.cause == "The execution reached the maximum size of its history (8388608 bytes).");
  CHECK(r.events.back().type == "ExecutionFailed");
  CHECK(r.next.history_bytes <= lim.history_bytes);
  CHECK(stored_payload_bytes(r.events) <= size_t(lim.history_bytes));
}

// Issue 10, finding 2, end to end in the interpreter: the InputPath fails
// the state with States.DataLimitExceeded instead of building gigabytes.
TEST_CASE("an InputPath with recursive descent over deep input fails the state") {
  auto def = interp_test::compile(
      R"({"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$..[*]..[*]","End":true}}})");
  std::string input;
  for (int i = 0; i < 500; ++i) input += "{\"a\":";
  input += "1";
  for (int i = 0; i < 500; ++i) input += "}";
  auto st = interp_test::execution(input);
  auto r = interp::step(*def, st, interp::ev_start{}, 0);
  CHECK(r.next.status == interp::exec_status::failed);
  CHECK(r.next.error == "States.DataLimitExceeded");
}

// Found by fuzz/execution: IntervalSeconds * BackoffRate^attempt was not
// bounded, so the 70th retry's due time overflowed int64 (signed overflow).
// The back-off is now capped at 366 days, the largest MaxDelaySeconds.
TEST_CASE("a long retry series never overflows the retry timer's due time") {
  auto task_def = interp_test::compile(R"({"StartAt":"T","States":{"T":{"Type":"Task",
    "Resource":"arn:aws:states:us-east-1:123456789012:activity:a",
    "Retry":[{"ErrorEquals":["E"],"MaxAttempts":70}],"End":true}}})");
  auto st = interp_test::execution("{}");
  auto r = interp::step(*task_def, st, interp::ev_start{}, 0);
  int64_t now = 0;
  for (int attempt = 0; attempt < 70; ++attempt) {
    int64_t task = 0;
    for (auto& c : r.commands)
      if (auto* s = std::get_if<interp::cmd_schedule_activity>(&c)) task = s->task;
    REQUIRE(task);
    r = interp::step(*task_def, r.next, interp::ev_task_failed{task, "E", "", true, false}, now);
    int64_t timer = 0, due = 0;
    for (auto& c : r.commands)
      if (auto* t = std::get_if<interp::cmd_start_timer>(&c)) timer = t->timer, due = t->due_ms;
    REQUIRE(timer);
    CHECK(due > now);
    CHECK(due - now <= int64_t(31622400) * 1000);
    now = due;
    r = interp::step(*task_def, r.next, interp::ev_timer{timer}, now);
  }
}

// Found by fuzz/execution: due times were `now + seconds * 1000` in int64,
// so a TimeoutSeconds near INT64_MAX (which validation accepts), or a
// TimeoutSecondsPath/HeartbeatSecondsPath selecting one, overflowed.
TEST_CASE("timeouts up to INT64_MAX seconds arm a timer in the future") {
  auto check_future = [](const interp::step_result& r, int64_t now) {
    size_t timers = 0;
    for (auto& c : r.commands)
      if (auto* t = std::get_if<interp::cmd_start_timer>(&c)) {
        ++timers;
        CHECK(t->due_ms > now);
      }
    CHECK(timers > 0);
  };
  auto top = interp_test::compile(R"({"TimeoutSeconds":9223372036854775807,"StartAt":"W",
    "States":{"W":{"Type":"Wait","Seconds":5,"End":true}}})");
  auto st = interp_test::execution("{}");
  check_future(interp::step(*top, st, interp::ev_start{}, 1000), 1000);
  auto paths = interp_test::compile(R"({"StartAt":"T","States":{"T":{"Type":"Task",
    "Resource":"arn:aws:states:us-east-1:123456789012:activity:a",
    "TimeoutSecondsPath":"$.t","HeartbeatSecondsPath":"$.h","End":true}}})");
  auto st2 = interp_test::execution(R"({"t":9223372036854775807,"h":9223372036854775806})");
  auto r = interp::step(*paths, st2, interp::ev_start{}, 1000);
  check_future(r, 1000);
  int64_t task = 0;
  for (auto& c : r.commands)
    if (auto* s = std::get_if<interp::cmd_schedule_activity>(&c)) task = s->task;
  REQUIRE(task);
  auto started = interp::step(*paths, r.next, interp::ev_activity_started{task, "w"}, 2000);
  check_future(started, 2000);  // the heartbeat timer
}
