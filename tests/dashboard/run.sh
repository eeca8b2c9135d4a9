#!/usr/bin/env bash
# Runs the dashboard's end-to-end browser tests: a real Threadline server per test file, Debian's chromium
# driven by playwright-core (which downloads no browser), the official openai package acting as the user's
# application. Needs Node 20+ and the server built (dotnet build -c ${CONFIGURATION:-Release} src/Threadline);
# installs Debian's chromium when /usr/bin/chromium is missing. Works from any directory
# (bash tests/dashboard/run.sh from the repository root). Ends with one line "N passed, N failed, N skipped";
# exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")"

config=${CONFIGURATION:-Release}
dll=../../src/Threadline/bin/$config/net10.0/Threadline.dll
chromium=${CHROMIUM:-/usr/bin/chromium}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail_early() {
  echo "$1"
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
}

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || fail_early "node is not installed"
[ "$node_major" -ge 20 ] || fail_early "Node 20 or newer is needed (found $(node --version))"
[ -f "$dll" ] || fail_early "$dll is missing: build the server first (dotnet build -c $config src/Threadline)"

# The browser: Debian's chromium package (playwright-core drives it; it fetches no browser of its own).
if [ ! -x "$chromium" ]; then
  echo "==> installing chromium (Debian package)"
  if [ "$(id -u)" -eq 0 ]; then apt_get="apt-get"; elif command -v sudo >/dev/null 2>&1; then apt_get="sudo apt-get"; else apt_get=""; fi
  [ -n "$apt_get" ] || fail_early "chromium is missing and apt-get cannot be run as root (no sudo): install Debian's chromium"
  (DEBIAN_FRONTEND=noninteractive $apt_get install -y -qq chromium >/dev/null 2>&1 \
    || { DEBIAN_FRONTEND=noninteractive $apt_get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive $apt_get install -y -qq chromium >/dev/null 2>&1; }) \
    || fail_early "chromium could not be installed (apt-get install chromium)"
  [ -x "$chromium" ] || fail_early "$chromium is still missing after installing chromium"
fi

# Install exactly what package-lock.json says when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> npm ci"
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error || fail_early "npm ci failed"
fi

out="$work/dashboard.tap"
started=$SECONDS
echo "==> dashboard: $(ls test/*.test.mjs | wc -l) files, chromium $("$chromium" --version 2>/dev/null | awk '{print $2}')"
CHROMIUM="$chromium" node --test --test-reporter=tap --test-concurrency=2 test/*.test.mjs >"$out" 2>&1
rc=$?

# shellcheck source=../lib/tap-counts.sh
. ../lib/tap-counts.sh
tap_counts "$out" "$rc" dashboard
p=$tap_passed f=$tap_failed s=$tap_skipped
status=0
[ "$f" -gt 0 ] && status=1
echo "    dashboard: ${p:-0} passed, $f failed, ${s:-0} skipped ($((SECONDS - started)) s)"
echo "${p:-0} passed, $f failed, ${s:-0} skipped"
exit $status
