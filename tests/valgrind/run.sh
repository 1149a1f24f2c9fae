#!/usr/bin/env bash
# run.sh - the Dom0 daemons under a memory checker over a few integration
# tests: xenstored, xenconsoled and netback under valgrind (memcheck, full
# leak check); blkback built with ASan+UBSan ($ASAN_BUILD/bin/blkback,
# leak check at exit), because valgrind 3.19 keeps its big lock across a
# blocking io_uring_enter and blkback's completion threads then stall
# every other thread (seen: no vbd ever connected).
#
# A copy of the build in $VG_BUILD (default build-valgrind) has wrapper
# scripts in place of the two daemons, so the hypervisor daemon starts and
# supervises them exactly as usual, each inside valgrind; every valgrind
# run writes $VG_BUILD/logs/<daemon>.<pid>.log. Afterwards each log must
# show no memory error and nothing definitely or indirectly lost.
#   Usage: BUILD=build tests/valgrind/run.sh [TEST_NAME...]
# Prints the integration tests' PASS/FAIL lines, one "PASS|FAIL: valgrind
# <log>" per daemon process, and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
VG=${VG_BUILD:-build-valgrind}
tests=${*:-test_xenstore_basic test_xenstore_permissions test_xenstore_oversized_and_malformed_input test_console_ring_output_reaches_the_log_and_xl_console test_console_hostile_ring_is_dropped_and_other_guests_keep_working test_hostile_guest_changes_nothing_it_does_not_own test_block_blktest_64m_every_feature_on test_block_detach_during_io test_net_two_guests_ping_each_other_through_the_switch test_net_hostile_frontend_leaves_netback_serving_others test_counter_with_disk_and_vif_survives_save_and_restore_under_load}
command -v valgrind >/dev/null || { echo "FAIL: valgrind is not installed"; exit 1; }

rm -rf "$VG"
mkdir -p "$VG/bin" "$VG/real" "$VG/logs"
cp "$BUILD"/bin/* "$VG/bin/"   # copies: the daemon finds its services beside its own /proc/self/exe
ln -s "$PWD/$BUILD/guest" "$VG/guest"
ln -s "$PWD/$BUILD/tests" "$VG/tests"
for d in xenstored xenconsoled netback; do
    mv "$VG/bin/$d" "$VG/real/$d"
    cat >"$VG/bin/$d" <<WRAP
#!/bin/sh
exec valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \\
    --errors-for-leak-kinds=definite,indirect --log-file=$PWD/$VG/logs/$d.%p.log \\
    $PWD/$VG/real/$d "\$@"
WRAP
    chmod +x "$VG/bin/$d"
done

# blkback: the sanitizer build, each process's reports in its own file.
ASAN_BUILD=${ASAN_BUILD:-build-asan}
[ -x "$ASAN_BUILD/bin/blkback" ] || { echo "FAIL: no $ASAN_BUILD/bin/blkback (make check-valgrind builds it)"; exit 1; }
rm -f "$VG/bin/blkback"
cat >"$VG/bin/blkback" <<WRAP
#!/bin/sh
touch $PWD/$VG/logs/blkback-ran.\$\$
export ASAN_OPTIONS=log_path=$PWD/$VG/logs/blkback-asan:detect_leaks=1
export UBSAN_OPTIONS=log_path=$PWD/$VG/logs/blkback-ubsan:print_stacktrace=1
exec $PWD/$ASAN_BUILD/bin/blkback "\$@"
WRAP
chmod +x "$VG/bin/blkback"

failed=0
# valgrind makes the daemons ~20x slower: give each test more time.
TEST_TIMEOUT_S=600 BUILD=$VG tests/integration/run.sh $tests | tee "$VG/integration.out"
grep -q '^FAIL' "$VG/integration.out" && failed=1

ran=$(ls "$VG"/logs/blkback-ran.* 2>/dev/null | wc -l)
reports=$(ls "$VG"/logs/blkback-asan.* "$VG"/logs/blkback-ubsan.* 2>/dev/null)
if [ "$ran" -eq 0 ]; then
    echo "FAIL: asan blkback: it never ran"; failed=1
elif [ -n "$reports" ]; then
    echo "FAIL: asan blkback: reports in $reports"; head -60 $reports | sed 's/^/    /'; failed=1
else
    echo "PASS: asan blkback: $ran processes, no ASan, UBSan or leak report"
fi
for log in "$VG"/logs/*.log; do
    [ -e "$log" ] || { echo "FAIL: valgrind: no daemon ran under valgrind"; failed=1; break; }
    errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" | tail -1)
    if [ -z "$errors" ]; then
        echo "FAIL: valgrind $(basename "$log"): no summary (killed before it exited?)"; failed=1
    elif [ "$errors" -ne 0 ]; then
        echo "FAIL: valgrind $(basename "$log"): $errors errors"; sed 's/^/    /' "$log" | head -60; failed=1
    else
        echo "PASS: valgrind $(basename "$log"): 0 errors, $(grep -o 'definitely lost: [0-9,]* bytes' "$log" | tail -1 || echo 'no leaks')"
    fi
done
exit $failed
