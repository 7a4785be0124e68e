// statecraft-traffic: load generator and benchmark driver for the AWS Step
// Functions API (Statecraft or moto). Wired as `statecraft traffic` and as
// the standalone `statecraft-traffic`.
#pragma once

/// Runs the generator with the given arguments (argv[0] is the program or
/// subcommand name). Returns the exit status: 0 every execution verified, 1 a
/// correctness failure, 2 bad usage.
int run_traffic(int argc, char** argv);
