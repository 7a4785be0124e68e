// `outbound:` and `connections:` from YAML (outbound_load.hpp).
#include "config/outbound_load.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <set>

namespace sc::config::detail {

namespace {

std::string where(const std::string& path, const YAML::Mark& m) {
  if (m.line < 0) return path + ": ";
  return path + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1) + ": ";
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool host_name(std::string_view h) {
  if (h.empty() || h.size() > 253 || h.front() == '.' || h.find("..") != std::string_view::npos)
    return false;
  return std::all_of(h.begin(), h.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
  });
}

/// Reads the YAML mappings and lists of this part of the config, with the
/// key path for messages.
struct reader {
  const std::string& path;
  std::vector<std::string>& out;

  void problem(const YAML::Node& n, const std::string& key, const std::string& msg) {
    out.push_back(where(path, n.Mark()) + key + ": " + msg);
  }

  bool scalar(const YAML::Node& n, const std::string& key, std::string& v) {
    if (!n.IsScalar()) {
      problem(n, key, "must be a value");
      return false;
    }
    v = n.Scalar();
    return true;
  }

  /// A secret: "${NAME}" reads the environment variable NAME.
  bool secret(const YAML::Node& n, const std::string& key, std::string& v) {
    if (!scalar(n, key, v)) return false;
    if (v.size() > 3 && v.rfind("${", 0) == 0 && v.back() == '}') {
      std::string var = v.substr(2, v.size() - 3);
      const char* e = std::getenv(var.c_str());
      if (!e) {
        problem(n, key, "the environment variable " + var + " is not set");
        v.clear();
        return false;
      }
      v = e;
    }
    return true;
  }

  bool string_list(const YAML::Node& n, const std::string& key, std::vector<std::string>& v) {
    v.clear();
    if (n.IsNull()) return true;
    if (n.IsScalar()) {
      v.push_back(n.Scalar());
      return true;
    }
    if (!n.IsSequence()) {
      problem(n, key, "must be a list of values");
      return false;
    }
    for (const auto& e : n) {
      if (!e.IsScalar()) {
        problem(e, key, "must be a list of values");
        return false;
      }
      v.push_back(e.Scalar());
    }
    return true;
  }

  bool param_map(const YAML::Node& n, const std::string& key, param_list& v) {
    v.clear();
    if (n.IsNull()) return true;
    if (!n.IsMap()) {
      problem(n, key, "must be a mapping of names to values");
      return false;
    }
    for (const auto& kv : n) {
      const YAML::Node k = kv.first, val = kv.second;
      std::string name, value;
      if (!k.IsScalar() || !val.IsScalar()) {
        problem(k, key, "must be a mapping of names to values");
        return false;
      }
      name = k.Scalar();
      if (!secret(val, key + "." + name, value)) return false;
      v.emplace_back(name, value);
    }
    return true;
  }

  bool parameters(const YAML::Node& n, const std::string& key, http_parameters& p) {
    if (n.IsNull()) return true;
    if (!n.IsMap()) {
      problem(n, key, "must be a mapping (header_parameters, query_parameters, body_parameters)");
      return false;
    }
    bool ok = true;
    for (const auto& kv : n) {
      const YAML::Node k = kv.first, val = kv.second;
      const std::string name = k.IsScalar() ? k.Scalar() : "";
      if (name == "header_parameters") ok &= param_map(val, key + "." + name, p.headers);
      else if (name == "query_parameters") ok &= param_map(val, key + "." + name, p.query);
      else if (name == "body_parameters") ok &= param_map(val, key + "." + name, p.body);
      else {
        problem(k, key + "." + name,
                "unknown key (header_parameters, query_parameters, body_parameters)");
        ok = false;
      }
    }
    return ok;
  }
};

void apply_outbound(const YAML::Node& body, reader& r, settings& s) {
  if (body.IsNull()) return;
  if (!body.IsMap()) {
    r.problem(body, "outbound", "must be a mapping of keys");
    return;
  }
  for (const auto& kv : body) {
    const YAML::Node k = kv.first, v = kv.second;
    const std::string key = k.IsScalar() ? k.Scalar() : "";
    const std::string p = "outbound." + key;
    if (key == "allow") {
      std::vector<std::string> list;
      if (!r.string_list(v, p, list)) continue;
      bool ok = true;
      for (const auto& e : list)
        if (!valid_allow_entry(e)) {
          r.problem(v, p,
                    "'" + e + "' is not a host name, *.domain, IP address or CIDR network");
          ok = false;
        }
      if (ok) s.outbound.allow = std::move(list);
    } else if (key == "max_concurrent_calls") {
      std::string t;
      if (!r.scalar(v, p, t)) continue;
      std::size_t n = 0;
      auto [e, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
      if (ec != std::errc() || e != t.data() + t.size() || n < 1 || n > 100000)
        r.problem(v, p, "must be an integer between 1 and 100000 (got '" + t + "')");
      else s.outbound.max_concurrent_calls = n;
    } else if (key == "ca_file") {
      std::string t;
      if (!r.scalar(v, p, t)) continue;
      if (!t.empty() && !std::ifstream(t).good())
        r.problem(v, p, "cannot read the file '" + t + "'");
      else s.outbound.ca_file = t;
    } else {
      r.problem(k, p, "unknown key (allow, max_concurrent_calls, ca_file)");
    }
  }
}

void apply_connection(const YAML::Node& item, std::size_t index, reader& r, settings& s) {
  const std::string base = "connections[" + std::to_string(index) + "]";
  if (!item.IsMap()) {
    r.problem(item, base, "must be a mapping (arn, authorization_type, ...)");
    return;
  }
  connection_settings c;
  bool ok = true;
  YAML::Mark arn_mark = item.Mark();
  for (const auto& kv : item) {
    const YAML::Node k = kv.first, v = kv.second;
    const std::string key = k.IsScalar() ? k.Scalar() : "";
    const std::string p = base + "." + key;
    auto sub = [&](const char* name, auto fn) {
      for (const auto& skv : v) {
        const YAML::Node sk = skv.first, sv = skv.second;
        const std::string sn = sk.IsScalar() ? sk.Scalar() : "";
        if (!fn(sn, sv, p + "." + sn)) {
          r.problem(sk, p + "." + sn, std::string("unknown key in ") + name);
          ok = false;
        }
      }
    };
    if (key == "arn") {
      ok &= r.scalar(v, p, c.arn);
      arn_mark = v.Mark();
    } else if (key == "authorization_type") {
      std::string t;
      ok &= r.scalar(v, p, t);
      c.authorization_type = upper(t);
    } else if (key == "api_key" || key == "basic" || key == "oauth") {
      if (!v.IsMap()) {
        r.problem(v, p, "must be a mapping");
        ok = false;
        continue;
      }
      if (key == "api_key") {
        sub("api_key (name, value)", [&](const std::string& n, const YAML::Node& sv, const std::string& sp) {
          if (n == "name") ok &= r.scalar(sv, sp, c.api_key_name);
          else if (n == "value") ok &= r.secret(sv, sp, c.api_key_value);
          else return false;
          return true;
        });
      } else if (key == "basic") {
        sub("basic (username, password)", [&](const std::string& n, const YAML::Node& sv, const std::string& sp) {
          if (n == "username") ok &= r.scalar(sv, sp, c.username);
          else if (n == "password") ok &= r.secret(sv, sp, c.password);
          else return false;
          return true;
        });
      } else {
        sub("oauth", [&](const std::string& n, const YAML::Node& sv, const std::string& sp) {
          if (n == "token_endpoint") ok &= r.scalar(sv, sp, c.token_endpoint);
          else if (n == "http_method") {
            ok &= r.scalar(sv, sp, c.http_method);
            c.http_method = upper(c.http_method);
          } else if (n == "client_id") ok &= r.scalar(sv, sp, c.client_id);
          else if (n == "client_secret") ok &= r.secret(sv, sp, c.client_secret);
          else if (n == "scopes") ok &= r.string_list(sv, sp, c.scopes);
          else if (n == "header_parameters") ok &= r.param_map(sv, sp, c.oauth_parameters.headers);
          else if (n == "query_parameters") ok &= r.param_map(sv, sp, c.oauth_parameters.query);
          else if (n == "body_parameters") ok &= r.param_map(sv, sp, c.oauth_parameters.body);
          else return false;
          return true;
        });
      }
    } else if (key == "invocation_parameters") {
      ok &= r.parameters(v, p, c.invocation_parameters);
    } else {
      r.problem(k, p,
                "unknown key (arn, authorization_type, api_key, basic, oauth, "
                "invocation_parameters)");
      ok = false;
    }
  }
  if (!ok) return;
  auto need = [&](bool have, const std::string& what) {
    if (!have) {
      r.out.push_back(where(r.path, item.Mark()) + base + ": " + what);
      ok = false;
    }
  };
  need(c.arn.rfind("arn:", 0) == 0 && c.arn.find(":events:") != std::string::npos &&
           c.arn.find(":connection/") != std::string::npos,
       "arn must be an EventBridge connection ARN (arn:aws:events:REGION:ACCOUNT:connection/NAME/ID)");
  const std::string& t = c.authorization_type;
  need(t == "API_KEY" || t == "BASIC" || t == "OAUTH_CLIENT_CREDENTIALS",
       "authorization_type must be API_KEY, BASIC or OAUTH_CLIENT_CREDENTIALS");
  if (t == "API_KEY") need(!c.api_key_name.empty(), "api_key.name and api_key.value are required for API_KEY");
  if (t == "BASIC") need(!c.username.empty(), "basic.username and basic.password are required for BASIC");
  if (t == "OAUTH_CLIENT_CREDENTIALS") {
    need(c.token_endpoint.rfind("https://", 0) == 0 || c.token_endpoint.rfind("http://", 0) == 0,
         "oauth.token_endpoint must be an http(s):// URL");
    need(!c.client_id.empty(), "oauth.client_id and oauth.client_secret are required");
    need(c.http_method == "GET" || c.http_method == "POST" || c.http_method == "PUT",
         "oauth.http_method must be GET, POST or PUT");
  }
  for (const auto& existing : s.connections)
    if (existing.arn == c.arn) need(false, "duplicate connection ARN " + c.arn);
  (void)arn_mark;
  if (ok) s.connections.push_back(std::move(c));
}

}  // namespace

bool valid_allow_entry(std::string_view e) {
  std::string s(e);
  unsigned char buf[16];
  if (auto slash = s.find('/'); slash != std::string::npos) {
    std::string addr = s.substr(0, slash), pre = s.substr(slash + 1);
    bool v6 = inet_pton(AF_INET6, addr.c_str(), buf) == 1;
    if (!v6 && inet_pton(AF_INET, addr.c_str(), buf) != 1) return false;
    if (pre.empty() || pre.size() > 3 ||
        !std::all_of(pre.begin(), pre.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return false;
    return std::stoi(pre) <= (v6 ? 128 : 32);
  }
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1 || inet_pton(AF_INET, s.c_str(), buf) == 1) return true;
  return host_name(s.rfind("*.", 0) == 0 ? std::string_view(s).substr(2) : std::string_view(s));
}

bool is_outbound_key(std::string_view name) { return name == "outbound" || name == "connections"; }

void apply_outbound_key(const std::string& name, const YAML::Node& value, const std::string& path,
                        settings& s, std::vector<std::string>& out) {
  reader r{path, out};
  if (name == "outbound") return apply_outbound(value, r, s);
  if (value.IsNull()) return;
  if (!value.IsSequence()) {
    r.problem(value, "connections", "must be a list of connections");
    return;
  }
  s.connections.clear();
  std::size_t i = 0;
  for (const auto& item : value) apply_connection(item, i++, r, s);
}

std::vector<std::string> validate_outbound(const settings& s) {
  std::vector<std::string> out;
  for (const auto& e : s.outbound.allow)
    if (!valid_allow_entry(e)) out.push_back("outbound.allow: '" + e + "' is not a host name, *.domain, IP address or CIDR network");
  if (s.outbound.max_concurrent_calls < 1) out.push_back("outbound.max_concurrent_calls: must be at least 1");
  return out;
}

}  // namespace sc::config::detail
