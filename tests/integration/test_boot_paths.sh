# test_boot_paths.sh - Xen's two boot paths: our guest's 64-bit entry, and
# the PVH entry that a foreign Xen PVH guest uses unchanged.

PVH_DIR=$ROOT/$BUILD/tests/guests

# boot_pvh NAME KERNEL: the foreign guest prints, checks its start info
# and command line, and powers off cleanly.
boot_pvh() {
    local cfg
    cfg=$(guest_cfg "$1" "console=hvc0 pvh-test" 'on_poweroff = "preserve"' 'on_crash = "preserve"')
    "$XL" create "$cfg" "kernel=\"$2\""
    wait_console "$1" "^Hello from a foreign PVH guest$"
    wait_console "$1" "^hvm_start_info magic ok, cmdline: console=hvc0 pvh-test$"
    wait_state "$1" '^---s--$'
    "$XL" destroy "$1"
}

test_foreign_pvh_guest_elf32_boots() {
    boot_pvh pvh32 "$PVH_DIR/pvh-elf32"
}

test_foreign_pvh_guest_elf64_with_note_only_in_a_section_boots() {
    boot_pvh pvh64 "$PVH_DIR/pvh-elf64-nophdr"
}

test_type_pvh_on_a_kernel_without_the_pvh_note_is_refused() {
    local cfg
    cfg=$(guest_cfg typepvh "app=hello" 'type = "pvh"')
    expect_fail "has no XEN_ELFNOTE_PHYS32_ENTRY" "$XL" create "$cfg"
    cfg=$(guest_cfg typepv "app=hello" 'type = "pv"')
    expect_fail "has no 64-bit XEN_ELFNOTE_ENTRY" "$XL" create "$cfg" "kernel=\"$PVH_DIR/pvh-elf32\""
}

test_our_guest_enters_pvm_mode_on_kvm_pvm() {
    local cfg
    [ -d /sys/module/kvm_pvm ] || { echo "host is not kvm_pvm"; exit 77; }
    cfg=$(guest_cfg speed1 "app=hello")
    "$XL" create "$cfg"
    wait_console speed1 "PVM mode$"
}
