// Endpoint, credential and region resolution (resolve.hpp).
#include "runtime/aws/resolve.hpp"

#include "runtime/json/json.hpp"
#include "runtime/model/time.hpp"

#include <algorithm>

namespace sc::aws {

namespace {

constexpr service_info services[] = {
#include "runtime/aws/services.inc"
};

std::string_view trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
  return s.substr(b, e - b);
}

std::string upper(std::string_view s) {
  std::string o(s);
  for (auto& c : o)
    if (c >= 'a' && c <= 'z') c = char(c - 'a' + 'A');
  return o;
}

bool truthy(const std::string* v) {
  if (!v) return false;
  std::string u = upper(trim(*v));
  return u == "TRUE" || u == "1";
}

std::string strip_slash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace

const service_info* find_service(std::string_view name) {
  for (const auto& s : services)
    if (s.name == name) return &s;
  for (const auto& s : services)
    if (s.endpoint_prefix == name) return &s;
  return nullptr;
}

const std::string* ini_file::get(const std::string& section, const std::string& key) const {
  auto s = sections.find(section);
  if (s == sections.end()) return nullptr;
  auto k = s->second.find(key);
  return k == s->second.end() ? nullptr : &k->second;
}

ini_file parse_ini(std::string_view text) {
  ini_file out;
  std::string section, parent;  // parent: the open sub-section key ("s3")
  bool have_section = false;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find('\n', i);
    if (j == std::string_view::npos) j = text.size();
    std::string_view raw = text.substr(i, j - i);
    i = j + 1;
    const bool indented = !raw.empty() && (raw[0] == ' ' || raw[0] == '\t');
    std::string_view line = trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = std::string(trim(line.substr(1, line.size() - 2)));
      // "[profile  dev]" → "profile dev"
      if (auto sp = section.find_first_of(" \t"); sp != std::string::npos) {
        std::string head = section.substr(0, sp);
        std::string rest(trim(std::string_view(section).substr(sp)));
        section = head + " " + rest;
      }
      out.sections[section];
      have_section = true;
      parent.clear();
      continue;
    }
    if (!have_section) continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string key(trim(line.substr(0, eq)));
    std::string value(trim(line.substr(eq + 1)));
    // Inline comments after whitespace (" # ...") are not part of values.
    for (const char* c : {" #", "\t#", " ;", "\t;"})
      if (auto p = value.find(c); p != std::string::npos) value = std::string(trim(value.substr(0, p)));
    if (indented && !parent.empty()) {
      out.sections[section][parent + "." + key] = value;
      continue;
    }
    parent = value.empty() ? key : std::string();
    out.sections[section][key] = value;
  }
  return out;
}

bool parse_service_endpoints(std::string_view text, std::map<std::string, std::string>& out,
                             std::string& err) {
  size_t i = 0;
  while (i <= text.size()) {
    size_t j = text.find(',', i);
    if (j == std::string_view::npos) j = text.size();
    std::string_view item = trim(text.substr(i, j - i));
    i = j + 1;
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string_view::npos || trim(item.substr(0, eq)).empty()) {
      err = "expected service=URL, got '" + std::string(item) + "'";
      return false;
    }
    std::string url(trim(item.substr(eq + 1)));
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
      err = "the endpoint of '" + std::string(trim(item.substr(0, eq))) +
            "' must start with http:// or https://, got '" + url + "'";
      return false;
    }
    out[std::string(trim(item.substr(0, eq)))] = strip_slash(url);
  }
  return true;
}

const std::string* environment::var(const std::string& name) const {
  auto it = vars.find(name);
  if (it == vars.end() || it->second.empty()) return nullptr;
  return &it->second;
}

std::string profile_name(const statecraft_aws& cfg, const environment& env) {
  if (!cfg.profile.empty()) return cfg.profile;
  if (auto p = env.var("AWS_PROFILE")) return *p;
  return "default";
}

namespace {

/// The config file's section of a profile: "[default]" or "[profile name]".
std::string config_section(const std::string& profile) {
  return profile == "default" ? "default" : "profile " + profile;
}

const std::string* profile_value(const environment& env, const std::string& profile,
                                 const std::string& key) {
  if (auto v = env.config_file.get(config_section(profile), key)) return v;
  if (profile == "default") return env.config_file.get("profile default", key);
  return nullptr;
}

}  // namespace

std::string resolve_region(const statecraft_aws& cfg, const environment& env,
                           const std::string& node_region) {
  if (!cfg.region.empty()) return cfg.region;
  if (auto r = env.var("AWS_REGION")) return *r;
  if (auto r = env.var("AWS_DEFAULT_REGION")) return *r;
  if (auto r = profile_value(env, profile_name(cfg, env), "region"); r && !r->empty()) return *r;
  return node_region;
}

resolved_endpoint resolve_endpoint(const service_info& svc, const std::string& region,
                                   const statecraft_aws& cfg, const environment& env) {
  const std::string key(svc.config_key), name(svc.name);
  for (const auto& k : {key, name, std::string(svc.endpoint_prefix)})
    if (auto it = cfg.service_endpoints.find(k); it != cfg.service_endpoints.end())
      return {strip_slash(it->second), "aws.service_endpoints (" + k + ")", true};
  if (!cfg.endpoint_url.empty()) return {strip_slash(cfg.endpoint_url), "aws.endpoint_url", true};
  const std::string profile = profile_name(cfg, env);
  const bool ignore = truthy(env.var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) ||
                      truthy(profile_value(env, profile, "ignore_configure_endpoint_urls"));
  if (!ignore) {
    const std::string var = "AWS_ENDPOINT_URL_" + upper(key);
    if (auto v = env.var(var)) return {strip_slash(*v), var, true};
    if (auto v = env.var("AWS_ENDPOINT_URL")) return {strip_slash(*v), "AWS_ENDPOINT_URL", true};
    if (auto services = profile_value(env, profile, "services"); services && !services->empty()) {
      if (auto v = env.config_file.get("services " + *services, key + ".endpoint_url"))
        return {strip_slash(*v), "the config file's [services " + *services + "] " + key, true};
    }
    if (auto v = profile_value(env, profile, "endpoint_url"); v && !v->empty())
      return {strip_slash(*v), "the config file's profile " + profile, true};
  }
  const std::string suffix = region.rfind("cn-", 0) == 0 ? ".amazonaws.com.cn" : ".amazonaws.com";
  return {"https://" + std::string(svc.endpoint_prefix) + "." + region + suffix, "default", false};
}

namespace {

/// A profile's value in the config file, else in the credentials file
/// (`role_arn` and friends are read from both, as the CLI does).
const std::string* any_profile_value(const environment& env, const std::string& profile,
                                     const std::string& key) {
  if (auto v = profile_value(env, profile, key); v && !v->empty()) return v;
  if (auto v = env.credentials_file.get(profile, key); v && !v->empty()) return v;
  return nullptr;
}

bool static_keys_in(const ini_file& f, const std::string& section, const std::string& what,
                    const std::string& profile, credential_source& out) {
  auto a = f.get(section, "aws_access_key_id"), s = f.get(section, "aws_secret_access_key");
  if (!a || !s || a->empty()) return false;
  auto t = f.get(section, "aws_session_token");
  out.k = credential_source::kind::static_keys;
  out.creds = credentials{*a, *s, t ? *t : ""};
  out.source = what + " (profile " + profile + ")";
  return true;
}

bool invalid(credential_source& out, std::string why) {
  out.k = credential_source::kind::invalid;
  out.error = std::move(why);
  out.source = "the shared config file";
  return true;
}

/// The container endpoint from the environment, when configured.
bool container_source(const environment& env, credential_source& out) {
  if (auto rel = env.var("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    out.k = credential_source::kind::container;
    out.url = "http://169.254.170.2" + *rel;
    out.source = "the container credentials endpoint";
    return true;
  }
  if (auto full = env.var("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    out.k = credential_source::kind::container;
    out.url = *full;
    if (auto tok = env.var("AWS_CONTAINER_AUTHORIZATION_TOKEN")) out.auth_token = *tok;
    out.source = "the container credentials endpoint";
    return true;
  }
  return false;
}

void imds_source(const environment& env, credential_source& out) {
  out.k = credential_source::kind::instance_metadata;
  auto ep = env.var("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  out.url = strip_slash(ep ? *ep : "http://169.254.169.254");
  out.source = "the instance metadata service";
}

/// The credentials a profile gives (true), or nothing (false: the chain
/// goes on). `visited`: the profiles of the role chain so far.
bool profile_credentials(const environment& env, const std::string& profile,
                         std::vector<std::string>& visited, credential_source& out) {
  const std::string* role = any_profile_value(env, profile, "role_arn");
  const std::string* source_profile = any_profile_value(env, profile, "source_profile");
  const bool self_source = source_profile && *source_profile == profile;
  if (role && !(self_source && !visited.empty() && visited.back() == profile)) {
    if (std::find(visited.begin(), visited.end(), profile) != visited.end()) {
      std::string loop;
      for (const auto& v : visited) loop += v + " -> ";
      return invalid(out, "Infinite loop in credential configuration detected: " + loop + profile);
    }
    visited.push_back(profile);
    const std::string* cs = any_profile_value(env, profile, "credential_source");
    if (source_profile && cs)
      return invalid(out, "The profile " + profile +
                              " contains both source_profile and credential_source");
    if (!source_profile && !cs)
      return invalid(out, "The profile " + profile +
                              " has a role_arn but neither source_profile nor credential_source");
    if (any_profile_value(env, profile, "mfa_serial"))
      return invalid(out, "The profile " + profile +
                              " needs an MFA code (mfa_serial), which a server cannot ask for");
    role_hop hop;
    hop.profile = profile;
    hop.role_arn = *role;
    if (auto v = any_profile_value(env, profile, "role_session_name")) hop.session_name = *v;
    if (auto v = any_profile_value(env, profile, "external_id")) hop.external_id = *v;
    if (auto v = any_profile_value(env, profile, "duration_seconds")) {
      int n = 0;
      for (char c : *v) n = (c >= '0' && c <= '9' && n < 1000000) ? n * 10 + (c - '0') : -1;
      if (n < 900 || n > 43200)
        return invalid(out, "The profile " + profile + "'s duration_seconds must be 900 to 43200, got '" +
                                *v + "'");
      hop.duration_seconds = n;
    }
    if (source_profile) {
      if (!profile_credentials(env, *source_profile, visited, out))
        return invalid(out, "The source profile " + *source_profile + " of the profile " + profile +
                                " has no credentials");
      if (out.k == credential_source::kind::invalid) return true;
    } else if (*cs == "Environment") {
      auto id = env.var("AWS_ACCESS_KEY_ID"), secret = env.var("AWS_SECRET_ACCESS_KEY");
      if (!id || !secret)
        return invalid(out, "The profile " + profile +
                                " takes its source credentials from the environment, which has none");
      out.k = credential_source::kind::static_keys;
      out.creds = credentials{*id, *secret, env.var("AWS_SESSION_TOKEN") ? *env.var("AWS_SESSION_TOKEN") : ""};
      out.source = "environment variables";
    } else if (*cs == "Ec2InstanceMetadata") {
      imds_source(env, out);
    } else if (*cs == "EcsContainer") {
      if (!container_source(env, out))
        return invalid(out, "The profile " + profile +
                                " takes its source credentials from the container, but neither "
                                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor _FULL_URI is set");
    } else {
      return invalid(out, "The profile " + profile + " has an unknown credential_source '" + *cs +
                              "' (Environment, Ec2InstanceMetadata or EcsContainer)");
    }
    out.roles.push_back(std::move(hop));
    return true;
  }
  if (static_keys_in(env.credentials_file, profile, "the shared credentials file", profile, out)) return true;
  if (auto p = any_profile_value(env, profile, "credential_process")) {
    out.k = credential_source::kind::process;
    out.command = *p;
    out.source = "the credential_process of the profile " + profile;
    return true;
  }
  return static_keys_in(env.config_file, config_section(profile), "the shared config file", profile, out);
}

}  // namespace

credential_source resolve_credentials(const statecraft_aws& cfg, const environment& env) {
  credential_source out;
  if (!cfg.creds.access_key_id.empty()) {
    out.k = credential_source::kind::static_keys;
    out.creds = cfg.creds;
    out.source = "Statecraft's aws settings";
    return out;
  }
  // An explicit profile (aws.profile, like the CLI's --profile) skips the
  // environment's keys; AWS_PROFILE does not.
  auto id = env.var("AWS_ACCESS_KEY_ID"), secret = env.var("AWS_SECRET_ACCESS_KEY");
  if (id && secret && cfg.profile.empty()) {
    out.k = credential_source::kind::static_keys;
    out.creds = credentials{*id, *secret, env.var("AWS_SESSION_TOKEN") ? *env.var("AWS_SESSION_TOKEN") : ""};
    out.source = "environment variables";
    return out;
  }
  std::vector<std::string> visited;
  if (profile_credentials(env, profile_name(cfg, env), visited, out)) return out;
  if (container_source(env, out)) return out;
  if (!truthy(env.var("AWS_EC2_METADATA_DISABLED"))) {
    imds_source(env, out);
    return out;
  }
  out.source = "none";
  return out;
}

std::optional<credentials> parse_metadata_credentials(std::string_view text, int64_t& expiration_ms) {
  json::document d;
  if (!json::parse(text, d) || !d.IsObject()) return std::nullopt;
  auto str = [&](const char* k) -> std::string {
    auto m = d.FindMember(k);
    return m != d.MemberEnd() && m->value.IsString() ? m->value.GetString() : "";
  };
  credentials c{str("AccessKeyId"), str("SecretAccessKey"), str("Token")};
  if (c.session_token.empty()) c.session_token = str("SessionToken");
  if (c.access_key_id.empty() || c.secret_access_key.empty()) return std::nullopt;
  expiration_ms = 0;
  if (auto e = model::parse_iso8601(str("Expiration"))) expiration_ms = *e;
  return c;
}

std::vector<std::string> split_command(std::string_view line) {
  std::vector<std::string> out;
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote == '\'') {
      if (c == '\'') quote = 0; else cur += c;
      continue;
    }
    if (quote == '"') {
      if (c == '"') quote = 0;
      else if (c == '\\' && i + 1 < line.size() && (line[i + 1] == '"' || line[i + 1] == '\\')) cur += line[++i];
      else cur += c;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) out.push_back(std::move(cur)), cur.clear(), in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\'' || c == '"') quote = c;
    else if (c == '\\' && i + 1 < line.size()) cur += line[++i];
    else cur += c;
  }
  if (quote) return {};
  if (in_word) out.push_back(std::move(cur));
  return out;
}

std::optional<credentials> parse_process_credentials(std::string_view text, int64_t& expiration_ms,
                                                     std::string& err) {
  json::document d;
  if (!json::parse(text, d) || !d.IsObject()) {
    err = "its output is not a JSON object";
    return std::nullopt;
  }
  auto v = d.FindMember("Version");
  if (v == d.MemberEnd() || !v->value.IsInt() || v->value.GetInt() != 1) {
    err = "its output's Version is not 1";
    return std::nullopt;
  }
  auto str = [&](const char* k) -> std::string {
    auto m = d.FindMember(k);
    return m != d.MemberEnd() && m->value.IsString() ? m->value.GetString() : "";
  };
  credentials c{str("AccessKeyId"), str("SecretAccessKey"), str("SessionToken")};
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    err = "its output lacks AccessKeyId or SecretAccessKey";
    return std::nullopt;
  }
  expiration_ms = 0;
  if (auto e = str("Expiration"); !e.empty()) {
    auto ms = model::parse_iso8601(e);
    if (!ms) {
      err = "its output's Expiration is not an ISO 8601 time: " + e;
      return std::nullopt;
    }
    expiration_ms = *ms;
  }
  return c;
}

}  // namespace sc::aws
