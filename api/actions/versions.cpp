// PublishStateMachineVersion, ListStateMachineVersions,
// DeleteStateMachineVersion, and the version helpers of qualified.hpp.
#include "api/actions/qualified.hpp"

#include <random>

namespace sc::api {

machine_ref parse_machine_ref(const std::string& arn) {
  machine_ref r;
  r.arn = arn;
  std::string base = cluster::unqualified_arn(arn);
  if (base.empty()) {
    require_arn(arn, model::arn_kind::state_machine);
    r.machine_arn = arn;
    return r;
  }
  auto parsed = model::parse_arn(base);
  if (!parsed || parsed->kind != model::arn_kind::state_machine)
    throw aws_error("InvalidArn", "Invalid Arn: '" + arn + "'");
  r.machine_arn = base;
  r.qualifier = arn.substr(base.size() + 1);
  if (r.qualifier.empty()) throw aws_error("InvalidArn", "Invalid Arn: '" + arn + "'");
  return r;
}

void check_publish_members(const members& m, std::optional<bool>& publish,
                           std::optional<std::string>& description) {
  publish = m.boolean("publish");
  description = m.str("versionDescription", 0, 256);
  if (description && !publish.value_or(false))
    throw aws_error("ValidationException",
                    "Version description can only be set when publish is true");
}

cluster::state_machine_record publish_version_of(context& c, const cluster::state_machine_record& m,
                                                 const std::string& description) {
  cluster::state_machine_record v = m;
  v.creation_ms = actors::now_ms();
  v.description = description;
  v.status = "ACTIVE";
  cluster::state_machine_record out;
  switch (c.store.publish_version(m.arn, v, max_versions, out)) {
    case cluster::publish_outcome::created:
    case cluster::publish_outcome::existing:
      return out;
    case cluster::publish_outcome::quota:
      break;
  }
  throw aws_error("ServiceQuotaExceededException",
                  "Maximum number of versions (" + std::to_string(max_versions) +
                      ") reached for state machine: '" + m.arn + "'",
                  402);
}

start_target resolve_start_target(context& c, const machine_ref& ref) {
  start_target t;
  std::string version_arn = ref.arn;
  if (ref.alias()) {
    auto a = c.store.get_alias(ref.arn);
    if (!a || a->routes.empty())
      throw aws_error("StateMachineDoesNotExist", "State Machine Does Not Exist: '" + ref.arn + "'");
    t.alias_arn = a->arn;
    // Any per-request random source will do: the weights are percentages.
    thread_local std::mt19937_64 rng{std::random_device{}()};
    int64_t pick = static_cast<int64_t>(rng() % 100);
    version_arn = a->routes.back().version_arn;
    for (const auto& r : a->routes) {
      if (pick < r.weight) {
        version_arn = r.version_arn;
        break;
      }
      pick -= r.weight;
    }
  }
  auto v = c.store.get_version(version_arn);
  if (!v) throw aws_error("StateMachineDoesNotExist", "State Machine Does Not Exist: '" + ref.arn + "'");
  t.version = *v;
  return t;
}

void publish_state_machine_version(context& c) {
  auto arn = c.m.required_str("stateMachineArn", 1, 256);
  auto revision = c.m.str("revisionId");
  auto description = c.m.str("description", 0, 256);
  auto ref = parse_machine_ref(arn);
  if (!ref.qualifier.empty()) throw aws_error("InvalidArn", "Invalid Arn: '" + arn + "'");
  auto m = c.store.get_state_machine(arn);
  if (!m) throw aws_error("StateMachineDoesNotExist", "State Machine Does Not Exist: '" + arn + "'");
  if (m->status == "DELETING")
    throw aws_error("StateMachineDeleting", "State machine is being deleted: '" + arn + "'");
  if (revision && *revision != m->revision_id)
    throw aws_error("ConflictException", "Failed to publish the State Machine version for revision " +
                                             *revision + ". The current State Machine revision is " +
                                             m->revision_id + ".");
  auto v = publish_version_of(c, *m, description.value_or(""));
  c.ok(out().time("creationDate", v.creation_ms).str("stateMachineVersionArn", v.arn).done());
}

void list_state_machine_versions(context& c) {
  auto arn = c.m.required_str("stateMachineArn", 1, 256);
  size_t limit = page_size(c.m);
  auto token = c.m.str("nextToken", 1, 1024);
  auto ref = parse_machine_ref(arn);
  if (!ref.qualifier.empty()) throw aws_error("InvalidArn", "Invalid Arn: '" + arn + "'");
  std::string after;
  if (token) {
    after = decode_page_token(c.node.tokens(), "smv", *token);
    if (cluster::unqualified_arn(after) != arn)
      throw aws_error("InvalidToken", "Invalid Token: 'Invalid pagination token'");
  }
  auto page = c.store.list_versions(arn, after, limit);
  out o;
  auto& w = o.key("stateMachineVersions").writer();
  w.StartArray();
  for (auto& v : page.items) {
    w.StartObject();
    w.Key("stateMachineVersionArn");
    w.String(v.arn.c_str());
    w.Key("creationDate");
    auto t = out::epoch_text(v.creation_ms);
    w.RawValue(t.c_str(), t.size(), rapidjson::kNumberType);
    w.EndObject();
  }
  w.EndArray();
  if (!page.next.empty()) o.str("nextToken", encode_page_token(c.node.tokens(), "smv", page.next));
  c.ok(o.done());
}

void delete_state_machine_version(context& c) {
  auto arn = c.m.required_str("stateMachineVersionArn", 1, 2000);
  auto ref = parse_machine_ref(arn);
  if (!ref.version()) throw aws_error("InvalidArn", "Invalid Arn: '" + arn + "'");
  std::string names;
  for (const auto& a : c.store.list_aliases(ref.machine_arn)) {
    for (const auto& r : a.routes) {
      if (r.version_arn != arn) continue;
      names += (names.empty() ? "" : ", ") + a.name;
      break;
    }
  }
  if (!names.empty())
    throw aws_error("ConflictException",
                    "Version to be deleted must not be referenced by an alias. Current list of "
                    "aliases referencing this version: [" + names + "]");
  c.store.delete_version(arn);
  c.node.forget_machine(arn);
  c.ok("{}");
}

}  // namespace sc::api
