/*
 * progress.c - the progress bar of save, restore and migrate (progress.h).
 */
#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

void xl_progress_init(struct xl_progress *p, const char *label, bool quiet)
{
    snprintf(p->label, sizeof(p->label), "%s", label);
    p->tty = isatty(STDERR_FILENO);
    p->quiet = quiet;
    p->shown = -1;
}

static void show(struct xl_progress *p, int pct)
{
    if (p->tty) {
        char bar[41];
        int fill = pct * 40 / 100;
        memset(bar, '#', (size_t)fill);
        memset(bar + fill, ' ', (size_t)(40 - fill));
        bar[40] = '\0';
        fprintf(stderr, "\r%s [%s] %3d%%", p->label, bar, pct);
    } else {
        fprintf(stderr, "%s: %d%%\n", p->label, pct);
    }
    fflush(stderr);
    p->shown = pct;
}

void xl_progress_update(struct xl_progress *p, uint64_t done, uint64_t total)
{
    if (p->quiet || total == 0)
        return;
    int pct = (int)(done >= total ? 100 : done * 100 / total);
    /* A terminal redraws at every percent; a log gets a line per 10%. */
    int step = p->tty ? 1 : 10;
    if (p->shown < 0 || pct / step > p->shown / step)
        show(p, pct);
}

void xl_progress_done(struct xl_progress *p)
{
    if (p->quiet)
        return;
    if (p->shown < 100)
        show(p, 100);
    if (p->tty)
        fputc('\n', stderr);
}
