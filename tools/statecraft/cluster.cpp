// `statecraft cluster status --redis URL`: nodes, heartbeats and shard
// ownership of a cluster, read straight from its Redis.
#include "cli.hpp"

#include "cluster/coordinator.hpp"

#include <iostream>

namespace statecraft {

int cmd_cluster_status(const std::vector<std::string>& args) {
  std::string url;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--redis" && i + 1 < args.size()) {
      url = args[++i];
    } else if (a.rfind("--redis=", 0) == 0) {
      url = a.substr(8);
    } else {
      std::cerr << "statecraft cluster status: unknown argument '" << a << "'\n"
                << "usage: statecraft cluster status --redis URL\n";
      return 2;
    }
  }
  if (url.empty()) {
    std::cerr << "statecraft cluster status: --redis URL is required\n";
    return 2;
  }
  std::string error;
  auto status = sc::cluster::read_cluster_status(url, &error);
  if (!status) {
    std::cerr << "statecraft cluster status: " << error << "\n";
    return 1;
  }
  std::cout << sc::cluster::format_cluster_status(*status);
  return 0;
}

}  // namespace statecraft
