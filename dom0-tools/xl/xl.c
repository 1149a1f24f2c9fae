/*
 * xl.c - the xl command line: one table row per command (as Xen's
 * xl_cmdtable.c), `xl help [CMD]` and `xl CMD --help` from the same rows.
 */
#include "xl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct xl_command commands[] = {
    {"create", main_create, "Create a domain from a config file",
     "[-p] [-c] CONFIG_FILE [KEY=VALUE ...]",
     "  -p           leave the domain paused after it is created\n"
     "  -c           attach to its console once it is created (as xl console)\n"
     "  KEY=VALUE    extra config lines, applied after the file (e.g. memory=64)\n"},
    {"list", main_list, "List information about all or some domains", "[DOMAIN ...]",
     "  Columns: Name ID Mem(MiB) VCPUs State Time(s). State letters: r running,\n"
     "  b blocked, p paused, s shut down, c crashed, d dying.\n"},
    {"destroy", main_destroy, "Terminate a domain immediately", "DOMAIN", ""},
    {"pause", main_pause, "Pause execution of a domain", "DOMAIN", ""},
    {"unpause", main_unpause, "Unpause a paused domain", "DOMAIN", ""},
    {"console", main_console, "Attach to a domain's console", "DOMAIN",
     "  On a terminal: an interactive session (recent output first); Ctrl-] detaches.\n"
     "  Otherwise standard input goes to the guest and its output to standard output\n"
     "  until the input ends, then until the output has been quiet for a second.\n"
     "  A domain that has shut down, or a stack without xenconsoled, gets its\n"
     "  console log printed instead.\n"},
    {"dmesg", main_dmesg, "Read the hypervisor's log", "[-c]",
     "  -c           accepted for compatibility; the log is not cleared\n"},
    {"info", main_info, "Get information about the host and the hypervisor", "", ""},
    {"block-attach", main_block_attach, "Create a new virtual block device",
     "DOMAIN DISK-SPEC...",
     "  DISK-SPEC as in xl.cfg's disk list, e.g. 'vdev=xvdb,access=r,target=/img/b.img'\n"
     "  or the positional '/img/b.img,raw,xvdb,rw'; several words are joined with ','.\n"
     "  The guest's blkfront sees the device appear and connects it.\n"},
    {"block-detach", main_block_detach, "Destroy a domain's virtual block device",
     "[-f] DOMAIN VDEV",
     "  VDEV is the device's name (xvdb) or number (51728, as block-list shows).\n"
     "  The guest is asked to let go; -f removes the device even if it does not\n"
     "  answer within 10 seconds.\n"},
    {"block-list", main_block_list, "List virtual block devices for a domain", "DOMAIN ...",
     "  Columns: Vdev BE handle state evt-ch ring-ref BE-path (state is XenbusState).\n"},
    {"network-attach", main_network_attach, "Create a new virtual network device",
     "DOMAIN [mac=MAC] [bridge=BRIDGE] [ip=IP] ...",
     "  As an item of xl.cfg's vif list; the device gets the next free index.\n"},
    {"network-detach", main_network_detach, "Destroy a domain's virtual network device",
     "[-f] DOMAIN INDEX",
     "  INDEX as network-list shows; -f as for block-detach.\n"},
    {"network-list", main_network_list, "List virtual network interfaces for a domain",
     "DOMAIN ...",
     "  Columns: Idx BE Mac Addr. handle state evt-ch tx-/rx-ring-ref BE-path.\n"},
    {"trace", main_trace, "Record a domain's split-driver I/O path",
     "DOMAIN [--duration SECONDS] [-o FILE]",
     "  Turns tracing on for the domain (guest kernel, hypervisor, blkback, netback),\n"
     "  records for SECONDS (default 5; Ctrl-C stops early) and writes the trace\n"
     "  file (default xenolith-trace-DOMID.txt; format in docs/tracing.md).\n"},
    {"trace-report", main_trace_report, "Show where a trace's requests spend their time",
     "FILE [--chrome OUT.json] [--svg OUT.svg [--first N] [--count N]]",
     "  Per device and operation: each stage's median, p99 and max latency in us and\n"
     "  its share of the end-to-end time. --chrome writes Chrome trace-event JSON\n"
     "  (open it in Perfetto or chrome://tracing); --svg draws requests N.. (50 by\n"
     "  default) as a timeline.\n"},
    {"help", main_help, "Print help for xl or for one command", "[COMMAND | --man PAGE]",
     "  --man xl.1 | xl.cfg.5   print that manual page (roff), made from the same\n"
     "                         tables as this help; `man -l` renders it\n"},
    {"save", main_save, "Save a domain's state to a file, to restore later",
     "[-p] DOMAIN FILE",
     "  -p           leave the domain paused after saving (default: destroy it)\n"
     "  The image holds the domain's config, vCPUs, memory (zero pages left\n"
     "  out), hypervisor state and xenstore entries (docs/save-format.md).\n"},
    {"restore", main_restore, "Restore a domain from a saved image", "[-p] FILE",
     "  -p           leave the domain paused after restoring\n"
     "  The domain comes back under its saved name with a new domain id.\n"},
    {"migrate", main_migrate, "Move a running domain to another host",
     "DOMAIN HOST[:PORT]",
     "  The other host runs `xl migrate-receive`; storage must be shared.\n"
     "  PORT defaults to 8002. Pre-copies memory while the domain runs.\n"},
    {"migrate-receive", main_migrate_receive, "Receive one domain from `xl migrate`",
     "[-p PORT] [-a ADDR]",
     "  -p PORT      TCP port to listen on (default 8002)\n"
     "  -a ADDR      address to listen on (default 0.0.0.0)\n"
     "  Accepts one migration, runs the domain, and exits.\n"},
    {"help", main_help, "Print help for xl or for one command", "[COMMAND]", ""},
};
#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

const struct xl_command *xl_command_at(size_t i)
{
    return i < NR_COMMANDS ? &commands[i] : NULL;
}

const struct xl_command *xl_command_find(const char *name)
{
    for (size_t i = 0; i < NR_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

int xl_fail(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "xl %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 1;
}

int xl_usage(const char *cmd)
{
    const struct xl_command *c = xl_command_find(cmd);
    fprintf(stderr, "Usage: xl %s %s\n", cmd, c ? c->usage : "");
    return 2;
}

bool xl_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return true;
    return false;
}

int xl_print_help(const char *cmd)
{
    const struct xl_command *c = xl_command_find(cmd);
    if (!c)
        return xl_fail("help", "unknown command '%s' (see 'xl help')", cmd);
    printf("Usage: xl %s %s\n\n%s.\n\n%s", c->name, c->usage, c->summary, c->help);
    return 0;
}

static void print_overview(FILE *out)
{
    fprintf(out, "Usage: xl <subcommand> [args]\n\nxl full list of subcommands:\n\n");
    for (size_t i = 0; i < NR_COMMANDS; i++)
        fprintf(out, " %-20s%s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nRun 'xl help COMMAND' or 'xl COMMAND --help' for one command.\n");
}

int main_help(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--man") == 0)
        return xl_print_man(argv[2]);
    if (argc > 2)
        return xl_usage("help");
    if (argc == 2)
        return xl_print_help(argv[1]);
    print_overview(stdout);
    return 0;
}

struct xc *xl_connect(const char *cmd)
{
    struct xc *xc;
    const char *dir = xc_default_rundir();
    int rc = xc_open(dir, &xc);
    if (rc < 0) {
        xl_fail(cmd, "cannot reach the hypervisor at %s/%s: %s (is it running? start it with "
                "'xenolith start', or set XENOLITH_RUNDIR)", dir, XLCTL_SOCKET_NAME, strerror(-rc));
        return NULL;
    }
    return xc;
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

int xl_find_domain(struct xc *xc, const char *cmd, const char *spec, bool allow_dom0, uint32_t *domid)
{
    if (strcmp(spec, "Domain-0") == 0 || strcmp(spec, "0") == 0) {
        if (allow_dom0) {
            *domid = 0;
            return 0;
        }
        xl_fail(cmd, "domain 0 is the host itself; this command needs a guest domain");
        return -1;
    }
    struct xlctl_dominfo *list;
    unsigned n;
    int rc = xc_domain_list(xc, &list, &n);
    if (rc < 0) {
        xl_fail(cmd, "listing domains: %s", strerror(-rc));
        return -1;
    }
    bool by_id = all_digits(spec);
    unsigned long id = by_id ? strtoul(spec, NULL, 10) : 0;
    for (unsigned i = 0; i < n; i++) {
        if ((by_id && list[i].domid == id) || (!by_id && strcmp(list[i].name, spec) == 0)) {
            *domid = list[i].domid;
            free(list);
            return 0;
        }
    }
    free(list);
    xl_fail(cmd, "no domain '%s' (see 'xl list')", spec);
    return -1;
}

int main(int argc, char **argv)
{
    /* xenstored serves our run directory's socket unless the user says
     * otherwise (xenolith env prints the same). */
    if (!getenv("XENSTORED_PATH")) {
        char path[600];
        snprintf(path, sizeof(path), "%s/xenstored.sock", xc_default_rundir());
        setenv("XENSTORED_PATH", path, 0);
    }
    if (argc < 2) {
        print_overview(stderr);
        return 2;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        print_overview(stdout);
        return 0;
    }
    const struct xl_command *c = xl_command_find(argv[1]);
    if (!c) {
        fprintf(stderr, "xl: unknown command '%s' (see 'xl help')\n", argv[1]);
        return 2;
    }
    if (c->main != main_help && xl_wants_help(argc - 1, argv + 1))
        return xl_print_help(c->name);
    return c->main(argc - 1, argv + 1);
}
