// CreateStateMachine, DescribeStateMachine, UpdateStateMachine,
// DeleteStateMachine, ListStateMachines, DescribeStateMachineForExecution.
#include "api/actions/configuration.hpp"
#include "api/actions/map_runs.hpp"
#include "api/actions/qualified.hpp"
#include "api/actions/quotas.hpp"
#include "runtime/asl/parse.hpp"
#include "runtime/model/arn.hpp"

namespace sc::api {

namespace {

void check_definition(const std::string& def) {
  auto parsed = asl::parse(def);
  if (!parsed.def) throw aws_error("InvalidDefinition", asl::format_diagnostics(parsed.diagnostics));
}

void write_tracing(out& o, bool enabled) {
  o.key("tracingConfiguration").writer().StartObject();
  o.writer().Key("enabled");
  o.writer().Bool(enabled);
  o.writer().EndObject();
}

std::string revision(int64_t) { return actors::random_uuid(); }

}  // namespace

void create_state_machine(context& c) {
  auto name = c.m.required_str("name", 1, 80);
  auto definition = c.m.required_str("definition", 1, 1048576);
  auto role = c.m.required_str("roleArn", 1, 256);
  auto type = c.m.enumeration("type", {"STANDARD", "EXPRESS"}).value_or("STANDARD");
  std::string arn = model::state_machine_arn(c.region, c.account, name);
  // Every member's own rules first (Coral validates before the service
  // looks at anything), then the service's checks.
  auto tags = read_tags(c.m.array("tags"), arn);
  auto logging = read_logging(c.m);
  auto tracing = read_tracing(c.m);
  auto encryption = read_encryption(c.m);
  std::optional<bool> publish;
  std::optional<std::string> version_description;
  check_publish_members(c.m, publish, version_description);
  require_name(name);
  if (role.rfind("arn:", 0) != 0) throw aws_error("InvalidArn", "Invalid Arn: '" + role + "'");
  if (tags.size() > 50) {
    aws_error e("TooManyTags", "Too many tags: the limit is 50 tags per resource");
    e.extra_json = "\"resourceName\":" + json::quote(arn);
    throw e;
  }
  check_definition(definition);

  cluster::state_machine_record r;
  r.arn = arn;
  r.name = name;
  r.definition = definition;
  r.role_arn = role;
  r.type = type;
  r.creation_ms = actors::now_ms();
  r.logging_json = logging;
  r.tracing_enabled = tracing.value_or(false);
  r.revision_id = revision(r.creation_ms);
  r.encryption_json = encryption.value_or("");
  check_state_machine_quota(c, arn);
  cluster::state_machine_record existing;
  switch (c.store.create_state_machine(r, existing)) {
    case cluster::create_outcome::created:
      if (!tags.empty()) c.store.set_tags(arn, tags);
      break;
    case cluster::create_outcome::existing:
      // AWS's idempotency check compares the encryption configuration too.
      if (encryption_or_default(existing.encryption_json) != encryption_or_default(r.encryption_json))
        throw aws_error("StateMachineAlreadyExists", "State Machine Already Exists: '" + arn + "'");
      r = existing;
      break;
    case cluster::create_outcome::conflict:
      throw aws_error("StateMachineAlreadyExists", "State Machine Already Exists: '" + arn + "'");
    case cluster::create_outcome::deleting:
      throw aws_error("StateMachineDeleting", "State machine is being deleted: '" + arn + "'");
  }
  out o;
  o.str("stateMachineArn", r.arn).time("creationDate", r.creation_ms);
  if (publish.value_or(false))
    o.str("stateMachineVersionArn",
          publish_version_of(c, r, version_description.value_or("")).arn);
  c.ok(o.done());
}

static cluster::state_machine_record require_machine(context& c, const std::string& arn) {
  require_arn(arn, model::arn_kind::state_machine);
  auto r = c.store.get_state_machine(arn);
  if (!r) throw aws_error("StateMachineDoesNotExist", "State Machine Does Not Exist: '" + arn + "'");
  return *r;
}

void describe_state_machine(context& c) {
  auto arn = c.m.required_str("stateMachineArn", 1, 256);
  bool all_data = read_included_data(c.m);
  auto ref = parse_machine_ref(arn);
  if (ref.alias()) throw aws_error("InvalidArn", "Invalid Arn: '" + arn + "'");
  std::optional<cluster::state_machine_record> found =
      ref.version() ? c.store.get_version(arn) : c.store.get_state_machine(arn);
  if (!found) throw aws_error("StateMachineDoesNotExist", "State Machine Does Not Exist: '" + arn + "'");
  auto& r = *found;
  out o;
  o.str("stateMachineArn", r.arn)
      .str("name", r.name)
      .str("status", r.status)
      .str("definition", all_data ? r.definition : "{}")
      .str("roleArn", r.role_arn)
      .str("type", r.type)
      .time("creationDate", r.creation_ms)
      .raw("loggingConfiguration", logging_or_default(r.logging_json));
  write_tracing(o, r.tracing_enabled);
  if (r.update_ms) o.str("revisionId", r.revision_id);
  if (!r.description.empty()) o.str("description", r.description);
  o.raw("encryptionConfiguration", encryption_or_default(r.encryption_json));
  if (all_data) write_variable_references(o, r.definition);
  c.ok(o.done());
}

void update_state_machine(context& c) {
  auto arn = c.m.required_str("stateMachineArn", 1, 256);
  auto definition = c.m.str("definition", 1, 1048576);
  auto role = c.m.str("roleArn", 1, 256);
  bool has_logging = c.m.object("loggingConfiguration") != nullptr;
  auto logging = read_logging(c.m);
  auto tracing = read_tracing(c.m);
  auto encryption = read_encryption(c.m);
  std::optional<bool> publish;
  std::optional<std::string> version_description;
  check_publish_members(c.m, publish, version_description);
  require_arn(arn, model::arn_kind::state_machine);
  if (!definition && !role && !has_logging && !tracing && !encryption)
    throw aws_error("MissingRequiredParameter",
                    "Either the definition, the role ARN, the LoggingConfiguration, "
                    "EncryptionConfiguration or the TracingConfiguration must be specified");
  if (role && role->rfind("arn:", 0) != 0)
    throw aws_error("InvalidArn", "Invalid Arn: '" + *role + "'");
  if (definition) check_definition(*definition);
  auto r = require_machine(c, arn);
  auto before = r;
  if (definition) r.definition = *definition;
  if (role) r.role_arn = *role;
  if (has_logging) r.logging_json = logging;
  if (tracing) r.tracing_enabled = *tracing;
  if (encryption) r.encryption_json = *encryption;
  // An update that changes nothing makes no new revision (AWS: publishing
  // it then answers the existing version).
  bool changed = r.definition != before.definition || r.role_arn != before.role_arn ||
                 r.logging_json != before.logging_json ||
                 r.tracing_enabled != before.tracing_enabled ||
                 encryption_or_default(r.encryption_json) !=
                     encryption_or_default(before.encryption_json);
  int64_t update_ms = actors::now_ms();
  if (publish.value_or(false) && r.status == "DELETING")
    throw aws_error("StateMachineDeleting", "State machine is being deleted: '" + arn + "'");
  if (changed) {
    r.update_ms = update_ms;
    r.revision_id = revision(r.update_ms);
    if (!c.store.put_state_machine(r))
      throw aws_error("StateMachineDoesNotExist", "State Machine Does Not Exist: '" + arn + "'");
    c.node.forget_machine(arn);
  }
  out o;
  o.time("updateDate", update_ms);
  if (r.update_ms) o.str("revisionId", r.revision_id);
  if (publish.value_or(false)) {
    try {
      o.str("stateMachineVersionArn",
            publish_version_of(c, r, version_description.value_or("")).arn);
    } catch (const aws_error& e) {
      // Over the versions quota the update does not happen either.
      if (changed && e.type == "ServiceQuotaExceededException") {
        c.store.put_state_machine(before);
        c.node.forget_machine(arn);
      }
      throw;
    }
  }
  c.ok(o.done());
}

void delete_state_machine(context& c) {
  auto arn = c.m.required_str("stateMachineArn", 1, 256);
  require_arn(arn, model::arn_kind::state_machine);
  c.store.delete_state_machine(arn);
  c.store.delete_versions_and_aliases(arn);
  c.node.forget_machine(arn);
  c.ok("{}");
}

void list_state_machines(context& c) {
  size_t limit = page_size(c.m);
  std::string after;
  if (auto tok = c.m.str("nextToken", 1, 1024)) after = decode_page_token(c.node.tokens(), "sm", *tok);
  // Only the caller's Region and account (ARNs sort by it: one range).
  const std::string prefix = namespace_prefix(c) + "stateMachine:";
  if (after < prefix) after = prefix;
  auto page = c.store.list_state_machines(after, limit);
  keep_prefix(page, prefix);
  out o;
  auto& w = o.key("stateMachines").writer();
  w.StartArray();
  for (auto& r : page.items) {
    w.StartObject();
    w.Key("stateMachineArn");
    w.String(r.arn.c_str());
    w.Key("name");
    w.String(r.name.c_str());
    w.Key("type");
    w.String(r.type.c_str());
    w.Key("creationDate");
    auto t = out::epoch_text(r.creation_ms);
    w.RawValue(t.c_str(), t.size(), rapidjson::kNumberType);
    w.EndObject();
  }
  w.EndArray();
  if (!page.next.empty()) o.str("nextToken", encode_page_token(c.node.tokens(), "sm", page.next));
  c.ok(o.done());
}

void describe_state_machine_for_execution(context& c) {
  auto arn = c.m.required_str("executionArn", 1, 256);
  bool all_data = read_included_data(c.m);
  if (describe_child_state_machine(c, arn)) return;  // a Map Run's child (map_runs.cpp)
  require_arn(arn, model::arn_kind::execution);
  auto e = c.store.get_execution(arn);
  if (!e) throw aws_error("ExecutionDoesNotExist", "Execution Does Not Exist: '" + arn + "'");
  auto parts = model::parse_arn(e->machine_arn);
  // The configuration (logging, tracing, encryption) is not frozen with the
  // execution: it comes from the version that ran, else from the machine
  // as it is now (defaults once it is gone).
  std::optional<cluster::state_machine_record> m =
      e->version_arn.empty() ? c.store.get_state_machine(e->machine_arn)
                             : c.store.get_version(e->version_arn);
  out o;
  o.str("stateMachineArn", e->machine_arn)
      .str("name", parts ? parts->machine : "")
      .str("definition", all_data ? e->definition : "{}")
      .str("roleArn", e->role_arn)
      .time("updateDate", e->machine_update_ms)
      .raw("loggingConfiguration", logging_or_default(m ? m->logging_json : ""));
  write_tracing(o, m && m->tracing_enabled);
  if (!e->revision_id.empty()) o.str("revisionId", e->revision_id);
  o.raw("encryptionConfiguration", encryption_or_default(m ? m->encryption_json : ""));
  if (all_data) write_variable_references(o, e->definition);
  c.ok(o.done());
}

}  // namespace sc::api

namespace sc::api {

void validate_state_machine_definition(context& c) {
  auto definition = c.m.required_str("definition", 1, 1048576);
  c.m.enumeration("type", {"STANDARD", "EXPRESS"});
  bool warnings = c.m.enumeration("severity", {"ERROR", "WARNING"}).value_or("ERROR") == "WARNING";
  auto max = c.m.integer("maxResults", 0, 100).value_or(0);
  size_t limit = max == 0 ? 100 : static_cast<size_t>(max);
  auto parsed = asl::parse(definition);
  // Errors first (they decide the result), then the warnings when asked.
  std::vector<std::pair<const char*, const asl::diagnostic*>> all;
  for (auto& d : parsed.diagnostics) all.emplace_back("ERROR", &d);
  if (warnings)
    for (auto& d : parsed.warnings) all.emplace_back("WARNING", &d);
  out o;
  o.str("result", parsed.def ? "OK" : "FAIL");
  auto& w = o.key("diagnostics").writer();
  w.StartArray();
  for (size_t i = 0; i < all.size() && i < limit; ++i) {
    const auto& [severity, d] = all[i];
    w.StartObject();
    w.Key("severity");
    w.String(severity);
    w.Key("code");
    w.String(d->code.c_str());
    w.Key("message");
    w.String(d->message.c_str(), static_cast<rapidjson::SizeType>(d->message.size()));
    if (!d->location.empty()) {
      w.Key("location");
      w.String(d->location.c_str(), static_cast<rapidjson::SizeType>(d->location.size()));
    }
    w.EndObject();
  }
  w.EndArray();
  o.boolean("truncated", all.size() > limit);
  c.ok(o.done());
}

}  // namespace sc::api
