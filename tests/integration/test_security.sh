# test_security.sh - the hostile guest (app=evil, guest/apps/evil*.c) runs
# its hundreds of attacks, with a disk and a vif of its own, beside
# well-behaved guests and must change nothing it does not own:
#   - every attack gets Xen's answer (evil prints PASS/FAIL per attack and
#     "evil: N attacks, N passed, 0 failed, 0 families skipped"), and the
#     blkif and netif families ran;
#   - every Dom0 service and the daemon itself is still the same process
#     (nothing crashed and was restarted), and the daemon still answers;
#   - the victim still runs, its console log and its xenstore nodes are
#     unchanged; a second good guest (app=counter) kept counting through
#     the attacks without a gap, and so is every xenstore node outside the
#     evil guest's own /local/domain/<id>;
#   - a guest running blktest on its own disk beside it passes, and the
#     host reads back what it wrote; a guest reading a read-only disk
#     through the same blkback finds its pattern, and that image is byte
#     for byte what it was; a ping between two guests on the evil guest's
#     bridge gets every reply;
#   - no file of the run directory outside the logs, xenstored's own state
#     and blkback's ring shadows changed, no image but the evil guest's own
#     changed unless written by its guest, and no file named by an attack
#     appeared;
#   - fresh guests afterwards pass their own self-tests (xenstore,
#     event channels, grants).
sec_domid() { "$XL" list "$1" | awk -v n="$1" '$1 == n { print $2 }'; }

sec_last_count() { grep -E '^count [0-9]+$' "$(console_log sec-counter)" | tail -1 | cut -d' ' -f2; }

xs_sec() { XENSTORED_PATH=$XENOLITH_RUNDIR/xenstored.sock "$@"; }

# Dom0 services as "name pid" lines: children of the daemon.
sec_services() {
    local d
    d=$(cat "$XENOLITH_RUNDIR/xenolith.pid")
    for p in $(pgrep -P "$d" | sort -n); do echo "$(cat /proc/"$p"/comm 2>/dev/null) $p"; done
}

# Checksums of the run directory's files but logs, sockets, xenstored's
# state (which holds the evil guest's own nodes, legitimately) and
# blkback's per-queue ring shadows (rewritten by every request it takes).
sec_files() {
    (cd "$XENOLITH_RUNDIR" && find . -type f ! -path './log/*' ! -name 'xenstored.state*' \
        ! -path './blkback/*.shadow' -print0 | sort -z | xargs -0 -r sha256sum)
}

# Checksums of the disk images of this run but the evil guest's own and
# the blktest guest's (whose data blktest and the host verify instead).
sec_images() {
    find "$WORK" -maxdepth 1 -name '*.img' ! -name 'sec-evil.img' ! -name 'sec-blk.img' -print0 |
        sort -z | xargs -0 -r sha256sum
}

# sec_disk_guest NAME IMG ACCESS CMDLINE MEMORY: a guest with one disk.
sec_disk_guest() {
    local cfg
    cfg=$(guest_cfg "$1" "$4" "disk = [ 'vdev=xvda,access=$3,target=$2' ]" 'on_poweroff = "preserve"')
    sed -i "s/^memory = .*/memory = $5/" "$cfg"
    "$XL" create "$cfg" >/dev/null
}

sec_image() {
    rm -f "$WORK/$1.img"
    truncate -s "$2" "$WORK/$1.img"
    echo "$WORK/$1.img"
}

# The store outside what the given owners own. An owner is a domid (its
# /local/domain/<id> and its devices' backend directories, and the backend
# type directory its first device of a kind creates) or a /vm/<uuid> path
# (the toolstack's entry for it: read while the domain runs, since a
# hostile guest may remove its own pointer to it).
sec_store_outside() {
    local pat=(-e '^/local/domain/0/backend/[a-z]* ') o
    for o in "$@"; do
        case $o in
        /*) pat+=(-e "^$o[/ ]") ;;
        *) pat+=(-e "^/local/domain/$o[/ ]" -e "^/local/domain/0/backend/[a-z]*/$o[/ ]") ;;
        esac
    done
    xs_sec xenstore-ls -fp / | grep -v "${pat[@]}"
}

# The owners of the named running domains: each domid and its /vm path.
sec_owners() {
    local name id
    for name in "$@"; do
        id=$(sec_domid "$name")
        echo "$id $(xs_sec xenstore-read "/local/domain/$id/vm")"
    done
}

# BLK_IMAGE (tests/tools/blk_image) comes from test_block.sh.
test_hostile_guest_changes_nothing_it_does_not_own() {
    local vcfg ecfg vid eid before_svc before_files before_vlog before_imgs summary store_before
    local daemon_pid blk_img ro_img evil_img owners evil_owner
    daemon_pid=$(cat "$XENOLITH_RUNDIR/xenolith.pid")
    vcfg=$(guest_cfg sec-victim "app=grant-offer count=4 hold=1 idle_s=600")
    "$XL" create "$vcfg" >/dev/null
    wait_console sec-victim "grant-offer: domid" 20
    vid=$(sec_domid sec-victim)
    xs_sec xenstore-write "/local/domain/$vid/data/secret" "victim's"
    "$XL" create "$(guest_cfg sec-counter "app=counter interval_ms=50")" >/dev/null
    wait_console sec-counter "^count 3$" 20

    # Good guests on the devices the evil guest attacks: blktest on a disk
    # of its own, a reader of a read-only disk (a device blkback holds open
    # the whole time), and a netserve that a pinger reaches over the
    # evil guest's bridge.
    blk_img=$(sec_image sec-blk 260M)
    ro_img=$(sec_image sec-ro 8M)
    evil_img=$(sec_image sec-evil 16M)
    "$BLK_IMAGE" fill "$ro_img" 99 4 0 16384 >/dev/null
    "$XL" create "$(guest_cfg sec-serve "app=netserve" "vif = [ 'mac=00:16:3e:00:07:02,bridge=xenbr0,ip=10.0.7.2' ]" \
        'memory = 32')" >/dev/null
    wait_console sec-serve "^netserve: serving" 30
    before_svc=$(sec_services)
    before_files=$(sec_files)
    before_imgs=$(sec_images)
    before_vlog=$(cat "$(console_log sec-victim)")
    rm -f /tmp/evil

    # Evil's domid is the next one; the store snapshot excludes its home.
    ecfg=$(guest_cfg sec-evil "app=evil victim=$vid" 'on_poweroff = "preserve"' 'on_crash = "preserve"' \
        "disk = [ 'vdev=xvda,access=rw,target=$evil_img' ]" \
        "vif = [ 'mac=00:16:3e:00:07:66,bridge=xenbr0,ip=10.0.7.66' ]")
    sed -i "s/^memory = .*/memory = 32/" "$ecfg"
    eid=$((vid + 3))
    store_before=$(sec_store_outside "$eid" $(sec_owners sec-serve))
    "$XL" create "$ecfg" >/dev/null
    [ "$(sec_domid sec-evil)" = "$eid" ] || fail "evil got domid $(sec_domid sec-evil), not $eid"
    evil_owner=$(sec_owners sec-evil)
    sec_disk_guest sec-blk "$blk_img" rw "app=blktest blktest_mb=256 blk_queues=2" 64
    sec_disk_guest sec-ro "$ro_img" ro "app=blktest blktest_mode=ro seed=99 host_gen=4 blk_ignore_ro=1" 32
    "$XL" create "$(guest_cfg sec-ping "app=netping ping=10.0.7.2 count=200 interval_ms=20 linger_s=0" \
        "vif = [ 'mac=00:16:3e:00:07:01,bridge=xenbr0,ip=10.0.7.1' ]" 'memory = 32')" >/dev/null
    "$XL" create "$(guest_cfg sec-nbr "app=netbench mode=recv" \
        "vif = [ 'mac=00:16:3e:00:07:03,bridge=xenbr0,ip=10.0.7.3' ]" 'memory = 32')" >/dev/null
    wait_console sec-nbr "^netbench: ready to receive" 30
    "$XL" create "$(guest_cfg sec-nbs "app=netbench mode=send peer=10.0.7.3 frame=1000 secs=5" \
        "vif = [ 'mac=00:16:3e:00:07:04,bridge=xenbr0,ip=10.0.7.4' ]" 'memory = 32')" >/dev/null
    owners=$(sec_owners sec-serve sec-blk sec-ro sec-ping sec-nbr sec-nbs)
    wait_console sec-evil "^evil: [0-9]+ attacks" 150
    summary=$(grep -E '^evil: [0-9]+ attacks' "$(console_log sec-evil)")
    echo "$summary"
    local fam
    for fam in hcall evtchn grant blkif netif xenstore; do
        echo "  $fam: $(grep -c "^PASS evil/$fam:" "$(console_log sec-evil)") passed"
    done
    grep -E '^(FAIL|SKIP)' "$(console_log sec-evil)" >&2 || true
    [[ $summary =~ ^evil:\ ([0-9]+)\ attacks,\ ([0-9]+)\ passed,\ 0\ failed,\ 0\ families\ skipped ]] ||
        fail "attacks failed or were skipped: $summary"
    [ "${BASH_REMATCH[1]}" -ge 800 ] || fail "only ${BASH_REMATCH[1]} attacks ran"
    for fam in blkif netif; do
        [ "$(grep -c "^PASS evil/$fam:" "$(console_log sec-evil)")" -ge 20 ] || fail "the $fam family hardly ran"
    done
    wait_state sec-evil 's' 10 # it powers off when done: nothing hangs it

    # The good guests' devices: every check of theirs passed, the data
    # blktest wrote is in its image as the host reads it, the read-only
    # image is untouched, and the pinger got every reply.
    wait_console sec-blk 'blktest: done: [0-9]+ passed, [0-9]+ failed' 150
    grep -qE 'blktest: done: [0-9]+ passed, 0 failed' "$(console_log sec-blk)" ||
        { fail "the blktest guest beside evil failed:"; grep -E 'FAIL|done' "$(console_log sec-blk)" >&2; return 1; }
    local b bad=0
    for b in 0 1000 2047 3000 4095; do
        "$BLK_IMAGE" check "$blk_img" 12345 1 $((b * 64)) 64 >/dev/null ||
            "$BLK_IMAGE" check "$blk_img" 12345 2 $((b * 64)) 64 >/dev/null || bad=$((bad + 1))
    done
    [ $bad -eq 0 ] || fail "$bad sampled blocks of the blktest guest's image hold neither generation"
    wait_console sec-ro 'blktest: done: [0-9]+ passed, 0 failed' 60
    grep -q 'blktest: PASS ro-unchanged' "$(console_log sec-ro)" || fail "the read-only guest's data changed"
    wait_console sec-ping "^netping: 200/200 replies from 10.0.7.2" 60
    # The stream beside the attacks: every datagram that arrived carried
    # the payload it was sent with (bad 0), and most of them arrived.
    wait_console sec-nbs "^netbench: sent [0-9]+ datagrams" 60
    wait_console sec-nbr "^netbench: received [0-9]+ datagrams of 1000-byte frames, bad 0," 60
    local got sent
    got=$(sed -n 's/^netbench: received \([0-9]*\) datagrams.*/\1/p' "$(console_log sec-nbr)")
    sent=$(sed -n 's/^netbench: sent \([0-9]*\) datagrams.*/\1/p' "$(console_log sec-nbs)")
    echo "netbench beside evil: received $got of $sent"
    [ "$got" -gt 1000 ] && [ $((got * 2)) -ge "$sent" ] || fail "the stream lost too much: $got of $sent"
    grep -q "d$eid.0: queue 0: tx request [0-9]*: fragment chain longer than 20 slots" "$XENOLITH_RUNDIR/log/netback.log" ||
        fail "netback did not log the evil guest's 21-slot tx chain"
    grep -q "d$eid vbd 51712.*ring broken" "$XENOLITH_RUNDIR/log/blkback.log" ||
        fail "blkback did not log the evil guest's broken ring"

    [ "$(sec_services)" = "$before_svc" ] ||
        fail "Dom0 services changed: before [$before_svc] after [$(sec_services)]"
    [ "$(cat "$XENOLITH_RUNDIR/xenolith.pid")" = "$daemon_pid" ] && kill -0 "$daemon_pid" ||
        fail "the daemon is not the same process"
    "$XL" list >/dev/null || fail "the daemon does not answer"
    wait_state sec-victim '^(r-|-b)' 2 || fail "the victim is not running"
    local c1 c2
    c1=$(sec_last_count)
    wait_console sec-counter "^count $((c1 + 1))$" 10 || fail "the counter stopped at $c1"
    awk '/^count / { if (seen && $2 != prev + 1) { print "gap: " prev " -> " $2; bad = 1 } prev = $2; seen = 1 }
         END { exit bad }' "$(console_log sec-counter)" >&2 || fail "the counter skipped"
    [ "$(cat "$(console_log sec-victim)")" = "$before_vlog" ] || fail "the victim's console log changed"
    [ "$(xs_sec xenstore-read "/local/domain/$vid/data/secret")" = "victim's" ] ||
        fail "the victim's node changed"
    diff <(echo "$store_before") <(sec_store_outside $evil_owner $owners) >&2 ||
        fail "xenstore outside what the evil guest and the device guests own changed"
    diff <(echo "$before_files") <(sec_files) >&2 || fail "files of the run directory changed"
    diff <(echo "$before_imgs") <(sec_images) >&2 || fail "an image other than the evil guest's changed"
    [ ! -e /tmp/evil ] || fail "an attack created /tmp/evil"
    local d
    for d in sec-evil sec-blk sec-ro sec-ping sec-serve sec-nbr sec-nbs; do
        "$XL" destroy "$d" 2>/dev/null || true
    done

    # Fresh guests still get correct service from everything attacked.
    local app cfg
    for app in xenstore-test evtchn-selftest grant-selftest; do
        cfg=$(guest_cfg "sec-$app" "app=$app" 'on_poweroff = "preserve"')
        "$XL" create "$cfg" >/dev/null
        wait_console "sec-$app" "$app: [0-9]+ passed, 0 failed|[0-9]+ passed, [1-9]|FAIL" 60
        grep -qE "$app: [0-9]+ passed, 0 failed" "$(console_log "sec-$app")" ||
            { fail "$app after the attacks:"; grep -E 'FAIL|passed' "$(console_log "sec-$app")" >&2; return 1; }
        "$XL" destroy "sec-$app"
    done
    "$XL" destroy sec-victim
    "$XL" destroy sec-counter
}

# Without a disk or a vif the device families say why they did not run,
# and are counted as skipped, not passed.
test_hostile_guest_without_devices_skips_device_attacks() {
    local cfg log
    cfg=$(guest_cfg sec-nodev "app=evil only=blkif" 'on_poweroff = "preserve"')
    "$XL" create "$cfg" >/dev/null
    wait_console sec-nodev "^evil: [0-9]+ attacks" 30
    log=$(console_log sec-nodev)
    grep -q "^SKIP evil/blkif: no vbd in our config" "$log" || fail "no SKIP line for blkif"
    grep -q "^evil: 0 attacks, 0 passed, 0 failed, 1 families skipped" "$log" ||
        fail "a skipped family was counted: $(grep '^evil: ' "$log")"
    "$XL" destroy sec-nodev
}
