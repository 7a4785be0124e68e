#include "runtime/eval/jsonata_template.hpp"

#include <algorithm>

namespace sc::eval {

namespace {

std::string_view trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

failure query_error(std::string cause) { return {"States.QueryEvaluationError", std::move(cause)}; }

std::string expression_prefix(std::string_view expr, std::string_view field) {
  std::string s = "The JSONata expression '";
  s += expr;
  s += "' specified for the field '";
  s += field;
  s += "' ";
  return s;
}

}  // namespace

bool is_jsonata_expression(std::string_view s) {
  return s.size() >= 4 && s.starts_with("{%") && s.ends_with("%}");
}

failure jsonata_unexpected_type(std::string_view expr, std::string_view field,
                                std::string_view expected, const jsonata::value& got) {
  const char* type = "undefined";
  switch (got.type()) {
    case jsonata::kind::null: type = "null"; break;
    case jsonata::kind::boolean: type = "boolean"; break;
    case jsonata::kind::number: type = "number"; break;
    case jsonata::kind::string: type = "string"; break;
    case jsonata::kind::array: type = "array"; break;
    case jsonata::kind::object: type = "object"; break;
    case jsonata::kind::function: type = "function"; break;
    case jsonata::kind::undefined: break;
  }
  return query_error(expression_prefix(expr, field) +
                     "returned an unexpected result type. Expected '" + std::string(expected) +
                     "', but was '" + type + "' for value: " + jsonata::to_json(got));
}

struct jsonata_template::node {
  enum class kind { literal, expression, object, array } k = kind::literal;
  json::document literal;                          // kind::literal
  std::optional<jsonata::expression> expr;         // kind::expression
  std::string text;                                // … its trimmed text
  std::string field;                               // field path for messages
  std::vector<std::pair<std::string, std::unique_ptr<node>>> members;  // kind::object
  std::vector<std::unique_ptr<node>> items;                            // kind::array
};

jsonata_template::jsonata_template() = default;
jsonata_template::~jsonata_template() = default;

namespace {

bool has_expression(const json::value& v) {
  if (v.IsString()) return is_jsonata_expression({v.GetString(), v.GetStringLength()});
  if (v.IsObject()) {
    for (auto& m : v.GetObject())
      if (has_expression(m.value)) return true;
  } else if (v.IsArray()) {
    for (auto& e : v.GetArray())
      if (has_expression(e)) return true;
  }
  return false;
}

// Strips jsonata-js's "S0201: " style code from a compile message.
std::string without_code(const jsonata::error& e) { return e.message; }

struct builder {
  const jsonata_template::offers& offers;
  std::vector<jsonata_problem>& problems;
  std::vector<std::string>& variables;
  bool& reads_context;
  bool ok = true;

  std::unique_ptr<jsonata_template::node> build(const json::value& v, const std::string& location,
                                                 const std::string& field, size_t depth) {
    auto n = std::make_unique<jsonata_template::node>();
    n->field = field;
    if (!has_expression(v) || depth > json::max_depth) {
      n->k = jsonata_template::node::kind::literal;
      n->literal.CopyFrom(v, n->literal.GetAllocator());
      return n;
    }
    if (v.IsString()) {
      std::string_view s(v.GetString(), v.GetStringLength());
      std::string_view inner = trim(s.substr(2, s.size() - 4));
      n->k = jsonata_template::node::kind::expression;
      n->text = std::string(inner);
      auto compiled = jsonata::expression::compile(inner);
      if (auto* err = std::get_if<jsonata::error>(&compiled)) {
        problems.push_back({"INVALID_JSONATA_EXPRESSION", without_code(*err), location});
        ok = false;
        return n;
      }
      n->expr = std::move(std::get<jsonata::expression>(compiled));
      check(*n->expr, location);
      return n;
    }
    if (v.IsObject()) {
      n->k = jsonata_template::node::kind::object;
      for (auto& m : v.GetObject()) {
        std::string key(m.name.GetString(), m.name.GetStringLength());
        n->members.emplace_back(key, build(m.value, location + "/" + key, field + "/" + key,
                                           depth + 1));
      }
      return n;
    }
    n->k = jsonata_template::node::kind::array;
    size_t i = 0;
    for (auto& e : v.GetArray()) {
      std::string idx = "[" + std::to_string(i++) + "]";
      n->items.push_back(build(e, location + idx, field + idx, depth + 1));
    }
    return n;
  }

  void check(const jsonata::expression& e, const std::string& location) {
    for (const std::string& name : e.free_variables()) {
      if (name == "$") {
        problems.push_back(
            {"UNSUPPORTED_JSONATA_EXPRESSION", "Reference to '$$' is not supported.", location});
        ok = false;
        continue;
      }
      if (name == "states") continue;
      if (std::find(variables.begin(), variables.end(), name) == variables.end())
        variables.push_back(name);
    }
    for (const std::string& f : e.states_fields()) {
      if (f == "context") reads_context = true;
      if ((f == "result" && !offers.result) || (f == "errorOutput" && !offers.error_output)) {
        problems.push_back({"UNSUPPORTED_JSONATA_EXPRESSION",
                            "Field '$states." + f + "' does not exist.", location});
        ok = false;
      }
    }
  }
};

}  // namespace

std::shared_ptr<const jsonata_template> jsonata_template::compile(
    const json::value& v, const std::string& location, const std::string& field, offers o,
    std::vector<jsonata_problem>& problems) {
  std::shared_ptr<jsonata_template> t(new jsonata_template());
  builder b{o, problems, t->variables_, t->reads_context_};
  t->root_ = b.build(v, location, field, 0);
  if (!b.ok) return nullptr;
  return t;
}

bool jsonata_template::is_expression() const { return root_->k == node::kind::expression; }
const std::string& jsonata_template::expression_text() const { return root_->text; }
const std::vector<std::string>& jsonata_template::variables() const { return variables_; }
bool jsonata_template::reads_context() const { return reads_context_; }

namespace {

maybe_failure eval_node(const jsonata_template::node& n, const jsonata_scope& scope,
                        jsonata::value& out, std::string* where);

maybe_failure eval_expression(const jsonata_template::node& n, const jsonata_scope& scope,
                              jsonata::value& out, std::string* where) {
  static const jsonata::environment default_env;
  try {
    out = n.expr->evaluate(jsonata::value(), scope.bindings, scope.env ? *scope.env : default_env);
  } catch (const jsonata::exception& e) {
    if (where) *where = n.field;
    return query_error(expression_prefix(n.text, n.field) + "threw an error during evaluation. " +
                       e.err().describe());
  } catch (const std::exception& e) {
    if (where) *where = n.field;
    return query_error(expression_prefix(n.text, n.field) + "threw an error during evaluation. " +
                       e.what());
  }
  if (out.is_undefined()) {
    if (where) *where = n.field;
    return query_error(expression_prefix(n.text, n.field) + "returned nothing (undefined).");
  }
  return std::nullopt;
}

maybe_failure eval_node(const jsonata_template::node& n, const jsonata_scope& scope,
                        jsonata::value& out, std::string* where) {
  switch (n.k) {
    case jsonata_template::node::kind::literal:
      out = jsonata::from_json(n.literal);
      return std::nullopt;
    case jsonata_template::node::kind::expression:
      return eval_expression(n, scope, out, where);
    case jsonata_template::node::kind::object: {
      out = jsonata::value::object();
      auto& o = out.mutable_object();
      for (auto& [k, child] : n.members) {
        jsonata::value v;
        if (auto f = eval_node(*child, scope, v, where)) return f;
        o.set(k, std::move(v));
      }
      return std::nullopt;
    }
    case jsonata_template::node::kind::array: {
      std::vector<jsonata::value> items;
      items.reserve(n.items.size());
      for (auto& child : n.items) {
        jsonata::value v;
        if (auto f = eval_node(*child, scope, v, where)) return f;
        items.push_back(std::move(v));
      }
      out = jsonata::value::array(std::move(items));
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace

maybe_failure jsonata_template::evaluate_value(const jsonata_scope& scope, jsonata::value& out,
                                               std::string* where) const {
  return eval_node(*root_, scope, out, where);
}

maybe_failure jsonata_template::evaluate(const jsonata_scope& scope, json::value& out,
                                         json::allocator& a, std::string* where) const {
  if (root_->k == node::kind::literal) {
    out.CopyFrom(root_->literal, a);
    return std::nullopt;
  }
  jsonata::value v;
  if (auto f = evaluate_value(scope, v, where)) return f;
  if (!jsonata::to_json(v, out, a)) {
    if (where) *where = root_->field;
    return failure{"States.Runtime",
                   "The value of the field '" + root_->field +
                       "' nests JSON arrays and objects deeper than the maximum of " +
                       std::to_string(json::max_depth) + " levels."};
  }
  return std::nullopt;
}

}  // namespace sc::eval
