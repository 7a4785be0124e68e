#!/usr/bin/env bash
# Profiles statecraftd (memory store) under one statecraft-traffic scenario
# with `perf record` and prints the hottest symbols.
#
#   bench/profile.sh [SCENARIO] [SECONDS] [extra statecraft-traffic args...]
#   e.g. bench/profile.sh express-sync 10 --concurrency 32
#
# Environment: CALLGRAPH=1 records call graphs (--call-graph dwarf; heavier,
# use a short run) and prints callers too. Output goes to
# bench/results/profile-<scenario>-<time>/ (perf.data, report.txt).
# Needs perf (apt-get install linux-perf); the binaries must be built
# (scripts/build.sh statecraftd statecraft-traffic).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
SCEN=${1:-pass-chain}
SECS=${2:-10}
shift $(( $# > 2 ? 2 : $# ))
BUILD_DIR=${STATECRAFT_BUILD_DIR:-build}
SCD=$ROOT/$BUILD_DIR/tools/statecraftd/statecraftd
GEN=$ROOT/$BUILD_DIR/tools/traffic/statecraft-traffic
command -v perf >/dev/null || { echo "profile.sh: perf is not installed" >&2; exit 1; }
if [ ! -x "$SCD" ] || [ ! -x "$GEN" ]; then echo "profile.sh: build statecraftd and statecraft-traffic first" >&2; exit 1; fi
ulimit -n 20000 2>/dev/null || true

OUT=$ROOT/bench/results/profile-$SCEN-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
"$SCD" --port "$PORT" --log-level warn > "$OUT/server.log" 2>&1 &
SPID=$!
trap 'kill $SPID 2>/dev/null; wait $SPID 2>/dev/null' EXIT
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done

PERF_ARGS=(-F 1999)
[ "${CALLGRAPH:-0}" = 1 ] && PERF_ARGS+=(--call-graph "dwarf,16384")
perf record "${PERF_ARGS[@]}" -p "$SPID" -o "$OUT/perf.data" 2> "$OUT/perf-record.log" &
PPID_=$!
sleep 0.5
"$GEN" --scenario "$SCEN" --endpoint "http://127.0.0.1:$PORT" --duration "$SECS" --no-progress "$@" \
  > "$OUT/traffic.txt" 2>&1
kill -INT "$PPID_"; wait "$PPID_" 2>/dev/null
grep -E "throughput|latency|correctness" "$OUT/traffic.txt"
{
  echo "# perf report (statecraftd, $SCEN, ${SECS}s): self time by symbol"
  perf report -i "$OUT/perf.data" --no-children --stdio --sort dso,symbol --percent-limit 0.8 2>/dev/null |
    grep -vE '^$' | grep -v '^# ' | cut -c1-220
  echo
  echo "# by shared object"
  perf report -i "$OUT/perf.data" --no-children --stdio --sort dso 2>/dev/null | grep -E '^ +[0-9]' | head -12
} > "$OUT/report.txt"
grep -E '^ +[0-9]' "$OUT/report.txt" | head -40
echo "profile in $OUT"
