// The compiled form of an Amazon States Language definition.
//
// `asl::parse` turns definition text into a `definition` (or diagnostics).
// The result is immutable and shared by every execution of a state machine.
// Nested state machines (Parallel branches, Map item processors) are
// `machine`s too; every machine of a definition gets a dense id so that an
// execution's state can name "state i of machine m" with two integers.
#pragma once

#include "runtime/eval/jsonpath.hpp"
#include "runtime/eval/payload.hpp"
#include "runtime/json/json.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace sc::eval {
class jsonata_template;
}

namespace sc::asl {

/// A JSONata field value (runtime/eval/jsonata_template.hpp).
using jsonata_field = std::shared_ptr<const eval::jsonata_template>;

enum class state_type { pass, task, choice, wait, succeed, fail, parallel, map };

const char* to_string(state_type t);  ///< "Pass", "Task", ...

/// An optional path field (InputPath, OutputPath, ResultPath, ItemsPath).
/// Absent means `$`; JSON null means "discard" (InputPath/OutputPath give {},
/// ResultPath keeps the state input unchanged).
struct path_field {
  bool is_null = false;
  std::optional<eval::path> path;  ///< empty when is_null; `$` when absent
};

struct retrier {
  std::vector<std::string> error_equals;
  double interval_seconds = 1;
  int64_t max_attempts = 3;
  double backoff_rate = 2.0;
  std::optional<int64_t> max_delay_seconds;
  bool jitter_full = false;  ///< JitterStrategy FULL (default NONE)
};

struct catcher {
  std::vector<std::string> error_equals;
  std::string next;
  int next_index = -1;           ///< index of `next` in the owning machine
  path_field result_path;        ///< default `$`
  /// Assign: replaces the state's own Assign when this catcher handles the
  /// error; evaluated against the error output.
  std::shared_ptr<const eval::payload_template> assign;
  jsonata_field output;          ///< JSONata: Output (default: $states.errorOutput)
  jsonata_field assign_jsonata;  ///< JSONata: Assign
};

/// One Choice rule (top level, or nested inside And/Or/Not).
struct choice_rule {
  enum class kind { and_, or_, not_, compare };
  kind k = kind::compare;
  std::vector<choice_rule> children;      ///< And/Or: 1..n; Not: exactly 1
  std::optional<eval::path> variable;     ///< compare only
  std::string op;                         ///< e.g. "StringEquals", "NumericLessThanPath", "IsNull"
  std::shared_ptr<const json::document> literal;  ///< compare against a literal
  std::optional<eval::path> value_path;   ///< compare against another path (…Path ops)
  std::string next;                       ///< top-level rules only
  int next_index = -1;
  /// Assign of a top-level rule: applied, instead of the state's Assign,
  /// when this rule is the one that matched.
  std::shared_ptr<const eval::payload_template> assign;
  // JSONata rules (top level only): Condition, Output, Assign.
  jsonata_field condition;       ///< a boolean literal or an expression
  jsonata_field output;
  jsonata_field assign_jsonata;
};

struct machine;

struct state {
  std::string name;
  state_type type = state_type::pass;
  int index = -1;        ///< position in the owning machine's `states`
  std::string comment;

  // Transition
  std::string next;
  int next_index = -1;
  bool end = false;

  // Input/output processing
  path_field input_path;
  path_field output_path;
  path_field result_path;
  std::shared_ptr<const eval::payload_template> parameters;       ///< Parameters / ItemSelector
  std::shared_ptr<const eval::payload_template> result_selector;
  std::shared_ptr<const json::document> result;                   ///< Pass Result

  /// Assign (workflow variables): evaluated when the state succeeds,
  /// against the state's result, with the variables from before the state.
  std::shared_ptr<const eval::payload_template> assign;

  // JSONata states (`"QueryLanguage": "JSONata"`, set or inherited)
  bool jsonata = false;
  jsonata_field output;            ///< Output (not on Fail)
  jsonata_field arguments;         ///< Task, Parallel: Arguments
  jsonata_field assign_jsonata;    ///< Assign
  jsonata_field items;             ///< Map: Items (default: the state input)
  jsonata_field item_selector;     ///< Map: ItemSelector
  jsonata_field max_concurrency_expr;
  jsonata_field tolerated_count_expr;
  jsonata_field tolerated_percentage_expr;
  jsonata_field seconds_expr;      ///< Wait: Seconds as an expression
  jsonata_field timestamp_expr;    ///< Wait: Timestamp as an expression
  jsonata_field timeout_expr;      ///< Task: TimeoutSeconds as an expression
  jsonata_field heartbeat_expr;    ///< Task: HeartbeatSeconds as an expression
  jsonata_field error_expr;        ///< Fail: Error as an expression
  jsonata_field cause_expr;        ///< Fail: Cause as an expression
  jsonata_field credentials_expr;  ///< Task: Credentials whose RoleArn is an expression

  // Errors
  std::vector<retrier> retry;
  std::vector<catcher> catchers;

  // Task
  std::string resource;
  std::optional<int64_t> timeout_seconds;            ///< default 99999999 for activities
  std::optional<eval::path> timeout_seconds_path;
  std::optional<int64_t> heartbeat_seconds;
  std::optional<eval::path> heartbeat_seconds_path;
  /// Task Credentials.RoleArn: a literal, or a path (RoleArn.$) into the
  /// state's input; the role the AWS call assumes (docs/aws-integrations.md).
  std::string credentials_role;
  std::optional<eval::path> credentials_role_path;

  // Wait
  std::optional<double> seconds;
  std::optional<std::string> timestamp;              ///< ISO-8601 as written
  std::optional<eval::path> seconds_path;
  std::optional<eval::path> timestamp_path;

  // Choice
  std::vector<choice_rule> choices;
  std::string default_next;
  int default_index = -1;

  // Fail
  std::optional<std::string> error;
  std::optional<std::string> cause;
  std::optional<std::string> error_path;   ///< a path or intrinsic expression
  std::optional<std::string> cause_path;

  // Parallel
  std::vector<std::shared_ptr<const machine>> branches;

  // Map
  std::shared_ptr<const machine> processor;          ///< ItemProcessor / Iterator
  bool map_distributed = false;                      ///< ProcessorConfig.Mode DISTRIBUTED
  std::string map_label;                             ///< Label (names the Map Run)
  path_field items_path;
  bool item_selector_legacy = false;                 ///< came from Parameters, not ItemSelector
  std::optional<int64_t> max_concurrency;            ///< 0 = unlimited
  std::optional<eval::path> max_concurrency_path;
  std::optional<int64_t> tolerated_failure_count;
  std::optional<eval::path> tolerated_failure_count_path;
  std::optional<double> tolerated_failure_percentage;
  std::optional<eval::path> tolerated_failure_percentage_path;

  // Distributed Map data sources and sinks (compile_map.cpp; run in
  // interp/map_items.cpp). ItemBatcher: each iteration gets
  // {"BatchInput": …, "Items": [...]} instead of one item.
  bool item_batcher = false;
  std::optional<int64_t> max_items_per_batch;
  std::optional<eval::path> max_items_per_batch_path;
  jsonata_field max_items_per_batch_expr;
  std::optional<int64_t> max_input_bytes_per_batch;
  std::optional<eval::path> max_input_bytes_per_batch_path;
  jsonata_field max_input_bytes_per_batch_expr;
  std::shared_ptr<const eval::payload_template> batch_input;  ///< JSONPath BatchInput
  jsonata_field batch_input_expr;                              ///< JSONata BatchInput
  /// ItemReader / ResultWriter: their S3 Resource ("" when absent). Accepted
  /// and validated; the S3 calls themselves fail at run time until the
  /// service integrations exist.
  bool item_reader = false;
  std::string item_reader_resource;
  bool result_writer = false;
  std::string result_writer_resource;
  /// The ItemReader / ResultWriter objects as written (JSON text; "" when
  /// absent), read by interp/map_s3.cpp when the node can call S3.
  std::string item_reader_json;
  std::string result_writer_json;
};

struct machine {
  int id = 0;                      ///< dense id within the definition; 0 = top level
  std::string start_at;
  int start_index = -1;
  std::vector<state> states;
  std::unordered_map<std::string, int> by_name;
  std::optional<int64_t> timeout_seconds;  ///< top level only
  std::string comment;
  /// A Distributed Map's ItemProcessor: ProcessorConfig.ExecutionType
  /// EXPRESS, and the processor as JSON text (the definition a child
  /// execution shows in DescribeStateMachineForExecution).
  bool express = false;
  std::string text;

  const state* find(const std::string& name) const {
    auto it = by_name.find(name);
    return it == by_name.end() ? nullptr : &states[it->second];
  }
};

/// A whole parsed definition.
struct definition {
  std::shared_ptr<const machine> root;
  std::vector<const machine*> machines;  ///< indexed by machine::id
  std::string text;                      ///< the definition as submitted
  bool uses_context = true;              ///< false when nothing can read `$$`
  /// False when no state assigns a workflow variable: nothing can read one,
  /// so the interpreter never builds the variables' view.
  bool uses_variables = false;
  bool uses_jsonata = false;             ///< some state is a JSONata state
};

}  // namespace sc::asl
