// Object built-ins and the type/boolean/error family: $keys, $lookup,
// $spread, $merge, $each, $sift, $type, $error, $assert, $boolean, $not,
// $exists.
//
// Objects already iterate in JavaScript's key order (value.hpp), so
// "for (key in obj)" order falls out. $keys of an array merges the keys of
// its items into one object first, which also puts array-index keys
// first, as the reference's intermediate object does.
#include <algorithm>
#include <unordered_map>

#include "runtime/jsonata/fn_util.hpp"

namespace sc::jsonata {
namespace fn {
namespace {

/// The arguments jsonata-js's hofFuncArgs passes: the value, then the key
/// or index and the whole input if the function declares them.
std::vector<value> hof_args(call_context& ctx, const value& f, value a, value b, value c) {
  std::vector<value> out{std::move(a)};
  size_t n = ctx.arity(f);
  if (n >= 2) out.push_back(std::move(b));
  if (n >= 3) out.push_back(std::move(c));
  return out;
}

/// Nesting past which the recursive walks below stop (U1001, as a stack
/// overflow would in JavaScript).
constexpr int max_nesting = 10000;

/// Keys and values gathered in insertion order, later values replacing
/// earlier ones in place; `entries()` puts them in JavaScript's key order.
/// (object_node::set does the same one key at a time, but re-sorts its
/// lookup index after every insertion: quadratic for big objects.)
class ordered_keys {
 public:
  void set(const std::string& k, const value& v) {
    auto [it, fresh] = pos_.emplace(k, items_.size());
    if (fresh) items_.emplace_back(k, v);
    else items_[it->second].second = v;
  }
  std::vector<std::pair<std::string, value>> entries() && {
    auto mid = std::stable_partition(items_.begin(), items_.end(),
                                     [](const auto& e) { return is_array_index_key(e.first); });
    std::stable_sort(items_.begin(), mid, [](const auto& a, const auto& b) {
      return a.first.size() != b.first.size() ? a.first.size() < b.first.size() : a.first < b.first;
    });
    return std::move(items_);
  }

 private:
  std::unordered_map<std::string, size_t> pos_;
  std::vector<std::pair<std::string, value>> items_;
};

void keys_into(const value& v, ordered_keys& merged, int depth = 0) {
  if (depth > max_nesting) raise("U1001");
  if (v.is_array()) {
    for (auto& item : v.as_array().items) keys_into(item, merged, depth + 1);
  } else if (v.is_object()) {
    for (auto& [k, _] : v.as_object().entries) merged.set(k, value());
  }
}

value f_keys(call_context&, std::vector<value>& args) {
  const value& v = arg(args, 0);
  std::vector<value> out;
  if (v.is_array()) {
    ordered_keys merged;
    keys_into(v, merged);
    for (auto& [k, _] : std::move(merged).entries()) out.push_back(value::string(k));
  } else if (v.is_object()) {
    for (auto& [k, _] : v.as_object().entries) out.push_back(value::string(k));
  }
  return seq(std::move(out));
}

value lookup(const value& input, const std::string& key, int depth = 0) {
  if (depth > max_nesting) raise("U1001");
  if (input.is_array()) {
    std::vector<value> out;
    for (auto& item : input.as_array().items) {
      value r = lookup(item, key, depth + 1);
      if (r.is_undefined()) continue;
      if (r.is_array())
        out.insert(out.end(), r.as_array().items.begin(), r.as_array().items.end());
      else
        out.push_back(std::move(r));
    }
    return seq(std::move(out));
  }
  if (input.is_object()) {
    const value* m = input.as_object().find(key);
    return m ? *m : value();
  }
  return value();
}

value f_lookup(call_context&, std::vector<value>& args) {
  const value& key = arg(args, 1);
  return lookup(arg(args, 0), key.is_string() ? key.as_string() : std::string());
}

value spread(const value& v, int depth = 0) {
  if (depth > max_nesting) raise("U1001");
  if (v.is_array()) {
    // append(result, spread(item)) for each item: the first append turns
    // the (empty) sequence into a plain array.
    std::vector<value> items;
    bool appended = false;
    for (auto& item : v.as_array().items) {
      value s = spread(item, depth + 1);
      if (s.is_undefined()) continue;
      appended = true;
      if (s.is_array())
        items.insert(items.end(), s.as_array().items.begin(), s.as_array().items.end());
      else
        items.push_back(s);
    }
    return appended ? value::array(std::move(items)) : seq();
  }
  if (v.is_object()) {
    std::vector<value> out;
    for (auto& [k, member] : v.as_object().entries) {
      value o = value::object();
      o.mutable_object().set(k, member);
      out.push_back(std::move(o));
    }
    return seq(std::move(out));
  }
  return v;
}

value f_spread(call_context&, std::vector<value>& args) { return spread(arg(args, 0)); }

// $merge runs once per state in typical JSONata machines (`$merge([$states.input,
// {...}])`), so it builds the result in place: the first object's entries
// are copied as they are (its keys are distinct and already in JavaScript
// order), later keys are looked up linearly while the result is small or few
// keys remain, through a hash map of key views otherwise. Only when an
// array-index key was added after the first object does the result need
// reordering.
value f_merge(call_context&, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined()) return value();
  const auto& objs = v.as_array().items;
  size_t first = 0;
  while (first < objs.size() && !objs[first].is_object()) ++first;
  value out = value::object();
  if (first == objs.size()) return out;
  auto& entries = out.mutable_object().entries;
  size_t total = 0;
  for (size_t i = first; i < objs.size(); ++i)
    if (objs[i].is_object()) total += objs[i].as_object().size();
  entries.reserve(total);
  entries = objs[first].as_object().entries;
  const size_t rest = total - entries.size();
  const bool hashed = rest > 8 && entries.size() > 16;
  std::unordered_map<std::string_view, size_t> pos;
  if (hashed) {
    pos.reserve(total);
    for (size_t i = 0; i < entries.size(); ++i) pos.emplace(entries[i].first, i);
  }
  bool reorder = false;
  for (size_t o = first + 1; o < objs.size(); ++o) {
    if (!objs[o].is_object()) continue;
    for (auto& [k, member] : objs[o].as_object().entries) {
      size_t at = entries.size();
      if (hashed) {
        auto it = pos.find(k);
        if (it != pos.end()) at = it->second;
      } else {
        for (size_t i = 0; i < entries.size(); ++i)
          if (entries[i].first == k) {
            at = i;
            break;
          }
      }
      if (at != entries.size()) {
        entries[at].second = member;
        continue;
      }
      if (hashed) pos.emplace(k, entries.size());  // views the argument's key: alive until return
      reorder = reorder || is_array_index_key(k);
      entries.emplace_back(k, member);
    }
  }
  if (reorder) {
    auto mid = std::stable_partition(entries.begin(), entries.end(),
                                     [](const auto& e) { return is_array_index_key(e.first); });
    std::stable_sort(entries.begin(), mid, [](const auto& a, const auto& b) {
      return a.first.size() != b.first.size() ? a.first.size() < b.first.size() : a.first < b.first;
    });
  }
  return out;
}

value f_each(call_context& ctx, std::vector<value>& args) {
  const value& obj = arg(args, 0);
  const value& f = arg(args, 1);
  std::vector<value> out;
  if (obj.is_object()) {
    for (auto& [k, member] : obj.as_object().entries) {
      value r = ctx.apply(f, hof_args(ctx, f, member, value::string(k), obj));
      if (!r.is_undefined()) out.push_back(std::move(r));
    }
  }
  return seq(std::move(out));
}

value f_sift(call_context& ctx, std::vector<value>& args) {
  const value& obj = arg(args, 0);
  const value& f = arg(args, 1);
  value out = value::object();
  if (obj.is_object() && f.is_function()) {
    for (auto& [k, member] : obj.as_object().entries) {
      value r = ctx.apply(f, hof_args(ctx, f, member, value::string(k), obj));
      if (truthy(r)) out.mutable_object().set(k, member);
    }
  }
  if (out.as_object().size() == 0) return value();
  return out;
}

value f_type(call_context&, std::vector<value>& args) {
  const value& v = arg(args, 0);
  switch (v.type()) {
    case kind::undefined: return value();
    case kind::null: return value::string("null");
    case kind::number: return value::string("number");
    case kind::string: return value::string("string");
    case kind::boolean: return value::string("boolean");
    case kind::array: return value::string("array");
    case kind::function: return value::string("function");
    case kind::object: return value::string("object");
  }
  return value();
}

value f_error(call_context& ctx, std::vector<value>& args) {
  const value& m = arg(args, 0);
  // {{{message}}} is filled from the token (error.cpp's mapping).
  raise("D3137", ctx.position(),
        m.is_string() && !m.as_string().empty() ? m.as_string() : "$error() function evaluated");
}

value f_assert(call_context& ctx, std::vector<value>& args) {
  const value& c = arg(args, 0);
  if (!(c.is_boolean() && c.as_bool())) {
    const value& m = arg(args, 1);
    raise("D3141", ctx.position(),
          m.is_string() && !m.as_string().empty() ? m.as_string() : "$assert() statement failed");
  }
  return value();
}

value f_boolean(call_context&, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined()) return value();
  return value::boolean(truthy(v));
}

value f_not(call_context&, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined()) return value();
  return value::boolean(!truthy(v));
}

value f_exists(call_context&, std::vector<value>& args) {
  return value::boolean(!arg(args, 0).is_undefined());
}

const builtin table[] = {
    {"keys", "<x-:a<s>>", f_keys},
    {"lookup", "<x-s:x>", f_lookup},
    {"spread", "<x-:a<o>>", f_spread},
    {"merge", "<a<o>:o>", f_merge},
    {"each", "<o-f:a>", f_each},
    {"sift", "<o-f?:o>", f_sift},
    {"type", "<x:s>", f_type},
    {"error", "<s?:x>", f_error},
    {"assert", "<bs?:x>", f_assert},
    {"boolean", "<x-:b>", f_boolean},
    {"not", "<x-:b>", f_not},
    {"exists", "<x:b>", f_exists},
};

}  // namespace
}  // namespace fn

std::span<const builtin> tables::object_functions() { return fn::table; }

}  // namespace sc::jsonata
