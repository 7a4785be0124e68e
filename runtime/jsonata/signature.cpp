// Function signatures, validated the way jsonata-js validates them.
//
// jsonata-js does not walk a signature against the arguments. It turns the
// signature into a regular expression over one-letter type symbols (s n b l
// o a f, and m for a missing value), writes the call's arguments as a string
// of such symbols ("snm"), and matches one against the other; each
// parameter is one capture group. Which parameter an argument lands on is
// therefore decided by backtracking regex semantics, greedy `?` and `+`
// included, and the errors fall out of where partial patterns stop
// matching. Reproducing that with hand-written matching would differ in the
// corners (lazy `??` after a `-`, character ranges inside a union such as
// `(s-n)`, a `+` followed by an optional parameter), and the corners are
// what user-written lambda signatures reach. So this file builds the same
// pattern text and runs it with PCRE2, whose semantics for this subset
// (character classes, `?`, `+`, lazy forms, capture groups) are
// JavaScript's. Patterns are compiled once per signature; matching runs
// over a string as long as the argument list, and its outcome is memoised
// per thread by (signature, argument shape), so a call site that keeps
// passing the same kinds of arguments runs PCRE2 once. `validate_in_place`
// leaves the argument list untouched when it passes as it is (one argument
// per parameter, nothing inserted or wrapped), the common case.
//
// The fix-ups after a match follow the reference line by line, including
// its quirks, because they are observable: a parameter whose group matched
// nothing takes the context value when it is marked `-` (after checking the
// context's type against the parameter's class, T0411), otherwise the next
// argument; a parameter of type `a` wraps a non-array argument in an array
// and, when typed (`a<n>`), checks every item against the first item's type
// and that type against the declared one (T0412); a `+` parameter of a type
// other than `a` passes its first argument once per argument matched.
#include "runtime/jsonata/signature.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <atomic>
#include <optional>
#include <unordered_map>

namespace sc::jsonata {

namespace {

struct code_deleter {
  void operator()(pcre2_code* c) const { pcre2_code_free(c); }
};
using code_ptr = std::unique_ptr<pcre2_code, code_deleter>;

/// Compiles one of the internal symbol patterns; nullptr when PCRE2 refuses
/// it (only possible for odd union text in a user signature).
code_ptr compile_symbols(const std::string& pattern) {
  int errcode = 0;
  PCRE2_SIZE erroff = 0;
  return code_ptr(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), 0,
                                &errcode, &erroff, nullptr));
}

/// Matches `code` against `subject`; the capture ranges (start, end) of
/// groups 0..n, or nullopt when there is no match.
std::optional<std::vector<std::pair<size_t, size_t>>> run(const pcre2_code* code,
                                                          std::string_view subject) {
  if (!code) return std::nullopt;
  pcre2_match_data* md = pcre2_match_data_create_from_pattern(code, nullptr);
  int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0, 0,
                       md, nullptr);
  std::optional<std::vector<std::pair<size_t, size_t>>> out;
  if (rc > 0) {
    uint32_t n = pcre2_get_ovector_count(md);
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    out.emplace();
    for (uint32_t i = 0; i < n; ++i) {
      if (ov[2 * i] == PCRE2_UNSET)
        out->emplace_back(0, 0);
      else
        out->emplace_back(ov[2 * i], ov[2 * i + 1]);
    }
  }
  pcre2_match_data_free(md);
  return out;
}

char symbol_of(const value& v) {
  switch (v.type()) {
    case kind::function: return 'f';
    case kind::string: return 's';
    case kind::number: return 'n';
    case kind::boolean: return 'b';
    case kind::null: return 'l';
    case kind::array: return 'a';
    case kind::object: return 'o';
    default: return 'm';
  }
}

const char* plural_of(std::string_view subtype) {
  if (subtype == "a") return "arrays";
  if (subtype == "b") return "booleans";
  if (subtype == "f") return "functions";
  if (subtype == "n") return "numbers";
  if (subtype == "o") return "objects";
  if (subtype == "s") return "strings";
  return nullptr;
}

struct param {
  std::string regex;    // the class and its modifiers, as jsonata-js writes it
  std::string type;     // "s", "a", "(sf)", …
  std::optional<std::string> subtype;  // a<…>, f<…>
  bool context = false;
  bool is_array = false;  // type == "a"
  std::shared_ptr<pcre2_code> context_regex;  // the class before `?` was appended
};

}  // namespace

struct signature::impl {
  uint64_t id = 0;  // unique for the process's lifetime: keys the match cache
  std::string text;
  std::vector<param> params;
  std::shared_ptr<pcre2_code> whole;  // ^(p1)(p2)…$
  std::vector<std::shared_ptr<pcre2_code>> prefixes;  // ^p1, ^p1p2, … for T0410's index
};

namespace {

std::shared_ptr<pcre2_code> shared_compile(const std::string& pattern) {
  return std::shared_ptr<pcre2_code>(compile_symbols(pattern).release(), pcre2_code_free);
}

/// The position of the bracket closing the one at `start` (or text.size()).
size_t closing(std::string_view text, size_t start, char open, char close) {
  int depth = 1;
  size_t pos = start;
  while (pos < text.size()) {
    ++pos;
    if (pos >= text.size()) break;
    if (text[pos] == close) {
      if (--depth == 0) break;
    } else if (text[pos] == open) {
      ++depth;
    }
  }
  return pos;
}

[[noreturn]] void parse_error(const char* code, size_t offset, const std::string& what) {
  error e = make_error(code, offset, std::nullopt, value::string(what));
  throw exception(std::move(e));
}

}  // namespace

signature::signature() : p_(std::make_shared<impl>()) {}
signature::~signature() = default;
signature::signature(const signature&) = default;
signature& signature::operator=(const signature&) = default;

signature signature::parse(std::string_view text) {
  static std::atomic<uint64_t> next_id{1};
  auto p = std::make_shared<impl>();
  p->id = next_id.fetch_add(1, std::memory_order_relaxed);
  p->text = std::string(text);
  param current;
  // jsonata-js keeps a reference to the parameter pushed last; `-`, `?`,
  // `+` and `<…>` modify it.
  auto prev = [&]() -> param* { return p->params.empty() ? nullptr : &p->params.back(); };
  auto push = [&](std::string regex, std::string type) {
    current.regex = std::move(regex);
    current.type = std::move(type);
    p->params.push_back(std::move(current));
    current = param{};
  };
  for (size_t pos = 1; pos < text.size(); ++pos) {
    char c = text[pos];
    if (c == ':') break;
    switch (c) {
      case 's': case 'n': case 'b': case 'l': case 'o':
        push(std::string("[") + c + "m]", std::string(1, c));
        break;
      case 'a': push("[asnblfom]", "a"); break;
      case 'f': push("f", "f"); break;
      case 'j': push("[asnblom]", "j"); break;
      case 'x': push("[asnblfom]", "x"); break;
      case '-':
        if (param* q = prev()) {
          q->context = true;
          q->context_regex = shared_compile(q->regex);
          q->regex += '?';
        }
        break;
      case '?':
      case '+':
        if (param* q = prev()) q->regex += c;
        break;
      case '(': {
        size_t end = closing(text, pos, '(', ')');
        std::string choice(text.substr(pos + 1, end - pos - 1));
        if (choice.find('<') != std::string::npos) parse_error("S0402", pos, choice);
        push("[" + choice + "m]", "(" + choice + ")");
        pos = end;
        break;
      }
      case '<': {
        param* q = prev();
        if (q && (q->type == "a" || q->type == "f")) {
          size_t end = closing(text, pos, '<', '>');
          q->subtype = std::string(text.substr(pos + 1, end - pos - 1));
          pos = end;
        } else {
          parse_error("S0401", pos, q ? q->type : std::string());
        }
        break;
      }
      default:
        break;  // unknown symbols are ignored, as in jsonata-js
    }
  }
  std::string whole = "^";
  std::string prefix = "^";
  for (auto& q : p->params) {
    whole += "(" + q.regex + ")";
    prefix += q.regex;
    p->prefixes.push_back(shared_compile(prefix));
  }
  for (auto& q : p->params) q.is_array = q.type == "a";
  whole += "$";
  p->whole = shared_compile(whole);
  signature s;
  s.p_ = std::move(p);
  return s;
}

namespace {

using match_groups = std::optional<std::vector<std::pair<size_t, size_t>>>;

/// `run(whole, supplied)`, remembered per thread by (signature id, shape).
const match_groups& cached_match(uint64_t id, const pcre2_code* whole, std::string_view supplied) {
  thread_local std::unordered_map<std::string, match_groups> cache;
  std::string key(reinterpret_cast<const char*>(&id), sizeof id);
  key += supplied;
  auto hit = cache.find(key);
  if (hit == cache.end()) {
    if (cache.size() >= 4096) cache.clear();
    hit = cache.emplace(std::move(key), run(whole, supplied)).first;
  }
  return hit->second;
}

}  // namespace

void signature::validate_in_place(std::vector<value>& args, const value& context,
                                  std::string_view name, size_t position) const {
  const impl& s = *p_;
  // The arguments pass as they are when each parameter matched exactly one
  // present argument, and array parameters got arrays whose items satisfy
  // a declared item type; anything else takes the general path.
  if (args.size() == s.params.size() && args.size() <= 16) {
    char buf[16];
    for (size_t i = 0; i < args.size(); ++i) buf[i] = symbol_of(args[i]);
    std::string_view supplied(buf, args.size());
    const match_groups& groups = cached_match(s.id, s.whole.get(), supplied);
    bool as_is = groups.has_value();
    for (size_t i = 0; as_is && i < s.params.size(); ++i) {
      auto [b, e] = (*groups)[i + 1];
      if (e != b + 1 || supplied[b] == 'm' || b != i) {
        as_is = false;
        break;
      }
      const param& q = s.params[i];
      if (!q.is_array) continue;
      if (supplied[b] != 'a') {
        as_is = false;  // wrapped in an array (and its type checked) below
        break;
      }
      if (q.subtype && !args[i].as_array().items.empty()) {
        const auto& items = args[i].as_array().items;
        char first = symbol_of(items[0]);
        if (first != (*q.subtype)[0]) as_is = false;
        for (size_t k = 1; as_is && k < items.size(); ++k)
          if (symbol_of(items[k]) != first) as_is = false;
      }
    }
    if (as_is) return;
  }
  args = validate(args, context, name, position);
}

size_t signature::parameter_count() const { return p_->params.size(); }
const std::string& signature::text() const { return p_->text; }

std::vector<value> signature::validate(const std::vector<value>& args, const value& context,
                                       std::string_view name, size_t position) const {
  const impl& s = *p_;
  // An anonymous function (a lambda called where it is defined) has no
  // name: jsonata-js writes `function undefined` in the message.
  auto token = [&]() -> std::optional<std::string> {
    if (name.empty()) return std::nullopt;
    return std::string(name);
  };
  auto fail = [&](const char* code, const value& v, size_t index) -> exception {
    return exception(make_error(code, position, token(), v, value(), index));
  };

  std::string supplied;
  supplied.reserve(args.size());
  for (auto& a : args) supplied += symbol_of(a);

  // The match depends only on the signature and the symbol string, and a
  // program calls its functions with the same few shapes again and again:
  // each thread remembers the outcome per (signature, shape), so PCRE2 (and
  // its match-data allocation) runs once per shape. Signature ids are never
  // reused, so an entry cannot outlive the meaning of its key; the cache is
  // dropped when it grows past a bound.
  const match_groups& groups = cached_match(s.id, s.whole.get(), supplied);
  if (!groups) {
    // Find the first parameter whose partial pattern stops matching; the
    // argument after the part that did match is the culprit.
    size_t good_to = 0;
    for (auto& prefix : s.prefixes) {
      auto m = run(prefix.get(), supplied);
      if (!m) break;
      good_to = (*m)[0].second - (*m)[0].first;
    }
    throw fail("T0410", good_to < args.size() ? args[good_to] : value(), good_to + 1);
  }

  std::vector<value> out;
  out.reserve(s.params.size());
  size_t arg_index = 0;
  for (size_t i = 0; i < s.params.size(); ++i) {
    const param& q = s.params[i];
    value arg = arg_index < args.size() ? args[arg_index] : value();
    if (!q.is_array) {
      // Not an array parameter: the argument it started at, once per symbol
      // matched (the common case; see the loop below for arrays).
      auto [b, e] = (*groups)[i + 1];
      if (b == e) {
        if (q.context && q.context_regex) {
          std::string ctx(1, symbol_of(context));
          if (!run(q.context_regex.get(), ctx)) throw fail("T0411", context, arg_index + 1);
          out.push_back(context);
        } else {
          out.push_back(std::move(arg));
          ++arg_index;
        }
        continue;
      }
      for (size_t k = b; k < e; ++k) {
        out.push_back(arg);  // sic: the argument the parameter started at
        ++arg_index;
      }
      continue;
    }
    auto [b, e] = (*groups)[i + 1];
    std::string_view match(supplied.data() + b, e - b);
    if (match.empty()) {
      if (q.context && q.context_regex) {
        std::string ctx(1, symbol_of(context));
        if (run(q.context_regex.get(), ctx)) {
          out.push_back(context);
        } else {
          throw fail("T0411", context, arg_index + 1);
        }
      } else {
        out.push_back(arg);
        ++arg_index;
      }
      continue;
    }
    for (char single : match) {
      if (single == 'm') {
        arg = value();
      } else {
        arg = arg_index < args.size() ? args[arg_index] : value();
        bool ok = true;
        if (q.subtype) {
          if (single != 'a' && match != *q.subtype) {
            ok = false;
          } else if (single == 'a' && arg.as_array().size() > 0) {
            const auto& items = arg.as_array().items;
            char first = symbol_of(items[0]);
            if (first != (*q.subtype)[0]) {
              ok = false;
            } else {
              for (auto& it : items)
                if (symbol_of(it) != first) { ok = false; break; }
            }
          }
        }
        if (!ok) {
          // {{type}} is filled from val2 (error.cpp's mapping).
          const char* plural = plural_of(*q.subtype);
          throw exception(make_error("T0412", position, token(), arg,
                                     plural ? value::string(plural) : value(), arg_index + 1));
        }
        if (single != 'a') arg = value::array({arg});
      }
      out.push_back(arg);
      ++arg_index;
    }
  }
  return out;
}

}  // namespace sc::jsonata
