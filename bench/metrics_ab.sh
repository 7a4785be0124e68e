#!/usr/bin/env bash
# A/B of pass-chain throughput with and without the metrics hooks: two node
# binaries alternating run by run on one machine (docs/benchmarks.md,
# "Metrics overhead"):
#
#   bench/metrics_ab.sh OLD_BIN NEW_BIN [ROUNDS] [SECONDS] [-- node flags]
#
# Each run: a fresh node (memory store) on a random loopback port, a 2 s
# warm-up, then SECONDS of `statecraft-traffic --scenario pass-chain
# --concurrency 64`. NEW_BIN's run also scrapes GET /metrics at the end and
# checks that statecraft_executions_started_total and ..._finished_total
# {status="SUCCEEDED"} both equal the executions the generator started
# (warm-up included).
# `perf stat -e task-clock` counts the node's CPU during the measured run.
# Prints per run: binary, executions, executions/s, node CPU µs per
# execution, p50/p99 latency. Needs perf (linux-perf) and curl.
set -uo pipefail
cd "$(dirname "$0")/.."
old=${1:?old binary}; new=${2:?new binary}; rounds=${3:-3}; secs=${4:-8}
shift $(( $# < 4 ? $# : 4 )); [ "${1:-}" = "--" ] && shift
GEN=${STATECRAFT_TRAFFIC:-build/tools/traffic/statecraft-traffic}

one() {
  local bin=$1 label=$2; shift 2
  local port=$((20000 + RANDOM % 10000))
  "$bin" --port $port --log-level warn "$@" > /dev/null 2>&1 & local node=$!
  sleep 0.7
  local warm; warm=$($GEN --scenario pass-chain --concurrency 64 --duration 2 \
    --endpoint http://127.0.0.1:$port --no-progress --json)
  local tmp; tmp=$(mktemp)
  perf stat -e task-clock -p $node -o "$tmp" & local ps=$!
  sleep 0.3
  local out; out=$($GEN --scenario pass-chain --concurrency 64 --duration "$secs" \
    --endpoint http://127.0.0.1:$port --no-progress --json)
  kill -INT $ps; wait $ps 2> /dev/null
  local clk; clk=$(grep task-clock "$tmp" | awk '{gsub(",","",$1); print $1}'); rm -f "$tmp"
  local metrics=""
  [ "$label" = new ] && { sleep 1; metrics=$(curl -s http://127.0.0.1:$port/metrics); }
  kill $node; wait $node 2> /dev/null
  python3 -c '
import json, sys
w, d = json.loads(sys.argv[1]), json.loads(sys.argv[2]); e = d["executions"]
clk = float(sys.argv[5] or 0)
line = "%4s %7d executions %7.0f/s %6.1f us/exec p50=%s ms p99=%s ms mismatches=%d failed=%d" % (
    sys.argv[3], e["completed"], d["executions_per_s"], clk * 1000 / max(1, e["completed"]),
    d["latency_ms"]["p50"], d["latency_ms"]["p99"], e["mismatches"], e["failed"])
m = sys.argv[4]
if m:
    def total(prefix, extra=""):
        return int(sum(float(l.rsplit(" ", 1)[1]) for l in m.splitlines()
                       if l.startswith(prefix + "{") and extra in l))
    started = total("statecraft_executions_started_total")
    ok = total("statecraft_executions_finished_total", "SUCCEEDED")
    ran = w["executions"]["started"] + e["started"]
    line += "  /metrics started=%d succeeded=%d traffic started=%d %s" % (
        started, ok, ran, "MATCH" if started == ran == ok else "MISMATCH")
print(line)
' "$warm" "$out" "$label" "$metrics" "$clk"
}

for ((r = 1; r <= rounds; r++)); do
  one "$old" old "$@"
  one "$new" new "$@"
done
