# test_xenstore.sh - our xenstored as Xen's own tools see it: Debian's
# xenstore-utils (Xen 4.17's xenstore-read/-write/-ls/-rm/-chmod/-watch/
# -exists/-list over libxenstore, unchanged) and a program linked with our
# libxenstore (tests/tools/xs_client_test.c), against a daemon each test
# starts on a socket in $WORK, found through XENSTORED_PATH as Xen's
# libxenstore looks for it. (libxenstore 4.17 stats XENSTORED_PATH and,
# when it is set, tries nothing else: not /var/run/xenstored/socket, not
# /dev/xen/xenbus.)
#
# Socket clients are Dom0 and privileged, so permission denials and the
# guest quotas are covered by the unit suites (tests/unit/xenstore), which
# drive the same core as a guest connection.

XENSTORED=$ROOT/$BUILD/bin/xenstored
XS_CLIENT=$ROOT/$BUILD/tests/tools/xs_client_test
XS_GARBAGE=$ROOT/$BUILD/tests/tools/xs_garbage

# xs_start NAME [XENSTORED OPTIONS...]: a private xenstored; exports
# XENSTORED_PATH; stops it when the test's subshell exits.
xs_start() {
    local name=$1
    shift
    command -v xenstore-read >/dev/null || { echo "xenstore-utils is not installed"; exit 77; }
    XS_DIR=$WORK/xenstore-$name
    mkdir -p "$XS_DIR"
    export XENSTORED_PATH=$XS_DIR/socket
    # Forks; returns once the socket accepts clients. A run directory with
    # no hypervisor: this xenstored serves Dom0 clients only, and every
    # domid counts as existing (no guest rings, no domain lookups).
    XENOLITH_RUNDIR=$XS_DIR "$XENSTORED" --socket "$XENSTORED_PATH" --pid-file "$XS_DIR/pid" \
        --log-file "$XS_DIR/log" "$@"
    XS_PID=$(cat "$XS_DIR/pid")
    trap xs_stop EXIT
}

xs_stop() {
    [ -n "${XS_PID:-}" ] || return 0
    kill "$XS_PID" 2>/dev/null || true
    local i
    for i in $(seq 1 100); do
        kill -0 "$XS_PID" 2>/dev/null || break
        sleep 0.02
    done
    XS_PID=
}

# The daemon is still there (a crash would make later checks pass vacuously).
xs_alive() {
    kill -0 "$XS_PID" 2>/dev/null || { fail "xenstored (pid $XS_PID) died; log:"; cat "$XS_DIR/log" >&2; return 1; }
}

# expect_out "EXPECTED" CMD...: CMD succeeds and prints exactly EXPECTED.
expect_out() {
    local want=$1 out
    shift
    out=$("$@") || { fail "'$*' failed"; return 1; }
    [ "$out" = "$want" ] || { fail "'$*' printed:"; printf '%s\n' "$out" >&2; fail "expected:"; printf '%s\n' "$want" >&2; return 1; }
}

# expect_no CMD...: CMD fails (a bare "! CMD" would not stop a set -e test).
expect_no() {
    if "$@" >/dev/null 2>&1; then
        fail "'$*' succeeded"
        return 1
    fi
}

# wait_lines FILE N: FILE has at least N lines (within 5 s).
wait_lines() {
    local i
    for i in $(seq 1 250); do
        [ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
        sleep 0.02
    done
    fail "$1 never got $2 lines; it has:"; cat "$1" >&2; return 1
}

test_xenstore_basic() {
    xs_start basic
    # Xen's initial tree.
    expect_out '/tool = ""
/tool/xenstored = ""' xenstore-ls -f /
    xenstore-write /a/b/c hello
    expect_out hello xenstore-read /a/b/c
    # Parents are created, with empty values.
    expect_out "" xenstore-read /a/b
    expect_out 'b = ""
 c = "hello"' xenstore-ls /a
    expect_out b xenstore-list /a
    xenstore-exists /a/b/c
    expect_no xenstore-exists /a/nope
    expect_fail "couldn't read path /nope" xenstore-read /nope
    # Several keys at once (xenstore-utils wrap them in a transaction).
    xenstore-write /x 1 /y two
    expect_out '/x: 1
/y: two' xenstore-read -p /x /y
    expect_out '/x = "1"
/y = "two"' sh -c 'xenstore-ls -f / | grep -E "^/(x|y) "'
    # Creation order is DIRECTORY's order.
    xenstore-write /order/zz 1 /order/aa 2 /order/mm 3
    expect_out 'zz
aa
mm' xenstore-list /order
    # RM removes the subtree; a missing node is fine if its parent exists.
    xenstore-rm /a/b
    expect_out "" xenstore-ls /a
    xenstore-rm /a/b
    expect_fail "could not remove path /a/b/c" xenstore-rm /a/b/c
    # -t also removes empty, valueless parents.
    xenstore-write /tidy/one/two ""
    xenstore-rm -t /tidy/one/two
    expect_no xenstore-exists /tidy
    # The same operations through our library.
    "$XS_CLIENT" write /lib/k v
    expect_out v "$XS_CLIENT" read /lib/k
    expect_out v xenstore-read /lib/k
    expect_out k "$XS_CLIENT" ls /lib
    "$XS_CLIENT" exists /lib/k
    expect_no "$XS_CLIENT" exists /lib/nope
    "$XS_CLIENT" rm /lib
    expect_no xenstore-exists /lib
    # Relative paths of Dom0 are under /local/domain/0.
    xenstore-write rel 1
    expect_out 1 xenstore-read /local/domain/0/rel
    xs_alive
}

test_xenstore_permissions() {
    xs_start perms
    xenstore-write /p/q v
    xenstore-chmod /p n0 r5 b7
    expect_out '/p/q = "v"   (n0)' xenstore-ls -fp /p
    expect_out "n0 r5 b7" "$XS_CLIENT" perms /p
    # -r: the subtree too; a new child inherits its parent's list.
    xenstore-chmod -r /p b0 r3
    expect_out '/p/q = "v"   (b0,r3)' xenstore-ls -fp /p
    xenstore-write /p/new x
    expect_out "b0 r3" "$XS_CLIENT" perms /p/new
    "$XS_CLIENT" chmod /p/new n0 w9
    expect_out '/p/new = "x"   (n0,w9)' sh -c 'xenstore-ls -fp /p | grep new'
    # Bad permission strings are refused by the tool or the daemon.
    expect_no xenstore-chmod /p x5
    expect_no "$XS_CLIENT" chmod /p q0
    # The special nodes carry permissions too.
    xenstore-chmod @releaseDomain n0 r5
    expect_out "n0 r5" "$XS_CLIENT" perms @releaseDomain
    xs_alive
}

test_xenstore_transactions_conflict_with_eagain() {
    xs_start tx
    # A transaction that read a node loses to a plain write of it: EAGAIN,
    # then the retry commits.
    xenstore-write /tx/v 0
    expect_out 'EAGAIN
committed retried' "$XS_CLIENT" conflict /tx/v
    expect_out retried xenstore-read /tx/v
    # Transactions on different nodes both commit (per-node detection).
    xenstore-write /tx/one 1 /tx/two 2
    expect_out "both committed" "$XS_CLIENT" disjoint /tx/one /tx/two
    expect_out '/tx/one: a
/tx/two: b' xenstore-read -p /tx/one /tx/two
    xs_alive
}

test_xenstore_watches_fire_on_registration_change_and_rm() {
    xs_start watch
    local out=$WORK/watch1.out
    # Registration, a child created, a grandchild, the removal of the
    # watched node's subtree; a write to the parent fires nothing.
    timeout 10 xenstore-watch -n 5 /w/n >"$out" &
    local pid=$!
    wait_lines "$out" 1
    xenstore-write /w/n/x 1
    xenstore-write /w 'parent, not watched'
    xenstore-write /w/sibling 1
    xenstore-write /w/n/x/y 2
    xenstore-chmod /w/n n0 r1
    xenstore-rm /w/n
    wait "$pid"
    expect_out '/w/n
/w/n/x
/w/n/x/y
/w/n
/w/n' cat "$out"

    # RM of an ancestor reports the watched path itself.
    xenstore-write /r/a/b/c 1
    timeout 10 xenstore-watch -n 2 /r/a/b/c >"$out" &
    pid=$!
    wait_lines "$out" 1
    xenstore-rm /r
    wait "$pid"
    expect_out '/r/a/b/c
/r/a/b/c' cat "$out"

    # Our library: token echoed, events from other clients' changes.
    "$XS_CLIENT" watch /lw 3 >"$out" &
    pid=$!
    wait_lines "$out" 1
    xenstore-write /lw/a 1
    xenstore-write /lw/b 1
    wait "$pid"
    expect_out '/lw xs_client_test
/lw/a xs_client_test
/lw/b xs_client_test' cat "$out"
    xs_alive
}

test_xenstore_domains_and_special_watches() {
    xs_start domains
    local out=$WORK/special.out
    timeout 10 xenstore-watch -n 2 @introduceDomain >"$WORK/intro.out" &
    local ipid=$!
    timeout 10 xenstore-watch -n 2 @releaseDomain >"$out" &
    local rpid=$!
    wait_lines "$WORK/intro.out" 1
    wait_lines "$out" 1
    expect_out no "$XS_CLIENT" introduced 3
    # The toolstack's part: the domain's home, owned by the domain.
    xenstore-write /local/domain/3/name guest3
    xenstore-chmod -r /local/domain/3 n3
    xenstore-write /local/domain/0/backend/vbd/3/51712/state 1
    # No ring transport yet: INTRODUCE is recorded and answered.
    "$XS_CLIENT" introduce 3 0xfeffc 7
    expect_out yes "$XS_CLIENT" introduced 3
    expect_out yes "$XS_CLIENT" introduced 0
    expect_out /local/domain/3 "$XS_CLIENT" domain-path 3
    wait "$ipid"
    expect_out '@introduceDomain
@introduceDomain' cat "$WORK/intro.out"
    # RELEASE: @releaseDomain fires, the domain's own nodes go, Dom0's stay.
    "$XS_CLIENT" release 3
    wait "$rpid"
    expect_out '@releaseDomain
@releaseDomain' cat "$out"
    expect_out no "$XS_CLIENT" introduced 3
    expect_no xenstore-exists /local/domain/3
    expect_out 1 xenstore-read /local/domain/0/backend/vbd/3/51712/state
    expect_no "$XS_CLIENT" release 3
    xs_alive
}

test_xenstore_oversized_and_malformed_input() {
    xs_start garbage
    # 2000 rounds of noise, truncated and oversized headers, unknown
    # types and payloads without NULs on raw sockets, with a well-behaved
    # client checked between rounds.
    "$XS_GARBAGE" "$XENSTORED_PATH" 2000
    xs_alive
    grep -q "announces .* payload bytes (limit 4096): dropped" "$XS_DIR/log"
    # Xen's tools are unaffected.
    xenstore-write /after/garbage ok
    expect_out ok xenstore-read /after/garbage
    # The payload limit as a client meets it: 4096 bytes is the most a
    # request may carry; libxenstore refuses more before sending.
    local value
    value=$(head -c 4086 /dev/zero | tr '\0' v)
    xenstore-write /big "$value" # "/big\0" + 4086 + = 4091 bytes
    [ "$(xenstore-read /big | wc -c)" -eq 4087 ]
    value=$(head -c 4200 /dev/zero | tr '\0' v)
    expect_fail "could not write path /big" xenstore-write /big "$value"
    xs_alive
}

test_xenstore_limits_that_bind_dom0() {
    xs_start limits
    # Path length: 2048 characters in all, or after /local/domain/<id>/.
    local long
    long=/$(head -c 2047 /dev/zero | tr '\0' p)
    xenstore-write "$long" ok
    expect_fail "could not write path" xenstore-write "${long}p" no
    long=/local/domain/9/$(head -c 2048 /dev/zero | tr '\0' q)
    xenstore-write "$long" ok
    # A directory over 4096 bytes is E2BIG for DIRECTORY; libxenstore then
    # fetches it with DIRECTORY_PART.
    local i args=()
    for i in $(seq 1 700); do args+=("/many/child-$i" ""); done
    xenstore-write "${args[@]}"
    [ "$(xenstore-list /many | wc -l)" -eq 700 ]
    [ "$(xenstore-list /many | tail -1)" = child-700 ]
    [ "$("$XS_CLIENT" ls /many | wc -l)" -eq 700 ]
    # The quota table, with Xen's names and 4.17's defaults.
    "$XS_CLIENT" control quota >"$WORK/quota.out"
    grep -qE "^nodes +: +1000$" "$WORK/quota.out"
    grep -qE "^watches +: +128$" "$WORK/quota.out"
    grep -qE "^transactions +: +10$" "$WORK/quota.out"
    grep -qE "^node-size +: +2048$" "$WORK/quota.out"
    expect_out OK "$XS_CLIENT" control check
    xs_alive
}

test_xenstore_daemon_lifecycle() {
    xs_start life
    # A second daemon on the same socket is refused and the first serves on.
    expect_fail "a xenstored already serves $XENSTORED_PATH" \
        env XENOLITH_RUNDIR="$XS_DIR" "$XENSTORED" --socket "$XENSTORED_PATH" --pid-file "$XS_DIR/pid2"
    xenstore-write /still here
    # Only root and the owner may connect as Dom0.
    [ "$(stat -c %a "$XENSTORED_PATH")" = 600 ]
    # SIGTERM: the socket and pid file go; a new daemon starts afresh.
    kill "$XS_PID"
    local i
    for i in $(seq 1 100); do [ -e "$XENSTORED_PATH" ] || break; sleep 0.02; done
    [ ! -e "$XENSTORED_PATH" ] || fail "socket left behind"
    [ ! -e "$XS_DIR/pid" ] || fail "pid file left behind"
    xs_start life
    expect_no xenstore-exists /still
}

test_xenstore_quota_options() {
    # Xen's options set the quotas; path-max binds Dom0 too.
    xs_start opts -M 64 -Q watches=3 -E 50
    xenstore-write "/$(head -c 63 /dev/zero | tr '\0' a)" ok
    expect_fail "could not write path" xenstore-write "/$(head -c 64 /dev/zero | tr '\0' a)" no
    "$XS_CLIENT" control quota >"$WORK/quota.out"
    grep -qE "^path-max +: +64$" "$WORK/quota.out"
    grep -qE "^watches +: +3$" "$WORK/quota.out"
    grep -qE "^nodes +: +50$" "$WORK/quota.out"
    # A bad value is refused at start-up, naming the option.
    expect_fail "-Q nodes=lots: invalid quota value" "$XENSTORED" --socket "$WORK/never.sock" -Q nodes=lots
    xs_alive
}

# The stack's xenstored (supervised by the hypervisor daemon, with
# --state-file) is killed outright: the restarted one serves the same
# tree and permissions, and a guest that was waiting on a watch over its
# ring hears of the write it waits for, on the same ring and channel.
test_xenstore_restart_keeps_store_and_guest_connection() {
    command -v xenstore-read >/dev/null || { echo "xenstore-utils is not installed"; exit 77; }
    export XENSTORED_PATH=$XENOLITH_RUNDIR/xenstored.sock
    local old new dom i
    xenstore-write /restart/a one /restart/b/c "two words" /restart/empty ""
    xenstore-chmod /restart/a b0 r5
    xenstore-chmod /restart/b/c n0 w7
    "$XL" create "$(guest_cfg xsrst1 "app=evtchn-peer role=pong count=1")"
    dom=$(domid_of xsrst1)
    # The guest prints nothing until data/peer comes; its watch on it is
    # in the state file's snapshot or journal (saved before the guest had
    # its OK) once it waits.
    for i in $(seq 1 500); do
        cat "$XENOLITH_RUNDIR/xenstored.state"* 2>/dev/null |
            grep -qa "/local/domain/$dom/data/peer" && break
        sleep 0.02
    done
    cat "$XENOLITH_RUNDIR/xenstored.state"* 2>/dev/null | grep -qa "/local/domain/$dom/data/peer" ||
        { fail "the guest's watch never reached the state file"; return 1; }
    xenstore-ls -f -p >"$WORK/before.ls"
    old=$(pgrep -f "xenstored --socket $XENSTORED_PATH")
    [ -n "$old" ] || { fail "no supervised xenstored"; return 1; }
    kill -9 "$old"
    # The hypervisor daemon starts a new one; it answers once restored.
    for i in $(seq 1 250); do
        new=$(pgrep -f "xenstored --socket $XENSTORED_PATH" || true)
        [ -n "$new" ] && [ "$new" != "$old" ] && xenstore-read /restart/a >/dev/null 2>&1 && break
        sleep 0.02
    done
    [ -n "$new" ] && [ "$new" != "$old" ] || { fail "xenstored was not restarted"; return 1; }
    xenstore-ls -f -p >"$WORK/after.ls"
    diff "$WORK/before.ls" "$WORK/after.ls" >&2 || { fail "the tree changed across the restart"; return 1; }
    grep -q '^/restart/a = "one" *(b0,r5)$' "$WORK/after.ls" || { fail "perms of /restart/a lost"; return 1; }
    # The app's watch on data/peer and the guest kernel's own two, on
    # control/shutdown and memory/target (docs/xl.md).
    grep -q "restored .* nodes, .* 3 guest watches" "$XENOLITH_RUNDIR/log/xenstored.log"
    grep -q "d$dom: ring attached again" "$XENOLITH_RUNDIR/log/xenstored.log"
    # The guest's ring connection and its watch survived.
    xenstore-write "/local/domain/$dom/data/peer" 0
    wait_console xsrst1 "^evtchn-peer: pong offers port [0-9]+ to d0$" 10
    [ "$(xenstore-read "/local/domain/$dom/data/port")" -gt 0 ]
    "$XL" destroy xsrst1
    xenstore-rm /restart
}

# xs_interop_run CLIENT: the same session through CLIENT, each command's
# output (stdout and stderr; the program names itself xs_client_test
# whichever library it has) and exit status, on a fresh /interop.
xs_interop_run() {
    local c=$1 rc i args=()
    for i in $(seq 1 700); do args+=("/interop/many/child-$i" ""); done
    xenstore-write "${args[@]}"
    while read -r line; do
        [ -n "$line" ] || continue
        rc=0
        # shellcheck disable=SC2086
        "$c" $line 2>&1 || rc=$?
        echo "[$line] exit $rc"
    done <<'CMDS'
write /interop/k v
read /interop/k
mkdir /interop/d
ls /interop
exists /interop/k
exists /interop/nope
read /interop/nope
rm /interop/nope/deeper
chmod /interop/k n0 r5 b7
perms /interop/k
chmod /interop/k q0
conflict /interop/k
read /interop/k
disjoint /interop/k /interop/d
read /interop/d
introduced 0
domain-path 5
control check
CMDS
    "$c" ls /interop/many | wc -l
    "$c" ls /interop/many | tail -1
    local out=$WORK/interop-watch.out
    "$c" watch /interop/w 3 >"$out" &
    local pid=$!
    wait_lines "$out" 1
    "$c" write /interop/w/a 1
    "$c" write /interop/w/b 2
    wait "$pid"
    cat "$out"
    "$c" rm /interop
    "$c" exists /interop && echo "/interop still there" || echo "[exists /interop] exit $?"
}

# tests/tools/xs_client_test.c built twice, against our libxenstore and
# against Xen's own (Debian's libxenstore.so.4): against our daemon both
# must succeed and print the same, byte for byte.
test_xenstore_same_client_against_xens_libxenstore() {
    local xen_client=$ROOT/$BUILD/tests/tools/xs_client_test_xen
    [ -x "$xen_client" ] || { echo "no $xen_client (Xen's libxenstore missing)"; exit 77; }
    ldd "$xen_client" | grep -q 'libxenstore\.so' || { fail "$xen_client is not linked with libxenstore.so"; return 1; }
    xs_start interop
    xs_interop_run "$XS_CLIENT" >"$WORK/interop-ours.out"
    xs_interop_run "$xen_client" >"$WORK/interop-xen.out"
    diff -u "$WORK/interop-ours.out" "$WORK/interop-xen.out" >&2 ||
        { fail "our libxenstore and Xen's differ (- ours, + Xen's)"; return 1; }
    # And what both printed is right, not merely the same.
    local o=$WORK/interop-ours.out
    grep -qx '\[write /interop/k v\] exit 0' "$o"
    grep -qx '\[exists /interop/nope\] exit 1' "$o"
    grep -qx 'xs_client_test: read /interop/nope: No such file or directory' "$o"
    grep -qx 'n0 r5 b7' "$o"
    grep -qx 'EAGAIN' "$o"
    grep -qx 'committed retried' "$o"
    grep -qx 'both committed' "$o"
    grep -qx '/local/domain/5' "$o"
    grep -qx '700' "$o"
    grep -qx 'child-700' "$o"
    grep -qx '/interop/w/b xs_client_test' "$o"
    grep -qx '\[exists /interop\] exit 1' "$o"
    ! grep -q 'exit [^01]$' "$o" || { fail "a command exited with status 2 or worse:"; cat "$o" >&2; return 1; }
    xs_alive
}
