# test_trace.sh - xl trace and xl trace-report on a guest doing block I/O:
# every request's records are all there and in path order, the stages add
# up to the end-to-end time, and the Chrome export is JSON with the stages.

# A guest reading its disk at random for a few seconds.
start_traced_blk_guest() {
    truncate -s 32M "$WORK/$1.img"
    "$XL" create "$(guest_cfg "$1" "app=blkbench bench_mode=randread bench_bs=4096 bench_qd=2 bench_s=6" \
        'memory = 64' "disk = [ 'vdev=xvda,access=rw,target=$WORK/$1.img' ]")" >/dev/null 2>&1
    # The trace ring exists once blkfront has opened the disk.
    local id t
    id=$("$XL" domid "$1")
    for t in $(seq 200); do
        XENSTORED_PATH=$XENOLITH_RUNDIR/xenstored.sock xenstore-read \
            "/local/domain/$id/data/trace/gfn" >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    fail "the guest never published its trace ring"; return 1
}

test_trace_of_block_io_has_every_stage_in_order() {
    start_traced_blk_guest trc1
    (cd "$WORK" && "$XL" trace trc1 --duration 1 -o "$WORK/trc1.trace") 2>"$WORK/trace.err" ||
        { fail "xl trace failed:"; cat "$WORK/trace.err" >&2; return 1; }
    head -1 "$WORK/trc1.trace" | grep -qx '# xenolith-trace 1' || { fail "no trace header"; return 1; }
    # Nothing overwritten before xl trace read it (else "every record" below
    # could not hold).
    sed -n 2p "$WORK/trc1.trace" | grep -q ' lost 0$' ||
        { fail "records were lost: $(sed -n 2p "$WORK/trc1.trace")"; return 1; }
    # Guest and host records of one request are on one clock, so every
    # complete request has all its records (xl trace-report counts them,
    # allowing the guest's pvclock its ~1 us disagreement with the host's
    # clock), and the guest's upcalls and the hypervisor's injections are
    # in the file too.
    local k
    for k in req_produce req_consume io_submit io_complete rsp_produce rsp_consume \
        upcall_inject upcall_handle evtchn_send hypercall; do
        grep -q " $k " "$WORK/trc1.trace" || { fail "no $k records in the trace"; return 1; }
    done
    "$XL" trace-report "$WORK/trc1.trace" --chrome "$WORK/trc1.json" --svg "$WORK/trc1.svg" \
        >"$WORK/report.txt" || { fail "trace-report failed"; return 1; }
    grep -q "device 51712 read: [0-9]* requests" "$WORK/report.txt" ||
        { fail "report:"; cat "$WORK/report.txt" >&2; return 1; }
    local full all
    read -r full all < <(sed -n 's/^\([0-9]*\) of \([0-9]*\) complete requests have every record.*/\1 \2/p' "$WORK/report.txt")
    [ "${all:-0}" -ge 100 ] || { fail "only ${all:-0} complete requests traced"; return 1; }
    [ "$full" = "$all" ] || { fail "$full of $all requests have every record:"; cat "$WORK/report.txt" >&2; return 1; }
    # The stages' shares add up to the whole (100% +- rounding).
    awk '/^  [a-z]/ && !/end to end/ && $NF ~ /%$/ { s += $NF } END { exit !(s > 99.0 && s < 101.0) }' \
        "$WORK/report.txt" || { fail "stage shares do not add up:"; cat "$WORK/report.txt" >&2; return 1; }
    python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
names = {e["name"] for e in d["traceEvents"]}
need = {"host I/O", "frontend -> backend (ring + notify)", "upcall -> guest handler"}
missing = need - names
if missing: sys.exit("chrome export lacks %s" % missing)
' "$WORK/trc1.json" || return 1
    grep -q "<svg" "$WORK/trc1.svg" || { fail "no SVG"; return 1; }
    "$XL" destroy trc1
}

test_trace_bad_input() {
    local out
    out=$("$XL" trace nosuchdomain 2>&1) && { fail "traced a missing domain"; return 1; }
    [ "$out" = "xl trace: no domain 'nosuchdomain' (see 'xl list')" ] || { fail "got: $out"; return 1; }
    out=$("$XL" trace 0 --duration abc 2>&1) && { fail "accepted --duration abc"; return 1; }
    grep -q "is not a number of seconds" <<<"$out" || { fail "got: $out"; return 1; }
    echo "not a trace" >"$WORK/bad.trace"
    out=$("$XL" trace-report "$WORK/bad.trace" 2>&1) && { fail "read a bad trace"; return 1; }
    grep -q "is not a Xenolith trace file" <<<"$out" || { fail "got: $out"; return 1; }
}
