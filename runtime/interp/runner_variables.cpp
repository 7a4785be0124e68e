// Workflow variables (Assign).
//
// Each thread owns a scope: the variables its states assigned, kept as the
// text of one JSON object in `thread::variables` (so they are part of the
// execution's stored state and survive restarts and shard moves like the
// rest of it). A thread reads its own scope and its ancestors': a Parallel
// branch or Map iteration sees the variables of the state machine around
// it, while what it assigns stays its own and ends with it. A Distributed
// Map iteration is a child execution on AWS and sees only its own scope.
// The validator rejects an inner scope assigning a name an outer one
// assigns, so merging the chain never has to pick between two values.
//
// Assign is evaluated after everything else the state evaluates, with the
// values from before the state; the new values wait (`pending_scope_`)
// until the state exits, so a state that fails after its Assign was
// evaluated (a ResultPath that cannot be applied) assigns nothing.
#include "runtime/interp/runner.hpp"

#include "runtime/eval/intrinsics.hpp"

namespace sc::interp::detail {

const json::value* runner::variables(const thread& t) {
  if (!def_.uses_variables) return nullptr;
  if (vars_thread_ == t.id) return &vars_;
  // Collect the chain innermost first.
  std::vector<const thread*> chain;
  for (const thread* c = &t; c;) {
    chain.push_back(c);
    if (c->parent < 0) break;
    auto it = s_.threads.find(c->parent);
    if (it == s_.threads.end()) break;
    const thread& p = it->second;
    if (p.state >= 0 && state_of(p).type == asl::state_type::map && state_of(p).map_distributed)
      break;
    c = &p;
  }
  vars_.SetObject();
  auto& a = vars_.GetAllocator();
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if ((*it)->variables.empty()) continue;
    json::document scope;
    if (!json::parse((*it)->variables, scope) || !scope.IsObject()) continue;
    for (auto& m : scope.GetObject()) {
      auto existing = vars_.FindMember(m.name);
      if (existing != vars_.MemberEnd())
        existing->value.CopyFrom(m.value, a);
      else
        vars_.AddMember(json::value(m.name, a), json::value(m.value, a), a);
    }
  }
  vars_thread_ = t.id;
  return &vars_;
}

bool runner::select(const thread& t, const eval::path& p, const json::value& in,
                    json::value& out, json::allocator& a) {
  if (p.is_context()) {
    json::document ctx;
    build_context(t, ctx);
    json::value v;
    if (!p.select(ctx, v, ctx.GetAllocator())) return false;
    out.CopyFrom(v, a);
    return true;
  }
  json::value none(rapidjson::kObjectType);
  const json::value* root = eval::intrinsic::root_of(p, in, none, variables(t));
  return root && p.select(*root, out, a);
}

std::optional<failure> runner::assign(thread& t, const eval::payload_template& tpl,
                                      const json::value& from) {
  json::document ctx;
  build_context(t, ctx);
  const json::value* vars = variables(t);
  json::document values;
  json::value v;
  json::value none(rapidjson::kObjectType);
  if (auto f = tpl.evaluate(from, ctx, vars ? *vars : none, v, values.GetAllocator(), random_))
    return decorate(t, *f);
  static_cast<json::value&>(values) = std::move(v);
  if (auto f = store_assigned(t, values)) return decorate(t, *f);
  return std::nullopt;
}

std::optional<failure> runner::store_assigned(thread& t, const json::value& values) {
  constexpr size_t per_assign = 256 * 1024, per_execution = 10 * 1024 * 1024;
  size_t total = 0;
  for (auto& m : values.GetObject()) {
    size_t n = json::dump(m.value).size();
    total += n;
    if (n > per_assign)
      return failure{"States.DataLimitExceeded",
                     runtime_prefix(t) + "The variable '" + std::string(m.name.GetString()) +
                         "' has a size of " + std::to_string(n) +
                         " bytes, over the maximum of 262144 bytes for a variable."};
  }
  if (total > per_assign)
    return failure{"States.DataLimitExceeded",
                   runtime_prefix(t) + "The values of the state's Assign have a size of " +
                       std::to_string(total) +
                       " bytes, over the maximum of 262144 bytes for one Assign."};
  json::document scope;
  if (t.variables.empty() || !json::parse(t.variables, scope) || !scope.IsObject())
    scope.SetObject();
  auto& a = scope.GetAllocator();
  std::string event = "{";
  for (auto& m : values.GetObject()) {
    auto existing = scope.FindMember(m.name);
    if (existing != scope.MemberEnd())
      existing->value.CopyFrom(m.value, a);
    else
      scope.AddMember(json::value(m.name, a), json::value(m.value, a), a);
    if (event.size() > 1) event += ',';
    event += json::quote({m.name.GetString(), m.name.GetStringLength()});
    event += ':';
    event += json::quote(json::dump(m.value));
  }
  event += '}';
  std::string text = json::dump(scope);
  size_t all = text.size();
  for (const auto& [id, other] : s_.threads)
    if (id != t.id) all += other.variables.size();
  if (all > per_execution)
    return failure{"States.DataLimitExceeded",
                   runtime_prefix(t) + "The execution's variables would have a size of " +
                       std::to_string(all) + " bytes, over the maximum of 10485760 bytes."};
  pending_thread_ = t.id;
  pending_scope_ = std::move(text);
  assigned_ = std::move(event);
  return std::nullopt;
}

details& runner::commit_assigned(thread& t, details& d) {
  if (pending_thread_ != t.id) return d;
  t.variables = std::move(pending_scope_);
  pending_thread_ = -1;
  vars_thread_ = -1;
  d.raw("assignedVariables", assigned_).raw("assignedVariablesDetails", R"({"truncated":false})");
  assigned_.clear();
  return d;
}

}  // namespace sc::interp::detail
