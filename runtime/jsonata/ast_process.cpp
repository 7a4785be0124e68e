// Rewrites the raw parse tree into the tree the evaluator runs (jsonata-js's
// processAST): the semantics of paths live here as much as in the evaluator.
//
// - `a.b.c` becomes one `path` node with a flat list of steps; a string
//   literal used as a step is a field name, other literals are refused (S0213).
// - `x[p]` attaches a filter: to the last step of a path (`stages`, applied
//   per step input) or to the node itself (`predicate`, applied to its whole
//   result). `x{…}` attaches a group-by, `x^(…)` appends a sort step.
// - `@$v` (focus) and `#$i` (index) mark a step as producing tuples; the
//   evaluator then threads variable bindings along the path.
// - `%` (parent) is resolved here to the step whose input it names: each `%`
//   gets a slot that travels outwards through enclosing expressions until a
//   step can take it (that step records the ancestor in its tuples). A `%`
//   that cannot be placed is S0217.
// - Calls in tail position of a lambda body become thunks, so the
//   evaluator's trampoline runs tail recursion in constant stack.
#include <algorithm>

#include "runtime/jsonata/ast.hpp"
#include "runtime/jsonata/error.hpp"

namespace sc::jsonata::detail {

namespace {

const char* js_type(const node* n) {
  switch (n->type) {
    case nt::path: return "path";
    case nt::binary: return "binary";
    case nt::negate: case nt::array: case nt::object: case nt::raw_unary: return "unary";
    case nt::name: return "name";
    case nt::literal: return n->tok == 's' ? "string" : n->tok == 'd' ? "number" : "value";
    case nt::wildcard: return "wildcard";
    case nt::descendant: return "descendant";
    case nt::parent: return "parent";
    case nt::condition: return "condition";
    case nt::block: return "block";
    case nt::bind: return "bind";
    case nt::regex: return "regex";
    case nt::function: return "function";
    case nt::partial: return "partial";
    case nt::variable: return "variable";
    case nt::lambda: return "lambda";
    case nt::apply: return "apply";
    case nt::transform: return "transform";
    case nt::sort: return "sort";
    default: return "operator";
  }
}

bop binary_op(const std::string& s) {
  if (s == "+") return bop::add;
  if (s == "-") return bop::sub;
  if (s == "*") return bop::mul;
  if (s == "/") return bop::div;
  if (s == "%") return bop::mod;
  if (s == "=") return bop::eq;
  if (s == "!=") return bop::ne;
  if (s == "<") return bop::lt;
  if (s == "<=") return bop::le;
  if (s == ">") return bop::gt;
  if (s == ">=") return bop::ge;
  if (s == "&") return bop::concat;
  if (s == "and") return bop::and_;
  if (s == "or") return bop::or_;
  if (s == "in") return bop::in;
  if (s == "..") return bop::range;
  return bop::none;
}

class processor {
 public:
  explicit processor(ast& a) : a_(a) {}

  node* run(node* raw) {
    node* expr = process(raw);
    if (expr->type == nt::parent || expr->seeking) {
      // jsonata-js's path and parent nodes carry no position
      std::optional<size_t> pos;
      if (expr->type != nt::parent && expr->type != nt::path) pos = expr->position;
      raise("S0217", pos, std::string(js_type(expr)));
    }
    return expr;
  }

 private:
  node* make_path(node* first) {
    node* p = a_.make(nt::path, first->position);
    p->items.push_back(first);
    return p;
  }

  void push_ancestry(node* result, node* v) {
    if (!v->seeking && v->type != nt::parent) return;
    std::vector<slot*> slots = v->seeking ? v->seeking_parent : std::vector<slot*>{};
    if (v->type == nt::parent) slots.push_back(v->pslot);
    if (!result->seeking) {
      result->seeking = true;
      result->seeking_parent = std::move(slots);
    } else {
      result->seeking_parent.insert(result->seeking_parent.end(), slots.begin(), slots.end());
    }
  }

  slot* seek_parent(node* n, slot* s) {
    switch (n->type) {
      case nt::name:
      case nt::wildcard:
        if (--s->level == 0) {
          if (n->ancestor) ancestry_[s->index]->label = n->ancestor->label;
          n->ancestor = s;
          n->tuple = true;
        }
        break;
      case nt::parent:
        ++s->level;
        break;
      case nt::block:
        if (!n->items.empty()) {
          n->tuple = true;
          s = seek_parent(n->items.back(), s);
        }
        break;
      case nt::path: {
        n->tuple = true;
        long index = long(n->items.size()) - 1;
        s = seek_parent(n->items[size_t(index--)], s);
        while (s->level > 0 && index >= 0) s = seek_parent(n->items[size_t(index--)], s);
        break;
      }
      default:
        raise("S0217", n->position, std::string(js_type(n)));
    }
    return s;
  }

  void resolve_ancestry(node* path) {
    auto& steps = path->items;
    node* last = steps.back();
    std::vector<slot*> slots = last->seeking ? last->seeking_parent : std::vector<slot*>{};
    if (last->type == nt::parent) slots.push_back(last->pslot);
    for (slot* s : slots) {
      long index = long(steps.size()) - 2;
      while (s->level > 0) {
        if (index < 0) {
          path->seeking = true;
          path->seeking_parent.push_back(s);
          break;
        }
        node* step = steps[size_t(index--)];
        while (index >= 0 && step->has_focus && steps[size_t(index)]->has_focus)
          step = steps[size_t(index--)];
        s = seek_parent(step, s);
      }
    }
  }

  node* tail_call_optimize(node* expr) {
    if (expr->type == nt::function && expr->predicate.empty()) {
      node* thunk = a_.make(nt::lambda, expr->position);
      thunk->thunk = true;
      thunk->body = expr;
      return thunk;
    }
    if (expr->type == nt::condition) {
      expr->rhs = tail_call_optimize(expr->rhs);
      if (expr->third) expr->third = tail_call_optimize(expr->third);
    } else if (expr->type == nt::block && !expr->items.empty()) {
      expr->items.back() = tail_call_optimize(expr->items.back());
    }
    return expr;
  }

  struct depth_guard {
    explicit depth_guard(processor& p, const node* n) : p_(p) {
      if (++p_.depth_ > max_parse_depth) raise("S0201", n->position, n->str);
    }
    ~depth_guard() { --p_.depth_; }
    processor& p_;
  };

  node* process(node* expr) {
    depth_guard g(*this, expr);
    node* result = process_inner(expr);
    if (expr->keep_array) result->keep_array = true;
    return result;
  }

  node* process_inner(node* expr) {
    switch (expr->type) {
      case nt::raw_binary:
        return binary(expr);
      case nt::raw_unary:
        return process_raw_unary(expr);
      case nt::function:
      case nt::partial:
        return process_call(expr);
      case nt::lambda:
        return process_lambda(expr);
      case nt::condition:
        return process_condition(expr);
      case nt::transform:
        return process_transform(expr);
      case nt::block:
        return process_block(expr);
      case nt::name:
        return process_name(expr);
      case nt::parent:
        return process_parent(expr);
      case nt::literal:
      case nt::wildcard:
      case nt::descendant:
      case nt::variable:
      case nt::regex:
      case nt::placeholder:
        return expr;
      case nt::op_token:
        expr->type = nt::name;
        return process(expr);
      case nt::end:
        raise("S0207", expr->position, std::string("(end)"));
      default:
        raise("S0206", expr->position, expr->str);
    }
  }


  [[gnu::noinline]] node* process_raw_unary(node* expr) {
    const std::string& op = expr->str;
    if (op == "[") {
      node* r = a_.make(nt::array, expr->position);
      for (node* item : expr->items) {
        node* v = process(item);
        push_ancestry(r, v);
        r->items.push_back(v);
      }
      return r;
    }
    if (op == "{") {
      node* r = a_.make(nt::object, expr->position);
      for (auto& [k, v] : expr->pairs) {
        node* pk = process(k);
        push_ancestry(r, pk);
        node* pv = process(v);
        push_ancestry(r, pv);
        r->pairs.emplace_back(pk, pv);
      }
      return r;
    }
    // unary minus
    node* operand = process(expr->lhs);
    if (operand->type == nt::literal && operand->tok == 'd') {
      operand->lit = value::number(-operand->lit.as_number());
      operand->str = format_number_js(operand->lit.as_number());
      return operand;
    }
    node* r = a_.make(nt::negate, expr->position);
    r->lhs = operand;
    push_ancestry(r, operand);
    return r;
  }

  [[gnu::noinline]] node* process_call(node* expr) {
    node* r = a_.make(expr->type, expr->position);
    for (node* arg : expr->items) {
      node* v = process(arg);
      push_ancestry(r, v);
      r->items.push_back(v);
    }
    r->lhs = process(expr->lhs);
    return r;
  }

  [[gnu::noinline]] node* process_lambda(node* expr) {
    node* r = a_.make(nt::lambda, expr->position);
    r->params = expr->params;
    r->sig = expr->sig;
    r->body = tail_call_optimize(process(expr->body));
    return r;
  }

  [[gnu::noinline]] node* process_condition(node* expr) {
    node* r = a_.make(nt::condition, expr->position);
    r->lhs = process(expr->lhs);
    push_ancestry(r, r->lhs);
    r->rhs = process(expr->rhs);
    push_ancestry(r, r->rhs);
    if (expr->third) {
      r->third = process(expr->third);
      push_ancestry(r, r->third);
    }
    return r;
  }

  [[gnu::noinline]] node* process_transform(node* expr) {
    node* r = a_.make(nt::transform, expr->position);
    r->lhs = process(expr->lhs);
    r->rhs = process(expr->rhs);
    if (expr->third) r->third = process(expr->third);
    return r;
  }

  [[gnu::noinline]] node* process_block(node* expr) {
    node* r = a_.make(nt::block, expr->position);
    for (node* item : expr->items) {
      node* part = process(item);
      push_ancestry(r, part);
      if (part->consarray || (part->type == nt::path && part->items[0]->consarray))
        r->consarray = true;
      r->items.push_back(part);
    }
    return r;
  }

  [[gnu::noinline]] node* process_name(node* expr) {
    node* r = make_path(expr);
    if (expr->keep_array) r->keep_singleton_array = true;
    return r;
  }

  [[gnu::noinline]] node* process_parent(node* expr) {
    node* r = a_.make(nt::parent, expr->position);
    r->pslot = a_.make_slot();
    r->pslot->label = "!" + std::to_string(label_++);
    r->pslot->level = 1;
    r->pslot->index = ancestry_.size();
    ancestry_.push_back(r->pslot);
    return r;
  }

  node* binary(node* expr) {
    const std::string& op = expr->str;
    if (op == ".") return binary_path_step(expr);
    if (op == "[") return binary_predicate(expr);
    if (op == "{") return binary_group(expr);
    if (op == "^") return binary_sort(expr);
    if (op == ":=") return binary_bind(expr);
    if (op == "@") return binary_focus(expr);
    if (op == "#") return binary_index(expr);
    if (op == "~>") return binary_apply(expr);
    return binary_operator(expr);
  }

  [[gnu::noinline]] node* binary_path_step(node* expr) {
    node* lstep = process(expr->lhs);
    node* result = lstep->type == nt::path ? lstep : make_path(lstep);
    if (lstep->type == nt::parent) {
      result->seeking = true;
      result->seeking_parent = {lstep->pslot};
    }
    node* rest = process(expr->rhs);
    if (rest->type == nt::path) {
      result->items.insert(result->items.end(), rest->items.begin(), rest->items.end());
    } else {
      if (!rest->predicate.empty()) {
        rest->stages = std::move(rest->predicate);
        rest->predicate.clear();
      }
      result->items.push_back(rest);
    }
    for (node* step : result->items) {
      if (step->type == nt::literal && step->tok != 's')
        raise("S0213", step->position, std::nullopt, step->lit);
      if (step->type == nt::literal) {
        step->type = nt::name;
        step->str = step->lit.as_string();
      }
    }
    if (std::any_of(result->items.begin(), result->items.end(),
                    [](const node* s) { return s->keep_array; }))
      result->keep_singleton_array = true;
    if (result->items.front()->type == nt::array) result->items.front()->consarray = true;
    if (result->items.back()->type == nt::array) result->items.back()->consarray = true;
    resolve_ancestry(result);
    return result;
  }

  [[gnu::noinline]] node* binary_predicate(node* expr) {
    node* result = process(expr->lhs);
    node* step = result;
    bool stages = false;
    if (result->type == nt::path) {
      step = result->items.back();
      stages = true;
    }
    if (step->group) raise("S0209", expr->position);
    node* pred = process(expr->rhs);
    if (pred->seeking) {
      for (slot* s : pred->seeking_parent) {
        if (s->level == 1) seek_parent(step, s);
        else --s->level;
      }
      push_ancestry(step, pred);
    }
    stage st;
    st.expr = pred;
    st.position = expr->position;
    (stages ? step->stages : step->predicate).push_back(st);
    return result;
  }

  [[gnu::noinline]] node* binary_group(node* expr) {
    node* result = process(expr->lhs);
    if (result->group) raise("S0210", expr->position);
    auto g = std::make_unique<group_spec>();
    g->position = expr->position;
    for (auto& [k, v] : expr->pairs) {
      node* pk = process(k);  // keys before values, as jsonata-js reports errors
      node* pv = process(v);
      g->pairs.emplace_back(pk, pv);
    }
    result->group = std::move(g);
    return result;
  }

  [[gnu::noinline]] node* binary_sort(node* expr) {
    node* result = process(expr->lhs);
    if (result->type != nt::path) result = make_path(result);
    node* sort_step = a_.make(nt::sort, expr->position);
    for (const sort_term& t : expr->terms) {
      sort_term pt;
      pt.descending = t.descending;
      pt.expr = process(t.expr);
      push_ancestry(sort_step, pt.expr);
      sort_step->terms.push_back(pt);
    }
    result->items.push_back(sort_step);
    resolve_ancestry(result);
    return result;
  }

  [[gnu::noinline]] node* binary_bind(node* expr) {
    node* r = a_.make(nt::bind, expr->position);
    r->lhs = process(expr->lhs);
    r->rhs = process(expr->rhs);
    push_ancestry(r, r->rhs);
    return r;
  }

  [[gnu::noinline]] node* binary_focus(node* expr) {
    node* result = process(expr->lhs);
    node* step = result->type == nt::path ? result->items.back() : result;
    if (!step->stages.empty() || !step->predicate.empty()) raise("S0215", expr->position);
    if (step->type == nt::sort) raise("S0216", expr->position);
    if (expr->keep_array) step->keep_array = true;
    step->focus = expr->rhs->str;
    step->has_focus = true;
    step->tuple = true;
    return result;
  }

  [[gnu::noinline]] node* binary_index(node* expr) {
    node* result = process(expr->lhs);
    node* step = result;
    if (result->type == nt::path) {
      step = result->items.back();
    } else {
      result = make_path(result);
      if (!step->predicate.empty()) {
        step->stages = std::move(step->predicate);
        step->predicate.clear();
      }
    }
    if (step->stages.empty()) {
      step->index = expr->rhs->str;
      step->has_index = true;
    } else {
      stage st;
      st.is_index = true;
      st.var = expr->rhs->str;
      st.position = expr->position;
      step->stages.push_back(st);
    }
    step->tuple = true;
    return result;
  }

  [[gnu::noinline]] node* binary_apply(node* expr) {
    node* r = a_.make(nt::apply, expr->position);
    r->lhs = process(expr->lhs);
    r->rhs = process(expr->rhs);
    r->keep_array = r->lhs->keep_array || r->rhs->keep_array;
    return r;
  }

  [[gnu::noinline]] node* binary_operator(node* expr) {
    const std::string& op = expr->str;
    node* r = a_.make(nt::binary, expr->position);
    r->op = binary_op(op);
    r->str = op;
    r->lhs = process(expr->lhs);
    r->rhs = process(expr->rhs);
    push_ancestry(r, r->lhs);
    push_ancestry(r, r->rhs);
    return r;
  }

  ast& a_;
  std::vector<slot*> ancestry_;
  size_t label_ = 0;
  size_t depth_ = 0;
};

}  // namespace

node* process(node* raw, ast& arena) { return processor(arena).run(raw); }

}  // namespace sc::jsonata::detail
