#!/usr/bin/env bash
# The README's second command: set up, build everything, run the whole test
# suite (Catch2 unit tests, golden cases, end-to-end tests with boto3 and the
# AWS CLI against real nodes). Exit status 0 only when everything passed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
cd "${STATECRAFT_BUILD_DIR:-build}"
rc=0
rm -f jsonata-suite.txt jsonata-differential.txt
ctest --output-on-failure --timeout 1500 "$@" || rc=$?
# The JSONata figures (tests/jsonata/suite.cpp and differential.py write
# them), shown whether or not those tests failed.
for f in jsonata-suite.txt jsonata-differential.txt; do
  [ -f "$f" ] && cat "$f"
done
exit "$rc"
