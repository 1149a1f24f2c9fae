/*
 * manage.c - control/shutdown, as Linux's drivers/xen/manage.c: the
 * toolstack writes "poweroff" (or "halt") or "reboot"; we acknowledge by
 * writing "" in the same transaction that read the request, then shut
 * down with the matching SHUTDOWN_* reason, so the domain's
 * on_poweroff / on_reboot action follows. A request we cannot handle is
 * left unacknowledged (and logged), as Linux does: the toolstack's wait
 * for the acknowledgement then tells the user. control/feature-poweroff
 * and feature-reboot say we listen.
 */
#include <xenbus.h>

#include "kernel/errno.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "kernel/services.h"
#include "xenolith/xen.h"

static const struct {
    const char *command;
    unsigned reason;
} handlers[] = {
    {"poweroff", SHUTDOWN_poweroff},
    {"halt", SHUTDOWN_poweroff},
    {"reboot", SHUTDOWN_reboot},
};
#define NR_HANDLERS (sizeof(handlers) / sizeof(handlers[0]))

struct request {
    char command[32];
    int which;          /* index in handlers, -1 none / unknown */
};

/* Read and, when we handle it, acknowledge, in one transaction. */
static int take_request(xenbus_transaction_t t, void *arg)
{
    struct request *r = arg;
    r->which = -1;
    int n = xenbus_read_t(t, "control/shutdown", r->command, sizeof(r->command));
    if (n <= 0)
        return n == -ENOENT ? 0 : n; /* "" (acknowledged) or gone */
    for (unsigned i = 0; i < NR_HANDLERS; i++)
        if (strcmp(r->command, handlers[i].command) == 0)
            r->which = (int)i;
    if (r->which < 0)
        return 1;
    return xenbus_write_t(t, "control/shutdown", "");
}

static void on_shutdown(const char *path, const char *token, void *arg)
{
    (void)path, (void)token, (void)arg;
    struct request r;
    r.command[0] = '\0';
    int rc = xenbus_transact(take_request, &r);
    if (rc < 0 || !r.command[0])
        return;
    if (r.which < 0) {
        printf("control: ignoring shutdown request '%s'\n", r.command);
        return;
    }
    printf("control: %s requested; shutting down\n", r.command);
    kernel_shutdown(handlers[r.which].reason);
}

int manage_init(void)
{
    int rc = xenbus_write("control/feature-poweroff", "1");
    if (rc == 0)
        rc = xenbus_write("control/feature-reboot", "1");
    if (rc == 0)
        rc = xenbus_watch_cb("control/shutdown", "control-shutdown", on_shutdown, 0);
    return rc;
}
