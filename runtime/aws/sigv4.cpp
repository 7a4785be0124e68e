// SigV4 signing and verification (sigv4.hpp has the design).
#include "runtime/aws/sigv4.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <utility>

namespace sc::aws {

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = lower(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return s.substr(b, e - b);
}

/// Trimmed, with every run of spaces/tabs inside collapsed to one space.
std::string canonical_value(std::string_view v) {
  v = trim(v);
  std::string out;
  out.reserve(v.size());
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string normalize(std::string_view path) {
  std::vector<std::string_view> segs;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view seg = path.substr(i, j - i);
    if (seg.empty() || seg == ".") {
      // dropped
    } else if (seg == "..") {
      if (!segs.empty()) segs.pop_back();
    } else {
      segs.push_back(seg);
    }
    i = j + 1;
  }
  std::string out = "/";
  for (size_t k = 0; k < segs.size(); ++k) {
    if (k) out += '/';
    out += segs[k];
  }
  // A trailing slash of the original is kept, unless the path ends in a
  // dot segment ("/a/.." is "/") or the result is the root.
  bool trailing = !path.empty() && path.back() == '/';
  if (trailing && !segs.empty()) out += '/';
  return out;
}

}  // namespace

uri_rules uri_rules::for_service(std::string_view service) {
  if (service == "s3" || service == "s3-outposts" || service == "s3express") return s3();
  return uri_rules{};
}

std::string credential_scope::str() const {
  std::string s;
  s.reserve(date.size() + region.size() + service.size() + 16);
  s += date;
  s += '/';
  s += region;
  s += '/';
  s += service;
  s += "/aws4_request";
  return s;
}

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string payload_hash(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return hex(std::string_view(reinterpret_cast<const char*>(md), len));
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string uri_encode(std::string_view s, bool keep_slash) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() + s.size() / 2);
  for (unsigned char c : s) {
    if (unreserved(c) || (keep_slash && c == '/')) {
      out += char(c);
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

std::string uri_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int h = hex_value(s[i + 1]), l = hex_value(s[i + 2]);
      if (h >= 0 && l >= 0) {
        out += char(h * 16 + l);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

std::string amz_date(int64_t epoch_ms) {
  int64_t secs = epoch_ms >= 0 ? epoch_ms / 1000 : (epoch_ms - 999) / 1000;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp + (mp < 10 ? 3 : -9);
  if (m <= 2) ++y;
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04lld%02lld%02lldT%02lld%02lld%02lldZ", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d),
                static_cast<long long>(rem / 3600), static_cast<long long>(rem % 3600 / 60),
                static_cast<long long>(rem % 60));
  return buf;
}

std::string canonical_uri(std::string_view wire_path, const uri_rules& rules) {
  if (wire_path.empty()) return "/";
  if (rules.double_encode) {
    std::string p = rules.normalize_path ? normalize(wire_path) : std::string(wire_path);
    return uri_encode(p, true);
  }
  // Encoded exactly once: decode what the wire path already escaped first.
  std::string p = rules.normalize_path ? normalize(wire_path) : std::string(wire_path);
  return uri_encode(uri_decode(p), true);
}

std::string canonical_query(std::string_view raw) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t i = 0;
  while (i <= raw.size()) {
    size_t j = raw.find('&', i);
    if (j == std::string_view::npos) j = raw.size();
    std::string_view piece = raw.substr(i, j - i);
    if (!piece.empty()) {
      size_t eq = piece.find('=');
      std::string_view k = piece.substr(0, eq);
      std::string_view v = eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1);
      params.emplace_back(uri_encode(uri_decode(k)), uri_encode(uri_decode(v)));
    }
    i = j + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (size_t k = 0; k < params.size(); ++k) {
    if (k) out += '&';
    out += params[k].first;
    out += '=';
    out += params[k].second;
  }
  return out;
}

std::optional<std::string> canonical_headers(const std::vector<http_header>& headers,
                                             const std::vector<std::string>& signed_names) {
  std::string out;
  for (const auto& name : signed_names) {
    bool found = false;
    std::string joined;
    for (const auto& h : headers) {
      if (!iequals(h.name, name)) continue;
      if (found) joined += ',';
      joined += canonical_value(h.value);
      found = true;
    }
    if (!found) return std::nullopt;
    out += name;
    out += ':';
    out += joined;
    out += '\n';
  }
  return out;
}

std::vector<std::string> headers_to_sign(const std::vector<http_header>& headers) {
  std::vector<std::string> names;
  for (const auto& h : headers) {
    std::string n = to_lower(trim(h.name));
    if (n.empty() || n == "authorization" || n == "user-agent" || n == "expect" ||
        n == "x-amzn-trace-id")
      continue;
    names.push_back(std::move(n));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::string join_signed_headers(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += ';';
    out += names[i];
  }
  return out;
}

std::optional<std::string> canonical_request(const request_parts& req,
                                             const std::vector<std::string>& signed_names,
                                             const uri_rules& rules) {
  auto hdrs = canonical_headers(req.headers, signed_names);
  if (!hdrs) return std::nullopt;
  std::string out;
  out.reserve(256 + hdrs->size() + req.path.size() + req.query.size());
  out += req.method;
  out += '\n';
  out += canonical_uri(req.path, rules);
  out += '\n';
  out += canonical_query(req.query);
  out += '\n';
  out += *hdrs;
  out += '\n';
  out += join_signed_headers(signed_names);
  out += '\n';
  out += req.payload_hash.empty() ? std::string(empty_payload_hash) : req.payload_hash;
  return out;
}

std::string string_to_sign(std::string_view date, const credential_scope& scope,
                           std::string_view creq) {
  std::string out;
  out += algorithm;
  out += '\n';
  out += date;
  out += '\n';
  out += scope.str();
  out += '\n';
  out += payload_hash(creq);
  return out;
}

std::string signing_key(std::string_view secret, const credential_scope& scope) {
  std::string k = hmac_sha256("AWS4" + std::string(secret), scope.date);
  k = hmac_sha256(k, scope.region);
  k = hmac_sha256(k, scope.service);
  return hmac_sha256(k, "aws4_request");
}

std::string signature_of(std::string_view secret, const credential_scope& scope,
                         std::string_view sts) {
  return hex(hmac_sha256(signing_key(secret, scope), sts));
}

std::optional<std::string> find_header(const std::vector<http_header>& headers,
                                       std::string_view name) {
  for (const auto& h : headers)
    if (iequals(h.name, name)) return h.value;
  return std::nullopt;
}

signing_result sign(request_parts& req, const credentials& creds, const sign_options& opts) {
  if (req.payload_hash.empty()) req.payload_hash = std::string(empty_payload_hash);
  std::string date = opts.amz_date;
  if (auto d = find_header(req.headers, "x-amz-date")) {
    date = *d;
  } else {
    req.headers.push_back({"X-Amz-Date", date});
  }
  if (opts.add_content_sha256 && !find_header(req.headers, "x-amz-content-sha256"))
    req.headers.push_back({"X-Amz-Content-Sha256", req.payload_hash});
  if (!creds.session_token.empty() && !find_header(req.headers, "x-amz-security-token"))
    req.headers.push_back({"X-Amz-Security-Token", creds.session_token});
  credential_scope scope{date.substr(0, 8), opts.region, opts.service};
  auto names = headers_to_sign(req.headers);
  signing_result r;
  r.canonical_request = *canonical_request(req, names, uri_rules::for_service(opts.service));
  r.string_to_sign = string_to_sign(date, scope, r.canonical_request);
  r.authorization = std::string(algorithm) + " Credential=" + creds.access_key_id + "/" +
                    scope.str() + ", SignedHeaders=" + join_signed_headers(names) +
                    ", Signature=" + signature_of(creds.secret_access_key, scope, r.string_to_sign);
  req.headers.push_back({"Authorization", r.authorization});
  return r;
}

std::optional<authorization> parse_authorization(std::string_view header, std::string* error) {
  auto fail = [&](std::string msg) -> std::optional<authorization> {
    if (error) *error = std::move(msg);
    return std::nullopt;
  };
  header = trim(header);
  if (header.substr(0, algorithm.size()) != algorithm ||
      (header.size() > algorithm.size() && header[algorithm.size()] != ' '))
    return fail("Unsupported Authorization Type");
  std::string_view rest = trim(header.substr(algorithm.size()));
  std::optional<std::string> credential, signed_headers, signature;
  size_t i = 0;
  while (i <= rest.size()) {
    size_t j = rest.find(',', i);
    if (j == std::string_view::npos) j = rest.size();
    std::string_view part = trim(rest.substr(i, j - i));
    i = j + 1;
    if (part.empty()) continue;
    size_t eq = part.find('=');
    if (eq == std::string_view::npos)
      return fail("Authorization header requires each component to be of the form key=value: '" +
                  std::string(part) + "'");
    std::string_view key = part.substr(0, eq), value = part.substr(eq + 1);
    if (key == "Credential") credential = std::string(value);
    else if (key == "SignedHeaders") signed_headers = std::string(value);
    else if (key == "Signature") signature = std::string(value);
  }
  std::string missing;
  if (!credential) missing += "Authorization header requires 'Credential' parameter. ";
  if (!signature) missing += "Authorization header requires 'Signature' parameter. ";
  if (!signed_headers) missing += "Authorization header requires 'SignedHeaders' parameter. ";
  if (!missing.empty()) {
    missing.pop_back();
    return fail(missing);
  }
  authorization a;
  // Credential=AKID/yyyymmdd/region/service/aws4_request
  std::vector<std::string_view> parts;
  std::string_view c = *credential;
  size_t k = 0;
  while (k <= c.size()) {
    size_t j = c.find('/', k);
    if (j == std::string_view::npos) j = c.size();
    parts.push_back(c.substr(k, j - k));
    k = j + 1;
  }
  if (parts.size() != 5 || parts[0].empty() || parts[1].size() != 8 || parts[2].empty() ||
      parts[3].empty())
    return fail("Credential should be of the form <access key>/<date>/<region>/<service>/aws4_request, got '" +
                std::string(c) + "'");
  if (parts[4] != "aws4_request")
    return fail("Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                std::string(parts[4]) + "'.");
  for (char d : parts[1])
    if (d < '0' || d > '9')
      return fail("Date in Credential scope does not match YYYYMMDD: '" + std::string(parts[1]) + "'");
  a.access_key_id = std::string(parts[0]);
  a.scope = credential_scope{std::string(parts[1]), std::string(parts[2]), std::string(parts[3])};
  std::string_view sh = *signed_headers;
  k = 0;
  while (k <= sh.size()) {
    size_t j = sh.find(';', k);
    if (j == std::string_view::npos) j = sh.size();
    std::string_view n = trim(sh.substr(k, j - k));
    if (!n.empty()) a.signed_headers.push_back(to_lower(n));
    k = j + 1;
  }
  if (a.signed_headers.empty()) return fail("Authorization header requires 'SignedHeaders' parameter.");
  a.signature = to_lower(*signature);
  if (a.signature.size() != 64 ||
      !std::all_of(a.signature.begin(), a.signature.end(), [](char x) { return hex_value(x) >= 0; }))
    return fail("Signature should be 64 hexadecimal digits");
  return a;
}

std::optional<std::string> compute_signature(const request_parts& req, const authorization& auth,
                                             std::string_view secret, std::string_view date,
                                             const uri_rules& rules) {
  // The canonical request lists the signed headers sorted, whatever order
  // the client wrote them in (the client's own list was sorted too).
  std::vector<std::string> names = auth.signed_headers;
  std::sort(names.begin(), names.end());
  auto creq = canonical_request(req, names, rules);
  if (!creq) return std::nullopt;
  return signature_of(secret, auth.scope, string_to_sign(date, auth.scope, *creq));
}

bool verify(const request_parts& req, const authorization& auth, std::string_view secret,
            std::string_view date, const uri_rules& rules) {
  auto sig = compute_signature(req, auth, secret, date, rules);
  if (!sig || sig->size() != auth.signature.size()) return false;
  return CRYPTO_memcmp(sig->data(), auth.signature.data(), sig->size()) == 0;
}

}  // namespace sc::aws
