/* SPDX-License-Identifier: MIT */
/* summary: the ssh_teardown and capture_stats events, field by field, in the
 * order doc/events.md lists them. EVE names where EVE has the fact. */
#include "config.h"
#include "event.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "community_id.h"
#include "conntrack.h"
#include "intern.h"
#include "pattern.h"
#include "stream.h"

/* Two decimal digits of v (0..99) at o. */
static char *sm_put2(char *o, unsigned v)
{
    *o++ = (char)('0' + v / 10);
    *o++ = (char)('0' + v % 10);
    return o;
}

void sm_format_ts(int64_t us, char *out, size_t outlen)
{
    int64_t secs = us / 1000000;
    long frac = (long)(us % 1000000);
    if (frac < 0) {
        frac += 1000000;
        secs--;
    }
    /* Years 1970..9999 by hand: the proleptic Gregorian date from the day
     * count (H. Hinnant's days_from_civil inverse), the same text as
     * gmtime_r + snprintf at a twentieth of the cost (three timestamps per
     * event). Other years go the long way. */
    if (secs >= 0 && secs < 253402300800LL && outlen >= SM_TS_LEN) {
        int64_t days = secs / 86400, rem = secs % 86400;
        int64_t z = days + 719468;
        int64_t era = z / 146097;
        unsigned doe = (unsigned)(z - era * 146097);
        unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        int64_t y = (int64_t)yoe + era * 400;
        unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        unsigned mp = (5 * doy + 2) / 153;
        unsigned d = doy - (153 * mp + 2) / 5 + 1;
        unsigned m = mp < 10 ? mp + 3 : mp - 9;
        y += m <= 2;
        char *o = out;
        o = sm_put2(o, (unsigned)(y / 100));
        o = sm_put2(o, (unsigned)(y % 100));
        *o++ = '-';
        o = sm_put2(o, m);
        *o++ = '-';
        o = sm_put2(o, d);
        *o++ = 'T';
        o = sm_put2(o, (unsigned)(rem / 3600));
        *o++ = ':';
        o = sm_put2(o, (unsigned)(rem / 60 % 60));
        *o++ = ':';
        o = sm_put2(o, (unsigned)(rem % 60));
        *o++ = '.';
        for (int i = 5; i >= 0; i--) {
            o[i] = (char)('0' + frac % 10);
            frac /= 10;
        }
        o += 6;
        *o++ = 'Z';
        *o = '\0';
        return;
    }
    time_t t = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(out, outlen, "1970-01-01T00:00:00.000000Z");
        return;
    }
    snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

static void sm_w_ts(struct sm_writer *w, const char *key, int64_t us)
{
    char ts[SM_TS_LEN];
    sm_format_ts(us, ts, sizeof(ts));
    sm_w_cstr(w, key, ts);
}

static void sm_w_addr(struct sm_writer *w, const char *key, const struct sm_addr *a, uint8_t v)
{
    char buf[64];
    sm_addr_format(a, v, buf, sizeof(buf));
    sm_w_cstr(w, key, buf);
}

static const char *sm_end_name(enum sm_flow_end why)
{
    switch (why) {
    case SM_END_CLOSED:
        return "closed";
    case SM_END_TIMEOUT:
        return "handshake-timeout";
    case SM_END_REUSED:
        return "port-reused";
    case SM_END_SUPERSEDED:
        return "superseded";
    case SM_END_EVICTED:
        return "evicted";
    case SM_END_CAPTURE_END:
        return "capture-end";
    }
    return "capture-end";
}

static void sm_event_rst(struct sm_writer *w, const struct sm_flow *f,
                         const struct sm_classification *c)
{
    const struct sm_tcp_side *s = &f->side[c->rst_dir];
    const struct sm_tcp_end *e = sm_flow_end_of(f, c->rst_dir);
    w->ops->obj_begin(w, "rst");
    sm_w_cstr(w, "from", c->rst_dir == SM_DIR_ORIG ? "client" : "server");
    w->ops->u64(w, "ttl", e->rst_ttl);
    if (s->ttl_known)
        w->ops->u64(w, "ttl_before", s->ttl_last);
    else
        w->ops->null(w, "ttl_before");
    w->ops->u64(w, "hops", sm_ttl_hops(e->rst_ttl));
    if (s->ttl_known)
        w->ops->u64(w, "hops_before", sm_ttl_hops(s->ttl_last));
    else
        w->ops->null(w, "hops_before");
    if (f->ip_version == 4) {
        w->ops->u64(w, "ip_id", e->rst_ipid);
        if (s->ttl_known)
            w->ops->u64(w, "ip_id_before", s->ipid_last);
    }
    w->ops->boolean(w, "seq_exact", e->rst_seq_exact);
    w->ops->u64(w, "count", e->rst_count);
    if (c->rst_sender_continued)
        w->ops->boolean(w, "sender_continued", true);
    if (c->rst_from_capture_host)
        w->ops->boolean(w, "from_capture_host", true);
    w->ops->obj_end(w);
}

/* Well-known default idle timeouts of stateful middleboxes
 * (../shared/anchors/protocol-anchors.md section 7.2), shortest first. */
static const struct {
    const char *name;
    int64_t secs;
} sm_idle_timeouts[] = {
    { "Azure Load Balancer (4 min)", 240 },
    { "AWS NAT Gateway / NLB / Network Firewall (350 s)", 350 },
    { "GCP Cloud NAT (1200 s)", 1200 },
    { "firewall default (1 h: Cisco ASA, Palo Alto, FortiGate)", 3600 },
    { "OpenWrt conntrack (7440 s)", 7440 },
    { "Linux conntrack default (5 days)", 432000 },
};

bool sm_event_idle_timeout(size_t i, const char **name, int64_t *secs)
{
    if (i >= sizeof(sm_idle_timeouts) / sizeof(sm_idle_timeouts[0]))
        return false;
    *name = sm_idle_timeouts[i].name;
    *secs = sm_idle_timeouts[i].secs;
    return true;
}

/* The idle period was at least the longest well-known timeout it passes. */
static void sm_event_idle_match(struct sm_writer *w, int64_t gap_us)
{
    int best = -1;
    for (int i = 0; i < (int)(sizeof(sm_idle_timeouts) / sizeof(sm_idle_timeouts[0])); i++)
        if (gap_us >= sm_idle_timeouts[i].secs * 1000000)
            best = i;
    if (best < 0) {
        w->ops->null(w, "idle_timeout_match");
        return;
    }
    w->ops->obj_begin(w, "idle_timeout_match");
    sm_w_cstr(w, "name", sm_idle_timeouts[best].name);
    w->ops->u64(w, "timeout_s", (uint64_t)sm_idle_timeouts[best].secs);
    w->ops->obj_end(w);
}

/* Which retry schedule the SYN spacing matches: exponential from 1 s (Linux
 * before 6.5, Windows) or 1 s apart first (Linux 6.5+ with
 * tcp_syn_linear_timeouts, macOS). */
static const char *sm_syn_schedule(const struct sm_flow *f)
{
    const struct sm_tcp_side *o = &f->side[SM_DIR_ORIG];
    uint32_t n = o->syn_count < SM_MAX_SYN_TIMES ? o->syn_count : SM_MAX_SYN_TIMES;
    if (n < 3)
        return NULL;
    bool doubling = true, linear = true;
    for (uint32_t i = 1; i < n; i++) {
        double gap = (double)(sm_flow_syn_ts(f, i) - sm_flow_syn_ts(f, i - 1)) / 1e6;
        double want = (double)(1u << (i - 1));
        if (gap < want * 0.75 || gap > want * 1.35)
            doubling = false;
        if (i <= 2 && (gap < 0.75 || gap > 1.35))
            linear = false;
    }
    if (doubling)
        return "exponential from 1 s (Linux before 6.5, Windows)";
    if (linear)
        return "1 s apart first (Linux 6.5+, macOS)";
    return "other";
}

static void sm_event_stall(struct sm_writer *w, const struct sm_flow *f)
{
    int d = -1;
    for (int i = 0; i < 2; i++)
        if (sm_flow_stall(f, i)->active &&
            (d < 0 || sm_flow_stall(f, i)->count > sm_flow_stall(f, d)->count))
            d = i;
    if (d < 0)
        return;
    const struct sm_tcp_stall *s = sm_flow_stall(f, d);
    sm_w_cstr(w, "stalled_from", d == SM_DIR_ORIG ? "client" : "server");
    w->ops->u64(w, "retransmissions", s->count > 0 ? s->count - 1 : 0);
    w->ops->arr_begin(w, "backoff_s");
    uint32_t n = s->count < SM_MAX_STALL_TIMES ? s->count : SM_MAX_STALL_TIMES;
    for (uint32_t i = 1; i < n; i++)
        w->ops->real(w, NULL, (double)(s->ts[i] - s->ts[i - 1]) / 1e6, 3);
    w->ops->arr_end(w);
    /* Relative to the sender's ISN + 1 (doc/events.md); without the
     * ISN (a mid-stream capture) there is nothing to be relative to. */
    if (f->side[d].isn_known)
        w->ops->u64(w, "stalled_seq", (uint32_t)(s->seq - f->side[d].isn - 1u));
    w->ops->u64(w, "stalled_segment_size", s->len);
    w->ops->u64(w, "largest_acked_segment", f->side[d].max_acked_seg);
}

/* evidence.netfilter: what the kernel's netfilter said about the
 * connection. NFLOG: the last packet a rule with a log prefix logged. */
static void sm_event_netfilter(struct sm_writer *w, const struct sm_flow *f,
                               const struct sm_classification *c)
{
    static const char *const hooks[] = { "prerouting", "input", "forward", "output",
                                         "postrouting" };
    const struct sm_flow_nflog *n = sm_flow_nflog_of(f);
    const struct sm_flow_ct *ct = sm_flow_ct_of(f);
    if (!n && !ct && !c->ct_table_full)
        return;
    w->ops->obj_begin(w, "netfilter");
    if (n) {
        w->ops->str(w, "rule_prefix", n->prefix->bytes, n->prefix->len);
        w->ops->boolean(w, "dropped_by_rule", c->nf_rule != NULL);
        w->ops->u64(w, "logged_packets", n->packets);
        sm_w_cstr(w, "last_logged_from", n->dir == SM_DIR_ORIG ? "client" : "server");
        w->ops->real(w, "last_logged_s", (double)(n->last_ts - f->first_ts) / 1e6, 3);
        if (n->hook < sizeof(hooks) / sizeof(hooks[0]))
            sm_w_cstr(w, "hook", hooks[n->hook]);
        if (n->indev)
            w->ops->u64(w, "indev", n->indev);
        if (n->outdev)
            w->ops->u64(w, "outdev", n->outdev);
    }
    if (ct) {
        w->ops->obj_begin(w, "conntrack");
        w->ops->u64(w, "events", ct->events);
        if (ct->has_state)
            sm_w_cstr(w, "state", sm_ct_state_name(ct->state));
        w->ops->boolean(w, "destroyed", ct->destroy_ts != 0);
        if (ct->destroy_ts) {
            sm_w_ts(w, "destroy_time", ct->destroy_ts);
            w->ops->real(w, "destroyed_after_s", (double)(ct->destroy_ts - f->first_ts) / 1e6, 3);
        }
        if (f->established)
            w->ops->real(w, "idle_s", (double)f->gap_us / 1e6, 3);
        if (c->ct_timeout_s > 0)
            w->ops->u64(w, "timeout_s", (uint64_t)c->ct_timeout_s);
        sm_w_cstr(w, "matched_tuple", ct->via_reply ? "reply" : "original");
        w->ops->boolean(w, "confirms_state_table_timeout", c->ct_confirmed);
        if (c->ct_passed != SM_CT_PASSED_NONE)
            sm_w_cstr(w, "passed_this_host", c->ct_passed == SM_CT_PASSED_SYN ? "syn" : "syn-ack");
        w->ops->obj_end(w);
    }
    if (c->ct_table_full)
        w->ops->boolean(w, "conntrack_table_full", true);
    w->ops->obj_end(w);
}

static void sm_event_evidence(struct sm_writer *w, const struct sm_flow *f,
                              const struct sm_classification *c, const struct sm_event_meta *m)
{
    const struct sm_tcp_side *o = &f->side[SM_DIR_ORIG], *r = &f->side[SM_DIR_RESP];

    w->ops->obj_begin(w, "evidence");
    sm_w_cstr(w, "end", sm_end_name(m->why));
    w->ops->u64(w, "syn_count", o->syn_count);
    w->ops->arr_begin(w, "syn_times_s");
    uint32_t n = o->syn_count < SM_MAX_SYN_TIMES ? o->syn_count : SM_MAX_SYN_TIMES;
    for (uint32_t i = 0; i < n; i++)
        w->ops->real(w, NULL, (double)(sm_flow_syn_ts(f, i) - sm_flow_time(f, SM_TIME_SYN0)) / 1e6,
                     3);
    w->ops->arr_end(w);
    w->ops->u64(w, "synack_count", r->syn_count);
    const char *sched = sm_syn_schedule(f);
    if (sched)
        sm_w_cstr(w, "os_syn_schedule", sched);
    if (c->rst_dir >= 0) {
        sm_w_cstr(w, "rst_origin", sm_rst_origin_name(c->rst_origin));
        sm_event_rst(w, f, c);
    }
    if (o->fin_seen || r->fin_seen) {
        bool cli = o->fin_seen && (!r->fin_seen || sm_flow_end_of(f, SM_DIR_ORIG)->fin_ts <=
                                                           sm_flow_end_of(f, SM_DIR_RESP)->fin_ts);
        sm_w_cstr(w, "first_fin_from", cli ? "client" : "server");
    }
    const struct sm_flow_icmp *icmp = sm_flow_icmp_of(f);
    if (icmp->count) {
        w->ops->obj_begin(w, "icmp");
        w->ops->u64(w, "type", icmp->type);
        w->ops->u64(w, "code", icmp->code);
        sm_w_addr(w, "reporter", &icmp->reporter, f->ip_version);
        if (icmp->cls == SM_ICMP_FRAG_NEEDED)
            w->ops->u64(w, "mtu", icmp->mtu);
        w->ops->u64(w, "count", icmp->count);
        w->ops->boolean(w, "quotes_syn", icmp->quoted_syn);
        w->ops->obj_end(w);
    }
    w->ops->u64(w, "payload_bytes_toserver", sm_flow_payload_bytes(f, SM_DIR_ORIG));
    w->ops->u64(w, "payload_bytes_toclient", sm_flow_payload_bytes(f, SM_DIR_RESP));
    w->ops->real(w, "duration_s", (double)(f->last_ts - f->first_ts) / 1e6, 3);
    if (f->established) {
        w->ops->real(w, "idle_gap_s", (double)f->gap_us / 1e6, 3);
        sm_event_idle_match(w, f->gap_us);
        w->ops->obj_begin(w, "keepalives_seen");
        w->ops->boolean(w, "ssh", o->keepalive_like + r->keepalive_like >= 2);
        w->ops->boolean(w, "tcp", o->tcp_keepalive || r->tcp_keepalive);
        w->ops->obj_end(w);
    }
    sm_event_stall(w, f);
    struct sm_stream_loss loss;
    sm_stream_loss(f, &loss);
    /* Capture loss (bytes the receiver acknowledged that the capture never
     * saw) is kept apart from network loss (holes filled by retransmission). */
    w->ops->u64(w, "capture_loss_bytes", loss.capture_loss[0] + loss.capture_loss[1]);
    w->ops->u64(w, "network_loss_bytes", loss.network_loss[0] + loss.network_loss[1]);
    if (loss.overlap_conflicts[0] + loss.overlap_conflicts[1])
        w->ops->u64(w, "overlap_conflicts", loss.overlap_conflicts[0] + loss.overlap_conflicts[1]);
    const struct sm_app_facts *a = m->app;
    if (a && a->prebanner_text && (m->trim & SM_TRIM_PREBANNER_TEXT))
        w->ops->null(w, "prebanner_text");
    else if (a && a->prebanner_text)
        sm_w_cstr(w, "prebanner_text", a->prebanner_text);
    if (c->refusal_text) {
        w->ops->obj_begin(w, "refusal");
        sm_w_cstr(w, "text", c->refusal_text);
        sm_w_cstr(w, "cause", c->refusal_cause);
        w->ops->obj_end(w);
    }
    if (c->not_ssh_dir >= 0) {
        sm_w_cstr(w, "not_ssh_from", c->not_ssh_dir == SM_DIR_ORIG ? "client" : "server");
        sm_w_cstr(w, "service",
                  a && a->not_ssh_dir == c->not_ssh_dir && a->other_protocol ? a->other_protocol
                                                                             : "unknown");
        if (a && a->not_ssh_dir == c->not_ssh_dir && a->not_ssh_text)
            sm_w_cstr(w, "not_ssh_text", a->not_ssh_text);
        if (a && a->not_ssh_dir == c->not_ssh_dir && a->reply_text)
            sm_w_cstr(w, "reply_text", a->reply_text);
    }
    const struct sm_flow_rare *rare = sm_flow_rare_of(f);
    if (rare && rare->rst_survived.count) {
        const struct sm_flow_rst_survived *rs = &rare->rst_survived;
        w->ops->obj_begin(w, "rst_survived");
        sm_w_cstr(w, "from", rs->dir == SM_DIR_ORIG ? "client" : "server");
        w->ops->real(w, "at_s", (double)(rs->ts - f->first_ts) / 1e6, 3);
        w->ops->u64(w, "ttl", rs->ttl);
        w->ops->u64(w, "ttl_before", rs->ttl_before);
        sm_w_cstr(w, "origin",
                  rs->ttl == rs->ttl_before && !rs->from_capture_host ? "endpoint" : "middlebox");
        w->ops->boolean(w, "seq_exact", rs->seq_exact);
        w->ops->u64(w, "count", rs->count);
        if (rs->from_capture_host)
            w->ops->boolean(w, "from_capture_host", true);
        w->ops->obj_end(w);
    }
    const struct sm_flow_rebind *rb = sm_flow_rebind_of(f);
    if (rb) {
        w->ops->obj_begin(w, "nat_rebind");
        w->ops->u64(w, "old_src_port", rb->old_port);
        w->ops->u64(w, "new_src_port", rb->new_port);
        w->ops->real(w, "idle_gap_s", (double)rb->gap_us / 1e6, 3);
        w->ops->obj_end(w);
    }
    sm_event_netfilter(w, f, c);
    if (c->rst_after_fin)
        sm_w_cstr(w, "rst_after_fin", c->rst_dir == SM_DIR_ORIG ? "client" : "server");
    if (c->dead_peer_rst)
        sm_w_cstr(w, "dead_peer_rst", c->rst_dir == SM_DIR_ORIG ? "client" : "server");
    if (c->path_idle.hi_us > 0) {
        w->ops->obj_begin(w, "path_idle_timeout");
        w->ops->real(w, "min_s", (double)c->path_idle.lo_us / 1e6, 3);
        w->ops->real(w, "max_s", (double)c->path_idle.hi_us / 1e6, 3);
        sm_w_cstr(w, "scope",
                  c->path_idle.scope == SM_IDLE_SCOPE_SERVER ? "server" : "client-network");
        w->ops->u64(w, "survived", c->path_idle.survived);
        w->ops->u64(w, "fatal", c->path_idle.fatal);
        w->ops->obj_end(w);
    }
    if (a && (a->limit_hit || a->bad_packet || a->long_ident)) {
        /* Named anomalies: what the dissector met and stopped at. */
        bool keep = !(m->trim & SM_TRIM_ANOMALIES); /* else left out: [] */
        w->ops->arr_begin(w, "anomalies");
        if (keep && a->limit_hit)
            sm_w_cstr(w, NULL, "ssh_over_limit");
        if (keep && a->bad_packet)
            sm_w_cstr(w, NULL, "ssh_bad_packet");
        if (keep && a->long_ident)
            sm_w_cstr(w, NULL, "ssh_ident_too_long");
        w->ops->arr_end(w);
    }
    if (a && c->verdict == SM_V_KEX_FAILED) {
        w->ops->obj_begin(w, "kex_failure");
        sm_w_cstr(w, "category",
                  a->kex_no_common ? a->kex_no_common_category
                                   : (a->disconnect_seen ? "disconnect" : "other"));
        for (int i = 0; i < 2; i++) {
            const char *key = i == 0 ? "client" : "server";
            if (!a->kex_no_common || !a->kex_fail_list[i]) {
                w->ops->null(w, key);
                continue;
            }
            /* The name-list, split at its commas. */
            w->ops->arr_begin(w, key);
            const uint8_t *p = a->kex_fail_list[i];
            size_t left = a->kex_fail_len[i];
            while (left > 0) {
                const uint8_t *comma = memchr(p, ',', left);
                size_t len = comma ? (size_t)(comma - p) : left;
                w->ops->str(w, NULL, p, len);
                left -= comma ? len + 1 : len;
                p += comma ? len + 1 : len;
            }
            w->ops->arr_end(w);
        }
        w->ops->obj_end(w);
    }
    if (sm_flow_truncated(f))
        w->ops->u64(w, "truncated_packets", sm_flow_truncated(f));
    if (sm_flow_fragments(f))
        w->ops->u64(w, "fragments", sm_flow_fragments(f));
    if (f->evicted)
        w->ops->boolean(w, "evicted", true);
    if (m->selected_by)
        sm_w_cstr(w, "selected_by", f->selected_by == SM_SEL_CONTENT ? "content" : "port");
    if (f->superseded)
        w->ops->boolean(w, "superseded", true);
    w->ops->obj_end(w);
}

static void sm_w_opt_u64(struct sm_writer *w, const char *key, bool have, uint64_t v)
{
    if (have)
        w->ops->u64(w, key, v);
    else
        w->ops->null(w, key);
}

static void sm_event_tcp(struct sm_writer *w, const struct sm_flow *f)
{
    const struct sm_tcp_side *o = &f->side[SM_DIR_ORIG], *r = &f->side[SM_DIR_RESP];

    w->ops->obj_begin(w, "tcp");
    int64_t hs_syn_ts = sm_flow_hs_syn_ts(f);
    if (sm_flow_time(f, SM_TIME_HS_ACK) && hs_syn_ts)
        w->ops->real(w, "rtt_ms", (double)(sm_flow_time(f, SM_TIME_HS_ACK) - hs_syn_ts) / 1e3, 3);
    else
        w->ops->null(w, "rtt_ms");
    w->ops->u64(w, "retransmissions_toserver", o->retrans);
    w->ops->u64(w, "retransmissions_toclient", r->retrans);
    char history[SM_HISTORY_MAX + 1];
    sm_flow_history(f, history);
    sm_w_cstr(w, "history", history);
    w->ops->boolean(w, "midstream", f->midstream);
    w->ops->boolean(w, "one_sided", sm_flow_one_sided(f));
    sm_w_opt_u64(w, "mss_client", o->mss != 0, o->mss);
    sm_w_opt_u64(w, "mss_server", r->mss != 0, r->mss);
    sm_w_opt_u64(w, "wscale_client", o->wscale >= 0, (uint64_t)(o->wscale < 0 ? 0 : o->wscale));
    sm_w_opt_u64(w, "wscale_server", r->wscale >= 0, (uint64_t)(r->wscale < 0 ? 0 : r->wscale));
    w->ops->boolean(w, "sack_permitted", o->sack_perm && r->sack_perm);
    w->ops->boolean(w, "timestamps", o->ts_opt && r->ts_opt);
    sm_w_opt_u64(w, "ttl_client", o->ttl_known, o->ttl_first);
    sm_w_opt_u64(w, "ttl_server", r->ttl_known, r->ttl_first);
    w->ops->u64(w, "duplicates", sm_flow_duplicates(f));
    w->ops->u64(w, "zero_window_toserver", sm_flow_zero_window(f, SM_DIR_ORIG));
    w->ops->u64(w, "zero_window_toclient", sm_flow_zero_window(f, SM_DIR_RESP));
    sm_w_opt_u64(w, "synack_bad_ack", f->synack_judged, sm_flow_synack_bad_ack(f));
    w->ops->obj_end(w);
}

/* --- the text form's ladder diagram ---------------------------------------- */

static void sm_ladder_add(struct sm_ladder *l, int64_t ts, enum sm_ladder_kind kind, uint64_t n,
                          const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void sm_ladder_add(struct sm_ladder *l, int64_t ts, enum sm_ladder_kind kind, uint64_t n,
                          const char *fmt, ...)
{
    if (l->n >= SM_LADDER_ROWS || (ts == 0 && kind != SM_LADDER_MORE))
        return;
    struct sm_ladder_row *r = &l->row[l->n++];
    r->ts = ts;
    r->kind = kind;
    r->n = n;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->label, sizeof(r->label), fmt, ap);
    va_end(ap);
}

static enum sm_ladder_kind sm_ladder_dir(int d)
{
    return d == SM_DIR_ORIG ? SM_LADDER_TO_SERVER : SM_LADDER_TO_CLIENT;
}

/* The packets that decided the verdict, from the facts the flow keeps (it
 * holds no packet log): the handshake, the retransmissions of a stalled
 * segment, ICMP errors, the FINs and RSTs or else each side's last packet,
 * the idle period before the end, and how many packets are not drawn. */
void sm_event_ladder_build(const struct sm_flow *f, const struct sm_classification *c,
                           struct sm_ladder *lp)
{
    struct sm_ladder l;
    memset(&l, 0, sizeof(l));
    l.t0 = f->first_ts;
    const struct sm_tcp_side *o = &f->side[SM_DIR_ORIG], *r = &f->side[SM_DIR_RESP];
    uint64_t drawn = 0;
    uint32_t nsyn = o->syn_count < SM_MAX_SYN_TIMES ? o->syn_count : SM_MAX_SYN_TIMES;
    for (uint32_t i = 0; i < nsyn; i++, drawn++)
        sm_ladder_add(&l, sm_flow_syn_ts(f, i), SM_LADDER_TO_SERVER, 0, i ? "SYN (again)" : "SYN");
    if (sm_flow_time(f, SM_TIME_SYNACK)) {
        sm_ladder_add(&l, sm_flow_time(f, SM_TIME_SYNACK), SM_LADDER_TO_CLIENT, 0,
                      r->syn_count > 1 ? "SYN-ACK (%u sent)" : "SYN-ACK", r->syn_count);
        drawn += r->syn_count ? r->syn_count : 1;
    }
    if (sm_flow_time(f, SM_TIME_HS_ACK)) {
        sm_ladder_add(&l, sm_flow_time(f, SM_TIME_HS_ACK), SM_LADDER_TO_SERVER, 0, "ACK");
        drawn++;
    }
    unsigned handshake = l.n;
    for (int d = 0; d < 2; d++) {
        const struct sm_tcp_stall *s = sm_flow_stall(f, d);
        if (!s->active)
            continue;
        uint32_t n = s->count < SM_MAX_STALL_TIMES ? s->count : SM_MAX_STALL_TIMES;
        for (uint32_t i = 0; i < n; i++, drawn++)
            sm_ladder_add(&l, s->ts[i], sm_ladder_dir(d), 0, "%s%" PRIu32 " bytes",
                          i ? "again: " : "data, ", s->len);
    }
    const struct sm_flow_icmp *icmp = sm_flow_icmp_of(f);
    if (icmp->count) {
        char rep[64];
        sm_addr_format(&icmp->reporter, f->ip_version, rep, sizeof(rep));
        /* To the side whose packet it quotes. */
        sm_ladder_add(&l, icmp->ts,
                      icmp->quoted_dir == SM_DIR_ORIG ? SM_LADDER_TO_CLIENT : SM_LADDER_TO_SERVER,
                      0, "ICMP %u/%u from %s", icmp->type, icmp->code, rep);
    }
    for (int d = 0; d < 2; d++) {
        const struct sm_tcp_end *e = sm_flow_end_of(f, d);
        bool end = false;
        if (f->side[d].fin_seen && e->fin_ts) {
            sm_ladder_add(&l, e->fin_ts, sm_ladder_dir(d), 0, "FIN");
            drawn++;
            end = true;
        }
        if (f->side[d].rst_seen && e->rst_ts) {
            sm_ladder_add(&l, e->rst_ts, sm_ladder_dir(d), 0, "RST%s",
                          c->rst_dir == d && c->rst_origin == SM_RST_MIDDLEBOX ? " (middlebox)"
                                                                               : "");
            drawn++;
            end = true;
        }
        /* Without an end of its own, where the side fell silent. */
        bool shown = false;
        for (unsigned i = 0; i < l.n; i++)
            shown |= l.row[i].ts == f->side_last_ts[d] && l.row[i].kind == sm_ladder_dir(d);
        if (!end && !shown && sm_flow_pkts(f, d)) {
            sm_ladder_add(&l, f->side_last_ts[d], sm_ladder_dir(d), 0, "last packet");
            drawn++;
        }
    }
    /* In time order (few rows: insertion sort, stable). */
    for (unsigned i = 1; i < l.n; i++)
        for (unsigned j = i; j > 0 && l.row[j - 1].ts > l.row[j].ts; j--) {
            struct sm_ladder_row tmp = l.row[j];
            l.row[j] = l.row[j - 1];
            l.row[j - 1] = tmp;
        }
    /* The idle period before the end (the last one past --idle-min, or
     * far longer than the session's rhythm): before the first row after
     * the handshake that comes at least its length after the start. */
    struct sm_flow_idle idle = sm_flow_idle_of(f);
    int64_t gap = idle.gap_us;
    if (idle.seen && l.n < SM_LADDER_ROWS) {
        unsigned at = l.n;
        for (unsigned i = handshake > l.n ? l.n : handshake; i < l.n; i++)
            if (l.row[i].ts - gap >= f->first_ts) {
                at = i;
                break;
            }
        memmove(&l.row[at + 1], &l.row[at], (l.n - at) * sizeof(l.row[0]));
        struct sm_ladder_row *g = &l.row[at];
        memset(g, 0, sizeof(*g));
        g->kind = SM_LADDER_GAP;
        g->n = (uint64_t)gap;
        g->ts = at > 0 ? l.row[at - 1].ts : f->first_ts;
        snprintf(g->label, sizeof(g->label), "idle");
        l.n++;
    }
    /* The packets in between that are not drawn, after the handshake. */
    uint64_t total = sm_flow_pkts(f, SM_DIR_ORIG) + sm_flow_pkts(f, SM_DIR_RESP);
    if (total > drawn && l.n < SM_LADDER_ROWS) {
        unsigned at = handshake < l.n ? handshake : l.n;
        memmove(&l.row[at + 1], &l.row[at], (l.n - at) * sizeof(l.row[0]));
        memset(&l.row[at], 0, sizeof(l.row[0]));
        l.row[at].kind = SM_LADDER_MORE;
        l.row[at].n = total - drawn;
        l.n++;
    }
    *lp = l;
}

static void sm_event_ladder(struct sm_writer *w, const struct sm_flow *f,
                            const struct sm_classification *c)
{
    struct sm_ladder l;
    sm_event_ladder_build(f, c, &l);
    w->ops->ladder(w, &l);
}

void sm_event_teardown(struct sm_writer *w, const struct sm_flow *f,
                       const struct sm_classification *c, const struct sm_event_meta *m)
{
    char cid[SM_COMMUNITY_ID_LEN];
    /* The event's time: the last packet when the connection ended on the
     * wire; the capture time when it was evicted or the input ended. */
    bool at_now =
            m->why == SM_END_EVICTED || m->why == SM_END_CAPTURE_END || m->why == SM_END_SUPERSEDED;
    int64_t ts = at_now && m->now_us > f->last_ts ? m->now_us : f->last_ts;

    w->ops->begin(w);
    sm_w_ts(w, "timestamp", ts);
    sm_w_cstr(w, "event_type", "ssh_teardown");
    w->ops->u64(w, "flow_id", f->id);
    if (sm_community_id(0, f->ip_version, &f->addr[0], f->port[0], &f->addr[1], f->port[1], 6, cid,
                        sizeof(cid)) == 0)
        sm_w_cstr(w, "community_id", cid);
    else
        w->ops->null(w, "community_id");
    sm_w_cstr(w, "host", m->host);
    w->ops->obj_begin(w, "capture");
    sm_w_cstr(w, "source", m->source);
    w->ops->obj_end(w);
    if (f->vlan_count) {
        w->ops->arr_begin(w, "vlan");
        for (unsigned i = 0; i < f->vlan_count; i++)
            w->ops->u64(w, NULL, f->vlan[i]);
        w->ops->arr_end(w);
    }
    sm_w_addr(w, "src_ip", &f->addr[SM_DIR_ORIG], f->ip_version);
    w->ops->u64(w, "src_port", f->port[SM_DIR_ORIG]);
    sm_w_addr(w, "dest_ip", &f->addr[SM_DIR_RESP], f->ip_version);
    w->ops->u64(w, "dest_port", f->port[SM_DIR_RESP]);
    sm_w_cstr(w, "proto", "TCP");
    w->ops->u64(w, "ip_version", f->ip_version);
    if (m->direction)
        sm_w_cstr(w, "direction", m->direction);

    sm_w_cstr(w, "verdict", sm_verdict_name(c->verdict));
    w->ops->real(w, "confidence", c->confidence, 2);
    sm_w_cstr(w, "reason", c->reason);
    sm_w_cstr(w, "hint", sm_classification_hint(c));
    if (c->symptom[0])
        sm_w_cstr(w, "symptom", c->symptom);
    else
        w->ops->null(w, "symptom");
    sm_w_cstr(w, "closed_by", sm_closed_by_name(c->closed_by));
    sm_w_cstr(w, "phase", sm_phase_name(c->phase));

    w->ops->obj_begin(w, "flow");
    w->ops->u64(w, "pkts_toserver", sm_flow_pkts(f, SM_DIR_ORIG));
    w->ops->u64(w, "pkts_toclient", sm_flow_pkts(f, SM_DIR_RESP));
    w->ops->u64(w, "bytes_toserver", sm_flow_bytes(f, SM_DIR_ORIG));
    w->ops->u64(w, "bytes_toclient", sm_flow_bytes(f, SM_DIR_RESP));
    sm_w_ts(w, "start", f->first_ts);
    sm_w_ts(w, "end", f->last_ts);
    w->ops->obj_end(w);

    sm_event_evidence(w, f, c, m);
    sm_event_tcp(w, f);
    if (w->ops->ladder && c->verdict != SM_V_NORMAL_CLOSE)
        sm_event_ladder(w, f, c);
    /* The dissector's own section ("ssh": null before any SSH byte). */
    sm_stream_describe(f, w, m->trim);
    if (m->trim) {
        static const char *const parts[SM_TRIM_PARTS] = {
            "ssh.client.kexinit",      "ssh.server.kexinit",         "ssh.client.hassh.string",
            "ssh.server.hassh.string", "ssh.server.prebanner",       "evidence.prebanner_text",
            "evidence.anomalies",      "ssh.disconnect.description",
        };
        w->ops->arr_begin(w, "trimmed");
        for (int i = 0; i < SM_TRIM_PARTS; i++)
            if (m->trim & (1u << i))
                sm_w_cstr(w, NULL, parts[i]);
        w->ops->arr_end(w);
    }
}

void sm_event_stats(struct sm_writer *w, const char *host, int64_t now_us,
                    const struct sm_decode_stats *d, const struct sm_flow_stats *fs,
                    const struct sm_capture_totals *ct, const uint64_t *verdict_counts,
                    const struct sm_output_stats *os)
{
    w->ops->begin(w);
    sm_w_ts(w, "timestamp", now_us);
    sm_w_cstr(w, "event_type", "capture_stats");
    sm_w_cstr(w, "host", host);
    w->ops->boolean(w, "final", ct->final);
    w->ops->obj_begin(w, "capture");
    if (ct->live && ct->source)
        sm_w_cstr(w, "source", ct->source);
    w->ops->u64(w, "inputs", ct->inputs);
    w->ops->u64(w, "inputs_failed", ct->inputs_failed);
    if (ct->live) {
        w->ops->u64(w, "snaplen", ct->snaplen);
        w->ops->u64(w, "buffer_bytes", ct->buffer_bytes);
        w->ops->real(w, "interval_s", ct->interval_s, 3);
        w->ops->u64(w, "kernel_received", ct->kernel_received);
        w->ops->u64(w, "kernel_dropped", ct->kernel_dropped);
        w->ops->u64(w, "iface_dropped", ct->iface_dropped);
        w->ops->u64(w, "kernel_received_interval", ct->kernel_received_interval);
        w->ops->u64(w, "kernel_dropped_interval", ct->kernel_dropped_interval);
        w->ops->u64(w, "iface_dropped_interval", ct->iface_dropped_interval);
    }
    if (ct->ct_asked) {
        w->ops->obj_begin(w, "conntrack");
        w->ops->boolean(w, "on", ct->ct_on);
        w->ops->u64(w, "events", ct->ct_events);
        w->ops->u64(w, "matched", ct->ct_matched);
        w->ops->u64(w, "overruns", ct->ct_overruns);
        w->ops->u64(w, "malformed", ct->ct_malformed);
        if (ct->ct_timeout_s >= 0)
            w->ops->u64(w, "tcp_timeout_established_s", (uint64_t)ct->ct_timeout_s);
        if (ct->ct_stats) {
            w->ops->u64(w, "insert_failed", ct->ct_insert_failed);
            w->ops->u64(w, "drop", ct->ct_drop);
        }
        w->ops->obj_end(w);
    }
    if (ct->nf_witness) {
        w->ops->obj_begin(w, "nflog_witness");
        w->ops->u64(w, "packets", ct->nf_witness_packets);
        w->ops->u64(w, "matched", ct->nf_witness_matched);
        w->ops->obj_end(w);
    }
    w->ops->obj_end(w);
    w->ops->obj_begin(w, "decoder");
    w->ops->u64(w, "packets", d->packets);
    w->ops->u64(w, "tcp", d->tcp);
    w->ops->u64(w, "icmp_errors", d->icmp_errors);
    w->ops->u64(w, "truncated", d->truncated);
    w->ops->u64(w, "fragments", d->fragments);
    w->ops->u64(w, "malformed", d->malformed);
    w->ops->u64(w, "tunneled", d->tunneled);
    w->ops->u64(w, "other", d->other);
    w->ops->obj_end(w);
    w->ops->obj_begin(w, "flows");
    w->ops->u64(w, "total", fs->flows);
    w->ops->u64(w, "max_active", fs->active_max);
    w->ops->u64(w, "evicted", fs->evicted);
    w->ops->u64(w, "duplicates", fs->duplicates);
    w->ops->u64(w, "icmp_matched", fs->icmp_matched);
    w->ops->u64(w, "icmp_unmatched", fs->icmp_unmatched);
    w->ops->u64(w, "active", fs->active);
    w->ops->obj_end(w);
    w->ops->obj_begin(w, "verdicts");
    for (int v = 0; v < SM_V_COUNT; v++)
        if (verdict_counts[v])
            w->ops->u64(w, sm_verdict_name((enum sm_verdict)v), verdict_counts[v]);
    w->ops->obj_end(w);
    /* Last: what happened to the events on their way out (not this one). */
    if (os) {
        w->ops->obj_begin(w, "output");
        sm_w_cstr(w, "destination", os->destination);
        w->ops->u64(w, "written", os->written);
        w->ops->u64(w, "lost", os->lost);
        w->ops->u64(w, "lost_write_error", os->lost_write_error);
        w->ops->u64(w, "lost_backlog_full", os->lost_backlog_full);
        w->ops->u64(w, "lost_oversize", os->lost_oversize);
        w->ops->u64(w, "trimmed", os->trimmed);
        if (os->tcp) {
            w->ops->u64(w, "backlog", os->backlog);
            w->ops->u64(w, "backlog_max", os->backlog_max);
            w->ops->u64(w, "reconnects", os->reconnects);
            w->ops->u64(w, "collector_resets", os->collector_resets);
            w->ops->boolean(w, "connected", os->connected);
        }
        w->ops->obj_end(w);
    }
}

void sm_event_pattern(struct sm_writer *w, const char *host, const struct sm_pattern_report *r)
{
    static const char *const kinds[] = { "ban", "mass-refusal", "syn-flood", "idle-timeout",
                                         "password-guessing" };
    /* Parenthesised: one sentence each, split only for the line length. */
    static const char *const what[] = {
        ("The client connected successfully before, then its connections were dropped or "
         "refused: it was probably banned (fail2ban, sshd PerSourcePenalties, a firewall "
         "recent/rate rule)."),
        ("The server refused many different clients at once: sshd MaxStartups, load, or a "
         "firewall in front of it."),
        "Many half-open connections from many sources: a SYN flood, or a scan.",
        "", /* idle-timeout: composed below */
        "", /* password-guessing: composed below */
    };
    bool guess = r->kind == SM_PAT_PASSWORD_GUESSING;
    const struct sm_idle_interval *iv = &r->idle;
    bool idle = r->kind == SM_PAT_IDLE_TIMEOUT;
    bool net = idle && iv->scope == SM_IDLE_SCOPE_CLIENT_NET;
    w->ops->begin(w);
    sm_w_ts(w, "timestamp", r->last_ts);
    sm_w_cstr(w, "event_type", "ssh_pattern");
    sm_w_cstr(w, "host", host);
    sm_w_cstr(w, "pattern", kinds[r->kind]);
    if (idle)
        sm_w_cstr(w, "scope", net ? "client-network" : "server");
    if (r->kind == SM_PAT_BAN || guess)
        sm_w_addr(w, "src_ip", &r->client, r->ip_version);
    if (net) {
        char buf[72];
        sm_addr_format(&r->client, r->ip_version, buf, sizeof(buf) - 4);
        strcat(buf, r->ip_version == 6 ? "/64" : "/24");
        sm_w_cstr(w, "src_net", buf);
    } else {
        sm_w_addr(w, "dest_ip", &r->server, r->ip_version);
        w->ops->u64(w, "dest_port", r->port);
    }
    w->ops->u64(w, "ip_version", r->ip_version);
    w->ops->u64(w, "connections", r->connections);
    w->ops->u64(w, "sources", r->sources);
    if (idle) {
        w->ops->real(w, "idle_timeout_min_s", (double)iv->lo_us / 1e6, 3);
        w->ops->real(w, "idle_timeout_max_s", (double)iv->hi_us / 1e6, 3);
        w->ops->u64(w, "survived", iv->survived);
        w->ops->u64(w, "fatal", iv->fatal);
    }
    if (guess) {
        w->ops->u64(w, "attempts", r->attempts);
        w->ops->u64(w, "failures", r->failures);
        w->ops->u64(w, "servers", r->servers);
        w->ops->u64(w, "window_s", r->window_secs);
    }
    sm_w_cstr(w, "verdict", sm_verdict_name(r->verdict));
    sm_w_ts(w, "start", r->first_ts);
    sm_w_ts(w, "end", r->last_ts);
    if (idle) {
        char reason[320];
        snprintf(reason, sizeof(reason),
                 "%u connections %s died after %lld s or more of silence while %u survived "
                 "silences of up to %lld s: a NAT or firewall on the path drops idle TCP after "
                 "%lld to %lld s; set ServerAliveInterval (client) or ClientAliveInterval "
                 "(server) below %lld.",
                 iv->fatal, net ? "from this client network" : "to this server",
                 (long long)(iv->hi_us / 1000000), iv->survived, (long long)(iv->lo_us / 1000000),
                 (long long)(iv->lo_us / 1000000), (long long)((iv->hi_us + 999999) / 1000000),
                 (long long)(iv->lo_us / 1000000));
        sm_w_cstr(w, "reason", reason);
    } else if (guess) {
        char reason[320];
        snprintf(reason, sizeof(reason),
                 "The client failed %u authentication attempts (of %u) in %u connections to "
                 "%u server%s within %u s: it is probably guessing passwords (the attempts are "
                 "counted from encrypted packet sizes, ssh.auth_attempts).",
                 r->failures, r->attempts, r->connections, r->servers, r->servers == 1 ? "" : "s",
                 r->window_secs);
        sm_w_cstr(w, "reason", reason);
    } else {
        sm_w_cstr(w, "reason", what[r->kind]);
    }
}
