// The `auth:` and `throttling:` sections of the config file: lists and
// mappings the scalar key table of load.cpp does not describe. Internal to
// sc_config (load_yaml.cpp and load.cpp call these).
#pragma once

#include "config/settings.hpp"

#include <string>
#include <vector>

namespace YAML {
class Node;
}

namespace sc::config::detail {

/// True when `name` is one of the sections read here.
bool is_security_section(const std::string& name);

/// Reads section `name` ("auth" or "throttling") into `s`, appending one
/// line per problem ("PATH:LINE:COL: auth.keys[1].permissions: ...").
void apply_security_section(const std::string& name, const YAML::Node& body,
                            const std::string& path, settings& s, std::vector<std::string>& out);

/// Cross-key rules of these sections (sigv4 needs keys, no duplicate ids).
void validate_security(const settings& s, std::vector<std::string>& out);

/// The operations whose rate AWS documents (throttling.rates keys).
const std::vector<std::string>& throttled_operations();

}  // namespace sc::config::detail
