/*
 * services.c - starts the xenstore-driven services and runs their watch
 * callbacks from the idle path (see services.h).
 */
#include "kernel/services.h"

#include <xenbus.h>

#include "kernel/lib.h"
#include "kernel/time.h"

static bool running;

static bool dispatch(void)
{
    if (!xenbus_watch_events_waiting())
        return false;
    return xenbus_dispatch_watches() > 0;
}

void services_start(void)
{
    if (xenbus_init() < 0 || !xenbus_server_attached())
        return; /* no xenstore for this domain: nothing will ask */
    int rc = manage_init();
    if (rc == 0)
        rc = cpu_hotplug_init();
    if (rc == 0)
        rc = balloon_init();
    if (rc < 0) {
        printf("services: xenstore watches not set up (%d); xl's shutdown, vcpu-set and "
               "mem-set will get no answer\n", rc);
        return;
    }
    idle_work_hook = dispatch;
    running = true;
}

bool services_running(void)
{
    return running;
}
