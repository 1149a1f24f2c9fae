# test_docs.sh - the manual pages: generated from the tables that drive
# `xl help` and the config parser, so they list exactly what xl does.

man_page() { echo "$ROOT/$BUILD/man/$1"; }

test_man_pages_render_without_warnings() {
    local page out
    for page in xl.1 xl.cfg.5; do
        [ -s "$(man_page $page)" ] || { fail "$page was not built"; return 1; }
        out=$(groff -man -ww -z "$(man_page $page)" 2>&1)
        [ -z "$out" ] || { fail "groff warns about $page: $out"; return 1; }
        MANWIDTH=80 man -l "$(man_page $page)" 2>/dev/null | grep -q "^NAME" ||
            { fail "man -l does not render $page"; return 1; }
    done
}

test_xl_help_and_xl1_list_the_same_commands() {
    local from_help from_man
    from_help=$("$XL" help | awk '/^ [a-z]/ { print $1 }' | sort)
    from_man=$(MANWIDTH=200 man -l "$(man_page xl.1)" 2>/dev/null |
        awk '/^SUBCOMMANDS/ { on = 1; next } /^[A-Z]/ { on = 0 } on && /^       [a-z]/ { print $1 }' | sort)
    [ -n "$from_help" ] || { fail "xl help lists nothing"; return 1; }
    [ "$from_help" = "$from_man" ] || { fail "xl help: $(echo $from_help)"; fail "xl.1:    $(echo $from_man)"; return 1; }
    # Each command's own help is its man entry's usage line.
    "$XL" help block-attach | head -1 | grep -qx 'Usage: xl block-attach DOMAIN DISK-SPEC...' ||
        { fail "xl help block-attach:"; "$XL" help block-attach >&2; return 1; }
    MANWIDTH=200 man -l "$(man_page xl.1)" 2>/dev/null | grep -q '^       block-attach DOMAIN DISK-SPEC\.\.\.$' ||
        { fail "xl.1 lacks block-attach's usage"; return 1; }
}

test_xl_cfg5_documents_every_supported_key() {
    local text key
    text=$(MANWIDTH=200 man -l "$(man_page xl.cfg.5)" 2>/dev/null)
    for key in name type memory vcpus kernel cmdline on_poweroff on_reboot on_crash uuid disk vif; do
        grep -q "^       $key " <<<"$text" || { fail "xl.cfg(5) does not document '$key'"; return 1; }
    done
    # And a key the parser refuses is listed as such.
    sed -n '/^KEYS NOT SUPPORTED YET/,/^SEE ALSO/p' <<<"$text" | grep -q 'vtpm' ||
        { fail "vtpm is not listed as unsupported"; return 1; }
    local out
    out=$("$XL" create "$(guest_cfg docs1 app=hello 'vtpm = []')" 2>&1) && { fail "vtpm accepted"; return 1; }
    grep -q "key 'vtpm' is not supported yet" <<<"$out" || { fail "got: $out"; return 1; }
}
