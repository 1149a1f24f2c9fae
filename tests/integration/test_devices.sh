# test_devices.sh - the toolstack's half of the split devices: disk and vif
# lists in xl.cfg and the xl block-/network- commands, checked in xenstore
# exactly as a backend and a frontend read it (xen-abi.md 9.2-9.5). The
# data path itself is tested in test_block.sh and test_net.sh.

# Debian's xenstore-utils, pointed at the stack's xenstored.
xs_env() { XENSTORED_PATH=$XENOLITH_RUNDIR/xenstored.sock "$@"; }
XS_READ="xs_env xenstore-read"

domid_of() { "$XL" list "$1" | awk -v n="$1" '$1 == n { print $2 }'; }

# expect_key PATH VALUE
expect_key() {
    local got
    got=$($XS_READ "$1" 2>&1) || { fail "$1 unreadable: $got"; return 1; }
    [ "$got" = "$2" ] || { fail "$1 is '$got', expected '$2'"; return 1; }
}

# A guest that stays up (it answers console lines) with one disk and one vif.
start_device_guest() {
    local name=$1 img=$WORK/$1.img
    truncate -s 8M "$img"
    "$XL" create "$(guest_cfg "$name" "app=echo-console" \
        "disk = [ 'vdev=xvda,access=rw,target=$img' ]" \
        "vif = [ 'mac=00:16:3e:00:00:21,bridge=xenbr7,ip=10.9.0.2' ]")" >/dev/null 2>&1
    wait_console "$name" "^echo-console: ready$"
}

test_create_writes_both_directories_of_each_device() {
    start_device_guest dev1
    local id be fe
    id=$(domid_of dev1)
    be=/local/domain/0/backend/vbd/$id/51712
    fe=/local/domain/$id/device/vbd/51712
    expect_key "$fe/backend" "$be"
    expect_key "$fe/backend-id" 0
    expect_key "$fe/virtual-device" 51712
    expect_key "$be/frontend" "$fe"
    expect_key "$be/frontend-id" "$id"
    expect_key "$be/params" "$WORK/dev1.img"
    expect_key "$be/mode" w
    expect_key "$be/type" file
    expect_key "$be/dev" xvda
    expect_key "$be/online" 1
    be=/local/domain/0/backend/vif/$id/0
    fe=/local/domain/$id/device/vif/0
    expect_key "$fe/mac" 00:16:3e:00:00:21
    expect_key "$fe/handle" 0
    expect_key "$be/mac" 00:16:3e:00:00:21
    expect_key "$be/bridge" xenbr7
    expect_key "$be/ip" 10.9.0.2
    # The guest owns its frontend directory; the backend's it may only read.
    xs_env xenstore-ls -p "/local/domain/$id/device/vbd" | grep -q '^51712 = "".*(n'"$id"',r0)$' ||
        { fail "frontend dir permissions:"; xs_env xenstore-ls -p "/local/domain/$id/device/vbd" >&2; return 1; }
    "$XL" destroy dev1
    # The daemon releases the domain's nodes just after it is gone, and the
    # backends let go: within a few seconds nothing of it is left.
    local t
    for t in $(seq 100); do
        $XS_READ "/local/domain/0/backend/vbd/$id/51712/frontend" >/dev/null 2>&1 ||
            $XS_READ "/local/domain/0/backend/vif/$id/0/frontend" >/dev/null 2>&1 || break
        sleep 0.05
    done
    ! xs_env xenstore-ls "/local/domain/0/backend/vbd/$id" >/dev/null 2>&1 &&
        ! xs_env xenstore-ls "/local/domain/0/backend/vif/$id" >/dev/null 2>&1 ||
        { fail "backend directories outlived the domain:"; xs_env xenstore-ls /local/domain/0/backend >&2; return 1; }
}

test_block_and_network_attach_list_detach() {
    start_device_guest dev2
    local id
    id=$(domid_of dev2)
    truncate -s 4M "$WORK/dev2b.img"
    "$XL" block-attach dev2 "$WORK/dev2b.img,raw,xvdb,r"
    "$XL" block-list dev2 | awk 'NR > 1 { print $1 }' | tr '\n' ' ' | grep -qx '51712 51728 ' ||
        { fail "block-list:"; "$XL" block-list dev2 >&2; return 1; }
    expect_key "/local/domain/0/backend/vbd/$id/51728/mode" r
    local out
    out=$("$XL" block-attach dev2 "$WORK/dev2b.img,raw,xvdb,r" 2>&1) && { fail "second attach of xvdb succeeded"; return 1; }
    [ "$out" = "xl block-attach: vbd device 51728 of domain $id exists already" ] || { fail "got: $out"; return 1; }
    "$XL" network-attach dev2 bridge=xenbr8
    "$XL" network-list dev2 | awk 'NR > 1 { print $1 ":" $3 }' | grep -q '^1:00:16:3e:' ||
        { fail "network-list:"; "$XL" network-list dev2 >&2; return 1; }
    expect_key "/local/domain/0/backend/vif/$id/1/bridge" xenbr8
    "$XL" block-detach -f dev2 xvdb
    "$XL" network-detach -f dev2 1
    [ "$("$XL" block-list dev2 | awk 'NR > 1 { print $1 }' | tr '\n' ' ')" = "51712 " ] ||
        { fail "xvdb still listed"; return 1; }
    ! $XS_READ "/local/domain/$id/device/vif/1/mac" 2>/dev/null || { fail "vif 1 still there"; return 1; }
    "$XL" destroy dev2
}

# expect_create_error MESSAGE CONFIG-LINE...: xl create fails with exactly
# MESSAGE and no domain is left.
expect_create_error() {
    local want=$1 out
    shift
    out=$("$XL" create "$(guest_cfg baddev "app=echo-console" "$@")" 2>&1) &&
        { fail "xl create accepted $*"; return 1; }
    out=$(grep -v '^Parsing config' <<<"$out")
    [ "$out" = "$want" ] || { fail "got: $out"; fail "want: $want"; return 1; }
    [ "$(state_of baddev)" = gone ] || { fail "a domain was left behind"; return 1; }
}

test_bad_device_config_is_refused_and_nothing_created() {
    expect_create_error "xl create: disk '/nonexistent/x.img' not found: No such file or directory" \
        "disk = [ '/nonexistent/x.img,raw,xvda,rw' ]"
    expect_create_error "xl create: $WORK/baddev.cfg:5: disk: vdev 'hda' is not a Xen virtual device name (xvda, xvdb1 ...)" \
        "disk = [ '/tmp/x.img,raw,hda,rw' ]"
    expect_create_error "xl create: $WORK/baddev.cfg:5: vif: unknown key 'colour'" \
        "vif = [ 'colour=red' ]"
    local out
    out=$("$XL" block-attach nosuchdomain /tmp/x.img,raw,xvdb 2>&1) && { fail "attach to no domain"; return 1; }
    [ "$out" = "xl block-attach: no domain 'nosuchdomain' (see 'xl list')" ] || { fail "got: $out"; return 1; }
    out=$("$XL" block-detach 0 xvda 2>&1) && { fail "detach from dom0"; return 1; }
    [ "$out" = "xl block-detach: domain 0 is the host itself; this command needs a guest domain" ] ||
        { fail "got: $out"; return 1; }
}
