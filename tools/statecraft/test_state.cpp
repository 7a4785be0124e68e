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

/// A TestState request body (`aws stepfunctions test-state --cli-input-json`
/// or the API's JSON) into `req`; "" or what is wrong with it.
std::string read_request(const std::string& text, sc::interp::test_request& req,
                         std::optional<std::string>& level) {
  sc::json::document d;
  std::string err;
  if (!sc::json::parse(text, d, &err)) return "the request is not JSON: " + err;
  if (!d.IsObject()) return "the request must be a JSON object";
  std::string problem;
  auto str = [&](const sc::json::value& o, const char* k) -> std::optional<std::string> {
    auto it = o.FindMember(k);
    if (it == o.MemberEnd() || it->value.IsNull()) return std::nullopt;
    if (!it->value.IsString()) {
      problem = std::string("request member '") + k + "' must be a string";
      return std::nullopt;
    }
    return std::string(it->value.GetString(), it->value.GetStringLength());
  };
  auto count = [&](const sc::json::value& o, const char* k) -> std::optional<int64_t> {
    auto it = o.FindMember(k);
    if (it == o.MemberEnd() || it->value.IsNull()) return std::nullopt;
    if (!it->value.IsInt64() || it->value.GetInt64() < 0) {
      problem = std::string("request member '") + k + "' must be a whole number >= 0";
      return std::nullopt;
    }
    return it->value.GetInt64();
  };
  auto object = [&](const sc::json::value& o, const char* k) -> const sc::json::value* {
    auto it = o.FindMember(k);
    if (it == o.MemberEnd() || it->value.IsNull()) return nullptr;
    if (!it->value.IsObject()) {
      problem = std::string("request member '") + k + "' must be an object";
      return nullptr;
    }
    return &it->value;
  };
  if (auto v = str(d, "definition")) req.definition = *v;
  if (auto v = str(d, "roleArn")) req.role_arn = *v;
  if (auto v = str(d, "input")) req.input = *v;
  level = str(d, "inspectionLevel");
  auto rs = d.FindMember("revealSecrets");
  if (rs != d.MemberEnd() && rs->value.IsBool()) req.reveal_secrets = rs->value.GetBool();
  req.variables = str(d, "variables");
  req.state_name = str(d, "stateName");
  req.context = str(d, "context");
  if (const auto* m = object(d, "mock")) {
    sc::interp::test_mock mock;
    mock.result = str(*m, "result");
    if (const auto* eo = object(*m, "errorOutput")) {
      mock.error_output = true;
      mock.error = str(*eo, "error");
      mock.cause = str(*eo, "cause");
    }
    if (auto mode = str(*m, "fieldValidationMode")) mock.field_validation = *mode;
    req.mock = std::move(mock);
  }
  if (const auto* c = object(d, "stateConfiguration")) {
    req.retrier_retry_count = count(*c, "retrierRetryCount");
    req.error_caused_by_state = str(*c, "errorCausedByState");
    req.map_iteration_failure_count = count(*c, "mapIterationFailureCount");
    req.map_item_reader_data = str(*c, "mapItemReaderData");
  }
  return problem;
}

}  // namespace

int cmd_test_state(const std::vector<std::string>& args) {
  auto a = parse_args(args, {{"--request", true},
                             {"--state-name", true},
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
  if (a.positional.size() > 1 || (a.positional.empty() && !a.has("--request")))
    return usage_error(self(), "give one definition file (or --request)");

  sc::interp::test_request req;
  std::string error;
  std::optional<std::string> request_level;
  if (auto file = a.get("--request")) {
    std::string text;
    if (!read_source(*file, text, error)) return fail_usage(error);
    auto problem = read_request(text, req, request_level);
    if (!problem.empty()) return fail_usage(display_name(*file) + ": " + problem);
  }
  if (!a.positional.empty() && !read_source(a.positional[0], req.definition, error))
    return fail_usage(error);
  if (req.definition.empty()) return fail_usage("no definition: give FILE or a request's definition");
  int rc = exit_usage;
  std::optional<std::string> input, mock_result;
  if (!json_option(a, "input", input, rc) || !json_option(a, "variables", req.variables, rc) ||
      !json_option(a, "context", req.context, rc) ||
      !json_option(a, "mock-result", mock_result, rc))
    return rc;
  if (input) req.input = *input;
  if (auto name = a.get("--state-name")) req.state_name = name;
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
  } else if (auto mode = a.get("--field-validation-mode")) {
    if (!req.mock)
      return fail_usage("--field-validation-mode goes with a mock (--mock-result or --mock-error)");
    req.mock->field_validation = *mode;
  }
  std::string level = a.get("--inspection-level").value_or(request_level.value_or("INFO"));
  if (level == "INFO") req.level = sc::interp::inspection_level::info;
  else if (level == "DEBUG") req.level = sc::interp::inspection_level::debug;
  else if (level == "TRACE") req.level = sc::interp::inspection_level::trace;
  else return fail_usage("--inspection-level is INFO, DEBUG or TRACE");
  if (!count_option(a, "--retrier-retry-count", req.retrier_retry_count, rc) ||
      !count_option(a, "--map-iteration-failure-count", req.map_iteration_failure_count, rc))
    return rc;
  if (auto v = a.get("--error-caused-by-state")) req.error_caused_by_state = v;
  if (auto v = a.get("--map-item-reader-data")) req.map_item_reader_data = v;
  if (auto v = a.get("--role-arn")) req.role_arn = *v;
  else if (!a.has("--request")) req.role_arn = kRoleArn;
  if (a.has("--reveal-secrets")) req.reveal_secrets = true;
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
