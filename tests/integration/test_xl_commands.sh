# test_xl_commands.sh - xl's lifecycle commands with the real CLI against
# real guests: list -l (JSON parsed back), shutdown / reboot / crash and
# their on_* actions, rename, domid, domname, uptime, vcpu-list / -pin /
# -set, mem-set / -max (the balloon, with the host's memory really
# returned), sched-credit, top; help for each; and every bad input.
# The guest is app=idle (guest/apps/idle.c), which answers xl through
# xenstore (guest/kernel/services.h).

lc_xs() { XENSTORED_PATH=$XENOLITH_RUNDIR/xenstored.sock "$@"; }

# A JSON query on stdin: lc_json 'EXPR' evaluates EXPR with d = the
# parsed document and prints the result (python3: always there, unlike jq).
lc_json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

domid_of() { "$XL" domid "$1"; }

# The daemon's pid, and the host memory its guests hold (RssShmem, KiB):
# guest RAM is a shared memfd mapped by the daemon.
daemon_pid() { "$XL" info | awk '/^xenolith_pid/ { print $3 }'; }
guest_rss_kib() { awk '/^RssShmem:/ { print $2 }' "/proc/$(daemon_pid)/status"; }

# The Linux thread id of vCPU N of domain ID (threads are named dID-vcpuN).
vcpu_tid() {
    local pid t
    pid=$(daemon_pid)
    for t in /proc/"$pid"/task/*; do
        [ "$(cat "$t/comm" 2>/dev/null)" = "d$1-vcpu$2" ] && { echo "${t##*/}"; return 0; }
    done
    fail "no thread d$1-vcpu$2 in the daemon"
}

# Destroys the named domains when the test ends, however it ends.
cleanup_domains() {
    # shellcheck disable=SC2064
    trap "set +e; for d in $*; do \"$XL\" destroy \"\$d\" >/dev/null 2>&1; done" EXIT
}

# idle_guest NAME [extra config lines...]: an app=idle guest, created and
# ready (its services watch xenstore).
idle_guest() {
    local name=$1 cfg
    shift
    cfg=$(guest_cfg "$name" "app=idle" "$@")
    "$XL" create "$cfg" 2>/dev/null
    wait_console "$name" "^idle: ready" 10
}

# wait_until TIMEOUT_S CMD...: CMD succeeds before the time is up.
wait_until() {
    local deadline=$((SECONDS + $1))
    shift
    while [ $SECONDS -le $deadline ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    fail "never true: $*"
}

# vcpus_online NAME: how many vCPUs vcpu-list shows not offline.
vcpus_online() { "$XL" vcpu-list "$1" | awk 'NR > 1 && $5 != "--p"' | wc -l; }

# wait_vcpus NAME N [TIMEOUT_S]: vcpu-list shows N vCPUs online.
wait_vcpus() {
    local deadline=$((SECONDS + ${3:-10})) n
    while [ $SECONDS -le $deadline ]; do
        n=$(vcpus_online "$1")
        [ "$n" = "$2" ] && return 0
        sleep 0.05
    done
    fail "domain '$1' has $n vCPUs online, not $2"; "$XL" vcpu-list "$1" >&2; return 1
}

test_xl_list_long_prints_json_that_parses_back() {
    local id json
    cleanup_domains json1
    truncate -s 8M "$WORK/json1.img"
    idle_guest json1 'memory = 32' 'vcpus = 2' 'maxvcpus = 3' 'on_reboot = "preserve"' \
        "disk = ['$WORK/json1.img,raw,xvda,rw']" "vif = ['mac=00:16:3e:00:00:2a,bridge=xenbr7']"
    id=$(domid_of json1)
    json=$("$XL" list -l json1)
    [ "$(lc_json 'len(d)' <<<"$json")" = 1 ]
    [ "$(lc_json 'd[0]["domid"]' <<<"$json")" = "$id" ]
    [ "$(lc_json 'd[0]["config"]["c_info"]["name"]' <<<"$json")" = json1 ]
    [ "$(lc_json 'd[0]["config"]["c_info"]["type"]' <<<"$json")" = pv ]
    lc_json 'd[0]["config"]["c_info"]["uuid"]' <<<"$json" | grep -qE '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'
    [ "$(lc_json 'd[0]["config"]["b_info"]["max_vcpus"]' <<<"$json")" = 3 ]
    [ "$(lc_json 'd[0]["config"]["b_info"]["avail_vcpus"]' <<<"$json")" = "[0, 1]" ]
    [ "$(lc_json 'd[0]["config"]["b_info"]["max_memkb"]' <<<"$json")" = 32768 ]
    [ "$(lc_json 'd[0]["config"]["b_info"]["target_memkb"]' <<<"$json")" = 32768 ]
    [ "$(lc_json 'd[0]["config"]["b_info"]["kernel"]' <<<"$json")" = "$GUEST" ]
    [ "$(lc_json 'd[0]["config"]["b_info"]["cmdline"]' <<<"$json")" = "app=idle" ]
    [ "$(lc_json 'd[0]["config"]["disks"][0]["pdev_path"]' <<<"$json")" = "$WORK/json1.img" ]
    [ "$(lc_json 'd[0]["config"]["disks"][0]["vdev"]' <<<"$json")" = xvda ]
    [ "$(lc_json 'd[0]["config"]["disks"][0]["readwrite"]' <<<"$json")" = 1 ]
    [ "$(lc_json 'd[0]["config"]["nics"][0]["mac"]' <<<"$json")" = 00:16:3e:00:00:2a ]
    [ "$(lc_json 'd[0]["config"]["nics"][0]["bridge"]' <<<"$json")" = xenbr7 ]
    [ "$(lc_json 'd[0]["config"]["on_poweroff"]' <<<"$json")" = destroy ]
    [ "$(lc_json 'd[0]["config"]["on_reboot"]' <<<"$json")" = preserve ]
    [ "$(lc_json 'd[0]["config"]["on_crash"]' <<<"$json")" = destroy ]
    [ "$(lc_json 'd[0]["state"]["shutdown"]' <<<"$json")" = False ]
    [ "$(lc_json 'd[0]["state"]["shutdown_reason"]' <<<"$json")" = None ]
    [ "$(lc_json 'd[0]["state"]["current_memkb"]' <<<"$json")" = 32768 ]
    [ "$(lc_json 'd[0]["state"]["vcpu_online"]' <<<"$json")" = 2 ]
    # Every domain: an array, this one in it; valid for json.tool too.
    "$XL" list -l | python3 -m json.tool >/dev/null
    [ "$("$XL" list -l | lc_json "[x['domid'] for x in d].count($id)")" = 1 ]
    # After a shutdown (preserved): the state says so.
    "$XL" reboot -w json1 2>/dev/null
    wait_state json1 '^---s--$'
    json=$("$XL" list --long json1)
    [ "$(lc_json 'd[0]["state"]["shutdown"]' <<<"$json")" = True ]
    [ "$(lc_json 'd[0]["state"]["shutdown_reason"]' <<<"$json")" = reboot ]
}

test_xl_shutdown_is_acknowledged_and_on_poweroff_is_honoured() {
    local json
    cleanup_domains down1 down2
    idle_guest down1 'on_poweroff = "preserve"'
    [ "$(lc_xs xenstore-read "/local/domain/$(domid_of down1)/control/feature-poweroff")" = 1 ]
    "$XL" shutdown -w down1 2>"$WORK/down1.err"
    grep -q "^Shutting down domain" "$WORK/down1.err"
    grep -q "has been shut down, reason code 0" "$WORK/down1.err"
    wait_console down1 "^control: poweroff requested; shutting down$"
    [ "$(state_of down1)" = "---s--" ]
    json=$("$XL" list -l down1)
    [ "$(lc_json 'd[0]["state"]["shutdown_reason"]' <<<"$json")" = poweroff ]
    # The acknowledgement: the guest emptied control/shutdown.
    [ -z "$(lc_xs xenstore-read "/local/domain/$(domid_of down1)/control/shutdown")" ]
    "$XL" destroy down1
    # on_poweroff's default, destroy.
    idle_guest down2
    "$XL" shutdown down2 2>/dev/null
    wait_state down2 '^gone$'
}

test_xl_reboot_restarts_a_fresh_domain_with_the_same_config() {
    local old new json
    cleanup_domains boot1
    idle_guest boot1 'vcpus = 2' 'memory = 24' 'cmdline = "app=idle heartbeat_ms=0"'
    old=$(domid_of boot1)
    "$XL" reboot boot1 2>/dev/null
    wait_until 10 bash -c "id=\$('$XL' domid boot1 2>/dev/null) && [ \"\$id\" != $old ]"
    new=$(domid_of boot1)
    [ "$new" != "$old" ]
    wait_until 10 bash -c "[ \$(grep -c '^idle: ready' '$(console_log boot1)') -ge 2 ]"
    grep -q "^control: reboot requested; shutting down$" "$(console_log boot1)"
    json=$("$XL" list -l boot1)
    [ "$(lc_json 'd[0]["config"]["b_info"]["cmdline"]' <<<"$json")" = "app=idle heartbeat_ms=0" ]
    [ "$(lc_json 'd[0]["config"]["b_info"]["max_memkb"]' <<<"$json")" = 24576 ]
    [ "$(lc_json 'd[0]["config"]["b_info"]["max_vcpus"]' <<<"$json")" = 2 ]
    "$XL" dmesg | grep -q "d$old: shutdown, reason reboot"
    # The fresh domain answers as the first did.
    "$XL" shutdown -w boot1 2>/dev/null
    wait_state boot1 '^gone$'
}

test_xl_reboot_with_on_reboot_destroy_or_preserve() {
    cleanup_domains rbd1 rbp1
    idle_guest rbd1 'on_reboot = "destroy"'
    "$XL" reboot -w rbd1 2>/dev/null
    wait_state rbd1 '^gone$'
    idle_guest rbp1 'on_reboot = "preserve"'
    "$XL" reboot rbp1 2>/dev/null
    wait_state rbp1 '^---s--$'
    "$XL" list -l rbp1 | lc_json 'd[0]["state"]["shutdown_reason"]' | grep -qx reboot
}

test_xl_crash_actions_restart_preserve_and_destroy() {
    local old
    cleanup_domains crr1 crp1 crd1
    # on_crash=restart: the crash brings a fresh domain, which crashes in turn.
    idle_guest crr1 'cmdline = "app=idle crash_ms=1500"' 'on_crash = "restart"'
    old=$(domid_of crr1)
    wait_until 15 bash -c "id=\$('$XL' domid crr1 2>/dev/null) && [ \"\$id\" != $old ]"
    "$XL" dmesg | grep -q "d$old: shutdown, reason crash"
    "$XL" destroy crr1
    idle_guest crp1 'cmdline = "app=idle crash_ms=200"' 'on_crash = "preserve"'
    wait_state crp1 '^----c-$'
    "$XL" list -l crp1 | lc_json 'd[0]["state"]["shutdown_reason"]' | grep -qx crash
    "$XL" destroy crp1
    idle_guest crd1 'cmdline = "app=idle crash_ms=200"'
    wait_state crd1 '^gone$'
}

test_xl_shutdown_of_a_guest_that_does_not_acknowledge() {
    local id cfg
    cleanup_domains deaf1
    # A guest that computes and never idles never answers control/shutdown.
    cfg=$(guest_cfg deaf1 "app=compute iters=100000000000 reps=1")
    "$XL" create "$cfg" 2>/dev/null
    id=$(domid_of deaf1)
    wait_until 10 bash -c "[ \"\$(XENSTORED_PATH=$XENOLITH_RUNDIR/xenstored.sock xenstore-read /local/domain/$id/control/feature-poweroff)\" = 1 ]"
    XL_ACK_TIMEOUT_MS=800 expect_fail "did not acknowledge the shutdown request within 800 ms" \
        "$XL" shutdown deaf1
    # Nothing changed: still running, the request taken back.
    [ "$(state_of deaf1)" = "r-----" ]
    [ -z "$(lc_xs xenstore-read "/local/domain/$id/control/shutdown")" ]
    # -F: the hypervisor shuts it down; on_poweroff (destroy) follows.
    XL_ACK_TIMEOUT_MS=300 "$XL" shutdown -F deaf1 2>"$WORK/deaf1.err"
    grep -q "the hypervisor shuts it down (-F)" "$WORK/deaf1.err"
    wait_state deaf1 '^gone$'
}

test_xl_shutdown_all_with_wait() {
    cleanup_domains all1 all2
    idle_guest all1
    idle_guest all2 'on_poweroff = "preserve"'
    "$XL" shutdown -a -w 2>"$WORK/all.err"
    grep -q "Waiting for 2 domains" "$WORK/all.err"
    [ "$(state_of all1)" = gone ]
    [ "$(state_of all2)" = "---s--" ]
}

test_xl_rename_domid_domname() {
    local id vm old_id
    cleanup_domains ren1 ren2 other1
    idle_guest ren1
    idle_guest other1
    id=$(domid_of ren1)
    "$XL" rename ren1 ren2
    [ "$(domid_of ren2)" = "$id" ]
    [ "$("$XL" domname "$id")" = ren2 ]
    [ "$("$XL" domname 0)" = Domain-0 ]
    [ "$("$XL" domid Domain-0)" = 0 ]
    "$XL" list | awk '{print $1}' | grep -qx ren2
    ! "$XL" list | awk '{print $1}' | grep -qx ren1
    [ "$(lc_xs xenstore-read "/local/domain/$id/name")" = ren2 ]
    vm=$(lc_xs xenstore-read "/local/domain/$id/vm")
    [ "$(lc_xs xenstore-read "$vm/name")" = ren2 ]
    # The console log follows the name.
    grep -q "^idle: ready" "$(console_log ren2)"
    expect_fail "no domain named 'ren1'" "$XL" domid ren1
    expect_fail "a domain named 'other1' already exists" "$XL" rename ren2 other1
    expect_fail "not a valid domain name" "$XL" rename ren2 'bad name'
    expect_fail "all digits reads as a domain id" "$XL" rename ren2 123
    [ "$(domid_of ren2)" = "$id" ]
    # A reboot keeps the new name.
    old_id=$id
    "$XL" reboot ren2 2>/dev/null
    wait_until 10 bash -c "id=\$('$XL' domid ren2 2>/dev/null) && [ \"\$id\" != $old_id ]"
}

test_xl_uptime_in_xls_formats() {
    local out
    cleanup_domains up1
    idle_guest up1
    sleep 1.1
    out=$("$XL" uptime)
    head -1 <<<"$out" | grep -qE '^Name +ID Uptime$'
    grep -qE '^Domain-0 +0 ' <<<"$out"
    grep -qE "^up1 +$(domid_of up1) +0:00:0[1-9]$" <<<"$out"
    "$XL" uptime up1 | tail -1 | grep -qE '^up1 '
    "$XL" uptime -s up1 | grep -qE "^ [0-9]{2}:[0-9]{2}:[0-9]{2} up +0:00, up1 \($(domid_of up1)\)$"
}

test_xl_vcpu_list_and_pin_set_the_threads_real_affinity() {
    local id tid out
    cleanup_domains pin1
    idle_guest pin1 'vcpus = 2'
    id=$(domid_of pin1)
    out=$("$XL" vcpu-list pin1)
    head -1 <<<"$out" | grep -qE '^Name +ID +VCPU +CPU +State +Time\(s\) Affinity \(Hard / Soft\)$'
    [ "$(tail -n +2 <<<"$out" | wc -l)" = 2 ]
    tail -n +2 <<<"$out" | grep -qE "^pin1 +$id +1 +[0-9]+ +-b- +[0-9.]+  all / all$"
    "$XL" vcpu-pin pin1 1 0
    tid=$(vcpu_tid "$id" 1)
    taskset -p "$tid" | grep -q "current affinity mask: 1$"
    "$XL" vcpu-list pin1 | grep -qE "^pin1 +$id +1 .* 0 / all$"
    # vCPU 0 untouched.
    "$XL" vcpu-list pin1 | grep -qE "^pin1 +$id +0 .* all / all$"
    "$XL" vcpu-pin pin1 all 0
    taskset -p "$(vcpu_tid "$id" 0)" | grep -q "current affinity mask: 1$"
    "$XL" vcpu-pin pin1 all all -
    taskset -p "$tid" | grep -q "current affinity mask: $(printf '%x' $(( (1 << $(nproc)) - 1 )))$"
}

test_xl_vcpu_set_brings_guest_vcpus_down_and_up() {
    cleanup_domains vset1
    idle_guest vset1 'vcpus = 2' 'maxvcpus = 4'
    wait_vcpus vset1 2
    [ "$("$XL" list vset1 | awk '$1 == "vset1" {print $4}')" = 2 ]
    "$XL" vcpu-set -i vset1 4
    wait_console vset1 "^cpu: vCPU 3 online$"
    wait_vcpus vset1 4
    "$XL" vcpu-set vset1 1
    wait_console vset1 "^cpu: vCPU 1 offline$"
    wait_vcpus vset1 1
    "$XL" vcpu-list vset1 | grep -qE "^vset1 +[0-9]+ +3 +- +--p "
    [ "$("$XL" list vset1 | awk '$1 == "vset1" {print $4}')" = 1 ]
    # Back up: the vCPUs that went down resume.
    "$XL" vcpu-set vset1 2
    wait_vcpus vset1 2
    [ "$(grep -c "^cpu: vCPU 1 online$" "$(console_log vset1)")" -ge 2 ]
    # Still healthy: it answers a shutdown.
    "$XL" shutdown -w vset1 2>/dev/null
    wait_state vset1 '^gone$'
}

test_xl_mem_set_balloons_down_and_up_and_the_host_gets_memory_back() {
    local before after json
    cleanup_domains bal1
    idle_guest bal1 'memory = 128' 'cmdline = "app=idle touch=1"'
    wait_console bal1 "^idle: touched"
    before=$(guest_rss_kib)
    "$XL" mem-set bal1 32
    wait_console bal1 "^balloon: 131072 KiB -> 32768 KiB \(target 32768 KiB\)$"
    after=$(guest_rss_kib)
    echo "daemon RssShmem: $before KiB -> $after KiB"
    [ $((before - after)) -ge $((90 * 1024)) ] || fail "the host got back only $((before - after)) KiB"
    [ "$("$XL" list bal1 | awk '$1 == "bal1" {print $3}')" = 32 ]
    json=$("$XL" list -l bal1)
    [ "$(lc_json 'd[0]["state"]["current_memkb"]' <<<"$json")" = 32768 ]
    [ "$(lc_json 'd[0]["config"]["b_info"]["target_memkb"]' <<<"$json")" = 32768 ]
    [ "$(lc_xs xenstore-read "/local/domain/$(domid_of bal1)/memory/target")" = 32768 ]
    # And back up: the pages come back zeroed and hold a pattern.
    "$XL" mem-set bal1 128m
    wait_console bal1 "^balloon: 32768 KiB -> 131072 KiB \(target 131072 KiB\), pages back zeroed and writable$"
    [ "$("$XL" list bal1 | awk '$1 == "bal1" {print $3}')" = 128 ]
    [ "$(guest_rss_kib)" -ge $((after + 90 * 1024)) ]
    # Still healthy.
    "$XL" shutdown -w bal1 2>/dev/null
    wait_state bal1 '^gone$'
}

test_xl_mem_max_bounds_the_target() {
    local id
    cleanup_domains max1
    idle_guest max1 'memory = 64'
    id=$(domid_of max1)
    "$XL" mem-set max1 40
    wait_console max1 "^balloon: 65536 KiB -> 40960 KiB"
    "$XL" mem-max max1 48
    [ "$(lc_xs xenstore-read "/local/domain/$id/memory/static-max")" = 49152 ]
    "$XL" list -l max1 | lc_json 'd[0]["config"]["b_info"]["max_memkb"]' | grep -qx 49152
    expect_fail "more than the domain's maximum" "$XL" mem-set max1 56
    expect_fail "below the domain's current target" "$XL" mem-max max1 32
    expect_fail "more than the 65536 KiB the domain was built with" "$XL" mem-max max1 65
    "$XL" mem-set max1 48
    wait_console max1 "^balloon: 40960 KiB -> 49152 KiB"
    [ "$("$XL" list max1 | awk '$1 == "max1" {print $3}')" = 48 ]
}

test_xl_sched_credit_weight_and_cap_reach_the_host_scheduler() {
    local a b ta tb ta2 tb2 ra rb c0 c1 pct
    "$XL" sched-credit | head -1 | grep -q "mechanism=none" && {
        echo "no cgroup CPU controller here: $("$XL" sched-credit | head -1)"; exit 77; }
    cleanup_domains heavy1 light1 capped1
    for n in heavy1 light1; do
        "$XL" create "$(guest_cfg $n "app=compute iters=100000000000 reps=1")" 2>/dev/null
        "$XL" vcpu-pin $n 0 0 # both on one host CPU: they compete
    done
    "$XL" sched-credit -d heavy1 -w 1024
    "$XL" sched-credit -d light1 -w 256
    "$XL" sched-credit -d heavy1 | grep -qE "^heavy1 +[0-9]+ +1024 +0$"
    "$XL" sched-credit | grep -qE "^light1 +[0-9]+ +256 +0$"
    a=$(domid_of heavy1) b=$(domid_of light1)
    sleep 0.5
    ta=$(cpu_time_of heavy1) tb=$(cpu_time_of light1)
    sleep 3
    ta2=$(cpu_time_of heavy1) tb2=$(cpu_time_of light1)
    ra=$(awk -v x="$ta" -v y="$ta2" 'BEGIN { print y - x }')
    rb=$(awk -v x="$tb" -v y="$tb2" 'BEGIN { print y - x }')
    echo "weight 1024 got ${ra}s, weight 256 got ${rb}s of one CPU in 3 s"
    awk -v x="$ra" -v y="$rb" 'BEGIN { exit !(x > 2 * y) }' || fail "weights not applied"
    "$XL" destroy heavy1
    "$XL" destroy light1
    # A cap of 25% of one CPU.
    "$XL" create "$(guest_cfg capped1 "app=compute iters=100000000000 reps=1")" 2>/dev/null
    "$XL" sched-credit -d capped1 -c 25
    sleep 0.5
    c0=$(cpu_time_of capped1)
    sleep 3
    c1=$(cpu_time_of capped1)
    pct=$(awk -v x="$c0" -v y="$c1" 'BEGIN { printf "%d", (y - x) / 3 * 100 }')
    echo "capped at 25: used $pct% of a CPU"
    [ "$pct" -ge 10 ] && [ "$pct" -le 40 ] || fail "cap not applied: $pct%"
    # The values in list -l too.
    "$XL" list -l capped1 | lc_json 'd[0]["config"]["b_info"]["sched_params"]["cap"]' | grep -qx 25
    : "$a" "$b"
}

test_xl_top_batch_shows_cpu_memory_and_device_counters() {
    local out id row
    cleanup_domains topc1 topd1
    "$XL" create "$(guest_cfg topc1 "app=compute iters=100000000000 reps=1")" 2>/dev/null
    truncate -s 8M "$WORK/topd1.img"
    idle_guest topd1 'memory = 24' "disk = ['$WORK/topd1.img,raw,xvda,rw']" "vif = ['bridge=xenbr9']"
    id=$(domid_of topd1)
    # What blkback and netback publish (their keys, docs/xl.md).
    lc_xs xenstore-write "/local/domain/0/backend/vbd/$id/51712/statistics/rd_req" 7 \
        "/local/domain/0/backend/vbd/$id/51712/statistics/wr_req" 5 \
        "/local/domain/0/backend/vbd/$id/51712/statistics/rd_sect" 56 \
        "/local/domain/0/backend/vbd/$id/51712/statistics/wr_sect" 40 \
        "/local/domain/0/backend/vif/$id/0/stats" "tx_packets=3 tx_bytes=4096 rx_packets=9 rx_bytes=10240"
    out=$("$XL" top -b -i 2 -d 1)
    echo "$out"
    grep -q "^xentop - [0-9:]*   Xen 4.17-xenolith$" <<<"$out"
    grep -qE "^[0-9]+ domains: " <<<"$out"
    grep -qE "^ +NAME +STATE +CPU\(sec\) CPU\(%\) +MEM\(k\) MEM\(%\) +MAXMEM\(k\) MAXMEM\(%\) VCPUS NETS NETTX\(k\) NETRX\(k\) VBDS +VBD_OO +VBD_RD +VBD_WR +VBD_RSECT +VBD_WSECT SSID$" <<<"$out"
    [ "$(grep -c "^ *topc1 " <<<"$out")" = 2 ]
    # The second update has a CPU%: the compute guest uses most of a CPU.
    row=$(grep "^ *topc1 " <<<"$out" | tail -1)
    awk '{ exit !($4 > 30) }' <<<"$row" || fail "compute guest CPU% too low: $row"
    # MEM(k), VCPUS, NETS NETTX(k) NETRX(k), VBDS VBD_OO VBD_RD VBD_WR VBD_RSECT VBD_WSECT.
    row=$(grep "^ *topd1 " <<<"$out" | tail -1)
    read -r -a f <<<"$row"
    [ "${f[4]}" = 24576 ] && [ "${f[8]}" = 1 ]
    [ "${f[9]} ${f[10]} ${f[11]}" = "1 4 10" ] || fail "network columns: $row"
    [ "${f[12]} ${f[13]} ${f[14]} ${f[15]} ${f[16]} ${f[17]}" = "1 0 7 5 56 40" ] || fail "block columns: $row"
}

test_xl_lifecycle_commands_have_help() {
    local c
    for c in list shutdown reboot rename domid domname uptime vcpu-list vcpu-pin vcpu-set \
        mem-set mem-max sched-credit top; do
        "$XL" help "$c" | head -1 | grep -q "^Usage: xl $c " || fail "xl help $c"
        "$XL" "$c" --help | head -1 | grep -q "^Usage: xl $c " || fail "xl $c --help"
        [ "$("$XL" "$c" --help | wc -l)" -ge 3 ] || fail "xl $c --help says too little"
        "$XL" help | grep -qE "^ $c " || fail "xl help does not list $c"
    done
}

# bad CMD...: fails with one line on stderr, nothing on stdout.
bad() {
    local out err rc=0
    out=$("$@" 2>"$WORK/bad.err") || rc=$?
    err=$(cat "$WORK/bad.err")
    [ $rc -ne 0 ] || fail "'$*' succeeded"
    [ -z "$out" ] || fail "'$*' printed to stdout: $out"
    [ "$(wc -l <"$WORK/bad.err")" = 1 ] || fail "'$*' did not give one error line: $err"
}

# The state a bad command must leave alone.
snapshot() {
    "$XL" list -l "$1" | lc_json '[d[0]["config"]["c_info"]["name"], d[0]["config"]["b_info"]["target_memkb"], d[0]["config"]["b_info"]["max_memkb"], d[0]["config"]["b_info"]["avail_vcpus"], d[0]["state"]["max_memkb"], d[0]["config"]["b_info"]["sched_params"], d[0]["state"]["shutdown"]]'
    "$XL" vcpu-list "$1" | awk 'NR > 1 { print $3, $NF, $(NF-2) }'
}

test_xl_lifecycle_commands_refuse_bad_input_and_change_nothing() {
    local before after
    cleanup_domains badin1
    idle_guest badin1 'memory = 32' 'vcpus = 2'
    before=$(snapshot badin1)
    for c in shutdown reboot; do
        bad "$XL" $c nosuch
        bad "$XL" $c
        bad "$XL" $c -x badin1
        bad "$XL" $c badin1 extra
        bad "$XL" $c -a badin1
    done
    bad "$XL" rename nosuch x1
    bad "$XL" rename badin1
    bad "$XL" rename badin1 'bad name!'
    bad "$XL" rename badin1 Domain-0
    bad "$XL" domid nosuch
    bad "$XL" domid
    bad "$XL" domname abc
    bad "$XL" domname 31999
    bad "$XL" domname -1
    bad "$XL" uptime nosuch
    bad "$XL" uptime -x
    bad "$XL" list -l nosuch
    bad "$XL" list -z
    bad "$XL" vcpu-list nosuch
    bad "$XL" vcpu-pin badin1 0 99999
    bad "$XL" vcpu-pin badin1 0 3-1
    bad "$XL" vcpu-pin badin1 0 0,
    bad "$XL" vcpu-pin badin1 0 abc
    bad "$XL" vcpu-pin badin1 7 0
    bad "$XL" vcpu-pin badin1 x 0
    bad "$XL" vcpu-pin badin1 0 0 1
    bad "$XL" vcpu-pin nosuch 0 0
    bad "$XL" vcpu-pin badin1 0
    bad "$XL" vcpu-set badin1 0
    bad "$XL" vcpu-set badin1 9
    bad "$XL" vcpu-set badin1 abc
    bad "$XL" vcpu-set badin1 -1
    bad "$XL" vcpu-set nosuch 1
    bad "$XL" vcpu-set badin1
    bad "$XL" mem-set badin1 abc
    bad "$XL" mem-set badin1 12q
    bad "$XL" mem-set badin1 1g
    bad "$XL" mem-set badin1 0
    bad "$XL" mem-set badin1 -5
    bad "$XL" mem-set nosuch 16
    bad "$XL" mem-set badin1
    bad "$XL" mem-max badin1 8
    bad "$XL" mem-max badin1 2g
    bad "$XL" mem-max badin1 lots
    bad "$XL" mem-max nosuch 32
    bad "$XL" sched-credit -d nosuch
    bad "$XL" sched-credit -d badin1 -w 0
    bad "$XL" sched-credit -d badin1 -w 70000
    bad "$XL" sched-credit -d badin1 -c abc
    bad "$XL" sched-credit -d badin1 -c 900
    bad "$XL" sched-credit -w 5
    bad "$XL" sched-credit -d 0 -w 5
    bad "$XL" sched-credit -q
    bad "$XL" top -i 0
    bad "$XL" top -d x
    bad "$XL" top -z
    bad "$XL" top -i
    after=$(snapshot badin1)
    [ "$before" = "$after" ] || fail "state changed: $before -> $after"
    [ "$(state_of badin1)" = "-b----" ]
    expect_fail "no domain 'nosuch'" "$XL" shutdown nosuch
    expect_fail "invalid memory size '12q'" "$XL" mem-set badin1 12q
    expect_fail "CPU 99999 does not exist" "$XL" vcpu-pin badin1 0 99999
    expect_fail "has 2 vCPUs at most" "$XL" vcpu-set badin1 9
    expect_fail "weight '0' is not a number 1..65535" "$XL" sched-credit -d badin1 -w 0
    expect_fail "cap must be 0..200" "$XL" sched-credit -d badin1 -c 900
}
