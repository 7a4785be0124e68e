// Choice rules for the definition compiler (see compile.hpp).
//
// A rule is exactly one of And (non-empty array of rules), Or (same), Not
// (one rule) or a comparison: Variable (a Reference Path) plus exactly one
// operator whose operand has the operator's type (string, number, boolean,
// RFC 3339 timestamp string, boolean for the Is* tests, a Reference Path for
// the …Path variants). Only top-level rules carry (and require) Next.
#include "runtime/asl/choice_ops.hpp"
#include "runtime/asl/compile.hpp"
#include "runtime/asl/timestamp.hpp"

namespace sc::asl::detail {
namespace {

field_names operator_names() {
  field_names names;
  for (const op_info& op : all_ops()) names.push_back(op.name);
  return names;
}

std::string bracketed(const field_names& names) {
  std::string out = "[";
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + std::string(names[i]);
  return out + "]";
}

}  // namespace

choice_rule compiler::compile_rule(const json::value& v, const std::string& loc, bool top) {
  static const field_names ops = operator_names();
  choice_rule r;
  if (!check_type(v, jtype::object, loc)) return r;

  field_names allowed = {"Comment"};
  if (top) {
    allowed.push_back("Next");
    allowed.push_back("Assign");
  }
  const char* selectors[] = {"And", "Or", "Not", "Variable"};
  int selector_count = 0;
  const char* selector = nullptr;
  for (const char* s : selectors)
    if (find(v, s)) {
      ++selector_count;
      selector = s;
      allowed.push_back(s);
    }
  std::vector<const op_info*> present;
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it)
    if (const op_info* op = find_op({it->name.GetString(), it->name.GetStringLength()}))
      present.push_back(op);
  bool comparison =
      selector_count == 0 ? !present.empty() : std::string_view(selector) == "Variable";
  if (comparison) allowed.insert(allowed.end(), ops.begin(), ops.end());

  check_fields(v, loc, allowed);
  if (top) {
    require(v, loc, {"Next"});
    r.next = target_field(v, loc, "Next");
    r.assign = assign_field(v, loc);
  }
  string_field(v, loc, "Comment");

  if (selector_count > 1 || (selector_count == 0 && present.empty())) {
    error(
        "The object must have only one of the following fields, "
        "[And, Or, Not, Variable, Condition]",
        loc);
    return r;
  }

  if (!comparison) {
    std::string key = selector;
    std::string at = field_loc(loc, key);
    const json::value& sub = *find(v, key);
    if (key == "Not") {
      r.k = choice_rule::kind::not_;
      if (check_type(sub, jtype::object, at)) r.children.push_back(compile_rule(sub, at, false));
      return r;
    }
    r.k = key == "And" ? choice_rule::kind::and_ : choice_rule::kind::or_;
    if (!check_type(sub, jtype::array, at)) return r;
    if (sub.Empty()) error("Value cannot be empty", at);
    for (rapidjson::SizeType i = 0; i < sub.Size(); ++i)
      r.children.push_back(compile_rule(sub[i], index_loc(loc, key, i), false));
    return r;
  }

  r.k = choice_rule::kind::compare;
  if (require(v, loc, {"Variable"}))
    r.variable = compile_path(*find(v, "Variable"), field_loc(loc, "Variable"), "Variable", true);
  if (present.size() != 1) {
    error(std::string(present.empty() ? "This object should have only one of the following fields: "
                                      : "There should only be one of the following fields: ") +
              bracketed(ops),
          loc);
    return r;
  }

  const op_info& op = *present.front();
  r.op = std::string(op.name);
  std::string at = field_loc(loc, op.name);
  const json::value& operand = *find(v, op.name);
  if (op.path) {
    r.value_path = compile_path(operand, at, op.name, true);
    return r;
  }
  bool ok = false;
  switch (op.kind) {
    case operand_kind::string: ok = check_type(operand, jtype::string, at); break;
    case operand_kind::number: ok = check_type(operand, jtype::number, at); break;
    case operand_kind::boolean:
    case operand_kind::type_test: ok = check_type(operand, jtype::boolean, at); break;
    case operand_kind::timestamp:
      ok = check_type(operand, jtype::string, at);
      if (ok && !parse_timestamp({operand.GetString(), operand.GetStringLength()})) {
        error("String does not match RFC3339 timestamp", at);
        ok = false;
      }
      break;
  }
  if (ok) {
    auto doc = std::make_shared<json::document>();
    doc->CopyFrom(operand, doc->GetAllocator());
    r.literal = std::move(doc);
  }
  return r;
}

}  // namespace sc::asl::detail
