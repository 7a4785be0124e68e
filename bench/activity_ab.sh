#!/usr/bin/env bash
# A/B of activity throughput and node CPU per task, two node binaries
# alternating run by run on one machine (docs/benchmarks.md, session 6):
#
#   bench/activity_ab.sh OLD_BIN NEW_BIN [ROUNDS] [SECONDS] [-- node flags]
#
# Each run: a fresh node (memory store) on a random loopback port, a 2 s
# warm-up, then SECONDS of `statecraft-traffic --scenario activity
# --concurrency 64 --workers 64` while `perf stat -e task-clock` counts the
# node. Prints per run: binary, tasks completed, tasks/s, node CPU µs per
# task, mismatches/failures, schedule-to-worker p50. STATECRAFT_TRAFFIC
# overrides the generator (default build/). Needs perf (linux-perf).
set -uo pipefail
cd "$(dirname "$0")/.."
old=${1:?old binary}; new=${2:?new binary}; rounds=${3:-3}; secs=${4:-6}
shift $(( $# < 4 ? $# : 4 )); [ "${1:-}" = "--" ] && shift
GEN=${STATECRAFT_TRAFFIC:-build/tools/traffic/statecraft-traffic}

one() {
  local bin=$1 label=$2; shift 2
  local port=$((20000 + RANDOM % 10000)) tmp; tmp=$(mktemp)
  "$bin" --port $port --log-level warn "$@" > /dev/null 2>&1 & local node=$!
  sleep 0.7
  $GEN --scenario activity --concurrency 64 --workers 64 --duration 2 \
    --endpoint http://127.0.0.1:$port --no-progress > /dev/null 2>&1
  perf stat -e task-clock -p $node -o "$tmp" & local ps=$!
  sleep 0.3
  local out; out=$($GEN --scenario activity --concurrency 64 --workers 64 --duration "$secs" \
    --endpoint http://127.0.0.1:$port --no-progress --json)
  kill -INT $ps; wait $ps 2> /dev/null; kill $node; wait $node 2> /dev/null
  local clk; clk=$(grep task-clock "$tmp" | awk '{gsub(",","",$1); print $1}'); rm -f "$tmp"
  python3 -c '
import json, sys
clk, d = float(sys.argv[1]), json.loads(sys.argv[2]); e = d["executions"]; n = e["completed"]
rate, p50 = d["executions_per_s"], d["latency_ms"]["p50"]
print("%4s %7d tasks %7.0f/s %6.1f us/task mismatches=%d failed=%d s2w_p50=%s ms" % (
    sys.argv[3], n, rate, clk * 1000 / n, e["mismatches"], e["failed"], p50))
' "$clk" "$out" "$label"
}

for ((r = 1; r <= rounds; r++)); do
  one "$old" old "$@"
  one "$new" new "$@"
done
