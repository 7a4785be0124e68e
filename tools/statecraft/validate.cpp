// `statecraft validate FILE...`: static validation of definitions.
#include "runtime/asl/parse.hpp"
#include "runtime/json/json.hpp"
#include "tools/statecraft/cli.hpp"

#include <cstdlib>
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

/// `s` with line breaks and tabs written as escapes.
std::string one_line(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else out += c;
  }
  return out;
}

}  // namespace

void print_diagnostics(std::ostream& out, const std::string& name,
                       const std::vector<sc::asl::diagnostic>& diags) {
  for (const auto& d : diags) {
    out << name << ": " << d.code << ": " << one_line(d.message);
    if (!d.location.empty()) out << " at " << one_line(d.location);
    out << "\n";
  }
  out << name << ": InvalidDefinition: " << one_line(sc::asl::format_diagnostics(diags)) << "\n";
}

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
        if (!as_json) print_diagnostics(std::cout, name, parsed.diagnostics);
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
