#!/usr/bin/env bash
# demo.sh - `make demo`: start a private Xenolith stack and show a guest
# whose disk and network are split drivers: blktest writes and verifies
# its disk, a shell on the console reads the disk and pings a second guest
# through netback's switch (and the host pings it through a TAP device
# when it may), and the same guest's I/O path is traced. Cleans up after.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
XL=$ROOT/$BUILD/bin/xl
XENOLITH=$ROOT/$BUILD/bin/xenolith
export XENOLITH_RUNDIR=$ROOT/$BUILD/demo/run
export XENSTORED_PATH=$XENOLITH_RUNDIR/xenstored.sock
DEMO=$ROOT/$BUILD/demo
IMG=$DEMO/demo.img

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
wait_for() { # wait_for FILE PATTERN
    for _ in $(seq 1 1500); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.02; done
    echo "demo: '$2' never appeared in $1" >&2; return 1
}
log_of() { echo "$XENOLITH_RUNDIR/log/console/guest-$1.log"; }

if [ ! -c /dev/kvm ]; then
    echo "SKIP: no /dev/kvm: the demo needs KVM to boot a guest"
    exit 0
fi
trap '"$XENOLITH" stop >/dev/null 2>&1 || true' EXIT
"$XENOLITH" stop >/dev/null 2>&1 || true
rm -rf "$XENOLITH_RUNDIR"
mkdir -p "$DEMO"
rm -f "$IMG" && truncate -s 64M "$IMG"
cd "$ROOT/examples"

step "xenolith start   (the hypervisor daemon; Dom0 is this host: xenstored, xenconsoled, blkback, netback)"
"$XENOLITH" start

step "xl create hello.cfg; xl console hello"
"$XL" create hello.cfg
wait_for "$(log_of hello)" "PVM mode\|hardware virtualization"
"$XL" console hello

step "blktest: write, read back and verify 32 MiB of the demo disk through blkfront/blkback"
"$XL" create demo.cfg 'name="blktest"' 'cmdline="app=blktest blktest_mb=32"' \
    "disk=['vdev=xvda,access=rw,target=$IMG']" 'vif=[]' 'on_poweroff="preserve"'
wait_for "$(log_of blktest)" "^blktest: done"
grep "^blktest: done" "$(log_of blktest)"
"$XL" destroy blktest

step "xl create demo.cfg   (the shell, with the disk and vif 10.0.0.1) and a peer at 10.0.0.2"
bridge=xenbr0 tap=""
if [ "$(id -u)" = 0 ] && [ -c /dev/net/tun ] && command -v ip >/dev/null && command -v ping >/dev/null; then
    tap=xldemo0 bridge=tap:$tap
fi
"$XL" create demo.cfg "disk=['vdev=xvda,access=rw,target=$IMG']" \
    "vif=['mac=00:16:3e:00:00:01,bridge=$bridge,ip=10.0.0.1/24']"
"$XL" create demo.cfg 'name="peer"' 'memory=32' 'cmdline="app=netserve secs=600"' 'disk=[]' \
    "vif=['mac=00:16:3e:00:00:02,bridge=$bridge,ip=10.0.0.2/24']"
wait_for "$(log_of demo)" "type help"
"$XL" list
"$XL" block-list demo
"$XL" network-list demo

step "xl console demo   (typed: info; ping 10.0.0.2 3; read 0)"
# The whole session first: head closing the pipe early would kill xl
# console with SIGPIPE, and the demo with it (pipefail).
session=$(printf 'info\nping 10.0.0.2 3\nread 0\n' | "$XL" console demo)
head -24 <<<"$session"

if [ -n "$tap" ]; then
    step "the host pings the guest through netback's TAP device $tap"
    for _ in $(seq 1 100); do ip link show "$tap" >/dev/null 2>&1 && break; sleep 0.1; done
    ip addr add 10.0.0.254/24 dev "$tap" 2>/dev/null || true
    ip link set "$tap" up
    ping -c 3 -W 2 -I "$tap" 10.0.0.1 || echo "(no reply through the TAP device)"
else
    echo "(the host-to-guest ping needs root, /dev/net/tun, ip and ping: skipped)"
fi

step "xl save + xl restore a counting guest with its own disk and a vif (ping 10.0.0.2)"
truncate -s 16M "$DEMO/counter.img"
"$XL" create demo.cfg 'name="counter"' 'memory=32' 'cmdline="app=counter ping=10.0.0.2"' \
    "disk=['vdev=xvda,access=rw,target=$DEMO/counter.img']" \
    "vif=['mac=00:16:3e:00:00:03,bridge=$bridge,ip=10.0.0.3/24']"
wait_for "$(log_of counter)" "^counter: net 10 replies"
wait_for "$(log_of counter)" "^counter: disk round 10 verified"
"$XL" save counter "$DEMO/counter.sav"
"$XL" restore "$DEMO/counter.sav"
wait_for "$(log_of counter)" "^counter: resumed"
# Two more disk rounds and ten more replies after the resume.
for _ in $(seq 1 500); do
    sed -n '/^counter: resumed/,$p' "$(log_of counter)" | grep -q "^counter: net .* replies" &&
        [ "$(sed -n '/^counter: resumed/,$p' "$(log_of counter)" | grep -c "^counter: disk round")" -ge 2 ] && break
    sleep 0.02
done
grep -E "^(counter|blkfront|netfront)" "$(log_of counter)" | tail -8
"$XL" destroy counter

step "xl trace: one second of a guest reading its disk, cut into stages"
"$XL" create demo.cfg 'name="traced"' 'cmdline="app=blkbench bench_mode=randread bench_bs=4096 bench_qd=2 bench_s=5"' \
    "disk=['vdev=xvda,access=r,target=$IMG']" 'vif=[]'
for _ in $(seq 1 100); do xenstore-read "/local/domain/$("$XL" domid traced)/data/trace/gfn" >/dev/null 2>&1 && break; sleep 0.05; done
(cd "$DEMO" && "$XL" trace traced --duration 1 -o "$DEMO/traced.trace")
"$XL" trace-report "$DEMO/traced.trace" --chrome "$DEMO/traced.json"
echo "(Chrome trace-event JSON in $DEMO/traced.json: open it in ui.perfetto.dev)"

step "xl dmesg | tail  (the hypervisor's log)"
"$XL" dmesg | tail -5
step "xenolith stop    (destroys every guest)"
"$XENOLITH" stop
trap - EXIT
