/*
 * xl.h - what the xl commands share: the command table's row type, the
 * connection to the hypervisor, domain lookup by name or id, and errors.
 */
#ifndef XL_XL_H
#define XL_XL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libxc/xc.h"

struct xl_command {
    const char *name;
    int (*main)(int argc, char **argv);   /* argv[0] is the command name */
    const char *summary;
    const char *usage;                    /* after "xl NAME " */
    const char *help;                     /* options and details, may be "" */
};

const struct xl_command *xl_command_find(const char *name);
/* The i-th row of the command table, NULL past the end. */
const struct xl_command *xl_command_at(size_t i);
/* Prints manual page `page` ("xl.1" or "xl.cfg.5") in roff (xl_man.c). */
int xl_print_man(const char *page);

/* Prints "xl CMD: message" to stderr; returns 1 (the exit code). */
int xl_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints the command's usage line to stderr; returns 2. */
int xl_usage(const char *cmd);
/* True if argv holds -h or --help after the command name. */
bool xl_wants_help(int argc, char **argv);
int xl_print_help(const char *cmd);

/* Connects to the hypervisor or prints why not (and how to fix it). */
struct xc *xl_connect(const char *cmd);

/* The guest domains (*list malloc'd), or -errno after printing
 * "xl CMD: listing domains: why". */
int xl_list_domains(struct xc *xc, const char *cmd, struct xlctl_dominfo **list, unsigned *n);

/* Resolves a domain given by name or domid. 0 with *domid (0 = Dom0
 * itself when allow_dom0), or prints an error and returns -1. */
int xl_find_domain(struct xc *xc, const char *cmd, const char *spec, bool allow_dom0, uint32_t *domid);

/* A console session with domain domid (named name) through xenconsoled,
 * interactive on a terminal (xl_console.c); `xl create -c` uses it too.
 * Returns the exit code. */
int xl_console_attach(uint32_t domid, const char *name);

/* xl list's six state letters (r b p s c d) for a domain. */
void xl_state_letters(const struct xlctl_dominfo *d, char out[7]);
/* A domain's name as xl shows it: /local/domain/<id>/name in xenstore, as
 * Xen's xl reads it, else the hypervisor's (xs may be NULL). */
struct xs_handle;
void xl_domain_name(struct xs_handle *xs, const struct xlctl_dominfo *d, char *out, size_t len);
/* Host CPUs online (the width of affinity maps). */
unsigned xl_host_cpus(void);

/* The commands. */
int main_create(int argc, char **argv);
int main_destroy(int argc, char **argv);
int main_pause(int argc, char **argv);
int main_unpause(int argc, char **argv);
int main_list(int argc, char **argv);
int main_info(int argc, char **argv);
int main_dmesg(int argc, char **argv);
int main_console(int argc, char **argv);
int main_help(int argc, char **argv);
int main_block_attach(int argc, char **argv);
int main_block_detach(int argc, char **argv);
int main_block_list(int argc, char **argv);
int main_network_attach(int argc, char **argv);
int main_network_detach(int argc, char **argv);
int main_network_list(int argc, char **argv);
int main_trace(int argc, char **argv);
int main_trace_report(int argc, char **argv);
int main_save(int argc, char **argv);
int main_restore(int argc, char **argv);
int main_migrate(int argc, char **argv);
int main_migrate_receive(int argc, char **argv);
int main_domid(int argc, char **argv);
int main_domname(int argc, char **argv);
int main_uptime(int argc, char **argv);
int main_rename(int argc, char **argv);
int main_shutdown(int argc, char **argv);
int main_reboot(int argc, char **argv);
int main_vcpu_list(int argc, char **argv);
int main_vcpu_pin(int argc, char **argv);
int main_vcpu_set(int argc, char **argv);
int main_mem_set(int argc, char **argv);
int main_mem_max(int argc, char **argv);
int main_sched_credit(int argc, char **argv);
int main_top(int argc, char **argv);

#endif
