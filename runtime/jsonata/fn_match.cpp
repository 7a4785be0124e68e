// The matcher protocol: regex values, $contains, $split, $match, $replace.
//
// In jsonata-js a matcher is any function that, given a string, returns
// {match, start, end, groups, next} or undefined; `next()` gives the
// following match. Regex literals are such functions, and a user may pass
// a lambda of their own. The functions here walk that protocol. For a
// regex (the common case) they drive PCRE2 directly instead of building an
// object per match, keeping the observable behaviour of the reference's
// closure:
//   - the search resumes where the previous match ended (lastIndex);
//   - `next` gives nothing once lastIndex reaches the end of the subject;
//   - a following match of zero length raises D1004 (it would never
//     advance), while a zero-length *first* match is returned;
//   - start/end are UTF-16 unit offsets, tracked incrementally from PCRE2's
//     byte offsets so a long subject is walked once.
// Matches found through the protocol carry unit offsets; they are turned
// back into byte offsets into the UTF-8 subject for slicing.
#include <cmath>

#include "runtime/jsonata/fn_string.hpp"
#include "runtime/jsonata/fn_util.hpp"
#include "runtime/jsonata/utf16.hpp"

namespace sc::jsonata {

namespace {

/// The subject of a match walk, shared by the `next` functions it hands out.
struct walk_state {
  std::shared_ptr<const regex> re;
  std::string subject;
  size_t last_byte = 0;  // lastIndex, in bytes and in units
  size_t last_unit = 0;
};

/// Units from the start of `s` to `byte`, continuing from a known pair.
size_t advance_units(std::string_view s, size_t from_byte, size_t from_unit, size_t to_byte) {
  if (to_byte <= from_byte) return from_unit - utf16::length(s.substr(to_byte, from_byte - to_byte));
  return from_unit + utf16::length(s.substr(from_byte, to_byte - from_byte));
}

value groups_of(const std::string& s, const regex::match& m) {
  std::vector<value> gs;
  gs.reserve(m.groups.size());
  for (auto& g : m.groups)
    gs.push_back(g ? value::string(s.substr(g->first, g->second - g->first)) : value());
  return value::array(std::move(gs));
}

value match_object(call_context& ctx, std::shared_ptr<walk_state> st, const regex::match& m);

/// Runs the regex from the state's lastIndex; the object for the match
/// (advancing lastIndex) or undefined. `following`: this is a `next()` call.
value step(call_context& ctx, const std::shared_ptr<walk_state>& st, bool following) {
  if (following && st->last_byte >= st->subject.size()) return value();
  ctx.tick();
  auto m = st->re->exec(st->subject, st->last_byte, ctx.env().lim);
  if (!m) return value();
  if (following && m->begin == m->end)
    raise("D1004", ctx.position(), std::nullopt, value::string(st->re->pattern()));
  // A new state for the rest of the walk: match objects are values and may
  // be kept, so each `next` resumes from its own match.
  auto nst = std::make_shared<walk_state>(*st);
  size_t begin_unit = advance_units(st->subject, st->last_byte, st->last_unit, m->begin);
  nst->last_unit = advance_units(st->subject, m->begin, begin_unit, m->end);
  nst->last_byte = m->end;
  (void)begin_unit;
  return match_object(ctx, std::move(nst), *m);
}

value match_object(call_context& ctx, std::shared_ptr<walk_state> st, const regex::match& m) {
  const std::string& s = st->subject;
  size_t end_unit = st->last_unit;
  size_t start_unit = end_unit - utf16::length(std::string_view(s).substr(m.begin, m.end - m.begin));
  value obj = value::object();
  auto& o = obj.mutable_object();
  o.set("match", value::string(s.substr(m.begin, m.end - m.begin)));
  o.set("start", value::number(double(start_unit)));
  o.set("end", value::number(double(end_unit)));
  o.set("groups", groups_of(s, m));
  auto next = std::make_shared<native_function>();
  next->name = "next";
  next->arity = 0;
  next->fn = [st](call_context& c, std::vector<value>&) { return step(c, st, true); };
  o.set("next", value::function(std::move(next)));
  (void)ctx;
  return obj;
}

// --- the protocol, for any matcher ------------------------------------------

/// One match as the string functions use it.
struct found {
  std::string text;
  size_t begin = 0, end = 0;  // byte offsets into the subject
  size_t start_unit = 0;
  value groups;               // array of strings (undefined for groups that did not take part)
  value object;               // the protocol object (built only when needed)
};

/// Walks the matches of `matcher` over `subject`.
class match_walk {
 public:
  match_walk(call_context& ctx, const value& matcher, const std::string& subject, bool want_objects)
      : ctx_(ctx), subject_(subject), objects_(want_objects) {
    if (!matcher.is_function()) {
      // A missing matcher (an undefined argument passes the signature):
      // jsonata-js fails with a TypeError; here it simply matches nothing.
      done_ = true;
    } else if (matcher.as_function().kind == function_node::variety::regex) {
      st_ = std::make_shared<walk_state>();
      st_->re = static_cast<const regex_function&>(matcher.as_function()).re;
      st_->subject = subject;
    } else {
      fn_ = matcher;
    }
  }

  /// The first match, then each following one; nullopt at the end.
  std::optional<found> next() {
    if (done_) return std::nullopt;
    bool following = started_;
    started_ = true;
    if (st_) return next_regex(following);
    value r;
    if (!following) {
      r = ctx_.apply(fn_, {value::string(subject_)});
    } else {
      if (!last_next_.is_function()) return std::nullopt;
      r = ctx_.apply(last_next_, {});
    }
    return from_object(r);
  }

 private:
  std::optional<found> next_regex(bool following) {
    if (following && st_->last_byte >= subject_.size()) return std::nullopt;
    ctx_.tick();
    auto m = st_->re->exec(subject_, st_->last_byte, ctx_.env().lim);
    if (!m) return std::nullopt;
    if (following && m->begin == m->end)
      raise("D1004", ctx_.position(), std::nullopt, value::string(st_->re->pattern()));
    found f;
    f.begin = m->begin;
    f.end = m->end;
    f.text = subject_.substr(m->begin, m->end - m->begin);
    f.start_unit = advance_units(subject_, st_->last_byte, st_->last_unit, m->begin);
    f.groups = groups_of(subject_, *m);
    size_t end_unit = advance_units(subject_, m->begin, f.start_unit, m->end);
    if (objects_) {
      auto nst = std::make_shared<walk_state>(*st_);
      nst->last_byte = m->end;
      nst->last_unit = end_unit;
      f.object = match_object(ctx_, std::move(nst), *m);
    }
    st_->last_byte = m->end;
    st_->last_unit = end_unit;
    return f;
  }

  std::optional<found> from_object(const value& r) {
    if (r.is_undefined()) return std::nullopt;
    if ((r.is_boolean() && !r.as_bool()) || r.is_null() ||
        (r.is_number() && (r.as_number() == 0 || std::isnan(r.as_number()))) ||
        (r.is_string() && r.as_string().empty())) {
      // A falsy result skips jsonata-js's shape check and still counts as a
      // match (only undefined means none); it has no fields and no `next`.
      found f;
      f.groups = value::array();
      last_next_ = value();
      return f;
    }
    const value* start = r.is_object() ? r.as_object().find("start") : nullptr;
    const value* groups = r.is_object() ? r.as_object().find("groups") : nullptr;
    const value* nx = r.is_object() ? r.as_object().find("next") : nullptr;
    bool ok = (start && start->is_number()) || (groups && groups->is_array()) ||
              (nx && nx->is_function());
    if (!ok) raise("T1010", ctx_.position());
    const value* mt = r.as_object().find("match");
    const value* en = r.as_object().find("end");
    found f;
    f.text = mt && mt->is_string() ? mt->as_string() : std::string();
    auto units = [](const value* v) {
      if (!v || !v->is_number() || !(v->as_number() > 0)) return size_t(0);
      double d = std::floor(v->as_number());
      return d > 1e15 ? size_t(1e15) : size_t(d);
    };
    f.start_unit = units(start);
    f.begin = utf16::byte_offset(subject_, f.start_unit);
    f.end = en ? utf16::byte_offset(subject_, units(en))
               : utf16::byte_offset(subject_, f.start_unit + utf16::length(f.text));
    if (f.end < f.begin) f.end = f.begin;
    f.groups = groups && groups->is_array() ? *groups : value::array();
    f.object = r;
    last_next_ = nx ? *nx : value();
    return f;
  }

  call_context& ctx_;
  const std::string& subject_;
  bool objects_;
  bool started_ = false;
  bool done_ = false;
  std::shared_ptr<walk_state> st_;
  value fn_;
  value last_next_;
};

/// A limit argument: undefined means none; negative is the caller's error.
bool under_limit(const value& limit, size_t count) {
  return limit.is_undefined() || double(count) < limit.as_number();
}

}  // namespace

namespace {

/// JavaScript's String(v), which RegExp.prototype.exec applies to its
/// argument.
std::string js_string(const value& v, int depth = 0) {
  switch (v.type()) {
    case kind::undefined: return "undefined";
    case kind::null: return "null";
    case kind::boolean: return v.as_bool() ? "true" : "false";
    case kind::number: return format_number_js(v.as_number());
    case kind::string: return v.as_string();
    case kind::object: return "[object Object]";
    case kind::function: return "";
    case kind::array: {
      if (depth > 100) return "";
      std::string out;
      bool first = true;
      for (auto& item : v.as_array().items) {
        if (!first) out += ',';
        first = false;
        if (!item.is_undefined() && !item.is_null()) out += js_string(item, depth + 1);
      }
      return out;
    }
  }
  return "";
}

}  // namespace

value apply_regex(call_context& ctx, const regex_function& re, const std::vector<value>& args) {
  auto st = std::make_shared<walk_state>();
  st->re = re.re;
  st->subject = js_string(fn::arg(args, 0));
  // The matcher's second parameter is where to start (lastIndex, in units).
  const value& from = fn::arg(args, 1);
  if (from.is_number() && from.as_number() > 0) {
    double units = std::floor(from.as_number());
    st->last_unit = units > 1e15 ? size_t(1e15) : size_t(units);
    st->last_byte = utf16::byte_offset(st->subject, st->last_unit);
    if (st->last_byte >= st->subject.size()) st->last_unit = utf16::length(st->subject);
  }
  return step(ctx, st, false);
}

namespace fn {

value contains(call_context& ctx, std::vector<value>& args) {
  const value& str = arg(args, 0);
  if (str.is_undefined()) return value();
  const value& token = arg(args, 1);
  if (token.is_string()) return value::boolean(str.as_string().find(token.as_string()) != std::string::npos);
  match_walk w(ctx, token, str.as_string(), false);
  return value::boolean(w.next().has_value());
}

value split(call_context& ctx, std::vector<value>& args) {
  const value& str = arg(args, 0);
  if (str.is_undefined()) return value();
  const value& sep = arg(args, 1);
  const value& limit = arg(args, 2);
  if (limit.is_number() && limit.as_number() < 0) raise_at("D3020", ctx, limit, 3);
  std::vector<value> out;
  const std::string& s = str.as_string();
  if (!limit.is_undefined() && !(limit.as_number() > 0)) return value::array();
  if (sep.is_string()) {
    // String.prototype.split(separator, ToUint32(limit)).
    size_t max = SIZE_MAX;
    if (!limit.is_undefined()) {
      double l = limit.as_number();
      max = std::isfinite(l) ? size_t(std::fmod(std::trunc(l), 4294967296.0)) : 0;
      if (max == 0) return value::array();
    }
    const std::string& d = sep.as_string();
    if (d.empty()) {
      std::u16string u = utf16::to_u16(s);
      for (size_t i = 0; i < u.size() && out.size() < max; ++i) {
        out.push_back(value::string(utf16::from_u16(u.substr(i, 1))));
        if ((i & 1023) == 0) ctx.tick();
      }
      fn::check_sequence_size(out.size(), ctx);
      return value::array(std::move(out));
    }
    size_t pos = 0;
    while (out.size() < max) {
      size_t at = s.find(d, pos);
      if (at == std::string::npos) {
        out.push_back(value::string(s.substr(pos)));
        break;
      }
      out.push_back(value::string(s.substr(pos, at - pos)));
      pos = at + d.size();
      if ((out.size() & 1023) == 0) ctx.tick();
    }
    return value::array(std::move(out));
  }
  match_walk w(ctx, sep, s, false);
  size_t count = 0, start = 0;
  auto m = w.next();
  if (!m) {
    out.push_back(str);
    return value::array(std::move(out));
  }
  while (m && under_limit(limit, count)) {
    out.push_back(value::string(m->begin >= start ? s.substr(start, m->begin - start) : std::string()));
    start = m->end;
    ++count;
    m = w.next();
  }
  if (under_limit(limit, count)) out.push_back(value::string(start < s.size() ? s.substr(start) : ""));
  return value::array(std::move(out));
}

value match(call_context& ctx, std::vector<value>& args) {
  const value& str = arg(args, 0);
  if (str.is_undefined()) return value();
  const value& limit = arg(args, 2);
  if (limit.is_number() && limit.as_number() < 0) raise_at("D3040", ctx, limit, 3);
  std::vector<value> out;
  if (limit.is_undefined() || limit.as_number() > 0) {
    match_walk w(ctx, arg(args, 1), str.as_string(), false);
    size_t count = 0;
    for (auto m = w.next(); m && under_limit(limit, count); m = w.next()) {
      value obj = value::object();
      auto& o = obj.mutable_object();
      o.set("match", value::string(m->text));
      o.set("index", value::number(double(m->start_unit)));
      o.set("groups", m->groups);
      out.push_back(std::move(obj));
      ++count;
      fn::check_sequence_size(out.size(), ctx);
    }
  }
  return seq(std::move(out));
}

namespace {

/// The replacement text for one match: `$$` is `$`, `$0` the match, `$n`
/// (as many digits as make a valid group number) the group; a `$` not
/// followed by a digit stays.
std::string substitute(const std::string& repl, const found& m) {
  std::string out;
  size_t ngroups = m.groups.is_array() ? m.groups.as_array().size() : 0;
  size_t pos = 0;
  size_t idx = repl.find('$', pos);
  while (idx != std::string::npos && pos < repl.size()) {
    out.append(repl, pos, idx - pos);
    pos = idx + 1;
    char c = pos < repl.size() ? repl[pos] : '\0';
    if (c == '$') {
      out += '$';
      ++pos;
    } else if (c == '0') {
      out += m.text;
      ++pos;
    } else {
      size_t max_digits = ngroups == 0 ? 1 : size_t(std::floor(std::log10(double(ngroups)))) + 1;
      auto parse = [&](size_t n) -> long {
        // parseInt of repl.substr(pos, n): leading digits, NaN (-1) if none.
        long v = -1;
        for (size_t k = pos; k < pos + n && k < repl.size() && repl[k] >= '0' && repl[k] <= '9'; ++k)
          v = (v < 0 ? 0 : v * 10) + (repl[k] - '0');
        return v;
      };
      long index = parse(max_digits);
      if (max_digits > 1 && index > long(ngroups)) index = parse(max_digits - 1);
      if (index >= 0) {
        if (ngroups > 0 && index >= 1 && size_t(index) <= ngroups) {
          const value& g = m.groups.as_array()[size_t(index) - 1];
          if (g.is_string()) out += g.as_string();
          else if (!g.is_undefined()) out += stringify(g);
        }
        pos += std::to_string(index).size();
      } else {
        out += '$';
      }
    }
    idx = repl.find('$', pos);
  }
  if (pos < repl.size()) out.append(repl, pos, std::string::npos);
  return out;
}

}  // namespace

value replace(call_context& ctx, std::vector<value>& args) {
  const value& str = arg(args, 0);
  if (str.is_undefined()) return value();
  const value& pattern = arg(args, 1);
  const value& replacement = arg(args, 2);
  const value& limit = arg(args, 3);
  if (pattern.is_string() && pattern.as_string().empty()) raise_at("D3010", ctx, pattern, 2);
  if (limit.is_number() && limit.as_number() < 0) raise_at("D3011", ctx, limit, 4);
  const std::string& s = str.as_string();
  if (!(limit.is_undefined() || limit.as_number() > 0)) return str;
  std::string out;
  size_t count = 0;
  if (pattern.is_string()) {
    const std::string& p = pattern.as_string();
    std::string r = replacement.is_string() ? replacement.as_string() : std::string();
    size_t pos = 0;
    size_t at = s.find(p, pos);
    while (at != std::string::npos && under_limit(limit, count)) {
      out.append(s, pos, at - pos);
      out += r;
      pos = at + p.size();
      ++count;
      check_string_size(out.size(), ctx);
      if ((count & 1023) == 0) ctx.tick();
      at = s.find(p, pos);
    }
    out.append(s, pos, std::string::npos);
    return value::string(std::move(out));
  }
  bool with_fn = replacement.is_function();
  match_walk w(ctx, pattern, s, with_fn);
  auto m = w.next();
  if (!m) return str;
  size_t pos = 0;
  while (m && under_limit(limit, count)) {
    if (m->begin > pos) out.append(s, pos, m->begin - pos);
    if (with_fn) {
      value r = ctx.apply(replacement, {m->object});
      if (!r.is_string()) raise_at("D3012", ctx, r);
      out += r.as_string();
    } else {
      out += substitute(replacement.is_string() ? replacement.as_string() : std::string(), *m);
    }
    check_string_size(out.size(), ctx);
    // position = start + match.length (in units) — the match's end here.
    pos = std::max(pos, m->begin + m->text.size());
    ++count;
    m = w.next();
  }
  if (pos < s.size()) out.append(s, pos, std::string::npos);
  return value::string(std::move(out));
}

}  // namespace fn
}  // namespace sc::jsonata
