#!/usr/bin/env bash
# User-space instructions per activity task of node binaries, under
# valgrind's callgrind (docs/benchmarks.md, session 7). Unlike wall-clock
# rates and CPU time, an instruction count does not depend on how busy the
# machine is, so it compares binaries on a shared machine:
#
#   bench/activity_callgrind.sh [SECONDS] BIN...
#
# Per binary: a fresh node (memory store) under callgrind, 3 s of
# `statecraft-traffic --scenario activity --concurrency 16 --workers 16`
# as warm-up, counters zeroed, SECONDS (default 10) of the same measured,
# counters dumped. Prints tasks completed and instructions (Ir) per task,
# the node's io thread's share included; kernel time (system calls) is not
# counted. STATECRAFT_TRAFFIC overrides the generator (default build/).
set -uo pipefail
cd "$(dirname "$0")/.."
secs=10
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then secs=$1; shift; fi
GEN=${STATECRAFT_TRAFFIC:-build/tools/traffic/statecraft-traffic}
for bin in "$@"; do
  port=$((20000 + RANDOM % 10000)) out=$(mktemp -d)
  valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$bin" --port $port --log-level warn \
    > "$out/log" 2>&1 & node=$!
  for _ in $(seq 1 120); do
    curl -s -o /dev/null -X POST -H 'X-Amz-Target: AWSStepFunctions.ListActivities' -d '{}' \
      "http://127.0.0.1:$port/" && break
    sleep 0.5
  done
  $GEN --scenario activity --concurrency 16 --workers 16 --duration 3 \
    --endpoint "http://127.0.0.1:$port" --no-progress > /dev/null 2>&1
  callgrind_control -z $node > /dev/null 2>&1
  res=$($GEN --scenario activity --concurrency 16 --workers 16 --duration "$secs" \
    --endpoint "http://127.0.0.1:$port" --no-progress --json)
  callgrind_control -d $node > /dev/null 2>&1
  kill $node; wait $node 2> /dev/null
  ir=$(grep -m1 '^summary:' "$out/cg.1" | awk '{print $2}')
  python3 -c '
import json, sys
d = json.loads(sys.argv[1]); n = d["executions"]["completed"]; ir = float(sys.argv[2])
print("%s: %d tasks, %.0f Ir/task" % (sys.argv[3], n, ir / n))' "$res" "${ir:-0}" "$bin"
  rm -rf "$out"
done
