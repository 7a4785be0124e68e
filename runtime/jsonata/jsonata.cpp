// The public API: compile, evaluate, and the static facts about an
// expression (its free variables and the `$states` fields it reads).
//
// Positions: the parser and evaluator count bytes of the UTF-8 text; at this
// boundary they become UTF-16 units, which is what jsonata-js reports.
#include "runtime/jsonata/jsonata.hpp"

#include <algorithm>
#include <set>

#include "runtime/jsonata/eval.hpp"

namespace sc::jsonata {

namespace {

size_t to_units(std::string_view text, size_t bytes) {
  size_t units = 0;
  for (size_t i = 0; i < bytes && i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte
    units += (c >= 0xF0) ? 2 : 1;
  }
  if (bytes > text.size()) units += bytes - text.size();
  return units;
}

void fix_position(std::string_view text, error& e) {
  if (e.position) e.position = to_units(text, *e.position);
}

using detail::node;
using detail::nt;

// Walks the tree collecting variable references that no enclosing lambda
// parameter, `:=` in an enclosing block, or focus/index binding provides.
class free_var_walker {
 public:
  std::vector<std::string> vars;
  std::vector<std::string> states_fields;

  void walk(const node* n) {
    if (!n) return;
    if (++depth_ > 2 * detail::max_parse_depth) return;
    switch (n->type) {
      case nt::variable:
        use(n->str);
        break;
      case nt::lambda: {
        scopes_.emplace_back(n->params.begin(), n->params.end());
        walk(n->body);
        scopes_.pop_back();
        --depth_;
        return;
      }
      case nt::block: {
        std::set<std::string> bound;
        for (const node* e : n->items)
          if (e->type == nt::bind) bound.insert(e->lhs->str);
        scopes_.push_back(std::move(bound));
        for (const node* e : n->items) walk(e);
        scopes_.pop_back();
        --depth_;
        return;
      }
      case nt::bind:
        top_bound_.insert(n->lhs->str);
        break;
      case nt::path: {
        std::set<std::string> bound;
        for (const node* s : n->items) {
          if (s->has_focus) bound.insert(s->focus);
          if (s->has_index) bound.insert(s->index);
          for (const auto& st : s->stages)
            if (st.is_index) bound.insert(st.var);
        }
        scopes_.push_back(std::move(bound));
        if (n->items.size() >= 2 && n->items[0]->type == nt::variable &&
            n->items[0]->str == "states" && n->items[1]->type == nt::name && !is_bound("states")) {
          const std::string& f = n->items[1]->str;
          if (std::find(states_fields.begin(), states_fields.end(), f) == states_fields.end())
            states_fields.push_back(f);
        }
        break;
      }
      default:
        break;
    }
    walk(n->lhs);
    walk(n->rhs);
    walk(n->third);
    walk(n->body);
    for (const node* c : n->items) walk(c);
    for (const auto& [k, v] : n->pairs) {
      walk(k);
      walk(v);
    }
    for (const auto& t : n->terms) walk(t.expr);
    for (const auto& s : n->predicate) walk(s.expr);
    for (const auto& s : n->stages) walk(s.expr);
    if (n->group)
      for (const auto& [k, v] : n->group->pairs) {
        walk(k);
        walk(v);
      }
    if (n->type == nt::path) scopes_.pop_back();
    --depth_;
  }

  void finish() {
    vars.erase(std::remove_if(vars.begin(), vars.end(),
                              [&](const std::string& v) { return top_bound_.count(v) > 0; }),
               vars.end());
    if (top_bound_.count("states")) states_fields.clear();
  }

 private:
  bool is_bound(const std::string& name) const {
    for (const auto& s : scopes_)
      if (s.count(name)) return true;
    return false;
  }
  void use(const std::string& name) {
    if (name.empty()) return;  // the context `$`; `$$` is listed as "$"
    if (is_bound(name)) return;
    if (std::find(vars.begin(), vars.end(), name) == vars.end()) vars.push_back(name);
  }
  std::vector<std::set<std::string>> scopes_;
  std::set<std::string> top_bound_;
  size_t depth_ = 0;
};

}  // namespace

std::variant<expression, error> expression::compile(std::string_view text) {
  auto p = std::make_shared<detail::program>();
  p->text = std::string(text);
  try {
    p->root = detail::parse(p->text, p->arena);
  } catch (exception& e) {
    error err = e.err();
    fix_position(p->text, err);
    return err;
  }
  free_var_walker w;
  w.walk(p->root);
  w.finish();
  p->free_vars = std::move(w.vars);
  p->states_fields = std::move(w.states_fields);
  expression ex;
  ex.p_ = std::move(p);
  return ex;
}

value expression::evaluate(const value& input, const bindings& vars, const environment& env) const {
  detail::evaluator ev(p_, env);
  auto root = std::make_shared<detail::frame>(nullptr);
  root->ext = &vars;
  root->root = &input;
  value in = input;
  if (input.is_array() && !input.is_sequence())
    in = value::array({input}, uint8_t(array_node::sequence | array_node::outer_wrapper));
  try {
    return ev.eval(p_->root, in, root);
  } catch (exception& e) {
    fix_position(p_->text, e.err());
    throw;
  }
}

const std::vector<std::string>& expression::free_variables() const { return p_->free_vars; }
const std::vector<std::string>& expression::states_fields() const { return p_->states_fields; }
const std::string& expression::text() const { return p_->text; }

}  // namespace sc::jsonata
