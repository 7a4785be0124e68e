// Shared machinery of the formatting built-ins (fn_format.cpp and
// fn_datetime.cpp); not part of the library's interface.
//
// Two things live here. First, the few JavaScript number operations that
// jsonata-js's formatting code leans on and whose exact results show in the
// output: Number.prototype.toFixed, Number.prototype.toString(radix),
// parseInt, Math.round and JSONata's own round-half-even $round. Second, the
// XPath integer pictures (fn:format-integer) as jsonata-js reads them: they
// serve $formatInteger and $parseInteger directly and every integer-valued
// component of a date/time picture ([Y0001], [D1o], [Mi], [Hw]…).
//
// Values are doubles throughout, as in JavaScript: a date component of an
// invalid date is NaN and formats as "NaN", words for 1e46 are computed on
// doubles, and so on. Strings that JavaScript indexes by UTF-16 unit are
// handled as std::u16string so that lengths and positions agree with it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/jsonata/functions.hpp"

namespace sc::jsonata::fmt {

// --- JavaScript numbers ----------------------------------------------------

/// Math.round: nearest integer, halves toward +infinity.
double js_math_round(double x);
/// jsonata-js's round(x, precision) ($round): half to even at `precision`
/// decimal places, shifting through the decimal string as it does; never -0.
double js_round(double x, int precision = 0);
/// Number.prototype.toFixed(digits) for x >= 0 (exact decimal value, ties
/// away from zero; x >= 1e21 written as toString does).
std::string js_to_fixed(double x, int digits);
/// Number.prototype.toString(radix) for an integral x (V8's digits, which
/// are zeros past the double's precision for large values).
std::string js_to_string_radix(double x, int radix);
/// parseInt(s) without a radix (leading white space, sign, "0x" → hex; NaN
/// when no digit).
double js_parse_int(std::u16string_view s);
/// The UTF-16 text as JavaScript's String(x) of a number writes it.
std::u16string js_number_u16(double x);

// --- integer pictures (fn:format-integer) ----------------------------------

enum class int_primary { decimal, letters, roman, words, sequence };
enum class int_case { upper, lower, title };

struct grouping {
  double position = 0;     ///< digits to the right of the separator
  std::u16string character;
};

/// An analysed integer picture ("#,##0", "w;o", "I", …).
struct integer_format {
  int_primary primary = int_primary::decimal;
  int_case letter_case = int_case::lower;
  bool ordinal = false;
  // decimal digit patterns
  char32_t zero_code = U'0';      ///< first digit of the pattern's decimal group
  double mandatory_digits = 0;    ///< a double: date widths may make it NaN
  double optional_digits = 0;
  bool regular = false;           ///< separators repeat every `separators[0].position`
  std::vector<grouping> separators;
  std::u16string token;           ///< the picture of an unsupported numbering sequence
  double n = -1;                  ///< fixed width when parsing a date component (-1: any)
};

/// Analyses `picture` (throws D3131 for digits from two decimal groups).
integer_format analyse_integer_picture(std::u16string_view picture, call_context& ctx);

/// Formats an integral value (callers floor it) by an analysed picture;
/// D3130 for an unsupported sequence, U1001 past the evaluation's string
/// budget or where jsonata-js runs out of stack (Roman numerals ≥ 1e7).
std::u16string format_integer(double value, const integer_format& f, call_context& ctx);

/// The number `text` denotes under `f` (jsonata-js's parse half of
/// $parseInteger: no validation, NaN where it cannot read the text).
double parse_integer(std::u16string_view text, const integer_format& f, call_context& ctx);

/// The regular expression (JavaScript syntax, caseless) that matches one
/// value under `f` inside a date/time string.
std::string integer_regex(const integer_format& f, call_context& ctx);

/// English words for a non-negative integer ("one thousand, two hundred
/// and thirty-four"), title case as jsonata-js builds them.
std::u16string number_to_words(double value, bool ordinal);

// --- errors and budgets ----------------------------------------------------

/// Raises `code` at the call's position with {{value}} = `val`.
[[noreturn]] void fail(call_context& ctx, const char* code, value val = {});
/// U1001 (fn::check_string_size's) when a result of `units` UTF-16 units
/// would pass the evaluation's string budget.
void check_length(double units, call_context& ctx);

/// UTF-8 ⇄ UTF-16 shorthands.
std::u16string u16(std::string_view s);
std::string u8(std::u16string_view s);

}  // namespace sc::jsonata::fmt
