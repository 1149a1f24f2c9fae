# test_grant.sh - grant tables v1: the guest's own checks, and a Dom0
# program mapping, copying and misusing a guest's grants
# (tests/tools/gnttab_peer.c against app=grant-offer).

GNTTAB_PEER=$ROOT/$BUILD/tests/tools/gnttab_peer

# offer_fields NAME: "DOMID PORT REF COUNT RO_REF" from grant-offer's line.
offer_fields() {
    sed -n 's/^grant-offer: domid \([0-9]*\) port \([0-9]*\) refs \([0-9]*\) count \([0-9]*\) ro_ref \([0-9]*\)$/\1 \2 \3 \4 \5/p' \
        "$(console_log "$1")"
}

test_grant_guest_selftest_passes() {
    local cfg
    cfg=$(guest_cfg gself "app=grant-selftest" 'on_poweroff = "preserve"' 'on_crash = "preserve"')
    "$XL" create "$cfg"
    wait_console gself "^grant-selftest: [0-9]+ passed, [0-9]+ failed$" 20
    grep "^FAIL" "$(console_log gself)" >&2 && return 1
    wait_console gself "^grant-selftest: 71 passed, 0 failed$"
    wait_state gself '^---s--$'
    "$XL" destroy gself
}

test_grant_max_grant_frames_limits_the_table() {
    local cfg
    cfg=$(guest_cfg gmax "app=grant-selftest max=4" 'max_grant_frames = 4' 'on_crash = "preserve"')
    "$XL" create "$cfg"
    wait_console gmax "^grant-selftest: [0-9]+ passed, [0-9]+ failed$" 20
    grep "^FAIL" "$(console_log gmax)" >&2 && return 1
    wait_console gmax "^grant-selftest: 63 passed, 0 failed$"
    grep -q "^PASS setup_table past the limit is general_error$" "$(console_log gmax)"
    wait_state gmax '^gone$'
    cfg=$(guest_cfg gmax2 "app=hello" 'max_grant_frames = 65')
    expect_fail "max_grant_frames: 65 is out of range (1..64)" "$XL" create "$cfg"
}

test_grant_dom0_and_guest_exchange_pages_with_xen_flags() {
    local cfg f
    cfg=$(guest_cfg goffer "app=grant-offer count=4")
    "$XL" create "$cfg"
    wait_console goffer "^grant-offer: domid"
    read -r -a f <<<"$(offer_fields goffer)"
    [ "${#f[@]}" -eq 5 ] || fail "could not parse grant-offer's line"
    "$GNTTAB_PEER" exchange "${f[@]}" | tee "$WORK/gexchange.out"
    grep -q "exchange of 4+1 pages done" "$WORK/gexchange.out"
    grep "^FAIL" "$WORK/gexchange.out" >&2 && return 1
    wait_console goffer "^grant-offer: mapped: checked 5 pages$"
    wait_console goffer "^grant-offer: PASS$"
    grep "grant-offer: FAIL" "$(console_log goffer)" >&2 && return 1
    wait_state goffer '^gone$'
}

test_grant_dom0_disconnect_releases_its_maps() {
    local cfg f
    cfg=$(guest_cfg gdisc "app=grant-offer count=2")
    "$XL" create "$cfg"
    wait_console gdisc "^grant-offer: domid"
    read -r -a f <<<"$(offer_fields gdisc)"
    "$GNTTAB_PEER" exchange "${f[@]}" --disconnect | tee "$WORK/gdisc.out"
    grep -q "released by disconnecting" "$WORK/gdisc.out"
    wait_console gdisc "^grant-offer: PASS$"
    grep -q "went away with 3 grant maps; unmapped" "$XENOLITH_RUNDIR/log/xenolith.log"
}

test_grant_dom0_misuse_gets_xen_status_codes() {
    local cfg f
    cfg=$(guest_cfg gmis "app=grant-offer count=1 hold=1 idle_s=60")
    "$XL" create "$cfg"
    wait_console gmis "^grant-offer: domid"
    read -r -a f <<<"$(offer_fields gmis)"
    "$GNTTAB_PEER" misuse "${f[0]}" "${f[2]}" "${f[3]}" "${f[4]}" | tee "$WORK/gmis.out"
    grep "^FAIL" "$WORK/gmis.out" >&2 && return 1
    grep -q "misuse: all refused as on Xen" "$WORK/gmis.out"
    # The guest never noticed: it still runs.
    [ "$(state_of gmis)" != gone ]
    "$XL" destroy gmis
}

test_grant_destroy_while_mapped_keeps_the_memory_until_unmap() {
    local cfg f
    cfg=$(guest_cfg gdest "app=grant-offer count=1 hold=1 idle_s=60")
    "$XL" create "$cfg"
    wait_console gdest "^grant-offer: domid"
    read -r -a f <<<"$(offer_fields gdest)"
    "$GNTTAB_PEER" destroy "${f[0]}" "${f[2]}" | tee "$WORK/gdest.out"
    grep "^FAIL" "$WORK/gdest.out" >&2 && return 1
    grep -q "destroy while mapped: memory held until unmap" "$WORK/gdest.out"
    grep -q "d${f[0]}: destroyed while Dom0 still maps 1 of its grant" \
        "$XENOLITH_RUNDIR/log/xenolith.log"
    [ "$(state_of gdest)" = gone ]
    # The daemon is fine and serves the next guest.
    cfg=$(guest_cfg gdest2 "app=hello")
    "$XL" create "$cfg"
    wait_console gdest2 "Hello from Xenolith"
}
