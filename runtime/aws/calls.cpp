// The AWS service integrations' shapes (calls.hpp).
#include "runtime/aws/calls.hpp"

#include "runtime/aws/query_sdk.hpp"
#include "runtime/aws/rest_json_sdk.hpp"

#include "runtime/interp/integration.hpp"
#include "runtime/json/json.hpp"

namespace sc::aws {

namespace {

bool is_sdk(call_kind k) {
  return k == call_kind::sdk_json || k == call_kind::sdk_query || k == call_kind::sdk_rest_json;
}

/// A member as text: strings as they are, anything else as JSON text.
std::string text_of(const json::value& v) {
  return v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : json::dump(v);
}

/// Replaces a member that is not a string by its JSON text (MessageBody,
/// Message, Detail: AWS serialises a JSON value given there).
void stringify_member(json::value& obj, const char* name, json::allocator& a) {
  if (!obj.IsObject()) return;
  auto m = obj.FindMember(name);
  if (m == obj.MemberEnd() || m->value.IsString()) return;
  std::string t = json::dump(m->value);
  m->value.SetString(t.c_str(), static_cast<rapidjson::SizeType>(t.size()), a);
}

std::string uri_path_segment(std::string_view s) { return uri_encode(s, false); }

/// The body of an answer as a JSON value in a result: embedded when it is
/// JSON, a string otherwise.
std::string embed(std::string_view body) {
  if (body.empty()) return "null";
  return json::valid(body) ? std::string(body) : json::quote(body);
}

/// `{...}` + metadata members: an object's text with members appended.
std::string with_members(std::string_view object_text, const std::string& members) {
  std::string o(object_text);
  while (!o.empty() && (o.back() == ' ' || o.back() == '\n' || o.back() == '\r')) o.pop_back();
  if (o.empty() || o.front() != '{' || o.back() != '}') o = "{}";
  o.pop_back();
  // members starts with ','; drop it after an empty object
  bool empty = o.find_first_not_of(" \n\r\t", 1) == std::string::npos;
  o += empty ? members.substr(1) : members;
  return o + "}";
}

}  // namespace

bool is_lambda_function_arn(std::string_view r) {
  // arn:<partition>:lambda:<region>:<account>:function:<name>[:qualifier]
  if (r.rfind("arn:", 0) != 0) return false;
  size_t colons = 0, pos = 0;
  std::string_view parts[6];
  size_t start = 0;
  while (colons < 6) {
    pos = r.find(':', start);
    if (pos == std::string_view::npos) return false;
    parts[colons++] = r.substr(start, pos - start);
    start = pos + 1;
  }
  return parts[2] == "lambda" && parts[5] == "function" && start < r.size();
}

std::optional<call_plan> plan_call(std::string_view resource, std::string* why) {
  auto fail = [&](std::string m) -> std::optional<call_plan> {
    if (why) *why = std::move(m);
    return std::nullopt;
  };
  call_plan p;
  if (is_lambda_function_arn(resource)) {
    p.kind = call_kind::lambda_legacy;
    p.svc = find_service("lambda");
    p.operation = "Invoke";
    p.error_prefix = "Lambda";
    p.sdk_service = "AWSLambda";
    p.function = std::string(resource);
    return p;
  }
  auto ir = interp::parse_integration(resource);
  if (!ir) return fail("not an integration");
  using pat = interp::integration_pattern;
  p.wait_for_token = ir->pattern == pat::wait_for_task_token;
  const bool sync = ir->pattern == pat::sync || ir->pattern == pat::sync2;
  const std::string& type = ir->resource_type;
  const std::string& action = ir->action;
  p.operation = operation_name(action);
  auto optimized = [&](call_kind k, const char* svc, const char* prefix, const char* sdk,
                       bool callback) -> std::optional<call_plan> {
    if (sync || (p.wait_for_token && !callback))
      return fail("the " + std::string(prefix) + " integration '" + action +
                  "' does not support this integration pattern");
    p.kind = k;
    p.svc = find_service(svc);
    p.error_prefix = prefix;
    p.sdk_service = sdk;
    return p;
  };
  if (type == "lambda") {
    if (action != "invoke") return fail("lambda supports invoke only");
    return optimized(call_kind::lambda_invoke, "lambda", "Lambda", "AWSLambda", true);
  }
  if (type == "sqs") {
    if (action != "sendMessage") return fail("sqs supports sendMessage only");
    return optimized(call_kind::sqs_send, "sqs", "SQS", "AmazonSQS", true);
  }
  if (type == "sns") {
    if (action != "publish") return fail("sns supports publish only");
    return optimized(call_kind::sns_publish, "sns", "SNS", "AmazonSNS", true);
  }
  if (type == "dynamodb") {
    if (action != "getItem" && action != "putItem" && action != "updateItem" && action != "deleteItem")
      return fail("dynamodb supports getItem, putItem, updateItem and deleteItem");
    return optimized(call_kind::dynamodb, "dynamodb", "DynamoDB", "AmazonDynamoDBv2", false);
  }
  if (type == "events") {
    if (action != "putEvents") return fail("events supports putEvents only");
    return optimized(call_kind::events_put, "eventbridge", "EventBridge", "AmazonEventBridge", true);
  }
  if (type.rfind("aws-sdk:", 0) == 0) {
    std::string name = type.substr(8);
    if (name == "sfn") return fail("aws-sdk:sfn is served by the Step Functions integration");
    const service_info* svc = find_service(name);
    if (!svc) return fail("unknown AWS service '" + name + "' in aws-sdk:" + name);
    if (sync) return fail("aws-sdk integrations do not support .sync");
    if ((svc->protocol == "query" || svc->protocol == "ec2") && !query_api_version(name).empty()) {
      if (!query_has_operation(name, p.operation))
        return fail("aws-sdk:" + name + " has no action '" + action + "'");
      p.kind = call_kind::sdk_query;
      p.svc = svc;
      return p;
    }
    if (svc->protocol == "rest-json" || svc->protocol == "rest-xml") {
      if (!rest_json_has_operation(name, p.operation))
        return fail("aws-sdk:" + name + " has no action '" + action + "'");
      p.kind = call_kind::sdk_rest_json;
      p.svc = svc;
      return p;
    }
    if (svc->protocol != "json")
      return fail("aws-sdk:" + name + " uses the " + std::string(svc->protocol) +
                  " protocol, which Statecraft does not speak");
    p.kind = call_kind::sdk_json;
    p.svc = svc;
    return p;
  }
  return fail("not an AWS integration");
}

std::optional<wire_request> build_request(const call_plan& plan, const std::string& endpoint,
                                          std::string_view parameters, std::string& error,
                                          std::string& cause) {
  json::document d;
  if (!json::parse(parameters, d)) d.SetObject();
  auto& a = d.GetAllocator();
  auto need_object = [&]() {
    if (d.IsObject()) return true;
    error = "States.Runtime";
    cause = "The parameters of '" + plan.operation + "' must be a JSON object.";
    return false;
  };
  switch (plan.kind) {
    case call_kind::lambda_legacy: {
      wire_request r;
      r.method = "POST";
      r.url = endpoint + "/2015-03-31/functions/" + uri_path_segment(plan.function) + "/invocations";
      r.headers.push_back({"Content-Type", "application/json"});
      r.headers.push_back({"X-Amz-Invocation-Type", "RequestResponse"});
      r.body = std::string(parameters);
      return r;
    }
    case call_kind::lambda_invoke: {
      if (!need_object()) return std::nullopt;
      auto fn = d.FindMember("FunctionName");
      if (fn == d.MemberEnd() || !fn->value.IsString()) {
        error = "States.Runtime";
        cause = "The field 'FunctionName' is required by lambda:invoke.";
        return std::nullopt;
      }
      wire_request r;
      r.method = "POST";
      r.url = endpoint + "/2015-03-31/functions/" + uri_path_segment(fn->value.GetString()) +
              "/invocations";
      if (auto q = d.FindMember("Qualifier"); q != d.MemberEnd() && q->value.IsString())
        r.url += "?Qualifier=" + uri_encode(q->value.GetString());
      r.headers.push_back({"Content-Type", "application/json"});
      auto hdr = [&](const char* member, const char* header) {
        if (auto m = d.FindMember(member); m != d.MemberEnd() && m->value.IsString())
          r.headers.push_back({header, m->value.GetString()});
      };
      hdr("InvocationType", "X-Amz-Invocation-Type");
      hdr("LogType", "X-Amz-Log-Type");
      hdr("ClientContext", "X-Amz-Client-Context");
      if (auto pl = d.FindMember("Payload"); pl != d.MemberEnd()) r.body = json::dump(pl->value);
      return r;
    }
    case call_kind::sqs_send: {
      if (!need_object()) return std::nullopt;
      stringify_member(d, "MessageBody", a);
      return json_request(*plan.svc, endpoint, plan.operation, json::dump(d));
    }
    case call_kind::events_put: {
      if (!need_object()) return std::nullopt;
      if (auto e = d.FindMember("Entries"); e != d.MemberEnd() && e->value.IsArray())
        for (auto& entry : e->value.GetArray()) stringify_member(entry, "Detail", a);
      return json_request(*plan.svc, endpoint, plan.operation, json::dump(d));
    }
    case call_kind::dynamodb:
      if (!need_object()) return std::nullopt;
      return json_request(*plan.svc, endpoint, plan.operation, json::dump(d));
    case call_kind::sdk_json: {
      if (!need_object()) return std::nullopt;
      std::string body = json::dump(d);
      if (plan.svc->member_case == "camel") body = recase_keys(body, true);
      return json_request(*plan.svc, endpoint, plan.operation, body);
    }
    case call_kind::sdk_rest_json: {
      if (!need_object()) return std::nullopt;
      wire_request r;
      if (!rest_json_request(plan.svc->name, plan.operation, d, endpoint, plan.svc->member_case == "camel",
                             r, cause)) {
        error = "States.Runtime";
        return std::nullopt;
      }
      return r;
    }
    case call_kind::sdk_query: {
      if (!need_object()) return std::nullopt;
      std::vector<std::pair<std::string, std::string>> params;
      std::string name(plan.svc->name);
      if (!query_params(name, plan.operation, d, params, cause)) {
        error = "States.Runtime";
        return std::nullopt;
      }
      return query_request(endpoint, plan.operation, query_api_version(name), params);
    }
    case call_kind::sns_publish: {
      if (!need_object()) return std::nullopt;
      std::vector<std::pair<std::string, std::string>> params;
      for (auto& m : d.GetObject()) {
        std::string k(m.name.GetString(), m.name.GetStringLength());
        if (k == "MessageAttributes" && m.value.IsObject()) {
          int n = 0;
          for (auto& attr : m.value.GetObject()) {
            std::string base = "MessageAttributes.entry." + std::to_string(++n);
            params.emplace_back(base + ".Name", attr.name.GetString());
            if (attr.value.IsObject())
              for (auto& f : attr.value.GetObject())
                params.emplace_back(base + ".Value." + f.name.GetString(), text_of(f.value));
          }
          continue;
        }
        params.emplace_back(k, text_of(m.value));
      }
      return query_request(endpoint, plan.operation, "2010-03-31", params);
    }
  }
  return std::nullopt;
}

call_outcome client_failure(const call_plan& plan, const std::string& message) {
  call_outcome o;
  std::string prefix = is_sdk(plan.kind) ? std::string(plan.svc->error_prefix)
                                                        : plan.error_prefix;
  o.error = prefix + ".SdkClientException";
  o.cause = "Unable to execute HTTP request: " + message;
  return o;
}

call_outcome read_response(const call_plan& plan, int status, const std::vector<http_header>& headers,
                           std::string_view body) {
  call_outcome o;
  if (status < 200 || status > 299) {
    service_error e = read_error(status, headers, body);
    o.retry = retryable(e);
    auto [name, cause] = is_sdk(plan.kind)
                             ? sdk_error(*plan.svc, e)
                             : optimized_error(plan.error_prefix, plan.sdk_service, e);
    o.error = name;
    o.cause = cause;
    return o;
  }
  switch (plan.kind) {
    case call_kind::lambda_invoke:
    case call_kind::lambda_legacy: {
      if (auto fe = find_header(headers, "X-Amz-Function-Error")) {
        // The function failed: its errorType names the error.
        o.error = "Lambda.Unknown";
        json::document d;
        if (json::parse(body, d) && d.IsObject())
          if (auto t = d.FindMember("errorType"); t != d.MemberEnd() && t->value.IsString())
            o.error = t->value.GetString();
        o.cause = std::string(body);
        return o;
      }
      if (plan.kind == call_kind::lambda_legacy) {
        o.ok = true;
        o.output = embed(body);
        return o;
      }
      std::string out = "{";
      if (auto v = find_header(headers, "X-Amz-Executed-Version"))
        out += "\"ExecutedVersion\":" + json::quote(*v) + ",";
      if (auto v = find_header(headers, "X-Amz-Log-Result"))
        out += "\"LogResult\":" + json::quote(*v) + ",";
      out += "\"Payload\":" + embed(body);
      out += sdk_metadata_members(status, headers);
      out += ",\"StatusCode\":" + std::to_string(status) + "}";
      o.ok = true;
      o.output = out;
      return o;
    }
    case call_kind::sqs_send:
    case call_kind::dynamodb: {
      o.ok = true;
      o.output = with_members(json::valid(body) ? body : "{}", sdk_metadata_members(status, headers));
      return o;
    }
    case call_kind::sns_publish: {
      std::string out = "{";
      if (auto id = xml_text(body, "MessageId")) out += "\"MessageId\":" + json::quote(*id);
      if (auto seq = xml_text(body, "SequenceNumber"))
        out += std::string(out.size() > 1 ? "," : "") + "\"SequenceNumber\":" + json::quote(*seq);
      out += "}";
      o.ok = true;
      o.output = with_members(out, sdk_metadata_members(status, headers));
      return o;
    }
    case call_kind::events_put: {
      json::document d;
      if (!json::parse(body, d) || !d.IsObject()) d.SetObject();
      auto f = d.FindMember("FailedEntryCount");
      if (f != d.MemberEnd() && f->value.IsInt() && f->value.GetInt() > 0) {
        o.error = "EventBridge.FailedEntry";
        o.cause = "Failed to put " + std::to_string(f->value.GetInt()) + " of the events: " +
                  std::string(body);
        return o;
      }
      o.ok = true;
      o.output = json::dump(d);
      return o;
    }
    case call_kind::sdk_rest_json: {
      if (!json::valid_utf8(body)) {  // a binary payload (an S3 object...): not JSON text
        o.error = "States.Runtime";
        o.cause = "The answer of " + plan.operation +
                  " is binary data, which Statecraft's aws-sdk integration cannot put in a result yet.";
        return o;
      }
      o.ok = true;
      o.output = rest_json_result(plan.svc->name, plan.operation, status, headers, body,
                                  plan.svc->member_case == "camel");
      return o;
    }
    case call_kind::sdk_query: {
      o.ok = true;
      o.output = query_result_json(plan.svc->name, plan.operation, body);
      return o;
    }
    case call_kind::sdk_json: {
      std::string b = body.empty() ? "{}" : std::string(body);
      if (!json::valid(b)) b = "{}";
      if (plan.svc->member_case == "camel") b = recase_keys(b, false);
      o.ok = true;
      o.output = b;
      return o;
    }
  }
  return o;
}

}  // namespace sc::aws
