#!/usr/bin/env bash
# Runs every test suite of Threadline and ends with one line: "N passed, N failed, N skipped".
# Needs the .NET 10 SDK and Node 20+ (and the npm registry for the Node suite's first npm ci).
# Exits non-zero when any test fails or a suite cannot run.
set -uo pipefail
cd "$(dirname "$0")"

config=${CONFIGURATION:-Release}
results=$(mktemp -d)
status=0

echo "==> dotnet build ($config)"
if ! dotnet build Threadline.sln -c "$config" -nologo -v quiet; then
  echo "build failed"
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

# The benchmark smoke run drives HTTP load with Debian's wrk when it is there (its own client otherwise).
if ! command -v wrk >/dev/null 2>&1; then
  echo "==> installing wrk (Debian package)"
  if [ "$(id -u)" -eq 0 ]; then apt_get="apt-get"; elif command -v sudo >/dev/null 2>&1; then apt_get="sudo apt-get"; else apt_get=""; fi
  if [ -n "$apt_get" ]; then
    (DEBIAN_FRONTEND=noninteractive $apt_get install -y -qq wrk >/dev/null 2>&1 \
      || { DEBIAN_FRONTEND=noninteractive $apt_get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive $apt_get install -y -qq wrk >/dev/null 2>&1; }) \
      || echo "wrk could not be installed; the benchmark smoke run uses its own client"
  fi
fi

# The webhook tests check signatures with the npm standardwebhooks package.
echo "==> npm ci (tests/webhook-verifier)"
if ! (cd tests/webhook-verifier && npm ci --no-audit --no-fund --loglevel=error); then
  echo "npm ci failed in tests/webhook-verifier"; status=1
fi

# A throwaway PostgreSQL 15 cluster (installed from Debian when missing), stopped and deleted at exit.
echo "==> PostgreSQL cluster (tests/postgres/cluster.sh)"
pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/threadline-pg.XXXXXX")
trap 'bash tests/postgres/cluster.sh stop "$pg_dir"' EXIT
if pg_connection=$(bash tests/postgres/cluster.sh start "$pg_dir"); then
  export THREADLINE_TEST_POSTGRES="$pg_connection" THREADLINE_TEST_POSTGRES_DIR="$pg_dir"
  echo "PostgreSQL at $pg_connection"
else
  echo "the PostgreSQL cluster could not start; the PostgreSQL suites fail"; status=1
fi

echo "==> dotnet test (SQLite)"
dotnet test Threadline.sln -c "$config" --no-build -nologo \
  --logger "trx;LogFilePrefix=sqlite" --results-directory "$results" \
  --logger "console;verbosity=normal" || status=1

# The store conformance suite and the queue, crash, streaming and run suites again on PostgreSQL, with
# the tests that need several nodes on one PostgreSQL (skipped on SQLite).
echo "==> dotnet test (PostgreSQL)"
THREADLINE_TEST_STORAGE=postgres dotnet test tests/Threadline.Tests -c "$config" --no-build -nologo \
  --filter "FullyQualifiedName~Threadline.Tests.Storage|FullyQualifiedName~Threadline.Tests.Queue|FullyQualifiedName~Threadline.Tests.Streaming|FullyQualifiedName~Threadline.Tests.Runs|FullyQualifiedName~Threadline.Tests.MultiNode|FullyQualifiedName~DeliveryAfterCrash|FullyQualifiedName~Threadline.Tests.Dashboard" \
  --logger "trx;LogFilePrefix=postgres" --results-directory "$results" \
  --logger "console;verbosity=normal" || status=1

# Sum the counters of every TRX file (one per test project).
read -r passed failed skipped < <(python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
p = f = s = 0
for path in glob.glob(sys.argv[1] + "/**/*.trx", recursive=True):
    c = ET.parse(path).getroot().find(".//{*}Counters")
    if c is None: continue
    p += int(c.get("passed", 0)); f += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0)) + int(c.get("aborted", 0))
    s += int(c.get("notExecuted", 0))
print(p, f, s)
PY
)

# The official Node SDKs (openai 6.x and 4.x) against the server, directly and through Prism's spec validation,
# and openai 6.x again on PostgreSQL.
echo "==> Node SDK compatibility (tests/compat/node/run.sh)"
node_log="$results/node-compat.log"
CONFIGURATION="$config" bash tests/compat/node/run.sh 2>&1 | tee "$node_log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
read -r np nf ns < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' "$node_log" | tail -1)
if [ -z "${np:-}" ]; then np=0 nf=1 ns=0; status=1; fi
passed=$(( ${passed:-0} + np )) failed=$(( ${failed:-0} + nf )) skipped=$(( ${skipped:-0} + ns ))

# The operator's dashboard in a real browser (playwright-core driving Debian's chromium, installed when missing)
# against real servers.
echo "==> dashboard in the browser (tests/dashboard/run.sh)"
dashboard_log="$results/dashboard.log"
CONFIGURATION="$config" bash tests/dashboard/run.sh 2>&1 | tee "$dashboard_log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
read -r dp df ds < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' "$dashboard_log" | tail -1)
if [ -z "${dp:-}" ]; then dp=0 df=1 ds=0; status=1; fi
passed=$(( ${passed:-0} + dp )) failed=$(( ${failed:-0} + df )) skipped=$(( ${skipped:-0} + ds ))

# The benchmark harness, as a smoke run with tiny sizes so that it keeps working: it reports its
# targets, it asserts none of them (timings belong to the full run, docs/benchmarks.md). One check.
echo "==> benchmark smoke run (bench, --smoke)"
if dotnet run -c "$config" --no-build --project bench -- all --smoke --no-build; then
  passed=$(( ${passed:-0} + 1 ))
else
  echo "the benchmark smoke run failed"; failed=$(( ${failed:-0} + 1 )); status=1
fi

if [ "${passed:-0}" -eq 0 ] && [ "${failed:-0}" -eq 0 ]; then
  echo "no test ran"; failed=1; status=1
fi
[ "${failed:-0}" -gt 0 ] && status=1
echo "${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
exit $status
