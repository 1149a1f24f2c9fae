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

for t in $selected; do
    ( set -e; "$t" ) >"$WORK/$t.out" 2>&1
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
