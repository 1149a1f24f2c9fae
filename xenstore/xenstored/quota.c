/*
 * quota.c - the quota table and its command-line parsing. The defaults are
 * C xenstored 4.17's (xenstored_core.c / xenstored_domain.c); the names are
 * those of its -Q option so an administrator's knowledge carries over.
 */
#include "quota.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

#define Q(n, opt, d, v) { .name = (n), .option = (opt), .descr = (d), .val = (v), .def = (v) }

struct quota quotas[QUOTA_N] = {
    [QUOTA_NODES] = Q("nodes", 'E', "nodes owned per domain", 1000),
    [QUOTA_WATCHES] = Q("watches", 'W', "watches per domain", 128),
    [QUOTA_OUTSTANDING] = Q("outstanding", 0, "outstanding requests per domain", 20),
    [QUOTA_MEMORY] = Q("memory", 0, "node and watch memory per domain (bytes)",
                       2 * 1024 * 1024 + 512 * 1024),
    [QUOTA_TRANSACTIONS] = Q("transactions", 't', "open transactions per domain", 10),
    [QUOTA_TRANSACTION_NODES] = Q("transaction-nodes", 0, "nodes touched per transaction", 1024),
    [QUOTA_NODE_PERMS] = Q("node-permissions", 'A', "permission entries per node", 5),
    [QUOTA_PATH_MAX] = Q("path-max", 'M', "path length after /local/domain/<id>/",
                         XENSTORE_REL_PATH_MAX),
    [QUOTA_NODE_SIZE] = Q("node-size", 'S', "node size: value, permissions, children names", 2048),
};

int quota_set_item(enum quota_item q, const char *value)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(value, &end, 10);
    if (!*value || *end || errno || v > INT_MAX || value[0] == '-')
        return -EINVAL;
    if (q == QUOTA_PATH_MAX && v > XENSTORE_REL_PATH_MAX)
        v = XENSTORE_REL_PATH_MAX;
    quotas[q].val = (unsigned int)v;
    return 0;
}

int quota_set_arg(const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq)
        return -EINVAL;
    for (int q = 0; q < QUOTA_N; q++)
        if (strlen(quotas[q].name) == (size_t)(eq - arg) &&
            strncmp(arg, quotas[q].name, (size_t)(eq - arg)) == 0)
            return quota_set_item(q, eq + 1);
    return -EINVAL;
}

void quota_reset(void)
{
    for (int q = 0; q < QUOTA_N; q++)
        quotas[q].val = quotas[q].def;
}

void quota_print(FILE *f)
{
    for (int q = 0; q < QUOTA_N; q++)
        fprintf(f, "%-17s: %8u  (%s)\n", quotas[q].name, quotas[q].val, quotas[q].descr);
}
