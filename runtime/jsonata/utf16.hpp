// JavaScript string semantics over UTF-8 text.
//
// JavaScript strings are UTF-16 code units, and JSONata shows that in
// places: regex match indexes, $split with an empty separator (which splits
// a surrogate pair in two), string ordering. ($length, $substring and $pad
// count code points in jsonata-js 2.0.6: `$length("😀")` is 1.) Values keep strings as UTF-8; these helpers
// translate. A lone surrogate produced by such a cut is kept as its
// three-byte (WTF-8) form while the evaluation runs and written as U+FFFD
// when the result leaves as JSON text.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sc::jsonata::utf16 {

/// Number of UTF-16 code units in `s`.
size_t length(std::string_view s);
/// Byte offset in `s` of UTF-16 unit `unit` (clamped to s.size()).
size_t byte_offset(std::string_view s, size_t unit);
/// UTF-16 unit index of byte offset `byte` (which must start a character).
size_t unit_offset(std::string_view s, size_t byte);
/// JavaScript's s.substring/substr semantics are built on this: the units
/// [begin, end) of `s` (clamped), as UTF-8/WTF-8.
std::string slice(std::string_view s, size_t begin, size_t end);
/// The UTF-16 code units of `s`.
std::u16string to_u16(std::string_view s);
/// UTF-16 units as UTF-8 (lone surrogates as WTF-8).
std::string from_u16(std::u16string_view s);

}  // namespace sc::jsonata::utf16
