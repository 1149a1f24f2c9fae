# test_events.sh - event channels and time, seen from guests and from a
# Dom0 program.

TOOLS=$ROOT/$BUILD/tests/tools

domid_of() { "$XL" list "$1" | awk -v n="$1" '$1 == n { print $2 }'; }

test_guest_event_channel_selftest_passes() {
    local cfg
    cfg=$(guest_cfg evself "app=evtchn-selftest" 'on_poweroff = "preserve"' 'on_crash = "preserve"')
    "$XL" create "$cfg"
    wait_console evself "^evtchn-selftest: [0-9]+ passed, [0-9]+ failed$" 20
    grep "^FAIL" "$(console_log evself)" >&2 && return 1
    wait_console evself "^evtchn-selftest: 40 passed, 0 failed$"
    wait_state evself '^---s--$'
    "$XL" destroy evself
}

test_guest_sleeps_100ms_within_5_percent_by_its_pvclock() {
    local cfg
    cfg=$(guest_cfg sleep1 "app=sleeptest ms=100 count=3")
    "$XL" create "$cfg"
    wait_console sleep1 "asked 100 ms.*\$" 10
    local n=0
    while [ "$n" -lt 3 ]; do
        n=$(grep -c "^sleeptest: asked 100 ms" "$(console_log sleep1)" || true)
        sleep 0.05
    done
    # Each sleep, by pvclock and by raw TSC: 95..105 ms.
    awk '/^sleeptest: asked/ {
            for (i = 1; i <= NF; i++) if ($i == "pvclock" || $i == "tsc") {
                v = $(i + 1) + 0; if (v < 95 || v > 105) { print "out of range: " $0; bad = 1 } }
         } END { exit bad }' "$(console_log sleep1)"
    grep -q "wall clock [0-9]\{10\} s" "$(console_log sleep1)"
}

test_dom0_program_and_guest_ping_pong_100000_times_none_lost() {
    local cfg domid port
    cfg=$(guest_cfg echo1 "app=evtchn-echo count=100000")
    "$XL" create "$cfg"
    wait_console echo1 "port [0-9]+ ready for Dom0"
    domid=$(domid_of echo1)
    port=$(sed -n 's/.*port \([0-9]*\) ready for Dom0.*/\1/p' "$(console_log echo1)")
    "$TOOLS/evtchn_pingpong" "$domid" "$port" 100000 | tee "$WORK/pingpong.out"
    grep -q "100000 round trips, none lost" "$WORK/pingpong.out"
    wait_console echo1 "^evtchn-echo: answered 100000 pings$"
    wait_state echo1 '^gone$'
}

test_dom0_bind_misuse_is_refused() {
    local cfg domid
    cfg=$(guest_cfg echo2 "app=evtchn-echo count=1 idle_s=5")
    "$XL" create "$cfg"
    wait_console echo2 "ready for Dom0"
    domid=$(domid_of echo2)
    expect_fail "Invalid argument" "$TOOLS/evtchn_pingpong" "$domid" 900 1
    expect_fail "Invalid argument" "$TOOLS/evtchn_pingpong" "$domid" 0 1
    expect_fail "No such process" "$TOOLS/evtchn_pingpong" 4000 1 1
    # The guest's own port still works after the refusals.
    port=$(sed -n 's/.*port \([0-9]*\) ready for Dom0.*/\1/p' "$(console_log echo2)")
    "$TOOLS/evtchn_pingpong" "$domid" "$port" 1 | grep -q "1 round trips, none lost"
}

test_periodic_timer_ticks_on_schedule() {
    local cfg
    cfg=$(guest_cfg tick1 "app=timerjitter period_us=2000 count=300")
    "$XL" create "$cfg"
    wait_console tick1 "^timerjitter: 300 ticks of 2000 us, median" 20
}

# smp_guest NAME VCPUS: every vCPU comes up and IPIs run where they are bound.
smp_guest() {
    local cfg i
    cfg=$(guest_cfg "$1" "app=smp ipis=500" "vcpus = $2" 'on_poweroff = "preserve"' 'on_crash = "preserve"')
    "$XL" create "$cfg"
    wait_console "$1" "^smp: 500 IPI round trips vCPU 0 <-> vCPU 1, .* 0 on a wrong vCPU$" 20
    wait_console "$1" "^smp: $2 of $2 vCPUs up$"
    for i in $(seq 1 $(($2 - 1))); do wait_console "$1" "^smp: vCPU $i up$"; done
    wait_state "$1" '^---s--$'
    [ "$("$XL" list "$1" | awk -v n="$1" '$1 == n {print $4}')" = "$2" ]
    "$XL" destroy "$1"
}

test_two_vcpu_guest_brings_up_its_vcpu_and_ipis_go_both_ways() {
    smp_guest smp2v 2
}

test_four_vcpu_guest_brings_up_all_vcpus() {
    smp_guest smp4v 4
}

# The other two Xen upcall/idle styles a foreign guest may use.
test_callback_vector_without_eoi_and_schedop_block_deliver_events() {
    local mode name i=0
    for mode in "upcall=callback" "idle=block" "upcall=callback idle=block"; do
        i=$((i + 1))
        name=mode$i
        "$XL" create "$(guest_cfg "$name" "app=sleeptest ms=50 count=3 $mode")"
        wait_console "$name" "^sleeptest: asked 50 ms, pvclock (4[89]|5[0-2])\\.[0-9]+ ms" 10
        wait_state "$name" '^gone$'
        [ "$(grep -c '^sleeptest: asked 50 ms' "$(console_log "$name")")" -eq 3 ]
    done
    "$XL" create "$(guest_cfg cbself "app=evtchn-selftest upcall=callback" 'on_crash = "preserve"')"
    wait_console cbself "^evtchn-selftest: 40 passed, 0 failed$" 20
}

# Two guests set up a channel through xenstore, as split drivers do, with
# this test as the toolstack telling each its peer.
test_two_guests_ping_pong_through_an_interdomain_channel() {
    local a b port
    export XENSTORED_PATH=$XENOLITH_RUNDIR/xenstored.sock
    command -v xenstore-write >/dev/null || { echo "xenstore-utils is not installed"; exit 77; }
    "$XL" create "$(guest_cfg pong1 "app=evtchn-peer role=pong count=10000")"
    "$XL" create "$(guest_cfg ping1 "app=evtchn-peer role=ping count=10000")"
    a=$(domid_of ping1)
    b=$(domid_of pong1)
    xenstore-write "/local/domain/$b/data/peer" "$a"
    wait_console pong1 "^evtchn-peer: pong offers port [0-9]+ to d$a$"
    port=$(xenstore-read "/local/domain/$b/data/port")
    xenstore-write "/local/domain/$a/data/peer" "$b" "/local/domain/$a/data/peer-port" "$port"
    wait_console ping1 "^evtchn-peer: 10000 round trips with d$b, none lost" 30
    wait_console pong1 "^evtchn-peer: pong answered 10000$"
}

test_guest_xenstore_client_over_its_ring() {
    "$XL" create "$(guest_cfg xst1 "app=xenstore-test" 'on_crash = "preserve"')"
    wait_console xst1 "^xenstore-test: [0-9]+ passed, [0-9]+ failed$" 20
    grep "^FAIL" "$(console_log xst1)" >&2 && return 1
    wait_console xst1 "^xenstore-test: 31 passed, 0 failed$"
}

test_guest_cooperative_threads_sleep_and_yield_on_the_guest_clock() {
    "$XL" create "$(guest_cfg threads1 "app=threads" 'on_crash = "preserve"')"
    wait_console threads1 "^threads: yielder yielded 1000 times; all done in [0-9]+ ms .*: (PASS|FAIL)$" 10
    wait_console threads1 ": PASS$"
    [ "$(grep -c 'woke .* times (expected' "$(console_log threads1)")" -eq 3 ]
}

# Dom0's services learn of domain deaths as on Xen: VIRQ_DOM_EXC.
test_dom0_global_virq_dom_exc_fires_when_a_domain_shuts_down() {
    "$TOOLS/virq_watch" 3 10 >"$WORK/virq.out" 2>&1 &
    local watcher=$!
    for _ in $(seq 1 100); do grep -q bound "$WORK/virq.out" && break; sleep 0.02; done
    grep -q "bound VIRQ 3" "$WORK/virq.out"
    expect_fail "File exists" "$TOOLS/virq_watch" 3 1     # Dom0 has it already
    expect_fail "Invalid argument" "$TOOLS/virq_watch" 0 1 # VIRQ_TIMER is per-vCPU
    "$XL" create "$(guest_cfg domexc1 "app=hello")"
    wait "$watcher"
    grep -q "VIRQ 3 fired" "$WORK/virq.out"
}
