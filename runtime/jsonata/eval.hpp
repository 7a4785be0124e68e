// The evaluator's internal interface (eval.cpp, eval_ops.cpp, eval_call.cpp).
//
// Evaluation follows jsonata-js's rules to the letter, because those rules
// are observable: a path yields a *sequence* (an array flagged as such),
// sequences of one item collapse to the item unless a `[]` asked to keep
// them, empty sequences are undefined, and nested arrays flatten one level
// per step. These flags live on array_node (value.hpp).
//
// Invariants:
// - The tree is immutable and shared; an `evaluator` is one evaluation's
//   mutable state (depth, steps, the call position), used by one thread.
// - Variables live in `frame`s: a block, a lambda call and a tuple binding
//   each open one; lambdas capture the frame they were created in. The
//   outermost frame also sees the caller's bindings, and a name bound
//   nowhere falls back to the built-in table.
// - Every recursive evaluation passes through `eval`, which counts depth
//   (U1001 past limits::max_depth) and steps (U1001 past max_steps). Tail
//   calls return thunks that `apply` runs in a loop, so tail recursion
//   neither deepens the C++ stack nor the depth count.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "runtime/jsonata/ast.hpp"
#include "runtime/jsonata/environment.hpp"
#include "runtime/jsonata/error.hpp"
#include "runtime/jsonata/functions.hpp"
#include "runtime/jsonata/jsonata.hpp"
#include "runtime/jsonata/value.hpp"

namespace sc::jsonata::detail {

struct program {
  std::string text;
  ast arena;
  node* root = nullptr;
  std::vector<std::string> free_vars;
  std::vector<std::string> states_fields;
};

struct frame;
using frame_ptr = std::shared_ptr<frame>;

struct frame : std::enable_shared_from_this<frame> {
  explicit frame(frame_ptr p) : parent(std::move(p)) {}
  ~frame() { unlink(); }
  frame(const frame&) = delete;
  frame& operator=(const frame&) = delete;
  frame_ptr parent;
  const bindings* ext = nullptr;  ///< the caller's bindings (outermost frame)
  const value* root = nullptr;    ///< `$$` (outermost frame): the input document

  /// Binds `name` in this frame (replacing an earlier binding of it).
  void bind(std::string_view name, value v) {
    if (value* slot = find_here(name)) {
      *slot = std::move(v);
      return;
    }
    if (n_inline_ < inline_slots) {
      inline_[n_inline_].first.assign(name.data(), name.size());
      inline_[n_inline_].second = std::move(v);
      ++n_inline_;
      return;
    }
    more_.emplace_back(std::string(name), std::move(v));
  }
  /// Drops every binding (breaking reference cycles through lambdas).
  void clear() {
    for (size_t i = 0; i < n_inline_; ++i) inline_[i].second = value();
    more_.clear();
    parent.reset();
  }

  // Frames that `:=` wrote to can sit in a reference cycle (a lambda bound
  // in the frame it closes over). The evaluator keeps them in an intrusive
  // list and clears them when the evaluation ends; a frame freed earlier
  // leaves the list itself.
  frame** reg_prev = nullptr;
  frame* reg_next = nullptr;
  void unlink() {
    if (!reg_prev) return;
    *reg_prev = reg_next;
    if (reg_next) reg_next->reg_prev = reg_prev;
    reg_prev = nullptr;
    reg_next = nullptr;
  }

  /// The binding of `name` in this frame or an enclosing one, or nullptr.
  const value* lookup(std::string_view name) const {
    for (const frame* f = this; f; f = f->parent.get()) {
      if (const value* v = const_cast<frame*>(f)->find_here(name)) return v;
      if (f->root && name == "$") return f->root;
      if (f->ext) {
        auto it = f->ext->find(std::string(name));
        if (it != f->ext->end()) return &it->second;
      }
    }
    return nullptr;
  }

 private:
  // Most frames (a lambda call, a block) bind one or two names: those live
  // inline, so opening a frame is a single allocation.
  static constexpr size_t inline_slots = 2;
  value* find_here(std::string_view name) {
    for (size_t i = 0; i < n_inline_; ++i)
      if (inline_[i].first == name) return &inline_[i].second;
    for (auto& [k, v] : more_)
      if (k == name) return &v;
    return nullptr;
  }
  std::pair<std::string, value> inline_[inline_slots];
  uint8_t n_inline_ = 0;
  std::vector<std::pair<std::string, value>> more_;
};

/// A lambda (or a partially applied lambda) with its closure.
struct lambda_fn final : function_node {
  lambda_fn() : function_node(variety::lambda) {}
  const detail::node* def = nullptr;  ///< the lambda node (body, signature, thunk)
  std::vector<std::string> params;
  bool use_sig = true;        ///< false for partial applications
  value input;                ///< the context the lambda was created in
  frame_ptr env;
  std::shared_ptr<const program> keep;  ///< keeps `def` alive
};

/// A partially applied built-in: the arguments bound so far and the holes.
struct partial_fn final : function_node {
  partial_fn() : function_node(variety::partial) {}
  value fn;
  std::vector<value> args;
  std::vector<bool> hole;
  size_t holes = 0;
};

class evaluator final : public call_context {
 public:
  evaluator(std::shared_ptr<const program> prog, const environment& env);
  /// Clears the frames `:=` wrote to (see frame::reg_prev).
  ~evaluator();
  evaluator(const evaluator&) = delete;
  evaluator& operator=(const evaluator&) = delete;

  value eval(const node* n, const value& input, const frame_ptr& env);

  /// Applies `fn` (any function value) with trampolining of tail calls.
  /// `call_site`: called by name in the expression (`$f(…)`), whose
  /// position then labels errors leaving the call, as in jsonata-js.
  value apply_fn(const value& fn, std::vector<value> args, const value& input,
                 const std::optional<std::string>& name, size_t position,
                 bool call_site = true);

  // call_context
  value apply(const value& fn, std::vector<value> args) override;
  size_t arity(const value& fn) const override;
  const environment& env() const override { return env_; }
  void tick(size_t n = 1) override;
  size_t position() const override { return position_; }
  uint64_t random_bits() override;

  /// The transform function's body (`| pattern | update, delete |`).
  value run_transform(const node* n, const frame_ptr& env, const value& obj);

 private:
  friend struct eval_access;
  value eval_inner(const node* n, const value& input, const frame_ptr& env);
  value eval_path(const node* n, const value& input, const frame_ptr& env);
  value eval_step(const node* step, const value& input, const frame_ptr& env, bool last);
  value eval_tuple_step(const node* step, const value& input, const value& tuples,
                        const frame_ptr& env);
  value eval_stages(const std::vector<stage>& stages, value input, const frame_ptr& env);
  value eval_filter(const node* pred, const value& input, const frame_ptr& env);
  value eval_binary(const node* n, const value& input, const frame_ptr& env);
  [[gnu::noinline]] value eval_boolean(const node* n, const value& l, const value& input,
                                       const frame_ptr& env);
  [[gnu::noinline]] value binary_operator(const node* n, const value& l, const value& r);
  value eval_group(const group_spec& g, const value& input, const frame_ptr& env);
  value eval_group_pairs(const std::vector<std::pair<node*, node*>>& pairs, size_t position,
                         const value& input, const frame_ptr& env);
  value eval_object_single(const std::vector<std::pair<node*, node*>>& pairs, size_t position,
                           const value& input, const frame_ptr& env);
  value eval_sort(const node* n, const value& input, const frame_ptr& env);
  value eval_function(const node* n, const value& input, const frame_ptr& env,
                      const value* apply_to);
  value eval_partial(const node* n, const value& input, const frame_ptr& env);
  value eval_apply(const node* n, const value& input, const frame_ptr& env);
  value eval_transform(const node* n, const frame_ptr& env);
  value eval_lambda(const node* n, const value& input, const frame_ptr& env);
  value eval_array(const node* n, const value& input, const frame_ptr& env);
  [[gnu::noinline]] value eval_negate(const node* n, const value& input, const frame_ptr& env);
  [[gnu::noinline]] value eval_block(const node* n, const value& input, const frame_ptr& env);
  [[gnu::noinline]] value eval_wildcard(const node* n, const value& input);
  [[gnu::noinline]] value eval_descendants(const node* n, const value& input);
  value apply_inner(const value& fn, std::vector<value>& args, const value& input,
                    const std::optional<std::string>& name, size_t position);
  value apply_lambda(const lambda_fn& l, std::vector<value>& args);
  value call_regex(const value& fn, std::vector<value>& args, size_t position);
  const value* lookup_var(const frame_ptr& env, std::string_view name) const;
  frame_ptr tuple_frame(const frame_ptr& env, const value& tuple);

  void track(frame* f) {
    if (f->reg_prev) return;
    f->reg_next = tracked_;
    if (tracked_) tracked_->reg_prev = &f->reg_next;
    f->reg_prev = &tracked_;
    tracked_ = f;
  }

  std::shared_ptr<const program> prog_;
  const environment& env_;
  frame* tracked_ = nullptr;
  size_t depth_ = 0;
  uint64_t steps_ = 0;
  size_t position_ = 0;
  uint64_t rng_state_ = 0;
};

// --- shared helpers ---------------------------------------------------------

inline bool is_seq(const value& v) { return v.is_array() && v.as_array().has(array_node::sequence); }
inline bool has_flag(const value& v, array_node::flag f) {
  return v.is_array() && v.as_array().has(f);
}
inline value make_seq(std::vector<value> items, uint8_t extra = 0) {
  return value::array(std::move(items), uint8_t(array_node::sequence | extra));
}
/// A copy of array `v` with `flags` added.
value with_flags(const value& v, uint8_t flags);
/// jsonata-js's fn.append.
value append_values(const value& a, const value& b);
/// jsonata-js's fn.lookup (a field of an object, mapped over arrays).
value lookup_field(const value& input, const std::string& key);
/// fn.boolean with undefined as false.
bool boolize(const value& v);
/// A number that is not NaN (throws D1001 for infinities, as isNumeric does).
bool is_numeric(const value& v);
/// Names `token` in an error that names none (jsonata-js fills the message
/// at the end, so a message made from the template is made again; a message
/// a built-in wrote itself, such as $error's, is kept).
void set_token(error& err, const std::string& token);
/// Names `token` in an error whatever it named before (and/or do this).
void replace_token(error& err, const std::string& token);
/// `===` on JSONata values (identity for arrays, objects and functions).
bool strict_equal(const value& a, const value& b);

}  // namespace sc::jsonata::detail
