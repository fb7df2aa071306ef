/* SPDX-License-Identifier: MIT */
/* summary: patterns across connections that no single connection shows: a
 * client banned after succeeding (fail2ban, PerSourcePenalties), a server
 * refusing many clients at once (MaxStartups, load), and SYN floods. Fed
 * with each finished connection's verdict; reports each pattern once per
 * window, as an ssh_pattern event. Memory is fixed: small direct-mapped
 * tables that forget on collision. */
#ifndef SM_PATTERN_H
#define SM_PATTERN_H

#include <stdbool.h>
#include <stdint.h>

#include "classify.h"
#include "decode.h"

/* Thresholds (documented in doc/verdicts.md). */
#define SM_PATTERN_WINDOW_SECS     300  /* patterns are judged within 5 minutes */
#define SM_PATTERN_BAN_FAILURES    2    /* dropped/refused in a row after a success */
#define SM_PATTERN_REFUSAL_CLIENTS 5    /* distinct clients refused by one server */
#define SM_PATTERN_FLOOD_SYNS      1000 /* half-open connections to one server */
#define SM_PATTERN_FLOOD_SOURCES   100  /* ... from this many sources at least */

enum sm_pattern_kind {
    SM_PAT_BAN,
    SM_PAT_MASS_REFUSAL,
    SM_PAT_SYN_FLOOD
};

/* One recognised pattern, for the event writer. */
struct sm_pattern_report {
    enum sm_pattern_kind kind;
    uint8_t ip_version;
    struct sm_addr client; /* the banned client (SM_PAT_BAN) */
    struct sm_addr server;
    uint16_t port;
    uint32_t connections;    /* members counted so far in the window */
    uint32_t sources;        /* distinct clients (approximate beyond 64) */
    enum sm_verdict verdict; /* what the members got */
    int64_t first_ts, last_ts;
};

typedef void (*sm_pattern_fn)(void *ctx, const struct sm_pattern_report *r);

struct sm_patterns;

struct sm_patterns *sm_patterns_new(sm_pattern_fn report, void *ctx);
void sm_patterns_free(struct sm_patterns *p);
/* One finished connection. Returns true when it belongs to an ongoing SYN
 * flood (the caller may fold it into the flood's summary). */
bool sm_patterns_observe(struct sm_patterns *p, uint8_t ip_version, const struct sm_addr *client,
                         const struct sm_addr *server, uint16_t port, enum sm_verdict v,
                         int64_t first_ts, int64_t last_ts);
/* End of input: reports the size of floods still in their window. */
void sm_patterns_finish(struct sm_patterns *p);

#endif
