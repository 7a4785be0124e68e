#!/usr/bin/env bash
# Node CPU per execution for one traffic scenario, for A/B comparisons
# such as JSONata vs JSONPath (docs/benchmarks.md):
#
#   bench/cpu_per_execution.sh SCENARIO N
#
# Starts a fresh statecraftd (memory store) on a random loopback port, warms
# it with 2,000 executions, then runs N executions of SCENARIO (closed loop
# of 16) while `perf stat` counts the node's task-clock, and prints the
# node's CPU µs per execution. STATECRAFTD / STATECRAFT_TRAFFIC override the
# binaries (default: build/). Needs perf (Debian's linux-perf).
set -euo pipefail
cd "$(dirname "$0")/.."
SCD=${STATECRAFTD:-build/tools/statecraftd/statecraftd}
GEN=${STATECRAFT_TRAFFIC:-build/tools/traffic/statecraft-traffic}
scen=${1:?scenario}; n=${2:?count}; port=$((20000 + RANDOM % 10000))
tmp=$(mktemp)
$SCD --port $port --log-level warn > /dev/null 2>&1 &
node=$!; sleep 0.7
$GEN --scenario $scen --concurrency 16 --executions 2000 --duration 30 --endpoint http://127.0.0.1:$port --no-progress > /dev/null 2>&1  # warm-up
perf stat -e instructions,task-clock -p $node -o $tmp & ps=$!
sleep 0.3
$GEN --scenario $scen --concurrency 16 --executions $n --duration 60 --endpoint http://127.0.0.1:$port --no-progress 2>&1 | grep -E "correctness" || true
kill -INT $ps; wait $ps || true; sleep 0.2; kill $node; rm -f "$tmp.keep"

clk=$(grep task-clock $tmp | awk '{gsub(",","",$1); print $1}')
echo "$scen: $(python3 -c "print(round($clk*1000/$n,1))") us CPU/execution"; rm -f "$tmp"
