#!/usr/bin/env bash
# run.sh - integration tests: real guests on KVM driven with the real CLI.
# Prints one "PASS: name", "FAIL: name" or "SKIP: name: reason" per test.
# Usage: BUILD=build tests/integration/run.sh [TEST_NAME...]
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
WORK=$(mktemp -d /tmp/xenolith-it.XXXXXX)
export XENOLITH_RUNDIR=$WORK/run
source "$ROOT/tests/integration/lib.sh"
for f in "$ROOT"/tests/integration/test_*.sh; do source "$f"; done

cleanup() {
    "$XENOLITH" stop >/dev/null 2>&1
    pkill -f "$WORK" >/dev/null 2>&1 # xl monitors of this run, if any remain
    rm -rf "$WORK"
}
trap cleanup EXIT

all_tests=$(declare -F | awk '{print $3}' | grep '^test_' | sort)
selected=${*:-$all_tests}

if [ ! -c /dev/kvm ]; then
    for t in $selected; do echo "SKIP: $t: no /dev/kvm"; done
    exit 0
fi

if ! out=$("$XENOLITH" start 2>&1); then
    echo "FAIL: stack_start: $out"
    exit 1
fi

TEST_TIMEOUT_S=${TEST_TIMEOUT_S:-180}

# run_test NAME: the test in a subshell with `set -e`, killed (with what it
# started) if it outlives TEST_TIMEOUT_S, so one hang cannot stall the run.
run_test() {
    # No pipefail inside a test: `producer | grep -q` must judge by grep,
    # and an early grep exit leaves the producer with SIGPIPE.
    ( set -e; set +o pipefail; "$1" ) >"$WORK/$1.out" 2>&1 &
    local pid=$!
    # Its own output goes to the test's log, so a sleep it leaves behind
    # never holds our stdout open; a TERM ends the sleep with it.
    ( trap 'kill "$s" 2>/dev/null; exit 0' TERM
      sleep "$TEST_TIMEOUT_S" & s=$!
      wait "$s"
      echo "timed out after ${TEST_TIMEOUT_S} s"
      pkill -TERM -P "$pid"; kill -TERM "$pid" ) >>"$WORK/$1.out" 2>&1 &
    local watchdog=$!
    wait "$pid"
    local rc=$?
    kill "$watchdog" 2>/dev/null
    wait "$watchdog" 2>/dev/null
    return $rc
}

for t in $selected; do
    run_test "$t"
    rc=$?
    if [ $rc -eq 0 ]; then
        echo "PASS: $t"
    elif [ $rc -eq 77 ]; then
        echo "SKIP: $t: $(tail -1 "$WORK/$t.out")"
    else
        echo "FAIL: $t"
        sed 's/^/    /' "$WORK/$t.out" | tail -30
        echo "    --- hypervisor log tail:"
        tail -15 "$XENOLITH_RUNDIR/log/xenolith.log" 2>/dev/null | sed 's/^/    /'
    fi
    # Self-healing between tests: a failed test must not poison the next.
    "$XENOLITH" status >/dev/null 2>&1 || "$XENOLITH" start >/dev/null 2>&1
done
