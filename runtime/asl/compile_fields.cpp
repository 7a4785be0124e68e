// Typed field readers for the definition compiler (see compile.hpp): type
// and range checks with AWS's wording, JSONPath and payload-template
// compilation, and the Retry / Catch arrays shared by Task, Parallel and Map.
//
// Message wordings follow what AWS returns from CreateStateMachine /
// ValidateStateMachineDefinition ("Expected value of type [STRING]",
// "These fields are required: [...]", "Field 'X' is not supported",
// "Value cannot be empty", "Minimum value is 0",
// "States.ALL must appear alone and at end of list", ...).
#include <algorithm>
#include <cmath>

#include "runtime/asl/compile.hpp"

namespace sc::asl::detail {
namespace {

const char* type_label(jtype t) {
  switch (t) {
    case jtype::string: return "STRING";
    case jtype::integer: return "INTEGER";
    case jtype::number: return "NUMBER";
    case jtype::boolean: return "BOOLEAN";
    case jtype::object: return "OBJECT";
    case jtype::array: return "ARRAY";
  }
  return "UNKNOWN";
}

bool has_type(const json::value& v, jtype t) {
  switch (t) {
    case jtype::string: return v.IsString();
    case jtype::integer: return v.IsInt64() || v.IsUint64();
    case jtype::number: return v.IsNumber();
    case jtype::boolean: return v.IsBool();
    case jtype::object: return v.IsObject();
    case jtype::array: return v.IsArray();
  }
  return false;
}

std::string join(const field_names& names) {
  std::string out = "[";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += ", ";
    out += names[i];
  }
  return out + "]";
}

std::string_view as_view(const json::value& v) { return {v.GetString(), v.GetStringLength()}; }

// Fields that only exist in JSONata states (rejected on JSONPath ones with
// AWS's QueryLanguage message) and the workflow-variables field.
bool jsonata_only(std::string_view f) {
  return f == "Output" || f == "Arguments" || f == "Items" || f == "Condition";
}

// Fields that only exist in JSONPath states (rejected on JSONata ones).
bool jsonpath_only(std::string_view f) {
  static const std::string_view fields[] = {
      "InputPath", "OutputPath", "ResultPath", "ResultSelector", "Parameters", "Result",
      "ItemsPath", "MaxConcurrencyPath", "SecondsPath", "TimestampPath", "ErrorPath", "CausePath",
      "TimeoutSecondsPath", "HeartbeatSecondsPath", "ToleratedFailureCountPath",
      "ToleratedFailurePercentagePath", "MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath",
      "MaxItemsPath", "Variable", "And", "Or", "Not"};
  if (std::find(std::begin(fields), std::end(fields), f) != std::end(fields)) return true;
  // Choice comparison operators (StringEquals, NumericLessThanPath, IsNull, …).
  static const std::string_view prefixes[] = {"String", "Numeric", "Boolean", "Timestamp", "Is"};
  for (auto p : prefixes)
    if (f.starts_with(p) && f.size() > p.size() && f[p.size()] >= 'A' && f[p.size()] <= 'Z')
      return true;
  return false;
}

// Error names a Retrier / Catcher may name with the reserved `States.` prefix.
bool known_states_error(std::string_view e) {
  static const std::string_view known[] = {
      "States.ALL",
      "States.BranchFailed",
      "States.DataLimitExceeded",
      "States.ExceedToleratedFailureThreshold",
      "States.HeartbeatTimeout",
      "States.Http.Socket",
      "States.IntrinsicFailure",
      "States.ItemReaderFailed",
      "States.NoChoiceMatched",
      "States.ParameterPathFailure",
      "States.Permissions",
      "States.QueryEvaluationError",
      "States.ResultPathMatchFailure",
      "States.ResultWriterFailed",
      "States.Runtime",
      "States.TaskFailed",
      "States.Timeout",
  };
  if (std::find(std::begin(known), std::end(known), e) != std::end(known)) return true;
  // HTTP Task failures: States.Http.StatusCode.404 and friends.
  return e.starts_with("States.Http.StatusCode.");
}

// Intrinsics AWS allows in Fail ErrorPath / CausePath (they return strings).
bool fail_path_intrinsic(std::string_view fn) {
  static const std::string_view allowed[] = {
      "States.Format",       "States.JsonToString", "States.ArrayGetItem", "States.Base64Encode",
      "States.Base64Decode", "States.Hash",         "States.UUID",
  };
  return std::find(std::begin(allowed), std::end(allowed), fn) != std::end(allowed);
}

}  // namespace

// ---- workflow variables -------------------------------------------------------

std::string compiler::variable_name_problem(std::string_view name) {
  // Provisional rules (refined from AWS's recorded messages): a letter or
  // underscore, then letters, digits and underscores; `states` is reserved.
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  bool ok = !name.empty() && letter(name[0]) && name.size() <= 80;
  for (char c : name) ok = ok && (letter(c) || digit(c));
  if (!ok) return "The variable name '" + std::string(name) + "' is not valid";
  if (name == "states")
    return "The variable name 'states' is reserved";
  return {};
}

// ---- reporting --------------------------------------------------------------

void compiler::error(std::string message, std::string location, const char* code) {
  schema_.push_back({code, std::move(message), std::move(location)});
}

void compiler::transition_error(std::string message, std::string location, const char* code) {
  transitions_.push_back({code, std::move(message), std::move(location)});
}

std::vector<diagnostic> compiler::diagnostics() const {
  std::vector<diagnostic> all = schema_;
  all.insert(all.end(), transitions_.begin(), transitions_.end());
  return all;
}

// ---- basic access -----------------------------------------------------------

const json::value* compiler::find(const json::value& obj, std::string_view name) {
  if (!obj.IsObject()) return nullptr;
  for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it)
    if (as_view(it->name) == name) return &it->value;
  return nullptr;
}

std::string compiler::field_loc(const std::string& loc, std::string_view name) {
  std::string out = loc == "/" ? std::string() : loc;
  out += '/';
  out += name;
  return out;
}

std::string compiler::index_loc(const std::string& loc, std::string_view name, size_t i) {
  return field_loc(loc, name) + "[" + std::to_string(i) + "]";
}

bool compiler::check_type(const json::value& v, jtype t, const std::string& loc) {
  if (has_type(v, t)) return true;
  error(std::string("Expected value of type [") + type_label(t) + "]", loc);
  return false;
}

void compiler::check_fields(const json::value& obj, const std::string& loc,
                            const field_names& allowed) {
  for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
    std::string_view f = as_view(it->name);
    if (std::find(allowed.begin(), allowed.end(), f) != allowed.end()) continue;
    if (!current_jsonata_ && jsonata_only(f)) {
      error("The QueryLanguage is set to 'JSONPath', but field '" + std::string(f) +
                "' is only supported for the 'JSONata' QueryLanguage",
            loc);
    } else if (current_jsonata_ && jsonpath_only(f)) {
      error("The QueryLanguage is set to 'JSONata', but field '" + std::string(f) +
                "' is only supported for the 'JSONPath' QueryLanguage",
            loc);
    } else {
      error("Field '" + std::string(f) + "' is not supported", loc);
    }
  }
}

bool compiler::require(const json::value& obj, const std::string& loc, const field_names& names) {
  field_names missing;
  for (auto n : names)
    if (!find(obj, n)) missing.push_back(n);
  if (missing.empty()) return true;
  error("These fields are required: " + join(missing), loc);
  return false;
}

int compiler::exclusive(const json::value& obj, const std::string& loc, const field_names& names,
                        bool required) {
  int present = 0;
  for (auto n : names)
    if (find(obj, n)) ++present;
  if (present > 1)
    error("There should only be one of the following fields: " + join(names), loc);
  else if (present == 0 && required)
    error("This object should have only one of the following fields: " + join(names), loc);
  return present;
}

// ---- scalars ----------------------------------------------------------------

std::optional<std::string> compiler::string_field(const json::value& obj, const std::string& loc,
                                                  std::string_view name) {
  const json::value* v = find(obj, name);
  if (!v || !check_type(*v, jtype::string, field_loc(loc, name))) return std::nullopt;
  return std::string(as_view(*v));
}

std::string compiler::target_field(const json::value& obj, const std::string& loc,
                                   std::string_view name) {
  auto s = string_field(obj, loc, name);
  if (s && s->empty()) transition_error("Missing 'Next' target: ", field_loc(loc, name));
  return s.value_or("");
}

std::optional<bool> compiler::bool_field(const json::value& obj, const std::string& loc,
                                         std::string_view name) {
  const json::value* v = find(obj, name);
  if (!v || !check_type(*v, jtype::boolean, field_loc(loc, name))) return std::nullopt;
  return v->GetBool();
}

std::optional<int64_t> compiler::int_field(const json::value& obj, const std::string& loc,
                                           std::string_view name, int64_t min, int64_t max) {
  const json::value* v = find(obj, name);
  if (!v) return std::nullopt;
  std::string at = field_loc(loc, name);
  if (!check_type(*v, jtype::integer, at)) return std::nullopt;
  // Beyond int64 only as a huge positive number: saturate.
  int64_t n = v->IsInt64() ? v->GetInt64() : INT64_MAX;
  if (n < min) {
    error("Minimum value is " + std::to_string(min), at);
    return std::nullopt;
  }
  if (n > max) {
    error("Maximum value is " + std::to_string(max), at);
    return std::nullopt;
  }
  return n;
}

std::optional<double> compiler::number_field(const json::value& obj, const std::string& loc,
                                             std::string_view name, double min, double max,
                                             const char* min_text, const char* max_text) {
  const json::value* v = find(obj, name);
  if (!v) return std::nullopt;
  std::string at = field_loc(loc, name);
  if (!check_type(*v, jtype::number, at)) return std::nullopt;
  double d = v->GetDouble();
  if (d < min) {
    error(std::string("Minimum value is ") + min_text, at);
    return std::nullopt;
  }
  if (d > max) {
    error(std::string("Maximum value is ") + max_text, at);
    return std::nullopt;
  }
  return d;
}

// ---- paths ------------------------------------------------------------------

std::optional<eval::path> compiler::compile_path(const json::value& v, const std::string& loc,
                                                 std::string_view name, bool reference) {
  if (!check_type(v, jtype::string, loc)) return std::nullopt;
  std::string_view text = as_view(v);
  std::string why;
  std::optional<eval::path> p = eval::path::compile(text, &why);
  if (!p) {
    if (!reference)
      error("The value for the field '" + std::string(name) + "' must be a valid JSONPath", loc);
    else if (!text.starts_with("$"))
      error("Value is not a Reference Path: Reference path didn't start with '$'", loc);
    else
      error("Value is not a Reference Path: " + (why.empty() ? "invalid JSONPath" : why), loc);
    return std::nullopt;
  }
  if (reference && !p->is_reference()) {
    error(
        "Value is not a Reference Path: only a single node may be selected (no wildcards, "
        "filters, slices, unions or recursive descent)",
        loc);
    return std::nullopt;
  }
  return p;
}

std::optional<eval::path> compiler::path_value(const json::value& obj, const std::string& loc,
                                               std::string_view name, bool reference) {
  const json::value* v = find(obj, name);
  if (!v) return std::nullopt;
  return compile_path(*v, field_loc(loc, name), name, reference);
}

path_field compiler::io_path(const json::value& obj, const std::string& loc, std::string_view name,
                             bool reference) {
  path_field out;
  const json::value* v = find(obj, name);
  if (!v) {
    out.path = root_path_;
    return out;
  }
  if (v->IsNull()) {
    out.is_null = true;
    return out;
  }
  std::string at = field_loc(loc, name);
  out.path = compile_path(*v, at, name, reference);
  if (out.path && reference && name == "ResultPath" && out.path->is_context()) {
    error("Value is not a Reference Path: the context object ($$) cannot be written", at);
    out.path.reset();
  }
  return out;
}

std::shared_ptr<const eval::payload_template> compiler::payload(const json::value& obj,
                                                                const std::string& loc,
                                                                std::string_view name) {
  const json::value* v = find(obj, name);
  if (!v) return nullptr;
  std::string at = field_loc(loc, name);
  if (!check_type(*v, jtype::object, at)) return nullptr;
  std::vector<std::string> problems;
  auto compiled = eval::payload_template::compile(*v, at, problems);
  // Each problem reads "<location>/<field>: <message>".
  for (const std::string& line : problems) {
    size_t colon = line.starts_with(at) ? line.find(": ", at.size()) : std::string::npos;
    if (colon == std::string::npos)
      error(line, at);
    else
      error(line.substr(colon + 2), line.substr(0, colon));
  }
  if (!problems.empty()) return nullptr;
  if (!compiled) error("The value for the field '" + std::string(name) + "' is not valid", at);
  return compiled;
}

std::shared_ptr<const eval::payload_template> compiler::assign_field(const json::value& obj,
                                                                     const std::string& loc) {
  const json::value* v = find(obj, "Assign");
  if (!v) return nullptr;
  std::string at = field_loc(loc, "Assign");
  if (!check_type(*v, jtype::object, at)) return nullptr;
  uses_variables_ = true;
  size_t before = schema_.size();
  note_assigned(*v, at, true);
  if (v->ObjectEmpty()) return nullptr;  // assigns nothing: no assignedVariables either
  auto compiled = payload(obj, loc, "Assign");
  return schema_.size() == before ? compiled : nullptr;
}

void compiler::note_assigned(const json::value& assign, const std::string& at, bool json_path) {
  for (auto it = assign.MemberBegin(); it != assign.MemberEnd(); ++it) {
    std::string_view key = as_view(it->name);
    std::string_view name =
        json_path && key.ends_with(".$") ? key.substr(0, key.size() - 2) : key;
    if (std::string why = variable_name_problem(name); !why.empty()) {
      error(why, field_loc(at, key));
      continue;
    }
    if (!machine_stack_.empty())
      assigned_[machine_stack_.back()].emplace_back(std::string(name), field_loc(at, key));
  }
}

void compiler::check_scopes() {
  for (size_t m = 0; m < assigned_.size(); ++m) {
    for (const auto& [name, at] : assigned_[m]) {
      for (int p = machine_parent_[m]; p >= 0; p = machine_parent_[p]) {
        bool outer = false;
        for (const auto& other : assigned_[p]) outer = outer || other.first == name;
        if (!outer) continue;
        error("The variable '" + name +
                  "' is assigned in an enclosing scope; a Parallel branch or Map iteration "
                  "cannot assign it",
              at);
        break;
      }
    }
  }
}

std::optional<std::string> compiler::path_or_intrinsic(const json::value& obj,
                                                       const std::string& loc,
                                                       std::string_view name) {
  const json::value* v = find(obj, name);
  if (!v) return std::nullopt;
  std::string at = field_loc(loc, name);
  if (!check_type(*v, jtype::string, at)) return std::nullopt;
  std::string_view text = as_view(*v);
  if (text.starts_with("States.")) {
    if (!eval::check_intrinsic(text).empty()) {
      error("The value for the field '" + std::string(name) +
                "' must be a valid JSONPath or a valid intrinsic function call",
            at);
      return std::nullopt;
    }
    std::string_view fn = text.substr(0, text.find('('));
    while (!fn.empty() && fn.back() == ' ') fn.remove_suffix(1);
    if (!fail_path_intrinsic(fn)) {
      error("The intrinsic function " + std::string(fn) + " is not allowed in '" +
                std::string(name) +
                "': use States.Format, States.JsonToString, States.ArrayGetItem, "
                "States.Base64Encode, States.Base64Decode, States.Hash or States.UUID",
            at);
      return std::nullopt;
    }
    return std::string(text);
  }
  if (!compile_path(*v, at, name, true)) return std::nullopt;
  return std::string(text);
}

// ---- Retry / Catch ----------------------------------------------------------

void compiler::compile_error_equals(const json::value& entry, const std::string& loc, bool last,
                                    std::vector<std::string>& out) {
  const json::value* v = find(entry, "ErrorEquals");
  if (!v) return;  // reported by require()
  std::string at = field_loc(loc, "ErrorEquals");
  if (!check_type(*v, jtype::array, at)) return;
  if (v->Empty()) {
    error("Value cannot be empty", at);
    return;
  }
  bool all = false;
  for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
    const json::value& e = (*v)[i];
    std::string eat = at + "[" + std::to_string(i) + "]";
    if (!check_type(e, jtype::string, eat)) continue;
    std::string_view name = as_view(e);
    if (name == "States.ALL") all = true;
    if (name.starts_with("States.") && !known_states_error(name))
      error("The error name '" + std::string(name) +
                "' uses the reserved 'States.' prefix but is not a predefined error name",
            eat);
    out.emplace_back(name);
  }
  if (all && (v->Size() > 1 || !last)) error("States.ALL must appear alone and at end of list", at);
}

std::vector<retrier> compiler::retry_field(const json::value& obj, const std::string& loc) {
  std::vector<retrier> out;
  const json::value* v = find(obj, "Retry");
  if (!v) return out;
  if (!check_type(*v, jtype::array, field_loc(loc, "Retry"))) return out;
  static const field_names allowed = {"ErrorEquals", "IntervalSeconds", "MaxAttempts",
                                      "BackoffRate", "MaxDelaySeconds", "JitterStrategy",
                                      "Comment"};
  for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
    const json::value& e = (*v)[i];
    std::string at = index_loc(loc, "Retry", i);
    if (!check_type(e, jtype::object, at)) continue;
    check_fields(e, at, allowed);
    require(e, at, {"ErrorEquals"});
    retrier r;
    compile_error_equals(e, at, i + 1 == v->Size(), r.error_equals);
    if (auto n = int_field(e, at, "IntervalSeconds", 1, 99999999)) r.interval_seconds = double(*n);
    if (auto n = int_field(e, at, "MaxAttempts", 0, 99999999)) r.max_attempts = *n;
    if (auto d = number_field(e, at, "BackoffRate", 1.0, HUGE_VAL, "1.0", "")) r.backoff_rate = *d;
    r.max_delay_seconds = int_field(e, at, "MaxDelaySeconds", 1, 31622400);
    if (auto j = string_field(e, at, "JitterStrategy")) {
      if (*j == "FULL" || *j == "NONE")
        r.jitter_full = *j == "FULL";
      else
        error("Value should be one of the following: [NONE, FULL]",
              field_loc(at, "JitterStrategy"));
    }
    string_field(e, at, "Comment");
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<catcher> compiler::catch_field(const json::value& obj, const std::string& loc) {
  std::vector<catcher> out;
  const json::value* v = find(obj, "Catch");
  if (!v) return out;
  if (!check_type(*v, jtype::array, field_loc(loc, "Catch"))) return out;
  // A JSONata state's catchers have Output instead of ResultPath.
  static const field_names jsonpath = {"ErrorEquals", "Next", "ResultPath", "Comment", "Assign"};
  static const field_names jsonata = {"ErrorEquals", "Next", "Comment", "Output", "Assign"};
  const field_names& allowed = current_jsonata_ ? jsonata : jsonpath;
  for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
    const json::value& e = (*v)[i];
    std::string at = index_loc(loc, "Catch", i);
    if (!check_type(e, jtype::object, at)) continue;
    check_fields(e, at, allowed);
    require(e, at, {"ErrorEquals", "Next"});
    catcher c;
    compile_error_equals(e, at, i + 1 == v->Size(), c.error_equals);
    c.next = target_field(e, at, "Next");
    if (current_jsonata_) {
      c.output = jsonata_value(e, at, "Output", false, true);
      c.assign_jsonata = jsonata_assign_field(e, at, false, true);
    } else {
      c.result_path = io_path(e, at, "ResultPath", true);
      c.assign = assign_field(e, at);
    }
    string_field(e, at, "Comment");
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace sc::asl::detail
