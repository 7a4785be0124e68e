// Payload templates (Parameters, ResultSelector, ItemSelector) and the
// public intrinsic-function entry points.
//
// Design: `compile` turns the template into a tree once. Fields whose name
// ends in `.$` become path nodes (a compiled `path`, input or context) or
// intrinsic-call nodes (a parsed call); every subtree without such a field
// collapses into one literal value kept in the template's own document, so
// evaluation is a copy plus the dynamic parts. `$name` paths read workflow
// variables (JSONPath Assign). Output keys lose the `.$` suffix; a later
// field with the same output key replaces an earlier one.
//
// AWS wording reproduced:
//  * definition time: "The value for the field 'a.$' must be a valid JSONPath
//    or a valid intrinsic function call" (SCHEMA_VALIDATION_FAILED);
//  * run time: States.Runtime "The JSONPath '$.x' specified for the field
//    'a.$' could not be found in the input '{"b":1}'" (the state input,
//    compact JSON). A full path (wildcard, slice, filter...) that matches
//    nothing yields [] instead.
#include "runtime/eval/payload.hpp"

#include "runtime/eval/intrinsics.hpp"
#include "runtime/eval/jsonpath.hpp"

#include <algorithm>
#include <optional>
#include <utility>

namespace sc::eval {

namespace {

// Deep copy that also copies strings RapidJSON holds by reference, so the
// compiled template never points into the caller's document.
json::value deep_copy(const json::value& v, json::allocator& a) {
  switch (v.GetType()) {
    case rapidjson::kStringType:
      return json::value(v.GetString(), v.GetStringLength(), a);
    case rapidjson::kArrayType: {
      json::value out(rapidjson::kArrayType);
      out.Reserve(v.Size(), a);
      for (auto& e : v.GetArray()) out.PushBack(deep_copy(e, a), a);
      return out;
    }
    case rapidjson::kObjectType: {
      json::value out(rapidjson::kObjectType);
      for (auto& m : v.GetObject()) out.AddMember(deep_copy(m.name, a), deep_copy(m.value, a), a);
      return out;
    }
    default: return json::value(v, a);
  }
}

struct tmember;

struct tnode {
  enum class kind : uint8_t { literal, object, array, path, call };
  kind k = kind::literal;
  json::value literal;                              // literal (owned by impl::store)
  std::vector<tmember> members;                     // object
  std::vector<tnode> items;                         // array
  std::optional<path> p;                            // path
  intrinsic::node_ptr call;                         // call
  std::string field;                                // path/call: "name.$" for messages
};

// A member of an object template. (Not std::pair<std::string, tnode>: a pair
// of the incomplete tnode inside tnode itself is rejected by clang.)
struct tmember {
  std::string key;
  tnode value;
};

std::string bad_field(const std::string& loc, const std::string& key) {
  return loc + ": The value for the field '" + key +
         "' must be a valid JSONPath or a valid intrinsic function call";
}

struct compiler {
  json::allocator& a;
  std::vector<std::string>& diagnostics;
  bool ok = true;

  tnode literal(const json::value& v) {
    tnode n;
    n.literal = deep_copy(v, a);
    return n;
  }

  tnode dynamic_field(const std::string& key, const json::value& v, const std::string& loc) {
    tnode n;
    n.field = key;
    if (v.IsString()) {
      std::string_view text(v.GetString(), v.GetStringLength());
      if (!text.empty() && text[0] == '$') {
        if (auto p = path::compile(text)) {
          n.k = tnode::kind::path;
          n.p = std::move(p);
          return n;
        }
      } else {
        std::string err;
        if (auto call = intrinsic::parse(text, err)) {
          n.k = tnode::kind::call;
          n.call = std::move(call);
          return n;
        }
      }
    }
    diagnostics.push_back(bad_field(loc, key));
    ok = false;
    return n;
  }

  tnode build(const json::value& v, const std::string& loc) {
    if (v.IsObject()) {
      tnode n;
      n.k = tnode::kind::object;
      bool dynamic = false;
      for (auto& m : v.GetObject()) {
        std::string key(m.name.GetString(), m.name.GetStringLength());
        const std::string here = loc + "/" + key;
        std::string out_key = key;
        tnode child;
        if (key.size() >= 2 && key.compare(key.size() - 2, 2, ".$") == 0) {
          out_key.resize(key.size() - 2);
          child = dynamic_field(key, m.value, here);
        } else {
          child = build(m.value, here);
        }
        dynamic = dynamic || child.k != tnode::kind::literal;
        auto same = std::find_if(n.members.begin(), n.members.end(),
                                 [&](const auto& e) { return e.key == out_key; });
        if (same != n.members.end())
          same->value = std::move(child);
        else
          n.members.push_back({std::move(out_key), std::move(child)});
      }
      if (!dynamic) return literal(v);
      return n;
    }
    if (v.IsArray()) {
      tnode n;
      n.k = tnode::kind::array;
      bool dynamic = false;
      for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
        n.items.push_back(build(v[i], loc + "/" + std::to_string(i)));
        dynamic = dynamic || n.items.back().k != tnode::kind::literal;
      }
      if (!dynamic) return literal(v);
      return n;
    }
    return literal(v);
  }
};

struct evaluator {
  const json::value& input;
  const json::value& context;
  const json::value* variables;
  json::allocator& a;
  rng& random;

  maybe_failure run(const tnode& n, json::value& out) {
    switch (n.k) {
      case tnode::kind::literal: out.CopyFrom(n.literal, a); return std::nullopt;
      case tnode::kind::path: {
        const json::value* root = intrinsic::root_of(*n.p, input, context, variables);
        maybe_failure too_large;
        if (!root || !n.p->select(*root, out, a, &too_large)) {
          if (too_large) return too_large;
          return failure{"States.Runtime", intrinsic::path_not_found(n.p->text(), n.field, input)};
        }
        return std::nullopt;
      }
      case tnode::kind::call:
        return intrinsic::evaluate(*n.call, input, context, variables, n.field, out, a, random);
      case tnode::kind::object:
        out.SetObject();
        for (const auto& [key, child] : n.members) {
          json::value v;
          if (auto f = run(child, v)) return f;
          out.AddMember(json::value(key.data(), static_cast<rapidjson::SizeType>(key.size()), a), v, a);
        }
        return std::nullopt;
      case tnode::kind::array:
        out.SetArray();
        out.Reserve(static_cast<rapidjson::SizeType>(n.items.size()), a);
        for (const auto& child : n.items) {
          json::value v;
          if (auto f = run(child, v)) return f;
          out.PushBack(v, a);
        }
        return std::nullopt;
    }
    return std::nullopt;
  }
};

}  // namespace

struct payload_template::impl {
  json::document store;  // owns the literal parts
  tnode root;
};

payload_template::payload_template() : impl_(std::make_unique<impl>()) {}
payload_template::~payload_template() = default;

std::shared_ptr<const payload_template> payload_template::compile(const json::value& tmpl,
                                                                  std::string_view location,
                                                                  std::vector<std::string>& diagnostics) {
  std::shared_ptr<payload_template> t(new payload_template());
  compiler c{t->impl_->store.GetAllocator(), diagnostics};
  t->impl_->root = c.build(tmpl, std::string(location));
  if (!c.ok) return nullptr;
  return t;
}

maybe_failure payload_template::evaluate(const json::value& input, const json::value& context,
                                         json::value& out, json::allocator& a, rng& random) const {
  json::value no_variables(rapidjson::kObjectType);
  return evaluate(input, context, no_variables, out, a, random);
}

maybe_failure payload_template::evaluate(const json::value& input, const json::value& context,
                                         const json::value& variables, json::value& out,
                                         json::allocator& a, rng& random) const {
  evaluator e{input, context, &variables, a, random};
  json::value result;
  if (auto f = e.run(impl_->root, result)) return f;
  out = result;  // moves
  return std::nullopt;
}

maybe_failure evaluate_intrinsic(std::string_view expression, const json::value& input,
                                 const json::value& context, json::value& out, json::allocator& a,
                                 rng& random) {
  json::value no_variables(rapidjson::kObjectType);
  return evaluate_intrinsic(expression, input, context, no_variables, out, a, random);
}

maybe_failure evaluate_intrinsic(std::string_view expression, const json::value& input,
                                 const json::value& context, const json::value& variables,
                                 json::value& out, json::allocator& a, rng& random) {
  std::string err;
  auto call = intrinsic::parse(expression, err);
  if (!call)
    return failure{"States.Runtime",
                   "Invalid intrinsic function call '" + std::string(expression) + "': " + err};
  return intrinsic::evaluate(*call, input, context, &variables, {}, out, a, random);
}

std::string check_intrinsic(std::string_view expression) {
  std::string err;
  if (intrinsic::parse(expression, err)) return {};
  return err;
}

}  // namespace sc::eval
