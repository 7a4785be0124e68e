// statecraft-traffic: option handling and the run.
#include "tools/traffic/traffic.hpp"

#include "tools/traffic/runner.hpp"

#include <sys/resource.h>

#include <csignal>
#include <exception>
#include <iostream>

int run_traffic(int argc, char** argv) {
  using namespace sc::traffic;
  std::string prog = argc > 0 && argv[0] ? argv[0] : "statecraft-traffic";
  if (auto slash = prog.rfind('/'); slash != std::string::npos) prog = prog.substr(slash + 1);
  options o;
  auto problems = parse_options(argc, argv, o);
  if (o.help) {
    std::cout << usage(prog);
    return 0;
  }
  if (!problems.empty()) {
    for (auto& p : problems) std::cerr << "statecraft-traffic: " << p << "\n";
    std::cerr << "\n" << usage(prog);
    return 2;
  }
  std::vector<endpoint> eps;
  for (auto& url : o.endpoints) {
    std::string err;
    auto ep = parse_endpoint(url, err);
    if (!ep) {
      std::cerr << "statecraft-traffic: " << err << "\n\n" << usage(prog);
      return 2;
    }
    eps.push_back(std::move(*ep));
  }
  if (o.workers_given > 0 && o.workers_given != o.workers)
    std::cerr << "statecraft-traffic: note: --workers-per-node " << o.workers_per_node << " x "
              << eps.size() << " endpoint(s) = " << o.workers << " workers (--workers " << o.workers_given
              << " ignored)\n";
  // Many connections (parked polls) need many descriptors: raise the soft
  // limit to the hard one.
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  size_t needed = static_cast<size_t>(o.connections) + 64 +
                  (o.scenario == "activity" || o.scenario == "polls" || o.scenario == "mix" ? o.workers : 0);
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < needed)
    std::cerr << "statecraft-traffic: warning: " << needed << " descriptors wanted, the limit is " << rl.rlim_cur
              << "\n";
  std::signal(SIGPIPE, SIG_IGN);
  try {
    runner r(o, std::move(eps));
    return r.run();
  } catch (const std::exception& e) {
    std::cerr << "statecraft-traffic: " << e.what() << "\n";
    return 1;
  }
}
