// aws-sdk for rest-json services (rest_json_sdk.hpp).
#include "runtime/aws/rest_json_sdk.hpp"

#include "runtime/aws/query_sdk.hpp"
#include "runtime/aws/sigv4.hpp"

#include <cctype>
#include <map>
#include <memory>
#include <mutex>

namespace sc::aws {

namespace {

struct rest_json_row {
  std::string_view name;
  const char* model;  ///< NUL-terminated (too long for a constexpr string_view)
};

const rest_json_row rest_json_models[] = {
#include "runtime/aws/rest_json_models.inc"
};

/// rest-xml services (S3, S3 Control, Route 53, CloudFront): the same
/// bindings plus the shapes of their XML bodies (gen_aws_rest_xml_models.py).
const rest_json_row rest_xml_models[] = {
#include "runtime/aws/rest_xml_models.inc"
};

const json::document* model_of(std::string_view service) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<json::document>, std::less<>> cache;
  const rest_json_row* row = nullptr;
  for (const auto& r : rest_json_models)
    if (r.name == service) row = &r;
  for (const auto& r : rest_xml_models)
    if (r.name == service) row = &r;
  if (!row) return nullptr;
  std::lock_guard lock(mu);
  if (auto it = cache.find(service); it != cache.end()) return it->second.get();
  auto d = std::make_unique<json::document>();
  if (!json::parse(std::string_view(row->model), *d) || !d->IsObject()) d->SetObject();
  return (cache[std::string(service)] = std::move(d)).get();
}

/// [method, uri, in, out, payloadIn, payloadOut, status (, inputShape,
/// outputShape, inputRoot, inputNamespace: rest-xml)] or nullptr; `model`
/// set to the service's model.
const json::value* operation_of(std::string_view service, std::string_view op,
                                const json::document** model = nullptr) {
  const json::document* m = model_of(service);
  if (!m) return nullptr;
  if (model) *model = m;
  const json::value& ops = m->HasMember("o") ? (*m)["o"] : *m;
  auto it = ops.FindMember(json::value(rapidjson::StringRef(op.data(), op.size())));
  if (it == ops.MemberEnd() || !it->value.IsArray() || it->value.Size() < 7) return nullptr;
  return &it->value;
}

bool is_xml(const json::document& m) { return m.HasMember("x"); }

/// "Member|j|Shape|Root|ns" → its parts.
std::vector<std::string> split_bar(const std::string& s) {
  std::vector<std::string> out;
  size_t b = 0;
  for (;;) {
    size_t e = s.find('|', b);
    out.push_back(s.substr(b, e == std::string::npos ? std::string::npos : e - b));
    if (e == std::string::npos) return out;
    b = e + 1;
  }
}

std::string str(const json::value& v) {
  return v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : std::string();
}

std::string text_of(const json::value& v) {
  if (v.IsString()) return str(v);
  if (v.IsBool()) return v.GetBool() ? "true" : "false";
  return json::dump(v);
}

std::string pascal(std::string s) {
  if (!s.empty()) s[0] = char(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

/// The parameter for model member `name` (as is, or PascalCase).
json::value::MemberIterator find_param(json::value& params, const std::string& name) {
  auto it = params.FindMember(name.c_str());
  if (it == params.MemberEnd()) it = params.FindMember(pascal(name).c_str());
  return it;
}

bool iequals_prefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  return true;
}

}  // namespace

bool rest_json_has_operation(std::string_view service, std::string_view operation) {
  return operation_of(service, operation) != nullptr;
}

bool rest_json_request(std::string_view service, std::string_view operation, const json::value& in,
                       const std::string& endpoint, bool camel, wire_request& out, std::string& err) {
  const json::document* model = nullptr;
  const json::value* op = operation_of(service, operation, &model);
  if (!op) {
    err = "no model of " + std::string(service) + ":" + std::string(operation);
    return false;
  }
  const bool xml = is_xml(*model);
  if (!in.IsObject()) {
    err = "The parameters of '" + std::string(operation) + "' must be a JSON object.";
    return false;
  }
  json::document params;
  params.CopyFrom(in, params.GetAllocator());
  std::string uri = str((*op)[1]);
  std::string literal_query;
  if (auto q = uri.find('?'); q != std::string::npos) {
    literal_query = uri.substr(q + 1);
    uri = uri.substr(0, q);
  }
  std::vector<std::string> query;
  if (!literal_query.empty()) query.push_back(literal_query);
  out.headers.clear();
  for (auto& m : (*op)[2].GetObject()) {
    const std::string name(m.name.GetString(), m.name.GetStringLength());
    const std::string loc = str(m.value[0]), wire = str(m.value[1]), type = str(m.value[2]);
    auto p = find_param(params, name);
    if (p == params.MemberEnd()) continue;
    const json::value& v = p->value;
    if (loc == "uri") {
      const std::string text = text_of(v);
      if (auto at = uri.find("{" + wire + "+}"); at != std::string::npos)
        uri.replace(at, wire.size() + 3, uri_encode(text, true));
      else if (auto at2 = uri.find("{" + wire + "}"); at2 != std::string::npos)
        uri.replace(at2, wire.size() + 2, uri_encode(text, false));
    } else if (loc == "querystring") {
      if (v.IsArray()) {
        for (auto& e : v.GetArray()) query.push_back(uri_encode(wire) + "=" + uri_encode(text_of(e)));
      } else if (v.IsObject()) {
        for (auto& e : v.GetObject())
          query.push_back(uri_encode(e.name.GetString()) + "=" + uri_encode(text_of(e.value)));
      } else {
        query.push_back(uri_encode(wire) + "=" + uri_encode(text_of(v)));
      }
    } else if (loc == "header") {
      std::string value;
      if (v.IsArray()) {
        for (auto& e : v.GetArray()) value += (value.empty() ? "" : ",") + text_of(e);
      } else {
        value = text_of(v);
      }
      out.headers.push_back({wire, value});
    } else if (loc == "headers" && v.IsObject()) {
      for (auto& e : v.GetObject()) out.headers.push_back({wire + e.name.GetString(), text_of(e.value)});
    }
    params.RemoveMember(p);
  }
  // Labels nobody filled: the SDKs refuse such a request before sending it.
  if (auto open = uri.find('{'); open != std::string::npos) {
    auto close = uri.find('}', open);
    std::string label = uri.substr(open + 1, close == std::string::npos ? std::string::npos : close - open - 1);
    if (!label.empty() && label.back() == '+') label.pop_back();
    err = "The field '" + pascal(label) + "' is required by " + std::string(operation) + ".";
    return false;
  }
  std::string body;
  const std::string payload = str((*op)[4]);
  if (!payload.empty()) {
    const std::string member = payload.substr(0, payload.find('|'));
    auto p = find_param(params, member);
    if (p != params.MemberEnd()) {
      if (xml && payload.find("|j|") != std::string::npos) {
        auto parts = split_bar(payload);
        body = json_to_xml(*model, parts[2], p->value, parts[3], parts.size() > 4 ? parts[4] : "");
        out.headers.push_back({"Content-Type", "application/xml"});
      } else if (payload.ends_with("|j")) {
        body = json::dump(p->value);
        if (camel) body = recase_keys(body, true);
        out.headers.push_back({"Content-Type", "application/json"});
      } else {
        body = text_of(p->value);
        bool typed = false;  // a ContentType member already set it
        for (const auto& h : out.headers) typed = typed || iequals_prefix(h.name, "content-type");
        if (!typed) out.headers.push_back({"Content-Type", "application/octet-stream"});
      }
    }
  } else if (xml && !params.ObjectEmpty() && op->Size() >= 11) {
    body = json_to_xml(*model, str((*op)[7]), params, str((*op)[9]), str((*op)[10]));
    out.headers.push_back({"Content-Type", "application/xml"});
  } else if (!params.ObjectEmpty()) {
    body = json::dump(params);
    if (camel) body = recase_keys(body, true);
    out.headers.push_back({"Content-Type", "application/json"});
  }
  out.method = str((*op)[0]);
  out.url = endpoint + uri;
  for (size_t i = 0; i < query.size(); ++i) out.url += (i == 0 ? "?" : "&") + query[i];
  out.body = std::move(body);
  return true;
}

std::string s3_virtual_hosted(const std::string& url, const std::string& endpoint,
                              const std::string& bucket) {
  const std::string prefix = endpoint + "/" + uri_encode(bucket, false);
  if (url.compare(0, prefix.size(), prefix) != 0) return url;
  std::string rest = url.substr(prefix.size());
  if (!rest.empty() && rest[0] != '/' && rest[0] != '?') return url;  // another bucket's prefix
  if (rest.empty() || rest[0] == '?') rest = "/" + rest;
  auto scheme = endpoint.find("://");
  if (scheme == std::string::npos) return url;
  return endpoint.substr(0, scheme + 3) + bucket + "." + endpoint.substr(scheme + 3) + rest;
}

std::string rest_json_result(std::string_view service, std::string_view operation, int status,
                             const std::vector<http_header>& headers, std::string_view body, bool camel) {
  const json::document* model = nullptr;
  const json::value* op = operation_of(service, operation, &model);
  json::document d;
  auto& a = d.GetAllocator();
  const std::string payload = op ? str((*op)[5]) : std::string();
  const bool xml = model && is_xml(*model);
  if (xml) {
    // The XML body: a structure payload member, a raw one (text), or the
    // output's own members.
    d.SetObject();
    xml_element root;
    const bool parsed = !body.empty() && parse_xml(body, root);
    if (!payload.empty() && payload.find("|j|") != std::string::npos) {
      auto parts = split_bar(payload);
      if (parsed) {
        json::document p;
        if (json::parse(xml_to_json(*model, parts[2], root), p)) {
          json::value v;
          v.CopyFrom(p, a);
          d.AddMember(json::value(parts[0].c_str(), a), v, a);
        }
      }
    } else if (!payload.empty()) {
      const std::string member = payload.substr(0, payload.find('|'));
      d.AddMember(json::value(member.c_str(), a),
                  json::value(body.data(), static_cast<rapidjson::SizeType>(body.size()), a), a);
    } else if (parsed && op->Size() >= 9 && !str((*op)[8]).empty()) {
      json::document p;
      if (json::parse(xml_to_json(*model, str((*op)[8]), root), p) && p.IsObject()) d.CopyFrom(p, a);
    }
  } else if (!payload.empty()) {
    d.SetObject();
    const std::string member = payload.substr(0, payload.find('|'));
    json::document p;
    json::value v;
    // A structure payload is JSON; a raw one (a blob: aws-sdk:lambda:invoke's
    // Payload) is its text, as AWS's aws-sdk integrations return it (the
    // optimized lambda:invoke is the one that parses it).
    if (payload.ends_with("|j")) {
      std::string b = body.empty() ? "{}" : std::string(body);
      if (camel) b = recase_keys(b, false);
      if (json::parse(b, p)) v.CopyFrom(p, a);
    } else {
      v.SetString(body.data(), static_cast<rapidjson::SizeType>(body.size()), a);
    }
    d.AddMember(json::value(pascal(member).c_str(), a), v, a);
  } else {
    std::string b = body.empty() ? "{}" : std::string(body);
    if (camel) b = recase_keys(b, false);
    if (!json::parse(b, d) || !d.IsObject()) d.SetObject();
  }
  if (!op) return json::dump(d);
  for (auto& m : (*op)[3].GetObject()) {
    const std::string name = pascal(std::string(m.name.GetString(), m.name.GetStringLength()));
    const std::string loc = str(m.value[0]), wire = str(m.value[1]), type = str(m.value[2]);
    if (d.HasMember(name.c_str())) continue;
    json::value v;
    if (loc == "statusCode") {
      v.SetInt(status);
    } else if (loc == "header") {
      const http_header* h = nullptr;
      for (const auto& x : headers)
        if (x.name.size() == wire.size() && iequals_prefix(x.name, wire)) h = &x;
      if (!h) continue;
      json::document n;
      if ((type == "integer" || type == "long" || type == "double" || type == "float") &&
          json::parse(h->value, n) && n.IsNumber())
        v.CopyFrom(n, a);
      else if (type == "boolean")
        v.SetBool(h->value == "true");
      else
        v.SetString(h->value.c_str(), static_cast<rapidjson::SizeType>(h->value.size()), a);
    } else if (loc == "headers") {
      v.SetObject();
      for (const auto& x : headers)
        if (iequals_prefix(x.name, wire) && x.name.size() > wire.size())
          v.AddMember(json::value(x.name.substr(wire.size()).c_str(), a), json::value(x.value.c_str(), a), a);
      if (v.ObjectEmpty()) continue;
    } else {
      continue;
    }
    d.AddMember(json::value(name.c_str(), a), v, a);
  }
  return json::dump(d);
}

}  // namespace sc::aws
