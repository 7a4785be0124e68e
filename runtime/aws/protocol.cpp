// AWS wire protocols (protocol.hpp).
#include "runtime/aws/protocol.hpp"

#include "runtime/json/json.hpp"
#include "runtime/json/utf8.hpp"

#include <algorithm>
#include <cstdlib>

namespace sc::aws {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string with_exception(std::string code) {
  if (!ends_with(code, "Exception")) code += "Exception";
  return code;
}

void recase(json::value& v, json::allocator& a, bool to_camel) {
  if (v.IsArray()) {
    for (auto& e : v.GetArray()) recase(e, a, to_camel);
    return;
  }
  if (!v.IsObject()) return;
  json::value out(rapidjson::kObjectType);
  for (auto& m : v.GetObject()) {
    std::string k(m.name.GetString(), m.name.GetStringLength());
    if (!k.empty()) {
      char& c = k[0];
      if (to_camel && c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
      if (!to_camel && c >= 'a' && c <= 'z') c = char(c - 'a' + 'A');
    }
    recase(m.value, a, to_camel);
    out.AddMember(json::value(k.c_str(), static_cast<rapidjson::SizeType>(k.size()), a),
                  std::move(m.value), a);
  }
  v = std::move(out);
}

}  // namespace

std::string xml_unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    auto semi = s.find(';', i);
    if (semi == std::string_view::npos) {
      out += s[i];
      continue;
    }
    std::string_view ent = s.substr(i + 1, semi - i - 1);
    if (ent == "amp") out += '&';
    else if (ent == "lt") out += '<';
    else if (ent == "gt") out += '>';
    else if (ent == "quot") out += '"';
    else if (ent == "apos") out += '\'';
    else if (!ent.empty() && ent[0] == '#') {
      // strtoul, not stoul: a bad reference in a server's answer must not throw.
      const bool hex = ent.size() > 1 && (ent[1] == 'x' || ent[1] == 'X');
      unsigned long cp = std::strtoul(std::string(ent.substr(hex ? 2 : 1)).c_str(), nullptr, hex ? 16 : 10);
      append_utf8(out, static_cast<uint32_t>(std::min<unsigned long>(cp, 0x10FFFF)));
    } else {
      out.append(s.substr(i, semi - i + 1));
    }
    i = semi;
  }
  return out;
}

bool split_endpoint(std::string_view endpoint, std::string& host_header, std::string& base_path,
                    bool& tls) {
  std::string_view rest;
  if (endpoint.rfind("https://", 0) == 0) {
    tls = true;
    rest = endpoint.substr(8);
  } else if (endpoint.rfind("http://", 0) == 0) {
    tls = false;
    rest = endpoint.substr(7);
  } else {
    return false;
  }
  auto slash = rest.find('/');
  std::string_view host = rest.substr(0, slash);
  if (host.empty()) return false;
  base_path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  while (!base_path.empty() && base_path.back() == '/') base_path.pop_back();
  // The default port is left out of Host, as the SDKs do.
  std::string h(host);
  if (tls && ends_with(h, ":443")) h.resize(h.size() - 4);
  if (!tls && ends_with(h, ":80")) h.resize(h.size() - 3);
  host_header = h;
  return true;
}

void sign_request(wire_request& r, const credentials& creds, const std::string& region,
                  std::string_view signing_name, const std::string& date, bool content_sha256) {
  std::string host, ignored;
  bool tls = false;
  split_endpoint(r.url, host, ignored, tls);
  if (!find_header(r.headers, "host")) r.headers.insert(r.headers.begin(), {"Host", host});
  // Path and query exactly as sent (after "scheme://host").
  std::string_view url = r.url;
  auto scheme = url.find("://");
  auto slash = url.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
  std::string_view target = slash == std::string_view::npos ? std::string_view("/") : url.substr(slash);
  request_parts p;
  p.method = r.method;
  auto q = target.find('?');
  p.path = std::string(target.substr(0, q));
  if (p.path.empty()) p.path = "/";
  if (q != std::string_view::npos) p.query = std::string(target.substr(q + 1));
  p.headers = std::move(r.headers);
  p.payload_hash = payload_hash(r.body);
  sign(p, creds, sign_options{region, std::string(signing_name), date, content_sha256});
  r.headers = std::move(p.headers);
}

wire_request json_request(const service_info& svc, const std::string& endpoint,
                          std::string_view operation, std::string body) {
  wire_request r;
  r.method = "POST";
  r.url = endpoint + "/";
  r.headers.push_back({"Content-Type", "application/x-amz-json-" + std::string(svc.json_version)});
  r.headers.push_back({"X-Amz-Target", std::string(svc.target_prefix) + "." + std::string(operation)});
  r.body = body.empty() ? "{}" : std::move(body);
  return r;
}

std::string form_encode(std::string_view s) { return uri_encode(s, false); }

wire_request query_request(const std::string& endpoint, std::string_view operation,
                           std::string_view version,
                           const std::vector<std::pair<std::string, std::string>>& params) {
  wire_request r;
  r.method = "POST";
  r.url = endpoint + "/";
  r.headers.push_back({"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"});
  r.body = "Action=" + form_encode(operation) + "&Version=" + form_encode(version);
  for (const auto& [k, v] : params) r.body += "&" + form_encode(k) + "=" + form_encode(v);
  return r;
}

std::optional<std::string> xml_text(std::string_view xml, std::string_view tag) {
  std::string open = "<" + std::string(tag) + ">", close = "</" + std::string(tag) + ">";
  auto b = xml.find(open);
  if (b == std::string_view::npos) return std::nullopt;
  b += open.size();
  auto e = xml.find(close, b);
  if (e == std::string_view::npos) return std::nullopt;
  return xml_unescape(xml.substr(b, e - b));
}

service_error read_error(int status, const std::vector<http_header>& headers, std::string_view body) {
  service_error e;
  e.status = status;
  for (const char* h : {"x-amzn-RequestId", "x-amz-request-id", "x-amzn-requestid"})
    if (auto v = find_header(headers, h)) {
      e.request_id = *v;
      break;
    }
  auto clean = [](std::string code) {
    // "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
    // "ResourceNotFoundException:http://internal.amazon.com/..."
    if (auto h = code.rfind('#'); h != std::string::npos) code = code.substr(h + 1);
    if (auto c = code.find(':'); c != std::string::npos) code = code.substr(0, c);
    return code;
  };
  if (auto t = find_header(headers, "x-amzn-ErrorType")) e.code = clean(*t);
  json::document d;
  if (!body.empty() && body.front() == '{' && json::parse(body, d) && d.IsObject()) {
    for (const char* k : {"__type", "code", "Code"})
      if (auto m = d.FindMember(k); e.code.empty() && m != d.MemberEnd() && m->value.IsString())
        e.code = clean(m->value.GetString());
    for (const char* k : {"message", "Message", "errorMessage"})
      if (auto m = d.FindMember(k); m != d.MemberEnd() && m->value.IsString()) {
        e.message = m->value.GetString();
        break;
      }
  } else if (!body.empty() && body.find('<') != std::string_view::npos) {
    if (auto c = xml_text(body, "Code"); c && e.code.empty()) e.code = *c;
    if (auto m = xml_text(body, "Message")) e.message = *m;
    if (auto r = xml_text(body, "RequestId"); r && e.request_id.empty()) e.request_id = *r;
  }
  return e;
}

bool retryable(const service_error& e) {
  static constexpr std::string_view throttling[] = {
      "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
      "TooManyRequestsException", "ProvisionedThroughputExceededException",
      "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
      "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
      "EC2ThrottledException", "ServiceUnavailable", "InternalError", "InternalFailure"};
  for (auto t : throttling)
    if (e.code == t) return true;
  return e.status == 500 || e.status == 502 || e.status == 503 || e.status == 504 || e.status == 429;
}

std::pair<std::string, std::string> sdk_error(const service_info& svc, const service_error& e) {
  std::string code = e.code.empty() ? std::string(svc.error_prefix) : e.code;
  std::string name = std::string(svc.error_prefix) + "." + with_exception(code);
  std::string msg = e.message.empty() ? "Service returned error code " + code : e.message;
  std::string cause = msg + " (Service: " + std::string(svc.error_prefix) +
                      ", Status Code: " + std::to_string(e.status) +
                      ", Request ID: " + e.request_id + ")";
  return {name, cause};
}

std::pair<std::string, std::string> optimized_error(std::string_view prefix, std::string_view service,
                                                    const service_error& e) {
  std::string name = std::string(prefix) + "." +
                     (e.code.empty() ? std::string(service) + "Exception" : with_exception(e.code));
  std::string cause = (e.message.empty() ? std::string("null") : e.message) +
                      " (Service: " + std::string(service) +
                      "; Status Code: " + std::to_string(e.status) +
                      "; Error Code: " + (e.code.empty() ? std::string("null") : e.code) +
                      "; Request ID: " + e.request_id + "; Proxy: null)";
  return {name, cause};
}

std::string operation_name(std::string_view action) {
  std::string s(action);
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = char(s[0] - 'a' + 'A');
  return s;
}

std::string recase_keys(std::string_view text, bool to_camel) {
  json::document d;
  if (!json::parse(text, d)) return std::string(text);
  recase(d, d.GetAllocator(), to_camel);
  return json::dump(d);
}

std::string sdk_metadata_members(int status, const std::vector<http_header>& headers) {
  std::string all, some, request_id;
  for (const auto& h : headers) {
    if (iequals(h.name, "x-amzn-RequestId") || iequals(h.name, "x-amz-request-id"))
      request_id = h.value;
    std::string member = json::quote(h.name) + ":" + json::quote(h.value);
    all += (all.empty() ? "" : ",") + json::quote(h.name) + ":[" + json::quote(h.value) + "]";
    some += (some.empty() ? "" : ",") + member;
  }
  return ",\"SdkHttpMetadata\":{\"AllHttpHeaders\":{" + all + "},\"HttpHeaders\":{" + some +
         "},\"HttpStatusCode\":" + std::to_string(status) +
         "},\"SdkResponseMetadata\":{\"RequestId\":" + json::quote(request_id) + "}";
}

}  // namespace sc::aws
