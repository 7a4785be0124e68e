// Shared pieces of the `statecraft` command-line tool: the subcommand
// table, option parsing, reading files and standard input, exit codes.
#pragma once

#include "runtime/asl/parse.hpp"

#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace statecraft {

/// Exit statuses shared by every subcommand.
enum exit_code : int {
  exit_ok = 0,       ///< valid / SUCCEEDED
  exit_failed = 1,   ///< invalid definition (validate), or the run did not succeed
  exit_usage = 2,    ///< bad arguments, unreadable file, invalid definition (run)
};

/// One entry of the subcommand table. `name` may be several words
/// ("cluster status"): the dispatcher matches them against the leading
/// arguments, longest match first.
struct subcommand {
  std::string_view name;
  std::string_view synopsis;  ///< arguments after the name, for usage lines
  std::string_view summary;   ///< one line for `statecraft --help`
  std::string_view help;      ///< the full text for `statecraft help NAME`
  int (*run)(const std::vector<std::string>& args);
};

const std::vector<subcommand>& subcommands();

/// Prints "usage: statecraft NAME SYNOPSIS" plus a hint to stderr and
/// returns exit_usage, after "statecraft: MESSAGE" when message is non-empty.
int usage_error(const subcommand& cmd, std::string_view message);

/// Full help of one subcommand, to stdout.
void print_help(const subcommand& cmd);

/// A flag a subcommand accepts.
struct option_spec {
  std::string_view name;   ///< "--input"
  bool takes_value = false;
};

/// Parsed arguments of a subcommand.
struct parsed_args {
  std::map<std::string, std::string, std::less<>> values;  ///< flag → value ("" for switches)
  std::vector<std::string> positional;
  bool help = false;   ///< -h / --help was given
  std::string error;   ///< non-empty on a usage error

  bool has(std::string_view flag) const { return values.find(flag) != values.end(); }
  std::optional<std::string> get(std::string_view flag) const {
    auto it = values.find(flag);
    if (it == values.end()) return std::nullopt;
    return it->second;
  }
};

/// Parses `args`: "--flag value", "--flag=value", switches, positionals,
/// "-" (standard input) as a positional, "--" ends the flags. A flag given
/// twice, an unknown flag or a missing value is an error.
parsed_args parse_args(const std::vector<std::string>& args, const std::vector<option_spec>& specs);

/// Reads a whole file, or standard input for "-" (only once per process).
/// On failure returns false and a message naming the file.
bool read_source(const std::string& path, std::string& text, std::string& error);

/// How a path is shown in messages ("<stdin>" for "-").
std::string display_name(const std::string& path);

/// Text rendering of a definition's diagnostics: one line per problem,
/// "NAME: CODE: message at /location", then "NAME: InvalidDefinition: <AWS's
/// message>". Line breaks inside messages (the source echo of a JSON syntax
/// error) are written as \n so that each entry stays on one line.
void print_diagnostics(std::ostream& out, const std::string& name,
                       const std::vector<sc::asl::diagnostic>& diags);

// Subcommand entry points.
int cmd_validate(const std::vector<std::string>& args);
int cmd_run(const std::vector<std::string>& args);
int cmd_test_state(const std::vector<std::string>& args);
int cmd_cluster_status(const std::vector<std::string>& args);
int cmd_secrets_list(const std::vector<std::string>& args);
int cmd_secrets_rotate(const std::vector<std::string>& args);
int cmd_secrets_retire(const std::vector<std::string>& args);
int cmd_traffic(const std::vector<std::string>& args);
int cmd_clock_show(const std::vector<std::string>& args);
int cmd_clock_advance(const std::vector<std::string>& args);
int cmd_clock_set(const std::vector<std::string>& args);

}  // namespace statecraft
