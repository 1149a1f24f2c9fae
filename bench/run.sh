#!/usr/bin/env bash
# run.sh - `make bench`: measure Xenolith's figures beside the host's own
# limits, measured in the same run, print a table and write
# $BUILD/bench/results.json. See bench/README.md.
# Usage: BUILD=build bench/run.sh
#
# The script starts its own daemon on its own run directory
# ($BUILD/bench/run) and stops it on exit, even on failure. If a guest never
# reports, it names the figure and exits 1; it never writes a figure it did
# not measure. Outputs are parsed with awk, sed and grep only.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) B=$BUILD ;; *) B=$ROOT/$BUILD ;; esac

XL=$B/bin/xl
XENOLITH=$B/bin/xenolith
GUEST=$B/guest/xenolith-guest
RAW_KVM=$B/bench/bin/raw_kvm
HOST_COMPUTE=$B/bench/bin/host_compute
PINGPONG=$B/tests/tools/evtchn_pingpong
GNTTAB_RATE=$B/bench/bin/gnttab_rate
XS_BENCH=$B/bench/bin/xenstore_bench
BLK_HOST=$B/bench/bin/blk_host
TCP_LOOPBACK=$B/bench/bin/tcp_loopback
NET_HOST=$B/bench/bin/net_host
# Xen's own libxenstore as the client when the build has it (libxen-dev).
[ -x "$B/bench/bin/xenstore_bench_xen" ] && XS_BENCH=$B/bench/bin/xenstore_bench_xen
RESULTS=$B/bench/results.json
WORK=$B/bench/work                  # configs, program outputs, the table's rows
export XENOLITH_RUNDIR=$B/bench/run # our own daemon: socket, logs, pid file

# The size of each measurement.
HC_GUESTS=5 HC_ITERS=2000 HC_REPS=5 # hypercall_roundtrip
RAW_KVM_REPS=15                     # its limit, pio_exit_us; also evtchn_limit_us
RAW_KVM_EVT_ITERS=1000              # evtchn_limit_us: round trips per rep
BOOT_GUESTS=20                      # domain_boot
CREATE_DESTROY_N=30                 # domain_create_destroy_rate
COMPUTE_ITERS=100000000 COMPUTE_REPS=5
EVTCHN_RUNS=3 EVTCHN_ITERS=20000      # evtchn_roundtrip_dom0
JITTER_TICKS=2000                     # timer_jitter
GNTTAB_PAGES=64 GNTTAB_ITERS=2000 GNTTAB_REPS=5 # grant_map_unmap_rate(_batch32)
XS_ITERS=2000                       # xenstore_*: requests per client per figure
BLK_REPS=5 BLK_SECONDS=2            # blk_*: guest and host runs, alternated, per figure
BLK_IMAGE_MB=1024                   # the disk both read and write, on the build's filesystem
SR_REPS=3 SR_MIB=256 SR_FILL_MIB=224 # save_restore_256m: runs, guest size, data in it
MIG_REPS=3 MIG_MIB=256               # migrate_*: runs per load, guest size
MIG_DIRTY_MIB=64 MIG_DIRTY_RATE=10   # the dirtier: its area and MiB/s rewritten
DENSITY_MAX=200 DENSITY_TIME_S=150   # density: the cap and the time bound
XS_GUEST_OPS=5000 XS_GUEST_RUNS=3   # xenstore_guest_*: requests per figure, guests
GUEST_TIMEOUT_S=20                  # a guest must report within this
POLL_S=0.001                        # console-log poll interval (~1.1 ms in practice)

FIGURES=$WORK/figures.tsv # name value unit limit ratio target how

# ---- helpers

# die FIGURE WHY: say which figure failed and why, and exit 1 (the EXIT trap
# stops the daemon).
die() {
    echo "bench: FAIL: $1: $2" >&2
    exit 1
}

# cleanup: the EXIT trap. Stops our daemon (and with it any guest left),
# and the migration target's if it runs.
cleanup() {
    "$XENOLITH" stop >/dev/null ||
        echo "bench: warning: could not stop the daemon in $XENOLITH_RUNDIR" >&2
    if [ -n "${RUN2:-}" ] && [ -e "$RUN2/xenolith.pid" ]; then
        XENOLITH_RUNDIR=$RUN2 "$XENOLITH" stop >/dev/null 2>&1 || true
    fi
}

# now_us: set NOW_US to the wall clock in microseconds. $EPOCHREALTIME is a
# bash builtin (no fork); stripping non-digits removes the locale's radix.
now_us() { NOW_US=${EPOCHREALTIME//[!0-9]/}; }

# tick: sleep POLL_S without forking. read times out on a FIFO we hold open
# both ways, so no data and no EOF ever arrive on it.
tick() { read -r -t "$POLL_S" -u "$TICK_FD" _ || true; }

# median: the median of the numbers on stdin, one a line (the mean of the
# middle two for an even count). Prints nothing for no input.
median() {
    sort -g | awk '{ v[NR] = $1 }
        END { if (NR == 0) exit
              if (NR % 2) print v[(NR + 1) / 2]
              else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# is_number FIGURE VALUE WHAT: VALUE must be a plain decimal number.
is_number() {
    [[ $2 =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "$1" "could not parse $3 (got '$2')"
}

# create_guest FIGURE NAME CMDLINE [-p]: xl create our guest kernel.
# create_guest FIGURE NAME CMDLINE [-p] [KEY=VALUE ...]: xl's options go
# before the config file, the KEY=VALUE overrides after it.
create_guest() {
    local figure=$1 name=$2 cmdline=$3 a
    shift 3
    local opts=() overrides=()
    for a in "$@"; do
        case $a in -*) opts+=("$a") ;; *) overrides+=("$a") ;; esac
    done
    "$XL" create "${opts[@]}" "$WORK/guest.cfg" "name=\"$name\"" "cmdline=\"$cmdline\"" \
        "${overrides[@]}" \
        >"$WORK/xl-create.out" 2>&1 ||
        die "$figure" "xl create $name failed: $(cat "$WORK/xl-create.out")"
}

# wait_console FIGURE NAME ERE: poll NAME's console log every POLL_S until a
# whole line matches ERE. Sets LINE to that line and SEEN_US to when it was
# seen. Only bash builtins run in the loop, so a poll costs no fork.
wait_console() {
    local figure=$1 name=$2 re=$3 text l lines
    local log=$XENOLITH_RUNDIR/log/console/guest-$name.log # no $(...): no fork
    now_us
    local deadline=$((NOW_US + GUEST_TIMEOUT_S * 1000000))
    while :; do
        now_us
        text=
        if [[ -r $log ]]; then IFS= read -r -d '' text <"$log" || true; fi
        if [[ $text == *$'\n'* ]]; then
            lines=()
            mapfile -t lines <<<"${text%$'\n'*}" # whole lines only
            for l in "${lines[@]}"; do
                if [[ $l =~ $re ]]; then LINE=$l SEEN_US=$NOW_US; return 0; fi
                if [[ $l =~ guest\ crashed|unknown\ app|must\ be ]]; then
                    die "$figure" "guest $name failed: $l"
                fi
            done
        fi
        if ((NOW_US > deadline)); then
            die "$figure" "guest $name did not print /$re/ within ${GUEST_TIMEOUT_S} s; its console: $(cat "$log" 2>/dev/null || echo '(no log)')"
        fi
        tick
    done
}

# wait_gone FIGURE NAME: the domain has left xl list (on_poweroff=destroy).
wait_gone() {
    local figure=$1 name=$2 list i
    for ((i = 0; i < GUEST_TIMEOUT_S * 50; i++)); do
        list=$("$XL" list 2>&1) || die "$figure" "xl list failed: $list"
        awk -v n="$name" '$1 == n { found = 1 } END { exit !found }' <<<"$list" || return 0
        sleep 0.02
    done
    die "$figure" "domain $name still listed ${GUEST_TIMEOUT_S} s after it reported"
}

# record NAME VALUE UNIT LIMIT TARGET HOW: one row of the table and of
# results.json. LIMIT is "null" where none applies; the ratio is then null.
# TARGET is e.g. "ratio<=1.2", "value<=20" or "-".
record() {
    local name=$1 value=$2 unit=$3 limit=$4 target=$5 how=$6 ratio=null
    is_number "$name" "$value" "its value"
    if [ "$limit" != null ]; then
        is_number "$name" "$limit" "its limit"
        ratio=$(awk -v v="$value" -v l="$limit" 'BEGIN { if (l > 0) printf "%.3f", v / l; else print "null" }')
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$value" "$unit" "$limit" "$ratio" "$target" "$how" >>"$FIGURES"
}

# ---- the host's limits

# raw_kvm's evtchn_limit_pinned_us and evtchn_limit_spin_us lines are shown,
# not recorded: evtchn_limit_us (unpinned, halting guest) is the limit.
measure_raw_kvm() {
    local out pio ioev evt
    out=$("$RAW_KVM" --iters "$HC_ITERS" --reps "$RAW_KVM_REPS" \
        --evt-iters "$RAW_KVM_EVT_ITERS" 2>&1) ||
        die raw_kvm "raw_kvm failed: $out"
    echo "$out" | grep -E '^(tsc_khz=|evtchn_limit_)' || true
    pio=$(echo "$out" | awk '$1 == "pio_exit_us" { sub("median=", "", $2); print $2 }')
    ioev=$(echo "$out" | awk '$1 == "ioeventfd_us" { sub("median=", "", $2); print $2 }')
    evt=$(echo "$out" | awk '$1 == "evtchn_limit_us" { sub("median=", "", $2); print $2 }')
    record pio_exit_us "$pio" us null - "raw_kvm, median of $RAW_KVM_REPS reps x $HC_ITERS exits"
    record ioeventfd_us "$ioev" us null - "raw_kvm, median of $RAW_KVM_REPS reps x $HC_ITERS kicks"
    record evtchn_limit_us "$evt" us null - \
        "raw_kvm, median of $RAW_KVM_REPS reps x $RAW_KVM_EVT_ITERS round trips, halted guest, unpinned"
    PIO_EXIT_US=$pio
    EVTCHN_LIMIT_US=$evt
}

measure_host_compute() {
    local out
    out=$("$HOST_COMPUTE" --iters "$COMPUTE_ITERS" --reps "$COMPUTE_REPS" 2>&1) ||
        die host_compute_ns_per_iter "host_compute failed: $out"
    HOST_NS=$(echo "$out" | awk '$1 == "host_compute_ns_per_iter" { sub("median=", "", $2); print $2 }')
    HOST_RESULT=$(echo "$out" | sed -n 's/^result=\(0x[0-9a-f]*\)$/\1/p')
    [ -n "$HOST_RESULT" ] || die host_compute_ns_per_iter "no result= line in: $out"
    record host_compute_ns_per_iter "$HOST_NS" ns/iter null - "host_compute, median of $COMPUTE_REPS reps"
}

# ---- Xenolith's figures

measure_hypercall_roundtrip() {
    local i name per_guest=() m
    for ((i = 1; i <= HC_GUESTS; i++)); do
        name=hc$i
        create_guest hypercall_roundtrip "$name" "app=hcbench iters=$HC_ITERS reps=$HC_REPS"
        wait_console hypercall_roundtrip "$name" '^hcbench: .* median [0-9.]+ us/call'
        m=$(echo "$LINE" | sed -n 's/.* median \([0-9.]*\) us\/call.*/\1/p')
        is_number hypercall_roundtrip "$m" "the median in '$LINE'"
        per_guest+=("$m")
        wait_gone hypercall_roundtrip "$name"
    done
    echo "hypercall_roundtrip: guest medians (us): ${per_guest[*]}"
    record hypercall_roundtrip "$(printf '%s\n' "${per_guest[@]}" | median)" us "$PIO_EXIT_US" \
        'ratio<=1.2' "median of $HC_GUESTS guests (hcbench ${HC_ITERS}x$HC_REPS); limit pio_exit_us"
}

# From just before `xl create` until the hello line is in the console log.
measure_domain_boot() {
    local i name t0 ms=()
    for ((i = 1; i <= BOOT_GUESTS; i++)); do
        name=boot$i
        now_us
        t0=$NOW_US
        create_guest domain_boot "$name" app=hello
        wait_console domain_boot "$name" '^Hello from Xenolith domain [0-9]+$'
        ms+=("$(awk -v d=$((SEEN_US - t0)) 'BEGIN { printf "%.3f", d / 1000 }')")
        wait_gone domain_boot "$name"
    done
    echo "domain_boot: per boot (ms): ${ms[*]}"
    record domain_boot "$(printf '%s\n' "${ms[@]}" | median)" ms null 'value<=20' \
        "median of $BOOT_GUESTS, xl create -> Hello line; log polled every ~1.1 ms"
}

# Paused domains (xl create -p) never run: this is the toolstack and the
# daemon building and tearing down a domain.
measure_create_destroy_rate() {
    local i name t0
    now_us
    t0=$NOW_US
    for ((i = 1; i <= CREATE_DESTROY_N; i++)); do
        name=cd$i
        create_guest domain_create_destroy_rate "$name" app=hello -p
        "$XL" destroy "$name" >"$WORK/xl-destroy.out" 2>&1 ||
            die domain_create_destroy_rate "xl destroy $name failed: $(cat "$WORK/xl-destroy.out")"
    done
    now_us
    record domain_create_destroy_rate \
        "$(awk -v n="$CREATE_DESTROY_N" -v d=$((NOW_US - t0)) 'BEGIN { printf "%.1f", n / (d / 1e6) }')" \
        domains/s null - "$CREATE_DESTROY_N sequential xl create -p + xl destroy, total time"
}

measure_guest_compute() {
    local m result
    create_guest guest_compute compute "app=compute iters=$COMPUTE_ITERS reps=$COMPUTE_REPS"
    wait_console guest_compute compute '^compute: .* median [0-9.]+ ns/iter.* result=0x[0-9a-f]+$'
    m=$(echo "$LINE" | sed -n 's/.* median \([0-9.]*\) ns\/iter.*/\1/p')
    result=$(echo "$LINE" | sed -n 's/.* result=\(0x[0-9a-f]*\)$/\1/p')
    [ "$result" = "$HOST_RESULT" ] ||
        die guest_compute "guest result $result differs from the host's $HOST_RESULT for the same iters"
    wait_gone guest_compute compute
    record guest_compute "$m" ns/iter "$HOST_NS" 'ratio<=1.5' \
        "guest median of $COMPUTE_REPS reps x $COMPUTE_ITERS; limit host_compute"
}

# Guest <-> Dom0 event-channel ping-pong: the guest echoes (app=evtchn-echo),
# a Dom0 program notifies and waits (tests/tools/evtchn_pingpong). Limit: the
# same round trip between a bare KVM guest and a host thread (raw_kvm).
measure_evtchn_roundtrip_dom0() {
    local i domid port out per_run=()
    for ((i = 0; i < EVTCHN_RUNS; i++)); do
        create_guest evtchn_roundtrip_dom0 "echo$i" "app=evtchn-echo count=$EVTCHN_ITERS"
        wait_console evtchn_roundtrip_dom0 "echo$i" '^evtchn-echo: port [0-9]+ ready for Dom0'
        port=$(echo "$LINE" | sed -n 's/.*port \([0-9]*\) ready.*/\1/p')
        domid=$("$XL" list "echo$i" | awk -v n="echo$i" '$1 == n { print $2 }')
        out=$("$PINGPONG" "$domid" "$port" "$EVTCHN_ITERS" 2>&1) ||
            die evtchn_roundtrip_dom0 "evtchn_pingpong failed: $out"
        per_run+=("$(echo "$out" | sed -n 's/.* median \([0-9.]*\) us.*/\1/p')")
        wait_gone evtchn_roundtrip_dom0 "echo$i"
    done
    record evtchn_roundtrip_dom0 "$(printf '%s\n' "${per_run[@]}" | median)" us "$EVTCHN_LIMIT_US" \
        'ratio<=1.3' "median of $EVTCHN_RUNS runs x $EVTCHN_ITERS round trips; limit evtchn_limit_us"
}

# Guest <-> guest: two guests set up a channel through xenstore (this script
# as their toolstack) and bounce notifications (app=evtchn-peer).
measure_evtchn_roundtrip_domu() {
    local i a b port per_run=()
    export XENSTORED_PATH=$XENOLITH_RUNDIR/xenstored.sock
    for ((i = 0; i < EVTCHN_RUNS; i++)); do
        create_guest evtchn_roundtrip_domu "pong$i" "app=evtchn-peer role=pong count=$EVTCHN_ITERS"
        create_guest evtchn_roundtrip_domu "ping$i" "app=evtchn-peer role=ping count=$EVTCHN_ITERS"
        a=$("$XL" list "ping$i" | awk -v n="ping$i" '$1 == n { print $2 }')
        b=$("$XL" list "pong$i" | awk -v n="pong$i" '$1 == n { print $2 }')
        xenstore-write "/local/domain/$b/data/peer" "$a" ||
            die evtchn_roundtrip_domu "xenstore-write failed (is xenstored up?)"
        wait_console evtchn_roundtrip_domu "pong$i" '^evtchn-peer: pong offers port'
        port=$(xenstore-read "/local/domain/$b/data/port")
        xenstore-write "/local/domain/$a/data/peer" "$b" "/local/domain/$a/data/peer-port" "$port"
        wait_console evtchn_roundtrip_domu "ping$i" '^evtchn-peer: [0-9]+ round trips with d[0-9]+, none lost'
        per_run+=("$(echo "$LINE" | sed -n 's/.* \([0-9.]*\) us each.*/\1/p')")
        wait_gone evtchn_roundtrip_domu "ping$i"
        wait_gone evtchn_roundtrip_domu "pong$i"
    done
    record evtchn_roundtrip_domu "$(printf '%s\n' "${per_run[@]}" | median)" us "$EVTCHN_LIMIT_US" \
        - "median of $EVTCHN_RUNS runs x $EVTCHN_ITERS guest-guest round trips; limit evtchn_limit_us"
}

# A 1 ms periodic guest timer: median |error| against the ideal schedule.
measure_timer_jitter() {
    create_guest timer_jitter jitter "app=timerjitter period_us=1000 count=$JITTER_TICKS"
    wait_console timer_jitter jitter '^timerjitter: [0-9]+ ticks of 1000 us, median \|error\| [0-9.]+ us'
    record timer_jitter "$(echo "$LINE" | sed -n 's/.*median |error| \([0-9.]*\) us.*/\1/p')" us null - \
        "guest, $JITTER_TICKS ticks of a 1 ms VCPUOP periodic timer; p99 and max in its console"
    wait_gone timer_jitter jitter
}

# Dom0 grant maps: a guest grants GNTTAB_PAGES pages to Dom0 (app=grant-offer
# hold=1); a Dom0 program maps, touches and unmaps them one page and 32 pages
# at a time (bench/gnttab_rate). No host limit: a map and an unmap are one
# control-socket round trip each, so the figure follows the round trip.
measure_grant_map_unmap_rate() {
    local domid ref out single batch
    create_guest grant_map_unmap_rate grants "app=grant-offer count=$GNTTAB_PAGES hold=1 idle_s=300"
    wait_console grant_map_unmap_rate grants '^grant-offer: domid [0-9]+ port [0-9]+ refs [0-9]+ count'
    domid=$(echo "$LINE" | awk '{ print $3 }')
    ref=$(echo "$LINE" | awk '{ print $7 }')
    out=$("$GNTTAB_RATE" "$domid" "$ref" "$GNTTAB_PAGES" --iters "$GNTTAB_ITERS" \
        --reps "$GNTTAB_REPS" 2>&1) || die grant_map_unmap_rate "gnttab_rate failed: $out"
    echo "$out"
    single=$(echo "$out" | awk '$1 == "grant_map_unmap_rate" { sub("median=", "", $2); print $2 }')
    batch=$(echo "$out" | awk '$1 == "grant_map_unmap_rate_batch32" { sub("median=", "", $2); print $2 }')
    record grant_map_unmap_rate "$single" pages/s null - \
        "median of $GNTTAB_REPS reps x $GNTTAB_ITERS map+touch+unmap of 1 page (Dom0 libxc)"
    record grant_map_unmap_rate_batch32 "$batch" pages/s null - \
        "median of $GNTTAB_REPS reps x $((GNTTAB_ITERS / 8 + 1)) map+touch+unmap of 32 pages"
    "$XL" destroy grants >/dev/null 2>&1 || die grant_map_unmap_rate "xl destroy grants failed"
}

# The stack's own xenstored (with its state journal: a batch's replies wait
# for its journal write) through Xen's libxenstore when the build has it
# (else ours), 1 and 8 clients; the limit
# is an AF_UNIX request/reply round trip with the same message sizes
# against a one-thread epoll echo server, measured in the same run
# (bench/xenstore_bench.c).
measure_xenstore() {
    local out name value limit unit
    out=$(XENSTORED_PATH=$XENOLITH_RUNDIR/xenstored.sock "$XS_BENCH" --iters "$XS_ITERS" 2>&1) ||
        die xenstore "xenstore_bench failed: $out"
    echo "$out"
    while read -r name value limit; do
        unit=ops/s
        case $name in *latency*) unit=us ;; esac
        record "$name" "$value" "$unit" "$limit" - \
            "${XS_BENCH##*/}, $XS_ITERS requests per client; limit AF_UNIX round trips, same sizes"
    done <<<"$out"
}

# Block: the guest's app=blkbench through blkfront and blkback against the
# same image file driven directly by bench/blk_host (io_uring, O_DIRECT,
# the same block size and queue depth) in the same run. Runs alternate,
# host then guest, BLK_REPS times; each figure is the median of its runs.
# The image is written in full first (reads of holes or unwritten extents
# would never reach the disk).
blk_guest_run() { # FIGURE NAME CMDLINE-ARGS -> GUEST_FIGURE (mbps or iops)
    local figure=$1 name=$2 args=$3 field=$4
    "$XL" create "$WORK/guest.cfg" "name=\"$name\"" "cmdline=\"app=blkbench $args bench_s=$BLK_SECONDS\"" \
        'memory=64' "disk=[ 'vdev=xvda,access=rw,target=$BLK_IMG' ]" >"$WORK/xl-create.out" 2>&1 ||
        die "$figure" "xl create $name failed: $(cat "$WORK/xl-create.out")"
    wait_console "$figure" "$name" '^blkbench: (mode=.* iops=[0-9.]+ |FAIL)'
    [[ $LINE == *FAIL* ]] && die "$figure" "guest $name: $LINE"
    GUEST_FIGURE=$(echo "$LINE" | sed -n "s/.* $field=\([0-9.]*\).*/\1/p")
    is_number "$figure" "$GUEST_FIGURE" "the guest's $field in '$LINE'"
    wait_gone "$figure" "$name"
}

blk_host_run() { # FIGURE MODE BS QD FIELD -> HOST_FIGURE
    local out
    out=$("$BLK_HOST" --file "$BLK_IMG" --mode "$2" --bs "$3" --qd "$4" --seconds "$BLK_SECONDS" 2>&1) ||
        die "$1" "blk_host failed: $out"
    HOST_FIGURE=$(echo "$out" | sed -n "s/.* $5=\([0-9.]*\).*/\1/p")
    is_number "$1" "$HOST_FIGURE" "blk_host's $5 in '$out'"
}

# measure_blk FIGURE MODE BS QD FIELD UNIT TARGET
measure_blk() {
    local figure=$1 mode=$2 bs=$3 qd=$4 field=$5 unit=$6 target=$7 i guest=() host=()
    for ((i = 1; i <= BLK_REPS; i++)); do
        blk_host_run "$figure" "$mode" "$bs" "$qd" "$field"
        host+=("$HOST_FIGURE")
        blk_guest_run "$figure" "blk$i-$mode-$qd" "bench_mode=$mode bench_bs=$bs bench_qd=$qd" "$field"
        guest+=("$GUEST_FIGURE")
    done
    echo "$figure: guest ${guest[*]}; host ${host[*]} ($unit)"
    record "$figure" "$(printf '%s\n' "${guest[@]}" | median)" "$unit" \
        "$(printf '%s\n' "${host[@]}" | median)" "$target" \
        "median of $BLK_REPS x ${BLK_SECONDS}s blkbench, bs $bs qd $qd; limit blk_host io_uring O_DIRECT, alternated"
}

# One blkbench run (randread 4 KiB, QD8) with `xl trace` recording the
# guest for the whole run -> TRACED_IOPS.
blk_traced_run() {
    local name=$1 t
    "$XL" create "$WORK/guest.cfg" "name=\"$name\"" \
        "cmdline=\"app=blkbench bench_mode=randread bench_bs=4096 bench_qd=8 bench_s=$BLK_SECONDS\"" \
        'memory=64' "disk=[ 'vdev=xvda,access=rw,target=$BLK_IMG' ]" >"$WORK/xl-create.out" 2>&1 ||
        die trace_overhead_blk "xl create $name failed: $(cat "$WORK/xl-create.out")"
    local id
    id=$("$XL" domid "$name")
    for t in $(seq 200); do # blkfront publishes the ring as it opens the disk
        XENSTORED_PATH=$XENOLITH_RUNDIR/xenstored.sock \
            xenstore-read "/local/domain/$id/data/trace/gfn" >/dev/null 2>&1 && break
        sleep 0.01
    done
    "$XL" trace "$name" --duration $((BLK_SECONDS + 2)) -o "$WORK/trace-$name.txt" \
        >"$WORK/xl-trace.out" 2>&1 &
    local tracer=$!
    wait_console trace_overhead_blk "$name" '^blkbench: (mode=.* iops=[0-9.]+ |FAIL)'
    [[ $LINE == *FAIL* ]] && die trace_overhead_blk "guest $name: $LINE"
    TRACED_IOPS=$(echo "$LINE" | sed -n 's/.* iops=\([0-9.]*\).*/\1/p')
    is_number trace_overhead_blk "$TRACED_IOPS" "the traced guest's iops in '$LINE'"
    wait "$tracer" || die trace_overhead_blk "xl trace failed: $(cat "$WORK/xl-trace.out")"
    grep -q ' 0 lost' "$WORK/xl-trace.out" ||
        echo "bench: note: trace_overhead_blk: $(cat "$WORK/xl-trace.out")" >&2
    wait_gone trace_overhead_blk "$name"
    rm -f "$WORK/trace-$name.txt"
}

# trace_overhead_blk: the same random-read workload with tracing off and
# with `xl trace` recording every request's path (guest, hypervisor and
# blkback trace points, and xl trace polling the rings), alternated; the
# figure is traced IOPS over untraced IOPS (target >= 0.95).
measure_trace_overhead_blk() {
    local i off=() on=()
    for ((i = 1; i <= BLK_REPS; i++)); do
        blk_guest_run trace_overhead_blk "troff$i" "bench_mode=randread bench_bs=4096 bench_qd=8" iops
        off+=("$GUEST_FIGURE")
        blk_traced_run "tron$i"
        on+=("$TRACED_IOPS")
    done
    echo "trace_overhead_blk: IOPS untraced ${off[*]}; traced ${on[*]}"
    record trace_overhead_blk "$(printf '%s\n' "${on[@]}" | median)" IOPS \
        "$(printf '%s\n' "${off[@]}" | median)" 'ratio>=0.95' \
        "median of $BLK_REPS x ${BLK_SECONDS}s randread 4 KiB QD8 with xl trace on; limit the same with tracing off, alternated"
}

measure_block() {
    BLK_IMG=$WORK/blk-bench.img
    local fstype
    fstype=$(stat -f -c %T "$WORK")
    if [ "$fstype" = tmpfs ]; then
        echo "bench: warning: $WORK is on tmpfs: the block figures measure memory, not a disk" >&2
    fi
    dd if=/dev/zero of="$BLK_IMG" bs=1M count="$BLK_IMAGE_MB" oflag=direct status=none ||
        die blk_seq_read "cannot write $BLK_IMG"
    measure_blk blk_seq_read seqread 1048576 8 mbps MB/s 'ratio>=0.9'
    measure_blk blk_seq_write seqwrite 1048576 8 mbps MB/s 'ratio>=0.9'
    measure_blk blk_rand_read_iops_qd32 randread 4096 32 iops IOPS 'ratio>=0.7'
    measure_blk blk_rand_read_iops_qd1 randread 4096 1 iops IOPS -
    measure_trace_overhead_blk
    rm -f "$BLK_IMG"
}

# A guest's xenbus over its ring (app=xenstore-test bench=N): N READs of a
# 64-byte value, then N WRITEs of one, one request at a time. The figure is
# the median of XS_GUEST_RUNS guests' rates. No limit is measured for it.
measure_xenstore_guest() {
    local i name r w reads=() writes=()
    for ((i = 1; i <= XS_GUEST_RUNS; i++)); do
        name=xsbench$i
        create_guest xenstore_guest "$name" "app=xenstore-test bench=$XS_GUEST_OPS"
        wait_console xenstore_guest "$name" '^xenstore-bench: write [0-9]+ ops in [0-9]+ us, [0-9]+ ops/s$'
        w=$(echo "$LINE" | sed -n 's/.* us, \([0-9]*\) ops\/s$/\1/p')
        r=$(sed -n 's/^xenstore-bench: read [0-9]* ops in [0-9]* us, \([0-9]*\) ops\/s$/\1/p' \
            "$XENOLITH_RUNDIR/log/console/guest-$name.log")
        is_number xenstore_guest_read_ops "$r" "the read rate of $name"
        is_number xenstore_guest_write_ops "$w" "the write rate of $name"
        reads+=("$r")
        writes+=("$w")
        wait_gone xenstore_guest "$name"
    done
    echo "xenstore_guest: read ops/s ${reads[*]}; write ops/s ${writes[*]}"
    record xenstore_guest_read_ops "$(printf '%s\n' "${reads[@]}" | median)" ops/s null - \
        "median of $XS_GUEST_RUNS guests x $XS_GUEST_OPS READs over the ring (app=xenstore-test bench)"
    record xenstore_guest_write_ops "$(printf '%s\n' "${writes[@]}" | median)" ops/s null - \
        "median of $XS_GUEST_RUNS guests x $XS_GUEST_OPS WRITEs over the ring (app=xenstore-test bench)"
}

# From just before `xl create` of a guest with a disk and a vif until it
# says both are connected (app=shell prints its banner once blkfront and
# netfront reached Connected with blkback and netback), median of
# BOOT_GUESTS boots.
measure_domain_boot_with_devices() {
    local i name t0 ms=()
    truncate -s 8M "$WORK/bootdev.img"
    for ((i = 1; i <= BOOT_GUESTS; i++)); do
        name=bootdev$i
        now_us
        t0=$NOW_US
        "$XL" create "$WORK/guest.cfg" "name=\"$name\"" 'cmdline="app=shell"' "memory=32" \
            "disk=['vdev=xvda,access=rw,target=$WORK/bootdev.img']" \
            "vif=['mac=00:16:3e:00:0c:01,bridge=xenbr9,ip=10.0.9.31']" >"$WORK/xl-create.out" 2>&1 ||
            die domain_boot_with_devices "xl create $name failed: $(cat "$WORK/xl-create.out")"
        wait_console domain_boot_with_devices "$name" '^Xenolith shell on domain [0-9]+; type help$'
        ms+=("$(awk -v d=$((SEEN_US - t0)) 'BEGIN { printf "%.3f", d / 1000 }')")
        "$XL" destroy "$name" >/dev/null 2>&1 || die domain_boot_with_devices "xl destroy $name failed"
    done
    echo "domain_boot_with_devices: per boot (ms): ${ms[*]}"
    record domain_boot_with_devices "$(printf '%s\n' "${ms[@]}" | median)" ms null - \
        "median of $BOOT_GUESTS creates of a guest with a disk and a vif until both are connected (app=shell's banner)"
    rm -f "$WORK/bootdev.img"
}

# ---- domain lifecycle: save/restore, live migration, density

# ms_since T0_US: milliseconds from T0_US until now, three decimals.
ms_since() {
    now_us
    awk -v d=$((NOW_US - $1)) 'BEGIN { printf "%.3f", d / 1000 }'
}

# sized_cfg MIB: a config for our guest with MIB of memory; prints its path.
sized_cfg() {
    printf 'kernel = "%s"\nmemory = %s\nvcpus = 1\n' "$GUEST" "$1" >"$WORK/guest-$1m.cfg"
    echo "$WORK/guest-$1m.cfg"
}

# create_sized FIGURE NAME MIB CMDLINE
create_sized() {
    "$XL" create "$(sized_cfg "$3")" "name=\"$2\"" "cmdline=\"$4\"" >"$WORK/xl-create.out" 2>&1 ||
        die "$1" "xl create $2 failed: $(cat "$WORK/xl-create.out")"
}

# restored_domid FIGURE OUTFILE: the id in xl restore's "... restored as domain N".
restored_domid() {
    local id
    id=$(sed -n "s/.* as domain \([0-9]*\)$/\1/p" "$2" | tail -1)
    is_number "$1" "$id" "the domain id in '$(cat "$2")'"
    echo "$id"
}

# A 256 MiB guest (app=dirtier rate=0: SR_FILL_MIB of it filled with data
# that is not zero, so the image is about the guest's size) saved and
# restored SR_REPS times: xl save until it returns (the image is fsync'd),
# xl restore until the guest says it resumed. Limits, same run, same
# filesystem, the image's size: dd of the image to a new file with fsync,
# and dd of that file to /dev/null (from the page cache, as the restore
# reads the image it just wrote).
measure_save_restore() {
    export XENSTORED_PATH=$XENOLITH_RUNDIR/xenstored.sock # xl's xenstore: our stack's
    local f=save_restore_256m name=sr img=$WORK/sr.img i t0 id bytes
    local save=() restore=() wr=() rd=()
    create_sized $f $name $SR_MIB "app=dirtier mib=$SR_FILL_MIB rate=0"
    wait_console $f $name '^count 1$'
    for ((i = 1; i <= SR_REPS; i++)); do
        now_us
        t0=$NOW_US
        "$XL" save $name "$img" >"$WORK/xl-save.out" 2>&1 || die $f "xl save failed: $(cat "$WORK/xl-save.out")"
        save+=("$(ms_since $t0)")
        now_us
        t0=$NOW_US
        "$XL" restore "$img" >"$WORK/xl-restore.out" 2>&1 ||
            die $f "xl restore failed: $(cat "$WORK/xl-restore.out")"
        id=$(restored_domid $f "$WORK/xl-restore.out")
        wait_console $f $name "^counter: resumed as domain $id at count"
        restore+=("$(awk -v d=$((SEEN_US - t0)) 'BEGIN { printf "%.3f", d / 1000 }')")
        bytes=$(stat -c %s "$img")
        now_us
        t0=$NOW_US
        dd if="$img" of="$WORK/sr.copy" bs=1M conv=fsync status=none || die $f "dd write failed"
        wr+=("$(ms_since $t0)")
        now_us
        t0=$NOW_US
        dd if="$WORK/sr.copy" of=/dev/null bs=1M status=none || die $f "dd read failed"
        rd+=("$(ms_since $t0)")
        rm -f "$WORK/sr.copy"
    done
    "$XL" destroy $name >/dev/null 2>&1 || die $f "xl destroy $name failed"
    echo "save_restore_256m: image $bytes bytes; save (ms): ${save[*]}; write limit: ${wr[*]}"
    echo "save_restore_256m: restore (ms): ${restore[*]}; read limit: ${rd[*]}"
    record save_restore_256m_save "$(printf '%s\n' "${save[@]}" | median)" ms \
        "$(printf '%s\n' "${wr[@]}" | median)" - \
        "median of $SR_REPS xl save of a $SR_MIB MiB guest; limit dd+fsync of the image's bytes"
    record save_restore_256m_restore "$(printf '%s\n' "${restore[@]}" | median)" ms \
        "$(printf '%s\n' "${rd[@]}" | median)" - \
        "median of $SR_REPS xl restore -> guest resumed; limit dd read of the same bytes"
}

# The migration target: a second stack on this machine, its own run directory.
start_target() {
    RUN2=$B/bench/run2
    XENOLITH_RUNDIR=$RUN2 "$XENOLITH" stop >/dev/null 2>&1 || true
    rm -rf "$RUN2"
    mkdir -p "$RUN2"
    XENOLITH_RUNDIR=$RUN2 "$XENOLITH" start >"$WORK/run2.out" 2>&1 ||
        die migrate "the target stack did not start: $(cat "$WORK/run2.out")"
}
on_target() { XENOLITH_RUNDIR=$RUN2 XENSTORED_PATH=$RUN2/xenstored.sock "$@"; }

# migrate_once FIGURE NAME: xl migrate NAME to the target over loopback,
# then destroys it there. Sets MIG_TOTAL, MIG_DOWN (ms) and MIG_PAGES.
migrate_once() {
    local f=$1 name=$2 port=$((21000 + RANDOM % 20000)) rpid i out
    on_target "$XL" migrate-receive -a 127.0.0.1 -p $port >"$WORK/recv.out" 2>&1 &
    rpid=$!
    for ((i = 0; i < 500; i++)); do
        grep -q 'listening' "$WORK/recv.out" && break
        sleep 0.01
    done
    if ! out=$("$XL" migrate $name 127.0.0.1:$port 2>"$WORK/migrate.err"); then
        kill $rpid 2>/dev/null
        die $f "xl migrate failed: $out $(cat "$WORK/migrate.err")"
    fi
    wait $rpid || die $f "xl migrate-receive failed: $(cat "$WORK/recv.out")"
    MIG_PAGES=$(sed -n 's/.* done: \([0-9]*\) pages sent.*/\1/p' <<<"$out")
    MIG_TOTAL=$(sed -n 's/.*, total \([0-9.]*\) ms.*/\1/p' <<<"$out")
    MIG_DOWN=$(sed -n 's/.*, downtime \([0-9.]*\) ms.*/\1/p' <<<"$out")
    is_number $f "$MIG_PAGES" "the pages in '$out'"
    is_number $f "$MIG_TOTAL" "the total in '$out'"
    is_number $f "$MIG_DOWN" "the downtime in '$out'"
    on_target "$XL" destroy $name >/dev/null 2>&1 || die $f "xl destroy $name on the target failed"
}

# measure_migrate LOAD CMDLINE: MIG_REPS migrations of a fresh 256 MiB
# guest running CMDLINE. Downtime and total are xl migrate's own figures;
# the limit for the total is tcp_loopback sending as many bytes (pages x
# 4096, the median run's) over one loopback TCP connection.
measure_migrate() {
    local load=$1 cmdline=$2 i name down=() total=() pages=() out bytes
    for ((i = 1; i <= MIG_REPS; i++)); do
        name=mig-$load-$i
        create_sized migrate_$load "$name" $MIG_MIB "$cmdline"
        wait_console migrate_$load "$name" '^count 5$'
        migrate_once migrate_$load "$name"
        down+=("$MIG_DOWN")
        total+=("$MIG_TOTAL")
        pages+=("$MIG_PAGES")
    done
    bytes=$(($(printf '%s\n' "${pages[@]}" | median | cut -d. -f1) * 4096))
    out=$("$TCP_LOOPBACK" --bytes $bytes --reps 5 2>&1) || die migrate_$load "tcp_loopback failed: $out"
    echo "migrate_$load: downtime (ms): ${down[*]}; total (ms): ${total[*]}; pages: ${pages[*]}; $out"
    record migrate_downtime_$load "$(printf '%s\n' "${down[@]}" | median)" ms null 'value<=50' \
        "median of $MIG_REPS xl migrate of a $MIG_MIB MiB guest ($load), as xl migrate prints it"
    record migrate_total_$load "$(printf '%s\n' "${total[@]}" | median)" ms \
        "$(awk '{ sub("median=", "", $2); print $2 }' <<<"$out")" - \
        "median of $MIG_REPS; limit tcp_loopback, the same bytes over loopback TCP (median of 5)"
}

measure_migration() {
    export XENSTORED_PATH=$XENOLITH_RUNDIR/xenstored.sock
    start_target
    measure_migrate idle "app=counter"
    measure_migrate dirty10 "app=dirtier mib=$MIG_DIRTY_MIB rate=$MIG_DIRTY_RATE"
    XENOLITH_RUNDIR=$RUN2 "$XENOLITH" stop >/dev/null 2>&1 || true
    RUN2=
}

# As many 16 MiB guests that stay up and idle (app=echo-console, waiting
# for console input) as run at once: created one after another until
# DENSITY_MAX, DENSITY_TIME_S, a failed create or a guest that does not
# come up; then every one must still be listed as running or blocked.
# domain_boot (xl create -> its ready line) of the first and of the last.
measure_density() {
    export XENSTORED_PATH=$XENOLITH_RUNDIR/xenstored.sock
    local i name t0 deadline seen first= last= why="the cap of $DENSITY_MAX" up
    now_us
    deadline=$((NOW_US + DENSITY_TIME_S * 1000000))
    for ((i = 1; i <= DENSITY_MAX; i++)); do
        name=dens$i
        now_us
        if ((NOW_US > deadline)); then why="the ${DENSITY_TIME_S} s bound"; break; fi
        t0=$NOW_US
        # on_*=destroy: no xl monitor per domain (each holds daemon
        # control connections, of which the daemon takes 256).
        if ! "$XL" create "$WORK/guest.cfg" "name=\"$name\"" 'cmdline="app=echo-console idle_s=3600 echo=0"' \
            'on_reboot="destroy"' 'on_crash="destroy"' >"$WORK/xl-create.out" 2>&1; then
            why="xl create failed: $(head -1 "$WORK/xl-create.out")"
            break
        fi
        # In a subshell: a guest that never comes up ends the count, not the run.
        if ! seen=$(GUEST_TIMEOUT_S=10 wait_console density $name '^echo-console: ready$' 2>/dev/null &&
            echo "$SEEN_US"); then
            why="guest $name did not come up within 10 s"
            "$XL" destroy $name >/dev/null 2>&1
            break
        fi
        last=$(awk -v d=$((seen - t0)) 'BEGIN { printf "%.3f", d / 1000 }')
        [ -n "$first" ] || first=$last
    done
    # State letters rbpscd: running or blocked, not paused, shut down, crashed or dying.
    up=$("$XL" list | awk '$1 ~ /^dens[0-9]+$/ && $5 ~ /^(r.|-b)---/' | wc -l) || die density "xl list failed"
    echo "density: $up guests running at once; stopped by $why; domain_boot first $first ms, last $last ms"
    record density "$up" domains null - "16 MiB echo-console guests up at once; stopped by $why"
    record domain_boot_first "$first" ms null - "xl create -> ready line of the 1st density guest"
    record domain_boot_last "$last" ms null - "the same for the last density guest ($up up)"
    for ((i = 1; i <= DENSITY_MAX; i++)); do
        "$XL" destroy dens$i >/dev/null 2>&1 || true
    done
}

# ---- output

print_table() {
    echo
    echo "Every figure is a median (how many: last column). limit = the host's own figure from"
    echo "this run; ratio = value/limit. domain_boot polls the console log every ~1.1 ms, so a"
    echo "boot can read up to ~1.1 ms high."
    awk -F'\t' '
        function met(t, v, r) {
            if (t == "-") return ""
            if (index(t, ">=")) {
                split(t, p, ">=")
                x = (p[1] == "ratio") ? r : v
                return (x + 0 >= p[2] + 0) ? "yes" : "NO"
            }
            split(t, p, "<=")
            x = (p[1] == "ratio") ? r : v
            return (x + 0 <= p[2] + 0) ? "yes" : "NO"
        }
        BEGIN { printf "%-27s %9s %-9s %9s %7s %-11s %-4s %s\n", "figure", "value", "unit", "limit", "ratio", "target", "met", "measured as" }
        { printf "%-27s %9s %-9s %9s %7s %-11s %-4s %s\n", $1, $2, $3, $4, $5, $6, met($6, $2, $5), $7 }' "$FIGURES"
}

write_json() {
    awk -F'\t' '
        BEGIN { print "{" }
        { printf "%s  \"%s\": {\"value\": %s, \"unit\": \"%s\", \"limit\": %s, \"ratio\": %s}", (NR > 1 ? ",\n" : ""), $1, $2, $3, $4, $5 }
        END { print "\n}" }' "$FIGURES" >"$RESULTS.tmp"
    mv "$RESULTS.tmp" "$RESULTS"
    echo
    echo "wrote ${RESULTS#"$ROOT"/}"
}

# ---- network: two guests through netback's switch, beside the host's own
# limits measured now (bench/net_host.c): memcpy bandwidth for Gbit/s, an
# AF_UNIX datagram stream for Mpps, an AF_UNIX ping-pong for the RTT.
NET_RUNS=${NET_RUNS:-3}
measure_net() {
    local host i l g=() m=() r=()
    host=$("$NET_HOST") || die net "net_host failed"
    local mem=$(awk '$1 == "memcpy_gbps" { print $2 }' <<<"$host")
    local urtt=$(awk '$1 == "unix_rtt_us" { print $2 }' <<<"$host")
    local umpps=$(awk '$1 == "unix_mpps" { print $2 }' <<<"$host")
    record host_memcpy_gbps "$mem" Gbit/s null - "net_host: memcpy of 1514-byte frames"
    record host_unix_dgram_mpps "$umpps" Mpps null - "net_host: AF_UNIX 64-byte datagram stream"
    record host_unix_rtt_us "$urtt" us null - "net_host: AF_UNIX datagram ping-pong, median"
    for ((i = 0; i < NET_RUNS; i++)); do
        for frame in 1514 64; do
            local tag=$i$frame
            create_guest net "nr$tag" "app=netbench mode=recv" "memory=32" \
                "vif=['mac=00:16:3e:00:0a:02,bridge=xenbr9,ip=10.0.9.2']"
            wait_console net "nr$tag" '^netbench: ready'
            create_guest net "ns$tag" "app=netbench mode=send peer=10.0.9.2 frame=$frame secs=2" \
                "memory=32" "vif=['mac=00:16:3e:00:0a:01,bridge=xenbr9,ip=10.0.9.1']"
            wait_console net "nr$tag" '^netbench: received [0-9]+ datagrams.* bad 0,'
            l=$LINE
            if [ "$frame" = 1514 ]; then
                g+=("$(sed -n 's/.* \([0-9.]*\) Gbit\/s.*/\1/p' <<<"$l")")
            else
                m+=("$(sed -n 's/.* \([0-9.]*\) Mpps.*/\1/p' <<<"$l")")
            fi
            wait_gone net "nr$tag"
            wait_gone net "ns$tag"
        done
        create_guest net "pa$i" "app=netserve secs=30" "memory=32" \
            "vif=['mac=00:16:3e:00:0b:02,bridge=xenbr9,ip=10.0.9.12']"
        create_guest net "pb$i" "app=netping ping=10.0.9.12 count=200 interval_ms=2 linger_s=0" \
            "memory=32" "vif=['mac=00:16:3e:00:0b:01,bridge=xenbr9,ip=10.0.9.11']"
        wait_console net "pb$i" '^netping: 200/200 replies'
        r+=("$(sed -n 's/.* median \([0-9.]*\) max.*/\1/p' <<<"$LINE")")
        wait_gone net "pb$i"
        "$XL" destroy "pa$i" >/dev/null 2>&1 || true
    done
    record net_domu_domu_gbps "$(printf '%s\n' "${g[@]}" | median)" Gbit/s "$mem" - \
        "netbench 1514-byte UDP frames guest->guest through netback's switch, median of $NET_RUNS x 2 s; limit host_memcpy_gbps"
    record net_domu_domu_mpps "$(printf '%s\n' "${m[@]}" | median)" Mpps "$umpps" - \
        "netbench 64-byte frames guest->guest, median of $NET_RUNS x 2 s; limit host_unix_dgram_mpps"
    record net_ping_rtt "$(printf '%s\n' "${r[@]}" | median)" us "$urtt" - \
        "netping guest<->guest, median of $NET_RUNS x 200 pings; limit host_unix_rtt_us"
}

# ---- main

main() {
    rm -f "$RESULTS" # results.json exists only if this run measured it
    if [ ! -c /dev/kvm ]; then
        echo "SKIP: no /dev/kvm"
        exit 0
    fi
    local f
    for f in "$XL" "$XENOLITH" "$GUEST" "$RAW_KVM" "$HOST_COMPUTE" "$PINGPONG" "$GNTTAB_RATE" "$XS_BENCH" "$NET_HOST" \
        "$TCP_LOOPBACK" "$BLK_HOST"; do
        [ -f "$f" ] || die setup "$f is missing: run make first"
    done

    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    "$XENOLITH" stop >/dev/null 2>&1 || true # a daemon left by an earlier run
    rm -rf "$XENOLITH_RUNDIR" "$WORK"
    mkdir -p "$WORK"
    mkfifo "$WORK/tick"
    exec {TICK_FD}<>"$WORK/tick"
    printf 'kernel = "%s"\nmemory = 16\nvcpus = 1\n' "$GUEST" >"$WORK/guest.cfg"
    : >"$FIGURES"

    "$XENOLITH" start
    # BENCH_ONLY="measure_density ..." runs just those (while developing one).
    local m
    for m in ${BENCH_ONLY:-measure_raw_kvm measure_host_compute measure_hypercall_roundtrip \
        measure_domain_boot measure_create_destroy_rate measure_guest_compute \
        measure_evtchn_roundtrip_dom0 measure_evtchn_roundtrip_domu measure_timer_jitter \
        measure_grant_map_unmap_rate measure_xenstore measure_xenstore_guest measure_net \
        measure_save_restore measure_migration measure_density measure_block \
        measure_domain_boot_with_devices}; do
        "$m"
    done

    print_table
    write_json
}

main "$@"
