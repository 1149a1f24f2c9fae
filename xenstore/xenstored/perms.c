/*
 * perms.c - parsing, printing and checking node permissions (perms.h).
 */
#include "perms.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"

int perms_parse(const char *strings, unsigned int count, struct perm *out)
{
    const char *p = strings;
    for (unsigned int i = 0; i < count; i++) {
        switch (*p) {
        case 'n':
            out[i].access = PERM_NONE;
            break;
        case 'r':
            out[i].access = PERM_READ;
            break;
        case 'w':
            out[i].access = PERM_WRITE;
            break;
        case 'b':
            out[i].access = PERM_READ | PERM_WRITE;
            break;
        default:
            return -EINVAL;
        }
        p++;
        if (!*p)
            return -EINVAL;
        char *end;
        /* strtol with base 0, truncated to 32 bits, as Xen does: "r0x10"
         * is domain 16 and "r-1" domain 0xffffffff (which names nobody). */
        out[i].domid = (unsigned int)strtol(p, &end, 0);
        if (*end)
            return -EINVAL;
        p = end + 1;
    }
    return 0;
}

size_t perm_format(const struct perm *p, char *buf, size_t size)
{
    static const char letters[4] = {'n', 'r', 'w', 'b'};
    int n = snprintf(buf, size, "%c%d", letters[p->access & (PERM_READ | PERM_WRITE)],
                     (int)p->domid);
    if (n < 0 || (size_t)n >= size)
        return 0;
    return (size_t)n + 1;
}

static int entry_counts(const struct perm *p, uint64_t gen)
{
    return !(p->access & PERM_IGNORE) && domain_perm_valid(p->domid, gen);
}

unsigned int perms_for_conn(const struct connection *c, const struct perm *perms,
                            unsigned int nperms, uint64_t gen)
{
    const unsigned int all = PERM_READ | PERM_WRITE | PERM_OWNER;
    if (!nperms)
        return c->privileged ? all : PERM_NONE;
    if (c->privileged || perms[0].domid == c->domid ||
        (c->target != XS_DOMID_INVALID && perms[0].domid == c->target))
        return all;
    for (unsigned int i = 1; i < nperms; i++)
        if (entry_counts(&perms[i], gen) &&
            (perms[i].domid == c->domid ||
             (c->target != XS_DOMID_INVALID && perms[i].domid == c->target)))
            return perms[i].access & (PERM_READ | PERM_WRITE);
    return perms[0].access & (PERM_READ | PERM_WRITE);
}

void perms_mark_stale(struct node *n)
{
    for (unsigned int i = 1; i < n->nperms; i++)
        if (!entry_counts(&n->perms[i], n->generation))
            n->perms[i].access |= PERM_IGNORE;
}
