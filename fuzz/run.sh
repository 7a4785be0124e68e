#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) in build-fuzz, seeds
# them from the project's golden and conformance cases, runs each for a
# fixed time and reports. See docs/fuzzing.md.
#
#   fuzz/run.sh [--seconds N] [--jobs J] [--build-dir DIR] [targets...]
#
#   --seconds N   fuzzing time per target (default 60)
#   --jobs J      targets fuzzed at the same time (default 1)
#   --build-dir   fuzz build directory (default build-fuzz, or $STATECRAFT_FUZZ_BUILD_DIR)
#   targets       any of: json_reader asl_parse jsonpath intrinsics payload
#                 execution http_request jsonata (default: all)
#
# The corpus each target grows is kept in <build-dir>/corpus/<target> and
# reused by the next run. Crashes, leaks, timeouts and OOMs are kept in
# <build-dir>/artifacts/<target>/; the full libFuzzer output in
# <build-dir>/logs/<target>.log. Exit status: 0 when no target found
# anything, 1 when one did, 2 on a usage or build problem.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

all_targets=(json_reader asl_parse jsonpath intrinsics payload execution http_request jsonata)
# Longest input per target (bytes): room for a definition, a request with a
# definition in it, or a document; small enough to keep executions fast.
declare -A max_len=(
  [json_reader]=16384 [asl_parse]=16384 [jsonpath]=4096 [intrinsics]=4096
  [payload]=8192 [execution]=16384 [http_request]=16384 [jsonata]=4096
)

seconds=60
jobs=1
build=${STATECRAFT_FUZZ_BUILD_DIR:-build-fuzz}
targets=()
usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while (($#)); do
  case "$1" in
    --seconds) seconds=${2:?--seconds needs a value}; shift 2 ;;
    --jobs) jobs=${2:?--jobs needs a value}; shift 2 ;;
    --build-dir) build=${2:?--build-dir needs a value}; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "fuzz/run.sh: unknown option $1" >&2; usage ;;
    *) targets+=("$1"); shift ;;
  esac
done
((${#targets[@]})) || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  [[ -n "${max_len[$t]:-}" ]] || { echo "fuzz/run.sh: unknown target '$t' (known: ${all_targets[*]})" >&2; exit 2; }
done
[[ "$seconds" =~ ^[0-9]+$ && "$seconds" -gt 0 ]] || { echo "fuzz/run.sh: --seconds must be a positive integer" >&2; exit 2; }
[[ "$jobs" =~ ^[0-9]+$ && "$jobs" -gt 0 ]] || { echo "fuzz/run.sh: --jobs must be a positive integer" >&2; exit 2; }
[[ "$build" = /* ]] || build="$root/$build"

# ---- build ------------------------------------------------------------------
for tool in clang clang++ cmake ninja python3; do
  command -v "$tool" >/dev/null || { echo "fuzz/run.sh: $tool not found (scripts/setup.sh installs it)" >&2; exit 2; }
done
if [ ! -f "$build/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DSTATECRAFT_FUZZ=ON \
    -DSTATECRAFT_TESTS=OFF >"$build.configure.log" 2>&1 || {
    cat "$build.configure.log" >&2; echo "fuzz/run.sh: configuring $build failed" >&2; exit 2; }
  mv "$build.configure.log" "$build/configure.log"
fi
build_targets=()
for t in "${targets[@]}"; do build_targets+=("fuzz_$t"); done
echo "fuzz/run.sh: building ${build_targets[*]} in $build"
nice ninja -C "$build" -j "${STATECRAFT_JOBS:-$(nproc)}" "${build_targets[@]}" >"$build/build.log" 2>&1 || {
  tail -50 "$build/build.log" >&2; echo "fuzz/run.sh: build failed ($build/build.log)" >&2; exit 2; }

# ---- seeds --------------------------------------------------------------------
(IFS=,; python3 fuzz/seed.py --out "$build" --targets "${targets[*]}")

# ---- run ----------------------------------------------------------------------
mkdir -p "$build/logs"
run_one() {
  local t=$1 corpus="$build/corpus/$1" artifacts="$build/artifacts/$1" log="$build/logs/$1.log"
  mkdir -p "$corpus" "$artifacts"
  local before
  before=$(find "$artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  local rc=0
  # First folder: where new inputs go; the seeds are read only.
  nice "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -max_len="${max_len[$t]}" -dict="$build/dicts/$t.dict" -artifact_prefix="$artifacts/" \
    -print_final_stats=1 "$corpus" "$build/seeds/$t" >"$log" 2>&1 || rc=$?
  local after
  after=$(find "$artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  echo "$rc $before $after" >"$log.status"
}

running=0
for t in "${targets[@]}"; do
  echo "fuzz/run.sh: fuzzing $t for ${seconds}s"
  run_one "$t" &
  running=$((running + 1))
  if ((running >= jobs)); then
    wait -n || true
    running=$((running - 1))
  fi
done
wait || true

# ---- report -------------------------------------------------------------------
failed=0
printf '%-13s %10s %8s %7s %7s %16s %8s  %s\n' target execs exec/s cov ft corpus peak-rss result
for t in "${targets[@]}"; do
  log="$build/logs/$t.log"
  read -r rc before after <"$log.status"
  status=$(grep -E '^#[0-9]+' "$log" | grep 'cov:' | tail -1 || true)
  execs=$(grep -oP 'stat::number_of_executed_units: \K[0-9]+' "$log" || echo "?")
  speed=$(grep -oP 'stat::average_exec_per_sec: +\K[0-9]+' "$log" || echo "?")
  rss=$(grep -oP 'stat::peak_rss_mb: +\K[0-9]+' "$log" || echo "?")
  cov=$(grep -oP 'cov: \K[0-9]+' <<<"$status" || echo "?")
  ft=$(grep -oP 'ft: \K[0-9]+' <<<"$status" || echo "?")
  units=$(find "$build/corpus/$t" -type f | wc -l)
  size=$(find "$build/corpus/$t" -type f -printf '%s\n' | awk '{s += $1} END {printf "%d", s / 1024}')
  if [ "$rc" = 0 ] && [ "$after" = "$before" ]; then
    result=ok
  else
    failed=1
    kind=$(grep -oE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer): [a-z-]+|runtime error: .*|fuzz invariant violated.*' "$log" | head -1 || true)
    newest=$(ls -t "$build/artifacts/$t" 2>/dev/null | head -1)
    result="FOUND (exit $rc) ${kind:-see log}; artifact: $build/artifacts/$t/${newest:-none}; log: $log"
  fi
  printf '%-13s %10s %8s %7s %7s %9s/%5sK %6sMB  %s\n' "$t" "$execs" "$speed" "$cov" "$ft" "$units" "$size" "$rss" "$result"
done
if ((failed)); then
  echo "fuzz/run.sh: a target found a problem; reproduce with: $build/fuzz/fuzz_<target> <artifact>" >&2
  exit 1
fi
echo "fuzz/run.sh: no findings"
