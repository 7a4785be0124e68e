// Filling `settings` from a YAML file and from statecraftd's command line.
//
// Everything is reported, nothing throws: each function returns the full list
// of problems (one human-readable line each, naming the key path or flag) so a
// user fixes a config in one round. A value that fails its check is never
// stored, so `settings` always holds valid per-key values; cross-key rules
// (e.g. redis backend needs a URL) are checked by validate() once all sources
// have been applied. One table of keys (load.cpp) drives the YAML reader, the
// flags, validate(), describe() and the --help text, so they cannot drift.
#pragma once

#include "config/settings.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sc::config {

/// Reads the YAML file at `path` and applies every valid value over `s`
/// (keys absent from the file keep their current value). Returns every
/// problem at once, each one line "PATH:LINE:COL: section.key: message",
/// e.g. "x.yaml:3:9: node.port: must be an integer between 1 and 65535
/// (got 'abc')". A missing file or a YAML syntax error is a single problem.
/// Cross-key rules are not checked here: call validate() afterwards.
std::vector<std::string> load_file(const std::string& path, settings& s);

/// Checks every key's range/form and the cross-key rules (redis backend needs
/// a well-formed redis_url). Empty when `s` is usable.
std::vector<std::string> validate(const settings& s);

/// Outcome of apply_args().
struct cli_result {
  bool exit = false;                  ///< Caller should exit now with exit_code.
  int exit_code = 0;                  ///< 0 for --help/--version, 2 on problems.
  std::string output;                 ///< Text for stdout (--help, --version).
  std::vector<std::string> problems;  ///< One line each; print to stderr.
};

/// Applies statecraftd's command line to `s`: every --config FILE first (in
/// the order given), then all other flags in order, whatever their position;
/// then validate(). Accepts "--flag value" and "--flag=value". --help / -h
/// and --version win over everything else (exit with code 0 and `output`).
/// Any problem (unknown flag, bad value, bad config file, validate()) sets
/// exit = true and exit_code = 2, with all problems listed.
cli_result apply_args(int argc, char** argv, settings& s);

/// The --help text: usage line and one line per flag.
std::string usage();

/// statecraftd's version string (STATECRAFT_VERSION if defined at build time).
std::string version();

/// One-line summary for the startup log, e.g. "node_id=n1 listen=127.0.0.1:8083
/// region=us-east-1 ...". Never prints the task token secret itself.
std::string describe(const settings& s);

/// node.node_id, or "<hostname>-<pid>" when it is empty.
std::string effective_node_id(const settings& s);

/// node.worker_threads, or the number of cores (at least 1) when it is 0.
int effective_worker_threads(const settings& s);

/// The parts of a redis://HOST:PORT[/DB] URL.
struct redis_endpoint {
  std::string host;  ///< Host name or address (IPv6 without the brackets).
  int port = 6379;   ///< 1..65535.
  int db = 0;        ///< Database index, 0 when the URL has no /DB.
};

/// Parses a redis://HOST:PORT[/DB] URL (IPv6 hosts in brackets); nullopt when
/// malformed.
std::optional<redis_endpoint> parse_redis_url(std::string_view url);

}  // namespace sc::config
