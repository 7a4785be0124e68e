// Machines and states for the definition compiler (see compile.hpp).
//
// A machine (the top level, a Parallel branch, a Map ItemProcessor/Iterator)
// is compiled state by state; nested machines get their dense ids in
// depth-first pre-order as they are met. After its states, a machine is
// linked: transition targets become indices, and AWS's graph checks run:
//   * a Next / Default / Choices[i].Next / Catch[i].Next / StartAt naming no
//     state of the same machine: MISSING_TRANSITION_TARGET
//     "Missing 'Next' target: X" (AWS says 'Next' for all of them);
//   * a machine without any terminal state (End, Succeed or Fail):
//     MISSING_END_STATE "Workflow has no terminal state", located at the
//     machine (none for the top level, "at null"; /States/P/Branches[0] or
//     /States/M/ItemProcessor for nested ones); it suppresses the next check
//     for that machine. A branch or iteration that can never end could only
//     loop until the execution hit its history limit;
//   * a state that is neither StartAt nor the target of another state:
//     MISSING_TRANSITION_TARGET `State "X" is not reachable.` AWS judges this
//     by incoming transitions, not by a walk from StartAt: with a dangling
//     StartAt it reports only the states nothing points to.
//
// Map DISTRIBUTED mode: Label, ItemBatcher, ItemReader and ResultWriter are
// validated in compile_map.cpp.
#include <algorithm>
#include <initializer_list>

#include "runtime/asl/compile.hpp"
#include "runtime/interp/integration.hpp"  // known integration resources
#include "runtime/asl/timestamp.hpp"

namespace sc::asl::detail {
namespace {

std::string_view as_view(const json::value& v) { return {v.GetString(), v.GetStringLength()}; }

std::optional<state_type> parse_type(std::string_view t) {
  if (t == "Pass") return state_type::pass;
  if (t == "Task") return state_type::task;
  if (t == "Choice") return state_type::choice;
  if (t == "Wait") return state_type::wait;
  if (t == "Succeed") return state_type::succeed;
  if (t == "Fail") return state_type::fail;
  if (t == "Parallel") return state_type::parallel;
  if (t == "Map") return state_type::map;
  return std::nullopt;
}

// The fields each state type accepts: Type, Comment and QueryLanguage
// everywhere; InputPath and OutputPath everywhere but Fail; Next and End on
// the non-terminal types; then each type's own.
field_names make_fields(std::initializer_list<std::string_view> own, bool io, bool transition) {
  field_names f = {"Type", "Comment", "QueryLanguage"};
  if (io) f.insert(f.end(), {"InputPath", "OutputPath"});
  if (transition) f.insert(f.end(), {"Next", "End"});
  f.insert(f.end(), own);
  return f;
}

const field_names& allowed_fields(state_type t) {
  static const field_names pass = make_fields({"ResultPath", "Parameters", "Result", "Assign"}, true, true);
  static const field_names task = make_fields(
      {"ResultPath", "Parameters", "ResultSelector", "Resource", "Credentials", "Retry", "Catch", "Assign",
       "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath"},
      true, true);
  static const field_names choice = make_fields({"Choices", "Default", "Assign"}, true, false);
  static const field_names wait =
      make_fields({"Seconds", "Timestamp", "SecondsPath", "TimestampPath", "Assign"}, true, true);
  static const field_names succeed = make_fields({}, true, false);
  static const field_names fail =
      make_fields({"Error", "Cause", "ErrorPath", "CausePath"}, false, false);
  static const field_names parallel = make_fields(
      {"ResultPath", "Parameters", "ResultSelector", "Retry", "Catch", "Branches", "Assign"}, true, true);
  static const field_names map = make_fields(
      {"ResultPath", "Parameters", "ResultSelector", "Retry", "Catch", "Assign", "ItemProcessor", "Iterator",
       "ItemsPath", "ItemSelector", "ItemReader", "ItemBatcher", "ResultWriter", "MaxConcurrency",
       "MaxConcurrencyPath", "ToleratedFailurePercentage", "ToleratedFailurePercentagePath",
       "ToleratedFailureCount", "ToleratedFailureCountPath", "Label"},
      true, true);
  switch (t) {
    case state_type::pass: return pass;
    case state_type::task: return task;
    case state_type::choice: return choice;
    case state_type::wait: return wait;
    case state_type::succeed: return succeed;
    case state_type::fail: return fail;
    case state_type::parallel: return parallel;
    case state_type::map: return map;
  }
  return pass;
}

constexpr size_t kMaxStateNameLength = 80;

// Number of Unicode code points in UTF-8 text.
size_t code_points(std::string_view s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

}  // namespace

compiler::compiler() { root_path_ = eval::path::compile("$"); }

// ---- the definition and its machines ---------------------------------------

std::string compiler::pick_query_language(const json::value& obj, const std::string& loc) {
  const std::string inherited = machine_jsonata_ ? "JSONata" : "JSONPath";
  const json::value* v = find(obj, "QueryLanguage");
  if (!v) return inherited;
  std::string at = field_loc(loc, "QueryLanguage");
  if (!check_type(*v, jtype::string, at)) return inherited;
  std::string_view ql = as_view(*v);
  if (ql == "JSONata") return "JSONata";
  if (ql == "JSONPath") {
    // A state may move up to JSONata in a JSONPath machine, never down.
    if (machine_jsonata_ && loc != "/") {
      error("'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
            loc);
      return "JSONata";
    }
    return "JSONPath";
  }
  error("Value should be one of the following: [JSONPath, JSONata]", at);
  return inherited;
}

std::shared_ptr<definition> compiler::compile(const json::value& root) {
  static const field_names top = {"Comment", "StartAt",        "States",
                                  "Version", "TimeoutSeconds", "QueryLanguage"};
  check_fields(root, "/", top);
  machine_jsonata_ = pick_query_language(root, "/") == "JSONata";
  if (auto v = string_field(root, "/", "Version"); v && *v != "1.0")
    error("Value should be one of the following: [1.0]", "/Version");

  std::optional<int64_t> timeout = int_field(root, "/", "TimeoutSeconds", 1, INT64_MAX);

  auto def = std::make_shared<definition>();
  std::shared_ptr<machine> m = compile_machine(root, "", machine_kind::root);
  m->timeout_seconds = timeout;
  check_scopes();
  def->root = m;
  def->machines.assign(machines_.begin(), machines_.end());
  def->uses_variables = uses_variables_;
  def->uses_jsonata = uses_jsonata_;
  return def;
}

std::shared_ptr<machine> compiler::compile_machine(const json::value& obj, const std::string& loc,
                                                   machine_kind kind) {
  auto m = std::make_shared<machine>();
  m->id = static_cast<int>(machines_.size());
  machines_.push_back(m.get());
  machine_parent_.push_back(machine_stack_.empty() ? -1 : machine_stack_.back());
  assigned_.emplace_back();
  machine_stack_.push_back(m->id);
  struct pop {
    std::vector<int>& stack;
    ~pop() { stack.pop_back(); }
  } popper{machine_stack_};
  const std::string at = loc.empty() ? "/" : loc;

  if (kind != machine_kind::root) {
    static const field_names branch = {"StartAt", "States", "Comment"};
    static const field_names processor = {"StartAt", "States", "Comment", "ProcessorConfig"};
    check_fields(obj, at, kind == machine_kind::branch ? branch : processor);
    if (kind == machine_kind::processor) {
      compile_processor_config(obj, at);
      const json::value* pc = find(obj, "ProcessorConfig");
      if (pc && pc->IsObject()) {
        auto mode = pc->FindMember("Mode");
        auto type = pc->FindMember("ExecutionType");
        if (mode != pc->MemberEnd() && mode->value.IsString() &&
            std::string_view(mode->value.GetString()) == "DISTRIBUTED") {
          m->express = type != pc->MemberEnd() && type->value.IsString() &&
                       std::string_view(type->value.GetString()) == "EXPRESS";
          m->text = json::dump(obj);
        }
      }
    }
  }
  require(obj, at, {"States", "StartAt"});
  if (auto c = string_field(obj, at, "Comment")) m->comment = *c;
  m->start_at = target_field(obj, at, "StartAt");

  const json::value* states = find(obj, "States");
  std::string states_loc = field_loc(loc, "States");
  if (states && check_type(*states, jtype::object, states_loc)) {
    if (states->ObjectEmpty()) error("Value cannot be empty", states_loc);
    m->states.reserve(states->MemberCount());
    for (auto it = states->MemberBegin(); it != states->MemberEnd(); ++it) {
      std::string name(as_view(it->name));
      std::string state_loc = states_loc + "/" + name;
      if (!names_.insert(name).second)
        error("Duplicate State name: " + name, state_loc, kDuplicateStateName);
      size_t length = code_points(name);
      if (length == 0 || length > kMaxStateNameLength)
        error("State name must be between 1 and 80 characters long", state_loc, kInvalidStateName);
      state s;
      s.name = name;
      s.index = static_cast<int>(m->states.size());
      compile_state(it->value, state_loc, s);
      m->by_name.emplace(name, s.index);  // the first of duplicates wins
      m->states.push_back(std::move(s));
    }
  }
  link(*m, loc);
  return m;
}

void compiler::compile_processor_config(const json::value& obj, const std::string& loc) {
  const json::value* pc = find(obj, "ProcessorConfig");
  std::string at = field_loc(loc, "ProcessorConfig");
  if (!pc || !check_type(*pc, jtype::object, at)) return;
  check_fields(*pc, at, {"Mode", "ExecutionType"});
  std::string mode = "INLINE";
  if (auto m = string_field(*pc, at, "Mode")) {
    if (*m == "INLINE" || *m == "DISTRIBUTED")
      mode = *m;
    else
      error("Value should be one of the following: [INLINE, DISTRIBUTED]", field_loc(at, "Mode"));
  }
  if (auto e = string_field(*pc, at, "ExecutionType")) {
    if (mode == "INLINE")
      error("Field 'ExecutionType' is not supported", at);
    else if (*e != "STANDARD" && *e != "EXPRESS")
      error("Value should be one of the following: [STANDARD, EXPRESS]",
            field_loc(at, "ExecutionType"));
  } else if (mode == "DISTRIBUTED" && !find(*pc, "ExecutionType")) {
    error("These fields are required: [ExecutionType]", at);
  }
}

void compiler::link(machine& m, const std::string& loc) {
  auto resolve = [&](const std::string& target, const std::string& at) {
    if (target.empty()) return -1;  // absent, empty or mistyped: reported already
    auto it = m.by_name.find(target);
    if (it != m.by_name.end()) return it->second;
    transition_error("Missing 'Next' target: " + target, at);
    return -1;
  };

  m.start_index = resolve(m.start_at, field_loc(loc, "StartAt"));
  std::vector<bool> targeted(m.states.size(), false);
  if (m.start_index >= 0) targeted[m.start_index] = true;
  auto mark = [&](const state& from, int to) {
    if (to >= 0 && to != from.index) targeted[to] = true;
  };

  std::string states_loc = field_loc(loc, "States");
  bool has_terminal = false;
  for (state& s : m.states) {
    std::string at = states_loc + "/" + s.name;
    s.next_index = resolve(s.next, at + "/Next");
    mark(s, s.next_index);
    s.default_index = resolve(s.default_next, at + "/Default");
    mark(s, s.default_index);
    for (size_t i = 0; i < s.choices.size(); ++i) {
      s.choices[i].next_index =
          resolve(s.choices[i].next, at + "/Choices[" + std::to_string(i) + "]/Next");
      mark(s, s.choices[i].next_index);
    }
    for (size_t i = 0; i < s.catchers.size(); ++i) {
      s.catchers[i].next_index =
          resolve(s.catchers[i].next, at + "/Catch[" + std::to_string(i) + "]/Next");
      mark(s, s.catchers[i].next_index);
    }
    if (s.end || s.type == state_type::succeed || s.type == state_type::fail) has_terminal = true;
  }

  if (m.states.empty()) return;
  if (!has_terminal) {
    transition_error("Workflow has no terminal state", loc, kMissingEndState);
    return;
  }
  if (m.start_at.empty()) return;  // no StartAt to judge reachability by
  for (const state& s : m.states)
    if (!targeted[s.index] && m.by_name.at(s.name) == s.index)  // duplicates: reported already
      transition_error("State \"" + s.name + "\" is not reachable.", states_loc + "/" + s.name);
}

// ---- states -------------------------------------------------------------------

// For a state too broken to compile (no valid Type, or JSONata), keep its
// transitions so that the graph checks do not report spurious problems.
void compiler::collect_targets_loosely(const json::value& obj, state& s) {
  auto str = [](const json::value* v) {
    return v && v->IsString() ? std::string(as_view(*v)) : std::string();
  };
  s.next = str(find(obj, "Next"));
  s.default_next = str(find(obj, "Default"));
  const json::value* end = find(obj, "End");
  s.end = end && end->IsBool() && end->GetBool();
  if (const json::value* type = find(obj, "Type"); type && type->IsString())
    if (auto t = parse_type(as_view(*type))) s.type = *t;
  if (const json::value* choices = find(obj, "Choices"); choices && choices->IsArray())
    for (const auto& c : choices->GetArray()) {
      choice_rule r;
      r.next = str(find(c, "Next"));
      s.choices.push_back(std::move(r));
    }
  if (const json::value* catches = find(obj, "Catch"); catches && catches->IsArray())
    for (const auto& c : catches->GetArray()) {
      catcher k;
      k.next = str(find(c, "Next"));
      s.catchers.push_back(std::move(k));
    }
}

void compiler::compile_state(const json::value& v, const std::string& loc, state& s) {
  if (!check_type(v, jtype::object, loc)) return;
  const json::value* type = find(v, "Type");
  if (!type) {
    error("These fields are required: [Type]", loc);
    collect_targets_loosely(v, s);
    return;
  }
  std::string type_loc = field_loc(loc, "Type");
  std::optional<state_type> t;
  if (check_type(*type, jtype::string, type_loc)) {
    t = parse_type(as_view(*type));
    if (!t)
      error(
          "The field 'Type' should have one of these values: "
          "[Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]",
          type_loc);
  }
  if (!t) {
    collect_targets_loosely(v, s);
    return;
  }
  s.type = *t;
  // Nested machines (Parallel branches, Map processors) compile their own
  // states in between: restore the flag for this state's remaining fields.
  struct restore {
    bool& flag;
    bool saved;
    ~restore() { flag = saved; }
  } keep{current_jsonata_, current_jsonata_};
  if (pick_query_language(v, loc) == "JSONata") {
    current_jsonata_ = true;
    uses_jsonata_ = true;
    s.jsonata = true;
    compile_jsonata_state(v, loc, s);
    return;
  }
  current_jsonata_ = false;

  check_fields(v, loc, allowed_fields(s.type));
  if (auto c = string_field(v, loc, "Comment")) s.comment = *c;
  if (s.type != state_type::fail) {
    s.input_path = io_path(v, loc, "InputPath", false);
    s.output_path = io_path(v, loc, "OutputPath", false);
  }

  switch (s.type) {
    case state_type::pass: compile_pass(v, loc, s); break;
    case state_type::task: compile_task(v, loc, s); break;
    case state_type::choice: compile_choice_state(v, loc, s); break;
    case state_type::wait: compile_wait(v, loc, s); break;
    case state_type::succeed: break;
    case state_type::fail: compile_fail(v, loc, s); break;
    case state_type::parallel: compile_parallel(v, loc, s); break;
    case state_type::map: compile_map(v, loc, s); break;
  }
  if (s.type != state_type::succeed && s.type != state_type::fail) s.assign = assign_field(v, loc);
  if (s.type != state_type::choice && s.type != state_type::succeed && s.type != state_type::fail)
    compile_transition(v, loc, s);
}

void compiler::compile_transition(const json::value& obj, const std::string& loc, state& s) {
  s.next = target_field(obj, loc, "Next");
  if (auto e = bool_field(obj, loc, "End")) s.end = *e;
  bool has_next = find(obj, "Next") != nullptr;
  if (has_next && s.end)
    error("There should only be one of the following fields: [Next, End]", loc);
  else if (!has_next && !s.end)
    error("This object should have only one of the following fields: [Next, End]", loc);
}

void compiler::compile_pass(const json::value& obj, const std::string& loc, state& s) {
  s.result_path = io_path(obj, loc, "ResultPath", true);
  s.parameters = payload(obj, loc, "Parameters");
  if (const json::value* r = find(obj, "Result")) {
    auto doc = std::make_shared<json::document>();
    doc->CopyFrom(*r, doc->GetAllocator());
    s.result = std::move(doc);
  }
}

void compiler::compile_task(const json::value& obj, const std::string& loc, state& s) {
  require(obj, loc, {"Resource"});
  if (auto r = string_field(obj, loc, "Resource")) {
    // Any ARN-shaped string: activities, Lambda functions, service
    // integrations (with .sync / .waitForTaskToken); unknown services are
    // judged when the task runs, not here.
    if (r->starts_with("arn:") && r->size() > 4)
      s.resource = *r;
    else
      error("Value is not a valid resource ARN", field_loc(loc, "Resource"));
    if (auto problem = interp::resource_problem(*r); !problem.empty())
      error(problem, field_loc(loc, "Resource"));
  }
  s.result_path = io_path(obj, loc, "ResultPath", true);
  s.parameters = payload(obj, loc, "Parameters");
  s.result_selector = payload(obj, loc, "ResultSelector");
  s.retry = retry_field(obj, loc);
  s.catchers = catch_field(obj, loc);

  exclusive(obj, loc, {"TimeoutSeconds", "TimeoutSecondsPath"}, false);
  exclusive(obj, loc, {"HeartbeatSeconds", "HeartbeatSecondsPath"}, false);
  s.timeout_seconds = int_field(obj, loc, "TimeoutSeconds", 1, 99999999);
  s.timeout_seconds_path = path_value(obj, loc, "TimeoutSecondsPath", true);
  s.heartbeat_seconds = int_field(obj, loc, "HeartbeatSeconds", 1, 99999999);
  s.heartbeat_seconds_path = path_value(obj, loc, "HeartbeatSecondsPath", true);
  if (s.timeout_seconds && s.heartbeat_seconds && *s.heartbeat_seconds >= *s.timeout_seconds)
    error(
        "The value for the field 'HeartbeatSeconds' must be smaller than the value for the "
        "field 'TimeoutSeconds'",
        field_loc(loc, "HeartbeatSeconds"));

  // Credentials: the role a Task's AWS call assumes (aws.assume_role,
  // docs/aws-integrations.md).
  if (const json::value* c = find(obj, "Credentials")) {
    std::string at = field_loc(loc, "Credentials");
    if (check_type(*c, jtype::object, at) && !find(*c, "RoleArn") && !find(*c, "RoleArn.$"))
      error("The field 'RoleArn' is required but was missing", at);
    if (c->IsObject()) {
      if (const json::value* r = find(*c, "RoleArn"); r && check_type(*r, jtype::string, field_loc(at, "RoleArn")))
        s.credentials_role = r->GetString();
      s.credentials_role_path = path_value(*c, at, "RoleArn.$", false);
    }
  }
}

void compiler::compile_choice_state(const json::value& obj, const std::string& loc, state& s) {
  require(obj, loc, {"Choices"});
  s.default_next = target_field(obj, loc, "Default");
  const json::value* choices = find(obj, "Choices");
  std::string at = field_loc(loc, "Choices");
  if (!choices || !check_type(*choices, jtype::array, at)) return;
  if (choices->Empty()) error("Value cannot be empty", at);
  for (rapidjson::SizeType i = 0; i < choices->Size(); ++i)
    s.choices.push_back(compile_rule((*choices)[i], index_loc(loc, "Choices", i), true));
}

void compiler::compile_wait(const json::value& obj, const std::string& loc, state& s) {
  exclusive(obj, loc, {"SecondsPath", "Seconds", "TimestampPath", "Timestamp"}, true);
  if (auto n = int_field(obj, loc, "Seconds", 0, 99999999)) s.seconds = double(*n);
  if (auto t = string_field(obj, loc, "Timestamp")) {
    if (parse_timestamp(*t))
      s.timestamp = *t;
    else
      error("String does not match RFC3339 timestamp", field_loc(loc, "Timestamp"));
  }
  s.seconds_path = path_value(obj, loc, "SecondsPath", true);
  s.timestamp_path = path_value(obj, loc, "TimestampPath", true);
}

void compiler::compile_fail(const json::value& obj, const std::string& loc, state& s) {
  exclusive(obj, loc, {"Error", "ErrorPath"}, false);
  exclusive(obj, loc, {"Cause", "CausePath"}, false);
  s.error = string_field(obj, loc, "Error");
  s.cause = string_field(obj, loc, "Cause");
  s.error_path = path_or_intrinsic(obj, loc, "ErrorPath");
  s.cause_path = path_or_intrinsic(obj, loc, "CausePath");
}

void compiler::compile_parallel(const json::value& obj, const std::string& loc, state& s) {
  require(obj, loc, {"Branches"});
  s.result_path = io_path(obj, loc, "ResultPath", true);
  s.parameters = payload(obj, loc, "Parameters");
  s.result_selector = payload(obj, loc, "ResultSelector");
  s.retry = retry_field(obj, loc);
  s.catchers = catch_field(obj, loc);
  const json::value* branches = find(obj, "Branches");
  std::string at = field_loc(loc, "Branches");
  if (!branches || !check_type(*branches, jtype::array, at)) return;
  if (branches->Empty()) error("Value cannot be empty", at);
  for (rapidjson::SizeType i = 0; i < branches->Size(); ++i) {
    std::string bat = index_loc(loc, "Branches", i);
    if (check_type((*branches)[i], jtype::object, bat))
      s.branches.push_back(compile_machine((*branches)[i], bat, machine_kind::branch));
  }
}

void compiler::compile_map(const json::value& obj, const std::string& loc, state& s) {
  s.result_path = io_path(obj, loc, "ResultPath", true);
  s.result_selector = payload(obj, loc, "ResultSelector");
  s.retry = retry_field(obj, loc);
  s.catchers = catch_field(obj, loc);

  // ItemsPath: a Reference Path, `$` by default (null is not meaningful).
  if (const json::value* ip = find(obj, "ItemsPath"))
    s.items_path.path = compile_path(*ip, field_loc(loc, "ItemsPath"), "ItemsPath", true);
  else
    s.items_path.path = root_path_;

  // ItemSelector, or the legacy Parameters with the same meaning.
  if (exclusive(obj, loc, {"ItemSelector", "Parameters"}, false) <= 1) {
    if (find(obj, "Parameters")) {
      s.parameters = payload(obj, loc, "Parameters");
      s.item_selector_legacy = true;
    } else {
      s.parameters = payload(obj, loc, "ItemSelector");
    }
  }

  exclusive(obj, loc, {"MaxConcurrency", "MaxConcurrencyPath"}, false);
  s.max_concurrency = int_field(obj, loc, "MaxConcurrency", 0, INT64_MAX);
  s.max_concurrency_path = path_value(obj, loc, "MaxConcurrencyPath", true);
  exclusive(obj, loc, {"ToleratedFailureCount", "ToleratedFailureCountPath"}, false);
  s.tolerated_failure_count = int_field(obj, loc, "ToleratedFailureCount", 0, INT64_MAX);
  s.tolerated_failure_count_path = path_value(obj, loc, "ToleratedFailureCountPath", true);
  exclusive(obj, loc, {"ToleratedFailurePercentage", "ToleratedFailurePercentagePath"}, false);
  s.tolerated_failure_percentage =
      number_field(obj, loc, "ToleratedFailurePercentage", 0, 100, "0", "100");
  s.tolerated_failure_percentage_path =
      path_value(obj, loc, "ToleratedFailurePercentagePath", true);
  compile_map_sources(obj, loc, s);

  int processors = exclusive(obj, loc, {"ItemProcessor", "Iterator"}, true);
  if (processors != 1) return;
  const char* field = find(obj, "ItemProcessor") ? "ItemProcessor" : "Iterator";
  std::string at = field_loc(loc, field);
  const json::value& p = *find(obj, field);
  if (check_type(p, jtype::object, at)) {
    s.processor = compile_machine(p, at, machine_kind::processor);
    // DISTRIBUTED: iterations run as child workflows; the parent's history
    // shows MapRunStarted/MapRunSucceeded instead of per-iteration events.
    if (const json::value* pc = find(p, "ProcessorConfig"); pc && pc->IsObject()) {
      auto mode = pc->FindMember("Mode");
      s.map_distributed = mode != pc->MemberEnd() && mode->value.IsString() &&
                          std::string(mode->value.GetString()) == "DISTRIBUTED";
    }
  }
}

}  // namespace sc::asl::detail
