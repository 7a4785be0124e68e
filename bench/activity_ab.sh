#!/usr/bin/env bash
# A/B of activity throughput and node CPU per task, two node binaries
# alternating run by run on one machine (docs/benchmarks.md, session 6):
#
#   bench/activity_ab.sh OLD_BIN NEW_BIN [ROUNDS] [SECONDS] [-- node flags]
#
# Each run: a fresh node (memory store) on a random loopback port, a 2 s
# warm-up, then SECONDS of `statecraft-traffic --scenario activity
# --concurrency 64 --workers 64` while `perf stat` (task-clock,
# context-switches, raw_syscalls:sys_enter)
# counts the node. Prints per run: binary, tasks completed, tasks/s, node CPU
# µs per task (and of it the io thread's), the node's context switches per
# task (voluntary: a thread went to sleep), system calls per task, the
# generator's own CPU per task (its whole measured process, setup included), mismatches/failures, schedule-to-worker p50, the 1-minute load
# average. STATECRAFT_TRAFFIC overrides the generator (default build/).
# Needs perf (linux-perf). BENCH_NICE=-10 runs node and generator at nice -10.
set -uo pipefail
cd "$(dirname "$0")/.."
old=${1:?old binary}; new=${2:?new binary}; rounds=${3:-3}; secs=${4:-6}
shift $(( $# < 4 ? $# : 4 )); [ "${1:-}" = "--" ] && shift
GEN=${STATECRAFT_TRAFFIC:-build/tools/traffic/statecraft-traffic}
# BENCH_NICE=-10: run node and generator at that nice level (root), so a
# machine busy with builds perturbs the pair less.
NICE=(); [ -n "${BENCH_NICE:-}" ] && NICE=(nice -n "$BENCH_NICE")

# Voluntary context switches of all the node's threads (a thread that went
# to sleep: waiting for work another thread hands it).
vcs() { cat /proc/$1/task/*/status 2> /dev/null | awk '/^voluntary_ctxt/ {s += $2} END {print s + 0}'; }
# CPU ticks (utime + stime) of the node's main thread, which runs the (one)
# io thread: the thread that caps one node's activity throughput.
iot() { awk '{print $14 + $15}' /proc/$1/task/$1/stat 2> /dev/null || echo 0; }
TCK=$(getconf CLK_TCK)

one() {
  local bin=$1 label=$2; shift 2
  local port=$((20000 + RANDOM % 10000)) tmp; tmp=$(mktemp)
  "${NICE[@]}" "$bin" --port $port --log-level warn "$@" > /dev/null 2>&1 & local node=$!
  sleep 0.7
  "${NICE[@]}" $GEN --scenario activity --concurrency 64 --workers 64 --duration 2 \
    --endpoint http://127.0.0.1:$port --no-progress > /dev/null 2>&1
  perf stat -e task-clock,context-switches,raw_syscalls:sys_enter -p $node -o "$tmp" & local ps=$!
  sleep 0.3
  local v0 i0; v0=$(vcs $node); i0=$(iot $node)
  local gtmp; gtmp=$(mktemp)
  local out; out=$(perf stat -e task-clock -o "$gtmp" -- "${NICE[@]}" $GEN --scenario activity --concurrency 64 --workers 64 --duration "$secs" \
    --endpoint http://127.0.0.1:$port --no-progress --json)
  local v1 i1; v1=$(vcs $node); i1=$(iot $node)
  kill -INT $ps; wait $ps 2> /dev/null; kill $node; wait $node 2> /dev/null
  local clk cs; clk=$(grep task-clock "$tmp" | awk '{gsub(",","",$1); print $1}')
  cs=$(grep context-switches "$tmp" | awk '{gsub(",","",$1); print $1}')
  local sc; sc=$(grep sys_enter "$tmp" | awk '{gsub(",","",$1); print $1}'); rm -f "$tmp"
  local gclk; gclk=$(grep task-clock "$gtmp" | awk '{gsub(",","",$1); print $1}'); rm -f "$gtmp"
  python3 -c '
import json, sys
clk, d = float(sys.argv[1]), json.loads(sys.argv[2]); e = d["executions"]; n = e["completed"]
rate, p50 = d["executions_per_s"], d["latency_ms"]["p50"]
cs, vcs, io = float(sys.argv[4] or 0), float(sys.argv[5]), float(sys.argv[6]) / float(sys.argv[7])
sc, gen = float(sys.argv[8] or 0), float(sys.argv[9] or 0)
load = open("/proc/loadavg").read().split()[0]
print("%4s %7d tasks %7.0f/s %6.1f us/task (io thread %5.1f) cs/task %5.2f (voluntary %5.2f) syscalls/task %5.1f gen %5.1f us/task mismatches=%d failed=%d s2w_p50=%s ms load=%s" % (
    sys.argv[3], n, rate, clk * 1000 / n, io * 1e6 / n, cs / n, vcs / n, sc / n, gen * 1000 / n, e["mismatches"], e["failed"], p50, load))
' "$clk" "$out" "$label" "$cs" "$((v1 - v0))" "$((i1 - i0))" "$TCK" "$sc" "$gclk"
}

for ((r = 1; r <= rounds; r++)); do
  one "$old" old "$@"
  one "$new" new "$@"
done
