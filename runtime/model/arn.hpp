// ARNs and resource names as AWS Step Functions forms and checks them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sc::model {

enum class arn_kind { state_machine, execution, express_execution, activity };

/// A parsed Step Functions ARN:
///   arn:aws:states:REGION:ACCOUNT:stateMachine:NAME
///   arn:aws:states:REGION:ACCOUNT:execution:MACHINE:NAME
///   arn:aws:states:REGION:ACCOUNT:express:MACHINE:NAME:UUID
///   arn:aws:states:REGION:ACCOUNT:activity:NAME
struct arn {
  arn_kind kind = arn_kind::state_machine;
  std::string region;
  std::string account;
  std::string machine;  ///< state machine name (state_machine, execution kinds)
  std::string name;     ///< execution or activity name
};

/// Parses `text`; nullopt when it is not a well-formed Step Functions ARN.
std::optional<arn> parse_arn(std::string_view text);

std::string state_machine_arn(std::string_view region, std::string_view account,
                              std::string_view name);
std::string execution_arn(std::string_view region, std::string_view account,
                          std::string_view machine, std::string_view name);
std::string express_execution_arn(std::string_view region, std::string_view account,
                                  std::string_view machine, std::string_view name,
                                  std::string_view uuid);
std::string activity_arn(std::string_view region, std::string_view account,
                         std::string_view name);

/// The state machine ARN an execution ARN belongs to.
std::string machine_arn_of_execution(const arn& execution);

/// AWS's name rule for state machines, executions and activities: 1–80
/// characters, none of whitespace, < > { } [ ] ? * " # % \ ^ | ~ ` $ & , ; : /
/// or control characters. Returns an empty string when valid, else AWS's
/// message for InvalidName.
std::string check_name(std::string_view name);

}  // namespace sc::model
