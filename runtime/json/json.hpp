// JSON helpers shared by the whole code base. RapidJSON is the one JSON
// library: payloads, API bodies and definitions all go through it. Values are
// carried between components as compact JSON text (std::string) so that an
// execution's state is a plain serialisable value; parsing a few hundred bytes
// costs about a microsecond.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <string_view>

namespace sc::json {

using document = rapidjson::Document;
using value = rapidjson::Value;
using allocator = rapidjson::Document::AllocatorType;

/// Parses `text` into `out` (full precision, no trailing garbage). On failure
/// returns false and, when `error` is given, a short description with offset.
bool parse(std::string_view text, document& out, std::string* error = nullptr);

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
