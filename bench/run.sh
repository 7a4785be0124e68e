#!/usr/bin/env bash
# Statecraft benchmark suite: one command.
#
#   bench/run.sh            quick mode (each scenario ~10 s; a few minutes in all)
#   bench/run.sh --full     the sizes of the targets in docs/benchmarks.md
#
# Builds statecraftd and statecraft-traffic (scripts/build.sh, one job), then
# runs every scenario of statecraft-traffic against
#   (a) statecraftd with the memory store,
#   (b) statecraftd with the Redis store (redis-server with appendonly yes,
#       appendfsync everysec) when this build supports --redis,
#   (c) moto's server (shared/tools/moto_server.py, executions on),
# each on a fresh server on a free loopback port, and measures the node's
# CPU time per operation, RSS growth per parked execution and per parked
# GetActivityTask poll. Writes everything (JSON reports, exact commands,
# machine, versions) to bench/results/<time>/ and prints the table.
#
# Options:
#   --full | --quick          sizes (default quick)
#   --no-build                use the binaries already in build/
#   --targets LIST            comma list of memory,redis,moto (default all)
#   --scenarios LIST          comma list of pass-chain,express-sync,
#                             express-sync-rate,activity,resident,history,mix,
#                             polls (default all; express-sync-rate is
#                             express-sync in open loop at the target rate),
#                             pass-chain-jsonata, express-sync-jsonata (the
#                             chain written in JSONata; not in the default)
#   --duration S              override the per-scenario duration
#   --node-args "ARGS"        extra statecraftd flags (e.g. "--io-threads 2")
#   --out DIR                 results directory
#
# Environment: STATECRAFTD / STATECRAFT_TRAFFIC use those binaries instead of
# build/'s (with --no-build, e.g. to compare two builds); STATECRAFT_JOBS
# (default 1) for the build.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
ORIG_ARGS="$*"
MODE=quick
BUILD=1
TARGETS="memory,redis,moto"
SCENARIOS="pass-chain,express-sync,express-sync-rate,activity,resident,history,mix,polls"
DURATION=""
OUT=""
NODE_ARGS=""

usage() { sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --full) MODE=full ;;
    --quick) MODE=quick ;;
    --no-build) BUILD=0 ;;
    --targets) TARGETS=${2:?}; shift ;;
    --targets=*) TARGETS=${1#*=} ;;
    --scenarios) SCENARIOS=${2:?}; shift ;;
    --scenarios=*) SCENARIOS=${1#*=} ;;
    --duration) DURATION=${2:?}; shift ;;
    --duration=*) DURATION=${1#*=} ;;
    --node-args) NODE_ARGS=${2?}; shift ;;
    --node-args=*) NODE_ARGS=${1#*=} ;;
    --out) OUT=${2:?}; shift ;;
    --out=*) OUT=${1#*=} ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench/run.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

BUILD_DIR=${STATECRAFT_BUILD_DIR:-build}
SCD=${STATECRAFTD:-$ROOT/$BUILD_DIR/tools/statecraftd/statecraftd}
GEN=${STATECRAFT_TRAFFIC:-$ROOT/$BUILD_DIR/tools/traffic/statecraft-traffic}
MOTO=${MOTO_SERVER:-$ROOT/../shared/tools/moto_server.py}
[ -f "$MOTO" ] || MOTO=/work/shared/tools/moto_server.py
CLK_TCK=$(getconf CLK_TCK)

log() { printf '[bench] %s\n' "$*" >&2; }

if [ "$BUILD" = 1 ]; then
  log "building statecraftd statecraft-traffic (one job: the machine is shared)"
  STATECRAFT_JOBS=${STATECRAFT_JOBS:-1} scripts/build.sh statecraftd statecraft-traffic >&2 || {
    log "build failed"; exit 1; }
fi
[ -x "$SCD" ] || { log "missing $SCD"; exit 1; }
[ -x "$GEN" ] || { log "missing $GEN"; exit 1; }

# Parked polls need a descriptor each, in the node and in the generator.
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NOFILE=$(ulimit -n)

# Run from a snapshot of the binaries: others may rebuild build/ meanwhile,
# and every run of one suite must use the same node.
SNAP=$(mktemp -d)
if ! cp "$SCD" "$SNAP/statecraftd" || ! cp "$GEN" "$SNAP/statecraft-traffic"; then
  log "cannot copy the binaries"; rm -rf "$SNAP"; exit 1
fi
SCD_BUILT=$SCD
SCD=$SNAP/statecraftd
# The generator is one client address holding every connection (up to
# 19,000 parked polls, all on one activity): lift the node's per-client cap
# (7/8 of its connections by default) and its pollers-per-activity quota
# (AWS's 1,000) for it. Everything else stays at its default.
printf 'api:\n  max_connections_per_client: 1000000\nlimits:\n  pollers_per_activity: 1000000\n' > "$SNAP/bench.yaml"
GEN=$SNAP/statecraft-traffic

STAMP=$(date +%Y%m%d-%H%M%S)
OUT=${OUT:-$ROOT/bench/results/$STAMP-$MODE}
mkdir -p "$OUT"
TMP=$(mktemp -d)
COMMANDS=$OUT/commands.txt
# A re-run into the same --out appends (its runs replace that scenario's files).
echo "# bench/run.sh $ORIG_ARGS ($(date -u +%Y-%m-%dT%H:%M:%SZ))" >> "$COMMANDS"

if [ "$MODE" = full ]; then
  D=${DURATION:-60}; RESIDENT_N=100000; RESIDENT_D=120; POLLS_N=19000; C=64; C_CHAIN=128; C_ACT=64
  EXPRESS_RATE=20000
else
  D=${DURATION:-10}; RESIDENT_N=10000; RESIDENT_D=30; POLLS_N=5000; C=32; C_CHAIN=32; C_ACT=64
  EXPRESS_RATE=5000
fi
# Leave room for the node's own descriptors (listener, store, pipes).
if [ "$POLLS_N" -gt $((NOFILE - 500)) ]; then POLLS_N=$((NOFILE - 500)); fi
MOTO_RESIDENT_N=1000   # moto runs a thread per execution: keep it bounded

# ------------------------------------------------------------------ machine
RERUN=""
[ -s "$OUT/machine.txt" ] && RERUN="--- re-run into the same directory"
{
  [ -n "$RERUN" ] && echo "$RERUN"
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "mode: $MODE"
  echo "node_args: ${NODE_ARGS:-none}"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "kernel: $(uname -sr)"
  echo "loadavg_at_start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "ulimit_n: $NOFILE"
  echo "statecraftd: $("$SCD" --version 2>&1 | head -1), sha256 $(sha256sum "$SCD" | cut -c1-16), built $(date -u -r "$SCD_BUILT" +%Y-%m-%dT%H:%M:%SZ)"
  echo "statecraft-traffic: sha256 $(sha256sum "$GEN" | cut -c1-16)"
  echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$( [ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null | head -1)" ] && echo ' (+ uncommitted changes)')"
  echo "build_type: $(grep -m1 CMAKE_BUILD_TYPE: "$ROOT/$BUILD_DIR/CMakeCache.txt" 2>/dev/null | cut -d= -f2)"
  echo "compiler: $(c++ --version 2>/dev/null | head -1)"
  echo "boost: $(grep -m1 'define BOOST_LIB_VERSION' /usr/include/boost/version.hpp 2>/dev/null | cut -d'"' -f2)"
  echo "redis: $(redis-server --version 2>/dev/null | head -1 || echo none)"
  echo "moto: $(python3 -c 'import moto; print(moto.__version__)' 2>/dev/null || echo none)"
  echo "python: $(python3 --version 2>&1)"
} >> "$OUT/machine.txt"
log "machine: $(grep -E '^(nproc|cpu|memory):' "$OUT/machine.txt" | tr '\n' ' ')"

# ------------------------------------------------------------------ helpers
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_port() {  # PORT PID TIMEOUT_S
  local port=$1 pid=$2 t=$(( $3 * 10 ))
  while [ $t -gt 0 ]; do
    kill -0 "$pid" 2>/dev/null || return 1
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1; t=$((t - 1))
  done
  return 1
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

SERVER_PID=""; REDIS_PID=""; REDIS_PORT=""; PORT=""; SERVER_CMD=""

start_redis() {
  REDIS_PORT=$(free_port)
  local dir=$TMP/redis-$REDIS_PORT
  mkdir -p "$dir"
  local cmd="redis-server --port $REDIS_PORT --bind 127.0.0.1 --dir $dir --appendonly yes --appendfsync everysec --save '' --daemonize no"
  echo "redis: $cmd" >> "$COMMANDS"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$dir" --appendonly yes --appendfsync everysec \
    --save '' --daemonize no > "$dir/log" 2>&1 &
  REDIS_PID=$!
  wait_port "$REDIS_PORT" "$REDIS_PID" 10 || { log "redis-server did not start"; return 1; }
}

stop_redis() {
  [ -n "$REDIS_PID" ] || return 0
  kill "$REDIS_PID" 2>/dev/null; wait "$REDIS_PID" 2>/dev/null
  rm -rf "$TMP/redis-$REDIS_PORT"
  REDIS_PID=""
}

start_server() {  # TARGET
  PORT=$(free_port)
  case "$1" in
    memory)
      SERVER_CMD="$SCD --port $PORT --log-level warn --config bench.yaml${NODE_ARGS:+ $NODE_ARGS}"
      # shellcheck disable=SC2086
      "$SCD" --port "$PORT" --log-level warn --config "$SNAP/bench.yaml" $NODE_ARGS > "$TMP/server.log" 2>&1 &
      ;;
    redis)
      start_redis || return 1
      SERVER_CMD="$SCD --port $PORT --log-level warn --config bench.yaml --redis redis://127.0.0.1:$REDIS_PORT${NODE_ARGS:+ $NODE_ARGS}"
      # shellcheck disable=SC2086
      "$SCD" --port "$PORT" --log-level warn --config "$SNAP/bench.yaml" --redis "redis://127.0.0.1:$REDIS_PORT" $NODE_ARGS \
        > "$TMP/server.log" 2>&1 &
      ;;
    moto)
      SERVER_CMD="python3 $MOTO --backport-10093 -H 127.0.0.1 -p $PORT"
      python3 "$MOTO" --backport-10093 -H 127.0.0.1 -p "$PORT" > "$TMP/server.log" 2>&1 &
      ;;
  esac
  SERVER_PID=$!
  if ! wait_port "$PORT" "$SERVER_PID" 30; then
    log "$1 server did not start: $(tail -3 "$TMP/server.log" | tr '\n' ' ')"
    stop_server
    return 1
  fi
}

stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=""
  fi
  stop_redis
}

cleanup_all() { stop_server; rm -rf "$TMP" "$SNAP"; }
trap cleanup_all EXIT
trap 'log "interrupted"; exit 130' INT TERM

# Arguments of statecraft-traffic for SCENARIO on TARGET.
gen_args() {
  local scen=$1 target=$2
  case "$scen" in
    pass-chain)   echo "--scenario pass-chain --concurrency $C_CHAIN --duration $D" ;;
    express-sync) echo "--scenario express-sync --concurrency $C --duration $D" ;;
    pass-chain-jsonata)   echo "--scenario pass-chain-jsonata --concurrency $C_CHAIN --duration $D" ;;
    express-sync-jsonata) echo "--scenario express-sync-jsonata --concurrency $C --duration $D" ;;
    express-sync-rate)
      echo "--scenario express-sync --rate $EXPRESS_RATE --connections 128 --duration $D" ;;
    activity)     echo "--scenario activity --concurrency $C_ACT --workers 64 --duration $D" ;;
    resident)
      local n=$RESIDENT_N
      [ "$target" = moto ] && n=$MOTO_RESIDENT_N
      echo "--scenario resident --concurrency $C --executions $n --duration $RESIDENT_D --hold 2" ;;
    history)      echo "--scenario history --concurrency 1 --duration $D" ;;
    mix)          echo "--scenario mix --concurrency $C --duration $D" ;;
    polls)        echo "--scenario polls --workers $POLLS_N --hold 2 --duration $D" ;;
    *) log "unknown scenario $scen"; exit 2 ;;
  esac
}

# What moto 5.2.1 cannot run (HTTP 500 for an unknown action).
moto_skip() {
  case "$1" in
    express-sync|express-sync-rate|express-sync-jsonata) echo "moto has no StartSyncExecution (HTTP 500)" ;;
    pass-chain-jsonata) echo "moto does not run JSONata" ;;
    activity)     echo "moto has no GetActivityTask (HTTP 500)" ;;
    polls)        echo "moto has no GetActivityTask (HTTP 500)" ;;
    mix)          echo "the mix includes express-sync and activity" ;;
    *) echo "" ;;
  esac
}

# run_one TARGET SCENARIO: fresh server, generator, measurements.
run_one() {
  local target=$1 scen=$2
  local base=$OUT/$target.$scen
  local skip=""
  [ "$target" = moto ] && skip=$(moto_skip "$scen")
  if [ -n "$skip" ]; then
    printf '{"skipped": "%s"}\n' "$skip" > "$base.meta.json"
    log "$target/$scen: skipped ($skip)"
    return 0
  fi
  start_server "$target" || { printf '{"skipped": "server did not start"}\n' > "$base.meta.json"; return 0; }
  local extra=""
  [ "$target" = moto ] && extra="--moto"
  # shellcheck disable=SC2046
  local args
  args="$(gen_args "$scen" "$target") --endpoint http://127.0.0.1:$PORT --json --no-progress $extra"
  echo "$target/$scen: server: $SERVER_CMD" >> "$COMMANDS"
  echo "$target/$scen: load:   $GEN $args" >> "$COMMANDS"
  log "$target/$scen: $GEN $args"
  sleep 0.5
  local rss0 cpu0 rcpu0=0 rss_parked="" t0 t1
  rss0=$(rss_kb "$SERVER_PID"); cpu0=$(cpu_ticks "$SERVER_PID")
  [ -n "$REDIS_PID" ] && rcpu0=$(cpu_ticks "$REDIS_PID")
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  "$GEN" $args > "$base.json" 2> "$base.log" &
  local gpid=$!
  if [ "$scen" = resident ] || [ "$scen" = polls ]; then
    # Wait for the generator's "parked" line, then read the node's RSS.
    while kill -0 "$gpid" 2>/dev/null && ! grep -q 'parked' "$base.log" 2>/dev/null; do sleep 0.1; done
    sleep 1
    rss_parked=$(rss_kb "$SERVER_PID")
  fi
  wait "$gpid"; local rc=$?
  t1=$(date +%s.%N)
  local cpu1 rss1 rcpu1=0
  cpu1=$(cpu_ticks "$SERVER_PID"); rss1=$(rss_kb "$SERVER_PID")
  [ -n "$REDIS_PID" ] && rcpu1=$(cpu_ticks "$REDIS_PID")
  python3 - "$base.meta.json" <<EOF
import json, sys
meta = {
  "target": "$target", "scenario": "$scen", "exit": $rc,
  "server_command": """$SERVER_CMD""", "load_command": """$GEN $args""",
  "server_cpu_s": ($cpu1 - $cpu0) / $CLK_TCK,
  "redis_cpu_s": ($rcpu1 - $rcpu0) / $CLK_TCK,
  "wall_s": $t1 - $t0,
  "rss_before_kb": $rss0, "rss_after_kb": $rss1,
  "rss_parked_kb": ${rss_parked:-None},
  "loadavg": open("/proc/loadavg").read().split()[:3],
}
json.dump(meta, open(sys.argv[1], "w"), indent=1)
EOF
  log "$target/$scen: exit $rc, $(python3 "$ROOT/bench/report.py" --one "$base")"
  stop_server
}

# ------------------------------------------------------------------ redis?
REDIS_OK=0
if [[ ",$TARGETS," == *",redis,"* ]]; then
  if ! command -v redis-server >/dev/null; then
    log "redis: not available (no redis-server; apt-get install redis-server)"
  elif ! "$SCD" --help 2>&1 | grep -q -- '--redis'; then
    log "redis: not available in this build"
  elif start_server redis; then
    REDIS_OK=1
    stop_server
  else
    log "redis: not available in this build ($(grep -m1 statecraftd "$TMP/server.log"))"
  fi
  if [ "$REDIS_OK" = 0 ]; then
    echo "redis: not available in this build" >> "$OUT/machine.txt"
    printf '{"skipped": "redis: not available in this build"}\n' > "$OUT/redis.unavailable.json"
  fi
fi

# ------------------------------------------------------------------ runs
IFS=, read -r -a TLIST <<< "$TARGETS"
IFS=, read -r -a SLIST <<< "$SCENARIOS"
for scen in "${SLIST[@]}"; do
  for target in "${TLIST[@]}"; do
    case "$target" in
      memory|moto) run_one "$target" "$scen" ;;
      redis)
        if [ "$REDIS_OK" = 1 ]; then run_one redis "$scen"
        else printf '{"skipped": "redis: not available in this build"}\n' > "$OUT/redis.$scen.meta.json"; fi ;;
      *) log "unknown target $target"; exit 2 ;;
    esac
  done
done

echo "loadavg_at_end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
python3 "$ROOT/bench/report.py" --mode "$MODE" "$OUT" | tee "$OUT/table.md"
log "results in $OUT"
