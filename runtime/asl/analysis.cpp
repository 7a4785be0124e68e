// Warnings and variable references (see analysis.hpp).
//
// One walker visits every state of every machine with its location
// (`/States/A`, `/States/P/Branches[0]/States/B`, `/States/M/ItemProcessor/
// States/C`) and its query language (its own QueryLanguage, else the top
// level's). Within a JSONPath state, members are read in one of three modes:
// state fields (a `…Path` or `Variable` member holds a path), payload
// templates (only `.$` members hold paths or intrinsics) and Pass Result
// (nothing is evaluated).
#include "runtime/asl/analysis.hpp"

#include "runtime/eval/jsonata_template.hpp"
#include "runtime/jsonata/functions.hpp"
#include "runtime/jsonata/jsonata.hpp"

#include <algorithm>
#include <unordered_set>

namespace sc::asl {

namespace {

std::string_view sv(const json::value& v) { return {v.GetString(), v.GetStringLength()}; }

bool one_of(std::string_view k, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), k) != set.end();
}

/// Members that hold a nested machine: walked as machines, not as fields.
bool nested_machine_key(std::string_view k) {
  return one_of(k, {"Branches", "ItemProcessor", "Iterator"});
}

/// Members whose value is a payload template in a JSONPath state.
bool template_key(std::string_view k) {
  return one_of(k, {"Parameters", "ResultSelector", "ItemSelector", "Assign", "BatchInput"});
}

/// Fields that have a `…Path` twin and take a string literally.
bool literal_twin_key(std::string_view k) {
  return one_of(k, {"Error", "Cause", "Timestamp", "StringEquals", "StringLessThan",
                    "StringGreaterThan", "StringLessThanEquals", "StringGreaterThanEquals",
                    "TimestampEquals", "TimestampLessThan", "TimestampGreaterThan",
                    "TimestampLessThanEquals", "TimestampGreaterThanEquals"});
}

bool looks_like_path(std::string_view s) {
  return s == "$" || s.starts_with("$.") || s.starts_with("$[") || s.starts_with("$$");
}

bool looks_like_intrinsic(std::string_view s) {
  return s.starts_with("States.") && s.find('(') != std::string_view::npos && s.ends_with(")");
}

bool ident_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c >= 0x80;
}

bool ident_start(unsigned char c) { return ident_char(c) && !(c >= '0' && c <= '9'); }

std::string field(const std::string& loc, std::string_view name) {
  std::string out = loc;
  out += '/';
  out += name;
  return out;
}

std::string index(const std::string& loc, size_t i) { return loc + "[" + std::to_string(i) + "]"; }

struct state_visit {
  std::string_view name;
  const json::value& obj;
  const std::string& loc;
  bool jsonata;
};

template <class F>
void each_state(const json::value& machine, const std::string& loc, bool jsonata, F& f,
                int depth = 0) {
  if (depth > 64 || !machine.IsObject()) return;
  auto states = machine.FindMember("States");
  if (states == machine.MemberEnd() || !states->value.IsObject()) return;
  for (auto& m : states->value.GetObject()) {
    if (!m.value.IsObject()) continue;
    std::string sloc = field(loc + "/States", sv(m.name));
    bool lang = jsonata;
    auto ql = m.value.FindMember("QueryLanguage");
    if (ql != m.value.MemberEnd() && ql->value.IsString()) lang = sv(ql->value) == "JSONata";
    f(state_visit{sv(m.name), m.value, sloc, lang});
    auto branches = m.value.FindMember("Branches");
    if (branches != m.value.MemberEnd() && branches->value.IsArray()) {
      size_t i = 0;
      for (auto& b : branches->value.GetArray())
        each_state(b, index(sloc + "/Branches", i++), jsonata, f, depth + 1);
    }
    for (const char* k : {"ItemProcessor", "Iterator"}) {
      auto p = m.value.FindMember(k);
      if (p != m.value.MemberEnd()) each_state(p->value, field(sloc, k), jsonata, f, depth + 1);
    }
  }
}

template <class F>
void walk_root(const json::value& root, F& f) {
  if (!root.IsObject()) return;
  bool jsonata = false;
  auto ql = root.FindMember("QueryLanguage");
  if (ql != root.MemberEnd() && ql->value.IsString()) jsonata = sv(ql->value) == "JSONata";
  each_state(root, "", jsonata, f);
}

// ---------------------------------------------------------------------------
// Warnings.

class linter {
 public:
  std::vector<diagnostic> out;

  void operator()(const state_visit& s) {
    if (s.jsonata) return;
    auto type = s.obj.FindMember("Type");
    pass_ = type != s.obj.MemberEnd() && type->value.IsString() && sv(type->value) == "Pass";
    fields(s.obj, s.loc, 0);
  }

 private:
  bool pass_ = false;

  void warn(const char* code, std::string message, std::string loc) {
    out.push_back({code, std::move(message), std::move(loc)});
  }

  void fields(const json::value& obj, const std::string& loc, int depth) {
    if (depth > 32) return;
    for (auto& m : obj.GetObject()) {
      std::string_view k = sv(m.name);
      if (depth == 0 && nested_machine_key(k)) continue;
      std::string at = field(loc, k);
      if (template_key(k)) {
        payload(m.value, at, depth + 1);
      } else if (depth == 0 && pass_ && k == "Result") {
        result(m.value, at, depth + 1);
      } else if (m.value.IsString()) {
        std::string_view v = sv(m.value);
        if (literal_twin_key(k) && looks_like_path(v))
          warn(kNoPath,
               "The value of the field '" + std::string(k) +
                   "' looks like a path, but the field name does not end with 'Path': it is used "
                   "as a literal string",
               at);
      } else if (m.value.IsObject()) {
        fields(m.value, at, depth + 1);
      } else if (m.value.IsArray()) {
        size_t i = 0;
        for (auto& e : m.value.GetArray()) {
          if (e.IsObject()) fields(e, index(at, i), depth + 1);
          ++i;
        }
      }
    }
  }

  void payload(const json::value& v, const std::string& loc, int depth) {
    if (depth > 64) return;
    if (v.IsObject()) {
      for (auto& m : v.GetObject()) {
        std::string_view k = sv(m.name);
        std::string at = field(loc, k);
        if (k.ends_with(".$")) continue;
        if (m.value.IsString()) {
          std::string_view s = sv(m.value);
          if (looks_like_path(s) || looks_like_intrinsic(s))
            warn(kNoDollar,
                 "The value of the field '" + std::string(k) +
                     "' looks like a JSONPath or an intrinsic function, but the field name does "
                     "not end with '.$': it is passed on as a literal string",
                 at);
        } else {
          payload(m.value, at, depth + 1);
        }
      }
    } else if (v.IsArray()) {
      size_t i = 0;
      for (auto& e : v.GetArray()) payload(e, index(loc, i++), depth + 1);
    }
  }

  void result(const json::value& v, const std::string& loc, int depth) {
    if (depth > 64) return;
    static const std::string message =
        "The Result of a Pass state is static: a path or intrinsic function in it is not "
        "evaluated (use Parameters to read the input)";
    if (v.IsString()) {
      if (looks_like_path(sv(v)) || looks_like_intrinsic(sv(v)))
        warn(kPassResultIsStatic, message, loc);
    } else if (v.IsObject()) {
      for (auto& m : v.GetObject()) {
        std::string at = field(loc, sv(m.name));
        if (sv(m.name).ends_with(".$"))
          warn(kPassResultIsStatic, message, at);
        else
          result(m.value, at, depth + 1);
      }
    } else if (v.IsArray()) {
      size_t i = 0;
      for (auto& e : v.GetArray()) result(e, index(loc, i++), depth + 1);
    }
  }
};

// ---------------------------------------------------------------------------
// Variable references.

const std::unordered_set<std::string>& builtin_names() {
  static const std::unordered_set<std::string> names = [] {
    std::unordered_set<std::string> s;
    for (const auto& b : jsonata::builtins()) s.insert(b.name);
    return s;
  }();
  return names;
}

class referencer {
 public:
  variable_references_map out;

  void operator()(const state_visit& s) {
    names_.clear();
    if (s.jsonata)
      expressions(s.obj, 0, true);
    else
      fields(s.obj, 0);
    if (!names_.empty()) out.emplace_back(std::string(s.name), names_);
  }

 private:
  std::vector<std::string> names_;

  void add(std::string name) {
    if (std::find(names_.begin(), names_.end(), name) == names_.end())
      names_.push_back(std::move(name));
  }

  // JSONata: every `{% %}` string anywhere in the state.
  void expressions(const json::value& v, int depth, bool top) {
    if (depth > 64) return;
    if (v.IsString()) {
      std::string_view s = sv(v);
      if (!eval::is_jsonata_expression(s)) return;
      auto compiled = jsonata::expression::compile(s.substr(2, s.size() - 4));
      if (auto* e = std::get_if<jsonata::expression>(&compiled))
        for (const std::string& n : e->free_variables())
          if (n != "states" && n != "$" && !n.empty() && !builtin_names().count(n)) add(n);
    } else if (v.IsObject()) {
      for (auto& m : v.GetObject()) {
        if (top && nested_machine_key(sv(m.name))) continue;
        expressions(m.value, depth + 1, false);
      }
    } else if (v.IsArray()) {
      for (auto& e : v.GetArray()) expressions(e, depth + 1, false);
    }
  }

  // JSONPath: `$name…` paths and intrinsic arguments.
  void path_or_intrinsic(std::string_view s) {
    if (s.starts_with("States.")) {
      bool quoted = false;
      for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (quoted) {
          if (c == '\\') ++i;
          else if (c == '\'') quoted = false;
        } else if (c == '\'') {
          quoted = true;
        } else if (c == '$' && i + 1 < s.size() && ident_start(s[i + 1]) &&
                   (i == 0 || !ident_char(s[i - 1]))) {
          size_t j = i + 1;
          while (j < s.size() && ident_char(s[j])) ++j;
          add(std::string(s.substr(i + 1, j - i - 1)));
          i = j - 1;
        }
      }
      return;
    }
    if (s.size() > 1 && s[0] == '$' && ident_start(s[1])) {
      size_t j = 1;
      while (j < s.size() && ident_char(s[j])) ++j;
      add(std::string(s.substr(1, j - 1)));
    }
  }

  void fields(const json::value& obj, int depth) {
    if (depth > 32) return;
    for (auto& m : obj.GetObject()) {
      std::string_view k = sv(m.name);
      if (depth == 0 && nested_machine_key(k)) continue;
      if (template_key(k)) {
        payload(m.value, depth + 1);
      } else if (k == "Result") {
        continue;  // static
      } else if (m.value.IsString()) {
        if (k.ends_with("Path") || k == "Variable") path_or_intrinsic(sv(m.value));
      } else if (m.value.IsObject()) {
        fields(m.value, depth + 1);
      } else if (m.value.IsArray()) {
        for (auto& e : m.value.GetArray())
          if (e.IsObject()) fields(e, depth + 1);
      }
    }
  }

  void payload(const json::value& v, int depth) {
    if (depth > 64) return;
    if (v.IsObject()) {
      for (auto& m : v.GetObject()) {
        if (sv(m.name).ends_with(".$")) {
          if (m.value.IsString()) path_or_intrinsic(sv(m.value));
        } else {
          payload(m.value, depth + 1);
        }
      }
    } else if (v.IsArray()) {
      for (auto& e : v.GetArray()) payload(e, depth + 1);
    }
  }
};

}  // namespace

std::vector<diagnostic> warnings(const json::value& root) {
  linter l;
  walk_root(root, l);
  return std::move(l.out);
}

variable_references_map variable_references(std::string_view definition_text) {
  json::document doc;
  if (json::nesting_depth(definition_text) > 512) return {};
  if (json::parse_unchecked(definition_text, doc).IsError()) return {};
  referencer r;
  walk_root(doc, r);
  return std::move(r.out);
}

}  // namespace sc::asl
