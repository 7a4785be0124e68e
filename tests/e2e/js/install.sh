#!/usr/bin/env bash
# Installs the AWS SDKs for JavaScript v2 (aws-sdk) and v3
# (@aws-sdk/client-sfn) at the versions pinned by package-lock.json next to
# this script, with `npm ci`, into a cache folder outside the repository:
# $STATECRAFT_JS_SDKS, else ${XDG_CACHE_HOME:-~/.cache}/statecraft/aws-sdk-js.
# Prints that folder's node_modules path. Nothing to do when the installed
# lock file is this one. Exit status 1 (with the reason on stderr) when npm or
# the registry is unavailable. Used by scripts/setup.sh and, when the set-up
# was skipped, by tests/e2e/test_js_sdks.py.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dest=${STATECRAFT_JS_SDKS:-${XDG_CACHE_HOME:-$HOME/.cache}/statecraft/aws-sdk-js}
if cmp -s "$here/package-lock.json" "$dest/package-lock.json" 2>/dev/null &&
   [ -f "$dest/node_modules/aws-sdk/package.json" ] &&
   [ -f "$dest/node_modules/@aws-sdk/client-sfn/package.json" ]; then
  echo "$dest/node_modules"
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "install.sh: npm is not installed" >&2
  exit 1
fi
mkdir -p "$dest"
cp "$here/package.json" "$here/package-lock.json" "$dest/"
if ! out=$(cd "$dest" && timeout 300 npm ci --no-audit --no-fund --loglevel=error 2>&1); then
  rm -f "$dest/package-lock.json"  # retried by the next run
  why=$(echo "$out" | grep -m1 -E '^npm (error|ERR!) (code|network|errno) ' || echo "$out" | tail -1)
  echo "install.sh: npm ci failed in $dest (registry unreachable?): $why" >&2
  exit 1
fi
echo "$dest/node_modules"
