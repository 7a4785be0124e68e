// JSONata values.
//
// JSONata evaluates over JavaScript values, so this type has JavaScript's
// shapes: undefined (JSONata's "nothing"), null, booleans, IEEE doubles,
// strings, arrays, objects and functions (lambdas, built-ins, partial
// applications and regexes). A value is 32 bytes: the kind, a double and a
// shared pointer to an immutable node for strings, arrays, objects and
// functions. Copies share the node; the reference count is atomic because a
// compiled expression's constants are shared by every execution that uses it.
//
// Nodes are immutable once another value shares them. Code that builds an
// array or an object creates it, fills it through the `mutable_*` accessors
// while it holds the only reference, and then hands it on.
//
// Arrays carry JSONata's sequence flags (the reference implementation's
// `sequence`, `keepSingleton`, `outerWrapper`, `tupleStream` properties):
// they are evaluator bookkeeping, invisible in JSON output.
//
// Objects keep JavaScript's key order: keys that are array indices
// ("0".."4294967294") first in ascending numeric order, then the other keys
// in insertion order. `object_node::set` maintains that order, so iteration
// order is always what JSON.stringify and Object.keys would give.
//
// Strings are UTF-8. JSONata measures strings in UTF-16 code units
// (`$length("😀")` is 2); utf16.hpp converts between the two.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/json/json.hpp"

namespace sc::jsonata {

enum class kind : uint8_t { undefined, null, boolean, number, string, array, object, function };

struct node {
  virtual ~node() = default;
};
struct string_node;
struct array_node;
struct object_node;
struct function_node;

class value {
 public:
  value() noexcept = default;  ///< undefined
  static value null() { value v; v.k_ = kind::null; return v; }
  static value boolean(bool b) { value v; v.k_ = kind::boolean; v.d_ = b ? 1 : 0; return v; }
  static value number(double d) { value v; v.k_ = kind::number; v.d_ = d; return v; }
  static value string(std::string s);
  /// A new array; `flags` are array_node flag bits.
  static value array(std::vector<value> items = {}, uint8_t flags = 0);
  /// A new JSONata sequence (an array with the sequence flag).
  static value sequence(std::vector<value> items = {});
  static value object();
  static value function(std::shared_ptr<const function_node> f);

  kind type() const { return k_; }
  bool is_undefined() const { return k_ == kind::undefined; }
  bool is_null() const { return k_ == kind::null; }
  bool is_boolean() const { return k_ == kind::boolean; }
  bool is_number() const { return k_ == kind::number; }
  bool is_string() const { return k_ == kind::string; }
  bool is_array() const { return k_ == kind::array; }
  bool is_object() const { return k_ == kind::object; }
  bool is_function() const { return k_ == kind::function; }
  /// True for an array carrying the sequence flag.
  bool is_sequence() const;

  bool as_bool() const { return d_ != 0; }
  double as_number() const { return d_; }
  const std::string& as_string() const;
  const array_node& as_array() const;
  const object_node& as_object() const;
  const function_node& as_function() const;
  std::shared_ptr<const function_node> function_ptr() const;

  /// Write access while this value holds the only reference (building).
  array_node& mutable_array();
  object_node& mutable_object();

  /// Identity of the shared node (functions and deep-equal shortcuts).
  const node* node_ptr() const { return p_.get(); }

 private:
  kind k_ = kind::undefined;
  double d_ = 0;
  std::shared_ptr<node> p_;
};

struct string_node final : node {
  std::string s;
};

struct array_node final : node {
  enum flag : uint8_t {
    sequence = 1,
    keep_singleton = 2,
    outer_wrapper = 4,
    tuple_stream = 8,
    cons = 16,  ///< built by an array constructor `[...]`
  };
  std::vector<value> items;
  uint8_t flags = 0;
  ~array_node() override;  ///< iterative: a deeply nested value cannot overflow the stack
  bool has(flag f) const { return (flags & f) != 0; }
  void set(flag f, bool on = true) { flags = on ? (flags | f) : (flags & ~f); }
  size_t size() const { return items.size(); }
  const value& operator[](size_t i) const { return items[i]; }
};

struct object_node final : node {
  std::vector<std::pair<std::string, value>> entries;  ///< in JavaScript key order
  object_node() = default;
  /// Copies the entries (the copy builds its own index when needed).
  object_node(const object_node& o) : node(), entries(o.entries) {}
  object_node& operator=(const object_node& o) {
    entries = o.entries;
    index_.clear();
    index_state_.store(0, std::memory_order_relaxed);
    return *this;
  }
  ~object_node() override;  ///< iterative, as ~array_node
  /// The value under `key`, or nullptr.
  const value* find(std::string_view key) const;
  /// Sets `key` (replacing its value in place, or inserting it where
  /// JavaScript's key order puts it).
  void set(std::string key, value v);
  /// Removes `key`; false when absent.
  bool erase(std::string_view key);
  size_t size() const { return entries.size(); }

 private:
  // Built lazily for objects with many keys; entries stay the source of truth.
  // Sorted positions by key, built by the first lookup in an object of
  // more than 16 keys. An object shared between threads (a constant of a
  // compiled expression) may be looked up by two at once: the first to
  // claim `index_state_` builds the index, others scan linearly meanwhile.
  mutable std::vector<uint32_t> index_;
  mutable std::atomic<uint8_t> index_state_{0};  // 0 none, 1 building, 2 ready
};

/// True for keys JavaScript orders first ("0", "1", …, "4294967294").
bool is_array_index_key(std::string_view key);

/// Function values: subclasses live with their owners (lambdas and partial
/// applications in the evaluator, built-ins in functions, regexes in regex).
struct function_node : node {
  enum class variety : uint8_t { lambda, native, partial, regex };
  explicit function_node(variety v) : kind(v) {}
  variety kind;
};

// --- conversion ----------------------------------------------------------

/// A JSON document as a JSONata value (numbers as doubles).
value from_json(const json::value& v);
/// Parses JSON text (json::parse's rules); false on malformed text.
bool from_json_text(std::string_view text, value& out, std::string* error = nullptr);

/// Nesting the JSON writers follow: a value nested deeper is written with
/// `null` in place of what lies past this level, and `depth` reports it.
inline constexpr size_t max_write_depth = json::max_depth;

/// The value as JSON.stringify(v) would write it: undefined members are
/// dropped, functions become "" inside containers (as JSONata's
/// serialisation does), non-finite numbers are written as null, numbers in
/// JavaScript's shortest round-trip form (1e+21, 0.1, 100). An undefined
/// top-level value yields "" (callers decide what nothing means).
std::string to_json(const value& v);
/// As above; `*depth` receives the deepest nesting met (more than
/// max_write_depth when the value was cut there).
std::string to_json(const value& v, size_t* depth);
/// `to_json` with indentation (JSON.stringify(v, null, indent)).
std::string to_json_pretty(const value& v, int indent = 2);
/// Into a RapidJSON value (undefined members dropped; top-level undefined
/// becomes null, callers check first).
/// Returns false (and writes null past max_write_depth) for a value nested
/// deeper than max_write_depth.
bool to_json(const value& v, json::value& out, json::allocator& a);

/// A double as JavaScript's Number.prototype.toString writes it.
std::string format_number_js(double d);

/// Deep equality as JSONata's `=` and the test suite use it (numbers as
/// doubles, objects regardless of key order, functions by identity).
bool deep_equal(const value& a, const value& b);

}  // namespace sc::jsonata
