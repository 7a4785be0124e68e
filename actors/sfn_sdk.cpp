// aws-sdk:sfn:<action> request and response shapes (sfn_sdk.hpp).
#include "actors/sfn_sdk.hpp"

#include "actors/node.hpp"
#include "runtime/json/json.hpp"
#include "runtime/model/time.hpp"

#include <cctype>
#include <cmath>
#include <string_view>

namespace sc::actors {

namespace {

bool timestamp_member(std::string_view k) {
  // The members of timestamp type in the Step Functions API model.
  return k == "creationDate" || k == "redriveDate" || k == "startDate" || k == "stopDate" ||
         k == "timestamp" || k == "updateDate";
}

bool map_member(std::string_view k) {
  return k == "variableReferences" || k == "assignedVariables";
}

bool text_member(std::string_view k) {
  return k == "input" || k == "output" || k == "definition" || k == "variables" ||
         k == "context";
}

std::string with_first(std::string_view k, bool upper) {
  std::string s(k);
  if (!s.empty())
    s[0] = static_cast<char>(upper ? std::toupper(static_cast<unsigned char>(s[0]))
                                   : std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

/// Java's Instant.toString: milliseconds only when there are some.
std::string sdk_timestamp(double epoch_seconds) {
  auto ms = static_cast<int64_t>(std::llround(epoch_seconds * 1000.0));
  std::string s = model::format_iso8601(ms);
  if (ms % 1000 == 0 && s.size() > 5 && s.compare(s.size() - 5, 5, ".000Z") == 0)
    s.replace(s.size() - 5, 5, "Z");
  return s;
}

void recase(const json::value& in, json::value& out, json::allocator& a, bool upper, bool top) {
  if (in.IsObject()) {
    out.SetObject();
    for (auto& m : in.GetObject()) {
      std::string_view key(m.name.GetString(), m.name.GetStringLength());
      std::string name = with_first(key, upper);
      json::value v;
      if (upper && map_member(key)) {
        v.CopyFrom(m.value, a);
      } else if (upper && timestamp_member(key) && m.value.IsNumber()) {
        std::string ts = sdk_timestamp(m.value.GetDouble());
        v.SetString(ts.data(), static_cast<rapidjson::SizeType>(ts.size()), a);
      } else if (!upper && top && text_member(name) && !m.value.IsString() &&
                 !m.value.IsNull()) {
        std::string text = json::dump(m.value);
        v.SetString(text.data(), static_cast<rapidjson::SizeType>(text.size()), a);
      } else {
        recase(m.value, v, a, upper, false);
      }
      out.AddMember(json::value(name.data(), static_cast<rapidjson::SizeType>(name.size()), a),
                    v, a);
    }
  } else if (in.IsArray()) {
    out.SetArray();
    for (auto& e : in.GetArray()) {
      json::value v;
      recase(e, v, a, upper, false);
      out.PushBack(v, a);
    }
  } else {
    out.CopyFrom(in, a);
  }
}

std::string recased(const std::string& text, bool upper) {
  json::document in;
  if (!json::parse(text, in) || !in.IsObject()) return "{}";
  json::document out;
  recase(in, out, out.GetAllocator(), upper, true);
  return json::dump(out);
}

}  // namespace

std::string sdk_operation(const std::string& action) { return with_first(action, true); }

std::string sdk_request_body(const std::string& parameters) { return recased(parameters, false); }

std::string sdk_result(const std::string& response_body) { return recased(response_body, true); }

sdk_error sdk_failure(int status, const std::string& type, const std::string& message) {
  sdk_error e;
  const bool suffixed =
      type.size() > 9 && type.compare(type.size() - 9, 9, "Exception") == 0;
  e.error = "Sfn." + type + (suffixed ? "" : "Exception");
  std::string text = type == "InvalidToken" ? "Invalid Token: '" + message + "'" : message;
  e.cause = text + " (Service: Sfn, Status Code: " + std::to_string(status) +
            ", Request ID: " + random_uuid() + ") (SDK Attempt Count: 1)";
  return e;
}

void error_of(const std::string& response_body, std::string& type, std::string& message) {
  json::document d;
  type = "ServiceException";
  message.clear();
  if (json::parse(response_body, d) && d.IsObject()) {
    if (auto t = d.FindMember("__type"); t != d.MemberEnd() && t->value.IsString()) {
      type = t->value.GetString();
      if (auto hash = type.rfind('#'); hash != std::string::npos) type = type.substr(hash + 1);
    }
    if (auto m = d.FindMember("message"); m != d.MemberEnd() && m->value.IsString())
      message = m->value.GetString();
  }
}

sdk_error sdk_failure(int status, const std::string& response_body) {
  std::string type, message;
  error_of(response_body, type, message);
  return sdk_failure(status, type, message);
}

sdk_error optimized_failure(const std::string& type, const std::string& message) {
  sdk_error e;
  const bool suffixed =
      type.size() > 9 && type.compare(type.size() - 9, 9, "Exception") == 0;
  e.error = "StepFunctions." + type + (suffixed ? "" : "Exception");
  e.cause = message + " (Service: AWSStepFunctions; Status Code: 400; Error Code: " + type +
            "; Request ID: " + random_uuid() + "; Proxy: null)";
  return e;
}

}  // namespace sc::actors
