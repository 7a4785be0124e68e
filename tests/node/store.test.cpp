// The store conformance suite: every check is written once over a `store&`
// and run against the memory store and against the Redis store (a real
// redis-server started by tests/node/redis_fixture). Plus the codec's round
// trips and garbage handling, and Redis-only behaviour (restart, retention,
// group commit, keyspace checks).
//
//   ./build/tests/node_tests "[store]"          everything
//   ./build/tests/node_tests "[store]~[redis]"  without Redis
#include "cluster/codec.hpp"
#include "cluster/keys.hpp"
#include "cluster/redis_store.hpp"
#include "cluster/store.hpp"
#include "tests/node/redis_fixture.hpp"

#include <catch2/catch.hpp>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

using namespace sc;
using namespace sc::cluster;
using namespace std::chrono_literals;

namespace {

// ---------------------------------------------------------------------------
// Builders.

const std::string region = "arn:aws:states:us-east-1:123456789012:";

std::string machine_arn(const std::string& name) { return region + "stateMachine:" + name; }
std::string exec_arn(const std::string& machine, const std::string& name) {
  return region + "execution:" + machine + ":" + name;
}

state_machine_record machine(const std::string& name, const std::string& def = "{\"v\":1}") {
  state_machine_record m;
  m.arn = machine_arn(name);
  m.name = name;
  m.definition = def;
  m.role_arn = region + "role/r";
  m.creation_ms = 1700000000000;
  m.revision_id = "rev-1";
  return m;
}

activity_record activity(const std::string& name) {
  activity_record a;
  a.arn = region + "activity:" + name;
  a.name = name;
  a.creation_ms = 1700000000123;
  return a;
}

interp::execution_state state_for(const execution_record& r, int64_t events) {
  interp::execution_state s;
  s.execution_arn = r.arn;
  s.state_machine_arn = r.machine_arn;
  s.name = r.name;
  s.input = r.input;
  s.start_ms = r.start_ms;
  s.next_event_id = events + 1;
  return s;
}

execution_record execution(const std::string& machine, const std::string& name, int64_t start,
                           bool with_state = true) {
  execution_record e;
  e.machine_arn = machine_arn(machine);
  e.arn = exec_arn(machine, name);
  e.name = name;
  e.start_ms = start;
  e.input = "{\"n\":\"" + name + "\"}";
  e.definition = "{\"v\":1}";
  e.role_arn = region + "role/r";
  e.revision_id = "rev-1";
  if (with_state) e.state = std::make_shared<interp::execution_state>(state_for(e, 0));
  return e;
}

/// Events first..first+n-1, each pointing at the previous one.
std::vector<model::history_event> events(int64_t first, int64_t n, const std::string& tag = "") {
  std::vector<model::history_event> v;
  for (int64_t i = first; i < first + n; ++i) {
    model::history_event e;
    e.id = i;
    e.previous_id = i - 1;
    e.timestamp_ms = 1700000000000 + i;
    e.type = i == 1 ? "ExecutionStarted" : "PassStateEntered";
    e.details_key = "stateEnteredEventDetails";
    e.details = "{\"name\":\"S" + std::to_string(i) + tag + "\"}";
    v.push_back(std::move(e));
  }
  return v;
}

/// A state with every field away from its default, several threads, timers,
/// tasks and closed tasks.
interp::execution_state complex_state() {
  interp::execution_state s;
  s.execution_arn = exec_arn("m", "complex");
  s.state_machine_arn = machine_arn("m");
  s.state_machine_name = "m";
  s.name = "complex";
  s.role_arn = region + "role/x";
  s.input = "{\"a\":[1,2,3],\"u\":\"\\u00e9\\u0000\"}";
  s.start_ms = 1700000000001;
  s.stop_ms = -42;
  s.status = interp::exec_status::timed_out;
  s.output = "{\"out\":true}";
  s.error = "States.Timeout";
  s.cause = std::string("bin\0ary", 7);
  s.has_error = true;
  s.has_cause = true;
  s.next_event_id = 987654321012;
  s.next_thread = 17;
  s.next_task = 5000000000;
  s.next_timer = 77;
  s.rng = 0xFEDCBA9876543210ull;
  for (int id : {0, 3, 16}) {
    interp::thread t;
    t.id = id;
    t.parent = id == 0 ? -1 : 0;
    t.machine = id % 4;
    t.state = id + 2;
    t.child_index = 1000000000000 + id;
    t.ph = id == 0 ? interp::phase::children : id == 3 ? interp::phase::task : interp::phase::done;
    t.input = "{\"i\":" + std::to_string(id) + "}";
    t.effective = "{\"e\":" + std::to_string(id) + "}";
    t.entered_event = 10 + id;
    t.entered_ms = 1700000000100 + id;
    t.last_event = 9 + id;
    t.retries = {1, 0, -3, INT64_MAX};
    t.task_id = 40 + id;
    t.timeout_timer = 50 + id;
    t.heartbeat_timer = 60 + id;
    t.heartbeat_seconds = 30;
    t.task_started = id == 3;
    t.timer = INT64_MIN;
    t.children = {3, 16, -1};
    t.results = {"", "{\"r\":1}", std::string(300, 'x')};
    t.items = "[1,2,3]";
    t.item_count = 3;
    t.next_item = 2;
    t.finished = 1;
    t.failures = 1;
    t.max_concurrency = 2;
    t.tolerated_count = 5;
    t.tolerated_percentage = 12.5;
    t.failed = id == 16;
    t.output = "{\"o\":" + std::to_string(id) + "}";
    t.error = "E" + std::to_string(id);
    t.cause = "C" + std::to_string(id);
    t.failed_items = {id, 7};
    t.redo = {INT64_MAX, 0};
    t.map_run_redrives = 999 + id;
    t.child_redrives = 7 + id;
    t.child_items = 2 + id;
    t.map_items_total = 10000 + id;
    t.map_items_started = 30 + id;
    t.map_items_succeeded = 20 + id;
    t.map_items_failed = 5 + id;
    t.map_items_aborted = 3 + id;
    t.ms.reader = "{\"Resource\":\"r\"}";
    t.ms.cursor = "{\"Offset\":" + std::to_string(id) + "}";
    t.ms.end = id == 3;
    t.ms.base = 40 + id;
    t.ms.carry = "[1]";
    t.ms.read = 50 + id;
    t.ms.io_task = 60 + id;
    t.ms.io_request = "{\"Op\":\"put\"}";
    t.ms.ok_records = {"{\"a\":1}", ""};
    t.ms.failed_records = {"{\"f\":2}"};
    t.ms.buffered_bytes = 70 + id;
    t.ms.ok_files = 2;
    t.ms.failed_files = 1;
    t.ms.io_records = -1;
    t.ms.io_failed_file = true;
    t.ms.ok_entries = "{\"Key\":\"k\"}";
    t.ms.failed_entries = "{\"Key\":\"f\"}";
    t.ms.written = 80 + id;
    t.ms.closing = id == 16;
    t.ms.failed_inputs = {"1", "2"};
    t.ms.redo_inputs = {"3"};
    t.ms.item = "{\"i\":" + std::to_string(id) + "}";
    s.threads[id] = t;
  }
  s.redrive_count = 3;
  s.redrive_ms = 1700000005555;
  s.redrive[1] = s.threads[3];
  s.redrive_tokens = {{"tok-a", 1}, {"tok-b", -2}};
  s.timers[1] = {0, interp::timer_kind::execution_timeout, 1700000009999};
  s.timers[2] = {3, interp::timer_kind::heartbeat, 1700000001111};
  s.timers[3] = {16, interp::timer_kind::retry, -5};
  s.tasks[43] = 3;
  s.tasks[5000000001] = 16;
  s.closed_tasks[1] = interp::task_end::done;
  s.closed_tasks[2] = interp::task_end::timed_out;
  return s;
}

// ---------------------------------------------------------------------------
// Comparisons (the records have no operator==).

void check_same(const interp::thread& a, const interp::thread& b) {
  CHECK(a.id == b.id);
  CHECK(a.parent == b.parent);
  CHECK(a.machine == b.machine);
  CHECK(a.state == b.state);
  CHECK(a.child_index == b.child_index);
  CHECK(a.ph == b.ph);
  CHECK(a.input == b.input);
  CHECK(a.effective == b.effective);
  CHECK(a.entered_event == b.entered_event);
  CHECK(a.entered_ms == b.entered_ms);
  CHECK(a.last_event == b.last_event);
  CHECK(a.retries == b.retries);
  CHECK(a.task_id == b.task_id);
  CHECK(a.timeout_timer == b.timeout_timer);
  CHECK(a.heartbeat_timer == b.heartbeat_timer);
  CHECK(a.heartbeat_seconds == b.heartbeat_seconds);
  CHECK(a.task_started == b.task_started);
  CHECK(a.timer == b.timer);
  CHECK(a.children == b.children);
  CHECK(a.results == b.results);
  CHECK(a.items == b.items);
  CHECK(a.item_count == b.item_count);
  CHECK(a.next_item == b.next_item);
  CHECK(a.finished == b.finished);
  CHECK(a.failures == b.failures);
  CHECK(a.max_concurrency == b.max_concurrency);
  CHECK(a.tolerated_count == b.tolerated_count);
  CHECK(a.tolerated_percentage == b.tolerated_percentage);
  CHECK(a.failed == b.failed);
  CHECK(a.output == b.output);
  CHECK(a.error == b.error);
  CHECK(a.cause == b.cause);
  CHECK(a.failed_items == b.failed_items);
  CHECK(a.redo == b.redo);
  CHECK(a.map_run_redrives == b.map_run_redrives);
  CHECK(a.child_redrives == b.child_redrives);
  CHECK(a.child_items == b.child_items);
  CHECK(a.map_items_total == b.map_items_total);
  CHECK(a.map_items_started == b.map_items_started);
  CHECK(a.map_items_succeeded == b.map_items_succeeded);
  CHECK(a.map_items_failed == b.map_items_failed);
  CHECK(a.map_items_aborted == b.map_items_aborted);
  const auto &x = a.ms, &y = b.ms;
  CHECK(x.reader == y.reader);
  CHECK(x.cursor == y.cursor);
  CHECK(x.end == y.end);
  CHECK(x.base == y.base);
  CHECK(x.carry == y.carry);
  CHECK(x.read == y.read);
  CHECK(x.io_task == y.io_task);
  CHECK(x.io_request == y.io_request);
  CHECK(x.ok_records == y.ok_records);
  CHECK(x.failed_records == y.failed_records);
  CHECK(x.buffered_bytes == y.buffered_bytes);
  CHECK(x.ok_files == y.ok_files);
  CHECK(x.failed_files == y.failed_files);
  CHECK(x.io_records == y.io_records);
  CHECK(x.io_failed_file == y.io_failed_file);
  CHECK(x.ok_entries == y.ok_entries);
  CHECK(x.failed_entries == y.failed_entries);
  CHECK(x.written == y.written);
  CHECK(x.closing == y.closing);
  CHECK(x.failed_inputs == y.failed_inputs);
  CHECK(x.redo_inputs == y.redo_inputs);
  CHECK(x.item == y.item);
}

void check_same(const interp::execution_state& a, const interp::execution_state& b) {
  CHECK(a.execution_arn == b.execution_arn);
  CHECK(a.state_machine_arn == b.state_machine_arn);
  CHECK(a.state_machine_name == b.state_machine_name);
  CHECK(a.name == b.name);
  CHECK(a.role_arn == b.role_arn);
  CHECK(a.input == b.input);
  CHECK(a.start_ms == b.start_ms);
  CHECK(a.stop_ms == b.stop_ms);
  CHECK(a.status == b.status);
  CHECK(a.output == b.output);
  CHECK(a.error == b.error);
  CHECK(a.cause == b.cause);
  CHECK(a.has_error == b.has_error);
  CHECK(a.has_cause == b.has_cause);
  CHECK(a.next_event_id == b.next_event_id);
  CHECK(a.next_thread == b.next_thread);
  CHECK(a.next_task == b.next_task);
  CHECK(a.next_timer == b.next_timer);
  CHECK(a.rng == b.rng);
  REQUIRE(a.threads.size() == b.threads.size());
  for (auto ia = a.threads.begin(), ib = b.threads.begin(); ia != a.threads.end(); ++ia, ++ib) {
    CHECK(ia->first == ib->first);
    check_same(ia->second, ib->second);
  }
  REQUIRE(a.timers.size() == b.timers.size());
  for (auto ia = a.timers.begin(), ib = b.timers.begin(); ia != a.timers.end(); ++ia, ++ib) {
    CHECK(ia->first == ib->first);
    CHECK(ia->second.thread == ib->second.thread);
    CHECK(ia->second.kind == ib->second.kind);
    CHECK(ia->second.due_ms == ib->second.due_ms);
  }
  CHECK(a.tasks == b.tasks);
  CHECK(a.closed_tasks == b.closed_tasks);
  CHECK(a.redrive_count == b.redrive_count);
  CHECK(a.redrive_ms == b.redrive_ms);
  REQUIRE(a.redrive.size() == b.redrive.size());
  for (auto ia = a.redrive.begin(), ib = b.redrive.begin(); ia != a.redrive.end(); ++ia, ++ib) {
    CHECK(ia->first == ib->first);
    check_same(ia->second, ib->second);
  }
  CHECK(a.redrive_tokens == b.redrive_tokens);
}

void check_same(const state_machine_record& a, const state_machine_record& b) {
  CHECK(a.arn == b.arn);
  CHECK(a.name == b.name);
  CHECK(a.definition == b.definition);
  CHECK(a.role_arn == b.role_arn);
  CHECK(a.type == b.type);
  CHECK(a.creation_ms == b.creation_ms);
  CHECK(a.update_ms == b.update_ms);
  CHECK(a.logging_json == b.logging_json);
  CHECK(a.tracing_enabled == b.tracing_enabled);
  CHECK(a.revision_id == b.revision_id);
  CHECK(a.description == b.description);
  CHECK(a.status == b.status);
}

void check_same(const execution_record& a, const execution_record& b, bool with_state = true) {
  CHECK(a.arn == b.arn);
  CHECK(a.machine_arn == b.machine_arn);
  CHECK(a.name == b.name);
  CHECK(a.status == b.status);
  CHECK(a.start_ms == b.start_ms);
  CHECK(a.stop_ms == b.stop_ms);
  CHECK(a.input == b.input);
  CHECK(a.output == b.output);
  CHECK(a.error == b.error);
  CHECK(a.cause == b.cause);
  CHECK(a.has_output == b.has_output);
  CHECK(a.has_error == b.has_error);
  CHECK(a.has_cause == b.has_cause);
  CHECK(a.definition == b.definition);
  CHECK(a.role_arn == b.role_arn);
  CHECK(a.machine_update_ms == b.machine_update_ms);
  CHECK(a.revision_id == b.revision_id);
  CHECK(a.express == b.express);
  CHECK(a.trace_header == b.trace_header);
  if (!with_state) return;
  REQUIRE(bool(a.state) == bool(b.state));
  if (a.state) check_same(*a.state, *b.state);
}

void check_same(const model::history_event& a, const model::history_event& b) {
  CHECK(a.id == b.id);
  CHECK(a.previous_id == b.previous_id);
  CHECK(a.timestamp_ms == b.timestamp_ms);
  CHECK(a.type == b.type);
  CHECK(a.details_key == b.details_key);
  CHECK(a.details == b.details);
}

std::vector<int64_t> ids(const std::vector<model::history_event>& v) {
  std::vector<int64_t> out;
  for (auto& e : v) out.push_back(e.id);
  return out;
}

std::vector<int64_t> range(int64_t from, int64_t to) {  // inclusive, either direction
  std::vector<int64_t> out;
  if (from <= to)
    for (int64_t i = from; i <= to; ++i) out.push_back(i);
  else
    for (int64_t i = from; i >= to; --i) out.push_back(i);
  return out;
}

/// Marks `r` finished with `status` and saves it with one more event.
void finish(store& s, execution_record r, const std::string& status = "SUCCEEDED",
            int64_t event_id = 2) {
  r.status = status;
  r.stop_ms = r.start_ms + 1000;
  r.output = "{\"done\":1}";
  r.has_output = true;
  s.save_execution(r, events(event_id, 1));
}

// ---------------------------------------------------------------------------
// Backends.

std::unique_ptr<store> fresh_redis_store(const redis_store_options& o = {}) {
  auto& srv = test::shared_redis();
  INFO(srv.error());
  REQUIRE(srv.ok());
  REQUIRE(srv.flushall());
  std::string err;
  auto s = make_redis_store(srv.url(), o, &err);
  INFO(err);
  REQUIRE(s);
  return s;
}

/// A plain hiredis connection to the shared server, for peeking at keys.
struct peek {
  redisContext* c;
  explicit peek(int port) {
    timeval tv{2, 0};
    c = redisConnectWithTimeout("127.0.0.1", port, tv);
    REQUIRE(c);
    REQUIRE(c->err == 0);
  }
  ~peek() { redisFree(c); }
  long long integer(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(
        test::command_argv(c, static_cast<int>(args.size()), argv.data(), lens.data()));
    REQUIRE(r);
    long long v = r->type == REDIS_REPLY_INTEGER ? r->integer : -999;
    freeReplyObject(r);
    return v;
  }
};

#define STORE_CONFORMANCE(name, fn)                                   \
  TEST_CASE("memory store: " name, "[store]") {                       \
    auto s = make_memory_store();                                     \
    fn(*s);                                                           \
  }                                                                   \
  TEST_CASE("redis store: " name, "[store][redis]") {                 \
    auto s = fresh_redis_store();                                     \
    fn(*s);                                                           \
  }

// ---------------------------------------------------------------------------
// The conformance checks.

void state_machines(store& s) {
  auto m = machine("alpha");
  state_machine_record existing;
  CHECK(s.create_state_machine(m, existing) == create_outcome::created);

  // Same attributes → existing (and `existing` filled); a different role
  // is ignored; a different definition/type/logging/tracing → conflict.
  auto again = m;
  again.role_arn = region + "role/other";
  again.creation_ms = 1;
  CHECK(s.create_state_machine(again, existing) == create_outcome::existing);
  check_same(existing, m);
  for (int which = 0; which < 4; ++which) {
    auto diff = m;
    if (which == 0) diff.definition = "{\"v\":2}";
    if (which == 1) diff.type = "EXPRESS";
    if (which == 2) diff.logging_json = "{\"level\":\"ALL\"}";
    if (which == 3) diff.tracing_enabled = true;
    state_machine_record ex;
    CHECK(s.create_state_machine(diff, ex) == create_outcome::conflict);
    check_same(ex, m);
  }

  auto got = s.get_state_machine(m.arn);
  REQUIRE(got);
  check_same(*got, m);
  CHECK_FALSE(s.get_state_machine(machine_arn("nope")));

  // put: replaces an existing record only.
  auto upd = m;
  upd.definition = "{\"v\":3}";
  upd.update_ms = 1700000005000;
  upd.description = "updated";
  upd.tracing_enabled = true;
  CHECK(s.put_state_machine(upd));
  check_same(*s.get_state_machine(m.arn), upd);
  CHECK_FALSE(s.put_state_machine(machine("ghost")));
  CHECK_FALSE(s.get_state_machine(machine_arn("ghost")));

  // List: ARN order, paged by the last ARN.
  for (auto n : {"delta", "beta", "charlie", "echo"}) CHECK(s.create_state_machine(machine(n), existing) == create_outcome::created);
  std::vector<std::string> all;
  std::string after;
  int pages = 0;
  do {
    auto p = s.list_state_machines(after, 2);
    CHECK(p.items.size() <= 2);
    for (auto& r : p.items) all.push_back(r.name);
    after = p.next;
    ++pages;
  } while (!after.empty() && pages < 10);
  CHECK(all == std::vector<std::string>{"alpha", "beta", "charlie", "delta", "echo"});
  CHECK(pages == 3);
  auto full = s.list_state_machines("", 5);
  CHECK(full.items.size() == 5);
  CHECK(full.next.empty());  // exactly `limit` left: no next page
  auto tail = s.list_state_machines(machine_arn("charlie"), 100);
  REQUIRE(tail.items.size() == 2);
  CHECK(tail.items[0].name == "delta");
  CHECK(tail.items[0].definition == "{\"v\":1}");

  // Delete (nothing running): gone, with its tags.
  s.set_tags(machine_arn("beta"), {{"k", "v"}});
  CHECK(s.delete_state_machine(machine_arn("beta")));
  CHECK_FALSE(s.get_state_machine(machine_arn("beta")));
  CHECK(s.get_tags(machine_arn("beta")).empty());
  CHECK_FALSE(s.delete_state_machine(machine_arn("beta")));
  CHECK(s.list_state_machines("", 100).items.size() == 4);
  // And can be created again.
  CHECK(s.create_state_machine(machine("beta", "{\"new\":1}"), existing) == create_outcome::created);
  CHECK(s.get_state_machine(machine_arn("beta"))->definition == "{\"new\":1}");
}
STORE_CONFORMANCE("state machines: create/get/put/list/delete", state_machines)

void deleting_rule(store& s) {
  state_machine_record existing;
  auto m = machine("busy");
  REQUIRE(s.create_state_machine(m, existing) == create_outcome::created);
  s.set_tags(m.arn, {{"team", "a"}});
  auto e1 = execution("busy", "e1", 1000);
  auto e2 = execution("busy", "e2", 2000);
  auto done_already = execution("busy", "e0", 500);
  done_already.status = "SUCCEEDED";
  execution_record ex;
  REQUIRE(s.create_execution(e1, events(1, 1), ex) == create_outcome::created);
  REQUIRE(s.create_execution(e2, events(1, 1), ex) == create_outcome::created);
  REQUIRE(s.create_execution(done_already, events(1, 2), ex) == create_outcome::created);

  // Executions still run: only marked DELETING.
  CHECK(s.delete_state_machine(m.arn));
  auto got = s.get_state_machine(m.arn);
  REQUIRE(got);
  CHECK(got->status == "DELETING");
  CHECK(got->definition == m.definition);
  CHECK(s.create_state_machine(m, existing) == create_outcome::deleting);
  CHECK(existing.status == "DELETING");
  CHECK(s.delete_state_machine(m.arn));  // again: still true, still there
  CHECK(s.get_state_machine(m.arn));
  CHECK(s.list_state_machines("", 10).items.size() == 1);

  // A RUNNING save does not count as finishing.
  s.save_execution(e1, events(2, 1));
  CHECK(s.get_state_machine(m.arn));
  finish(s, e1, "FAILED", 3);
  CHECK(s.get_state_machine(m.arn));  // e2 still runs
  CHECK(s.get_tags(m.arn).size() == 1);

  // The last one finishing (through the async path here) erases it.
  std::promise<bool> acked;
  auto r2 = e2;
  r2.status = "ABORTED";
  r2.stop_ms = 3000;
  s.save_execution_async(r2, events(2, 1), [&](bool ok) { acked.set_value(ok); });
  REQUIRE(acked.get_future().get());
  CHECK_FALSE(s.get_state_machine(m.arn));
  CHECK(s.get_tags(m.arn).empty());
  CHECK(s.list_state_machines("", 10).items.empty());
  // The executions themselves stay readable.
  CHECK(s.get_execution(e2.arn)->status == "ABORTED");
  CHECK(s.list_executions(m.arn, "", "", 10).items.size() == 3);

  // Re-created under the same ARN: a fresh ACTIVE machine.
  CHECK(s.create_state_machine(m, existing) == create_outcome::created);
  CHECK(s.get_state_machine(m.arn)->status == "ACTIVE");

  // Deleting a machine whose executions all finished: gone at once.
  CHECK(s.delete_state_machine(m.arn));
  CHECK_FALSE(s.get_state_machine(m.arn));
}
STORE_CONFORMANCE("DeleteStateMachine while executions run (DELETING)", deleting_rule)

void activities_and_tags(store& s) {
  activity_record existing;
  auto a = activity("work");
  CHECK(s.create_activity(a, existing) == create_outcome::created);
  auto again = a;
  again.creation_ms = 5;
  CHECK(s.create_activity(again, existing) == create_outcome::existing);
  CHECK(existing.arn == a.arn);
  CHECK(existing.name == "work");
  CHECK(existing.creation_ms == a.creation_ms);
  auto got = s.get_activity(a.arn);
  REQUIRE(got);
  CHECK(got->creation_ms == a.creation_ms);
  CHECK_FALSE(s.get_activity(region + "activity:none"));

  for (auto n : {"b", "c", "d"}) CHECK(s.create_activity(activity(n), existing) == create_outcome::created);
  auto p1 = s.list_activities("", 3);
  REQUIRE(p1.items.size() == 3);
  CHECK(p1.items[0].name == "b");
  CHECK(p1.next == p1.items[2].arn);
  auto p2 = s.list_activities(p1.next, 3);
  REQUIRE(p2.items.size() == 1);
  CHECK(p2.items[0].name == "work");
  CHECK(p2.next.empty());

  // Tags keep their order; empty = none.
  std::vector<tag> t = {{"z", "1"}, {"a", ""}, {"m", "x y"}};
  s.set_tags(a.arn, t);
  auto back = s.get_tags(a.arn);
  REQUIRE(back.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(back[i].key == t[i].key);
    CHECK(back[i].value == t[i].value);
  }
  CHECK(s.get_tags(region + "activity:b").empty());
  s.set_tags(region + "activity:b", {{"k", "v"}});
  s.set_tags(region + "activity:b", {});
  CHECK(s.get_tags(region + "activity:b").empty());

  CHECK(s.delete_activity(a.arn));
  CHECK_FALSE(s.get_activity(a.arn));
  CHECK(s.get_tags(a.arn).empty());
  CHECK_FALSE(s.delete_activity(a.arn));
  CHECK(s.list_activities("", 10).items.size() == 3);
}
STORE_CONFORMANCE("activities and tags", activities_and_tags)

// The counts CreateStateMachine / CreateActivity check their quotas against.
void counts_for_quotas(store& s) {
  CHECK(s.count_state_machines() == 0);
  CHECK(s.count_activities() == 0);
  state_machine_record em;
  activity_record ea;
  for (auto n : {"q1", "q2", "q3"}) REQUIRE(s.create_state_machine(machine(n), em) == create_outcome::created);
  CHECK(s.create_state_machine(machine("q1"), em) == create_outcome::existing);  // not counted twice
  for (auto n : {"a1", "a2"}) REQUIRE(s.create_activity(activity(n), ea) == create_outcome::created);
  CHECK(s.create_activity(activity("a1"), ea) == create_outcome::existing);
  CHECK(s.count_state_machines() == 3);
  CHECK(s.count_activities() == 2);
  CHECK(s.delete_state_machine(machine("q2").arn));
  CHECK(s.delete_activity(activity("a1").arn));
  CHECK(s.count_state_machines() == 2);
  CHECK(s.count_activities() == 1);
}
STORE_CONFORMANCE("counts for the quotas", counts_for_quotas)

void executions_and_history(store& s) {
  auto e = execution("m", "run1", 1700000000000);
  e.trace_header = "Root=1-abc";
  e.express = false;
  auto st = complex_state();
  e.state = std::make_shared<interp::execution_state>(st);
  execution_record existing;
  CHECK(s.create_execution(e, events(1, 2), existing) == create_outcome::created);
  CHECK(s.history_length(e.arn) == 2);

  // Same ARN again: `existing` with the stored record (and state).
  auto again = e;
  again.input = "{\"other\":1}";
  CHECK(s.create_execution(again, events(1, 5), existing) == create_outcome::existing);
  check_same(existing, e);
  CHECK(s.history_length(e.arn) == 2);  // untouched

  auto got = s.get_execution(e.arn);
  REQUIRE(got);
  check_same(*got, e);  // includes the full execution_state round trip
  auto bare = s.get_execution_record(e.arn);
  REQUIRE(bare);
  CHECK_FALSE(bare->state);
  check_same(*bare, e, false);
  CHECK_FALSE(s.get_execution_record(exec_arn("m", "none")));

  // The usual case: the state repeats the record's identity (ARNs, name,
  // role, input), which a store may keep once. Two revisions' executions
  // side by side keep their own definitions.
  auto d1 = execution("m", "same-identity", 1700000000100);
  auto dst = complex_state();
  dst.execution_arn = d1.arn;
  dst.state_machine_arn = d1.machine_arn;
  dst.state_machine_name = "m";
  dst.name = d1.name;
  dst.role_arn = d1.role_arn;
  dst.input = d1.input;
  d1.state = std::make_shared<interp::execution_state>(dst);
  auto d2 = execution("m", "other-revision", 1700000000200);
  d2.revision_id = "rev-2";
  d2.definition = "{\"v\":2}";
  d2.role_arn = region + "role/other";
  CHECK(s.create_execution(d1, events(1, 1), existing) == create_outcome::created);
  CHECK(s.create_execution(d2, events(1, 1), existing) == create_outcome::created);
  check_same(*s.get_execution(d1.arn), d1);
  check_same(*s.get_execution(d2.arn), d2);
  CHECK_FALSE(s.get_execution(exec_arn("m", "none")));
  CHECK(s.history_length(exec_arn("m", "none")) == 0);
  CHECK(s.get_history(exec_arn("m", "none"), 0, 10, false).empty());
  CHECK(s.get_history(exec_arn("m", "none"), 0, 10, true).empty());

  // save: appends and replaces record + state.
  auto r = e;
  auto st2 = st;
  st2.next_event_id = 41;
  st2.threads.erase(16);
  r.state = std::make_shared<interp::execution_state>(st2);
  s.save_execution(r, events(3, 38));
  s.save_execution(r, {});  // no events: record/state only
  CHECK(s.history_length(e.arn) == 40);
  check_same(*s.get_execution(e.arn), r);

  // Finish; the state may also be dropped (saved without one).
  r.status = "SUCCEEDED";
  r.stop_ms = 1700000009000;
  r.output = "{\"ok\":true}";
  r.has_output = true;
  r.state.reset();
  s.save_execution(r, events(41, 1));
  auto fin = s.get_execution(e.arn);
  REQUIRE(fin);
  check_same(*fin, r);
  CHECK_FALSE(fin->state);
  CHECK(s.history_length(e.arn) == 41);

  // Events come back exactly.
  auto all = s.get_history(e.arn, 0, 1000, false);
  REQUIRE(all.size() == 41);
  auto expect = events(1, 2);
  auto more = events(3, 38);
  expect.insert(expect.end(), more.begin(), more.end());
  expect.push_back(events(41, 1)[0]);
  for (size_t i = 0; i < 41; ++i) check_same(all[i], expect[i]);

  // Forward paging: [from, from+limit).
  CHECK(ids(s.get_history(e.arn, 1, 10, false)) == range(1, 10));
  CHECK(ids(s.get_history(e.arn, 0, 10, false)) == range(1, 10));
  CHECK(ids(s.get_history(e.arn, 11, 10, false)) == range(11, 20));
  CHECK(ids(s.get_history(e.arn, 35, 10, false)) == range(35, 41));
  CHECK(s.get_history(e.arn, 42, 10, false).empty());
  CHECK(ids(s.get_history(e.arn, 41, 1, false)) == range(41, 41));
  // Backward: (from-limit, from], from = 0 = the end.
  CHECK(ids(s.get_history(e.arn, 0, 10, true)) == range(41, 32));
  CHECK(ids(s.get_history(e.arn, 31, 10, true)) == range(31, 22));
  CHECK(ids(s.get_history(e.arn, 5, 10, true)) == range(5, 1));
  CHECK(ids(s.get_history(e.arn, 100, 3, true)) == range(41, 39));
  CHECK(ids(s.get_history(e.arn, 0, 1000, true)) == range(41, 1));
  CHECK(s.get_history(e.arn, -1, 10, true).empty());
  CHECK(s.get_history(e.arn, 0, 0, true).empty());
  // Paging through everything backwards the way the API does.
  std::vector<int64_t> walked;
  int64_t from = 0;
  for (int guard = 0; guard < 20; ++guard) {
    auto p = s.get_history(e.arn, from, 7, true);
    if (p.empty()) break;
    for (auto& ev : p) walked.push_back(ev.id);
    from = p.back().id - 1;
    if (from < 1) break;
  }
  CHECK(walked == range(41, 1));
}
STORE_CONFORMANCE("executions: create/get/save and history paging", executions_and_history)

void list_executions_paging(store& s) {
  // 30 executions of "lm" with start times including ties, a few of
  // another machine interleaved; some finished.
  struct ref {
    int64_t start;
    std::string arn;
    std::string status;
  };
  std::vector<ref> refs;
  execution_record ex;
  for (int i = 0; i < 30; ++i) {
    int64_t start = 1000 + (i / 3) * 10;  // groups of three share a start time
    auto e = execution("lm", "x" + std::to_string((i * 7) % 30), start, i % 2 == 0);
    REQUIRE(s.create_execution(e, events(1, 1), ex) == create_outcome::created);
    std::string status = "RUNNING";
    if (i % 5 == 1) {
      status = "SUCCEEDED";
      finish(s, e, status);
    } else if (i % 5 == 3) {
      status = "FAILED";
      finish(s, e, status);
    }
    refs.push_back({start, e.arn, status});
    auto other = execution("other", "o" + std::to_string(i), start);
    REQUIRE(s.create_execution(other, {}, ex) == create_outcome::created);
  }
  // Newest first = (start, arn) descending.
  std::sort(refs.begin(), refs.end(), [](const ref& a, const ref& b) {
    return a.start != b.start ? a.start > b.start : a.arn > b.arn;
  });

  auto collect = [&](const std::string& status, size_t limit) {
    std::vector<std::string> got;
    std::string after;
    int pages = 0;
    do {
      auto p = s.list_executions(machine_arn("lm"), status, after, limit);
      CHECK(p.items.size() <= limit);
      for (auto& r : p.items) {
        CHECK_FALSE(r.state);  // listings carry no state
        CHECK(r.machine_arn == machine_arn("lm"));
        if (!status.empty()) CHECK(r.status == status);
        got.push_back(r.arn);
      }
      if (!p.next.empty()) CHECK(p.items.size() == limit);
      after = p.next;
      ++pages;
    } while (!after.empty() && pages < 100);
    return got;
  };
  for (std::string status : {"", "RUNNING", "SUCCEEDED", "FAILED", "ABORTED"}) {
    std::vector<std::string> want;
    for (auto& r : refs)
      if (status.empty() || r.status == status) want.push_back(r.arn);
    for (size_t limit : {1, 4, 7, 100}) {
      INFO("status '" << status << "' limit " << limit);
      CHECK(collect(status, limit) == want);
    }
  }
  // A full page exactly: no next.
  auto p = s.list_executions(machine_arn("lm"), "", "", 30);
  CHECK(p.items.size() == 30);
  CHECK(p.next.empty());
  // Status of listed records is current.
  auto succeeded = s.list_executions(machine_arn("lm"), "SUCCEEDED", "", 100);
  CHECK(succeeded.items.size() == 6);
  for (auto& r : succeeded.items) CHECK(r.has_output);
  // `after` unknown or of another machine: empty.
  CHECK(s.list_executions(machine_arn("lm"), "", exec_arn("lm", "zzz"), 10).items.empty());
  CHECK(s.list_executions(machine_arn("lm"), "", exec_arn("other", "o3"), 10).items.empty());
  CHECK(s.list_executions(machine_arn("nobody"), "", "", 10).items.empty());
  CHECK(s.list_executions(machine_arn("other"), "", "", 100).items.size() == 30);

  // Stable under concurrent inserts: newer executions do not shift pages.
  auto first = s.list_executions(machine_arn("lm"), "", "", 10);
  REQUIRE(first.next.size() > 0);
  REQUIRE(s.create_execution(execution("lm", "newest", 999999), {}, ex) ==
          create_outcome::created);
  auto second = s.list_executions(machine_arn("lm"), "", first.next, 10);
  REQUIRE(second.items.size() == 10);
  CHECK(second.items[0].arn == refs[10].arn);
}
STORE_CONFORMANCE("ListExecutions: newest first, statusFilter, after", list_executions_paging)

void running_set(store& s) {
  execution_record ex;
  auto a = execution("rm", "a", 1);
  auto b = execution("rm", "b", 2);
  auto x = execution("rm", "express", 3);
  x.express = true;
  auto c = execution("rm", "c", 4, false);  // no state yet
  for (auto* e : {&a, &b, &x, &c}) REQUIRE(s.create_execution(*e, events(1, 1), ex) == create_outcome::created);
  s.save_execution(a, events(2, 1));
  finish(s, b, "SUCCEEDED", 2);
  auto run = s.running_executions();
  std::map<std::string, execution_record> by;
  for (auto& r : run) by[r.name] = r;
  CHECK(by.size() == 2);
  REQUIRE(by.count("a"));
  REQUIRE(by.count("c"));
  CHECK(by["a"].state);  // with the state, to resume from
  check_same(by["a"], a);
  CHECK_FALSE(by["c"].state);
  finish(s, a, "ABORTED", 3);
  finish(s, c, "TIMED_OUT", 2);
  CHECK(s.running_executions().empty());
}
STORE_CONFORMANCE("running_executions", running_set)

void atomic_saves(store& s) {
  // The record's stop_ms carries how many events its save had appended in
  // total. A reader that sees a record must see at least that many events
  // (and, read before it, never more than a later record claims).
  auto e = execution("at", "x", 1);
  execution_record ex;
  REQUIRE(s.create_execution(e, {}, ex) == create_outcome::created);
  std::atomic<bool> stop{false};
  std::atomic<int> violations{0}, reads{0};
  std::thread reader([&] {
    while (!stop.load()) {
      int64_t before = s.history_length(e.arn);
      auto r = s.get_execution(e.arn);
      int64_t after = s.history_length(e.arn);
      if (!r || !r->state) {
        ++violations;
        continue;
      }
      if (before > r->stop_ms || after < r->stop_ms) ++violations;
      if (r->state->next_event_id != r->stop_ms + 1) ++violations;  // record and state together
      ++reads;
    }
  });
  auto r = e;
  int64_t total = 0;
  for (int i = 0; i < 300; ++i) {
    int64_t n = 1 + i % 3;
    total += n;
    r.stop_ms = total;
    r.state = std::make_shared<interp::execution_state>(state_for(r, total));
    s.save_execution(r, events(total - n + 1, n));
  }
  // Wait for some reads to have happened concurrently.
  for (int i = 0; i < 200 && reads.load() < 50; ++i) std::this_thread::sleep_for(5ms);
  stop = true;
  reader.join();
  CHECK(violations.load() == 0);
  CHECK(reads.load() > 0);
  CHECK(s.history_length(e.arn) == total);
  CHECK(ids(s.get_history(e.arn, 0, 100000, false)) == range(1, total));
}
STORE_CONFORMANCE("a reader never sees a record without its events", atomic_saves)

void concurrent_saves(store& s) {
  constexpr int threads = 8, per_thread = 12, saves = 10, per_save = 3;
  execution_record ex;
  std::vector<std::thread> ts;
  std::atomic<int> errors{0};
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      try {
        for (int i = 0; i < per_thread; ++i) {
          auto e = execution("cc", "t" + std::to_string(t) + "-" + std::to_string(i), t * 100 + i);
          if (s.create_execution(e, {}, ex) != create_outcome::created) ++errors;
          for (int k = 0; k < saves; ++k) {
            auto r = e;
            if (k == saves - 1) {
              r.status = "SUCCEEDED";
              r.stop_ms = 99;
            }
            s.save_execution(r, events(k * per_save + 1, per_save, "-" + e.name));
          }
        }
      } catch (...) {
        ++errors;
      }
    });
  for (auto& t : ts) t.join();
  CHECK(errors.load() == 0);
  for (int t = 0; t < threads; ++t)
    for (int i = 0; i < per_thread; ++i) {
      auto arn = exec_arn("cc", "t" + std::to_string(t) + "-" + std::to_string(i));
      auto h = s.get_history(arn, 0, 1000, false);
      REQUIRE(h.size() == saves * per_save);
      CHECK(ids(h) == range(1, saves * per_save));
      CHECK(h.back().details.find("-t" + std::to_string(t) + "-" + std::to_string(i) + "\"") !=
            std::string::npos);
      CHECK(s.get_execution(arn)->status == "SUCCEEDED");
    }
  CHECK(s.list_executions(machine_arn("cc"), "", "", 1000).items.size() == threads * per_thread);
  CHECK(s.list_executions(machine_arn("cc"), "RUNNING", "", 1000).items.empty());
  CHECK(s.running_executions().empty());
}
STORE_CONFORMANCE("many threads saving different executions", concurrent_saves)

void async_group_commit(store& s) {
  constexpr int threads = 4, per_thread = 25, saves = 40;
  execution_record ex;
  for (int t = 0; t < threads; ++t)
    for (int i = 0; i < per_thread; ++i)
      REQUIRE(s.create_execution(execution("ag", std::to_string(t) + "-" + std::to_string(i), i),
                                 {}, ex) == create_outcome::created);
  std::mutex mu;
  std::condition_variable cv;
  int acked = 0, failed = 0;
  auto done = [&](bool ok) {
    std::lock_guard lock(mu);
    ++(ok ? acked : failed);
    cv.notify_all();
  };
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      // Round-robin over this thread's executions, never waiting: many
      // saves in flight; each execution's saves come from one thread.
      for (int k = 0; k < saves; ++k)
        for (int i = 0; i < per_thread; ++i) {
          auto r = execution("ag", std::to_string(t) + "-" + std::to_string(i), i);
          r.stop_ms = k;
          if (k == saves - 1) r.status = "SUCCEEDED";
          s.save_execution_async(r, events(k + 1, 1), done);
        }
    });
  for (auto& t : ts) t.join();
  constexpr int total = threads * per_thread * saves;
  {
    std::unique_lock lock(mu);
    REQUIRE(cv.wait_for(lock, 20s, [&] { return acked + failed == total; }));
  }
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(acked == total);
  CHECK(failed == 0);
  for (int t = 0; t < threads; ++t)
    for (int i = 0; i < per_thread; ++i) {
      auto arn = exec_arn("ag", std::to_string(t) + "-" + std::to_string(i));
      CHECK(ids(s.get_history(arn, 0, 1000, false)) == range(1, saves));
      auto r = s.get_execution(arn);
      CHECK(r->stop_ms == saves - 1);
      CHECK(r->status == "SUCCEEDED");
    }
  auto st = redis_stats(s);
  if (st.saves + st.failed > 0) {  // the Redis store: saves were grouped
    CHECK(st.saves >= static_cast<uint64_t>(total));
    CHECK(st.flushes < st.saves);
    CHECK(st.max_group > 1);
    WARN("async saves: " << total << " in " << secs << " s (" << total / secs << "/s), "
                         << st.flushes << " flushes, largest group " << st.max_group);
  }
}
STORE_CONFORMANCE("save_execution_async: many in flight, all acked, in order", async_group_commit)

void versions_and_aliases(store& s) {
  auto m = machine("ver");
  state_machine_record existing;
  REQUIRE(s.create_state_machine(m, existing) == create_outcome::created);
  auto v = m;
  v.creation_ms = 1700000000999;
  v.description = "first";
  state_machine_record out;
  REQUIRE(s.publish_version(m.arn, v, 3, out) == publish_outcome::created);
  CHECK(out.arn == m.arn + ":1");
  CHECK(out.description == "first");
  // Same revision as the newest version: that version again.
  auto same = v;
  same.creation_ms = 5;
  REQUIRE(s.publish_version(m.arn, same, 3, out) == publish_outcome::existing);
  CHECK(out.arn == m.arn + ":1");
  CHECK(out.creation_ms == 1700000000999);
  for (int i = 2; i <= 3; ++i) {
    auto vi = v;
    vi.revision_id = "rev-" + std::to_string(i);
    vi.definition = "{\"v\":" + std::to_string(i) + "}";
    REQUIRE(s.publish_version(m.arn, vi, 3, out) == publish_outcome::created);
    CHECK(out.arn == m.arn + ":" + std::to_string(i));
  }
  auto v4 = v;
  v4.revision_id = "rev-4";
  CHECK(s.publish_version(m.arn, v4, 3, out) == publish_outcome::quota);
  auto got = s.get_version(m.arn + ":2");
  REQUIRE(got);
  CHECK(got->arn == m.arn + ":2");
  CHECK(got->definition == "{\"v\":2}");
  CHECK_FALSE(s.get_version(m.arn + ":9"));
  CHECK_FALSE(s.get_version(m.arn + ":02"));
  auto p1 = s.list_versions(m.arn, "", 2);
  REQUIRE(p1.items.size() == 2);
  CHECK(p1.items[0].arn == m.arn + ":3");
  CHECK(p1.items[1].arn == m.arn + ":2");
  CHECK(p1.next == m.arn + ":2");
  auto p2 = s.list_versions(m.arn, p1.next, 2);
  REQUIRE(p2.items.size() == 1);
  CHECK(p2.items[0].arn == m.arn + ":1");
  CHECK(p2.next.empty());
  CHECK(s.delete_version(m.arn + ":3"));
  CHECK_FALSE(s.delete_version(m.arn + ":3"));
  REQUIRE(s.publish_version(m.arn, v4, 3, out) == publish_outcome::created);
  CHECK(out.arn == m.arn + ":4");  // numbers are never reused

  alias_record a;
  a.arn = m.arn + ":prod";
  a.name = "prod";
  a.description = "d";
  a.routes = {{m.arn + ":1", 30}, {m.arn + ":2", 70}};
  a.creation_ms = a.update_ms = 1700000001000;
  alias_record ex;
  CHECK(s.create_alias(a, 2, ex) == create_outcome::created);
  CHECK(s.create_alias(a, 2, ex) == create_outcome::existing);
  auto diff = a;
  diff.routes[0].weight = 31;
  CHECK(s.create_alias(diff, 2, ex) == create_outcome::conflict);
  CHECK(ex.routes[0].weight == 30);
  auto b = a;
  b.arn = m.arn + ":beta";
  b.name = "beta";
  CHECK(s.create_alias(b, 2, ex) == create_outcome::created);
  auto c = a;
  c.arn = m.arn + ":gamma";
  CHECK(s.create_alias(c, 2, ex) == create_outcome::deleting);  // quota
  auto ga = s.get_alias(a.arn);
  REQUIRE(ga);
  CHECK(ga->routes.size() == 2);
  CHECK(ga->routes[1].version_arn == m.arn + ":2");
  CHECK(ga->routes[1].weight == 70);
  diff.description = "new";
  CHECK(s.put_alias(diff));
  CHECK(s.get_alias(a.arn)->description == "new");
  CHECK_FALSE(s.put_alias(c));
  auto all = s.list_aliases(m.arn);
  REQUIRE(all.size() == 2);
  CHECK(all[0].arn == b.arn);  // ARN order
  CHECK(all[1].arn == a.arn);
  CHECK(s.delete_alias(b.arn));
  CHECK_FALSE(s.delete_alias(b.arn));
  s.delete_versions_and_aliases(m.arn);
  CHECK(s.list_aliases(m.arn).empty());
  CHECK(s.list_versions(m.arn, "", 10).items.empty());
  CHECK_FALSE(s.get_alias(a.arn));
  REQUIRE(s.publish_version(m.arn, v, 3, out) == publish_outcome::created);
  CHECK(out.arn == m.arn + ":1");  // a new machine starts again at 1

  // Executions remember the version and alias they were started through.
  auto e = execution("ver", "e1", 10);
  e.version_arn = m.arn + ":1";
  e.alias_arn = a.arn;
  execution_record ee;
  REQUIRE(s.create_execution(e, {}, ee) == create_outcome::created);
  auto back = s.get_execution_record(e.arn);
  REQUIRE(back);
  CHECK(back->version_arn == e.version_arn);
  CHECK(back->alias_arn == e.alias_arn);
  auto listed = s.list_executions(m.arn, "", "", 10);
  REQUIRE(listed.items.size() == 1);
  CHECK(listed.items[0].version_arn == e.version_arn);
}
STORE_CONFORMANCE("versions and aliases", versions_and_aliases)

// Map Runs: written only through a parent's create/save (map_changes).
interp::child_execution child_of(const execution_record& parent, const std::string& run,
                                  int k, const std::string& status, int64_t events_from,
                                  int64_t n_events) {
  uint64_t h = interp::placement_hash(parent.arn);
  interp::child_execution c;
  c.name = interp::placed_uuid(uint64_t(k), uint64_t(k) * 7, h);
  c.arn = parent.arn.substr(0, parent.arn.rfind(':')) + "/L:" + c.name;
  c.map_run_arn = run;
  c.machine_arn = parent.machine_arn + "/L";
  c.status = status;
  c.start_ms = 100 + k;
  c.stop_ms = status == "RUNNING" ? 0 : 200 + k;
  c.input = std::to_string(k);
  if (status == "SUCCEEDED") {
    c.output = "{\"k\":" + std::to_string(k) + "}";
    c.has_output = true;
  }
  c.events = events(events_from, n_events, "c" + std::to_string(k));
  return c;
}

void map_runs(store& s) {
  auto parent = execution("mr", "parent", 50);
  uint64_t h = interp::placement_hash(parent.arn);
  interp::map_run_record run;
  run.arn = "arn:aws:states:us-east-1:123456789012:mapRun:mr/L:" + interp::placed_uuid(1, 2, h);
  run.execution_arn = parent.arn;
  run.machine_arn = parent.machine_arn + "/L";
  run.label = "L";
  run.start_ms = 100;
  run.max_concurrency = 2;
  run.tolerated_percentage = 12.5;
  run.items.total = run.executions.total = 3;
  run.items.running = 2;
  run.items.pending = 1;
  auto w = std::make_shared<map_writes>();
  w->runs.push_back(run);
  for (int k = 0; k < 2; ++k) w->children.push_back(child_of(parent, run.arn, k, "RUNNING", 1, 2));
  parent.map_changes = w;
  execution_record ex;
  REQUIRE(s.create_execution(parent, events(1, 3), ex) == create_outcome::created);

  auto got = s.get_map_run(run.arn);
  REQUIRE(got);
  CHECK(got->execution_arn == parent.arn);
  CHECK(got->tolerated_percentage == 12.5);
  CHECK(got->items.running == 2);
  CHECK_FALSE(s.get_map_run(run.arn.substr(0, run.arn.size() - 1) + "0"));

  // A later save: child 0 ends, child 2 starts and ends, the run ends.
  auto w2 = std::make_shared<map_writes>();
  run.status = "SUCCEEDED";
  run.items.running = 0;
  run.items.pending = 0;
  run.items.succeeded = 3;
  w2->runs.push_back(run);
  w2->children.push_back(child_of(parent, run.arn, 0, "SUCCEEDED", 3, 2));
  w2->children.push_back(child_of(parent, run.arn, 2, "FAILED", 1, 3));
  parent.map_changes = w2;
  parent.status = "SUCCEEDED";
  parent.state.reset();
  s.save_execution(parent, events(4, 1));

  CHECK(s.get_map_run(run.arn)->status == "SUCCEEDED");
  auto runs = s.list_map_runs(parent.arn, "", 10);
  REQUIRE(runs.items.size() == 1);
  CHECK(runs.items[0].arn == run.arn);
  CHECK(s.list_map_runs(exec_arn("mr", "other"), "", 10).items.empty());

  auto c0 = child_of(parent, run.arn, 0, "SUCCEEDED", 1, 1);
  auto rec = s.get_execution_record(c0.arn);
  REQUIRE(rec);
  CHECK(rec->map_run_arn == run.arn);
  CHECK(rec->status == "SUCCEEDED");
  CHECK(rec->input == "0");
  CHECK(rec->output == "{\"k\":0}");
  CHECK(rec->machine_arn == parent.machine_arn + "/L");
  CHECK(s.history_length(c0.arn) == 4);
  auto h0 = s.get_history(c0.arn, 1, 10, false);
  REQUIRE(h0.size() == 4);
  CHECK(h0[3].details == "{\"name\":\"S4c0\"}");
  CHECK(s.get_history(c0.arn, 0, 1, true).at(0).id == 4);

  // Newest first; status filters; paging.
  auto all = s.list_map_run_executions(run.arn, "", "", 10);
  REQUIRE(all.items.size() == 3);
  CHECK(all.items[0].arn == child_of(parent, run.arn, 2, "FAILED", 1, 1).arn);
  CHECK(s.list_map_run_executions(run.arn, "RUNNING", "", 10).items.size() == 1);
  CHECK(s.list_map_run_executions(run.arn, "SUCCEEDED", "", 10).items.size() == 1);
  CHECK(s.list_map_run_executions(run.arn, "FAILED", "", 10).items.size() == 1);
  auto p1 = s.list_map_run_executions(run.arn, "", "", 2);
  REQUIRE(p1.items.size() == 2);
  REQUIRE_FALSE(p1.next.empty());
  auto p2 = s.list_map_run_executions(run.arn, "", p1.next, 2);
  REQUIRE(p2.items.size() == 1);
  CHECK(p2.next.empty());
  CHECK(p2.items[0].arn == all.items[2].arn);
  // Children are not executions of the machine.
  auto listed = s.list_executions(parent.machine_arn, "", "", 10);
  REQUIRE(listed.items.size() == 1);
  CHECK(listed.items[0].arn == parent.arn);
}
STORE_CONFORMANCE("map runs and child executions", map_runs)

TEST_CASE("redis store: a Map Run's keys are in its parent's shard", "[store][redis]") {
  auto s = fresh_redis_store();
  auto parent = execution("mrk", "p", 5);
  uint64_t h = interp::placement_hash(parent.arn);
  const uint32_t shard = keys::shard_of(parent.arn, keys::default_shards);
  CHECK(h % keys::default_shards == shard);
  std::string run = "arn:aws:states:us-east-1:123456789012:mapRun:mrk/L:" + interp::placed_uuid(3, 4, h);
  interp::map_run_record r;
  r.arn = run;
  r.execution_arn = parent.arn;
  auto w = std::make_shared<map_writes>();
  w->runs.push_back(r);
  w->children.push_back(child_of(parent, run, 1, "RUNNING", 1, 1));
  parent.map_changes = w;
  s->save_execution(parent, events(1, 1));
  peek p(test::shared_redis().port());
  CHECK(p.integer({"EXISTS", keys::map_run(shard, run)}) == 1);
  CHECK(p.integer({"EXISTS", keys::execution(shard, w->children[0].arn)}) == 1);
  CHECK(p.integer({"LLEN", keys::history(shard, w->children[0].arn)}) == 1);
  CHECK(p.integer({"ZCARD", keys::map_run_children(shard, run)}) == 1);
  CHECK(p.integer({"ZCARD", keys::execution_map_runs(shard, parent.arn)}) == 1);
}

// ---------------------------------------------------------------------------
// Codec.

TEST_CASE("codec: every record round-trips exactly", "[store][codec]") {
  auto st = complex_state();
  interp::execution_state back;
  std::string err;
  REQUIRE(codec::decode(codec::encode(st), back, &err));
  check_same(back, st);

  interp::execution_state empty;
  REQUIRE(codec::decode(codec::encode(empty), back, &err));
  check_same(back, empty);

  auto m = machine("codec");
  m.type = "EXPRESS";
  m.update_ms = -1;
  m.logging_json = "{\"level\":\"ERROR\"}";
  m.tracing_enabled = true;
  m.description = std::string("d\0e", 3);
  m.status = "DELETING";
  state_machine_record mb;
  REQUIRE(codec::decode(codec::encode(m), mb, &err));
  check_same(mb, m);

  auto a = activity("codec");
  activity_record ab;
  REQUIRE(codec::decode(codec::encode(a), ab, &err));
  CHECK(ab.arn == a.arn);
  CHECK(ab.name == a.name);
  CHECK(ab.creation_ms == a.creation_ms);

  auto e = execution("codec", "e", INT64_MIN);
  e.status = "FAILED";
  e.stop_ms = INT64_MAX;
  e.output = "o";
  e.error = "err";
  e.cause = "cause";
  e.has_output = e.has_error = e.has_cause = true;
  e.machine_update_ms = 17;
  e.express = true;
  e.trace_header = "Root=1";
  execution_record eb;
  auto keep = std::make_shared<interp::execution_state>(st);
  eb.state = keep;
  REQUIRE(codec::decode(codec::encode(e), eb, &err));
  check_same(eb, e, false);
  CHECK(eb.state == keep);  // decode leaves the state alone

  auto ev = events(7, 1)[0];
  ev.details = std::string(100000, 'q');
  model::history_event evb;
  REQUIRE(codec::decode(codec::encode(ev), evb, &err));
  check_same(evb, ev);

  e.version_arn = "v";
  e.alias_arn = "a";
  REQUIRE(codec::decode(codec::encode(e), eb, &err));
  CHECK(eb.version_arn == "v");
  CHECK(eb.alias_arn == "a");
  CHECK(eb.redrive_count == 0);
  CHECK_FALSE(eb.redrivable);
  e.redrive_count = 4;
  e.redrive_ms = 1700000000444;
  e.redrivable = true;
  REQUIRE(codec::decode(codec::encode(e), eb, &err));
  CHECK(eb.redrive_count == 4);
  CHECK(eb.redrive_ms == 1700000000444);
  CHECK(eb.redrivable);
  CHECK(eb.alias_arn == "a");
  e.version_arn.clear();
  e.alias_arn.clear();
  e.redrive_count = 0;
  REQUIRE(codec::decode(codec::encode(e), eb, &err));
  CHECK(eb.redrivable);
  CHECK(eb.version_arn.empty());
  CHECK(eb.test_case.empty());
  // A mock test case (StartExecution on `<machine ARN>#<test case>`): one
  // more trailing field; blobs without it (above) decode to "".
  e.redrivable = false;
  e.test_case = "RetryPath";
  REQUIRE(codec::decode(codec::encode(e), eb, &err));
  CHECK(eb.test_case == "RetryPath");
  CHECK_FALSE(eb.redrivable);
  CHECK(eb.redrive_count == 0);
  e.test_case.clear();
  REQUIRE(codec::decode(codec::encode(e), eb, &err));
  CHECK(eb.test_case.empty());

  alias_record al;
  al.arn = "arn";
  al.name = "n";
  al.description = "d";
  al.routes = {{"v1", 0}, {"v2", 100}};
  al.creation_ms = -3;
  al.update_ms = 4;
  alias_record alb;
  REQUIRE(codec::decode(codec::encode(al), alb, &err));
  CHECK((alb.arn == al.arn && alb.name == al.name && alb.description == al.description));
  CHECK((alb.creation_ms == -3 && alb.update_ms == 4 && same_alias(alb, al)));

  std::vector<tag> tags = {{"a", "1"}, {"", ""}}, tb;
  REQUIRE(codec::decode(codec::encode(tags), tb, &err));
  REQUIRE(tb.size() == 2);
  CHECK(tb[1].key.empty());
}

TEST_CASE("codec: garbage is an error, never a crash", "[store][codec]") {
  std::string err;
  interp::execution_state st;
  execution_record e;
  CHECK_FALSE(codec::decode("", st, &err));
  CHECK_FALSE(codec::decode("x", st, &err));
  CHECK_FALSE(err.empty());
  // Wrong version, wrong kind.
  auto blob = codec::encode(complex_state());
  auto v2 = blob;
  v2[0] = 2;
  CHECK_FALSE(codec::decode(v2, st, &err));
  CHECK(err.find("version") != std::string::npos);
  CHECK_FALSE(codec::decode(blob, e, &err));
  CHECK(err.find("not a") != std::string::npos);
  // Trailing bytes.
  CHECK_FALSE(codec::decode(blob + "x", st, &err));
  // Huge declared sizes (array32 / str32 / map32 with 2^32-1 elements).
  CHECK_FALSE(codec::decode(std::string("\x01S\xdd\xff\xff\xff\xff", 7), st, &err));
  CHECK_FALSE(codec::decode(std::string("\x01S\xdb\xff\xff\xff\xff", 7), st, &err));
  CHECK_FALSE(codec::decode(std::string("\x01S\xdf\xff\xff\xff\xff", 7), st, &err));
  // Deep nesting.
  CHECK_FALSE(codec::decode(std::string("\x01S") + std::string(10000, '\x91'), st, &err));
  // Every truncation, and many random corruptions, of a valid blob.
  for (size_t n = 0; n < blob.size(); ++n) CHECK_FALSE(codec::decode(blob.substr(0, n), st));
  std::mt19937 rng(12345);
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    auto b = blob;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) b[2 + rng() % (b.size() - 2)] = static_cast<char>(rng());
    interp::execution_state out;
    if (codec::decode(b, out)) ++accepted;  // may decode (changed a string byte): fine
  }
  for (int i = 0; i < 3000; ++i) {
    std::string b = std::string("\x01") + "SMAEHTR"[rng() % 7];
    size_t len = rng() % 64;
    for (size_t k = 0; k < len; ++k) b += static_cast<char>(rng());
    interp::execution_state a1;
    execution_record a2;
    state_machine_record a3;
    model::history_event a4;
    std::vector<tag> a5;
    activity_record a6;
    codec::decode(b, a1);
    codec::decode(b, a2);
    codec::decode(b, a3);
    codec::decode(b, a4);
    codec::decode(b, a5);
    codec::decode(b, a6);
    interp::map_run_record a7;
    codec::decode(b, a7);
  }
  SUCCEED("no crash; " << accepted << " corrupted blobs still decoded");
}

// ---------------------------------------------------------------------------
// Redis only.

TEST_CASE("redis store: URL parsing and connection errors", "[store][redis][redis-single]") {
  auto a = parse_redis_address("redis://cache.local:6380/2");
  REQUIRE(a);
  CHECK(a->host == "cache.local");
  CHECK(a->port == 6380);
  CHECK(a->db == 2);
  a = parse_redis_address("redis://[::1]:7000");
  REQUIRE(a);
  CHECK(a->host == "::1");
  CHECK(a->db == 0);
  for (const char* bad : {"redis://", "redis://host", "redis://host:0", "redis://host:70000",
                          "redis://:6379", "http://host:6379", "redis://host:6379/x",
                          "redis://user:pw@host:6379", "redis://[::1/0", "redis://host:12ab"})
    CHECK_FALSE(parse_redis_address(bad));

  std::string err;
  CHECK_FALSE(make_redis_store("nope", &err));
  CHECK(err.find("URL") != std::string::npos);
  // Nothing listens on port 1.
  CHECK_FALSE(make_redis_store("redis://127.0.0.1:1", &err));
  CHECK(err.find("cannot connect") != std::string::npos);

  // A keyspace remembers its shard count.
  auto s = fresh_redis_store();
  redis_store_options other;
  other.shards = 8;
  CHECK_FALSE(make_redis_store(test::shared_redis().url(), other, &err));
  CHECK(err.find("64 shards") != std::string::npos);
  // Another DB is another keyspace.
  CHECK(make_redis_store(test::shared_redis().url(3), other, &err));
}

TEST_CASE("redis store: keys carry the shard hash tag", "[store][redis]") {
  auto s = fresh_redis_store();
  auto e = execution("km", "one", 5);
  execution_record ex;
  REQUIRE(s->create_execution(e, events(1, 3), ex) == create_outcome::created);
  const uint32_t shard = keys::shard_of(e.arn, keys::default_shards);
  CHECK(keys::execution(shard, e.arn) == "sc:{" + std::to_string(shard) + "}:exec:" + e.arn);
  peek p(test::shared_redis().port());
  CHECK(p.integer({"EXISTS", keys::execution(shard, e.arn)}) == 1);
  CHECK(p.integer({"EXISTS", keys::state(shard, e.arn)}) == 1);
  CHECK(p.integer({"LLEN", keys::history(shard, e.arn)}) == 3);
  CHECK(p.integer({"SISMEMBER", keys::running(shard), e.arn}) == 1);
  CHECK(p.integer({"SISMEMBER", keys::machine_running(shard, e.machine_arn), e.arn}) == 1);
  CHECK(p.integer({"ZCARD", keys::machine_executions(shard, e.machine_arn)}) == 1);
  CHECK(p.integer({"ZCARD", keys::machine_executions_by_status(shard, "RUNNING", e.machine_arn)}) == 1);
  // The shard function is stable (it places existing data).
  CHECK(keys::shard_of("", 64) == 14695981039346656037ull % 64);
  CHECK(keys::shard_of("arn:aws:states:us-east-1:1:execution:m:e", 64) ==
        keys::shard_of("arn:aws:states:us-east-1:1:execution:m:e", 64));
  CHECK(keys::execution_index_member(-1, "a") < keys::execution_index_member(0, "a"));
  CHECK(keys::execution_index_member(9, "b") < keys::execution_index_member(10, "a"));
}

TEST_CASE("memory store: retention forgets finished executions", "[store]") {
  auto s = make_memory_store();
  s->set_retention(std::chrono::seconds(1));
  execution_record ex;
  auto run = execution("ret", "running", 1);
  auto fin = execution("ret", "finished", 2);
  auto done_at_once = execution("ret", "at-once", 3);
  done_at_once.status = "SUCCEEDED";
  done_at_once.state.reset();
  REQUIRE(s->create_execution(run, events(1, 1), ex) == create_outcome::created);
  REQUIRE(s->create_execution(fin, events(1, 1), ex) == create_outcome::created);
  REQUIRE(s->create_execution(done_at_once, events(1, 3), ex) == create_outcome::created);
  finish(*s, fin);
  CHECK(s->list_executions(machine_arn("ret"), "", "", 10).items.size() == 3);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  // Expiry is checked on the next write.
  auto other = execution("ret2", "trigger", 4);
  REQUIRE(s->create_execution(other, events(1, 1), ex) == create_outcome::created);
  CHECK_FALSE(s->get_execution(fin.arn));
  CHECK_FALSE(s->get_execution_record(done_at_once.arn));
  CHECK(s->history_length(fin.arn) == 0);
  auto l = s->list_executions(machine_arn("ret"), "", "", 10);
  REQUIRE(l.items.size() == 1);
  CHECK(l.items[0].arn == run.arn);  // running: kept
  REQUIRE(s->get_execution(run.arn));
  // The name is free again, as on AWS once an execution is gone.
  CHECK(s->create_execution(fin, events(1, 1), ex) == create_outcome::created);
}

// Issue 10, finding 3: nothing bounded what the memory store kept. With a
// budget, the oldest finished executions are forgotten first; running ones
// never are.
TEST_CASE("memory store: memory budget forgets the oldest finished executions", "[store]") {
  auto s = make_memory_store();
  s->set_memory_budget(256 * 1024);
  execution_record ex;
  auto run = execution("bud", "running", 1);
  REQUIRE(s->create_execution(run, events(1, 1), ex) == create_outcome::created);
  // Each finished execution carries ~10 KB of history.
  auto big = [](int64_t first) {
    auto v = events(first, 20);
    for (auto& e : v) {
      e.payload_key = "input";
      e.payload = "\"" + std::string(500, 'p') + "\"";
    }
    return v;
  };
  for (int i = 0; i < 200; ++i) {
    auto e = execution("bud", "f" + std::to_string(i), 10 + i);
    e.status = "SUCCEEDED";
    e.state.reset();
    REQUIRE(s->create_execution(e, big(1), ex) == create_outcome::created);
  }
  // Far more than the budget was written: the oldest are gone, the newest
  // and the running one kept.
  CHECK_FALSE(s->get_execution_record(exec_arn("bud", "f0")));
  CHECK(s->get_execution_record(exec_arn("bud", "f199")));
  CHECK(s->get_execution(run.arn));
  auto l = s->list_executions(machine_arn("bud"), "", "", 1000);
  CHECK(l.items.size() < 60);
  CHECK(l.items.size() > 5);
}

TEST_CASE("memory store: a forgotten execution takes its Map Runs and children along",
          "[store]") {
  auto s = make_memory_store();
  s->set_memory_budget(256 * 1024);
  execution_record ex;
  // A finished parent whose 100 children hold ~1 KB of history each.
  auto parent = execution("mrb", "parent", 1);
  parent.status = "SUCCEEDED";
  parent.state.reset();
  interp::map_run_record run;
  run.arn = "arn:aws:states:us-east-1:123456789012:mapRun:mrb/L:" +
            interp::placed_uuid(1, 2, interp::placement_hash(parent.arn));
  run.execution_arn = parent.arn;
  run.status = "SUCCEEDED";
  auto w = std::make_shared<map_writes>();
  w->runs.push_back(run);
  for (int k = 0; k < 100; ++k) {
    auto c = child_of(parent, run.arn, k, "SUCCEEDED", 1, 4);
    for (auto& e : c.events) e.details = "{\"x\":\"" + std::string(250, 'c') + "\"}";
    w->children.push_back(std::move(c));
  }
  parent.map_changes = w;
  REQUIRE(s->create_execution(parent, events(1, 1), ex) == create_outcome::created);
  const auto first_child = w->children[0].arn;
  REQUIRE(s->get_execution_record(first_child));
  // The children count against the budget: ~150 small executions later the
  // parent (oldest) is forgotten, and its Map Run and children with it.
  for (int i = 0; i < 150; ++i) {
    auto e = execution("mrb", "f" + std::to_string(i), 10 + i);
    e.status = "SUCCEEDED";
    e.state.reset();
    REQUIRE(s->create_execution(e, events(1, 2), ex) == create_outcome::created);
  }
  CHECK_FALSE(s->get_execution_record(parent.arn));
  CHECK_FALSE(s->get_map_run(run.arn));
  CHECK_FALSE(s->get_execution_record(first_child));
  CHECK(s->history_length(first_child) == 0);
  CHECK(s->list_map_run_executions(run.arn, "", "", 10).items.empty());
}

// Shared payloads (history_event::payload_ref) come back filled in, also when
// the event they refer to is on another page.
void check_shared_payloads(store& s) {
    execution_record ex;
    auto e = execution("ref", "x", 1);
    auto v = events(1, 6);
    v[1].payload_key = "input";
    v[1].payload = "{\"big\":1}";
    for (int i = 2; i < 6; ++i) {
      v[i].payload_key = "output";
      v[i].payload_ref = 2;
    }
    REQUIRE(s.create_execution(e, v, ex) == create_outcome::created);
    for (int64_t from : {1, 3, 5}) {
      auto page = s.get_history(e.arn, from, 2, false);
      for (auto& h : page) {
        if (h.payload_key.empty()) continue;
        CHECK(h.payload_ref == 0);
        CHECK(h.payload == "{\"big\":1}");
      }
    }
    auto rev = s.get_history(e.arn, 0, 2, true);
    REQUIRE(rev.size() == 2);
    CHECK(rev[0].payload == "{\"big\":1}");
}

TEST_CASE("memory store: shared payloads resolved across pages", "[store]") {
  auto m = make_memory_store();
  check_shared_payloads(*m);
}

TEST_CASE("redis store: shared payloads resolved across pages", "[store][redis]") {
  auto r = fresh_redis_store();
  check_shared_payloads(*r);
}

TEST_CASE("redis store: retention expires finished executions", "[store][redis]") {
  auto s = fresh_redis_store();
  s->set_retention(std::chrono::seconds(3600));
  execution_record ex;
  auto run = execution("ret", "running", 1);
  auto fin = execution("ret", "finished", 2);
  REQUIRE(s->create_execution(run, events(1, 1), ex) == create_outcome::created);
  REQUIRE(s->create_execution(fin, events(1, 1), ex) == create_outcome::created);
  finish(*s, fin);
  peek p(test::shared_redis().port());
  auto sh = [](const std::string& arn) { return keys::shard_of(arn, keys::default_shards); };
  for (auto k : {keys::execution(sh(fin.arn), fin.arn), keys::state(sh(fin.arn), fin.arn),
                 keys::history(sh(fin.arn), fin.arn)}) {
    auto ttl = p.integer({"TTL", k});
    CHECK(ttl > 3500);
    CHECK(ttl <= 3600);
  }
  CHECK(p.integer({"TTL", keys::execution(sh(run.arn), run.arn)}) == -1);  // running: kept
  // Once expired (simulated), the execution disappears from listings and
  // its index entry is cleaned up.
  CHECK(p.integer({"DEL", keys::execution(sh(fin.arn), fin.arn)}) == 1);
  auto l = s->list_executions(machine_arn("ret"), "", "", 10);
  REQUIRE(l.items.size() == 1);
  CHECK(l.items[0].arn == run.arn);
  CHECK(p.integer({"ZCARD", keys::machine_executions(sh(fin.arn), machine_arn("ret"))}) ==
        (sh(fin.arn) == sh(run.arn) ? 1 : 0));
  CHECK_FALSE(s->get_execution(fin.arn));
}

TEST_CASE("redis store: Redis killed and restarted", "[store][redis]") {
  test::redis_server srv;  // its own server: this test kills it
  INFO(srv.error());
  REQUIRE(srv.ok());
  redis_store_options o;
  o.shards = 8;
  o.backoff_min = 20ms;
  o.backoff_max = 200ms;
  o.command_timeout = 2000ms;
  std::string err;
  auto s = make_redis_store(srv.url(), o, &err);
  INFO(err);
  REQUIRE(s);
  state_machine_record existing;
  execution_record ex;
  REQUIRE(s->create_state_machine(machine("rs"), existing) == create_outcome::created);
  auto e = execution("rs", "e", 1);
  REQUIRE(s->create_execution(e, {}, ex) == create_outcome::created);
  s->save_execution(e, events(1, 2));

  // Async saves streaming in while Redis dies: every callback runs once,
  // some succeeded before, the rest report failure.
  std::atomic<int> cb_ok{0}, cb_fail{0}, submitted{0};
  std::atomic<bool> stop_flood{false};
  std::thread flood([&] {
    for (int i = 0; !stop_flood.load() || i < 100; ++i) {
      s->save_execution_async(execution("rs", "f" + std::to_string(i % 50), 1), events(1, 1),
                              [&](bool ok) { ++(ok ? cb_ok : cb_fail); });
      ++submitted;
      if (i % 64 == 0) std::this_thread::yield();
    }
  });
  std::this_thread::sleep_for(10ms);
  srv.kill_hard();
  std::this_thread::sleep_for(10ms);
  stop_flood = true;
  flood.join();
  for (int i = 0; i < 500 && cb_ok + cb_fail < submitted; ++i) std::this_thread::sleep_for(10ms);
  CHECK(cb_ok + cb_fail == submitted);
  CHECK(cb_ok > 0);
  CHECK(cb_fail > 0);

  // Down: every call fails with store_unavailable, none crashes.
  CHECK_THROWS_AS(s->get_state_machine(machine_arn("rs")), store_unavailable);
  CHECK_THROWS_AS(s->create_state_machine(machine("rs2"), existing), store_unavailable);
  CHECK_THROWS_AS(s->put_state_machine(machine("rs")), store_unavailable);
  CHECK_THROWS_AS(s->delete_state_machine(machine_arn("rs")), store_unavailable);
  CHECK_THROWS_AS(s->list_state_machines("", 10), store_unavailable);
  activity_record aex;
  CHECK_THROWS_AS(s->create_activity(activity("a"), aex), store_unavailable);
  CHECK_THROWS_AS(s->get_tags(machine_arn("rs")), store_unavailable);
  CHECK_THROWS_AS(s->set_tags(machine_arn("rs"), {{"a", "b"}}), store_unavailable);
  CHECK_THROWS_AS(s->create_execution(execution("rs", "new", 2), {}, ex), store_unavailable);
  CHECK_THROWS_AS(s->get_execution(e.arn), store_unavailable);
  CHECK_THROWS_AS(s->save_execution(e, events(3, 1)), store_unavailable);
  CHECK_THROWS_AS(s->list_executions(machine_arn("rs"), "", "", 10), store_unavailable);
  CHECK_THROWS_AS(s->get_history(e.arn, 0, 10, false), store_unavailable);
  CHECK_THROWS_AS(s->history_length(e.arn), store_unavailable);
  CHECK_THROWS_AS(s->running_executions(), store_unavailable);
  std::promise<bool> down;
  s->save_execution_async(e, events(3, 1), [&](bool ok) { down.set_value(ok); });
  CHECK_FALSE(down.get_future().get());
  // The same through the base class type.
  CHECK_THROWS_AS(s->get_execution(e.arn), store_error);

  // Back on the same port (empty: no persistence): the store recovers.
  REQUIRE(srv.start());
  bool back = false;
  for (int i = 0; i < 200 && !back; ++i) {
    try {
      s->get_state_machine(machine_arn("rs"));
      back = true;
    } catch (const store_unavailable&) {
      std::this_thread::sleep_for(20ms);
    }
  }
  REQUIRE(back);
  CHECK(s->create_state_machine(machine("rs"), existing) == create_outcome::created);
  CHECK(s->create_execution(e, {}, ex) == create_outcome::created);  // scripts reloaded
  bool saved = false;
  for (int i = 0; i < 200 && !saved; ++i) {
    try {
      s->save_execution(e, events(1, 1));
      saved = true;
    } catch (const store_unavailable&) {
      std::this_thread::sleep_for(20ms);  // the writer reconnects after its back-off
    }
  }
  REQUIRE(saved);
  std::promise<bool> up;
  s->save_execution_async(e, events(2, 1), [&](bool ok) { up.set_value(ok); });
  CHECK(up.get_future().get());
  CHECK(s->history_length(e.arn) == 2);
}

TEST_CASE("redis store: a hung Redis times out instead of blocking", "[store][redis]") {
  test::redis_server srv;
  INFO(srv.error());
  REQUIRE(srv.ok());
  redis_store_options o;
  o.shards = 4;
  o.command_timeout = 200ms;
  o.backoff_min = 20ms;
  o.backoff_max = 100ms;
  std::string err;
  auto s = make_redis_store(srv.url(), o, &err);
  INFO(err);
  REQUIRE(s);
  state_machine_record existing;
  REQUIRE(s->create_state_machine(machine("hung"), existing) == create_outcome::created);
  srv.pause();
  auto t0 = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(s->get_state_machine(machine_arn("hung")), store_unavailable);
  std::promise<bool> saved;
  s->save_execution_async(execution("hung", "e", 1), events(1, 1),
                          [&](bool ok) { saved.set_value(ok); });
  CHECK_FALSE(saved.get_future().get());
  CHECK(std::chrono::steady_clock::now() - t0 < 2s);
  srv.resume();
  bool back = false;
  for (int i = 0; i < 200 && !back; ++i) {
    try {
      back = s->get_state_machine(machine_arn("hung")).has_value();
    } catch (const store_unavailable&) {
      std::this_thread::sleep_for(10ms);
    }
  }
  CHECK(back);
}

TEST_CASE("redis store: async save throughput", "[.][bench][redis]") {
  auto s = fresh_redis_store();
  constexpr int execs = 200, rounds = 100;
  execution_record ex;
  for (int i = 0; i < execs; ++i)
    REQUIRE(s->create_execution(execution("bench", std::to_string(i), i), {}, ex) ==
            create_outcome::created);
  std::atomic<int> acked{0};
  auto t0 = std::chrono::steady_clock::now();
  for (int k = 0; k < rounds; ++k)
    for (int i = 0; i < execs; ++i) {
      auto r = execution("bench", std::to_string(i), i);
      s->save_execution_async(r, events(k * 2 + 1, 2), [&](bool ok) { acked += ok; });
    }
  while (acked.load() < execs * rounds) std::this_thread::sleep_for(1ms);
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto st = redis_stats(*s);
  WARN("async: " << execs * rounds / secs << " saves/s (2 events each), " << st.flushes
                 << " flushes, largest group " << st.max_group);
  t0 = std::chrono::steady_clock::now();
  for (int k = 0; k < 2000; ++k) s->save_execution(execution("bench", "0", 0), events(1, 1));
  secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  WARN("sync, one thread: " << 2000 / secs << " saves/s");
}

}  // namespace

// ---------------------------------------------------------------------------
// Redrive: a finished execution runs again (RedriveExecution).

namespace {

void redrive_reopens(store& s) {
  execution_record ex;
  auto a = execution("rd", "a", 1);
  REQUIRE(s.create_execution(a, events(1, 1), ex) == create_outcome::created);
  // FAILED, keeping what a redrive needs.
  a.status = "FAILED";
  a.stop_ms = 1001;
  a.error = "E";
  a.has_error = true;
  a.redrivable = true;
  auto st = state_for(a, 2);
  st.status = interp::exec_status::failed;
  interp::thread t;
  t.id = 1;
  t.state = 3;
  t.input = "{\"k\":1}";
  t.results = {"1", ""};
  t.failed_items = {4, 7};
  t.redo = {9};
  st.redrive[1] = t;
  st.redrive_tokens = {{"tok", 55}};
  a.state = std::make_shared<interp::execution_state>(st);
  s.save_execution(a, events(2, 1));
  auto got = s.get_execution(a.arn);
  REQUIRE(got);
  REQUIRE(got->state);
  CHECK(got->redrivable);
  CHECK(got->redrive_count == 0);
  REQUIRE(got->state->redrive.count(1));
  const auto& kept = got->state->redrive.at(1);
  CHECK(kept.state == 3);
  CHECK(kept.input == "{\"k\":1}");
  CHECK(kept.results == std::vector<std::string>{"1", ""});
  CHECK(kept.failed_items == std::vector<int64_t>{4, 7});
  CHECK(kept.redo == std::vector<int64_t>{9});
  REQUIRE(got->state->redrive_tokens.size() == 1);
  CHECK(got->state->redrive_tokens[0].first == "tok");
  CHECK(got->state->redrive_tokens[0].second == 55);
  CHECK(s.list_executions(machine_arn("rd"), "FAILED", "", 10).items.size() == 1);
  CHECK(s.get_execution_record(a.arn)->status == "FAILED");  // (caches it, Redis)

  // Redriven: RUNNING again, out of the FAILED index, in the running set.
  a.status = "RUNNING";
  a.stop_ms = 0;
  a.error.clear();
  a.has_error = false;
  a.redrivable = false;
  a.redrive_count = 1;
  a.redrive_ms = 5000;
  st.status = interp::exec_status::running;
  st.redrive_count = 1;
  st.redrive_ms = 5000;
  st.redrive.clear();
  a.state = std::make_shared<interp::execution_state>(st);
  s.save_execution(a, events(3, 1));
  auto rec = s.get_execution_record(a.arn);
  REQUIRE(rec);
  CHECK(rec->status == "RUNNING");
  CHECK(rec->redrive_count == 1);
  CHECK(rec->redrive_ms == 5000);
  CHECK_FALSE(rec->has_error);
  CHECK(s.list_executions(machine_arn("rd"), "FAILED", "", 10).items.empty());
  CHECK(s.list_executions(machine_arn("rd"), "RUNNING", "", 10).items.size() == 1);
  auto run = s.running_executions();
  REQUIRE(run.size() == 1);
  CHECK(run[0].arn == a.arn);
  CHECK(run[0].state->redrive_count == 1);

  // And finishes again.
  a.redrivable = false;
  finish(s, a, "SUCCEEDED", 4);
  CHECK(s.running_executions().empty());
  CHECK(s.history_length(a.arn) == 4);
  CHECK(s.get_execution_record(a.arn)->status == "SUCCEEDED");
  CHECK(s.get_execution_record(a.arn)->redrive_count == 1);
  CHECK(s.list_executions(machine_arn("rd"), "SUCCEEDED", "", 10).items.size() == 1);
  CHECK(s.list_executions(machine_arn("rd"), "RUNNING", "", 10).items.empty());
  CHECK(s.list_executions(machine_arn("rd"), "", "", 10).items.size() == 1);
}

/// The open executions count behind ExecutionLimitExceeded: Standard
/// executions RUNNING per account and Region, unmoved by repeats.
void open_execution_count(store& s) {
  const std::string other = "arn:aws:states:eu-west-1:123456789012:";
  auto open = [&](const std::string& ns) { return s.count_open_executions(ns).value_or(999); };
  auto a = execution("oc", "a", 1000);
  auto b = execution("oc", "b", 1001);
  auto x = execution("oc", "x", 1002);
  x.express = true;
  execution_record existing;
  CHECK(open(region) == 0);
  CHECK(s.create_execution(a, events(1, 1), existing) == create_outcome::created);
  CHECK(s.create_execution(b, {}, existing) == create_outcome::created);
  CHECK(s.create_execution(x, events(1, 1), existing) == create_outcome::created);
  CHECK(open(region) == 2);  // Express does not count
  CHECK(open(other) == 0);   // another Region
  // A create retried (lost reply) and saves of a running execution, also
  // re-sent ones (a recovering node's re-save), count nothing more.
  CHECK(s.create_execution(a, events(1, 1), existing) == create_outcome::existing);
  s.save_execution(a, events(2, 1));
  s.save_execution(a, events(2, 1));
  CHECK(open(region) == 2);
  CHECK(s.open_executions_below(region, 3));
  CHECK_FALSE(s.open_executions_below(region, 2));
  // Ending (stop, timeout, failure, success) frees the place; a re-sent
  // final save does not free another.
  finish(s, a, "ABORTED", 3);
  finish(s, a, "ABORTED", 3);
  CHECK(open(region) == 1);
  finish(s, x, "SUCCEEDED", 2);
  CHECK(open(region) == 1);
  finish(s, b, "TIMED_OUT", 1);
  CHECK(open(region) == 0);
  // A redrive opens it again; its saves while running count it once.
  b.status = "RUNNING";
  b.stop_ms = 0;
  b.redrive_count = 1;
  s.save_execution(b, events(2, 1));
  s.save_execution(b, events(3, 1));
  CHECK(open(region) == 1);
  finish(s, b, "FAILED", 4);
  CHECK(open(region) == 0);
  CHECK(s.open_executions_below(region, 1));
}

}  // namespace

STORE_CONFORMANCE("a redrive reopens a finished execution", redrive_reopens)
STORE_CONFORMANCE("open executions per account and Region", open_execution_count)
