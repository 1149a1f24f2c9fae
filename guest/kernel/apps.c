/*
 * apps.c - the table of guest apps. Add a row per app.
 */
#include "kernel/apps.h"

#include "kernel/lib.h"

int app_hello(void);
int app_crash(void);
int app_compute(void);
int app_hcbench(void);
int app_sleeptest(void);
int app_timerjitter(void);
int app_evtchn_echo(void);
int app_evtchn_selftest(void);
int app_grant_selftest(void);
int app_grant_offer(void);
int app_smp(void);
int app_echo_console(void);
int app_chatter(void);
int app_console_evil(void);
int app_evtchn_peer(void);
int app_xenstore_test(void);
int app_threads(void);
int app_blktest(void);
int app_blkbench(void);
int app_evil(void);
int app_counter(void);
int app_dirtier(void);
int app_netserve(void);
int app_netping(void);
int app_netbench(void);
int app_idle(void);
int app_shell(void);

static const struct guest_app apps[] = {
    {"hello", "print a greeting and the command line, then power off", app_hello},
    {"crash", "take a CPU exception and report the crash", app_crash},
    {"compute", "time the benchmark's integer loop (iters=N)", app_compute},
    {"hcbench", "time xen_version hypercalls (iters=N)", app_hcbench},
    {"sleeptest", "sleep ms=N on the timer, count=C times, and report both clocks", app_sleeptest},
    {"timerjitter", "periodic timer error (period_us=P count=N)", app_timerjitter},
    {"evtchn-selftest", "check every event-channel op and misuse against Xen's rules", app_evtchn_selftest},
    {"smp", "bring up every vCPU and bounce ipis=N IPIs between vCPU 0 and 1", app_smp},
    {"evtchn-peer", "guest-to-guest channel set up through xenstore (role=ping|pong count=N)", app_evtchn_peer},
    {"idle", "wait for xl shutdown/reboot/vcpu-set/mem-set (touch=1 heartbeat_ms=N crash_ms=N)", app_idle},
    {"threads", "cooperative threads sleeping and yielding on the guest clock", app_threads},
    {"xenstore-test", "the guest's xenstore client over its ring", app_xenstore_test},
    {"evtchn-echo", "offer a channel to Dom0 and echo count=N notifications", app_evtchn_echo},
    {"grant-selftest", "check every grant-table op and misuse against Xen's rules (max=M)", app_grant_selftest},
    {"grant-offer", "grant count=N pages to Dom0 and check its use of them (hold=1: just wait)", app_grant_offer},
    {"echo-console", "answer each line typed on the console (lines=N idle_s=S echo=0|1)", app_echo_console},
    {"chatter", "print lines=N numbered lines fast (wait_ms=W interval_ms=I hold_s=S)", app_chatter},
    {"blktest", "write, read back and verify patterned data on the first vbd (blktest_mb=N blktest_mode=...)", app_blktest},
    {"blkbench", "block MB/s and IOPS (bench_mode=seqread|seqwrite|randread|randwrite bench_bs= bench_qd= bench_s=)", app_blkbench},
    {"evil", "the hostile guest: hundreds of attacks, each checked (victim=D only=FAMILY; a disk and vif for blkif/netif)", app_evil},
    {"counter", "print \"count N\" every interval_ms=100, surviving save/restore and migration", app_counter},
    {"dirtier", "the counter, plus mib=M MiB filled and rate=R MiB/s rewritten (migration load)", app_dirtier},
    {"netserve", "answer pings and echo UDP port 7 on vif 0 (secs=S)", app_netserve},
    {"netping", "ping ping=IP count=N times and report the RTT (interval_ms, size, linger_s)", app_netping},
    {"netbench", "UDP stream between guests: mode=send peer=IP | mode=recv (frame=F secs=S)", app_netbench},
    {"shell", "a command shell on the console: info, uptime, ip, ping, disk, read, write", app_shell},
    {"console-evil", "corrupt our own console ring's indexes (half=out|in) and keep printing", app_console_evil},
};

const struct guest_app *app_find(const char *name)
{
    for (unsigned i = 0; i < sizeof(apps) / sizeof(apps[0]); i++)
        if (strcmp(apps[i].name, name) == 0)
            return &apps[i];
    return 0;
}

void app_list_names(void)
{
    for (unsigned i = 0; i < sizeof(apps) / sizeof(apps[0]); i++)
        printf(" %s", apps[i].name);
}
