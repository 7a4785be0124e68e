// The memory store: the embedded default. Plain maps under one mutex; every
// operation is a few map lookups, so contention is not a concern at the
// rates one node serves. Executions are listed newest first through an
// index ordered by (machine, start time, arn).
#include "cluster/codec.hpp"
#include "cluster/store.hpp"

#include <map>
#include <mutex>
#include <set>
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
      existing = load(it->second, true);
      return create_outcome::existing;
    }
    auto& e = executions_[r.arn];
    keep(e, r);
    append(e, events);
    order_.insert(order_key{r.machine_arn, r.start_ms, r.arn});
    if (r.status == "RUNNING") ++running_[r.machine_arn];
    return create_outcome::created;
  }

  std::optional<execution_record> get_execution(const std::string& arn) override {
    std::lock_guard lock(mu_);
    auto it = executions_.find(arn);
    if (it == executions_.end()) return std::nullopt;
    return load(it->second, true);
  }

  void save_execution(const execution_record& r,
                      const std::vector<model::history_event>& events) override {
    std::lock_guard lock(mu_);
    auto& e = executions_[r.arn];
    if (e.record.empty()) order_.insert(order_key{r.machine_arn, r.start_ms, r.arn});
    bool closed_now = e.status == "RUNNING" && r.status != "RUNNING";
    keep(e, r);
    if (closed_now && --running_[r.machine_arn] <= 0) {
      running_.erase(r.machine_arn);
      auto m = machines_.find(r.machine_arn);
      if (m != machines_.end() && m->second.status == "DELETING") erase_machine(r.machine_arn);
    }
    append(e, events);
  }

  page<execution_record> list_executions(const std::string& machine_arn, const std::string& status,
                                         const std::string& after, size_t limit) override {
    std::lock_guard lock(mu_);
    page<execution_record> out;
    // Newest first: walk the (machine, start, arn) index backwards.
    auto hi = order_.lower_bound(order_key{machine_arn + '\x01', 0, ""});
    auto lo = order_.lower_bound(order_key{machine_arn, INT64_MIN, ""});
    if (!after.empty()) {
      auto ex = executions_.find(after);
      if (ex == executions_.end()) return out;
      hi = order_.find(order_key{machine_arn, ex->second.start_ms, after});
      if (hi == order_.end()) return out;
    }
    for (auto it = hi; it != lo;) {
      --it;
      const auto& e = executions_.at(it->arn);
      if (!status.empty() && e.status != status) continue;
      if (out.items.size() == limit) {
        out.next = out.items.back().arn;
        break;
      }
      out.items.push_back(load(e, false));
    }
    return out;
  }

  std::vector<model::history_event> get_history(const std::string& arn, int64_t from, size_t limit,
                                                bool reverse) override {
    std::lock_guard lock(mu_);
    std::vector<model::history_event> out;
    auto it = executions_.find(arn);
    if (it == executions_.end()) return out;
    const auto& h = it->second.history;
    int64_t n = static_cast<int64_t>(h.size());
    auto add = [&](int64_t i) {
      model::history_event ev;
      if (!codec::decode(h[static_cast<size_t>(i - 1)], ev))
        throw store_error("memory store: undecodable history event");
      out.push_back(std::move(ev));
    };
    if (!reverse) {
      for (int64_t i = std::max<int64_t>(from, 1); i <= n && out.size() < limit; ++i) add(i);
    } else {
      for (int64_t i = from == 0 ? n : std::min(from, n); i >= 1 && out.size() < limit; --i) add(i);
    }
    return out;
  }

  int64_t history_length(const std::string& arn) override {
    std::lock_guard lock(mu_);
    auto it = executions_.find(arn);
    return it == executions_.end() ? 0 : static_cast<int64_t>(it->second.history.size());
  }

  std::vector<execution_record> running_executions() override {
    std::lock_guard lock(mu_);
    std::vector<execution_record> out;
    for (auto& [arn, e] : executions_)
      if (e.status == "RUNNING" && !e.express) out.push_back(load(e, true));
    return out;
  }

 private:
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

  struct order_key {
    std::string machine;
    int64_t start;
    std::string arn;
    bool operator<(const order_key& o) const {
      if (machine != o.machine) return machine < o.machine;
      if (start != o.start) return start < o.start;
      return arn < o.arn;
    }
  };

  /// One execution, kept compact: a parked execution should cost about a
  /// kilobyte, so the record, the state and each history event are stored
  /// as msgpack blobs (the Redis store's codec) and decoded on read; the
  /// definition text is shared by all executions of one revision.
  struct exec_entry {
    std::string record;  ///< codec blob, without definition and state
    std::string state;   ///< codec blob; empty when none
    std::shared_ptr<const std::string> definition;
    std::vector<std::string> history;  ///< codec blobs, event i+1 at i
    std::string status;  ///< copied out of `record` for listing
    int64_t start_ms = 0;
    bool express = false;
  };

  void keep(exec_entry& e, const execution_record& r) {
    auto& shared = definitions_[r.machine_arn + "#" + r.revision_id];
    if (!shared || *shared != r.definition)
      shared = std::make_shared<const std::string>(r.definition);
    e.definition = shared;
    execution_record bare = r;
    bare.definition.clear();
    bare.state.reset();
    e.record = codec::encode(bare);
    e.state = r.state ? codec::encode(*r.state) : std::string();
    e.record.shrink_to_fit();
    e.state.shrink_to_fit();
    e.status = r.status;
    e.start_ms = r.start_ms;
    e.express = r.express;
  }

  static void append(exec_entry& e, const std::vector<model::history_event>& events) {
    for (const auto& ev : events) {
      e.history.push_back(codec::encode(ev));
      e.history.back().shrink_to_fit();
    }
  }

  static execution_record load(const exec_entry& e, bool with_state) {
    execution_record r;
    if (!codec::decode(e.record, r)) throw store_error("memory store: undecodable record");
    if (e.definition) r.definition = *e.definition;
    if (with_state && !e.state.empty()) {
      auto st = std::make_shared<interp::execution_state>();
      if (!codec::decode(e.state, *st)) throw store_error("memory store: undecodable state");
      r.state = std::move(st);
    }
    return r;
  }

  std::mutex mu_;
  std::map<std::string, state_machine_record> machines_;
  std::map<std::string, activity_record> activities_;
  std::unordered_map<std::string, std::vector<tag>> tags_;
  std::unordered_map<std::string, exec_entry> executions_;
  std::set<order_key> order_;
  std::unordered_map<std::string, int64_t> running_;  ///< running executions per machine
  std::unordered_map<std::string, std::shared_ptr<const std::string>> definitions_;
};

}  // namespace

std::unique_ptr<store> make_memory_store() { return std::make_unique<memory_store>(); }

}  // namespace sc::cluster
