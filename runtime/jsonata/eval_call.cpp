// Calls: function application with signature checks, lambdas and their
// closures, partial application, the chain operator `~>` (including the
// composition of two functions), transforms, and calling a regex.
//
// Tail calls: ast_process wraps a call in tail position of a lambda body in
// a thunk lambda. Evaluating the body then returns the thunk instead of
// making the call, and `apply_fn` keeps calling thunks in a loop. The C++
// stack and the depth count stay flat however deep the tail recursion goes;
// the step budget still bounds the loop.
//
// Error labelling follows jsonata-js: an error raised inside a call that
// names no token gets the called function's name, and no position gets the
// call's position.
#include <cmath>
#include <unordered_set>

#include "runtime/jsonata/eval.hpp"
#include "runtime/jsonata/fn_string.hpp"
#include "runtime/jsonata/regex.hpp"

namespace sc::jsonata::detail {

namespace {

bool js_truthy(const value& v) {
  switch (v.type()) {
    case kind::undefined: case kind::null: return false;
    case kind::boolean: return v.as_bool();
    case kind::number: return v.as_number() != 0 && !std::isnan(v.as_number());
    case kind::string: return !v.as_string().empty();
    default: return true;
  }
}

// What jsonata-js names a called procedure in errors: the first step of a
// path, a variable's name, or else the node's token text.
std::optional<std::string> procedure_name(const node* proc) {
  switch (proc->type) {
    case nt::path: return proc->items[0]->str;
    case nt::variable: case nt::binary: case nt::literal: return proc->str;
    case nt::function: case nt::partial: return std::string("(");
    case nt::apply: return std::string("~>");
    case nt::negate: return std::string("-");
    case nt::array: return std::string("[");
    case nt::object: return std::string("{");
    default: return std::nullopt;
  }
}

// An error leaving a call: jsonata-js names the function when the error
// names no token, and moves the position to the call, except for regex
// matchers (plain JavaScript functions there), whose errors keep theirs.
void label(exception& e, const value& fn, const std::optional<std::string>& name,
           size_t position, bool call_site) {
  error& err = e.err();
  if (name) set_token(err, *name);
  bool keeps_position = !call_site || !fn.is_function() ||
                        fn.as_function().kind == function_node::variety::regex;
  if (!keeps_position || !err.position) err.position = position;
}

// A signature error of a function called without a name: jsonata-js
// writes "function undefined".
void anonymous_function_error(error& err, const std::string& name) {
  if (!name.empty() || !err.token || !err.token->empty()) return;
  err.token.reset();
  size_t at = err.message.find("function \"\"");
  if (at != std::string::npos) err.message.replace(at, 11, "function undefined");
}

const signature& transform_signature() {
  static const signature sig = signature::parse("<(oa):o>");
  return sig;
}

}  // namespace

value evaluator::eval_lambda(const node* n, const value& input, const frame_ptr& env) {
  auto l = std::make_shared<lambda_fn>();
  l->def = n;
  l->params = n->params;
  l->input = input;
  l->env = env;
  l->keep = prog_;
  return value::function(std::move(l));
}

value evaluator::eval_function(const node* n, const value& input, const frame_ptr& env,
                               const value* apply_to) {
  value proc = eval(n->lhs, input, env);
  if (proc.is_undefined() && n->lhs->type == nt::path) {
    const value* bound = lookup_var(env, n->lhs->items[0]->str);
    if (bound && js_truthy(*bound)) raise("T1005", n->position, n->lhs->items[0]->str);
  }
  std::vector<value> args;
  args.reserve(n->items.size() + (apply_to ? 1 : 0));
  if (apply_to) args.push_back(*apply_to);
  for (const node* a : n->items) args.push_back(eval(a, input, env));
  return apply_fn(proc, std::move(args), input, procedure_name(n->lhs), n->position);
}

value evaluator::apply_fn(const value& fn, std::vector<value> args, const value& input,
                          const std::optional<std::string>& name, size_t position,
                          bool call_site) {
  value result;
  try {
    result = apply_inner(fn, args, input, name, position);
  } catch (exception& e) {
    label(e, fn, name, position, call_site);
    throw;
  }
  // trampoline: run tail calls returned as thunks
  while (result.is_function() && result.as_function().kind == function_node::variety::lambda) {
    const auto& thunk = static_cast<const lambda_fn&>(result.as_function());
    if (!thunk.def->thunk) break;
    tick();
    const node* call = thunk.def->body;
    value keep = result;  // the thunk owns the frame we evaluate in
    value next = eval(call->lhs, thunk.input, thunk.env);
    if (next.is_undefined() && call->lhs->type == nt::path) {
      const value* bound = lookup_var(thunk.env, call->lhs->items[0]->str);
      if (bound && js_truthy(*bound)) raise("T1005", call->position, call->lhs->items[0]->str);
    }
    std::vector<value> next_args;
    next_args.reserve(call->items.size());
    for (const node* a : call->items) next_args.push_back(eval(a, thunk.input, thunk.env));
    // jsonata-js names the procedure of a tail call only when it is a variable
    std::optional<std::string> next_name;
    if (call->lhs->type == nt::variable) next_name = call->lhs->str;
    try {
      result = apply_inner(next, next_args, thunk.input, next_name, call->lhs->position);
    } catch (exception& e) {
      label(e, next, next_name, call->lhs->position, true);
      throw;
    }
  }
  return result;
}

value evaluator::apply_inner(const value& fn, std::vector<value>& args, const value& input,
                             const std::optional<std::string>& name, size_t position) {
  if (!fn.is_function()) raise("T1006", position, name);
  const function_node& f = fn.as_function();
  switch (f.kind) {
    case function_node::variety::lambda: {
      const auto& l = static_cast<const lambda_fn&>(f);
      if (l.use_sig && l.def->sig) {
        try {
          l.def->sig->validate_in_place(args, input, name ? *name : "", position);
        } catch (exception& e) {
          anonymous_function_error(e.err(), name ? *name : std::string());
          throw;
        }
      }
      return apply_lambda(l, args);
    }
    case function_node::variety::native: {
      const auto& nf = static_cast<const native_function&>(f);
      size_t saved = position_;
      position_ = position;
      value r;
      if (nf.sig) {
        try {
          nf.sig->validate_in_place(args, input, name ? *name : nf.name, position);
        } catch (exception& e) {
          anonymous_function_error(e.err(), name ? *name : nf.name);
          throw;
        }
      }
      r = nf.fn(*this, args);
      position_ = saved;
      return r;
    }
    case function_node::variety::partial: {
      const auto& p = static_cast<const partial_fn&>(f);
      std::vector<value> full = p.args;
      size_t k = 0;
      for (size_t i = 0; i < full.size(); ++i)
        if (p.hole[i]) full[i] = k < args.size() ? args[k++] : value();
      while (!full.empty() && full.back().is_undefined()) full.pop_back();
      return apply_inner(p.fn, full, input, name, position);
    }
    case function_node::variety::regex:
      return call_regex(fn, args, position);
  }
  raise("T1006", position, name);
}

value evaluator::apply_lambda(const lambda_fn& l, std::vector<value>& args) {
  auto f = std::make_shared<frame>(l.env);
  for (size_t i = 0; i < l.params.size(); ++i)
    f->bind(l.params[i], i < args.size() ? std::move(args[i]) : value());
  return eval(l.def->body, l.input, f);
}

value evaluator::eval_partial(const node* n, const value& input, const frame_ptr& env) {
  std::vector<value> args;
  std::vector<bool> hole;
  for (const node* a : n->items) {
    if (a->type == nt::placeholder) {
      args.emplace_back();
      hole.push_back(true);
    } else {
      args.push_back(eval(a, input, env));
      hole.push_back(false);
    }
  }
  value proc = eval(n->lhs, input, env);
  if (proc.is_undefined() && n->lhs->type == nt::path) {
    const value* bound = lookup_var(env, n->lhs->items[0]->str);
    if (bound && js_truthy(*bound)) raise("T1007", n->position, n->lhs->items[0]->str);
  }
  if (!proc.is_function()) raise("T1008", n->position, procedure_name(n->lhs));
  const function_node& f = proc.as_function();
  if (f.kind == function_node::variety::lambda) {
    const auto& l = static_cast<const lambda_fn&>(f);
    auto p = std::make_shared<lambda_fn>();
    p->def = l.def;
    p->use_sig = false;
    p->input = l.input;
    p->keep = l.keep;
    p->env = std::make_shared<frame>(l.env);
    for (size_t i = 0; i < l.params.size(); ++i) {
      if (i < args.size() && hole[i]) p->params.push_back(l.params[i]);
      else p->env->bind(l.params[i], i < args.size() ? args[i] : value());
    }
    return value::function(std::move(p));
  }
  auto p = std::make_shared<partial_fn>();
  p->fn = proc;
  size_t nparams = 0;
  if (f.kind == function_node::variety::native) {
    const auto& nf = static_cast<const native_function&>(f);
    nparams = nf.sig ? nf.sig->parameter_count() : 0;
  } else if (f.kind == function_node::variety::partial) {
    nparams = static_cast<const partial_fn&>(f).holes;
  }
  if (nparams < args.size()) nparams = args.size();
  args.resize(nparams);
  hole.resize(nparams, false);
  p->args = std::move(args);
  p->hole = std::move(hole);
  for (bool h : p->hole) p->holes += h ? 1 : 0;
  return value::function(std::move(p));
}

value evaluator::eval_apply(const node* n, const value& input, const frame_ptr& env) {
  value lhs = eval(n->lhs, input, env);
  if (n->rhs->type == nt::function) return eval_function(n->rhs, input, env, &lhs);
  value fn = eval(n->rhs, input, env);
  if (!fn.is_function()) raise("T2006", n->position, std::nullopt, fn);
  if (lhs.is_function()) {
    // function composition: $f ~> $g is function($x){ $g($f($x)) }
    auto c = std::make_shared<native_function>();
    c->name = "";
    c->arity = 1;
    value f = lhs, g = fn;
    c->fn = [f, g](call_context& ctx, std::vector<value>& args) -> value {
      value x = args.empty() ? value() : args[0];
      return ctx.apply(g, {ctx.apply(f, {x})});
    };
    return value::function(std::move(c));
  }
  return apply_fn(fn, {lhs}, input, std::nullopt, n->position, false);
}

// --- call_context ------------------------------------------------------------------

value evaluator::apply(const value& fn, std::vector<value> args) {
  // jsonata-js calls callbacks with a null context (for `-` parameters)
  return apply_fn(fn, std::move(args), value::null(), std::nullopt, position_, false);
}

size_t evaluator::arity(const value& fn) const {
  if (!fn.is_function()) return 0;
  const function_node& f = fn.as_function();
  switch (f.kind) {
    case function_node::variety::lambda:
      return static_cast<const lambda_fn&>(f).params.size();
    case function_node::variety::native: {
      const auto& nf = static_cast<const native_function&>(f);
      return nf.arity;
    }
    case function_node::variety::partial:
      return static_cast<const partial_fn&>(f).holes;
    case function_node::variety::regex:
      return 2;
  }
  return 0;
}

// --- regexes -------------------------------------------------------------------------

value evaluator::call_regex(const value& fn, std::vector<value>& args, size_t position) {
  size_t saved = position_;
  position_ = position;
  value r = apply_regex(*this, static_cast<const regex_function&>(fn.as_function()), args);
  position_ = saved;
  return r;
}

// --- transforms ------------------------------------------------------------------------

value evaluator::eval_transform(const node* n, const frame_ptr& env) {
  auto nf = std::make_shared<native_function>();
  nf->name = "";
  nf->sig = transform_signature();
  nf->arity = 1;
  std::shared_ptr<const program> keep = prog_;
  frame_ptr captured = env;
  nf->fn = [n, captured, keep](call_context& ctx, std::vector<value>& args) -> value {
    return static_cast<evaluator&>(ctx).run_transform(n, captured,
                                                      args.empty() ? value() : args[0]);
  };
  return value::function(std::move(nf));
}

namespace {

// A structural copy made of fresh nodes that only the transform holds.
constexpr size_t max_value_depth = 5000;  // nesting the transform walks recursively

value deep_copy(const value& v, size_t depth = 0) {
  if (depth > max_value_depth) raise("U1001");
  if (v.is_array()) {
    std::vector<value> items;
    items.reserve(v.as_array().size());
    for (const value& x : v.as_array().items) items.push_back(deep_copy(x, depth + 1));
    return value::array(std::move(items), v.as_array().flags);
  }
  if (v.is_object()) {
    value o = value::object();
    for (const auto& [k, x] : v.as_object().entries) o.mutable_object().set(k, deep_copy(x, depth + 1));
    return o;
  }
  return v;
}

// True when `root` nests deeper than `limit` (checked without recursion).
bool nests_deeper_than(const value& root, size_t limit) {
  std::vector<std::pair<const value*, size_t>> todo{{&root, 0}};
  while (!todo.empty()) {
    auto [v, d] = todo.back();
    todo.pop_back();
    if (d > limit) return true;
    if (v->is_object()) {
      for (const auto& [k, x] : v->as_object().entries) todo.emplace_back(&x, d + 1);
    } else if (v->is_array()) {
      for (const value& x : v->as_array().items) todo.emplace_back(&x, d + 1);
    }
  }
  return false;
}

void collect_nodes(const value& root, std::unordered_set<const sc::jsonata::node*>& out) {
  std::vector<const value*> todo{&root};
  while (!todo.empty()) {
    const value* v = todo.back();
    todo.pop_back();
    if (v->is_object()) {
      out.insert(v->node_ptr());
      for (const auto& [k, x] : v->as_object().entries) todo.push_back(&x);
    } else if (v->is_array()) {
      for (const value& x : v->as_array().items) todo.push_back(&x);
    }
  }
}

}  // namespace

value evaluator::run_transform(const node* n, const frame_ptr& env, const value& obj) {
  if (obj.is_undefined()) return value();
  if (nests_deeper_than(obj, max_value_depth)) raise("U1001", n->position);
  const value* clone = env->lookup("clone");
  const value* builtin_clone = builtin_value("clone");
  if (!clone) clone = builtin_clone;
  if (clone && !clone->is_function()) raise("T2013", n->position);
  value result;
  if (!clone || (builtin_clone && clone->node_ptr() == builtin_clone->node_ptr())) {
    // $clone is JSON.parse($string(x)): numbers to 15 digits, functions to "".
    if (!from_json_text(stringify(obj), result)) result = deep_copy(obj);
  } else {
    result = deep_copy(apply_fn(*clone, {obj}, value(), std::string("clone"), n->position));
  }
  std::unordered_set<const sc::jsonata::node*> fresh;
  collect_nodes(result, fresh);
  value matches = eval(n->lhs, result, env);
  if (matches.is_undefined()) return result;
  std::vector<value> list;
  if (matches.is_array()) list = matches.as_array().items;
  else list.push_back(matches);
  for (const value& match : list) {
    value update = eval(n->rhs, match, env);
    if (!update.is_undefined()) {
      if (!update.is_object()) raise("T2011", n->rhs->position, std::nullopt, update);
      if (match.is_object() && fresh.count(match.node_ptr())) {
        auto& target = const_cast<object_node&>(match.as_object());
        for (const auto& [k, v] : update.as_object().entries) target.set(k, v);
      }
    }
    if (n->third) {
      value deletions = eval(n->third, match, env);
      if (!deletions.is_undefined()) {
        std::vector<value> keys;
        if (deletions.is_array()) keys = deletions.as_array().items;
        else keys.push_back(deletions);
        for (const value& k : keys)
          if (!k.is_string()) raise("T2012", n->third->position, std::nullopt, deletions);
        if (match.is_object() && fresh.count(match.node_ptr())) {
          auto& target = const_cast<object_node&>(match.as_object());
          for (const value& k : keys) target.erase(k.as_string());
        }
      }
    }
  }
  return result;
}

}  // namespace sc::jsonata::detail
