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
int app_smp(void);

static const struct guest_app apps[] = {
    {"hello", "print a greeting and the command line, then power off", app_hello},
    {"crash", "take a CPU exception and report the crash", app_crash},
    {"compute", "time the benchmark's integer loop (iters=N)", app_compute},
    {"hcbench", "time xen_version hypercalls (iters=N)", app_hcbench},
    {"sleeptest", "sleep ms=N on the timer, count=C times, and report both clocks", app_sleeptest},
    {"timerjitter", "periodic timer error (period_us=P count=N)", app_timerjitter},
    {"evtchn-selftest", "check every event-channel op and misuse against Xen's rules", app_evtchn_selftest},
    {"smp", "bring up every vCPU and bounce ipis=N IPIs between vCPU 0 and 1", app_smp},
    {"evtchn-echo", "offer a channel to Dom0 and echo count=N notifications", app_evtchn_echo},
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
