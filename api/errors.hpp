// API errors. Actions throw `aws_error`; service.cpp alone turns it into the
// wire form (HTTP status, {"__type","message"} body, x-amzn-ErrorType).
#pragma once

#include <stdexcept>
#include <string>

namespace sc::api {

struct aws_error : std::runtime_error {
  aws_error(std::string type, std::string message, int status = 400)
      : std::runtime_error(message), type(std::move(type)), message(std::move(message)),
        status(status) {}
  std::string type;
  /// The whole message (what() stops at a NUL the client put in a name).
  std::string message;
  int status;
  std::string extra_json;  ///< extra members for the error body (e.g. resourceName)
};

/// AWS Coral's message for a constraint violation on one member:
/// "1 validation error detected: Value 'x' at 'name' failed to satisfy
/// constraint: Member must have length less than or equal to 80".
[[noreturn]] void validation_error(const std::string& value_shown, const std::string& member,
                                   const std::string& constraint);

/// "Value null at 'x' failed to satisfy constraint: Member must not be null".
[[noreturn]] void missing_member(const std::string& member);

}  // namespace sc::api
