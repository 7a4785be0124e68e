// $now, $millis, $fromMillis and $toMillis.
//
// Time is the evaluation's: $now and $millis read `environment::now_ms`,
// fixed for the whole evaluation as jsonata-js fixes its timestamp, and a
// $toMillis picture that leaves out the date takes it from that same time.
// There is no clock, no libc time zone and no locale here: calendar
// arithmetic is our own (days from the civil date and back, proleptic
// Gregorian, as JavaScript's Date), and time zones are the ±HHMM offsets
// jsonata-js accepts, read with parseInt exactly as it reads them (so
// "-0530" is hour -6 and minute -30, which is what it prints).
//
// The model is JavaScript's Date: a time value in milliseconds that is NaN
// when invalid (past ±8.64e15 ms, or computed from NaN), components that
// are NaN for an invalid date, Date.UTC's reading of years 0–99 as
// 1900–1999 (which jsonata-js's week computations inherit), and V8's
// Date.parse for the ISO 8601 strings $toMillis accepts without a picture,
// including its legacy readings ("2018.5" is 1 May 2018) and its NaN for
// strings the check lets through but the parser refuses ("2018-02-03-04").
//
// Pictures are XPath fn:format-dateTime pictures as jsonata-js analyses
// them (datetime_picture below); integer components use the integer
// pictures of format_integer.hpp. Parsing builds the same regular
// expression jsonata-js builds and runs it with PCRE2 (caseless, anchored),
// then applies jsonata-js's rules for which components make a date.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "runtime/jsonata/error.hpp"
#include "runtime/jsonata/format_integer.hpp"
#include "runtime/jsonata/functions.hpp"

namespace sc::jsonata {
namespace {

using fmt::u16;
using fmt::u8;
using str = std::u16string;
constexpr double ms_per_day = 86400000;

// --- JavaScript Date arithmetic ---------------------------------------------

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t z, int64_t& y, int64_t& m, int64_t& d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = yoe + era * 400 + (m <= 2);
}

double time_clip(double t) {
  if (!std::isfinite(t) || std::fabs(t) > 8.64e15) return NAN;
  return std::trunc(t) + 0.0;
}

// MakeDay(year, month, date); NaN when out of any sensible range.
double make_day(double year, double month, double date) {
  if (!std::isfinite(year) || !std::isfinite(month) || !std::isfinite(date)) return NAN;
  double y = std::trunc(year), m = std::trunc(month), dt = std::trunc(date);
  double ym = y + std::floor(m / 12);
  double mn = m - std::floor(m / 12) * 12;
  if (std::fabs(ym) > 400000 || std::fabs(dt) > 1e9) return NAN;
  return double(days_from_civil(int64_t(ym), int64_t(mn) + 1, 1)) + dt - 1;
}

double make_time(double h, double m, double s, double ms) {
  if (!std::isfinite(h) || !std::isfinite(m) || !std::isfinite(s) || !std::isfinite(ms))
    return NAN;
  return std::trunc(h) * 3600000 + std::trunc(m) * 60000 + std::trunc(s) * 1000 + std::trunc(ms);
}

/// Date.UTC(y, m, d, h, mi, s, ms), years 0–99 meaning 1900–1999.
double date_utc(double y, double m, double d = 1, double h = 0, double mi = 0, double s = 0,
                double ms = 0) {
  if (std::isfinite(y)) {
    double yi = std::trunc(y);
    if (yi >= 0 && yi <= 99) y = 1900 + yi;
  }
  return time_clip(make_day(y, m, d) * ms_per_day + make_time(h, mi, s, ms));
}

/// A JavaScript Date's UTC getters.
struct js_date {
  double t = NAN;
  int64_t y = 0, mo = 0, d = 0, wd = 0, h = 0, mi = 0, s = 0, ms = 0;

  explicit js_date(double time) : t(time) {
    if (std::isnan(t)) return;
    double day = std::floor(t / ms_per_day);
    int64_t in_day = int64_t(t - day * ms_per_day);
    civil_from_days(int64_t(day), y, mo, d);
    wd = ((int64_t(day) + 4) % 7 + 7) % 7;
    h = in_day / 3600000;
    mi = in_day / 60000 % 60;
    s = in_day / 1000 % 60;
    ms = in_day % 1000;
  }
  bool valid() const { return !std::isnan(t); }
  double get(int64_t v) const { return valid() ? double(v) : NAN; }
  double year() const { return get(y); }
  double month() const { return get(mo - 1); }  // 0-based, as getUTCMonth
  double date() const { return get(d); }
  double day() const { return get(wd); }
  double hours() const { return get(h); }
  double minutes() const { return get(mi); }
  double seconds() const { return get(s); }
  double millis() const { return get(ms); }
};

// --- date/time fragments ------------------------------------------------------

const char* const day_names[] = {"",       "Monday", "Tuesday", "Wednesday",
                                 "Thursday", "Friday", "Saturday", "Sunday"};
const char* const month_names[] = {"January", "February", "March",     "April",
                                   "May",     "June",     "July",      "August",
                                   "September", "October", "November", "December"};

// Monday 00:00 UTC starting week 1 of the month (ISO 8601's rule, which the
// XPath spec extends to months): the week holding the first Thursday.
double start_of_first_week(double year, double month) {
  double first = date_utc(year, month);
  double dow = js_date(first).day();
  if (dow == 0) dow = 7;
  return dow > 4 ? first + (8 - dow) * ms_per_day : first - (dow - 1) * ms_per_day;
}

double delta_weeks(double start, double end) { return (end - start) / (ms_per_day * 7) + 1; }

struct fragment {
  enum { number, text, none } k = none;
  double n = NAN;
  str s;
};

fragment num(double v) { return {fragment::number, v, {}}; }

fragment date_fragment(const js_date& date, char16_t component) {
  double Y = date.year(), M = date.month(), D = date.date();
  switch (component) {
    case 'Y': return num(Y);
    case 'M': return num(M + 1);
    case 'D': return num(D);
    case 'd': return num((date_utc(Y, M, D) - date_utc(Y, 0)) / ms_per_day + 1);
    case 'F': {
      double v = date.day();
      return num(v == 0 ? 7 : v);
    }
    case 'W': {
      double start = start_of_first_week(Y, 0);
      double today = date_utc(Y, M, D);
      double week = delta_weeks(start, today);
      if (week > 52) {
        if (today >= start_of_first_week(Y + 1, 0)) week = 1;
      } else if (week < 1) {
        week = delta_weeks(start_of_first_week(Y - 1, 0), today);
      }
      return num(std::floor(week));
    }
    case 'w': {
      double start = start_of_first_week(Y, M);
      double today = date_utc(Y, M, D);
      double week = delta_weeks(start, today);
      if (week > 4) {
        double ny = M == 11 ? Y + 1 : Y, nm = M == 11 ? 0 : M + 1;
        if (today >= start_of_first_week(ny, nm)) week = 1;
      } else if (week < 1) {
        double py = M == 0 ? Y - 1 : Y, pm = M == 0 ? 11 : M - 1;
        week = delta_weeks(start_of_first_week(py, pm), today);
      }
      return num(std::floor(week));
    }
    case 'X': {
      double now = date.t;
      if (now < start_of_first_week(Y, 0)) return num(Y - 1);
      if (now >= start_of_first_week(Y + 1, 0)) return num(Y + 1);
      return num(Y);
    }
    case 'x': {
      double now = date.t;
      double ny = M == 11 ? Y + 1 : Y, nm = M == 11 ? 0 : M + 1;
      if (now < start_of_first_week(Y, M)) return num((M == 0 ? 11 : M - 1) + 1);
      if (now >= start_of_first_week(ny, nm)) return num(nm + 1);
      return num(M + 1);
    }
    case 'H': return num(date.hours());
    case 'h': {
      double v = std::fmod(date.hours(), 12);
      return num(v == 0 ? 12 : v);
    }
    case 'P': return {fragment::text, NAN, date.hours() >= 12 ? u"pm" : u"am"};
    case 'm': return num(date.minutes());
    case 's': return num(date.seconds());
    case 'f': return num(date.millis());
    case 'C':
    case 'E': return {fragment::text, NAN, u"ISO"};
    default: return {};
  }
}

bool one_of(const str& component, const char* set) {
  if (component.size() != 1) return false;
  for (const char* c = set; *c; ++c)
    if (component[0] == char16_t(*c)) return true;
  return false;
}

// --- pictures -------------------------------------------------------------------

enum class names { none, lower, upper, title };

struct marker {
  str component;  // one UTF-16 unit (or none, which D3132 refuses)
  str pres1, pres2;
  bool has_width = false;
  std::optional<double> width_min, width_max;  // nullopt: "*" or absent
  names name_case = names::none;
  std::optional<fmt::integer_format> int_fmt;
  std::optional<double> n;  // years, months, days: digits to keep (-1: all)
};

struct picture_part {
  bool literal = false;
  str text;
  marker m;
};

bool js_white(char16_t c) {
  return c == 9 || c == 10 || c == 11 || c == 12 || c == 13 || c == 32 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
         c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

const char* default_presentation(const str& component) {
  if (component.size() != 1) return nullptr;
  switch (component[0]) {
    case 'Y': case 'M': case 'D': case 'd': case 'W': case 'w': case 'X': case 'x':
    case 'H': case 'h': case 'f':
      return "1";
    case 'F': case 'P': case 'C': case 'E':
      return "n";
    case 'm': case 's':
      return "01";
    case 'Z': case 'z':
      return "01:01";
    default:
      return nullptr;
  }
}

std::optional<double> parse_width(const std::optional<str>& w) {
  if (!w || *w == u"*") return std::nullopt;
  return fmt::js_parse_int(*w);
}

marker analyse_marker(const str& raw, call_context& ctx) {
  str text;
  for (char16_t c : raw)
    if (!js_white(c)) text += c;
  marker m;
  if (!text.empty()) m.component = text.substr(0, 1);
  size_t comma = text.rfind(u',');
  str pres;
  if (comma != str::npos) {
    str width = text.substr(comma + 1);
    size_t dash = width.find(u'-');
    std::optional<str> min, max;
    if (dash == str::npos) {
      min = width;
    } else {
      min = width.substr(0, dash);
      max = width.substr(dash + 1);
    }
    m.has_width = true;
    m.width_min = parse_width(min);
    m.width_max = parse_width(max);
    pres = comma >= 1 ? text.substr(1, comma - 1) : str();
  } else {
    pres = text.size() > 1 ? text.substr(1) : str();
  }
  bool has_pres1 = true;
  if (pres.size() == 1) {
    m.pres1 = pres;
  } else if (pres.size() > 1) {
    char16_t last = pres.back();
    if (last == 'a' || last == 't' || last == 'c' || last == 'o') {
      m.pres2 = str(1, last);
      m.pres1 = pres.substr(0, pres.size() - 1);
    } else {
      m.pres1 = pres;
    }
  } else if (const char* d = default_presentation(m.component)) {
    m.pres1 = u16(d);
  } else {
    has_pres1 = false;
  }
  if (!has_pres1) fmt::fail(ctx, "D3132", value::string(u8(m.component)));
  if (m.pres1[0] == 'n') {
    m.name_case = names::lower;
  } else if (m.pres1[0] == 'N') {
    m.name_case = m.pres1.size() > 1 && m.pres1[1] == 'n' ? names::title : names::upper;
  } else if (one_of(m.component, "YMDdFWwXxHhmsf")) {
    str pattern = m.pres1;
    if (!m.pres2.empty()) pattern += u";" + m.pres2;
    m.int_fmt = fmt::analyse_integer_picture(pattern, ctx);
    if (m.has_width && m.width_min && m.int_fmt->mandatory_digits < *m.width_min)
      m.int_fmt->mandatory_digits = *m.width_min;
    if (one_of(m.component, "YMD")) {
      m.n = -1;
      if (m.has_width && m.width_max) {
        m.n = *m.width_max;
        m.int_fmt->mandatory_digits = *m.n;
      } else {
        double w = m.int_fmt->mandatory_digits + m.int_fmt->optional_digits;
        if (w >= 2) m.n = w;
      }
    }
  }
  if (one_of(m.component, "Zz")) m.int_fmt = fmt::analyse_integer_picture(m.pres1, ctx);
  return m;
}

std::vector<picture_part> analyse_picture(const str& picture, call_context& ctx) {
  ctx.tick(picture.size());
  std::vector<picture_part> spec;
  auto add_literal = [&](size_t start, size_t end) {
    if (end <= start) return;
    str lit = picture.substr(start, end - start), out;
    for (size_t i = 0; i < lit.size(); ++i) {  // "]]" is "]"
      out += lit[i];
      if (lit[i] == ']' && i + 1 < lit.size() && lit[i + 1] == ']') ++i;
    }
    spec.push_back({true, out, {}});
  };
  size_t start = 0, pos = 0;
  while (pos < picture.size()) {
    if (picture[pos] == '[') {
      if (pos + 1 < picture.size() && picture[pos + 1] == '[') {
        add_literal(start, pos);
        spec.push_back({true, u"[", {}});
        pos += 2;
        start = pos;
        continue;
      }
      add_literal(start, pos);
      start = pos;
      pos = picture.find(u']', start);
      if (pos == str::npos) fmt::fail(ctx, "D3135");
      picture_part part;
      part.m = analyse_marker(picture.substr(start + 1, pos - start - 1), ctx);
      spec.push_back(std::move(part));
      start = pos + 1;
    }
    ++pos;
  }
  add_literal(start, pos);
  return spec;
}

// --- formatting -------------------------------------------------------------------

str upper(str s) {
  for (auto& c : s)
    if (c >= 'a' && c <= 'z') c = char16_t(c - 32);
  return s;
}
str lower(str s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = char16_t(c + 32);
  return s;
}

str format_component(const js_date& date, const marker& m, double offset_hours,
                     double offset_minutes, call_context& ctx) {
  fragment frag = m.component.size() == 1 ? date_fragment(date, m.component[0]) : fragment{};
  if (one_of(m.component, "YMDdFWwXxHhms")) {
    double v = frag.n;
    if (m.component == u"Y" && (!m.n || *m.n != -1))
      v = std::fmod(v, std::pow(10, m.n ? *m.n : NAN));
    if (m.name_case != names::none) {
      str name;
      if (m.component == u"M" || m.component == u"x") {
        if (v >= 1 && v <= 12 && v == std::floor(v)) name = u16(month_names[int(v) - 1]);
      } else if (m.component == u"F") {
        if (v >= 0 && v <= 7 && v == std::floor(v)) name = u16(day_names[int(v)]);
      } else {
        fmt::fail(ctx, "D3133", value::string(u8(m.component)));
      }
      if (name.empty()) return u"undefined";  // an invalid date's NaN month or day
      if (m.name_case == names::upper) name = upper(name);
      if (m.name_case == names::lower) name = lower(name);
      if (m.has_width && m.width_max && double(name.size()) > *m.width_max)
        name = name.substr(0, size_t(std::max(*m.width_max, 0.0)));
      return name;
    }
    return fmt::format_integer(v, *m.int_fmt, ctx);
  }
  if (m.component == u"f") {
    // jsonata-js fails with a TypeError on a named [fN]; the rule it breaks is D3133's.
    if (!m.int_fmt) fmt::fail(ctx, "D3133", value::string("f"));
    return fmt::format_integer(frag.n, *m.int_fmt, ctx);
  }
  if (m.component == u"Z" || m.component == u"z") {
    const fmt::integer_format& f = *m.int_fmt;
    double offset = offset_hours * 100 + offset_minutes;
    str out;
    if (f.regular) {
      out = fmt::format_integer(offset, f, ctx);
    } else {
      double digits = f.mandatory_digits;
      if (digits == 1 || digits == 2) {
        out = fmt::format_integer(offset_hours, f, ctx);
        if (offset_minutes != 0) {
          fmt::integer_format two = fmt::analyse_integer_picture(u"00", ctx);
          out += u":" + fmt::format_integer(std::floor(offset_minutes), two, ctx);
        }
      } else if (digits == 3 || digits == 4) {
        out = fmt::format_integer(offset, f, ctx);
      } else {
        fmt::fail(ctx, "D3134", value::number(digits));
      }
    }
    if (offset >= 0) out = u"+" + out;
    if (m.component == u"z") out = u"GMT" + out;
    if (offset == 0 && m.pres2 == u"t") out = u"Z";
    return out;
  }
  if (m.component == u"P") {
    return m.name_case == names::upper ? upper(frag.s) : frag.s;
  }
  if (frag.k == fragment::text) return frag.s;
  return u"undefined";  // jsonata-js appends the undefined of an unknown component
}

str format_date_time(double millis, const value& picture, const value& timezone,
                     call_context& ctx) {
  double offset_hours = 0, offset_minutes = 0;
  if (!timezone.is_undefined()) {
    double offset = fmt::js_parse_int(u16(timezone.as_string()));
    offset_hours = std::floor(offset / 100);
    offset_minutes = std::fmod(offset, 100);
  }
  std::vector<picture_part> spec = analyse_picture(
      picture.is_undefined() ? str(u"[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]")
                             : u16(picture.as_string()),
      ctx);
  double offset_millis = (60 * offset_hours + offset_minutes) * 60 * 1000;
  js_date date(time_clip(millis + offset_millis));
  str out;
  for (const auto& part : spec) {
    out += part.literal ? part.text
                        : format_component(date, part.m, offset_hours, offset_minutes, ctx);
    fmt::check_length(double(out.size()), ctx);
  }
  return out;
}

// --- parsing with a picture ---------------------------------------------------------

/// PCRE2 with JavaScript's reading of our patterns (caseless, `$` only at the end).
class pattern {
 public:
  explicit pattern(const std::string& re, bool caseless) {
    int err = 0;
    PCRE2_SIZE offset = 0;
    uint32_t options = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY;
    if (caseless) options |= PCRE2_CASELESS;
    code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(re.data()), re.size(), options, &err,
                          &offset, nullptr);
  }
  ~pattern() { pcre2_code_free(code_); }
  pattern(const pattern&) = delete;
  pattern& operator=(const pattern&) = delete;

  /// The capture groups of a match of the whole subject, or nullopt.
  std::optional<std::vector<std::string>> match(const std::string& subject,
                                                call_context& ctx) const {
    if (!code_) return std::nullopt;
    pcre2_match_data* md = pcre2_match_data_create_from_pattern(code_, nullptr);
    pcre2_match_context* mc = pcre2_match_context_create(nullptr);
    pcre2_set_match_limit(mc, ctx.env().lim.regex_match_limit);
    pcre2_set_depth_limit(mc, ctx.env().lim.regex_depth_limit);
    int rc = pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0,
                         0, md, mc);
    std::optional<std::vector<std::string>> out;
    if (rc > 0) {
      PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
      std::vector<std::string> groups;
      for (int i = 1; i < rc; ++i)
        groups.push_back(ov[2 * i] == PCRE2_UNSET ? std::string()
                                                  : subject.substr(ov[2 * i], ov[2 * i + 1] - ov[2 * i]));
      out = std::move(groups);
    }
    pcre2_match_context_free(mc);
    pcre2_match_data_free(md);
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT)
      raise("U1001", ctx.position());  // the evaluation's budget for a regex
    return out;
  }

 private:
  pcre2_code* code_ = nullptr;
};

std::string escape_literal(const str& text) {
  std::string out;
  for (char c : u8(text)) {
    if (std::string_view(".*+?^${}()|[]\\").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

/// A parsed component: undefined (a name that is not one), or a number.
struct component_value {
  bool defined = false;
  double n = NAN;
};

/// How one part of the picture matches and what it yields.
struct matcher_part {
  std::string regex;
  bool yields = false;  // markers yield a component, literals do not
  char16_t component = 0;
  const marker* m = nullptr;
  fmt::integer_format int_fmt;
  bool integer = false, zone = false;
  str separator;  // time zones: between hours and minutes
};

matcher_part make_matcher(const picture_part& part, call_context& ctx) {
  matcher_part r;
  if (part.literal) {
    r.regex = escape_literal(part.text);
    return r;
  }
  const marker& m = part.m;
  r.yields = true;
  r.m = &m;
  r.component = m.component.empty() ? 0 : m.component[0];
  if (m.component == u"Z" || m.component == u"z") {
    r.zone = true;
    if (m.int_fmt->regular) r.separator = m.int_fmt->separators[0].character;
    r.regex = m.component == u"z" ? "GMT" : "";
    r.regex += "[-+][0-9]+";
    if (!r.separator.empty()) r.regex += u8(r.separator) + "[0-9]+";
  } else if (m.int_fmt) {
    r.integer = true;
    r.int_fmt = *m.int_fmt;
    r.int_fmt.n = m.n ? *m.n : NAN;
    r.regex = fmt::integer_regex(r.int_fmt, ctx);
  } else {
    if (!one_of(m.component, "MxFP")) fmt::fail(ctx, "D3133", value::string(u8(m.component)));
    r.regex = "[a-zA-Z]+";
  }
  return r;
}

component_value parse_part(const matcher_part& r, const str& text, call_context& ctx) {
  if (r.zone) {
    str v = r.component == 'z' ? (text.size() > 3 ? text.substr(3) : str()) : text;
    double hours = 0, minutes = 0;
    if (!r.separator.empty()) {
      size_t at = v.find(r.separator);
      hours = at == str::npos ? NAN : fmt::js_parse_int(v.substr(0, at));
      minutes = fmt::js_parse_int(at == str::npos ? v : v.substr(at + 1));
    } else if (v.size() <= 3) {
      hours = fmt::js_parse_int(v);
    } else {
      hours = fmt::js_parse_int(v.substr(0, 3));
      minutes = fmt::js_parse_int(v.substr(3));
    }
    return {true, hours * 60 + minutes};
  }
  if (r.integer) return {true, fmt::parse_integer(text, r.int_fmt, ctx)};
  // Month, day and am/pm names (matched caselessly, looked up exactly).
  const marker& m = *r.m;
  bool cut = m.has_width && m.width_max && *m.width_max != 0 && !std::isnan(*m.width_max);
  auto key = [&](const char* name) {
    str s = u16(name);
    if (cut) s = s.substr(0, size_t(std::clamp(*m.width_max, 0.0, 1e6)));
    return s;
  };
  component_value out;
  if (r.component == 'M' || r.component == 'x') {
    for (int i = 0; i < 12; ++i)
      if (key(month_names[i]) == text) out = {true, double(i + 1)};
  } else if (r.component == 'F') {
    for (int i = 1; i <= 7; ++i)
      if (key(day_names[i]) == text) out = {true, double(i)};
  } else {
    if (text == u"am" || text == u"AM") out = {true, 0};
    if (text == u"pm" || text == u"PM") out = {true, 1};
  }
  return out;
}

value parse_date_time(const str& timestamp, const str& picture, call_context& ctx) {
  std::vector<picture_part> spec = analyse_picture(picture, ctx);
  std::vector<matcher_part> parts;
  std::string regex = "^";
  for (const auto& part : spec) {
    parts.push_back(make_matcher(part, ctx));
    regex += "(" + parts.back().regex + ")";
  }
  regex += "$";
  auto groups = pattern(regex, true).match(u8(timestamp), ctx);
  if (!groups) return {};

  // Components by letter; a key is present once a marker yielded it, even
  // as undefined (jsonata-js's object properties).
  std::map<char16_t, component_value> comps;
  for (size_t i = 0; i < parts.size() && i < groups->size(); ++i)
    if (parts[i].yields)
      comps[parts[i].component] = parse_part(parts[i], u16((*groups)[i]), ctx);
  if (comps.empty()) return {};

  auto get = [&](char16_t c) -> component_value {
    auto it = comps.find(c);
    return it == comps.end() ? component_value{} : it->second;
  };
  auto truthy = [&](char16_t c) {
    component_value v = get(c);
    return v.defined && v.n != 0 && !std::isnan(v.n);
  };
  unsigned mask = 0;
  auto is_type = [&](unsigned type) { return !(~type & mask) && (type & mask); };
  for (char c : std::string("YXMxWwdD")) mask = (mask << 1) | (truthy(char16_t(c)) ? 1 : 0);
  bool date_a = is_type(161), date_b = !date_a && is_type(130);
  bool date_c = is_type(84), date_d = !date_c && is_type(72);
  mask = 0;
  for (char c : std::string("PHhmsf")) mask = (mask << 1) | (truthy(char16_t(c)) ? 1 : 0);
  bool time_a = is_type(23), time_b = !time_a && is_type(47);

  std::string order = std::string(date_b ? "YD" : date_c ? "XxwF" : date_d ? "XWF" : "YMD") +
                      (time_b ? "Phmsf" : "Hmsf");
  js_date now(double(ctx.env().now_ms));
  bool start = false, end = false;
  for (char c : order) {
    char16_t k = char16_t(c);
    if (!get(k).defined) {
      if (start) {
        comps[k] = {true, (c == 'M' || c == 'D' || c == 'd') ? 1.0 : 0.0};
        end = true;
      } else {
        fragment f = date_fragment(now, k);  // P is "am"/"pm" here: never 1
        comps[k] = {true, f.k == fragment::number ? f.n : NAN};
      }
    } else {
      start = true;
      if (end) fmt::fail(ctx, "D3136");
    }
  }
  double M = get('M').defined && get('M').n > 0 ? get('M').n - 1 : 0;
  double D = get('D').n;
  if (date_b) {
    js_date derived(time_clip(date_utc(get('Y').n, 0) + (get('d').n - 1) * ms_per_day));
    M = derived.month();
    D = derived.date();
  }
  if (date_c || date_d) fmt::fail(ctx, "D3136");  // week dates: not parsed by jsonata-js
  double H = get('H').n;
  if (time_b) {
    double h = get('h').n;
    H = h == 12 ? 0 : h;
    if (get('P').n == 1) H += 12;
  }
  double millis = date_utc(get('Y').n, M, D, H, get('m').n, get('s').n, get('f').n);
  if (truthy('Z') || truthy('z')) millis -= (truthy('Z') ? get('Z').n : get('z').n) * 60 * 1000;
  return value::number(millis);
}

// --- parsing ISO 8601 without a picture ------------------------------------------

bool digit(char c) { return c >= '0' && c <= '9'; }

// ^\d{4}(-[01]\d)*(-[0-3]\d)*(T[0-2]\d:[0-5]\d:[0-5]\d)*(\.\d+)?([+-][0-2]\d:?[0-5]\d|Z)?$
// (jsonata-js's check), matched by hand. The two dash groups together
// accept any run of -[0-3]\d; the run may give back its last groups to a
// time zone ("2018-23:59" is a year and an offset), so the rest is tried
// after each shorter run, as the regex backtracks. Returns the number of
// dash groups of the match, or nullopt when the text does not match.
std::optional<size_t> iso_shape(const std::string& s) {
  auto in = [&](size_t at, char lo, char hi) { return at < s.size() && s[at] >= lo && s[at] <= hi; };
  auto is = [&](size_t at, char c) { return at < s.size() && s[at] == c; };
  auto rest = [&](size_t i) {
    while (is(i, 'T') && in(i + 1, '0', '2') && in(i + 2, '0', '9') && is(i + 3, ':') &&
           in(i + 4, '0', '5') && in(i + 5, '0', '9') && is(i + 6, ':') && in(i + 7, '0', '5') &&
           in(i + 8, '0', '9'))
      i += 9;
    if (is(i, '.') && in(i + 1, '0', '9')) {
      i += 1;
      while (in(i, '0', '9')) ++i;
    }
    if (is(i, 'Z')) return i + 1 == s.size();
    if ((is(i, '+') || is(i, '-')) && in(i + 1, '0', '2') && in(i + 2, '0', '9')) {
      size_t j = i + 3;
      if (in(j, '0', '5') && in(j + 1, '0', '9') && j + 2 == s.size()) return true;
      return is(j, ':') && in(j + 1, '0', '5') && in(j + 2, '0', '9') && j + 3 == s.size();
    }
    return i == s.size();
  };
  for (size_t i = 0; i < 4; ++i)
    if (!in(i, '0', '9')) return std::nullopt;
  size_t runs = 0;
  while (is(4 + 3 * runs, '-') && in(5 + 3 * runs, '0', '3') && in(6 + 3 * runs, '0', '9')) ++runs;
  for (size_t k = runs + 1; k-- > 0;)
    if (rest(4 + 3 * k)) return k;
  return std::nullopt;
}

double two(const std::string& s, size_t at) { return (s[at] - '0') * 10 + (s[at + 1] - '0'); }

// V8's Date.parse of a string of the shape above: its ES5 ISO reader, and
// for a fraction right after the date its legacy reader, which takes the
// number as the month (after a year) or the day (after a month). Local
// times are UTC, the time zone AWS evaluates in. Not reproduced: V8's
// legacy readings of an offset straight after a date ("2018-12:30" is 30
// December there, "2018-23:59" a time of day); those are NaN here.
double parse_iso(const std::string& s, size_t dash_groups) {
  size_t i = 4;
  double year = std::stod(s.substr(0, 4));
  std::vector<double> dashes;
  while (dashes.size() < dash_groups) {
    dashes.push_back(two(s, i + 1));
    i += 3;
  }
  int times = 0;
  double hh = 0, mm = 0, ss = 0;
  while (i < s.size() && s[i] == 'T') {
    ++times;
    hh = two(s, i + 1);
    mm = two(s, i + 4);
    ss = two(s, i + 7);
    i += 9;
  }
  std::string fraction;
  bool has_fraction = false;
  if (i < s.size() && s[i] == '.') {
    has_fraction = true;
    ++i;
    while (i < s.size() && digit(s[i])) fraction += s[i++];
  }
  char zone = 0;  // 0, 'Z', '+', '-'
  double zh = 0, zm = 0;
  if (i < s.size()) {
    zone = s[i];
    if (zone != 'Z') {
      zh = two(s, i + 1);
      zm = two(s, s[i + 3] == ':' ? i + 4 : i + 3);
    }
  }
  if (dashes.size() > 2 || times > 1) return NAN;
  double month = 1, day = 1, ms = 0;
  if (times == 0 && (has_fraction || zone == 'Z')) {
    // V8's legacy reader, which reads years 0-99 as 2000-2049 and 1950-1999.
    if (year <= 49) {
      year += 2000;
    } else if (year <= 99) {
      year += 1900;
    }
  }
  if (has_fraction && times == 0) {
    // Legacy: "2018.5" is May, "2018-02.5" is 5 February.
    if (dashes.size() == 2 || (zone != 0 && zone != 'Z')) return NAN;
    double n = std::strtod(fraction.c_str(), nullptr);
    if (dashes.empty()) {
      month = n;
    } else {
      month = dashes[0];
      day = n;
    }
  } else {
    if (dashes.size() > 0) month = dashes[0];
    if (dashes.size() > 1) day = dashes[1];
    if (times == 0 && zone != 0 && zone != 'Z') return NAN;
    std::string f3 = (fraction + "000").substr(0, 3);
    ms = std::stod(f3);
  }
  if (month < 1 || month > 12 || day < 1 || day > 31) return NAN;
  if (hh > 24 || (hh == 24 && (mm != 0 || ss != 0 || ms != 0))) return NAN;
  if (zh > 23) return NAN;
  double t = make_day(year, month - 1, day) * ms_per_day + make_time(hh, mm, ss, ms);
  if (zone == '+') t -= (zh * 60 + zm) * 60000;
  if (zone == '-') t += (zh * 60 + zm) * 60000;
  return time_clip(t);
}

// --- the built-ins ---------------------------------------------------------------

const value& opt(std::vector<value>& args, size_t i) {
  static const value none;
  return i < args.size() ? args[i] : none;
}

value fn_now(call_context& ctx, std::vector<value>& args) {
  return value::string(
      u8(format_date_time(double(ctx.env().now_ms), opt(args, 0), opt(args, 1), ctx)));
}

value fn_millis(call_context& ctx, std::vector<value>&) {
  return value::number(double(ctx.env().now_ms));
}

value fn_from_millis(call_context& ctx, std::vector<value>& args) {
  if (opt(args, 0).is_undefined()) return {};
  return value::string(
      u8(format_date_time(args[0].as_number(), opt(args, 1), opt(args, 2), ctx)));
}

value fn_to_millis(call_context& ctx, std::vector<value>& args) {
  if (opt(args, 0).is_undefined()) return {};
  const std::string& timestamp = args[0].as_string();
  if (opt(args, 1).is_undefined()) {
    std::optional<size_t> dash_groups = iso_shape(timestamp);
    if (!dash_groups) fmt::fail(ctx, "D3110", args[0]);
    return value::number(parse_iso(timestamp, *dash_groups));
  }
  return parse_date_time(u16(timestamp), u16(args[1].as_string()), ctx);
}

const builtin table[] = {
    {"now", "<s?s?:s>", fn_now},
    {"millis", "<:n>", fn_millis},
    {"fromMillis", "<n-s?s?:s>", fn_from_millis},
    {"toMillis", "<s-s?:n>", fn_to_millis},
};

}  // namespace

std::span<const builtin> tables::datetime_functions() { return table; }

}  // namespace sc::jsonata
