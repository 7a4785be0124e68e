#!/usr/bin/env bash
# A/B of a node's throughput and CPU per execution, two node binaries
# alternating run by run on one machine (docs/benchmarks.md, "Security
# features off: figures unchanged"):
#
#   bench/security_ab.sh OLD_BIN NEW_BIN [SCENARIO] [ROUNDS] [SECONDS] [-- node flags of NEW]
#
# SCENARIO: pass-chain (default) or express-sync. Each run: a fresh node
# (memory store) on a random loopback port, a 2 s warm-up, then SECONDS of
# `statecraft-traffic --scenario SCENARIO --concurrency 32`; the node's CPU
# is its utime+stime from /proc/PID/stat over the measured run. Prints per
# run: label, executions completed, executions/s, node CPU µs per execution,
# mismatches/failed/throttled. Node flags after -- go to NEW only (e.g. a
# --config enabling throttling, to measure quotas on). STATECRAFT_TRAFFIC
# overrides the generator (default build/). With SC_AB_REDIS_PORT=P (the
# nodes on a redis-server at 127.0.0.1:P, e.g. through wrapper scripts that
# add --redis), each line also shows that Redis's CPU µs per execution
# (INFO cpu, used_cpu_user + used_cpu_sys, over the measured run).
set -uo pipefail
cd "$(dirname "$0")/.."
old=${1:?old binary}; new=${2:?new binary}; scenario=${3:-pass-chain}; rounds=${4:-3}; secs=${5:-8}
shift $(( $# < 5 ? $# : 5 )); [ "${1:-}" = "--" ] && shift
GEN=${STATECRAFT_TRAFFIC:-build/tools/traffic/statecraft-traffic}

cpu_ticks() { awk '{print $14 + $15}' /proc/$1/stat; }
redis_cpu() {
  [ -n "${SC_AB_REDIS_PORT:-}" ] || { echo 0; return; }
  redis-cli -p "$SC_AB_REDIS_PORT" INFO cpu | tr -d '\r' |
    awk -F: '/^used_cpu_(user|sys):/ {s += $2} END {print s}'
}

one() {
  local bin=$1 label=$2; shift 2
  local port=$((20000 + RANDOM % 10000))
  "$bin" --port $port --log-level warn "$@" > /dev/null 2>&1 & local node=$!
  sleep 0.7
  $GEN --scenario "$scenario" --concurrency 32 --duration 2 \
    --endpoint http://127.0.0.1:$port --no-progress > /dev/null 2>&1
  local t0; t0=$(cpu_ticks $node)
  local r0; r0=$(redis_cpu)
  local out; out=$($GEN --scenario "$scenario" --concurrency 32 --duration "$secs" \
    --endpoint http://127.0.0.1:$port --no-progress --json)
  local t1; t1=$(cpu_ticks $node)
  local r1; r1=$(redis_cpu)
  kill $node; wait $node 2> /dev/null
  python3 -c '
import json, os, sys
t, d = int(sys.argv[1]) / os.sysconf("SC_CLK_TCK"), json.loads(sys.argv[2]); e = d["executions"]
n = max(e["completed"], 1)
redis = float(sys.argv[5]) - float(sys.argv[4])
print("%4s %8d execs %8.0f/s %7.1f us/exec mismatches=%d failed=%d throttled=%d%s" % (
    sys.argv[3], e["completed"], d["executions_per_s"], t * 1e6 / n, e["mismatches"], e["failed"],
    d.get("throttled", 0), " redis %.1f us/exec" % (redis * 1e6 / n) if redis else ""))
' "$((t1 - t0))" "$out" "$label" "$r0" "$r1"
}

for ((r = 1; r <= rounds; r++)); do
  one "$old" old
  one "$new" new "$@"
done
