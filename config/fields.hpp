// The key table of the config file and the command line (load.cpp) and the
// text helpers its readers share: the YAML walker (load_yaml.cpp) and the
// flag parser (load_args.cpp). Internal to sc_config.
#pragma once

#include "config/settings.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sc::config::detail {

/// A value quoted for a one-line message: control characters escaped and
/// long values shortened.
std::string quoted(std::string_view v);

/// Lowercase without '_' and '-' ("poll-timeout" -> "polltimeout").
std::string normalize(std::string_view s);

/// The candidate closest to `word` when it is plausibly a typo of it.
std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates);

struct field {
  std::string_view section;  ///< YAML section, e.g. "node".
  std::string_view key;      ///< YAML key, e.g. "port".
  std::string_view flag;     ///< "--port", or "" when there is no flag.
  std::string_view metavar;  ///< "N" in "--port N".
  std::string_view help;     ///< One-line description for --help.
  std::string rule;          ///< "must be an integer between 1 and 65535".
  bool secret = false;       ///< Never echo the value in messages.
  bool list = false;         ///< YAML may give a list: its items are joined with ','.
  /// Parses `text`, checks it and stores it; false (nothing stored) if bad.
  std::function<bool(std::string_view, settings&)> parse;
  /// True when the current value satisfies the rule.
  std::function<bool(const settings&)> check;
  /// The current value as text.
  std::function<std::string(const settings&)> show;
  /// Extra effect of the command-line flag (e.g. --redis sets the backend).
  std::function<void(settings&)> on_flag;

  std::string path() const { return std::string(section) + "." + std::string(key); }

  field cli(std::string_view f, std::string_view mv, std::string_view h) && {
    flag = f;
    metavar = mv;
    help = h;
    return std::move(*this);
  }
  field as_list() && {
    list = true;
    return std::move(*this);
  }
  field with_secret() && {
    secret = true;
    return std::move(*this);
  }
  field then(std::function<void(settings&)> fn) && {
    on_flag = std::move(fn);
    return std::move(*this);
  }

  /// "must be ... (got 'x')" for a rejected value `text`.
  std::string complaint(std::string_view text) const {
    if (secret) return rule + " (got " + std::to_string(text.size()) + " characters)";
    return rule + " (got " + quoted(text) + ")";
  }
};

/// Every key, in the order --help and describe() list them.
const std::vector<field>& fields();
/// The sections of the key table, in table order.
const std::vector<std::string>& section_names();
const field* find_field(std::string_view section, std::string_view key);
/// Suggestion for an unknown key `key` in `section` ("" = top level).
std::optional<std::string> suggest_key(std::string_view section, std::string_view key);

}  // namespace sc::config::detail
