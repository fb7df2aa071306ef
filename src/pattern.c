/* SPDX-License-Identifier: MIT */
/* summary: cross-connection patterns with fixed-size tables. */
#include "config.h"
#include "pattern.h"

#include <stdlib.h>
#include <string.h>

#define SM_PAT_SLOTS 4096 /* per table; collisions forget the older entry */

/* Distinct sources, estimated by linear counting over 256 bits (Whang et
 * al. 1990): good to a few percent up to several hundred sources. */
struct sm_pat_sketch {
    uint64_t w[4];
};

/* A client toward a server: did it succeed before failing? */
struct sm_pat_pair {
    struct sm_addr client, server;
    uint16_t port;
    bool used, succeeded, reported;
    uint32_t failures; /* consecutive, after the last success */
    int64_t first_fail_ts, last_ts;
};

/* A server: refusals and half-open connections in the current window. */
struct sm_pat_server {
    struct sm_addr server;
    uint16_t port;
    bool used;
    int64_t win_start;
    uint32_t refusals, half_open;
    struct sm_pat_sketch refused_src, half_src; /* distinct sources */
    bool refusal_reported, flood_reported;
    int64_t first_ts, last_ts;
    uint8_t ip_version;
};

struct sm_patterns {
    sm_pattern_fn report;
    void *ctx;
    struct sm_pat_pair pairs[SM_PAT_SLOTS];
    struct sm_pat_server servers[SM_PAT_SLOTS];
};

static uint64_t sm_pat_hash(const struct sm_addr *a, const struct sm_addr *b, uint16_t port)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < sizeof(a->b); i++)
        h = (h ^ a->b[i]) * 1099511628211ULL;
    if (b)
        for (size_t i = 0; i < sizeof(b->b); i++)
            h = (h ^ b->b[i]) * 1099511628211ULL;
    h = (h ^ port) * 1099511628211ULL;
    return h ^ (h >> 29);
}

static void sm_sketch_add(struct sm_pat_sketch *k, uint64_t h)
{
    unsigned bit = (unsigned)(h % 256);
    k->w[bit / 64] |= 1ULL << (bit % 64);
}

static uint32_t sm_sketch_estimate(const struct sm_pat_sketch *k)
{
    unsigned set = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t x = k->w[i];
        while (x) {
            x &= x - 1;
            set++;
        }
    }
    if (set >= 256)
        return 1500; /* saturated: "well over a thousand" */
    /* n = -m ln(1 - set/m), computed without libm: ln(1-x) series. */
    double x = (double)set / 256.0, term = x, sum = 0.0;
    for (int i = 1; i < 200; i++) {
        sum += term / i;
        term *= x;
    }
    return (uint32_t)(256.0 * sum + 0.5);
}

struct sm_patterns *sm_patterns_new(sm_pattern_fn report, void *ctx)
{
    struct sm_patterns *p = calloc(1, sizeof(*p));
    if (p) {
        p->report = report;
        p->ctx = ctx;
    }
    return p;
}

void sm_patterns_free(struct sm_patterns *p)
{
    free(p);
}

static bool sm_pat_is_failure(enum sm_verdict v)
{
    return v == SM_V_SILENT_DROP || v == SM_V_REFUSED || v == SM_V_REJECTED_ICMP ||
           v == SM_V_RST_BEFORE_BANNER || v == SM_V_CLOSED_BEFORE_BANNER;
}

static bool sm_pat_is_success(enum sm_verdict v)
{
    return v == SM_V_NORMAL_CLOSE || v == SM_V_STATE_TABLE_TIMEOUT || v == SM_V_RESET ||
           v == SM_V_RETRANSMISSION_DEATH || v == SM_V_MTU_BLACKHOLE || v == SM_V_KEX_FAILED;
}

static void sm_pat_ban(struct sm_patterns *p, uint8_t ipv, const struct sm_addr *client,
                       const struct sm_addr *server, uint16_t port, enum sm_verdict v,
                       int64_t first_ts, int64_t last_ts)
{
    struct sm_pat_pair *e = &p->pairs[sm_pat_hash(client, server, port) % SM_PAT_SLOTS];
    if (!e->used || memcmp(&e->client, client, sizeof(*client)) ||
        memcmp(&e->server, server, sizeof(*server)) || e->port != port) {
        memset(e, 0, sizeof(*e));
        e->used = true;
        e->client = *client;
        e->server = *server;
        e->port = port;
    }
    if (sm_pat_is_success(v)) {
        e->succeeded = true;
        e->failures = 0;
        e->reported = false;
    } else if (sm_pat_is_failure(v) && e->succeeded) {
        if (e->failures == 0)
            e->first_fail_ts = first_ts;
        e->failures++;
        if (e->failures >= SM_PATTERN_BAN_FAILURES && !e->reported &&
            last_ts - e->first_fail_ts <= (int64_t)SM_PATTERN_WINDOW_SECS * 1000000) {
            struct sm_pattern_report r = {
                .kind = SM_PAT_BAN,
                .ip_version = ipv,
                .client = *client,
                .server = *server,
                .port = port,
                .connections = e->failures,
                .sources = 1,
                .verdict = v,
                .first_ts = e->first_fail_ts,
                .last_ts = last_ts,
            };
            e->reported = true;
            p->report(p->ctx, &r);
        }
    }
    e->last_ts = last_ts;
}

static void sm_pat_server_report(struct sm_patterns *p, struct sm_pat_server *s,
                                 enum sm_pattern_kind kind, enum sm_verdict v)
{
    struct sm_pattern_report r = {
        .kind = kind,
        .ip_version = s->ip_version,
        .server = s->server,
        .port = s->port,
        .connections = kind == SM_PAT_SYN_FLOOD ? s->half_open : s->refusals,
        .sources = sm_sketch_estimate(kind == SM_PAT_SYN_FLOOD ? &s->half_src : &s->refused_src),
        .verdict = v,
        .first_ts = s->first_ts,
        .last_ts = s->last_ts,
    };
    p->report(p->ctx, &r);
}

bool sm_patterns_observe(struct sm_patterns *p, uint8_t ipv, const struct sm_addr *client,
                         const struct sm_addr *server, uint16_t port, enum sm_verdict v,
                         int64_t first_ts, int64_t last_ts)
{
    sm_pat_ban(p, ipv, client, server, port, v, first_ts, last_ts);

    struct sm_pat_server *s = &p->servers[sm_pat_hash(server, NULL, port) % SM_PAT_SLOTS];
    bool same = s->used && !memcmp(&s->server, server, sizeof(*server)) && s->port == port;
    if (!same || last_ts - s->win_start > (int64_t)SM_PATTERN_WINDOW_SECS * 1000000) {
        if (same && s->flood_reported)
            sm_pat_server_report(p, s, SM_PAT_SYN_FLOOD, SM_V_SILENT_DROP); /* final size */
        memset(s, 0, sizeof(*s));
        s->used = true;
        s->server = *server;
        s->port = port;
        s->win_start = first_ts;
        s->first_ts = first_ts;
        s->ip_version = ipv;
    }
    s->last_ts = last_ts;
    uint64_t src = sm_pat_hash(client, NULL, 0);
    bool refusal =
            v == SM_V_REFUSED || v == SM_V_CLOSED_BEFORE_BANNER || v == SM_V_RST_BEFORE_BANNER;
    bool half = v == SM_V_SILENT_DROP || v == SM_V_HANDSHAKE_INCOMPLETE;
    if (refusal) {
        s->refusals++;
        sm_sketch_add(&s->refused_src, src);
        if (!s->refusal_reported &&
            sm_sketch_estimate(&s->refused_src) >= SM_PATTERN_REFUSAL_CLIENTS) {
            s->refusal_reported = true;
            sm_pat_server_report(p, s, SM_PAT_MASS_REFUSAL, v);
        }
    }
    if (half) {
        s->half_open++;
        sm_sketch_add(&s->half_src, src);
        if (!s->flood_reported && s->half_open >= SM_PATTERN_FLOOD_SYNS &&
            sm_sketch_estimate(&s->half_src) >= SM_PATTERN_FLOOD_SOURCES) {
            s->flood_reported = true;
            sm_pat_server_report(p, s, SM_PAT_SYN_FLOOD, v);
        }
        return s->flood_reported;
    }
    return false;
}

void sm_patterns_finish(struct sm_patterns *p)
{
    for (size_t i = 0; i < SM_PAT_SLOTS; i++) {
        struct sm_pat_server *s = &p->servers[i];
        if (s->used && s->flood_reported)
            sm_pat_server_report(p, s, SM_PAT_SYN_FLOOD, SM_V_SILENT_DROP);
    }
}
