// Regular expressions for JSONata (regex literals `/…/flags`, $match,
// $replace, $split, $contains).
//
// JSONata's regexes are JavaScript regexes. The engine is PCRE2 (the
// reasons are in regex.cpp's header comment): Perl/JavaScript syntax with
// lookaround and backreferences, UTF mode, and hard match and depth limits,
// so a catastrophic pattern ends with an error (D1004-style, see regex.cpp)
// instead of a stuck thread. Offsets are byte offsets into UTF-8 text;
// callers convert to UTF-16 units with utf16.hpp.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/jsonata/environment.hpp"
#include "runtime/jsonata/error.hpp"

namespace sc::jsonata {

class regex {
 public:
  struct match {
    size_t begin = 0, end = 0;  ///< byte offsets of the whole match
    /// Capture groups 1..n: byte ranges, or nullopt when a group did not take part.
    std::vector<std::optional<std::pair<size_t, size_t>>> groups;
  };

  /// Compiles `pattern` with JavaScript `flags` ("i", "m"; others refused).
  /// Returns nullptr and fills `err` when the pattern is not valid.
  static std::shared_ptr<const regex> compile(std::string_view pattern, std::string_view flags,
                                              error* err);

  /// The first match at or after byte offset `from`, or nullopt. Throws
  /// `exception` when the match limits are exhausted.
  std::optional<match> exec(std::string_view subject, size_t from) const;
  /// As above, with the evaluation's match and depth limits.
  std::optional<match> exec(std::string_view subject, size_t from, const limits& lim) const;

  const std::string& pattern() const { return pattern_; }
  const std::string& flags() const { return flags_; }

  ~regex();
  regex(const regex&) = delete;
  regex& operator=(const regex&) = delete;

 private:
  regex() = default;
  std::string pattern_, flags_;
  void* code_ = nullptr;  // pcre2_code_8*
};

/// A regex as a JSONata function value (what a regex literal evaluates to).
struct regex_function final : function_node {
  explicit regex_function(std::shared_ptr<const regex> r)
      : function_node(variety::regex), re(std::move(r)) {}
  std::shared_ptr<const regex> re;
};

}  // namespace sc::jsonata
