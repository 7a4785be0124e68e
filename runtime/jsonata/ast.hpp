// The expression tree: what the parser builds and the evaluator walks.
//
// One node type serves both stages. The Pratt parser (parser.cpp) produces
// a raw tree that mirrors the token stream (binary '.', '[', '{', '^', '@',
// '#', ':=', '~>' …); ast_process.cpp then rewrites it the way jsonata-js's
// processAST does: paths become step lists, predicates become stages,
// group-by and order-by attach to steps, focus/index/parent bindings mark
// steps as tuple-producing, and tail calls inside lambdas become thunks.
// After that the tree is immutable and shared by every evaluation.
//
// Nodes live in an arena owned by the program (`ast`), so links are plain
// pointers and the whole tree is freed at once. Literals and regexes are
// pre-built values.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/jsonata/signature.hpp"
#include "runtime/jsonata/value.hpp"

namespace sc::jsonata::detail {

enum class nt : uint8_t {
  // raw parse-tree kinds (replaced by ast_process)
  raw_binary,    ///< str = operator
  raw_unary,     ///< str = "-", "[" or "{"
  op_token,      ///< an operator token used as a term: and/or/in as names, `?` placeholder
  end,           ///< the end of input reached as a term
  // evaluated kinds
  path,
  binary,        ///< op = arithmetic/comparison/boolean/concat/range/in
  negate,        ///< unary minus
  array,         ///< array constructor [..]
  object,        ///< object constructor {..} without a left side
  name,
  literal,       ///< string, number, true/false/null (lit)
  wildcard,
  descendant,
  parent,
  condition,
  block,
  bind,
  regex,
  function,      ///< a call
  partial,       ///< a call with `?` placeholders
  variable,
  lambda,
  apply,         ///< ~>
  transform,
  sort,
  placeholder,   ///< `?` inside a partial application
};

enum class bop : uint8_t {
  none, add, sub, mul, div, mod, eq, ne, lt, le, gt, ge, concat, and_, or_, in, range
};

/// A parent (`%`) reference's slot: which ancestor a `%` resolves to.
struct slot {
  std::string label;
  int level = 1;
  size_t index = 0;
};

struct node;

struct stage {
  bool is_index = false;
  node* expr = nullptr;  ///< filter predicate
  std::string var;       ///< index variable (is_index)
  size_t position = 0;
};

struct sort_term {
  bool descending = false;
  node* expr = nullptr;
};

struct group_spec {
  std::vector<std::pair<node*, node*>> pairs;
  size_t position = 0;
};

struct node {
  nt type = nt::literal;
  bop op = bop::none;
  /// Token kind for raw tokens: 'n' name, 'v' variable, 's' string, 'd'
  /// number, 'l' true/false/null, 'r' regex, 'o' operator, 'e' end.
  char tok = 0;
  std::string str;   ///< name / variable name / operator text / id
  value lit;         ///< literal value or regex function
  size_t position = 0;

  node* lhs = nullptr;
  node* rhs = nullptr;
  node* third = nullptr;  ///< condition: else; transform: delete
  std::vector<node*> items;  ///< steps, block expressions, array items, call arguments
  std::vector<std::pair<node*, node*>> pairs;  ///< object constructor / raw group pairs
  std::vector<sort_term> terms;                ///< sort step; raw '^'
  std::vector<stage> predicate;                ///< filters on a non-step node
  std::vector<stage> stages;                   ///< filters/index on a path step
  std::unique_ptr<group_spec> group;

  // lambda
  std::vector<std::string> params;
  std::optional<signature> sig;
  node* body = nullptr;
  bool thunk = false;

  // steps
  std::string focus;     ///< @$var
  std::string index;     ///< #$var
  bool has_focus = false, has_index = false;
  slot* ancestor = nullptr;  ///< step that a `%` resolves to
  slot* pslot = nullptr;     ///< parent node's own slot
  std::vector<slot*> seeking_parent;
  bool seeking = false;  ///< seeking_parent is defined

  bool keep_array = false;
  bool consarray = false;
  bool tuple = false;
  bool keep_singleton_array = false;
};

/// The arena of one expression's nodes.
struct ast {
  std::deque<node> nodes;
  std::deque<slot> slots;
  node* make(nt t, size_t pos) {
    nodes.emplace_back();
    node* n = &nodes.back();
    n->type = t;
    n->position = pos;
    return n;
  }
  slot* make_slot() {
    slots.emplace_back();
    return &slots.back();
  }
};

/// Parses and processes `text` into `arena`; returns the root. Throws
/// `exception` with jsonata-js's S0xxx codes (positions in bytes; the
/// caller converts them to UTF-16 units).
node* parse(std::string_view text, ast& arena);

/// Maximum nesting of the expression tree; deeper input is refused.
constexpr size_t max_parse_depth = 1000;

}  // namespace sc::jsonata::detail
