# test_block.sh - the block data path end to end: guests running app=blktest,
# app=evil only=blkif and the writer through blkfront, blkback serving image files that
# the host writes and checks with tests/tools/blk_image (the same pattern,
# include/xenolith/blk_pattern.h). Every guest is made with the real
# `xl create` and a disk = [ ... ] line.

BLK_IMAGE=$ROOT/$BUILD/tests/tools/blk_image
blk_xs() { XENSTORED_PATH=$XENOLITH_RUNDIR/xenstored.sock "$@"; }
blk_domid() { "$XL" list "$1" | awk -v n="$1" '$1 == n { print $2 }'; }

# Images live under $WORK (/tmp here: a real filesystem, so O_DIRECT works;
# on tmpfs blkback falls back to buffered I/O and says so in its log).
blk_img() {
    local f=$WORK/$1.img
    rm -f "$f"
    truncate -s "${2:-80M}" "$f"
    echo "$f"
}

# blk_guest NAME IMG ACCESS CMDLINE [MEMORY [-p]]: xl create a guest with
# one disk (-p: created paused, its backend probed but the guest not run).
blk_guest() {
    local name=$1 img=$2 access=$3 cmdline=$4 mem=${5:-64} flags=${6:-}
    local cfg
    cfg=$(guest_cfg "$name" "$cmdline" "disk = [ 'vdev=xvda,access=$access,target=$img' ]" \
        'on_poweroff = "preserve"' 'on_crash = "preserve"')
    sed -i "s/^memory = .*/memory = $mem/" "$cfg"
    "$XL" create $flags "$cfg" >"$WORK/$name.create" 2>&1 ||
        { fail "xl create $name: $(cat "$WORK/$name.create")"; return 1; }
}

# blk_done NAME [TIMEOUT]: the app's closing line (blktest's or evil's);
# fails unless it says nothing failed (and, for evil, nothing was skipped).
blk_done() {
    local name=$1 log
    log=$(console_log "$name")
    wait_console "$name" '(blktest: done: [0-9]+ passed, [0-9]+ failed|^evil: [0-9]+ attacks)' "${2:-90}" || return 1
    if ! grep -qE '(blktest: done: [0-9]+ passed, 0 failed|^evil: [0-9]+ attacks, [0-9]+ passed, 0 failed, 0 families skipped)' "$log"; then
        fail "$name reported failures:"
        grep -E 'FAIL|SKIP|done|^evil: ' "$log" >&2
        echo "    blkback log:" >&2
        tail -20 "$XENOLITH_RUNDIR/log/blkback.log" >&2
        return 1
    fi
    "$XL" destroy "$name" >/dev/null 2>&1 || true
}

# blk_negotiated NAME KEY=VALUE...: blktest's feature line says so.
blk_negotiated() {
    local name=$1 line
    shift
    line=$(grep -m1 '^blktest: vbd ' "$(console_log "$name")")
    for kv in "$@"; do
        [[ " $line " == *" $kv "* ]] || { fail "$name negotiated '$line', expected $kv"; return 1; }
    done
}

blkback_pid() { pgrep -f "blkback --log-file $XENOLITH_RUNDIR/" | head -1; }

# wait_blkback_replaced OLD_PID: the daemon started a new blkback after
# OLD_PID died; prints the new pid.
wait_blkback_replaced() {
    local deadline=$((SECONDS + 15)) newpid
    while :; do
        newpid=$(blkback_pid)
        [ -n "$newpid" ] && [ "$newpid" != "$1" ] && break
        [ $SECONDS -le $deadline ] || { fail "blkback was not restarted"; return 1; }
        sleep 0.05
    done
    echo "$newpid"
}
test_block_blktest_64m_every_feature_on() {
    local img
    img=$(blk_img all)
    blk_guest blkall "$img" rw "app=blktest blktest_mb=64 blk_queues=4"
    blk_done blkall
    blk_negotiated blkall persistent=1 indirect=256 ring_order=4 queues=4 flush=1 discard=1
    grep -q "d[0-9]* vbd 51712: .*O_DIRECT" "$XENOLITH_RUNDIR/log/blkback.log" ||
        { fail "blkback did not open the image with O_DIRECT"; return 1; }
    # What the guest wrote last is in the file, read by the host itself:
    # the random pass leaves each 32 KiB block at generation 1 or 2.
    local bad=0 b
    for b in 0 100 513 1000 2047; do
        "$BLK_IMAGE" check "$img" 12345 1 $((b * 64)) 64 >/dev/null ||
            "$BLK_IMAGE" check "$img" 12345 2 $((b * 64)) 64 >/dev/null || bad=$((bad + 1))
    done
    [ $bad -eq 0 ] || { fail "$bad sampled blocks hold neither generation"; return 1; }
}

# Each feature switched off on the frontend's side (guest command line),
# then on the backend's (xenstore /tool/xenolith/blkback/<key>): the other
# side must fall back and every check still pass.
test_block_blktest_64m_each_feature_off() {
    local img i=0 spec knob key want
    img=$(blk_img off)
    for spec in "blk_persistent=0:feature-persistent:persistent=0" \
                "blk_indirect=0:feature-max-indirect-segments:indirect=0" \
                "blk_ring_order=0:max-ring-page-order:ring_order=0" \
                "blk_queues=1:multi-queue-max-queues:queues=1" \
                "blk_flush=0:feature-flush-cache:flush=0" \
                "blk_discard=0:feature-discard:discard=0"; do
        IFS=: read -r knob key want <<<"$spec"
        i=$((i + 1))
        local cmd="app=blktest blktest_mb=64 $knob"
        [[ $knob == blk_queues=* ]] || cmd="$cmd blk_queues=4"
        blk_guest "blkfe$i" "$img" rw "$cmd"
        blk_done "blkfe$i"
        blk_negotiated "blkfe$i" "$want"
        blk_xs xenstore-write "/tool/xenolith/blkback/$key" 0
        blk_guest "blkbe$i" "$img" rw "app=blktest blktest_mb=64 blk_queues=4"
        local rc=0
        blk_done "blkbe$i" || rc=1
        blk_xs xenstore-rm "/tool/xenolith/blkback/$key"
        [ $rc -eq 0 ] || return 1
        blk_negotiated "blkbe$i" "$want"
    done
}

test_block_host_written_image_read_and_checksummed_by_guest() {
    local img want got
    img=$(blk_img host 32M)
    "$BLK_IMAGE" fill "$img" 4242 7 0 65536 >/dev/null
    want=$("$BLK_IMAGE" fnv "$img")
    blk_guest blkhost "$img" rw "app=blktest blktest_mode=verify-host seed=4242 host_gen=7"
    blk_done blkhost
    got=$(grep -o 'fnv=0x[0-9a-f]*' "$(console_log blkhost)")
    [ "$got" = "$want" ] || { fail "guest read $got, the host computed $want"; return 1; }
}

# The writer ends with a flush; once it is answered the data must be in the
# file, read by the host with O_DIRECT (the disk, not the page cache), and
# blkback must have run an fdatasync for it.
test_block_flush_durability() {
    local img
    img=$(blk_img flush 32M)
    blk_guest blkflush "$img" rw "app=blktest blktest_mode=writer blktest_mb=16 writer_gen=6"
    wait_console blkflush 'blktest: PASS writer' 60
    "$BLK_IMAGE" sync-check "$img" 12345 6 0 32768 ||
        { fail "acknowledged, flushed data is not on the host's disk"; return 1; }
    blk_done blkflush
}

test_block_readonly_device_refuses_writes() {
    local img before
    img=$(blk_img ro 8M)
    "$BLK_IMAGE" fill "$img" 99 4 0 16384 >/dev/null
    before=$("$BLK_IMAGE" fnv "$img")
    blk_guest blkro "$img" ro "app=blktest blktest_mode=ro seed=99 host_gen=4 blk_ignore_ro=1"
    blk_done blkro
    grep -q 'blktest: PASS ro-write-refused: a write of sector 0 answered -5' "$(console_log blkro)" ||
        { fail "the write was not refused by the backend (BLKIF_RSP_ERROR = -EIO)"; return 1; }
    [ "$("$BLK_IMAGE" fnv "$img")" = "$before" ] || { fail "the read-only image changed"; return 1; }
    grep -q "write to a read-only device" "$XENOLITH_RUNDIR/log/blkback.log" ||
        { fail "blkback did not log the refused write"; return 1; }
}

test_block_detach_during_io() {
    local img
    img=$(blk_img detach 16M)
    blk_guest blkdet "$img" rw "app=blktest blktest_mode=loop blktest_mb=8"
    wait_console blkdet 'blktest: loop: I/O until the device goes' 30
    sleep 1
    "$XL" block-detach blkdet xvda >"$WORK/detach.out" 2>&1 ||
        { fail "xl block-detach: $(cat "$WORK/detach.out")"; return 1; }
    wait_console blkdet 'blktest: PASS detach: I/O stopped with -19' 30
    blk_done blkdet
}

# kill -9 blkback while a guest writes at QD8; the daemon restarts it, it
# resumes the ring from its shadow file, and the writer finishes with every
# block acknowledged; then every block is in the file.
test_block_backend_killed_mid_write_loses_nothing() {
    local img pid newpid
    img=$(blk_img kill 260M)
    pid=$(blkback_pid)
    [ -n "$pid" ] || { fail "no blkback running"; return 1; }
    blk_guest blkkill "$img" rw "app=blktest blktest_mode=writer blktest_mb=256 writer_gen=8"
    wait_console blkkill 'blktest: writer: acked [0-9]+' 60
    kill -9 "$pid"
    newpid=$(wait_blkback_replaced "$pid")
    wait_console blkkill 'blktest: PASS writer: 4096 of 4096 blocks acknowledged' 90
    blk_done blkkill
    grep -q "resumed" "$XENOLITH_RUNDIR/log/blkback.log" ||
        { fail "blkback's log does not show the resume"; return 1; }
    grep "resumed" "$XENOLITH_RUNDIR/log/blkback.log" | tail -2
    "$BLK_IMAGE" check "$img" 12345 8 0 524288 ||
        { fail "an acknowledged write is missing from the image"; return 1; }
}

# A hostile frontend posts malformed requests and finally breaks its ring;
# meanwhile a well-behaved guest runs blktest on its own disk. Each bad
# request gets its error, the hostile device alone is closed, the good
# guest's data verifies, and the same blkback process serves a new guest.
test_block_hostile_frontend_leaves_others_served() {
    local evil good pid
    evil=$(blk_img evil 8M)
    good=$(blk_img good 80M)
    pid=$(blkback_pid)
    blk_guest blkgood "$good" rw "app=blktest blktest_mb=64 blk_queues=2"
    blk_guest blkevil "$evil" rw "app=evil only=blkif"
    blk_done blkevil
    blk_done blkgood
    grep -q "ring broken" "$XENOLITH_RUNDIR/log/blkback.log" ||
        { fail "blkback did not log the broken ring"; return 1; }
    [ "$(blkback_pid)" = "$pid" ] || { fail "blkback restarted (pid $pid -> $(blkback_pid))"; return 1; }
    blk_guest blkafter "$good" rw "app=blktest blktest_mb=8 blk_persistent=0"
    blk_done blkafter
}
