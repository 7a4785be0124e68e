#!/bin/sh
# Distributed Map streamed from/to S3 (moto): 100,000 vs 1,000,000 CSV lines.
# See run.py; results recorded in docs/benchmarks.md.
set -e
cd "$(dirname "$0")/../.."
exec python3 bench/map_stream/run.py --statecraftd "${STATECRAFTD:-build/tools/statecraftd/statecraftd}" "$@"
