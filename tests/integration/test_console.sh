# test_console.sh - the console ring end to end: the guest's console
# driver, xenconsoled (pv-backends/xenconsoled) as the daemon supervises
# it, and `xl console` / `xl create -c` as a user runs them. The guest apps
# echo-console (answers typed lines), chatter (prints numbered lines fast)
# and console-evil (corrupts its own ring) play the guest's part;
# tests/tools/cons_client plays clients xl never is (one that never reads,
# one that sends garbage).

CONS_CLIENT=$ROOT/$BUILD/tests/tools/cons_client

xcd_sock() { echo "$XENOLITH_RUNDIR/xenconsoled.sock"; }
xcd_log() { echo "$XENOLITH_RUNDIR/log/xenconsoled.log"; }

# The running xenconsoled's pid, as the daemon last started it.
xcd_pid() { service_pid xenconsoled; }

# xenconsoled's log shows no sanitizer report (BUILD=build-asan runs).
xcd_clean() {
    if grep -qE "AddressSanitizer|runtime error" "$(xcd_log)"; then
        fail "xenconsoled's log has a sanitizer report:"; cat "$(xcd_log)" >&2; return 1
    fi
}

domid_of() { "$XL" list "$1" | awk -v n="$1" '$1 == n { print $2 }'; }

# wait_file FILE PATTERN [TIMEOUT_S]: FILE shows PATTERN (grep -E).
wait_file() {
    local deadline=$((SECONDS + ${3:-10}))
    while [ $SECONDS -le $deadline ]; do
        grep -qE -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.02
    done
    fail "$1 never showed /$2/; it has:"; tail -20 "$1" >&2 2>/dev/null; return 1
}

# An echo-console guest, up and served by xenconsoled.
start_echo_guest() {
    "$XL" create "$(guest_cfg "$1" "app=echo-console ${2:-}")" 2>/dev/null
    wait_console "$1" "^echo-console: ready$"
    wait_file "$(xcd_log)" "d$(domid_of "$1") console: connected"
}

# expect_echo NAME WORD: typing WORD on NAME's console gets it answered.
expect_echo() {
    local out
    out=$(echo "$2" | "$XL" console "$1") || { fail "xl console $1 failed"; return 1; }
    grep -qx "echo-console: got '$2'" <<<"$out" || { fail "xl console $1 printed:"; echo "$out" >&2; return 1; }
}

test_console_ring_output_reaches_the_log_and_xl_console() {
    start_echo_guest cecho1
    local id
    id=$(domid_of cecho1)
    expect_echo cecho1 hello
    wait_console cecho1 "^echo-console: got 'hello'$"
    # The answer came through the ring, not console_io: the hypervisor's
    # log (which copies console_io lines) does not have it.
    if "$XL" dmesg | grep -q "d$id: echo-console: got"; then
        fail "the answer went through console_io"
        return 1
    fi
    # A second session gets the backlog first, then live output.
    expect_echo cecho1 again
    [ "$(grep -c "^echo-console: got" "$(console_log cecho1)")" -eq 2 ]
    "$XL" destroy cecho1
}

test_console_two_readers_both_see_output() {
    start_echo_guest cecho2
    mkfifo "$WORK/hold2"
    exec 7<>"$WORK/hold2" # stdin that never ends: the readers stay attached
    "$XL" console cecho2 <&7 >"$WORK/reader1.out" &
    local r1=$!
    "$XL" console cecho2 <&7 >"$WORK/reader2.out" &
    local r2=$!
    wait_file "$WORK/reader1.out" "^echo-console: ready"
    wait_file "$WORK/reader2.out" "^echo-console: ready"
    echo ping | "$XL" console cecho2 >/dev/null
    wait_file "$WORK/reader1.out" "^echo-console: got 'ping'$"
    wait_file "$WORK/reader2.out" "^echo-console: got 'ping'$"
    kill "$r1" "$r2"
    wait "$r1" "$r2" 2>/dev/null || true
    exec 7>&-
    "$XL" destroy cecho2
}

test_console_a_reader_that_never_reads_does_not_stall_the_guest() {
    "$XL" create "$(guest_cfg chat1 "app=chatter lines=30000 wait_ms=3000 hold_s=30")" 2>/dev/null
    wait_console chat1 "^chatter: ready"
    local id log
    id=$(domid_of chat1)
    log=$(console_log chat1)
    # One client attaches and never reads; another reads everything.
    # It sleeps until told (SIGUSR1), however long a loaded machine takes.
    "$CONS_CLIENT" "$(xcd_sock)" stall "$id" 120 >"$WORK/stall.out" &
    local stall=$!
    mkfifo "$WORK/hold3"
    exec 7<>"$WORK/hold3"
    "$XL" console chat1 <&7 >"$WORK/live.out" &
    local live=$!
    # The guest finishes while the stalled client still has not read.
    wait_console chat1 "^chatter: done, 30000 lines" 20
    kill -0 "$stall" || fail "the stalled client ended before the guest finished"
    [ "$(grep -c "^chatter: line" "$log")" -eq 30000 ] || fail "lines missing from the log"
    wait_file "$WORK/live.out" "^chatter: done, 30000 lines" 10
    [ "$(grep -c "^chatter: line" "$WORK/live.out")" -eq 30000 ] || fail "lines missing for the reader"
    # xenconsoled let the stalled client go instead of waiting for it.
    grep -qE "d$id console: client [0-9]+ does not read its output .*: disconnected" "$(xcd_log)"
    kill -USR1 "$stall"
    wait "$stall"
    grep -q "^disconnected after" "$WORK/stall.out"
    kill "$live"
    wait "$live" 2>/dev/null || true
    exec 7>&-
    xcd_clean
    "$XL" destroy chat1
}

test_console_xenconsoled_killed_is_restarted_and_output_still_arrives() {
    start_echo_guest cecho3
    "$XL" create "$(guest_cfg chat2 "app=chatter lines=150 interval_ms=20 hold_s=30")" 2>/dev/null
    wait_console chat2 "^chatter: line 10 of 150$"
    local old new id
    old=$(xcd_pid)
    id=$(domid_of chat2)
    kill -9 "$old"
    wait_file "$XENOLITH_RUNDIR/log/xenolith.log" "service xenconsoled \(pid $old\) killed by signal 9"
    wait_file "$XENOLITH_RUNDIR/log/xenolith.log" "service xenconsoled started, pid [0-9]+" 5
    new=$(xcd_pid)
    [ "$new" != "$old" ] && kill -0 "$new"
    # The new xenconsoled finds the running guests again ...
    wait_file "$(xcd_log)" "xenconsoled started \(pid $new\)"
    local deadline=$((SECONDS + 5))
    until [ "$(grep -c "d$id console: connected" "$(xcd_log)")" -ge 2 ]; do
        [ $SECONDS -le $deadline ] || { fail "d$id was not connected again"; return 1; }
        sleep 0.02
    done
    # ... no line printed meanwhile is lost ...
    wait_console chat2 "^chatter: done, 150 lines" 20
    local n
    n=$(grep "^chatter: line" "$(console_log chat2)" | sort -u | wc -l)
    [ "$n" -eq 150 ] || fail "expected 150 distinct lines, the log has $n"
    # ... and sessions work again.
    expect_echo cecho3 after
    "$XL" destroy chat2
    "$XL" destroy cecho3
}

test_console_hostile_ring_is_dropped_and_other_guests_keep_working() {
    start_echo_guest cecho4
    local pid
    pid=$(xcd_pid)
    "$XL" create "$(guest_cfg evil1 "app=console-evil half=out hold_s=20")" 2>/dev/null
    "$XL" create "$(guest_cfg evil2 "app=console-evil half=in hold_s=20")" 2>/dev/null
    local e1 e2
    e1=$(domid_of evil1)
    e2=$(domid_of evil2)
    wait_file "$(xcd_log)" "d$e1 console: out ring broken( at connect)?: out_prod [0-9]+ - out_cons [0-9]+ > 2048: console dropped"
    wait_file "$(xcd_log)" "d$e2 console: in ring broken( at connect)?: in_prod [0-9]+ - in_cons [0-9]+ > 1024: console dropped"
    # One log line each, and the same xenconsoled serves on.
    [ "$(grep -c "d$e1 console: .*dropped" "$(xcd_log)")" -eq 1 ]
    [ "$(xcd_pid)" = "$pid" ] && kill -0 "$pid"
    # The hostile guests run on, their output through console_io.
    wait_console evil1 "^console-evil: still running \(2\)$"
    wait_console evil2 "^console-evil: still running \(2\)$"
    # Their consoles are refused, with the reason.
    expect_fail "the console of domain $e1 was dropped: out ring broken" "$XL" console evil1 </dev/null
    # Everyone else is served as before.
    expect_echo cecho4 unharmed
    xcd_clean
    "$XL" destroy evil1
    "$XL" destroy evil2
    "$XL" destroy cecho4
}

test_console_xl_create_c_attaches_at_once() {
    local cfg out
    # Input typed before the guest reads waits in its ring; the session
    # ends when the domain is gone.
    cfg=$(guest_cfg ccreate "app=echo-console lines=1")
    out=$(echo first | timeout 20 "$XL" create -c "$cfg" 2>/dev/null) || { fail "xl create -c failed"; return 1; }
    grep -qx "echo-console: ready" <<<"$out"
    grep -qx "echo-console: got 'first'" <<<"$out"
    grep -qx "echo-console: bye" <<<"$out"
    wait_state ccreate '^gone$'
}

test_console_on_a_terminal_is_raw_and_ctrl_bracket_detaches() {
    command -v script >/dev/null || { echo "script (util-linux) is not installed"; exit 77; }
    start_echo_guest cecho5
    # script gives xl a terminal. Typed: "typed" and Enter (\r in raw
    # mode), then Ctrl-]. stty shows the terminal was given back as it was.
    timeout 20 script -qec "$XL console cecho5; stty -a" /dev/null \
        < <(sleep 1; printf 'typed\r'; sleep 1; printf '\035'; sleep 1) >"$WORK/tty.out" ||
        { fail "xl console on a terminal did not end with Ctrl-]"; cat "$WORK/tty.out" >&2; return 1; }
    wait_console cecho5 "^echo-console: got 'typed'$"
    grep -q "echo-console: got 'typed'" "$WORK/tty.out"
    grep -qE "(^| )icanon( |$)" "$WORK/tty.out" || fail "terminal left in raw mode"
    grep -qE "(^| )echo( |$)" "$WORK/tty.out" || fail "terminal left without echo"
    "$XL" destroy cecho5
}

test_console_without_xenconsoled_prints_the_log_with_a_note() {
    start_echo_guest cecho6
    local out
    # As if xenconsoled were not running: its socket is not there.
    mv "$(xcd_sock)" "$(xcd_sock).away"
    out=$("$XL" console cecho6 </dev/null 2>"$WORK/noxcd.err") || true
    mv "$(xcd_sock).away" "$(xcd_sock)"
    grep -q "xenconsoled is not running" "$WORK/noxcd.err"
    grep -qx "echo-console: ready" <<<"$out"
    expect_echo cecho6 back
    "$XL" destroy cecho6
}

test_console_session_socket_survives_garbage() {
    start_echo_guest cecho7
    local pid
    pid=$(xcd_pid)
    "$CONS_CLIENT" "$(xcd_sock)" garbage 800 >"$WORK/garbage.out"
    grep -q "garbage: 800 rounds answered" "$WORK/garbage.out"
    [ "$(xcd_pid)" = "$pid" ] && kill -0 "$pid"
    [ "$(stat -c %a "$(xcd_sock)")" = 600 ]
    expect_echo cecho7 fine
    xcd_clean
    "$XL" destroy cecho7
}
