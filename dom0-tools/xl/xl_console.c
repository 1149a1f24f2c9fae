/*
 * xl_console.c - `xl console DOM`: for now, the domain's console output so
 * far, read from the log the hypervisor keeps for it
 * ($XENOLITH_RUNDIR/log/console/guest-<name>.log, as xenconsoled's
 * /var/log/xen/console).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xl.h"

int main_console(int argc, char **argv)
{
    if (argc != 2)
        return xl_usage("console");
    struct xc *xc = xl_connect("console");
    if (!xc)
        return 1;
    uint32_t domid;
    struct xlctl_dominfo info;
    int rc = xl_find_domain(xc, "console", argv[1], false, &domid);
    if (rc == 0)
        rc = xc_domain_info(xc, domid, &info);
    xc_close(xc);
    if (rc < 0)
        return rc == -1 ? 1 : xl_fail("console", "%s", strerror(-rc));
    char path[1024];
    snprintf(path, sizeof(path), "%s/log/console/guest-%s.log", xc_default_rundir(), info.name);
    FILE *f = fopen(path, "re");
    if (!f)
        return xl_fail("console", "cannot read %s: %s", path, strerror(errno));
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        fwrite(buf, 1, n, stdout);
    fclose(f);
    return 0;
}
