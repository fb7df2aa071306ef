/* SPDX-License-Identifier: MIT */
/* summary: cross-connection patterns with fixed-size tables. */
#include "config.h"
#include "pattern.h"

#include <stdlib.h>
#include <string.h>

#define SM_PAT_SLOTS      4096 /* per table; collisions forget the older entry */
#define SM_PAT_IDLE_SLOTS 1024 /* per idle-timeout table (few paths time out) */
/* Slots per block. A table is an array of blocks, each allocated (zeroed)
 * when a slot in it is first taken: a run pays for the blocks its
 * connections hash into, not for 1.5 MB of tables at the start, and the
 * end of input visits only those blocks. One capture file hardly notices;
 * a fuzz input with a few connections spent most of its time allocating,
 * zeroing and scanning every slot (under ASan, an mmap of the whole size). */
#define SM_PAT_BLOCK 64

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

/* A path's silences: one server port, or one client network. The idle
 * timeout lies between the longest survived silence and the shortest fatal
 * one, once both are known and the first is shorter than the second. */
struct sm_pat_idle {
    struct sm_addr key; /* the server, or the client network (rest zeroed) */
    uint16_t port;      /* the server port (0: a client network) */
    bool used, reported;
    uint8_t ip_version;
    enum sm_idle_scope scope;
    /* A client network's members went to more than one server (else its
     * pattern is the server's again, and is not reported). */
    bool multi_server;
    struct sm_addr server0; /* the first member's server (client network) */
    uint16_t port0;
    uint32_t survived, fatal;
    int64_t survived_max_us, fatal_min_us;
    int64_t first_ts, last_ts;
    struct sm_idle_interval said; /* what the last report said */
    int64_t said_ts;
    struct sm_pat_sketch clients; /* distinct clients among the members */
};

/* A client's authentication attempts in the current guessing window. */
struct sm_pat_guess {
    struct sm_addr client;
    bool used, reported;
    uint8_t ip_version;
    int64_t win_start, first_ts, last_ts;
    uint32_t connections, attempts, failures;
    struct sm_pat_sketch servers; /* distinct servers (address and port) */
};

/* The tables, as blocks of SM_PAT_BLOCK entries (NULL: none taken yet). */
struct sm_patterns {
    sm_pattern_fn report;
    void *ctx;
    uint32_t guess_failures, guess_window_secs;
    void *guess[SM_PAT_SLOTS / SM_PAT_BLOCK];        /* struct sm_pat_guess */
    void *pairs[SM_PAT_SLOTS / SM_PAT_BLOCK];        /* struct sm_pat_pair */
    void *servers[SM_PAT_SLOTS / SM_PAT_BLOCK];      /* struct sm_pat_server */
    void *idle[2][SM_PAT_IDLE_SLOTS / SM_PAT_BLOCK]; /* [enum sm_idle_scope] */
};

/* The entry of a slot, its block allocated if need be. NULL when memory
 * ran out: the caller then forgets the connection, as on a collision. */
static void *sm_pat_slot(void **blocks, size_t slot, size_t size)
{
    void **b = &blocks[slot / SM_PAT_BLOCK];
    if (!*b && !(*b = calloc(SM_PAT_BLOCK, size)))
        return NULL;
    return (char *)*b + slot % SM_PAT_BLOCK * size;
}

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
        p->guess_failures = SM_PATTERN_GUESS_FAILURES;
        p->guess_window_secs = SM_PATTERN_GUESS_WINDOW_SECS;
    }
    return p;
}

void sm_patterns_set_guessing(struct sm_patterns *p, uint32_t failures, uint32_t window_secs)
{
    if (failures)
        p->guess_failures = failures;
    if (window_secs)
        p->guess_window_secs = window_secs;
}

/* Zeek counts failed connections (ssh_auth_failed fires once per
 * connection, zeek#1552); this counts failed attempts, so a client trying
 * several passwords per connection (sshd's MaxAuthTries, 6 by default)
 * reaches the threshold in fewer connections, and connections and
 * attempts are both reported. The window is fixed from its first member,
 * as the other patterns' windows. */
void sm_patterns_auth(struct sm_patterns *p, uint8_t ipv, const struct sm_addr *client,
                      const struct sm_addr *server, uint16_t port, enum sm_verdict v,
                      uint32_t attempts, uint32_t failed, int64_t first_ts, int64_t last_ts)
{
    struct sm_pat_guess *g =
            sm_pat_slot(p->guess, sm_pat_hash(client, NULL, 0) % SM_PAT_SLOTS, sizeof(*g));
    if (!g)
        return;
    int64_t window_us = (int64_t)p->guess_window_secs * 1000000;
    if (!g->used || g->ip_version != ipv || memcmp(&g->client, client, sizeof(*client)) ||
        last_ts - g->win_start > window_us) {
        memset(g, 0, sizeof(*g));
        g->used = true;
        g->ip_version = ipv;
        g->client = *client;
        g->win_start = first_ts;
        g->first_ts = first_ts;
    }
    g->last_ts = last_ts;
    g->connections++;
    g->attempts += attempts;
    g->failures += failed;
    sm_sketch_add(&g->servers, sm_pat_hash(server, NULL, port));
    if (g->reported || g->failures < p->guess_failures)
        return;
    g->reported = true;
    struct sm_pattern_report r = {
        .kind = SM_PAT_PASSWORD_GUESSING,
        .ip_version = ipv,
        .client = *client,
        .server = *server,
        .port = port,
        .connections = g->connections,
        .sources = 1,
        .verdict = v,
        .first_ts = g->first_ts,
        .last_ts = last_ts,
        .attempts = g->attempts,
        .failures = g->failures,
        .servers = sm_sketch_estimate(&g->servers),
        .window_secs = p->guess_window_secs,
    };
    p->report(p->ctx, &r);
}

static void sm_pat_free_blocks(void **blocks, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(blocks[i]);
}

void sm_patterns_free(struct sm_patterns *p)
{
    if (!p)
        return;
    sm_pat_free_blocks(p->guess, SM_PAT_SLOTS / SM_PAT_BLOCK);
    sm_pat_free_blocks(p->pairs, SM_PAT_SLOTS / SM_PAT_BLOCK);
    sm_pat_free_blocks(p->servers, SM_PAT_SLOTS / SM_PAT_BLOCK);
    for (int scope = 0; scope < 2; scope++)
        sm_pat_free_blocks(p->idle[scope], SM_PAT_IDLE_SLOTS / SM_PAT_BLOCK);
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
    struct sm_pat_pair *e =
            sm_pat_slot(p->pairs, sm_pat_hash(client, server, port) % SM_PAT_SLOTS, sizeof(*e));
    if (!e)
        return;
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

    struct sm_pat_server *s =
            sm_pat_slot(p->servers, sm_pat_hash(server, NULL, port) % SM_PAT_SLOTS, sizeof(*s));
    if (!s)
        return false;
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

/* The interval an idle entry shows now (hi_us 0: none yet, or its
 * silences contradict each other: a survived one at least as long as a
 * fatal one, as when members crossed different middleboxes). */
static struct sm_idle_interval sm_pat_idle_interval(const struct sm_pat_idle *e)
{
    struct sm_idle_interval iv = { 0 };
    if (e->used && e->fatal >= SM_PATTERN_IDLE_FATAL && e->survived >= 1 &&
        e->survived_max_us < e->fatal_min_us) {
        iv.lo_us = e->survived_max_us;
        iv.hi_us = e->fatal_min_us;
        iv.survived = e->survived;
        iv.fatal = e->fatal;
        iv.scope = e->scope;
    }
    return iv;
}

static void sm_pat_idle_report(struct sm_patterns *p, struct sm_pat_idle *e,
                               const struct sm_idle_interval *iv)
{
    struct sm_pattern_report r = {
        .kind = SM_PAT_IDLE_TIMEOUT,
        .ip_version = e->ip_version,
        .connections = iv->survived + iv->fatal,
        .sources = sm_sketch_estimate(&e->clients),
        .verdict = SM_V_STATE_TABLE_TIMEOUT,
        .first_ts = e->first_ts,
        .last_ts = e->last_ts,
        .idle = *iv,
    };
    if (e->scope == SM_IDLE_SCOPE_SERVER) {
        r.server = e->key;
        r.port = e->port;
    } else {
        r.client = e->key;
    }
    e->reported = true;
    e->said = *iv;
    e->said_ts = e->last_ts;
    p->report(p->ctx, &r);
}

static bool sm_pat_idle_changed(const struct sm_pat_idle *e, const struct sm_idle_interval *iv)
{
    return iv->lo_us != e->said.lo_us || iv->hi_us != e->said.hi_us ||
           iv->survived != e->said.survived || iv->fatal != e->said.fatal;
}

/* A client network is reported only when it is more than one server's. */
static bool sm_pat_idle_reportable(const struct sm_pat_idle *e)
{
    return e->scope == SM_IDLE_SCOPE_SERVER || e->multi_server;
}

static struct sm_idle_interval sm_pat_idle_learn(struct sm_patterns *p, enum sm_idle_scope scope,
                                                 uint8_t ipv, const struct sm_addr *key,
                                                 uint16_t port, const struct sm_addr *client,
                                                 const struct sm_addr *server, uint16_t server_port,
                                                 int64_t survived_us, int64_t fatal_us,
                                                 int64_t first_ts, int64_t last_ts)
{
    struct sm_pat_idle *e = sm_pat_slot(
            p->idle[scope], sm_pat_hash(key, NULL, port) % SM_PAT_IDLE_SLOTS, sizeof(*e));
    if (!e)
        return (struct sm_idle_interval){ 0 };
    if (!e->used || e->ip_version != ipv || memcmp(&e->key, key, sizeof(*key)) || e->port != port ||
        last_ts - e->last_ts > (int64_t)SM_PATTERN_IDLE_FORGET_SECS * 1000000) {
        memset(e, 0, sizeof(*e));
        e->used = true;
        e->ip_version = ipv;
        e->key = *key;
        e->port = port;
        e->scope = scope;
        e->server0 = *server;
        e->port0 = server_port;
        e->first_ts = first_ts;
    }
    if (memcmp(&e->server0, server, sizeof(*server)) || e->port0 != server_port)
        e->multi_server = true;
    if (first_ts < e->first_ts)
        e->first_ts = first_ts;
    if (last_ts > e->last_ts)
        e->last_ts = last_ts;
    sm_sketch_add(&e->clients, sm_pat_hash(client, NULL, 0));
    if (survived_us >= (int64_t)SM_PATTERN_IDLE_SURVIVED_SECS * 1000000) {
        e->survived++;
        if (survived_us > e->survived_max_us)
            e->survived_max_us = survived_us;
    }
    if (fatal_us > 0) {
        if (e->fatal == 0 || fatal_us < e->fatal_min_us)
            e->fatal_min_us = fatal_us;
        e->fatal++;
    }
    struct sm_idle_interval iv = sm_pat_idle_interval(e);
    if (iv.hi_us > 0 && sm_pat_idle_reportable(e) &&
        (!e->reported || (sm_pat_idle_changed(e, &iv) &&
                          last_ts - e->said_ts >= (int64_t)SM_PATTERN_WINDOW_SECS * 1000000)))
        sm_pat_idle_report(p, e, &iv);
    return iv;
}

bool sm_patterns_idle(struct sm_patterns *p, uint8_t ipv, const struct sm_addr *client,
                      const struct sm_addr *server, uint16_t port, int64_t survived_us,
                      int64_t fatal_us, int64_t first_ts, int64_t last_ts,
                      struct sm_idle_interval *cite)
{
    memset(cite, 0, sizeof(*cite));
    if (survived_us < (int64_t)SM_PATTERN_IDLE_SURVIVED_SECS * 1000000 && fatal_us <= 0)
        return false; /* nothing to learn: most connections */
    /* The client's network: its /24 (IPv4) or /64 (IPv6). */
    struct sm_addr net = { 0 };
    memcpy(net.b, client->b, ipv == 6 ? 8 : 3);
    struct sm_idle_interval by_server =
            sm_pat_idle_learn(p, SM_IDLE_SCOPE_SERVER, ipv, server, port, client, server, port,
                              survived_us, fatal_us, first_ts, last_ts);
    struct sm_idle_interval by_net =
            sm_pat_idle_learn(p, SM_IDLE_SCOPE_CLIENT_NET, ipv, &net, 0, client, server, port,
                              survived_us, fatal_us, first_ts, last_ts);
    *cite = by_server.hi_us > 0 ? by_server : by_net;
    return cite->hi_us > 0;
}

/* Visits the allocated blocks in slot order, the order the whole tables
 * were scanned in before they came in blocks: same output. */
void sm_patterns_finish(struct sm_patterns *p)
{
    for (int scope = 0; scope < 2; scope++)
        for (size_t b = 0; b < SM_PAT_IDLE_SLOTS / SM_PAT_BLOCK; b++) {
            struct sm_pat_idle *block = p->idle[scope][b];
            for (size_t i = 0; block && i < SM_PAT_BLOCK; i++) {
                struct sm_pat_idle *e = &block[i];
                struct sm_idle_interval iv = sm_pat_idle_interval(e);
                if (iv.hi_us > 0 && sm_pat_idle_reportable(e) &&
                    (!e->reported || sm_pat_idle_changed(e, &iv)))
                    sm_pat_idle_report(p, e, &iv); /* the final interval */
            }
        }
    for (size_t b = 0; b < SM_PAT_SLOTS / SM_PAT_BLOCK; b++) {
        struct sm_pat_server *block = p->servers[b];
        for (size_t i = 0; block && i < SM_PAT_BLOCK; i++)
            if (block[i].used && block[i].flood_reported)
                sm_pat_server_report(p, &block[i], SM_PAT_SYN_FLOOD, SM_V_SILENT_DROP);
    }
}
