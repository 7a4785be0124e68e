// statecraft: test Step Functions workflows without a server.
//
//   statecraft validate FILE...     static validation, as CreateStateMachine does it
//   statecraft run FILE [...]       run a definition in-process on a virtual clock
//   statecraft test-state FILE [...] one state, once, as AWS's TestState
//
// Links only the pure core (sc_runtime). Every subcommand is one entry of the
// table in subcommands(); adding one (e.g. "cluster status") is adding an
// entry and its handler.
#include "tools/statecraft/cli.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#ifndef STATECRAFT_VERSION
#define STATECRAFT_VERSION "0.1.0"
#endif

namespace statecraft {
namespace {

int cmd_help(const std::vector<std::string>& args);

constexpr std::string_view kValidateHelp =
    "Parses each definition and applies the static checks AWS Step Functions\n"
    "performs on CreateStateMachine. For a valid file prints \"FILE: OK\"; for an\n"
    "invalid one prints each problem as \"FILE: CODE: message at /location\",\n"
    "then \"FILE: InvalidDefinition: <message>\" with the exact message AWS\n"
    "returns. A FILE of - reads standard input (shown as <stdin>). Line breaks\n"
    "inside a message (the source echo of a JSON syntax error) are shown as \\n;\n"
    "--json carries the exact text.\n"
    "\n"
    "options:\n"
    "  --json       print one JSON object instead:\n"
    "               {\"valid\": bool, \"files\": [{\"file\", \"valid\", \"diagnostics\":\n"
    "               [{\"code\", \"message\", \"location\"}], \"message\"?, \"error\"?}]}\n"
    "  -h, --help   show this help\n"
    "\n"
    "exit status: 0 all valid, 1 some definition is invalid, 2 usage error or\n"
    "unreadable file.\n";

constexpr std::string_view kRunHelp =
    "Validates the definition, then runs one execution of it in-process: no\n"
    "server, no real time (Wait states and back-offs advance a virtual clock).\n"
    "Activity tasks are answered, in the order they are scheduled, from the\n"
    "scripted outcomes in --tasks; a task with no outcome left is never\n"
    "answered, so only its TimeoutSeconds/HeartbeatSeconds can end it.\n"
    "\n"
    "options:\n"
    "  --input JSON        execution input (default {})\n"
    "  --input-file F      read the execution input from F (- for stdin)\n"
    "  --tasks F           task script (- for stdin): a JSON array of outcomes,\n"
    "                      one per task, in scheduling order:\n"
    "                        {\"output\": <json>}           SendTaskSuccess\n"
    "                        {\"error\": \"E\", \"cause\": \"C\"} SendTaskFailure\n"
    "                        {\"never\": true}              no answer\n"
    "                      each may add \"heartbeats\": N (heartbeats sent first)\n"
    "  --name NAME         execution name (default run); the state machine is\n"
    "                      named after FILE (hello.asl.json -> hello)\n"
    "  --mock-config F     a mock file in Step Functions Local's MockConfigFile\n"
    "                      format (default: $SFN_MOCK_CONFIG when --test-case\n"
    "                      is given); needs --test-case\n"
    "  --test-case NAME    the test case of the state machine (named after FILE)\n"
    "                      to run: the Task states it names take their results\n"
    "                      from the mock file (activities and any integration);\n"
    "                      other tasks take --tasks outcomes\n"
    "  --history           also print the history, as GetExecutionHistory's\n"
    "                      events array, one event per line\n"
    "  --json              print {\"status\", \"output\", \"error\", \"cause\",\n"
    "                      \"events\"} as one JSON object (output as a JSON value,\n"
    "                      events as GetExecutionHistory returns them; \"problem\"\n"
    "                      is added when the run got stuck)\n"
    "  -h, --help          show this help\n"
    "\n"
    "The run uses region us-east-1, account 123456789012, a fixed clock start\n"
    "(2023-11-14T22:13:20Z) and a fixed random seed, so it is reproducible.\n"
    "\n"
    "exit status: 0 SUCCEEDED; 1 FAILED, TIMED_OUT, ABORTED or stuck (waiting\n"
    "for a task that is never answered and has no timeout); 2 usage error,\n"
    "unreadable file, bad input/script or invalid definition.\n";

constexpr std::string_view kTestStateHelp =
    "Runs one state once, as AWS's TestState API does (and with the same code\n"
    "as the node's TestState): FILE is a single state's definition, or a whole\n"
    "state machine with --state-name. Prints TestState's answer as JSON:\n"
    "status (SUCCEEDED, FAILED, RETRIABLE, CAUGHT_ERROR), output, error, cause,\n"
    "nextState and, at DEBUG or TRACE, inspectionData. A Task, Parallel or Map\n"
    "state needs a mock; a Wait answers without waiting.\n"
    "\n"
    "options:\n"
    "  --request F              a TestState request as JSON (the API's body, as\n"
    "                           for aws stepfunctions test-state --cli-input-json);\n"
    "                           FILE and the flags below replace its members\n"
    "  --state-name NAME        the state to test in a whole machine (names the\n"
    "                           single state otherwise; default StateName)\n"
    "  --input JSON             the state's input (default {}); --input-file F\n"
    "  --variables JSON         workflow variables, a JSON object; --variables-file F\n"
    "  --context JSON           merged over the Context object ($$, $states.context);\n"
    "                           --context-file F (with a mock only, as AWS)\n"
    "  --mock-result JSON       the Task/Parallel/Map result; --mock-result-file F\n"
    "  --mock-error E           a mocked error instead (with --mock-cause C)\n"
    "  --field-validation-mode STRICT|PRESENT|NONE\n"
    "  --inspection-level INFO|DEBUG|TRACE   (default INFO)\n"
    "  --retrier-retry-count N  attempts the matching retrier has made already\n"
    "  --error-caused-by-state NAME          the Map/Parallel child that failed\n"
    "  --map-iteration-failure-count N       failed Map iterations\n"
    "  --map-item-reader-data JSON           what an ItemReader would have read\n"
    "  --role-arn ARN           default arn:aws:iam::123456789012:role/statecraft\n"
    "                           (none with --request: the request's roleArn)\n"
    "  --reveal-secrets         as revealSecrets (refused with a mock, as AWS)\n"
    "\n"
    "A refused request prints {\"__type\", \"message\"} with AWS's error\n"
    "(InvalidDefinition, InvalidExecutionInput, ValidationException).\n"
    "\n"
    "exit status: 0 SUCCEEDED; 1 FAILED, RETRIABLE or CAUGHT_ERROR; 2 usage\n"
    "error, unreadable file or refused request.\n";

constexpr std::string_view kClusterStatusHelp =
    "Reads a cluster's state from its Redis: every node with its address and\n"
    "heartbeat age, and which node holds each shard's lease (with the fencing\n"
    "epoch and the time left on the lease).\n"
    "\n"
    "options:\n"
    "  --redis URL   redis://HOST:PORT[/DB] of the cluster, or\n"
    "                redis+sentinel://HOST:PORT[,HOST:PORT...]/MASTER[/DB] (required)\n"
    "\n"
    "exit status: 0 shown; 1 Redis unreachable or not a Statecraft keyspace;\n"
    "2 usage error.\n";

constexpr std::string_view kSecretsListHelp =
    "Lists the task token secrets of the cluster on this Redis, newest first,\n"
    "by key id (the values are never shown): the newest signs new task and\n"
    "page tokens, every listed one verifies. Nodes on Redis share these\n"
    "secrets; the first node to start creates one.\n"
    "\n"
    "options:\n"
    "  --redis URL   redis://HOST:PORT[/DB] or redis+sentinel://... (required)\n"
    "\n"
    "exit status: 0 shown; 1 Redis unreachable or the stored secrets malformed;\n"
    "2 usage error.\n";

constexpr std::string_view kSecretsRotateHelp =
    "Adds a new task token secret in front of the cluster's: every node signs\n"
    "new task and page tokens with it from its next heartbeat (sooner: the\n"
    "nodes are told at once), and tokens signed with the older secrets keep\n"
    "working until those are retired. No restart.\n"
    "\n"
    "options:\n"
    "  --redis URL          redis://HOST:PORT[/DB] or redis+sentinel://... (required)\n"
    "  --secret-file FILE   the new secret (at least 16 characters, trailing\n"
    "                       line breaks ignored; - reads standard input);\n"
    "                       default: 32 random bytes\n"
    "\n"
    "At most 16 secrets: retire old ones first.\n"
    "\n"
    "exit status: 0 rotated; 1 refused (already a secret of the cluster, too\n"
    "many) or Redis unreachable; 2 usage error or unreadable file.\n";

constexpr std::string_view kSecretsRetireHelp =
    "Removes old task token secrets: tokens signed with them are InvalidToken\n"
    "on every node from its next heartbeat. Without --key-id, retires every\n"
    "secret but the newest. The newest (the one that signs) cannot be retired:\n"
    "rotate first. Tasks handed out before the rotation whose workers still\n"
    "hold their tokens cannot be answered once their secret is retired.\n"
    "\n"
    "options:\n"
    "  --redis URL     redis://HOST:PORT[/DB] or redis+sentinel://... (required)\n"
    "  --key-id ID     retire only this secret (see 'statecraft secrets list')\n"
    "\n"
    "exit status: 0 done (also when there was nothing to retire); 1 refused\n"
    "(unknown key id, the newest) or Redis unreachable; 2 usage error.\n";

constexpr std::string_view kTrafficHelp =
    "The traffic generator: drives any Step Functions endpoint over HTTP with\n"
    "a scenario and reports throughput, latency percentiles, errors and a\n"
    "correctness check. Repeat --endpoint to drive the nodes of a cluster\n"
    "(figures per node and in total). 'statecraft traffic --help' lists its\n"
    "options.\n";

constexpr std::string_view kClockHelp =
    "The manual clock of a node started with --clock manual (executions.clock:\n"
    "manual): 'show' prints it, 'advance' moves it forward by a duration (24h,\n"
    "90m, 1h30m, 45s, 250ms, 2d or a number of seconds), 'set' moves it to an\n"
    "ISO-8601 instant (never back). Every timer due by the new time fires:\n"
    "Wait states, retry back-offs, task timeouts and heartbeats, execution\n"
    "timeouts. In a cluster, advancing through any node moves every node.\n"
    "Uses the node's admin route /_statecraft/clock.\n"
    "\n"
    "options:\n"
    "  --endpoint URL   http://HOST:PORT or https://HOST:PORT of a node (required)\n"
    "  --ca-bundle FILE, --insecure\n"
    "                   https://: trust the CAs in FILE too, or check no certificate\n"
    "  --access-key ID --secret-key SECRET [--region R]\n"
    "                   sign the request with SigV4 (a node with auth: needs a\n"
    "                   'full' key to move the clock, 'read-only' to show it);\n"
    "                   without the flags AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY\n"
    "                   when set; the Region defaults to AWS_REGION, else us-east-1\n"
    "\n"
    "exit status: 0 done (the clock is printed as JSON); 1 the node refused\n"
    "(404: no manual clock; 400: bad duration or an earlier instant) or could\n"
    "not be reached; 2 usage error.\n";

constexpr std::string_view kHelpHelp =
    "Shows the list of commands, or the help of one command.\n";

}  // namespace

const std::vector<subcommand>& subcommands() {
  static const std::vector<subcommand> table = {
      {"validate", "[--json] FILE...", "check definitions as CreateStateMachine does",
       kValidateHelp, cmd_validate},
      {"run",
       "FILE [--input JSON | --input-file F] [--tasks F] [--name NAME] [--history] [--json] "
       "[--mock-config F --test-case NAME]",
       "run a definition in-process, with scripted activity answers", kRunHelp, cmd_run},
      {"test-state",
       "FILE | --request F [--state-name NAME] [--input JSON] [--mock-result JSON | --mock-error E] "
       "[--inspection-level L] [options]",
       "test one state as AWS's TestState does, with mocks", kTestStateHelp, cmd_test_state},
      {"cluster status", "--redis URL",
       "show a cluster's nodes, heartbeats and shard ownership", kClusterStatusHelp,
       cmd_cluster_status},
      {"secrets list", "--redis URL", "list a cluster's task token secrets by key id",
       kSecretsListHelp, cmd_secrets_list},
      {"secrets rotate", "--redis URL [--secret-file FILE]",
       "add a new task token secret that signs from now on", kSecretsRotateHelp,
       cmd_secrets_rotate},
      {"secrets retire", "--redis URL [--key-id ID]",
       "remove old task token secrets (their tokens become invalid)", kSecretsRetireHelp,
       cmd_secrets_retire},
      {"traffic", "--scenario NAME [--endpoint URL]... [options]",
       "load-test any Step Functions endpoint (see statecraft traffic --help)", kTrafficHelp,
       cmd_traffic},
      {"clock show", "--endpoint URL", "show a node's manual clock", kClockHelp, cmd_clock_show},
      {"clock advance", "--endpoint URL DURATION",
       "move the manual clock forward (fires the timers due)", kClockHelp, cmd_clock_advance},
      {"clock set", "--endpoint URL INSTANT", "move the manual clock to an ISO-8601 instant",
       kClockHelp, cmd_clock_set},
      {"help", "[COMMAND]", "show help for a command", kHelpHelp, cmd_help},
  };
  return table;
}

namespace {

void print_main_help(std::ostream& out) {
  out << "usage: statecraft COMMAND [ARGS...]\n"
         "       statecraft --help | --version\n"
         "\n"
         "Test AWS Step Functions (Amazon States Language) workflows without a server.\n"
         "\n"
         "commands:\n";
  size_t width = 0;
  for (const auto& c : subcommands()) width = std::max(width, c.name.size());
  for (const auto& c : subcommands())
    out << "  " << c.name << std::string(width - c.name.size() + 3, ' ') << c.summary << "\n";
  out << "\n"
         "options:\n"
         "  -h, --help   show this help\n"
         "  --version    print the version\n"
         "\n"
         "Run 'statecraft help COMMAND' for a command's options.\n";
}

/// Splits "cluster status" into words.
std::vector<std::string_view> words(std::string_view name) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < name.size()) {
    size_t j = name.find(' ', i);
    if (j == std::string_view::npos) j = name.size();
    if (j > i) out.push_back(name.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

/// The subcommand named by the leading words of `args` (longest match), and
/// how many words it took; nullptr when none matches.
const subcommand* find_command(const std::vector<std::string>& args, size_t& consumed) {
  const subcommand* best = nullptr;
  consumed = 0;
  for (const auto& c : subcommands()) {
    auto w = words(c.name);
    if (w.size() > args.size() || w.size() <= consumed) continue;
    bool match = true;
    for (size_t i = 0; i < w.size() && match; ++i) match = args[i] == w[i];
    if (match) {
      best = &c;
      consumed = w.size();
    }
  }
  return best;
}

/// Commands whose name starts with the words in `args` (for "statecraft
/// cluster" when only "cluster status" exists).
std::vector<const subcommand*> commands_under(const std::vector<std::string>& args) {
  std::vector<const subcommand*> out;
  for (const auto& c : subcommands()) {
    auto w = words(c.name);
    if (w.size() <= args.size()) continue;
    bool match = true;
    for (size_t i = 0; i < args.size() && match; ++i) match = args[i] == w[i];
    if (match) out.push_back(&c);
  }
  return out;
}

int unknown_command(const std::vector<std::string>& args) {
  // Longest prefix of args that is the start of some command names.
  std::vector<std::string> prefix;
  std::vector<const subcommand*> under;
  for (const auto& a : args) {
    if (!a.empty() && a[0] == '-') break;
    prefix.push_back(a);
    auto u = commands_under(prefix);
    if (u.empty()) {
      prefix.pop_back();
      break;
    }
    under = std::move(u);
  }
  if (!prefix.empty() && !under.empty()) {
    std::string p;
    for (auto& w : prefix) p += (p.empty() ? "" : " ") + w;
    std::cerr << "statecraft: '" << p << "' needs a subcommand; one of:\n";
    for (auto* c : under) std::cerr << "  statecraft " << c->name << " " << c->synopsis << "\n";
    return exit_usage;
  }
  std::cerr << "statecraft: unknown command '" << args[0] << "'\n\n";
  print_main_help(std::cerr);
  return exit_usage;
}

int cmd_help(const std::vector<std::string>& args) {
  std::vector<std::string> rest;
  for (const auto& a : args) {
    if (a == "-h" || a == "--help") {
      size_t n = 0;
      print_help(*find_command({"help"}, n));
      return exit_ok;
    }
    rest.push_back(a);
  }
  if (rest.empty()) {
    print_main_help(std::cout);
    return exit_ok;
  }
  size_t consumed = 0;
  const subcommand* c = find_command(rest, consumed);
  if (!c || consumed != rest.size()) {
    auto under = commands_under(rest);
    if (!under.empty()) {
      for (auto* u : under) print_help(*u), std::cout << "\n";
      return exit_ok;
    }
    std::string p;
    for (auto& w : rest) p += (p.empty() ? "" : " ") + w;
    std::cerr << "statecraft: no help for unknown command '" << p << "'\n\n";
    print_main_help(std::cerr);
    return exit_usage;
  }
  print_help(*c);
  return exit_ok;
}

}  // namespace

int usage_error(const subcommand& cmd, std::string_view message) {
  if (!message.empty()) std::cerr << "statecraft " << cmd.name << ": " << message << "\n";
  std::cerr << "usage: statecraft " << cmd.name << " " << cmd.synopsis << "\n"
            << "Run 'statecraft help " << cmd.name << "' for details.\n";
  return exit_usage;
}

void print_help(const subcommand& cmd) {
  std::string summary(cmd.summary);
  if (!summary.empty()) summary[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(summary[0])));
  std::cout << "usage: statecraft " << cmd.name << " " << cmd.synopsis << "\n\n"
            << summary << ".\n\n"
            << cmd.help;
}

parsed_args parse_args(const std::vector<std::string>& args, const std::vector<option_spec>& specs) {
  parsed_args r;
  bool flags_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (flags_done || a == "-" || a.empty() || a[0] != '-') {
      r.positional.push_back(a);
      continue;
    }
    if (a == "--") {
      flags_done = true;
      continue;
    }
    if (a == "-h" || a == "--help") {
      r.help = true;
      continue;
    }
    std::string name = a, value;
    bool inline_value = false;
    if (auto eq = a.find('='); eq != std::string::npos && a.rfind("--", 0) == 0) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
      inline_value = true;
    }
    const option_spec* spec = nullptr;
    for (const auto& s : specs)
      if (s.name == name) spec = &s;
    if (!spec) {
      if (r.error.empty()) r.error = "unknown option '" + name + "'";
      continue;
    }
    if (spec->takes_value && !inline_value) {
      if (i + 1 >= args.size()) {
        if (r.error.empty()) r.error = "option '" + name + "' needs a value";
        continue;
      }
      value = args[++i];
    } else if (!spec->takes_value && inline_value) {
      if (r.error.empty()) r.error = "option '" + name + "' takes no value";
      continue;
    }
    if (r.values.count(name)) {
      if (r.error.empty()) r.error = "option '" + name + "' given more than once";
      continue;
    }
    r.values.emplace(name, std::move(value));
  }
  return r;
}

std::string display_name(const std::string& path) { return path == "-" ? "<stdin>" : path; }

bool read_source(const std::string& path, std::string& text, std::string& error) {
  static bool stdin_used = false;
  text.clear();
  FILE* f = nullptr;
  if (path == "-") {
    if (stdin_used) {
      error = "standard input (-) can only be read once";
      return false;
    }
    stdin_used = true;
    f = stdin;
  } else {
    f = std::fopen(path.c_str(), "rb");
    if (!f) {
      error = "cannot read " + path + ": " + std::strerror(errno);
      return false;
    }
  }
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  bool failed = std::ferror(f);
  int err = errno;
  if (f != stdin) std::fclose(f);
  if (failed) {
    error = "cannot read " + display_name(path) + ": " + std::strerror(err);
    return false;
  }
  return true;
}

}  // namespace statecraft

int main(int argc, char** argv) {
  using namespace statecraft;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_main_help(std::cerr);
    return exit_usage;
  }
  const std::string& first = args[0];
  if (first == "-h" || first == "--help") {
    print_main_help(std::cout);
    return exit_ok;
  }
  if (first == "--version" || first == "-V") {
    std::cout << "statecraft " STATECRAFT_VERSION "\n";
    return exit_ok;
  }
  if (!first.empty() && first[0] == '-') {
    std::cerr << "statecraft: unknown option '" << first << "'\n\n";
    print_main_help(std::cerr);
    return exit_usage;
  }
  size_t consumed = 0;
  const subcommand* cmd = find_command(args, consumed);
  if (!cmd) return unknown_command(args);
  std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(consumed), args.end());
  return cmd->run(rest);
}
