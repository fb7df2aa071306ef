/* SPDX-License-Identifier: MIT */
/* summary: drives packets through the stages and turns finished connections
 * into events. The only module that knows all the others. */
#include "config.h"
#include "engine.h"

#include <grp.h>
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
#include "stream.h"
#include "thread.h"

#define SM_MAX_SOURCES 4096

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
};

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
static struct sm_capture *volatile sm_live_capture;

void sm_engine_request_stop(void)
{
    sm_stop_requested = 1;
    if (sm_live_capture)
        sm_capture_break(sm_live_capture);
}

void sm_engine_request_reopen(void)
{
    sm_reopen_requested = 1;
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
    };

    sm_stream_end(f);
    sm_stream_facts(f, &app);
    struct sm_stream_loss loss;
    sm_stream_loss(f, &loss);
    cc.network_loss[0] = loss.network_loss[0];
    cc.network_loss[1] = loss.network_loss[1];
    cc.capture_loss = loss.capture_loss[0] + loss.capture_loss[1];
    sm_classify(f, &cc, &c);
    if (e->patterns) { /* the path's idle timeout, learned across connections */
        int64_t survived, fatal;
        struct sm_idle_interval iv;
        sm_classify_silences(f, &c, &survived, &fatal);
        if (sm_patterns_idle(e->patterns, f->ip_version, &f->addr[SM_DIR_ORIG],
                             &f->addr[SM_DIR_RESP], f->port[SM_DIR_RESP], survived, fatal,
                             f->first_ts, f->last_ts, &iv))
            sm_classify_cite_idle(f, &c, &iv);
    }
    e->verdicts[c.verdict]++;
    bool flood =
            e->patterns && sm_patterns_observe(e->patterns, f->ip_version, &f->addr[SM_DIR_ORIG],
                                               &f->addr[SM_DIR_RESP], f->port[SM_DIR_RESP],
                                               c.verdict, f->first_ts, f->last_ts);
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
    e->queue = sm_emit_queue_new(sizeof(struct sm_engine_job), SM_ENGINE_QUEUE_DEPTH,
                                 sm_engine_job_run, sm_engine_job_done, e);
    if (!e->flows || !e->patterns || !e->queue) {
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
    if (e->nsources < SM_MAX_SOURCES)
        e->sources[e->nsources++] = name;
    return e->nsources - 1;
}

/* The program's own filter: the kernel filter may be absent (NFLOG) or see
 * only the outer headers of a tunnel. */
static bool sm_engine_wanted(const struct sm_engine *e, const struct sm_pkt *p)
{
    if (p->kind == SM_PKT_TCP)
        return sm_port_is_ssh(e->ssh_ports, p->sport) || sm_port_is_ssh(e->ssh_ports, p->dport);
    if (p->kind == SM_PKT_ICMP_ERR)
        return sm_port_is_ssh(e->ssh_ports, p->quoted.sport) ||
               sm_port_is_ssh(e->ssh_ports, p->quoted.dport);
    return false;
}

static void sm_engine_tick(struct sm_engine *e, int64_t now)
{
    if (now > e->now_us)
        e->now_us = now;
    /* Sweep at most once per second of capture time. */
    if (e->now_us - e->last_sweep_us >= 1000000) {
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
    if (!sm_engine_wanted(e, p))
        return;
    if (p->ts_us < e->now_us)
        p->ts_us = e->now_us;
    enum sm_dir dir;
    struct sm_flow *f = keys ? sm_flow_packet_keyed(e->flows, p, keys, source, &dir)
                             : sm_flow_packet(e->flows, p, source, &dir);
    if (f)
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
     * payload, which moves into the record (c->data is libpcap's). */
    uint32_t kept = 0;
    if (pp->pkt.payload) {
        kept = pp->pkt.payload_cap;
        memcpy(keep, pp->pkt.payload, kept);
        pp->pkt.payload = keep;
    }
    return kept;
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
    if (sm_capture_set_filter(c, e->cfg.ports, e->cfg.nports, e->cfg.filter, err, sizeof(err))) {
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
        if (rc == SM_CAP_EOF)
            break;
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

int sm_engine_run_live(struct sm_engine *e, const char *iface)
{
    char err[512];
    struct sm_captured pkt;

    e->totals.inputs++;
    e->totals.live = true;
    struct sm_capture *c = sm_capture_open_live(iface, err, sizeof(err));
    if (!c) {
        sm_log(SM_LOG_ERROR, "%s", err);
        e->totals.inputs_failed++;
        return 2;
    }
    int dlt = sm_capture_datalink(c);
    if (!sm_decode_link_supported(dlt)) {
        sm_log(SM_LOG_ERROR, "%s: unsupported link type %s (%d)", iface,
               sm_capture_datalink_name(c), dlt);
        sm_capture_close(c);
        return 2;
    }
    if (sm_capture_set_filter(c, e->cfg.ports, e->cfg.nports, e->cfg.filter, err, sizeof(err))) {
        sm_log(SM_LOG_ERROR, "%s: %s", iface, err);
        sm_capture_close(c);
        return 1;
    }
    if (e->cfg.drop_user) {
        int rc = sm_drop_privileges(e->cfg.drop_user);
        if (rc) {
            sm_capture_close(c);
            return rc;
        }
    }
    uint32_t src = sm_engine_add_source(e, iface);
    sm_live_capture = c;
    int status = 0;
    while (!sm_stop_requested) {
        if (sm_reopen_requested) {
            sm_reopen_requested = 0;
            sm_output_reopen(e->out);
        }
        sm_output_tick(e->out); /* syslog: reconnect, replay the backlog */
        enum sm_capture_rc rc = sm_capture_next(c, &pkt);
        if (rc == SM_CAP_PACKET)
            sm_engine_packet(e, dlt, pkt.data, pkt.cap_len, pkt.wire_len, pkt.ts_us, src);
        else if (rc == SM_CAP_TIMEOUT)
            sm_engine_tick(e, sm_wall_us()); /* idle wire: time still passes */
        else if (rc == SM_CAP_EOF)
            break;
        else {
            sm_log(SM_LOG_ERROR, "%s: %s", iface, sm_capture_error(c));
            status = 2;
            break;
        }
    }
    sm_capture_stats(c, &e->totals.kernel_received, &e->totals.kernel_dropped,
                     &e->totals.iface_dropped);
    sm_live_capture = NULL;
    sm_capture_close(c);
    return status;
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
    if (e->cfg.stats_event && sm_output_wants_records(e->out)) {
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
}

void sm_engine_free(struct sm_engine *e)
{
    if (!e)
        return;
    sm_emit_queue_free(e->queue); /* gives queued connections back first */
    if (e->ahead_w)
        e->ahead_w->ops->free(e->ahead_w);
    sm_flow_table_free(e->flows);
    sm_patterns_free(e->patterns);
    free(e);
}
