// Array built-ins: $count, $append, $sort, $reverse, $shuffle, $distinct,
// $zip.
//
// Sequences versus arrays matter to the evaluator (a one-item sequence is
// unwrapped, a one-item array is not), so each function returns what
// jsonata-js returns: $append a plain array (Array.prototype.concat drops
// the sequence mark), $distinct a sequence only when given one, $sort,
// $reverse, $shuffle and $zip plain arrays, and inputs of one item or
// fewer are returned as they came.
//
// $sort's comparator answers "should b come before a"; its result is read
// with JavaScript truthiness (an empty array or object counts as true), as
// the reference merges with `if (await comp(l, r))`.
#include "runtime/jsonata/fn_array.hpp"

#include <cmath>
#include <unordered_set>

#include "runtime/jsonata/fn_util.hpp"
#include "runtime/jsonata/utf16.hpp"

namespace sc::jsonata {

bool js_string_less(const std::string& a, const std::string& b) {
  // UTF-8 byte order is code point order; it differs from UTF-16 unit order
  // only between astral characters and U+E000..U+FFFF, so compare in units
  // only when a byte that can start either appears.
  size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  if (i == n) return a.size() < b.size();
  unsigned char ca = static_cast<unsigned char>(a[i]), cb = static_cast<unsigned char>(b[i]);
  if (ca >= 0xEE || cb >= 0xEE) return utf16::to_u16(a) < utf16::to_u16(b);
  return ca < cb;
}

std::vector<value> merge_sort(std::vector<value> items,
                              const std::function<bool(const value&, const value&)>& swap) {
  if (items.size() <= 1) return items;
  std::vector<value> tmp(items.size());
  // Bottom-up would compare different pairs than the reference's top-down
  // recursion when the comparator is inconsistent; keep the same splits.
  std::function<void(size_t, size_t)> sort = [&](size_t lo, size_t hi) {
    if (hi - lo <= 1) return;
    size_t mid = lo + (hi - lo) / 2;
    sort(lo, mid);
    sort(mid, hi);
    size_t l = lo, r = mid, o = lo;
    while (l < mid && r < hi) {
      if (swap(items[l], items[r]))
        tmp[o++] = items[r++];
      else
        tmp[o++] = items[l++];
    }
    while (l < mid) tmp[o++] = items[l++];
    while (r < hi) tmp[o++] = items[r++];
    for (size_t k = lo; k < hi; ++k) items[k] = std::move(tmp[k]);
  };
  sort(0, items.size());
  return items;
}

namespace fn {
namespace {

bool js_truthy(const value& v) {
  switch (v.type()) {
    case kind::undefined:
    case kind::null: return false;
    case kind::boolean: return v.as_bool();
    case kind::number: return v.as_number() != 0 && !std::isnan(v.as_number());
    case kind::string: return !v.as_string().empty();
    default: return true;
  }
}

value f_count(call_context&, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined()) return value::number(0);
  return value::number(double(v.as_array().size()));
}

value f_append(call_context& ctx, std::vector<value>& args) {
  const value& a = arg(args, 0);
  const value& b = arg(args, 1);
  if (a.is_undefined()) return b;
  if (b.is_undefined()) return a;
  std::vector<value> out;
  if (a.is_array()) out = a.as_array().items; else out.push_back(a);
  if (b.is_array()) {
    check_sequence_size(out.size() + b.as_array().size(), ctx);
    out.insert(out.end(), b.as_array().items.begin(), b.as_array().items.end());
  } else {
    out.push_back(b);
  }
  // As string concatenation: a loop of $append copies quadratically.
  ctx.tick(out.size() / 16);
  return value::array(std::move(out));
}

value f_sort(call_context& ctx, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined()) return value();
  if (v.as_array().size() <= 1) return v;
  const value& comparator = arg(args, 1);
  std::vector<value> items = v.as_array().items;
  if (comparator.is_undefined()) {
    bool numbers = all_numbers(v), strings = all_strings(v);
    if (!numbers && !strings) raise_at("D3070", ctx, value(), 1);
    return value::array(merge_sort(std::move(items), [&](const value& a, const value& b) {
      ctx.tick();
      return numbers ? a.as_number() > b.as_number() : js_string_less(b.as_string(), a.as_string());
    }));
  }
  return value::array(merge_sort(std::move(items), [&](const value& a, const value& b) {
    ctx.tick();
    return js_truthy(ctx.apply(comparator, {a, b}));
  }));
}

value f_reverse(call_context&, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined()) return value();
  if (v.as_array().size() <= 1) return v;
  std::vector<value> out(v.as_array().items.rbegin(), v.as_array().items.rend());
  return value::array(std::move(out));
}

value f_shuffle(call_context& ctx, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined()) return value();
  const auto& in = v.as_array().items;
  if (in.size() <= 1) return v;
  // Inside-out Fisher–Yates, as the reference.
  std::vector<value> out(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    double r = double(ctx.random_bits() >> 11) * 0x1.0p-53;
    size_t j = size_t(std::floor(r * double(i + 1)));
    if (j > i) j = i;
    if (i != j) out[i] = out[j];
    out[j] = in[i];
  }
  return value::array(std::move(out));
}

value f_distinct(call_context& ctx, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined()) return value();
  if (!v.is_array() || v.as_array().size() <= 1) return v;
  // Scalars are deduplicated through a hash set of typed keys; arrays and
  // objects by deep equality against the structured items kept so far.
  std::vector<value> out;
  std::unordered_set<std::string> scalars;
  std::vector<size_t> structured;  // positions in `out`
  for (auto& item : v.as_array().items) {
    bool seen = false;
    switch (item.type()) {
      case kind::null: seen = !scalars.insert("l").second; break;
      case kind::boolean: seen = !scalars.insert(item.as_bool() ? "b1" : "b0").second; break;
      case kind::number: {
        double d = item.as_number();
        seen = !scalars.insert("n" + (d == 0 ? std::string("0") : format_number_js(d))).second;
        break;
      }
      case kind::string: seen = !scalars.insert("s" + item.as_string()).second; break;
      default:
        ctx.tick(structured.size() / 64 + 1);
        for (size_t k : structured)
          if (deep_equal(item, out[k])) { seen = true; break; }
        if (!seen) structured.push_back(out.size());
    }
    if (!seen) out.push_back(item);
  }
  return v.is_sequence() ? seq(std::move(out)) : value::array(std::move(out));
}

value f_zip(call_context& ctx, std::vector<value>& args) {
  size_t length = args.empty() ? 0 : SIZE_MAX;
  for (auto& a : args) length = std::min(length, a.is_array() ? a.as_array().size() : size_t(0));
  if (args.empty()) length = 0;  // Math.min() of nothing is Infinity, but there is nothing to zip
  std::vector<value> out;
  out.reserve(length);
  for (size_t i = 0; i < length; ++i) {
    std::vector<value> tuple;
    tuple.reserve(args.size());
    for (auto& a : args) tuple.push_back(a.as_array()[i]);
    out.push_back(value::array(std::move(tuple)));
    if ((i & 1023) == 0) ctx.tick();
  }
  return value::array(std::move(out));
}

const builtin table[] = {
    {"count", "<a:n>", f_count},
    {"append", "<xx:a>", f_append},
    {"sort", "<af?:a>", f_sort},
    {"reverse", "<a:a>", f_reverse},
    {"shuffle", "<a:a>", f_shuffle},
    {"distinct", "<x:x>", f_distinct},
    {"zip", "<a+>", f_zip, 0},
};

}  // namespace
}  // namespace fn

std::span<const builtin> tables::array_functions() { return fn::table; }

}  // namespace sc::jsonata
