// statecraft-traffic: standalone entry point (also `statecraft traffic`).
#include "tools/traffic/traffic.hpp"

int main(int argc, char** argv) { return run_traffic(argc, argv); }
