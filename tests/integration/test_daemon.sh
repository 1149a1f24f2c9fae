# test_daemon.sh - the hypervisor daemon as a service: start, status, env,
# stop, and a control socket that survives hostile clients.

test_second_daemon_on_the_same_run_directory_is_refused() {
    expect_fail "a daemon already runs on $XENOLITH_RUNDIR" "$XENOLITH" start
    "$XENOLITH" status | grep -q "running"
}

test_status_and_env() {
    "$XENOLITH" status | grep -qE "running \(pid [0-9]+\)"
    "$XENOLITH" env | grep -qx "export XENOLITH_RUNDIR=$XENOLITH_RUNDIR"
    "$XL" info | grep -qE "^xen_version +: 4\.17-xenolith$"
    "$XL" list | head -1 | grep -q "^Name  *ID   Mem VCPUs"
    "$XL" list | grep -qE "^Domain-0 +0 "
}

test_stop_destroys_guests_and_a_new_start_works() {
    local cfg
    truncate -s 1M "$WORK/stop1.img"
    cfg=$(guest_cfg stop1 "app=compute iters=100000000000 reps=1" \
        "disk = [ '$WORK/stop1.img,raw,xvda,rw' ]")
    "$XL" create "$cfg"
    wait_state stop1 '^r-----$'
    "$XENOLITH" stop | grep -q "stopped"
    "$XENOLITH" status | grep -q "not running" || true
    ! pgrep -f "xenolith.*stop1" >/dev/null
    expect_fail "cannot reach the hypervisor" "$XL" list
    "$XENOLITH" start | grep -q started
    [ "$(state_of stop1)" = gone ]
    # A new start is a fresh boot: no xenstore node of the old domains is
    # left, so the same guest with the same devices comes up again.
    local left
    left=$(XENSTORED_PATH=$XENOLITH_RUNDIR/xenstored.sock xenstore-ls /local/domain/0/backend 2>/dev/null) || true
    [ -z "$left" ] || { fail "stale backend nodes after a restart: $left"; return 1; }
    "$XL" create "$cfg"
    wait_state stop1 '^r-----$'
    "$XL" destroy stop1
}

test_control_socket_survives_garbage() {
    "$ROOT/$BUILD/tests/tools/ctl_garbage" "$XENOLITH_RUNDIR/xenolith.sock" 2000
    "$XENOLITH" status | grep -q running
    local cfg
    cfg=$(guest_cfg aftergarbage "app=hello")
    "$XL" create "$cfg"
    wait_console aftergarbage "^Hello from"
}

test_xl_list_takes_names_from_xenstore() {
    export XENSTORED_PATH=$XENOLITH_RUNDIR/xenstored.sock
    command -v xenstore-write >/dev/null || { echo "xenstore-utils is not installed"; exit 77; }
    "$XL" create "$(guest_cfg named1 "app=hello" 'on_poweroff = "preserve"')"
    wait_state named1 '^---s--$'
    local id
    id=$("$XL" list | awk '$1 == "named1" {print $2}')
    [ "$(xenstore-read "/local/domain/$id/name")" = named1 ]
    xenstore-write "/local/domain/$id/name" renamed1
    "$XL" list | grep -qE "^renamed1 +$id "
    "$XL" destroy "$id"
}
