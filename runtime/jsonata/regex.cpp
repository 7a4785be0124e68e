// JavaScript-style regular expressions on PCRE2.
//
// Why PCRE2. JSONata's regexes are JavaScript regexes, and expressions in
// the wild use what JavaScript offers: lookahead and lookbehind,
// backreferences, lazy quantifiers, named groups. RE2 has neither
// backreferences nor lookaround. std::regex implements ECMAScript syntax
// but matches recursively with no bound: a long subject overflows the
// stack and a catastrophic pattern (`(a+)+$`) runs for ever, and the node
// must survive whatever a state machine author writes. PCRE2 speaks the
// same Perl-derived dialect as JavaScript, runs in UTF-8 mode over our
// strings as they are, and has hard per-match budgets (match limit: calls
// of its internal match function; depth limit: backtracking depth; heap
// limit), so every exec ends.
//
// Options, chosen to behave like a JavaScript RegExp without the `u` flag:
// - PCRE2_UTF | PCRE2_MATCH_INVALID_UTF: patterns and subjects are UTF-8;
//   a lone surrogate (WTF-8) in a subject never matches instead of being
//   undefined behaviour.
// - no PCRE2_UCP: `\w`, `\d`, `\s` and `\b` are ASCII in JavaScript too.
//   Caseless matching of non-ASCII letters still follows Unicode in UTF mode.
// - PCRE2_ALT_BSUX: `\uXXXX` and `\xXX` are JavaScript's escapes and `\u`
//   not followed by four hex digits is a literal `u`. Not
//   PCRE2_EXTRA_ALT_BSUX: it adds `\u{…}`, which only exists with the `u`
//   flag (without it, /\u{2}/ means "u" twice).
// - PCRE2_MATCH_UNSET_BACKREF: a backreference to a group that has not
//   taken part matches the empty string, as in JavaScript.
// - PCRE2_DOLLAR_ENDONLY: without `m`, `$` matches only at the very end
//   (Perl's `$` also matches before a final newline; JavaScript's does not).
// - PCRE2_ALLOW_EMPTY_CLASS: `[]` never matches and `[^]` matches any
//   character, as in JavaScript.
// - PCRE2_EXTRA_BAD_ESCAPE_IS_LITERAL: an escape PCRE2 does not know is the
//   escaped character, as in JavaScript without `u`.
// - newline convention ANYCRLF: `.` stops at \n and \r, and with `m` `^`/`$`
//   match around either (JavaScript also counts U+2028/U+2029; rare).
// - flags: `i` → PCRE2_CASELESS, `m` → PCRE2_MULTILINE. JSONata's lexer only
//   accepts these two (and adds `g`, which is how $match & co iterate).
// Known differences, accepted: `.` and `[^x]` match a whole astral
// character where JavaScript matches one surrogate; `\s` does not match
// non-ASCII spaces.
//
// Limits exceeded. jsonata-js has no error for this (V8 would just run).
// The evaluation ran out of a budget, which is what U1001 already means
// here for depth and steps, so exhausting a regex budget raises U1001 too,
// with its own message naming the pattern so the author sees which regex
// to fix: "Regular expression /…/ exceeded its backtracking limit …".
// (D1004 is taken: "Regular expression matches zero length string", which
// $match/$replace/$split raise when an iteration would not advance; that
// check lives with them in fn_string.cpp.)
//
// Invalid patterns. JavaScript throws a SyntaxError without a JSONata code;
// compile reports S0303 (a code jsonata-js 2.0.6 does not use, next to its
// other regex-literal codes S0301/S0302) with PCRE2's reason.
#include "runtime/jsonata/regex.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace sc::jsonata {

namespace {
pcre2_code* code_of(void* p) { return static_cast<pcre2_code*>(p); }

/// Per-thread match data and match context, reused across execs (an exec
/// is one call of $match's loop; allocating both each time showed).
struct scratch {
  pcre2_match_data* md = pcre2_match_data_create(64, nullptr);
  pcre2_match_context* mc = pcre2_match_context_create(nullptr);
  ~scratch() {
    pcre2_match_data_free(md);
    pcre2_match_context_free(mc);
  }
};
}  // namespace

regex::~regex() {
  if (code_) pcre2_code_free(code_of(code_));
}

std::shared_ptr<const regex> regex::compile(std::string_view pattern, std::string_view flags,
                                            error* err) {
  uint32_t options = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_ALT_BSUX |
                     PCRE2_MATCH_UNSET_BACKREF | PCRE2_DOLLAR_ENDONLY | PCRE2_ALLOW_EMPTY_CLASS;
  for (char f : flags) {
    if (f == 'i') {
      options |= PCRE2_CASELESS;
    } else if (f == 'm') {
      options |= PCRE2_MULTILINE;
    } else if (f != 'g') {
      if (err) {
        *err = make_error("S0303");
        err->message = "Invalid regular expression flags: " + std::string(flags);
      }
      return nullptr;
    }
  }
  pcre2_compile_context* cc = pcre2_compile_context_create(nullptr);
  pcre2_set_newline(cc, PCRE2_NEWLINE_ANYCRLF);
  pcre2_set_compile_extra_options(cc, PCRE2_EXTRA_BAD_ESCAPE_IS_LITERAL);
  int errcode = 0;
  PCRE2_SIZE erroff = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   options, &errcode, &erroff, cc);
  pcre2_compile_context_free(cc);
  if (!code) {
    if (err) {
      PCRE2_UCHAR buf[256];
      int n = pcre2_get_error_message(errcode, buf, sizeof buf);
      std::string why = n > 0 ? std::string(reinterpret_cast<char*>(buf), size_t(n)) : "invalid";
      *err = make_error("S0303", erroff, std::nullopt, value::string(std::string(pattern)));
      err->message = "Invalid regular expression: /" + std::string(pattern) + "/: " + why;
    }
    return nullptr;
  }
  std::shared_ptr<regex> r(new regex());
  r->pattern_ = std::string(pattern);
  r->flags_ = std::string(flags);
  r->code_ = code;
  return r;
}

std::optional<regex::match> regex::exec(std::string_view subject, size_t from) const {
  return exec(subject, from, limits{});
}

std::optional<regex::match> regex::exec(std::string_view subject, size_t from,
                                        const limits& lim) const {
  if (from > subject.size()) return std::nullopt;
  pcre2_code* code = code_of(code_);
  thread_local scratch tls;
  uint32_t groups = 0;
  pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &groups);
  // Patterns with more than 63 groups get match data of their own.
  bool own = groups >= 64;
  pcre2_match_data* md = own ? pcre2_match_data_create_from_pattern(code, nullptr) : tls.md;
  pcre2_match_context* mc = tls.mc;
  pcre2_set_match_limit(mc, lim.regex_match_limit);
  pcre2_set_depth_limit(mc, lim.regex_depth_limit);
  pcre2_set_heap_limit(mc, 64 * 1024);  // KiB: 64 MiB of backtracking frames at most
  int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), from, 0,
                       md, mc);
  std::optional<match> out;
  if (rc > 0) {
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    uint32_t pairs = pcre2_get_ovector_count(md);
    match m;
    m.begin = ov[0];
    m.end = ov[1];
    m.groups.reserve(groups);
    for (uint32_t g = 1; g <= groups; ++g) {
      if (g < pairs && ov[2 * g] != PCRE2_UNSET && int(g) < rc)
        m.groups.emplace_back(std::make_pair(size_t(ov[2 * g]), size_t(ov[2 * g + 1])));
      else
        m.groups.emplace_back(std::nullopt);
    }
    out = std::move(m);
  }
  if (own) pcre2_match_data_free(md);
  if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT ||
      rc == PCRE2_ERROR_NOMEMORY) {
    error e = make_error("U1001", std::nullopt, std::nullopt, value::string(pattern_));
    e.message = "Regular expression /" + pattern_ + "/" + flags_ +
                " exceeded its backtracking limit: simplify the pattern (nested quantifiers "
                "such as (a+)+ backtrack exponentially)";
    throw exception(std::move(e));
  }
  return out;
}

}  // namespace sc::jsonata
