/* SPDX-License-Identifier: MIT */
/* summary: the --report page's aggregates, gathered while reading: verdict
 * counts, verdicts over time, idle-gap histograms, top failing clients and
 * servers, SSH software and negotiated algorithms, patterns and one example
 * per failure class. Fixed memory whatever the number of connections (the
 * page holds aggregates and a bounded number of examples); fed on the
 * analysis thread only (engine.c's emit and pattern callbacks), so it takes
 * no lock. Written as JSON (--report-json: the numbers behind each chart,
 * for the golden tests) and as one self-contained HTML page (report_html.c). */
#ifndef SM_REPORT_H
#define SM_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "classify.h"
#include "flow.h"
#include "pattern.h"
#include "writer.h"

/* Bounds (doc/report.md). */
#define SM_REPORT_TIME_BUCKETS      96 /* verdicts over time: columns */
#define SM_REPORT_TIME_SERVERS      6  /* rows of their own; later servers count in "all" only */
#define SM_REPORT_HOSTS             2048 /* clients (and servers) tracked; then the least counted go */
#define SM_REPORT_HOST_PROBES       8    /* slots looked at for the least counted one */
#define SM_REPORT_TOP               10  /* rows in a top list */
#define SM_REPORT_IDLE_BINS         60  /* 3 per doubling from 1 s: up to 2^20 s */
#define SM_REPORT_NAMES             48  /* distinct software or algorithm names per table */
#define SM_REPORT_NAME_LEN          96  /* of them, escaped */
#define SM_REPORT_PATTERNS          32  /* distinct patterns kept (the latest report of each) */
#define SM_REPORT_PATTERNS_PER_KIND 8   /* of them, of one kind: the heaviest */
#define SM_REPORT_SOURCES           16  /* capture names listed */
#define SM_REPORT_FINDING_LEN       512 /* a finding in words */

struct sm_report_host {
    uint8_t ip_version; /* 0: empty slot */
    uint16_t port;      /* servers only */
    struct sm_addr addr;
    uint64_t total, failed;
    uint64_t error; /* the count it may overstate (inherited when it took a slot) */
    uint32_t verdict[SM_V_COUNT];
};

/* Names counted (software versions, algorithms): the first SM_REPORT_NAMES
 * distinct ones, then "other". */
struct sm_report_names {
    uint32_t n;
    char name[SM_REPORT_NAMES][SM_REPORT_NAME_LEN];
    uint32_t hash[SM_REPORT_NAMES];
    uint64_t count[SM_REPORT_NAMES];
    uint64_t other; /* beyond the table */
};

/* An example connection of one failure class, with its ladder diagram. */
struct sm_report_example {
    bool set;
    uint64_t flow_id;
    double confidence;
    uint8_t ip_version;
    char src[48], dst[48];
    uint16_t sport, dport;
    int64_t first_ts, last_ts;
    char reason[256], hint[256], symptom[160];
    struct sm_ladder ladder;
};

/* What one connection's SSH section gave (report.c): indexes into the name
 * tables (-1: none; SM_REPORT_NAMES: counted as "other"), and Terrapin
 * (0 not judged, 1 safe, 2 exposed). Kept per describe key. */
#define SM_REPORT_SSH_MEMO 1024
struct sm_report_ssh {
    uint64_t key[5];
    int16_t soft[2]; /* client, server */
    int16_t alg[4];
    uint8_t terrapin;
};

enum sm_report_alg {
    SM_REPORT_ALG_KEX,
    SM_REPORT_ALG_HOSTKEY,
    SM_REPORT_ALG_CIPHER,
    SM_REPORT_ALG_MAC,
    SM_REPORT_ALG_COUNT
};

struct sm_report {
    const char *host;
    const char *sources[SM_REPORT_SOURCES];
    uint32_t nsources, sources_more;
    uint64_t connections, failed;
    uint64_t verdict[SM_V_COUNT];
    int64_t first_ts, last_ts; /* 0: no connection yet */

    /* Verdicts over time, by each connection's first packet: bucket i
     * covers [t0 + i*width, t0 + (i+1)*width). The width doubles (pairs of
     * buckets merge) when a connection falls beyond the last. */
    int64_t t0, width_us;
    uint32_t nservers_t;                                    /* rows of their own so far */
    struct sm_report_host server_t[SM_REPORT_TIME_SERVERS]; /* the row's key */
    uint32_t tl[1 + SM_REPORT_TIME_SERVERS][SM_REPORT_TIME_BUCKETS][SM_V_COUNT];

    /* Silences (sm_classify_silences): survived and fatal, in bins of a
     * third of a doubling: bin b holds [2^(b/3), 2^((b+1)/3)) s, bin 0
     * also everything under a second. */
    uint64_t idle_survived[SM_REPORT_IDLE_BINS], idle_fatal[SM_REPORT_IDLE_BINS];

    struct sm_report_host clients[SM_REPORT_HOSTS], servers[SM_REPORT_HOSTS];
    uint64_t clients_seen_full, servers_seen_full; /* took a slot from another */

    struct sm_report_names soft_client, soft_server;
    struct sm_report_names alg[SM_REPORT_ALG_COUNT];
    uint64_t negotiated, terrapin_exposed, terrapin_safe;
    /* Describe is read once per key (direct-mapped; a collision reads again). */
    struct sm_report_ssh memo[SM_REPORT_SSH_MEMO];
    uint64_t memo_hits, memo_misses;

    uint64_t pattern_count[SM_PAT_PASSWORD_GUESSING + 1];
    uint32_t npatterns;
    struct sm_pattern_report pattern[SM_REPORT_PATTERNS];
    uint64_t patterns_more;

    struct sm_report_example example[SM_V_COUNT];
};

struct sm_report *sm_report_new(const char *host);
void sm_report_free(struct sm_report *r);
void sm_report_source(struct sm_report *r, const char *name);
/* One finished connection, classified (survived_us, fatal_us from
 * sm_classify_silences()). Reads the flow's SSH section through a writer
 * of its own (software, negotiated algorithms, Terrapin), once per
 * app->describe_key. */
void sm_report_connection(struct sm_report *r, const struct sm_flow *f,
                          const struct sm_classification *c, const struct sm_app_facts *app,
                          int64_t survived_us, int64_t fatal_us);
void sm_report_pattern(struct sm_report *r, const struct sm_pattern_report *p);

/* Failed: every verdict but normal-close and unfinished. */
bool sm_report_is_failure(enum sm_verdict v);
/* The common middlebox idle timeouts (event.c's table), i < n. */
size_t sm_report_idle_timeouts(void);
/* The order names are shown in: most counted first, then by name (the
 * same whatever came first); idx gets t->n indexes. */
void sm_report_names_order(const struct sm_report_names *t, uint32_t *idx);
/* Why a negotiated algorithm of category k is weak, or NULL. */
const char *sm_report_alg_weak(enum sm_report_alg k, const char *name);
/* The lower edge of idle bin b, in seconds. */
double sm_report_idle_bin_lo(unsigned b);
/* The top rows of a host table by failed connections (then total, then
 * address), at most SM_REPORT_TOP; returns how many. */
unsigned sm_report_top(const struct sm_report_host *t, const struct sm_report_host **out);
/* Words for a pattern, and the headline's findings (at most max, each
 * into out[i] of len bytes); returns how many. */
unsigned sm_report_findings(const struct sm_report *r, char out[][SM_REPORT_FINDING_LEN],
                            unsigned max);

/* The page (html, --report) or the aggregates as JSON (--report-json)
 * to path, replaced whole (written to path.tmp, then renamed). Returns 0,
 * or -1 with a message in err. */
int sm_report_write(const struct sm_report *r, const char *path, bool html, char *err,
                    size_t errlen);
/* The page into an open stream (report_html.c); 0 or -1. */
int sm_report_html(const struct sm_report *r, FILE *out);

#endif
