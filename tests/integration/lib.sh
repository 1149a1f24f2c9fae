# lib.sh - helpers for the integration tests: a private stack per run, and
# polling for what a user would look at (xl list, the console log).
# Sourced by run.sh; every function fails loudly with what it expected.

XL=${XL:-$ROOT/$BUILD/bin/xl}
XENOLITH=${XENOLITH:-$ROOT/$BUILD/bin/xenolith}
GUEST=$ROOT/$BUILD/guest/xenolith-guest

fail() { echo "    $*" >&2; return 1; }

# A config for our guest: guest_cfg NAME CMDLINE [extra lines...]
guest_cfg() {
    local name=$1 cmdline=$2
    shift 2
    local f="$WORK/$name.cfg"
    {
        echo "name = \"$name\""
        echo "kernel = \"$GUEST\""
        echo "memory = 16"
        echo "cmdline = \"$cmdline\""
        for line in "$@"; do echo "$line"; done
    } >"$f"
    echo "$f"
}

console_log() { echo "$XENOLITH_RUNDIR/log/console/guest-$1.log"; }

# wait_console NAME PATTERN [TIMEOUT_S]: the domain's console shows PATTERN.
wait_console() {
    local log deadline=$((SECONDS + ${3:-10}))
    log=$(console_log "$1")
    while [ $SECONDS -le $deadline ]; do
        grep -qE -- "$2" "$log" 2>/dev/null && return 0
        sleep 0.02
    done
    fail "console of '$1' never showed /$2/; it has:"; cat "$log" >&2 2>/dev/null; return 1
}

# state_of NAME: the six state letters from xl list, or "gone".
state_of() {
    "$XL" list 2>/dev/null | awk -v n="$1" '$1 == n { print $5; found = 1 } END { if (!found) print "gone" }'
}

# wait_state NAME REGEX [TIMEOUT_S]
wait_state() {
    local deadline=$((SECONDS + ${3:-10})) s
    while [ $SECONDS -le $deadline ]; do
        s=$(state_of "$1")
        [[ $s =~ $2 ]] && return 0
        sleep 0.02
    done
    fail "domain '$1' never reached state /$2/ (last: $s)"
}

domain_count() { "$XL" list | tail -n +3 | wc -l; }

cpu_time_of() { "$XL" list "$1" | awk -v n="$1" '$1 == n { print $6 }'; }

# expect_fail "SUBSTRING" CMD...: CMD exits non-zero and says SUBSTRING.
expect_fail() {
    local want=$1 out
    shift
    if out=$("$@" 2>&1); then
        fail "expected '$*' to fail; it succeeded: $out"; return 1
    fi
    grep -qF -- "$want" <<<"$out" || { fail "'$*' failed without saying '$want':"; echo "$out" >&2; return 1; }
}

# lines_after LOG MARK PATTERN: how many lines match PATTERN after the last
# line that matches MARK (all of them when none does).
lines_after() {
    awk -v m="$2" -v p="$3" '$0 ~ m { n = 0 } $0 ~ p { n++ } END { print n + 0 }' "$1" 2>/dev/null
}

# wait_at_least N TIMEOUT_S WHAT COUNT_CMD...: polls COUNT_CMD (which
# prints a number) until it reaches N; else fails naming WHAT.
wait_at_least() {
    local want=$1 deadline=$((SECONDS + $2)) what=$3 n=0
    shift 3
    while [ $SECONDS -le $deadline ]; do
        n=$("$@")
        [ "$n" -ge "$want" ] && return 0
        sleep 0.05
    done
    fail "$what: $n of $want"
}

# wait_lines_after LOG MARK PATTERN N [TIMEOUT_S]
wait_lines_after() {
    wait_at_least "$4" "${5:-20}" "$1: lines /$3/ after the last /$2/" lines_after "$1" "$2" "$3"
}

# service_pid NAME: the pid this run's hypervisor daemon last started the
# Dom0 service NAME with, from its log in our run directory (never a
# search of the whole host: other runs have their own services).
service_pid() {
    sed -n "s/.*service $1 started, pid \([0-9]*\).*/\1/p" "$XENOLITH_RUNDIR/log/xenolith.log" | tail -1
}

# wait_service_replaced NAME OLD_PID: the daemon saw OLD_PID die and
# started NAME again, and the new process is alive; prints its pid.
wait_service_replaced() {
    local deadline=$((SECONDS + 15)) new
    while :; do
        new=$(service_pid "$1")
        [ -n "$new" ] && [ "$new" != "$2" ] && kill -0 "$new" 2>/dev/null && break
        [ $SECONDS -le $deadline ] || { fail "$1 (pid $2) was not restarted"; return 1; }
        sleep 0.02
    done
    echo "$new"
}

# io_resumed LOG: app=counter with a disk and a vif (apps/counter_load.h)
# came back whole after its last resume: both frontends reconnected, two
# more rounds of disk writes read back and verified, ten more ping replies,
# and no failure anywhere in the log.
io_resumed() {
    local mark='^counter: resumed as domain'
    wait_lines_after "$1" "$mark" '^blkfront [0-9]+: reconnected after resume' 1 || return 1
    wait_lines_after "$1" "$mark" '^netfront: vif 0: reconnected after resume' 1 || return 1
    wait_lines_after "$1" "$mark" '^counter: disk round [0-9]+ verified' 2 || return 1
    wait_lines_after "$1" "$mark" '^counter: net [0-9]+ replies' 1 || return 1
    ! grep -E 'FAIL|no backend after the resume' "$1" >&2 || fail "$1 shows a failure" || return 1
}
