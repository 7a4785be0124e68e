// See load_security.hpp.
#include "config/load_security.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace sc::config::detail {

namespace {

std::string where(const std::string& path, const YAML::Mark& m) {
  if (m.line < 0) return path + ": ";
  return path + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1) + ": ";
}

/// One key of a mapping: its name ("?" when not a scalar), its value and
/// where it is ("file:line:col: ").
struct entry {
  std::string key;
  YAML::Node value;
  std::string at;
};

std::vector<entry> entries(const YAML::Node& map, const std::string& path) {
  std::vector<entry> out;
  for (const auto& kv : map)
    out.push_back({kv.first.IsScalar() ? kv.first.Scalar() : "?", kv.second,
                   where(path, kv.first.Mark())});
  return out;
}

bool all_digits(const std::string& v) {
  return !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// A scalar's text, or a problem and nullopt.
bool scalar(const YAML::Node& n, const std::string& at, const std::string& key,
            std::string& value, std::vector<std::string>& out) {
  if (!n.IsScalar()) {
    out.push_back(at + key + ": must be a value");
    return false;
  }
  value = n.Scalar();
  return true;
}

bool number(const YAML::Node& n, const std::string& at, const std::string& key, double& v,
            std::vector<std::string>& out) {
  std::string text;
  if (!scalar(n, at, key, text, out)) return false;
  try {
    size_t used = 0;
    v = std::stod(text, &used);
    if (used == text.size() && std::isfinite(v) && v > 0) return true;
  } catch (...) {
  }
  out.push_back(at + key + ": must be a number > 0 (got '" + text + "')");
  return false;
}

void apply_auth(const YAML::Node& body, const std::string& path, settings& s,
                std::vector<std::string>& out) {
  for (const auto& [key, v, at] : entries(body, path)) {
    if (key == "mode") {
      std::string m;
      if (!scalar(v, at, "auth.mode", m, out)) continue;
      if (m != "none" && m != "sigv4") {
        out.push_back(at + "auth.mode: must be one of none, sigv4 (got '" + m + "')");
        continue;
      }
      s.auth.mode = m;
    } else if (key == "keys") {
      if (v.IsNull()) continue;
      if (!v.IsSequence()) {
        out.push_back(at + "auth.keys: must be a list of {access_key_id, secret_access_key, "
                           "permissions, account}");
        continue;
      }
      s.auth.keys.clear();
      size_t i = 0;
      for (const auto& item : v) {
        const std::string name = "auth.keys[" + std::to_string(++i) + "]";
        const std::string iat = where(path, item.Mark());
        if (!item.IsMap()) {
          out.push_back(iat + name + ": must be a mapping");
          continue;
        }
        auth_key key_entry;
        for (const auto& f : item) {
          const YAML::Node fk = f.first;
          const YAML::Node fv = f.second;
          const std::string fat = where(path, fk.Mark());
          const std::string field = fk.IsScalar() ? fk.Scalar() : "?";
          std::string text;
          if (!scalar(fv, fat, name + "." + field, text, out)) continue;
          if (field == "access_key_id") {
            key_entry.access_key_id = text;
          } else if (field == "secret_access_key") {
            key_entry.secret_access_key = text;
          } else if (field == "permissions") {
            if (text != "full" && text != "read-only" && text != "worker") {
              out.push_back(fat + name + ".permissions: must be one of full, read-only, worker (got '" +
                            text + "')");
              continue;
            }
            key_entry.permissions = text;
          } else if (field == "account" || field == "account_id") {
            if (text.size() != 12 || !all_digits(text)) {
              out.push_back(fat + name + ".account: must be exactly 12 digits (got '" + text + "')");
              continue;
            }
            key_entry.account = text;
          } else {
            out.push_back(fat + name + "." + field +
                          ": unknown key (expected access_key_id, secret_access_key, "
                          "permissions, account)");
          }
        }
        if (key_entry.access_key_id.empty())
          out.push_back(iat + name + ".access_key_id: required");
        if (key_entry.secret_access_key.empty())
          out.push_back(iat + name + ".secret_access_key: required");
        s.auth.keys.push_back(std::move(key_entry));
      }
    } else {
      out.push_back(at + "auth." + key + ": unknown key (expected mode, keys)");
    }
  }
}

void apply_throttling(const YAML::Node& body, const std::string& path, settings& s,
                      std::vector<std::string>& out) {
  for (const auto& [key, v, at] : entries(body, path)) {
    if (key == "enabled") {
      std::string text;
      if (!scalar(v, at, "throttling.enabled", text, out)) continue;
      if (text == "true" || text == "on" || text == "yes") s.throttling.enabled = true;
      else if (text == "false" || text == "off" || text == "no") s.throttling.enabled = false;
      else out.push_back(at + "throttling.enabled: must be true or false (got '" + text + "')");
    } else if (key == "rates") {
      if (v.IsNull()) continue;
      if (!v.IsMap()) {
        out.push_back(at + "throttling.rates: must map operation names to "
                           "{bucket, refill_per_second}");
        continue;
      }
      for (const auto& [api, rv, rat] : entries(v, path)) {
        const std::string name = "throttling.rates." + api;
        const auto& ops = throttled_operations();
        if (std::find(ops.begin(), ops.end(), api) == ops.end()) {
          out.push_back(rat + name + ": not an operation with a rate quota");
          continue;
        }
        if (!rv.IsMap()) {
          out.push_back(rat + name + ": must be a mapping {bucket, refill_per_second}");
          continue;
        }
        api_rate rate;
        rate.api = api;
        bool ok = true;
        for (const auto& f : rv) {
          const std::string field = f.first.IsScalar() ? f.first.Scalar() : "?";
          const std::string fat = where(path, f.first.Mark());
          if (field == "bucket") ok &= number(f.second, fat, name + ".bucket", rate.bucket, out);
          else if (field == "refill_per_second")
            ok &= number(f.second, fat, name + ".refill_per_second", rate.refill_per_second, out);
          else {
            out.push_back(fat + name + "." + field +
                          ": unknown key (expected bucket, refill_per_second)");
            ok = false;
          }
        }
        if (ok && (rate.bucket <= 0 || rate.refill_per_second <= 0)) {
          out.push_back(rat + name + ": needs both bucket and refill_per_second");
          ok = false;
        }
        if (!ok) continue;
        auto& rates = s.throttling.rates;
        rates.erase(std::remove_if(rates.begin(), rates.end(),
                                   [&](const api_rate& x) { return x.api == rate.api; }),
                    rates.end());
        rates.push_back(rate);
      }
    } else {
      out.push_back(at + "throttling." + key + ": unknown key (expected enabled, rates)");
    }
  }
}

}  // namespace

const std::vector<std::string>& throttled_operations() {
  static const std::vector<std::string> ops = {
      "StartExecution",   "StartExecution.Express", "CreateActivity",     "CreateStateMachine",
      "DeleteActivity",   "DeleteStateMachine", "DescribeActivity",
      "DescribeExecution", "DescribeStateMachine", "DescribeStateMachineForExecution",
      "GetActivityTask",  "GetExecutionHistory", "ListActivities",
      "ListExecutions",   "ListStateMachines",  "ListTagsForResource",
      "SendTaskFailure",  "SendTaskHeartbeat",  "SendTaskSuccess",
      "StopExecution",    "TagResource",        "UntagResource",
      "UpdateStateMachine"};
  return ops;
}

bool is_security_section(const std::string& name) {
  return name == "auth" || name == "throttling";
}

void apply_security_section(const std::string& name, const YAML::Node& body,
                            const std::string& path, settings& s, std::vector<std::string>& out) {
  if (body.IsNull()) return;
  if (!body.IsMap()) {
    out.push_back(where(path, body.Mark()) + name + ": must be a mapping of keys");
    return;
  }
  if (name == "auth") apply_auth(body, path, s, out);
  else apply_throttling(body, path, s, out);
}

void validate_security(const settings& s, std::vector<std::string>& out) {
  if (s.auth.mode == "sigv4" && s.auth.keys.empty())
    out.push_back("auth.keys: at least one key is required when auth.mode is 'sigv4'");
  std::set<std::string> seen;
  for (const auto& k : s.auth.keys)
    if (!seen.insert(k.access_key_id).second)
      out.push_back("auth.keys: access_key_id '" + k.access_key_id + "' appears twice");
}

}  // namespace sc::config::detail
