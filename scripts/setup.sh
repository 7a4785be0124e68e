#!/usr/bin/env bash
# Installs everything Statecraft needs to build, run and test, from Debian
# packages only. Non-interactive and idempotent: packages already present are
# skipped, so a second run costs a dpkg query and nothing else.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libcaf-dev libhiredis-dev libmsgpack-cxx-dev libyaml-cpp-dev
  catch2 libboost-dev libboost-system-dev rapidjson-dev libssl-dev libjemalloc-dev
  # JSONata's regular expressions (runtime/jsonata/regex.cpp)
  libpcre2-dev
  redis-server
  # Redis high availability (tests/durability/sentinel_failover.py)
  redis-sentinel
  # fuzz/run.sh (the fuzz-short test): clang with libFuzzer and the
  # sanitizer runtimes (Debian ships them in libclang-rt-14-dev).
  clang libclang-rt-14-dev
  # The web console's browser tests (tests/console/): headless Chromium
  # driven through its WebDriver server, and Firefox (WebDriver BiDi).
  chromium chromium-driver firefox-esr
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq || true
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# redis-server's package starts a system instance on 6379; the tests start
# their own on random loopback ports and never use it.
python3 - <<'PY' || { echo "setup: python3 with boto3 is required for the end-to-end tests" >&2; exit 1; }
import boto3, botocore  # noqa: F401  (shipped with the machine's Python)
PY
command -v aws >/dev/null || echo "setup: warning: the AWS CLI is not on PATH; its end-to-end tests will fail" >&2
# jsonata-js 2.0.6, the reference for the JSONata differential check and
# benchmark (tests/jsonata/differential, bench/jsonata), from npm into a cache
# folder outside the repository. Optional: without npm or the registry those
# two are skipped.
jsonata_js=${STATECRAFT_JSONATA_JS:-${XDG_CACHE_HOME:-$HOME/.cache}/statecraft/jsonata-js-2.0.6}
differential="$(cd "$(dirname "$0")/.." && pwd)/tests/jsonata/differential"
lock=$differential/package-lock.json
if ! cmp -s "$lock" "$jsonata_js/package-lock.json" 2>/dev/null || [ ! -f "$jsonata_js/node_modules/jsonata/package.json" ]; then
  if command -v npm >/dev/null && mkdir -p "$jsonata_js" &&
     cp "$differential/package.json" "$lock" "$jsonata_js/" &&
     (cd "$jsonata_js" && timeout 300 npm ci --no-audit --no-fund --loglevel=error >/dev/null 2>&1); then
    echo "setup: jsonata-js 2.0.6 installed in $jsonata_js"
  else
    rm -f "$jsonata_js/package-lock.json"  # retried by the next run
    echo "setup: warning: could not install jsonata-js 2.0.6 with npm; the JSONata differential check and benchmark will be skipped" >&2
  fi
fi
# The AWS SDKs for JavaScript v2 (aws-sdk) and v3 (@aws-sdk/client-sfn) for
# the end-to-end client tests (tests/e2e/test_js_sdks.py), the same way: the
# versions pinned by tests/e2e/js/package-lock.json, from npm into a cache
# folder. Optional: without npm or the registry those tests are skipped.
if ! "$(dirname "$0")/../tests/e2e/js/install.sh" >/dev/null; then
  echo "setup: warning: could not install the AWS SDKs for JavaScript with npm; their end-to-end tests will be skipped" >&2
fi
# The web console (console/): its npm packages exactly as console/package-lock.json
# pins them (npm ci, skipped when already installed from the same lock), then
# the bundle the node serves at GET / (console/dist; esbuild, about a second).
console_dir="$(cd "$(dirname "$0")/.." && pwd)/console"
if ! command -v npm >/dev/null; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null ||
    echo "setup: warning: could not install nodejs and npm" >&2
fi
if command -v npm >/dev/null; then
  if ! cmp -s "$console_dir/package-lock.json" "$console_dir/node_modules/.statecraft-lock" 2>/dev/null; then
    if (cd "$console_dir" && timeout 300 npm ci --no-audit --no-fund --loglevel=error >/dev/null 2>&1); then
      cp "$console_dir/package-lock.json" "$console_dir/node_modules/.statecraft-lock"
    else
      echo "setup: warning: npm ci failed in console/; the web console is not built (its tests will fail)" >&2
    fi
  fi
  if [ -f "$console_dir/node_modules/.statecraft-lock" ]; then
    (cd "$console_dir" && npm run --silent build >/dev/null) ||
      echo "setup: warning: the web console did not build (cd console && npm run build)" >&2
  fi
else
  echo "setup: warning: npm is missing; the web console is not built (its tests will fail)" >&2
fi
echo "setup: ok"
