// Private to runtime/asl: the compiler that walks a parsed definition (a
// RapidJSON DOM), reports every problem AWS would report, and builds the AST.
//
// One walk does both jobs: each field is type-checked where it is read, so
// validation and construction cannot drift apart. Problems are collected,
// never thrown, so a definition with ten mistakes gets ten diagnostics.
// Two lists keep AWS's ordering: schema problems in document order first,
// then transition problems (missing targets, unreachable states) machine by
// machine, each machine's list in the order AWS gives them.
//
// The work is split over three files: compile_states.cpp (machines, states,
// linking), compile_fields.cpp (typed field readers, paths, payload
// templates, Retry/Catch) and compile_choice.cpp (Choice rules).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "runtime/asl/parse.hpp"
#include "runtime/eval/jsonata_template.hpp"

namespace sc::asl::detail {

// Diagnostic codes, as AWS spells them.
inline constexpr const char* kSchemaValidationFailed = "SCHEMA_VALIDATION_FAILED";
inline constexpr const char* kMissingTransitionTarget = "MISSING_TRANSITION_TARGET";
inline constexpr const char* kMissingEndState = "MISSING_END_STATE";
inline constexpr const char* kDuplicateStateName = "DUPLICATE_STATE_NAME";
inline constexpr const char* kInvalidStateName = "INVALID_STATE_NAME";
inline constexpr const char* kInvalidJsonDescription = "INVALID_JSON_DESCRIPTION";
inline constexpr const char* kInvalidJsonata = "INVALID_JSONATA_EXPRESSION";

/// JSON value kinds as AWS names them in "Expected value of type [...]".
enum class jtype { string, integer, number, boolean, object, array };

using field_names = std::vector<std::string_view>;

/// What a nested state machine is, which decides its allowed fields.
enum class machine_kind { root, branch, processor };

class compiler {
 public:
  compiler();

  /// Compiles a whole definition whose top level is a JSON object. Returns
  /// the definition even when there were problems (the caller discards it).
  std::shared_ptr<definition> compile(const json::value& root);

  /// Every problem found, schema problems first.
  std::vector<diagnostic> diagnostics() const;

  // ---- reporting ---------------------------------------------------------
  void error(std::string message, std::string location, const char* code = kSchemaValidationFailed);
  void transition_error(std::string message, std::string location,
                        const char* code = kMissingTransitionTarget);

  // ---- typed field readers (compile_fields.cpp) ---------------------------
  // `obj` is a JSON object located at `loc`; a field's location is
  // `loc + "/" + name`. A reader reports a wrong type or range and returns
  // nullopt; an absent field also yields nullopt, silently.

  static const json::value* find(const json::value& obj, std::string_view name);
  static std::string field_loc(const std::string& loc, std::string_view name);
  static std::string index_loc(const std::string& loc, std::string_view name, size_t i);

  /// Reports "Expected value of type [T]" when `v` is not of type `t`.
  bool check_type(const json::value& v, jtype t, const std::string& loc);
  /// Reports every member of `obj` not in `allowed` (fields of the other
  /// query language and workflow variables get their own wording).
  void check_fields(const json::value& obj, const std::string& loc, const field_names& allowed);
  /// Reports "These fields are required: [...]" for the missing ones.
  bool require(const json::value& obj, const std::string& loc, const field_names& names);
  /// At most one of `names` may be present; with `required`, exactly one.
  /// Returns how many are present.
  int exclusive(const json::value& obj, const std::string& loc, const field_names& names,
                bool required);

  std::optional<std::string> string_field(const json::value& obj, const std::string& loc,
                                          std::string_view name);
  /// A transition target (StartAt, Next, Default): "" when absent. An empty
  /// string, which no state can be named, is reported here as the missing
  /// target it is (link() reports the other unknown names).
  std::string target_field(const json::value& obj, const std::string& loc, std::string_view name);
  std::optional<bool> bool_field(const json::value& obj, const std::string& loc,
                                 std::string_view name);
  std::optional<int64_t> int_field(const json::value& obj, const std::string& loc,
                                   std::string_view name, int64_t min, int64_t max);
  std::optional<double> number_field(const json::value& obj, const std::string& loc,
                                     std::string_view name, double min, double max,
                                     const char* min_text, const char* max_text);

  /// Compiles a JSONPath held in `v` (located at `loc`, field `name`).
  /// `reference` demands a Reference Path (ResultPath, Choice Variable, ...).
  std::optional<eval::path> compile_path(const json::value& v, const std::string& loc,
                                         std::string_view name, bool reference);
  std::optional<eval::path> path_value(const json::value& obj, const std::string& loc,
                                       std::string_view name, bool reference);
  /// InputPath / OutputPath / ResultPath: absent = `$`, null = discard.
  path_field io_path(const json::value& obj, const std::string& loc, std::string_view name,
                     bool reference);
  /// Parameters / ResultSelector / ItemSelector.
  std::shared_ptr<const eval::payload_template> payload(const json::value& obj,
                                                        const std::string& loc,
                                                        std::string_view name);
  /// Fail ErrorPath / CausePath: a Reference Path or an intrinsic call.
  std::optional<std::string> path_or_intrinsic(const json::value& obj, const std::string& loc,
                                               std::string_view name);
  /// Assign (workflow variables): a payload template whose keys are
  /// variable names (with `.$` for paths and intrinsics). Null when absent
  /// or empty.
  std::shared_ptr<const eval::payload_template> assign_field(const json::value& obj,
                                                             const std::string& loc);
  /// Empty when `name` may name a workflow variable; else AWS's message.
  static std::string variable_name_problem(std::string_view name);
  /// Checks the names of the Assign object `assign` (at `at`) and records
  /// them for the scope check (`check_scopes`). `json_path`: keys may end
  /// in `.$`.
  void note_assigned(const json::value& assign, const std::string& at, bool json_path);
  /// A Parallel branch or Map iteration may not assign a name that a scope
  /// around it assigns.
  void check_scopes();
  bool uses_variables() const { return uses_variables_; }
  std::vector<retrier> retry_field(const json::value& obj, const std::string& loc);
  std::vector<catcher> catch_field(const json::value& obj, const std::string& loc);

  // ---- JSONata states (compile_jsonata.cpp) -------------------------------
  /// A JSONata field value: `{% %}` strings at any depth are expressions.
  /// `field` is its path in runtime messages ("Output", "Catch[0]/Output").
  jsonata_field jsonata_value(const json::value& obj, const std::string& loc,
                              std::string_view name, bool result, bool error_output);
  /// An integer given literally (checked against [min, max]) or as an
  /// expression string; `lit`/`expr` receive whichever it is.
  void int_or_expression(const json::value& obj, const std::string& loc, std::string_view name,
                         int64_t min, int64_t max, std::optional<int64_t>& lit,
                         jsonata_field& expr);
  void compile_jsonata_state(const json::value& v, const std::string& loc, state& s);
  /// Assign of a JSONata state, rule or catcher (names checked, recorded
  /// for the scope check); null when absent or empty.
  jsonata_field jsonata_assign_field(const json::value& obj, const std::string& loc, bool result,
                                     bool error_output);
  choice_rule compile_jsonata_rule(const json::value& v, const std::string& loc);

  // ---- the Distributed Map's fields (compile_map.cpp) ---------------------
  /// Empty when `label` may be a Map's Label (it names the Map Run); else
  /// the problem.
  static std::string label_problem(std::string_view label);
  /// Label, ItemBatcher, ItemReader and ResultWriter of the Map state `obj`
  /// (JSONPath or JSONata, as the state being compiled is).
  void compile_map_sources(const json::value& obj, const std::string& loc, state& s);

  // ---- machines and states (compile_states.cpp) ---------------------------
  std::shared_ptr<machine> compile_machine(const json::value& obj, const std::string& loc,
                                           machine_kind kind);

  // ---- Choice rules (compile_choice.cpp) ----------------------------------
  /// Compiles one rule; best effort on errors (a top-level rule keeps its
  /// Next so that the transition checks see it).
  choice_rule compile_rule(const json::value& v, const std::string& loc, bool top);

 private:
  void compile_state(const json::value& v, const std::string& loc, state& s);
  void compile_transition(const json::value& obj, const std::string& loc, state& s);
  void compile_pass(const json::value& obj, const std::string& loc, state& s);
  void compile_task(const json::value& obj, const std::string& loc, state& s);
  void compile_choice_state(const json::value& obj, const std::string& loc, state& s);
  void compile_wait(const json::value& obj, const std::string& loc, state& s);
  void compile_fail(const json::value& obj, const std::string& loc, state& s);
  void compile_parallel(const json::value& obj, const std::string& loc, state& s);
  void compile_map(const json::value& obj, const std::string& loc, state& s);
  void compile_processor_config(const json::value& obj, const std::string& loc);
  void collect_targets_loosely(const json::value& obj, state& s);
  void link(machine& m, const std::string& loc);
  std::string pick_query_language(const json::value& obj, const std::string& loc);
  void compile_error_equals(const json::value& entry, const std::string& loc, bool last,
                            std::vector<std::string>& out);

  std::vector<diagnostic> schema_;
  std::vector<diagnostic> transitions_;
  std::vector<machine*> machines_;         ///< by id, while building
  std::unordered_set<std::string> names_;  ///< every state name so far
  std::optional<eval::path> root_path_;    ///< `$`, the default of path fields
  bool uses_variables_ = false;            ///< some state, rule or catcher has Assign
  bool uses_jsonata_ = false;              ///< some state is a JSONata state
  std::vector<int> machine_stack_;         ///< machines being compiled, outermost first
  std::vector<int> machine_parent_;        ///< by machine id: the enclosing machine (-1)
  /// By machine id: the variable names its states assign, with locations.
  std::vector<std::vector<std::pair<std::string, std::string>>> assigned_;
  bool machine_jsonata_ = false;           ///< the top level says QueryLanguage JSONata
  bool current_jsonata_ = false;           ///< the state being compiled is JSONata
  std::string jsonata_state_loc_;          ///< … and its location
};

}  // namespace sc::asl::detail
