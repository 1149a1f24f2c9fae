# test_shell.sh - app=shell, the guest's console shell, driven through
# `xl console` as a user types: its disk commands reach the host image and
# its ping crosses netback's switch to another guest.

test_shell_commands_reach_the_disk_and_the_network() {
    truncate -s 8M "$WORK/shell.img"
    "$XL" create "$(guest_cfg shpeer "app=netserve secs=120" "vif = [ 'ip=10.0.6.2,bridge=shbr' ]")" \
        >"$WORK/create.out" 2>&1 || { fail "create shpeer:"; cat "$WORK/create.out" >&2; return 1; }
    "$XL" create "$(guest_cfg sh1 "app=shell" \
        "disk = [ 'vdev=xvda,access=rw,target=$WORK/shell.img' ]" \
        "vif = [ 'ip=10.0.6.1,bridge=shbr' ]")" \
        >"$WORK/create.out" 2>&1 || { fail "create sh1:"; cat "$WORK/create.out" >&2; return 1; }
    wait_console sh1 "^Xenolith shell on domain [0-9]+; type help$" 20
    local out
    out=$(printf 'info\nwrite 3 written by the shell\nread 3\nping 10.0.6.2 3\nread 999999\nfrobnicate\n' |
        "$XL" console sh1) || { fail "xl console sh1 failed:"; echo "$out" >&2; return 1; }
    grep -q "^vbd 51712: 16384 sectors (8 MiB), read-write" <<<"$out" || { fail "info:"; echo "$out" >&2; return 1; }
    grep -q "^vif 0: 10.0.6.1$" <<<"$out" || { fail "no vif in info:"; echo "$out" >&2; return 1; }
    grep -q "^write: 20 bytes to sector 3, flushed$" <<<"$out" || { fail "write:"; echo "$out" >&2; return 1; }
    # The guest's read shows what it wrote, and the host file has it.
    grep -q "^000: 77726974 74656e20 62792074 68652073 68656c6c 00000000" <<<"$out" ||
        { fail "read 3:"; echo "$out" >&2; return 1; }
    [ "$(dd if="$WORK/shell.img" bs=512 skip=3 count=1 2>/dev/null | tr -d '\0')" = "written by the shell" ] ||
        { fail "the host image does not hold the sector"; return 1; }
    grep -q "^ping: [1-3]/3 replies$" <<<"$out" || { fail "ping:"; echo "$out" >&2; return 1; }
    grep -q "^read: sector 999999 is past the end (16384 sectors)$" <<<"$out" ||
        { fail "bad sector accepted:"; echo "$out" >&2; return 1; }
    grep -q "^frobnicate: unknown command (try help)$" <<<"$out" || { fail "unknown command:"; echo "$out" >&2; return 1; }
    # A disk attached while the guest runs: the shell's blkfront connects it.
    truncate -s 4M "$WORK/shell2.img"
    "$XL" block-attach sh1 "$WORK/shell2.img,raw,xvdb,rw" || { fail "block-attach failed"; return 1; }
    out=$(printf 'disk\n' | "$XL" console sh1) || { fail "xl console sh1 failed"; return 1; }
    grep -q "^vbd 51728: 8192 sectors (4 MiB), read-write" <<<"$out" ||
        { fail "the attached disk did not connect:"; echo "$out" >&2; return 1; }
    [ "$("$XL" block-list sh1 | awk '$1 == 51728 { print $4 }')" = 4 ] ||
        { fail "xvdb is not Connected in block-list"; "$XL" block-list sh1 >&2; return 1; }
    printf 'poweroff\n' | "$XL" console sh1 >/dev/null || true  # the console ends as the guest does
    wait_state sh1 '^gone$'
    "$XL" destroy shpeer || { fail "shpeer was not running to the end"; return 1; }
}
