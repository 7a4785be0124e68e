// State machine versions and aliases: the helpers the actions share
// (versions.cpp, aliases.cpp, state_machines.cpp, executions.cpp).
#pragma once

#include "api/service.hpp"

namespace sc::api {

/// A state machine ARN with an optional qualifier:
/// `arn:aws:states:R:A:stateMachine:NAME[:QUALIFIER]`. A qualifier of digits
/// only names a version, any other an alias.
struct machine_ref {
  std::string arn;          ///< as given
  std::string machine_arn;  ///< without the qualifier
  std::string qualifier;    ///< "" = unqualified
  bool version() const { return !qualifier.empty() && qualifier.find_first_not_of("0123456789") == std::string::npos; }
  bool alias() const { return !qualifier.empty() && !version(); }
};

/// Parses a state machine, version or alias ARN; InvalidArn otherwise.
machine_ref parse_machine_ref(const std::string& arn);

/// AWS's quotas: versions per state machine, aliases per state machine.
inline constexpr size_t max_versions = 1000;
inline constexpr size_t max_aliases = 100;

/// Publishes the machine's current revision as a version (or returns the
/// newest version when it froze that revision already). Throws
/// ServiceQuotaExceededException past max_versions.
cluster::state_machine_record publish_version_of(context& c, const cluster::state_machine_record& m,
                                                 const std::string& description);

/// "Version description can only be set when publish is true".
void check_publish_members(const members& m, std::optional<bool>& publish,
                           std::optional<std::string>& description);

/// The version (or, for an alias ARN, the version the alias picks at random
/// by weight) to start; throws StateMachineDoesNotExist when absent.
struct start_target {
  cluster::state_machine_record version;  ///< arn = the version ARN
  std::string alias_arn;
};
start_target resolve_start_target(context& c, const machine_ref& ref);

}  // namespace sc::api
