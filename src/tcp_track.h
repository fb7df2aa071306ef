/* SPDX-License-Identifier: MIT */
/* summary: per-direction TCP tracking: the state each side of a connection
 * keeps (sequence space, retransmissions and stalls, FIN and RST evidence,
 * idle periods) and the rules that update it from one segment. The
 * connection table (flow.h) holds these in struct sm_flow and calls
 * sm_tcp_track() for each segment it accepts. */
#ifndef SM_TCP_TRACK_H
#define SM_TCP_TRACK_H

#include <stdbool.h>
#include <stdint.h>

#include "decode.h"
#include "sm_limits.h"

struct sm_flow;
struct sm_flow_table;
struct sm_flow_icmp;

/* Direction words: orig is the TCP initiator (the SSH client as a rule), resp
 * the responder. Used everywhere, also in JSON ("toserver"/"toclient" in the
 * flow object follow EVE). */
enum sm_dir {
    SM_DIR_ORIG = 0,
    SM_DIR_RESP = 1
};

/* What one side of the connection sent. Sequence numbers compare with serial
 * arithmetic (RFC 1982), so wrap-around at 2^32 is handled. */
struct sm_tcp_side {
    /* The low 32 bits of the packets sent (duplicates excluded), the IP
     * bytes sent (header included) and the TCP payload bytes sent
     * (retransmissions included); the high bits are in the rare block
     * once they carry. Read them with sm_flow_pkts(), sm_flow_bytes(),
     * sm_flow_payload_bytes(). The side's times are in the flow
     * (side_last_ts, SM_TIME_ORIG_FIRST), so that it needs only 4-byte
     * alignment. */
    uint32_t pkts_lo, bytes_lo, payload_lo;
    uint32_t retrans;              /* payload segments below the highest seq sent */
    uint32_t isn;                  /* initial sequence number, from this side's SYN */
    uint32_t next_seq;             /* highest seq + length sent */
    uint32_t max_ack;              /* highest ACK number this side sent */
    uint32_t syn_count;            /* SYNs (orig) or SYN-ACKs (resp) sent */
    uint32_t data_since_peer_data; /* data segments sent since the peer last sent data */
    uint32_t max_acked_seg;        /* largest payload segment the peer acknowledged */
    uint16_t mss;                  /* from the SYN, 0 if absent */
    uint16_t ipid_last;            /* IPv4 ID of the last non-RST packet */
    /* A lone data segment of this length not yet acknowledged, the side's
     * last packet (0: none): held here instead of in a segment ring
     * (sm_flow_seg_record() in tcp_track.c), so that an interactive session
     * waiting for an ACK allocates nothing. */
    uint16_t pend_len;
    int8_t wscale;     /* from the SYN, -1 if absent */
    uint8_t ttl_first; /* TTL / hop limit of the first packet */
    uint8_t ttl_last;  /* of the last non-RST packet */
    /* Flags as single bits: with the fields above they fill the struct's
     * last 8 bytes exactly. */
    bool isn_known : 1, seq_known : 1, ack_known : 1, ttl_known : 1;
    bool sack_perm : 1, ts_opt : 1;
    bool tcp_keepalive : 1; /* sent a probe: seq one below next_seq, 0 or 1 byte */
    bool fin_seen : 1;      /* details in struct sm_tcp_end */
    bool rst_seen : 1;
    /* isn is the peer's SYN-ACK acknowledgement minus one: the SYN was
     * not captured (yet). Cleared when a SYN with that ISN arrives. */
    bool isn_inferred : 1;
    /* This side's ACK advanced after its own FIN: the peer sent data or its
     * FIN after it (the side closed first; evidence for one-sided
     * captures, where the peer's packets are missing). */
    bool ack_after_fin : 1;
    /* This side sent data after its ACK last advanced: the peer has not
     * answered it (as far as this side's ACKs show). */
    bool data_unanswered : 1;
    /* Sent a packet other than a RST after the connection's first RST:
     * with both sides, the endpoints kept talking and the RST did not end
     * the connection (sm_tcp_track() moves it to the rare block's
     * rst_survived). */
    bool talked_after_rst : 1;
    /* Its last non-RST packet was captured arriving at the capturing host
     * (a Linux cooked header's packet type other than outgoing): with
     * "-i any" on a router, its packets come from outside. */
    bool arrived : 1;
    /* Small data after >= SM_KEEPALIVE_GAP_SECS silence, counted up to 2:
     * only "both sides together at least 2" is ever asked. */
    uint8_t keepalive_like : 2;
};

/* How one side ended: its first FIN and first RST, and the RSTs it sent.
 * Allocated for both sides at a connection's first FIN or RST: an open
 * connection holds none (sm_flow_end_of()). */
struct sm_tcp_end {
    int64_t fin_ts, rst_ts;
    uint32_t fin_seq; /* sequence number of the FIN */
    uint32_t rst_count;
    uint16_t rst_ipid;
    uint8_t rst_ttl;
    bool rst_seq_exact; /* the RST's seq was exactly what the peer expected */
    /* The RST's first copy was captured leaving the capturing host (cooked
     * header: outgoing), not arriving: made there, unless the side's own
     * packets leave from there too. */
    bool rst_outgoing;
};

/* The capturing host made the RST e of side s itself: a cooked capture saw
 * it only leave, while the side's own packets arrive from outside (with
 * "-i any" on a router forging it, the TTL cannot tell). One rule for the
 * RST that ended a connection and the one it survived. */
static inline bool sm_tcp_rst_made_here(const struct sm_tcp_side *s, const struct sm_tcp_end *e)
{
    return e->rst_outgoing && s->arrived;
}

/* The data segments a side sent recently (the last SM_SEG_RING of them), to
 * learn the largest one the peer acknowledged (MTU black holes) and the
 * first transmission of a segment that stalls. A segment counts until the
 * peer acknowledges it or SM_SEG_RING newer ones were sent (it then left the
 * ring of SM_SEG_RING slots it conceptually sits in). Only those segments
 * are kept, in no particular order, each with its slot: the array grows
 * from 2 entries as needed and is freed once everything in it has been
 * acknowledged, so an idle or interactive session holds none or a small
 * one. */
struct sm_seg_ring {
    uint8_t next;              /* the slot the next segment takes */
    uint8_t live;              /* entries in use */
    uint8_t cap;               /* entries allocated */
    uint8_t slot[SM_SEG_RING]; /* slot of each entry */
    struct {
        int64_t ts; /* never 0 (a segment at time 0 is not kept) */
        uint32_t seq, len;
    } seg[];
};

/* The oldest segment a side retransmitted that the peer has not
 * acknowledged yet (the "stall"), with the times of its transmissions. */
struct sm_tcp_stall {
    int64_t ts[SM_MAX_STALL_TIMES];
    uint32_t seq;
    uint32_t len;   /* its payload length */
    uint32_t count; /* transmissions seen (first one included if seen) */
    /* The last three transmissions, newest in tail[2] (0: not seen): ts[]
     * keeps the first SM_MAX_STALL_TIMES, but when the next one was due
     * follows from the newest (classify.c, unfinished). */
    int64_t tail[3];
    /* The acknowledgement the sender carried on its last retransmission:
     * if its ACKs advanced later, the peer was still sending (evidence
     * when the peer's direction was not captured). */
    uint32_t ack_at_last;
    bool active; /* stalling now */
};

/* The last resumption of traffic after an idle period of at least the
 * configured --idle-min, as sm_flow_idle_of() reads it from the flow (it
 * lives in the flow itself: open interactive sessions go quiet all the
 * time, and any block of its own would cost each of them an allocation). */
struct sm_flow_idle {
    int64_t gap_us; /* length of the silence */
    uint32_t seq;   /* the sequence number of the side that spoke first */
    uint8_t dir;    /* that side */
    bool seen;
    bool acked; /* the peer acknowledged what was sent after it */
    /* Shorter than --idle-min: counted because it was far longer than the
     * connection's rhythm (SM_SHORT_IDLE_SECS); lower confidence. */
    bool short_gap;
    /* [side]: the side's first RST came when traffic resumed or later */
    bool rst_after[2];
};

/* Updates the sender's side d and the connection's state with one
 * segment (not a duplicate). */
void sm_tcp_track(struct sm_flow_table *t, struct sm_flow *f, enum sm_dir d,
                  const struct sm_pkt *p);
/* Whether an ICMP error quoting side qd's segment q is believable (RFC 5927
 * 4.1), and recording a believed one (the first one's details, the count). */
bool sm_tcp_icmp_believable(const struct sm_flow *f, enum sm_dir qd, const struct sm_quoted *q);
void sm_tcp_icmp(struct sm_flow_table *t, struct sm_flow *f, enum sm_dir qd,
                 const struct sm_pkt *p);

/* Side d's stall, or all zeros (not active) when it never stalled. */
const struct sm_tcp_stall *sm_flow_stall(const struct sm_flow *f, int d);
/* How side d ended (all zeros before its FIN or RST). */
const struct sm_tcp_end *sm_flow_end_of(const struct sm_flow *f, int d);
/* The first ICMP error quoting the flow (count 0: none). */
const struct sm_flow_icmp *sm_flow_icmp_of(const struct sm_flow *f);
/* The last idle period past --idle-min (seen false: none). */
struct sm_flow_idle sm_flow_idle_of(const struct sm_flow *f);
/* Writes the history letters as a string (at most SM_HISTORY_MAX and a NUL). */
void sm_flow_history(const struct sm_flow *f, char out[SM_HISTORY_MAX + 1]);
/* The last SYN before the first SYN-ACK (0: none): the handshake's start. */
int64_t sm_flow_hs_syn_ts(const struct sm_flow *f);
/* The time of the initiator's SYN number i (0-based, < SM_MAX_SYN_TIMES). */
int64_t sm_flow_syn_ts(const struct sm_flow *f, unsigned i);

/* Appends a transmission time to a tail of the last three (newest last). */
static inline void sm_tx_tail_push(int64_t tail[3], int64_t ts)
{
    tail[0] = tail[1];
    tail[1] = tail[2];
    tail[2] = ts;
}

/* Serial-number comparison (RFC 1982) of 32-bit sequence numbers. */
static inline bool sm_seq_lt(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}
static inline bool sm_seq_gt(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) > 0;
}
static inline bool sm_seq_le(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) <= 0;
}

/* Everything either side sent (its FIN included) was acknowledged, as far
 * as the packets tracked so far show. */
bool sm_flow_nothing_in_flight(const struct sm_flow *f);

/* Only one direction was captured, and that direction acknowledges the
 * other's SYN or data that was never seen (tcp.one_sided). */
bool sm_flow_one_sided(const struct sm_flow *f);

#endif
