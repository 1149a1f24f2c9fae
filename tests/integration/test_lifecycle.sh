# test_lifecycle.sh - creating, listing, pausing, destroying and shutting
# down domains, as a user does with xl.

test_hello_boots_prints_and_is_gone_after_poweroff() {
    local cfg
    cfg=$(guest_cfg hello1 "app=hello greeting=yes")
    "$XL" create "$cfg"
    wait_console hello1 "^Hello from Xenolith domain [0-9]+$"
    wait_console hello1 "^command line: app=hello greeting=yes$"
    wait_state hello1 '^gone$'   # on_poweroff defaults to destroy
}

test_console_shows_output_of_a_preserved_domain() {
    local cfg domid
    cfg=$(guest_cfg hello2 "app=hello" 'on_poweroff = "preserve"')
    "$XL" create "$cfg"
    wait_state hello2 '^---s--$'
    domid=$("$XL" list hello2 | awk '$1 == "hello2" {print $2}')
    "$XL" console hello2 | grep -qx "Hello from Xenolith domain $domid"
    "$XL" console "$domid" | grep -q "^command line: app=hello$"
    "$XL" destroy hello2
    [ "$(state_of hello2)" = gone ]
}

test_crash_with_preserve_keeps_the_domain_listed_as_crashed() {
    local cfg
    cfg=$(guest_cfg crash1 "app=crash" 'on_crash = "preserve"')
    "$XL" create "$cfg"
    wait_state crash1 '^----c-$'
    wait_console crash1 "guest crashed: #UD invalid opcode"
    "$XL" dmesg | grep -q "shutdown, reason crash"
    "$XL" destroy crash1
}

test_unknown_app_reports_and_crashes() {
    local cfg
    cfg=$(guest_cfg noapp1 "app=nosuch" 'on_crash = "preserve"')
    "$XL" create "$cfg"
    wait_state noapp1 '^----c-$'
    wait_console noapp1 "unknown app 'nosuch'"
    "$XL" destroy noapp1
}

test_twenty_guests_created_at_once_all_print() {
    local i pids=()
    for i in $(seq 1 20); do
        "$XL" create "$(guest_cfg "many$i" "app=hello")" >"$WORK/many$i.out" 2>&1 &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i"; done
    for i in $(seq 1 20); do
        wait_console "many$i" "^Hello from Xenolith domain [0-9]+$"
    done
    # Twenty distinct domids.
    [ "$(grep -h '^Hello from' "$XENOLITH_RUNDIR"/log/console/guest-many*.log | sort -u | wc -l)" -eq 20 ]
}

test_destroy_of_a_running_guest() {
    local cfg
    cfg=$(guest_cfg busy1 "app=compute iters=100000000000 reps=1")
    "$XL" create "$cfg"
    wait_state busy1 '^r-----$'
    sleep 0.3
    "$XL" destroy busy1
    [ "$(state_of busy1)" = gone ] || fail "busy1 still listed after destroy"
    "$XL" dmesg | grep -q "destroyed 'busy1'"
}

test_pause_stops_the_clock_and_unpause_restarts_it() {
    local cfg t1 t2 t3
    cfg=$(guest_cfg pause1 "app=compute iters=100000000000 reps=1")
    "$XL" create "$cfg"
    wait_state pause1 '^r-----$'
    sleep 0.3
    "$XL" pause pause1
    [ "$(state_of pause1)" = "--p---" ]
    t1=$(cpu_time_of pause1)
    sleep 0.5
    t2=$(cpu_time_of pause1)
    [ "$t1" = "$t2" ] || fail "CPU time moved while paused: $t1 -> $t2"
    "$XL" unpause pause1
    [ "$(state_of pause1)" = "r-----" ]
    sleep 0.5
    t3=$(cpu_time_of pause1)
    awk -v a="$t2" -v b="$t3" 'BEGIN { exit !(b > a) }' || fail "CPU time did not move after unpause: $t2 -> $t3"
    "$XL" destroy pause1
}

test_create_paused_then_unpause() {
    local cfg
    cfg=$(guest_cfg paused1 "app=hello" 'on_poweroff = "preserve"')
    "$XL" create -p "$cfg"
    [ "$(state_of paused1)" = "--p---" ]
    sleep 0.2
    ! grep -q "Hello" "$(console_log paused1)" 2>/dev/null || fail "a paused domain ran"
    "$XL" unpause paused1
    wait_console paused1 "^Hello from Xenolith"
    "$XL" destroy paused1
}

test_on_crash_restart_creates_a_fresh_domain() {
    local cfg n
    cfg=$(guest_cfg again1 "app=crash" 'on_crash = "restart"')
    "$XL" create "$cfg"
    # xl's monitor restarts it; it stops after a burst of fast restarts.
    local deadline=$((SECONDS + 20))
    while [ $SECONDS -le $deadline ]; do
        n=$(grep -c "crash: executing ud2" "$(console_log again1)" 2>/dev/null || true)
        [ "${n:-0}" -ge 3 ] && break
        sleep 0.05
    done
    [ "${n:-0}" -ge 3 ] || fail "expected at least 3 runs, saw ${n:-0}"
    wait_state again1 '^----c-$' 20
    "$XL" destroy again1
    sleep 0.2
    [ "$(state_of again1)" = gone ]
}
