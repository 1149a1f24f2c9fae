/*
 * progress.h - progress of a long operation (save, restore, migrate) on
 * stderr: a bar redrawn in place on a terminal, plain "label: N%" lines
 * every 10% otherwise (logs and tests read those). Single-threaded.
 */
#ifndef XL_PROGRESS_H
#define XL_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct xl_progress {
    char label[80];
    bool tty;
    bool quiet;       /* nothing at all */
    int shown;        /* last percentage shown, -1 none */
};

void xl_progress_init(struct xl_progress *p, const char *label, bool quiet);
void xl_progress_update(struct xl_progress *p, uint64_t done, uint64_t total);
/* Shows 100% and ends the bar's line. */
void xl_progress_done(struct xl_progress *p);

#endif
