#!/usr/bin/env bash
# run.sh - runs the libFuzzer harnesses built by `make fuzz-bins`
# (FUZZ_BUILD, default build-fuzz/fuzz/<target>), one at a time in one process:
# the machine is shared.
#
#   tests/fuzz/run.sh --ci [TARGET...]
#       replays each checked-in corpus (tests/fuzz/<target>/corpus) and
#       then mutates from it for FUZZ_CI_RUNS executions (default 2000) or
#       2 s, whichever ends first, in a scratch directory; prints
#       "PASS: fuzz_<target>" or "FAIL: fuzz_<target>: ..." per target.
#   tests/fuzz/run.sh --seconds N [TARGET...]
#       fuzzes each target for N seconds, keeping what it finds in
#       $FUZZ_BUILD/corpus/<target> (the checked-in seeds are read, never
#       written); prints executions, coverage and crashes per target.
# A crash leaves its input in $FUZZ_BUILD/artifacts/<target>/; copy it into
# the target's corpus once fixed, so CI replays it from then on.
set -uo pipefail
cd "$(dirname "$0")/../.."
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
mode=${1:-}
shift || true
seconds=60
if [ "$mode" = --seconds ]; then seconds=${1:?--seconds N}; shift; fi
[ "$mode" = --ci ] || [ "$mode" = --seconds ] || { echo "usage: $0 --ci|--seconds N [TARGET...]" >&2; exit 2; }
targets=${*:-$(ls -d tests/fuzz/*/ | xargs -n1 basename)}
# Leaks are findings; a slow input (60 s) is a hang.
common=(-timeout=60 -rss_limit_mb=2048 -print_final_stats=1)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
failed=0

for t in $targets; do
    bin=$FUZZ_BUILD/fuzz/$t
    corpus=tests/fuzz/$t/corpus
    if [ ! -x "$bin" ]; then echo "FAIL: fuzz_$t: $bin not built (make fuzz-bins)"; failed=1; continue; fi
    art=$FUZZ_BUILD/artifacts/$t/
    mkdir -p "$art"
    log=$FUZZ_BUILD/fuzz-$t.log
    if [ "$mode" = --ci ]; then
        scratch=$(mktemp -d)
        if ! "$bin" "${common[@]}" -runs=0 -artifact_prefix="$art" "$corpus" >"$log" 2>&1; then
            echo "FAIL: fuzz_$t: a corpus input fails (see $log)"; failed=1
        elif ! "$bin" "${common[@]}" -runs="${FUZZ_CI_RUNS:-2000}" -max_total_time=2 \
                -artifact_prefix="$art" "$scratch" "$corpus" >>"$log" 2>&1; then
            echo "FAIL: fuzz_$t: a mutation crashed (input in $art, see $log)"; failed=1
        else
            echo "PASS: fuzz_$t"
        fi
        rm -rf "$scratch"
    else
        work=$FUZZ_BUILD/corpus/$t
        mkdir -p "$work"
        "$bin" "${common[@]}" -max_total_time="$seconds" -artifact_prefix="$art" \
            "$work" "$corpus" >"$log" 2>&1
        rc=$?
        execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log" | tail -1)
        cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
        crashes=$(ls "$art" 2>/dev/null | wc -l)
        echo "fuzz_$t: ${execs:-?} executions in ${seconds} s, ${cov:-cov: ?}, exit $rc, $crashes artifact(s) in $art"
        [ "$rc" -eq 0 ] || failed=1
    fi
done
exit $failed
