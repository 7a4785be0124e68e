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
  # fuzz/run.sh (the fuzz-short test): clang with libFuzzer and the
  # sanitizer runtimes (Debian ships them in libclang-rt-14-dev).
  clang libclang-rt-14-dev
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
echo "setup: ok"
