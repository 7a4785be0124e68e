// The configuration members of state machines and activities, read with
// AWS's request rules and written back as DescribeStateMachine,
// DescribeStateMachineForExecution and DescribeActivity answer them:
// loggingConfiguration, tracingConfiguration, encryptionConfiguration, and
// the includedData request member.
#pragma once

#include "api/service.hpp"

#include <optional>
#include <string>

namespace sc::api {

/// loggingConfiguration as stored (normalised JSON text); "" when absent.
/// Throws InvalidLoggingConfiguration for a level other than OFF without
/// exactly one destination.
std::string read_logging(const members& m);
/// The answer's loggingConfiguration for a stored value ("" = OFF).
std::string logging_or_default(const std::string& stored);

/// tracingConfiguration.enabled; nullopt when absent.
std::optional<bool> read_tracing(const members& m);

/// encryptionConfiguration as stored (normalised JSON text); nullopt when
/// absent. AWS_OWNED_KEY takes no key; CUSTOMER_MANAGED_KMS_KEY needs
/// kmsKeyId, and kmsDataKeyReusePeriodSeconds defaults to 300
/// (InvalidEncryptionConfiguration otherwise). The key is not looked up:
/// there is no KMS here.
std::optional<std::string> read_encryption(const members& m);
/// The answer's encryptionConfiguration for a stored value ("" =
/// AWS_OWNED_KEY).
std::string encryption_or_default(const std::string& stored);

/// includedData: true for ALL_DATA (the default), false for METADATA_ONLY.
bool read_included_data(const members& m);

/// Writes `variableReferences` (state → variables read) for a definition
/// when any state reads a variable.
void write_variable_references(out& o, const std::string& definition);

}  // namespace sc::api
