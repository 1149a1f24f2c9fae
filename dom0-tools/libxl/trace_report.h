/*
 * trace_report.h - reading a trace file written by `xl trace` and turning
 * it into what `xl trace-report` prints: each split-driver request's path
 * cut into stages, per device and operation the latency of each stage
 * (median, p99, max) and its share of the end-to-end time, and exports to
 * the Chrome trace-event JSON format and an SVG timeline. File format and
 * stage definitions: docs/tracing.md.
 *
 * A request is the records of one (domain, device, queue, id) from the
 * frontend's req_produce to its rsp_consume; ids are reused, so a new
 * req_produce opens a new request. Each stage ends at the first event of
 * its kind at or after the previous stage's end and no later than the
 * request's end (upcalls are per port, not per request, so they are
 * matched by time within the domain); a stage whose event is missing (a
 * response seen by polling, with no upcall) takes no time. So stages are
 * never negative and always add up to the end-to-end latency.
 */
#ifndef XL_TRACE_REPORT_H
#define XL_TRACE_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "xenolith/trace.h"

#define XL_TRACE_FILE_MAGIC "# xenolith-trace 1"

enum xl_stage {
    XL_STAGE_TO_BACKEND,      /* req_produce -> req_consume: ring + notification */
    XL_STAGE_BACKEND_QUEUE,   /* req_consume -> io_submit */
    XL_STAGE_HOST_IO,         /* io_submit -> io_complete (last) */
    XL_STAGE_RESPONSE,        /* io_complete -> rsp_produce */
    XL_STAGE_NOTIFY,          /* rsp_produce -> upcall_inject */
    XL_STAGE_UPCALL,          /* upcall_inject -> upcall_handle */
    XL_STAGE_FRONTEND,        /* upcall_handle -> rsp_consume */
    XL_NR_STAGES,
};

/* A stage's name as the report prints it. */
const char *xl_stage_name(enum xl_stage s);

struct xl_trace_request {
    uint16_t domid, queue;
    uint32_t dev;
    uint64_t id;
    uint32_t op;               /* the frontend's req_produce arg */
    uint64_t t[XL_NR_STAGES + 1]; /* t[0] = produce ... t[XL_NR_STAGES] = rsp_consume */
};

struct xl_trace {
    struct xl_trace_rec *recs; /* sorted by ts_ns */
    size_t nrecs;
    struct xl_trace_request *reqs;
    size_t nreqs;
    size_t incomplete;         /* requests the trace did not see finish */
    size_t full;               /* complete requests with every backend record */
};

/* Writes a trace file: the header and one line per record. */
int xl_trace_write(FILE *f, uint32_t domid, const char *name, uint64_t lost,
                   const struct xl_trace_rec *recs, size_t n);

/* Reads a trace file and cuts it into requests. 0, or -1 with why. */
int xl_trace_load(const char *path, struct xl_trace *t, char *why, size_t whylen);
/* The same on records already in memory (takes ownership of recs). */
void xl_trace_analyse(struct xl_trace *t, struct xl_trace_rec *recs, size_t n);
void xl_trace_free(struct xl_trace *t);

/* The report: per (domain, device, op) group, each stage's median/p99/max. */
void xl_trace_print_report(const struct xl_trace *t, FILE *out);
/* Chrome trace-event JSON: one complete event ("ph":"X") per stage per request. */
int xl_trace_export_chrome(const struct xl_trace *t, FILE *out);
/* An SVG timeline of requests [first, first + count). */
int xl_trace_export_svg(const struct xl_trace *t, size_t first, size_t count, FILE *out);

#endif
