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
