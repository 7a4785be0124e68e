// JSONPath for the States Language, modelled on the Jayway JsonPath library
// that AWS Step Functions uses.
//
// Design: `path::compile` parses the text once (root `$`, `$$` or a
// workflow variable `$name`) into a vector of segments (name, index,
// wildcard, slice, name/index unions, filter; each optionally preceded by
// `..`). Evaluation never re-parses: a reference path walks one
// pointer down the document; a full path keeps a list of matched nodes and
// expands it segment by segment, skipping branches that do not match (so a
// wildcard or slice over a missing field yields `[]`, as AWS does). Filters
// are compiled to a small expression tree whose operands are relative (`@`)
// or absolute (`$`) reference paths and JSON literals.
//
// AWS facts reproduced here (see tests/runtime/eval/jsonpath.test.cpp):
//  * `canonical()` prints Jayway's bracket form `$['a'][0][*]`, used in
//    "No results for path: $['missing']";
//  * a ResultPath that cannot be applied fails with
//    States.ReferencePathConflict and the cause
//    `Unable to apply ReferencePath $.x to input "text"` (input not a
//    container) or `Unable to apply step "b" to input 1` (walk blocked).
#include "runtime/eval/jsonpath.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <vector>

namespace sc::eval {

namespace {

struct filter_expr;

enum class seg_kind : uint8_t { name, index, wildcard, slice, names, indexes, filter };

struct segment {
  seg_kind kind = seg_kind::name;
  bool descent = false;  // preceded by `..`
  std::string name;                  // name
  int64_t index = 0;                 // index
  std::vector<std::string> names;    // names (union of quoted names)
  std::vector<int64_t> indexes;      // indexes (union of indexes)
  std::optional<int64_t> start, end;  // slice
  int64_t step = 1;                   // slice
  std::shared_ptr<const filter_expr> filter;
};

using nodes = std::vector<const json::value*>;

// ---------------------------------------------------------------- filters

struct operand {
  enum class kind : uint8_t { none, relative, absolute, literal };
  kind k = kind::none;
  std::vector<segment> path;               // relative / absolute
  std::shared_ptr<json::document> literal;  // literal
};

struct filter_expr {
  enum class op : uint8_t { or_, and_, not_, exists, eq, ne, lt, le, gt, ge };
  op o = op::exists;
  std::shared_ptr<const filter_expr> lhs, rhs;  // or / and / not
  operand a, b;                                 // exists (a) and comparisons
};

// ---------------------------------------------------------------- helpers

const json::value* member(const json::value& obj, const std::string& name) {
  if (!obj.IsObject()) return nullptr;
  json::value key(rapidjson::StringRef(name.data(), name.size()));
  auto it = obj.FindMember(key);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

// Array element with Jayway's negative-index rule ([-1] is the last item).
const json::value* element(const json::value& arr, int64_t i) {
  if (!arr.IsArray()) return nullptr;
  const int64_t n = arr.Size();
  if (i < 0) i += n;
  if (i < 0 || i >= n) return nullptr;
  return &arr[static_cast<rapidjson::SizeType>(i)];
}

// Follows a reference-only segment list; nullptr when anything is missing.
const json::value* walk(const std::vector<segment>& segs, const json::value& from) {
  const json::value* cur = &from;
  for (const auto& s : segs) {
    cur = s.kind == seg_kind::name ? member(*cur, s.name) : element(*cur, s.index);
    if (!cur) return nullptr;
  }
  return cur;
}

bool is_reference_segment(const segment& s) {
  return !s.descent && (s.kind == seg_kind::name || s.kind == seg_kind::index);
}

// ------------------------------------------------------ filter evaluation

const json::value* resolve(const operand& o, const json::value& item, const json::value& root) {
  switch (o.k) {
    case operand::kind::relative: return walk(o.path, item);
    case operand::kind::absolute: return walk(o.path, root);
    case operand::kind::literal: return o.literal.get();
    case operand::kind::none: break;
  }
  return nullptr;
}

bool values_equal(const json::value& x, const json::value& y) {
  if (x.IsNumber() && y.IsNumber()) {
    if (x.IsInt64() && y.IsInt64()) return x.GetInt64() == y.GetInt64();
    return x.GetDouble() == y.GetDouble();
  }
  if (x.GetType() != y.GetType()) {
    // true/false are distinct RapidJSON types; both are booleans.
    return x.IsBool() && y.IsBool() && x.GetBool() == y.GetBool();
  }
  if (x.IsString())
    return x.GetStringLength() == y.GetStringLength() &&
           std::equal(x.GetString(), x.GetString() + x.GetStringLength(), y.GetString());
  return x == y;  // null, bool, object, array: structural
}

// <0, 0, >0; nullopt when the two values are not ordered (different types).
std::optional<int> order(const json::value& x, const json::value& y) {
  if (x.IsNumber() && y.IsNumber()) {
    if (x.IsInt64() && y.IsInt64())
      return x.GetInt64() < y.GetInt64() ? -1 : (x.GetInt64() > y.GetInt64() ? 1 : 0);
    const double a = x.GetDouble(), b = y.GetDouble();
    return a < b ? -1 : (a > b ? 1 : 0);
  }
  if (x.IsString() && y.IsString()) {
    std::string_view a(x.GetString(), x.GetStringLength()), b(y.GetString(), y.GetStringLength());
    return a.compare(b) < 0 ? -1 : (a.compare(b) > 0 ? 1 : 0);
  }
  return std::nullopt;
}

bool test(const filter_expr& f, const json::value& item, const json::value& root) {
  using op = filter_expr::op;
  switch (f.o) {
    case op::or_: return test(*f.lhs, item, root) || test(*f.rhs, item, root);
    case op::and_: return test(*f.lhs, item, root) && test(*f.rhs, item, root);
    case op::not_: return !test(*f.lhs, item, root);
    case op::exists: {
      const json::value* v = resolve(f.a, item, root);
      // A bare literal is tested for truthiness (`[?(true)]`).
      if (v && f.a.k == operand::kind::literal) return !(v->IsFalse() || v->IsNull());
      return v != nullptr;
    }
    default: break;
  }
  const json::value* x = resolve(f.a, item, root);
  const json::value* y = resolve(f.b, item, root);
  if (f.o == op::ne) return !(x && y && values_equal(*x, *y));  // missing != v holds
  if (!x || !y) return false;
  if (f.o == op::eq) return values_equal(*x, *y);
  auto c = order(*x, *y);
  if (!c) return false;
  switch (f.o) {
    case op::lt: return *c < 0;
    case op::le: return *c <= 0;
    case op::gt: return *c > 0;
    case op::ge: return *c >= 0;
    default: return false;
  }
}

// ------------------------------------------------------ segment application

void apply(const segment& s, const json::value& node, const json::value& root, nodes& out) {
  switch (s.kind) {
    case seg_kind::name:
      if (auto* v = member(node, s.name)) out.push_back(v);
      break;
    case seg_kind::index:
      if (auto* v = element(node, s.index)) out.push_back(v);
      break;
    case seg_kind::names:
      for (const auto& n : s.names)
        if (auto* v = member(node, n)) out.push_back(v);
      break;
    case seg_kind::indexes:
      for (int64_t i : s.indexes)
        if (auto* v = element(node, i)) out.push_back(v);
      break;
    case seg_kind::wildcard:
      if (node.IsObject())
        for (auto& m : node.GetObject()) out.push_back(&m.value);
      else if (node.IsArray())
        for (auto& e : node.GetArray()) out.push_back(&e);
      break;
    case seg_kind::slice: {
      if (!node.IsArray()) break;
      const int64_t n = node.Size();
      // Python slice semantics (Jayway has no step; the step is an extension).
      auto clamp = [&](std::optional<int64_t> v, int64_t dflt, int64_t lo, int64_t hi) {
        if (!v) return dflt;
        int64_t x = *v < 0 ? *v + n : *v;
        return std::clamp(x, lo, hi);
      };
      if (s.step > 0) {
        int64_t b = clamp(s.start, 0, 0, n), e = clamp(s.end, n, 0, n);
        for (int64_t i = b; i < e; i += s.step) out.push_back(&node[static_cast<rapidjson::SizeType>(i)]);
      } else {
        int64_t b = clamp(s.start, n - 1, -1, n - 1), e = clamp(s.end, -1, -1, n - 1);
        if (!s.end) e = -1;
        for (int64_t i = b; i > e; i += s.step) out.push_back(&node[static_cast<rapidjson::SizeType>(i)]);
      }
      break;
    }
    case seg_kind::filter:
      if (node.IsArray()) {
        for (auto& e : node.GetArray())
          if (test(*s.filter, e, root)) out.push_back(&e);
      } else if (node.IsObject()) {
        // Jayway applies a filter on an object to the object itself.
        if (test(*s.filter, node, root)) out.push_back(&node);
      }
      break;
  }
}

// What one evaluation may cost. Without a budget, `$..[*]..[*]` over a
// document nested 500 deep matches ~125,000 subtrees whose copies take
// gigabytes; with one, such a path fails at once with
// States.DataLimitExceeded. The limits are far above what a payload within
// AWS's 256 KiB limit needs for any sensible path.
constexpr size_t max_matches = size_t(1) << 20;      // nodes matched after a segment
constexpr size_t max_visits = size_t(1) << 24;       // nodes walked by `..`, in all
constexpr size_t max_result_bytes = size_t(4) << 20;  // copied result, estimated

struct budget {
  size_t visits = 0;
  bool exceeded = false;
};

// Containers reachable from `node` (itself first), depth-first pre-order:
// the nodes a `..` segment is applied to, in Jayway's order.
void containers(const json::value& node, nodes& out, budget& b) {
  if (!node.IsObject() && !node.IsArray()) return;
  if (++b.visits > max_visits) {
    b.exceeded = true;
    return;
  }
  out.push_back(&node);
  if (node.IsObject()) {
    for (auto& m : node.GetObject()) containers(m.value, out, b);
  } else {
    for (auto& e : node.GetArray()) containers(e, out, b);
  }
}

bool apply_all(const segment& s, const nodes& in, const json::value& root, nodes& out,
               budget& b) {
  nodes scope;
  for (const json::value* n : in) {
    if (!s.descent) {
      apply(s, *n, root, out);
    } else {
      scope.clear();
      containers(*n, scope, b);
      if (b.exceeded) return false;
      for (const json::value* c : scope) apply(s, *c, root, out);
    }
    if (out.size() > max_matches) return false;
  }
  return true;
}

/// Subtracts an estimate of `v`'s serialised size from `left`; false once
/// it would go below zero (the walk stops there).
bool fits(const json::value& v, size_t& left) {
  size_t cost = 4;
  if (v.IsString()) cost += v.GetStringLength();
  if (cost > left) return false;
  left -= cost;
  if (v.IsObject()) {
    for (auto& m : v.GetObject()) {
      if (m.name.GetStringLength() + 3 > left) return false;
      left -= m.name.GetStringLength() + 3;
      if (!fits(m.value, left)) return false;
    }
  } else if (v.IsArray()) {
    for (auto& e : v.GetArray())
      if (!fits(e, left)) return false;
  }
  return true;
}

// ---------------------------------------------------------------- parser

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

class parser {
 public:
  explicit parser(std::string_view s) : s_(s) {}

  std::string error;
  size_t pos = 0;

  bool at_end() const { return pos >= s_.size(); }
  char peek(size_t k = 0) const { return pos + k < s_.size() ? s_[pos + k] : '\0'; }
  void skip_space() {
    while (!at_end() && is_space(s_[pos])) ++pos;
  }
  bool fail(std::string msg) {
    if (error.empty()) error = std::move(msg) + " at position " + std::to_string(pos);
    return false;
  }

  // Segments until the end of the text (top level) or until a character
  // that cannot continue a path (inside a filter).
  bool segments(std::vector<segment>& out, bool in_filter) {
    while (!at_end()) {
      char c = peek();
      if (c == '.' || c == '[') {
        segment seg;
        if (!one_segment(seg, in_filter)) return false;
        out.push_back(std::move(seg));
      } else if (in_filter) {
        return true;
      } else {
        return fail(std::string("unexpected character '") + c + "'");
      }
    }
    return true;
  }

  bool one_segment(segment& seg, bool in_filter) {
    if (peek() == '.') {
      ++pos;
      if (peek() == '.') {
        ++pos;
        seg.descent = true;
      }
      if (peek() == '[') return bracket(seg, in_filter);  // `..[0]`, and Jayway's `.[0]`
      return dot_name(seg, in_filter);
    }
    return bracket(seg, in_filter);
  }

  bool dot_name(segment& seg, bool in_filter) {
    size_t b = pos;
    while (!at_end()) {
      char c = peek();
      if (c == '.' || c == '[') break;
      if (c == '(') return fail("functions are not supported");
      if (is_space(c)) {
        if (in_filter) break;
        return fail("use bracket notation ['my prop'] for names with blanks");
      }
      if (in_filter && (c == ')' || c == '<' || c == '>' || c == '=' || c == '!' || c == '&' ||
                        c == '|' || c == ','))
        break;
      ++pos;
    }
    if (pos == b) return fail("path must not end with '.' or '..'");
    std::string name(s_.substr(b, pos - b));
    if (name == "*") {
      seg.kind = seg_kind::wildcard;
    } else {
      seg.kind = seg_kind::name;
      seg.name = std::move(name);
    }
    return true;
  }

  bool bracket(segment& seg, bool in_filter) {
    ++pos;  // '['
    skip_space();
    char c = peek();
    if (c == '*') {
      ++pos;
      skip_space();
      if (peek() != ']') return fail("expected ']'");
      ++pos;
      seg.kind = seg_kind::wildcard;
      return true;
    }
    if (c == '?') {
      if (in_filter) return fail("nested filters are not supported");
      ++pos;
      skip_space();
      std::shared_ptr<const filter_expr> f;
      if (!or_expr(f)) return false;
      skip_space();
      if (peek() != ']') return fail("expected ']' after filter");
      ++pos;
      seg.kind = seg_kind::filter;
      seg.filter = std::move(f);
      return true;
    }
    if (c == '\'' || c == '"') {
      std::vector<std::string> names;
      for (;;) {
        std::string n;
        if (!quoted(n)) return false;
        names.push_back(std::move(n));
        skip_space();
        if (peek() == ',') {
          ++pos;
          skip_space();
          if (peek() != '\'' && peek() != '"') return fail("expected a quoted name");
          continue;
        }
        if (peek() != ']') return fail("expected ']'");
        ++pos;
        break;
      }
      if (names.size() == 1) {
        seg.kind = seg_kind::name;
        seg.name = std::move(names[0]);
      } else {
        seg.kind = seg_kind::names;
        seg.names = std::move(names);
      }
      return true;
    }
    if (is_digit(c) || c == '-' || c == ':') return numeric_bracket(seg);
    return fail("invalid bracket expression");
  }

  bool integer(int64_t& v) {
    size_t b = pos;
    if (peek() == '-') ++pos;
    if (!is_digit(peek())) return fail("expected an integer");
    while (is_digit(peek())) ++pos;
    std::string t(s_.substr(b, pos - b));
    errno = 0;
    long long x = std::strtoll(t.c_str(), nullptr, 10);
    if (errno == ERANGE) return fail("integer out of range");
    v = x;
    return true;
  }

  bool numeric_bracket(segment& seg) {
    std::optional<int64_t> first;
    if (peek() != ':') {
      int64_t v;
      if (!integer(v)) return false;
      first = v;
    }
    skip_space();
    if (peek() == ':') {
      ++pos;
      skip_space();
      seg.kind = seg_kind::slice;
      seg.start = first;
      if (peek() == '-' || is_digit(peek())) {
        int64_t v;
        if (!integer(v)) return false;
        seg.end = v;
        skip_space();
      }
      if (peek() == ':') {
        ++pos;
        skip_space();
        if (peek() == '-' || is_digit(peek())) {
          if (!integer(seg.step)) return false;
          if (seg.step == 0) return fail("slice step cannot be zero");
          skip_space();
        }
      }
      if (peek() != ']') return fail("expected ']'");
      ++pos;
      return true;
    }
    if (peek() == ',') {
      seg.kind = seg_kind::indexes;
      seg.indexes.push_back(*first);
      while (peek() == ',') {
        ++pos;
        skip_space();
        int64_t v;
        if (!integer(v)) return false;
        seg.indexes.push_back(v);
        skip_space();
      }
      if (peek() != ']') return fail("expected ']'");
      ++pos;
      return true;
    }
    if (peek() != ']') return fail("expected ']'");
    ++pos;
    seg.kind = seg_kind::index;
    seg.index = *first;
    return true;
  }

  // 'text' or "text" with backslash escapes (\' \" \\ \/ \b \f \n \r \t \uXXXX).
  bool quoted(std::string& out) {
    const char q = peek();
    ++pos;
    while (!at_end()) {
      char c = s_[pos++];
      if (c == q) return true;
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (at_end()) break;
      char e = s_[pos++];
      switch (e) {
        case '\'': case '"': case '\\': case '/': out.push_back(e); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          if (pos + 4 > s_.size()) return fail("bad \\u escape");
          unsigned cp = 0;
          for (int k = 0; k < 4; ++k) {
            char h = s_[pos++];
            cp <<= 4;
            if (h >= '0' && h <= '9') cp |= h - '0';
            else if (h >= 'a' && h <= 'f') cp |= h - 'a' + 10;
            else if (h >= 'A' && h <= 'F') cp |= h - 'A' + 10;
            else return fail("bad \\u escape");
          }
          append_utf8(out, cp);
          break;
        }
        default: return fail("bad escape sequence");
      }
    }
    return fail("unterminated quoted name");
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // -------------------------------------------------- filter expressions

  using fptr = std::shared_ptr<const filter_expr>;

  bool or_expr(fptr& out) {
    if (!and_expr(out)) return false;
    for (;;) {
      skip_space();
      if (peek() != '|' || peek(1) != '|') return true;
      pos += 2;
      fptr rhs;
      if (!and_expr(rhs)) return false;
      auto e = std::make_shared<filter_expr>();
      e->o = filter_expr::op::or_;
      e->lhs = std::move(out);
      e->rhs = std::move(rhs);
      out = std::move(e);
    }
  }

  bool and_expr(fptr& out) {
    if (!unary(out)) return false;
    for (;;) {
      skip_space();
      if (peek() != '&' || peek(1) != '&') return true;
      pos += 2;
      fptr rhs;
      if (!unary(rhs)) return false;
      auto e = std::make_shared<filter_expr>();
      e->o = filter_expr::op::and_;
      e->lhs = std::move(out);
      e->rhs = std::move(rhs);
      out = std::move(e);
    }
  }

  bool unary(fptr& out) {
    if (++depth_ > max_depth) return fail("filter expression nested too deeply");
    struct leave {
      int& d;
      ~leave() { --d; }
    } guard{depth_};
    skip_space();
    if (peek() == '!' && peek(1) != '=') {
      ++pos;
      fptr inner;
      if (!unary(inner)) return false;
      auto e = std::make_shared<filter_expr>();
      e->o = filter_expr::op::not_;
      e->lhs = std::move(inner);
      out = std::move(e);
      return true;
    }
    if (peek() == '(') {
      ++pos;
      if (!or_expr(out)) return false;
      skip_space();
      if (peek() != ')') return fail("expected ')' in filter");
      ++pos;
      return true;
    }
    return comparison(out);
  }

  bool comparison(fptr& out) {
    auto e = std::make_shared<filter_expr>();
    if (!operand_(e->a)) return false;
    skip_space();
    using op = filter_expr::op;
    char c = peek(), d = peek(1);
    op o = op::exists;
    size_t len = 0;
    if (c == '=' && d == '=') o = op::eq, len = 2;
    else if (c == '!' && d == '=') o = op::ne, len = 2;
    else if (c == '<' && d == '=') o = op::le, len = 2;
    else if (c == '>' && d == '=') o = op::ge, len = 2;
    else if (c == '<') o = op::lt, len = 1;
    else if (c == '>') o = op::gt, len = 1;
    else if (c == '=' && d == '~') return fail("regular expressions are not supported");
    if (len) {
      pos += len;
      skip_space();
      if (!operand_(e->b)) return false;
    }
    e->o = o;
    out = std::move(e);
    return true;
  }

  bool operand_(operand& o) {
    skip_space();
    char c = peek();
    if (c == '@' || c == '$') {
      ++pos;
      o.k = c == '@' ? operand::kind::relative : operand::kind::absolute;
      if (!segments(o.path, true)) return false;
      for (const auto& s : o.path)
        if (!is_reference_segment(s)) return fail("only simple paths are supported in filters");
      return true;
    }
    o.k = operand::kind::literal;
    o.literal = std::make_shared<json::document>();
    auto& a = o.literal->GetAllocator();
    if (c == '\'' || c == '"') {
      std::string s;
      if (!quoted(s)) return false;
      o.literal->SetString(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
      return true;
    }
    if (c == '-' || is_digit(c)) {
      size_t b = pos;
      if (c == '-') ++pos;
      while (is_digit(peek())) ++pos;
      if (peek() == '.') {
        ++pos;
        while (is_digit(peek())) ++pos;
      }
      if (peek() == 'e' || peek() == 'E') {
        ++pos;
        if (peek() == '+' || peek() == '-') ++pos;
        while (is_digit(peek())) ++pos;
      }
      if (!json::parse(s_.substr(b, pos - b), *o.literal)) return fail("invalid number in filter");
      return true;
    }
    for (std::string_view word : {"true", "false", "null"}) {
      if (s_.substr(pos, word.size()) == word) {
        pos += word.size();
        json::parse(word, *o.literal);
        return true;
      }
    }
    return fail("invalid filter operand");
  }

 private:
  static constexpr int max_depth = 64;  // bounds recursion on hostile input
  std::string_view s_;
  int depth_ = 0;
};

}  // namespace

// ------------------------------------------------------------------ path

struct path::impl {
  std::string text;
  bool context = false;
  std::string variable;    // `$name...`
  bool reference = true;   // only name/index segments
  bool definite = true;    // Jayway: yields one node, not a list
  bool merge_leaf = false;  // last segment is a name union (Jayway merges it into an object)
  std::vector<segment> segs;
};

std::optional<path> path::compile(std::string_view text, std::string* error) {
  auto set_error = [&](std::string msg) {
    if (error) *error = std::move(msg);
    return std::nullopt;
  };
  if (text.empty() || text[0] != '$') return set_error("a path must start with '$'");
  auto im = std::make_shared<impl>();
  im->text = std::string(text);
  parser p(text);
  p.pos = 1;
  auto name_char = [](char c, bool first) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           static_cast<unsigned char>(c) >= 0x80 || (!first && c >= '0' && c <= '9');
  };
  if (p.peek() == '$') {
    im->context = true;
    p.pos = 2;
  } else if (name_char(p.peek(), true)) {
    // Workflow variable: `$name` followed by ordinary segments.
    while (name_char(p.peek(), false)) ++p.pos;
    im->variable = std::string(text.substr(1, p.pos - 1));
  }
  if (!p.segments(im->segs, false)) return set_error(p.error);
  for (size_t i = 0; i < im->segs.size(); ++i) {
    const auto& s = im->segs[i];
    if (!is_reference_segment(s)) {
      im->reference = false;
      const bool leaf_union = i + 1 == im->segs.size() && s.kind == seg_kind::names && !s.descent;
      if (leaf_union)
        im->merge_leaf = true;
      else
        im->definite = false;
    }
  }
  path result;
  result.impl_ = std::move(im);
  return result;
}

const std::string& path::text() const { return impl_->text; }
bool path::is_context() const { return impl_->context; }
bool path::is_reference() const { return impl_->reference; }
bool path::is_root() const { return impl_->segs.empty() && impl_->variable.empty(); }
bool path::is_variable() const { return !impl_->variable.empty(); }
const std::string& path::variable() const { return impl_->variable; }
size_t path::length() const { return impl_->segs.size(); }

bool path::select(const json::value& root, json::value& out, json::allocator& a,
                  maybe_failure* error) const {
  const impl& im = *impl_;
  if (im.reference) {
    const json::value* v = walk(im.segs, root);
    if (!v) return false;
    out.CopyFrom(*v, a);
    return true;
  }
  auto too_large = [&] {
    if (error)
      *error = failure{"States.DataLimitExceeded",
                       "The JSONPath '" + im.text +
                           "' selects a result exceeding the maximum number of bytes "
                           "service limit."};
    return false;
  };
  nodes cur{&root}, next;
  budget b;
  const size_t upto = im.segs.size() - (im.merge_leaf ? 1 : 0);
  for (size_t i = 0; i < upto; ++i) {
    next.clear();
    if (!apply_all(im.segs[i], cur, root, next, b)) return too_large();
    cur.swap(next);
  }
  size_t left = max_result_bytes;
  for (const json::value* n : cur)
    if (!fits(*n, left)) return too_large();
  if (im.merge_leaf) {
    // `$.x['a','b']`: Jayway builds an object of the named fields present.
    const auto& names = im.segs.back().names;
    auto merged = [&](const json::value& parent) {
      json::value obj(rapidjson::kObjectType);
      for (const auto& n : names)
        if (auto* v = member(parent, n))
          obj.AddMember(json::value(n.data(), static_cast<rapidjson::SizeType>(n.size()), a),
                        json::value(*v, a), a);
      return obj;
    };
    if (im.definite) {
      if (cur.empty() || !cur[0]->IsObject()) return false;
      out = merged(*cur[0]);
      return true;
    }
    out.SetArray();
    for (const json::value* n : cur)
      if (n->IsObject()) out.PushBack(merged(*n), a);
    return true;
  }
  out.SetArray();
  out.Reserve(static_cast<rapidjson::SizeType>(cur.size()), a);
  for (const json::value* n : cur) out.PushBack(json::value(*n, a), a);
  return true;
}

maybe_failure path::assign(json::value& root, json::value&& v, json::allocator& a) const {
  const impl& im = *impl_;
  const char* error = "States.ReferencePathConflict";
  if (im.segs.empty()) {
    root = std::move(v);
    return std::nullopt;
  }
  if (!im.reference || im.context || !im.variable.empty() || (!root.IsObject() && !root.IsArray()))
    return failure{error, "Unable to apply ReferencePath " + im.text + " to input " + json::dump(root)};
  json::value* cur = &root;
  for (size_t i = 0; i < im.segs.size(); ++i) {
    const segment& s = im.segs[i];
    const bool last = i + 1 == im.segs.size();
    if (s.kind == seg_kind::name) {
      if (!cur->IsObject())
        return failure{error, "Unable to apply step \"" + s.name + "\" to input " + json::dump(*cur)};
      json::value key(rapidjson::StringRef(s.name.data(), s.name.size()));
      auto it = cur->FindMember(key);
      if (it == cur->MemberEnd()) {
        json::value name(s.name.data(), static_cast<rapidjson::SizeType>(s.name.size()), a);
        if (last) {
          cur->AddMember(name, std::move(v), a);
          return std::nullopt;
        }
        cur->AddMember(name, json::value(rapidjson::kObjectType), a);
        cur = &(cur->MemberEnd() - 1)->value;
      } else if (last) {
        it->value = std::move(v);
        return std::nullopt;
      } else {
        cur = &it->value;
      }
    } else {
      const std::string step = "[" + std::to_string(s.index) + "]";
      json::value* target = cur->IsArray() ? const_cast<json::value*>(element(*cur, s.index)) : nullptr;
      if (!target)
        return failure{error, "Unable to apply step \"" + step + "\" to input " + json::dump(*cur)};
      if (last) {
        *target = std::move(v);
        return std::nullopt;
      }
      cur = target;
    }
  }
  return std::nullopt;
}

std::string path::canonical() const {
  const impl& im = *impl_;
  std::string out = im.context ? "$$" : "$" + im.variable;
  auto quote = [](const std::string& n) { return "'" + n + "'"; };
  for (const auto& s : im.segs) {
    if (s.descent) out += "..";
    switch (s.kind) {
      case seg_kind::name: out += "[" + quote(s.name) + "]"; break;
      case seg_kind::index: out += "[" + std::to_string(s.index) + "]"; break;
      case seg_kind::wildcard: out += "[*]"; break;
      case seg_kind::names: {
        out += "[";
        for (size_t i = 0; i < s.names.size(); ++i) out += (i ? "," : "") + quote(s.names[i]);
        out += "]";
        break;
      }
      case seg_kind::indexes: {
        out += "[";
        for (size_t i = 0; i < s.indexes.size(); ++i)
          out += (i ? "," : "") + std::to_string(s.indexes[i]);
        out += "]";
        break;
      }
      case seg_kind::slice:
        out += "[" + (s.start ? std::to_string(*s.start) : "") + ":" +
               (s.end ? std::to_string(*s.end) : "");
        if (s.step != 1) out += ":" + std::to_string(s.step);
        out += "]";
        break;
      case seg_kind::filter: out += "[?]"; break;
    }
  }
  return out;
}

path::~path() = default;
path::path(const path&) = default;
path::path(path&&) noexcept = default;
path& path::operator=(const path&) = default;
path& path::operator=(path&&) noexcept = default;

}  // namespace sc::eval
