// Reading the `outbound:` section and the `connections:` list from YAML
// (config/outbound.hpp describes them). Private to config/: load_yaml.cpp hands
// these two top-level keys here.
#pragma once

#include "config/settings.hpp"

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>
#include <vector>

namespace sc::config::detail {

/// "outbound" and "connections": the top-level keys read here.
bool is_outbound_key(std::string_view name);

/// Applies one of them over `s`; every problem goes to `out` as
/// "PATH:LINE:COL: key.path: message" (never a secret's value).
void apply_outbound_key(const std::string& name, const YAML::Node& value, const std::string& path,
                        settings& s, std::vector<std::string>& out);

/// Cross-key rules of these settings (also for flags and defaults).
std::vector<std::string> validate_outbound(const settings& s);

/// An allow-list entry's form: host name, *.domain, IP address or CIDR.
bool valid_allow_entry(std::string_view entry);

}  // namespace sc::config::detail
