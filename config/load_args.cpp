// The command line: flags from the key table (fields.hpp), --config files
// applied first, --help and --version.
#include "config/fields.hpp"
#include "config/load.hpp"

#include <exception>

namespace sc::config {
namespace {
using namespace detail;

// ---------------------------------------------------------------------------
// Command line.

constexpr std::string_view kConfigFlag = "--config";
constexpr std::string_view kHelpFlag = "--help";
constexpr std::string_view kVersionFlag = "--version";

std::vector<std::string> all_flags() {
  std::vector<std::string> out{std::string(kConfigFlag), std::string(kHelpFlag),
                               std::string(kVersionFlag)};
  for (const auto& f : fields())
    if (!f.flag.empty()) out.emplace_back(f.flag);
  return out;
}

const field* find_flag(std::string_view name) {
  for (const auto& f : fields())
    if (!f.flag.empty() && f.flag == name) return &f;
  return nullptr;
}

/// "unknown flag '--prot' (did you mean '--port'?)", or a hint to use the
/// config file when the name is a key without a flag.
std::string unknown_flag(std::string_view name) {
  std::string msg = "unknown flag '" + std::string(name) + "'";
  std::string_view bare = name;
  while (!bare.empty() && bare.front() == '-') bare.remove_prefix(1);
  std::vector<std::string> flags = all_flags();
  std::vector<std::string> bare_flags;
  for (const auto& f : flags) bare_flags.push_back(f.substr(2));
  if (auto c = closest(bare, bare_flags)) return msg + " (did you mean '--" + *c + "'?)";
  for (const auto& f : fields())
    if (normalize(f.key) == normalize(bare))
      return msg + " (set " + f.path() + " in the --config file instead)";
  return msg + " (see --help)";
}

struct token {
  std::string flag;   ///< "--port"
  std::string value;  ///< "8083"
};

}  // namespace

std::string usage() {
  const settings defaults;
  std::string out =
      "Usage: statecraftd [options]\n"
      "\n"
      "Runs a Statecraft node: an AWS Step Functions compatible service speaking\n"
      "the AWS-JSON API. Settings start from the defaults, then --config FILE is\n"
      "applied, then the other flags (whatever their position on the line).\n"
      "Flags take their value as '--flag VALUE' or '--flag=VALUE'.\n"
      "\n"
      "Options:\n";
  auto line = [&](std::string left, std::string_view help) {
    left = "  " + left;
    if (left.size() < 36) left.resize(36, ' ');
    else left += "  ";
    out += left + std::string(help) + "\n";
  };
  line("--config FILE", "YAML config file (see statecraft.example.yaml); may be repeated");
  for (const auto& f : fields()) {
    if (f.flag.empty()) continue;
    std::string help(f.help);
    const std::string def = f.show(defaults);
    if (!f.secret && !def.empty()) help += " (default " + def + ")";
    line(std::string(f.flag) + " " + std::string(f.metavar), help);
  }
  line("-h, --help", "Show this help and exit");
  line("--version", "Print the version and exit");
  out +=
      "\n"
      "Keys without a flag (api.*, executions.history_event_limit, store.backend,\n"
      "store.retention_hours) are set in the config file.\n";
  return out;
}

std::string version() {
#ifdef STATECRAFT_VERSION
  return STATECRAFT_VERSION;
#else
  return "0.1.0";
#endif
}

cli_result apply_args(int argc, char** argv, settings& s) {
  cli_result r;
  try {
    std::vector<std::string> configs;
    std::vector<token> tokens;
    bool help = false, show_version = false;
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i] ? argv[i] : "";
      if (arg == "-h") {
        help = true;
        continue;
      }
      if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
        if (!arg.empty() && arg.front() == '-') {
          r.problems.push_back(unknown_flag(arg));
          if (arg.find('=') == std::string::npos && i + 1 < argc && argv[i + 1] &&
              argv[i + 1][0] != '-')
            ++i;  // presumably its value
        } else {
          r.problems.push_back("unexpected argument " + quoted(arg) + " (see --help)");
        }
        continue;
      }
      const auto eq = arg.find('=');
      const std::string name = arg.substr(0, eq);
      const bool inline_value = eq != std::string::npos;
      const std::string inline_text = inline_value ? arg.substr(eq + 1) : "";
      if (name == kHelpFlag || name == kVersionFlag) {
        if (inline_value) r.problems.push_back(name + ": takes no value");
        (name == kHelpFlag ? help : show_version) = true;
        continue;
      }
      const field* f = find_flag(name);
      if (!f && name != kConfigFlag) {
        r.problems.push_back(unknown_flag(name));
        // Skip what is presumably its value, to avoid a second complaint.
        if (!inline_value && i + 1 < argc && argv[i + 1] && argv[i + 1][0] != '-') ++i;
        continue;
      }
      std::string value;
      if (inline_value) {
        value = inline_text;
      } else if (i + 1 < argc && argv[i + 1] &&
                 std::string_view(argv[i + 1]).substr(0, 2) != "--") {
        value = argv[++i];
      } else {
        const std::string_view mv = f ? f->metavar : "FILE";
        r.problems.push_back(name + ": missing value (" + name + " " + std::string(mv) + ")");
        continue;
      }
      if (name == kConfigFlag) {
        if (value.empty()) r.problems.push_back(name + ": missing file name");
        else configs.push_back(value);
      } else {
        tokens.push_back({name, value});
      }
    }

    if (help) {
      return cli_result{true, 0, usage(), {}};
    }
    if (show_version) {
      return cli_result{true, 0, "statecraftd " + version() + "\n", {}};
    }

    for (const auto& path : configs)
      for (auto& p : load_file(path, s)) r.problems.push_back(std::move(p));
    for (const auto& t : tokens) {
      const field* f = find_flag(t.flag);
      if (!f) continue;  // cannot happen: filtered above
      if (f->parse(t.value, s)) {
        if (f->on_flag) f->on_flag(s);
      } else {
        r.problems.push_back(t.flag + ": " + f->complaint(t.value));
      }
    }
    for (auto& p : validate(s)) r.problems.push_back(std::move(p));
  } catch (const std::exception& e) {
    r.problems.push_back(std::string("internal error while reading the command line: ") + e.what());
  }
  if (!r.problems.empty()) {
    r.exit = true;
    r.exit_code = 2;
  }
  return r;
}

}  // namespace sc::config
