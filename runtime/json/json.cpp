#include "runtime/json/json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace sc::json {

bool parse(std::string_view text, document& out, std::string* error) {
  // Without kParseStopWhenDoneFlag RapidJSON rejects anything but whitespace
  // after the root value.
  out.Parse<rapidjson::kParseFullPrecisionFlag>(text.data(), text.size());
  if (out.HasParseError()) {
    if (error)
      *error = std::string(rapidjson::GetParseError_En(out.GetParseError())) + " at offset " +
               std::to_string(out.GetErrorOffset());
    return false;
  }
  return true;
}

bool valid(std::string_view text) {
  document d;
  return parse(text, d);
}

std::string dump(const value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

const char* type_name(const value& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType: return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType: return "boolean";
    case rapidjson::kObjectType: return "object";
    case rapidjson::kArrayType: return "array";
    case rapidjson::kStringType: return "string";
    case rapidjson::kNumberType: return "number";
  }
  return "unknown";
}

std::string escape(std::string_view s) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  std::string out(buf.GetString() + 1, buf.GetSize() - 2);
  return out;
}

}  // namespace sc::json
