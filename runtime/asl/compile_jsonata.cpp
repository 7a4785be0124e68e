// JSONata states for the definition compiler (see compile.hpp).
//
// A state is a JSONata state when its own QueryLanguage says so or when it
// inherits JSONata from the top level (a state may move up from JSONPath to
// JSONata, never down). Its fields are AWS's JSONata set: Arguments and
// Output instead of InputPath/Parameters/ResultSelector/ResultPath/
// OutputPath, Items instead of ItemsPath, Condition instead of Choice
// comparisons, and numbers or strings that may each be a `{% %}`
// expression instead of the *Path fields. A JSONPath-only field is reported
// as AWS reports it ("The QueryLanguage is set to 'JSONata', but field …"),
// at the state.
//
// Every `{% %}` string is compiled here, once per revision; a syntax error
// is an INVALID_JSONATA_EXPRESSION diagnostic at the field with JSONata's
// message, and reading `$states.result` / `$states.errorOutput` where the
// field cannot see them, or `$$`, is UNSUPPORTED_JSONATA_EXPRESSION.
// Which `$states` fields a field sees:
//   result       Output and Assign of Task, Parallel and Map;
//   errorOutput  Output and Assign of a Catcher.
#include <initializer_list>

#include "runtime/asl/compile.hpp"
#include "runtime/interp/integration.hpp"  // known integration resources
#include "runtime/asl/timestamp.hpp"

namespace sc::asl::detail {

namespace {

std::string_view as_view(const json::value& v) { return {v.GetString(), v.GetStringLength()}; }

field_names jsonata_fields(state_type t) {
  field_names f = {"Type", "Comment", "QueryLanguage"};
  auto add = [&](std::initializer_list<std::string_view> more) { f.insert(f.end(), more); };
  switch (t) {
    case state_type::pass: add({"Next", "End", "Output", "Assign"}); break;
    case state_type::task:
      add({"Next", "End", "Resource", "Arguments", "Output", "Assign", "TimeoutSeconds",
           "HeartbeatSeconds", "Credentials", "Retry", "Catch"});
      break;
    case state_type::choice: add({"Choices", "Default", "Output", "Assign"}); break;
    case state_type::wait: add({"Next", "End", "Seconds", "Timestamp", "Output", "Assign"}); break;
    case state_type::succeed: add({"Output"}); break;
    case state_type::fail: add({"Error", "Cause"}); break;
    case state_type::parallel:
      add({"Next", "End", "Branches", "Arguments", "Output", "Assign", "Retry", "Catch"});
      break;
    case state_type::map:
      add({"Next", "End", "Items", "ItemSelector", "ItemProcessor", "Iterator", "ItemReader",
           "ItemBatcher", "ResultWriter", "MaxConcurrency", "ToleratedFailureCount",
           "ToleratedFailurePercentage", "Label", "Output", "Assign", "Retry", "Catch"});
      break;
  }
  return f;
}

bool is_expression_string(const json::value& v) {
  return v.IsString() && eval::is_jsonata_expression(as_view(v));
}

}  // namespace

jsonata_field compiler::jsonata_value(const json::value& obj, const std::string& loc,
                                      std::string_view name, bool result, bool error_output) {
  const json::value* v = find(obj, name);
  if (!v) return nullptr;
  std::string at = field_loc(loc, name);
  // The field path in runtime messages is relative to the state
  // ("Output", "Catch[0]/Assign", "Choices[1]/Condition").
  std::string field(name);
  if (at.size() > jsonata_state_loc_.size() + 1 && at.starts_with(jsonata_state_loc_ + "/"))
    field = at.substr(jsonata_state_loc_.size() + 1);
  std::vector<eval::jsonata_problem> problems;
  auto t = eval::jsonata_template::compile(*v, at, field, {result, error_output}, problems);
  for (auto& p : problems) error(p.message, p.location, p.code == kInvalidJsonata
                                                          ? kInvalidJsonata
                                                          : "UNSUPPORTED_JSONATA_EXPRESSION");
  // Reading a name assigns nothing: only Assign makes variables exist
  // (uses_variables_), so a name read here with no Assign anywhere is
  // simply undefined (and may be a built-in's name).
  return t;
}

jsonata_field compiler::jsonata_assign_field(const json::value& obj, const std::string& loc,
                                            bool result, bool error_output) {
  const json::value* a = find(obj, "Assign");
  if (!a) return nullptr;
  std::string at = field_loc(loc, "Assign");
  if (!check_type(*a, jtype::object, at)) return nullptr;
  note_assigned(*a, at, false);
  uses_variables_ = true;
  if (a->ObjectEmpty()) return nullptr;  // assigns nothing: no assignedVariables either
  return jsonata_value(obj, loc, "Assign", result, error_output);
}

void compiler::int_or_expression(const json::value& obj, const std::string& loc,
                                 std::string_view name, int64_t min, int64_t max,
                                 std::optional<int64_t>& lit, jsonata_field& expr) {
  const json::value* v = find(obj, name);
  if (!v) return;
  if (v->IsString()) {
    if (is_expression_string(*v))
      expr = jsonata_value(obj, loc, name, false, false);
    else
      error("Expected value of type [INTEGER]", field_loc(loc, name));
    return;
  }
  lit = int_field(obj, loc, name, min, max);
}

void compiler::compile_jsonata_state(const json::value& v, const std::string& loc, state& s) {
  jsonata_state_loc_ = loc;
  check_fields(v, loc, jsonata_fields(s.type));
  if (auto c = string_field(v, loc, "Comment")) s.comment = *c;
  const bool has_result = s.type == state_type::task || s.type == state_type::parallel ||
                          s.type == state_type::map;
  if (s.type != state_type::fail) s.output = jsonata_value(v, loc, "Output", has_result, false);
  if (s.type != state_type::succeed && s.type != state_type::fail)
    s.assign_jsonata = jsonata_assign_field(v, loc, has_result, false);

  switch (s.type) {
    case state_type::pass:
    case state_type::succeed:
      break;
    case state_type::task: {
      require(v, loc, {"Resource"});
      if (auto r = string_field(v, loc, "Resource")) {
        if (r->starts_with("arn:") && r->size() > 4)
          s.resource = *r;
        else
          error("Value is not a valid resource ARN", field_loc(loc, "Resource"));
        if (auto problem = interp::resource_problem(*r); !problem.empty())
          error(problem, field_loc(loc, "Resource"));
      }
      s.arguments = jsonata_value(v, loc, "Arguments", false, false);
      s.retry = retry_field(v, loc);
      s.catchers = catch_field(v, loc);
      int_or_expression(v, loc, "TimeoutSeconds", 1, 99999999, s.timeout_seconds, s.timeout_expr);
      int_or_expression(v, loc, "HeartbeatSeconds", 1, 99999999, s.heartbeat_seconds,
                        s.heartbeat_expr);
      if (s.timeout_seconds && s.heartbeat_seconds && *s.heartbeat_seconds >= *s.timeout_seconds)
        error(
            "The value for the field 'HeartbeatSeconds' must be smaller than the value for the "
            "field 'TimeoutSeconds'",
            field_loc(loc, "HeartbeatSeconds"));
      if (const json::value* c = find(v, "Credentials")) {
        const std::string at = field_loc(loc, "Credentials");
        if (check_type(*c, jtype::object, at)) {
          const json::value* r = find(*c, "RoleArn");
          if (!r) error("The field 'RoleArn' is required but was missing", at);
          else if (is_expression_string(*r))
            s.credentials_expr = jsonata_value(v, loc, "Credentials", false, false);
          else if (check_type(*r, jtype::string, field_loc(at, "RoleArn")))
            s.credentials_role = r->GetString();
        }
      }
      break;
    }
    case state_type::choice: {
      require(v, loc, {"Choices"});
      s.default_next = target_field(v, loc, "Default");
      const json::value* choices = find(v, "Choices");
      std::string at = field_loc(loc, "Choices");
      if (choices && check_type(*choices, jtype::array, at)) {
        if (choices->Empty()) error("Value cannot be empty", at);
        for (rapidjson::SizeType i = 0; i < choices->Size(); ++i)
          s.choices.push_back(compile_jsonata_rule((*choices)[i], index_loc(loc, "Choices", i)));
      }
      break;
    }
    case state_type::wait: {
      exclusive(v, loc, {"Seconds", "Timestamp"}, true);
      std::optional<int64_t> secs;
      int_or_expression(v, loc, "Seconds", 0, 99999999, secs, s.seconds_expr);
      if (secs) s.seconds = double(*secs);
      if (const json::value* ts = find(v, "Timestamp")) {
        std::string at = field_loc(loc, "Timestamp");
        if (is_expression_string(*ts)) {
          s.timestamp_expr = jsonata_value(v, loc, "Timestamp", false, false);
        } else if (check_type(*ts, jtype::string, at)) {
          if (parse_timestamp(std::string(as_view(*ts))))
            s.timestamp = std::string(as_view(*ts));
          else
            error("String does not match RFC3339 timestamp", at);
        }
      }
      compile_transition(v, loc, s);
      break;
    }
    case state_type::fail: {
      for (const char* f : {"Error", "Cause"}) {
        const json::value* x = find(v, f);
        if (!x) continue;
        if (is_expression_string(*x)) {
          (f[0] == 'E' ? s.error_expr : s.cause_expr) = jsonata_value(v, loc, f, false, false);
        } else if (auto str = string_field(v, loc, f)) {
          (f[0] == 'E' ? s.error : s.cause) = *str;
        }
      }
      break;
    }
    case state_type::parallel: {
      require(v, loc, {"Branches"});
      s.arguments = jsonata_value(v, loc, "Arguments", false, false);
      s.retry = retry_field(v, loc);
      s.catchers = catch_field(v, loc);
      const json::value* branches = find(v, "Branches");
      std::string at = field_loc(loc, "Branches");
      if (branches && check_type(*branches, jtype::array, at)) {
        if (branches->Empty()) error("Value cannot be empty", at);
        for (rapidjson::SizeType i = 0; i < branches->Size(); ++i) {
          std::string bat = index_loc(loc, "Branches", i);
          if (check_type((*branches)[i], jtype::object, bat))
            s.branches.push_back(compile_machine((*branches)[i], bat, machine_kind::branch));
        }
      }
      jsonata_state_loc_ = loc;
      break;
    }
    case state_type::map: {
      s.retry = retry_field(v, loc);
      s.catchers = catch_field(v, loc);
      if (const json::value* items = find(v, "Items")) {
        std::string at = field_loc(loc, "Items");
        if (items->IsArray() || is_expression_string(*items))
          s.items = jsonata_value(v, loc, "Items", false, false);
        else
          error("Expected value of type [ARRAY]", at);
      }
      if (const json::value* sel = find(v, "ItemSelector"))
        if (check_type(*sel, jtype::object, field_loc(loc, "ItemSelector")) ||
            is_expression_string(*sel))
          s.item_selector = jsonata_value(v, loc, "ItemSelector", false, false);
      int_or_expression(v, loc, "MaxConcurrency", 0, INT64_MAX, s.max_concurrency,
                        s.max_concurrency_expr);
      int_or_expression(v, loc, "ToleratedFailureCount", 0, INT64_MAX, s.tolerated_failure_count,
                        s.tolerated_count_expr);
      if (const json::value* p = find(v, "ToleratedFailurePercentage")) {
        if (is_expression_string(*p))
          s.tolerated_percentage_expr =
              jsonata_value(v, loc, "ToleratedFailurePercentage", false, false);
        else
          s.tolerated_failure_percentage =
              number_field(v, loc, "ToleratedFailurePercentage", 0, 100, "0", "100");
      }
      compile_map_sources(v, loc, s);
      int processors = exclusive(v, loc, {"ItemProcessor", "Iterator"}, true);
      if (processors == 1) {
        const char* field = find(v, "ItemProcessor") ? "ItemProcessor" : "Iterator";
        std::string at = field_loc(loc, field);
        const json::value& p = *find(v, field);
        if (check_type(p, jtype::object, at)) {
          s.processor = compile_machine(p, at, machine_kind::processor);
          jsonata_state_loc_ = loc;
          if (const json::value* pc = find(p, "ProcessorConfig"); pc && pc->IsObject()) {
            auto mode = pc->FindMember("Mode");
            s.map_distributed = mode != pc->MemberEnd() && mode->value.IsString() &&
                                std::string(mode->value.GetString()) == "DISTRIBUTED";
          }
        }
      }
      break;
    }
  }
  if (s.type == state_type::pass || s.type == state_type::task ||
      s.type == state_type::parallel || s.type == state_type::map)
    compile_transition(v, loc, s);
}

choice_rule compiler::compile_jsonata_rule(const json::value& v, const std::string& loc) {
  choice_rule r;
  if (!check_type(v, jtype::object, loc)) return r;
  static const field_names allowed = {"Condition", "Next", "Comment", "Output", "Assign"};
  check_fields(v, loc, allowed);
  require(v, loc, {"Condition", "Next"});
  r.next = target_field(v, loc, "Next");
  string_field(v, loc, "Comment");
  if (const json::value* c = find(v, "Condition")) {
    if (c->IsBool() || is_expression_string(*c))
      r.condition = jsonata_value(v, loc, "Condition", false, false);
    else
      error("Expected value of type [BOOLEAN]", field_loc(loc, "Condition"));
  }
  r.output = jsonata_value(v, loc, "Output", false, false);
  r.assign_jsonata = jsonata_assign_field(v, loc, false, false);
  return r;
}

}  // namespace sc::asl::detail
