#include "runtime/model/history_event.hpp"

#include "runtime/json/json.hpp"

#include <algorithm>
#include <unordered_map>

namespace sc::model {

std::vector<int64_t> resolve_payloads(std::vector<history_event>& events) {
  std::vector<int64_t> missing;
  std::unordered_map<int64_t, size_t> at;  // event id -> index, for referred-to events
  for (const auto& e : events)
    if (e.payload_ref) at.emplace(e.payload_ref, SIZE_MAX);
  if (at.empty()) return missing;
  for (size_t i = 0; i < events.size(); ++i) {
    auto it = at.find(events[i].id);
    if (it != at.end()) it->second = i;
  }
  for (auto& e : events) {
    if (!e.payload_ref) continue;
    auto it = at.find(e.payload_ref);
    if (it->second == SIZE_MAX) {
      missing.push_back(e.payload_ref);
      continue;
    }
    e.payload = events[it->second].payload;
    e.payload_ref = 0;
  }
  std::sort(missing.begin(), missing.end());
  missing.erase(std::unique(missing.begin(), missing.end()), missing.end());
  return missing;
}

std::string render_details(const history_event& e, bool include_payload) {
  std::string base = e.details.empty() ? "{}" : e.details;
  if (e.payload_key.empty() || !include_payload) return base;
  std::string out;
  out.reserve(base.size() + e.payload.size() + e.payload.size() / 4 + 64);
  out.append(base, 0, base.size() - 1);  // drop the closing brace
  if (base.size() > 2) out += ',';
  out += '"';
  out += e.payload_key;
  out += "\":\"";
  out += json::escape(e.payload);
  out += "\",\"";
  out += e.payload_key;
  out += "Details\":{\"truncated\":false}}";
  return out;
}

}  // namespace sc::model
