#!/usr/bin/env bash
# Scale-out benchmark: 1, 2 and 3 statecraftd nodes on one Redis, each node
# in its own cgroup with the same CPU quota, Redis and the load generator in
# cgroups of their own. Needs root (cgroups), redis-server and redis-cli.
#
#   bench/scaleout/run.sh                 quick: 4 s per run, one round
#   bench/scaleout/run.sh --full          the docs' sizes: 15 s per run, 3 rounds
#   bench/scaleout/run.sh --ab /path/to/other/statecraftd
#                                         A/B: this build ("branch") against
#                                         another ("base"), alternating
#                                         the order round by round
#
# Other options go to bench/scaleout/scaleout.py (see its --help), e.g.
#   --nodes 1,2,3  --scenarios pass-chain,activity  --node-quota 0.3
#   --redis-quota 0 (no quota)  --gen-quota 0  --users-per-node 16
#   --workers-per-node 8  --duration S  --rounds R  --out DIR
#   --binary LABEL=PATH (repeatable; replaces the defaults)
#   --redis-masters 1,3 (Redis Cluster sizes instead of one plain Redis;
#   --redis-quota then applies to each master)
#
# Prints executions/s and tasks/s per cluster size, the efficiency
# rate(N) / (N x rate(1)), Redis commands, inbox messages (cross-node hops)
# and Redis bytes per execution; writes results.json, table.txt and each
# run's generator report and command into bench/results/scaleout-<time>/.
# Uses build/'s binaries (build them first: scripts/build.sh statecraftd statecraft).
set -euo pipefail
cd "$(dirname "$0")/../.."
ARGS=(--duration 4 --rounds 1)
BIN=(--binary "branch=$PWD/build/tools/statecraftd/statecraftd")
EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --full) ARGS=(--duration 15 --rounds 3) ;;
    --ab) BIN+=(--binary "base=${2:?}"); shift ;;
    --binary) BIN=(); EXTRA+=(--binary "${2:?}"); shift ;;
    *) EXTRA+=("$1") ;;
  esac
  shift
done
exec python3 bench/scaleout/scaleout.py "${ARGS[@]}" "${BIN[@]}" "${EXTRA[@]}"
