#!/usr/bin/env bash
# run.sh - `make soak`: many guests doing block, network and xenstore I/O at
# once for a bounded time, on a private stack; then every guest's data is
# checked and the Dom0 daemons' memory compared from start to end.
#
#   SOAK_GUESTS   guests (default 100): a third each run blktest in a loop on
#                 its own disk, ping a partner through netback's switch, or
#                 run the xenstore self-test over its ring, in a loop
#   SOAK_SECONDS  how long the load runs (default 300)
# Pass: no guest crashed, every blktest (data written, read back, verified)
# and xenstore-test run passed, every pinger got at least 80% of its
# replies, and the daemons' memory stayed flat (below).
#
# Prints one line per check and "soak: PASS" or "soak: FAIL: why"; exit 0
# only on PASS. Memory: the resident set of xenolith, xenstored,
# xenconsoled, blkback and netback sampled every 10 s; a daemon whose RSS
# grows by more than SOAK_RSS_SLACK_KB (default 16384) over the second half
# of the run fails it (the first half is warm-up: netback and blkback map
# each guest's buffers once, as traffic reaches them).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
XL=$ROOT/$BUILD/bin/xl
XENOLITH=$ROOT/$BUILD/bin/xenolith
GUEST=$ROOT/$BUILD/guest/xenolith-guest
GUESTS=${SOAK_GUESTS:-100}
SECONDS_LOAD=${SOAK_SECONDS:-300}
SLACK_KB=${SOAK_RSS_SLACK_KB:-16384}
WORK=$(mktemp -d /tmp/xenolith-soak.XXXXXX)
export XENOLITH_RUNDIR=$WORK/run
export XENSTORED_PATH=$XENOLITH_RUNDIR/xenstored.sock

fail() { echo "soak: FAIL: $*"; exit 1; }
cleanup() { "$XENOLITH" stop >/dev/null 2>&1; rm -rf "$WORK"; }
trap cleanup EXIT
[ -c /dev/kvm ] || { echo "SKIP: no /dev/kvm"; exit 0; }

cfg() { # cfg NAME MEMORY CMDLINE [LINE...]
    local name=$1 mem=$2 cmdline=$3 f=$WORK/$1.cfg
    shift 3
    { echo "name = \"$name\""; echo "kernel = \"$GUEST\""; echo "memory = $mem"
      echo "cmdline = \"$cmdline\""; echo 'on_poweroff = "preserve"'; echo 'on_crash = "preserve"'
      echo 'on_reboot = "destroy"'; for l in "$@"; do echo "$l"; done; } >"$f"
    echo "$f"
}
log_of() { echo "$XENOLITH_RUNDIR/log/console/guest-$1.log"; }

rss_kb() { # the daemons' RSS in KiB, "name=kb ..."
    local n pid out=""
    for n in xenolith xenstored xenconsoled blkback netback; do
        if [ $n = xenolith ]; then
            pid=$(cat "$XENOLITH_RUNDIR/xenolith.pid" 2>/dev/null)
        else   # the daemon starts them as "NAME ... RUNDIR/log/NAME.log"
            pid=$(pgrep -o -f "^$n .*$XENOLITH_RUNDIR/" | head -1)
        fi
        [ -n "$pid" ] && out+="$n=$(awk '/^VmRSS/ {print $2}' /proc/$pid/status) "
    done
    echo "$out"
}

"$XENOLITH" start >/dev/null || fail "xenolith start"
echo "soak: $GUESTS guests for $SECONDS_LOAD s in $WORK"
loops=$((SECONDS_LOAD / 20 + 1))
for ((i = 0; i < GUESTS; i++)); do
    case $((i % 3)) in
    0)  truncate -s 24M "$WORK/d$i.img"
        c=$(cfg "blk$i" 48 "app=blktest blktest_mb=16 seed=$((1000 + i))" \
            "disk = [ 'vdev=xvda,access=rw,target=$WORK/d$i.img' ]") ;;
    1)  c=$(cfg "net$i" 32 "app=netping ping=10.$((i / 250)).$((i % 250)).2 count=$((SECONDS_LOAD * 2)) interval_ms=200 linger_s=5" \
            "vif = [ 'bridge=soak$i,ip=10.$((i / 250)).$((i % 250)).1' ]")
        p=$(cfg "peer$i" 32 "app=netserve secs=$((SECONDS_LOAD + 120))" \
            "vif = [ 'bridge=soak$i,ip=10.$((i / 250)).$((i % 250)).2' ]")
        "$XL" create "$p" >/dev/null 2>&1 || fail "xl create peer$i" ;;
    2)  c=$(cfg "xs$i" 16 "app=xenstore-test") ;;
    esac
    "$XL" create "$c" >"$WORK/create.out" 2>&1 || fail "xl create guest $i: $(tail -1 "$WORK/create.out")"
done
echo "soak: created: $("$XL" list | tail -n +3 | wc -l) domains"
first=$(rss_kb)
echo "soak: rss at start: $first"
end=$((SECONDS + SECONDS_LOAD))
round=0
while [ $SECONDS -lt $end ]; do
    sleep 10
    round=$((round + 1))
    # Blk and xenstore guests that finished go again (a fresh domain, same disk).
    for ((i = 0; i < GUESTS; i += 1)); do
        case $((i % 3)) in
        0) n=blk$i ;; 2) n=xs$i ;; *) continue ;;
        esac
        if "$XL" list "$n" 2>/dev/null | grep -q -- '---s--'; then
            grep -qE ": done: [0-9]+ passed, 0 failed$|^xenstore-test: [0-9]+ passed, 0 failed$" "$(log_of "$n")" ||
                fail "$n reported failures: $(grep -E 'FAIL|failed' "$(log_of "$n")" | head -3)"
            cp "$(log_of "$n")" "$WORK/$n.log.$round"
            "$XL" destroy "$n" >/dev/null 2>&1
            : >"$(log_of "$n")"
            "$XL" create "$WORK/$n.cfg" >/dev/null 2>&1 || fail "re-create $n"
        fi
    done
    now_rss=$(rss_kb)
    echo "soak: t=$((SECONDS_LOAD - (end - SECONDS)))s rss: $now_rss"
    [ -z "${half:-}" ] && [ $((end - SECONDS)) -le $((SECONDS_LOAD / 2)) ] && half=$now_rss
done
first=${half:-$first}
last=$(rss_kb)
# Every guest's own checks: blktest verified its data, netping got its
# replies, xenstore-test passed; no guest crashed.
crashed=$("$XL" list | awk '$5 ~ /c/ { print $1 }' | tr '\n' ' ')
[ -z "$crashed" ] || fail "crashed guests: $crashed"
runs=$(ls "$WORK"/*.log.* 2>/dev/null | wc -l)
for ((i = 1; i < GUESTS; i += 3)); do
    for t in $(seq 1 240); do grep -q "^netping: " "$(log_of "net$i")" && break; sleep 0.5; done
    line=$(grep "^netping: " "$(log_of "net$i")") || fail "net$i never reported"
    [[ $line =~ ^netping:\ ([0-9]+)/([0-9]+)\ replies ]] || fail "net$i: $line"
    # 2 CPUs for 130-odd domains: a reply may take longer than netping's
    # 1 s timeout; the network must keep working, not keep time.
    [ "${BASH_REMATCH[1]}" -ge $((BASH_REMATCH[2] * 80 / 100)) ] || fail "net$i lost too many pings: $line"
    pct=$((BASH_REMATCH[1] * 100 / BASH_REMATCH[2]))
    [ "$pct" -lt "${min_pct:-101}" ] && min_pct=$pct
done
echo "soak: rss at half time: $first"
echo "soak: rss at end: $last"
for kv in $first; do
    n=${kv%%=*} a=${kv#*=}
    b=$(tr ' ' '\n' <<<"$last" | sed -n "s/^$n=//p")
    [ -n "$b" ] || fail "$n is gone"
    [ $((b - a)) -le "$SLACK_KB" ] || fail "$n grew from $a to $b KiB"
done
echo "soak: PASS: $GUESTS guests, $SECONDS_LOAD s, $runs finished blktest/xenstore-test runs re-created and passed, every pinger got >= $min_pct% replies, daemons' RSS within $SLACK_KB KiB over the second half"
