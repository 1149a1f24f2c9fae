/*
 * xl_man.c - the manual pages xl(1) and xl.cfg(5), printed in roff from
 * the tables that also drive `xl help` (xl.c) and the config parser
 * (libxl/config.c), so the pages cannot drift from the program.
 */
#include <stdio.h>
#include <string.h>

#include "libxl/config.h"
#include "xl.h"

/* Text for roff: a leading '.' or '\'' would be a request, '\\' an escape,
 * '-' should be a hyphen-minus. */
static void roff_text(const char *s)
{
    if (*s == '.' || *s == '\'')
        fputs("\\&", stdout);
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", stdout);
        else if (*s == '-')
            fputs("\\-", stdout);
        else
            putchar(*s);
        if (*s == '\n' && (s[1] == '.' || s[1] == '\''))
            fputs("\\&", stdout);
    }
}

static void header(const char *name, const char *section, const char *what)
{
    printf(".TH %s %s \"\" \"Xenolith\" \"%s\"\n", name, section, what);
}

/* Each help line "  -p   text" becomes one line of the indented block. */
static void help_block(const char *help)
{
    if (!*help)
        return;
    printf(".RS\n.nf\n");
    roff_text(help);
    printf(".fi\n.RE\n");
}

static int man_xl(void)
{
    header("XL", "1", "Xenolith Manual");
    printf(".SH NAME\nxl \\- Xenolith's toolstack: create, control and inspect domains\n");
    printf(".SH SYNOPSIS\n.B xl\n.I subcommand\n[\n.I args\n]\n");
    printf(".SH DESCRIPTION\n");
    roff_text("xl drives Xenolith as Xen's xl drives Xen: the same subcommands, flags and "
              "output formats. It talks to the hypervisor daemon (xenolith start) through the "
              "control socket in the run directory ($XENOLITH_RUNDIR) and to xenstored "
              "($XENSTORED_PATH). Domains are named by name or domain id.\n");
    printf(".SH SUBCOMMANDS\n");
    const struct xl_command *c;
    for (size_t i = 0; (c = xl_command_at(i)); i++) {
        printf(".TP\n\\fB%s\\fR ", c->name);
        roff_text(c->usage);
        printf("\n");
        roff_text(c->summary);
        printf(".\n");
        help_block(c->help);
    }
    printf(".SH EXIT STATUS\n0 on success, 1 when the command failed (one line on standard "
           "error says what and why), 2 for a usage error.\n");
    printf(".SH SEE ALSO\n.BR xl.cfg (5)\n");
    return 0;
}

static void cfg_key_supported(const char *name, const char *what, const char *doc, void *arg)
{
    (void)arg;
    if (!doc)
        return;
    printf(".TP\n\\fB%s\\fR (", name);
    roff_text(what);
    printf(")\n");
    roff_text(doc);
    printf("\n");
}

static void cfg_key_refused(const char *name, const char *what, const char *doc, void *arg)
{
    (void)what;
    bool *first = arg;
    if (doc)
        return;
    printf("%s", *first ? "" : ",\n");
    roff_text(name);
    *first = false;
}

static int man_xl_cfg(void)
{
    header("XL.CFG", "5", "Xenolith File Formats");
    printf(".SH NAME\nxl.cfg \\- domain configuration files for xl create\n");
    printf(".SH SYNTAX\n");
    roff_text("KEY = VALUE statements, one per line or separated by ';', '#' comments to the "
              "end of the line. VALUE is a \"double\" or 'single' quoted string, a number "
              "(decimal or 0x hex; a leading 0 is refused, xl would read it as octal), or a "
              "list [ v, v, ... ] that may span lines. A key given twice: the last wins. "
              "xl create FILE KEY=VALUE applies each KEY=VALUE as one more line. Errors name "
              "the file and line: hello.cfg:3: memory: 'abc' is not a number of MiB.\n");
    printf(".SH KEYS\n");
    xl_config_each_key(cfg_key_supported, NULL);
    printf(".SH KEYS NOT SUPPORTED YET\n");
    roff_text("These keys are Xen's; Xenolith refuses a file that uses one (key 'vtpm' is "
              "not supported yet) rather than boot a guest without what it asked for:\n");
    bool first = true;
    xl_config_each_key(cfg_key_refused, &first);
    printf(".\n.SH SEE ALSO\n.BR xl (1)\n");
    return 0;
}

int xl_print_man(const char *page)
{
    if (!strcmp(page, "xl.1"))
        return man_xl();
    if (!strcmp(page, "xl.cfg.5"))
        return man_xl_cfg();
    return xl_fail("help", "no manual page '%s' (xl.1 or xl.cfg.5)", page);
}
