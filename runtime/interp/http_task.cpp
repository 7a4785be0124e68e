// The HTTP Task without the I/O (http_task.hpp).
#include "runtime/interp/http_task.hpp"

#include "runtime/json/json.hpp"

#include <algorithm>
#include <cctype>

namespace sc::interp::http_task {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool istarts(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

task_error runtime_error(std::string cause) { return {"States.Runtime", std::move(cause)}; }

/// A scalar JSON value as query/header text; false for objects and arrays.
bool scalar_text(const json::value& v, std::string& out) {
  if (v.IsString()) out.assign(v.GetString(), v.GetStringLength());
  else if (v.IsBool()) out = v.GetBool() ? "true" : "false";
  else if (v.IsNull()) out = "null";
  else if (v.IsNumber()) out = json::dump(v);
  else return false;
  return true;
}

/// Invalid UTF-8 bytes replaced by U+FFFD, so the text can go into JSON.
std::string utf8_clean(const std::string& s) {
  if (json::valid_utf8(s)) return s;
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n && i + n <= s.size() && json::valid_utf8(std::string_view(s).substr(i, n))) {
      out.append(s, i, n);
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

void encode_value(std::string& out, const std::string& key, const json::value& v, array_format f);

void add_pair(std::string& out, const std::string& key, std::string_view value) {
  if (!out.empty()) out += '&';
  out += percent_encode(key);
  out += '=';
  out += percent_encode(value);
}

void encode_value(std::string& out, const std::string& key, const json::value& v, array_format f) {
  if (v.IsObject()) {
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m)
      encode_value(out, key + "[" + std::string(m->name.GetString(), m->name.GetStringLength()) + "]",
                   m->value, f);
    return;
  }
  if (v.IsArray()) {
    if (f == array_format::commas) {
      std::string joined;
      bool first = true;
      for (const auto& e : v.GetArray()) {
        std::string t;
        if (!scalar_text(e, t)) t = json::dump(e);
        if (!first) joined += ',';
        joined += t;
        first = false;
      }
      add_pair(out, key, joined);
      return;
    }
    size_t i = 0;
    for (const auto& e : v.GetArray()) {
      std::string k = f == array_format::indices    ? key + "[" + std::to_string(i) + "]"
                      : f == array_format::brackets ? key + "[]"
                                                    : key;
      encode_value(out, k, e, f);
      ++i;
    }
    return;
  }
  std::string t;
  scalar_text(v, t);
  add_pair(out, key, t);
}

}  // namespace

std::string percent_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string base64(std::string_view in) {
  static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    out += tbl[v >> 18];
    out += tbl[(v >> 12) & 63];
    out += tbl[(v >> 6) & 63];
    out += tbl[v & 63];
  }
  if (i < in.size()) {
    unsigned v = (unsigned char)in[i] << 16;
    if (i + 1 < in.size()) v |= (unsigned char)in[i + 1] << 8;
    out += tbl[v >> 18];
    out += tbl[(v >> 12) & 63];
    out += i + 1 < in.size() ? tbl[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

bool forbidden_header(std::string_view name) {
  static constexpr std::string_view names[] = {
      "A-IM", "Accept-Charset", "Accept-Datetime", "Accept-Encoding", "Cache-Control",
      "Connection", "Content-Encoding", "Content-MD5", "Date", "Expect", "Forwarded", "From",
      "Host", "HTTP2-Settings", "If-Match", "If-Modified-Since", "If-None-Match", "If-Range",
      "If-Unmodified-Since", "Max-Forwards", "Origin", "Pragma", "Proxy-Authorization",
      "Referer", "Server", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Via", "Warning",
      "Authorization", "Content-Length"};
  for (auto n : names)
    if (iequals(n, name)) return true;
  return istarts(name, "x-forwarded-") || istarts(name, "x-amz-") || istarts(name, "x-amzn-");
}

std::string_view standard_reason(int s) {
  switch (s) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

std::optional<arguments> read_arguments(std::string_view parameters, task_error& err) {
  json::document d;
  if (!json::parse(parameters, d) || !d.IsObject()) {
    err = runtime_error("The HTTP Task's parameters must be a JSON object.");
    return std::nullopt;
  }
  arguments a;
  auto field = [&](const char* name) -> const json::value* {
    auto m = d.FindMember(name);
    return m == d.MemberEnd() ? nullptr : &m->value;
  };
  const json::value* ep = field("ApiEndpoint");
  if (!ep || !ep->IsString() || ep->GetStringLength() == 0) {
    err = runtime_error("The HTTP Task's ApiEndpoint must be a non-empty string.");
    return std::nullopt;
  }
  a.api_endpoint = ep->GetString();
  if (!istarts(a.api_endpoint, "https://") && !istarts(a.api_endpoint, "http://")) {
    err = runtime_error("The HTTP Task's ApiEndpoint must be an https:// (or http://) URL (got '" +
                        a.api_endpoint + "').");
    return std::nullopt;
  }
  const json::value* m = field("Method");
  static constexpr std::string_view methods[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"};
  if (m && m->IsString()) a.method = upper(m->GetString());
  if (!m || !m->IsString() ||
      std::find(std::begin(methods), std::end(methods), a.method) == std::end(methods)) {
    err = runtime_error(
        "The HTTP Task's Method must be one of GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD.");
    return std::nullopt;
  }
  for (const char* holder : {"Authentication", "InvocationConfig"}) {
    const json::value* h = field(holder);
    if (!h) continue;
    auto c = h->IsObject() ? h->FindMember("ConnectionArn") : h->MemberEnd();
    if (!h->IsObject() || c == h->MemberEnd() || !c->value.IsString()) {
      err = runtime_error(std::string("The HTTP Task's ") + holder +
                          " must be an object with a ConnectionArn string.");
      return std::nullopt;
    }
    if (a.connection_arn.empty()) a.connection_arn = c->value.GetString();
  }
  if (a.connection_arn.empty()) {
    err = runtime_error(
        "The HTTP Task needs a connection: Authentication.ConnectionArn or "
        "InvocationConfig.ConnectionArn.");
    return std::nullopt;
  }
  if (const json::value* h = field("Headers")) {
    if (!h->IsObject()) {
      err = runtime_error("The HTTP Task's Headers must be an object.");
      return std::nullopt;
    }
    for (auto it = h->MemberBegin(); it != h->MemberEnd(); ++it) {
      std::string name(it->name.GetString(), it->name.GetStringLength()), value;
      if (!scalar_text(it->value, value)) {
        err = runtime_error("The HTTP Task's header '" + name + "' must have a string value.");
        return std::nullopt;
      }
      if (forbidden_header(name)) {
        err = runtime_error("The HTTP Task cannot set the header '" + name + "'.");
        return std::nullopt;
      }
      if (name.empty() || name.find_first_of(" \t\r\n:") != std::string::npos ||
          value.find_first_of("\r\n") != std::string::npos) {
        err = runtime_error("The HTTP Task's header '" + name + "' is not a valid HTTP header.");
        return std::nullopt;
      }
      a.headers.emplace_back(std::move(name), std::move(value));
    }
  }
  if (const json::value* q = field("QueryParameters")) {
    if (!q->IsObject()) {
      err = runtime_error("The HTTP Task's QueryParameters must be an object.");
      return std::nullopt;
    }
    for (auto it = q->MemberBegin(); it != q->MemberEnd(); ++it) {
      std::string name(it->name.GetString(), it->name.GetStringLength()), value;
      if (it->value.IsArray()) {
        for (const auto& e : it->value.GetArray()) {
          if (!scalar_text(e, value)) {
            err = runtime_error("The HTTP Task's query parameter '" + name +
                                "' must have string values.");
            return std::nullopt;
          }
          a.query.emplace_back(name, value);
        }
        continue;
      }
      if (!scalar_text(it->value, value)) {
        err = runtime_error("The HTTP Task's query parameter '" + name + "' must have a string value.");
        return std::nullopt;
      }
      a.query.emplace_back(std::move(name), std::move(value));
    }
  }
  if (const json::value* b = field("RequestBody")) {
    a.has_body = true;
    a.body_json = json::dump(*b);
  }
  if (const json::value* t = field("Transform")) {
    if (!t->IsObject()) {
      err = runtime_error("The HTTP Task's Transform must be an object.");
      return std::nullopt;
    }
    if (auto e = t->FindMember("RequestBodyEncoding"); e != t->MemberEnd()) {
      std::string v = e->value.IsString() ? e->value.GetString() : "";
      if (v == "URL_ENCODED") a.url_encoded = true;
      else if (v != "NONE") {
        err = runtime_error("The HTTP Task's Transform.RequestBodyEncoding must be NONE or URL_ENCODED.");
        return std::nullopt;
      }
    }
    if (auto o = t->FindMember("RequestEncodingOptions"); o != t->MemberEnd()) {
      auto f = o->value.IsObject() ? o->value.FindMember("ArrayFormat") : o->value.MemberEnd();
      if (o->value.IsObject() && f != o->value.MemberEnd()) {
        std::string v = f->value.IsString() ? f->value.GetString() : "";
        if (v == "INDICES") a.arrays = array_format::indices;
        else if (v == "REPEAT") a.arrays = array_format::repeat;
        else if (v == "COMMAS") a.arrays = array_format::commas;
        else if (v == "BRACKETS") a.arrays = array_format::brackets;
        else {
          err = runtime_error(
              "The HTTP Task's RequestEncodingOptions.ArrayFormat must be INDICES, REPEAT, COMMAS or "
              "BRACKETS.");
          return std::nullopt;
        }
      }
    }
  }
  return a;
}

std::string url_encode_json(std::string_view text, array_format f) {
  json::document d;
  if (!json::parse(text, d) || !d.IsObject()) return {};
  std::string out;
  for (auto m = d.MemberBegin(); m != d.MemberEnd(); ++m)
    encode_value(out, std::string(m->name.GetString(), m->name.GetStringLength()), m->value, f);
  return out;
}

request build_request(const arguments& a, const connection_additions& c, std::string_view region) {
  request r;
  r.method = a.method;
  r.url = a.api_endpoint;
  if (auto hash = r.url.find('#'); hash != std::string::npos) r.url.resize(hash);
  std::string query;
  for (const auto& [k, v] : a.query) add_pair(query, k, v);
  for (const auto& [k, v] : c.query) add_pair(query, k, v);
  if (!query.empty()) r.url += (r.url.find('?') == std::string::npos ? "?" : "&") + query;

  auto has = [&](std::string_view name) {
    return std::any_of(r.headers.begin(), r.headers.end(),
                       [&](const auto& h) { return iequals(h.first, name); });
  };
  for (const auto& h : a.headers) {
    bool replaced = std::any_of(c.headers.begin(), c.headers.end(),
                                [&](const auto& ch) { return iequals(ch.first, h.first); });
    if (!replaced) r.headers.push_back(h);
  }
  for (const auto& h : c.headers) r.headers.push_back(h);

  // The body: the Task's RequestBody with the connection's body parameters.
  json::document body;
  bool body_is_json = false;
  if (a.has_body) body_is_json = json::parse(a.body_json, body);
  const bool body_method = a.method == "POST" || a.method == "PUT" || a.method == "PATCH";
  if (!c.body.empty() && (a.has_body ? body_is_json && body.IsObject() : body_method)) {
    if (!a.has_body) {
      body.SetObject();
      body_is_json = true;
    }
    auto& al = body.GetAllocator();
    for (const auto& [k, v] : c.body) {
      body.RemoveMember(k.c_str());
      body.AddMember(json::value(k.c_str(), al), json::value(v.c_str(), al), al);
    }
  }
  const bool send_body = a.has_body || (!c.body.empty() && body_is_json);
  if (send_body) {
    if (body_is_json && body.IsString() && !a.url_encoded) {
      r.body.assign(body.GetString(), body.GetStringLength());
      if (!has("Content-Type")) r.headers.emplace_back("Content-Type", "text/plain; charset=UTF-8");
    } else if (a.url_encoded) {
      r.body = body_is_json && body.IsObject() ? url_encode_json(json::dump(body), a.arrays)
               : body_is_json && body.IsString() ? std::string(body.GetString(), body.GetStringLength())
                                                 : a.body_json;
      if (!has("Content-Type"))
        r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    } else {
      r.body = body_is_json ? json::dump(body) : a.body_json;
      if (!has("Content-Type")) r.headers.emplace_back("Content-Type", "application/json; charset=UTF-8");
    }
  }
  if (!has("User-Agent"))
    r.headers.emplace_back("User-Agent", "Amazon|StepFunctions|HttpInvoke|" + std::string(region));
  if (!has("Range")) r.headers.emplace_back("Range", "bytes=0-262144");
  return r;
}

std::string shape_output(int status, std::string_view reason, const pairs& headers,
                         const std::string& body) {
  // Headers: every value of a name, in order, under its first spelling.
  std::vector<std::pair<std::string, std::vector<std::string>>> grouped;
  std::string content_type;
  for (const auto& header : headers) {
    const auto& k = header.first;  // not a structured binding: clang 14 cannot capture those
    const auto& v = header.second;
    if (iequals(k, "content-type") && content_type.empty()) content_type = v;
    auto it = std::find_if(grouped.begin(), grouped.end(),
                           [&](const auto& g) { return iequals(g.first, k); });
    if (it == grouped.end()) grouped.push_back({k, {v}});
    else it->second.push_back(v);
  }
  std::string out = "{\"Headers\":{";
  bool first = true;
  for (const auto& [k, vs] : grouped) {
    if (!first) out += ',';
    first = false;
    out += json::quote(utf8_clean(k)) + ":[";
    for (size_t i = 0; i < vs.size(); ++i) out += (i ? "," : "") + json::quote(utf8_clean(vs[i]));
    out += ']';
  }
  out += "},\"ResponseBody\":";
  std::string ct = content_type;
  for (char& ch : ct) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const bool json_type = ct.find("json") != std::string::npos;
  json::document parsed;
  if (json_type && !body.empty() && json::parse(body, parsed)) out += json::dump(parsed);
  else out += json::quote(utf8_clean(body));
  out += ",\"StatusCode\":" + std::to_string(status);
  std::string text = reason.empty() ? std::string(standard_reason(status)) : std::string(reason);
  out += ",\"StatusText\":" + json::quote(utf8_clean(text)) + "}";
  return out;
}

std::optional<task_error> status_error(int status, const std::string& output) {
  if (status >= 200 && status < 300) return std::nullopt;
  return task_error{"States.Http.StatusCode." + std::to_string(status), output};
}

}  // namespace sc::interp::http_task
