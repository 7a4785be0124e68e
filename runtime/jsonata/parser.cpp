// Lexer and Pratt parser for JSONata 2.0.6.
//
// The grammar is jsonata-js's: a top-down operator-precedence parser over
// one binding-power table (`left_bp`), with the tokenizer told whether it
// stands where an operand or an operator is expected (a `/` is a regex
// literal in operand position and division otherwise). Errors carry the
// codes, tokens and positions jsonata-js reports; a token's position is the
// offset just past it, as in jsonata-js. Offsets here are bytes; the public
// API converts them to UTF-16 units.
//
// Nesting is bounded (max_parse_depth): a hostile expression of 100,000
// open parentheses ends with an error instead of exhausting the stack.
// Recovery mode (jsonata-js's `recover` option) is not implemented.
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "runtime/json/utf8.hpp"
#include "runtime/jsonata/ast.hpp"
#include "runtime/jsonata/error.hpp"
#include "runtime/jsonata/functions.hpp"
#include "runtime/jsonata/regex.hpp"

namespace sc::jsonata::detail {

node* process(node* raw, ast& arena);  // ast_process.cpp

namespace {

bool is_operator_char(char c) {
  switch (c) {
    case '.': case '[': case ']': case '{': case '}': case '(': case ')': case ',': case '@':
    case '#': case ';': case ':': case '?': case '+': case '-': case '*': case '/': case '%':
    case '|': case '=': case '<': case '>': case '^': case '&': case '!': case '~':
      return true;
    default:
      return false;
  }
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v'; }

struct token {
  char type = 'e';  // n name, v variable, s string, d number, l literal value, r regex, o operator
  std::string text;  // operator / name / string contents
  value lit;
  size_t position = 0;
};


class lexer {
 public:
  explicit lexer(std::string_view src) : s_(src) {}

  /// The next token, or false at the end. `infix`: a `/` here is division.
  bool next(bool infix, token& t) {
    for (;;) {
      while (pos_ < s_.size() && is_space(s_[pos_])) ++pos_;
      if (pos_ + 1 < s_.size() && s_[pos_] == '/' && s_[pos_ + 1] == '*') {
        size_t start = pos_;
        size_t close = s_.find("*/", pos_ + 2);
        if (close == std::string_view::npos) raise("S0106", start);
        pos_ = close + 2;
        continue;
      }
      break;
    }
    if (pos_ >= s_.size()) return false;
    char c = s_[pos_];
    t = token{};
    if (!infix && c == '/') {
      ++pos_;
      scan_regex(t);
      return true;
    }
    static const char* const two[] = {"..", ":=", "!=", ">=", "<=", "**", "~>"};
    if (pos_ + 1 < s_.size()) {
      for (const char* op : two) {
        if (c == op[0] && s_[pos_ + 1] == op[1]) {
          pos_ += 2;
          return op_token(t, op);
        }
      }
    }
    if (is_operator_char(c)) {
      ++pos_;
      return op_token(t, std::string(1, c));
    }
    if (c == '"' || c == '\'') return scan_string(t, c);
    if (scan_number(t)) return true;
    if (c == '`') {
      ++pos_;
      size_t end = s_.find('`', pos_);
      if (end == std::string_view::npos) {
        pos_ = s_.size();
        raise("S0105", pos_);
      }
      t.type = 'n';
      t.text = std::string(s_.substr(pos_, end - pos_));
      pos_ = end + 1;
      t.position = pos_;
      return true;
    }
    size_t i = pos_;
    while (i < s_.size() && !is_space(s_[i]) && !is_operator_char(s_[i])) ++i;
    if (s_[pos_] == '$') {
      t.type = 'v';
      t.text = std::string(s_.substr(pos_ + 1, i - pos_ - 1));
      pos_ = i;
      t.position = pos_;
      return true;
    }
    std::string_view name = s_.substr(pos_, i - pos_);
    pos_ = i;
    t.position = pos_;
    if (name == "or" || name == "in" || name == "and") {
      t.type = 'o';
      t.text = std::string(name);
    } else if (name == "true" || name == "false") {
      t.type = 'l';
      t.lit = value::boolean(name == "true");
      t.text = std::string(name);
    } else if (name == "null") {
      t.type = 'l';
      t.lit = value::null();
      t.text = "null";
    } else {
      if (name.empty() && pos_ == s_.size()) return false;
      t.type = 'n';
      t.text = std::string(name);
    }
    return true;
  }

  size_t position() const { return pos_; }

 private:
  bool op_token(token& t, std::string op) {
    t.type = 'o';
    t.text = std::move(op);
    t.position = pos_;
    return true;
  }

  void scan_regex(token& t) {
    size_t start = pos_;
    int depth = 0;
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '/' && depth == 0) {
        size_t backslashes = 0;
        while (pos_ >= backslashes + 1 && s_[pos_ - backslashes - 1] == '\\') ++backslashes;
        if (backslashes % 2 == 0) {
          std::string_view pattern = s_.substr(start, pos_ - start);
          if (pattern.empty()) raise("S0301", pos_);
          ++pos_;
          size_t fstart = pos_;
          while (pos_ < s_.size() && (s_[pos_] == 'i' || s_[pos_] == 'm')) ++pos_;
          std::string_view flags = s_.substr(fstart, pos_ - fstart);
          error err;
          auto re = regex::compile(pattern, flags, &err);
          if (!re) {
            if (err.code.empty()) err = make_error("S0302", pos_);
            if (!err.position) err.position = pos_;
            throw exception(std::move(err));
          }
          t.type = 'r';
          t.text = std::string(pattern);
          t.lit = value::function(std::make_shared<regex_function>(std::move(re)));
          t.position = pos_;
          return;
        }
      }
      bool escaped = pos_ > 0 && s_[pos_ - 1] == '\\';
      if ((c == '(' || c == '[' || c == '{') && !escaped) ++depth;
      if ((c == ')' || c == ']' || c == '}') && !escaped) --depth;
      ++pos_;
    }
    raise("S0302", pos_);
  }

  bool scan_string(token& t, char quote) {
    ++pos_;
    std::string out;
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '\\') {
        ++pos_;
        char e = pos_ < s_.size() ? s_[pos_] : '\0';
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            uint32_t cp = 0;
            if (!hex4(pos_ + 1, cp)) raise("S0104", pos_);
            pos_ += 4;
            // A high surrogate followed by \u-escaped low surrogate is one character.
            if (cp >= 0xD800 && cp <= 0xDBFF && pos_ + 6 < s_.size() + 0 &&
                s_.compare(pos_ + 1, 2, "\\u") == 0) {
              uint32_t lo = 0;
              if (hex4(pos_ + 3, lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                pos_ += 6;
              }
            }
            append_utf8(out, cp);
            break;
          }
          default:
            raise("S0103", pos_, std::string(1, e));
        }
      } else if (c == quote) {
        ++pos_;
        t.type = 's';
        t.text = out;
        t.lit = value::string(std::move(out));
        t.position = pos_;
        return true;
      } else {
        out += c;
      }
      ++pos_;
    }
    raise("S0101", pos_);
  }

  bool hex4(size_t at, uint32_t& cp) const {
    if (at + 4 > s_.size()) return false;
    cp = 0;
    for (size_t k = 0; k < 4; ++k) {
      char h = s_[at + k];
      cp <<= 4;
      if (h >= '0' && h <= '9') cp |= uint32_t(h - '0');
      else if (h >= 'a' && h <= 'f') cp |= uint32_t(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') cp |= uint32_t(h - 'A' + 10);
      else return false;
    }
    return true;
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([Ee][-+]?[0-9]+)?
  bool scan_number(token& t) {
    size_t i = pos_;
    auto digit = [&](size_t k) { return k < s_.size() && s_[k] >= '0' && s_[k] <= '9'; };
    if (i < s_.size() && s_[i] == '-') ++i;
    if (!digit(i)) return false;
    if (s_[i] == '0') {
      ++i;
    } else {
      while (digit(i)) ++i;
    }
    if (i < s_.size() && s_[i] == '.' && digit(i + 1)) {
      ++i;
      while (digit(i)) ++i;
    }
    if (i < s_.size() && (s_[i] == 'e' || s_[i] == 'E')) {
      size_t k = i + 1;
      if (k < s_.size() && (s_[k] == '+' || s_[k] == '-')) ++k;
      if (digit(k)) {
        while (digit(k)) ++k;
        i = k;
      }
    }
    std::string text(s_.substr(pos_, i - pos_));
    double d = std::strtod(text.c_str(), nullptr);
    if (!std::isfinite(d)) raise("S0102", pos_, text);
    pos_ = i;
    t.type = 'd';
    t.text = format_number_js(d);
    t.lit = value::number(d);
    t.position = pos_;
    return true;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

// Left binding powers (jsonata-js's operator table; 0 for symbols that only
// end expressions).
int left_bp(const node* n) {
  if (n->tok != 'o') return 0;
  const std::string& op = n->str;
  if (op.size() == 1) {
    switch (op[0]) {
      case '.': return 75;
      case '[': case '(': case '@': case '#': return 80;
      case '{': return 70;
      case '?': return 20;
      case '+': case '-': case '&': return 50;
      case '*': case '/': case '%': return 60;
      case '=': case '<': case '>': case '^': return 40;
      default: return 0;
    }
  }
  if (op == "!=" || op == "<=" || op == ">=" || op == "~>" || op == "in") return 40;
  if (op == "and") return 30;
  if (op == "or") return 25;
  if (op == ":=") return 10;
  return 0;  // .. ** and the rest
}

bool known_operator(const std::string& op) {
  // Every operator the lexer produces except `!` and `~` has a symbol.
  return op != "!" && op != "~";
}

// Raises `code` naming token node `n`. jsonata-js's token is the token's
// value, so numbers, booleans and null appear without quotes.
[[noreturn]] void raise_token(const char* code, const node* n, size_t position, value val = {}) {
  error e = make_error(code, position, n->str, std::move(val));
  if (n->tok == 'd' || n->tok == 'l') {
    std::string quoted = to_json(value::string(n->str));
    size_t at = e.message.find(quoted);
    if (at != std::string::npos) e.message.replace(at, quoted.size(), n->str);
  }
  throw exception(std::move(e));
}

class parser {
 public:
  parser(std::string_view src, ast& arena) : src_(src), lex_(src), arena_(arena) {}

  node* run() {
    advance();
    node* expr = expression(0);
    if (cur_->tok != 'e') raise_token("S0201", cur_, cur_->position);
    return expr;
  }

 private:
  // Moves to the next token after checking that the current one is `id`.
  node* advance(const char* id = nullptr, bool infix = false) {
    if (id && !is(id)) {
      if (cur_->tok == 'e') raise("S0203", cur_->position, cur_->str, value::string(id));
      raise_token("S0202", cur_, cur_->position, value::string(id));
    }
    token t;
    if (!lex_.next(infix, t)) {
      node* n = arena_.make(nt::end, src_.size());
      n->tok = 'e';
      n->str = "(end)";
      cur_ = n;
      return n;
    }
    if (t.type == 'o' && !known_operator(t.text)) raise("S0204", t.position, t.text);
    node* n = arena_.make(nt::literal, t.position);
    n->tok = t.type;
    n->str = std::move(t.text);
    n->lit = std::move(t.lit);
    cur_ = n;
    return n;
  }

  // The token's value as jsonata-js would name it in an error.
  static std::optional<std::string> token_text(const node* n) { return n->str; }

  bool is(const char* id) const {
    if (std::strcmp(id, "(end)") == 0) return cur_->tok == 'e';
    return cur_->tok == 'o' && cur_->str == id;
  }

  struct depth_guard {
    explicit depth_guard(parser& p) : p_(p) {
      if (++p_.depth_ > max_parse_depth) raise("S0201", p_.cur_->position, token_text(p_.cur_));
    }
    ~depth_guard() { --p_.depth_; }
    parser& p_;
  };

  node* expression(int rbp) {
    depth_guard g(*this);
    node* t = cur_;
    advance(nullptr, true);
    node* left = nud(t);
    while (rbp < left_bp(cur_)) {
      t = cur_;
      advance();
      left = led(t, left);
    }
    return left;
  }

  node* nud(node* t) {
    switch (t->tok) {
      case 'n':
        t->type = nt::name;
        return t;
      case 'v':
        t->type = nt::variable;
        // the built-in of that name, for lookups that no frame answers
        if (const value* b = builtin_value(t->str)) t->lit = *b;
        return t;
      case 's': case 'd': case 'l':
        t->type = nt::literal;
        return t;
      case 'r':
        t->type = nt::regex;
        return t;
      case 'e':
        t->type = nt::end;
        return t;
      default:
        break;
    }
    const std::string& op = t->str;
    if (op == "and" || op == "or" || op == "in") {
      t->type = nt::op_token;
      return t;
    }
    if (op == "-") {
      t->type = nt::raw_unary;
      t->lhs = expression(70);
      return t;
    }
    if (op == "*") { t->type = nt::wildcard; return t; }
    if (op == "**") { t->type = nt::descendant; return t; }
    if (op == "%") { t->type = nt::parent; return t; }
    if (op == "(") {
      while (!is(")")) {
        t->items.push_back(expression(0));
        if (!is(";")) break;
        advance(";");
      }
      advance(")", true);
      t->type = nt::block;
      return t;
    }
    if (op == "[") {
      if (!is("]")) {
        for (;;) {
          node* item = expression(0);
          if (is("..")) {
            node* range = arena_.make(nt::raw_binary, cur_->position);
            range->tok = 'o';
            range->str = "..";
            range->lhs = item;
            advance("..");
            range->rhs = expression(0);
            item = range;
          }
          t->items.push_back(item);
          if (!is(",")) break;
          advance(",");
        }
      }
      advance("]", true);
      t->type = nt::raw_unary;
      return t;
    }
    if (op == "{") {
      object_pairs(t->pairs);
      t->type = nt::raw_unary;
      return t;
    }
    if (op == "|") {
      t->type = nt::transform;
      t->lhs = expression(0);
      advance("|");
      t->rhs = expression(0);
      if (is(",")) {
        advance(",");
        t->third = expression(0);
      }
      advance("|");
      return t;
    }
    raise_token("S0211", t, t->position);
  }

  void object_pairs(std::vector<std::pair<node*, node*>>& out) {
    if (!is("}")) {
      for (;;) {
        node* k = expression(0);
        advance(":");
        node* v = expression(0);
        out.emplace_back(k, v);
        if (!is(",")) break;
        advance(",");
      }
    }
    advance("}", true);
  }

  node* led(node* t, node* left) {
    const std::string& op = t->str;
    if (op == "(") return call(t, left);
    if (op == "[") {
      if (is("]")) {
        node* step = left;
        while (step && step->type == nt::raw_binary && step->str == "[") step = step->lhs;
        step->keep_array = true;
        advance("]");
        return left;
      }
      t->type = nt::raw_binary;
      t->lhs = left;
      t->rhs = expression(0);
      advance("]", true);
      return t;
    }
    if (op == "^") {
      advance("(");
      for (;;) {
        sort_term term;
        if (is("<")) {
          advance("<");
        } else if (is(">")) {
          term.descending = true;
          advance(">");
        }
        term.expr = expression(0);
        t->terms.push_back(term);
        if (!is(",")) break;
        advance(",");
      }
      advance(")");
      t->type = nt::raw_binary;
      t->lhs = left;
      return t;
    }
    if (op == "{") {
      object_pairs(t->pairs);
      t->type = nt::raw_binary;
      t->lhs = left;
      return t;
    }
    if (op == ":=") {
      if (left->type != nt::variable) raise_token("S0212", left, left->position);
      t->type = nt::raw_binary;
      t->lhs = left;
      t->rhs = expression(9);
      return t;
    }
    if (op == "@" || op == "#") {
      t->type = nt::raw_binary;
      t->lhs = left;
      t->rhs = expression(80);
      if (t->rhs->type != nt::variable) raise("S0214", t->rhs->position, op);
      return t;
    }
    if (op == "?") {
      t->type = nt::condition;
      t->lhs = left;
      t->rhs = expression(0);
      if (is(":")) {
        advance(":");
        t->third = expression(0);
      }
      return t;
    }
    // plain infix operators
    t->type = nt::raw_binary;
    t->lhs = left;
    t->rhs = expression(left_bp(t));
    return t;
  }

  node* call(node* t, node* left) {
    t->type = nt::function;
    t->lhs = left;  // the procedure
    if (!is(")")) {
      for (;;) {
        if (cur_->tok == 'o' && cur_->str == "?") {
          t->type = nt::partial;
          cur_->type = nt::placeholder;
          t->items.push_back(cur_);
          advance("?");
        } else {
          t->items.push_back(expression(0));
        }
        if (!is(",")) break;
        advance(",");
      }
    }
    advance(")", true);
    if (left->type == nt::name && (left->str == "function" || left->str == "\xCE\xBB")) {
      for (size_t i = 0; i < t->items.size(); ++i) {
        node* arg = t->items[i];
        if (arg->type != nt::variable)
          raise_token("S0208", arg, arg->position, value::number(double(i + 1)));
        t->params.push_back(arg->str);
      }
      t->type = nt::lambda;
      if (is("<")) {
        size_t sig_pos = cur_->position;
        int depth = 1;
        std::string sig = "<";
        while (depth > 0 && !is("{") && cur_->tok != 'e') {
          node* tok = advance();
          if (tok->tok == 'o' && tok->str == ">") --depth;
          else if (tok->tok == 'o' && tok->str == "<") ++depth;
          sig += tok->tok == 'e' ? std::string() : tok->str;
        }
        advance(">");
        try {
          t->sig = signature::parse(sig);
        } catch (exception& e) {
          e.err().position = sig_pos + e.err().position.value_or(0);
          throw;
        }
      }
      advance("{");
      t->body = expression(0);
      advance("}");
    }
    return t;
  }

  std::string_view src_;
  lexer lex_;
  ast& arena_;
  node* cur_ = nullptr;
  size_t depth_ = 0;
};

}  // namespace

node* parse(std::string_view text, ast& arena) {
  parser p(text, arena);
  node* raw = p.run();
  return process(raw, arena);
}

}  // namespace sc::jsonata::detail
