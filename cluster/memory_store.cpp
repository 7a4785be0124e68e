// The memory store: the embedded default. Plain maps under one mutex; every
// operation is a few map lookups, so contention is not a concern at the
// rates one node serves. Executions are listed newest first through an
// index ordered by (machine, start time, arn). With a retention set, a
// finished execution is forgotten that long after it finished (checked on
// every create and save, oldest first).
#include "cluster/codec.hpp"
#include "cluster/map_run_memory.hpp"
#include "cluster/store.hpp"

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string_view>
#include <unordered_map>

namespace sc::cluster {

namespace {

// AWS's idempotency check for CreateStateMachine compares name, definition,
// type, logging and tracing configuration; a different roleArn (or tags) is
// ignored and the existing machine returned unchanged.
bool same_machine(const state_machine_record& a, const state_machine_record& b) {
  return a.definition == b.definition && a.type == b.type &&
         a.logging_json == b.logging_json && a.tracing_enabled == b.tracing_enabled;
}

class memory_store final : public store {
 public:
  bool in_process() const override { return true; }

  std::vector<std::string> take_status_events(size_t max) override {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    while (!status_outbox_.empty() && out.size() < max) {
      out.push_back(std::move(status_outbox_.front()));
      status_outbox_.pop_front();
    }
    return out;
  }

  create_outcome create_state_machine(const state_machine_record& r,
                                      state_machine_record& existing) override {
    std::lock_guard lock(mu_);
    auto it = machines_.find(r.arn);
    if (it != machines_.end()) {
      existing = it->second;
      if (it->second.status == "DELETING") return create_outcome::deleting;
      return same_machine(it->second, r) ? create_outcome::existing : create_outcome::conflict;
    }
    machines_.emplace(r.arn, r);
    return create_outcome::created;
  }

  std::optional<state_machine_record> get_state_machine(const std::string& arn) override {
    std::lock_guard lock(mu_);
    auto it = machines_.find(arn);
    if (it == machines_.end()) return std::nullopt;
    return it->second;
  }

  bool put_state_machine(const state_machine_record& r) override {
    std::lock_guard lock(mu_);
    auto it = machines_.find(r.arn);
    if (it == machines_.end()) return false;
    it->second = r;
    return true;
  }

  bool delete_state_machine(const std::string& arn) override {
    std::lock_guard lock(mu_);
    auto it = machines_.find(arn);
    if (it == machines_.end()) return false;
    if (running_[arn] > 0) {
      it->second.status = "DELETING";
      return true;
    }
    erase_machine(arn);
    return true;
  }

  page<state_machine_record> list_state_machines(const std::string& after,
                                                 size_t limit) override {
    std::lock_guard lock(mu_);
    return list_map(machines_, after, limit);
  }

  size_t count_state_machines() override {
    std::lock_guard lock(mu_);
    return machines_.size();
  }

  // Versions and aliases -------------------------------------------------

  publish_outcome publish_version(const std::string& machine_arn, const state_machine_record& v,
                                  size_t max_versions, state_machine_record& out) override {
    std::lock_guard lock(mu_);
    auto& c = children_[machine_arn];
    if (!c.versions.empty() && c.versions.rbegin()->second.revision_id == v.revision_id) {
      out = c.versions.rbegin()->second;
      return publish_outcome::existing;
    }
    if (c.versions.size() >= max_versions) return publish_outcome::quota;
    int64_t n = ++c.last_version;
    out = v;
    out.arn = machine_arn + ":" + std::to_string(n);
    c.versions.emplace(n, out);
    return publish_outcome::created;
  }

  std::optional<state_machine_record> get_version(const std::string& arn) override {
    std::lock_guard lock(mu_);
    auto* c = children_of(arn);
    if (!c) return std::nullopt;
    auto it = c->versions.find(version_number(arn));
    if (it == c->versions.end() || it->second.arn != arn) return std::nullopt;
    return it->second;
  }

  page<state_machine_record> list_versions(const std::string& machine_arn,
                                           const std::string& after, size_t limit) override {
    std::lock_guard lock(mu_);
    page<state_machine_record> out;
    auto it = children_.find(machine_arn);
    if (it == children_.end()) return out;
    auto& vs = it->second.versions;
    auto v = after.empty() ? vs.rbegin()
                           : std::make_reverse_iterator(vs.lower_bound(version_number(after)));
    for (; v != vs.rend(); ++v) {
      if (out.items.size() == limit) {
        out.next = out.items.back().arn;
        break;
      }
      out.items.push_back(v->second);
    }
    return out;
  }

  bool delete_version(const std::string& arn) override {
    std::lock_guard lock(mu_);
    auto* c = children_of(arn);
    if (!c) return false;
    auto it = c->versions.find(version_number(arn));
    if (it == c->versions.end() || it->second.arn != arn) return false;
    c->versions.erase(it);
    return true;
  }

  create_outcome create_alias(const alias_record& a, size_t max_aliases,
                              alias_record& existing) override {
    std::lock_guard lock(mu_);
    auto& c = children_[unqualified_arn(a.arn)];
    auto it = c.aliases.find(a.arn);
    if (it != c.aliases.end()) {
      existing = it->second;
      return same_alias(existing, a) ? create_outcome::existing : create_outcome::conflict;
    }
    if (c.aliases.size() >= max_aliases) return create_outcome::deleting;
    c.aliases.emplace(a.arn, a);
    return create_outcome::created;
  }

  std::optional<alias_record> get_alias(const std::string& arn) override {
    std::lock_guard lock(mu_);
    auto* c = children_of(arn);
    if (!c) return std::nullopt;
    auto it = c->aliases.find(arn);
    if (it == c->aliases.end()) return std::nullopt;
    return it->second;
  }

  bool put_alias(const alias_record& a) override {
    std::lock_guard lock(mu_);
    auto* c = children_of(a.arn);
    if (!c) return false;
    auto it = c->aliases.find(a.arn);
    if (it == c->aliases.end()) return false;
    it->second = a;
    return true;
  }

  bool delete_alias(const std::string& arn) override {
    std::lock_guard lock(mu_);
    auto* c = children_of(arn);
    return c && c->aliases.erase(arn) > 0;
  }

  std::vector<alias_record> list_aliases(const std::string& machine_arn) override {
    std::lock_guard lock(mu_);
    std::vector<alias_record> out;
    auto it = children_.find(machine_arn);
    if (it != children_.end())
      for (auto& [arn, a] : it->second.aliases) out.push_back(a);
    return out;
  }

  void delete_versions_and_aliases(const std::string& machine_arn) override {
    std::lock_guard lock(mu_);
    children_.erase(machine_arn);
  }

  create_outcome create_activity(const activity_record& r, activity_record& existing) override {
    std::lock_guard lock(mu_);
    auto it = activities_.find(r.arn);
    if (it != activities_.end()) {
      existing = it->second;
      return create_outcome::existing;
    }
    activities_.emplace(r.arn, r);
    return create_outcome::created;
  }

  std::optional<activity_record> get_activity(const std::string& arn) override {
    std::lock_guard lock(mu_);
    auto it = activities_.find(arn);
    if (it == activities_.end()) return std::nullopt;
    return it->second;
  }

  bool delete_activity(const std::string& arn) override {
    std::lock_guard lock(mu_);
    tags_.erase(arn);
    return activities_.erase(arn) > 0;
  }

  page<activity_record> list_activities(const std::string& after, size_t limit) override {
    std::lock_guard lock(mu_);
    return list_map(activities_, after, limit);
  }

  size_t count_activities() override {
    std::lock_guard lock(mu_);
    return activities_.size();
  }

  std::optional<size_t> count_open_executions(const std::string& namespace_prefix) override {
    std::lock_guard lock(mu_);
    auto it = open_.find(namespace_prefix);
    return it == open_.end() ? 0 : static_cast<size_t>(it->second);
  }

  std::vector<tag> get_tags(const std::string& arn) override {
    std::lock_guard lock(mu_);
    auto it = tags_.find(arn);
    return it == tags_.end() ? std::vector<tag>{} : it->second;
  }

  void set_tags(const std::string& arn, const std::vector<tag>& tags) override {
    std::lock_guard lock(mu_);
    if (tags.empty())
      tags_.erase(arn);
    else
      tags_[arn] = tags;
  }

  create_outcome create_execution(const execution_record& r,
                                  const std::vector<model::history_event>& events,
                                  execution_record& existing) override {
    std::lock_guard lock(mu_);
    auto it = executions_.find(r.arn);
    if (it != executions_.end()) {
      existing = load(it->first, it->second, true);
      return create_outcome::existing;
    }
    auto [slot, _] = executions_.try_emplace(r.arn);
    auto& e = slot->second;
    keep(e, r);
    append(e, events);
    if (r.map_changes) {
      bytes_ += map_runs_.apply(*r.map_changes);
      for (const auto& ev : r.map_changes->status_events) status_outbox_.push_back(ev);
    }
    bytes_ += footprint(slot->first, e);
    order_.insert(order_key{machine_id(r.machine_arn), r.start_ms, slot->first, &e});
    if (r.status == "RUNNING") {
      ++running_[r.machine_arn];
      if (!r.express) ++open_[namespace_of(r.arn)];
    } else {
      expire_later(slot->first);
    }
    expire_due();
    return create_outcome::created;
  }

  std::optional<execution_record> get_execution(const std::string& arn) override {
    std::lock_guard lock(mu_);
    auto it = executions_.find(arn);
    if (it == executions_.end()) return map_runs_.get_child(arn);
    return load(it->first, it->second, true);
  }

  std::optional<execution_record> get_execution_record(const std::string& arn) override {
    std::lock_guard lock(mu_);
    auto it = executions_.find(arn);
    if (it == executions_.end()) return map_runs_.get_child(arn);
    return load(it->first, it->second, false);
  }

  void save_execution(const execution_record& r,
                      const std::vector<model::history_event>& events) override {
    std::lock_guard lock(mu_);
    auto [slot, fresh] = executions_.try_emplace(r.arn);
    auto& e = slot->second;
    bytes_ -= std::min(bytes_, footprint(slot->first, e));
    if (fresh) order_.insert(order_key{machine_id(r.machine_arn), r.start_ms, slot->first, &e});
    bool closed_now = e.status == "RUNNING" && r.status != "RUNNING";
    // Redriven: running again (its pending expiry skips running ones).
    if (!fresh && e.status != "RUNNING" && r.status == "RUNNING") {
      ++running_[r.machine_arn];
      if (!r.express) ++open_[namespace_of(r.arn)];
    }
    if (closed_now && !r.express) {
      auto o = open_.find(namespace_of(r.arn));
      if (o != open_.end() && --o->second <= 0) open_.erase(o);
    }
    keep(e, r);
    if (closed_now && --running_[r.machine_arn] <= 0) {
      running_.erase(r.machine_arn);
      auto m = machines_.find(r.machine_arn);
      if (m != machines_.end() && m->second.status == "DELETING") erase_machine(r.machine_arn);
    }
    append(e, events);
    if (r.map_changes) {
      bytes_ += map_runs_.apply(*r.map_changes);
      for (const auto& ev : r.map_changes->status_events) status_outbox_.push_back(ev);
    }
    // Finished: it grows no more, give back what growing reserved.
    if (r.status != "RUNNING") {
      e.history.shrink_to_fit();
      e.ends.shrink_to_fit();
    }
    bytes_ += footprint(slot->first, e);
    if (closed_now) expire_later(slot->first);
    expire_due();
  }

  void set_memory_budget(size_t bytes) override {
    std::lock_guard lock(mu_);
    budget_ = bytes;
  }

  void set_retention(std::chrono::seconds keep) override {
    std::lock_guard lock(mu_);
    retention_ms_ = std::max<int64_t>(0, keep.count()) * 1000;
  }

  page<execution_record> list_executions(const std::string& machine_arn, const std::string& status,
                                         const std::string& after, size_t limit) override {
    std::lock_guard lock(mu_);
    page<execution_record> out;
    // Newest first: walk the (machine, start, arn) index backwards.
    auto id = machine_ids_.find(machine_arn);
    if (id == machine_ids_.end()) return out;
    auto hi = order_.lower_bound(order_key{id->second + 1, INT64_MIN, {}});
    auto lo = order_.lower_bound(order_key{id->second, INT64_MIN, {}});
    if (!after.empty()) {
      auto ex = executions_.find(after);
      if (ex == executions_.end()) return out;
      hi = order_.find(order_key{id->second, ex->second.start_ms, after});
      if (hi == order_.end()) return out;
    }
    for (auto it = hi; it != lo;) {
      --it;
      const auto& e = *it->entry;
      if (!status.empty() && e.status != status) continue;
      if (out.items.size() == limit) {
        out.next = out.items.back().arn;
        break;
      }
      out.items.push_back(load(it->arn, e, false));
    }
    return out;
  }

  std::vector<model::history_event> get_history(const std::string& arn, int64_t from, size_t limit,
                                                bool reverse) override {
    std::lock_guard lock(mu_);
    std::vector<model::history_event> out;
    auto it = executions_.find(arn);
    if (it == executions_.end()) {
      // A child execution: its events never refer to shared payloads.
      const auto* h = map_runs_.history(arn);
      if (!h) return out;
      int64_t n = static_cast<int64_t>(h->size());
      auto add = [&](int64_t i) {
        model::history_event ev;
        if (!codec::decode((*h)[static_cast<size_t>(i - 1)], ev))
          throw store_error("memory store: undecodable history event");
        out.push_back(std::move(ev));
      };
      if (!reverse) {
        for (int64_t i = std::max<int64_t>(from, 1); i <= n && out.size() < limit; ++i) add(i);
      } else {
        for (int64_t i = from == 0 ? n : std::min(from, n); i >= 1 && out.size() < limit; --i)
          add(i);
      }
      return out;
    }
    const auto& e = it->second;
    int64_t n = static_cast<int64_t>(e.ends.size());
    auto add = [&](int64_t i) {
      model::history_event ev;
      if (!codec::decode(event_blob(e, static_cast<size_t>(i - 1)), ev))
        throw store_error("memory store: undecodable history event");
      out.push_back(std::move(ev));
    };
    if (!reverse) {
      for (int64_t i = std::max<int64_t>(from, 1); i <= n && out.size() < limit; ++i) add(i);
    } else {
      for (int64_t i = from == 0 ? n : std::min(from, n); i >= 1 && out.size() < limit; --i) add(i);
    }
    // Shared payloads: take those referred to outside the page from their
    // events (each decoded once).
    auto missing = model::resolve_payloads(out);
    if (!missing.empty()) {
      std::unordered_map<int64_t, std::string> found;
      for (int64_t id : missing) {
        model::history_event ev;
        if (id < 1 || id > n || !codec::decode(event_blob(e, static_cast<size_t>(id - 1)), ev))
          throw store_error("memory store: history event refers to a missing payload");
        found.emplace(id, std::move(ev.payload));
      }
      for (auto& ev : out)
        if (ev.payload_ref) {
          ev.payload = found[ev.payload_ref];
          ev.payload_ref = 0;
        }
    }
    return out;
  }

  int64_t history_length(const std::string& arn) override {
    std::lock_guard lock(mu_);
    auto it = executions_.find(arn);
    if (it == executions_.end()) {
      const auto* h = map_runs_.history(arn);
      return h ? static_cast<int64_t>(h->size()) : 0;
    }
    return static_cast<int64_t>(it->second.ends.size());
  }

  std::optional<interp::map_run_record> get_map_run(const std::string& arn) override {
    std::lock_guard lock(mu_);
    return map_runs_.get_run(arn);
  }

  page<interp::map_run_record> list_map_runs(const std::string& execution_arn,
                                             const std::string& after, size_t limit) override {
    std::lock_guard lock(mu_);
    return map_runs_.list_runs(execution_arn, after, limit);
  }

  page<execution_record> list_map_run_executions(const std::string& map_run_arn,
                                                 const std::string& status,
                                                 const std::string& after, size_t limit) override {
    std::lock_guard lock(mu_);
    return map_runs_.list_children(map_run_arn, status, after, limit);
  }

  std::vector<execution_record> running_executions() override {
    std::lock_guard lock(mu_);
    std::vector<execution_record> out;
    for (auto& [arn, e] : executions_)
      if (e.status == "RUNNING" && !e.express) out.push_back(load(arn, e, true));
    return out;
  }

 private:

  /// Every finished execution joins the queue of those to forget, in the
  /// order they finished: at its retention time (when set), or earlier when
  /// the store is over its memory budget.
  void expire_later(const std::string& arn) {
    expiring_.emplace_back(retention_ms_ > 0 ? wall_ms() + retention_ms_ : INT64_MAX, arn);
  }


  /// Forgets finished executions whose retention has passed, and the
  /// oldest finished ones while the store is over its memory budget.
  void expire_due() {
    if (expiring_.empty()) return;
    int64_t now = wall_ms();
    while (!expiring_.empty() &&
           (expiring_.front().first <= now || (budget_ > 0 && bytes_ > budget_))) {
      auto it = executions_.find(expiring_.front().second);
      expiring_.pop_front();
      if (it == executions_.end() || it->second.status == "RUNNING") continue;
      auto m = machine_ids_.find(it->second.rev->machine_arn);
      if (m != machine_ids_.end())
        order_.erase(order_key{m->second, it->second.start_ms, it->first});
      bytes_ -= std::min(bytes_, footprint(it->first, it->second) + map_runs_.forget(it->first));
      executions_.erase(it);
    }
  }

  void erase_machine(const std::string& arn) {
    tags_.erase(arn);
    machines_.erase(arn);
  }

  template <class Rec>
  static page<Rec> list_map(const std::map<std::string, Rec>& m, const std::string& after,
                            size_t limit) {
    page<Rec> out;
    auto it = after.empty() ? m.begin() : m.upper_bound(after);
    for (; it != m.end(); ++it) {
      if (out.items.size() == limit) {
        out.next = out.items.back().arn;
        break;
      }
      out.items.push_back(it->second);
    }
    return out;
  }

  /// Newest-first listing index. The ARN and the entry point into
  /// executions_ (unordered_map elements do not move; an expired execution
  /// leaves this index first); machines are
  /// numbered so that an entry holds no copy of the machine's ARN.
  struct exec_entry;
  struct order_key {
    uint32_t machine;
    int64_t start;
    std::string_view arn;
    const exec_entry* entry = nullptr;  ///< the listed execution (not compared)
    bool operator<(const order_key& o) const {
      if (machine != o.machine) return machine < o.machine;
      if (start != o.start) return start < o.start;
      return arn < o.arn;
    }
  };

  uint32_t machine_id(const std::string& machine_arn) {
    auto [it, fresh] =
        machine_ids_.try_emplace(machine_arn, static_cast<uint32_t>(machine_ids_.size()));
    return it->second;
  }

  /// What every execution of one state machine revision shares.
  struct revision {
    std::string machine_arn, machine_name, role_arn, revision_id, definition;
  };

  /// One execution, kept compact: a parked execution should cost about a
  /// kilobyte. The record, the state and the history events are msgpack
  /// blobs (the Redis store's codec) decoded on read; what the record and
  /// the state share with the map key and the revision is left out of them
  /// (codec::identity::omit) and put back by load().
  struct exec_entry {
    std::string record;  ///< codec blob, without identity and state
    std::string state;   ///< codec blob; empty when none
    std::shared_ptr<const revision> rev;
    std::string history;        ///< event blobs back to back
    std::vector<size_t> ends;   ///< event i+1 ends at ends[i] in history
    std::string status;         ///< copied out of `record` for listing
    int64_t start_ms = 0;
    bool express = false;
    bool state_identity = false;  ///< the state blob carries its own identity
  };

  /// Approximate bytes one execution holds (blobs, index, map node).
  static size_t footprint(const std::string& arn, const exec_entry& e) {
    return arn.capacity() + e.record.capacity() + e.state.capacity() + e.history.capacity() +
           e.ends.capacity() * sizeof(size_t) + e.status.capacity() + 3 * arn.size() + 160;
  }

  static std::string_view event_blob(const exec_entry& e, size_t i) {
    size_t begin = i == 0 ? 0 : e.ends[i - 1];
    return std::string_view(e.history).substr(begin, e.ends[i] - begin);
  }

  static std::string machine_name_of(const execution_record& r) {
    if (r.state) return r.state->state_machine_name;
    auto colon = r.machine_arn.rfind(':');
    return colon == std::string::npos ? r.machine_arn : r.machine_arn.substr(colon + 1);
  }

  void keep(exec_entry& e, const execution_record& r) {
    auto& shared = revisions_[r.machine_arn + "#" + r.revision_id];
    std::string machine_name = machine_name_of(r);
    if (!shared || shared->definition != r.definition || shared->role_arn != r.role_arn ||
        shared->machine_name != machine_name)
      shared = std::make_shared<const revision>(
          revision{r.machine_arn, std::move(machine_name), r.role_arn, r.revision_id,
                   r.definition});
    e.rev = shared;
    e.record = codec::encode(r, codec::identity::omit);
    e.record.shrink_to_fit();
    e.state.clear();
    e.state_identity = false;
    if (r.state) {
      const auto& st = *r.state;
      bool derivable = st.execution_arn == r.arn && st.state_machine_arn == r.machine_arn &&
                       st.state_machine_name == shared->machine_name && st.name == r.name &&
                       st.role_arn == r.role_arn && st.input == r.input;
      e.state = codec::encode(st, derivable ? codec::identity::omit : codec::identity::keep);
      e.state_identity = !derivable;
    }
    e.state.shrink_to_fit();
    e.status = r.status;
    e.start_ms = r.start_ms;
    e.express = r.express;
  }

  static void append(exec_entry& e, const std::vector<model::history_event>& events) {
    if (events.empty()) return;
    if (e.ends.empty()) e.ends.reserve(events.size());  // a new execution: exactly
    for (const auto& ev : events) {
      e.history += codec::encode(ev);
      e.ends.push_back(e.history.size());
    }
    if (e.ends.size() == events.size()) e.history.shrink_to_fit();
  }

  static execution_record load(std::string_view arn, const exec_entry& e, bool with_state) {
    execution_record r;
    if (!codec::decode(e.record, r)) throw store_error("memory store: undecodable record");
    r.arn = arn;
    r.machine_arn = e.rev->machine_arn;
    r.role_arn = e.rev->role_arn;
    r.revision_id = e.rev->revision_id;
    r.definition = e.rev->definition;
    if (with_state && !e.state.empty()) {
      auto st = std::make_shared<interp::execution_state>();
      if (!codec::decode(e.state, *st)) throw store_error("memory store: undecodable state");
      if (!e.state_identity) {
        st->execution_arn = r.arn;
        st->state_machine_arn = r.machine_arn;
        st->state_machine_name = e.rev->machine_name;
        st->name = r.name;
        st->role_arn = r.role_arn;
        st->input = r.input;
      }
      r.state = std::move(st);
    }
    return r;
  }

  struct machine_children {
    int64_t last_version = 0;  ///< the highest number ever published
    std::map<int64_t, state_machine_record> versions;
    std::map<std::string, alias_record> aliases;
  };
  static int64_t version_number(const std::string& arn) {
    auto colon = arn.rfind(':');
    try {
      return std::stoll(arn.substr(colon + 1));
    } catch (...) {
      return -1;
    }
  }
  machine_children* children_of(const std::string& qualified_arn) {
    auto it = children_.find(unqualified_arn(qualified_arn));
    return it == children_.end() ? nullptr : &it->second;
  }

  std::mutex mu_;
  /// Status change events saved with executions, for take_status_events.
  std::deque<std::string> status_outbox_;
  std::unordered_map<std::string, machine_children> children_;
  std::map<std::string, state_machine_record> machines_;
  std::map<std::string, activity_record> activities_;
  std::unordered_map<std::string, std::vector<tag>> tags_;
  std::unordered_map<std::string, exec_entry> executions_;
  map_run_memory map_runs_;  ///< Map Runs and child executions
  std::set<order_key> order_;
  std::unordered_map<std::string, uint32_t> machine_ids_;
  std::unordered_map<std::string, int64_t> running_;  ///< running executions per machine
  /// Running Standard executions per namespace ("arn:aws:states:REGION:ACCOUNT:").
  std::unordered_map<std::string, int64_t> open_;

  /// "arn:aws:states:REGION:ACCOUNT:" of an ARN (its first five fields).
  static std::string namespace_of(const std::string& arn) {
    size_t at = 0;
    for (int i = 0; i < 5 && at != std::string::npos; ++i) {
      at = arn.find(':', at);
      if (at != std::string::npos) ++at;
    }
    return at == std::string::npos ? std::string() : arn.substr(0, at);
  }
  std::unordered_map<std::string, std::shared_ptr<const revision>> revisions_;
  int64_t retention_ms_ = 0;  ///< 0 = keep forever
  size_t budget_ = 0;         ///< most bytes of executions to keep; 0 = no budget
  size_t bytes_ = 0;          ///< bytes of executions kept (footprint())
  std::deque<std::pair<int64_t, std::string>> expiring_;  ///< (forget at, arn), oldest first
};

}  // namespace

std::unique_ptr<store> make_memory_store() { return std::make_unique<memory_store>(); }

}  // namespace sc::cluster
