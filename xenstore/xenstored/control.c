/*
 * control.c - the CONTROL commands (control.h).
 */
#include "control.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "log.h"
#include "quota.h"
#include "store.h"

#define MAX_ARGS 8

static int reply_text(struct connection *c, const char *text, size_t len)
{
    reply(c, XS_CONTROL, text, (unsigned int)len + 1);
    return 0;
}

unsigned int control_check_store(void)
{
    unsigned int problems = 0;
    size_t reachable = 0, cap = 64, depth = 0;
    char **stack = malloc(cap * sizeof(*stack));
    if (!stack || !(stack[depth++] = strdup("/"))) {
        free(stack);
        log_info("check: out of memory");
        return 1;
    }
    while (depth) {
        char *name = stack[--depth];
        const struct node *n = store_get(name);
        if (!n) {
            log_info("check: %s is listed by its parent but missing", name);
            problems++;
            free(name);
            continue;
        }
        reachable++;
        for (unsigned int off = 0; off < n->childlen;) {
            const char *base = n->children + off;
            size_t len = strlen(name) + strlen(base) + 2;
            char *cname = malloc(len);
            if (depth == cap) {
                char **s = realloc(stack, cap * 2 * sizeof(*stack));
                if (s) {
                    stack = s;
                    cap *= 2;
                }
            }
            if (!cname || depth == cap) {
                free(cname);
                log_info("check: out of memory");
                problems++;
                break;
            }
            snprintf(cname, len, "%s/%s", strcmp(name, "/") == 0 ? "" : name, base);
            stack[depth++] = cname;
            off += (unsigned int)strlen(base) + 1;
        }
        free(name);
    }
    free(stack);
    /* Everything but the two special nodes hangs off "/". */
    if (reachable + 2 != store_count()) {
        log_info("check: %zu nodes stored, %zu reachable from /", store_count(), reachable);
        problems++;
    }
    return problems;
}

static int cmd_quota(struct connection *c, unsigned int argc, const char **argv)
{
    char text[2048];
    size_t len = 0;
    if (argc == 1) {
        for (int q = 0; q < QUOTA_N; q++)
            len += (size_t)snprintf(text + len, sizeof(text) - len, "%-17s: %8u\n",
                                    quotas[q].name, quotas[q].val);
        return reply_text(c, text, len);
    }
    unsigned int domid = (unsigned int)xs_atoi(argv[1]);
    if (!domain_find(domid) && !domain_nodes(domid))
        return ENOENT;
    len = (size_t)snprintf(text, sizeof(text), "Domain %u:\nnodes            : %8u\nmemory           : %8zu\n",
                           domid, domain_nodes(domid), domain_memory(domid));
    return reply_text(c, text, len);
}

int control_do_control(struct connection *c, const struct request *r)
{
    const char *argv[MAX_ARGS];
    unsigned int argc = req_strings(r, argv, MAX_ARGS);
    if (argc == 0 || argc > MAX_ARGS)
        return EINVAL;
    const char *cmd = argv[0];

    if (strcmp(cmd, "check") == 0 && argc == 1) {
        unsigned int problems = control_check_store();
        log_info("check: %u problem%s", problems, problems == 1 ? "" : "s");
        reply_ok(c);
        return 0;
    }
    if (strcmp(cmd, "log") == 0 && argc == 2) {
        if (strcmp(argv[1], "on") != 0 && strcmp(argv[1], "off") != 0)
            return EINVAL;
        log_set_debug(strcmp(argv[1], "on") == 0);
        reply_ok(c);
        return 0;
    }
    if (strcmp(cmd, "logfile") == 0 && argc == 2) {
        int err = log_open(argv[1]);
        if (err < 0)
            return -err;
        reply_ok(c);
        return 0;
    }
    if (strcmp(cmd, "print") == 0 && argc == 2) {
        log_info("print: %s", argv[1]);
        reply_ok(c);
        return 0;
    }
    if (strcmp(cmd, "memreport") == 0 && argc <= 2) {
        log_info("memreport: %zu nodes, %u connections, generation %llu", store_count(),
                 core_connection_count(), (unsigned long long)store_generation());
        reply_ok(c);
        return 0;
    }
    if (strcmp(cmd, "quota") == 0 && argc <= 2)
        return cmd_quota(c, argc, argv);
    if (strcmp(cmd, "help") == 0 && argc == 1) {
        static const char help[] = "Available commands:\n"
                                   "check\n"
                                   "log on|off\n"
                                   "logfile <file>\n"
                                   "memreport\n"
                                   "print <string>\n"
                                   "quota [<domid>]\n"
                                   "help\n";
        return reply_text(c, help, sizeof(help) - 1);
    }
    return EINVAL;
}
