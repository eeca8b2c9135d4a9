#!/usr/bin/env bash
# Runs the Node SDK compatibility suite: the official `openai` package, unchanged, at 6.49.0 and at 4.104.0, each
# directly against Threadline and through Stoplight Prism's validating proxy (spec conformance, --errors).
# Needs Node 20+ and the server built (dotnet build -c ${CONFIGURATION:-Release} src/Threadline; ../../../test.sh
# does that); with THREADLINE_TEST_POSTGRES_DIR (a tests/postgres/cluster.sh directory) the v6 files run on PostgreSQL
# too. Ends with one line "N passed, N failed, N skipped" summed over the runs; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")"

config=${CONFIGURATION:-Release}
dll=../../../src/Threadline/bin/$config/net10.0/Threadline.dll
work=$(mktemp -d)
stack_pid=
cleanup() {
  stop_stack
  rm -rf "$work"
}
trap cleanup EXIT

fail_early() {
  echo "$1"
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
}

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || fail_early "node is not installed"
[ "$node_major" -ge 20 ] || fail_early "Node 20 or newer is needed (found $(node --version))"
[ -f "$dll" ] || fail_early "$dll is missing: build the server first (dotnet build -c $config src/Threadline)"

# Install exactly what package-lock.json says when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> npm ci"
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error || fail_early "npm ci failed"
fi

# Files whose traffic Prism can check: no extension fields, no event streams, default server configuration.
prism_files=(test/assistants.test.mjs test/threads.test.mjs test/messages.test.mjs test/runs.test.mjs
  test/tools.test.mjs test/idempotency.test.mjs test/prism-selftest.test.mjs test/conversations.test.mjs test/responses.test.mjs test/responses-tools.test.mjs)
direct_files=()
for f in test/*.test.mjs; do [ "$f" != test/prism-selftest.test.mjs ] && direct_files+=("$f"); done

passed=0 failed=0 skipped=0 status=0
# shellcheck source=../../lib/tap-counts.sh
. ../../lib/tap-counts.sh

# start_stack PRISM: one Threadline (and Prism in front of it with PRISM=1) shared by the runs that follow; files
# that need their own configuration start their own. Sets stack_env to the URLs for the test processes.
start_stack() {
  # A log of its own per start: a reused one still holds the previous stack's URL until the new process
  # truncates it, and the wait below could read that (CI did: every v6-postgres call got a connection error).
  local prism=$1 log
  log=$(mktemp "$work/stack-$1.XXXXXX.log")
  PRISM=$prism node lib/stack.mjs >"$log" 2>&1 &
  stack_pid=$!
  local deadline=$((SECONDS + 120))
  until stack_env=$(grep -m1 '^THREADLINE_URL=' "$log"); do
    if ! kill -0 "$stack_pid" 2>/dev/null || [ $SECONDS -gt $deadline ]; then
      cat "$log"
      echo "the server stack (PRISM=$prism) did not start"
      kill -TERM "$stack_pid" 2>/dev/null; wait "$stack_pid" 2>/dev/null
      stack_pid= stack_env=
      return 1
    fi
    sleep 0.2
  done
}

stop_stack() {
  if [ -n "$stack_pid" ]; then kill -TERM "$stack_pid" 2>/dev/null; wait "$stack_pid" 2>/dev/null; fi
  stack_pid=
}

# run NAME PACKAGE PRISM FILES...
run() {
  local name=$1 package=$2 prism=$3
  shift 3
  local out="$work/$name.tap" started=$SECONDS
  echo "==> $name: $package, $# files$([ "$prism" = 1 ] && echo ', through Prism')"
  if [ -z "$stack_env" ]; then
    echo "    $name: 0 passed, 1 failed, 0 skipped (no server)"
    failed=$((failed + 1)) status=1
    return
  fi

  env $stack_env OPENAI_PACKAGE="$package" PRISM="$prism" \
    node --test --test-reporter=tap --test-concurrency=2 "$@" >"$out" 2>&1
  local rc=$?

  tap_counts "$out" "$rc" "$name"
  local p=$tap_passed f=$tap_failed s=$tap_skipped
  [ "$f" -gt 0 ] && status=1
  # Prism's warnings for error statuses the spec does not declare (it lists only 200 and 429): expected, not failures.
  local warnings
  warnings=$(grep -c '^# Prism Warning' "$out")
  echo "    $name: ${p:-0} passed, $f failed, ${s:-0} skipped ($((SECONDS - started)) s$([ "$prism" = 1 ] && echo ", $warnings Prism warnings for undeclared error statuses"))"
  passed=$((passed + ${p:-0})) failed=$((failed + f)) skipped=$((skipped + ${s:-0}))
}

stack_env=
start_stack 0
run v6-direct openai 0 "${direct_files[@]}"
run v4-direct openai-v4 0 "${direct_files[@]}"
stop_stack

stack_env=
start_stack 1
run v6-prism openai 1 "${prism_files[@]}"
run v4-prism openai-v4 1 "${prism_files[@]}"
stop_stack

# The same calls on PostgreSQL when the caller has a test cluster (test.sh: THREADLINE_TEST_POSTGRES_DIR):
# every server of the run, the shared one and those files start, on a database of its own.
if [ -n "${THREADLINE_TEST_POSTGRES_DIR:-}" ]; then
  export THREADLINE_COMPAT_POSTGRES_DIR=$THREADLINE_TEST_POSTGRES_DIR
  stack_env=
  start_stack 0
  run v6-postgres openai 0 "${direct_files[@]}"
  stop_stack
  unset THREADLINE_COMPAT_POSTGRES_DIR
fi

echo "$passed passed, $failed failed, $skipped skipped"
exit $status
