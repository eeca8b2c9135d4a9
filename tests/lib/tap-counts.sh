# Sourced by the Node suites' run.sh (tests/compat/node, tests/dashboard).
# tap_counts FILE RC NAME: reads node --test's TAP summary in FILE into tap_passed, tap_failed (cancelled
# tests count as failed) and tap_skipped. A run that printed no summary, or exited non-zero with no failure
# counted, counts one failure; the failures' TAP blocks (with their messages) are printed.
tap_counts() {
  local out=$1 rc=$2 name=$3 cancelled
  tap_passed=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$out" | tail -1)
  tap_failed=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$out" | tail -1)
  cancelled=$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' "$out" | tail -1)
  tap_skipped=$(sed -n 's/^# skipped \([0-9]*\)$/\1/p' "$out" | tail -1)
  if [ -z "$tap_passed" ]; then
    cat "$out"
    echo "$name: node --test printed no summary (exit $rc)"
    tap_failed=1
  fi
  tap_passed=${tap_passed:-0} tap_skipped=${tap_skipped:-0}
  tap_failed=$(( ${tap_failed:-0} + ${cancelled:-0} ))
  if [ "$tap_failed" -gt 0 ] || [ "$rc" -ne 0 ]; then
    [ "$tap_failed" -eq 0 ] && tap_failed=1
    awk '/^ *not ok /{p=1} p{print} /^ *\.\.\.$/{p=0}' "$out"
  fi
}
