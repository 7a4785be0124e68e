#include "runtime/jsonata/value.hpp"

#include <rapidjson/encodedstream.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

namespace sc::jsonata {

// --- construction and access ---------------------------------------------

value value::string(std::string s) {
  auto n = std::make_shared<string_node>();
  n->s = std::move(s);
  value v;
  v.k_ = kind::string;
  v.p_ = std::move(n);
  return v;
}

value value::array(std::vector<value> items, uint8_t flags) {
  auto n = std::make_shared<array_node>();
  n->items = std::move(items);
  n->flags = flags;
  value v;
  v.k_ = kind::array;
  v.p_ = std::move(n);
  return v;
}

value value::sequence(std::vector<value> items) {
  return array(std::move(items), array_node::sequence);
}

value value::object() {
  value v;
  v.k_ = kind::object;
  v.p_ = std::make_shared<object_node>();
  return v;
}

value value::function(std::shared_ptr<const function_node> f) {
  value v;
  v.k_ = kind::function;
  v.p_ = std::const_pointer_cast<function_node>(std::move(f));
  return v;
}

bool value::is_sequence() const {
  return k_ == kind::array && static_cast<const array_node*>(p_.get())->has(array_node::sequence);
}

const std::string& value::as_string() const { return static_cast<const string_node*>(p_.get())->s; }
const array_node& value::as_array() const { return *static_cast<const array_node*>(p_.get()); }
const object_node& value::as_object() const { return *static_cast<const object_node*>(p_.get()); }
const function_node& value::as_function() const {
  return *static_cast<const function_node*>(p_.get());
}
std::shared_ptr<const function_node> value::function_ptr() const {
  return std::static_pointer_cast<const function_node>(p_);
}
array_node& value::mutable_array() { return *static_cast<array_node*>(p_.get()); }
object_node& value::mutable_object() { return *static_cast<object_node*>(p_.get()); }

// --- destruction ---------------------------------------------------------------
//
// Destroying a value nested 200,000 levels deep (JSONata can build one in a
// loop: `$reduce([1..200000], function($a){{'a': $a}}, {})`) would recurse
// once per level. Instead the outermost container being destroyed on a
// thread collects the nested containers it releases into a list and
// destroys them one by one; their own nested containers join the list.

namespace {

// The list of containers waiting to be destroyed: the first few live on the
// stack of the outermost destructor (destroying a value is frequent, and
// allocating a list each time showed in profiles), the rest in a vector.
class graveyard_list {
 public:
  graveyard_list() = default;
  graveyard_list(const graveyard_list&) = delete;
  graveyard_list& operator=(const graveyard_list&) = delete;
  ~graveyard_list() {
    while (n_) slot(--n_)->~value();
  }
  void push_back(value&& v) {
    if (n_ < small_slots) new (slot(n_++)) value(std::move(v));
    else more_.push_back(std::move(v));
  }
  bool take(value& out) {
    if (!more_.empty()) {
      out = std::move(more_.back());
      more_.pop_back();
      return true;
    }
    if (n_ == 0) return false;
    value* v = slot(--n_);
    out = std::move(*v);
    v->~value();
    return true;
  }

 private:
  static constexpr size_t small_slots = 16;
  value* slot(size_t i) { return reinterpret_cast<value*>(raw_) + i; }
  alignas(value) unsigned char raw_[small_slots * sizeof(value)];
  size_t n_ = 0;
  std::vector<value> more_;
};

thread_local graveyard_list* g_graveyard = nullptr;

inline bool is_container(const value& v) { return v.is_array() || v.is_object(); }

template <typename Take>
void bury(Take take) {
  if (g_graveyard) {
    take(*g_graveyard);
    return;
  }
  graveyard_list graveyard;
  g_graveyard = &graveyard;
  take(graveyard);
  value v;
  while (graveyard.take(v)) {
    // `v` is released here; if it held the last reference, its node's
    // destructor adds that node's containers to `graveyard`.
    v = value();
  }
  g_graveyard = nullptr;
}
}  // namespace

array_node::~array_node() {
  bury([this](graveyard_list& g) {
    for (auto& v : items)
      if (is_container(v)) g.push_back(std::move(v));
  });
}

object_node::~object_node() {
  bury([this](graveyard_list& g) {
    for (auto& [k, v] : entries)
      if (is_container(v)) g.push_back(std::move(v));
  });
}

// --- objects -----------------------------------------------------------------

bool is_array_index_key(std::string_view key) {
  if (key.empty() || key.size() > 10) return false;
  if (key.size() > 1 && key[0] == '0') return false;
  uint64_t n = 0;
  for (char c : key) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + uint64_t(c - '0');
  }
  return n <= 4294967294ull;
}

namespace {
uint64_t index_of(std::string_view key) {
  uint64_t n = 0;
  for (char c : key) n = n * 10 + uint64_t(c - '0');
  return n;
}
}  // namespace

const value* object_node::find(std::string_view key) const {
  if (entries.size() <= 16) {
    for (auto& [k, v] : entries)
      if (k == key) return &v;
    return nullptr;
  }
  uint8_t state = index_state_.load(std::memory_order_acquire);
  if (state != 2) {
    uint8_t expected = 0;
    if (state == 0 && index_state_.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
      index_.resize(entries.size());
      for (uint32_t i = 0; i < entries.size(); ++i) index_[i] = i;
      std::sort(index_.begin(), index_.end(),
                [&](uint32_t a, uint32_t b) { return entries[a].first < entries[b].first; });
      index_state_.store(2, std::memory_order_release);
    } else {
      for (auto& [k, v] : entries)  // another thread is building it
        if (k == key) return &v;
      return nullptr;
    }
  }
  auto it = std::lower_bound(index_.begin(), index_.end(), key, [&](uint32_t i, std::string_view k) {
    return std::string_view(entries[i].first) < k;
  });
  if (it != index_.end() && entries[*it].first == key) return &entries[*it].second;
  return nullptr;
}

void object_node::set(std::string key, value v) {
  if (const value* existing = find(key)) {
    const_cast<value&>(*existing) = std::move(v);
    return;
  }
  index_state_.store(0, std::memory_order_relaxed);
  if (!is_array_index_key(key)) {
    entries.emplace_back(std::move(key), std::move(v));
    return;
  }
  // Array-index keys come first, in ascending numeric order.
  uint64_t n = index_of(key);
  size_t pos = 0;
  while (pos < entries.size() && is_array_index_key(entries[pos].first) &&
         index_of(entries[pos].first) < n)
    ++pos;
  entries.emplace(entries.begin() + pos, std::move(key), std::move(v));
}

bool object_node::erase(std::string_view key) {
  for (auto it = entries.begin(); it != entries.end(); ++it) {
    if (it->first == key) {
      entries.erase(it);
      index_state_.store(0, std::memory_order_relaxed);
      return true;
    }
  }
  return false;
}

// --- numbers -----------------------------------------------------------------

std::string format_number_js(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == 0) return "0";
  char buf[64];
  if (d == std::floor(d) && std::fabs(d) < 1e15) {  // integers: the common case
    auto r = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(d));
    return std::string(buf, r.ptr);
  }
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, size_t(res.ptr - buf));
  bool negative = sci[0] == '-';
  if (negative) sci.remove_prefix(1);
  size_t e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos))
    if (c != '.') digits += c;
  int exp10 = std::atoi(std::string(sci.substr(e_pos + 1)).c_str());
  int k = int(digits.size());
  int n = exp10 + 1;  // the decimal point sits after n digits
  std::string out = negative ? "-" : "";
  if (k <= n && n <= 21) {
    out += digits;
    out.append(size_t(n - k), '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, size_t(n));
    out += '.';
    out += digits.substr(size_t(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(size_t(-n), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out += digits.substr(1);
    }
    out += 'e';
    out += (n - 1) >= 0 ? '+' : '-';
    out += std::to_string(std::abs(n - 1));
  }
  return out;
}

// --- conversion from JSON ----------------------------------------------------

value from_json(const json::value& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType:
      return value::null();
    case rapidjson::kFalseType:
      return value::boolean(false);
    case rapidjson::kTrueType:
      return value::boolean(true);
    case rapidjson::kNumberType:
      return value::number(v.GetDouble());
    case rapidjson::kStringType:
      return value::string(std::string(v.GetString(), v.GetStringLength()));
    case rapidjson::kArrayType: {
      std::vector<value> items;
      items.reserve(v.Size());
      for (auto& e : v.GetArray()) items.push_back(from_json(e));
      return value::array(std::move(items));
    }
    case rapidjson::kObjectType: {
      value o = value::object();
      auto& n = o.mutable_object();
      n.entries.reserve(v.MemberCount());
      for (auto& m : v.GetObject())
        n.set(std::string(m.name.GetString(), m.name.GetStringLength()), from_json(m.value));
      return o;
    }
  }
  return {};
}

namespace {

/// Builds values straight from RapidJSON's reader: no DOM in between (the
/// interpreter parses each JSONata state's input this way). Numbers come
/// as text and are converted with from_chars, which rounds correctly.
struct sax_builder {
  std::vector<value> stack;     // containers being built
  std::vector<std::string> keys;  // pending member names
  value result;
  bool failed = false;

  bool add(value v) {
    if (stack.empty()) {
      result = std::move(v);
      return true;
    }
    value& top = stack.back();
    if (top.is_array()) {
      top.mutable_array().items.push_back(std::move(v));
    } else {
      top.mutable_object().set(std::move(keys.back()), std::move(v));
      keys.pop_back();
    }
    return true;
  }
  bool Null() { return add(value::null()); }
  bool Bool(bool b) { return add(value::boolean(b)); }
  bool Int(int i) { return add(value::number(i)); }
  bool Uint(unsigned u) { return add(value::number(u)); }
  bool Int64(int64_t i) { return add(value::number(double(i))); }
  bool Uint64(uint64_t u) { return add(value::number(double(u))); }
  bool Double(double d) { return add(value::number(d)); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    double d = 0;
    auto [ptr, ec] = std::from_chars(s, s + n, d);
    if (ec != std::errc() || ptr != s + n) {
      failed = true;  // out of range: the slow path decides
      return false;
    }
    return add(value::number(d));
  }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    return add(value::string(std::string(s, n)));
  }
  bool StartObject() {
    if (stack.size() >= json::max_depth) return failed = true, false;
    stack.push_back(value::object());
    return true;
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    keys.emplace_back(s, n);
    return true;
  }
  bool EndObject(rapidjson::SizeType) {
    value v = std::move(stack.back());
    stack.pop_back();
    return add(std::move(v));
  }
  bool StartArray() {
    if (stack.size() >= json::max_depth) return failed = true, false;
    stack.push_back(value::array());
    return true;
  }
  bool EndArray(rapidjson::SizeType) { return EndObject(0); }
};

}  // namespace

bool from_json_text(std::string_view text, value& out, std::string* error) {
  {
    sax_builder b;
    rapidjson::Reader reader;
    rapidjson::MemoryStream bytes(text.data(), text.size());
    rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> in(bytes);
    if (reader.Parse<rapidjson::kParseNumbersAsStringsFlag>(in, b) && !b.failed) {
      out = std::move(b.result);
      return true;
    }
  }
  // Malformed text or an unusual number: json::parse's rules and message.
  json::document doc;
  if (!json::parse(text, doc, error)) return false;
  out = from_json(doc);
  return true;
}

// --- conversion to JSON ------------------------------------------------------

namespace {

// The writer appends to a buffer it manages itself: `std::string::push_back`
// for every comma and quote is not inlined and re-checks capacity each time.
// `reserve(k)` guarantees room for k more bytes; `put`/`add` then write
// without checks. `text()` hands over the result.
class out_buf {
 public:
  out_buf() { s_.resize(256); }
  [[gnu::always_inline]] void reserve(size_t k) {
    if (n_ + k > s_.size()) grow(k);
  }
  [[gnu::always_inline]] void put(char c) { s_[n_++] = c; }
  [[gnu::always_inline]] void add(const char* p, size_t k) {
    std::memcpy(s_.data() + n_, p, k);
    n_ += k;
  }
  [[gnu::always_inline]] void lit(std::string_view t) {
    reserve(t.size());
    add(t.data(), t.size());
  }
  [[gnu::always_inline]] void one(char c) {
    reserve(1);
    put(c);
  }
  std::string text() && {
    s_.resize(n_);
    return std::move(s_);
  }

 private:
  [[gnu::noinline]] void grow(size_t k) { s_.resize(std::max(s_.size() * 2, n_ + k)); }
  std::string s_;
  size_t n_ = 0;
};

// Bytes that end a plain run in a JSON string: control characters, the
// quote, the backslash, and 0xED (the lead byte of a surrogate in WTF-8).
struct escape_table {
  bool special[256] = {};
  constexpr escape_table() {
    for (int c = 0; c < 0x20; ++c) special[c] = true;
    special[int('"')] = special[int('\\')] = special[0xED] = true;
  }
};
constexpr escape_table escapes{};

// True when one of the 8 bytes of `w` is special (exact as a whole, by the
// usual has-zero-byte arithmetic): plain text is skipped a word at a time.
inline bool word_has_special(uint64_t w) {
  constexpr uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  auto has_zero = [](uint64_t x) { return (x - ones) & ~x & highs; };
  uint64_t below_space = (w - ones * 0x20) & ~w & highs;
  return (below_space | has_zero(w ^ (ones * '"')) | has_zero(w ^ (ones * '\\')) |
          has_zero(w ^ (ones * 0xED))) != 0;
}

/// The index of the first special byte at or after `i` (or `n`).
inline size_t next_special(const char* p, size_t i, size_t n) {
  while (i + 8 <= n) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (word_has_special(w)) break;
    i += 8;
  }
  while (i < n && !escapes.special[static_cast<unsigned char>(p[i])]) ++i;
  return i;
}

// Lone surrogates (WTF-8: ED A0..BF xx) are written as U+FFFD, as
// JSON.stringify's output would be once encoded as UTF-8.
void append_escaped(out_buf& out, const std::string& s) {
  // the worst case: every byte becomes \u00XX
  out.reserve(s.size() * 6 + 2);
  out.put('"');
  const char* p = s.data();
  const size_t n = s.size();
  size_t run = 0;  // start of the bytes not yet copied
  for (size_t i = next_special(p, 0, n); i < n; i = next_special(p, i + 1, n)) {
    unsigned char c = static_cast<unsigned char>(p[i]);
    bool lone_surrogate = c == 0xED && i + 2 < n &&
                          (static_cast<unsigned char>(p[i + 1]) & 0xE0) == 0xA0;
    if (c == 0xED && !lone_surrogate) continue;
    out.add(p + run, i - run);
    switch (c) {
      case '"': out.add("\\\"", 2); break;
      case '\\': out.add("\\\\", 2); break;
      case '\b': out.add("\\b", 2); break;
      case '\f': out.add("\\f", 2); break;
      case '\n': out.add("\\n", 2); break;
      case '\r': out.add("\\r", 2); break;
      case '\t': out.add("\\t", 2); break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out.add(buf, 6);
        } else {  // a lone surrogate (WTF-8) is written as U+FFFD
          out.add("\xEF\xBF\xBD", 3);
          i += 2;
        }
    }
    run = i + 1;
  }
  out.add(p + run, n - run);
  out.put('"');
}

void newline(out_buf& out, int indent, int level) {
  if (indent <= 0) return;
  out.reserve(size_t(indent * level) + 1);
  out.put('\n');
  for (int i = 0; i < indent * level; ++i) out.put(' ');
}

void write_number(out_buf& out, double d) {
  if (!std::isfinite(d)) {
    out.lit("null");
    return;
  }
  if (d == std::floor(d) && std::fabs(d) < 1e15 && !(d == 0 && std::signbit(d))) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(d));
    out.lit(std::string_view(buf, size_t(r.ptr - buf)));
    return;
  }
  out.lit(format_number_js(d));
}

void write(out_buf& out, const value& v, int indent, int level, size_t& deepest) {
  if (size_t(level) > deepest) deepest = size_t(level);
  if (size_t(level) > max_write_depth && (v.is_array() || v.is_object())) {
    out.lit("null");
    return;
  }
  switch (v.type()) {
    case kind::undefined:
    case kind::null:
      out.lit("null");
      return;
    case kind::boolean:
      out.lit(v.as_bool() ? "true" : "false");
      return;
    case kind::number:
      write_number(out, v.as_number());
      return;
    case kind::string:
      append_escaped(out, v.as_string());
      return;
    case kind::function:
      out.lit("\"\"");
      return;
    case kind::array: {
      auto& a = v.as_array();
      out.one('[');
      bool first = true;
      for (auto& e : a.items) {
        if (!first) out.one(',');
        first = false;
        newline(out, indent, level + 1);
        // JSON.stringify writes undefined array members as null.
        write(out, e, indent, level + 1, deepest);
      }
      if (!a.items.empty()) newline(out, indent, level);
      out.one(']');
      return;
    }
    case kind::object: {
      auto& o = v.as_object();
      out.one('{');
      bool first = true;
      for (auto& [k, e] : o.entries) {
        if (e.is_undefined()) continue;
        if (!first) out.one(',');
        first = false;
        newline(out, indent, level + 1);
        append_escaped(out, k);
        out.lit(indent > 0 ? ": " : ":");
        write(out, e, indent, level + 1, deepest);
      }
      if (!first) newline(out, indent, level);
      out.one('}');
      return;
    }
  }
}

}  // namespace

std::string to_json(const value& v, size_t* depth) {
  size_t deepest = 0;
  if (depth) *depth = 0;
  if (v.is_undefined()) return std::string();
  out_buf out;
  write(out, v, 0, 0, deepest);
  if (depth) *depth = deepest;
  return std::move(out).text();
}

std::string to_json(const value& v) { return to_json(v, nullptr); }

std::string to_json_pretty(const value& v, int indent) {
  if (v.is_undefined()) return "";
  out_buf out;
  size_t deepest = 0;
  write(out, v, indent, 0, deepest);
  return std::move(out).text();
}

namespace {
bool to_json_at(const value& v, json::value& out, json::allocator& a, size_t level);
}

bool to_json(const value& v, json::value& out, json::allocator& a) {
  return to_json_at(v, out, a, 0);
}

namespace {
bool to_json_at(const value& v, json::value& out, json::allocator& a, size_t level) {
  if (level > max_write_depth && (v.is_array() || v.is_object())) {
    out.SetNull();
    return false;
  }
  switch (v.type()) {
    case kind::undefined:
    case kind::null:
      out.SetNull();
      return true;
    case kind::boolean:
      out.SetBool(v.as_bool());
      return true;
    case kind::number: {
      double d = v.as_number();
      if (!std::isfinite(d)) {
        out.SetNull();
      } else if (d == std::floor(d) && std::fabs(d) < 9007199254740992.0) {
        out.SetInt64(int64_t(d));
      } else {
        out.SetDouble(d);
      }
      return true;
    }
    case kind::string: {
      // Lone surrogates (WTF-8) become U+FFFD, as in the text form.
      const std::string& s = v.as_string();
      if (s.find('\xED') == std::string::npos) {
        out.SetString(s.data(), rapidjson::SizeType(s.size()), a);
      } else {
        std::string fixed;
        for (size_t i = 0; i < s.size(); ++i) {
          if (static_cast<unsigned char>(s[i]) == 0xED && i + 2 < s.size() &&
              (static_cast<unsigned char>(s[i + 1]) & 0xE0) == 0xA0) {
            fixed += "\xEF\xBF\xBD";
            i += 2;
          } else {
            fixed += s[i];
          }
        }
        out.SetString(fixed.data(), rapidjson::SizeType(fixed.size()), a);
      }
      return true;
    }
    case kind::function:
      out.SetString("", a);
      return true;
    case kind::array: {
      bool ok = true;
      out.SetArray();
      auto& arr = v.as_array();
      out.Reserve(rapidjson::SizeType(arr.items.size()), a);
      for (auto& e : arr.items) {
        json::value x;
        ok = to_json_at(e, x, a, level + 1) && ok;
        out.PushBack(x, a);
      }
      return ok;
    }
    case kind::object: {
      bool ok = true;
      out.SetObject();
      for (auto& [k, e] : v.as_object().entries) {
        if (e.is_undefined()) continue;
        json::value name(k.data(), rapidjson::SizeType(k.size()), a);
        json::value x;
        ok = to_json_at(e, x, a, level + 1) && ok;
        out.AddMember(name, x, a);
      }
      return ok;
    }
  }
  return true;
}
}  // namespace

// --- equality ----------------------------------------------------------------

namespace {
bool deep_equal_at(const value& a, const value& b, size_t level);
}

bool deep_equal(const value& a, const value& b) { return deep_equal_at(a, b, 0); }

namespace {
// Past max_write_depth levels containers compare by identity: no JSON
// document is that deep, and the recursion stays bounded.
bool deep_equal_at(const value& a, const value& b, size_t level) {
  if (a.type() != b.type()) return false;
  if (level > max_write_depth && (a.is_array() || a.is_object()))
    return a.node_ptr() == b.node_ptr();
  switch (a.type()) {
    case kind::undefined:
    case kind::null:
      return true;
    case kind::boolean:
      return a.as_bool() == b.as_bool();
    case kind::number:
      return a.as_number() == b.as_number();
    case kind::string:
      return a.as_string() == b.as_string();
    case kind::function:
      return a.node_ptr() == b.node_ptr();
    case kind::array: {
      auto& x = a.as_array();
      auto& y = b.as_array();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i)
        if (!deep_equal_at(x[i], y[i], level + 1)) return false;
      return true;
    }
    case kind::object: {
      auto& x = a.as_object();
      auto& y = b.as_object();
      if (x.size() != y.size()) return false;
      for (auto& [k, v] : x.entries) {
        const value* w = y.find(k);
        if (!w || !deep_equal_at(v, *w, level + 1)) return false;
      }
      return true;
    }
  }
  return false;
}

}  // namespace

}  // namespace sc::jsonata
