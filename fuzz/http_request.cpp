// Fuzz target: the HTTP front end up to the actions, without sockets or a
// node. Bytes are what a client sends on one keep-alive connection:
//
//  * Beast's http::request_parser, set up as api/http_server.cpp sets it up
//    (body limit, 16 KiB header limit), fed from the buffer as
//    http::async_read feeds it; pipelined requests are read one after the
//    other until the bytes run out or a request is malformed (the server
//    then answers 400/413 and closes);
//  * the dispatch of api/service.cpp: POST only, X-Amz-Target looked up in
//    api/actions.def, a blank body read as {}, the body parsed as a JSON
//    object;
//  * the action's request members read with api/wire.hpp's `members`
//    (type and length checks throw aws_error as in the actions), and the
//    values checked as the actions check them before they touch the node:
//    ARNs (model::parse_arn), names (model::check_name), page tokens
//    (decode_page_token), task tokens, execution inputs and task outputs
//    (json::parse), definitions (asl::parse); bodies are read with
//    json::parse_untrusted, as api/service.cpp reads them;
//  * the answer: an error body or a response written with `out`, which
//    must be valid JSON.
//
// The action table below mirrors the member reads of api/actions/*.cpp (the
// actions themselves need a node); keep it in step when an action reads a
// new member.
#include "api/wire.hpp"
#include "fuzz/common.hpp"
#include "runtime/asl/parse.hpp"
#include "runtime/model/arn.hpp"
#include "runtime/model/task_token.hpp"

// Boost 1.74's asio/awaitable.hpp uses std::exchange without <utility>.
#include <utility>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <string>
#include <unordered_map>
#include <vector>

namespace {

using namespace sc;
namespace beast = boost::beast;
namespace http = beast::http;

constexpr size_t body_limit = 1 << 20;  // server_options::max_request_bytes
constexpr size_t header_limit = 16 * 1024;
constexpr int max_pipelined = 4;

enum class kind { str, required_str, integer, boolean, object, array };
enum class check {
  none, sm_arn, exec_arn, activity_arn, resource_arn, name, json, definition, task_token,
  role_arn, page_sm, page_act, page_exec, page_hist, tags, tag_keys, logging, tracing,
  qualified_sm_arn, page_smv, page_sma, routing
};

struct rule {
  const char* member;
  kind k;
  size_t min = 0, max = SIZE_MAX;
  check c = check::none;
};

using action = std::vector<rule>;

const std::unordered_map<std::string, action>& actions() {
  using k = kind;
  using c = check;
  static const rule max_results{"maxResults", k::integer};
  static const std::unordered_map<std::string, action> table = {
      {"CreateStateMachine",
       {{"name", k::required_str, 1, 80, c::name},
        {"definition", k::required_str, 1, 1048576, c::definition},
        {"roleArn", k::required_str, 1, 256, c::role_arn},
        {"type", k::str},
        {"tags", k::array, 0, SIZE_MAX, c::tags},
        {"loggingConfiguration", k::object, 0, SIZE_MAX, c::logging},
        {"tracingConfiguration", k::object, 0, SIZE_MAX, c::tracing},
        {"publish", k::boolean},
        {"versionDescription", k::str, 0, 256}}},
      {"DescribeStateMachine",
       {{"stateMachineArn", k::required_str, 1, 256, c::qualified_sm_arn},
        {"includedData", k::str}}},
      {"UpdateStateMachine",
       {{"stateMachineArn", k::required_str, 1, 256, c::sm_arn},
        {"definition", k::str, 1, 1048576, c::definition},
        {"roleArn", k::str, 1, 256, c::role_arn},
        {"loggingConfiguration", k::object, 0, SIZE_MAX, c::logging},
        {"tracingConfiguration", k::object, 0, SIZE_MAX, c::tracing},
        {"publish", k::boolean},
        {"versionDescription", k::str, 0, 256}}},
      {"DeleteStateMachine", {{"stateMachineArn", k::required_str, 1, 256, c::sm_arn}}},
      {"ListStateMachines", {max_results, {"nextToken", k::str, 1, 1024, c::page_sm}}},
      {"DescribeStateMachineForExecution",
       {{"executionArn", k::required_str, 1, 256, c::exec_arn}, {"includedData", k::str}}},
      {"ValidateStateMachineDefinition",
       {{"definition", k::required_str, 1, 1048576, c::definition},
        {"type", k::str},
        {"severity", k::str},
        max_results}},
      {"PublishStateMachineVersion",
       {{"stateMachineArn", k::required_str, 1, 256, c::sm_arn},
        {"revisionId", k::str},
        {"description", k::str, 0, 256}}},
      {"ListStateMachineVersions",
       {{"stateMachineArn", k::required_str, 1, 256, c::sm_arn},
        max_results,
        {"nextToken", k::str, 1, 1024, c::page_smv}}},
      {"DeleteStateMachineVersion",
       {{"stateMachineVersionArn", k::required_str, 1, 2000, c::qualified_sm_arn}}},
      {"CreateStateMachineAlias",
       {{"description", k::str, 0, 256},
        {"name", k::required_str, 1, 80},
        {"routingConfiguration", k::array, 0, SIZE_MAX, c::routing}}},
      {"DescribeStateMachineAlias",
       {{"stateMachineAliasArn", k::required_str, 1, 256, c::qualified_sm_arn}}},
      {"UpdateStateMachineAlias",
       {{"stateMachineAliasArn", k::required_str, 1, 256, c::qualified_sm_arn},
        {"description", k::str, 0, 256},
        {"routingConfiguration", k::array, 0, SIZE_MAX, c::routing}}},
      {"DeleteStateMachineAlias",
       {{"stateMachineAliasArn", k::required_str, 1, 256, c::qualified_sm_arn}}},
      {"ListStateMachineAliases",
       {{"stateMachineArn", k::required_str, 1, 256, c::qualified_sm_arn},
        max_results,
        {"nextToken", k::str, 1, 1024, c::page_sma}}},
      {"CreateActivity",
       {{"name", k::required_str, 1, 80, c::name}, {"tags", k::array, 0, SIZE_MAX, c::tags}}},
      {"DescribeActivity", {{"activityArn", k::required_str, 1, 256, c::activity_arn}}},
      {"DeleteActivity", {{"activityArn", k::required_str, 1, 256, c::activity_arn}}},
      {"ListActivities", {max_results, {"nextToken", k::str, 1, 1024, c::page_act}}},
      {"StartExecution",
       {{"stateMachineArn", k::required_str, 1, 256, c::qualified_sm_arn},
        {"name", k::str, 1, 80, c::name},
        {"input", k::str, 0, 262144, c::json},
        {"traceHeader", k::str, 0, 256},
        {"includedData", k::str}}},
      {"StartSyncExecution",
       {{"stateMachineArn", k::required_str, 1, 256, c::qualified_sm_arn},
        {"name", k::str, 1, 80, c::name},
        {"input", k::str, 0, 262144, c::json},
        {"traceHeader", k::str, 0, 256},
        {"includedData", k::str}}},
      {"StopExecution",
       {{"executionArn", k::required_str, 1, 256, c::exec_arn},
        {"error", k::str, 0, 256},
        {"cause", k::str, 0, 32768}}},
      {"DescribeExecution",
       {{"executionArn", k::required_str, 1, 256, c::exec_arn}, {"includedData", k::str}}},
      {"ListExecutions",
       {{"stateMachineArn", k::str, 1, 256, c::qualified_sm_arn},
        {"statusFilter", k::str},
        {"mapRunArn", k::str, 1, 2000},
        {"redriveFilter", k::str},
        max_results,
        {"nextToken", k::str, 1, 3096, c::page_exec}}},
      {"GetExecutionHistory",
       {{"executionArn", k::required_str, 1, 256, c::exec_arn},
        max_results,
        {"reverseOrder", k::boolean},
        {"includeExecutionData", k::boolean},
        {"nextToken", k::str, 1, 1024, c::page_hist}}},
      {"GetActivityTask",
       {{"activityArn", k::required_str, 1, 256, c::activity_arn},
        {"workerName", k::str, 1, 80}}},
      {"SendTaskSuccess",
       {{"taskToken", k::required_str, 1, 2048, c::task_token},
        {"output", k::required_str, 0, 262144, c::json}}},
      {"SendTaskFailure",
       {{"taskToken", k::required_str, 1, 2048, c::task_token},
        {"error", k::str, 0, 256},
        {"cause", k::str, 0, 32768}}},
      {"SendTaskHeartbeat", {{"taskToken", k::required_str, 1, 2048, c::task_token}}},
      {"TagResource",
       {{"tags", k::array, 0, SIZE_MAX, c::tags},
        {"resourceArn", k::required_str, 1, 256, c::resource_arn}}},
      {"UntagResource",
       {{"tagKeys", k::array, 0, SIZE_MAX, c::tag_keys},
        {"resourceArn", k::required_str, 1, 256, c::resource_arn}}},
      {"ListTagsForResource", {{"resourceArn", k::required_str, 1, 256, c::resource_arn}}},
  };
  return table;
}

void require_arn(const std::string& text, model::arn_kind want) {
  auto a = model::parse_arn(text);
  if (!a || a->kind != want) throw api::aws_error("InvalidArn", "Invalid Arn: '" + text + "'");
}

void check_value(const rule& r, const api::members& m) {
  switch (r.c) {
    case check::none: return;
    case check::sm_arn:
      if (auto s = m.str(r.member)) require_arn(*s, model::arn_kind::state_machine);
      return;
    case check::exec_arn:
      if (auto s = m.str(r.member)) require_arn(*s, model::arn_kind::execution);
      return;
    case check::activity_arn:
      if (auto s = m.str(r.member)) require_arn(*s, model::arn_kind::activity);
      return;
    case check::resource_arn:
      if (auto s = m.str(r.member)) {
        auto a = model::parse_arn(*s);
        if (!a || (a->kind != model::arn_kind::state_machine && a->kind != model::arn_kind::activity))
          throw api::aws_error("InvalidArn", "Invalid Arn: '" + *s + "'");
        (void)model::parse_arn(model::state_machine_arn(a->region, a->account, a->machine));
      }
      return;
    case check::role_arn:
      if (auto s = m.str(r.member); s && s->rfind("arn:", 0) != 0)
        throw api::aws_error("InvalidArn", "Invalid Arn: '" + *s + "'");
      return;
    case check::name:
      if (auto s = m.str(r.member)) {
        auto msg = model::check_name(*s);
        if (!msg.empty()) throw api::aws_error("InvalidName", msg);
      }
      return;
    case check::json:
      if (auto s = m.str(r.member)) {
        std::string err;
        json::document d;
        if (!json::parse(*s, d, &err)) throw api::aws_error("InvalidExecutionInput", err);
      }
      return;
    case check::definition:
      if (auto s = m.str(r.member)) {
        auto parsed = asl::parse(*s);
        if (!parsed.def)
          throw api::aws_error("InvalidDefinition", asl::format_diagnostics(parsed.diagnostics));
      }
      return;
    case check::task_token:
      if (auto s = m.str(r.member)) {
        static const model::token_codec codec("fuzz-secret");
        if (auto t = codec.decode(*s)) (void)model::parse_arn(t->execution_arn);
        else throw api::aws_error("InvalidToken", "Invalid Token: '" + *s + "'");
      }
      return;
    case check::qualified_sm_arn:
      // api/actions/versions.cpp parse_machine_ref: an optional qualifier.
      if (auto s = m.str(r.member)) {
        size_t colons = 0;
        for (char ch : *s) colons += ch == ':';
        std::string base = colons == 7 ? s->substr(0, s->rfind(':')) : *s;
        if (colons == 7 && base.size() + 1 == s->size())
          throw api::aws_error("InvalidArn", "Invalid Arn: '" + *s + "'");
        require_arn(base, model::arn_kind::state_machine);
      }
      return;
    case check::routing:
      // api/actions/aliases.cpp read_routes: item shapes and ranges.
      if (auto* arr = m.array(r.member))
        for (auto& item : arr->GetArray()) {
          if (!item.IsObject())
            throw api::aws_error("SerializationException", "Unexpected value in routingConfiguration");
          api::members im(item);
          im.str("stateMachineVersionArn");
          im.integer("weight");
        }
      return;
    case check::page_sm:
    case check::page_act:
    case check::page_exec:
    case check::page_hist:
    case check::page_smv:
    case check::page_sma:
      if (auto s = m.str(r.member)) {
        const char* kind = r.c == check::page_sm     ? "sm"
                           : r.c == check::page_act  ? "act"
                           : r.c == check::page_exec ? "exec"
                           : r.c == check::page_smv  ? "smv"
                           : r.c == check::page_sma  ? "sma"
                                                     : "hist";
        static const model::token_codec codec("fuzz-secret");
        (void)api::decode_page_token(codec, kind, *s);
      }
      return;
    case check::tags:
      if (auto* arr = m.array(r.member))
        for (auto& t : arr->GetArray()) {
          if (!t.IsObject()) throw api::aws_error("SerializationException", "Expected a tag object");
          api::members tm(t);
          auto key = tm.str("key", 1, 128).value_or("");
          tm.str("value", 0, 256);
          if (key.empty()) api::validation_error("null", "tags.member.key", "Member must not be null");
        }
      return;
    case check::tag_keys: {
      auto* keys = m.array(r.member);
      if (!keys) api::missing_member(r.member);
      for (auto& k : keys->GetArray())
        if (!k.IsString()) throw api::aws_error("SerializationException", "Expected a string tag key");
      return;
    }
    case check::logging:
      if (auto* lc = m.object(r.member)) {
        api::members lm(*lc);
        auto level = lm.str("level").value_or("OFF");
        lm.boolean("includeExecutionData");
        auto* dests = lm.array("destinations");
        api::out o;
        o.str("level", level);
        if (dests) o.raw("destinations", json::dump(*dests));
        SC_FUZZ_CHECK(json::valid(o.done()), "logging configuration text");
      }
      return;
    case check::tracing:
      if (auto* tc = m.object(r.member)) api::members(*tc).boolean("enabled");
      return;
  }
}

/// As the actions do: every member read (type and length) first, then the
/// values checked.
void read_members(const action& a, const api::members& m) {
  for (const auto& r : a) {
    switch (r.k) {
      case kind::str: m.str(r.member, r.min, r.max); break;
      case kind::required_str: m.required_str(r.member, r.min, r.max); break;
      case kind::integer: m.integer(r.member); break;
      case kind::boolean: m.boolean(r.member); break;
      case kind::object: m.object(r.member); break;
      case kind::array: m.array(r.member); break;
    }
  }
  for (const auto& r : a) check_value(r, m);
}

/// service::handle up to the action; the answer's body.
std::string dispatch(const std::string& method, const std::string& target, std::string_view body) {
  auto error = [](const std::string& type, const std::string& message) {
    return api::out()
        .str("__type", "com.amazonaws.swf.service.v2.model#" + type)
        .str("message", message)
        .done();
  };
  if (method != "POST") return error("UnknownOperationException", "Only POST requests are served");
  static const std::string prefix = "AWSStepFunctions.";
  const auto& table = actions();
  auto it = target.rfind(prefix, 0) == 0 ? table.find(target.substr(prefix.size())) : table.end();
  if (it == table.end())
    return error("UnknownOperationException", "Unknown operation: '" + target + "'");
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) body = "{}";
  json::document doc;
  std::string perr;
  if (!json::parse_untrusted(body, doc, &perr))
    return error("SerializationException", "Malformed JSON request body: " + perr);
  if (!doc.IsObject()) return error("SerializationException", "The request body must be a JSON object");
  try {
    read_members(it->second, api::members(doc));
  } catch (const api::aws_error& e) {
    SC_FUZZ_CHECK(!e.type.empty(), "aws_error has a type");
    return error(e.type, e.what());
  }
  return "{}";
}

/// One request read as http::async_read reads it; false when the
/// connection would be closed after it (malformed, or no more bytes).
bool one_request(std::string_view& bytes) {
  http::request_parser<http::string_body> parser;
  parser.body_limit(body_limit);
  parser.header_limit(header_limit);
  beast::error_code ec;
  while (!parser.is_done()) {
    size_t used = 0;
    if (!bytes.empty()) {
      used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
      bytes.remove_prefix(used);
      if (ec == http::error::need_more) ec = {};
      if (ec) break;
    }
    if (used == 0) {
      // The parser wants more than is left: the client closed its end.
      // Between requests that is a clean end of the connection; inside
      // one, Beast decides (put_eof), as http::async_read does.
      if (!parser.got_some()) return false;
      parser.put_eof(ec);
      break;
    }
  }
  if (ec || !parser.is_done()) {
    // The server answers 400/413 with the parser's message and closes.
    std::string answer = api::out().str("message", "Malformed HTTP request: " + ec.message()).done();
    SC_FUZZ_CHECK(json::valid(answer), "HTTP error body");
    return false;
  }
  auto& msg = parser.get();
  const bool keep_alive = msg.keep_alive();
  std::string method(msg.method_string());
  std::string target(msg["X-Amz-Target"]);
  (void)std::string(msg.target());
  (void)std::string(msg[http::field::host]);
  (void)std::string(msg[http::field::content_type]);
  std::string answer = dispatch(method, target, msg.body());
  SC_FUZZ_CHECK(json::valid(answer), "response body is JSON");
  return keep_alive && !bytes.empty();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (int i = 0; i < max_pipelined && one_request(bytes); ++i) {
  }
  return 0;
}
