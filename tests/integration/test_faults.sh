# test_faults.sh - faults around the Dom0 services (issue #7): each service
# killed -9 in turn while guests do disk and network I/O; a guest that
# never answers its xenbus handshake stalls nobody else; a backing store
# that fills up, is unlinked, or fails outright gives the guest I/O errors
# (or nothing at all), never a dead backend; xenconsoled killed while a
# guest prints loses no line. The fault matrix is in docs/security.md.
# Uses test_block.sh's helpers (blk_img, blk_guest, blk_done, blkback_pid)
# and test_console.sh's (xcd_pid, wait_file).

FS_SHUTDOWN=$ROOT/$BUILD/tests/tools/fs_shutdown

# blkback_holds FILE: blkback has FILE open (readlink shows "FILE (deleted)"
# once it is unlinked).
blkback_holds() {
    local fd
    for fd in /proc/"$(blkback_pid)"/fd/*; do
        case $(readlink "$fd" 2>/dev/null) in "$1" | "$1 (deleted)") return 0 ;; esac
    done
    return 1
}

# wait_blkback_lets_go FILE: after its guest is gone blkback closes FILE
# (an unlinked image's space is given back, a dead filesystem unmounts).
wait_blkback_lets_go() {
    local deadline=$((SECONDS + 10))
    while blkback_holds "$1"; do
        [ $SECONDS -le $deadline ] || { fail "blkback still holds $1 after its guest went"; return 1; }
        sleep 0.05
    done
}

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

# "The image vanishes", case 1: the file is unlinked while its guest runs.
# On Linux the open descriptor keeps the data, so nothing may change for the
# guest: the whole blktest (write, read back, random, flush, discard) runs
# on the unlinked image and verifies, blkback stays the same process, and
# once the guest is gone blkback lets the file go, so its space returns.
test_fault_an_unlinked_image_keeps_serving_its_guest() {
    local img pid id
    img=$(blk_img unlinked 40M)
    pid=$(blkback_pid)
    # Paused: blkback opens the image at probe, before the guest does I/O.
    blk_guest unlink1 "$img" rw "app=blktest blktest_mb=32" 64 -p
    id=$(blk_domid unlink1)
    local deadline=$((SECONDS + 10))
    until blkback_holds "$img"; do
        [ $SECONDS -le $deadline ] || { fail "blkback never opened $img"; return 1; }
        sleep 0.05
    done
    rm "$img"
    blkback_holds "$img" || { fail "blkback does not hold the unlinked image"; return 1; }
    "$XL" unpause unlink1
    blk_done unlink1
    grep '^blktest: done' "$(console_log unlink1)"
    [ "$(blkback_pid)" = "$pid" ] || { fail "blkback restarted (pid $pid -> $(blkback_pid))"; return 1; }
    wait_blkback_lets_go "$img"
    echo "d$id: blktest passed on an unlinked image; blkback pid $pid throughout, file released"
}

# "The image vanishes", case 2: the storage under it fails. The image is on
# an ext4 filesystem on a loop device, and the filesystem is shut down
# (fs_shutdown: every read, write and fsync is EIO from then on, as with a
# dead disk; the kernel here has no device-mapper for dmsetup's 'error'
# target). The guest's I/O stops with -EIO (BLKIF_RSP_ERROR), every later
# request is answered with an error, not left hanging; blkback is the same
# process and serves the guest on another image throughout and a new one
# after; the failed guest is not crashed.
test_fault_a_failed_store_gives_io_errors_and_blkback_serves_on() {
    [ "$(id -u)" = 0 ] || { echo "SKIP: a loop-mounted filesystem needs root"; return 77; }
    command -v mkfs.ext4 >/dev/null || { echo "SKIP: mkfs.ext4 (e2fsprogs) is not installed"; return 77; }
    local mnt=$WORK/dying pid other
    mkdir -p "$mnt"
    truncate -s 64M "$WORK/dying.fs"
    mkfs.ext4 -q -F "$WORK/dying.fs" || { echo "SKIP: mkfs.ext4 failed"; return 77; }
    mount -o loop "$WORK/dying.fs" "$mnt" || { echo "SKIP: cannot mount a loop device"; return 77; }
    # The test runs in its own subshell: unmount however it ends.
    trap "umount -l '$mnt' 2>/dev/null" EXIT
    truncate -s 16M "$mnt/disk.img"
    pid=$(blkback_pid)
    other=$(blk_img bystander 40M)
    blk_guest dying1 "$mnt/disk.img" rw "app=blktest blktest_mode=loop loop_end=5 blktest_mb=16"
    blk_guest bystander1 "$other" rw "app=blktest blktest_mb=32"
    wait_console dying1 'blktest: loop: 100 write\+read pairs verified' 60
    "$FS_SHUTDOWN" "$mnt"
    wait_console dying1 'blktest: done: [0-9]+ passed, [0-9]+ failed' 60
    local log
    log=$(console_log dying1)
    grep -E 'blktest: (PASS|FAIL) io-error' "$log"
    grep -qE '^blktest: PASS io-error: I/O stopped with -5 after [0-9]{3,} verified' "$log" ||
        { fail "the guest did not see its I/O fail with EIO after working:"; cat "$log" >&2; return 1; }
    grep -q '^blktest: PASS io-error-stays' "$log" ||
        { fail "later requests were not all answered with EIO:"; cat "$log" >&2; return 1; }
    [[ $(state_of dying1) != *c* ]] || { fail "the guest whose store failed crashed"; return 1; }
    grep -q "Input/output error" "$XENOLITH_RUNDIR/log/blkback.log" ||
        { fail "blkback did not log the failed I/O"; return 1; }
    blk_done dying1
    # The other guest's disk never noticed; blkback is the same process ...
    blk_done bystander1
    [ "$(blkback_pid)" = "$pid" ] || { fail "blkback restarted (pid $pid -> $(blkback_pid))"; return 1; }
    # ... it lets the dead image go, and serves a new guest.
    wait_blkback_lets_go "$mnt/disk.img"
    blk_guest after2 "$other" rw "app=blktest blktest_mb=8"
    blk_done after2
}

# Case 3: the image is unlinked and then blkback dies. The restarted
# blkback cannot open it again: that vbd alone is closed with the reason in
# its backend's `error` node, the guest's I/O in flight fails with -ENODEV
# at once (no hang, no crash); another guest's writer resumes on its image
# and every one of its blocks is acknowledged and in the file.
test_fault_an_unlinked_image_after_a_blkback_restart_fails_only_its_vbd() {
    local gone img pid newpid id
    gone=$(blk_img gone 40M)
    img=$(blk_img resumed 130M)
    pid=$(blkback_pid)
    blk_guest gone1 "$gone" rw "app=blktest blktest_mode=loop blktest_mb=16"
    blk_guest resumed1 "$img" rw "app=blktest blktest_mode=writer blktest_mb=128 writer_gen=4"
    id=$(blk_domid gone1)
    wait_console gone1 'blktest: loop: 100 write\+read pairs verified' 60
    wait_console resumed1 'blktest: writer: acked [0-9]+' 60
    rm "$gone"
    kill -9 "$pid"
    newpid=$(wait_blkback_replaced "$pid")
    wait_console gone1 'blktest: done: [0-9]+ passed, [0-9]+ failed' 30
    grep -qE '^blktest: PASS detach: I/O stopped with -19 after [0-9]{3,} verified' "$(console_log gone1)" ||
        { fail "the guest did not see its device go:"; cat "$(console_log gone1)" >&2; return 1; }
    local err
    err=$(blk_xs xenstore-read "/local/domain/0/backend/vbd/$id/51712/error" 2>&1) || true
    echo "backend error node: $err"
    [[ $err == *"$gone: No such file or directory"* ]] ||
        { fail "the vbd's error node does not say why: $err"; return 1; }
    grep -q "opening the device failed: $gone: No such file or directory" "$XENOLITH_RUNDIR/log/blkback.log" ||
        { fail "blkback did not log why the vbd was closed"; return 1; }
    [[ $(state_of gone1) != *c* ]] || { fail "the guest whose image vanished crashed"; return 1; }
    blk_done gone1
    wait_console resumed1 'blktest: PASS writer: 2048 of 2048 blocks acknowledged' 90
    blk_done resumed1
    "$BLK_IMAGE" check "$img" 12345 4 0 262144 ||
        { fail "an acknowledged write of the other guest is missing"; return 1; }
    [ "$(blkback_pid)" = "$newpid" ] || { fail "the new blkback died too"; return 1; }
}

# wait_xcd_replaced OLD_PID: the daemon saw xenconsoled OLD_PID die of
# the kill and started another; prints the new pid.
wait_xcd_replaced() {
    wait_file "$XENOLITH_RUNDIR/log/xenolith.log" "service xenconsoled \(pid $1\) killed by signal 9" 10 >&2 ||
        return 1
    wait_service_replaced xenconsoled "$1"
}

last_count() { grep -E '^count [0-9]+$' "$(console_log "$1")" | tail -1 | awk '{print $2}'; }

# count_log_ok LOG MAX_DUP_BYTES: the counter's lines in LOG are whole
# ("count N"), every N from 0 to the last appears, first appearances go up
# one by one, and the lines that show twice add up to at most MAX_DUP_BYTES.
count_log_ok() {
    local torn
    # (app=counter's own reports, "counter: ...", are not count lines)
    torn=$(grep 'count' "$1" | grep -vE '^count [0-9]+$|^counter: ') || true
    [ -z "$torn" ] || { fail "torn counter lines in the log: $torn"; return 1; }
    grep -E '^count [0-9]+$' "$1" | awk -v maxdup="$2" '
        { n = $2 }
        n in seen { dup++; dupbytes += length($0) + 1; next }
        { seen[n] = 1 }
        n != next_n { printf "    count %d appears where %d was due\n", n, next_n; bad = 1; exit }
        { next_n = n + 1 }
        END {
            if (bad) exit 1
            printf "counts 0..%d, each present, in order; %d repeated lines (%d bytes)\n", next_n - 1, dup, dupbytes
            if (dupbytes > maxdup) { printf "    more repeated than one ring per outage\n"; exit 1 }
        }' >&2
}

# xenconsoled dies while a guest prints "count N" every 5 ms (~2 KiB/s,
# the ring's size per second). What the guest does meanwhile
# (guest/kernel/console.c, docs/console.md): it waits up to 1 s for room
# in the ring, then writes the ring's contents and everything after them
# through console_io (into the same log) until a backend takes bytes again.
# So (1) killed outright, the daemon restarts it within milliseconds, the
# ring holds what was printed meanwhile and no line is lost; (2) hung for
# 3 s and then killed, the guest has gone through console_io, and the new
# xenconsoled logs the ring's contents once more: every count still
# appears, in order, and at most one ring's worth of lines shows twice per
# outage (the documented cost of never losing output). The guest keeps
# counting throughout, and `xl console` shows live counts afterwards.
test_fault_xenconsoled_killed_while_a_guest_prints_loses_no_count() {
    "$XL" create "$(guest_cfg cnt1 "app=counter interval_ms=5")" >/dev/null 2>&1
    wait_console cnt1 '^count 100$' 30
    local old new last
    old=$(xcd_pid)
    kill -9 "$old"
    new=$(wait_xcd_replaced "$old")
    last=$(last_count cnt1)
    wait_console cnt1 "^count $((last + 200))$" 30
    echo "killed: xenconsoled $old -> $new, counting on past $last"
    old=$new
    kill -STOP "$old"
    sleep 3
    kill -9 "$old"
    new=$(wait_xcd_replaced "$old")
    last=$(last_count cnt1)
    wait_console cnt1 "^count $((last + 200))$" 30
    echo "hung 3 s, then killed: xenconsoled $old -> $new, counting on past $last"
    # A session after both restarts gets live output, not only the backlog.
    last=$(last_count cnt1)
    timeout 3 "$XL" console cnt1 </dev/null >"$WORK/cnt1.session" 2>&1 || true
    local seen
    seen=$(grep -E '^count [0-9]+$' "$WORK/cnt1.session" | tail -1 | awk '{print $2}')
    [ -n "$seen" ] && [ "$seen" -gt "$last" ] ||
        { fail "xl console showed no live count past $last (last: ${seen:-none})"; return 1; }
    "$XL" destroy cnt1
    [ "$(state_of cnt1)" = gone ]
    count_log_ok "$(console_log cnt1)" $((2 * 2048))
}

# ---- every Dom0 service killed in turn while guests do I/O -------------

# What a counter guest (apps/counter_load.h) has reported so far: its last
# verified disk round, its last count of ping replies (0 before the first
# report of either).
last_round() {
    grep -oE '^counter: disk round [0-9]+ verified' "$(console_log "$1")" | tail -1 | awk '{ print $4 + 0 }'
}
last_replies() {
    grep -oE '^counter: net [0-9]+ replies' "$(console_log "$1")" | tail -1 | awk '{ print $3 + 0 }'
}
count_now() { last_count "$1" | awk '{ print $1 + 0 } END { if (!NR) print 0 }'; }

# io_goes_on NAME ROUND REPLIES COUNT POKE: since the values it had
# reported (ROUND, REPLIES, COUNT) the counter verified 20 more disk rounds
# (two reports), heard 10 more ping replies (one report) and counted on;
# a write to its data/poke reaches it through its xenbus watch (its
# xenstore connection works); and its log shows no failure.
io_goes_on() {
    local name=$1 log
    log=$(console_log "$name")
    wait_at_least $(($2 + 20)) 60 "$name: disk round" last_round "$name" || return 1
    wait_at_least $(($3 + 10)) 60 "$name: ping replies" last_replies "$name" || return 1
    wait_at_least $(($4 + 1)) 30 "$name: count" count_now "$name" || return 1
    blk_xs xenstore-write "/local/domain/$(blk_domid "$name")/data/poke" "$5"
    wait_console "$name" "^counter: poked $5\$" 30 || return 1
    ! grep -E 'FAIL|did not connect' "$log" >&2 || fail "$name shows a failure" || return 1
}

# kill_during_io SERVICE GUEST...: kill -9 SERVICE (the pid this run's
# daemon started it with), wait for the daemon's new one, and for each
# GUEST's I/O to go on past what it had reported before the kill.
kill_during_io() {
    local svc=$1 old new g
    shift
    declare -A round replies count
    for g; do
        round[$g]=$(last_round "$g") replies[$g]=$(last_replies "$g") count[$g]=$(count_now "$g")
    done
    old=$(service_pid "$svc")
    kill -0 "$old" || { fail "no $svc running"; return 1; }
    kill -9 "$old"
    new=$(wait_service_replaced "$svc" "$old") || return 1
    for g; do
        io_goes_on "$g" "${round[$g]}" "${replies[$g]}" "${count[$g]}" "after-$svc-$new" || return 1
        echo "$svc pid $old -> $new: $g disk round ${round[$g]} -> $(last_round "$g")," \
            "replies ${replies[$g]} -> $(last_replies "$g"), count ${count[$g]} -> $(count_now "$g")"
    done
}

# disk_holds_rounds NAME IMG: after NAME is gone and blkback let IMG go,
# the 4 MiB the counter wrote hold rounds of pattern seed 7, each 64 KiB
# block one whole generation, G or G+1 for one G (the round being written
# when the guest was destroyed went over round G in order). The guest
# reports every 10th verified round, so with R its last report, every
# round up to R was verified and none past R + 9: R <= G and G + 1 <= R + 10.
disk_holds_rounds() {
    local r out lo hi
    r=$(last_round "$1")
    wait_blkback_lets_go "$2" || return 1
    out=$("$BLK_IMAGE" gens "$2" 7 0 8192 128) || { fail "$1's disk: $out"; return 1; }
    lo=$(sed -n 's/.*lo=\([0-9]*\).*/\1/p' <<<"$out")
    hi=$(sed -n 's/.*hi=\([0-9]*\).*/\1/p' <<<"$out")
    echo "$1: last reported round $r; the image holds $out"
    [ "$lo" -ge "$r" ] && [ "$hi" -le $((r + 10)) ] ||
        { fail "$1's disk holds rounds $lo..$hi, not what it verified (round $r)"; return 1; }
}

# Issue #7: kill -9 each Dom0 service in turn, then again in the reverse
# order, while two counter guests write and verify rounds on their disks,
# ping a peer on the same bridge and count. After each kill the daemon's
# new process takes over and both guests' disk, network, counting and
# xenstore watch go on; at the end both are running, every count is in
# their console logs in order (at most one ring's worth of lines twice per
# xenconsoled outage, docs/console.md), and the host finds on each disk
# the rounds the guest last reported verified.
test_fault_each_dom0_service_killed_in_turn_while_guests_do_io() {
    local peer=10.0.7.1 g i svc
    "$XL" create "$(guest_cfg kpeer app=netserve "vif = [ 'mac=00:16:3e:07:00:01,ip=$peer' ]")" >/dev/null
    for i in 1 2; do
        "$XL" create "$(guest_cfg "kio$i" "app=counter ping=$peer" 'memory = 32' \
            "disk = [ 'vdev=xvda,target=$(blk_img "kio$i" 16M)' ]" \
            "vif = [ 'mac=00:16:3e:07:00:1$i,ip=10.0.7.1$i' ]" 'on_crash = "preserve"')" >/dev/null
    done
    for g in kio1 kio2; do
        wait_console "$g" '^counter: disk round 10 verified' 60
        wait_console "$g" '^counter: net 10 replies' 60
    done
    for svc in xenstored xenconsoled blkback netback netback blkback xenconsoled xenstored; do
        kill_during_io "$svc" kio1 kio2
    done
    for g in kio1 kio2; do
        [[ $(state_of "$g") == *[rb]* && $(state_of "$g") != *c* ]] ||
            { fail "$g is not running: $(state_of "$g")"; return 1; }
    done
    for g in kio1 kio2; do
        "$XL" destroy "$g"
        count_log_ok "$(console_log "$g")" $((2 * 2048))
        disk_holds_rounds "$g" "$WORK/$g.img"
    done
    "$XL" destroy kpeer
}
