// The memory store's Map Runs and child executions (store.hpp, map_writes).
// Not thread-safe: the memory store calls it under its own mutex.
#pragma once

#include "cluster/codec.hpp"
#include "cluster/store.hpp"

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace sc::cluster {

class map_run_memory {
 public:
  /// Returns the bytes it added (for the memory store's budget).
  size_t apply(const map_writes& w) {
    size_t added = 0;
    for (const auto& r : w.runs) {
      auto [it, fresh] = runs_.insert_or_assign(r.arn, r);
      if (fresh) {
        by_execution_[r.execution_arn].push_back(r.arn);
        added += run_bytes + r.arn.size() * 2;
      }
    }
    for (const auto& c : w.children) {
      auto [it, fresh] = children_.try_emplace(c.arn);
      child& e = it->second;
      const size_t before = e.record.size();
      e.record = codec::encode(child_record(c));
      added += e.record.size() - std::min(before, e.record.size());
      if (fresh) added += child_bytes + c.arn.size() * 2;
      e.status = c.status;
      for (const auto& ev : c.events) {
        e.history.push_back(codec::encode(ev));
        added += e.history.back().size() + 32;
      }
      if (fresh) {
        auto& list = by_run_[c.map_run_arn];
        e.position = list.size();
        list.push_back(c.arn);
      }
    }
    return added;
  }

  /// The parent execution is forgotten (retention, memory budget): so are
  /// its Map Runs and their children.
  /// Returns about the bytes it freed.
  size_t forget(const std::string& execution_arn) {
    auto it = by_execution_.find(execution_arn);
    if (it == by_execution_.end()) return 0;
    size_t freed = 0;
    for (const auto& run : it->second) {
      auto kids = by_run_.find(run);
      if (kids != by_run_.end()) {
        for (const auto& c : kids->second) {
          auto k = children_.find(c);
          if (k == children_.end()) continue;
          freed += child_bytes + c.size() * 2 + k->second.record.size();
          for (const auto& h : k->second.history) freed += h.size() + 32;
          children_.erase(k);
        }
        by_run_.erase(kids);
      }
      freed += run_bytes + run.size() * 2;
      runs_.erase(run);
    }
    by_execution_.erase(it);
    return freed;
  }

  std::optional<interp::map_run_record> get_run(const std::string& arn) const {
    auto it = runs_.find(arn);
    if (it == runs_.end()) return std::nullopt;
    return it->second;
  }

  page<interp::map_run_record> list_runs(const std::string& execution_arn,
                                         const std::string& after, size_t limit) const {
    page<interp::map_run_record> out;
    auto it = by_execution_.find(execution_arn);
    if (it == by_execution_.end()) return out;
    const auto& v = it->second;
    size_t end = v.size();
    if (!after.empty()) {
      end = 0;
      for (size_t i = 0; i < v.size(); ++i)
        if (v[i] == after) end = i;
    }
    for (size_t i = end; i-- > 0;) {
      if (out.items.size() == limit) {
        out.next = out.items.back().arn;
        break;
      }
      out.items.push_back(runs_.at(v[i]));
    }
    return out;
  }

  page<execution_record> list_children(const std::string& map_run_arn, const std::string& status,
                                       const std::string& after, size_t limit) const {
    page<execution_record> out;
    auto it = by_run_.find(map_run_arn);
    if (it == by_run_.end()) return out;
    const auto& v = it->second;
    size_t end = v.size();
    if (!after.empty()) {
      auto c = children_.find(after);
      if (c == children_.end()) return out;
      end = c->second.position;
    }
    for (size_t i = end; i-- > 0;) {
      const child& e = children_.at(v[i]);
      if (!status.empty() && e.status != status) continue;
      if (out.items.size() == limit) {
        out.next = out.items.back().arn;
        break;
      }
      out.items.push_back(record(e));
    }
    return out;
  }

  std::optional<execution_record> get_child(const std::string& arn) const {
    auto it = children_.find(arn);
    if (it == children_.end()) return std::nullopt;
    return record(it->second);
  }

  /// nullptr when `arn` is not a child.
  const std::vector<std::string>* history(const std::string& arn) const {
    auto it = children_.find(arn);
    return it == children_.end() ? nullptr : &it->second.history;
  }

 private:
  struct child {
    std::string record;                ///< codec blob
    std::string status;
    std::vector<std::string> history;  ///< event blobs
    size_t position = 0;               ///< in by_run_[its Map Run]
  };
  static execution_record record(const child& c) {
    execution_record r;
    if (!codec::decode(c.record, r)) throw store_error("memory store: undecodable child record");
    return r;
  }
  static constexpr size_t run_bytes = 400;    ///< a Map Run's record and entries, roughly
  static constexpr size_t child_bytes = 160;  ///< a child's entries besides its blobs, roughly
  std::unordered_map<std::string, interp::map_run_record> runs_;
  std::unordered_map<std::string, std::vector<std::string>> by_execution_;  ///< start order
  std::unordered_map<std::string, child> children_;
  std::unordered_map<std::string, std::vector<std::string>> by_run_;        ///< start order
};

}  // namespace sc::cluster
