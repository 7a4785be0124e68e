// What the AWS SDKs read from the machine, read once: the AWS_* environment
// variables and the shared config and credentials files
// (AWS_CONFIG_FILE / ~/.aws/config, AWS_SHARED_CREDENTIALS_FILE /
// ~/.aws/credentials). runtime/aws/resolve.hpp decides from them.
#pragma once

#include "config/settings.hpp"
#include "runtime/aws/resolve.hpp"

namespace sc::actors {

aws::environment read_aws_environment();
/// Statecraft's `aws:` settings in the resolver's terms.
aws::statecraft_aws statecraft_aws_of(const config::aws_settings& s);

}  // namespace sc::actors
