// TestState: the request's checks, the definition to test, and the answer's
// JSON. The step itself is test_state_exec.cpp.
//
// A single state is tested as the only real state of a machine built
// around it (machine_around): its name is `stateName` (or "StateName"), and
// every state it names as Next, Default or a catcher's Next is a
// placeholder Succeed state, so AWS's own validation of the state applies
// and the answer's nextState is the name the state gave. A whole machine is validated as
// CreateStateMachine would, then `stateName` is looked up in it (top level,
// branches, item processors).
#include "runtime/interp/test_state.hpp"

#include "runtime/aws/calls.hpp"

#include "runtime/asl/parse.hpp"
#include "runtime/interp/integration.hpp"
#include "runtime/interp/test_state_detail.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>
#include <set>

namespace sc::interp {

namespace {

constexpr const char* default_state_name = "StateName";

test_result refused(std::string type, std::string message) {
  test_result r;
  r.refusal = test_refusal{std::move(type), std::move(message)};
  return r;
}

const char* type_name(asl::state_type t) { return asl::to_string(t); }

/// The state names a single state's definition transitions to.
void targets(const json::value& st, std::set<std::string>& out) {
  auto add = [&](const json::value& obj, const char* key) {
    auto it = obj.FindMember(key);
    if (it != obj.MemberEnd() && it->value.IsString()) out.insert(it->value.GetString());
  };
  add(st, "Next");
  add(st, "Default");
  for (const char* list : {"Choices", "Catch"}) {
    auto it = st.FindMember(list);
    if (it == st.MemberEnd() || !it->value.IsArray()) continue;
    for (auto& rule : it->value.GetArray())
      if (rule.IsObject()) add(rule, "Next");
  }
}

/// The machine around a single state: an entry Choice leading to the state
/// (and to a Succeed state, so that the machine has a terminal state even
/// when the tested state loops to itself), the state, and a Succeed state
/// per target it names. No state is unreachable.
constexpr const char* entry_name = "TestState:entry";
constexpr const char* exit_name = "TestState:exit";

std::string machine_around(const json::value& st, const std::string& name) {
  std::set<std::string> names;
  targets(st, names);
  const std::string succeed = ":{\"Type\":\"Succeed\"}";
  std::string text = "{\"StartAt\":" + json::quote(entry_name) + ",\"States\":{" +
                     json::quote(entry_name) +
                     ":{\"Type\":\"Choice\",\"Choices\":[{\"Variable\":\"$\",\"IsPresent\":true,"
                     "\"Next\":" + json::quote(name) + "}],\"Default\":" + json::quote(exit_name) +
                     "}," + json::quote(exit_name) + succeed + "," + json::quote(name) + ":" +
                     json::dump(st);
  for (const auto& n : names)
    if (n != name && n != entry_name && n != exit_name) text += "," + json::quote(n) + succeed;
  return text + "}}";
}

bool role_arn_ok(const std::string& arn) {
  // arn:partition:iam::account:role/name
  if (arn.rfind("arn:", 0) != 0) return false;
  size_t colons = 0;
  for (char ch : arn) colons += ch == ':';
  return colons >= 5;
}

/// Whether `name` is a state of one of the machines nested in `st`.
bool nested_state(const asl::state& st, const std::string& name) {
  std::vector<const asl::machine*> todo;
  if (st.processor) todo.push_back(st.processor.get());
  for (auto& b : st.branches) todo.push_back(b.get());
  while (!todo.empty()) {
    const asl::machine* m = todo.back();
    todo.pop_back();
    if (m->find(name)) return true;
    for (auto& s : m->states) {
      if (s.processor) todo.push_back(s.processor.get());
      for (auto& b : s.branches) todo.push_back(b.get());
    }
  }
  return false;
}

bool is_activity(const std::string& resource) {
  return resource.rfind("arn:aws:states:", 0) == 0 &&
         resource.find(":activity:") != std::string::npos;
}

}  // namespace

test_result test_state(const test_request& req) {
  std::string err;
  // The mock and the options that go with it.
  if (req.mock) {
    const auto& m = *req.mock;
    if ((m.result.has_value()) == m.error_output)
      return refused("ValidationException",
                     "A test mock should have only one of the following fields: [result, errorOutput].");
    if (req.reveal_secrets)
      return refused("ValidationException",
                     "TestState does not support RevealSecrets when a mock is specified.");
    json::document d;
    if (m.result && !json::parse(*m.result, d, &err))
      return refused("ValidationException", "Mocked result must be valid JSON: " + err);
  }
  if (!req.role_arn.empty() && !role_arn_ok(req.role_arn))
    return refused("InvalidArn", "Invalid Arn: '" + req.role_arn + "'");
  json::document input;
  if (!json::parse(req.input, input, &err))
    return refused("InvalidExecutionInput", "Invalid State Machine Execution Input: '" + err + "'");
  test_request run = req;
  run.input = json::dump(input);
  if (req.variables) {
    json::document vars;
    if (!json::parse(*req.variables, vars, &err))
      return refused("ValidationException", "The variables are not valid JSON: " + err);
    if (!vars.IsObject())
      return refused("ValidationException", "The variables must be a JSON object.");
    run.variables = json::dump(vars);
    if (*run.variables == "{}") run.variables.reset();
  }
  json::document context;
  if (req.context) {
    if (!req.mock)
      return refused("ValidationException",
                     "The context field may only be specified together with a mock.");
    if (!json::parse(*req.context, context, &err) || !context.IsObject())
      return refused("ValidationException", "The context must be a JSON object.");
  } else {
    context.SetObject();
  }
  if (req.role_arn.empty()) {
    // No role: $$.Execution.RoleArn is null (as AWS answers), unless the
    // request's context says otherwise.
    auto& a = context.GetAllocator();
    auto exec = context.FindMember("Execution");
    if (exec == context.MemberEnd()) {
      context.AddMember("Execution", json::value(rapidjson::kObjectType), a);
      exec = context.FindMember("Execution");
    }
    if (exec->value.IsObject() && !exec->value.HasMember("RoleArn"))
      exec->value.AddMember("RoleArn", json::value(), a);
  }
  if (req.map_item_reader_data) {
    json::document d;
    if (!json::parse(*req.map_item_reader_data, d, &err) || !d.IsArray())
      return refused("ValidationException",
                     "stateConfiguration.mapItemReaderData must be a JSON array.");
  }

  // The definition: one state, or a whole machine and the state's name.
  json::document doc;
  bool parsed_json = json::parse(req.definition, doc);
  bool whole = parsed_json && doc.IsObject() &&
               (doc.HasMember("States") || doc.HasMember("StartAt"));
  std::string name = req.state_name.value_or(default_state_name);
  asl::parse_result parsed;
  if (whole) {
    if (!req.state_name)
      return refused("ValidationException",
                     "A stateName is required when the definition is a state machine.");
    parsed = asl::parse(req.definition);
  } else if (parsed_json && doc.IsObject()) {
    parsed = asl::parse(machine_around(doc, name));
  } else {
    parsed = asl::parse(req.definition);
    if (parsed.def)  // valid JSON but not an object
      return refused("InvalidDefinition",
                     "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The state "
                     "definition must be a JSON object'");
  }
  if (!parsed.def)
    return refused("InvalidDefinition", asl::format_diagnostics(parsed.diagnostics));
  int machine = -1, index = -1;
  for (const asl::machine* m : parsed.def->machines) {
    if (const asl::state* s = m->find(name)) {
      machine = m->id;
      index = s->index;
      break;
    }
  }
  if (machine < 0) return refused("ValidationException", "State not found in definition");
  const asl::state& st = parsed.def->machines[machine]->states[index];

  // What each state type accepts.
  using asl::state_type;
  bool mockable =
      st.type == state_type::task || st.type == state_type::parallel || st.type == state_type::map;
  if (req.mock && !mockable)
    return refused("ValidationException", std::string("State type '") + type_name(st.type) +
                                              "' is not supported when a mock is specified");
  if (!req.mock && (st.type == state_type::parallel || st.type == state_type::map))
    return refused("InvalidDefinition",
                   "TestState API does not support Map or Parallel states. Supported state types "
                   "include: [Task, Wait, Pass, Succeed, Fail, Choice]");
  if (!req.mock && st.type == state_type::task) {
    if (req.role_arn.empty())
      return refused("ValidationException", "RoleArn must be specified when testing a Task state");
    if (is_activity(st.resource))
      return refused("ValidationException",
                     "TestState supports an Activity task only when a mock is specified.");
    if (auto ir = parse_integration(st.resource);
        req.can_call && ir && integration_supported(*ir) &&
        ir->pattern == integration_pattern::request_response &&
        // Step Functions' own resources (through the node's API) and AWS
        // services (through the node's AWS client); HTTP Tasks need a mock.
        (ir->resource_type == "states" || ir->resource_type == "aws-sdk:sfn" ||
         aws::plan_call(st.resource))) {
      test_result r;
      r.call_resource = st.resource;
      return r;
    }
    return refused("ValidationException",
                   "Statecraft does not call the resource '" + st.resource +
                       "' in TestState: test this Task state with a mock of its result or error.");
  }
  if (req.mock && req.mock->result && st.type == state_type::task) {
    json::document result;
    json::parse(*req.mock->result, result);
    auto problem = detail::check_mock_shape(st.resource, result, req.mock->field_validation);
    if (!problem.empty()) return refused("ValidationException", problem);
  }
  if (req.error_caused_by_state) {
    if (st.type != state_type::map && st.type != state_type::parallel)
      return refused("ValidationException",
                     "stateConfiguration.errorCausedByState applies only to a Map or Parallel "
                     "state.");
    if (!nested_state(st, *req.error_caused_by_state))
      return refused("ValidationException", "The state '" + *req.error_caused_by_state +
                                                "' given as errorCausedByState is not a state "
                                                "of the Map or Parallel state.");
    if (!(req.mock && req.mock->error_output))
      return refused("ValidationException",
                     "stateConfiguration.errorCausedByState requires a mocked errorOutput.");
  }

  // stateConfiguration.retrierRetryCount is also the state's
  // $$.State.RetryCount, unless the request's context says otherwise.
  if (req.retrier_retry_count) {
    auto& a = context.GetAllocator();
    auto state = context.FindMember("State");
    if (state == context.MemberEnd()) {
      context.AddMember("State", json::value(rapidjson::kObjectType), a);
      state = context.FindMember("State");
    }
    if (state->value.IsObject() && !state->value.HasMember("RetryCount"))
      state->value.AddMember("RetryCount", json::value(*req.retrier_retry_count), a);
  }
  // A callback Task reads its task token from $$.Task.Token: one is made up
  // unless the request's context gives it.
  if (st.type == state_type::task && st.resource.ends_with(".waitForTaskToken")) {
    auto& a = context.GetAllocator();
    auto task = context.FindMember("Task");
    if (task == context.MemberEnd()) {
      context.AddMember("Task", json::value(rapidjson::kObjectType), a);
      task = context.FindMember("Task");
    }
    if (task->value.IsObject() && !task->value.HasMember("Token")) {
      char token[33];
      std::snprintf(token, sizeof token, "%016llx%016llx",
                    static_cast<unsigned long long>(req.seed * 0x9E3779B97F4A7C15ull),
                    static_cast<unsigned long long>(req.now_ms ^ 0x5DEECE66Dull));
      task->value.AddMember("Token", json::value(token, a), a);
    }
  }

  // A copy that lets the request's variables and context be read.
  asl::definition def = *parsed.def;
  def.uses_variables = true;
  def.uses_context = true;
  test_result out;
  detail::run_test_state(def, machine, index, run,
                         context.ObjectEmpty() ? nullptr : &context, out);
  return out;
}

std::string to_json(const test_result& r) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto str = [&](const char* k, const std::optional<std::string>& v) {
    if (!v) return;
    w.Key(k);
    w.String(v->data(), static_cast<rapidjson::SizeType>(v->size()));
  };
  auto num = [&](const char* k, const std::optional<int64_t>& v) {
    if (!v) return;
    w.Key(k);
    w.Int64(*v);
  };
  w.StartObject();
  str("output", r.output);
  str("error", r.error);
  str("cause", r.cause);
  if (r.inspection) {
    const auto& i = *r.inspection;
    w.Key("inspectionData");
    w.StartObject();
    str("input", i.input);
    str("afterArguments", i.after_arguments);
    str("afterInputPath", i.after_input_path);
    str("afterParameters", i.after_parameters);
    str("result", i.result);
    str("afterResultSelector", i.after_result_selector);
    str("afterResultPath", i.after_result_path);
    str("variables", i.variables);
    if (i.catch_index || i.retry_index || i.retry_backoff_seconds) {
      w.Key("errorDetails");
      w.StartObject();
      num("catchIndex", i.catch_index);
      num("retryIndex", i.retry_index);
      num("retryBackoffIntervalSeconds", i.retry_backoff_seconds);
      w.EndObject();
    }
    str("afterItemsPath", i.after_items_path);
    str("afterItemSelector", i.after_item_selector);
    str("afterItemBatcher", i.after_item_batcher);
    str("afterItemsPointer", i.after_items_pointer);
    num("toleratedFailureCount", i.tolerated_failure_count);
    if (i.tolerated_failure_percentage) {
      w.Key("toleratedFailurePercentage");
      w.Double(*i.tolerated_failure_percentage);
    }
    num("maxConcurrency", i.max_concurrency);
    w.EndObject();
  }
  str("nextState", r.next_state);
  w.Key("status");
  w.String(r.status.c_str());
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace sc::interp
