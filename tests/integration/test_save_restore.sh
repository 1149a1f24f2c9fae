# test_save_restore.sh - xl save and xl restore with app=counter as the
# witness: the count goes on after a restore from where it was, and a
# damaged image is refused with nothing created.

# last_count NAME: the highest "count N" the domain's console shows.
last_count() {
    grep -oE '^count [0-9]+$' "$(console_log "$1")" 2>/dev/null | awk '{print $2}' | sort -n | tail -1
}

# wait_count_above NAME N: the console shows a count above N.
wait_count_above() {
    local deadline=$((SECONDS + ${3:-10})) c
    while [ $SECONDS -le $deadline ]; do
        c=$(last_count "$1")
        [ -n "$c" ] && [ "$c" -gt "$2" ] && return 0
        sleep 0.05
    done
    fail "'$1' never counted past $2 (last: ${c:-none})"
}

# A counting domain saved to $WORK/NAME.img; echoes the count at save time.
save_counter() {
    local name=$1 cfg
    cfg=$(guest_cfg "$name" "app=counter")
    "$XL" create "$cfg" >/dev/null
    wait_count_above "$name" 5 >&2 || return 1
    "$XL" save "$name" "$WORK/$name.img" 2>"$WORK/$name.save.err" || {
        cat "$WORK/$name.save.err" >&2; return 1; }
    [ "$(state_of "$name")" = gone ] || { fail "'$name' still exists after xl save"; return 1; }
    last_count "$name"
}

test_counter_continues_after_save_and_restore() {
    local at out
    at=$(save_counter sr1) || return 1
    grep -q "^Saving domain 'sr1': 100%" "$WORK/sr1.save.err" || fail "no progress shown" || return 1
    out=$("$XL" restore "$WORK/sr1.img" 2>&1) || { fail "restore failed: $out"; return 1; }
    grep -q "Domain 'sr1' restored as domain" <<<"$out" || fail "restore said: $out" || return 1
    wait_state sr1 '^(r-|-b)' || return 1
    wait_console sr1 "^counter: resumed as domain [0-9]+ at count $at$" || return 1
    wait_count_above sr1 $((at + 5)) || return 1
    # Continued, not restarted: no "count 0" after the resume line.
    if sed -n '/^counter: resumed/,$p' "$(console_log sr1)" | grep -qx "count 0"; then
        fail "the counter restarted from 0"; return 1
    fi
    "$XL" destroy sr1
}

# app=counter with a disk and a vif, its peer answering pings: twice saved
# and restored (the second time from devices the first restore made), the
# disk keeps verifying every round it writes and the pings keep coming back.
test_counter_with_disk_and_vif_survives_save_and_restore_under_load() {
    local i log img=$WORK/srd.img
    truncate -s 16M "$img"
    "$XL" create "$(guest_cfg srp app=netserve "vif = [ 'mac=00:16:3e:09:01:02,ip=10.9.1.2' ]")" >/dev/null
    "$XL" create "$(guest_cfg srd 'app=counter ping=10.9.1.2' 'memory = 32' \
        "disk = [ 'vdev=xvda,target=$img' ]" "vif = [ 'mac=00:16:3e:09:01:01,ip=10.9.1.1' ]")" >/dev/null
    log=$(console_log srd)
    wait_console srd '^counter: disk round 10 verified' 30 || return 1
    wait_console srd '^counter: net 10 replies' 30 || return 1
    for i in 1 2; do
        "$XL" save srd "$WORK/srd.sav" 2>/dev/null || { fail "save $i failed"; return 1; }
        "$XL" restore "$WORK/srd.sav" >/dev/null 2>&1 || { fail "restore $i failed"; return 1; }
        wait_lines_after "$log" '^count 0$' '^counter: resumed as domain' "$i" || return 1
        io_resumed "$log" || return 1
    done
    "$XL" destroy srd
    "$XL" destroy srp
}

# The image names its disk; restore checks it is there before the domain
# runs, and with the disk gone refuses by name and leaves nothing.
test_restore_refuses_an_image_whose_disk_is_gone() {
    local img=$WORK/srg.img n
    truncate -s 16M "$img"
    "$XL" create "$(guest_cfg srg app=counter "disk = [ 'vdev=xvda,target=$img' ]")" >/dev/null
    wait_console srg '^counter: disk round 10 verified' 30 || return 1
    "$XL" save srg "$WORK/srg.sav" 2>/dev/null || { fail "save failed"; return 1; }
    mv "$img" "$img.away"
    n=$(domain_count)
    expect_fail "disk '$img' not found: No such file or directory" "$XL" restore "$WORK/srg.sav" ||
        return 1
    [ "$(domain_count)" = "$n" ] || fail "a domain was left behind" || return 1
    mv "$img.away" "$img"
    "$XL" restore "$WORK/srg.sav" >/dev/null 2>&1 || { fail "restore with the disk back failed"; return 1; }
    wait_console srg '^counter: resumed as domain' || return 1
    wait_lines_after "$(console_log srg)" '^counter: resumed as domain' '^counter: disk round [0-9]+ verified' 2 || return 1
    "$XL" destroy srg
}

test_save_p_leaves_the_domain_paused_and_running_after_unpause() {
    local cfg at
    cfg=$(guest_cfg sr2 "app=counter")
    "$XL" create "$cfg" >/dev/null
    wait_count_above sr2 3 || return 1
    "$XL" save -p sr2 "$WORK/sr2.img" 2>/dev/null || { fail "save -p failed"; return 1; }
    wait_state sr2 '^--p---$' || return 1
    at=$(last_count sr2)
    "$XL" unpause sr2
    wait_console sr2 "^counter: suspend cancelled at count" || return 1
    wait_count_above sr2 $((at + 3)) || return 1
    "$XL" destroy sr2
}

test_restore_refuses_a_name_in_use_and_creates_nothing() {
    local cfg n
    save_counter sr3 >/dev/null || return 1
    cfg=$(guest_cfg sr3 "app=counter")
    "$XL" create "$cfg" >/dev/null
    n=$(domain_count)
    expect_fail "a domain named 'sr3' already exists" "$XL" restore "$WORK/sr3.img" || return 1
    [ "$(domain_count)" = "$n" ] || fail "a domain was left behind" || return 1
    "$XL" destroy sr3
}

test_truncated_or_corrupted_image_is_refused_and_nothing_is_created() {
    local img size
    save_counter sr4 >/dev/null || return 1
    img=$WORK/sr4.img
    size=$(stat -c %s "$img")
    head -c $((size / 2)) "$img" >"$WORK/trunc.img"
    expect_fail "image is truncated" "$XL" restore "$WORK/trunc.img" || return 1
    head -c $((size - 24)) "$img" >"$WORK/noend.img"   # the END record cut off
    expect_fail "truncated" "$XL" restore "$WORK/noend.img" || return 1
    cp "$img" "$WORK/flip.img"                           # one byte of memory flipped
    printf '\xff' | dd of="$WORK/flip.img" bs=1 seek=$((size / 2)) conv=notrunc status=none
    expect_fail "checksum mismatch (corrupted image)" "$XL" restore "$WORK/flip.img" || return 1
    printf 'XENOLSRX' | dd of="$WORK/flip.img" bs=1 seek=0 conv=notrunc status=none
    expect_fail "not a Xenolith save image" "$XL" restore "$WORK/flip.img" || return 1
    expect_fail "cannot open" "$XL" restore "$WORK/missing.img" || return 1
    [ "$(state_of sr4)" = gone ] || fail "a half-restored 'sr4' was left behind" || return 1
    [ "$(domain_count)" = 0 ] || fail "domains left: $("$XL" list)" || return 1
    # The intact image still restores.
    "$XL" restore "$img" >/dev/null 2>&1 || { fail "intact image refused"; return 1; }
    wait_console sr4 "^counter: resumed as domain" || return 1
    "$XL" destroy sr4
}

test_save_of_a_missing_domain_fails_and_writes_nothing() {
    expect_fail "nosuchdom" "$XL" save nosuchdom "$WORK/none.img" || return 1
    [ ! -e "$WORK/none.img" ] || fail "an image was written"
}

# domid_of NAME: the domain's id from xl list.
domid_of() { "$XL" list "$1" | awk -v n="$1" '$1 == n { print $2 }'; }
xs_env() { XENSTORED_PATH=$XENOLITH_RUNDIR/xenstored.sock "$@"; }

# The guest runs the ring's reconnect handshake after a restore, writes
# through the new connection, and its watch was registered again: a value
# written after the restore reaches it.
test_restored_guest_reconnects_to_xenstore_and_keeps_its_watch() {
    command -v xenstore-write >/dev/null || { echo "xenstore-utils is not installed"; exit 77; }
    local id at
    id=$("$XL" create "$(guest_cfg sr5 app=counter)" >/dev/null && domid_of sr5)
    wait_console sr5 '^count 3$' || return 1
    xs_env xenstore-write "/local/domain/$id/data/poke" before
    wait_console sr5 '^counter: poked before$' || return 1
    "$XL" save sr5 "$WORK/sr5.img" 2>/dev/null || { fail "save failed"; return 1; }
    "$XL" restore "$WORK/sr5.img" >/dev/null 2>&1 || { fail "restore failed"; return 1; }
    id=$(domid_of sr5)
    wait_console sr5 '^counter: resumed as domain' || return 1
    at=$(sed -n 's/^counter: resumed as domain [0-9]* at count \([0-9]*\)$/\1/p' "$(console_log sr5)")
    local deadline=$((SECONDS + 10)) got=
    while [ $SECONDS -le $deadline ]; do
        got=$(xs_env xenstore-read "/local/domain/$id/data/resumed" 2>/dev/null) && break
        sleep 0.05
    done
    [ "$got" = "$at" ] || fail "data/resumed of domain $id is '$got', not the count $at" || return 1
    grep -q "d$id: ring reconnected at the guest's request" "$XENOLITH_RUNDIR/log/xenstored.log" ||
        fail "xenstored saw no reconnect from d$id" || return 1
    xs_env xenstore-write "/local/domain/$id/data/poke" after
    wait_console sr5 '^counter: poked after$' || return 1
    "$XL" destroy sr5
}

# A 2-vCPU guest bounces IPIs off vCPU 1 on every count; vCPU 1 answers
# with its code segment, which on kvm_pvm shows PVM mode (0x33) or the slow
# emulated mode (0x10) a restored vCPU stays in until it re-registers.
test_two_vcpu_guest_keeps_both_vcpus_after_restore() {
    local before after rounds
    "$XL" create "$(guest_cfg sr6 'app=counter smp=1' 'vcpus = 2')" >/dev/null
    wait_console sr6 '^smp: 20 IPI rounds' || return 1
    before=$(sed -n 's/^smp: 20 IPI rounds, every AP answered, CS \(0x[0-9a-f]*\)$/\1/p' "$(console_log sr6)")
    [ -n "$before" ] || fail "no CS in the 20th round's line" || return 1
    "$XL" save sr6 "$WORK/sr6.img" 2>/dev/null || { fail "save failed"; return 1; }
    rounds=$(grep -c '^smp: .* IPI rounds' "$(console_log sr6)")
    "$XL" restore "$WORK/sr6.img" >/dev/null 2>&1 || { fail "restore failed"; return 1; }
    wait_console sr6 '^counter: resumed as domain' || return 1
    # Two full lines of 10 rounds after the resume.
    local deadline=$((SECONDS + 10))
    while [ $SECONDS -le $deadline ]; do
        [ "$(sed -n '/^counter: resumed/,$p' "$(console_log sr6)" | grep -c '^smp: .* IPI rounds')" -ge 2 ] && break
        sleep 0.05
    done
    after=$(sed -n '/^counter: resumed/,$p' "$(console_log sr6)" |
        sed -n 's/^smp: [0-9]* IPI rounds, every AP answered, CS \(0x[0-9a-f]*\)$/\1/p' | tail -1)
    [ -n "$after" ] || fail "vCPU 1 did not answer after the restore (had $rounds lines before)" || return 1
    ! grep -q 'did not answer' "$(console_log sr6)" || fail "an IPI went unanswered" || return 1
    [ "$after" = "$before" ] || fail "vCPU 1 ran with CS $before before the save, $after after" || return 1
    "$XL" destroy sr6
}
