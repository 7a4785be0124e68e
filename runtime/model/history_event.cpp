#include "runtime/model/history_event.hpp"

#include "runtime/json/json.hpp"

namespace sc::model {

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
