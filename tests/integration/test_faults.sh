# test_faults.sh - faults around the block path (issue #7): a guest that
# never answers its xenbus handshake stalls nobody else, and a backing
# store that fills up gives the guest I/O errors, not a dead backend.
# Uses test_block.sh's helpers (blk_img, blk_guest, blk_done, blkback_pid).

test_fault_a_mute_frontend_does_not_stall_other_guests() {
    # app=idle never opens its disk: its vbd stays in InitWait for ever.
    local mute good
    mute=$(blk_img mute 8M)
    good=$(blk_img good 40M)
    blk_guest mute1 "$mute" rw "app=idle" 32
    blk_guest good1 "$good" rw "app=blktest blktest_mb=32"
    blk_done good1
    local id
    id=$(blk_domid mute1)
    [ "$(blk_xs xenstore-read "/local/domain/0/backend/vbd/$id/51712/state")" = 2 ] ||
        { fail "the mute guest's vbd is not waiting in InitWait"; return 1; }
    "$XL" destroy mute1
}

test_fault_a_full_backing_store_gives_io_errors_not_a_dead_backend() {
    [ "$(id -u)" = 0 ] || { echo "SKIP: mounting a small tmpfs needs root"; return 77; }
    local mnt=$WORK/small pid
    mkdir -p "$mnt"
    mount -t tmpfs -o size=4m xltest-small "$mnt" || { echo "SKIP: cannot mount tmpfs"; return 77; }
    # The test runs in its own subshell: unmount however it ends.
    trap "umount -l '$mnt' 2>/dev/null" EXIT
    truncate -s 32M "$mnt/full.img"          # sparse: 32 MiB promised, 4 MiB there
    pid=$(blkback_pid)
    blk_guest full1 "$mnt/full.img" rw "app=blktest blktest_mb=16"
    wait_console full1 'blktest: done: [0-9]+ passed, [0-9]+ failed' 90
    local log
    log=$(console_log full1)
    # The writes past 4 MiB failed as I/O errors in the guest ...
    grep -q '^blktest: FAIL' "$log" || { fail "no write failed on a full store:"; cat "$log" >&2; return 1; }
    # ... and blkback is the same process, still serving another guest.
    [ "$(blkback_pid)" = "$pid" ] || { fail "blkback restarted (pid $pid -> $(blkback_pid))"; return 1; }
    "$XL" destroy full1
    local ok
    ok=$(blk_img afterfull 40M)
    blk_guest after1 "$ok" rw "app=blktest blktest_mb=32"
    blk_done after1
}

test_fault_stop_during_heavy_io_keeps_every_acknowledged_write() {
    local img
    img=$(blk_img stopio 260M)
    blk_guest stopio1 "$img" rw "app=blktest blktest_mode=writer blktest_mb=256 writer_gen=9"
    wait_console stopio1 'blktest: writer: acked (1[2-9][0-9]|[2-9][0-9][0-9])$' 60
    "$XENOLITH" stop >/dev/null
    # With 8 writes in flight and blocks issued in order, "acked A" means
    # every 64 KiB block below A - 8 was acknowledged to the guest.
    local acked blocks
    acked=$(grep -o 'blktest: writer: acked [0-9]*' "$(console_log stopio1)" | tail -1 | awk '{print $4}')
    blocks=$((acked - 8))
    [ "$blocks" -gt 0 ] || { fail "too few writes acknowledged ($acked)"; return 1; }
    "$BLK_IMAGE" check "$img" 12345 9 0 $((blocks * 128)) ||
        { fail "of $blocks acknowledged blocks, some are not in the image after xenolith stop"; return 1; }
    "$XENOLITH" start >/dev/null
}
