// JSON helpers shared by the whole code base. RapidJSON is the one JSON
// library: payloads, API bodies and definitions all go through it. Values are
// carried between components as compact JSON text (std::string) so that an
// execution's state is a plain serialisable value; parsing a few hundred bytes
// costs about a microsecond.
#pragma once

#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <string_view>

namespace sc::json {

using value = rapidjson::Value;
using allocator = rapidjson::Document::AllocatorType;

namespace detail {
/// The pool a document allocates from. RapidJSON's default first chunk is
/// 64 KiB, which dominated the cost of the many small documents a state
/// transition builds; 2 KiB chunks fit the common case and grow on demand.
struct small_pool {
  std::unique_ptr<allocator> pool = std::make_unique<allocator>(2048);
};
}  // namespace detail

/// A JSON document with a small-chunk allocator (on the heap, so the
/// document can move). Not copyable: copy values with CopyFrom.
class document : private detail::small_pool, public rapidjson::Document {
 public:
  document() : rapidjson::Document(pool.get()) {}
  document(document&& o) noexcept
      : detail::small_pool{std::move(o.pool)}, rapidjson::Document(std::move(o)) {}
  document(const document&) = delete;
  document& operator=(const document&) = delete;
  document& operator=(document&&) = delete;
};

/// Deepest array/object nesting `parse` accepts.
inline constexpr size_t max_depth = 1000;

/// Deepest nesting of arrays/objects in the JSON text `text` (strings
/// skipped; `[1]` is 1). One pass, no recursion.
size_t nesting_depth(std::string_view text);

/// Parses `text` into `out` (full precision, no trailing garbage, nesting at
/// most `max_depth`). On failure
/// returns false and, when `error` is given, a short description with offset.
bool parse(std::string_view text, document& out, std::string* error = nullptr);

/// `parse` for text from outside (API bodies): also refuses text that is not
/// valid UTF-8, including strings whose \u escapes leave a lone surrogate.
bool parse_untrusted(std::string_view text, document& out, std::string* error = nullptr);

/// True when `s` is well-formed UTF-8 (no overlong forms, no surrogates,
/// nothing past U+10FFFF). When false, `*bad_offset` is the first bad byte.
bool valid_utf8(std::string_view s, size_t* bad_offset = nullptr);

/// `parse` without the nesting limit, for callers that check the depth and
/// report errors themselves: RapidJSON's error code and offset (`out` is
/// null on failure). Numbers are converted as `parse` converts them.
rapidjson::ParseResult parse_unchecked(std::string_view text, document& out);

/// True when `text` is one complete, valid JSON value.
bool valid(std::string_view text);

/// Compact serialisation, the form AWS uses for inputs and outputs.
std::string dump(const value& v);

/// Deep copy helper.
inline value copy(const value& v, allocator& a) { return value(v, a); }

/// Type name as AWS messages spell it (for diagnostics).
const char* type_name(const value& v);

/// Escapes `s` as the body of a JSON string (without the quotes).
std::string escape(std::string_view s);

/// `"..."` JSON string literal for `s`.
inline std::string quote(std::string_view s) { return "\"" + escape(s) + "\""; }

}  // namespace sc::json
