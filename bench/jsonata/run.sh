#!/usr/bin/env bash
# runtime/jsonata against jsonata-js 2.0.6 on typical Step Functions
# expressions (bench/jsonata/expressions.json): µs per evaluation side by side.
#
#   bench/jsonata/run.sh [--seconds S] [--no-build]
#
# Builds jsonata_bench (build/, or $STATECRAFT_BUILD_DIR), writes the input
# document once, runs jsonata_bench and bench.js (node, with the jsonata
# package scripts/setup.sh installs into ~/.cache/statecraft/jsonata-js-2.0.6
# or $STATECRAFT_JSONATA_JS) one after the other on the same machine, and
# prints the table. Both sides compile each expression once and time
# evaluation only (median of five rounds of S/5 seconds; default S=2).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=2
build_it=1
while (($#)); do
  case "$1" in
    --seconds) seconds=${2:?}; shift 2 ;;
    --no-build) build_it=0; shift ;;
    *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done
build=${STATECRAFT_BUILD_DIR:-build}
if ((build_it)); then
  [ -f "$build/build.ninja" ] || cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  ninja -C "$build" -j "${STATECRAFT_JOBS:-2}" jsonata_bench >/dev/null
fi
bench="$build/bench/jsonata/jsonata_bench"
jsjs=${STATECRAFT_JSONATA_JS:-${XDG_CACHE_HOME:-$HOME/.cache}/statecraft/jsonata-js-2.0.6}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bench" --write-input "$tmp/input.json"
"$bench" --seconds "$seconds" --json >"$tmp/ours.json"
if command -v node >/dev/null && [ -f "$jsjs/node_modules/jsonata/package.json" ]; then
  NODE_PATH="$jsjs/node_modules" node bench/jsonata/bench.js "$tmp/input.json" \
    bench/jsonata/expressions.json "$seconds" >"$tmp/js.json"
else
  echo "run.sh: jsonata-js is not installed at $jsjs (scripts/setup.sh); our figures only" >&2
  echo "[]" >"$tmp/js.json"
fi
python3 - "$tmp/ours.json" "$tmp/js.json" <<'PY'
import json, sys
ours = json.load(open(sys.argv[1]))
js = {r["name"]: r["us"] for r in json.load(open(sys.argv[2]))}
print("%-22s %14s %14s %9s" % ("expression", "ours µs/eval", "jsonata-js", "speed-up"))
for r in ours:
    j = js.get(r["name"])
    print("%-22s %14.3f %14s %9s" % (r["name"], r["us"], "%.3f" % j if j else "-",
                                     "%.1f×" % (j / r["us"]) if j else "-"))
PY
