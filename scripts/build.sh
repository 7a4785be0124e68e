#!/usr/bin/env bash
# Configures (once) and builds Statecraft in ./build with Ninja and ccache.
# Usage: scripts/build.sh [ninja targets...]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${STATECRAFT_BUILD_DIR:-build}
if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE:-RelWithDebInfo}
fi
jobs=${STATECRAFT_JOBS:-$(nproc)}
ninja -C "$build" -j "$jobs" "$@"
