# test_security.sh - the hostile guest (app=evil, guest/apps/evil*.c) runs
# its hundreds of attacks beside a well-behaved victim and must change
# nothing it does not own:
#   - every attack gets Xen's answer (evil prints PASS/FAIL per attack and
#     "evil: N attacks, N passed, 0 failed");
#   - every Dom0 service is still the same process (nothing crashed and was
#     restarted), and the daemon still answers;
#   - the victim still runs, its console log and its xenstore nodes are
#     unchanged; a second good guest (app=counter) kept counting through
#     the attacks without a gap, and so is every xenstore node outside the evil guest's own
#     /local/domain/<id>;
#   - no file of the run directory outside the logs and xenstored's own
#     state changed, and no file named by an attack appeared;
#   - fresh guests afterwards pass their own self-tests (xenstore,
#     event channels, grants).
# Block and network attacks join when blkback/netback land (evil.h).

sec_domid() { "$XL" list "$1" | awk -v n="$1" '$1 == n { print $2 }'; }

sec_last_count() { grep -E '^count [0-9]+$' "$(console_log sec-counter)" | tail -1 | cut -d' ' -f2; }

xs_sec() { XENSTORED_PATH=$XENOLITH_RUNDIR/xenstored.sock "$@"; }

# Dom0 services as "name pid" lines: children of the daemon.
sec_services() {
    local d
    d=$(cat "$XENOLITH_RUNDIR/xenolith.pid")
    for p in $(pgrep -P "$d" | sort -n); do echo "$(cat /proc/"$p"/comm 2>/dev/null) $p"; done
}

# Checksums of the run directory's files but logs, sockets and xenstored's
# state (which holds the evil guest's own nodes, legitimately).
sec_files() {
    (cd "$XENOLITH_RUNDIR" && find . -type f ! -path './log/*' ! -name 'xenstored.state*' -print0 |
        sort -z | xargs -0 -r sha256sum)
}

# The store outside /local/domain/$1 and the toolstack's /vm entry $2 for
# that domain (both its own), with permissions.
sec_store_outside() {
    xs_sec xenstore-ls -fp / | grep -v -e "^/local/domain/$1[/ ]" -e "^${2:-/none}[/ ]"
}

test_hostile_guest_changes_nothing_it_does_not_own() {
    local vcfg ecfg vid eid evm before_svc before_files before_vlog summary store_before
    vcfg=$(guest_cfg sec-victim "app=grant-offer count=4 hold=1 idle_s=600")
    "$XL" create "$vcfg" >/dev/null
    wait_console sec-victim "grant-offer: domid" 20
    vid=$(sec_domid sec-victim)
    xs_sec xenstore-write "/local/domain/$vid/data/secret" "victim's"
    "$XL" create "$(guest_cfg sec-counter "app=counter interval_ms=50")" >/dev/null
    wait_console sec-counter "^count 3$" 20
    before_svc=$(sec_services)
    before_files=$(sec_files)
    before_vlog=$(cat "$(console_log sec-victim)")
    rm -f /tmp/evil

    # Evil's domid is the next one; the store snapshot excludes its home.
    ecfg=$(guest_cfg sec-evil "app=evil victim=$vid" 'on_poweroff = "preserve"' 'on_crash = "preserve"')
    eid=$((vid + 2))
    store_before=$(sec_store_outside "$eid")
    "$XL" create "$ecfg" >/dev/null
    [ "$(sec_domid sec-evil)" = "$eid" ] || fail "evil got domid $(sec_domid sec-evil), not $eid"
    evm=$(xs_sec xenstore-read "/local/domain/$eid/vm")
    wait_console sec-evil "^evil: [0-9]+ attacks" 120
    summary=$(grep -E '^evil: [0-9]+ attacks' "$(console_log sec-evil)")
    echo "$summary"
    grep '^FAIL' "$(console_log sec-evil)" >&2 || true
    [[ $summary =~ ^evil:\ ([0-9]+)\ attacks,\ ([0-9]+)\ passed,\ 0\ failed ]] ||
        fail "attacks failed: $summary"
    [ "${BASH_REMATCH[1]}" -ge 500 ] || fail "only ${BASH_REMATCH[1]} attacks ran"
    wait_state sec-evil 's' 10 # it powers off when done: nothing hangs it

    [ "$(sec_services)" = "$before_svc" ] ||
        fail "Dom0 services changed: before [$before_svc] after [$(sec_services)]"
    "$XL" list >/dev/null || fail "the daemon does not answer"
    wait_state sec-victim '^(r-|-b)' 2 || fail "the victim is not running"
    local c1 c2
    c1=$(sec_last_count)
    sleep 0.5
    c2=$(sec_last_count)
    [ "$c2" -gt "$c1" ] || fail "the counter stopped at $c1"
    awk '/^count / { if (seen && $2 != prev + 1) { print "gap: " prev " -> " $2; bad = 1 } prev = $2; seen = 1 }
         END { exit bad }' "$(console_log sec-counter)" >&2 || fail "the counter skipped"
    [ "$(cat "$(console_log sec-victim)")" = "$before_vlog" ] || fail "the victim's console log changed"
    [ "$(xs_sec xenstore-read "/local/domain/$vid/data/secret")" = "victim's" ] ||
        fail "the victim's node changed"
    diff <(echo "$store_before") <(sec_store_outside "$eid" "$evm") >&2 ||
        fail "xenstore outside /local/domain/$eid changed"
    diff <(echo "$before_files") <(sec_files) >&2 || fail "files of the run directory changed"
    [ ! -e /tmp/evil ] || fail "an attack created /tmp/evil"
    "$XL" destroy sec-evil

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
