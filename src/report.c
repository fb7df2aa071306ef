/* SPDX-License-Identifier: MIT */
/* summary: the --report aggregates: counted on the analysis thread as each
 * connection is classified, in fixed memory; written as JSON (the numbers
 * behind each chart) or handed to report_html.c for the page. */
#include "config.h"
#include "report.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event.h"
#include "stream.h"

struct sm_report *sm_report_new(const char *host)
{
    struct sm_report *r = calloc(1, sizeof(*r));
    if (r)
        r->host = host;
    return r;
}

void sm_report_free(struct sm_report *r)
{
    free(r);
}

void sm_report_source(struct sm_report *r, const char *name)
{
    if (r->nsources < SM_REPORT_SOURCES)
        r->sources[r->nsources++] = name;
    else
        r->sources_more++;
}

bool sm_report_is_failure(enum sm_verdict v)
{
    return v != SM_V_NORMAL_CLOSE && v != SM_V_UNFINISHED;
}

size_t sm_report_idle_timeouts(void)
{
    const char *name;
    int64_t secs;
    size_t n = 0;
    while (sm_event_idle_timeout(n, &name, &secs))
        n++;
    return n;
}

double sm_report_idle_bin_lo(unsigned b)
{
    return b == 0 ? 0.0 : pow(2.0, (double)b / 3.0);
}

static unsigned sm_report_idle_bin(int64_t us)
{
    double s = (double)us / 1e6;
    if (s < 1.2599210498948732) /* 2^(1/3) */
        return 0;
    int b = (int)floor(3.0 * log2(s));
    if (b < 0)
        b = 0;
    if (b >= SM_REPORT_IDLE_BINS)
        b = SM_REPORT_IDLE_BINS - 1;
    return (unsigned)b;
}

/* ---- hosts: a bounded table of the most counted (a sampled Space-Saving:
 * when the probe window is full, the least counted slot in it is taken
 * over and its count inherited as the newcomer's possible error, so a
 * heavy hitter arriving late still rises; exact while fewer than
 * SM_REPORT_HOSTS distinct hosts were seen). */

static uint32_t sm_report_hash(const void *p, size_t n, uint32_t h)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

static struct sm_report_host *sm_report_host_slot(struct sm_report_host *t, uint64_t *taken,
                                                  uint8_t ipv, const struct sm_addr *a,
                                                  uint16_t port)
{
    uint32_t h = sm_report_hash(a->b, sizeof(a->b), 2166136261u ^ ipv);
    h = sm_report_hash(&port, sizeof(port), h);
    struct sm_report_host *least = NULL;
    for (unsigned i = 0; i < SM_REPORT_HOST_PROBES; i++) {
        struct sm_report_host *s = &t[(h + i) % SM_REPORT_HOSTS];
        if (s->ip_version == 0) {
            s->ip_version = ipv;
            s->addr = *a;
            s->port = port;
            return s;
        }
        if (s->ip_version == ipv && s->port == port && memcmp(&s->addr, a, sizeof(*a)) == 0)
            return s;
        if (!least || s->failed < least->failed ||
            (s->failed == least->failed && s->total < least->total))
            least = s;
    }
    (*taken)++;
    struct sm_report_host keep = *least;
    memset(least, 0, sizeof(*least));
    least->ip_version = ipv;
    least->addr = *a;
    least->port = port;
    least->error = keep.failed;
    least->failed = keep.failed;
    least->total = keep.total;
    return least;
}

static void sm_report_host_count(struct sm_report_host *s, enum sm_verdict v)
{
    s->total++;
    if (sm_report_is_failure(v))
        s->failed++;
    s->verdict[v]++;
}

static int sm_report_host_cmp(const struct sm_report_host *a, const struct sm_report_host *b)
{
    if (a->failed != b->failed)
        return a->failed > b->failed ? -1 : 1;
    if (a->total != b->total)
        return a->total > b->total ? -1 : 1;
    if (a->ip_version != b->ip_version)
        return a->ip_version < b->ip_version ? -1 : 1;
    int c = memcmp(&a->addr, &b->addr, sizeof(a->addr));
    if (c)
        return c;
    return a->port < b->port ? -1 : a->port > b->port;
}

unsigned sm_report_top(const struct sm_report_host *t, const struct sm_report_host **out)
{
    unsigned n = 0;
    for (unsigned i = 0; i < SM_REPORT_HOSTS; i++) {
        const struct sm_report_host *s = &t[i];
        if (s->ip_version == 0 || s->failed == 0)
            continue;
        /* Insert in order into the first SM_REPORT_TOP. */
        unsigned at = n;
        while (at > 0 && sm_report_host_cmp(s, out[at - 1]) < 0)
            at--;
        if (at >= SM_REPORT_TOP)
            continue;
        unsigned last = n < SM_REPORT_TOP ? n : SM_REPORT_TOP - 1;
        for (unsigned k = last; k > at; k--)
            out[k] = out[k - 1];
        out[at] = s;
        if (n < SM_REPORT_TOP)
            n++;
    }
    return n;
}

/* ---- names ---- */

/* The index of a name in t, added when new (SM_REPORT_NAMES: the table
 * is full, it counts as "other"). Names are never removed: indexes stay. */
static int16_t sm_report_name(struct sm_report_names *t, const void *bytes, size_t len)
{
    char esc[SM_REPORT_NAME_LEN];
    size_t n = sm_escape_bytes(bytes, len, esc, sizeof(esc));
    uint32_t h = sm_report_hash(esc, n, 2166136261u);
    for (uint32_t i = 0; i < t->n; i++)
        if (t->hash[i] == h && strcmp(t->name[i], esc) == 0)
            return (int16_t)i;
    if (t->n == SM_REPORT_NAMES)
        return SM_REPORT_NAMES;
    memcpy(t->name[t->n], esc, n + 1);
    t->hash[t->n] = h;
    t->count[t->n] = 0;
    return (int16_t)t->n++;
}

static void sm_report_name_count(struct sm_report_names *t, int16_t i)
{
    if (i < 0)
        return;
    if (i >= SM_REPORT_NAMES)
        t->other++;
    else
        t->count[i]++;
}

static bool sm_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Weak algorithms: SHA-1 key exchange and signatures, which OpenSSH no
 * longer offers by default (8.2 deprecated ssh-rsa, 8.8 disabled it,
 * 9.8 removed DSA); CBC and RC4/3DES ciphers (RFC 8758, the plaintext
 * recovery attacks on CBC in SSH); MD5 and truncated MACs. */
const char *sm_report_alg_weak(enum sm_report_alg k, const char *name)
{
    switch (k) {
    case SM_REPORT_ALG_KEX:
        if (strcmp(name, "diffie-hellman-group1-sha1") == 0)
            return "1024-bit group with SHA-1";
        if (sm_ends_with(name, "-sha1"))
            return "SHA-1 key exchange";
        return NULL;
    case SM_REPORT_ALG_HOSTKEY:
        if (strcmp(name, "ssh-dss") == 0)
            return "DSA: removed in OpenSSH 9.8";
        if (strcmp(name, "ssh-rsa") == 0)
            return "RSA with SHA-1 signatures: off by default since OpenSSH 8.8";
        return NULL;
    case SM_REPORT_ALG_CIPHER:
        if (strcmp(name, "none") == 0)
            return "no encryption";
        if (strncmp(name, "arcfour", 7) == 0)
            return "RC4 (RFC 8758)";
        if (strncmp(name, "3des", 4) == 0 || strncmp(name, "blowfish", 8) == 0 ||
            strncmp(name, "cast128", 7) == 0)
            return "64-bit block cipher";
        if (sm_ends_with(name, "-cbc") || strstr(name, "-cbc@"))
            return "CBC mode";
        return NULL;
    case SM_REPORT_ALG_MAC:
        if (strcmp(name, "none") == 0)
            return "no integrity";
        if (strncmp(name, "hmac-md5", 8) == 0)
            return "MD5";
        if (strstr(name, "-96") || strncmp(name, "umac-64", 7) == 0)
            return "64 or 96-bit tag";
        return NULL;
    case SM_REPORT_ALG_COUNT:
        break;
    }
    return NULL;
}

/* ---- the SSH section, read through a writer that keeps a few keys ---- */

#define SM_PROBE_DEPTH 8
struct sm_report_probe {
    struct sm_writer w;
    struct sm_report *r;
    struct sm_report_ssh *out;
    const char *path[SM_PROBE_DEPTH];
    unsigned depth;
};

/* The value's object is ssh.<a>. */
static bool sm_probe_at(const struct sm_report_probe *p, const char *a)
{
    return p->depth == 2 && p->path[0] && strcmp(p->path[0], "ssh") == 0 && p->path[1] &&
           strcmp(p->path[1], a) == 0;
}

static void sm_probe_push(struct sm_writer *w, const char *key)
{
    struct sm_report_probe *p = (struct sm_report_probe *)w;
    if (p->depth < SM_PROBE_DEPTH)
        p->path[p->depth] = key;
    p->depth++;
}

static void sm_probe_pop(struct sm_writer *w)
{
    struct sm_report_probe *p = (struct sm_report_probe *)w;
    if (p->depth > 0)
        p->depth--;
}

static void sm_probe_str(struct sm_writer *w, const char *key, const void *bytes, size_t len)
{
    struct sm_report_probe *p = (struct sm_report_probe *)w;
    struct sm_report *r = p->r;
    struct sm_report_ssh *o = p->out;
    if (!key)
        return;
    if (strcmp(key, "software_version") == 0) {
        if (sm_probe_at(p, "client"))
            o->soft[0] = sm_report_name(&r->soft_client, bytes, len);
        else if (sm_probe_at(p, "server"))
            o->soft[1] = sm_report_name(&r->soft_server, bytes, len);
        return;
    }
    if (!sm_probe_at(p, "negotiated"))
        return;
    if (strcmp(key, "kex") == 0)
        o->alg[SM_REPORT_ALG_KEX] = sm_report_name(&r->alg[SM_REPORT_ALG_KEX], bytes, len);
    else if (strcmp(key, "host_key") == 0)
        o->alg[SM_REPORT_ALG_HOSTKEY] = sm_report_name(&r->alg[SM_REPORT_ALG_HOSTKEY], bytes, len);
    else if (strcmp(key, "cipher_client_to_server") == 0)
        o->alg[SM_REPORT_ALG_CIPHER] = sm_report_name(&r->alg[SM_REPORT_ALG_CIPHER], bytes, len);
    else if (strcmp(key, "mac_client_to_server") == 0)
        o->alg[SM_REPORT_ALG_MAC] = sm_report_name(&r->alg[SM_REPORT_ALG_MAC], bytes, len);
}

static void sm_probe_boolean(struct sm_writer *w, const char *key, bool v)
{
    struct sm_report_probe *p = (struct sm_report_probe *)w;
    if (key && strcmp(key, "exposed") == 0 && sm_probe_at(p, "terrapin"))
        p->out->terrapin = v ? 2 : 1;
}

static void sm_probe_nop(struct sm_writer *w)
{
    (void)w;
}
static int sm_probe_end(struct sm_writer *w, FILE *out)
{
    (void)w;
    (void)out;
    return 0;
}
static void sm_probe_u64(struct sm_writer *w, const char *key, uint64_t v)
{
    (void)w;
    (void)key;
    (void)v;
}
static void sm_probe_i64(struct sm_writer *w, const char *key, int64_t v)
{
    (void)w;
    (void)key;
    (void)v;
}
static void sm_probe_real(struct sm_writer *w, const char *key, double v, int d)
{
    (void)w;
    (void)key;
    (void)v;
    (void)d;
}
static void sm_probe_null(struct sm_writer *w, const char *key)
{
    (void)w;
    (void)key;
}
/* Memoised values (KEXINIT lists, HASSH) are not read: the writer claims
 * to have written them, so the dissector skips them. */
static bool sm_probe_memo_begin(struct sm_writer *w, const char *key, uint64_t id)
{
    (void)w;
    (void)key;
    (void)id;
    return true;
}

static const struct sm_writer_ops sm_probe_ops = {
    .begin = sm_probe_nop,
    .end = sm_probe_end,
    .obj_begin = sm_probe_push,
    .obj_end = sm_probe_pop,
    .arr_begin = sm_probe_push,
    .arr_end = sm_probe_pop,
    .str = sm_probe_str,
    .u64 = sm_probe_u64,
    .i64 = sm_probe_i64,
    .real = sm_probe_real,
    .boolean = sm_probe_boolean,
    .null = sm_probe_null,
    .memo_begin = sm_probe_memo_begin,
    .memo_end = sm_probe_nop,
    .free = sm_probe_nop,
};

/* ---- verdicts over time ---- */

/* Makes ts fall within the buckets: the first connection sets the start
 * (on a whole second), later ones beyond the last bucket double the width
 * (merging pairs), earlier ones move the start back by whole buckets
 * (doubling as needed). */
static unsigned sm_report_bucket(struct sm_report *r, int64_t ts)
{
    if (r->width_us == 0) {
        r->width_us = 1000000;
        r->t0 = ts - ts % 1000000;
    }
    for (;;) {
        int64_t span = r->width_us * SM_REPORT_TIME_BUCKETS;
        if (ts >= r->t0 && ts < r->t0 + span)
            return (unsigned)((ts - r->t0) / r->width_us);
        if (ts < r->t0) {
            int64_t need = (r->t0 - ts + r->width_us - 1) / r->width_us;
            unsigned used = 0; /* buckets up to the last non-empty one */
            for (unsigned b = 0; b < SM_REPORT_TIME_BUCKETS; b++)
                for (unsigned v = 0; v < SM_V_COUNT; v++)
                    if (r->tl[0][b][v])
                        used = b + 1;
            if ((int64_t)used + need <= SM_REPORT_TIME_BUCKETS) {
                unsigned k = (unsigned)need;
                for (unsigned s = 0; s <= SM_REPORT_TIME_SERVERS; s++) {
                    memmove(&r->tl[s][k], &r->tl[s][0],
                            (SM_REPORT_TIME_BUCKETS - k) * sizeof(r->tl[s][0]));
                    memset(&r->tl[s][0], 0, k * sizeof(r->tl[s][0]));
                }
                r->t0 -= (int64_t)k * r->width_us;
                continue;
            }
        }
        /* Double: bucket b and b+1 merge into b/2; the start stays on a
         * multiple of the new width so the merge is exact. */
        int64_t w2 = r->width_us * 2;
        int64_t t0n = r->t0 - (((r->t0 % w2) + w2) % w2);
        unsigned shift = (unsigned)((r->t0 - t0n) / r->width_us); /* 0 or 1 */
        for (unsigned s = 0; s <= SM_REPORT_TIME_SERVERS; s++) {
            uint32_t merged[SM_REPORT_TIME_BUCKETS][SM_V_COUNT];
            memset(merged, 0, sizeof(merged));
            for (unsigned b = 0; b < SM_REPORT_TIME_BUCKETS; b++) {
                unsigned nb = (b + shift) / 2;
                for (unsigned v = 0; v < SM_V_COUNT; v++)
                    merged[nb][v] += r->tl[s][b][v];
            }
            memcpy(r->tl[s], merged, sizeof(merged));
        }
        r->t0 = t0n;
        r->width_us = w2;
    }
}

static int sm_report_time_row(struct sm_report *r, const struct sm_flow *f)
{
    for (uint32_t i = 0; i < r->nservers_t; i++) {
        const struct sm_report_host *s = &r->server_t[i];
        if (s->ip_version == f->ip_version && s->port == f->port[SM_DIR_RESP] &&
            memcmp(&s->addr, &f->addr[SM_DIR_RESP], sizeof(s->addr)) == 0)
            return (int)i + 1;
    }
    if (r->nservers_t == SM_REPORT_TIME_SERVERS)
        return -1;
    struct sm_report_host *s = &r->server_t[r->nservers_t++];
    s->ip_version = f->ip_version;
    s->port = f->port[SM_DIR_RESP];
    s->addr = f->addr[SM_DIR_RESP];
    return (int)r->nservers_t;
}

/* ---- one connection ---- */

static void sm_report_example(struct sm_report *r, const struct sm_flow *f,
                              const struct sm_classification *c)
{
    struct sm_report_example *x = &r->example[c->verdict];
    /* The first with the highest confidence: deterministic for a capture. */
    if (x->set && c->confidence <= x->confidence)
        return;
    memset(x, 0, sizeof(*x));
    x->set = true;
    x->flow_id = f->id;
    x->confidence = c->confidence;
    x->ip_version = f->ip_version;
    sm_addr_format(&f->addr[SM_DIR_ORIG], f->ip_version, x->src, sizeof(x->src));
    sm_addr_format(&f->addr[SM_DIR_RESP], f->ip_version, x->dst, sizeof(x->dst));
    x->sport = f->port[SM_DIR_ORIG];
    x->dport = f->port[SM_DIR_RESP];
    x->first_ts = f->first_ts;
    x->last_ts = f->last_ts;
    snprintf(x->reason, sizeof(x->reason), "%s", c->reason);
    const char *hint = sm_classification_hint(c);
    snprintf(x->hint, sizeof(x->hint), "%s", hint ? hint : "");
    snprintf(x->symptom, sizeof(x->symptom), "%s", c->symptom);
    sm_event_ladder_build(f, c, &x->ladder);
}

/* The SSH section's software and negotiation, read through the probe
 * writer once per describe key (reading it costs about as much as writing
 * the event: the KEXINIT parse and the negotiation run whatever the writer
 * keeps), then counted. */
static void sm_report_ssh_facts(struct sm_report *r, const struct sm_flow *f,
                                const struct sm_app_facts *app)
{
    const uint64_t *k = app ? app->describe_key : NULL;
    if (!k || !(k[0] | k[1] | k[2] | k[3]))
        return; /* no identification line, no KEXINIT: nothing to read */
    uint32_t h = sm_report_hash(k, 5 * sizeof(k[0]), 2166136261u);
    struct sm_report_ssh *m = &r->memo[h % SM_REPORT_SSH_MEMO];
    if (memcmp(m->key, k, sizeof(m->key)) == 0) {
        r->memo_hits++;
    } else {
        r->memo_misses++;
        memset(m, 0, sizeof(*m));
        m->soft[0] = m->soft[1] = -1;
        for (int i = 0; i < SM_REPORT_ALG_COUNT; i++)
            m->alg[i] = -1;
        struct sm_report_probe p = { .w = { &sm_probe_ops }, .r = r, .out = m };
        sm_stream_describe(f, &p.w, 0);
        memcpy(m->key, k, sizeof(m->key));
    }
    sm_report_name_count(&r->soft_client, m->soft[0]);
    sm_report_name_count(&r->soft_server, m->soft[1]);
    for (int i = 0; i < SM_REPORT_ALG_COUNT; i++)
        sm_report_name_count(&r->alg[i], m->alg[i]);
    if (m->terrapin) {
        r->negotiated++;
        if (m->terrapin == 2)
            r->terrapin_exposed++;
        else
            r->terrapin_safe++;
    }
}

void sm_report_connection(struct sm_report *r, const struct sm_flow *f,
                          const struct sm_classification *c, const struct sm_app_facts *app,
                          int64_t survived_us, int64_t fatal_us)
{
    enum sm_verdict v = c->verdict;
    r->connections++;
    r->verdict[v]++;
    bool failed = sm_report_is_failure(v);
    if (failed)
        r->failed++;
    if (r->first_ts == 0 || f->first_ts < r->first_ts)
        r->first_ts = f->first_ts;
    if (f->last_ts > r->last_ts)
        r->last_ts = f->last_ts;

    unsigned b = sm_report_bucket(r, f->first_ts);
    r->tl[0][b][v]++;
    int row = sm_report_time_row(r, f);
    if (row > 0)
        r->tl[row][b][v]++;

    if (survived_us > 0)
        r->idle_survived[sm_report_idle_bin(survived_us)]++;
    if (fatal_us > 0)
        r->idle_fatal[sm_report_idle_bin(fatal_us)]++;

    sm_report_host_count(sm_report_host_slot(r->clients, &r->clients_seen_full, f->ip_version,
                                             &f->addr[SM_DIR_ORIG], 0),
                         v);
    sm_report_host_count(sm_report_host_slot(r->servers, &r->servers_seen_full, f->ip_version,
                                             &f->addr[SM_DIR_RESP], f->port[SM_DIR_RESP]),
                         v);

    sm_report_ssh_facts(r, f, app);

    if (failed)
        sm_report_example(r, f, c);
}

static bool sm_report_same_pattern(const struct sm_pattern_report *q,
                                   const struct sm_pattern_report *p)
{
    /* Password guessing is one client's, whichever server it tried last. */
    if (p->kind == SM_PAT_PASSWORD_GUESSING)
        return q->kind == p->kind && q->ip_version == p->ip_version &&
               memcmp(&q->client, &p->client, sizeof(q->client)) == 0;
    return q->kind == p->kind && q->ip_version == p->ip_version && q->port == p->port &&
           memcmp(&q->client, &p->client, sizeof(q->client)) == 0 &&
           memcmp(&q->server, &p->server, sizeof(q->server)) == 0 &&
           (p->kind != SM_PAT_IDLE_TIMEOUT || q->idle.scope == p->idle.scope);
}

/* How much a pattern weighs when the list of its kind is full. */
static uint64_t sm_report_pattern_weight(const struct sm_pattern_report *p)
{
    return p->kind == SM_PAT_IDLE_TIMEOUT        ? p->idle.fatal
           : p->kind == SM_PAT_PASSWORD_GUESSING ? p->failures
                                                 : p->connections;
}

void sm_report_pattern(struct sm_report *r, const struct sm_pattern_report *p)
{
    if ((unsigned)p->kind > SM_PAT_PASSWORD_GUESSING)
        return;
    r->pattern_count[p->kind]++;
    /* The latest report of the same pattern replaces the earlier one. */
    unsigned of_kind = 0;
    struct sm_pattern_report *least = NULL;
    for (uint32_t i = 0; i < r->npatterns; i++) {
        struct sm_pattern_report *q = &r->pattern[i];
        if (sm_report_same_pattern(q, p)) {
            *q = *p;
            return;
        }
        if (q->kind == p->kind) {
            of_kind++;
            if (!least || sm_report_pattern_weight(q) < sm_report_pattern_weight(least))
                least = q;
        }
    }
    /* Each kind keeps its share of the list, the heaviest patterns. */
    if (of_kind < SM_REPORT_PATTERNS_PER_KIND && r->npatterns < SM_REPORT_PATTERNS) {
        r->pattern[r->npatterns++] = *p;
        return;
    }
    r->patterns_more++;
    if (least && sm_report_pattern_weight(p) > sm_report_pattern_weight(least))
        *least = *p;
}

/* ---- findings, in words ---- */

static const char *sm_report_pattern_words(enum sm_pattern_kind k)
{
    switch (k) {
    case SM_PAT_BAN:
        return "ban";
    case SM_PAT_MASS_REFUSAL:
        return "mass-refusal";
    case SM_PAT_SYN_FLOOD:
        return "syn-flood";
    case SM_PAT_IDLE_TIMEOUT:
        return "idle-timeout";
    case SM_PAT_PASSWORD_GUESSING:
        return "password-guessing";
    }
    return "unknown";
}

/* The heaviest pattern of a kind (for idle timeouts: one with an upper
 * bound), or NULL. */
static const struct sm_pattern_report *sm_report_heaviest(const struct sm_report *r,
                                                          enum sm_pattern_kind k)
{
    const struct sm_pattern_report *best = NULL;
    for (uint32_t i = 0; i < r->npatterns; i++) {
        const struct sm_pattern_report *p = &r->pattern[i];
        if (p->kind != k || (k == SM_PAT_IDLE_TIMEOUT && p->idle.hi_us <= 0))
            continue;
        if (!best || sm_report_pattern_weight(p) > sm_report_pattern_weight(best))
            best = p;
    }
    return best;
}

/* In order of what matters most: a path's idle timeout (it has a fix),
 * the most frequent failure, then the heaviest flood, ban and mass refusal. */
unsigned sm_report_findings(const struct sm_report *r, char out[][SM_REPORT_FINDING_LEN],
                            unsigned max)
{
    unsigned n = 0;
    const struct sm_pattern_report *best = sm_report_heaviest(r, SM_PAT_IDLE_TIMEOUT);
    if (best && n < max) {
        char who[80], a[48];
        if (best->idle.scope == SM_IDLE_SCOPE_SERVER) {
            sm_addr_format(&best->server, best->ip_version, a, sizeof(a));
            snprintf(who, sizeof(who), "to %s port %u", a, best->port);
        } else {
            sm_addr_format(&best->client, best->ip_version, a, sizeof(a));
            snprintf(who, sizeof(who), "from %s/%u", a, best->ip_version == 4 ? 24 : 64);
        }
        snprintf(out[n++], SM_REPORT_FINDING_LEN,
                 "%u connections %s died after %lld to %lld s idle: the path drops idle TCP; "
                 "set ServerAliveInterval below %lld.",
                 best->idle.fatal, who, (long long)(best->idle.lo_us / 1000000),
                 (long long)((best->idle.hi_us + 999999) / 1000000),
                 (long long)(best->idle.lo_us / 1000000));
    }
    int top = -1;
    for (int v = 0; v < SM_V_COUNT; v++)
        if (sm_report_is_failure((enum sm_verdict)v) && r->verdict[v] &&
            (top < 0 || r->verdict[v] > r->verdict[top]))
            top = v;
    if (top >= 0 && n < max) {
        const struct sm_report_example *x = &r->example[top];
        snprintf(out[n++], SM_REPORT_FINDING_LEN,
                 "%" PRIu64 " of %" PRIu64 " connections ended %s%s%s", r->verdict[top],
                 r->connections, sm_verdict_name((enum sm_verdict)top), x->set ? ": " : ".",
                 x->set ? x->reason : "");
    }
    static const enum sm_pattern_kind order[] = { SM_PAT_SYN_FLOOD, SM_PAT_BAN,
                                                  SM_PAT_PASSWORD_GUESSING, SM_PAT_MASS_REFUSAL };
    for (size_t k = 0; k < sizeof(order) / sizeof(order[0]) && n < max; k++) {
        const struct sm_pattern_report *p = sm_report_heaviest(r, order[k]);
        if (!p)
            continue;
        char cl[48], sv[48], more[64] = "";
        sm_addr_format(&p->client, p->ip_version, cl, sizeof(cl));
        sm_addr_format(&p->server, p->ip_version, sv, sizeof(sv));
        if (r->pattern_count[p->kind] > 1)
            snprintf(more, sizeof(more), " (%" PRIu64 " such reports in all)",
                     r->pattern_count[p->kind]);
        if (p->kind == SM_PAT_BAN)
            snprintf(out[n++], SM_REPORT_FINDING_LEN,
                     "%s was cut off by %s port %u after it had succeeded: %u connections since "
                     "ended %s (fail2ban, PerSourcePenalties or a firewall rule)%s.",
                     cl, sv, p->port, p->connections, sm_verdict_name(p->verdict), more);
        else if (p->kind == SM_PAT_PASSWORD_GUESSING)
            snprintf(out[n++], SM_REPORT_FINDING_LEN,
                     "%s guessed passwords: %u failed authentication attempts in %u connections "
                     "to %u servers within %u s (last %s port %u)%s.",
                     cl, p->failures, p->connections, p->servers, p->window_secs, sv, p->port,
                     more);
        else if (p->kind == SM_PAT_SYN_FLOOD)
            snprintf(out[n++], SM_REPORT_FINDING_LEN,
                     "SYN flood on %s port %u: %u half-open connections from %u sources%s.", sv,
                     p->port, p->connections, p->sources, more);
        else
            snprintf(out[n++], SM_REPORT_FINDING_LEN,
                     "%s port %u turned away %u clients at once (%s): MaxStartups or load%s.", sv,
                     p->port, p->sources, sm_verdict_name(p->verdict), more);
    }
    return n;
}

/* ---- JSON ---- */

static json_t *sm_report_json_host(const struct sm_report_host *h, bool server)
{
    char a[48];
    sm_addr_format(&h->addr, h->ip_version, a, sizeof(a));
    json_t *o = json_object();
    json_object_set_new(o, "address", json_string(a));
    if (server)
        json_object_set_new(o, "port", json_integer(h->port));
    json_object_set_new(o, "connections", json_integer((json_int_t)h->total));
    json_object_set_new(o, "failed", json_integer((json_int_t)h->failed));
    json_object_set_new(o, "error", json_integer((json_int_t)h->error));
    json_t *mix = json_object();
    for (int v = 0; v < SM_V_COUNT; v++)
        if (h->verdict[v])
            json_object_set_new(mix, sm_verdict_name((enum sm_verdict)v),
                                json_integer(h->verdict[v]));
    json_object_set_new(o, "verdicts", mix);
    return o;
}

void sm_report_names_order(const struct sm_report_names *t, uint32_t *idx)
{
    for (uint32_t i = 0; i < t->n; i++)
        idx[i] = i;
    for (uint32_t i = 1; i < t->n; i++)
        for (uint32_t j = i; j > 0; j--) {
            uint32_t x = idx[j - 1], y = idx[j];
            if (t->count[x] > t->count[y] ||
                (t->count[x] == t->count[y] && strcmp(t->name[x], t->name[y]) <= 0))
                break;
            idx[j - 1] = y;
            idx[j] = x;
        }
}

static json_t *sm_report_json_names(const struct sm_report_names *t, int alg)
{
    json_t *o = json_object();
    json_t *a = json_array();
    uint32_t idx[SM_REPORT_NAMES];
    sm_report_names_order(t, idx);
    for (uint32_t i = 0; i < t->n; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "name", json_string(t->name[idx[i]]));
        json_object_set_new(e, "connections", json_integer((json_int_t)t->count[idx[i]]));
        if (alg >= 0) {
            const char *weak = sm_report_alg_weak((enum sm_report_alg)alg, t->name[idx[i]]);
            json_object_set_new(e, "weak", weak ? json_string(weak) : json_null());
        }
        json_array_append_new(a, e);
    }
    json_object_set_new(o, "names", a);
    json_object_set_new(o, "other", json_integer((json_int_t)t->other));
    return o;
}

static json_t *sm_report_json_ts(int64_t us)
{
    if (us == 0)
        return json_null();
    char ts[SM_TS_LEN];
    sm_format_ts(us, ts, sizeof(ts));
    return json_string(ts);
}

static const char *sm_ladder_kind_name(enum sm_ladder_kind k)
{
    switch (k) {
    case SM_LADDER_TO_SERVER:
        return "to-server";
    case SM_LADDER_TO_CLIENT:
        return "to-client";
    case SM_LADDER_GAP:
        return "gap";
    case SM_LADDER_MORE:
        return "more";
    }
    return "?";
}

static json_t *sm_report_json(const struct sm_report *r)
{
    json_t *root = json_object();
    json_object_set_new(root, "report_version", json_integer(1));
    json_t *src = json_array();
    for (uint32_t i = 0; i < r->nsources; i++)
        json_array_append_new(src, json_string(r->sources[i]));
    json_object_set_new(root, "sources", src);
    json_object_set_new(root, "sources_more", json_integer(r->sources_more));
    json_object_set_new(root, "first", sm_report_json_ts(r->first_ts));
    json_object_set_new(root, "last", sm_report_json_ts(r->last_ts));
    json_object_set_new(root, "connections", json_integer((json_int_t)r->connections));
    json_object_set_new(root, "failed", json_integer((json_int_t)r->failed));
    json_t *vc = json_object();
    for (int v = 0; v < SM_V_COUNT; v++)
        json_object_set_new(vc, sm_verdict_name((enum sm_verdict)v),
                            json_integer((json_int_t)r->verdict[v]));
    json_object_set_new(root, "verdict_counts", vc);

    char find[4][SM_REPORT_FINDING_LEN];
    unsigned nf = sm_report_findings(r, find, 4);
    json_t *fa = json_array();
    for (unsigned i = 0; i < nf; i++)
        json_array_append_new(fa, json_string(find[i]));
    json_object_set_new(root, "findings", fa);

    /* Verdicts over time: the rows, each a list of buckets of {verdict: n}. */
    json_t *tl = json_object();
    json_object_set_new(tl, "start", sm_report_json_ts(r->width_us ? r->t0 : 0));
    json_object_set_new(tl, "bucket_s", json_real((double)r->width_us / 1e6));
    unsigned used = 0;
    for (unsigned b = 0; b < SM_REPORT_TIME_BUCKETS; b++)
        for (unsigned v = 0; v < SM_V_COUNT; v++)
            if (r->tl[0][b][v])
                used = b + 1;
    json_t *rows = json_array();
    unsigned nrows = r->nservers_t > 1 ? 1 + r->nservers_t : 1;
    for (unsigned s = 0; s < nrows; s++) {
        json_t *row = json_object();
        if (s == 0) {
            json_object_set_new(row, "server", json_string("all"));
        } else {
            char a[48], k[64];
            sm_addr_format(&r->server_t[s - 1].addr, r->server_t[s - 1].ip_version, a, sizeof(a));
            snprintf(k, sizeof(k), "%s port %u", a, r->server_t[s - 1].port);
            json_object_set_new(row, "server", json_string(k));
        }
        json_t *bk = json_array();
        for (unsigned b = 0; b < used; b++) {
            json_t *o = json_object();
            for (unsigned v = 0; v < SM_V_COUNT; v++)
                if (r->tl[s][b][v])
                    json_object_set_new(o, sm_verdict_name((enum sm_verdict)v),
                                        json_integer(r->tl[s][b][v]));
            json_array_append_new(bk, o);
        }
        json_object_set_new(row, "buckets", bk);
        json_array_append_new(rows, row);
    }
    json_object_set_new(tl, "rows", rows);
    json_object_set_new(root, "timeline", tl);

    /* Idle gaps: the non-empty bins. */
    json_t *idle = json_object();
    json_t *bins = json_array();
    for (unsigned b = 0; b < SM_REPORT_IDLE_BINS; b++) {
        if (!r->idle_survived[b] && !r->idle_fatal[b])
            continue;
        json_t *o = json_object();
        json_object_set_new(o, "from_s", json_real(round(sm_report_idle_bin_lo(b) * 100) / 100));
        json_object_set_new(o, "survived", json_integer((json_int_t)r->idle_survived[b]));
        json_object_set_new(o, "died", json_integer((json_int_t)r->idle_fatal[b]));
        json_array_append_new(bins, o);
    }
    json_object_set_new(idle, "bins", bins);
    json_t *marks = json_array();
    const char *mname;
    int64_t msecs;
    for (size_t i = 0; sm_event_idle_timeout(i, &mname, &msecs); i++) {
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(mname));
        json_object_set_new(o, "timeout_s", json_integer(msecs));
        json_array_append_new(marks, o);
    }
    json_object_set_new(idle, "middlebox_timeouts", marks);
    json_object_set_new(root, "idle", idle);

    const struct sm_report_host *top[SM_REPORT_TOP];
    for (int k = 0; k < 2; k++) {
        unsigned n = sm_report_top(k ? r->servers : r->clients, top);
        json_t *a = json_array();
        for (unsigned i = 0; i < n; i++)
            json_array_append_new(a, sm_report_json_host(top[i], k == 1));
        json_object_set_new(root, k ? "top_servers" : "top_clients", a);
    }

    json_t *ssh = json_object();
    json_object_set_new(ssh, "client_software", sm_report_json_names(&r->soft_client, -1));
    json_object_set_new(ssh, "server_software", sm_report_json_names(&r->soft_server, -1));
    static const char *const ak[] = { "kex", "host_key", "cipher_client_to_server",
                                      "mac_client_to_server" };
    for (int i = 0; i < SM_REPORT_ALG_COUNT; i++)
        json_object_set_new(ssh, ak[i], sm_report_json_names(&r->alg[i], i));
    json_object_set_new(ssh, "negotiated", json_integer((json_int_t)r->negotiated));
    json_object_set_new(ssh, "terrapin_exposed", json_integer((json_int_t)r->terrapin_exposed));
    json_object_set_new(ssh, "terrapin_safe", json_integer((json_int_t)r->terrapin_safe));
    json_object_set_new(root, "ssh", ssh);

    json_t *pat = json_object();
    json_t *pc = json_object();
    for (int k = 0; k <= SM_PAT_PASSWORD_GUESSING; k++)
        json_object_set_new(pc, sm_report_pattern_words((enum sm_pattern_kind)k),
                            json_integer((json_int_t)r->pattern_count[k]));
    json_object_set_new(pat, "reports", pc);
    json_t *pl = json_array();
    for (uint32_t i = 0; i < r->npatterns; i++) {
        const struct sm_pattern_report *p = &r->pattern[i];
        json_t *o = json_object();
        char a[48];
        json_object_set_new(o, "pattern", json_string(sm_report_pattern_words(p->kind)));
        sm_addr_format(&p->server, p->ip_version, a, sizeof(a));
        json_object_set_new(o, "server", json_string(a));
        json_object_set_new(o, "port", json_integer(p->port));
        if (p->kind == SM_PAT_BAN || p->kind == SM_PAT_PASSWORD_GUESSING ||
            (p->kind == SM_PAT_IDLE_TIMEOUT && p->idle.scope == SM_IDLE_SCOPE_CLIENT_NET)) {
            sm_addr_format(&p->client, p->ip_version, a, sizeof(a));
            json_object_set_new(o, "client", json_string(a));
        }
        json_object_set_new(o, "connections", json_integer(p->connections));
        json_object_set_new(o, "sources", json_integer(p->sources));
        json_object_set_new(o, "verdict", json_string(sm_verdict_name(p->verdict)));
        json_object_set_new(o, "first", sm_report_json_ts(p->first_ts));
        json_object_set_new(o, "last", sm_report_json_ts(p->last_ts));
        if (p->kind == SM_PAT_IDLE_TIMEOUT) {
            json_object_set_new(
                    o, "scope",
                    json_string(p->idle.scope == SM_IDLE_SCOPE_SERVER ? "server" : "client-net"));
            json_object_set_new(o, "idle_lo_s", json_real((double)p->idle.lo_us / 1e6));
            json_object_set_new(o, "idle_hi_s", json_real((double)p->idle.hi_us / 1e6));
            json_object_set_new(o, "survived", json_integer(p->idle.survived));
            json_object_set_new(o, "died", json_integer(p->idle.fatal));
        }
        if (p->kind == SM_PAT_PASSWORD_GUESSING) {
            json_object_set_new(o, "attempts", json_integer(p->attempts));
            json_object_set_new(o, "failures", json_integer(p->failures));
            json_object_set_new(o, "servers", json_integer(p->servers));
        }
        json_array_append_new(pl, o);
    }
    json_object_set_new(pat, "list", pl);
    json_object_set_new(pat, "more", json_integer((json_int_t)r->patterns_more));
    json_object_set_new(root, "patterns", pat);

    json_t *ex = json_array();
    for (int v = 0; v < SM_V_COUNT; v++) {
        const struct sm_report_example *x = &r->example[v];
        if (!x->set)
            continue;
        json_t *o = json_object();
        json_object_set_new(o, "verdict", json_string(sm_verdict_name((enum sm_verdict)v)));
        json_object_set_new(o, "flow_id", json_integer((json_int_t)x->flow_id));
        json_object_set_new(o, "src_ip", json_string(x->src));
        json_object_set_new(o, "src_port", json_integer(x->sport));
        json_object_set_new(o, "dest_ip", json_string(x->dst));
        json_object_set_new(o, "dest_port", json_integer(x->dport));
        json_object_set_new(o, "reason", json_string(x->reason));
        json_object_set_new(o, "hint", json_string(x->hint));
        json_object_set_new(o, "symptom", x->symptom[0] ? json_string(x->symptom) : json_null());
        json_t *lad = json_array();
        for (unsigned i = 0; i < x->ladder.n; i++) {
            const struct sm_ladder_row *row = &x->ladder.row[i];
            json_t *lr = json_object();
            json_object_set_new(lr, "kind", json_string(sm_ladder_kind_name(row->kind)));
            if (row->kind != SM_LADDER_MORE)
                json_object_set_new(lr, "t_s", json_real((double)(row->ts - x->ladder.t0) / 1e6));
            if (row->kind == SM_LADDER_GAP)
                json_object_set_new(lr, "gap_s", json_real((double)row->n / 1e6));
            else if (row->kind == SM_LADDER_MORE)
                json_object_set_new(lr, "packets", json_integer((json_int_t)row->n));
            else
                json_object_set_new(lr, "label", json_string(row->label));
            json_array_append_new(lad, lr);
        }
        json_object_set_new(o, "ladder", lad);
        json_array_append_new(ex, o);
    }
    json_object_set_new(root, "examples", ex);
    return root;
}

/* Replaced whole: a reader never sees half a page (written beside it,
 * then renamed over it). A path that is there and is no regular file
 * (/dev/null, /dev/stdout, a FIFO) is written in place: renaming over a
 * device would replace it. */
int sm_report_write(const struct sm_report *r, const char *path, bool html, char *err,
                    size_t errlen)
{
    struct stat st;
    bool in_place = stat(path, &st) == 0 && !S_ISREG(st.st_mode);
    size_t n = strlen(path) + 8;
    char *tmp = malloc(n);
    if (!tmp) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(tmp, n, "%s%s", path, in_place ? "" : ".tmp");
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        free(tmp);
        return -1;
    }
    int rc = 0;
    if (html) {
        rc = sm_report_html(r, f);
    } else {
        json_t *j = sm_report_json(r);
        if (!j ||
            json_dumpf(j, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) != 0)
            rc = -1;
        json_decref(j);
        if (rc == 0 && fputc('\n', f) == EOF)
            rc = -1;
    }
    int e = errno;
    if (fclose(f) != 0 && rc == 0) {
        e = errno;
        rc = -1;
    }
    if (rc == 0 && !in_place && rename(tmp, path) != 0) {
        e = errno;
        rc = -1;
    }
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(e ? e : EIO));
        if (!in_place)
            unlink(tmp);
    }
    free(tmp);
    return rc;
}
