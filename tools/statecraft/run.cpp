// `statecraft run FILE`: one execution, in-process, on a virtual clock.
#include "actors/mock_config.hpp"
#include "runtime/asl/parse.hpp"
#include "runtime/interp/simulate.hpp"
#include "runtime/json/json.hpp"
#include "runtime/model/arn.hpp"
#include "tools/statecraft/cli.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

namespace statecraft {

namespace {

constexpr const char* kRegion = "us-east-1";
constexpr const char* kAccount = "123456789012";
constexpr const char* kRoleArn = "arn:aws:iam::123456789012:role/statecraft";
constexpr size_t kMaxInputBytes = 262144;  // StartExecution's input limit

const subcommand& self() {
  for (const auto& c : subcommands())
    if (c.name == "run") return c;
  std::abort();
}

int fail_usage(const std::string& message) {
  std::cerr << "statecraft run: " << message << "\n";
  return exit_usage;
}

/// The state machine is named after the file: "flows/hello.asl.json" → "hello".
std::string machine_name(const std::string& path) {
  if (path == "-") return "stdin";
  std::string base = std::filesystem::path(path).filename().string();
  for (std::string_view ext : {".asl.json", ".json", ".asl"}) {
    if (base.size() > ext.size() && base.compare(base.size() - ext.size(), ext.size(), ext) == 0) {
      base.resize(base.size() - ext.size());
      break;
    }
  }
  return sc::model::check_name(base).empty() ? base : "statecraft";
}

/// Why a run that is still RUNNING stopped: the tasks nobody will answer.
std::string stuck_reason(const sc::asl::definition& def, const sc::interp::simulation& sim) {
  std::vector<std::pair<const sc::asl::state*, size_t>> waiting;  // state, open tasks
  size_t total = 0;
  for (const auto& [id, t] : sim.state.threads) {
    if (t.ph != sc::interp::phase::task) continue;
    if (t.machine < 0 || static_cast<size_t>(t.machine) >= def.machines.size()) continue;
    const auto* m = def.machines[static_cast<size_t>(t.machine)];
    if (!m || t.state < 0 || static_cast<size_t>(t.state) >= m->states.size()) continue;
    const auto* s = &m->states[static_cast<size_t>(t.state)];
    auto it = std::find_if(waiting.begin(), waiting.end(), [&](auto& w) { return w.first == s; });
    if (it == waiting.end())
      waiting.emplace_back(s, 1);
    else
      ++it->second;
    ++total;
  }
  if (total) {
    std::string list;
    for (const auto& [s, n] : waiting) {
      list += list.empty() ? "" : ", ";
      list += "'" + s->name + "' (" + s->resource + (n > 1 ? ", " + std::to_string(n) + " tasks" : "") + ")";
    }
    return "no answer for the activity task" + std::string(total > 1 ? "s" : "") + " of state" +
           (waiting.size() > 1 ? "s " : " ") + list +
           " and no timeout to end " + (total > 1 ? "them" : "it") +
           "; add outcomes to --tasks or give the state a TimeoutSeconds";
  }
  if (!sim.problem.empty()) return sim.problem;
  return "the run did not finish within the simulation's step limit";
}

/// Events of a GetExecutionHistory array, one compact JSON object each.
std::vector<std::string> event_lines(const std::string& history) {
  std::vector<std::string> out;
  sc::json::document d;
  if (!sc::json::parse(history, d) || !d.IsArray()) {
    out.push_back(history);
    return out;
  }
  for (const auto& e : d.GetArray()) out.push_back(sc::json::dump(e));
  return out;
}

std::string json_or_null(bool present, const std::string& s) {
  return present ? sc::json::quote(s) : "null";
}

}  // namespace

int cmd_run(const std::vector<std::string>& args) {
  auto a = parse_args(args, {{"--input", true},
                             {"--input-file", true},
                             {"--tasks", true},
                             {"--name", true},
                             {"--history", false},
                             {"--json", false},
                             {"--mock-config", true},
                             {"--test-case", true}});
  if (a.help) {
    print_help(self());
    return exit_ok;
  }
  if (!a.error.empty()) return usage_error(self(), a.error);
  if (a.positional.empty()) return usage_error(self(), "no definition file given");
  if (a.positional.size() > 1)
    return usage_error(self(), "only one definition file can be run; unexpected '" +
                                   a.positional[1] + "'");
  if (a.has("--input") && a.has("--input-file"))
    return usage_error(self(), "--input and --input-file cannot be used together");
  {
    int stdin_uses = (a.positional[0] == "-") + (a.get("--input-file") == "-") +
                     (a.get("--tasks") == "-");
    if (stdin_uses > 1) return usage_error(self(), "standard input (-) can only be used once");
  }

  const std::string& path = a.positional[0];
  const bool as_json = a.has("--json");
  const bool with_history = a.has("--history");

  // Execution name.
  std::string exec_name = a.get("--name").value_or("run");
  if (auto msg = sc::model::check_name(exec_name); !msg.empty())
    return fail_usage("--name: " + msg);

  // Definition.
  std::string text, error;
  if (!read_source(path, text, error)) return fail_usage(error);
  auto parsed = sc::asl::parse(text);
  if (!parsed.def) {
    print_diagnostics(std::cerr, display_name(path), parsed.diagnostics);
    return exit_usage;
  }

  // Input, checked as StartExecution checks it.
  std::string input = "{}";
  if (auto v = a.get("--input")) {
    input = *v;
  } else if (auto f = a.get("--input-file")) {
    if (!read_source(*f, input, error)) return fail_usage("--input-file: " + error);
  }
  if (input.size() > kMaxInputBytes)
    return fail_usage("the input is " + std::to_string(input.size()) +
                      " bytes; StartExecution accepts at most " + std::to_string(kMaxInputBytes));
  {
    sc::json::document d;
    if (!sc::json::parse(input, d, &error))
      return fail_usage("InvalidExecutionInput: Invalid State Machine Execution Input: '" + error +
                        "'");
  }

  // Task script.
  std::vector<sc::interp::scripted_outcome> script;
  if (auto f = a.get("--tasks")) {
    std::string script_text;
    if (!read_source(*f, script_text, error)) return fail_usage("--tasks: " + error);
    if (!sc::interp::parse_script(script_text, script, error))
      return fail_usage("--tasks " + display_name(*f) + ": " + error);
  }

  sc::interp::simulation_options opts;
  opts.state_machine_name = machine_name(path);

  // Step Functions Local's mock file: --mock-config (else SFN_MOCK_CONFIG)
  // and the test case to run, for the state machine named after FILE.
  std::unique_ptr<sc::actors::mock_config> mocks;
  if (a.has("--mock-config") || a.has("--test-case")) {
    std::string mock_path = a.get("--mock-config").value_or("");
    if (mock_path.empty())
      if (const char* env = std::getenv("SFN_MOCK_CONFIG")) mock_path = env;
    if (mock_path.empty())
      return usage_error(self(), "--test-case needs a mock file (--mock-config or SFN_MOCK_CONFIG)");
    if (!a.has("--test-case"))
      return usage_error(self(), "--mock-config needs --test-case NAME (the test case to run)");
    std::vector<std::string> problems;
    mocks = std::make_unique<sc::actors::mock_config>(mock_path, problems);
    if (!problems.empty()) {
      for (auto& p : problems)
        std::cerr << "statecraft run: " << display_name(mock_path) << ": " << p << "\n";
      return exit_usage;
    }
    const std::string test_case = *a.get("--test-case");
    if (!mocks->has_test_case(opts.state_machine_name, test_case))
      return fail_usage("the mock file " + display_name(mock_path) + " has no test case '" +
                        test_case + "' for the state machine '" + opts.state_machine_name +
                        "' (StateMachines." + opts.state_machine_name + ".TestCases." + test_case +
                        "; the state machine is named after FILE)");
    const std::string machine = opts.state_machine_name;
    const std::string key = "run";
    auto* m = mocks.get();
    opts.mock = [m, machine, test_case,
                 key](const std::string& state) -> std::optional<sc::interp::scripted_outcome> {
      auto ans = m->answer(machine, test_case, state, key);
      if (!ans) return std::nullopt;
      sc::interp::scripted_outcome o;
      if (ans->failed) {
        o.k = sc::interp::scripted_outcome::kind::failure;
        o.error = ans->error;
        o.cause = ans->cause;
        o.has_error = ans->has_error;
        o.has_cause = ans->has_cause;
      } else {
        o.output = ans->output;
      }
      return o;
    };
  }
  opts.name = exec_name;
  opts.state_machine_arn = sc::model::state_machine_arn(kRegion, kAccount, opts.state_machine_name);
  opts.execution_arn = sc::model::execution_arn(kRegion, kAccount, opts.state_machine_name, exec_name);
  opts.role_arn = kRoleArn;
  opts.worker_name = "statecraft-run";

  auto sim = sc::interp::simulate(*parsed.def, input, script, opts);
  const auto& st = sim.state;
  const bool running = st.status == sc::interp::exec_status::running;
  const bool succeeded = st.status == sc::interp::exec_status::succeeded;
  const std::string status = sc::interp::to_string(st.status);
  const std::string why = running ? stuck_reason(*parsed.def, sim) : "";

  // Every scheduled task takes the next outcome (the history cannot tell:
  // a Distributed Map's iterations record no events).
  const size_t scheduled = static_cast<size_t>(std::max<int64_t>(0, st.next_task - 1));
  if (scheduled < script.size())
    std::cerr << "statecraft run: note: " << (script.size() - scheduled) << " of " << script.size()
              << " scripted task outcome" << (script.size() == 1 ? "" : "s")
              << " not used (the run scheduled " << scheduled << " task"
              << (scheduled == 1 ? "" : "s") << ")\n";

  const std::string history = sc::interp::history_json(sim.history, true);
  if (as_json) {
    std::string output = "null";
    if (succeeded) output = sc::json::valid(st.output) ? st.output : sc::json::quote(st.output);
    std::cout << "{\"status\":" << sc::json::quote(status) << ",\"output\":" << output
              << ",\"error\":" << json_or_null(!succeeded && st.has_error, st.error)
              << ",\"cause\":" << json_or_null(!succeeded && st.has_cause, st.cause)
              << ",\"events\":" << history;
    if (running) std::cout << ",\"problem\":" << sc::json::quote(why);
    std::cout << "}\n";
  } else {
    if (with_history) {
      auto lines = event_lines(history);
      std::cout << "[\n";
      for (size_t i = 0; i < lines.size(); ++i)
        std::cout << "  " << lines[i] << (i + 1 < lines.size() ? "," : "") << "\n";
      std::cout << "]\n";
    }
    std::cout << "status: " << status << "\n";
    if (succeeded) std::cout << "output: " << st.output << "\n";
    if (!succeeded && st.has_error) std::cout << "error: " << st.error << "\n";
    if (!succeeded && st.has_cause) std::cout << "cause: " << st.cause << "\n";
  }
  std::cout.flush();
  if (running) std::cerr << "statecraft run: stuck: " << why << "\n";
  return succeeded ? exit_ok : exit_failed;
}

}  // namespace statecraft
