// The evaluator's core: dispatch, paths and steps, filters, tuple streams,
// wildcards, descendants, group-by and order-by. Operators are in
// eval_ops.cpp, calls (functions, lambdas, partial application, ~>,
// transforms, regexes) in eval_call.cpp; eval.hpp states the invariants.
//
// The functions mirror jsonata-js's evaluate* functions one for one, since
// the order in which they flatten, collapse and flag sequences is what the
// language's results depend on; where jsonata-js mutates an array in place
// (to add a flag), this code makes a flagged copy, since values are shared.
#include <algorithm>
#include <cmath>
#include <functional>
#include <unordered_map>

#include "runtime/jsonata/eval.hpp"
#include "runtime/jsonata/fn_array.hpp"
#include "runtime/jsonata/utf16.hpp"

namespace sc::jsonata::detail {

// --- helpers ------------------------------------------------------------------

// Raising builds strings; kept out of line so recursive functions keep small frames.
[[gnu::noinline, gnu::cold]] static void raise_with(const char* code, size_t position,
                                                   const value& v) {
  raise(code, position, std::nullopt, v);
}

[[gnu::noinline]] value with_flags(const value& v, uint8_t flags) {
  const array_node& a = v.as_array();
  if ((a.flags & flags) == flags) return v;
  return value::array(a.items, uint8_t(a.flags | flags));
}

value append_values(const value& a, const value& b) {
  if (a.is_undefined()) return b;
  if (b.is_undefined()) return a;
  std::vector<value> items;
  if (a.is_array()) {
    items.reserve(a.as_array().size() + (b.is_array() ? b.as_array().size() : 1));
    items = a.as_array().items;
  } else {
    items.push_back(a);
  }
  if (b.is_array()) {
    const auto& bi = b.as_array().items;
    items.insert(items.end(), bi.begin(), bi.end());
  } else {
    items.push_back(b);
  }
  return value::array(std::move(items));
}

namespace {
// Values nest as deep as an expression builds them; walks over nested
// arrays stop here instead of exhausting the stack.
constexpr size_t max_walk_depth = 5000;

void lookup_into(const value& input, const std::string& key, std::vector<value>& out,
                 size_t depth = 0) {
  if (depth > max_walk_depth) raise("U1001");
  for (const value& item : input.as_array().items) {
    if (item.is_array()) {
      std::vector<value> inner;
      lookup_into(item, key, inner, depth + 1);
      for (auto& v : inner) out.push_back(std::move(v));
    } else if (item.is_object()) {
      const value* v = item.as_object().find(key);
      if (!v || v->is_undefined()) continue;
      if (v->is_array()) {
        for (const value& x : v->as_array().items) out.push_back(x);
      } else {
        out.push_back(*v);
      }
    }
  }
}
}  // namespace

value lookup_field(const value& input, const std::string& key) {
  if (input.is_object()) {
    const value* v = input.as_object().find(key);
    return v ? *v : value();
  }
  if (input.is_array()) {
    std::vector<value> out;
    lookup_into(input, key, out);
    return make_seq(std::move(out));
  }
  return value();
}

void replace_token(error& err, const std::string& token) {
  error plain = make_error(err.code, err.position, err.token, err.val, err.val2, err.index);
  if (plain.message == err.message) {
    err = make_error(err.code, err.position, token, err.val, err.val2, err.index);
    return;
  }
  // a message a built-in filled itself (T0412's type): swap the quoted token
  if (err.token) {
    std::string old_text = to_json(value::string(*err.token));
    size_t at = err.message.find(old_text);
    if (at != std::string::npos)
      err.message.replace(at, old_text.size(), to_json(value::string(token)));
  }
  err.token = token;
}

void set_token(error& err, const std::string& token) {
  if (err.token) return;
  error plain = make_error(err.code, err.position, std::nullopt, err.val, err.val2, err.index);
  if (plain.message == err.message) {
    err = make_error(err.code, err.position, token, err.val, err.val2, err.index);
  } else {
    err.token = token;
  }
}

// jsonata-js's fn.boolean as the evaluator sees values: lambdas and
// built-ins are objects there (true), regex matchers plain functions
// (false). Built-ins receive functions wrapped as plain functions, which is
// why $boolean(λ) is false while `λ ? 1 : 2` is 1.
static bool eval_truthy(const value& v, size_t depth = 0) {
  if (depth > max_walk_depth) raise("U1001");
  switch (v.type()) {
    case kind::boolean: return v.as_bool();
    case kind::number: return is_numeric(v) && v.as_number() != 0;
    case kind::string: return !v.as_string().empty();
    case kind::array: {
      const auto& items = v.as_array().items;
      if (items.size() == 1) return eval_truthy(items[0], depth + 1);
      for (const value& x : items)
        if (eval_truthy(x, depth + 1)) return true;
      return false;
    }
    case kind::object: return v.as_object().size() > 0;
    case kind::function: return v.as_function().kind != function_node::variety::regex;
    default: return false;
  }
}

bool boolize(const value& v) { return eval_truthy(v); }

bool is_numeric(const value& v) {
  if (!v.is_number()) return false;
  double d = v.as_number();
  if (std::isnan(d)) return false;
  if (!std::isfinite(d)) raise("D1001", std::nullopt, std::nullopt, v);
  return true;
}

bool strict_equal(const value& a, const value& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case kind::undefined: case kind::null: return true;
    case kind::boolean: return a.as_bool() == b.as_bool();
    case kind::number: return a.as_number() == b.as_number();
    case kind::string: return a.as_string() == b.as_string();
    default: return a.node_ptr() == b.node_ptr();
  }
}

// --- the evaluator ----------------------------------------------------------------

evaluator::evaluator(std::shared_ptr<const program> prog, const environment& env)
    : prog_(std::move(prog)), env_(env) {}

evaluator::~evaluator() {
  while (tracked_) {
    frame* f = tracked_;
    f->unlink();
    auto keep = f->shared_from_this();  // clearing may drop the last other reference
    f->clear();
  }
}

void evaluator::tick(size_t n) {
  steps_ += n;
  if (steps_ > env_.lim.max_steps) {
    error e = make_error("U1001", position_);
    e.message = "Expression evaluation timeout: Check for infinite loop";
    throw exception(std::move(e));
  }
}

uint64_t evaluator::random_bits() {
  if (env_.random_bits) return env_.random_bits();
  // splitmix64 from a fixed seed: deterministic when the caller gives none.
  uint64_t z = (rng_state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

const value* evaluator::lookup_var(const frame_ptr& env, std::string_view name) const {
  if (const value* v = env->lookup(name)) return v;
  return builtin_value(name);
}

frame_ptr evaluator::tuple_frame(const frame_ptr& env, const value& tuple) {
  auto f = std::make_shared<frame>(env);
  if (tuple.is_object())
    for (const auto& [k, v] : tuple.as_object().entries) f->bind(k, v);
  return f;
}

namespace {
[[gnu::noinline, gnu::cold]] void raise_depth(size_t pos) { raise("U1001", pos); }

struct depth_scope {
  depth_scope(size_t& d, size_t max, size_t pos) : d_(d) {
    if (++d_ > max) {
      --d_;
      raise_depth(pos);
    }
  }
  ~depth_scope() { --d_; }
  size_t& d_;
};

const value& tuple_at(const value& tuple) {
  static const value none;
  if (!tuple.is_object()) return none;
  const value* v = tuple.as_object().find("@");
  return v ? *v : none;
}
}  // namespace

value evaluator::eval(const node* n, const value& input, const frame_ptr& env) {
  depth_scope guard(depth_, env_.lim.max_depth, n->position);
  tick();
  value result = eval_inner(n, input, env);
  for (const stage& p : n->predicate) result = eval_filter(p.expr, result, env);
  if (n->type != nt::path && n->group) result = eval_group(*n->group, result, env);
  if (result.is_array()) {
    const array_node& a = result.as_array();
    if (a.has(array_node::sequence) && !a.has(array_node::tuple_stream)) {
      if (n->keep_array && !a.has(array_node::keep_singleton))
        result = with_flags(result, array_node::keep_singleton);
      const array_node& b = result.as_array();
      if (b.size() == 0) return value();
      if (b.size() == 1 && !b.has(array_node::keep_singleton)) return value(b.items[0]);
    }
  }
  return result;
}

value evaluator::eval_inner(const node* n, const value& input, const frame_ptr& env) {
  switch (n->type) {
    case nt::path:
      return eval_path(n, input, env);
    case nt::binary:
      return eval_binary(n, input, env);
    case nt::negate:
      return eval_negate(n, input, env);
    case nt::array:
      return eval_array(n, input, env);
    case nt::object:
      return eval_group_pairs(n->pairs, n->position, input, env);
    case nt::name:
      return lookup_field(input, n->str);
    case nt::literal:
      return n->lit;
    case nt::wildcard:
      return eval_wildcard(n, input);
    case nt::descendant:
      return eval_descendants(n, input);
    case nt::parent: {
      const value* v = env->lookup(n->pslot->label);
      return v ? *v : value();
    }
    case nt::condition: {
      value c = eval(n->lhs, input, env);
      if (boolize(c)) return eval(n->rhs, input, env);
      if (n->third) return eval(n->third, input, env);
      return value();
    }
    case nt::block:
      return eval_block(n, input, env);
    case nt::bind: {
      value v = eval(n->rhs, input, env);
      env->bind(n->lhs->str, v);
      track(env.get());
      return v;
    }
    case nt::regex:
      return n->lit;
    case nt::function:
      return eval_function(n, input, env, nullptr);
    case nt::variable: {
      if (n->str.empty()) {
        if (input.is_array() && input.as_array().has(array_node::outer_wrapper))
          return input.as_array().size() ? input.as_array().items[0] : value();
        return input;
      }
      if (const value* v = env->lookup(n->str)) return *v;
      return n->lit;  // the built-in of that name (set by the parser), or undefined
    }
    case nt::lambda:
      return eval_lambda(n, input, env);
    case nt::partial:
      return eval_partial(n, input, env);
    case nt::apply:
      return eval_apply(n, input, env);
    case nt::transform:
      return eval_transform(n, env);
    case nt::sort:
      return eval_sort(n, input, env);
    default:
      return value();
  }
}

// Cold cases of eval_inner live apart, so that the frame of the function
// every nesting level passes through stays small.
value evaluator::eval_negate(const node* n, const value& input, const frame_ptr& env) {
  value v = eval(n->lhs, input, env);
  if (v.is_undefined()) return v;
  if (is_numeric(v)) return value::number(-v.as_number());
  raise("D1002", n->position, std::string("-"), v);
}

value evaluator::eval_block(const node* n, const value& input, const frame_ptr& env) {
  auto f = std::make_shared<frame>(env);
  value result;
  for (const node* e : n->items) result = eval(e, input, f);
  return result;
}

value evaluator::eval_wildcard(const node* n, const value& input) {
  std::vector<value> out;
  const value* in = &input;
  if (input.is_array() && input.as_array().has(array_node::outer_wrapper) &&
      input.as_array().size() > 0)
    in = &input.as_array().items[0];
  auto add = [&](const value& v) {
    if (v.is_array()) {
      // flatten fully, then append
      std::vector<value> flat;
      std::function<void(const value&, size_t)> rec = [&](const value& x, size_t depth) {
        if (depth > max_walk_depth) raise("U1001", n->position);
        if (x.is_array()) {
          for (const value& y : x.as_array().items) rec(y, depth + 1);
        } else {
          flat.push_back(x);
        }
      };
      rec(v, 0);
      for (auto& f : flat) out.push_back(std::move(f));
    } else {
      out.push_back(v);
    }
  };
  if (in->is_object()) {
    for (const auto& [k, v] : in->as_object().entries) add(v);
  } else if (in->is_array()) {
    // jsonata-js takes Object.keys of the array: its items, then the
    // flags it set on the array as properties (each one `true`).
    const array_node& a = in->as_array();
    for (const value& v : a.items) add(v);
    for (auto f : {array_node::sequence, array_node::tuple_stream, array_node::outer_wrapper,
                   array_node::keep_singleton})
      if (a.has(f)) out.push_back(value::boolean(true));
  }
  return make_seq(std::move(out));
}

value evaluator::eval_descendants(const node* n, const value& input) {
  if (input.is_undefined()) return value();
  std::vector<value> out;
  std::function<void(const value&, size_t)> rec = [&](const value& v, size_t depth) {
    if (depth > max_walk_depth) raise("U1001", n->position);
    if (!v.is_array()) out.push_back(v);
    if (v.is_array()) {
      for (const value& m : v.as_array().items) rec(m, depth + 1);
    } else if (v.is_object()) {
      for (const auto& [k, m] : v.as_object().entries) rec(m, depth + 1);
    }
  };
  rec(input, 0);
  tick(out.size());
  if (out.size() == 1) return out[0];
  return make_seq(std::move(out));
}

value evaluator::eval_array(const node* n, const value& input, const frame_ptr& env) {
  std::vector<value> out;
  out.reserve(n->items.size());
  for (const node* item : n->items) {
    value v = eval(item, input, env);
    if (v.is_undefined()) continue;
    if (item->type == nt::array) {
      out.push_back(std::move(v));
    } else if (v.is_array()) {
      const auto& items = v.as_array().items;
      out.insert(out.end(), items.begin(), items.end());
    } else {
      out.push_back(std::move(v));
    }
  }
  if (out.size() > env_.lim.max_sequence) raise("D2014", n->position, std::nullopt,
                                                value::number(double(out.size())));
  return value::array(std::move(out), n->consarray ? array_node::cons : 0);
}

// --- paths ----------------------------------------------------------------------

namespace {
// A step that evaluates item by item with nothing but the step itself.
bool plain_step(const node* step) {
  return step->type != nt::sort && step->stages.empty() && !step->tuple && !step->has_focus;
}
}  // namespace

value evaluator::eval_path(const node* n, const value& input, const frame_ptr& env) {
  const size_t count = n->items.size();
  // Fast lane: while the context is one item (not an array), a plain step
  // maps it to at most one value without building sequences. This is
  // jsonata-js's algorithm specialised to singleton sequences; the general
  // loop below takes over as soon as a step produces several items.
  size_t first = 0;
  value single;
  bool is_single = false;
  if (!input.is_array() || n->items[0]->type == nt::variable) {
    single = input;
    is_single = true;
    while (first < count) {
      const node* step = n->items[first];
      if (!plain_step(step) || (first == 0 && step->consarray)) break;
      value res;
      if (step->type == nt::name && single.is_object() && step->predicate.empty() &&
          !step->group && !step->keep_array) {
        tick();  // a field of an object: the lookup is the whole evaluation
        if (const value* v = single.as_object().find(step->str)) res = *v;
      } else {
        res = eval(step, single, env);
      }
      if (res.is_array() && !res.as_array().has(array_node::cons)) {
        if (first == count - 1 && !res.as_array().has(array_node::sequence)) {
          single = std::move(res);  // the last step's array is the result as it is
          ++first;
          break;
        }
        // several items: continue with the general loop
        value seq = make_seq(res.as_array().items);
        ++first;
        if (first == count || seq.as_array().size() == 0) {
          if (n->keep_singleton_array || n->group || n->keep_array) {
            is_single = false;
            single = seq;
            first = count;
            break;
          }
          return seq;
        }
        is_single = false;
        single = std::move(seq);
        break;
      }
      ++first;
      if (res.is_undefined()) {
        value empty = make_seq({});
        if (n->group) return eval_group(*n->group, empty, env);
        return empty;
      }
      single = std::move(res);
    }
    if (is_single && first == count) {
      if (!n->keep_singleton_array && !n->group && !n->keep_array && !n->tuple) return single;
    }
  }
  value input_seq;
  value result_seq;
  if (first == 0) {
    if (input.is_array() && n->items[0]->type != nt::variable) input_seq = input;
    else input_seq = make_seq({input});
  } else if (is_single) {
    input_seq = make_seq({single});
    result_seq = input_seq;
    if (first == count && single.is_array() && !is_seq(single)) result_seq = single;
  } else {
    input_seq = single;
    result_seq = single;
  }
  bool is_tuple_stream = false;
  value tuples;  // undefined until the first tuple step
  for (size_t i = first; i < count; ++i) {
    const node* step = n->items[i];
    if (step->tuple) is_tuple_stream = true;
    if (i == 0 && step->consarray) {
      result_seq = eval(step, input_seq, env);
    } else if (is_tuple_stream) {
      tuples = eval_tuple_step(step, input_seq, tuples, env);
    } else {
      result_seq = eval_step(step, input_seq, env, i == count - 1);
    }
    if (!is_tuple_stream &&
        (result_seq.is_undefined() || (result_seq.is_array() && result_seq.as_array().size() == 0)))
      break;
    if (!step->has_focus) input_seq = result_seq;
  }
  if (is_tuple_stream) {
    if (n->tuple) {
      result_seq = tuples;
    } else {
      std::vector<value> out;
      if (tuples.is_array()) {
        out.reserve(tuples.as_array().size());
        for (const value& t : tuples.as_array().items) out.push_back(tuple_at(t));
      }
      result_seq = make_seq(std::move(out));
    }
  }
  if (n->keep_singleton_array) {
    if (result_seq.is_array() && result_seq.as_array().has(array_node::cons) &&
        !result_seq.as_array().has(array_node::sequence))
      result_seq = make_seq({result_seq});
    if (result_seq.is_array()) result_seq = with_flags(result_seq, array_node::keep_singleton);
  }
  if (n->group) result_seq = eval_group(*n->group, is_tuple_stream ? tuples : result_seq, env);
  return result_seq;
}

value evaluator::eval_step(const node* step, const value& input, const frame_ptr& env,
                           bool last) {
  if (step->type == nt::sort) {
    value r = eval_sort(step, input, env);
    if (!step->stages.empty()) r = eval_stages(step->stages, r, env);
    return r;
  }
  // jsonata-js loops `for (i < input.length) input[i]`: a context that is
  // not an array has no items, except a string, whose UTF-16 units are its
  // items (`["abc"][0].$` is ["a","b","c"]).
  std::vector<value> chars;
  if (!input.is_array() && input.is_string()) {
    std::u16string units = utf16::to_u16(input.as_string());
    tick(units.size());
    for (char16_t u : units) chars.push_back(value::string(utf16::from_u16(std::u16string(1, u))));
  }
  const auto& in = input.is_array() ? input.as_array().items : chars;
  std::vector<value> results;
  results.reserve(in.size());
  // A field name over objects is the common step: look it up in place of a
  // full evaluation (for an object, eval() of a name is exactly the lookup
  // and its post-processing cannot change a stored value).
  const bool plain_name = step->type == nt::name && step->predicate.empty() && !step->group &&
                          !step->keep_array;
  for (const value& item : in) {
    value res;
    if (plain_name && item.is_object()) {
      tick();
      if (const value* v = item.as_object().find(step->str)) res = *v;
    } else {
      res = eval(step, item, env);
    }
    for (const stage& s : step->stages) {
      if (!s.is_index) res = eval_filter(s.expr, res, env);
    }
    if (!res.is_undefined()) results.push_back(std::move(res));
  }
  if (last && results.size() == 1 && results[0].is_array() && !is_seq(results[0]))
    return results[0];
  std::vector<value> out;
  out.reserve(results.size());
  for (value& r : results) {
    if (!r.is_array() || r.as_array().has(array_node::cons)) {
      out.push_back(std::move(r));
    } else {
      const auto& items = r.as_array().items;
      out.insert(out.end(), items.begin(), items.end());
    }
  }
  if (out.size() > env_.lim.max_sequence) raise("D2014", step->position, std::nullopt,
                                                value::number(double(out.size())));
  return make_seq(std::move(out));
}

value evaluator::eval_stages(const std::vector<stage>& stages, value input, const frame_ptr& env) {
  value result = std::move(input);
  for (const stage& s : stages) {
    if (!s.is_index) {
      result = eval_filter(s.expr, result, env);
    } else if (result.is_array()) {
      std::vector<value> items = result.as_array().items;
      for (size_t i = 0; i < items.size(); ++i) {
        if (!items[i].is_object()) continue;
        value t = value::object();
        t.mutable_object() = items[i].as_object();
        t.mutable_object().set(s.var, value::number(double(i)));
        items[i] = std::move(t);
      }
      result = value::array(std::move(items), result.as_array().flags);
    }
  }
  return result;
}

value evaluator::eval_tuple_step(const node* step, const value& input, const value& tuples,
                                 const frame_ptr& env) {
  if (step->type == nt::sort) {
    value result;
    if (!tuples.is_undefined()) {
      result = eval_sort(step, tuples, env);
    } else {
      value sorted = eval_sort(step, input, env);
      std::vector<value> out;
      if (sorted.is_array()) {
        const auto& items = sorted.as_array().items;
        for (size_t i = 0; i < items.size(); ++i) {
          value t = value::object();
          t.mutable_object().set("@", items[i]);
          if (step->has_index) t.mutable_object().set(step->index, value::number(double(i)));
          out.push_back(std::move(t));
        }
      }
      result = make_seq(std::move(out), array_node::tuple_stream);
    }
    if (!step->stages.empty()) result = eval_stages(step->stages, result, env);
    return result;
  }
  std::vector<value> bindings;
  if (tuples.is_undefined()) {
    if (input.is_array()) {
      for (const value& item : input.as_array().items) {
        value t = value::object();
        t.mutable_object().set("@", item);
        bindings.push_back(std::move(t));
      }
    }
  } else if (tuples.is_array()) {
    bindings = tuples.as_array().items;
  }
  std::vector<value> out;
  for (const value& tb : bindings) {
    frame_ptr step_env = tuple_frame(env, tb);
    value res = eval(step, tuple_at(tb), step_env);
    if (res.is_undefined()) continue;
    bool res_tuples = has_flag(res, array_node::tuple_stream);
    std::vector<value> rs;
    if (res.is_array()) rs = res.as_array().items;
    else rs.push_back(res);
    for (size_t b = 0; b < rs.size(); ++b) {
      value t = value::object();
      object_node& o = t.mutable_object();
      if (tb.is_object()) o = tb.as_object();
      if (res_tuples) {
        if (rs[b].is_object())
          for (const auto& [k, v] : rs[b].as_object().entries) o.set(k, v);
      } else {
        if (step->has_focus) {
          o.set(step->focus, rs[b]);
          o.set("@", tuple_at(tb));
        } else {
          o.set("@", rs[b]);
        }
        if (step->has_index && !step->index.empty()) o.set(step->index, value::number(double(b)));
        if (step->ancestor) o.set(step->ancestor->label, tuple_at(tb));
      }
      out.push_back(std::move(t));
    }
  }
  value result = make_seq(std::move(out), array_node::tuple_stream);
  if (!step->stages.empty()) result = eval_stages(step->stages, result, env);
  return result;
}

value evaluator::eval_filter(const node* pred, const value& input, const frame_ptr& env) {
  bool tuple_stream = has_flag(input, array_node::tuple_stream);
  value in = input.is_array() ? input : make_seq({input});
  const auto& items = in.as_array().items;
  std::vector<value> out;
  if (pred->type == nt::literal && pred->tok == 'd') {
    double idx = std::floor(pred->lit.as_number());
    if (idx < 0) idx += double(items.size());
    if (idx >= 0 && idx < double(items.size())) {
      const value& item = items[size_t(idx)];
      if (!item.is_undefined()) {
        if (item.is_array()) return item;
        out.push_back(item);
      }
    }
    return make_seq(std::move(out), tuple_stream ? array_node::tuple_stream : 0);
  }
  for (size_t index = 0; index < items.size(); ++index) {
    const value& item = items[index];
    value res;
    if (tuple_stream) {
      res = eval(pred, tuple_at(item), tuple_frame(env, item));
    } else {
      res = eval(pred, item, env);
    }
    if (is_numeric(res)) res = value::array({res});
    bool all_numbers = false;
    if (res.is_array()) {
      all_numbers = true;
      for (const value& x : res.as_array().items)
        if (!is_numeric(x)) {
          all_numbers = false;
          break;
        }
    }
    if (all_numbers) {
      for (const value& x : res.as_array().items) {
        double ii = std::floor(x.as_number());
        if (ii < 0) ii += double(items.size());
        if (ii == double(index)) out.push_back(item);
      }
    } else if (boolize(res)) {
      out.push_back(item);
    }
  }
  return make_seq(std::move(out), tuple_stream ? array_node::tuple_stream : 0);
}

// --- group-by / object constructors ----------------------------------------------

value evaluator::eval_group(const group_spec& g, const value& input, const frame_ptr& env) {
  return eval_group_pairs(g.pairs, g.position, input, env);
}

namespace {
// The tuples of one group as one tuple: each binding is the append of all
// (jsonata-js's reduceTupleStream).
[[gnu::noinline]] value merge_tuples(const value& data) {
  value merged = value::object();
  if (data.is_array()) {
    const auto& ts = data.as_array().items;
    if (!ts.empty() && ts[0].is_object()) merged.mutable_object() = ts[0].as_object();
    for (size_t i = 1; i < ts.size(); ++i) {
      if (!ts[i].is_object()) continue;
      for (const auto& [k, v] : ts[i].as_object().entries) {
        const value* prev = merged.as_object().find(k);
        merged.mutable_object().set(k, append_values(prev ? *prev : value(), v));
      }
    }
  } else if (data.is_object()) {
    merged.mutable_object() = data.as_object();
  }
  return merged;
}
}  // namespace

value evaluator::eval_group_pairs(const std::vector<std::pair<node*, node*>>& pairs,
                                  size_t position, const value& input, const frame_ptr& env) {
  bool reduce = has_flag(input, array_node::tuple_stream);
  if (!reduce && !input.is_array() && pairs.size() <= 16)
    return eval_object_single(pairs, position, input, env);
  static const std::vector<value> nothing{value()};
  std::vector<value> single;
  const std::vector<value>* itemsp;
  if (input.is_array()) {
    itemsp = input.as_array().items.empty() ? &nothing : &input.as_array().items;
  } else {
    single.push_back(input);
    itemsp = &single;
  }
  const std::vector<value>& items = *itemsp;

  struct entry {
    value data;
    size_t expr_index;
  };
  std::vector<std::pair<std::string, entry>> groups;
  groups.reserve(pairs.size());
  std::unordered_map<std::string, size_t> where;
  for (const value& item : items) {
    frame_ptr item_env = reduce ? tuple_frame(env, item) : env;
    for (size_t p = 0; p < pairs.size(); ++p) {
      value key = eval(pairs[p].first, reduce ? tuple_at(item) : item, item_env);
      if (key.is_undefined()) continue;
      if (!key.is_string()) raise_with("T1003", position, key);
      size_t found = groups.size();
      if (groups.size() <= 8) {
        for (size_t g = 0; g < groups.size(); ++g)
          if (groups[g].first == key.as_string()) {
            found = g;
            break;
          }
      } else {
        if (where.empty())
          for (size_t g = 0; g < groups.size(); ++g) where.emplace(groups[g].first, g);
        auto it = where.find(key.as_string());
        if (it != where.end()) found = it->second;
      }
      if (found != groups.size()) {
        entry& e = groups[found].second;
        if (e.expr_index != p) raise_with("D1009", position, key);
        e.data = append_values(e.data, item);
      } else {
        if (!where.empty()) where.emplace(key.as_string(), groups.size());
        groups.push_back({key.as_string(), entry{item, p}});
      }
    }
  }
  value result = value::object();
  for (auto& [key, e] : groups) {
    value context = e.data;
    frame_ptr ctx_env = env;
    if (reduce) {
      value merged = merge_tuples(e.data);
      const value* at = merged.as_object().find("@");
      context = at ? *at : value();
      merged.mutable_object().erase("@");
      ctx_env = tuple_frame(env, merged);
    }
    value v = eval(pairs[e.expr_index].second, context, ctx_env);
    if (!v.is_undefined()) result.mutable_object().set(key, std::move(v));
  }
  return result;
}

// An object constructor over one item (not an array), the common case:
// every key is evaluated once, so a key met twice always comes from another
// pair (D1009), and no grouping is needed. As in the general case, all keys
// are evaluated before any value; the entries are written in place and
// reordered at the end only when an array-index key makes it necessary.
value evaluator::eval_object_single(const std::vector<std::pair<node*, node*>>& pairs,
                                    size_t position, const value& input, const frame_ptr& env) {
  value result = value::object();
  auto& entries = result.mutable_object().entries;
  entries.reserve(pairs.size());
  uint8_t expr_of[16];
  bool index_keys = false;
  for (size_t p = 0; p < pairs.size(); ++p) {
    value key = eval(pairs[p].first, input, env);
    if (key.is_undefined()) continue;
    if (!key.is_string()) raise("T1003", position, std::nullopt, key);
    const std::string& k = key.as_string();
    for (const auto& e : entries)
      if (e.first == k) raise("D1009", position, std::nullopt, key);
    index_keys = index_keys || is_array_index_key(k);
    expr_of[entries.size()] = uint8_t(p);
    entries.emplace_back(k, value());
  }
  bool missing = false;
  for (size_t i = 0; i < entries.size(); ++i) {
    entries[i].second = eval(pairs[expr_of[i]].second, input, env);
    missing = missing || entries[i].second.is_undefined();
  }
  if (missing)
    entries.erase(std::remove_if(entries.begin(), entries.end(),
                                 [](const auto& e) { return e.second.is_undefined(); }),
                  entries.end());
  if (index_keys) {
    auto mid = std::stable_partition(entries.begin(), entries.end(),
                                     [](const auto& e) { return is_array_index_key(e.first); });
    std::stable_sort(entries.begin(), mid, [](const auto& a, const auto& b) {
      return a.first.size() != b.first.size() ? a.first.size() < b.first.size() : a.first < b.first;
    });
  }
  return result;
}

// --- order-by -----------------------------------------------------------------------

value evaluator::eval_sort(const node* n, const value& input, const frame_ptr& env) {
  if (!input.is_array()) return input;
  const auto& items = input.as_array().items;
  if (items.size() <= 1) return input;
  bool tuple_sort = has_flag(input, array_node::tuple_stream);

  // Sort keys are evaluated per comparison, as in jsonata-js, so that errors
  // and their order match; the merge sort is jsonata-js's (stable, top-down).
  auto key = [&](const value& item, const node* expr) {
    if (tuple_sort) return eval(expr, tuple_at(item), tuple_frame(env, item));
    return eval(expr, item, env);
  };
  auto greater = [&](const value& a, const value& b) -> bool {
    int comp = 0;
    for (size_t t = 0; comp == 0 && t < n->terms.size(); ++t) {
      const sort_term& term = n->terms[t];
      value aa = key(a, term.expr);
      value bb = key(b, term.expr);
      if (aa.is_undefined()) {
        comp = bb.is_undefined() ? 0 : 1;
        continue;
      }
      if (bb.is_undefined()) {
        comp = -1;
        continue;
      }
      bool a_ok = aa.is_string() || aa.is_number();
      bool b_ok = bb.is_string() || bb.is_number();
      if (!a_ok || !b_ok) raise("T2008", n->position, std::nullopt, !a_ok ? aa : bb);
      if (aa.type() != bb.type()) raise("T2007", n->position, std::nullopt, aa, bb);
      if (aa.is_number()) {
        double x = aa.as_number(), y = bb.as_number();
        if (x == y) continue;
        comp = x < y ? -1 : 1;
      } else {
        if (aa.as_string() == bb.as_string()) continue;
        comp = js_string_less(aa.as_string(), bb.as_string()) ? -1 : 1;
      }
      if (term.descending) comp = -comp;
    }
    return comp == 1;
  };
  std::function<std::vector<value>(std::vector<value>)> msort =
      [&](std::vector<value> arr) -> std::vector<value> {
    if (arr.size() <= 1) return arr;
    size_t middle = arr.size() / 2;
    std::vector<value> left = msort(std::vector<value>(arr.begin(), arr.begin() + long(middle)));
    std::vector<value> right = msort(std::vector<value>(arr.begin() + long(middle), arr.end()));
    std::vector<value> out;
    out.reserve(arr.size());
    size_t l = 0, r = 0;
    while (l < left.size() && r < right.size()) {
      if (greater(left[l], right[r])) out.push_back(right[r++]);
      else out.push_back(left[l++]);
    }
    while (l < left.size()) out.push_back(left[l++]);
    while (r < right.size()) out.push_back(right[r++]);
    return out;
  };
  tick(items.size());
  return value::array(msort(items));
}

}  // namespace sc::jsonata::detail
