/* SPDX-License-Identifier: MIT */
/* summary: drives packets through the stages and turns finished connections
 * into events. The only module that knows all the others. */
#include "config.h"
#include "engine.h"

#include "conntrack.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "capture.h"
#include "classify.h"
#include "decode.h"
#include "emit_queue.h"
#include "event.h"
#include "flow.h"
#include "log.h"
#include "pattern.h"
#include "report.h"
#include "stream.h"
#include "thread.h"

#define SM_MAX_SOURCES 4096

/* SSH seen on ports that were not selected (no -p auto): connections are
 * told apart by a hash of their endpoints, in a set that stops growing at
 * SM_UNSEL_CONNS ("at least" then), and counted per server port for the
 * first SM_UNSEL_PORTS ports. */
#define SM_UNSEL_CONNS 4096 /* a power of two */
#define SM_UNSEL_PORTS 8

struct sm_unselected {
    uint64_t seen[SM_UNSEL_CONNS]; /* endpoint hashes, 0: free */
    uint32_t nconns;
    bool full;
    uint16_t port[SM_UNSEL_PORTS];
    uint32_t count[SM_UNSEL_PORTS];
    uint32_t nports;
    bool more_ports;
};

struct sm_engine {
    struct sm_engine_config cfg;
    struct sm_output *out;
    struct sm_flow_table *flows;
    uint8_t ssh_ports[SM_PORTSET_BYTES];
    struct sm_decode_stats dstats;
    struct sm_capture_totals totals;
    uint64_t verdicts[SM_V_COUNT];
    const char *sources[SM_MAX_SOURCES];
    uint32_t nsources;
    int64_t now_us;        /* latest capture time seen */
    int64_t last_sweep_us; /* capture time of the last expiry sweep */
    int64_t sweep_us;      /* sweep this often (live more often than files) */
    struct sm_patterns *patterns;
    uint64_t folded; /* flood members not written one by one */
    /* While a file is read, finished connections are described and written
     * on the queue's thread (emit_queue.h), in order; otherwise, and when
     * that thread cannot run, here. */
    struct sm_emit_queue *queue;
    bool async;
    /* The analysis thread's own writer: when the queue's thread falls
     * behind (the end of a capture flushes tens of thousands of open
     * connections at once, and describing is then the whole of the work),
     * the analysis describes connections itself, ahead of their turn, and
     * queues the text; the queue's thread only writes it, in order. */
    struct sm_writer *ahead_w;
    struct sm_unselected *unsel; /* allocated at the first such packet */
    struct sm_report *report;    /* --report / --report-json, else NULL */
    int64_t ct_timeout_s;        /* --conntrack: the sysctl (-1: unknown) */
    /* --conntrack: wall times at which the kernel's insert_failed + drop
     * rose (the table was full), the last SM_CT_RISES of them. */
    int64_t ct_full_at[16];
    unsigned ct_full_next;
    char *live_names; /* the -i names, space separated (totals.source) */
};
#define SM_CT_RISES 16

/* Describe ahead when this many jobs wait: half the queue, as
 * sm_emit_queue_slot() then would wait for. */
#define SM_ENGINE_AHEAD_BACKLOG (SM_ENGINE_QUEUE_DEPTH / 2)

/* A record for the queue's thread: a connection to describe (kept out of
 * the flow table until it has been written) or a pattern report. */
struct sm_engine_job {
    char *text; /* the record already described (malloc'd), or NULL */
    size_t text_len;
    bool text_trimmed;    /* parts of it were left out to fit the size limit */
    struct sm_flow *flow; /* NULL (and no text): a pattern report */
    struct sm_classification c;
    struct sm_app_facts app; /* m.app points here */
    struct sm_event_meta m;
    struct sm_pattern_report report;
};

#define SM_ENGINE_QUEUE_DEPTH 64u /* connections described at most in flight */

static volatile sig_atomic_t sm_stop_requested;
static volatile sig_atomic_t sm_reopen_requested;
static volatile sig_atomic_t sm_report_requested;
/* The live loop's self-pipe: a signal handler writes a byte, which ends
 * the loop's poll() whichever thread took the signal and whenever it came
 * (a flag set just before poll() would otherwise wait a whole tick). */
static volatile int sm_wake_fd = -1;

static void sm_engine_wake(void)
{
    int fd = sm_wake_fd;
    if (fd >= 0) {
        int saved = errno;
        (void)!write(fd, "", 1); /* a full pipe already wakes the loop */
        errno = saved;
    }
}

void sm_engine_request_stop(void)
{
    sm_stop_requested = 1;
    sm_engine_wake();
}

void sm_engine_request_reopen(void)
{
    sm_reopen_requested = 1;
    sm_engine_wake();
}

void sm_engine_request_report(void)
{
    sm_report_requested = 1;
    sm_engine_wake();
}

/* A teardown event to describe, with parts left out (sm_output_event). */
struct sm_engine_teardown {
    const struct sm_flow *f;
    const struct sm_classification *c;
    const struct sm_event_meta *m;
};

static void sm_engine_describe_teardown(struct sm_writer *w, unsigned trim, void *ctx)
{
    const struct sm_engine_teardown *t = ctx;
    struct sm_event_meta m = *t->m;
    m.trim = trim;
    sm_event_teardown(w, t->f, t->c, &m);
}

/* The queue's thread: one record written, as the analysis would have. */
static void sm_engine_job_run(void *ctx, void *job)
{
    struct sm_engine *e = ctx;
    struct sm_engine_job *j = job;
    if (j->text) {
        sm_output_commit_text(e->out, j->text, j->text_len, j->text_trimmed);
        free(j->text);
        j->text = NULL;
        return;
    }
    if (j->flow) {
        struct sm_engine_teardown t = { j->flow, &j->c, &j->m };
        sm_output_event(e->out, sm_engine_describe_teardown, &t, SM_TRIM_PARTS);
        return;
    }
    sm_event_pattern(sm_output_writer(e->out), e->cfg.host, &j->report);
    sm_output_commit(e->out);
}

/* Back on the analysis thread: the connection is written, free it. */
static void sm_engine_job_done(void *ctx, void *job)
{
    struct sm_engine *e = ctx;
    struct sm_engine_job *j = job;
    if (j->flow)
        sm_flow_done(e->flows, j->flow);
}

/* A slot on the queue when records go there now, else NULL. */
static struct sm_engine_job *sm_engine_job_slot(struct sm_engine *e)
{
    return e->async ? sm_emit_queue_slot(e->queue) : NULL;
}

/* The flow table's emitter: classify, count, describe, write. Returns
 * true when the connection went to the queue (kept until written). */
static bool sm_engine_emit(void *ctx, struct sm_flow *f, enum sm_flow_end why, int64_t now)
{
    struct sm_engine *e = ctx;
    struct sm_classification c;
    struct sm_app_facts app;
    struct sm_classify_ctx cc = {
        .why = why,
        .now_us = now,
        .app = &app,
        .syn_rto_us = (int64_t)e->cfg.syn_rto_ms * 1000,
        .death_transmissions = e->cfg.death_transmissions,
        .ct_timeout_s = e->ct_timeout_s,
    };
    /* A full conntrack table while the SYNs of a connection that never got
     * an answer were sent (a tick's slack either side). */
    if (!f->established && f->side[SM_DIR_ORIG].syn_count) {
        int64_t from = sm_flow_time(f, SM_TIME_SYN0) - 1000000;
        int64_t to = f->side_last_ts[SM_DIR_ORIG] + 1000000;
        for (unsigned i = 0; i < SM_CT_RISES; i++)
            if (e->ct_full_at[i] && e->ct_full_at[i] >= from && e->ct_full_at[i] <= to)
                cc.ct_table_full = true;
    }

    /* -p auto: a connection on no listed port whose first payload was not
     * an identification line (or that carried none) is no SSH connection. */
    if (f->selected_by != SM_SEL_PORT && f->selected_by != SM_SEL_CONTENT)
        return false;
    sm_stream_end(f);
    sm_stream_facts(f, &app);
    struct sm_stream_loss loss;
    sm_stream_loss(f, &loss);
    cc.network_loss[0] = loss.network_loss[0];
    cc.network_loss[1] = loss.network_loss[1];
    cc.capture_loss = loss.capture_loss[0] + loss.capture_loss[1];
    sm_classify(f, &cc, &c);
    enum sm_direction dir = sm_localnets_direction(e->cfg.local_nets, f->ip_version,
                                                   &f->addr[SM_DIR_ORIG], &f->addr[SM_DIR_RESP]);
    /* --patterns-inbound-only: connections from outside to the site's own
     * servers are the ones a ban, a refusal wave or a flood is about; the
     * site's own clients going out would only add noise. */
    bool patterns = e->patterns && (!e->cfg.patterns_inbound_only || dir == SM_DIRECTION_INBOUND);
    int64_t survived = 0, fatal = 0;
    if (patterns || e->report) /* the silences it survived and died after */
        sm_classify_silences(f, &c, &survived, &fatal);
    if (patterns) { /* the path's idle timeout, learned across connections */
        struct sm_idle_interval iv;
        if (sm_patterns_idle(e->patterns, f->ip_version, &f->addr[SM_DIR_ORIG],
                             &f->addr[SM_DIR_RESP], f->port[SM_DIR_RESP], survived, fatal,
                             f->first_ts, f->last_ts, &iv))
            sm_classify_cite_idle(f, &c, &iv);
    }
    e->verdicts[c.verdict]++;
    if (e->report) /* here, on the analysis thread: no lock */
        sm_report_connection(e->report, f, &c, &app, survived, fatal);
    bool flood = patterns && sm_patterns_observe(e->patterns, f->ip_version, &f->addr[SM_DIR_ORIG],
                                                 &f->addr[SM_DIR_RESP], f->port[SM_DIR_RESP],
                                                 c.verdict, f->first_ts, f->last_ts);
    if (patterns && app.auth_attempts >= 0) { /* password guessing: by the SSH client */
        int cli = app.reversed ? SM_DIR_RESP : SM_DIR_ORIG;
        sm_patterns_auth(e->patterns, f->ip_version, &f->addr[cli], &f->addr[!cli], f->port[!cli],
                         c.verdict, (uint32_t)app.auth_attempts, (uint32_t)app.auth_failed_attempts,
                         f->first_ts, f->last_ts);
    }
    if (flood && e->cfg.fold_floods) {
        e->folded++;
        return false; /* counted in the flood's ssh_pattern event */
    }
    if (e->cfg.failures_only && c.verdict == SM_V_NORMAL_CLOSE)
        return false;
    if (!sm_output_wants_records(e->out))
        return false;
    struct sm_event_meta m = {
        .host = e->cfg.host,
        .source = f->source < e->nsources ? e->sources[f->source] : "-",
        .why = why,
        .now_us = now,
        .app = &app,
        .selected_by = e->cfg.content_select,
        .direction = sm_direction_name(dir),
    };
    struct sm_engine_job *j = sm_engine_job_slot(e);
    if (j && e->cfg.describe_ahead >= 0 &&
        (e->cfg.describe_ahead == 1 ||
         sm_emit_queue_backlog(e->queue) >= SM_ENGINE_AHEAD_BACKLOG)) {
        if (!e->ahead_w)
            e->ahead_w = sm_output_new_writer(e->out);
        if (e->ahead_w) {
            /* NULL also when it cannot fit: then described below, in turn. */
            struct sm_engine_teardown t = { f, &c, &m };
            j->text = sm_output_render(e->out, e->ahead_w, sm_engine_describe_teardown, &t,
                                       SM_TRIM_PARTS, &j->text_len, &j->text_trimmed);
            if (j->text) {
                sm_emit_queue_push(e->queue);
                return false; /* the text is all the queue needs */
            }
        }
    }
    if (j) {
        /* What the event reads stays valid: the flow and what it owns
         * (stream, dissector state, interned strings) until it is given
         * back; classification, facts and meta are copied. */
        j->flow = f;
        j->c = c;
        j->app = app;
        j->m = m;
        j->m.app = &j->app;
        sm_emit_queue_push(e->queue);
        return true;
    }
    struct sm_engine_teardown t = { f, &c, &m };
    sm_output_event(e->out, sm_engine_describe_teardown, &t, SM_TRIM_PARTS);
    return false;
}

static void sm_engine_release(void *ctx, struct sm_flow *f)
{
    (void)ctx;
    sm_stream_free(f);
}

static void sm_engine_pattern(void *ctx, const struct sm_pattern_report *r)
{
    struct sm_engine *e = ctx;
    if (e->report)
        sm_report_pattern(e->report, r);
    if (!sm_output_wants_records(e->out))
        return;
    struct sm_engine_job *j = sm_engine_job_slot(e);
    if (j) { /* behind the connections already queued, in order */
        j->report = *r;
        sm_emit_queue_push(e->queue);
        return;
    }
    sm_event_pattern(sm_output_writer(e->out), e->cfg.host, r);
    sm_output_commit(e->out);
}

struct sm_engine *sm_engine_new(const struct sm_engine_config *cfg, struct sm_output *out)
{
    struct sm_engine *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->cfg = *cfg;
    e->out = out;
    e->sweep_us = 1000000;
    for (size_t i = 0; i < cfg->nports; i++)
        sm_port_set(e->ssh_ports, cfg->ports[i]);
    struct sm_flow_config fc = {
        .max_flows = cfg->max_flows ? cfg->max_flows : SM_DEFAULT_MAX_FLOWS,
        .hash_seed = cfg->hash_seed,
        .idle_min_us = (int64_t)cfg->idle_min_secs * 1000000,
        .linger_us = (int64_t)cfg->linger_secs * 1000000,
        .handshake_timeout_us = (int64_t)cfg->handshake_timeout_secs * 1000000,
        .ssh_ports = e->ssh_ports,
        .emit = sm_engine_emit,
        .release = sm_engine_release,
        .emit_ctx = e,
    };
    e->flows = sm_flow_table_new(&fc);
    e->patterns = sm_patterns_new(sm_engine_pattern, e);
    if (e->patterns)
        sm_patterns_set_guessing(e->patterns, cfg->guess_failures, cfg->guess_window_secs);
    e->queue = sm_emit_queue_new(sizeof(struct sm_engine_job), SM_ENGINE_QUEUE_DEPTH,
                                 sm_engine_job_run, sm_engine_job_done, e);
    if (cfg->report_html || cfg->report_json)
        e->report = sm_report_new(cfg->host);
    if (!e->flows || !e->patterns || !e->queue ||
        ((cfg->report_html || cfg->report_json) && !e->report)) {
        sm_report_free(e->report);
        sm_flow_table_free(e->flows);
        sm_patterns_free(e->patterns);
        sm_emit_queue_free(e->queue);
        free(e);
        return NULL;
    }
    return e;
}

uint32_t sm_engine_add_source(struct sm_engine *e, const char *name)
{
    if (e->nsources < SM_MAX_SOURCES) {
        e->sources[e->nsources++] = name;
        if (e->report)
            sm_report_source(e->report, name);
    }
    return e->nsources - 1;
}

/* The program's own filter: the kernel filter may be absent (NFLOG) or see
 * only the outer headers of a tunnel. */
static bool sm_engine_wanted(const struct sm_engine *e, const struct sm_pkt *p)
{
    if (e->cfg.content_select) /* -p auto: all TCP, and the ICMP errors */
        return p->kind == SM_PKT_TCP || p->kind == SM_PKT_ICMP_ERR;
    if (p->kind == SM_PKT_TCP)
        return sm_port_is_ssh(e->ssh_ports, p->sport) || sm_port_is_ssh(e->ssh_ports, p->dport);
    if (p->kind == SM_PKT_ICMP_ERR)
        return sm_port_is_ssh(e->ssh_ports, p->quoted.sport) ||
               sm_port_is_ssh(e->ssh_ports, p->quoted.dport);
    return false;
}

static bool sm_engine_is_ident(const struct sm_pkt *p)
{
    return p->payload_cap >= 4 && memcmp(p->payload, "SSH-", 4) == 0;
}

/* A TCP segment on ports not selected that starts with "SSH-" (the
 * default filter lets those through): counted for the line that
 * sm_engine_finish() says. */
static void sm_engine_note_unselected(struct sm_engine *e, const struct sm_pkt *p)
{
    if (p->kind != SM_PKT_TCP || !sm_engine_is_ident(p))
        return;
    if (!e->unsel && !(e->unsel = calloc(1, sizeof(*e->unsel))))
        return;
    struct sm_unselected *u = e->unsel;
    /* The same for both directions: the two endpoints in a fixed order. */
    /* The flow table's own hash: seeded, both directions alike. */
    uint64_t h = sm_flow_pkt_hash(sm_flow_table_hash_seed(e->flows), p);
    h |= 1; /* 0 marks a free slot */
    size_t i = (size_t)(h >> 40) & (SM_UNSEL_CONNS - 1);
    while (u->seen[i] && u->seen[i] != h)
        i = (i + 1) & (SM_UNSEL_CONNS - 1);
    if (u->seen[i] == h)
        return; /* this connection is counted already */
    if (u->nconns >= SM_UNSEL_CONNS / 2) {
        u->full = true;
        return;
    }
    u->seen[i] = h;
    u->nconns++;
    /* The server's port: the lower one (clients use high ephemeral ports). */
    uint16_t port = p->sport < p->dport ? p->sport : p->dport;
    for (uint32_t k = 0; k < u->nports; k++)
        if (u->port[k] == port) {
            u->count[k]++;
            return;
        }
    if (u->nports < SM_UNSEL_PORTS) {
        u->port[u->nports] = port;
        u->count[u->nports++] = 1;
    } else {
        u->more_ports = true;
    }
}

/* -p auto: what the connection's first payload says it is. */
static void sm_engine_select(const struct sm_engine *e, struct sm_flow *f, const struct sm_pkt *p)
{
    if (sm_port_is_ssh(e->ssh_ports, f->port[0]) || sm_port_is_ssh(e->ssh_ports, f->port[1]))
        f->selected_by = SM_SEL_PORT;
    else if (p->payload_len > 0)
        f->selected_by = sm_engine_is_ident(p) ? SM_SEL_CONTENT : SM_SEL_NOT_SSH;
}

static void sm_engine_tick(struct sm_engine *e, int64_t now)
{
    if (now > e->now_us)
        e->now_us = now;
    /* Sweep at most once per second of capture time (live: per tick). */
    if (e->now_us - e->last_sweep_us >= e->sweep_us) {
        sm_flow_expire(e->flows, e->now_us);
        e->last_sweep_us = e->now_us;
    }
}

/* One decoded packet, from here on the same whoever decoded it; keys are
 * its sm_flow_pkt_keys(), or NULL when they are to be computed here. */
static void sm_engine_decoded(struct sm_engine *e, struct sm_pkt *p,
                              const struct sm_flow_keys *keys, uint32_t source)
{
    /* Timestamps going backwards (merged captures) never move time back. */
    sm_engine_tick(e, p->ts_us);
    if (!sm_engine_wanted(e, p)) {
        sm_engine_note_unselected(e, p);
        return;
    }
    if (p->ts_us < e->now_us)
        p->ts_us = e->now_us;
    enum sm_dir dir;
    struct sm_flow *f = keys ? sm_flow_packet_keyed(e->flows, p, keys, source, &dir)
                             : sm_flow_packet(e->flows, p, source, &dir);
    if (!f)
        return;
    if (f->selected_by == SM_SEL_PENDING) {
        if (!e->cfg.content_select)
            f->selected_by = SM_SEL_PORT; /* the only way in */
        else
            sm_engine_select(e, f, p);
    }
    if (f->selected_by != SM_SEL_NOT_SSH) /* not SSH: only its end is kept track of */
        sm_stream_packet(f, (int)dir, p);
}

void sm_engine_packet(struct sm_engine *e, int dlt, const uint8_t *data, uint32_t cap_len,
                      uint32_t wire_len, int64_t ts_us, uint32_t source)
{
    struct sm_pkt p;
    sm_decode(&p, dlt, data, cap_len, wire_len, ts_us, &e->dstats);
    sm_engine_decoded(e, &p, NULL, source);
}

/* Decoding on the read-ahead thread (capture.h): pure, into the packet's
 * own record, counted in counters of that thread's own. It lives on the
 * analysis thread's stack, so it has cache lines to itself: the counters,
 * written per packet by the reader, must not share a line with what the
 * analysis writes per packet (false sharing made the same run take from
 * 3 to 6 s of CPU, depending on how the two threads met). */
struct sm_engine_prep {
    _Alignas(SM_CACHE_PAIR) int dlt;
    uint64_t hash_seed;
    struct sm_decode_stats stats;
};

/* What the read-ahead thread makes of a packet: decoded, and for a TCP
 * segment its connection's hash (the flow table's lookup key). */
struct sm_engine_prepped {
    struct sm_pkt pkt;
    struct sm_flow_keys keys;
};

static uint32_t sm_engine_prepare(void *ctx, const struct sm_captured *c, void *out, uint8_t *keep)
{
    struct sm_engine_prep *pr = ctx;
    struct sm_engine_prepped *pp = out;
    sm_decode(&pp->pkt, pr->dlt, c->data, c->cap_len, c->wire_len, c->ts_us, &pr->stats);
    sm_flow_pkt_keys(pr->hash_seed, &pp->pkt, &pp->keys);
    /* The headers are in pp now: of the bytes, the analysis reads only the
     * payload and an NFLOG prefix, which move into the record (c->data is
     * libpcap's). Both are disjoint parts of the frame, so they fit in the
     * cap_len bytes keep has room for. */
    uint32_t kept = 0;
    if (pp->pkt.payload) {
        kept = pp->pkt.payload_cap;
        memcpy(keep, pp->pkt.payload, kept);
        pp->pkt.payload = keep;
    }
    if (pp->pkt.nf_prefix_len) {
        memcpy(keep + kept, pp->pkt.nf_prefix, pp->pkt.nf_prefix_len);
        pp->pkt.nf_prefix = keep + kept;
        kept += pp->pkt.nf_prefix_len;
    }
    return kept;
}

/* The ports the capture filter selects: none for -p auto (all TCP). */
static size_t sm_engine_filter_ports(const struct sm_engine *e)
{
    return e->cfg.content_select ? 0 : e->cfg.nports;
}

static void sm_decode_stats_add(struct sm_decode_stats *to, const struct sm_decode_stats *from)
{
    _Static_assert(sizeof(*to) == 8 * sizeof(uint64_t), "a counter is missing below");
    to->packets += from->packets;
    to->tcp += from->tcp;
    to->icmp_errors += from->icmp_errors;
    to->truncated += from->truncated;
    to->fragments += from->fragments;
    to->malformed += from->malformed;
    to->tunneled += from->tunneled;
    to->other += from->other;
}

int sm_engine_run_file(struct sm_engine *e, const char *path)
{
    char err[512];
    struct sm_captured pkt;
    uint64_t n = 0;
    int status = 0;
    uint64_t ahead[SM_CAP_LOOKAHEAD] = { 0 }; /* hashes of the last packets hinted */

    e->totals.inputs++;
    struct sm_capture *c = sm_capture_open_file(path, err, sizeof(err));
    if (!c) {
        sm_log(SM_LOG_ERROR, "%s: %s", path, err);
        e->totals.inputs_failed++;
        return 2;
    }
    int dlt = sm_capture_datalink(c);
    if (!sm_decode_link_supported(dlt)) {
        sm_log(SM_LOG_ERROR, "%s: unsupported link type %s (%d)", path, sm_capture_datalink_name(c),
               dlt);
        sm_capture_close(c);
        e->totals.inputs_failed++;
        return 2;
    }
    /* The same filter as live capture, so -f means the same on files. */
    if (sm_capture_set_filter(c, e->cfg.ports, sm_engine_filter_ports(e), e->cfg.filter, err,
                              sizeof(err))) {
        sm_log(SM_LOG_ERROR, "%s: %s", path, err);
        sm_capture_close(c);
        e->totals.inputs_failed++;
        return 1;
    }
    uint32_t src = sm_engine_add_source(e, path);
    /* Decoding moves to the read-ahead thread (a fifth of the work). */
    struct sm_engine_prep prep = { .dlt = dlt, .hash_seed = sm_flow_table_hash_seed(e->flows) };
    sm_capture_set_prepare(c, sizeof(struct sm_engine_prepped), sm_engine_prepare, &prep);
    e->async = true; /* records go to the queue's thread while the file is read */
    for (;;) {
        enum sm_capture_rc rc = sm_capture_next(c, &pkt);
        if (rc == SM_CAP_EOF) {
            /* The capture went on after the last packet the filter took
             * (the lab's closing pings, a sensor's other traffic): that
             * time passed for every connection, and a death after a
             * silence is proved by it (classify.c). */
            sm_engine_tick(e, sm_capture_end_ts(c));
            break;
        }
        if (rc == SM_CAP_ERROR) {
            sm_log(SM_LOG_ERROR, "%s: packet %llu: %s", path, (unsigned long long)(n + 1),
                   sm_capture_error(c));
            e->totals.inputs_failed++;
            status = 2;
            break;
        }
        if (rc != SM_CAP_PACKET)
            continue;
        n++;
        if (pkt.prepared_ahead) {
            /* Cache hints in three steps, each for a packet nearer, once
             * what it reads arrived: the index slot of the packet 16 on,
             * the flow of the packet 8 on, its stream of the packet 4 on. */
            uint64_t h = ((const struct sm_engine_prepped *)pkt.prepared_ahead)->keys.hash;
            uint64_t h8 = ahead[(n + 8) % SM_CAP_LOOKAHEAD]; /* set 8 packets ago */
            uint64_t h4 = ahead[(n + 4) % SM_CAP_LOOKAHEAD]; /* set 12 packets ago */
            ahead[n % SM_CAP_LOOKAHEAD] = h;
            if (h)
                sm_flow_prefetch_slot(e->flows, h);
            if (h8)
                sm_flow_prefetch(e->flows, h8);
            const struct sm_flow *f4 = h4 ? sm_flow_peek(e->flows, h4) : NULL;
            if (f4)
                sm_stream_prefetch(f4);
        }
        if (pkt.prepared) {
            struct sm_engine_prepped *pp = pkt.prepared;
            sm_engine_decoded(e, &pp->pkt, &pp->keys, src);
        } else
            sm_engine_packet(e, dlt, pkt.data, pkt.cap_len, pkt.wire_len, pkt.ts_us, src);
        if (sm_stop_requested)
            break;
    }
    /* Everything of this file is written before anything else is. */
    sm_emit_queue_drain(e->queue);
    e->async = false;
    sm_capture_close(c); /* the reader has stopped: its counters are ours */
    sm_decode_stats_add(&e->dstats, &prep.stats);
    return status;
}

static int sm_drop_privileges(const char *user)
{
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        sm_log(SM_LOG_ERROR, "-Z %s: no such user", user);
        return 1;
    }
    if (setgroups(1, &pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
        sm_log(SM_LOG_ERROR, "-Z %s: cannot drop privileges", user);
        return 2;
    }
    if (setuid(0) == 0 && pw->pw_uid != 0) {
        sm_log(SM_LOG_ERROR, "-Z %s: privileges could be regained", user);
        return 2;
    }
    return 0;
}

static int64_t sm_wall_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* A packet held for the merge of several live sources, its bytes copied
 * (libpcap's are borrowed only during the callback). */
struct sm_live_held {
    int64_t ts_us;
    uint32_t cap_len, wire_len;
    uint8_t *data;
};
/* Packets held per source at most: past that the oldest held anywhere
 * goes to the analysis without waiting for the other sources (a burst on
 * one interface while another is quiet only costs the order, not
 * memory). */
#define SM_LIVE_HELD 4096

struct sm_live;

/* One -i source. */
struct sm_live_src {
    struct sm_live *l;
    struct sm_capture *c;
    const char *name;
    int dlt;
    uint32_t src;
    /* An NFLOG group captured beside an interface: its packets are copies
     * of packets the interface also delivers (or, dropped before an egress
     * interface, never will), so they are not the connection's packets;
     * they only bring the rule's log prefix (sm_flow_nflog_witness()). */
    bool witness;
    /* How long after its timestamp a packet may still come from this
     * source: the kernel's holdback and a margin for a loaded machine. */
    int64_t late_us;
    struct sm_live_held *held; /* ring of SM_LIVE_HELD; NULL: one source */
    unsigned head, n;
};

/* The live loop's state beside the engine. */
struct sm_live {
    struct sm_engine *e;
    struct sm_live_src s[SM_LIVE_MAX_SOURCES];
    size_t nsrc;
    bool merge;       /* several sources: held and handed over in time order */
    struct sm_ct *ct; /* --conntrack, NULL when off */
    struct sm_ct_pending *ct_pending;
    uint64_t ct_full_prev; /* insert_failed + drop at the last read */
    bool ct_full_known;
    bool ct_stats_off;    /* the statistics could not be read at the first try */
    int64_t stats_at_us;  /* wall clock of the last capture_stats (or start) */
    uint64_t last_ctr[3]; /* kernel counters then, summed over the sources */
};

/* A packet to the analysis: the connection's own, or a witness's copy. */
static void sm_live_deliver(struct sm_live_src *s, const uint8_t *data, uint32_t cap_len,
                            uint32_t wire_len, int64_t ts_us)
{
    struct sm_engine *e = s->l->e;
    if (!s->witness) {
        sm_engine_packet(e, s->dlt, data, cap_len, wire_len, ts_us, s->src);
        return;
    }
    struct sm_pkt p;
    sm_decode(&p, s->dlt, data, cap_len, wire_len, ts_us, &e->dstats);
    e->totals.nf_witness_packets++;
    if (sm_flow_nflog_witness(e->flows, &p))
        e->totals.nf_witness_matched++;
}

/* The held packet with the earliest timestamp (on a tie, the source given
 * first: interfaces come before NFLOG groups, so that an interface's
 * packet is in the table before the NFLOG copy stamped the same). */
static struct sm_live_src *sm_live_oldest(struct sm_live *l)
{
    struct sm_live_src *best = NULL;
    for (size_t i = 0; i < l->nsrc; i++) {
        struct sm_live_src *s = &l->s[i];
        if (s->n && (!best || s->held[s->head].ts_us < best->held[best->head].ts_us))
            best = s;
    }
    return best;
}

static void sm_live_pop(struct sm_live_src *s)
{
    struct sm_live_held *h = &s->held[s->head];
    sm_live_deliver(s, h->data, h->cap_len, h->wire_len, h->ts_us);
    free(h->data);
    s->head = (s->head + 1) % SM_LIVE_HELD;
    s->n--;
}

/* Hands the held packets over in timestamp order, as far as no source can
 * still bring an older one: a source with packets held brings none older
 * than its first (each source's own come in order), one with none may
 * until late_us after the packet's time has passed. all: everything (the
 * stop, after the last drain). */
static void sm_live_release(struct sm_live *l, int64_t wall, bool all)
{
    struct sm_live_src *best;
    while ((best = sm_live_oldest(l)) != NULL) {
        int64_t ts = best->held[best->head].ts_us;
        for (size_t i = 0; i < l->nsrc && !all; i++)
            if (l->s[i].n == 0 && ts > wall - l->s[i].late_us)
                return;
        sm_live_pop(best);
    }
}

static void sm_live_packet(void *ctx, const struct sm_captured *pkt)
{
    struct sm_live_src *s = ctx;
    struct sm_live *l = s->l;
    if (!l->merge) {
        sm_live_deliver(s, pkt->data, pkt->cap_len, pkt->wire_len, pkt->ts_us);
        return;
    }
    while (s->n == SM_LIVE_HELD) /* full: the oldest goes now */
        sm_live_pop(sm_live_oldest(l));
    uint8_t *copy = malloc(pkt->cap_len ? pkt->cap_len : 1);
    if (!copy) { /* out of memory: handed over now, out of order */
        sm_live_deliver(s, pkt->data, pkt->cap_len, pkt->wire_len, pkt->ts_us);
        return;
    }
    memcpy(copy, pkt->data, pkt->cap_len);
    s->held[(s->head + s->n) % SM_LIVE_HELD] =
            (struct sm_live_held){ pkt->ts_us, pkt->cap_len, pkt->wire_len, copy };
    s->n++;
}

/* Conntrack events wait here until their connection is in the table:
 * netlink delivers an entry's NEW and its first UPDATEs (SYN_RECV,
 * ESTABLISHED) at once, while the handshake's packets may still sit in a
 * capture ring block. Only events on an SSH port wait (other TCP is not
 * ours), in order, for SM_CT_PENDING_USECS at most; the oldest is
 * forgotten when the ring is full. */
#define SM_CT_PENDING       256
#define SM_CT_PENDING_USECS (3 * 1000000LL)
struct sm_ct_pending {
    struct sm_ct_event ev[SM_CT_PENDING];
    unsigned head, n;
};

/* An event to the connection it belongs to, by its original tuple (the
 * sensor sees the addresses before NAT) or its reply tuple (after NAT);
 * false when no tracked connection has either. */
static bool sm_live_ct_apply(struct sm_engine *e, const struct sm_ct_event *ev)
{
    bool via_reply = false;
    struct sm_flow *f = sm_flow_lookup(e->flows, ev->ip_version, &ev->orig_src, ev->orig_sport,
                                       &ev->orig_dst, ev->orig_dport);
    if (!f) {
        f = sm_flow_lookup(e->flows, ev->ip_version, &ev->repl_src, ev->repl_sport, &ev->repl_dst,
                           ev->repl_dport);
        via_reply = f != NULL;
    }
    if (!f)
        return false;
    e->totals.ct_matched++;
    sm_flow_ct_note(e->flows, f, ev->type == SM_CT_DESTROY, ev->ts_us, ev->state, ev->timeout_s,
                    via_reply);
    return true;
}

static void sm_live_ct_event(void *ctx, const struct sm_ct_event *ev)
{
    struct sm_live *l = ctx;
    struct sm_ct_pending *q = l->ct_pending;
    const uint8_t *ports = l->e->ssh_ports;
    if (!sm_port_is_ssh(ports, ev->orig_dport) && !sm_port_is_ssh(ports, ev->orig_sport) &&
        !sm_port_is_ssh(ports, ev->repl_dport) && !sm_port_is_ssh(ports, ev->repl_sport) &&
        !l->e->cfg.content_select)
        return;
    if (q->n == SM_CT_PENDING) { /* full: the oldest goes */
        q->head = (q->head + 1) % SM_CT_PENDING;
        q->n--;
    }
    q->ev[(q->head + q->n) % SM_CT_PENDING] = *ev;
    q->n++;
}

/* The waiting events, in order, after the packets read so far: those
 * whose connection is now known go to it, the others wait (or expire). */
static void sm_live_ct_match(struct sm_live *l, int64_t wall)
{
    struct sm_ct_pending *q = l->ct_pending;
    if (!q)
        return;
    unsigned keep = 0;
    for (unsigned i = 0; i < q->n; i++) {
        const struct sm_ct_event *ev = &q->ev[(q->head + i) % SM_CT_PENDING];
        if (sm_live_ct_apply(l->e, ev) || wall - ev->ts_us > SM_CT_PENDING_USECS)
            continue;
        q->ev[(q->head + keep) % SM_CT_PENDING] = *ev;
        keep++;
    }
    q->n = keep;
}

/* Everything conntrack has said so far. An error ends the witness, not
 * the capture: it is said once and capture_stats shows it off. */
static void sm_live_ct_read(struct sm_live *l)
{
    if (!l->ct)
        return;
    if (sm_ct_read(l->ct, sm_live_ct_event, l) < 0) {
        sm_log(SM_LOG_WARN, "--conntrack: reading events: %s; the witness stops", strerror(errno));
        l->e->totals.ct_on = false;
        sm_ct_close(l->ct);
        l->ct = NULL;
    }
}

/* The conntrack statistics, once a tick: a rise of insert_failed + drop
 * (a full table refusing new entries) is remembered with its time, for
 * the silent-drops of the SYNs sent then. */
static void sm_live_ct_stats(struct sm_live *l, int64_t wall)
{
    struct sm_ct_stats st;
    struct sm_engine *e = l->e;
    if (!l->ct || l->ct_stats_off)
        return;
    if (!sm_ct_query_stats(l->ct, &st)) {
        /* Never read: it will not be (after -Z the kernel refuses the
         * request: nfnetlink wants CAP_NET_ADMIN of the process that sends
         * it, not only of the socket's opener). Said once, not tried each
         * tick; the events still come (a subscription only receives). */
        if (!l->ct_full_known) {
            l->ct_stats_off = true;
            sm_log(SM_LOG_WARN,
                   "--conntrack: cannot read the conntrack statistics%s; a full table is not "
                   "detected",
                   e->cfg.drop_user ? " after -Z (the kernel answers only with CAP_NET_ADMIN)"
                                    : "");
        }
        return;
    }
    uint64_t full = st.insert_failed + st.drop;
    if (l->ct_full_known && full > l->ct_full_prev) {
        e->ct_full_at[e->ct_full_next] = wall;
        e->ct_full_next = (e->ct_full_next + 1) % SM_CT_RISES;
    }
    l->ct_full_prev = full;
    l->ct_full_known = true;
    e->totals.ct_stats = true;
    e->totals.ct_insert_failed = st.insert_failed;
    e->totals.ct_drop = st.drop;
}

/* The kernel's counters now, and since the previous capture_stats. */
static void sm_live_counters(struct sm_live *l, int64_t wall)
{
    struct sm_capture_totals *t = &l->e->totals;
    if (l->ct) {
        const struct sm_ct_counters *cc = sm_ct_counters(l->ct);
        t->ct_events = cc->events;
        t->ct_overruns = cc->overruns;
        t->ct_malformed = cc->malformed;
    }
    uint64_t now[3] = { 0, 0, 0 };
    bool any = false;
    for (size_t i = 0; i < l->nsrc; i++) {
        uint64_t c[3];
        if (sm_capture_stats(l->s[i].c, &c[0], &c[1], &c[2])) {
            for (int k = 0; k < 3; k++)
                now[k] += c[k];
            any = true;
        }
    }
    if (any) {
        t->kernel_received = now[0];
        t->kernel_dropped = now[1];
        t->iface_dropped = now[2];
    } else {
        memcpy(now, l->last_ctr, sizeof(now));
    }
    t->kernel_received_interval = now[0] - l->last_ctr[0];
    t->kernel_dropped_interval = now[1] - l->last_ctr[1];
    t->iface_dropped_interval = now[2] - l->last_ctr[2];
    memcpy(l->last_ctr, now, sizeof(now));
    t->interval_s = (double)(wall - l->stats_at_us) / 1e6;
    l->stats_at_us = wall;
}

/* A periodic capture_stats. */
static void sm_live_stats(struct sm_live *l, int64_t wall)
{
    struct sm_engine *e = l->e;
    sm_live_counters(l, wall);
    e->totals.final = false;
    if (!sm_output_wants_records(e->out))
        return;
    struct sm_output_stats os;
    sm_output_stats(e->out, &os);
    sm_event_stats(sm_output_writer(e->out), e->cfg.host, wall, &e->dstats,
                   sm_flow_table_stats(e->flows), &e->totals, e->verdicts, &os);
    sm_output_commit(e->out);
}

/* The self-pipe, both ends non-blocking and closed on exec. */
static bool sm_live_pipe(int fds[2])
{
    if (pipe(fds) != 0)
        return false;
    for (int i = 0; i < 2; i++)
        if (fcntl(fds[i], F_SETFL, O_NONBLOCK) != 0 || fcntl(fds[i], F_SETFD, FD_CLOEXEC) != 0) {
            close(fds[0]);
            close(fds[1]);
            return false;
        }
    return true;
}

/* Waits at most timeout_ms for packets on any source, the self-pipe or
 * the conntrack socket (or a signal); ready[i]: source i has packets.
 * -1 on a poll() error (said here). */
static int sm_live_wait(struct sm_live *l, int wake_rd, int timeout_ms, bool *ready)
{
    struct pollfd pfd[SM_LIVE_MAX_SOURCES + 2];
    size_t n = 0;
    for (; n < l->nsrc; n++)
        pfd[n] = (struct pollfd){ .fd = sm_capture_fd(l->s[n].c), .events = POLLIN };
    pfd[n++] = (struct pollfd){ .fd = wake_rd, .events = POLLIN };
    pfd[n++] = (struct pollfd){ .fd = sm_ct_fd(l->ct), .events = POLLIN }; /* -1: ignored */
    int rc = poll(pfd, n, timeout_ms);
    if (rc < 0 && errno != EINTR) {
        sm_log(SM_LOG_ERROR, "poll: %s", strerror(errno));
        return -1;
    }
    /* POLLERR/POLLHUP too: the read that follows reports the error. */
    for (size_t i = 0; i < l->nsrc; i++)
        ready[i] = rc > 0 && pfd[i].revents != 0;
    return 0;
}

/* The loop: wait for packets or the clock or a signal, handle what is
 * ready, then let time pass by the wall clock even on an idle wire.
 * Packets may reach us up to sm_capture_holdback_ms() after their
 * timestamp (several sources: held until the others cannot bring older
 * ones, late_us), so the clock is taken that much behind: a connection is
 * not expired while a packet of it may still be in a kernel block. */
static int sm_live_loop(struct sm_live *l, int wake_rd)
{
    struct sm_engine *e = l->e;
    int64_t holdback_us = 0;
    for (size_t i = 0; i < l->nsrc; i++)
        if (l->s[i].late_us > holdback_us)
            holdback_us = l->s[i].late_us;
    int64_t interval_us = (int64_t)e->cfg.stats_interval_secs * 1000000;
    int64_t next_stats = interval_us ? l->stats_at_us + interval_us : INT64_MAX;
    while (!sm_stop_requested) {
        if (sm_reopen_requested) {
            sm_reopen_requested = 0;
            sm_output_reopen(e->out);
        }
        if (sm_report_requested) { /* SIGUSR1: the connections finished so far */
            sm_report_requested = 0;
            sm_engine_write_report(e);
        }
        int64_t wall = sm_wall_us();
        int64_t wait_us = (int64_t)SM_LIVE_TICK_MS * 1000;
        if (next_stats - wall < wait_us)
            wait_us = next_stats > wall ? next_stats - wall : 0;
        bool ready[SM_LIVE_MAX_SOURCES];
        if (sm_live_wait(l, wake_rd, (int)((wait_us + 999) / 1000), ready) < 0)
            return 2;
        sm_live_ct_read(l);
        for (size_t i = 0; i < l->nsrc; i++) {
            struct sm_live_src *s = &l->s[i];
            if (ready[i] && sm_capture_dispatch(s->c, SM_LIVE_BATCH, sm_live_packet, s) < 0) {
                sm_log(SM_LOG_ERROR, "%s: %s", s->name, sm_capture_error(s->c));
                return 2;
            }
        }
        if (l->merge)
            sm_live_release(l, sm_wall_us(), false);
        sm_live_ct_match(l, sm_wall_us());
        sm_live_ct_stats(l, sm_wall_us());
        char buf[64];
        while (read(wake_rd, buf, sizeof(buf)) > 0)
            ;
        wall = sm_wall_us();
        sm_engine_tick(e, wall - holdback_us);
        sm_output_tick(e->out); /* syslog: reconnect, replay the backlog */
        if (wall >= next_stats) {
            sm_live_stats(l, wall);
            next_stats += interval_us;
            if (next_stats <= wall) /* fell behind (suspended): no burst */
                next_stats = wall + interval_us;
        }
    }
    /* Connections that ended just before the stop: their last packets. */
    for (size_t i = 0; i < l->nsrc; i++) {
        struct sm_live_src *s = &l->s[i];
        if (sm_capture_drain(s->c, sm_live_packet, s) < 0) {
            sm_log(SM_LOG_ERROR, "%s: %s", s->name, sm_capture_error(s->c));
            return 2;
        }
    }
    if (l->merge)
        sm_live_release(l, 0, true);
    return 0;
}

/* Closes what sm_live_open() opened. */
static void sm_live_close(struct sm_live *l)
{
    for (size_t i = 0; i < l->nsrc; i++) {
        struct sm_live_src *s = &l->s[i];
        for (; s->held && s->n; s->n--, s->head = (s->head + 1) % SM_LIVE_HELD)
            free(s->held[s->head].data);
        free(s->held);
        sm_capture_close(s->c);
    }
    l->nsrc = 0;
}

/* Opens the sources, interfaces first (the tie order of the merge).
 * 0, or the exit status. */
static int sm_live_open(struct sm_live *l, const char *const *ifaces, size_t n)
{
    struct sm_engine *e = l->e;
    char err[512];
    size_t names_len = 1;
    for (size_t i = 0; i < n; i++)
        names_len += strlen(ifaces[i]) + 1;
    free(e->live_names);
    e->live_names = malloc(names_len);
    if (!e->live_names) {
        sm_log(SM_LOG_ERROR, "out of memory");
        return 2;
    }
    e->live_names[0] = '\0';
    struct sm_capture *opened[SM_LIVE_MAX_SOURCES];
    size_t nflog = 0;
    for (size_t i = 0; i < n; i++) {
        e->totals.inputs++;
        opened[i] = sm_capture_open_live(ifaces[i], e->cfg.snaplen, e->cfg.buffer_bytes, err,
                                         sizeof(err));
        if (!opened[i]) {
            sm_log(SM_LOG_ERROR, "%s", err);
            e->totals.inputs_failed++;
            while (i > 0)
                sm_capture_close(opened[--i]);
            return 2;
        }
        nflog += sm_capture_is_nflog(opened[i]);
    }
    /* An NFLOG group beside an interface is a witness; NFLOG groups alone
     * are the packets themselves, as with one -i nflog:N. */
    bool witnesses = nflog > 0 && nflog < n;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++) {
            if (sm_capture_is_nflog(opened[i]) != (pass == 1))
                continue;
            struct sm_live_src *s = &l->s[l->nsrc++];
            s->l = l;
            s->c = opened[i];
            s->name = ifaces[i];
            s->witness = witnesses && pass == 1;
            if (e->live_names[0])
                strcat(e->live_names, " ");
            strcat(e->live_names, ifaces[i]);
        }
    l->merge = n > 1;
    int status = 0;
    for (size_t i = 0; i < l->nsrc && !status; i++) {
        struct sm_live_src *s = &l->s[i];
        s->dlt = sm_capture_datalink(s->c);
        if (!sm_decode_link_supported(s->dlt)) {
            sm_log(SM_LOG_ERROR, "%s: unsupported link type %s (%d)", s->name,
                   sm_capture_datalink_name(s->c), s->dlt);
            status = 2;
            break;
        }
        /* -f is for the connections' packets; a witness's only find
         * connections already tracked. */
        if (sm_capture_set_filter(s->c, e->cfg.ports, sm_engine_filter_ports(e),
                                  s->witness ? NULL : e->cfg.filter, err, sizeof(err))) {
            sm_log(SM_LOG_ERROR, "%s: %s", s->name, err);
            status = 1;
            break;
        }
        s->src = sm_engine_add_source(e, s->name);
        s->late_us = (int64_t)sm_capture_holdback_ms(s->c) * 1000;
        if (l->merge) {
            s->late_us += (int64_t)SM_LIVE_DRAIN_MS * 1000;
            s->held = malloc(SM_LIVE_HELD * sizeof(*s->held));
            if (!s->held) {
                sm_log(SM_LOG_ERROR, "out of memory");
                status = 2;
            }
        }
    }
    if (status)
        sm_live_close(l);
    e->totals.nf_witness = witnesses;
    return status;
}

int sm_engine_run_live(struct sm_engine *e, const char *const *ifaces, size_t n)
{
    char err[512];

    e->totals.live = true;
    if (n == 0 || n > SM_LIVE_MAX_SOURCES) {
        sm_log(SM_LOG_ERROR, "-i: 1 to %d sources", SM_LIVE_MAX_SOURCES);
        return 1;
    }
    struct sm_live l = { .e = e };
    int status = sm_live_open(&l, ifaces, n);
    if (status)
        return status;
    /* --conntrack needs CAP_NET_ADMIN: subscribed before -Z. Without it
     * (not root, no nf_conntrack_netlink) the capture runs as without the
     * option, said once and in capture_stats. */
    e->ct_timeout_s = -1;
    if (e->cfg.conntrack) {
        e->totals.ct_asked = true;
        l.ct = sm_ct_open(err, sizeof(err));
        if (!l.ct)
            sm_log(SM_LOG_WARN, "%s; continuing without the conntrack witness", err);
        e->totals.ct_on = l.ct != NULL;
        e->ct_timeout_s = sm_ct_timeout_established();
        e->totals.ct_timeout_s = e->ct_timeout_s;
    }
    if (e->cfg.drop_user) {
        int rc = sm_drop_privileges(e->cfg.drop_user);
        if (rc) {
            sm_ct_close(l.ct);
            sm_live_close(&l);
            return rc;
        }
    }
    int wake[2];
    if (!sm_live_pipe(wake)) {
        sm_log(SM_LOG_ERROR, "pipe: %s", strerror(errno));
        sm_ct_close(l.ct);
        sm_live_close(&l);
        return 2;
    }
    e->totals.source = e->live_names;
    e->totals.snaplen = sm_capture_snaplen(l.s[0].c);
    e->totals.buffer_bytes = sm_capture_buffer_bytes(l.s[0].c);
    e->sweep_us = (int64_t)SM_LIVE_TICK_MS * 1000;
    l.stats_at_us = sm_wall_us();
    l.ct_pending = l.ct ? calloc(1, sizeof(struct sm_ct_pending)) : NULL;
    if (l.ct && !l.ct_pending) {
        sm_log(SM_LOG_WARN, "--conntrack: out of memory; continuing without the witness");
        sm_ct_close(l.ct);
        l.ct = NULL;
        e->totals.ct_on = false;
    }
    sm_wake_fd = wake[1];
    status = sm_live_loop(&l, wake[0]);
    sm_wake_fd = -1;
    close(wake[0]);
    close(wake[1]);
    /* The counters of the final capture_stats (sm_engine_finish() writes
     * it after the connections still open), and the time of the stop. */
    int64_t wall = sm_wall_us();
    sm_live_ct_read(&l);
    sm_live_ct_match(&l, wall);
    sm_live_counters(&l, wall);
    sm_engine_tick(e, wall);
    sm_ct_close(l.ct);
    free(l.ct_pending);
    sm_live_close(&l);
    return status;
}

/* SSH was seen on ports that were not selected: never silent about it.
 * Only without auto in -p, which for files means an explicit -p list. */
static void sm_engine_say_unselected(const struct sm_engine *e)
{
    const struct sm_unselected *u = e->unsel;
    if (!u || u->nconns == 0)
        return;
    char ports[SM_UNSEL_PORTS * 40 + 16] = "", list[SM_UNSEL_PORTS * 8 + 8] = "";
    char given[SM_MAX_PORTS * 6 + 1] = "";
    size_t o = 0, l = 0, g = 0;
    for (uint32_t k = 0; k < u->nports; k++) {
        o += (size_t)snprintf(ports + o, sizeof(ports) - o, "%s%u (%s%u connection%s)",
                              k ? ", " : "", u->port[k], u->full ? "at least " : "", u->count[k],
                              u->count[k] == 1 ? "" : "s");
        l += (size_t)snprintf(list + l, sizeof(list) - l, ",%u", u->port[k]);
    }
    if (u->more_ports)
        snprintf(ports + o, sizeof(ports) - o, ", and more");
    for (size_t k = 0; k < e->cfg.nports && g < sizeof(given); k++)
        g += (size_t)snprintf(given + g, sizeof(given) - g, "%s%u", k ? "," : "", e->cfg.ports[k]);
    /* Files get -p auto unless -p was given (main.c): then say so, since
     * leaving -p out is the shorter way there. */
    sm_log(SM_LOG_WARN, "SSH seen on port%s not selected: %s; add with -p %s%s, or use -p auto%s",
           u->nports == 1 && !u->more_ports ? "" : "s", ports, given, list,
           e->totals.live ? "" : " (the default for files without -p)");
}

void sm_engine_finish(struct sm_engine *e)
{
    /* The connections still open are written on the queue's thread too
     * (a million of them, after a flood), the statistics after them. */
    e->async = true;
    sm_flow_flush(e->flows, e->now_us);
    sm_patterns_finish(e->patterns);
    sm_emit_queue_drain(e->queue);
    e->async = false;
    /* Live capture always ends with its statistics. */
    if ((e->cfg.stats_event || e->totals.live) && sm_output_wants_records(e->out)) {
        e->totals.final = true;
        struct sm_output_stats os;
        sm_output_stats(e->out, &os);
        sm_event_stats(sm_output_writer(e->out), e->cfg.host, e->now_us, &e->dstats,
                       sm_flow_table_stats(e->flows), &e->totals, e->verdicts, &os);
        sm_output_commit(e->out);
    }
    if (!sm_output_wants_records(e->out)) {
        const char *names[SM_V_COUNT];
        for (int v = 0; v < SM_V_COUNT; v++)
            names[v] = sm_verdict_name((enum sm_verdict)v);
        sm_output_summary(e->out, names, e->verdicts, SM_V_COUNT);
    }
    sm_engine_say_unselected(e);
}

int sm_engine_write_report(struct sm_engine *e)
{
    if (!e->report)
        return 0;
    int rc = 0;
    char err[512];
    if (e->cfg.report_json &&
        sm_report_write(e->report, e->cfg.report_json, false, err, sizeof(err)) != 0) {
        fprintf(stderr, "sshmortem: --report-json: %s\n", err);
        rc = -1;
    }
    if (e->cfg.report_html &&
        sm_report_write(e->report, e->cfg.report_html, true, err, sizeof(err)) != 0) {
        fprintf(stderr, "sshmortem: --report: %s\n", err);
        rc = -1;
    }
    return rc;
}

void sm_engine_free(struct sm_engine *e)
{
    if (!e)
        return;
    sm_emit_queue_free(e->queue); /* gives queued connections back first */
    if (e->ahead_w)
        e->ahead_w->ops->free(e->ahead_w);
    free(e->unsel);
    free(e->live_names);
    sm_flow_table_free(e->flows);
    sm_patterns_free(e->patterns);
    sm_report_free(e->report);
    free(e);
}
