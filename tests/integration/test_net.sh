# test_net.sh - the network split driver end to end: guests with vifs on
# netback's software switch (real `xl create` with vif = [...]), pings
# and verified UDP between them, isolation between bridges, a host TAP
# device, a hostile frontend, and netback killed -9 and restarted.

net_env() { export XENSTORED_PATH=$XENOLITH_RUNDIR/xenstored.sock; }
netback_log() { echo "$XENOLITH_RUNDIR/log/netback.log"; }
net_domid() { "$XL" list "$1" | awk -v n="$1" '$1 == n { print $2 }'; }

# net_guest NAME MAC IP BRIDGE CMDLINE: a guest with one vif.
net_guest() {
    local cfg
    cfg=$(guest_cfg "$1" "$5" "vif = [ 'mac=$2,bridge=$4,ip=$3' ]" 'memory = 32')
    "$XL" create "$cfg" >/dev/null
}

# RTT line: "netping: N/N replies from IP, rtt min A median B max C us"
test_net_two_guests_ping_each_other_through_the_switch() {
    net_guest np1 00:16:3e:00:00:01 10.0.0.1 xenbr0 "app=netping ping=10.0.0.2 count=20 linger_s=10"
    net_guest np2 00:16:3e:00:00:02 10.0.0.2 xenbr0 "app=netping ping=10.0.0.1 count=20 linger_s=10"
    wait_console np1 "^netping: 20/20 replies from 10.0.0.2, rtt min [0-9.]+ median [0-9.]+ max [0-9.]+ us" 60
    wait_console np2 "^netping: 20/20 replies from 10.0.0.1, rtt min [0-9.]+ median [0-9.]+ max [0-9.]+ us" 60
    grep -q "d[0-9]*.0: connected to bridge xenbr0" "$(netback_log)"
    "$XL" destroy np1
    "$XL" destroy np2
}

test_net_udp_stream_arrives_with_verified_payloads() {
    net_guest nbr 00:16:3e:00:01:02 10.0.1.2 xenbr0 "app=netbench mode=recv"
    wait_console nbr "^netbench: ready to receive" 30
    net_guest nbs 00:16:3e:00:01:01 10.0.1.1 xenbr0 "app=netbench mode=send peer=10.0.1.2 frame=1000 secs=2"
    wait_console nbs "^netbench: sent [0-9]+ datagrams" 60
    wait_console nbr "^netbench: received [0-9]+ datagrams of 1000-byte frames, bad 0," 60
    # Most of the stream arrived (drops are allowed only when the receiver lags).
    local got sent
    got=$(sed -n 's/^netbench: received \([0-9]*\) datagrams.*/\1/p' "$(console_log nbr)")
    sent=$(sed -n 's/^netbench: sent \([0-9]*\) datagrams.*/\1/p' "$(console_log nbs)")
    echo "received $got of $sent"
    [ "$got" -gt 1000 ] && [ $((got * 2)) -ge "$sent" ]
    "$XL" destroy nbr 2>/dev/null || true
    "$XL" destroy nbs 2>/dev/null || true
}

test_net_guests_on_different_bridges_cannot_reach_each_other() {
    net_guest nb0 00:16:3e:00:02:01 10.0.2.1 xenbr0 "app=netserve"
    net_guest nb1 00:16:3e:00:02:02 10.0.2.2 xenbr1 "app=netping ping=10.0.2.1 count=3 linger_s=0"
    wait_console nb1 "^netping: 10.0.2.1 does not answer ARP" 60
    # And a guest on the same bridge as nb0 does reach it.
    net_guest nb2 00:16:3e:00:02:03 10.0.2.3 xenbr0 "app=netping ping=10.0.2.1 count=3 linger_s=0"
    wait_console nb2 "^netping: 3/3 replies from 10.0.2.1" 60
    "$XL" destroy nb0
    "$XL" destroy nb1 2>/dev/null || true
    "$XL" destroy nb2 2>/dev/null || true
}

test_net_host_pings_a_guest_through_a_tap_device() {
    if [ "$(id -u)" != 0 ] || [ ! -c /dev/net/tun ] || ! command -v ip >/dev/null || ! command -v ping >/dev/null; then
        echo "SKIP: needs root, /dev/net/tun, ip(8) and ping(8) for a TAP device"; return 77
    fi
    local tap=xnt$$
    tap=${tap:0:15}
    net_guest nt1 00:16:3e:00:03:01 10.0.3.1 "tap:$tap" "app=netserve"
    wait_console nt1 "^netserve: serving" 30
    local i
    for i in $(seq 1 100); do ip link show "$tap" >/dev/null 2>&1 && break; sleep 0.1; done
    ip link show "$tap" >/dev/null 2>&1 || { fail "netback made no TAP device $tap"; cat "$(netback_log)" >&2; return 1; }
    ip addr add 10.0.3.254/24 dev "$tap"
    ip link set "$tap" up
    ping -c 3 -W 2 -I "$tap" 10.0.3.1 | tee "$WORK/tap-ping.out"
    grep -q " 0% packet loss" "$WORK/tap-ping.out"
    "$XL" destroy nt1
}

# app=evil only=netif posts every kind of malformed packet, checks each
# packet's answers and netback's per-reason counts (<backend>/stats), then
# breaks its tx ring; meanwhile guests on the same switch ping and stream.
test_net_hostile_frontend_leaves_netback_serving_others() {
    net_env
    local pid
    pid=$(pgrep -f "netback --log-file $XENOLITH_RUNDIR/" | head -1)
    net_guest ns1 00:16:3e:00:04:02 10.0.4.2 xenbr0 "app=netserve"
    net_guest ne1 00:16:3e:00:04:09 10.0.4.9 xenbr0 "app=evil only=netif"
    local id
    id=$(net_domid ne1)
    wait_console ne1 "^evil: [0-9]+ attacks" 90
    grep -E '^(FAIL|SKIP)' "$(console_log ne1)" >&2 || true
    grep -qE "^evil: [0-9]+ attacks, [0-9]+ passed, 0 failed, 0 families skipped" "$(console_log ne1)" ||
        { fail "netif attacks: $(grep '^evil: ' "$(console_log ne1)")"; return 1; }
    # The guest compared netback's own count for every reason with its own.
    [ "$(grep -c "^PASS evil/netif: netback's count of" "$(console_log ne1)")" -ge 9 ] ||
        { fail "the guest did not check netback's stats"; return 1; }
    # A well-behaved pair on the same switch still pings and streams verified data.
    net_guest np3 00:16:3e:00:04:01 10.0.4.1 xenbr0 "app=netping ping=10.0.4.2 count=10 linger_s=0"
    wait_console np3 "^netping: 10/10 replies from 10.0.4.2" 60
    net_guest nbr2 00:16:3e:00:04:03 10.0.4.3 xenbr0 "app=netbench mode=recv"
    wait_console nbr2 "^netbench: ready" 30
    net_guest nbs2 00:16:3e:00:04:04 10.0.4.4 xenbr0 "app=netbench mode=send peer=10.0.4.3 frame=512 secs=1"
    wait_console nbr2 "^netbench: received [1-9][0-9]* datagrams of 512-byte frames, bad 0," 60
    grep -q "d$id.0: queue 0: tx request [0-9]*: fragment chain longer than 20 slots" "$(netback_log)"
    [ "$(pgrep -f "netback --log-file $XENOLITH_RUNDIR/" | head -1)" = "$pid" ] ||
        { fail "netback restarted"; return 1; }
    for d in ne1 ns1 np3 nbr2 nbs2; do "$XL" destroy "$d" 2>/dev/null || true; done
}

# The other fatal ending: a tx req_prod more than a ring ahead stops that
# vif alone, with the reason; the same netback serves the next guest.
test_net_impossible_tx_req_prod_stops_only_that_vif() {
    net_env
    local pid id
    pid=$(pgrep -f "netback --log-file $XENOLITH_RUNDIR/" | head -1)
    net_guest ns3 00:16:3e:00:04:12 10.0.4.12 xenbr0 "app=netserve"
    net_guest ne3 00:16:3e:00:04:19 10.0.4.19 xenbr0 "app=evil only=netif netif_fatal=req_prod"
    id=$(net_domid ne3)
    wait_console ne3 "^evil: [0-9]+ attacks" 90
    grep -qE "^evil: [0-9]+ attacks, [0-9]+ passed, 0 failed, 0 families skipped" "$(console_log ne3)" ||
        { fail "netif attacks: $(grep -E '^(FAIL|evil: )' "$(console_log ne3)")"; return 1; }
    grep -q "^PASS evil/netif: a tx req_prod a ring ahead: the error node says why" "$(console_log ne3)" ||
        { fail "the req_prod attack did not run"; return 1; }
    grep -q "d$id.0: queue 0: tx req_prod is more than a ring ahead" "$(netback_log)" ||
        { fail "netback did not log the broken ring"; return 1; }
    net_guest np4 00:16:3e:00:04:11 10.0.4.11 xenbr0 "app=netping ping=10.0.4.12 count=10 linger_s=0"
    wait_console np4 "^netping: 10/10 replies from 10.0.4.12" 60
    [ "$(pgrep -f "netback --log-file $XENOLITH_RUNDIR/" | head -1)" = "$pid" ] ||
        { fail "netback restarted"; return 1; }
    for d in ne3 ns3 np4; do "$XL" destroy "$d" 2>/dev/null || true; done
}

test_net_netback_killed_and_restarted_pings_resume() {
    net_guest nk1 00:16:3e:00:05:01 10.0.5.1 xenbr0 "app=netserve"
    net_guest nk2 00:16:3e:00:05:02 10.0.5.2 xenbr0 "app=netping ping=10.0.5.1 count=1500 interval_ms=10 linger_s=0"
    wait_console nk1 "^netserve: serving" 30
    sleep 3
    local pid
    pid=$(pgrep -f "netback --log-file $XENOLITH_RUNDIR/" | head -1)
    [ -n "$pid" ] || { fail "no netback running"; return 1; }
    kill -9 "$pid"
    # The supervisor starts a new one, which reconnects the live vifs.
    local i
    for i in $(seq 1 100); do
        npid=$(pgrep -f "netback --log-file $XENOLITH_RUNDIR/" | head -1)
        [ -n "$npid" ] && [ "$npid" != "$pid" ] && break
        sleep 0.1
    done
    [ -n "$npid" ] && [ "$npid" != "$pid" ] || { fail "netback was not restarted"; return 1; }
    wait_console nk2 "^netping: [0-9]+/1500 replies from 10.0.5.1" 90
    local got
    got=$(sed -n 's/^netping: \([0-9]*\)\/1500 replies.*/\1/p' "$(console_log nk2)")
    echo "$got of 1500 pings answered across the restart"
    # Pings before and after the restart: far more than were sent before it.
    [ "$got" -ge 1000 ]
    grep -q "connected again (netback restarted)" "$(netback_log)"
    "$XL" destroy nk1
    "$XL" destroy nk2 2>/dev/null || true
}
