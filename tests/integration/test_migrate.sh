# test_migrate.sh - xl migrate between two stacks on this machine (two run
# directories), with app=counter as the witness.

# A second stack in $WORK/run2; commands for it through on2.
start_stack2() {
    mkdir -p "$WORK/run2"
    XENOLITH_RUNDIR=$WORK/run2 "$XENOLITH" start >/dev/null 2>&1
}
on2() { XENOLITH_RUNDIR=$WORK/run2 XENSTORED_PATH=$WORK/run2/xenstored.sock "$@"; }
stop_stack2() { on2 "$XENOLITH" stop >/dev/null 2>&1; }

test_migrated_counter_continues_on_the_target_and_leaves_the_source() {
    local cfg port=$((20000 + RANDOM % 20000)) out at
    trap stop_stack2 EXIT
    trap 'exit 143' TERM
    start_stack2 || { fail "second stack did not start"; return 1; }
    cfg=$(guest_cfg mig1 "app=counter")
    "$XL" create "$cfg" >/dev/null
    wait_console mig1 "^count 5$" || { stop_stack2; return 1; }
    on2 "$XL" migrate-receive -a 127.0.0.1 -p $port >"$WORK/recv.out" 2>&1 &
    sleep 0.3
    out=$("$XL" migrate mig1 127.0.0.1:$port 2>&1) || { fail "migrate: $out"; stop_stack2; return 1; }
    wait
    grep -qE "downtime [0-9.]+ ms" <<<"$out" || { fail "no downtime in: $out"; stop_stack2; return 1; }
    [ "$(state_of mig1)" = gone ] || { fail "source domain still there"; stop_stack2; return 1; }
    at=$(grep -oE '^count [0-9]+$' "$(console_log mig1)" | tail -1 | awk '{print $2}')
    local log2=$WORK/run2/log/console/guest-mig1.log deadline=$((SECONDS + 10)) ok=
    while [ $SECONDS -le $deadline ]; do
        grep -qx "count $((at + 5))" "$log2" 2>/dev/null && { ok=1; break; }
        sleep 0.1
    done
    stop_stack2
    [ -n "$ok" ] || { fail "target never counted to $((at + 5)) (from $at)"; return 1; }
    grep -q "^counter: resumed as domain" "$log2" || fail "guest was not told it resumed"
}

# The counter with a disk (the same image path on both stacks, as shared
# storage) and a vif moves to the second stack, where a twin of its ping
# peer (same MAC and address, on that stack's bridge) answers: the disk
# keeps verifying and the pings keep coming back on the target.
test_migrated_guest_keeps_its_disk_and_network_working() {
    local port=$((20000 + RANDOM % 20000)) out img=$WORK/migd.img peer
    truncate -s 16M "$img"
    trap stop_stack2 EXIT # however the test ends, run.sh's cleanup cannot see stack 2
    trap 'exit 143' TERM
    start_stack2 || { fail "second stack did not start"; return 1; }
    peer=$(guest_cfg migp app=netserve "vif = [ 'mac=00:16:3e:09:02:02,ip=10.9.2.2' ]")
    "$XL" create "$peer" >/dev/null
    on2 "$XL" create "$peer" >/dev/null
    "$XL" create "$(guest_cfg migd 'app=counter ping=10.9.2.2' 'memory = 32' \
        "disk = [ 'vdev=xvda,target=$img' ]" "vif = [ 'mac=00:16:3e:09:02:01,ip=10.9.2.1' ]")" >/dev/null
    wait_console migd '^counter: disk round 10 verified' 30 || return 1
    wait_console migd '^counter: net 10 replies' 30 || return 1
    on2 "$XL" migrate-receive -a 127.0.0.1 -p $port >"$WORK/recvd.out" 2>&1 &
    sleep 0.3
    out=$("$XL" migrate migd 127.0.0.1:$port 2>&1) || { fail "migrate: $out"; return 1; }
    wait
    io_resumed "$WORK/run2/log/console/guest-migd.log" || return 1
    "$XL" destroy migp
}

test_migration_to_a_failing_target_leaves_the_source_running() {
    local cfg at port=$((20000 + RANDOM % 20000))
    cfg=$(guest_cfg mig2 "app=counter")
    "$XL" create "$cfg" >/dev/null
    wait_console mig2 "^count 3$" || return 1
    # Nobody listens: refused at once.
    expect_fail "Connection refused" "$XL" migrate mig2 127.0.0.1:$port || return 1
    # A target that takes the stream and drops it half way.
    python3 -c "
import socket; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $port)); s.listen(1); c,_=s.accept(); c.recv(100000); c.close()" &
    sleep 1.5
    expect_fail "not migrated (it still runs here)" "$XL" migrate mig2 127.0.0.1:$port || return 1
    wait
    wait_state mig2 '^(r-|-b)' || return 1
    at=$(grep -oE '^count [0-9]+$' "$(console_log mig2)" | tail -1 | awk '{print $2}')
    wait_console mig2 "^count $((at + 3))$" || return 1
    "$XL" destroy mig2
}

# Two network namespaces with their own addresses joined by a veth pair:
# migrate-receive listens in one on its address only, xl migrate sends from
# the other, so the stream crosses a real link, not loopback. Needs root
# and ip(8); SKIP otherwise.
test_migration_between_two_network_namespaces() {
    [ "$(id -u)" = 0 ] || { echo "not root: cannot create network namespaces"; exit 77; }
    command -v ip >/dev/null || { echo "ip(8) is not installed"; exit 77; }
    local a=xlmig-a$$ b=xlmig-b$$ va=xlva$$ vb=xlvb$$ port=$((20000 + RANDOM % 20000))
    local net=10.$((RANDOM % 200 + 20)).$((RANDOM % 250)) out at
    ip netns add $a 2>"$WORK/netns.err" || { echo "ip netns add failed: $(cat "$WORK/netns.err")"; exit 77; }
    trap 'ip netns del '$a' 2>/dev/null; ip netns del '$b' 2>/dev/null; stop_stack2' EXIT
    trap 'exit 143' TERM
    ip netns add $b
    ip link add $va type veth peer name $vb
    ip link set $va netns $a
    ip link set $vb netns $b
    ip -n $a addr add $net.1/24 dev $va
    ip -n $b addr add $net.2/24 dev $vb
    ip -n $a link set $va up
    ip -n $b link set $vb up
    ip -n $a link set lo up
    ip -n $b link set lo up
    start_stack2 || { fail "second stack did not start"; return 1; }
    "$XL" create "$(guest_cfg mig3 app=counter)" >/dev/null
    wait_console mig3 "^count 5$" || return 1
    ip netns exec $b env XENOLITH_RUNDIR="$WORK/run2" XENSTORED_PATH="$WORK/run2/xenstored.sock" \
        "$XL" migrate-receive -a $net.2 -p $port >"$WORK/recv3.out" 2>&1 &
    local deadline=$((SECONDS + 5))
    until grep -q listening "$WORK/recv3.out"; do
        [ $SECONDS -le $deadline ] || { fail "migrate-receive did not listen: $(cat "$WORK/recv3.out")"; return 1; }
        sleep 0.05
    done
    out=$(ip netns exec $a "$XL" migrate mig3 $net.2:$port 2>&1) || { fail "migrate: $out"; return 1; }
    wait
    grep -q "^Domain 'mig3' received as domain" "$WORK/recv3.out" || fail "target said: $(cat "$WORK/recv3.out")" || return 1
    [ "$(state_of mig3)" = gone ] || { fail "source domain still there"; return 1; }
    at=$(grep -oE '^count [0-9]+$' "$(console_log mig3)" | tail -1 | awk '{print $2}')
    local log2=$WORK/run2/log/console/guest-mig3.log
    deadline=$((SECONDS + 10))
    until grep -qx "count $((at + 5))" "$log2" 2>/dev/null; do
        [ $SECONDS -le $deadline ] || { fail "target never counted to $((at + 5)) (from $at)"; return 1; }
        sleep 0.1
    done
    on2 "$XL" destroy mig3
}
