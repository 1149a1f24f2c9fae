# test_bad_input.sh - every kind of bad input to xl create gets one clear
# error naming the file, line and reason, and creates nothing.

# create_refused "SUBSTRING" ARGS...: xl create fails saying SUBSTRING and
# the domain list is unchanged.
create_refused() {
    local want=$1 before after
    shift
    before=$(domain_count)
    expect_fail "$want" "$XL" create "$@"
    after=$(domain_count)
    [ "$before" = "$after" ] || fail "domain count changed: $before -> $after"
}

test_bad_config_files_are_refused() {
    local good dir
    good=$(guest_cfg bad0 "app=hello")
    create_refused "cannot read: No such file or directory" "$WORK/missing.cfg"
    dir=$WORK/adir.cfg && mkdir -p "$dir"
    create_refused "adir.cfg" "$dir"
    printf 'name = "bad1"\nkernel = "%s"\nfrobnicate = 1\n' "$GUEST" >"$WORK/bad1.cfg"
    create_refused "bad1.cfg:3: unknown key 'frobnicate'" "$WORK/bad1.cfg"
    printf 'name = "bad2"\nkernel = "%s"\nmemory = "lots"\n' "$GUEST" >"$WORK/bad2.cfg"
    create_refused "bad2.cfg:3: memory" "$WORK/bad2.cfg"
    printf 'name = "bad3"\nkernel = "%s"\nvcpus = 4096\n' "$GUEST" >"$WORK/bad3.cfg"
    create_refused "bad3.cfg:3: vcpus" "$WORK/bad3.cfg"
    printf 'name = "bad4\nkernel = "%s"\n' "$GUEST" >"$WORK/bad4.cfg"
    create_refused "bad4.cfg:1" "$WORK/bad4.cfg"
    printf 'kernel = "%s"\n' "$GUEST" >"$WORK/bad5.cfg"
    create_refused "missing required key 'name'" "$WORK/bad5.cfg"
    create_refused "command line:1: unknown key 'nokey'" "$good" 'nokey=1'
    create_refused "on_crash" "$good" 'on_crash="explode"'
}

test_memory_larger_than_the_host_is_refused() {
    local cfg
    cfg=$(guest_cfg huge1 "app=hello")
    printf 'memory = 900000\n' >>"$cfg"
    create_refused "huge1.cfg:5: memory=900000:" "$cfg"
    create_refused "the host can give" "$cfg"
}

test_duplicate_name_is_refused() {
    local cfg
    cfg=$(guest_cfg dup1 "app=hello" 'on_poweroff = "preserve"')
    "$XL" create "$cfg"
    create_refused "a domain named 'dup1' already exists" "$cfg"
    "$XL" destroy dup1
}

test_kernels_that_are_not_xen_guests_are_refused() {
    local cfg
    cfg=$(guest_cfg nok1 "app=hello")
    create_refused "kernel '$WORK/nokernel' not found: No such file or directory" "$cfg" "kernel=\"$WORK/nokernel\""
    printf 'this is not an ELF file\n' >"$WORK/text.bin"
    create_refused "is not a Xen guest ELF: not an ELF file" "$cfg" "kernel=\"$WORK/text.bin\""
    create_refused "is not a Xen guest ELF" "$cfg" 'kernel="/bin/true"'
    : >"$WORK/empty.bin"
    create_refused "is not a Xen guest ELF" "$cfg" "kernel=\"$WORK/empty.bin\""
    head -c 3000 "$GUEST" >"$WORK/truncated.elf"
    create_refused "is not a Xen guest ELF" "$cfg" "kernel=\"$WORK/truncated.elf\""
}

test_xl_commands_with_bad_arguments() {
    expect_fail "no domain 'nosuchdomain'" "$XL" destroy nosuchdomain
    expect_fail "no domain '424242'" "$XL" pause 424242
    expect_fail "Usage: xl destroy" "$XL" destroy
    expect_fail "domain 0 is the host itself" "$XL" destroy 0
    expect_fail "no domain 'nosuch'" "$XL" console nosuch
    expect_fail "no domain 'nosuch'" "$XL" list nosuch
    expect_fail "unknown command 'frob'" "$XL" frob
    "$XL" help | grep -q "create"
    "$XL" create --help | grep -q "Usage: xl create"
    "$XL" help list | grep -q "Usage: xl list"
}

test_guest_too_small_for_its_kernel_is_refused() {
    local cfg
    cfg=$(guest_cfg tiny1 "app=hello")
    create_refused "memory" "$cfg" 'memory=1'
}
