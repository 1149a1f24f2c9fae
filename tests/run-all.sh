#!/usr/bin/env bash
# run-all.sh - every unit suite (cmocka) and every integration test, with one
# closing line for the whole run: "N passed, N failed[, N skipped]".
# Usage: BUILD=build tests/run-all.sh [--unit-only]
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
passed=0 failed=0 skipped=0
failures=()

run_unit_suites() {
    local bin out p f
    for bin in "$BUILD"/tests/unit/*/test_*; do
        [ -x "$bin" ] || continue
        echo "== unit: ${bin#"$BUILD"/tests/unit/}"
        out=$("$bin" 2>&1)
        local rc=$?
        printf '%s\n' "$out" | grep -E '^\[  (FAILED|PASSED)  \]|^\[  ERROR   \]' || true
        p=$(printf '%s\n' "$out" | awk '/^\[  PASSED  \]/ {print $4}')
        f=$(printf '%s\n' "$out" | awk '/^\[  FAILED  \] [0-9]+ test/ {print $4}')
        passed=$((passed + ${p:-0}))
        failed=$((failed + ${f:-0}))
        if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
            failed=$((failed + 1)) # crashed before cmocka could count
            failures+=("$bin (exit $rc)")
            printf '%s\n' "$out" | tail -20
        elif [ "${f:-0}" -ne 0 ]; then
            failures+=("$bin")
            printf '%s\n' "$out" | grep -E '^\[  FAILED  \]|^\[  ERROR   \]|FAIL' | head -40
        fi
    done
}

run_integration() {
    local out line
    echo "== integration"
    while IFS= read -r line; do
        echo "$line"
        case "$line" in
            PASS:*) passed=$((passed + 1)) ;;
            FAIL:*) failed=$((failed + 1)); failures+=("${line#FAIL: }") ;;
            SKIP:*) skipped=$((skipped + 1)) ;;
        esac
    done < <(BUILD="$BUILD" tests/integration/run.sh 2>&1)
}

# Each fuzz harness over its checked-in corpus, briefly (tests/fuzz/run.sh
# --ci), when `make fuzz-bins` has built them.
run_fuzz_corpus() {
    local line
    ls "${FUZZ_BUILD:-build-fuzz}"/fuzz/* >/dev/null 2>&1 || return 0
    echo "== fuzz corpus"
    while IFS= read -r line; do
        echo "$line"
        case "$line" in
            PASS:*) passed=$((passed + 1)) ;;
            FAIL:*) failed=$((failed + 1)); failures+=("${line#FAIL: }") ;;
        esac
    done < <(tests/fuzz/run.sh --ci 2>&1)
}

run_unit_suites
[ "${1:-}" = "--unit-only" ] || run_fuzz_corpus
[ "${1:-}" = "--unit-only" ] || run_integration

if [ ${#failures[@]} -gt 0 ]; then
    echo "== failures:"
    printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
