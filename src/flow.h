/* SPDX-License-Identifier: MIT */
/* summary: the connection table: TCP 5-tuple plus VLAN ids, initiator rules,
 * the flows' memory, duplicate suppression, caps and eviction. The
 * per-direction TCP state it holds is tcp_track.h's. Knows no protocol above
 * TCP and writes no output: finished connections are handed to a callback. */
#ifndef SM_FLOW_H
#define SM_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "decode.h"
#include "portset.h"
#include "sm_limits.h"
#include "tcp_track.h"

/* Why a connection is handed out of the table. */
enum sm_flow_end {
    SM_END_CLOSED,      /* ended (FINs or RST) and lingered without new packets */
    SM_END_TIMEOUT,     /* handshake never completed and went silent */
    SM_END_REUSED,      /* ended, then a new SYN on the same tuple */
    SM_END_SUPERSEDED,  /* still open when a SYN with a new ISN arrived */
    SM_END_EVICTED,     /* the flow table was full */
    SM_END_CAPTURE_END, /* the input ended */
};

/* An ICMP error quoting this connection. */
struct sm_flow_icmp {
    int64_t ts;
    struct sm_addr reporter; /* who sent the error */
    uint32_t count;
    uint32_t mtu;
    enum sm_icmp_class cls;
    uint8_t type, code;
    uint8_t quoted_dir; /* the side whose packet was quoted */
    bool quoted_syn;    /* the quoted seq was the initiator's ISN */
};

/* The signatures of the SM_DUP_RING - 1 packets before the newest one.
 * Capture time never moves backwards (the engine holds it), so once the
 * newest packet is older than SM_DUP_WINDOW_USECS none of them can match a
 * later packet: the ring exists only during bursts of packets (freed by the
 * next packet after a pause, or by sm_flow_expire()), and a quiet
 * connection holds none. */
struct sm_dup_ring {
    uint64_t sig[SM_DUP_RING - 1];
    int64_t ts[SM_DUP_RING - 1];
    int32_t where[SM_DUP_RING - 1];
    uint8_t next;
};

/* Times of a connection's start kept as 32-bit offsets from its first
 * packet (struct sm_flow.time_off): 0 when the time is 0 (none), UINT32_MAX
 * when the offset does not fit (then the time is in the rare block),
 * otherwise the offset in microseconds plus one. A handshake that spans
 * more than 71 minutes is what sends a time to the rare block. */
enum sm_flow_time {
    SM_TIME_ORIG_FIRST, /* the initiator's first packet */
    SM_TIME_SYN0,       /* the initiator's first SYN (retries: rare->syn_ts) */
    SM_TIME_SYNACK,     /* the first SYN-ACK */
    SM_TIME_HS_ACK,     /* the initiator's ACK completing the handshake */
    SM_FLOW_TIMES
};

struct sm_interned;

/* What NFLOG said about a connection's packets (-i nflog:N, or a file
 * tcpdump -i nflog:N wrote): the last packet that a rule with a log prefix
 * logged. Only prefixed packets are kept: the prefix is what names the
 * rule. */
struct sm_flow_nflog {
    const struct sm_interned *prefix; /* interned (intern.h); NULL: none logged */
    int64_t first_ts, last_ts;        /* first and last such packet */
    uint32_t packets;                 /* packets logged with a prefix */
    uint32_t indev, outdev;           /* of the last one; 0: none */
    uint8_t hook;                     /* NF_INET_* of the last one; SM_NF_HOOK_NONE */
    uint8_t dir;                      /* its direction (enum sm_dir) */
    uint8_t flags;                    /* its TCP flags */
};

/* What conntrack said about the connection (--conntrack, conntrack.h):
 * its entry's last known state and timeout, and when it was destroyed. */
struct sm_flow_ct {
    int64_t destroy_ts; /* wall clock; 0: no DESTROY seen */
    int64_t timeout_s;  /* the entry's timeout at its last event with one; -1 */
    uint32_t events;    /* events matched (0: conntrack said nothing) */
    uint8_t state;      /* the last state NEW/UPDATE gave (valid with has_state) */
    bool has_state;
    bool via_reply; /* matched through the reply tuple: NAT's other side */
};

/* Evidence few connections ever need (retransmission stalls, ICMP errors,
 * idle periods past --idle-min, SYN retries), allocated on
 * first use and freed with the flow, so that an ordinary connection does not
 * carry it. */
struct sm_flow_rare {
    struct sm_tcp_stall stall[2];
    struct sm_flow_icmp icmp;
    int64_t syn_ts[SM_MAX_SYN_TIMES]; /* the initiator's SYN times; [0] is in the flow */
    /* Per side, the last three SYNs (the responder's: SYN-ACKs), newest
     * last, from the second one on (0: not seen): when the next retry was
     * due (classify.c, unfinished). */
    int64_t syn_tail[2][3];
    /* Times too far from the flow's first packet for the flow's offsets
     * (enum sm_flow_time; see sm_flow_time()). */
    int64_t far_ts[SM_FLOW_TIMES];
    /* The high 32 bits of each side's counts (enum sm_side_count). */
    uint32_t carry[2][3];
    /* The first RST of a connection whose endpoints both kept talking
     * after it (issue 22 item 10): evidence, not its end. count 0: none. */
    struct sm_flow_rst_survived {
        int64_t ts;
        uint32_t count; /* RSTs until both sides had spoken again */
        uint8_t dir, ttl, ttl_before;
        bool seq_exact;
        bool from_capture_host; /* sm_tcp_rst_made_here() */
    } rst_survived;
    /* A NAT rebind (issue 22 item 12): the client's traffic went on from
     * another source port after the NAT forgot the mapping (see
     * sm_flow_rebind_find() in flow.c). new_port 0: none. */
    struct sm_flow_rebind {
        int64_t ts;     /* the first packet on the new port */
        int64_t gap_us; /* the silence before it */
        uint16_t old_port, new_port;
    } rebind;
    struct sm_flow_nflog nflog;
    struct sm_flow_ct ct;
};

/* A side's counts, of which the flow holds the low 32 bits. */
enum sm_side_count {
    SM_COUNT_PKTS,
    SM_COUNT_BYTES,
    SM_COUNT_PAYLOAD
};

/* What a flow holds only for a while or only on some connections: the
 * recent data segments of each side (while one is unacknowledged), the
 * older duplicate signatures (during bursts), end and rare evidence, and
 * counts that stay zero on most captures. Allocated when the first of them
 * is needed, given back when all are gone again (the counts and the end,
 * idle and rare evidence keep it), so that an open connection that has not
 * yet gone quiet holds none. */
struct sm_flow_aux {
    struct sm_seg_ring *segs[2]; /* [side]: see struct sm_seg_ring */
    struct sm_dup_ring *dup_more;
    struct sm_flow_rare *rare; /* NULL until a rare piece of evidence is seen */
    struct sm_tcp_end *end;    /* [2], NULL until the first FIN or RST */
    uint64_t duplicates;       /* packets seen twice (e.g. "-i any") */
    uint32_t truncated;        /* packets cut by the snaplen */
    uint32_t fragments;
    /* [side]: segments it sent advertising a receive window of 0, RSTs
     * excepted (Arkime's tcpflags.srcZero/dstZero; see sm_tcp_track()). */
    uint32_t zero_window[2];
    uint32_t synack_bad_ack; /* SYN-ACKs not acknowledging the SYN's ISN + 1 */
};

/* Why a connection is analyzed (-p auto: evidence.selected_by). */
enum sm_flow_selected {
    SM_SEL_PENDING = 0, /* on no listed port, no payload yet */
    SM_SEL_PORT,        /* a port is a listed SSH port */
    SM_SEL_CONTENT,     /* its first payload was an identification line */
    SM_SEL_NOT_SSH,     /* its first payload was not: not reported */
};

struct sm_flow {
    uint64_t id; /* assigned in order of first packet, unique across inputs */
    /* Table links, owned by flow.c: flows live in the table's arrays and
     * are named by their 1-based number there (0: none). */
    uint32_t self;
    uint32_t lru_prev, lru_next;
    uint32_t exp_prev, exp_next;
    int32_t dup_if; /* duplicate suppression: see dup_sig */

    struct sm_addr addr[2]; /* [SM_DIR_ORIG], [SM_DIR_RESP] */
    uint16_t port[2];
    uint16_t vlan[SM_MAX_VLANS];
    /* The index of the input of the first packet, saturated at UINT16_MAX
     * (the engine numbers at most 4096 inputs; any index past an engine's
     * inputs reads as none, so it reads the same). */
    uint16_t source;
    /* Zeek conn.log history letters, 4 bits each in order (the letter's
     * index in "SHADFRTI" times 2, plus the direction): each letter is
     * recorded once per direction, so there are at most SM_HISTORY_MAX,
     * as many as bits set in history_seen. sm_flow_history() spells them. */
    uint16_t history_seen; /* one bit per letter and direction */
    /* Small values in bits: the flow is 280 bytes, a multiple of 8. */
    uint8_t ip_version : 4; /* 4 or 6 */
    uint8_t vlan_count : 2; /* at most SM_MAX_VLANS */
    uint8_t exp_list : 2;   /* which expiry list holds it (0: none; flow.c) */
    bool midstream : 1;     /* the capture began after the handshake */
    bool established : 1;   /* the handshake completed (or was inferred) */
    bool ended : 1;         /* both FINs, or a RST */
    bool superseded : 1;
    bool evicted : 1;
    bool referenced : 1; /* seen since the eviction hand last passed (flow.c) */
    /* SYNs seen (at most SM_MAX_SYN_TIMES) when the first SYN-ACK came: the
     * last of them started the handshake (sm_flow_hs_syn_ts()). */
    uint8_t hs_syn_n : 4;
    /* The last idle period (struct sm_flow_idle, read with sm_flow_idle_of()). */
    bool idle_seen : 1;
    bool idle_acked : 1;
    uint8_t idle_dir : 1;
    uint8_t idle_rst_after : 2; /* bit d: rst_after[d] */
    bool idle_short : 1;        /* shorter than --idle-min (SM_SHORT_IDLE_SECS) */
    uint8_t selected_by : 2;    /* enum sm_flow_selected (set by the engine) */
    /* A SYN-ACK came while the initiator's ISN was known from a captured
     * SYN, so its acknowledgement could be checked (aux->synack_bad_ack). */
    bool synack_judged : 1;

    struct sm_tcp_side side[2];
    int64_t first_ts, last_ts;
    int64_t side_last_ts[2]; /* each side's last packet */
    /* The longest silence of the connection until the first idle period;
     * from then on the length of the last idle period (what the event
     * reports as idle_gap_s either way). */
    int64_t gap_us;
    /* Times of the connection's start (enum sm_flow_time) as offsets from
     * first_ts: read them with sm_flow_time() (see there). */
    uint32_t time_off[SM_FLOW_TIMES];
    uint32_t idle_seq; /* see idle_seen */
    /* The key under which the flow is in the table's rebind index (0:
     * not in it), set while nothing is in flight either way (flow.c,
     * sm_flow_rebind_note()). In the 4 bytes that padding left free
     * before stream, so the flow is still 280 bytes. */
    uint32_t rb_hash;

    struct sm_stream *stream; /* reassembly and dissector state (stream.c) */
    struct sm_flow_aux *aux;  /* NULL while none of it is needed (flow.c) */

    uint64_t history; /* the letters (see history_seen) */

    /* Duplicate suppression (flow.c): the signatures of the last
     * SM_DUP_RING packets, the newest here (its time is the later of the
     * sides' last_ts; where it came from in dup_if), the older ones in
     * aux->dup_more while they are young enough to matter. */
    uint64_t dup_sig;
};

/* One of the connection's start times (0: none). */
static inline int64_t sm_flow_time(const struct sm_flow *f, enum sm_flow_time which)
{
    uint32_t v = f->time_off[which];
    if (v == 0)
        return 0;
    if (v == UINT32_MAX)
        return f->aux && f->aux->rare ? f->aux->rare->far_ts[which] : 0;
    return f->first_ts + (int64_t)(v - 1);
}
/* Sets it when the offset fits (always for 0, and for ts from first_ts up
 * to 71 minutes on); false when it does not (the caller keeps it in the
 * rare block and sets the offset to UINT32_MAX). */
static inline bool sm_flow_time_fits(struct sm_flow *f, enum sm_flow_time which, int64_t ts)
{
    if (ts == 0) {
        f->time_off[which] = 0;
        return true;
    }
    if (ts < f->first_ts || ts - f->first_ts >= (int64_t)UINT32_MAX - 1)
        return false;
    f->time_off[which] = (uint32_t)(ts - f->first_ts) + 1;
    return true;
}

/* Side d's count c: the low bits from the side, the high ones from the
 * rare block. */
static inline uint64_t sm_flow_count(const struct sm_flow *f, int d, enum sm_side_count c)
{
    const struct sm_tcp_side *s = &f->side[d];
    uint32_t lo = c == SM_COUNT_PKTS    ? s->pkts_lo
                  : c == SM_COUNT_BYTES ? s->bytes_lo
                                        : s->payload_lo;
    const struct sm_flow_rare *rare = f->aux ? f->aux->rare : NULL;
    return (uint64_t)(rare ? rare->carry[d][c] : 0) << 32 | lo;
}
static inline uint64_t sm_flow_pkts(const struct sm_flow *f, int d)
{
    return sm_flow_count(f, d, SM_COUNT_PKTS);
}
static inline uint64_t sm_flow_bytes(const struct sm_flow *f, int d)
{
    return sm_flow_count(f, d, SM_COUNT_BYTES);
}
static inline uint64_t sm_flow_payload_bytes(const struct sm_flow *f, int d)
{
    return sm_flow_count(f, d, SM_COUNT_PAYLOAD);
}

/* Packets seen twice, cut by the snaplen, IP fragments (sm_flow_aux). */
static inline uint64_t sm_flow_duplicates(const struct sm_flow *f)
{
    return f->aux ? f->aux->duplicates : 0;
}
static inline uint32_t sm_flow_truncated(const struct sm_flow *f)
{
    return f->aux ? f->aux->truncated : 0;
}
static inline uint32_t sm_flow_fragments(const struct sm_flow *f)
{
    return f->aux ? f->aux->fragments : 0;
}
/* Side d's zero-window segments, and the SYN-ACKs with a wrong ack. */
static inline uint32_t sm_flow_zero_window(const struct sm_flow *f, int d)
{
    return f->aux ? f->aux->zero_window[d] : 0;
}
static inline uint32_t sm_flow_synack_bad_ack(const struct sm_flow *f)
{
    return f->aux ? f->aux->synack_bad_ack : 0;
}

struct sm_stream;

/* Returns true when the callee keeps the flow (out of the table already)
 * to finish with later: it then hands it back with sm_flow_done(). false:
 * the table releases and frees it at once. */
typedef bool (*sm_flow_emit_fn)(void *ctx, struct sm_flow *flow, enum sm_flow_end why,
                                int64_t now_us);
/* Releases what others attached to the flow (its stream) before it is freed. */
typedef void (*sm_flow_release_fn)(void *ctx, struct sm_flow *flow);

struct sm_flow_config {
    uint32_t max_flows;
    uint64_t hash_seed;
    int64_t idle_min_us;          /* silence that counts as idle (--idle-min) */
    int64_t linger_us;            /* an ended connection waits for stragglers (0: default) */
    int64_t handshake_timeout_us; /* a half-open connection's silence (0: default) */
    const uint8_t *ssh_ports;     /* 65536-bit set: bit p set when p is an SSH port */
    sm_flow_emit_fn emit;
    sm_flow_release_fn release;
    void *emit_ctx;
};

struct sm_flow_stats {
    uint64_t flows; /* connections created */
    uint64_t evicted;
    uint64_t duplicates;
    uint64_t icmp_matched;
    uint64_t icmp_unmatched;
    uint32_t active, active_max;
};

struct sm_flow_table;

/* Returns NULL on allocation failure. Free with sm_flow_table_free(). */
struct sm_flow_table *sm_flow_table_new(const struct sm_flow_config *cfg);
/* Frees without emitting: call sm_flow_flush() first to emit. NULL is a no-op. */
void sm_flow_table_free(struct sm_flow_table *t);

/* Accounts one decoded TCP segment or ICMP error. source is the input index.
 * Returns the connection a new TCP segment belongs to, with its direction in
 * *dir, or NULL (ICMP errors, duplicates, allocation failure). The flow is
 * valid until the next call into the table. */
struct sm_flow *sm_flow_packet(struct sm_flow_table *t, const struct sm_pkt *pkt, uint32_t source,
                               enum sm_dir *dir);
/* What the table needs of a segment that is a pure function of the
 * packet, so that another thread (the read-ahead one, for files) can
 * compute it and the analysis does not: the connection's hash,
 * sm_flow_pkt_hash(the table's hash_seed, p), and the signature by which a
 * duplicate of the segment is recognised. */
struct sm_flow_keys {
    uint64_t hash;
    uint64_t dup_sig;
};
void sm_flow_pkt_keys(uint64_t seed, const struct sm_pkt *p, struct sm_flow_keys *keys);
/* sm_flow_packet() with the keys already computed by sm_flow_pkt_keys()
 * with the table's hash_seed. */
struct sm_flow *sm_flow_packet_keyed(struct sm_flow_table *t, const struct sm_pkt *p,
                                     const struct sm_flow_keys *keys, uint32_t source,
                                     enum sm_dir *dir);
/* Cache hints for a segment that comes soon, by its hash: the index slot
 * it will probe first, and (once that slot is in the cache) the connection
 * it names. They change nothing; a stale hash only wastes the hint. With a
 * million open connections each packet's lookup is otherwise a chain of
 * cache misses (slot, then the flow), which made the cost per packet grow
 * with the number of flows. */
void sm_flow_prefetch_slot(const struct sm_flow_table *t, uint64_t hash);
void sm_flow_prefetch(const struct sm_flow_table *t, uint64_t hash);
/* The connection in the first slot hash probes when it is that hash's,
 * else NULL (also when it is further along): for hints only, such as
 * sm_stream_prefetch(); may name a connection of another tuple with the
 * same hash. */
const struct sm_flow *sm_flow_peek(const struct sm_flow_table *t, uint64_t hash);
/* The seeded hash of a TCP segment's connection, both directions alike,
 * and the table's seed for it. */
uint64_t sm_flow_pkt_hash(uint64_t seed, const struct sm_pkt *p);
uint64_t sm_flow_table_hash_seed(const struct sm_flow_table *t);
/* Releases and frees a flow the emit function kept; on the table's
 * thread, before sm_flow_table_free(). */
void sm_flow_done(struct sm_flow_table *t, struct sm_flow *f);
/* Emits connections that ended or timed out by capture time now_us. */
void sm_flow_expire(struct sm_flow_table *t, int64_t now_us);
/* Emits every connection, in flow-id order, as SM_END_CAPTURE_END. */
void sm_flow_flush(struct sm_flow_table *t, int64_t now_us);
const struct sm_flow_stats *sm_flow_table_stats(const struct sm_flow_table *t);

/* The flows' memory, for tcp_track.c (the table owns it). Each returns
 * NULL when out of memory: the evidence it would hold is lost, the
 * connection is still tracked. */
struct sm_flow_aux *sm_flow_aux(struct sm_flow_table *t, struct sm_flow *f);
/* Gives the aux block back once it holds nothing. */
void sm_flow_aux_trim(struct sm_flow_table *t, struct sm_flow *f);
struct sm_flow_rare *sm_flow_rare(struct sm_flow_table *t, struct sm_flow *f);
/* A new two-entry segment ring for side d, in aux->segs[d]; released
 * (small ones to the table's spares) with sm_flow_seg_release(). */
struct sm_seg_ring *sm_flow_seg_ring_new(struct sm_flow_table *t, struct sm_flow *f, enum sm_dir d);
void sm_flow_seg_release(struct sm_flow_table *t, struct sm_flow *f, int d);
const struct sm_flow_config *sm_flow_table_config(const struct sm_flow_table *t);

static inline const struct sm_flow_rare *sm_flow_rare_of(const struct sm_flow *f)
{
    return f->aux ? f->aux->rare : NULL;
}
/* The NAT rebind the connection went through, or NULL. */
static inline const struct sm_flow_rebind *sm_flow_rebind_of(const struct sm_flow *f)
{
    const struct sm_flow_rare *rare = sm_flow_rare_of(f);
    return rare && rare->rebind.new_port ? &rare->rebind : NULL;
}
/* The connection's conntrack evidence; NULL when no event matched it. */
static inline const struct sm_flow_ct *sm_flow_ct_of(const struct sm_flow *f)
{
    const struct sm_flow_rare *r = sm_flow_rare_of(f);
    return r && r->ct.events ? &r->ct : NULL;
}
/* The connection between a:ap and b:bp (either direction, no VLAN tags:
 * conntrack does not key by them) still in the table, or NULL. */
struct sm_flow *sm_flow_lookup(struct sm_flow_table *t, uint8_t ip_version, const struct sm_addr *a,
                               uint16_t ap, const struct sm_addr *b, uint16_t bp);
/* An NFLOG copy of a packet that an interface captured at the same time
 * also delivers (-i IFACE -i nflog:N): a witness, not one of the
 * connection's packets. Its log prefix, if any, is noted on the connection
 * of its tuple (either direction, without VLAN tags: netfilter sees the
 * packet untagged) as sm_flow_packet() notes it; nothing else of the
 * connection changes. False when no tracked connection has the tuple
 * (not TCP, or the interfaces had not shown the connection). */
bool sm_flow_nflog_witness(struct sm_flow_table *t, const struct sm_pkt *p);
/* A conntrack event of the connection's entry (conntrack.h): destroy, or
 * a NEW/UPDATE with its state (0xff: none given) and timeout (-1: none). */
void sm_flow_ct_note(struct sm_flow_table *t, struct sm_flow *f, bool destroy, int64_t ts_us,
                     uint8_t state, int64_t timeout_s, bool via_reply);
/* The connection's NFLOG evidence; NULL when no prefixed packet was logged. */
static inline const struct sm_flow_nflog *sm_flow_nflog_of(const struct sm_flow *f)
{
    const struct sm_flow_rare *r = sm_flow_rare_of(f);
    return r && r->nflog.prefix ? &r->nflog : NULL;
}
static inline struct sm_seg_ring *sm_flow_segs(const struct sm_flow *f, int d)
{
    return f->aux ? f->aux->segs[d] : NULL;
}

#endif
