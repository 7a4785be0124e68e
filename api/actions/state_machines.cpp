// CreateStateMachine, DescribeStateMachine, UpdateStateMachine,
// DeleteStateMachine, ListStateMachines, DescribeStateMachineForExecution.
#include "api/actions/map_runs.hpp"
#include "api/actions/qualified.hpp"
#include "runtime/asl/parse.hpp"
#include "runtime/model/arn.hpp"

namespace sc::api {

namespace {

const char* default_logging = "{\"level\":\"OFF\",\"includeExecutionData\":false}";

void check_definition(const std::string& def) {
  auto parsed = asl::parse(def);
  if (!parsed.def) throw aws_error("InvalidDefinition", asl::format_diagnostics(parsed.diagnostics));
}

/// loggingConfiguration as stored (normalised JSON text).
std::string read_logging(const members& m) {
  const json::value* lc = m.object("loggingConfiguration");
  if (!lc) return {};
  members lm(*lc);
  auto level = lm.str("level").value_or("OFF");
  if (level != "ALL" && level != "ERROR" && level != "FATAL" && level != "OFF")
    validation_error("'" + level + "'", "loggingConfiguration.level",
                     "Member must satisfy enum value set: [ALL, ERROR, FATAL, OFF]");
  bool include = lm.boolean("includeExecutionData").value_or(false);
  const json::value* dests = lm.array("destinations");
  if (level != "OFF" && (!dests || dests->Empty()))
    throw aws_error("InvalidLoggingConfiguration",
                    "Invalid Logging Configuration: Must specify exactly one Log Destination.");
  out o;
  o.str("level", level).boolean("includeExecutionData", include);
  if (dests) o.raw("destinations", json::dump(*dests));
  return o.done();
}

std::optional<bool> read_tracing(const members& m) {
  const json::value* tc = m.object("tracingConfiguration");
  if (!tc) return std::nullopt;
  return members(*tc).boolean("enabled").value_or(false);
}

std::string revision(int64_t) { return actors::random_uuid(); }

}  // namespace

void create_state_machine(context& c) {
  auto name = c.m.required_str("name", 1, 80);
  auto definition = c.m.required_str("definition", 1, 1048576);
  auto role = c.m.required_str("roleArn", 1, 256);
  auto type = c.m.str("type").value_or("STANDARD");
  require_name(name);
  if (type != "STANDARD" && type != "EXPRESS")
    validation_error("'" + type + "'", "type",
                     "Member must satisfy enum value set: [STANDARD, EXPRESS]");
  if (role.rfind("arn:", 0) != 0) throw aws_error("InvalidArn", "Invalid Arn: '" + role + "'");
  std::string arn = model::state_machine_arn(c.cfg.node.region, c.cfg.node.account_id, name);
  auto tags = read_tags(c.m.array("tags"), arn);
  if (tags.size() > 50) {
    aws_error e("TooManyTags", "Too many tags: the limit is 50 tags per resource");
    e.extra_json = "\"resourceName\":" + json::quote(arn);
    throw e;
  }
  auto logging = read_logging(c.m);
  auto tracing = read_tracing(c.m);
  std::optional<bool> publish;
  std::optional<std::string> version_description;
  check_publish_members(c.m, publish, version_description);
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
  cluster::state_machine_record existing;
  switch (c.store.create_state_machine(r, existing)) {
    case cluster::create_outcome::created:
      if (!tags.empty()) c.store.set_tags(arn, tags);
      break;
    case cluster::create_outcome::existing:
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
  c.m.str("includedData");
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
      .str("definition", r.definition)
      .str("roleArn", r.role_arn)
      .str("type", r.type)
      .time("creationDate", r.creation_ms)
      .raw("loggingConfiguration", r.logging_json.empty() ? default_logging : r.logging_json);
  o.key("tracingConfiguration").writer().StartObject();
  o.writer().Key("enabled");
  o.writer().Bool(r.tracing_enabled);
  o.writer().EndObject();
  if (r.update_ms) o.str("revisionId", r.revision_id);
  if (!r.description.empty()) o.str("description", r.description);
  c.ok(o.done());
}

void update_state_machine(context& c) {
  auto arn = c.m.required_str("stateMachineArn", 1, 256);
  auto definition = c.m.str("definition", 1, 1048576);
  auto role = c.m.str("roleArn", 1, 256);
  bool has_logging = c.m.object("loggingConfiguration") != nullptr;
  auto logging = read_logging(c.m);
  auto tracing = read_tracing(c.m);
  std::optional<bool> publish;
  std::optional<std::string> version_description;
  check_publish_members(c.m, publish, version_description);
  require_arn(arn, model::arn_kind::state_machine);
  if (!definition && !role && !has_logging && !tracing)
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
  // An update that changes nothing makes no new revision (AWS: publishing
  // it then answers the existing version).
  bool changed = r.definition != before.definition || r.role_arn != before.role_arn ||
                 r.logging_json != before.logging_json ||
                 r.tracing_enabled != before.tracing_enabled;
  int64_t update_ms = actors::now_ms();
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
    if (r.status == "DELETING")
      throw aws_error("StateMachineDeleting", "State machine is being deleted: '" + arn + "'");
    o.str("stateMachineVersionArn",
          publish_version_of(c, r, version_description.value_or("")).arn);
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
  auto page = c.store.list_state_machines(after, limit);
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
  c.m.str("includedData");
  if (describe_child_state_machine(c, arn)) return;  // a Map Run's child (map_runs.cpp)
  require_arn(arn, model::arn_kind::execution);
  auto e = c.store.get_execution(arn);
  if (!e) throw aws_error("ExecutionDoesNotExist", "Execution Does Not Exist: '" + arn + "'");
  auto parts = model::parse_arn(e->machine_arn);
  out o;
  o.str("stateMachineArn", e->machine_arn)
      .str("name", parts ? parts->machine : "")
      .str("definition", e->definition)
      .str("roleArn", e->role_arn)
      .time("updateDate", e->machine_update_ms)
      .raw("loggingConfiguration", default_logging);
  o.key("tracingConfiguration").writer().StartObject();
  o.writer().Key("enabled");
  o.writer().Bool(false);
  o.writer().EndObject();
  if (!e->revision_id.empty()) o.str("revisionId", e->revision_id);
  c.ok(o.done());
}

}  // namespace sc::api

namespace sc::api {

void validate_state_machine_definition(context& c) {
  auto definition = c.m.required_str("definition", 1, 1048576);
  auto type = c.m.str("type").value_or("STANDARD");
  auto severity = c.m.str("severity").value_or("ERROR");
  auto max = c.m.integer("maxResults").value_or(0);
  if (type != "STANDARD" && type != "EXPRESS")
    validation_error("'" + type + "'", "type",
                     "Member must satisfy enum value set: [STANDARD, EXPRESS]");
  if (severity != "ERROR" && severity != "WARNING")
    validation_error("'" + severity + "'", "severity",
                     "Member must satisfy enum value set: [ERROR, WARNING]");
  if (max < 0 || max > 100)
    validation_error("'" + std::to_string(max) + "'", "maxResults",
                     "Member must have value less than or equal to 100");
  size_t limit = max == 0 ? 100 : static_cast<size_t>(max);
  auto parsed = asl::parse(definition);
  out o;
  o.str("result", parsed.def ? "OK" : "FAIL");
  auto& w = o.key("diagnostics").writer();
  w.StartArray();
  size_t n = 0;
  for (auto& d : parsed.diagnostics) {
    if (n++ == limit) break;
    w.StartObject();
    w.Key("severity");
    w.String("ERROR");
    w.Key("code");
    w.String(d.code.c_str());
    w.Key("message");
    w.String(d.message.c_str());
    if (!d.location.empty()) {
      w.Key("location");
      w.String(d.location.c_str());
    }
    w.EndObject();
  }
  w.EndArray();
  o.boolean("truncated", parsed.diagnostics.size() > limit);
  c.ok(o.done());
}

}  // namespace sc::api
