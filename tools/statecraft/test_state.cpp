// `statecraft test-state FILE`: AWS's TestState offline, on the same code the
// node's TestState runs (runtime/interp/test_state), answering the same JSON.
#include "runtime/interp/test_state.hpp"
#include "runtime/json/json.hpp"
#include "tools/statecraft/cli.hpp"

#include <cstdlib>
#include <iostream>

namespace statecraft {

namespace {

constexpr const char* kRoleArn = "arn:aws:iam::123456789012:role/statecraft";
constexpr int64_t kClockStart = 1700000000000;  // 2023-11-14T22:13:20Z, as `run`

const subcommand& self() {
  for (const auto& c : subcommands())
    if (c.name == "test-state") return c;
  std::abort();
}

int fail_usage(const std::string& message) {
  std::cerr << "statecraft test-state: " << message << "\n";
  return exit_usage;
}

/// A JSON value given inline (--X) or from a file (--X-file); false on a
/// usage problem (already reported).
bool json_option(const parsed_args& a, const std::string& flag, std::optional<std::string>& out,
                 int& rc) {
  auto inline_value = a.get("--" + flag);
  auto file = a.get("--" + flag + "-file");
  if (inline_value && file) {
    rc = fail_usage("--" + flag + " and --" + flag + "-file exclude each other");
    return false;
  }
  if (inline_value) out = *inline_value;
  if (file) {
    std::string text, error;
    if (!read_source(*file, text, error)) {
      rc = fail_usage(error);
      return false;
    }
    out = text;
  }
  return true;
}

bool count_option(const parsed_args& a, const char* flag, std::optional<int64_t>& out, int& rc) {
  auto v = a.get(flag);
  if (!v) return true;
  char* end = nullptr;
  long long n = std::strtoll(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0' || n < 0) {
    rc = fail_usage(std::string(flag) + " needs a whole number >= 0, not '" + *v + "'");
    return false;
  }
  out = n;
  return true;
}

}  // namespace

int cmd_test_state(const std::vector<std::string>& args) {
  auto a = parse_args(args, {{"--state-name", true},
                             {"--input", true},
                             {"--input-file", true},
                             {"--variables", true},
                             {"--variables-file", true},
                             {"--context", true},
                             {"--context-file", true},
                             {"--mock-result", true},
                             {"--mock-result-file", true},
                             {"--mock-error", true},
                             {"--mock-cause", true},
                             {"--field-validation-mode", true},
                             {"--inspection-level", true},
                             {"--retrier-retry-count", true},
                             {"--error-caused-by-state", true},
                             {"--map-iteration-failure-count", true},
                             {"--map-item-reader-data", true},
                             {"--role-arn", true},
                             {"--reveal-secrets", false}});
  if (a.help) {
    print_help(self());
    return exit_ok;
  }
  if (!a.error.empty()) return usage_error(self(), a.error);
  if (a.positional.size() != 1) return usage_error(self(), "give exactly one definition file");

  sc::interp::test_request req;
  std::string error;
  if (!read_source(a.positional[0], req.definition, error)) return fail_usage(error);
  int rc = exit_usage;
  std::optional<std::string> input, mock_result;
  if (!json_option(a, "input", input, rc) || !json_option(a, "variables", req.variables, rc) ||
      !json_option(a, "context", req.context, rc) ||
      !json_option(a, "mock-result", mock_result, rc))
    return rc;
  if (input) req.input = *input;
  req.state_name = a.get("--state-name");
  if (mock_result || a.has("--mock-error") || a.has("--mock-cause")) {
    sc::interp::test_mock m;
    m.result = mock_result;
    if (a.has("--mock-error") || a.has("--mock-cause")) {
      m.error_output = true;
      m.error = a.get("--mock-error");
      m.cause = a.get("--mock-cause");
    }
    if (auto mode = a.get("--field-validation-mode")) {
      if (*mode != "STRICT" && *mode != "PRESENT" && *mode != "NONE")
        return fail_usage("--field-validation-mode is STRICT, PRESENT or NONE");
      m.field_validation = *mode;
    }
    req.mock = std::move(m);
  } else if (a.has("--field-validation-mode")) {
    return fail_usage("--field-validation-mode goes with a mock (--mock-result or --mock-error)");
  }
  std::string level = a.get("--inspection-level").value_or("INFO");
  if (level == "INFO") req.level = sc::interp::inspection_level::info;
  else if (level == "DEBUG") req.level = sc::interp::inspection_level::debug;
  else if (level == "TRACE") req.level = sc::interp::inspection_level::trace;
  else return fail_usage("--inspection-level is INFO, DEBUG or TRACE");
  if (!count_option(a, "--retrier-retry-count", req.retrier_retry_count, rc) ||
      !count_option(a, "--map-iteration-failure-count", req.map_iteration_failure_count, rc))
    return rc;
  req.error_caused_by_state = a.get("--error-caused-by-state");
  req.map_item_reader_data = a.get("--map-item-reader-data");
  req.role_arn = a.get("--role-arn").value_or(kRoleArn);
  req.reveal_secrets = a.has("--reveal-secrets");
  req.now_ms = kClockStart;
  req.seed = 42;

  auto r = sc::interp::test_state(req);
  if (r.refusal) {
    std::cerr << "statecraft test-state: " << r.refusal->type << ": " << r.refusal->message << "\n";
    std::cout << "{\"__type\":" << sc::json::quote(r.refusal->type)
              << ",\"message\":" << sc::json::quote(r.refusal->message) << "}\n";
    return exit_usage;
  }
  std::cout << sc::interp::to_json(r) << "\n";
  return r.status == "SUCCEEDED" ? exit_ok : exit_failed;
}

}  // namespace statecraft
