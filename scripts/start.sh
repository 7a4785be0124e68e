#!/usr/bin/env bash
# The README's first command: set up, build, and start one node on
# 127.0.0.1:8083 with the in-memory store. Extra arguments go to statecraftd
# (e.g. --port 9000, --config config/statecraft.example.yaml).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh statecraftd
exec "${STATECRAFT_BUILD_DIR:-build}/tools/statecraftd/statecraftd" "$@"
