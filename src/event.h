/* SPDX-License-Identifier: MIT */
/* summary: builds events (ssh_teardown, capture_stats) from the pipeline's
 * records through the neutral writer; knows field names, not JSON. */
#ifndef SM_EVENT_H
#define SM_EVENT_H

#include <stdint.h>

#include "classify.h"
#include "decode.h"
#include "flow.h"
#include "output.h"
#include "writer.h"

/* RFC 3339 UTC with microseconds and Z: "2026-11-22T02:44:04.123456Z". */
#define SM_TS_LEN 32
void sm_format_ts(int64_t us, char *out, size_t outlen);

struct sm_event_meta {
    const char *host;   /* sensor name */
    const char *source; /* capture file or interface of the first packet */
    enum sm_flow_end why;
    int64_t now_us;                 /* capture time of the decision */
    const struct sm_app_facts *app; /* dissector facts, NULL when none ran */
    unsigned trim;                  /* parts left out (SM_TRIM_*, dissector.h) */
    bool selected_by;               /* say evidence.selected_by (-p auto) */
    const char *direction;          /* "inbound"...; NULL: not said (no --local-nets) */
};

void sm_event_teardown(struct sm_writer *w, const struct sm_flow *f,
                       const struct sm_classification *c, const struct sm_event_meta *m);

/* The text form's ladder diagram of a connection (the packets that
 * decided its verdict, from the facts the flow keeps); the HTML report
 * draws the same rows as SVG. */
void sm_event_ladder_build(const struct sm_flow *f, const struct sm_classification *c,
                           struct sm_ladder *l);
/* Well-known default idle timeouts of stateful middleboxes, shortest
 * first: entry i's name and seconds; false past the last. */
bool sm_event_idle_timeout(size_t i, const char **name, int64_t *secs);

struct sm_capture_totals {
    uint64_t inputs, inputs_failed;
    uint64_t kernel_received, kernel_dropped, iface_dropped; /* live only */
    bool live;
    bool final; /* the event written when the run ends (else periodic) */
    /* Live only: the interface, the capture's settings, and the kernel's
     * counters over the interval since the previous capture_stats. */
    const char *source;
    uint32_t snaplen;
    uint64_t buffer_bytes;
    double interval_s;
    uint64_t kernel_received_interval, kernel_dropped_interval, iface_dropped_interval;
    /* --conntrack (live): whether the witness ran, what it read and lost. */
    bool ct_asked, ct_on;
    uint64_t ct_events, ct_matched, ct_overruns, ct_malformed;
    int64_t ct_timeout_s; /* the sysctl it read; -1: unreadable */
    /* The kernel's conntrack statistics, summed over CPUs (when read). */
    bool ct_stats;
    uint64_t ct_insert_failed, ct_drop;
    /* An NFLOG group captured beside an interface (engine.c): its copies
     * read, and those whose connection was tracked. */
    bool nf_witness;
    uint64_t nf_witness_packets, nf_witness_matched;
};

void sm_event_stats(struct sm_writer *w, const char *host, int64_t now_us,
                    const struct sm_decode_stats *d, const struct sm_flow_stats *fs,
                    const struct sm_capture_totals *ct, const uint64_t *verdict_counts,
                    const struct sm_output_stats *os);

struct sm_pattern_report;
/* An ssh_pattern event: something seen across connections. */
void sm_event_pattern(struct sm_writer *w, const char *host, const struct sm_pattern_report *r);

#endif
