// Definition text → compiled `definition` (see parse.hpp).
//
// Three steps: a nesting-depth guard (so hostile input cannot exhaust the
// stack of any recursive walk), JSON parsing (a syntax error becomes AWS's
// INVALID_JSON_DESCRIPTION, located like AWS's Jackson parser locates it:
// `[Source: (String)"..."; line: L, column: C]`), then the compiler in
// compile*.cpp. Nothing throws out of `parse`: any unexpected exception is
// turned into a diagnostic.
//
// `format_diagnostics` renders AWS's InvalidDefinition message:
//   Invalid State Machine Definition: 'CODE: message at /loc, CODE: ...'
// A diagnostic without a location renders as "at null", as AWS does (e.g.
// "MISSING_END_STATE: Workflow has no terminal state at null").
#include "runtime/asl/parse.hpp"

#include <rapidjson/error/en.h>

#include <exception>

#include "runtime/asl/analysis.hpp"
#include "runtime/asl/compile.hpp"

namespace sc::asl {
namespace {

constexpr int kMaxNestingDepth = 512;
constexpr size_t kMaxSourceEcho = 500;  // Jackson's cut-off for the echoed source

bool blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// Deepest [ / { nesting outside strings; stops counting past `limit`.
int nesting_depth(std::string_view text, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest && (deepest = depth) > limit) break;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

std::string source_location(std::string_view text, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  std::string source = "[Source: (String)\"";
  source += text.substr(0, kMaxSourceEcho);
  source += '"';
  if (text.size() > kMaxSourceEcho)
    source += "[truncated " + std::to_string(text.size() - kMaxSourceEcho) + " chars]";
  return source + "; line: " + std::to_string(line) + ", column: " + std::to_string(column) + "]";
}

parse_result fail(std::string code, std::string message, std::string location) {
  parse_result r;
  r.diagnostics.push_back({std::move(code), std::move(message), std::move(location)});
  return r;
}

parse_result parse_unguarded(std::string_view text) {
  if (blank(text))
    return fail(detail::kSchemaValidationFailed, "Definition must be a valid JSON object", "");
  if (nesting_depth(text, kMaxNestingDepth) > kMaxNestingDepth)
    return fail(detail::kInvalidJsonDescription,
                "JSON nesting depth exceeds the maximum of " + std::to_string(kMaxNestingDepth),
                "");

  json::document doc;
  const rapidjson::ParseResult read = json::parse_unchecked(text, doc);
  if (read.IsError()) {
    std::string message = rapidjson::GetParseError_En(read.Code());
    if (message.ends_with('.')) message.pop_back();  // "... at [Source: ...]" follows
    return fail(detail::kInvalidJsonDescription, std::move(message),
                source_location(text, read.Offset()));
  }
  if (!doc.IsObject())
    return fail(detail::kSchemaValidationFailed, "Definition must be a valid JSON object", "");

  detail::compiler c;
  std::shared_ptr<definition> def = c.compile(doc);
  parse_result r;
  r.diagnostics = c.diagnostics();
  r.warnings = warnings(doc);
  if (!r.diagnostics.empty()) return r;
  if (!def)  // cannot happen: the compiler reports why it gives up
    return fail(detail::kSchemaValidationFailed, "The definition could not be compiled", "");
  def->text = std::string(text);
  // No "$$" anywhere and no JSONata: no path, template, intrinsic or
  // expression can read the context object, so the interpreter never
  // builds it.
  // JSONata reads it as $states.context (an expression may also build the
  // name, so any JSONata state counts).
  def->uses_context = def->text.find("$$") != std::string::npos || def->uses_jsonata;
  r.def = std::move(def);
  return r;
}

}  // namespace

parse_result parse(std::string_view text) {
  try {
    return parse_unguarded(text);
  } catch (const std::exception& e) {
    return fail(detail::kSchemaValidationFailed,
                std::string("Internal error while validating the definition: ") + e.what(), "");
  } catch (...) {
    return fail(detail::kSchemaValidationFailed, "Internal error while validating the definition",
                "");
  }
}

std::string format_diagnostics(const std::vector<diagnostic>& diags) {
  std::string out = "Invalid State Machine Definition: '";
  for (size_t i = 0; i < diags.size(); ++i) {
    if (i) out += ", ";
    out += diags[i].code;
    out += ": ";
    out += diags[i].message;
    out += " at ";
    out += diags[i].location.empty() ? "null" : diags[i].location;
  }
  return out + "'";
}

}  // namespace sc::asl
