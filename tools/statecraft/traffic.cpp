// `statecraft traffic ...`: the load generator (tools/traffic).
#include "cli.hpp"

#include "tools/traffic/traffic.hpp"

#include <string>
#include <vector>

namespace statecraft {

int cmd_traffic(const std::vector<std::string>& args) {
  std::vector<std::string> storage;
  storage.push_back("statecraft traffic");
  for (const auto& a : args) storage.push_back(a);
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  return ::run_traffic(static_cast<int>(storage.size()), argv.data());
}

}  // namespace statecraft
