// See auth.hpp.
#include "api/auth.hpp"

#include "runtime/json/json.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace sc::api {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool plausible_region(std::string_view r) {
  if (r.empty() || r.size() > 32) return false;
  return std::all_of(r.begin(), r.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

std::string_view header(const request& req, std::string_view name) {
  for (const auto& [k, v] : req.headers)
    if (k == name) return v;
  return {};
}

/// "20240101T000000Z" → epoch seconds; nullopt when malformed.
std::optional<int64_t> parse_amz_date(std::string_view d) {
  if (d.size() != 16 || d[8] != 'T' || d[15] != 'Z') return std::nullopt;
  for (size_t i = 0; i < 15; ++i)
    if (i != 8 && (d[i] < '0' || d[i] > '9')) return std::nullopt;
  auto num = [&](size_t at, size_t n) {
    int v = 0;
    for (size_t i = at; i < at + n; ++i) v = v * 10 + (d[i] - '0');
    return v;
  };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(9, 2);
  tm.tm_min = num(11, 2);
  tm.tm_sec = num(13, 2);
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60)
    return std::nullopt;
  return static_cast<int64_t>(timegm(&tm));
}

std::string amz_date(int64_t epoch_s) {
  std::time_t t = static_cast<std::time_t>(epoch_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

permission parse_permission(const std::string& p) {
  if (p == "read-only") return permission::read_only;
  if (p == "worker") return permission::worker;
  return permission::full;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

constexpr int64_t kMaxSkewSeconds = 5 * 60;

}  // namespace

response front_error(std::string_view type, std::string_view message, int status) {
  // AWS's front end names its own namespaces: coral.service for
  // authentication, coral.availability for throttling. SDKs read the part
  // after '#'.
  std::string ns = type == "ThrottlingException" ? "com.amazon.coral.availability#"
                                                 : "com.amazon.coral.service#";
  std::string body = "{\"__type\":\"" + ns + std::string(type) +
                     "\",\"message\":" + json::quote(message) + "}";
  return response{status, std::move(body), std::string(type)};
}

std::optional<authorization_header> parse_authorization(std::string_view h) {
  h = trim(h);
  auto sp = h.find(' ');
  if (sp == std::string_view::npos || !starts_with(h, "AWS4-")) return std::nullopt;
  authorization_header a;
  a.algorithm = std::string(h.substr(0, sp));
  std::string_view rest = h.substr(sp + 1);
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string_view pair = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    if (eq == std::string_view::npos) {
      if (a.bad_pair.empty()) a.bad_pair = std::string(pair);
      continue;
    }
    std::string_view k = trim(pair.substr(0, eq)), v = trim(pair.substr(eq + 1));
    if (k == "Credential") a.credential = std::string(v);
    else if (k == "SignedHeaders") a.signed_headers = std::string(v);
    else if (k == "Signature") a.signature = std::string(v);
  }
  // AKID/DATE/REGION/SERVICE/aws4_request
  std::vector<std::string> parts;
  std::string_view c = a.credential;
  while (true) {
    auto slash = c.find('/');
    parts.emplace_back(c.substr(0, slash));
    if (slash == std::string_view::npos) break;
    c.remove_prefix(slash + 1);
  }
  if (parts.size() == 5) {
    a.access_key = parts[0];
    a.date = parts[1];
    a.region = parts[2];
    a.service = parts[3];
    a.terminator = parts[4];
  } else if (!parts.empty()) {
    a.access_key = parts[0];
  }
  return a;
}

std::string credential_region(std::string_view authorization) {
  if (authorization.empty()) return {};
  // Fast path without allocating the whole header: find "Credential=".
  auto at = authorization.find("Credential=");
  if (at == std::string_view::npos) return {};
  std::string_view c = authorization.substr(at + 11);
  c = c.substr(0, c.find_first_of(", "));
  // skip AKID and DATE
  for (int i = 0; i < 2; ++i) {
    auto slash = c.find('/');
    if (slash == std::string_view::npos) return {};
    c.remove_prefix(slash + 1);
  }
  std::string_view region = c.substr(0, c.find('/'));
  if (!plausible_region(region)) return {};
  return std::string(region);
}

bool permitted(permission p, std::string_view op) {
  switch (p) {
    case permission::full: return true;
    case permission::read_only:
      if (op == "GetActivityTask") return false;  // hands out work: not a read
      return starts_with(op, "Describe") || starts_with(op, "List") || starts_with(op, "Get");
    case permission::worker:
      return op == "GetActivityTask" || op == "SendTaskSuccess" || op == "SendTaskFailure" ||
             op == "SendTaskHeartbeat";
  }
  return false;
}

gate::gate(const config::settings& s)
    : default_region_(s.node.region), default_account_(s.node.account_id),
      sigv4_(s.auth.mode == "sigv4"), throttle_(s.throttling) {
  for (const auto& k : s.auth.keys)
    keys_[k.access_key_id] = key{k.secret_access_key,
                                 k.account.empty() ? s.node.account_id : k.account,
                                 parse_permission(k.permissions)};
}

std::optional<response> gate::admit(const request& req, std::string_view operation, caller& who,
                                    int64_t now_ms) {
  if (sigv4_) {
    if (auto err = authenticate(req, operation, who, now_ms)) return err;
  } else {
    who.region = credential_region(req.authorization);
    if (who.region.empty()) who.region = default_region_;
    who.account = default_account_;
    who.perm = permission::full;
  }
  if (throttle_.enabled() && operation != "StartExecution" &&
      !throttle_.admit(who.account, who.region, operation))
    return front_error("ThrottlingException", "Rate exceeded");
  return std::nullopt;
}

std::optional<response> gate::admit_admin(const request& req, int64_t now_ms) const {
  if (!sigv4_) return std::nullopt;
  caller who;
  // Reading fits read-only's Get* rule, anything else only `full`.
  return authenticate(req, req.method == "GET" ? "GetAdmin" : "WriteAdmin", who, now_ms,
                      "statecraft:");
}

std::optional<response> gate::authenticate(const request& req, std::string_view operation,
                                           caller& who, int64_t now_ms,
                                           std::string_view action_ns) const {
  if (req.authorization.empty())
    return front_error("MissingAuthenticationTokenException", "Missing Authentication Token");
  auto a = parse_authorization(req.authorization);
  if (!a)
    return front_error("IncompleteSignatureException",
                       "Authorization header requires 'Credential' parameter. Authorization "
                       "header requires 'Signature' parameter. Authorization header requires "
                       "'SignedHeaders' parameter. Authorization=" +
                           req.authorization);
  if (!a->bad_pair.empty())
    return front_error("IncompleteSignatureException",
                       "'" + a->bad_pair +
                           "' not a valid key=value pair (missing equal-sign) in Authorization "
                           "header: '" +
                           req.authorization + "'.");
  std::string_view date_header = header(req, "x-amz-date");
  std::string missing;
  if (a->credential.empty()) missing += "Authorization header requires 'Credential' parameter. ";
  if (a->signature.empty()) missing += "Authorization header requires 'Signature' parameter. ";
  if (a->signed_headers.empty())
    missing += "Authorization header requires 'SignedHeaders' parameter. ";
  if (date_header.empty())
    missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
               "header. ";
  if (!missing.empty())
    return front_error("IncompleteSignatureException", missing + "Authorization=" + req.authorization);
  if (a->algorithm != "AWS4-HMAC-SHA256")
    return front_error("IncompleteSignatureException",
                       "Unsupported AWS 'algorithm': '" + a->algorithm + "'");
  if (a->terminator != "aws4_request" || a->date.size() != 8)
    return front_error("IncompleteSignatureException",
                       "Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                           a->terminator + "'. ");
  {
    // AWS insists on the Host header being signed.
    std::string_view sh = a->signed_headers;
    bool host = false;
    while (!sh.empty()) {
      auto semi = sh.find(';');
      if (sh.substr(0, semi) == "host") host = true;
      sh = semi == std::string_view::npos ? std::string_view{} : sh.substr(semi + 1);
    }
    if (!host)
      return front_error("IncompleteSignatureException",
                         "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    // Every signed header must be in the request.
    sh = a->signed_headers;
    while (!sh.empty()) {
      auto semi = sh.find(';');
      std::string_view name = sh.substr(0, semi);
      if (header(req, name).empty() &&
          std::none_of(req.headers.begin(), req.headers.end(),
                       [&](const auto& h) { return h.first == name; }))
        return front_error("IncompleteSignatureException",
                           "'" + std::string(name) +
                               "' is named as a SignedHeader, but it does not exist in the HTTP "
                               "request.");
      sh = semi == std::string_view::npos ? std::string_view{} : sh.substr(semi + 1);
    }
  }
  // Temporary credentials: the node issues no session tokens, so any token
  // is one it does not know, which AWS refuses like an unknown key.
  auto k = keys_.find(a->access_key);
  if (k == keys_.end() || !header(req, "x-amz-security-token").empty())
    return front_error("UnrecognizedClientException",
                       "The security token included in the request is invalid.");
  if (!plausible_region(a->region))
    return front_error("InvalidSignatureException",
                       "Credential should be scoped to a valid region, not '" + a->region + "'. ");
  if (a->service != "states")
    return front_error("InvalidSignatureException",
                       "Credential should be scoped to correct service: 'states'. ");
  auto when = parse_amz_date(date_header);
  if (!when)
    return front_error("IncompleteSignatureException",
                       "Authorization header requires existence of either a 'X-Amz-Date' or a "
                       "'Date' header. Authorization=" +
                           req.authorization);
  if (date_header.substr(0, 8) != a->date)
    return front_error("InvalidSignatureException",
                       "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                       "date from HTTP: '" +
                           a->date + "' != '" + std::string(date_header.substr(0, 8)) +
                           "', from '" + std::string(date_header) + "'.");
  const int64_t now = now_ms / 1000;
  if (*when < now - kMaxSkewSeconds)
    return front_error("InvalidSignatureException",
                       "Signature expired: " + std::string(date_header) + " is now earlier than " +
                           amz_date(now - kMaxSkewSeconds) + " (" + amz_date(now) + " - 5 min.)");
  if (*when > now + kMaxSkewSeconds)
    return front_error("InvalidSignatureException",
                       "Signature not yet current: " + std::string(date_header) +
                           " is still later than " + amz_date(now + kMaxSkewSeconds) + " (" +
                           amz_date(now) + " + 5 min.)");
  if (!signature_matches(req, *a, k->second.secret))
    return front_error("InvalidSignatureException",
                       "The request signature we calculated does not match the signature you "
                       "provided. Check your AWS Secret Access Key and signing method. Consult "
                       "the service documentation for details.");
  who.region = a->region;
  who.account = k->second.account;
  who.access_key = a->access_key;
  who.perm = k->second.perm;
  if (!permitted(who.perm, operation)) {
    std::string action = std::string(action_ns) + std::string(operation);
    return front_error("AccessDeniedException",
                       "User: arn:aws:iam::" + who.account + ":user/" + who.access_key +
                           " is not authorized to perform: " + action +
                           " because no identity-based policy allows the " + action + " action");
  }
  return std::nullopt;
}

}  // namespace sc::api
