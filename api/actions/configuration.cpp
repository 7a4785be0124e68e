// Configuration members (see configuration.hpp).
#include "api/actions/configuration.hpp"

#include "runtime/asl/analysis.hpp"

namespace sc::api {

namespace {

const char* default_logging = "{\"level\":\"OFF\",\"includeExecutionData\":false}";
const char* default_encryption = "{\"type\":\"AWS_OWNED_KEY\"}";

[[noreturn]] void invalid_encryption(const std::string& why) {
  throw aws_error("InvalidEncryptionConfiguration", "Invalid Encryption Configuration: " + why);
}

}  // namespace

std::string read_logging(const members& m) {
  const json::value* lc = m.object("loggingConfiguration");
  if (!lc) return {};
  members lm(*lc, "loggingConfiguration.");
  auto level = lm.enumeration("level", {"ALL", "ERROR", "FATAL", "OFF"}).value_or("OFF");
  bool include = lm.boolean("includeExecutionData").value_or(false);
  const json::value* dests = lm.array("destinations");
  std::string dest_json = "[";
  if (dests) {
    rapidjson::SizeType i = 0;
    for (auto& e : dests->GetArray()) {
      std::string at = "loggingConfiguration.destinations." + std::to_string(++i) + ".member.";
      if (!e.IsObject())
        throw aws_error("SerializationException",
                        "Expected an object in loggingConfiguration.destinations");
      dest_json += i > 1 ? ",{" : "{";
      if (const json::value* g = members(e, at).object("cloudWatchLogsLogGroup")) {
        auto arn = members(*g, at + "cloudWatchLogsLogGroup.").str("logGroupArn", 1, 256);
        dest_json += "\"cloudWatchLogsLogGroup\":{";
        if (arn) dest_json += "\"logGroupArn\":" + json::quote(*arn);
        dest_json += "}";
      }
      dest_json += "}";
    }
  }
  dest_json += "]";
  if (level != "OFF" && (!dests || dests->Size() != 1))
    throw aws_error("InvalidLoggingConfiguration",
                    "Invalid Logging Configuration: Must specify exactly one Log Destination.");
  out o;
  o.str("level", level).boolean("includeExecutionData", include);
  if (dests) o.raw("destinations", dest_json);
  return o.done();
}

std::string logging_or_default(const std::string& stored) {
  return stored.empty() ? default_logging : stored;
}

std::optional<bool> read_tracing(const members& m) {
  const json::value* tc = m.object("tracingConfiguration");
  if (!tc) return std::nullopt;
  return members(*tc, "tracingConfiguration.").boolean("enabled").value_or(false);
}

std::optional<std::string> read_encryption(const members& m) {
  const json::value* ec = m.object("encryptionConfiguration");
  if (!ec) return std::nullopt;
  members em(*ec, "encryptionConfiguration.");
  auto key = em.str("kmsKeyId", 1, 2048);
  auto period = em.integer("kmsDataKeyReusePeriodSeconds", 60, 900);
  auto type = em.enumeration("type", {"AWS_OWNED_KEY", "CUSTOMER_MANAGED_KMS_KEY"});
  if (!type) missing_member(em.at("type"));
  if (*type == "AWS_OWNED_KEY") {
    if (key || period)
      invalid_encryption(
          "kmsKeyId and kmsDataKeyReusePeriodSeconds can only be set with type "
          "CUSTOMER_MANAGED_KMS_KEY.");
    return std::string(default_encryption);
  }
  if (!key) invalid_encryption("kmsKeyId is required with type CUSTOMER_MANAGED_KMS_KEY.");
  out o;
  o.str("kmsKeyId", *key).num("kmsDataKeyReusePeriodSeconds", period.value_or(300));
  o.str("type", *type);
  return o.done();
}

std::string encryption_or_default(const std::string& stored) {
  return stored.empty() ? default_encryption : stored;
}

bool read_included_data(const members& m) {
  return m.enumeration("includedData", {"ALL_DATA", "METADATA_ONLY"}).value_or("ALL_DATA") ==
         "ALL_DATA";
}

void write_variable_references(out& o, const std::string& definition) {
  auto refs = asl::variable_references(definition);
  if (refs.empty()) return;
  auto& w = o.key("variableReferences").writer();
  w.StartObject();
  for (const auto& [state, names] : refs) {
    w.Key(state.c_str(), static_cast<rapidjson::SizeType>(state.size()));
    w.StartArray();
    for (const auto& n : names) w.String(n.c_str(), static_cast<rapidjson::SizeType>(n.size()));
    w.EndArray();
  }
  w.EndObject();
}

}  // namespace sc::api
