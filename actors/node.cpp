// The node's public face (node.hpp) and its supervisor.
//
// The registry of running executions and activity queues is a map under a
// mutex, because API threads must find an execution's actor without a
// round trip through an actor. Execution actors are spawned directly by the
// caller of start_execution (so a StopExecution that follows at once finds
// them) and monitored by the supervisor, which restarts any that dies
// abnormally from the state last saved in the store.
#include "actors/execution_log.hpp"
#include "actors/status_events.hpp"
#include "observability/metrics.hpp"
#include "actors/detail.hpp"
#include "runtime/interp/map_io.hpp"
#include "actors/aws_call.hpp"
#include "actors/integrations.hpp"
#include "actors/mock_config.hpp"
#include "runtime/interp/integration.hpp"

#include "cluster/coordinator.hpp"
#include "config/load.hpp"
#include "runtime/asl/parse.hpp"
#include "runtime/model/time.hpp"

#include <algorithm>
#include <chrono>
#include <random>

namespace sc::actors {


int64_t now_ms() { return cluster::wall_ms(); }

namespace {

std::string random_secret() {
  std::random_device rd;
  std::string s;
  for (int i = 0; i < 32; ++i) s += static_cast<char>(rd() & 0xFF);
  return s;
}

thread_local std::mt19937_64 uuid_rng{std::random_device{}()};

}  // namespace

std::string random_uuid() {
  uint64_t a = uuid_rng(), b = uuid_rng();
  a = (a & 0xFFFFFFFFFFFF0FFFull) | 0x0000000000004000ull;  // version 4
  b = (b & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;  // variant 10
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xFFFF), static_cast<unsigned>(a & 0xFFFF),
                static_cast<unsigned>(b >> 48),
                static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFull));
  return buf;
}


caf::behavior supervisor(caf::stateful_actor<supervisor_state>* self, node::impl* n) {
  return {
      [=](crashed_atom, const caf::actor_addr& source, const std::string& arn) {
        // Crashed: forget the actor; the execution sleeps in the store.
        // Re-arm its timers and untaken tasks so it wakes when they fall due.
        n->unregister(arn, source);
        try {
          auto rec = n->store.get_execution(arn);
          if (!rec || rec->status != "RUNNING" || !rec->state) return;
          auto def = n->definition(rec->machine_arn + "#" + rec->revision_id, rec->definition);
          if (def) n->rearm(*rec->state, *def);
        } catch (const cluster::store_error&) {
        }
      },
  };
}

void node::impl::idle_soon(const caf::actor_addr& a) {
  bool start_sweeping = false;
  {
    std::lock_guard lock(idle_mu);
    idle_list.emplace_back(now_ms() + passivate_after.count(), a);
    start_sweeping = !idle_sweeping;
    idle_sweeping = true;
  }
  if (start_sweeping) caf::anon_send(timers, sweep_atom::value);
}

bool node::impl::take_idle(int64_t now, std::vector<caf::actor_addr>& due) {
  std::lock_guard lock(idle_mu);
  while (!idle_list.empty() && idle_list.front().first <= now) {
    due.push_back(std::move(idle_list.front().second));
    idle_list.pop_front();
  }
  idle_sweeping = !idle_list.empty();
  return idle_sweeping;
}

void node::impl::watch(const caf::actor& a, const std::string& arn) {
  a->attach_functor([sup = supervisor, addr = a.address(), arn](const caf::error& reason) {
    if (reason == caf::exit_reason::normal || reason == caf::exit_reason::user_shutdown ||
        reason == caf::exit_reason::kill)
      return;
    caf::anon_send(sup, crashed_atom::value, addr, arn);
  });
}

node::impl::impl(const config::settings& s, cluster::store& st)
    : cfg(s),
      store(st),
      node_id(config::effective_node_id(s)),
      address(s.node.bind + ":" + std::to_string(s.node.port)),
      codec(s.activities.task_token_secret.empty() ? random_secret()
                                                   : s.activities.task_token_secret) {
  limits.history_events = static_cast<int64_t>(s.executions.history_event_limit);
  limits.history_bytes = static_cast<int64_t>(s.executions.history_bytes_limit_mb) << 20;
  passivate_after = std::chrono::milliseconds(
      std::max<int64_t>(1, static_cast<int64_t>(s.executions.idle_actor_seconds * 1000)));
  size_t threads = s.node.worker_threads > 0 ? static_cast<size_t>(s.node.worker_threads)
                                             : std::max(1u, std::thread::hardware_concurrency());
  sys_cfg.set("scheduler.max-threads", threads);
  sys_cfg.set("logger.console", caf::atom("none"));
  sys = std::make_unique<caf::actor_system>(sys_cfg);
  supervisor = sys->spawn(actors::supervisor, this);
  timers = sys->spawn(actors::timer_service, this);
}

caf::actor node::impl::queue_for(const std::string& activity_arn) {
  std::lock_guard lock(mu);
  auto it = queues.find(activity_arn);
  if (it != queues.end()) return it->second;
  auto a = sys->spawn(activity_queue, this, activity_arn);
  queues.emplace(activity_arn, a);
  return a;
}

route_result node::impl::route(const std::string& arn, std::function<void(const caf::actor&)> send,
                               bool wake_finished) {
  if (!owns(arn)) return route_result::not_running;  // cluster: another node runs it
  {
    std::lock_guard lock(mu);
    auto it = executions.find(arn);
    if (it != executions.end()) {
      if (it->second.actor)
        send(it->second.actor);
      else
        it->second.waiting.push_back(std::move(send));
      return route_result::delivered;
    }
    if (stopping || (finished.count(arn) && !wake_finished)) return route_result::not_running;
    if (wake_finished) finished.erase(arn);  // (its order entry just ages out)
    executions.emplace(arn, entry{});  // waking: later messages wait here
  }
  // Wake it from the store (outside the lock: this may be I/O).
  std::optional<cluster::execution_record> rec;
  std::shared_ptr<const asl::definition> def;
  bool unavailable = false;
  try {
    rec = store.get_execution(arn);
    if (rec && (rec->status == "RUNNING" || wake_finished) && rec->state && !rec->express)
      def = definition(rec->machine_arn + "#" + rec->revision_id, rec->definition);
  } catch (const cluster::store_error&) {
    rec.reset();
    unavailable = true;
  }
  std::lock_guard lock(mu);
  auto it = executions.find(arn);
  if (rec && rec->status != "RUNNING" && !wake_finished && !finished.count(arn)) {
    // Over for good (until a redrive, which must forget it here): later
    // messages need not wake it again.
    finished.insert(arn);
    finished_order.push_back(arn);
    if (finished_order.size() > finished_memory) {
      finished.erase(finished_order.front());
      finished_order.pop_front();
    }
  }
  if (!def || stopping) {
    // Not running (or unreadable): drop the waiting messages (their replies
    // answer with their fallbacks).
    if (it != executions.end() && !it->second.actor) executions.erase(it);
    return unavailable ? route_result::unavailable : route_result::not_running;
  }
  spawn_request req;
  req.def = def;
  req.state = *rec->state;
  req.record = std::move(*rec);
  req.record.state.reset();
  req.fresh = req.state.next_event_id == 1;  // created but never stepped
  auto a = sys->spawn(execution_actor, this, std::move(req));
  auto& e = executions[arn];
  e.actor = a;
  send(a);
  for (auto& w : e.waiting) w(a);
  e.waiting.clear();
  watch(a, arn);
  return route_result::delivered;
}

void node::impl::register_actor(const std::string& arn, const caf::actor& a) {
  std::lock_guard lock(mu);
  auto& e = executions[arn];
  e.actor = a;
  for (auto& w : e.waiting) w(a);
  e.waiting.clear();
}

bool node::impl::try_unregister(const std::string& arn, const caf::actor_addr& a,
                                const std::function<bool()>& idle) {
  std::lock_guard lock(mu);
  auto it = executions.find(arn);
  if (it == executions.end() || it->second.actor.address() != a) return false;
  if (!it->second.waiting.empty() || !idle()) return false;
  executions.erase(it);
  return true;
}

void node::impl::unregister(const std::string& arn, const caf::actor_addr& a) {
  std::lock_guard lock(mu);
  auto it = executions.find(arn);
  if (it != executions.end() && it->second.actor && it->second.actor.address() == a)
    executions.erase(it);
}

std::shared_ptr<const asl::definition> node::impl::definition(const std::string& key,
                                                              const std::string& text) {
  {
    std::lock_guard lock(defs_mu);
    auto it = defs.find(key);
    if (it != defs.end()) return it->second;
  }
  auto parsed = asl::parse(text);
  if (!parsed.def) return nullptr;
  std::lock_guard lock(defs_mu);
  defs[key] = parsed.def;
  return parsed.def;
}

std::chrono::milliseconds node::impl::delay_until(int64_t due_ms) const {
  int64_t d = due_ms - exec_now_ms();
  if (d <= 0) return std::chrono::milliseconds(0);
  if (manual_clock()) return std::chrono::milliseconds(d);  // no time_scale
  double scaled = static_cast<double>(d) / cfg.executions.time_scale;
  return std::chrono::milliseconds(static_cast<int64_t>(scaled));
}

void node::impl::rearm(const interp::execution_state& st, const asl::definition& def) {
  // In due order: overdue timers fire as soon as they are armed, so arming
  // them in id order could let a later-due one fire first.
  std::vector<std::pair<int64_t, int64_t>> order;  // (due, id)
  for (auto& [id, t] : st.timers) order.emplace_back(t.due_ms, id);
  std::sort(order.begin(), order.end());
  for (auto& [due, id] : order)
    caf::anon_send(timers, arm_atom::value, st.execution_arn, id, due);
  // A snapshot's untaken task may have been handed out (from a shared queue)
  // and its ActivityStarted stored since it was read: only the actor knows.
  std::vector<int64_t> untaken;
  for (auto& [task, tid] : st.tasks) {
    auto it = st.threads.find(tid);
    if (it == st.threads.end()) continue;
    // A Distributed Map's S3 call in flight is made again (map_io.hpp).
    if (interp::map_io_in_flight(st, task)) {
      untaken.push_back(task);
      continue;
    }
    // Integration calls in flight are made again (integrations.hpp), but a
    // callback task whose call was recorded only waits for its token.
    auto ir = interp::parse_integration(
        def.machines[it->second.machine]->states[it->second.state].resource);
    bool integration = ir && interp::integration_supported(*ir);
    bool callback = integration && ir->pattern == interp::integration_pattern::wait_for_task_token;
    if (!it->second.task_started || (integration && !callback)) untaken.push_back(task);
  }
  if (untaken.empty()) return;
  route(st.execution_arn, [untaken](const caf::actor& a) {
    for (int64_t task : untaken) caf::anon_send(a, requeue_atom::value, task);
  });
}

void node::impl::requeue_task(const interp::execution_state& st, const asl::definition& def,
                              int64_t only) {
  for (auto& [task, tid] : st.tasks) {
    if (task != only) continue;
    auto it = st.threads.find(tid);
    if (it == st.threads.end()) continue;
    if (auto c = interp::map_io_in_flight(st, task)) {
      if (integ) integ->map_io(st.execution_arn, *c);
      continue;
    }
    const auto& th = it->second;
    const auto& state = def.machines[th.machine]->states[th.state];
    if (auto ir = interp::parse_integration(state.resource);
        ir && interp::integration_supported(*ir)) {
      if (th.task_started && ir->pattern == interp::integration_pattern::wait_for_task_token)
        continue;
      interp::cmd_call_integration c{task, state.resource, th.effective,
                                     static_cast<uint8_t>(ir->pattern), 0, 0, true};
      c.role_arn = interp::recovery_role(state, th.input);
      if (integ) integ->call(st.execution_arn, c);
      continue;
    }
    if (th.task_started) continue;
    queued_task q;
    q.token = codec.encode(model::task_token{st.execution_arn, task});
    q.input = th.effective;
    q.execution_arn = st.execution_arn;
    q.task = task;
    q.requeued = true;
    schedule_activity(state.resource, std::move(q));
  }
}

node::node(const config::settings& s, cluster::store& st) : impl_(std::make_unique<impl>(s, st)) {
  if (s.executions.clock == "manual")
    enable_manual_clock(s.executions.clock_start.empty()
                            ? cluster::wall_ms()
                            : model::parse_iso8601(s.executions.clock_start).value_or(0));
  impl_->limits.tokens = &impl_->codec;
  impl_->events = std::make_unique<status_events>(s, st);
  if (s.store.backend != "redis") impl_->events->start({}, 1);  // Redis: start_cluster
  impl_->xlog = std::make_unique<execution_log>(s.events.execution_log);
  impl* n = impl_.get();
  impl_->integ = std::make_unique<integrations>(
      *this, [n](const std::string& arn, interp::ev_integration e) {
        auto r = n->route(arn, [e](const caf::actor& a) { caf::anon_send(a, integ_atom::value, e); });
        // The parent's shard moved to another node since the call: its
        // outcome goes there as a task answer (a submission is dropped; the
        // new owner calls again anyway).
        using k = interp::ev_integration::kind;
        if (r == route_result::not_running && n->coord && !n->owns(arn) &&
            (e.k == k::succeeded || e.k == k::failed))
          n->post_remote(arn, remote_task_message(e.k == k::succeeded ? "success" : "failure",
                                                  arn, e.task, e.output, e.error, e.cause,
                                                  e.has_error, e.has_cause));
      });
  impl_->limits.map_sources = impl_->integ->map_sources();  // Distributed Map on S3
}

node::~node() { shutdown(); }

const model::token_codec& node::tokens() const { return impl_->codec; }
void node::set_token_secrets(std::vector<std::string> secrets) {
  impl_->codec.set_secrets(std::move(secrets));
}
const config::settings& node::settings() const { return impl_->cfg; }
cluster::store& node::store() { return impl_->store; }

void node::set_mock_config(std::shared_ptr<mock_config> mocks) { impl_->mocks = std::move(mocks); }
void node::set_local_api(local_api api) { impl_->integ->set_local_api(std::move(api)); }
void node::call_aws(const std::string& resource, std::string parameters, const std::string& role_arn,
                    aws_answer done) {
  interp::cmd_call_integration c{0, resource, std::move(parameters),
                                 static_cast<uint8_t>(interp::integration_pattern::request_response), 0, 0};
  impl_->integ->aws().call(c, role_arn, [done](interp::ev_integration e) {
    const bool ok = e.k == interp::ev_integration::kind::succeeded;
    done(ok, std::move(e.output), std::move(e.error), std::move(e.cause));
  });
}

bool node::has_mock_test_case(const std::string& machine, const std::string& test_case) const {
  return impl_->mocks && impl_->mocks->has_test_case(machine, test_case);
}

std::optional<cluster::state_machine_record> node::machine_for_start(const std::string& arn) {
  auto& n = *impl_;
  if (n.store.in_process()) return n.store.get_state_machine(arn);
  int64_t now = now_ms();
  {
    std::lock_guard lock(n.defs_mu);
    auto it = n.machines.find(arn);
    if (it != n.machines.end() && it->second.first > now) return it->second.second;
  }
  auto r = n.store.get_state_machine(arn);
  std::lock_guard lock(n.defs_mu);
  if (r && r->status == "ACTIVE") {
    if (n.machines.size() > 10000) n.machines.clear();
    n.machines[arn] = {now + 1000, *r};
  } else {
    n.machines.erase(arn);
  }
  return r;
}

void node::forget_machine(const std::string& arn) {
  std::lock_guard lock(impl_->defs_mu);
  impl_->machines.erase(arn);
}

std::shared_ptr<const asl::definition> node::definition_for(
    const cluster::state_machine_record& m) {
  return impl_->definition(m.arn + "#" + m.revision_id, m.definition);
}

namespace {

/// True when a new execution's first step left it waiting only for timers,
/// all further away than an idle actor lives: it may start asleep.
bool sleeps_from_start(const node::impl& n, const std::vector<interp::command>& commands) {
  if (commands.empty()) return false;
  for (const auto& cmd : commands) {
    auto* t = std::get_if<interp::cmd_start_timer>(&cmd);
    if (!t || n.delay_until(t->due_ms) < n.passivate_after) return false;
  }
  // Armed in due order, as rearm() does (a single timer is the usual case).
  return std::is_sorted(commands.begin(), commands.end(), [](const auto& a, const auto& b) {
    return std::get<interp::cmd_start_timer>(a).due_ms < std::get<interp::cmd_start_timer>(b).due_ms;
  });
}

}  // namespace

void node::start_execution(start_request req, std::function<void(start_reply)> done) {
  auto& n = *impl_;
  const auto& cfg = n.cfg.node;
  // The execution lives in its machine's Region and account (api/namespaces.hpp).
  auto arn_parts = model::parse_arn(req.machine.arn);
  const std::string& region = arn_parts ? arn_parts->region : cfg.region;
  const std::string& account = arn_parts ? arn_parts->account : cfg.account_id;
  bool express = req.machine.type == "EXPRESS";
  if (req.name.empty())
    req.name = express ? random_uuid() : n.local_execution_name(req.machine.name, region, account);
  int64_t start = exec_now_ms();
  std::string exec_arn =
      express ? model::express_execution_arn(region, account, req.machine.name, req.name,
                                             random_uuid())
              : model::execution_arn(region, account, req.machine.name, req.name);
  cluster::execution_record rec;
  rec.arn = exec_arn;
  rec.machine_arn = req.machine.arn;
  rec.name = req.name;
  rec.start_ms = start;
  rec.input = req.input;
  rec.definition = req.machine.definition;
  rec.role_arn = req.machine.role_arn;
  rec.machine_update_ms = req.machine.update_ms ? req.machine.update_ms : req.machine.creation_ms;
  rec.revision_id = req.machine.revision_id;
  rec.express = express;
  rec.trace_header = req.trace_header;
  rec.version_arn = req.version_arn;
  rec.alias_arn = req.alias_arn;
  rec.test_case = req.test_case;
  // $$.StateMachine.Id is the ARN the execution was started through.
  const std::string& context_machine_arn =
      !req.alias_arn.empty() ? req.alias_arn
                             : (!req.version_arn.empty() ? req.version_arn : req.machine.arn);

  spawn_request sp;
  sp.def = req.def;
  sp.state = interp::make_execution(exec_arn, context_machine_arn, req.machine.name, req.name,
                                    req.machine.role_arn, req.input, start,
                                    uuid_rng() ^ static_cast<uint64_t>(start));
  sp.express = express;
  start_reply rep;
  rep.execution_arn = exec_arn;
  rep.start_ms = start;

  if (!express) {
    // The owner of the execution's shard (always, on a single node) takes
    // the first step right here and stores it with the new record in one
    // write: workflows that finish in it (Pass/Choice chains) need no actor,
    // no thread hop and no second write; the others continue in an actor
    // from the stored state. Another node's execution is stored unstarted
    // (whoever recovers a state with no events starts it) and its owner is
    // woken through the shard's inbox. Nothing leaves this function before
    // the store has the record. The owner's create is fenced like a save:
    // if the shard changed hands since owns() (a rebalance), it is refused
    // and the execution is stored unstarted for the new owner instead.
    //
    // A non-owner takes the first step too: when the execution succeeds in
    // it (a Pass/Choice chain), nothing is left for the owner to do (no
    // timer, no task, no later save, no redrive), so the finished record is
    // created here in the same single write and the owner is never
    // involved. Any other is handed to the owner as before (one that failed
    // can be redriven, which the owner does, and the nodes' caches of
    // finished records take them as immutable).
    bool owner = n.owns(exec_arn);
    interp::limits lim = n.limits;
    lim.mocked = !req.test_case.empty();
    interp::step_result first = interp::step(*sp.def, sp.state, interp::ev_start{}, exec_now_ms(), lim);
    bool here = owner || first.next.status == interp::exec_status::succeeded;
    if (!here) first = {};
    if (here) {
      fill_record(rec, first.next);
      note_started_through(first.events, rec);
      rec.map_changes = take_map_changes(first);
      n.events->attach(rec, first.events);
      // Finished in its first step: no task of it can be answered and no
      // timer can fire, so its state is of no further use; not storing it
      // saves a write and the memory.
      // (One that failed keeps it: a redrive continues from it.)
      if (first.next.status != interp::exec_status::succeeded)
        rec.state = std::make_shared<const interp::execution_state>(first.next);
    } else {
      rec.state = std::make_shared<const interp::execution_state>(sp.state);
    }
    cluster::execution_record existing;
    cluster::create_outcome outcome;
    try {
      outcome = n.store.create_execution(rec, first.events, existing);
    } catch (const cluster::store_fenced&) {
      // The shard changed hands since owns() said yes (the owner's create is
      // fenced: cluster/redis_store.cpp): nothing was written. Store it
      // unstarted for the new owner, as a non-owner does.
      here = false;
      first = {};
      rec.status = "RUNNING";
      rec.stop_ms = 0;
      rec.output.clear();
      rec.error.clear();
      rec.cause.clear();
      rec.has_output = rec.has_error = rec.has_cause = false;
      rec.map_changes.reset();
      rec.state = std::make_shared<const interp::execution_state>(sp.state);
      outcome = n.store.create_execution(rec, {}, existing);
    }
    if (outcome != cluster::create_outcome::created) {
      if (existing.status == "RUNNING" && existing.input == req.input) {
        // The same start again, e.g. a client's retry after an answer lost
        // in a Redis failover: the first attempt may have been stored while
        // its caller saw a failure, so nothing armed its timers. The owner
        // re-arms it as a shard recovery does (idempotent: a timer armed
        // twice fires once, a live actor ignores a requeue of its tasks).
        if (owner && existing.state) {
          if (existing.state->next_event_id == 1)
            n.route(exec_arn, [](const caf::actor&) {});
          else if (auto def = n.definition(existing.machine_arn + "#" + existing.revision_id,
                                           existing.definition))
            n.rearm(*existing.state, *def);
        }
        rep.execution_arn = existing.arn;
        rep.start_ms = existing.start_ms;
        return done(std::move(rep));
      }
      rep.error = api_error{"ExecutionAlreadyExists", "Execution Already Exists: '" + exec_arn + "'"};
      return done(std::move(rep));
    }
    obs::note_events(obs::machine(rec.machine_arn, false), first.events);
    if (!here) {
      n.post_remote(exec_arn, remote_start_message(exec_arn));
      return done(std::move(rep));
    }
    rec.state.reset();
    rec.map_changes.reset();
    if (first.next.status != interp::exec_status::running) return done(std::move(rep));
    if (sleeps_from_start(n, first.commands)) {
      // Parked in a long Wait: nothing for an actor to do until the timer
      // fires, and the timer service wakes it from the store then. Starting
      // it asleep keeps a parked execution at its stored bytes.
      for (auto& cmd : first.commands) {
        auto& c = std::get<interp::cmd_start_timer>(cmd);
        caf::anon_send(n.timers, arm_atom::value, exec_arn, c.timer, c.due_ms);
      }
      return done(std::move(rep));
    }
    sp.state = std::move(first.next);
    sp.initial_commands = std::move(first.commands);
    sp.fresh = false;
  }
  rec.state.reset();
  if (express) {
    // Express: take the first step right here. Most Express workflows finish
    // in it (no Wait, no task), and then no actor is needed at all.
    interp::limits lim = n.limits;
    sp.xlog = n.xlog->config_for(req.machine.logging_json);
    lim.record_history = sp.xlog != nullptr;  // logged: the events are needed
    lim.max_duration_ms = express_max_duration_ms;
    lim.mocked = !req.test_case.empty();
    auto r = interp::step(*sp.def, std::move(sp.state), interp::ev_start{}, exec_now_ms(), lim);
    auto& om = obs::machine(rec.machine_arn, true);
    obs::note_express_started(om);
    obs::note_events(om, r.events);
    om.transitions.inc(static_cast<uint64_t>(r.states_entered));
    if (sp.xlog) n.xlog->write(*sp.xlog, exec_arn, 0, r.events);
    if (r.next.status != interp::exec_status::running) {
      obs::note_finished(om, interp::to_string(r.next.status));
      fill_record(rec, r.next);
      rep.result = std::move(rec);
      return done(std::move(rep));
    }
    sp.state = std::move(r.next);
    sp.initial_commands = std::move(r.commands);
    sp.fresh = false;
  }
  sp.record = rec;
  if (req.sync) {
    start_reply fallback = rep;
    fallback.error = api_error{"ServiceException", "The execution was interrupted"};
    sp.finished = reply<start_reply>(std::move(done), std::move(fallback));
  }
  // Single node: the first step's activity tasks are handed out at the end,
  // on this (io) thread once the actor is registered, so a parked poll is
  // answered without a round trip through a CAF thread (activity_queue.cpp).
  std::vector<std::pair<std::string, queued_task>> first_tasks;
  if (!express && !n.coord && req.test_case.empty())
    first_tasks = n.take_first_tasks(exec_arn, sp.initial_commands);
  caf::actor a;
  {
    std::lock_guard lock(n.mu);
    if (n.stopping) {
      rep.error = api_error{"ServiceUnavailable", "The node is shutting down"};
      if (!req.sync) return done(std::move(rep));
      sp.finished(std::move(rep));
      return;
    }
    a = n.sys->spawn(execution_actor, &n, std::move(sp));
    auto& e = n.executions[exec_arn];
    e.actor = a;
  }
  // Express executions are not stored, so there is nothing to restart them
  // from: only Standard ones are supervised.
  if (!express) n.watch(a, exec_arn);
  if (!req.sync) done(std::move(rep));
  for (auto& [activity, t] : first_tasks) n.schedule_activity(activity, std::move(t));
}

void node::stop_execution(const std::string& execution_arn, std::string error, std::string cause,
                          bool has_error, bool has_cause,
                          std::function<void(std::optional<api_error>, int64_t)> done) {
  auto shared_done = std::make_shared<std::function<void(std::optional<api_error>, int64_t)>>(
      std::move(done));
  if (!impl_->owns(execution_arn)) {
    auto rec = impl_->store.get_execution_record(execution_arn);
    if (!rec)
      return (*shared_done)(
          api_error{"ExecutionDoesNotExist", "Execution Does Not Exist: '" + execution_arn + "'"},
          0);
    if (rec->status != "RUNNING") return (*shared_done)(std::nullopt, rec->stop_ms);
    impl_->post_remote(execution_arn,
                       remote_stop_message(execution_arn, error, cause, has_error, has_cause));
    return (*shared_done)(std::nullopt, exec_now_ms());
  }
  stop_request req;
  req.error = std::move(error);
  req.cause = std::move(cause);
  req.has_error = has_error;
  req.has_cause = has_cause;
  auto fn = [shared_done](std::pair<std::optional<api_error>, int64_t> r) {
    (*shared_done)(std::move(r.first), r.second);
  };
  req.done = reply<std::pair<std::optional<api_error>, int64_t>>(
      std::move(fn), {api_error{"ServiceUnavailable", "The execution could not be reached"}, 0});
  auto holder = std::make_shared<stop_request>(std::move(req));
  auto routed = impl_->route(execution_arn, [holder](const caf::actor& a) {
    caf::anon_send(a, stop_atom::value, std::move(*holder));
  });
  if (routed == route_result::delivered) return;
  holder->done.release();
  if (routed == route_result::unavailable)
    return (*shared_done)(api_error{"ServiceUnavailable", "The execution store is unavailable"},
                          0);
  auto rec = impl_->store.get_execution_record(execution_arn);
  if (!rec)
    return (*shared_done)(
        api_error{"ExecutionDoesNotExist", "Execution Does Not Exist: '" + execution_arn + "'"}, 0);
  // Already finished: AWS answers with the stop date it has.
  (*shared_done)(std::nullopt, rec->stop_ms ? rec->stop_ms : exec_now_ms());
}

namespace {

using redrive_cb = std::function<void(std::optional<api_error>, int64_t)>;

/// Hands a redrive to the execution's actor (waking it from the store).
/// A message dropped by an actor that was just quitting (the execution had
/// finished a moment before) is routed again, a few times.
void route_redrive(node::impl& n, const std::string& arn, std::string token, int64_t at,
                   std::shared_ptr<redrive_cb> done, int attempt) {
  redrive_request req;
  req.token = token;
  req.at_ms = at;
  node::impl* np = &n;
  req.done = reply<std::pair<std::optional<api_error>, int64_t>>(
      [np, arn, token, at, done, attempt](std::pair<std::optional<api_error>, int64_t> r) {
        if (r.first && r.first->type == "Dropped") {
          if (attempt < 3) return route_redrive(*np, arn, token, at, done, attempt + 1);
          r.first = api_error{"ServiceUnavailable", "The execution could not be reached"};
        }
        (*done)(std::move(r.first), r.second);
      },
      {api_error{"Dropped", ""}, 0});
  auto holder = std::make_shared<redrive_request>(std::move(req));
  auto routed = n.route(
      arn, [holder](const caf::actor& a) { caf::anon_send(a, redrive_atom::value, std::move(*holder)); },
      true);
  if (routed == route_result::delivered) return;
  holder->done.release();
  if (routed == route_result::unavailable)
    return (*done)(api_error{"ServiceUnavailable", "The execution store is unavailable"}, 0);
  (*done)(api_error{"ExecutionNotRedrivable",
                    "Execution was started before the launch of RedriveExecution"},
          0);
}

/// Routes a Map Run event to the parent execution (this node's, or through
/// the owner's inbox).
void route_map_event(node::impl& n, const std::string& execution_arn, interp::event ev,
                     std::string remote, std::function<void(std::optional<api_error>)> done) {
  auto shared_done = std::make_shared<std::function<void(std::optional<api_error>)>>(
      std::move(done));
  if (!n.owns(execution_arn)) {
    n.post_remote(execution_arn, remote);
    return (*shared_done)(std::nullopt);
  }
  map_update_request req;
  req.ev = std::move(ev);
  req.done = reply<std::pair<std::optional<api_error>, int64_t>>(
      [shared_done](std::pair<std::optional<api_error>, int64_t> r) {
        (*shared_done)(std::move(r.first));
      },
      {api_error{"ServiceUnavailable", "The execution could not be reached"}, 0});
  auto holder = std::make_shared<map_update_request>(std::move(req));
  auto routed = n.route(execution_arn, [holder](const caf::actor& a) {
    caf::anon_send(a, map_update_atom::value, std::move(*holder));
  });
  if (routed == route_result::delivered) return;
  holder->done.release();
  if (routed == route_result::unavailable)
    return (*shared_done)(api_error{"ServiceUnavailable", "The execution store is unavailable"});
  (*shared_done)(std::nullopt);  // the parent ended meanwhile: nothing to change
}

}  // namespace

void node::redrive_execution(const std::string& execution_arn, std::string client_token,
                             std::function<void(std::optional<api_error>, int64_t)> done) {
  auto shared_done = std::make_shared<redrive_cb>(std::move(done));
  const int64_t at = exec_now_ms();
  if (!impl_->owns(execution_arn)) {
    // Cluster: its owner takes it from the shard's inbox (durably), with
    // this date, which is the answer.
    impl_->post_remote(execution_arn, remote_redrive_message(execution_arn, client_token, at));
    return (*shared_done)(std::nullopt, at);
  }
  route_redrive(*impl_, execution_arn, std::move(client_token), at, shared_done, 0);
}

void node::update_map_run(const std::string& execution_arn, const std::string& map_run_arn,
                          int64_t max_concurrency, int64_t tolerated_count,
                          double tolerated_percentage,
                          std::function<void(std::optional<api_error>)> done) {
  interp::ev_update_map_run ev{map_run_arn, max_concurrency, tolerated_count,
                               tolerated_percentage};
  auto remote = remote_map_update_message(execution_arn, ev);
  route_map_event(*impl_, execution_arn, std::move(ev), std::move(remote), std::move(done));
}

void node::stop_child(const std::string& execution_arn, const std::string& child_arn,
                      std::string error, std::string cause, bool has_error, bool has_cause,
                      std::function<void(std::optional<api_error>)> done) {
  interp::ev_stop_child ev{child_arn, std::move(error), std::move(cause), has_error, has_cause};
  auto remote = remote_stop_child_message(execution_arn, ev);
  route_map_event(*impl_, execution_arn, std::move(ev), std::move(remote), std::move(done));
}

void node::get_activity_task(const std::string& activity_arn, std::string worker_name,
                             std::function<bool()> alive, std::function<void(activity_task)> done) {
  poll_request p;
  p.worker = std::move(worker_name);
  p.alive = std::move(alive);
  obs::metrics().parked_polls.add(1);
  p.done = reply<activity_task>(
      [d = std::move(done)](activity_task t) {
        obs::metrics().parked_polls.add(-1);
        d(std::move(t));
      },
      activity_task{});
  impl_->poll_activity(activity_arn, std::move(p));
}

namespace {

/// Marks a SendTask* whose message was dropped by an actor that quit first.
const char* const dropped_marker = "#dropped";

/// How often a SendTask* dropped by an actor that quit is routed again.
constexpr int max_reroutes = 4;

void route_task(node::impl& n, const std::string& token, task_outcome o, error_cb done,
                int rerouted = 0) {
  auto t = n.codec.decode(token);
  if (!t) return done(api_error{"InvalidToken", "Invalid token"});
  o.task = t->task_id;
  if (!n.owns(t->execution_arn)) {
    // Owned by another node: check the stored state, then hand the outcome
    // to the owner through the shard's inbox.
    auto rec = n.store.get_execution(t->execution_arn);
    if (rec && rec->state) {
      if (rec->state->tasks.count(t->task_id)) {
        const char* kind = o.k == task_outcome::kind::success   ? "success"
                           : o.k == task_outcome::kind::failure ? "failure"
                                                                : "heartbeat";
        n.post_remote(t->execution_arn,
                      remote_task_message(kind, t->execution_arn, t->task_id, o.output, o.error,
                                          o.cause, o.has_error, o.has_cause));
        return done(std::nullopt);
      }
      auto it = rec->state->closed_tasks.find(t->task_id);
      if (it != rec->state->closed_tasks.end() && it->second == interp::task_end::timed_out)
        return done(api_error{"TaskTimedOut", "Task Timed Out: 'Provided task has timed out'"});
    }
    return done(api_error{"TaskDoesNotExist", "Task does not exist anymore"});
  }
  auto shared_done = std::make_shared<error_cb>(std::move(done));
  // If the message is dropped (the execution's actor stopped before handling
  // it: another SendTask* on the same token finished the execution, or its
  // shard moved; or it waited for an execution being woken that turned out
  // to be over), it is routed again, which finds out where the task stands
  // now (TaskDoesNotExist, TaskTimedOut, another owner); after a few drops
  // it answers with a retryable error.
  std::shared_ptr<task_outcome> again;
  if (rerouted < max_reroutes) {
    again = std::make_shared<task_outcome>();
    again->k = o.k;
    again->output = o.output;
    again->error = o.error;
    again->cause = o.cause;
    again->has_error = o.has_error;
    again->has_cause = o.has_cause;
  }
  node::impl* np = &n;
  o.done = error_reply(
      [shared_done, again, np, token, rerouted](std::optional<api_error> e) {
        if (e && e->type == dropped_marker) {
          // This runs where the message was destroyed, possibly under the
          // registry lock: route again from a one-off actor of its own.
          if (again && np->sys) {
            np->sys->spawn([np, token, again, shared_done, rerouted](caf::event_based_actor* self) {
              route_task(*np, token, std::move(*again), std::move(*shared_done), rerouted + 1);
              self->quit();
            });
            return;
          }
          e = api_error{"ServiceUnavailable", "The execution could not take the request; retry it"};
        }
        (*shared_done)(std::move(e));
      },
      api_error{dropped_marker, ""});
  auto holder = std::make_shared<task_outcome>(std::move(o));
  auto routed = n.route(t->execution_arn, [holder](const caf::actor& a) {
    caf::anon_send(a, task_atom::value, std::move(*holder));
  });
  if (routed == route_result::delivered) return;
  holder->done.release();
  if (routed == route_result::unavailable)
    return (*shared_done)(api_error{"ServiceUnavailable", "The execution store is unavailable"});
  // Not running: tell a timed-out task from one that is simply gone.
  try {
    auto rec = n.store.get_execution(t->execution_arn);
    if (rec && rec->state) {
      auto it = rec->state->closed_tasks.find(t->task_id);
      if (it != rec->state->closed_tasks.end() && it->second == interp::task_end::timed_out)
        return (*shared_done)(
            api_error{"TaskTimedOut", "Task Timed Out: 'Provided task has timed out'"});
    }
  } catch (const cluster::store_error&) {
    return (*shared_done)(api_error{"ServiceUnavailable", "The execution store is unavailable"});
  }
  (*shared_done)(api_error{"TaskDoesNotExist", "Task does not exist anymore"});
}

}  // namespace

void node::send_task_success(const std::string& token, std::string output, error_cb done) {
  task_outcome o;
  o.k = task_outcome::kind::success;
  o.output = std::move(output);
  route_task(*impl_, token, std::move(o), std::move(done));
}

void node::send_task_failure(const std::string& token, std::string error, std::string cause,
                             bool has_error, bool has_cause, error_cb done) {
  task_outcome o;
  o.k = task_outcome::kind::failure;
  o.error = std::move(error);
  o.cause = std::move(cause);
  o.has_error = has_error;
  o.has_cause = has_cause;
  route_task(*impl_, token, std::move(o), std::move(done));
}

void node::send_task_heartbeat(const std::string& token, error_cb done) {
  task_outcome o;
  o.k = task_outcome::kind::heartbeat;
  route_task(*impl_, token, std::move(o), std::move(done));
}

void node::recover() {
  auto& n = *impl_;
  if (n.coord) return;  // per shard, as leases are gained
  for (auto& rec : n.store.running_executions()) {
    if (!rec.state) continue;
    if (rec.state->next_event_id == 1) {  // never started: start it now
      n.route(rec.arn, [](const caf::actor&) {});
      continue;
    }
    auto def = n.definition(rec.machine_arn + "#" + rec.revision_id, rec.definition);
    if (def) n.rearm(*rec.state, *def);
  }
}

int64_t node::advance_clock(int64_t to_ms) {
  auto& n = *impl_;
  // In a cluster Redis holds the time and tells every node (this one too,
  // but the answer must not wait for that message).
  const int64_t at = n.coord ? n.coord->advance_clock(to_ms) : to_ms;
  const int64_t now = set_manual_clock(at);
  caf::anon_send(n.timers, tick_atom::value);
  return now;
}

bool node::enable_cluster(const std::string& redis_url, std::string* error) {
  return impl_->start_cluster(redis_url, error);
}

void node::shutdown() {
  auto& n = *impl_;
  if (!n.sys) return;
  if (n.integ) n.integ->stop();
  if (n.events) n.events->stop();
  n.stop_cluster();
  std::vector<caf::actor> all;
  // Single-node queues: parked polls are answered (empty) as they go,
  // outside the registry lock.
  std::unordered_map<std::string, std::shared_ptr<local_activity_queue>> locals;
  {
    std::lock_guard lock(n.mu);
    n.stopping = true;
    locals.swap(n.local_queues);
    for (auto& [k, e] : n.executions)
      if (e.actor) all.push_back(e.actor);
    for (auto& [k, a] : n.queues) all.push_back(a);
    n.executions.clear();
    n.queues.clear();
  }
  locals.clear();
  all.push_back(n.supervisor);
  all.push_back(n.timers);
  for (auto& a : all) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  all.clear();
  n.supervisor = nullptr;
  n.timers = nullptr;
  n.sys.reset();
}

}  // namespace sc::actors
