#!/usr/bin/env bash
# demo.sh - `make demo`: start a private Xenolith stack, boot the hello
# guest and a compute guest, show what a user sees, and clean up.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
XL=$ROOT/$BUILD/bin/xl
XENOLITH=$ROOT/$BUILD/bin/xenolith
export XENOLITH_RUNDIR=$ROOT/$BUILD/demo/run

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
wait_for() { # wait_for FILE PATTERN
    for _ in $(seq 1 500); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.02; done
    echo "demo: '$2' never appeared in $1" >&2; return 1
}

if [ ! -c /dev/kvm ]; then
    echo "SKIP: no /dev/kvm: the demo needs KVM to boot a guest"
    exit 0
fi
trap '"$XENOLITH" stop >/dev/null 2>&1 || true' EXIT
"$XENOLITH" stop >/dev/null 2>&1 || true
rm -rf "$XENOLITH_RUNDIR"

step "xenolith start   (the hypervisor daemon; Dom0 is this host)"
"$XENOLITH" start
step "xl create examples/hello.cfg"
(cd "$ROOT/examples" && "$XL" create hello.cfg)
wait_for "$XENOLITH_RUNDIR/log/console/guest-hello.log" "PVM mode\|hardware virtualization"
step "xl list          (hello has powered off; on_poweroff=preserve keeps it listed)"
"$XL" list
step "xl console hello"
"$XL" console hello
step "xl create examples/hello.cfg name=\"compute\" cmdline=\"app=compute iters=50000000\""
(cd "$ROOT/examples" && "$XL" create hello.cfg 'name="compute"' 'cmdline="app=compute iters=50000000 reps=3"')
wait_for "$XENOLITH_RUNDIR/log/console/guest-compute.log" "^compute:"
"$XL" console compute
step "xl dmesg | tail  (the hypervisor's log)"
"$XL" dmesg | tail -6
step "xl destroy hello; xl destroy compute; xenolith stop"
"$XL" destroy hello
"$XL" destroy compute
"$XENOLITH" stop
trap - EXIT
