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
