/*
 * trace_report.c - trace files and the stage analysis (see trace_report.h).
 */
#include "trace_report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *const stage_names[XL_NR_STAGES] = {
    [XL_STAGE_TO_BACKEND] = "frontend -> backend (ring + notify)",
    [XL_STAGE_BACKEND_QUEUE] = "backend before host I/O",
    [XL_STAGE_HOST_IO] = "host I/O",
    [XL_STAGE_RESPONSE] = "backend response",
    [XL_STAGE_NOTIFY] = "notify -> upcall injected",
    [XL_STAGE_UPCALL] = "upcall -> guest handler",
    [XL_STAGE_FRONTEND] = "frontend completion",
};

const char *xl_stage_name(enum xl_stage s)
{
    return s < XL_NR_STAGES ? stage_names[s] : "?";
}

/* ---- the file ---- */

int xl_trace_write(FILE *f, uint32_t domid, const char *name, uint64_t lost,
                   const struct xl_trace_rec *recs, size_t n)
{
    fprintf(f, "%s\n# domain %u name %s records %zu lost %" PRIu64 "\n", XL_TRACE_FILE_MAGIC,
            domid, name, n, lost);
    fprintf(f, "# ts_ns src event domid dev queue id arg\n");
    for (size_t i = 0; i < n; i++) {
        const struct xl_trace_rec *r = &recs[i];
        const char *src = xl_trace_src_name(r->src), *ev = xl_trace_event_name(r->event);
        fprintf(f, "%" PRIu64 " %s %s %u %u %u %" PRIu64 " %u\n", r->ts_ns, src ? src : "?",
                ev ? ev : "?", r->domid, r->dev, r->queue, r->id, r->arg);
    }
    return ferror(f) ? -EIO : 0;
}

static int name_to(const char *s, const char *(*name)(unsigned), unsigned lo, unsigned hi)
{
    for (unsigned v = lo; v <= hi; v++) {
        const char *n = name(v);
        if (n && !strcmp(n, s))
            return (int)v;
    }
    return -1;
}

static int parse_line(const char *line, struct xl_trace_rec *r)
{
    char src[16], ev[24];
    unsigned domid, dev, queue, arg;
    uint64_t ts, id;
    if (sscanf(line, "%" SCNu64 " %15s %23s %u %u %u %" SCNu64 " %u", &ts, src, ev, &domid, &dev,
               &queue, &id, &arg) != 8)
        return -1;
    int s = name_to(src, xl_trace_src_name, 1, 8), e = name_to(ev, xl_trace_event_name, 1, 64);
    if (s < 0 || e < 0 || domid > 0xffff || queue > 0xffff)
        return -1;
    *r = (struct xl_trace_rec){.ts_ns = ts, .id = id, .dev = dev, .arg = arg, .event = (uint16_t)e,
                               .domid = (uint16_t)domid, .queue = (uint16_t)queue,
                               .src = (uint16_t)s};
    return 0;
}

int xl_trace_load(const char *path, struct xl_trace *t, char *why, size_t whylen)
{
    memset(t, 0, sizeof(*t));
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(why, whylen, "cannot open '%s': %s", path, strerror(errno));
        return -1;
    }
    char line[256];
    if (!fgets(line, sizeof(line), f) || strncmp(line, XL_TRACE_FILE_MAGIC, strlen(XL_TRACE_FILE_MAGIC))) {
        snprintf(why, whylen, "'%s' is not a Xenolith trace file (no '%s' header)", path,
                 XL_TRACE_FILE_MAGIC);
        fclose(f);
        return -1;
    }
    size_t cap = 1024, n = 0;
    struct xl_trace_rec *recs = malloc(cap * sizeof(*recs));
    unsigned lineno = 1;
    while (recs && fgets(line, sizeof(line), f)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (n == cap) {
            struct xl_trace_rec *bigger = realloc(recs, 2 * cap * sizeof(*recs));
            if (!bigger)
                break;
            recs = bigger;
            cap *= 2;
        }
        if (parse_line(line, &recs[n]) < 0) {
            snprintf(why, whylen, "%s:%u: not a trace record", path, lineno);
            free(recs);
            fclose(f);
            return -1;
        }
        n++;
    }
    fclose(f);
    if (!recs) {
        snprintf(why, whylen, "out of memory reading '%s'", path);
        return -1;
    }
    xl_trace_analyse(t, recs, n);
    return 0;
}

/* ---- cutting requests ---- */

static int by_time(const void *a, const void *b)
{
    const struct xl_trace_rec *x = a, *y = b;
    return x->ts_ns < y->ts_ns ? -1 : x->ts_ns > y->ts_ns;
}

/* Requests in flight while we walk the records. */
struct open_req {
    struct xl_trace_request r;
    bool used;
    uint64_t consume, submit, complete, rsp;
};

static bool same_key(const struct xl_trace_request *r, const struct xl_trace_rec *e)
{
    return r->domid == e->domid && r->dev == e->dev && r->queue == e->queue && r->id == e->id;
}

/* The first record of `event` for domid in [from, to], or 0. Records are
 * sorted, so a binary search finds `from`. */
static size_t first_at(const struct xl_trace *t, uint64_t from);

static uint64_t first_event(const struct xl_trace *t, uint16_t event, uint16_t domid, uint64_t from,
                            uint64_t to)
{
    for (size_t i = first_at(t, from); i < t->nrecs && t->recs[i].ts_ns <= to; i++)
        if (t->recs[i].event == event && t->recs[i].domid == domid)
            return t->recs[i].ts_ns;
    return 0;
}

/* Each stage ends at its event if that lies in order, else where the
 * previous stage ended: no negative stage, and the sum is the whole. */
static void close_request(struct xl_trace *t, struct open_req *o, uint64_t end)
{
    struct xl_trace_request *r = &o->r;
    uint64_t marks[XL_NR_STAGES] = {o->consume, o->submit, o->complete, o->rsp, 0, 0, 0};
    uint64_t prev = r->t[0];
    for (int s = 0; s < XL_NR_STAGES; s++) {
        uint64_t m = marks[s];
        if (s == XL_STAGE_NOTIFY)
            m = first_event(t, XL_TR_UPCALL_INJECT, r->domid, prev, end);
        else if (s == XL_STAGE_UPCALL)
            m = first_event(t, XL_TR_UPCALL_HANDLE, r->domid, prev, end);
        else if (s == XL_STAGE_FRONTEND)
            m = end;
        if (m < prev || m > end || m == 0)
            m = prev;
        r->t[s + 1] = m;
        prev = m;
    }
    r->t[XL_NR_STAGES] = end;
    t->reqs[t->nreqs++] = *r;
    o->used = false;
}

static struct open_req *find_open(struct open_req *open, size_t n, const struct xl_trace_rec *e)
{
    for (size_t i = 0; i < n; i++)
        if (open[i].used && same_key(&open[i].r, e))
            return &open[i];
    return NULL;
}

static void note_backend_event(struct open_req *o, const struct xl_trace_rec *e)
{
    switch (e->event) {
    case XL_TR_REQ_CONSUME:
        if (!o->consume)
            o->consume = e->ts_ns;
        break;
    case XL_TR_IO_SUBMIT:
        if (!o->submit)
            o->submit = e->ts_ns;
        break;
    case XL_TR_IO_COMPLETE:
        o->complete = e->ts_ns;             /* the last piece ends host I/O */
        break;
    case XL_TR_RSP_PRODUCE:
        o->rsp = e->ts_ns;
        break;
    }
}

/*
 * Guest records are stamped with the guest's pvclock, Dom0's with the
 * host's clock: the same clock, but the guest extrapolates it from the
 * TSC, so the two can disagree by a few hundred nanoseconds. A backend
 * that polls may take a request that soon after it was pushed, so its
 * req_consume can sort just before the guest's req_produce (and a
 * response's rsp_produce just after the guest's rsp_consume). Records of
 * the request within SKEW_NS on the wrong side are taken, at the time of
 * the guest's record.
 */
#define SKEW_NS 2000u

/* First index with ts >= from. */
static size_t first_at(const struct xl_trace *t, uint64_t from)
{
    size_t lo = 0, hi = t->nrecs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->recs[mid].ts_ns < from)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool is_backend(const struct xl_trace_rec *e)
{
    return e->src != XL_TRACE_SRC_GUEST && e->event >= XL_TR_REQ_CONSUME &&
           e->event <= XL_TR_RSP_PRODUCE;
}

/* Backend records of o's request stamped just before its req_produce at i. */
static void take_early(const struct xl_trace *t, struct open_req *o, size_t i)
{
    uint64_t at = t->recs[i].ts_ns;
    for (size_t j = first_at(t, at > SKEW_NS ? at - SKEW_NS : 0); j < i; j++) {
        struct xl_trace_rec e = t->recs[j];
        if (is_backend(&e) && same_key(&o->r, &e)) {
            e.ts_ns = at;
            note_backend_event(o, &e);
        }
    }
}

/* Backend records of o's request stamped just after its rsp_consume at i;
 * a new request of the same id ends the search. */
static void take_late(const struct xl_trace *t, struct open_req *o, size_t i)
{
    uint64_t at = t->recs[i].ts_ns;
    for (size_t j = i + 1; j < t->nrecs && t->recs[j].ts_ns <= at + SKEW_NS; j++) {
        struct xl_trace_rec e = t->recs[j];
        if (!same_key(&o->r, &e))
            continue;
        if (e.event == XL_TR_REQ_PRODUCE)
            break;
        if (is_backend(&e)) {
            e.ts_ns = at;
            note_backend_event(o, &e);
        }
    }
}

void xl_trace_analyse(struct xl_trace *t, struct xl_trace_rec *recs, size_t n)
{
    qsort(recs, n, sizeof(*recs), by_time);
    t->recs = recs;
    t->nrecs = n;
    t->nreqs = t->incomplete = t->full = 0;
    t->reqs = calloc(n ? n : 1, sizeof(*t->reqs));
    struct open_req *open = calloc(n ? n : 1, sizeof(*open));
    size_t nopen = 0;
    if (!t->reqs || !open) {
        free(open);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const struct xl_trace_rec *e = &recs[i];
        struct open_req *o = find_open(open, nopen, e);
        if (e->event == XL_TR_REQ_PRODUCE && e->src == XL_TRACE_SRC_GUEST) {
            if (o)
                o->used = false, t->incomplete++; /* its id came back without an answer */
            size_t k = 0;
            while (k < nopen && open[k].used)
                k++;
            if (k == nopen)
                nopen++;
            open[k] = (struct open_req){.used = true,
                                        .r = {.domid = e->domid, .queue = e->queue, .dev = e->dev,
                                              .id = e->id, .op = e->arg}};
            open[k].r.t[0] = e->ts_ns;
            take_early(t, &open[k], i);
        } else if (o && e->event == XL_TR_RSP_CONSUME && e->src == XL_TRACE_SRC_GUEST) {
            if (!o->rsp)
                take_late(t, o, i);
            t->full += o->consume && o->submit && o->complete && o->rsp;
            close_request(t, o, e->ts_ns);
        } else if (o) {
            note_backend_event(o, e);
        }
    }
    for (size_t k = 0; k < nopen; k++)
        t->incomplete += open[k].used;
    free(open);
}

void xl_trace_free(struct xl_trace *t)
{
    free(t->recs);
    free(t->reqs);
    memset(t, 0, sizeof(*t));
}

/* ---- the report ---- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t pct(const uint64_t *sorted, size_t n, unsigned p)
{
    size_t i = (n * p + 99) / 100;
    return sorted[i ? i - 1 : 0];
}

static const char *op_name(uint32_t op)
{
    static const char *const names[] = {"read", "write", "barrier", "flush", "op4", "discard",
                                        "indirect"};
    if (op == XL_TRACE_OP_NET_TX)
        return "net tx";
    return op < sizeof(names) / sizeof(names[0]) ? names[op] : "other";
}

static void print_us(FILE *out, uint64_t ns)
{
    fprintf(out, " %10.1f", (double)ns / 1000.0);
}

/* One group: the requests of one domain, device and op. */
static void report_group(const struct xl_trace *t, const struct xl_trace_request *key, FILE *out,
                         uint64_t *vals, bool *done)
{
    size_t n = 0;
    for (size_t i = 0; i < t->nreqs; i++) {
        const struct xl_trace_request *r = &t->reqs[i];
        if (r->domid == key->domid && r->dev == key->dev && r->op == key->op)
            done[i] = true, n++;
    }
    fprintf(out, "\ndomain %u device %u %s: %zu requests\n", key->domid, key->dev,
            op_name(key->op), n);
    fprintf(out, "  %-38s %10s %10s %10s %7s\n", "stage (us)", "median", "p99", "max", "share");
    uint64_t total_sum = 0;
    for (size_t i = 0; i < t->nreqs; i++)
        if (done[i] && t->reqs[i].domid == key->domid && t->reqs[i].dev == key->dev &&
            t->reqs[i].op == key->op)
            total_sum += t->reqs[i].t[XL_NR_STAGES] - t->reqs[i].t[0];
    for (int s = 0; s <= XL_NR_STAGES; s++) {
        size_t k = 0;
        uint64_t sum = 0;
        for (size_t i = 0; i < t->nreqs; i++) {
            const struct xl_trace_request *r = &t->reqs[i];
            if (r->domid != key->domid || r->dev != key->dev || r->op != key->op)
                continue;
            uint64_t v = s < XL_NR_STAGES ? r->t[s + 1] - r->t[s] : r->t[XL_NR_STAGES] - r->t[0];
            vals[k++] = v;
            sum += v;
        }
        qsort(vals, k, sizeof(*vals), cmp_u64);
        fprintf(out, "  %-38s", s < XL_NR_STAGES ? stage_names[s] : "end to end");
        print_us(out, pct(vals, k, 50));
        print_us(out, pct(vals, k, 99));
        print_us(out, vals[k - 1]);
        fprintf(out, " %6.1f%%\n", total_sum ? 100.0 * (double)sum / (double)total_sum : 0.0);
    }
}

void xl_trace_print_report(const struct xl_trace *t, FILE *out)
{
    fprintf(out, "%zu records, %zu complete requests, %zu not seen to complete\n", t->nrecs,
            t->nreqs, t->incomplete);
    fprintf(out, "%zu of %zu complete requests have every record (consume, submit, complete, "
            "response)\n", t->full, t->nreqs);
    if (!t->nreqs)
        return;
    uint64_t *vals = malloc(t->nreqs * sizeof(*vals));
    bool *done = calloc(t->nreqs, sizeof(*done));
    for (size_t i = 0; vals && done && i < t->nreqs; i++)
        if (!done[i])
            report_group(t, &t->reqs[i], out, vals, done);
    free(vals);
    free(done);
}

/* ---- exports ---- */

int xl_trace_export_chrome(const struct xl_trace *t, FILE *out)
{
    uint64_t t0 = t->nrecs ? t->recs[0].ts_ns : 0;
    fprintf(out, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[");
    bool first = true;
    for (size_t i = 0; i < t->nreqs; i++) {
        const struct xl_trace_request *r = &t->reqs[i];
        for (int s = 0; s < XL_NR_STAGES; s++) {
            if (r->t[s + 1] == r->t[s])
                continue;
            fprintf(out, "%s\n{\"name\":\"%s\",\"cat\":\"%s\",\"ph\":\"X\",\"ts\":%.3f,"
                    "\"dur\":%.3f,\"pid\":%u,\"tid\":%u,\"args\":{\"id\":%" PRIu64 ",\"queue\":%u}}",
                    first ? "" : ",", stage_names[s], op_name(r->op),
                    (double)(r->t[s] - t0) / 1000.0, (double)(r->t[s + 1] - r->t[s]) / 1000.0,
                    r->domid, r->dev, r->id, r->queue);
            first = false;
        }
    }
    for (size_t i = 0; i < t->nrecs; i++) {
        const struct xl_trace_rec *e = &t->recs[i];
        if (e->event != XL_TR_UPCALL_INJECT && e->event != XL_TR_EVTCHN_SEND)
            continue;
        fprintf(out, "%s\n{\"name\":\"%s\",\"ph\":\"i\",\"s\":\"p\",\"ts\":%.3f,\"pid\":%u,"
                "\"tid\":0,\"args\":{\"port\":%u}}", first ? "" : ",",
                xl_trace_event_name(e->event), (double)(e->ts_ns - t0) / 1000.0, e->domid, e->arg);
        first = false;
    }
    fprintf(out, "\n]}\n");
    return ferror(out) ? -EIO : 0;
}

static const char *const stage_colours[XL_NR_STAGES] = {
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
};

int xl_trace_export_svg(const struct xl_trace *t, size_t first, size_t count, FILE *out)
{
    if (first >= t->nreqs)
        count = 0;
    else if (count > t->nreqs - first)
        count = t->nreqs - first;
    uint64_t start = count ? t->reqs[first].t[0] : 0, end = start + 1;
    for (size_t i = first; i < first + count; i++)
        if (t->reqs[i].t[XL_NR_STAGES] > end)
            end = t->reqs[i].t[XL_NR_STAGES];
    const double width = 1000.0, row = 14.0, left = 120.0, top = 30.0;
    double scale = width / (double)(end - start);
    double height = top + row * (double)count + 20.0 * (XL_NR_STAGES + 1);
    fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
            "font-family=\"monospace\" font-size=\"10\">\n", left + width + 20, height);
    fprintf(out, "<text x=\"4\" y=\"16\">%zu requests over %.1f us</text>\n", count,
            (double)(end - start) / 1000.0);
    for (size_t i = 0; i < count; i++) {
        const struct xl_trace_request *r = &t->reqs[first + i];
        double y = top + row * (double)i;
        fprintf(out, "<text x=\"4\" y=\"%.1f\">%u/%u #%" PRIu64 " %s</text>\n", y + 10, r->domid,
                r->dev, r->id, op_name(r->op));
        for (int s = 0; s < XL_NR_STAGES; s++) {
            double x = left + (double)(r->t[s] - start) * scale;
            double w = (double)(r->t[s + 1] - r->t[s]) * scale;
            if (w > 0)
                fprintf(out, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" "
                        "fill=\"%s\"><title>%s: %.1f us</title></rect>\n", x, y, w, row - 2,
                        stage_colours[s], stage_names[s], (double)(r->t[s + 1] - r->t[s]) / 1000.0);
        }
    }
    for (int s = 0; s < XL_NR_STAGES; s++) {
        double y = top + row * (double)count + 20.0 * s + 10;
        fprintf(out, "<rect x=\"4\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                "<text x=\"22\" y=\"%.1f\">%s</text>\n", y, stage_colours[s], y + 10, stage_names[s]);
    }
    fprintf(out, "</svg>\n");
    return ferror(out) ? -EIO : 0;
}
