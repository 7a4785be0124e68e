// The error catalogue of jsonata-js 2.0.6 and its placeholder filling.
//
// AWS shows "<code>: <message>" to users, so the templates below are the
// reference implementation's strings, character for character. Filling
// follows its rules: a triple-brace placeholder ({{{token}}}) inserts the
// raw text, a double-brace one ({{token}}, {{value}}, …) inserts the field
// as JSON.stringify would write it, and an absent field is written as
// `undefined` (what JSON.stringify(undefined) turns into when concatenated).
//
// The error struct has fewer fields than the JavaScript error objects, so a
// few placeholders map onto the closest one:
//   {{token}} / {{{token}}}  → token
//   {{value}}                → val
//   {{value2}}               → val2
//   {{index}}                → index
//   {{type}} (T0412)         → val2 (a string such as "numbers")
//   {{exp}} (D3061)          → val2
//   {{{message}}} (D3137, D3141), {{{functionName}}} (D3140) → token
#include "runtime/jsonata/error.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace sc::jsonata {

namespace {

struct entry {
  const char* code;
  const char* text;
};

// Sorted by code (binary search below).
constexpr entry catalogue[] = {
    {"D1001", "Number out of range: {{value}}"},
    {"D1002", "Cannot negate a non-numeric value: {{value}}"},
    {"D1004", "Regular expression matches zero length string"},
    {"D1009", "Multiple key definitions evaluate to same key: {{value}}"},
    {"D1010", "Attempted to access the Javascript object prototype"},
    {"D2005", "The left side of := must be a variable name (start with $)"},
    {"D2014",
     "The size of the sequence allocated by the range operator (..) must not exceed 1e6.  "
     "Attempted to allocate {{value}}."},
    {"D3001", "Attempting to invoke string function on Infinity or NaN"},
    {"D3010", "Second argument of replace function cannot be an empty string"},
    {"D3011", "Fourth argument of replace function must evaluate to a positive number"},
    {"D3012", "Attempted to replace a matched string with a non-string value"},
    {"D3020", "Third argument of split function must evaluate to a positive number"},
    {"D3030", "Unable to cast value to a number: {{value}}"},
    {"D3040", "Third argument of match function must evaluate to a positive number"},
    {"D3050",
     "The second argument of reduce function must be a function with at least two arguments"},
    {"D3060", "The sqrt function cannot be applied to a negative number: {{value}}"},
    {"D3061",
     "The power function has resulted in a value that cannot be represented as a JSON number: "
     "base={{value}}, exponent={{exp}}"},
    {"D3070",
     "The single argument form of the sort function can only be applied to an array of strings "
     "or an array of numbers.  Use the second argument to specify a comparison function"},
    {"D3080", "The picture string must only contain a maximum of two sub-pictures"},
    {"D3081",
     "The sub-picture must not contain more than one instance of the 'decimal-separator' "
     "character"},
    {"D3082", "The sub-picture must not contain more than one instance of the 'percent' character"},
    {"D3083",
     "The sub-picture must not contain more than one instance of the 'per-mille' character"},
    {"D3084", "The sub-picture must not contain both a 'percent' and a 'per-mille' character"},
    {"D3085",
     "The mantissa part of a sub-picture must contain at least one character that is either an "
     "'optional digit character' or a member of the 'decimal digit family'"},
    {"D3086",
     "The sub-picture must not contain a passive character that is preceded by an active "
     "character and that is followed by another active character"},
    {"D3087",
     "The sub-picture must not contain a 'grouping-separator' character that appears adjacent to "
     "a 'decimal-separator' character"},
    {"D3088",
     "The sub-picture must not contain a 'grouping-separator' at the end of the integer part"},
    {"D3089",
     "The sub-picture must not contain two adjacent instances of the 'grouping-separator' "
     "character"},
    {"D3090",
     "The integer part of the sub-picture must not contain a member of the 'decimal digit "
     "family' that is followed by an instance of the 'optional digit character'"},
    {"D3091",
     "The fractional part of the sub-picture must not contain an instance of the 'optional "
     "digit character' that is followed by a member of the 'decimal digit family'"},
    {"D3092",
     "A sub-picture that contains a 'percent' or 'per-mille' character must not contain a "
     "character treated as an 'exponent-separator'"},
    {"D3093",
     "The exponent part of the sub-picture must comprise only of one or more characters that "
     "are members of the 'decimal digit family'"},
    {"D3100", "The radix of the formatBase function must be between 2 and 36.  It was given {{value}}"},
    {"D3110",
     "The argument of the toMillis function must be an ISO 8601 formatted timestamp. Given "
     "{{value}}"},
    {"D3120", "Syntax error in expression passed to function eval: {{value}}"},
    {"D3121", "Dynamic error evaluating the expression passed to function eval: {{value}}"},
    {"D3130",
     "Formatting or parsing an integer as a sequence starting with {{value}} is not supported "
     "by this implementation"},
    {"D3131", "In a decimal digit pattern, all digits must be from the same decimal group"},
    {"D3132", "Unknown component specifier {{value}} in date/time picture string"},
    {"D3133",
     "The 'name' modifier can only be applied to months and days in the date/time picture "
     "string, not {{value}}"},
    {"D3134", "The timezone integer format specifier cannot have more than four digits"},
    {"D3135", "No matching closing bracket ']' in date/time picture string"},
    {"D3136", "The date/time picture string is missing specifiers required to parse the timestamp"},
    {"D3137", "{{{message}}}"},
    {"D3138",
     "The $single() function expected exactly 1 matching result.  Instead it matched more."},
    {"D3139", "The $single() function expected exactly 1 matching result.  Instead it matched 0."},
    {"D3140", "Malformed URL passed to ${{{functionName}}}(): {{value}}"},
    {"D3141", "{{{message}}}"},
    {"S0101", "String literal must be terminated by a matching quote"},
    {"S0102", "Number out of range: {{token}}"},
    {"S0103", "Unsupported escape sequence: \\{{token}}"},
    {"S0104", "The escape sequence \\u must be followed by 4 hex digits"},
    {"S0105", "Quoted property name must be terminated with a backquote (`)"},
    {"S0106", "Comment has no closing tag"},
    {"S0201", "Syntax error: {{token}}"},
    {"S0202", "Expected {{value}}, got {{token}}"},
    {"S0203", "Expected {{value}} before end of expression"},
    {"S0204", "Unknown operator: {{token}}"},
    {"S0205", "Unexpected token: {{token}}"},
    {"S0206", "Unknown expression type: {{token}}"},
    {"S0207", "Unexpected end of expression"},
    {"S0208", "Parameter {{value}} of function definition must be a variable name (start with $)"},
    {"S0209", "A predicate cannot follow a grouping expression in a step"},
    {"S0210", "Each step can only have one grouping expression"},
    {"S0211", "The symbol {{token}} cannot be used as a unary operator"},
    {"S0212", "The left side of := must be a variable name (start with $)"},
    {"S0213", "The literal value {{value}} cannot be used as a step within a path expression"},
    {"S0214", "The right side of {{token}} must be a variable name (start with $)"},
    {"S0215", "A context variable binding must precede any predicates on a step"},
    {"S0216", "A context variable binding must precede the 'order-by' clause on a step"},
    {"S0217", "The object representing the 'parent' cannot be derived from this expression"},
    {"S0301", "Empty regular expressions are not allowed"},
    {"S0302", "No terminating / in regular expression"},
    {"S0401", "Type parameters can only be applied to functions and arrays"},
    {"S0402", "Choice groups containing parameterized types are not supported"},
    {"S0500", "Attempted to evaluate an expression containing syntax error(s)"},
    {"T0410", "Argument {{index}} of function {{token}} does not match function signature"},
    {"T0411", "Context value is not a compatible type with argument {{index}} of function {{token}}"},
    {"T0412", "Argument {{index}} of function {{token}} must be an array of {{type}}"},
    {"T1003", "Key in object structure must evaluate to a string; got: {{value}}"},
    {"T1005", "Attempted to invoke a non-function. Did you mean ${{{token}}}?"},
    {"T1006", "Attempted to invoke a non-function"},
    {"T1007", "Attempted to partially apply a non-function. Did you mean ${{{token}}}?"},
    {"T1008", "Attempted to partially apply a non-function"},
    {"T1010",
     "The matcher function argument passed to function {{token}} does not return the correct "
     "object structure"},
    {"T2001", "The left side of the {{token}} operator must evaluate to a number"},
    {"T2002", "The right side of the {{token}} operator must evaluate to a number"},
    {"T2003", "The left side of the range operator (..) must evaluate to an integer"},
    {"T2004", "The right side of the range operator (..) must evaluate to an integer"},
    {"T2006", "The right side of the function application operator ~> must be a function"},
    {"T2007", "Type mismatch when comparing values {{value}} and {{value2}} in order-by clause"},
    {"T2008", "The expressions within an order-by clause must evaluate to numeric or string values"},
    {"T2009",
     "The values {{value}} and {{value2}} either side of operator {{token}} must be of the same "
     "data type"},
    {"T2010",
     "The expressions either side of operator {{token}} must evaluate to numeric or string values"},
    {"T2011",
     "The insert/update clause of the transform expression must evaluate to an object: "
     "{{value}}"},
    {"T2012",
     "The delete clause of the transform expression must evaluate to a string or array of "
     "strings: {{value}}"},
    {"T2013",
     "The transform expression clones the input object using the $clone() function.  This has "
     "been overridden in the current scope by a non-function."},
    {"U1001",
     "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as "
     "tail-recursive."},
};

// JSON.stringify(x) as text; `undefined` when there is nothing to write.
std::string stringify_field(const value& v) {
  if (v.is_undefined()) return "undefined";
  if (v.is_function()) return "undefined";
  return to_json(v);
}

std::string stringify_text(const std::optional<std::string>& s) {
  if (!s) return "undefined";
  return to_json(value::string(*s));
}

std::string field(const error& e, std::string_view name, bool raw) {
  if (name == "token" || name == "message" || name == "functionName") {
    if (raw) return e.token ? *e.token : std::string("undefined");
    return stringify_text(e.token);
  }
  if (name == "value") return raw && e.val.is_string() ? e.val.as_string() : stringify_field(e.val);
  if (name == "value2" || name == "type" || name == "exp")
    return raw && e.val2.is_string() ? e.val2.as_string() : stringify_field(e.val2);
  if (name == "index") return e.index ? std::to_string(*e.index) : std::string("undefined");
  return "undefined";
}

}  // namespace

const char* message_template(std::string_view code) {
  auto it = std::lower_bound(std::begin(catalogue), std::end(catalogue), code,
                             [](const entry& e, std::string_view c) { return std::string_view(e.code) < c; });
  if (it == std::end(catalogue) || std::string_view(it->code) != code) return "";
  return it->text;
}

error make_error(std::string code, std::optional<size_t> position, std::optional<std::string> token,
                 value val, value val2, std::optional<size_t> index) {
  error e;
  e.code = std::move(code);
  e.position = position;
  e.token = std::move(token);
  e.val = std::move(val);
  e.val2 = std::move(val2);
  e.index = index;
  std::string_view t = message_template(e.code);
  std::string out;
  out.reserve(t.size() + 16);
  size_t i = 0;
  while (i < t.size()) {
    if (t.compare(i, 3, "{{{") == 0) {
      size_t close = t.find("}}}", i + 3);
      if (close != std::string_view::npos) {
        out += field(e, t.substr(i + 3, close - i - 3), true);
        i = close + 3;
        continue;
      }
    }
    if (t.compare(i, 2, "{{") == 0) {
      size_t close = t.find("}}", i + 2);
      if (close != std::string_view::npos) {
        out += field(e, t.substr(i + 2, close - i - 2), false);
        i = close + 2;
        continue;
      }
    }
    out += t[i++];
  }
  e.message = std::move(out);
  return e;
}

void raise(std::string code, std::optional<size_t> position, std::optional<std::string> token,
           value val, value val2, std::optional<size_t> index) {
  throw exception(make_error(std::move(code), position, std::move(token), std::move(val),
                             std::move(val2), index));
}

}  // namespace sc::jsonata
