// `statecraft validate FILE...`: static validation of definitions.
#include "runtime/asl/parse.hpp"
#include "runtime/json/json.hpp"
#include "tools/statecraft/cli.hpp"

#include <iostream>

namespace statecraft {

namespace {

const subcommand& self() {
  for (const auto& c : subcommands())
    if (c.name == "validate") return c;
  std::abort();
}

std::string diagnostics_json(const std::vector<sc::asl::diagnostic>& diags) {
  std::string s = "[";
  for (size_t i = 0; i < diags.size(); ++i) {
    const auto& d = diags[i];
    s += (i ? "," : "");
    s += "{\"code\":" + sc::json::quote(d.code) + ",\"message\":" + sc::json::quote(d.message) +
         ",\"location\":" + sc::json::quote(d.location) + "}";
  }
  return s + "]";
}

}  // namespace

int cmd_validate(const std::vector<std::string>& args) {
  auto a = parse_args(args, {{"--json", false}});
  if (a.help) {
    print_help(self());
    return exit_ok;
  }
  if (!a.error.empty()) return usage_error(self(), a.error);
  if (a.positional.empty()) return usage_error(self(), "no definition file given");
  size_t stdin_count = 0;
  for (const auto& f : a.positional) stdin_count += f == "-";
  if (stdin_count > 1) return usage_error(self(), "standard input (-) can only be given once");

  const bool as_json = a.has("--json");
  bool any_invalid = false, any_unreadable = false;
  std::string files_json;
  for (const auto& path : a.positional) {
    const std::string name = display_name(path);
    std::string text, error;
    std::string entry = "{\"file\":" + sc::json::quote(name);
    if (!read_source(path, text, error)) {
      any_unreadable = true;
      std::cerr << "statecraft validate: " << error << "\n";
      entry += ",\"valid\":false,\"diagnostics\":[],\"error\":" + sc::json::quote(error) + "}";
    } else {
      auto parsed = sc::asl::parse(text);
      if (parsed.def) {
        if (!as_json) std::cout << name << ": OK\n";
        entry += ",\"valid\":true,\"diagnostics\":[]}";
      } else {
        any_invalid = true;
        std::string message = sc::asl::format_diagnostics(parsed.diagnostics);
        if (!as_json) {
          for (const auto& d : parsed.diagnostics) {
            std::cout << name << ": " << d.code << ": " << d.message;
            if (!d.location.empty()) std::cout << " at " << d.location;
            std::cout << "\n";
          }
          std::cout << name << ": InvalidDefinition: " << message << "\n";
        }
        entry += ",\"valid\":false,\"diagnostics\":" + diagnostics_json(parsed.diagnostics) +
                 ",\"message\":" + sc::json::quote(message) + "}";
      }
    }
    files_json += (files_json.empty() ? "" : ",") + entry;
  }
  if (as_json)
    std::cout << "{\"valid\":" << (any_invalid || any_unreadable ? "false" : "true")
              << ",\"files\":[" << files_json << "]}\n";
  std::cout.flush();
  if (any_unreadable) return exit_usage;
  return any_invalid ? exit_failed : exit_ok;
}

}  // namespace statecraft
