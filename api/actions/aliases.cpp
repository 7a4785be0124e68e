// CreateStateMachineAlias, DescribeStateMachineAlias, UpdateStateMachineAlias,
// DeleteStateMachineAlias, ListStateMachineAliases.
#include "api/actions/qualified.hpp"

#include <algorithm>
#include <cctype>

namespace sc::api {

namespace {

[[noreturn]] void not_found() {
  throw aws_error("ResourceNotFound", "Request references a resource that does not exist.");
}

std::string join(const std::vector<std::string>& xs) {
  std::string s = "[";
  for (size_t i = 0; i < xs.size(); ++i) s += (i ? ", " : "") + xs[i];
  return s + "]";
}

/// AWS's alias name rule: 1-80 of [a-zA-Z0-9_.-], not digits only.
void check_alias_name(const std::string& name) {
  bool ok = true, non_digit = false;
  for (unsigned char ch : name) {
    if (std::isalpha(ch) || ch == '_' || ch == '-' || ch == '.') non_digit = true;
    else if (!std::isdigit(ch)) ok = false;
  }
  if (!ok || !non_digit)
    validation_error("'" + name + "'", "name",
                     "Member must satisfy regular expression pattern: "
                     "^(?=.*[a-zA-Z_\\-\\.])[a-zA-Z0-9_\\-\\.]+$");
}

/// routingConfiguration: shapes and ranges (Coral's wording), then AWS's own
/// rules. Returns the routes and the state machine they belong to.
std::vector<cluster::route> read_routes(const json::value& arr, std::string& machine_arn) {
  std::vector<cluster::route> routes;
  std::vector<std::string> arns;
  std::vector<int64_t> weights;
  if (arr.Size() > 2) {
    std::string shown = "[";
    for (rapidjson::SizeType i = 0; i < arr.Size(); ++i) {
      std::string a, w;
      if (arr[i].IsObject()) {
        members im(arr[i]);
        if (auto s = im.str("stateMachineVersionArn")) a = *s;
        if (auto n = im.integer("weight")) w = std::to_string(*n);
      }
      shown += (i ? ", " : "") + ("RoutingConfigurationListItem(stateMachineVersionArn=" + a +
                                  ", weight=" + w + ")");
    }
    validation_error("'" + shown + "]'", "routingConfiguration",
                     "Member must have length less than or equal to 2");
  }
  if (arr.Empty())
    validation_error("'[]'", "routingConfiguration",
                     "Member must have length greater than or equal to 1");
  for (rapidjson::SizeType i = 0; i < arr.Size(); ++i) {
    std::string at = "routingConfiguration." + std::to_string(i + 1) + ".member.";
    if (!arr[i].IsObject())
      throw aws_error("SerializationException", "Unexpected value in routingConfiguration");
    members im(arr[i]);
    auto arn = im.str("stateMachineVersionArn");
    auto weight = im.integer("weight");
    if (!arn) missing_member(at + "stateMachineVersionArn");
    if (!weight) missing_member(at + "weight");
    if (arn->empty() || arn->size() > 256)
      validation_error("'" + *arn + "'", at + "stateMachineVersionArn",
                       arn->empty() ? "Member must have length greater than or equal to 1"
                                    : "Member must have length less than or equal to 256");
    if (*weight > 100)
      validation_error("'" + std::to_string(*weight) + "'", at + "weight",
                       "Member must have value less than or equal to 100");
    if (*weight < 0)
      validation_error("'" + std::to_string(*weight) + "'", at + "weight",
                       "Member must have value greater than or equal to 0");
    arns.push_back(*arn);
    weights.push_back(*weight);
  }
  for (const auto& a : arns) {
    machine_ref ref;
    try {
      ref = parse_machine_ref(a);
    } catch (const aws_error&) {
    }
    if (!ref.version())
      throw aws_error("ValidationException",
                      "Routing configuration must contain state machine version ARNs. Received: " +
                          join(arns));
    if (machine_arn.empty()) machine_arn = ref.machine_arn;
    if (ref.machine_arn != machine_arn)
      throw aws_error("ValidationException",
                      "Routing configuration must contain state machine version ARNs of the same "
                      "state machine. Received: " + join(arns));
  }
  if (arns.size() == 2 && arns[0] == arns[1])
    throw aws_error("ValidationException",
                    "Routing configuration must contain distinct state machine version ARNs. "
                    "Received: " + join(arns));
  int64_t sum = 0;
  std::vector<std::string> ws;
  for (auto w : weights) {
    sum += w;
    ws.push_back(std::to_string(w));
  }
  if (sum != 100)
    throw aws_error("ValidationException",
                    "Sum of routing configuration weights must equal 100. Received: " + join(ws));
  for (size_t i = 0; i < arns.size(); ++i) routes.push_back({arns[i], weights[i]});
  return routes;
}

/// The machine must be there and not being deleted; every version too.
void check_targets(context& c, const std::string& machine_arn,
                   const std::vector<cluster::route>& routes) {
  auto m = c.store.get_state_machine(machine_arn);
  if (!m) not_found();
  if (m->status == "DELETING")
    throw aws_error("StateMachineDeleting", "State machine is being deleted: '" + machine_arn + "'");
  for (const auto& r : routes)
    if (!c.store.get_version(r.version_arn)) not_found();
}

machine_ref require_alias_arn(const std::string& arn) {
  auto ref = parse_machine_ref(arn);
  if (!ref.alias()) throw aws_error("InvalidArn", "Invalid Arn: '" + arn + "'");
  return ref;
}

void write_routes(out& o, const std::vector<cluster::route>& routes) {
  auto& w = o.key("routingConfiguration").writer();
  w.StartArray();
  for (const auto& r : routes) {
    w.StartObject();
    w.Key("stateMachineVersionArn");
    w.String(r.version_arn.c_str());
    w.Key("weight");
    w.Int64(r.weight);
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace

void create_state_machine_alias(context& c) {
  auto description = c.m.str("description", 0, 256);
  auto name = c.m.required_str("name", 1, 80);
  const json::value* arr = c.m.array("routingConfiguration");
  if (!arr) missing_member("routingConfiguration");
  check_alias_name(name);
  std::string machine_arn;
  auto routes = read_routes(*arr, machine_arn);
  check_targets(c, machine_arn, routes);
  cluster::alias_record a;
  a.arn = machine_arn + ":" + name;
  a.name = name;
  a.description = description.value_or("");
  a.routes = routes;
  a.creation_ms = a.update_ms = actors::now_ms();
  cluster::alias_record existing;
  switch (c.store.create_alias(a, max_aliases, existing)) {
    case cluster::create_outcome::created:
      break;
    case cluster::create_outcome::existing:
      a = existing;
      break;
    case cluster::create_outcome::conflict:
      throw aws_error("ConflictException",
                      "Failed to create alias because an alias with the same name and a different "
                      "routing configuration already exists.");
    case cluster::create_outcome::deleting:
      throw aws_error("ServiceQuotaExceededException",
                      "Maximum number of aliases (" + std::to_string(max_aliases) +
                          ") reached for state machine: '" + machine_arn + "'",
                  402);
  }
  c.ok(out().str("stateMachineAliasArn", a.arn).time("creationDate", a.creation_ms).done());
}

void describe_state_machine_alias(context& c) {
  auto arn = c.m.required_str("stateMachineAliasArn", 1, 256);
  require_alias_arn(arn);
  auto a = c.store.get_alias(arn);
  if (!a) not_found();
  out o;
  o.str("stateMachineAliasArn", a->arn).str("name", a->name);
  if (!a->description.empty()) o.str("description", a->description);
  write_routes(o, a->routes);
  o.time("creationDate", a->creation_ms).time("updateDate", a->update_ms);
  c.ok(o.done());
}

void update_state_machine_alias(context& c) {
  auto arn = c.m.required_str("stateMachineAliasArn", 1, 256);
  auto description = c.m.str("description", 0, 256);
  const json::value* arr = c.m.array("routingConfiguration");
  auto ref = require_alias_arn(arn);
  if (!description && !arr)
    throw aws_error("ValidationException",
                    "Either the description or the routing configuration must be specified");
  std::vector<cluster::route> routes;
  if (arr) {
    std::string machine_arn;
    routes = read_routes(*arr, machine_arn);
    if (machine_arn != ref.machine_arn)
      throw aws_error("ValidationException",
                      "Routing configuration must contain state machine version ARNs of the same "
                      "state machine. Received: [" + routes.front().version_arn + "]");
  }
  auto a = c.store.get_alias(arn);
  if (!a) not_found();
  if (arr) check_targets(c, ref.machine_arn, routes);
  if (description) a->description = *description;
  if (arr) a->routes = routes;
  a->update_ms = actors::now_ms();
  if (!c.store.put_alias(*a)) not_found();
  c.ok(out().time("updateDate", a->update_ms).done());
}

void delete_state_machine_alias(context& c) {
  auto arn = c.m.required_str("stateMachineAliasArn", 1, 256);
  require_alias_arn(arn);
  c.store.delete_alias(arn);
  c.ok("{}");
}

void list_state_machine_aliases(context& c) {
  auto arn = c.m.required_str("stateMachineArn", 1, 256);
  size_t limit = page_size(c.m);
  auto token = c.m.str("nextToken", 1, 1024);
  auto ref = parse_machine_ref(arn);
  if (ref.alias()) throw aws_error("InvalidArn", "Invalid Arn: '" + arn + "'");
  std::string after;
  if (token) {
    after = decode_page_token(c.node.tokens(), "sma", *token);
    if (cluster::unqualified_arn(after) != ref.machine_arn)
      throw aws_error("InvalidToken", "Invalid Token: 'Invalid pagination token'");
  }
  auto m = c.store.get_state_machine(ref.machine_arn);
  if (!m) throw aws_error("StateMachineDoesNotExist", "State Machine Does Not Exist: '" + arn + "'");
  if (m->status == "DELETING")
    throw aws_error("StateMachineDeleting", "State machine is being deleted: '" + arn + "'");
  if (ref.version() && !c.store.get_version(arn)) not_found();
  // A version ARN lists the aliases that route to that version.
  std::vector<cluster::alias_record> all;
  for (auto& a : c.store.list_aliases(ref.machine_arn)) {
    if (!after.empty() && a.arn <= after) continue;
    if (ref.version() && std::none_of(a.routes.begin(), a.routes.end(),
                                      [&](const cluster::route& r) { return r.version_arn == arn; }))
      continue;
    all.push_back(std::move(a));
  }
  bool more = all.size() > limit;
  if (more) all.resize(limit);
  out o;
  auto& w = o.key("stateMachineAliases").writer();
  w.StartArray();
  for (auto& a : all) {
    w.StartObject();
    w.Key("stateMachineAliasArn");
    w.String(a.arn.c_str());
    w.Key("creationDate");
    auto t = out::epoch_text(a.creation_ms);
    w.RawValue(t.c_str(), t.size(), rapidjson::kNumberType);
    w.EndObject();
  }
  w.EndArray();
  if (more) o.str("nextToken", encode_page_token(c.node.tokens(), "sma", all.back().arn));
  c.ok(o.done());
}

}  // namespace sc::api
