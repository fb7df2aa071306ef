/* SPDX-License-Identifier: MIT */
/* summary: per-direction TCP tracking: what one segment says about its
 * connection (handshake, sequence space, retransmissions and stalls,
 * acknowledged segments, idle periods and keepalives, FIN and RST evidence,
 * Zeek history letters, ICMP errors quoting it). The table (flow.c) finds
 * the connection and owns its memory; these are the TCP rules. */
#include "config.h"
#include "tcp_track.h"

#include <stdlib.h>
#include <string.h>

#include "flow.h"

/* Side d's end evidence for writing, allocated (for both sides) on first
 * use; NULL when out of memory: the FIN or RST still counts (fin_seen,
 * rst_seen), its details are lost. */
static struct sm_tcp_end *sm_flow_end(struct sm_flow_table *t, struct sm_flow *f, enum sm_dir d)
{
    struct sm_flow_aux *a = sm_flow_aux(t, f);
    if (!a)
        return NULL;
    if (!a->end)
        a->end = calloc(2, sizeof(*a->end));
    return a->end ? &a->end[d] : NULL;
}

/* Sets one of the start times: in the flow as an offset when it fits, in
 * the rare block when not (lost without memory for it: reads as 0). */
static void sm_flow_set_time(struct sm_flow_table *t, struct sm_flow *f, enum sm_flow_time which,
                             int64_t ts)
{
    if (sm_flow_time_fits(f, which, ts))
        return;
    struct sm_flow_rare *rare = sm_flow_rare(t, f);
    if (rare)
        rare->far_ts[which] = ts;
    f->time_off[which] = rare ? UINT32_MAX : 0;
}

/* Adds n to side d's count c, whose low 32 bits are at *lo: a carry goes to
 * the rare block (lost without memory for it). */
static inline void sm_flow_add(struct sm_flow_table *t, struct sm_flow *f, enum sm_dir d,
                               enum sm_side_count c, uint32_t *lo, uint32_t n)
{
    uint32_t old = *lo;
    *lo = old + n;
    if (*lo < old) {
        struct sm_flow_rare *rare = sm_flow_rare(t, f);
        if (rare)
            rare->carry[d][c]++;
    }
}

const struct sm_tcp_stall *sm_flow_stall(const struct sm_flow *f, int d)
{
    static const struct sm_tcp_stall none;
    const struct sm_flow_rare *rare = sm_flow_rare_of(f);
    return rare ? &rare->stall[d] : &none;
}

const struct sm_tcp_end *sm_flow_end_of(const struct sm_flow *f, int d)
{
    static const struct sm_tcp_end none;
    return f->aux && f->aux->end ? &f->aux->end[d] : &none;
}

const struct sm_flow_icmp *sm_flow_icmp_of(const struct sm_flow *f)
{
    static const struct sm_flow_icmp none;
    const struct sm_flow_rare *rare = sm_flow_rare_of(f);
    return rare ? &rare->icmp : &none;
}

struct sm_flow_idle sm_flow_idle_of(const struct sm_flow *f)
{
    struct sm_flow_idle idle = { 0 };
    if (f->idle_seen) {
        idle.gap_us = f->gap_us;
        idle.seq = f->idle_seq;
        idle.dir = f->idle_dir;
        idle.seen = true;
        idle.acked = f->idle_acked;
        idle.short_gap = f->idle_short;
        idle.rst_after[0] = f->idle_rst_after & 1;
        idle.rst_after[1] = (f->idle_rst_after >> 1) & 1;
    }
    return idle;
}

int64_t sm_flow_syn_ts(const struct sm_flow *f, unsigned i)
{
    if (i == 0)
        return sm_flow_time(f, SM_TIME_SYN0);
    const struct sm_flow_rare *rare = sm_flow_rare_of(f);
    return rare && i < SM_MAX_SYN_TIMES ? rare->syn_ts[i] : 0;
}

int64_t sm_flow_hs_syn_ts(const struct sm_flow *f)
{
    return f->hs_syn_n ? sm_flow_syn_ts(f, f->hs_syn_n - 1u) : 0;
}

/* Indexed by sm_history_index() below: keep the two in the same order. */
static const char sm_history_letters[] = "SHADFRTI";

/* Zeek's history letters: upper case from the initiator, lower case from the
 * responder; each letter is recorded once per direction. */
static inline int sm_history_index(char letter)
{
    /* A switch rather than strchr: callers pass constants, so inlined it
     * folds away (this runs several times per packet). */
    switch (letter) {
    case 'S':
        return 0;
    case 'H':
        return 1;
    case 'A':
        return 2;
    case 'D':
        return 3;
    case 'F':
        return 4;
    case 'R':
        return 5;
    case 'T':
        return 6;
    case 'I':
        return 7;
    default:
        return -1;
    }
}

static inline void sm_flow_history_add(struct sm_flow *f, enum sm_dir d, char letter)
{
    int idx = sm_history_index(letter);
    if (idx < 0)
        return;
    unsigned code = (unsigned)idx * 2 + d;
    uint16_t bit = (uint16_t)(1u << code);
    if (f->history_seen & bit)
        return; /* most packets: seen before, and no bit count (a libgcc call) */
    unsigned len = (unsigned)__builtin_popcount(f->history_seen);
    if (len >= SM_HISTORY_MAX)
        return;
    f->history_seen |= bit;
    f->history |= (uint64_t)code << (4 * len);
}

void sm_flow_history(const struct sm_flow *f, char out[SM_HISTORY_MAX + 1])
{
    unsigned len = (unsigned)__builtin_popcount(f->history_seen);
    unsigned n = len < SM_HISTORY_MAX ? len : SM_HISTORY_MAX;
    for (unsigned i = 0; i < n; i++) {
        unsigned code = (unsigned)(f->history >> (4 * i)) & 15u;
        char letter = sm_history_letters[code / 2];
        out[i] = code % 2 == SM_DIR_ORIG ? letter : (char)(letter - 'A' + 'a');
    }
    out[n] = '\0';
}

static void sm_side_syn(struct sm_flow_table *t, struct sm_flow *f, struct sm_tcp_side *s,
                        enum sm_dir d, const struct sm_pkt *p)
{
    /* The retry schedule evidence: the first SYN in the flow, retries (few
     * connections have them) in the rare block. */
    if (d == SM_DIR_ORIG && s->syn_count == 0) {
        sm_flow_set_time(t, f, SM_TIME_SYN0, p->ts_us);
    } else if (d == SM_DIR_ORIG && s->syn_count < SM_MAX_SYN_TIMES) {
        struct sm_flow_rare *rare = sm_flow_rare(t, f);
        if (rare)
            rare->syn_ts[s->syn_count] = p->ts_us;
    }
    /* A retry (SYN or SYN-ACK): the schedule's tail, whose first entry is
     * the side's first SYN (the responder's: the first SYN-ACK, recorded
     * after this function). */
    if (s->syn_count >= 1) {
        struct sm_flow_rare *rare = sm_flow_rare(t, f);
        if (rare) {
            if (s->syn_count == 1)
                sm_tx_tail_push(rare->syn_tail[d],
                                sm_flow_time(f, d == SM_DIR_ORIG ? SM_TIME_SYN0 : SM_TIME_SYNACK));
            sm_tx_tail_push(rare->syn_tail[d], p->ts_us);
        }
    }
    s->syn_count++;
    /* The SYN of a handshake whose SYN-ACK was captured first (capture
     * reordering): it started that handshake. */
    if (d == SM_DIR_ORIG && s->isn_inferred && p->seq == s->isn && f->hs_syn_n == 0)
        f->hs_syn_n = (uint8_t)(s->syn_count > SM_MAX_SYN_TIMES ? SM_MAX_SYN_TIMES : s->syn_count);
    s->isn_inferred = false;
    s->isn = p->seq;
    s->isn_known = true;
    s->mss = p->mss;
    s->wscale = p->wscale;
    s->sack_perm = p->sack_perm;
    s->ts_opt = p->has_ts;
}

/* A lone segment held in the side (pend_len) moves into a real ring, as
 * the ring would hold it: in slot 0, the next slot 1. Done before the
 * side's next packet changes what it is read from (the side's next_seq and
 * last time). Without memory the evidence is lost, as in
 * sm_flow_seg_record(). */
static void sm_flow_seg_materialize(struct sm_flow_table *t, struct sm_flow *f, enum sm_dir d)
{
    struct sm_tcp_side *side = &f->side[d];
    uint16_t len = side->pend_len;
    side->pend_len = 0;
    struct sm_seg_ring *r = sm_flow_seg_ring_new(t, f, d);
    if (!r)
        return;
    r->next = 1;
    r->slot[0] = 0;
    r->seg[0].seq = side->next_seq - len;
    r->seg[0].len = len;
    r->seg[0].ts = f->side_last_ts[d];
    r->live = 1;
}

/* Remembers a data segment sent for the first time: it takes the next
 * slot, pushing out the segment that held it. A new in-order segment (no
 * SYN or FIN, at most 64 KiB) when the side has no ring is held in the side
 * instead (pend_len): after this packet, its end is the side's next_seq
 * and its time the side's last one, as long as the side sends nothing
 * more (sm_flow_track() makes it a ring first when it does). */
static void sm_flow_seg_record(struct sm_flow_table *t, struct sm_flow *f, enum sm_dir d,
                               const struct sm_pkt *p)
{
    struct sm_seg_ring *r = sm_flow_segs(f, d);
    if (!r) {
        if (p->ts_us == 0)
            return; /* would not be kept: nothing to remember */
        if (!(p->flags & (SM_TH_SYN | SM_TH_FIN)) && p->payload_len <= UINT16_MAX) {
            f->side[d].pend_len = (uint16_t)p->payload_len;
            return;
        }
        r = sm_flow_seg_ring_new(t, f, d);
        if (!r)
            return; /* no memory for the evidence: the flow is still tracked */
    }
    uint8_t slot = r->next;
    r->next = (uint8_t)((r->next + 1) % SM_SEG_RING);
    for (unsigned i = 0; i < r->live; i++) {
        if (r->slot[i] == slot) {
            r->live--;
            r->slot[i] = r->slot[r->live];
            r->seg[i] = r->seg[r->live];
            break;
        }
    }
    if (p->ts_us == 0)
        return;
    if (r->live == r->cap) {
        uint8_t cap = (uint8_t)(r->cap * 2 < SM_SEG_RING ? r->cap * 2 : SM_SEG_RING);
        struct sm_seg_ring *nr = realloc(r, sizeof(*r) + cap * sizeof(r->seg[0]));
        if (!nr)
            return; /* no memory for the evidence: the flow is still tracked */
        r = f->aux->segs[d] = nr;
        r->cap = cap;
    }
    r->slot[r->live] = slot;
    r->seg[r->live].seq = p->seq;
    r->seg[r->live].len = p->payload_len;
    r->seg[r->live].ts = p->ts_us;
    r->live++;
}

/* Data segments of side d: the stall (oldest unacknowledged retransmitted
 * segment), with the times of its transmissions. */
static void sm_flow_track_retrans(struct sm_flow_table *t, struct sm_flow *f, enum sm_dir d,
                                  const struct sm_pkt *p, bool retrans)
{
    const struct sm_tcp_side *peer = &f->side[!d];
    if (!retrans) {
        sm_flow_seg_record(t, f, d, p);
        /* The peer's direction not captured (one-sided): its ACKs cannot
         * end a stall, but the sender tells. After a retransmission
         * timeout a sender sends no new data until the retransmitted
         * segment is acknowledged (RFC 5681 3.1, RFC 6298 5.5: the window
         * is one segment); new data after it means it got through. */
        struct sm_flow_rare *r = f->aux ? f->aux->rare : NULL;
        if (r && r->stall[d].active && sm_flow_pkts(f, !d) == 0 &&
            !sm_seq_lt(p->seq, r->stall[d].seq + r->stall[d].len))
            r->stall[d].active = false;
        return;
    }
    if (peer->ack_known && sm_seq_le(p->seq + p->payload_len, peer->max_ack))
        return; /* already acknowledged: a spurious retransmission */
    struct sm_flow_rare *rare = f->aux ? f->aux->rare : NULL;
    struct sm_tcp_stall *s = rare ? &rare->stall[d] : NULL;
    if (s && s->active && p->seq == s->seq) {
        if (s->count < SM_MAX_STALL_TIMES)
            s->ts[s->count] = p->ts_us;
        s->count++;
        sm_tx_tail_push(s->tail, p->ts_us);
        s->ack_at_last = p->ack;
        if (p->payload_len > s->len)
            s->len = p->payload_len;
        return;
    }
    if (s && s->active && sm_seq_lt(s->seq, p->seq))
        return; /* a later segment: the oldest one tells the story */
    rare = sm_flow_rare(t, f);
    if (!rare)
        return; /* no memory for the evidence: the flow is still tracked */
    s = &rare->stall[d];
    s->active = true;
    s->seq = p->seq;
    s->len = p->payload_len;
    s->count = 0;
    memset(s->tail, 0, sizeof(s->tail));
    /* The original transmission, if we saw it. */
    const struct sm_seg_ring *r = sm_flow_segs(f, d);
    for (unsigned i = 0; r && i < r->live; i++) {
        if (r->seg[i].seq == p->seq) {
            s->ts[s->count++] = r->seg[i].ts;
            sm_tx_tail_push(s->tail, r->seg[i].ts);
            break;
        }
    }
    s->ts[s->count++] = p->ts_us;
    sm_tx_tail_push(s->tail, p->ts_us);
    s->ack_at_last = p->ack;
}

/* The peer of side d acknowledged up to ack: stalls end, segments count as
 * delivered (the largest one bounds the path MTU from below). */
static void sm_flow_track_acked(struct sm_flow_table *t, struct sm_flow *f, enum sm_dir d,
                                uint32_t ack)
{
    struct sm_tcp_side *side = &f->side[d];
    /* The lone segment held in the side ends at its next_seq. */
    if (side->pend_len && sm_seq_le(side->next_seq, ack)) {
        if (side->pend_len > side->max_acked_seg)
            side->max_acked_seg = side->pend_len;
        side->pend_len = 0;
    }
    struct sm_seg_ring *r = sm_flow_segs(f, d);
    if (r) {
        for (unsigned i = 0; i < r->live;) {
            if (r->seg[i].len && sm_seq_le(r->seg[i].seq + r->seg[i].len, ack)) {
                if (r->seg[i].len > side->max_acked_seg)
                    side->max_acked_seg = r->seg[i].len;
                r->live--;
                r->slot[i] = r->slot[r->live];
                r->seg[i] = r->seg[r->live];
            } else {
                i++;
            }
        }
        if (r->live == 0)
            sm_flow_seg_release(t, f, d); /* nothing left to learn from */
    }
    struct sm_flow_rare *rare = f->aux ? f->aux->rare : NULL;
    struct sm_tcp_stall *s = rare ? &rare->stall[d] : NULL;
    if (s && s->active && sm_seq_lt(s->seq, ack)) {
        if (s->len > side->max_acked_seg && sm_seq_le(s->seq + s->len, ack))
            side->max_acked_seg = s->len;
        s->active = false;
    }
}

bool sm_flow_nothing_in_flight(const struct sm_flow *f)
{
    for (int d = 0; d < 2; d++) {
        const struct sm_tcp_side *s = &f->side[d], *peer = &f->side[!d];
        if (s->seq_known && (!peer->ack_known || sm_seq_lt(peer->max_ack, s->next_seq)))
            return false;
    }
    return true;
}

/* Silence before this packet: idle periods, keepalives. */
static void sm_flow_track_idle(struct sm_flow_table *t, struct sm_flow *f, enum sm_dir d,
                               const struct sm_pkt *p)
{
    const struct sm_flow_config *cfg = sm_flow_table_config(t);
    struct sm_tcp_side *s = &f->side[d];
    int64_t gap = p->ts_us - f->last_ts;
    bool keepalive_probe = s->seq_known && p->payload_len <= 1 && (p->flags & SM_TH_ACK) &&
                           !(p->flags & (SM_TH_SYN | SM_TH_FIN | SM_TH_RST)) &&
                           p->seq == s->next_seq - 1;
    if (keepalive_probe)
        s->tcp_keepalive = true;
    int64_t prev = f->gap_us; /* the longest silence so far (or the last idle) */
    if (!f->idle_seen && gap > f->gap_us)
        f->gap_us = gap;
    if (gap >= (int64_t)SM_KEEPALIVE_GAP_SECS * 1000000 && p->payload_len > 0 &&
        p->payload_len <= SM_KEEPALIVE_MAX_BYTES && s->keepalive_like < 2)
        s->keepalive_like++;
    bool resumed = f->established && cfg->idle_min_us > 0 && !(p->flags & SM_TH_RST) &&
                   (p->payload_len > 0 || keepalive_probe || (p->flags & SM_TH_FIN));
    /* A shorter silence counts when it broke the connection's rhythm: far
     * longer than any before it, both directions quiet (the gap is between
     * any two packets). */
    bool short_gap = resumed && gap < cfg->idle_min_us &&
                     gap >= (int64_t)SM_SHORT_IDLE_SECS * 1000000 &&
                     gap >= (int64_t)SM_IDLE_RHYTHM_FACTOR * prev;
    /* Either way the silence is idleness only when it began with nothing
     * in flight either way (issue 22 item 5): a transfer cut mid-stream
     * leaves data unacknowledged, and the sender's retransmissions after
     * ever longer backoff gaps are a path that died, not a connection
     * resumed after an idle period, whatever the gap. */
    if (resumed && (gap >= cfg->idle_min_us || short_gap) && sm_flow_nothing_in_flight(f)) {
        f->idle_short = short_gap;
        f->idle_seen = true;
        f->idle_acked = false;
        f->idle_dir = d;
        f->idle_seq = p->seq;
        f->gap_us = gap;
        /* Any RST so far came before the silence (it would have ended it):
         * none is after this idle period yet; sm_flow_track() sets a
         * side's bit at its first RST from now on. */
        f->idle_rst_after = 0;
    }
}

/* Side d sent something other than a RST after the connection's first
 * RST. Once both sides did, the endpoints kept talking: the RST (injected,
 * or out of the window and ignored) did not end the connection. It moves
 * to the rare block's rst_survived (evidence), and the connection is open
 * again, so that a later RST or FIN is judged as its end and a quiet spell
 * does not expire it as closed (issue 22 item 10). Without memory for the
 * evidence the RST stays the end, as before. */
static void sm_flow_track_after_rst(struct sm_flow_table *t, struct sm_flow *f, enum sm_dir d)
{
    f->side[d].talked_after_rst = true;
    if (!f->side[!d].talked_after_rst)
        return;
    struct sm_flow_rare *rare = sm_flow_rare(t, f);
    if (!rare || !f->aux->end)
        return;
    struct sm_tcp_end *e = f->aux->end;
    int first = f->side[0].rst_seen && (!f->side[1].rst_seen || e[0].rst_ts <= e[1].rst_ts) ? 0 : 1;
    if (!rare->rst_survived.count) { /* the first one survived is the one to report */
        rare->rst_survived.ts = e[first].rst_ts;
        rare->rst_survived.dir = (uint8_t)first;
        rare->rst_survived.ttl = e[first].rst_ttl;
        rare->rst_survived.ttl_before = f->side[first].ttl_last;
        rare->rst_survived.seq_exact = e[first].rst_seq_exact;
        rare->rst_survived.from_capture_host = sm_tcp_rst_made_here(&f->side[first], &e[first]);
        rare->rst_survived.count = e[0].rst_count + e[1].rst_count;
    }
    for (int i = 0; i < 2; i++) {
        f->side[i].rst_seen = false;
        f->side[i].talked_after_rst = false;
        e[i].rst_ts = 0;
        e[i].rst_count = 0;
        e[i].rst_ttl = 0;
        e[i].rst_ipid = 0;
        e[i].rst_seq_exact = false;
        e[i].rst_outgoing = false;
    }
    f->idle_rst_after = 0;
    f->ended = f->side[0].fin_seen && f->side[1].fin_seen;
}

void sm_tcp_track(struct sm_flow_table *t, struct sm_flow *f, enum sm_dir d, const struct sm_pkt *p)
{
    struct sm_tcp_side *s = &f->side[d];
    struct sm_tcp_side *peer = &f->side[!d];
    uint8_t fl = p->flags;

    if (s->pend_len)
        sm_flow_seg_materialize(t, f, d);
    if (sm_flow_pkts(f, d) || sm_flow_pkts(f, !d))
        sm_flow_track_idle(t, f, d, p);

    if (d == SM_DIR_ORIG && !sm_flow_time(f, SM_TIME_ORIG_FIRST))
        sm_flow_set_time(t, f, SM_TIME_ORIG_FIRST, p->ts_us);
    sm_flow_add(t, f, d, SM_COUNT_PKTS, &s->pkts_lo, 1);
    sm_flow_add(t, f, d, SM_COUNT_BYTES, &s->bytes_lo, p->ip_len);
    f->side_last_ts[d] = p->ts_us;
    f->last_ts = p->ts_us;
    if (p->truncated || p->fragment) {
        struct sm_flow_aux *a = sm_flow_aux(t, f);
        if (a && p->truncated)
            a->truncated++;
        if (a && p->fragment)
            a->fragments++;
    }

    /* A zero window, as Arkime counts it (tcpflags.srcZero/dstZero): any
     * segment but a RST advertising 0 (a RST's window means nothing).
     * Wireshark's tcp.analysis.zero_window also leaves out SYN and FIN;
     * the raw field is 0 whatever the scale. Duplicates are not counted
     * (they do not reach here). */
    if (p->win == 0 && !(fl & SM_TH_RST)) {
        struct sm_flow_aux *a = sm_flow_aux(t, f);
        if (a && a->zero_window[d] < UINT32_MAX)
            a->zero_window[d]++;
    }

    if (fl & SM_TH_RST) {
        struct sm_tcp_end *e = sm_flow_end(t, f, d);
        if (e && !e->rst_count) {
            e->rst_ts = p->ts_us;
            if (f->idle_seen) /* the idle period ended at or before now */
                f->idle_rst_after |= (uint8_t)(1u << d);
            e->rst_ttl = p->ttl;
            e->rst_ipid = p->ip_id;
            /* RFC 5961 3.2: only an exact match is accepted at once. */
            e->rst_seq_exact = peer->ack_known && p->seq == peer->max_ack;
            e->rst_outgoing = p->pkttype == SM_PKTTYPE_OUTGOING;
        }
        if (e)
            e->rst_count++;
        s->rst_seen = true;
    } else {
        if (s->rst_seen || peer->rst_seen)
            sm_flow_track_after_rst(t, f, d);
        if (!s->ttl_known)
            s->ttl_first = p->ttl;
        s->ttl_known = true;
        s->ttl_last = p->ttl;
        s->ipid_last = p->ip_id;
        s->arrived = p->pkttype >= 0 && p->pkttype != SM_PKTTYPE_OUTGOING;
    }

    if (fl & SM_TH_SYN) {
        sm_side_syn(t, f, s, d, p);
        if (fl & SM_TH_ACK) {
            if (!sm_flow_time(f, SM_TIME_SYNACK)) {
                sm_flow_set_time(t, f, SM_TIME_SYNACK, p->ts_us);
                f->hs_syn_n = (uint8_t)(peer->syn_count > SM_MAX_SYN_TIMES ? SM_MAX_SYN_TIMES
                                                                           : peer->syn_count);
            }
            /* RFC 793 3.4: a SYN-ACK acknowledges the SYN's ISN + 1. One
             * that does not answers another SYN (a stale or spoofed one, a
             * middlebox rewriting sequence numbers): flagged, judged only
             * against an ISN from a captured SYN, not an inferred one. */
            if (d == SM_DIR_RESP && peer->isn_known && !peer->isn_inferred) {
                f->synack_judged = true;
                if (p->ack != peer->isn + 1) {
                    struct sm_flow_aux *a = sm_flow_aux(t, f);
                    if (a && a->synack_bad_ack < UINT32_MAX)
                        a->synack_bad_ack++;
                }
            }
            /* A SYN-ACK without its SYN (the capture began after it, or
             * reordered it): the initiator's ISN is what the SYN-ACK
             * acknowledges minus one (RFC 793 3.4), so its stream starts
             * there and is dissected like any other; the connection is not
             * mid-stream. */
            if (d == SM_DIR_RESP && !peer->isn_known && !f->midstream) {
                peer->isn = p->ack - 1;
                peer->isn_known = true;
                peer->isn_inferred = true;
            }
            sm_flow_history_add(f, d, 'H');
        } else {
            sm_flow_history_add(f, d, 'S');
        }
    }

    /* Sequence space: SYN and FIN count one each (RFC 793 section 3.3). */
    uint32_t seg_len = p->payload_len + ((fl & SM_TH_SYN) ? 1u : 0u) + ((fl & SM_TH_FIN) ? 1u : 0u);
    uint32_t end = p->seq + seg_len;
    if (!(fl & SM_TH_RST)) {
        bool retrans = p->payload_len > 0 && s->seq_known && sm_seq_lt(p->seq, s->next_seq);
        if (retrans) {
            s->retrans++;
            sm_flow_history_add(f, d, 'T');
        }
        if (p->payload_len > 0)
            sm_flow_track_retrans(t, f, d, p, retrans);
        if (!s->seq_known || sm_seq_gt(end, s->next_seq))
            s->next_seq = end;
        s->seq_known = true;
    }

    if (fl & SM_TH_ACK) {
        if (!s->ack_known || sm_seq_gt(p->ack, s->max_ack)) {
            if (s->ack_known && s->fin_seen && !(fl & SM_TH_RST))
                s->ack_after_fin = true;
            s->max_ack = p->ack;
            s->data_unanswered = false;
        }
        /* The initiator's first ACK after its SYN, the SYN-ACK not
         * captured (one-sided capture, or lost): the responder's ISN is
         * that ACK minus one, as the SYN-ACK's gives the initiator's, so
         * what the initiator acknowledges later is the responder's data
         * the capture missed. */
        if (d == SM_DIR_ORIG && !s->ack_known && s->syn_count && !(fl & (SM_TH_SYN | SM_TH_RST)) &&
            !peer->isn_known && !sm_flow_time(f, SM_TIME_SYNACK) && !f->midstream) {
            peer->isn = p->ack - 1;
            peer->isn_known = true;
            peer->isn_inferred = true;
        }
        s->ack_known = true;
        if (!(fl & SM_TH_RST)) {
            sm_flow_track_acked(t, f, (enum sm_dir) !d, p->ack);
            /* What the peer sent after an idle period got through. */
            if (f->idle_seen && !f->idle_acked && f->idle_dir != d &&
                sm_seq_lt(f->idle_seq, p->ack))
                f->idle_acked = true;
        }
        /* The initiator's ACK of the SYN-ACK completes the handshake. */
        if (d == SM_DIR_ORIG && !(fl & (SM_TH_SYN | SM_TH_RST)) &&
            sm_flow_time(f, SM_TIME_SYNACK) && !sm_flow_time(f, SM_TIME_HS_ACK) &&
            peer->isn_known && p->ack == peer->isn + 1)
            sm_flow_set_time(t, f, SM_TIME_HS_ACK, p->ts_us);
        if (!(fl & (SM_TH_SYN | SM_TH_RST | SM_TH_FIN)) && p->payload_len == 0)
            sm_flow_history_add(f, d, 'A');
    }

    if (p->payload_len > 0) {
        s->data_unanswered = true;
        s->data_since_peer_data++;
        peer->data_since_peer_data = 0;
        sm_flow_add(t, f, d, SM_COUNT_PAYLOAD, &s->payload_lo, p->payload_len);
        sm_flow_history_add(f, d, 'D');
    }

    if (fl & SM_TH_FIN) {
        struct sm_tcp_end *e = s->fin_seen ? NULL : sm_flow_end(t, f, d);
        if (e) {
            e->fin_ts = p->ts_us;
            e->fin_seq = p->seq + p->payload_len;
        }
        s->fin_seen = true;
        sm_flow_history_add(f, d, 'F');
    }
    if (fl & SM_TH_RST)
        sm_flow_history_add(f, d, 'R');

    /* Established: the handshake's last ACK, or two-way traffic beyond it
     * (a lost final ACK is implied by data the responder accepts), or a
     * capture that began mid-stream and shows both directions. */
    if (!f->established) {
        if (sm_flow_time(f, SM_TIME_HS_ACK))
            f->established = true;
        else if (sm_flow_time(f, SM_TIME_SYNACK) && d == SM_DIR_ORIG && p->payload_len > 0)
            f->established = true;
        /* One-sided captures: an initiator that ACKs after its SYN got a
         * SYN-ACK we did not see; a responder that sends data after its
         * SYN-ACK had its connection accepted. */
        else if (d == SM_DIR_ORIG && s->syn_count && !(fl & (SM_TH_SYN | SM_TH_RST)) &&
                 (fl & SM_TH_ACK))
            f->established = true;
        else if (d == SM_DIR_RESP && sm_flow_time(f, SM_TIME_SYNACK) && !(fl & SM_TH_SYN) &&
                 p->payload_len > 0)
            f->established = true;
        else if (f->midstream && !(fl & SM_TH_RST) && sm_flow_pkts(f, 0) && sm_flow_pkts(f, 1))
            f->established = true;
    }
    if ((fl & SM_TH_RST) || (f->side[0].fin_seen && f->side[1].fin_seen))
        f->ended = true;
}

/* RFC 5927 section 4.1 (and Linux): believe an ICMP error only when it
 * quotes the sequence number and that number lies within what the quoted
 * side has sent and not yet had acknowledged; otherwise anyone who guessed
 * the ports could kill or slow the connection. */
bool sm_tcp_icmp_believable(const struct sm_flow *f, enum sm_dir qd, const struct sm_quoted *q)
{
    const struct sm_tcp_side *qs = &f->side[qd];
    const struct sm_tcp_side *qpeer = &f->side[!qd];
    return q->has_seq &&
           !(qs->seq_known && (sm_seq_gt(q->seq, qs->next_seq) ||
                               (qpeer->ack_known && sm_seq_lt(q->seq + 1, qpeer->max_ack)) ||
                               (qs->isn_known && sm_seq_lt(q->seq, qs->isn))));
}

void sm_tcp_icmp(struct sm_flow_table *t, struct sm_flow *f, enum sm_dir qd, const struct sm_pkt *p)
{
    const struct sm_quoted *q = &p->quoted;
    struct sm_flow_rare *rare = sm_flow_rare(t, f);
    struct sm_flow_icmp *icmp = rare ? &rare->icmp : NULL; /* NULL: no memory for it */
    if (icmp && !icmp->count) {
        icmp->type = p->icmp_type;
        icmp->code = p->icmp_code;
        icmp->cls = p->icmp_class;
        icmp->mtu = p->icmp_mtu;
        icmp->quoted_dir = (uint8_t)qd;
        icmp->reporter = p->src;
        icmp->ts = p->ts_us;
        icmp->quoted_syn = q->has_seq && qd == SM_DIR_ORIG && f->side[SM_DIR_ORIG].isn_known &&
                           q->seq == f->side[SM_DIR_ORIG].isn;
    }
    if (icmp)
        icmp->count++;
    f->last_ts = p->ts_us;
    sm_flow_history_add(f, qd, 'I');
}

bool sm_flow_one_sided(const struct sm_flow *f)
{
    for (int d = 0; d < 2; d++) {
        const struct sm_tcp_side *s = &f->side[d];
        if (sm_flow_pkts(f, !d) != 0 || sm_flow_pkts(f, d) == 0)
            continue;
        /* This side acknowledged the peer's SYN or data, which we never saw. */
        if (s->ack_known && (sm_flow_payload_bytes(f, d) > 0 || f->established || !(s->syn_count)))
            return true;
    }
    return false;
}
