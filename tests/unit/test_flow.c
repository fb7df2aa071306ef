/* SPDX-License-Identifier: MIT */
/* summary: unit tests of the connection table, driven with hand-filled
 * sm_pkt structs and a recording emit callback: initiator rules, symmetric
 * lookup, VLAN keys, reuse and supersession, duplicates, sequence
 * wrap-around, retransmissions, expiry, flush order, eviction and ICMP. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "intern.h"
#include "stream.h"
#include "unit.h"

#define SEC 1000000LL
#define MS  1000LL

/* Everything the table handed out, in order. */
struct sm_t_emitted {
    enum sm_flow_end why;
    int64_t now;
    struct sm_flow f;         /* a copy: the original is freed after the callback */
    struct sm_flow_aux aux;   /* f.aux points here when the original had one */
    struct sm_flow_rare rare; /* aux.rare here when the original had one */
    struct sm_tcp_end end[2]; /* and aux.end here */
    /* The NFLOG prefix's bytes: the interned string is released with the
     * flow, after the callback. */
    uint8_t nf_prefix[64];
    size_t nf_prefix_len;
};

struct sm_t_rec {
    size_t n;
    struct sm_t_emitted e[64];
    size_t total;    /* also those beyond the array */
    size_t released; /* release callbacks */
    bool keep;       /* emit keeps flows (up to 16) for sm_flow_done() */
    struct sm_flow *kept[16];
    size_t nkept;
};

static bool sm_t_emit(void *ctx, struct sm_flow *f, enum sm_flow_end why, int64_t now)
{
    struct sm_t_rec *r = ctx;
    if (r->n < SM_NELEM(r->e)) {
        r->e[r->n].why = why;
        r->e[r->n].now = now;
        r->e[r->n].f = *f;
        /* What the flow owns is freed with it: keep a copy of what the
         * tests read, and no pointer to the rest. */
        if (f->aux) {
            struct sm_flow_aux *a = &r->e[r->n].aux;
            *a = *f->aux;
            r->e[r->n].f.aux = a;
            if (f->aux->rare) {
                r->e[r->n].rare = *f->aux->rare;
                a->rare = &r->e[r->n].rare;
            }
            if (f->aux->end) {
                memcpy(r->e[r->n].end, f->aux->end, sizeof(r->e[r->n].end));
                a->end = r->e[r->n].end;
            }
            a->segs[0] = a->segs[1] = NULL;
            a->dup_more = NULL;
        }
        r->e[r->n].f.stream = NULL;
        const struct sm_flow_nflog *nl = sm_flow_nflog_of(f);
        r->e[r->n].nf_prefix_len = 0;
        if (nl && nl->prefix && nl->prefix->len <= sizeof(r->e[r->n].nf_prefix)) {
            memcpy(r->e[r->n].nf_prefix, nl->prefix->bytes, nl->prefix->len);
            r->e[r->n].nf_prefix_len = nl->prefix->len;
        }
        r->n++;
    }
    r->total++;
    if (r->keep && r->nkept < SM_NELEM(r->kept)) {
        r->kept[r->nkept++] = f;
        return true;
    }
    return false;
}

/* A live flow's older duplicate signatures and segment ring (NULL: none). */
static const struct sm_dup_ring *sm_t_dup_more(const struct sm_flow *f)
{
    return f->aux ? f->aux->dup_more : NULL;
}

static const struct sm_seg_ring *sm_t_segs(const struct sm_flow *f, int d)
{
    return f->aux ? f->aux->segs[d] : NULL;
}

static void sm_t_release(void *ctx, struct sm_flow *f)
{
    struct sm_t_rec *r = ctx;
    (void)f;
    r->released++;
}

/* A table with SSH on port 22 (and 2222) recording into rec. */
struct sm_t_ctx {
    uint8_t ports[SM_PORTSET_BYTES];
    struct sm_t_rec rec;
    struct sm_flow_table *t;
    uint16_t ip_id;
};

static struct sm_t_ctx *sm_t_new_idle(uint32_t max_flows, uint64_t seed, int64_t idle_min_us)
{
    struct sm_t_ctx *c = calloc(1, sizeof(*c));
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    sm_port_set(c->ports, 22);
    sm_port_set(c->ports, 2222);
    struct sm_flow_config cfg = {
        .max_flows = max_flows,
        .hash_seed = seed,
        .ssh_ports = c->ports,
        .emit = sm_t_emit,
        .release = sm_t_release,
        .emit_ctx = &c->rec,
        .idle_min_us = idle_min_us,
    };
    c->t = sm_flow_table_new(&cfg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c->t);
    return c;
}

static struct sm_t_ctx *sm_t_new(uint32_t max_flows, uint64_t seed)
{
    return sm_t_new_idle(max_flows, seed, 0);
}

/* Frees the table; every connection must have been released exactly once,
 * whether emitted before or dropped by the free. */
static void sm_t_free(struct sm_t_ctx *c)
{
    size_t open = sm_flow_table_stats(c->t)->active;
    size_t emitted = c->rec.total;
    sm_flow_table_free(c->t);
    CU_ASSERT_EQUAL(c->rec.released, emitted + open);
    free(c);
}

/* Feeds one packet; returns the connection it was counted in (NULL for
 * ICMP errors and duplicates) and its direction in *dir. */
static struct sm_flow *sm_t_packet(struct sm_t_ctx *c, const struct sm_pkt *p, enum sm_dir *dir)
{
    /* Every other packet goes in with its hash computed outside, as the
     * engine does for files (sm_flow_packet_keyed): every test below then
     * also shows both ways give the same connections. The hash is the same
     * in both directions. */
    static unsigned calls;
    enum sm_dir d = (enum sm_dir)7;
    struct sm_flow *f;
    if (calls++ % 2 && p->kind == SM_PKT_TCP) {
        uint64_t seed = sm_flow_table_hash_seed(c->t);
        struct sm_pkt rev = *p;
        rev.src = p->dst;
        rev.dst = p->src;
        rev.sport = p->dport;
        rev.dport = p->sport;
        CU_ASSERT_EQUAL(sm_flow_pkt_hash(seed, p), sm_flow_pkt_hash(seed, &rev));
        /* The cache hints the engine gives change nothing, for this
         * packet's hash and for any other. */
        sm_flow_prefetch_slot(c->t, sm_flow_pkt_hash(seed, p));
        sm_flow_prefetch(c->t, sm_flow_pkt_hash(seed, p));
        sm_flow_prefetch_slot(c->t, calls * 0x9e3779b97f4a7c15ULL);
        sm_flow_prefetch(c->t, calls * 0x9e3779b97f4a7c15ULL);
        struct sm_flow_keys keys;
        sm_flow_pkt_keys(seed, p, &keys);
        CU_ASSERT_EQUAL(keys.hash, sm_flow_pkt_hash(seed, p));
        f = sm_flow_packet_keyed(c->t, p, &keys, 0, &d);
        /* The peek names this packet's connection, or nothing. */
        const struct sm_flow *pk = sm_flow_peek(c->t, sm_flow_pkt_hash(seed, p));
        CU_ASSERT_TRUE(pk == NULL || pk == f || !f);
    } else {
        f = sm_flow_packet(c->t, p, 0, &d);
    }
    if (dir)
        *dir = d;
    return f;
}

/* The flow's history letters as a string (valid until the next call). */
static const char *sm_t_history(const struct sm_flow *f)
{
    static char h[SM_HISTORY_MAX + 1];
    sm_flow_history(f, h);
    return h;
}

static const uint8_t sm_t_payload[1500] = { 'S', 'S', 'H', '-', '2', '.', '0', '-' };

/* Endpoints: the client 10.0.0.1:50000 and the server 10.0.0.2:22 unless a
 * test changes them. */
struct sm_t_ep {
    uint8_t a, b, c, d;
    uint16_t port;
};
static const struct sm_t_ep CLI = { 10, 0, 0, 1, 50000 };
static const struct sm_t_ep SRV = { 10, 0, 0, 2, 22 };

/* A TCP segment from src to dst. Every call gets a new IP ID, so two calls
 * are two packets; copy the struct to send the very same packet twice. */
static struct sm_pkt sm_t_seg(struct sm_t_ctx *c, int64_t ts, struct sm_t_ep src,
                              struct sm_t_ep dst, uint8_t flags, uint32_t seq, uint32_t ack,
                              uint32_t plen)
{
    struct sm_pkt p;
    memset(&p, 0, sizeof(p));
    p.kind = SM_PKT_TCP;
    p.ts_us = ts;
    p.ifindex = -1;
    p.pkttype = -1;
    p.ip_version = 4;
    p.src.b[0] = src.a, p.src.b[1] = src.b, p.src.b[2] = src.c, p.src.b[3] = src.d;
    p.dst.b[0] = dst.a, p.dst.b[1] = dst.b, p.dst.b[2] = dst.c, p.dst.b[3] = dst.d;
    p.ttl = 64;
    p.ip_id = ++c->ip_id;
    p.ip_len = 40 + plen;
    p.sport = src.port;
    p.dport = dst.port;
    p.seq = seq;
    p.ack = ack;
    p.flags = flags;
    p.win = 65535;
    p.tcp_csum = (uint16_t)(seq ^ ack ^ plen);
    p.payload_len = plen;
    p.payload_cap = plen < sizeof(sm_t_payload) ? plen : (uint32_t)sizeof(sm_t_payload);
    p.payload = plen ? sm_t_payload : NULL;
    p.wscale = -1;
    if (flags & SM_TH_SYN) {
        p.mss = 1460;
        p.wscale = 7;
        p.sack_perm = true;
    }
    return p;
}

static void sm_t_send(struct sm_t_ctx *c, int64_t ts, struct sm_t_ep src, struct sm_t_ep dst,
                      uint8_t flags, uint32_t seq, uint32_t ack, uint32_t plen)
{
    struct sm_pkt p = sm_t_seg(c, ts, src, dst, flags, seq, ack, plen);
    (void)sm_t_packet(c, &p, NULL);
}

#define ISN_C 1000u
#define ISN_S 5000u

/* SYN, SYN-ACK, ACK from t0 on, 1 ms apart. */
static void sm_t_handshake(struct sm_t_ctx *c, int64_t t0, struct sm_t_ep cli, struct sm_t_ep srv)
{
    sm_t_send(c, t0, cli, srv, SM_TH_SYN, ISN_C, 0, 0);
    sm_t_send(c, t0 + 1 * MS, srv, cli, SM_TH_SYN | SM_TH_ACK, ISN_S, ISN_C + 1, 0);
    sm_t_send(c, t0 + 2 * MS, cli, srv, SM_TH_ACK, ISN_C + 1, ISN_S + 1, 0);
}

/* FIN from the client, FIN from the server, last ACK. */
static void sm_t_close(struct sm_t_ctx *c, int64_t t0, struct sm_t_ep cli, struct sm_t_ep srv,
                       uint32_t cseq, uint32_t sseq)
{
    sm_t_send(c, t0, cli, srv, SM_TH_FIN | SM_TH_ACK, cseq, sseq, 0);
    sm_t_send(c, t0 + 1 * MS, srv, cli, SM_TH_FIN | SM_TH_ACK, sseq, cseq + 1, 0);
    sm_t_send(c, t0 + 2 * MS, cli, srv, SM_TH_ACK, cseq + 1, sseq + 1, 0);
}

static bool sm_t_is(const struct sm_flow *f, int dir, struct sm_t_ep ep)
{
    return f->addr[dir].b[0] == ep.a && f->addr[dir].b[1] == ep.b && f->addr[dir].b[2] == ep.c &&
           f->addr[dir].b[3] == ep.d && f->port[dir] == ep.port;
}

static void test_flow_port_set_and_seq(void)
{
    uint8_t set[SM_PORTSET_BYTES];
    memset(set, 0, sizeof(set));
    sm_port_set(set, 0);
    sm_port_set(set, 22);
    sm_port_set(set, 65535);
    CU_ASSERT_TRUE(sm_port_is_ssh(set, 0));
    CU_ASSERT_TRUE(sm_port_is_ssh(set, 22));
    CU_ASSERT_TRUE(sm_port_is_ssh(set, 65535));
    CU_ASSERT_FALSE(sm_port_is_ssh(set, 21));
    CU_ASSERT_FALSE(sm_port_is_ssh(set, 23));
    CU_ASSERT_FALSE(sm_port_is_ssh(set, 65534));

    CU_ASSERT_TRUE(sm_seq_lt(1, 2));
    CU_ASSERT_FALSE(sm_seq_lt(2, 2));
    CU_ASSERT_TRUE(sm_seq_lt(0xfffffff0u, 0x10)); /* across the wrap */
    CU_ASSERT_TRUE(sm_seq_gt(0x10, 0xfffffff0u));
    CU_ASSERT_FALSE(sm_seq_gt(0xfffffff0u, 0x10));
}

/* An emitter may keep a flow (the engine writes it on another thread): it
 * is released only when handed back, and stays whole until then, also
 * when a new connection on the same tuple comes meanwhile. */
static void test_flow_kept_by_emitter(void)
{
    struct sm_t_ctx *c = sm_t_new(100, 0);
    c->rec.keep = true;
    sm_t_handshake(c, 1 * SEC, CLI, SRV);
    sm_flow_flush(c->t, 2 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.nkept, 1);
    CU_ASSERT_EQUAL(c->rec.released, 0);
    struct sm_flow *f = c->rec.kept[0];
    CU_ASSERT_TRUE(f->established);
    CU_ASSERT_EQUAL(sm_flow_table_stats(c->t)->active, 0);
    /* The same tuple again while the first is still out. */
    sm_t_handshake(c, 3 * SEC, CLI, SRV);
    CU_ASSERT_EQUAL(sm_flow_table_stats(c->t)->active, 1);
    CU_ASSERT_TRUE(f->established);
    CU_ASSERT_EQUAL(f->side[SM_DIR_ORIG].syn_count, 1);
    sm_flow_done(c->t, f);
    CU_ASSERT_EQUAL(c->rec.released, 1);
    c->rec.keep = false;
    sm_t_free(c); /* the second is released by the free: every one once */
}

static void test_flow_initiator_syn_sender(void)
{
    struct sm_t_ctx *c = sm_t_new(100, 0);

    sm_t_handshake(c, 1 * SEC, CLI, SRV);
    /* The burst is over: the duplicate ring goes, and with it the aux
     * block (an open, quiet connection holds none). */
    sm_flow_expire(c->t, 2 * SEC);
    sm_flow_flush(c->t, 2 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 1);
    const struct sm_flow *f = &c->rec.e[0].f;
    CU_ASSERT_PTR_NULL(f->aux);
    CU_ASSERT_EQUAL(sm_flow_time(f, SM_TIME_ORIG_FIRST), 1 * SEC);
    CU_ASSERT_EQUAL(c->rec.e[0].why, SM_END_CAPTURE_END);
    CU_ASSERT_EQUAL(c->rec.e[0].now, 2 * SEC);
    CU_ASSERT_EQUAL(f->id, 1);
    CU_ASSERT_TRUE(sm_t_is(f, SM_DIR_ORIG, CLI));
    CU_ASSERT_TRUE(sm_t_is(f, SM_DIR_RESP, SRV));
    CU_ASSERT_EQUAL(f->ip_version, 4);
    CU_ASSERT_FALSE(f->midstream);
    CU_ASSERT_TRUE(f->established);
    CU_ASSERT_FALSE(f->ended);
    CU_ASSERT_EQUAL(sm_flow_pkts(f, SM_DIR_ORIG), 2);
    CU_ASSERT_EQUAL(sm_flow_pkts(f, SM_DIR_RESP), 1);
    CU_ASSERT_EQUAL(sm_flow_bytes(f, SM_DIR_ORIG), 80);
    CU_ASSERT_EQUAL(f->side[SM_DIR_ORIG].syn_count, 1);
    CU_ASSERT_EQUAL(f->side[SM_DIR_RESP].syn_count, 1);
    CU_ASSERT_EQUAL(f->side[SM_DIR_ORIG].isn, ISN_C);
    CU_ASSERT_EQUAL(f->side[SM_DIR_RESP].isn, ISN_S);
    CU_ASSERT_EQUAL(f->side[SM_DIR_ORIG].mss, 1460);
    CU_ASSERT_EQUAL(f->side[SM_DIR_ORIG].wscale, 7);
    CU_ASSERT_EQUAL(sm_flow_time(f, SM_TIME_SYNACK), 1 * SEC + 1 * MS);
    CU_ASSERT_EQUAL(sm_flow_time(f, SM_TIME_HS_ACK), 1 * SEC + 2 * MS);
    CU_ASSERT_EQUAL(sm_flow_hs_syn_ts(f), 1 * SEC);
    CU_ASSERT_EQUAL(f->first_ts, 1 * SEC);
    CU_ASSERT_EQUAL(f->last_ts, 1 * SEC + 2 * MS);
    CU_ASSERT_STRING_EQUAL(sm_t_history(f), "ShA");
    const struct sm_flow_stats *st = sm_flow_table_stats(c->t);
    CU_ASSERT_EQUAL(st->flows, 1);
    CU_ASSERT_EQUAL(st->active, 0);
    CU_ASSERT_EQUAL(st->active_max, 1);
    sm_t_free(c);
}

static void test_flow_initiator_synack_receiver(void)
{
    struct sm_t_ctx *c = sm_t_new(100, 0);

    /* The capture starts with the SYN-ACK: its receiver initiated. */
    sm_t_send(c, 1 * SEC, SRV, CLI, SM_TH_SYN | SM_TH_ACK, ISN_S, ISN_C + 1, 0);
    sm_t_send(c, 1 * SEC + 1 * MS, CLI, SRV, SM_TH_ACK, ISN_C + 1, ISN_S + 1, 0);
    sm_flow_flush(c->t, 2 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 1);
    const struct sm_flow *f = &c->rec.e[0].f;
    CU_ASSERT_TRUE(sm_t_is(f, SM_DIR_ORIG, CLI));
    CU_ASSERT_TRUE(sm_t_is(f, SM_DIR_RESP, SRV));
    CU_ASSERT_EQUAL(f->side[SM_DIR_RESP].syn_count, 1);
    CU_ASSERT_EQUAL(f->side[SM_DIR_ORIG].syn_count, 0);
    CU_ASSERT_TRUE(f->established);
    sm_t_free(c);
}

static void test_flow_initiator_not_ssh_port(void)
{
    struct sm_t_ctx *c = sm_t_new(100, 0);

    /* Mid-stream, the server speaks first: the side not on port 22 is the
     * initiator all the same. */
    sm_t_send(c, 1 * SEC, SRV, CLI, SM_TH_ACK | SM_TH_PSH, 7000, 3000, 100);
    sm_t_send(c, 1 * SEC + 1 * MS, CLI, SRV, SM_TH_ACK, 3000, 7100, 0);
    sm_flow_flush(c->t, 2 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 1);
    const struct sm_flow *f = &c->rec.e[0].f;
    CU_ASSERT_TRUE(sm_t_is(f, SM_DIR_ORIG, CLI));
    CU_ASSERT_TRUE(f->midstream);
    CU_ASSERT_TRUE(f->established); /* both directions seen */
    CU_ASSERT_EQUAL(sm_flow_payload_bytes(f, SM_DIR_RESP), 100);
    CU_ASSERT_EQUAL(sm_flow_payload_bytes(f, SM_DIR_ORIG), 0);
    sm_t_free(c);

    /* Another SSH port from the set (2222). */
    c = sm_t_new(100, 0);
    struct sm_t_ep srv2 = SRV;
    srv2.port = 2222;
    sm_t_send(c, 1 * SEC, srv2, CLI, SM_TH_ACK, 7000, 3000, 0);
    sm_flow_flush(c->t, 2 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 1);
    CU_ASSERT_TRUE(sm_t_is(&c->rec.e[0].f, SM_DIR_ORIG, CLI));
    CU_ASSERT_FALSE(c->rec.e[0].f.established); /* one direction only */
    sm_t_free(c);
}

static void test_flow_initiator_first_sender(void)
{
    struct sm_t_ctx *c = sm_t_new(100, 0);
    struct sm_t_ep a = { 10, 0, 0, 5, 40000 }, b = { 10, 0, 0, 6, 50001 };
    struct sm_t_ep a22 = { 10, 0, 0, 7, 22 }, b22 = { 10, 0, 0, 8, 22 };

    /* Neither port is SSH, then both are: the first sender initiates. */
    sm_t_send(c, 1 * SEC, b, a, SM_TH_ACK, 1, 1, 10);
    sm_t_send(c, 1 * SEC + 1, a, b, SM_TH_ACK, 1, 11, 0);
    sm_t_send(c, 2 * SEC, b22, a22, SM_TH_ACK, 1, 1, 10);
    sm_flow_flush(c->t, 3 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 2);
    CU_ASSERT_TRUE(sm_t_is(&c->rec.e[0].f, SM_DIR_ORIG, b));
    CU_ASSERT_TRUE(sm_t_is(&c->rec.e[0].f, SM_DIR_RESP, a));
    CU_ASSERT_TRUE(sm_t_is(&c->rec.e[1].f, SM_DIR_ORIG, b22));
    CU_ASSERT_TRUE(c->rec.e[0].f.midstream);
    sm_t_free(c);
}

static void test_flow_symmetric_lookup(void)
{
    struct sm_t_ctx *c = sm_t_new(100, 0);

    sm_t_handshake(c, 1 * SEC, CLI, SRV);
    sm_t_send(c, 1 * SEC + 10 * MS, SRV, CLI, SM_TH_ACK | SM_TH_PSH, ISN_S + 1, ISN_C + 1, 21);
    sm_t_send(c, 1 * SEC + 11 * MS, CLI, SRV, SM_TH_ACK | SM_TH_PSH, ISN_C + 1, ISN_S + 22, 21);
    sm_flow_flush(c->t, 2 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 1);
    const struct sm_flow *f = &c->rec.e[0].f;
    CU_ASSERT_EQUAL(sm_flow_table_stats(c->t)->flows, 1);
    CU_ASSERT_EQUAL(sm_flow_pkts(f, SM_DIR_ORIG), 3);
    CU_ASSERT_EQUAL(sm_flow_pkts(f, SM_DIR_RESP), 2);
    CU_ASSERT_EQUAL(sm_flow_payload_bytes(f, SM_DIR_RESP), 21);
    CU_ASSERT_EQUAL(f->side[SM_DIR_RESP].next_seq, ISN_S + 22);
    CU_ASSERT_EQUAL(f->side[SM_DIR_ORIG].max_ack, ISN_S + 22);
    CU_ASSERT_EQUAL(f->side[SM_DIR_RESP].retrans, 0);
    CU_ASSERT_EQUAL(sm_flow_payload_bytes(f, SM_DIR_ORIG), 21);
    CU_ASSERT_STRING_EQUAL(sm_t_history(f), "ShAdD");
    sm_t_free(c);
}

static void test_flow_vlan_separates(void)
{
    struct sm_t_ctx *c = sm_t_new(100, 0);
    struct sm_pkt p;

    /* One tuple untagged, in VLAN 100, in VLAN 200 and in QinQ 200/100 and
     * 200/101: five connections. */
    static const uint16_t tags[][2] = {
        { 0, 0 }, { 100, 0 }, { 200, 0 }, { 200, 100 }, { 200, 101 }
    };
    static const uint8_t ntags[] = { 0, 1, 1, 2, 2 };
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < SM_NELEM(ntags); i++) {
            if (round == 0)
                p = sm_t_seg(c, 1 * SEC + (int64_t)i, CLI, SRV, SM_TH_SYN, ISN_C, 0, 0);
            else /* the answers find their own VLAN's connection */
                p = sm_t_seg(c, 2 * SEC + (int64_t)i, SRV, CLI, SM_TH_SYN | SM_TH_ACK, ISN_S,
                             ISN_C + 1, 0);
            p.vlan_count = ntags[i];
            p.vlan[0] = tags[i][0];
            p.vlan[1] = tags[i][1];
            (void)sm_t_packet(c, &p, NULL);
        }
    }
    CU_ASSERT_EQUAL(sm_flow_table_stats(c->t)->flows, 5);
    sm_flow_flush(c->t, 3 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 5);
    for (size_t i = 0; i < 5; i++) {
        const struct sm_flow *f = &c->rec.e[i].f;
        CU_ASSERT_EQUAL(f->vlan_count, ntags[i]);
        CU_ASSERT_EQUAL(f->vlan[0], tags[i][0]);
        CU_ASSERT_EQUAL(f->vlan[1], tags[i][1]);
        CU_ASSERT_EQUAL(f->side[SM_DIR_RESP].syn_count, 1);
    }
    sm_t_free(c);
}

static void test_flow_reuse_after_close(void)
{
    struct sm_t_ctx *c = sm_t_new(100, 0);

    sm_t_handshake(c, 1 * SEC, CLI, SRV);
    sm_t_close(c, 2 * SEC, CLI, SRV, ISN_C + 1, ISN_S + 1);
    CU_ASSERT_EQUAL(c->rec.n, 0); /* ended, lingering */
    /* A trailing retransmitted FIN attaches to it, no new connection. */
    sm_t_send(c, 3 * SEC, SRV, CLI, SM_TH_FIN | SM_TH_ACK, ISN_S + 1, ISN_C + 2, 0);
    CU_ASSERT_EQUAL(sm_flow_table_stats(c->t)->flows, 1);
    /* New SYN, new ISN, within the linger time. */
    sm_t_send(c, 4 * SEC, CLI, SRV, SM_TH_SYN, 777777, 0, 0);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 1);
    CU_ASSERT_EQUAL(c->rec.e[0].why, SM_END_REUSED);
    CU_ASSERT_EQUAL(c->rec.e[0].now, 4 * SEC);
    CU_ASSERT_EQUAL(c->rec.e[0].f.id, 1);
    CU_ASSERT_TRUE(c->rec.e[0].f.ended);
    CU_ASSERT_FALSE(c->rec.e[0].f.superseded);
    CU_ASSERT_TRUE(c->rec.e[0].f.side[SM_DIR_RESP].fin_seen);
    sm_flow_flush(c->t, 5 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 2);
    CU_ASSERT_EQUAL(c->rec.e[1].f.id, 2);
    CU_ASSERT_EQUAL(c->rec.e[1].f.side[SM_DIR_ORIG].isn, 777777);
    CU_ASSERT_EQUAL(sm_flow_pkts(&c->rec.e[1].f, SM_DIR_ORIG), 1);
    sm_t_free(c);

    /* Ended by a RST, then reused. */
    c = sm_t_new(100, 0);
    sm_t_handshake(c, 1 * SEC, CLI, SRV);
    sm_t_send(c, 2 * SEC, SRV, CLI, SM_TH_RST, ISN_S + 1, 0, 0);
    sm_t_send(c, 3 * SEC, CLI, SRV, SM_TH_SYN, 424242, 0, 0);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 1);
    CU_ASSERT_EQUAL(c->rec.e[0].why, SM_END_REUSED);
    CU_ASSERT_EQUAL(sm_flow_end_of(&c->rec.e[0].f, SM_DIR_RESP)->rst_count, 1);
    sm_t_free(c);
}

static void test_flow_superseded(void)
{
    struct sm_t_ctx *c = sm_t_new(100, 0);

    sm_t_handshake(c, 1 * SEC, CLI, SRV);
    sm_t_send(c, 5 * SEC, CLI, SRV, SM_TH_SYN, 99999, 0, 0);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 1);
    CU_ASSERT_EQUAL(c->rec.e[0].why, SM_END_SUPERSEDED);
    CU_ASSERT_TRUE(c->rec.e[0].f.superseded);
    CU_ASSERT_TRUE(c->rec.e[0].f.established);
    CU_ASSERT_FALSE(c->rec.e[0].f.ended);
    CU_ASSERT_EQUAL(c->rec.e[0].f.id, 1);
    sm_flow_flush(c->t, 6 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 2);
    CU_ASSERT_EQUAL(c->rec.e[1].f.id, 2);
    CU_ASSERT_FALSE(c->rec.e[1].f.superseded);
    CU_ASSERT_EQUAL(c->rec.e[1].f.side[SM_DIR_ORIG].isn, 99999);
    CU_ASSERT_EQUAL(sm_flow_table_stats(c->t)->flows, 2);
    sm_t_free(c);
}

static void test_flow_syn_retransmission(void)
{
    struct sm_t_ctx *c = sm_t_new(100, 0);

    sm_t_send(c, 10 * SEC, CLI, SRV, SM_TH_SYN, ISN_C, 0, 0);
    sm_t_send(c, 11 * SEC, CLI, SRV, SM_TH_SYN, ISN_C, 0, 0);
    sm_t_send(c, 13 * SEC, CLI, SRV, SM_TH_SYN, ISN_C, 0, 0);
    CU_ASSERT_EQUAL(c->rec.n, 0);
    sm_flow_flush(c->t, 14 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 1);
    const struct sm_flow *f = &c->rec.e[0].f;
    CU_ASSERT_EQUAL(f->side[SM_DIR_ORIG].syn_count, 3);
    CU_ASSERT_EQUAL(sm_flow_pkts(f, SM_DIR_ORIG), 3);
    CU_ASSERT_EQUAL(sm_flow_syn_ts(f, 0), 10 * SEC);
    CU_ASSERT_EQUAL(sm_flow_syn_ts(f, 1), 11 * SEC);
    CU_ASSERT_EQUAL(sm_flow_syn_ts(f, 2), 13 * SEC);
    CU_ASSERT_EQUAL(f->side[SM_DIR_ORIG].retrans, 0); /* SYNs carry no payload */
    CU_ASSERT_EQUAL(sm_flow_duplicates(f), 0);
    CU_ASSERT_FALSE(f->established);
    CU_ASSERT_STRING_EQUAL(sm_t_history(f), "S");
    sm_t_free(c);

    /* More SYNs than SM_MAX_SYN_TIMES: counted, times kept for the first. */
    c = sm_t_new(100, 0);
    for (int i = 0; i < SM_MAX_SYN_TIMES + 3; i++)
        sm_t_send(c, (int64_t)(i + 1) * SEC, CLI, SRV, SM_TH_SYN, ISN_C, 0, 0);
    sm_flow_flush(c->t, 100 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 1);
    CU_ASSERT_EQUAL(c->rec.e[0].f.side[SM_DIR_ORIG].syn_count, SM_MAX_SYN_TIMES + 3);
    CU_ASSERT_EQUAL(sm_flow_syn_ts(&c->rec.e[0].f, SM_MAX_SYN_TIMES - 1),
                    (int64_t)SM_MAX_SYN_TIMES * SEC);
    sm_t_free(c);
}

/* An NFLOG group beside an interface (sm_flow_nflog_witness): its copy of a
 * SYN the interface showed notes the rule on that connection without
 * counting as a packet; a copy without a prefix, or of an unknown tuple,
 * or not TCP, changes nothing. */
static void test_flow_nflog_witness(void)
{
    struct sm_t_ctx *c = sm_t_new(100, 0);
    static const uint8_t rule[] = "ssh-ban";

    struct sm_pkt syn = sm_t_seg(c, 10 * SEC, CLI, SRV, SM_TH_SYN, ISN_C, 0, 0);
    struct sm_pkt copy = syn; /* the same packet, as NFLOG hands it over */
    copy.ts_us = 10 * SEC + 2 * MS;
    copy.nflog = true;
    copy.nf_hook = 2;                                    /* forward */
    CU_ASSERT_FALSE(sm_flow_nflog_witness(c->t, &copy)); /* no connection yet */
    (void)sm_t_packet(c, &syn, NULL);
    copy.nf_prefix = NULL; /* logged without a prefix: no rule */
    CU_ASSERT_TRUE(sm_flow_nflog_witness(c->t, &copy));
    copy.nf_prefix = rule;
    copy.nf_prefix_len = (uint8_t)(sizeof(rule) - 1);
    CU_ASSERT_TRUE(sm_flow_nflog_witness(c->t, &copy));
    /* A copy of the server's reply direction (the tuple reversed) finds
     * the same connection. */
    struct sm_pkt rst = sm_t_seg(c, 10 * SEC + 3 * MS, SRV, CLI, SM_TH_RST, 0, ISN_C + 1, 0);
    rst.nflog = true;
    CU_ASSERT_TRUE(sm_flow_nflog_witness(c->t, &rst));
    struct sm_pkt other = sm_t_seg(c, 11 * SEC, (struct sm_t_ep){ 10, 0, 0, 3, 40000 }, SRV,
                                   SM_TH_SYN, ISN_C, 0, 0);
    other.nf_prefix = rule;
    other.nf_prefix_len = copy.nf_prefix_len;
    CU_ASSERT_FALSE(sm_flow_nflog_witness(c->t, &other));
    other.kind = SM_PKT_ICMP_ERR;
    CU_ASSERT_FALSE(sm_flow_nflog_witness(c->t, &other));

    sm_flow_flush(c->t, 20 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 1); /* the witness made no connection */
    const struct sm_flow *f = &c->rec.e[0].f;
    CU_ASSERT_EQUAL(sm_flow_pkts(f, SM_DIR_ORIG), 1);
    CU_ASSERT_EQUAL(sm_flow_pkts(f, SM_DIR_RESP), 0);
    CU_ASSERT_EQUAL(f->side[SM_DIR_ORIG].syn_count, 1);
    CU_ASSERT_EQUAL(sm_flow_duplicates(f), 0);
    CU_ASSERT_STRING_EQUAL(sm_t_history(f), "S");
    const struct sm_flow_nflog *n = sm_flow_nflog_of(f);
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    CU_ASSERT_PTR_NOT_NULL(n->prefix); /* released with the flow: not read */
    CU_ASSERT_EQUAL(c->rec.e[0].nf_prefix_len, sizeof(rule) - 1);
    CU_ASSERT_EQUAL(memcmp(c->rec.e[0].nf_prefix, rule, sizeof(rule) - 1), 0);
    CU_ASSERT_EQUAL(n->packets, 1);
    CU_ASSERT_EQUAL(n->dir, SM_DIR_ORIG);
    CU_ASSERT_EQUAL(n->hook, 2);
    CU_ASSERT_EQUAL(n->last_ts, 10 * SEC + 2 * MS);
    sm_t_free(c);
}

static void test_flow_duplicates(void)
{
    struct sm_t_ctx *c = sm_t_new(100, 0);
    struct sm_pkt p, q;

    sm_t_handshake(c, 1 * SEC, CLI, SRV);
    /* The same data segment seen on two interfaces 20 us apart: one. */
    p = sm_t_seg(c, 2 * SEC, CLI, SRV, SM_TH_ACK | SM_TH_PSH, ISN_C + 1, ISN_S + 1, 100);
    p.ifindex = 3;
    q = p;
    q.ifindex = 4;
    q.ts_us += 20;
    (void)sm_t_packet(c, &p, NULL);
    (void)sm_t_packet(c, &q, NULL);
    /* The same again on one interface: sent twice (a retransmission). */
    p = sm_t_seg(c, 3 * SEC, CLI, SRV, SM_TH_ACK | SM_TH_PSH, ISN_C + 101, ISN_S + 1, 100);
    p.ifindex = 3;
    q = p;
    q.ts_us += 20;
    (void)sm_t_packet(c, &p, NULL);
    (void)sm_t_packet(c, &q, NULL);
    /* On two interfaces, but 51 ms apart: outside the window. */
    p = sm_t_seg(c, 4 * SEC, CLI, SRV, SM_TH_ACK | SM_TH_PSH, ISN_C + 201, ISN_S + 1, 100);
    p.ifindex = 3;
    q = p;
    q.ifindex = 4;
    q.ts_us += SM_DUP_WINDOW_USECS + 1 * MS;
    (void)sm_t_packet(c, &p, NULL);
    (void)sm_t_packet(c, &q, NULL);
    /* Exactly at the window's edge: still one. */
    p = sm_t_seg(c, 5 * SEC, CLI, SRV, SM_TH_ACK | SM_TH_PSH, ISN_C + 301, ISN_S + 1, 100);
    p.ifindex = 3;
    q = p;
    q.ifindex = 4;
    q.ts_us += SM_DUP_WINDOW_USECS;
    (void)sm_t_packet(c, &p, NULL);
    (void)sm_t_packet(c, &q, NULL);
    /* SLL v1 (no ifindex): incoming vs outgoing packet type is a dup,
     * the same packet type twice is not. */
    p = sm_t_seg(c, 6 * SEC, SRV, CLI, SM_TH_ACK | SM_TH_PSH, ISN_S + 1, ISN_C + 401, 10);
    p.pkttype = 0;
    q = p;
    q.pkttype = 4;
    q.ts_us += 5;
    (void)sm_t_packet(c, &p, NULL);
    (void)sm_t_packet(c, &q, NULL);
    p = sm_t_seg(c, 7 * SEC, SRV, CLI, SM_TH_ACK | SM_TH_PSH, ISN_S + 11, ISN_C + 401, 10);
    p.pkttype = 0;
    q = p;
    q.ts_us += 5;
    (void)sm_t_packet(c, &p, NULL);
    (void)sm_t_packet(c, &q, NULL);
    /* The same bytes with a different IP ID: a real retransmission. */
    p = sm_t_seg(c, 8 * SEC, CLI, SRV, SM_TH_ACK | SM_TH_PSH, ISN_C + 401, ISN_S + 21, 100);
    q = p;
    q.ip_id++;
    q.ts_us += 1 * MS;
    (void)sm_t_packet(c, &p, NULL);
    (void)sm_t_packet(c, &q, NULL);

    sm_flow_flush(c->t, 9 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 1);
    const struct sm_flow *f = &c->rec.e[0].f;
    CU_ASSERT_EQUAL(sm_flow_duplicates(f), 3);
    CU_ASSERT_EQUAL(sm_flow_table_stats(c->t)->duplicates, 3);
    /* Client: 2 handshake + 1 + 2 + 2 + 1 + 2 packets. */
    CU_ASSERT_EQUAL(sm_flow_pkts(f, SM_DIR_ORIG), 10);
    CU_ASSERT_EQUAL(f->side[SM_DIR_ORIG].retrans, 3);
    CU_ASSERT_EQUAL(sm_flow_pkts(f, SM_DIR_RESP), 1 + 1 + 2);
    CU_ASSERT_EQUAL(f->side[SM_DIR_RESP].retrans, 1);
    sm_t_free(c);
}

/* Copies interleaved with other packets: the last SM_DUP_RING packets are
 * compared, during a burst and after a pause. */
static void test_flow_duplicates_interleaved(void)
{
    struct sm_t_ctx *c = sm_t_new(100, 0);
    struct sm_pkt p[SM_DUP_RING + 1];

    sm_t_handshake(c, 1 * SEC, CLI, SRV);
    for (int round = 0; round < 2; round++) {
        /* SM_DUP_RING packets, then a copy of each (another interface):
         * each copy finds its original among the last SM_DUP_RING. */
        int64_t t0 = (2 + round) * SEC;
        for (uint32_t i = 0; i < SM_DUP_RING; i++) {
            p[i] = sm_t_seg(c, t0 + i * MS, CLI, SRV, SM_TH_ACK | SM_TH_PSH,
                            ISN_C + 1 + (round * SM_DUP_RING + i) * 10, ISN_S + 1, 10);
            p[i].ifindex = 3;
            (void)sm_t_packet(c, &p[i], NULL);
        }
        for (uint32_t i = 0; i < SM_DUP_RING; i++) {
            struct sm_pkt q = p[i];
            q.ifindex = 4;
            q.ts_us = t0 + 10 * MS + i;
            CU_ASSERT_PTR_NULL(sm_t_packet(c, &q, NULL));
        }
    }
    /* A copy of a packet pushed out by SM_DUP_RING newer ones is not one. */
    int64_t t0 = 5 * SEC;
    uint32_t base = ISN_C + 1000;
    for (uint32_t i = 0; i <= SM_DUP_RING; i++) {
        p[i] = sm_t_seg(c, t0 + i * MS, CLI, SRV, SM_TH_ACK | SM_TH_PSH, base + i * 10, ISN_S + 1,
                        10);
        p[i].ifindex = 3;
        (void)sm_t_packet(c, &p[i], NULL);
    }
    struct sm_pkt q = p[0];
    q.ifindex = 4;
    q.ts_us = t0 + 10 * MS;
    CU_ASSERT_PTR_NOT_NULL(sm_t_packet(c, &q, NULL));
    /* That copy counted as a packet and pushed out p[1]; p[2] is still in. */
    q = p[2];
    q.ifindex = 4;
    q.ts_us = t0 + 11 * MS;
    CU_ASSERT_PTR_NULL(sm_t_packet(c, &q, NULL));
    /* The burst's ring stays while a copy may still come, and goes once
     * the newest packet is older than the window. */
    q = sm_t_seg(c, t0 + 20 * MS, SRV, CLI, SM_TH_ACK, ISN_S + 1, base + 50, 0);
    struct sm_flow *f = sm_t_packet(c, &q, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_NOT_NULL(sm_t_dup_more(f));
    sm_flow_expire(c->t, t0 + 20 * MS + SM_DUP_WINDOW_USECS);
    CU_ASSERT_PTR_NOT_NULL(sm_t_dup_more(f));
    sm_flow_expire(c->t, t0 + 21 * MS + SM_DUP_WINDOW_USECS);
    CU_ASSERT_PTR_NULL(sm_t_dup_more(f));
    CU_ASSERT_EQUAL(c->rec.n, 0);

    sm_flow_flush(c->t, 9 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 1);
    CU_ASSERT_EQUAL(sm_flow_duplicates(&c->rec.e[0].f), 2 * SM_DUP_RING + 1);
    sm_t_free(c);
}

static void test_flow_duplicate_first_packet(void)
{
    struct sm_t_ctx *c = sm_t_new(100, 0);

    /* A router's "-i any" sees the very first SYN twice. */
    struct sm_pkt p = sm_t_seg(c, 1 * SEC, CLI, SRV, SM_TH_SYN, ISN_C, 0, 0);
    p.ifindex = 2;
    struct sm_pkt q = p;
    q.ifindex = 3;
    q.ts_us += 10;
    (void)sm_t_packet(c, &p, NULL);
    (void)sm_t_packet(c, &q, NULL);
    sm_flow_flush(c->t, 2 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 1);
    CU_ASSERT_EQUAL(c->rec.e[0].f.side[SM_DIR_ORIG].syn_count, 1);
    CU_ASSERT_EQUAL(sm_flow_pkts(&c->rec.e[0].f, SM_DIR_ORIG), 1);
    CU_ASSERT_EQUAL(sm_flow_duplicates(&c->rec.e[0].f), 1);
    sm_t_free(c);
}

static void test_flow_sequence_wrap(void)
{
    struct sm_t_ctx *c = sm_t_new(100, 0);
    const uint32_t isn_c = 0xffffff00u, isn_s = 0xffffffffu;

    sm_t_send(c, 1 * SEC, CLI, SRV, SM_TH_SYN, isn_c, 0, 0);
    sm_t_send(c, 1 * SEC + 1 * MS, SRV, CLI, SM_TH_SYN | SM_TH_ACK, isn_s, isn_c + 1, 0);
    /* The ACK of the SYN-ACK is 0 after the wrap and completes the
     * handshake. */
    sm_t_send(c, 1 * SEC + 2 * MS, CLI, SRV, SM_TH_ACK, isn_c + 1, 0, 0);
    /* 0x200 bytes from 0xffffff01: the stream crosses 2^32. */
    sm_t_send(c, 2 * SEC, CLI, SRV, SM_TH_ACK | SM_TH_PSH, isn_c + 1, 0, 0x100);
    sm_t_send(c, 2 * SEC + 1 * MS, CLI, SRV, SM_TH_ACK | SM_TH_PSH, isn_c + 0x101, 0, 0x100);
    /* The segment before the wrap again, and the one after it. */
    sm_t_send(c, 3 * SEC, CLI, SRV, SM_TH_ACK | SM_TH_PSH, isn_c + 1, 0, 0x100);
    sm_t_send(c, 3 * SEC + 1 * MS, CLI, SRV, SM_TH_ACK | SM_TH_PSH, isn_c + 0x101, 0, 0x100);
    /* New data beyond: not a retransmission. */
    sm_t_send(c, 4 * SEC, CLI, SRV, SM_TH_ACK | SM_TH_PSH, isn_c + 0x201, 0, 0x10);
    sm_flow_flush(c->t, 5 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 1);
    const struct sm_flow *f = &c->rec.e[0].f;
    CU_ASSERT_EQUAL(sm_flow_time(f, SM_TIME_HS_ACK), 1 * SEC + 2 * MS);
    CU_ASSERT_TRUE(f->established);
    CU_ASSERT_EQUAL(f->side[SM_DIR_ORIG].retrans, 2);
    CU_ASSERT_EQUAL(sm_flow_payload_bytes(f, SM_DIR_ORIG), 4 * 0x100 + 0x10);
    CU_ASSERT_EQUAL(f->side[SM_DIR_ORIG].next_seq, isn_c + 0x211); /* 0x111 after the wrap */
    CU_ASSERT_EQUAL(f->side[SM_DIR_ORIG].next_seq, 0x111u);
    CU_ASSERT_EQUAL(f->side[SM_DIR_RESP].next_seq, 0u);
    sm_t_free(c);
}

static void test_flow_retransmissions(void)
{
    struct sm_t_ctx *c = sm_t_new(100, 0);

    sm_t_handshake(c, 1 * SEC, CLI, SRV);
    sm_t_send(c, 2 * SEC, SRV, CLI, SM_TH_ACK | SM_TH_PSH, ISN_S + 1, ISN_C + 1, 500);
    sm_t_send(c, 2 * SEC + 300 * MS, SRV, CLI, SM_TH_ACK | SM_TH_PSH, ISN_S + 1, ISN_C + 1, 500);
    sm_t_send(c, 2 * SEC + 900 * MS, SRV, CLI, SM_TH_ACK | SM_TH_PSH, ISN_S + 1, ISN_C + 1, 500);
    /* A partial overlap (starts inside sent data) counts too. */
    sm_t_send(c, 3 * SEC, SRV, CLI, SM_TH_ACK | SM_TH_PSH, ISN_S + 401, ISN_C + 1, 200);
    /* A bare ACK below next_seq is not a retransmission. */
    sm_t_send(c, 4 * SEC, SRV, CLI, SM_TH_ACK, ISN_S + 1, ISN_C + 1, 0);
    sm_flow_flush(c->t, 5 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 1);
    const struct sm_flow *f = &c->rec.e[0].f;
    CU_ASSERT_EQUAL(f->side[SM_DIR_RESP].retrans, 3);
    CU_ASSERT_EQUAL(sm_flow_payload_bytes(f, SM_DIR_RESP), 1700);
    CU_ASSERT_EQUAL(f->side[SM_DIR_RESP].next_seq, ISN_S + 601);
    CU_ASSERT_EQUAL(f->side[SM_DIR_ORIG].retrans, 0);
    CU_ASSERT_PTR_NOT_NULL(strchr(sm_t_history(f), 't'));
    CU_ASSERT_PTR_NULL(strchr(sm_t_history(f), 'T'));
    sm_t_free(c);
}

/* Zero windows per side, as Arkime counts them: any segment but a RST
 * advertising window 0 (SYN and FIN included); duplicates not counted. */
static void test_flow_zero_window(void)
{
    struct sm_t_ctx *c = sm_t_new(100, 0);

    sm_t_handshake(c, 1 * SEC, CLI, SRV);
    sm_t_send(c, 2 * SEC, SRV, CLI, SM_TH_ACK | SM_TH_PSH, ISN_S + 1, ISN_C + 1, 500);
    /* The client's window is full: three zero-window ACKs, one of them
     * captured twice (a duplicate, not counted again). */
    struct sm_pkt p = sm_t_seg(c, 2 * SEC + 1 * MS, CLI, SRV, SM_TH_ACK, ISN_C + 1, ISN_S + 501, 0);
    p.win = 0;
    (void)sm_t_packet(c, &p, NULL);
    (void)sm_t_packet(c, &p, NULL);
    p = sm_t_seg(c, 2 * SEC + 300 * MS, CLI, SRV, SM_TH_ACK, ISN_C + 1, ISN_S + 501, 0);
    p.win = 0;
    (void)sm_t_packet(c, &p, NULL);
    /* A window probe from the server is no zero window of its own. */
    sm_t_send(c, 2 * SEC + 400 * MS, SRV, CLI, SM_TH_ACK, ISN_S + 500, ISN_C + 1, 1);
    /* A FIN advertising 0 counts (Arkime; Wireshark would not). */
    p = sm_t_seg(c, 3 * SEC, CLI, SRV, SM_TH_FIN | SM_TH_ACK, ISN_C + 1, ISN_S + 501, 0);
    p.win = 0;
    (void)sm_t_packet(c, &p, NULL);
    /* A RST advertising 0 does not: its window means nothing. */
    p = sm_t_seg(c, 3 * SEC + 1 * MS, SRV, CLI, SM_TH_RST, ISN_S + 501, 0, 0);
    p.win = 0;
    (void)sm_t_packet(c, &p, NULL);
    sm_flow_flush(c->t, 5 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 1);
    const struct sm_flow *f = &c->rec.e[0].f;
    CU_ASSERT_EQUAL(sm_flow_zero_window(f, SM_DIR_ORIG), 3);
    CU_ASSERT_EQUAL(sm_flow_zero_window(f, SM_DIR_RESP), 0);
    CU_ASSERT_EQUAL(sm_flow_duplicates(f), 1);
    CU_ASSERT_TRUE(f->synack_judged);
    CU_ASSERT_EQUAL(sm_flow_synack_bad_ack(f), 0);
    sm_t_free(c);
}

/* A SYN-ACK must acknowledge the SYN's ISN + 1; judged only against a
 * captured SYN. */
static void test_flow_synack_ack(void)
{
    struct sm_t_ctx *c = sm_t_new(100, 0);

    /* Wrong: the SYN-ACK answers ISN 7 (a stale or spoofed SYN), then a
     * right one follows. */
    sm_t_send(c, 1 * SEC, CLI, SRV, SM_TH_SYN, ISN_C, 0, 0);
    sm_t_send(c, 1 * SEC + 1 * MS, SRV, CLI, SM_TH_SYN | SM_TH_ACK, ISN_S, 8, 0);
    sm_t_send(c, 1 * SEC + 2 * MS, SRV, CLI, SM_TH_SYN | SM_TH_ACK, ISN_S, ISN_C + 1, 0);
    sm_t_send(c, 1 * SEC + 3 * MS, CLI, SRV, SM_TH_ACK, ISN_C + 1, ISN_S + 1, 0);
    sm_t_close(c, 2 * SEC, CLI, SRV, ISN_C + 1, ISN_S + 1);
    /* Not judged: the SYN-ACK without its SYN (the capture began after). */
    struct sm_t_ep cli2 = CLI;
    cli2.port = 50001;
    sm_t_send(c, 3 * SEC, SRV, cli2, SM_TH_SYN | SM_TH_ACK, ISN_S, ISN_C + 1, 0);
    sm_t_send(c, 3 * SEC + 1 * MS, cli2, SRV, SM_TH_ACK, ISN_C + 1, ISN_S + 1, 0);
    /* Not judged: no SYN-ACK at all. */
    struct sm_t_ep cli3 = CLI;
    cli3.port = 50002;
    sm_t_send(c, 4 * SEC, cli3, SRV, SM_TH_SYN, ISN_C, 0, 0);
    sm_flow_flush(c->t, 100 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 3);
    for (size_t i = 0; i < c->rec.n; i++) {
        const struct sm_flow *f = &c->rec.e[i].f;
        if (f->port[SM_DIR_ORIG] == 50000) {
            CU_ASSERT_TRUE(f->synack_judged);
            CU_ASSERT_EQUAL(sm_flow_synack_bad_ack(f), 1);
            CU_ASSERT_EQUAL(f->side[SM_DIR_RESP].syn_count, 2);
        } else {
            CU_ASSERT_FALSE(f->synack_judged);
            CU_ASSERT_EQUAL(sm_flow_synack_bad_ack(f), 0);
        }
    }
    sm_t_free(c);
}

/* The recent-segment bookkeeping behind stalls and largest_acked_segment:
 * a segment counts until acknowledged or until SM_SEG_RING newer ones were
 * sent; the ring is freed once everything in it was acknowledged. */
static void test_flow_recent_segments(void)
{
    struct sm_t_ctx *c = sm_t_new(100, 0);
    enum sm_dir d;

    sm_t_handshake(c, 1 * SEC, CLI, SRV);
    /* 20 segments of 100 + i bytes, none acknowledged. */
    uint32_t seq = ISN_S + 1, at[20];
    for (uint32_t i = 0; i < 20; i++) {
        at[i] = seq;
        sm_t_send(c, 2 * SEC + i * MS, SRV, CLI, SM_TH_ACK | SM_TH_PSH, seq, ISN_C + 1, 100 + i);
        seq += 100 + i;
    }
    struct sm_pkt p = sm_t_seg(c, 3 * SEC, CLI, SRV, SM_TH_ACK, ISN_C + 1, ISN_S + 1, 0);
    struct sm_flow *f = sm_t_packet(c, &p, &d);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sm_t_segs(f, SM_DIR_RESP));
    CU_ASSERT_EQUAL(sm_t_segs(f, SM_DIR_RESP)->live, SM_SEG_RING);
    /* Segment 2 left the ring: its retransmission starts a stall whose
     * first transmission is unknown. */
    sm_t_send(c, 4 * SEC, SRV, CLI, SM_TH_ACK | SM_TH_PSH, at[2], ISN_C + 1, 102);
    CU_ASSERT_TRUE(sm_flow_stall(f, SM_DIR_RESP)->active);
    CU_ASSERT_EQUAL(sm_flow_stall(f, SM_DIR_RESP)->count, 1);
    CU_ASSERT_EQUAL(sm_flow_stall(f, SM_DIR_RESP)->ts[0], 4 * SEC);
    /* The ACK of the first 10 segments ends it; the largest acknowledged
     * segment still in the ring is number 9 (109 bytes). */
    p = sm_t_seg(c, 5 * SEC, CLI, SRV, SM_TH_ACK, ISN_C + 1, at[10], 0);
    (void)sm_t_packet(c, &p, NULL);
    CU_ASSERT_FALSE(sm_flow_stall(f, SM_DIR_RESP)->active);
    CU_ASSERT_EQUAL(f->side[SM_DIR_RESP].max_acked_seg, 109);
    CU_ASSERT_EQUAL(sm_t_segs(f, SM_DIR_RESP)->live, 10);
    /* Segment 15 is still in the ring: its first transmission is known. */
    sm_t_send(c, 6 * SEC, SRV, CLI, SM_TH_ACK | SM_TH_PSH, at[15], ISN_C + 1, 115);
    CU_ASSERT_EQUAL(sm_flow_stall(f, SM_DIR_RESP)->count, 2);
    CU_ASSERT_EQUAL(sm_flow_stall(f, SM_DIR_RESP)->ts[0], 2 * SEC + 15 * MS);
    CU_ASSERT_EQUAL(sm_flow_stall(f, SM_DIR_RESP)->ts[1], 6 * SEC);
    /* Everything acknowledged: the ring is gone, the evidence stays. */
    p = sm_t_seg(c, 7 * SEC, CLI, SRV, SM_TH_ACK, ISN_C + 1, seq, 0);
    (void)sm_t_packet(c, &p, NULL);
    CU_ASSERT_PTR_NULL(sm_t_segs(f, SM_DIR_RESP));
    CU_ASSERT_EQUAL(f->side[SM_DIR_RESP].max_acked_seg, 119);
    CU_ASSERT_FALSE(sm_flow_stall(f, SM_DIR_RESP)->active);
    CU_ASSERT_PTR_NULL(sm_t_segs(f, SM_DIR_ORIG)); /* never sent data */
    sm_t_free(c);
}

/* A lone unacknowledged segment (an interactive session waiting for the
 * ACK of its keystroke) is held in the side, no ring allocated; it reads as
 * a ring would: acknowledged, it counts as delivered, and when the side
 * sends again it moves into a ring with its first transmission's time. */
static void test_flow_lone_segment(void)
{
    struct sm_t_ctx *c = sm_t_new(100, 0);
    sm_t_handshake(c, 1 * SEC, CLI, SRV);
    sm_flow_expire(c->t, 2 * SEC); /* the handshake's duplicate ring goes */
    enum sm_dir d;
    struct sm_pkt p =
            sm_t_seg(c, 3 * SEC, CLI, SRV, SM_TH_ACK | SM_TH_PSH, ISN_C + 1, ISN_S + 1, 36);
    struct sm_flow *f = sm_t_packet(c, &p, &d);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(f->side[SM_DIR_ORIG].pend_len, 36);
    CU_ASSERT_PTR_NULL(f->aux);
    /* The echo acknowledges it: delivered, nothing held. */
    sm_t_send(c, 3 * SEC + 20 * MS, SRV, CLI, SM_TH_ACK | SM_TH_PSH, ISN_S + 1, ISN_C + 37, 36);
    CU_ASSERT_EQUAL(f->side[SM_DIR_ORIG].pend_len, 0);
    CU_ASSERT_EQUAL(f->side[SM_DIR_ORIG].max_acked_seg, 36);
    CU_ASSERT_EQUAL(f->side[SM_DIR_RESP].pend_len, 36);
    sm_flow_expire(c->t, 4 * SEC);
    CU_ASSERT_PTR_NULL(f->aux);
    /* The server's echo is retransmitted: it moves into a ring first, so
     * its first transmission is known to the stall. */
    sm_t_send(c, 5 * SEC, SRV, CLI, SM_TH_ACK | SM_TH_PSH, ISN_S + 1, ISN_C + 37, 36);
    CU_ASSERT_EQUAL(f->side[SM_DIR_RESP].pend_len, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sm_t_segs(f, SM_DIR_RESP));
    CU_ASSERT_EQUAL(sm_t_segs(f, SM_DIR_RESP)->live, 1);
    CU_ASSERT_TRUE(sm_flow_stall(f, SM_DIR_RESP)->active);
    CU_ASSERT_EQUAL(sm_flow_stall(f, SM_DIR_RESP)->count, 2);
    CU_ASSERT_EQUAL(sm_flow_stall(f, SM_DIR_RESP)->ts[0], 3 * SEC + 20 * MS);
    CU_ASSERT_EQUAL(sm_flow_stall(f, SM_DIR_RESP)->ts[1], 5 * SEC);
    /* Acknowledged: the ring goes. */
    sm_t_send(c, 5 * SEC + 10 * MS, CLI, SRV, SM_TH_ACK, ISN_C + 37, ISN_S + 37, 0);
    CU_ASSERT_PTR_NULL(sm_t_segs(f, SM_DIR_RESP));
    CU_ASSERT_EQUAL(f->side[SM_DIR_RESP].max_acked_seg, 36);
    CU_ASSERT_FALSE(sm_flow_stall(f, SM_DIR_RESP)->active);
    /* A segment with a FIN is not held in the side. */
    sm_t_send(c, 6 * SEC, CLI, SRV, SM_TH_ACK | SM_TH_FIN, ISN_C + 37, ISN_S + 37, 5);
    CU_ASSERT_EQUAL(f->side[SM_DIR_ORIG].pend_len, 0);
    CU_ASSERT_PTR_NOT_NULL(sm_t_segs(f, SM_DIR_ORIG));
    sm_t_free(c);
}

static void test_flow_fin_rst_tracking(void)
{
    struct sm_t_ctx *c = sm_t_new(100, 0);

    sm_t_handshake(c, 1 * SEC, CLI, SRV);
    /* A data-carrying FIN: the FIN's sequence is after the data. */
    sm_t_send(c, 2 * SEC, CLI, SRV, SM_TH_FIN | SM_TH_ACK | SM_TH_PSH, ISN_C + 1, ISN_S + 1, 10);
    /* The server answers with a RST at exactly the expected sequence, from
     * a different TTL. */
    struct sm_pkt p = sm_t_seg(c, 2 * SEC + 1 * MS, SRV, CLI, SM_TH_RST, ISN_S + 1, 0, 0);
    p.ttl = 250;
    (void)sm_t_packet(c, &p, NULL);
    sm_flow_flush(c->t, 3 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 1);
    const struct sm_flow *f = &c->rec.e[0].f;
    CU_ASSERT_TRUE(f->ended);
    CU_ASSERT_TRUE(f->side[SM_DIR_ORIG].fin_seen);
    CU_ASSERT_EQUAL(sm_flow_end_of(f, SM_DIR_ORIG)->fin_seq, ISN_C + 11);
    CU_ASSERT_EQUAL(sm_flow_end_of(f, SM_DIR_ORIG)->fin_ts, 2 * SEC);
    CU_ASSERT_EQUAL(f->side[SM_DIR_ORIG].next_seq, ISN_C + 12);
    CU_ASSERT_EQUAL(sm_flow_end_of(f, SM_DIR_RESP)->rst_count, 1);
    CU_ASSERT_EQUAL(sm_flow_end_of(f, SM_DIR_RESP)->rst_ttl, 250);
    CU_ASSERT_EQUAL(f->side[SM_DIR_RESP].ttl_last, 64); /* RSTs do not update it */
    CU_ASSERT_TRUE(sm_flow_end_of(f, SM_DIR_RESP)->rst_seq_exact);
    CU_ASSERT_STRING_EQUAL(sm_t_history(f), "ShADFr");
    sm_t_free(c);
}

/* Only the client's direction captured (issue 22 item 8): its first ACK
 * gives the server's ISN; its ACKs after its FIN say the server closed
 * later; the capture is one-sided. The server's direction alone: the
 * client's ISN from the SYN-ACK, and no ACK after the server's FIN. */
static void test_flow_one_sided_inference(void)
{
    struct sm_t_ctx *c = sm_t_new(100, 0);
    sm_t_send(c, 1 * SEC, CLI, SRV, SM_TH_SYN, ISN_C, 0, 0);
    sm_t_send(c, 1 * SEC + 2 * MS, CLI, SRV, SM_TH_ACK, ISN_C + 1, ISN_S + 1, 0);
    sm_t_send(c, 1 * SEC + 3 * MS, CLI, SRV, SM_TH_ACK | SM_TH_PSH, ISN_C + 1, ISN_S + 1, 30);
    sm_t_send(c, 1 * SEC + 9 * MS, CLI, SRV, SM_TH_ACK, ISN_C + 31, ISN_S + 41, 0);
    sm_t_send(c, 2 * SEC, CLI, SRV, SM_TH_FIN | SM_TH_ACK, ISN_C + 31, ISN_S + 41, 0);
    sm_t_send(c, 2 * SEC + 1 * MS, CLI, SRV, SM_TH_ACK, ISN_C + 32, ISN_S + 42, 0);
    sm_flow_flush(c->t, 3 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 1);
    const struct sm_flow *f = &c->rec.e[0].f;
    CU_ASSERT_TRUE(f->established);
    CU_ASSERT_TRUE(sm_flow_one_sided(f));
    CU_ASSERT_TRUE(f->side[SM_DIR_RESP].isn_known && f->side[SM_DIR_RESP].isn_inferred);
    CU_ASSERT_EQUAL(f->side[SM_DIR_RESP].isn, ISN_S);
    CU_ASSERT_TRUE(f->side[SM_DIR_ORIG].ack_after_fin);
    sm_t_free(c);

    c = sm_t_new(100, 0);
    sm_t_send(c, 1 * SEC, SRV, CLI, SM_TH_SYN | SM_TH_ACK, ISN_S, ISN_C + 1, 0);
    sm_t_send(c, 1 * SEC + 1 * MS, SRV, CLI, SM_TH_ACK | SM_TH_PSH, ISN_S + 1, ISN_C + 1, 40);
    sm_t_send(c, 1 * SEC + 9 * MS, SRV, CLI, SM_TH_ACK, ISN_S + 41, ISN_C + 32, 0);
    sm_t_send(c, 1 * SEC + 10 * MS, SRV, CLI, SM_TH_FIN | SM_TH_ACK, ISN_S + 41, ISN_C + 32, 0);
    sm_flow_flush(c->t, 3 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 1);
    f = &c->rec.e[0].f;
    CU_ASSERT_TRUE(sm_flow_one_sided(f));
    CU_ASSERT_TRUE(f->side[SM_DIR_ORIG].isn_inferred);
    CU_ASSERT_FALSE(f->side[SM_DIR_RESP].ack_after_fin);
    CU_ASSERT_FALSE(f->side[SM_DIR_RESP].data_unanswered); /* its ACK advanced after */
    sm_t_free(c);

    /* The client's requests never answered (its ACK stays), then its FIN:
     * data unanswered; a lone retransmission followed by an ACK advance. */
    c = sm_t_new(100, 0);
    sm_t_send(c, 1 * SEC, CLI, SRV, SM_TH_SYN, ISN_C, 0, 0);
    sm_t_send(c, 1 * SEC + 2 * MS, CLI, SRV, SM_TH_ACK, ISN_C + 1, ISN_S + 1, 0);
    sm_t_send(c, 2 * SEC, CLI, SRV, SM_TH_ACK | SM_TH_PSH, ISN_C + 1, ISN_S + 1, 30);
    sm_t_send(c, 3 * SEC, CLI, SRV, SM_TH_ACK | SM_TH_PSH, ISN_C + 31, ISN_S + 1, 30);
    sm_t_send(c, 4 * SEC, CLI, SRV, SM_TH_FIN | SM_TH_ACK, ISN_C + 61, ISN_S + 1, 0);
    sm_flow_flush(c->t, 5 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 1);
    f = &c->rec.e[0].f;
    CU_ASSERT_TRUE(f->side[SM_DIR_ORIG].data_unanswered);
    CU_ASSERT_FALSE(f->side[SM_DIR_ORIG].ack_after_fin);
    sm_t_free(c);

    /* Both directions: a SYN-ACK seen, the ISN is the real one; a lone
     * SYN (silent drop) is not one-sided. */
    c = sm_t_new(100, 0);
    sm_t_handshake(c, 1 * SEC, CLI, SRV);
    sm_t_send(c, 4 * SEC, CLI, SRV, SM_TH_SYN, ISN_C + 77, 0, 0);
    sm_flow_flush(c->t, 5 * SEC);
    for (size_t i = 0; i < c->rec.n; i++) {
        CU_ASSERT_FALSE(sm_flow_one_sided(&c->rec.e[i].f));
        CU_ASSERT_FALSE(c->rec.e[i].f.side[SM_DIR_RESP].isn_inferred);
    }
    sm_t_free(c);
}

/* A silence shorter than idle_min (issue 22 item 4) counts, marked short,
 * when it lasts SM_SHORT_IDLE_SECS or more, at least SM_IDLE_RHYTHM_FACTOR
 * times the longest silence before it, and began with nothing in flight. */
static void test_flow_short_idle(void)
{
    for (int variant = 0; variant < 3; variant++) {
        struct sm_t_ctx *c = sm_t_new_idle(100, 0, 240 * SEC);
        sm_t_handshake(c, 1 * SEC, CLI, SRV);
        sm_t_send(c, 2 * SEC, CLI, SRV, SM_TH_ACK | SM_TH_PSH, ISN_C + 1, ISN_S + 1, 10);
        uint32_t cseq = ISN_C + 11;
        if (variant == 1) /* 20 s pauses already: the session's rhythm */
            sm_t_send(c, 22 * SEC, SRV, CLI, SM_TH_ACK, ISN_S + 1, ISN_C + 11, 0);
        else if (variant != 2) /* variant 2: the client's data unacknowledged */
            sm_t_send(c, 2 * SEC + 1 * MS, SRV, CLI, SM_TH_ACK, ISN_S + 1, ISN_C + 11, 0);
        int64_t last = variant == 1 ? 22 * SEC : 2 * SEC + 1 * MS;
        struct sm_pkt p = sm_t_seg(c, last + 40 * SEC, CLI, SRV, SM_TH_ACK | SM_TH_PSH,
                                   variant == 2 ? ISN_C + 1 : cseq, ISN_S + 1, 10);
        struct sm_flow *f = sm_t_packet(c, &p, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        struct sm_flow_idle idle = sm_flow_idle_of(f);
        CU_ASSERT_EQUAL(idle.seen, variant == 0);
        CU_ASSERT_EQUAL(idle.short_gap, variant == 0);
        if (variant == 0)
            CU_ASSERT_EQUAL(idle.gap_us, 40 * SEC);
        sm_t_free(c);
    }
    /* 29 s: below the floor. */
    struct sm_t_ctx *c = sm_t_new_idle(100, 0, 240 * SEC);
    sm_t_handshake(c, 1 * SEC, CLI, SRV);
    sm_t_send(c, 30 * SEC, CLI, SRV, SM_TH_ACK | SM_TH_PSH, ISN_C + 1, ISN_S + 1, 10);
    sm_flow_flush(c->t, 31 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 1);
    CU_ASSERT_FALSE(sm_flow_idle_of(&c->rec.e[0].f).seen);
    sm_t_free(c);
}

/* A transfer cut mid-stream is not idleness (issue 22 item 4/5): a silence
 * of idle_min or more whose first packet retransmits data still in flight
 * (the sender backing off toward a dead path) is no idle period; the same
 * silence with everything acknowledged is one. */
static void test_flow_cut_transfer_not_idle(void)
{
    for (int acked = 0; acked < 2; acked++) {
        struct sm_t_ctx *c = sm_t_new_idle(100, 0, 4 * SEC);
        sm_t_handshake(c, 1 * SEC, CLI, SRV);
        /* An upload: 1000 bytes, then the path dies (or, acked = 1, the
         * server acknowledges it and the client pauses). */
        sm_t_send(c, 2 * SEC, CLI, SRV, SM_TH_ACK | SM_TH_PSH, ISN_C + 1, ISN_S + 1, 1000);
        if (acked)
            sm_t_send(c, 2 * SEC + 1 * MS, SRV, CLI, SM_TH_ACK, ISN_S + 1, ISN_C + 1001, 0);
        /* 6.4 s later: the retransmission (or, acked, the next data). */
        uint32_t seq = acked ? ISN_C + 1001 : ISN_C + 1;
        struct sm_pkt p = sm_t_seg(c, 8 * SEC + 400 * MS, CLI, SRV, SM_TH_ACK | SM_TH_PSH, seq,
                                   ISN_S + 1, 1000);
        struct sm_flow *f = sm_t_packet(c, &p, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        struct sm_flow_idle idle = sm_flow_idle_of(f);
        CU_ASSERT_EQUAL(idle.seen, acked == 1);
        CU_ASSERT_FALSE(idle.short_gap);
        if (acked)
            CU_ASSERT_EQUAL(idle.gap_us, 6 * SEC + 399 * MS);
        sm_t_free(c);
    }
}

/* NAT rebind (issue 22 item 12): a packet without SYN on a new client port
 * that carries exactly the client's next sequence number and acknowledges
 * exactly the server's next one continues the silent connection (one flow,
 * reached by both tuples); a wrong number, another client address, data
 * still in flight, or a second new port start flows of their own. The
 * joined flow leaves the index with both its tuples. */
static void test_flow_nat_rebind(void)
{
    for (int variant = 0; variant < 5; variant++) {
        struct sm_t_ctx *c = sm_t_new_idle(100, 0, 4 * SEC);
        sm_t_handshake(c, 1 * SEC, CLI, SRV);
        /* 40 bytes each way, everything acknowledged (variant 3: the
         * server's last 20 bytes are not). */
        sm_t_send(c, 2 * SEC, CLI, SRV, SM_TH_ACK | SM_TH_PSH, ISN_C + 1, ISN_S + 1, 40);
        sm_t_send(c, 2 * SEC + 1 * MS, SRV, CLI, SM_TH_ACK | SM_TH_PSH, ISN_S + 1, ISN_C + 41, 40);
        sm_t_send(c, 2 * SEC + 2 * MS, CLI, SRV, SM_TH_ACK, ISN_C + 41, ISN_S + 41, 0);
        uint32_t snext = ISN_S + 41;
        if (variant == 3) {
            sm_t_send(c, 2 * SEC + 3 * MS, SRV, CLI, SM_TH_ACK | SM_TH_PSH, snext, ISN_C + 41, 20);
            snext += 20;
        }
        struct sm_t_ep cli2 = CLI;
        cli2.port = 61000;
        if (variant == 2)
            cli2.d = 9; /* another client */
        uint32_t seq = variant == 1 ? ISN_C + 42 : ISN_C + 41;
        struct sm_pkt p = sm_t_seg(c, 10 * SEC, cli2, SRV, SM_TH_ACK | SM_TH_PSH, seq, snext, 36);
        enum sm_dir d = SM_DIR_RESP;
        struct sm_flow *f = sm_t_packet(c, &p, &d);
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        bool joined = variant == 0 || variant == 4;
        CU_ASSERT_EQUAL(sm_flow_table_stats(c->t)->flows, joined ? 1u : 2u);
        CU_ASSERT_EQUAL(sm_flow_rebind_of(f) != NULL, joined);
        if (joined) {
            CU_ASSERT_EQUAL(d, SM_DIR_ORIG);
            CU_ASSERT_TRUE(sm_t_is(f, SM_DIR_ORIG, CLI)); /* the event keeps the old tuple */
            CU_ASSERT_EQUAL(sm_flow_rebind_of(f)->old_port, CLI.port);
            CU_ASSERT_EQUAL(sm_flow_rebind_of(f)->new_port, 61000);
            CU_ASSERT_EQUAL(sm_flow_rebind_of(f)->gap_us, 8 * SEC - 2 * MS);
        }
        if (variant == 0) {
            /* The server's RST on the new tuple reaches the same flow. */
            struct sm_pkt rst = sm_t_seg(c, 10 * SEC + 1 * MS, SRV, cli2, SM_TH_RST, snext, 0, 0);
            CU_ASSERT_PTR_EQUAL(sm_t_packet(c, &rst, &d), f);
            CU_ASSERT_EQUAL(d, SM_DIR_RESP);
            CU_ASSERT_TRUE(f->ended);
        }
        if (variant == 4) {
            /* The server acknowledges on the new tuple; then the client
             * appears on yet another port with the next numbers: joined
             * once only, that is a flow of its own. */
            struct sm_pkt a =
                    sm_t_seg(c, 10 * SEC + 1 * MS, SRV, cli2, SM_TH_ACK, snext, ISN_C + 77, 0);
            CU_ASSERT_PTR_EQUAL(sm_t_packet(c, &a, &d), f);
            struct sm_t_ep cli3 = CLI;
            cli3.port = 62000;
            struct sm_pkt q =
                    sm_t_seg(c, 20 * SEC, cli3, SRV, SM_TH_ACK | SM_TH_PSH, ISN_C + 77, snext, 10);
            CU_ASSERT_PTR_NOT_EQUAL(sm_t_packet(c, &q, &d), f);
            CU_ASSERT_EQUAL(sm_flow_table_stats(c->t)->flows, 2u);
        }
        sm_flow_flush(c->t, 60 * SEC);
        CU_ASSERT_EQUAL(sm_flow_table_stats(c->t)->active, 0u);
        /* Both tuples left the index: a new packet on either starts anew. */
        struct sm_pkt again = sm_t_seg(c, 61 * SEC, cli2, SRV, SM_TH_ACK, seq, snext, 0);
        CU_ASSERT_PTR_NOT_NULL(sm_t_packet(c, &again, &d));
        CU_ASSERT_EQUAL(sm_flow_table_stats(c->t)->active, 1u);
        sm_t_free(c);
    }
}

/* The last idle period (silence of idle_min or more that data ended): its
 * length, who spoke first and whether the peer acknowledged it; the longest
 * silence until the first one; a side's first RST counts as after it from
 * the very time traffic resumed on. It is kept in the flow: a session that
 * resumed needs no aux block for it. */
static void test_flow_idle_evidence(void)
{
    struct sm_t_ctx *c = sm_t_new_idle(100, 0, 60 * SEC);
    struct sm_t_ep c2 = CLI;
    c2.port = 50002;

    sm_t_handshake(c, 1 * SEC, CLI, SRV);
    sm_t_send(c, 2 * SEC, CLI, SRV, SM_TH_ACK | SM_TH_PSH, ISN_C + 1, ISN_S + 1, 10);
    sm_t_send(c, 2 * SEC + 1 * MS, SRV, CLI, SM_TH_ACK, ISN_S + 1, ISN_C + 11, 0);
    /* 5 s of silence: shorter than idle_min, the longest so far. */
    struct sm_pkt p =
            sm_t_seg(c, 7 * SEC, SRV, CLI, SM_TH_ACK | SM_TH_PSH, ISN_S + 1, ISN_C + 11, 20);
    struct sm_flow *f = sm_t_packet(c, &p, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_FALSE(sm_flow_idle_of(f).seen);
    CU_ASSERT_EQUAL(f->gap_us, 5 * SEC - 1 * MS);
    sm_t_send(c, 7 * SEC + 1 * MS, CLI, SRV, SM_TH_ACK, ISN_C + 11, ISN_S + 21, 0);

    /* 100 s of silence, then the client: an idle period, not yet acked. */
    sm_t_send(c, 107 * SEC + 1 * MS, CLI, SRV, SM_TH_ACK | SM_TH_PSH, ISN_C + 11, ISN_S + 21, 10);
    struct sm_flow_idle idle = sm_flow_idle_of(f);
    CU_ASSERT_TRUE(idle.seen);
    CU_ASSERT_FALSE(idle.acked);
    CU_ASSERT_EQUAL(idle.dir, SM_DIR_ORIG);
    CU_ASSERT_EQUAL(idle.seq, ISN_C + 11);
    CU_ASSERT_EQUAL(idle.gap_us, 100 * SEC);
    CU_ASSERT_EQUAL(f->gap_us, 100 * SEC);
    CU_ASSERT_FALSE(idle.rst_after[0] || idle.rst_after[1]);
    CU_ASSERT_PTR_NULL(f->aux);
    /* The server's ACK of it: acked. */
    sm_t_send(c, 107 * SEC + 2 * MS, SRV, CLI, SM_TH_ACK, ISN_S + 21, ISN_C + 21, 0);
    CU_ASSERT_TRUE(sm_flow_idle_of(f).acked);

    /* A longer silence ended by a bare ACK is no idle period, and the
     * reported gap stays the last idle period's. */
    sm_t_send(c, 300 * SEC, CLI, SRV, SM_TH_ACK, ISN_C + 21, ISN_S + 21, 0);
    CU_ASSERT_EQUAL(sm_flow_idle_of(f).gap_us, 100 * SEC);
    CU_ASSERT_EQUAL(f->gap_us, 100 * SEC);
    CU_ASSERT_EQUAL(sm_flow_idle_of(f).dir, SM_DIR_ORIG);

    /* The server speaks after 100 s more: a new idle period, and the
     * client's RST after it counts as after it. */
    sm_t_send(c, 400 * SEC, SRV, CLI, SM_TH_ACK | SM_TH_PSH, ISN_S + 21, ISN_C + 21, 20);
    idle = sm_flow_idle_of(f);
    CU_ASSERT_TRUE(idle.seen);
    CU_ASSERT_FALSE(idle.acked);
    CU_ASSERT_EQUAL(idle.dir, SM_DIR_RESP);
    CU_ASSERT_EQUAL(idle.seq, ISN_S + 21);
    CU_ASSERT_EQUAL(idle.gap_us, 100 * SEC);
    sm_t_send(c, 400 * SEC + 5 * MS, CLI, SRV, SM_TH_RST, ISN_C + 21, 0, 0);
    idle = sm_flow_idle_of(f);
    CU_ASSERT_TRUE(idle.rst_after[SM_DIR_ORIG]);
    CU_ASSERT_FALSE(idle.rst_after[SM_DIR_RESP]);
    CU_ASSERT_FALSE(idle.acked);

    /* A second connection: the server's RST before the silence is not
     * after the idle period that follows. */
    sm_t_handshake(c, 500 * SEC, c2, SRV);
    p = sm_t_seg(c, 501 * SEC, c2, SRV, SM_TH_ACK | SM_TH_PSH, ISN_C + 1, ISN_S + 1, 10);
    struct sm_flow *f2 = sm_t_packet(c, &p, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f2);
    /* (acknowledged first: a silence with data in flight is no idle period) */
    sm_t_send(c, 501 * SEC + 1 * MS, SRV, c2, SM_TH_ACK, ISN_S + 1, ISN_C + 11, 0);
    sm_t_send(c, 502 * SEC, SRV, c2, SM_TH_RST, ISN_S + 1, 0, 0);
    sm_t_send(c, 600 * SEC, c2, SRV, SM_TH_ACK | SM_TH_PSH, ISN_C + 11, ISN_S + 1, 10);
    idle = sm_flow_idle_of(f2);
    CU_ASSERT_TRUE(idle.seen);
    CU_ASSERT_EQUAL(idle.gap_us, 98 * SEC);
    CU_ASSERT_FALSE(idle.rst_after[SM_DIR_RESP]);
    CU_ASSERT_FALSE(idle.rst_after[SM_DIR_ORIG]);
    sm_t_free(c);
}

static void test_flow_expiry(void)
{
    struct sm_t_ctx *c = sm_t_new(100, 0);
    struct sm_t_ep c2 = CLI, c3 = CLI;
    c2.port = 50002;
    c3.port = 50003;

    /* Ended at 10 s (last packet 10.002 s). */
    sm_t_handshake(c, 9 * SEC, CLI, SRV);
    sm_t_close(c, 10 * SEC, CLI, SRV, ISN_C + 1, ISN_S + 1);
    /* A lone SYN at 20 s. */
    sm_t_send(c, 20 * SEC, c2, SRV, SM_TH_SYN, ISN_C, 0, 0);
    /* Established and idle from 21 s on. */
    sm_t_handshake(c, 21 * SEC, c3, SRV);

    sm_flow_expire(c->t, 10 * SEC + 2 * MS + SM_LINGER_SECS * SEC - 1);
    CU_ASSERT_EQUAL(c->rec.n, 0);
    sm_flow_expire(c->t, 10 * SEC + 2 * MS + SM_LINGER_SECS * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 1);
    CU_ASSERT_EQUAL(c->rec.e[0].why, SM_END_CLOSED);
    CU_ASSERT_TRUE(sm_t_is(&c->rec.e[0].f, SM_DIR_ORIG, CLI));

    sm_flow_expire(c->t, 20 * SEC + SM_HANDSHAKE_TIMEOUT_SECS * SEC - 1);
    CU_ASSERT_EQUAL(c->rec.n, 1);
    sm_flow_expire(c->t, 20 * SEC + SM_HANDSHAKE_TIMEOUT_SECS * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 2);
    CU_ASSERT_EQUAL(c->rec.e[1].why, SM_END_TIMEOUT);
    CU_ASSERT_TRUE(sm_t_is(&c->rec.e[1].f, SM_DIR_ORIG, c2));

    /* An established connection never expires by time alone. */
    sm_flow_expire(c->t, 1000000 * SEC);
    CU_ASSERT_EQUAL(c->rec.n, 2);
    CU_ASSERT_EQUAL(sm_flow_table_stats(c->t)->active, 1);
    sm_flow_flush(c->t, 1000001 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 3);
    CU_ASSERT_EQUAL(c->rec.e[2].why, SM_END_CAPTURE_END);
    CU_ASSERT_TRUE(sm_t_is(&c->rec.e[2].f, SM_DIR_ORIG, c3));
    sm_t_free(c);
}

static void test_flow_expiry_refreshed(void)
{
    struct sm_t_ctx *c = sm_t_new(100, 0);

    /* A SYN retried at 0, 60 and 120 s: the timeout counts from the last. */
    sm_t_send(c, 1 * SEC, CLI, SRV, SM_TH_SYN, ISN_C, 0, 0);
    sm_flow_expire(c->t, 60 * SEC);
    sm_t_send(c, 61 * SEC, CLI, SRV, SM_TH_SYN, ISN_C, 0, 0);
    sm_flow_expire(c->t, 120 * SEC);
    CU_ASSERT_EQUAL(c->rec.n, 0);
    sm_flow_expire(c->t, 61 * SEC + SM_HANDSHAKE_TIMEOUT_SECS * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 1);
    CU_ASSERT_EQUAL(c->rec.e[0].f.side[SM_DIR_ORIG].syn_count, 2);
    CU_ASSERT_EQUAL(c->rec.e[0].why, SM_END_TIMEOUT);

    /* A half-open connection that completes leaves the handshake list. */
    sm_t_handshake(c, 200 * SEC, CLI, SRV);
    sm_flow_expire(c->t, 400 * SEC);
    CU_ASSERT_EQUAL(c->rec.n, 1);
    sm_t_free(c);
}

static void test_flow_flush_order(void)
{
    struct sm_t_ctx *c = sm_t_new(100, 0);
    struct sm_t_ep cl[5];

    for (int i = 0; i < 5; i++) {
        cl[i] = CLI;
        cl[i].port = (uint16_t)(40000 + i);
        sm_t_send(c, (int64_t)(i + 1) * SEC, cl[i], SRV, SM_TH_SYN, ISN_C, 0, 0);
    }
    /* Touch them in reverse so recency order differs from id order. */
    for (int i = 4; i >= 0; i--)
        sm_t_send(c, (int64_t)(10 - i) * SEC, SRV, cl[i], SM_TH_SYN | SM_TH_ACK, ISN_S, ISN_C + 1,
                  0);
    sm_flow_flush(c->t, 20 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 5);
    for (size_t i = 0; i < 5; i++) {
        CU_ASSERT_EQUAL(c->rec.e[i].f.id, i + 1);
        CU_ASSERT_EQUAL(c->rec.e[i].f.port[SM_DIR_ORIG], 40000 + i);
        CU_ASSERT_EQUAL(c->rec.e[i].why, SM_END_CAPTURE_END);
    }
    CU_ASSERT_EQUAL(sm_flow_table_stats(c->t)->active, 0);
    /* Flushing an empty table emits nothing. */
    sm_flow_flush(c->t, 21 * SEC);
    CU_ASSERT_EQUAL(c->rec.n, 5);
    sm_t_free(c);
}

/* Start times are offsets from the first packet; one too far for 32 bits
 * of microseconds goes to the rare block and reads the same. */
static void test_flow_times_far(void)
{
    struct sm_t_ctx *c = sm_t_new(10, 0);
    const int64_t late = 1 * SEC + 2 * 3600 * SEC; /* two hours on: past 71 minutes */
    /* The responder speaks first (mid-stream), the initiator two hours
     * later, then a SYN-ACK from the responder. */
    sm_t_send(c, 1 * SEC, SRV, CLI, SM_TH_ACK, ISN_S, ISN_C, 10);
    sm_t_send(c, late, CLI, SRV, SM_TH_ACK, ISN_C, ISN_S + 10, 10);
    sm_t_send(c, late + 1 * MS, SRV, CLI, SM_TH_SYN | SM_TH_ACK, ISN_S, ISN_C + 10, 0);
    sm_flow_flush(c->t, late + 1 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 1);
    const struct sm_flow *f = &c->rec.e[0].f;
    CU_ASSERT_EQUAL(f->first_ts, 1 * SEC);
    CU_ASSERT_EQUAL(sm_flow_time(f, SM_TIME_ORIG_FIRST), late);
    CU_ASSERT_EQUAL(sm_flow_time(f, SM_TIME_SYNACK), late + 1 * MS);
    CU_ASSERT_EQUAL(f->time_off[SM_TIME_SYNACK], UINT32_MAX);
    CU_ASSERT_EQUAL(sm_flow_time(f, SM_TIME_SYN0), 0);
    sm_t_free(c);
}

/* A side's counts keep their low 32 bits in the flow and carry into the
 * rare block: past 4 GiB they still count exactly. */
static void test_flow_counts_carry(void)
{
    struct sm_t_ctx *c = sm_t_new(10, 0);
    sm_t_handshake(c, 1 * SEC, CLI, SRV);
    const uint32_t plen = 60000;
    const uint32_t n = (uint32_t)((1ull << 32) / plen) + 10; /* 71592 segments, 4.3 GB */
    uint32_t seq = ISN_C + 1;
    for (uint32_t i = 0; i < n; i++, seq += plen)
        sm_t_send(c, 2 * SEC + (int64_t)i * 100, CLI, SRV, SM_TH_ACK, seq, ISN_S + 1, plen);
    sm_t_send(c, 10 * SEC, SRV, CLI, SM_TH_ACK, ISN_S + 1, seq, 0);
    sm_flow_flush(c->t, 20 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 1);
    const struct sm_flow *f = &c->rec.e[0].f;
    CU_ASSERT_EQUAL(sm_flow_pkts(f, SM_DIR_ORIG), 2 + (uint64_t)n);
    CU_ASSERT_EQUAL(sm_flow_payload_bytes(f, SM_DIR_ORIG), (uint64_t)n * plen);
    CU_ASSERT_EQUAL(sm_flow_bytes(f, SM_DIR_ORIG), 2 * 40 + (uint64_t)n * (40 + plen));
    CU_ASSERT_TRUE(sm_flow_bytes(f, SM_DIR_ORIG) > UINT32_MAX);
    CU_ASSERT_EQUAL(sm_flow_bytes(f, SM_DIR_RESP), 80);
    sm_t_free(c);
}

/* Flows live in arrays and a finished flow's place is taken by the next new
 * one: the flush still goes in id order, and every flow gets its own. */
static void test_flow_reuse_order(void)
{
    struct sm_t_ctx *c = sm_t_new(2000, 0);
    struct sm_t_ep cl = CLI;
    /* 1200 half-open connections (more than one array), then all but every
     * third time out, then 700 new ones take the freed places. */
    for (int i = 0; i < 1200; i++) {
        cl.port = (uint16_t)(10000 + i);
        sm_t_send(c, 1 * SEC, cl, SRV, SM_TH_SYN, ISN_C, 0, 0);
    }
    /* Every third retries its SYN later, and so outlives the others. */
    for (int i = 0; i < 1200; i += 3) {
        cl.port = (uint16_t)(10000 + i);
        sm_t_send(c, 50 * SEC, cl, SRV, SM_TH_SYN, ISN_C, 0, 0);
    }
    sm_flow_expire(c->t, 1 * SEC + (int64_t)SM_HANDSHAKE_TIMEOUT_SECS * SEC);
    CU_ASSERT_EQUAL(sm_flow_table_stats(c->t)->active, 400);
    for (int i = 0; i < 700; i++) {
        cl.port = (uint16_t)(30000 + i);
        sm_t_send(c, 80 * SEC, cl, SRV, SM_TH_SYN, ISN_C, 0, 0);
    }
    CU_ASSERT_EQUAL(sm_flow_table_stats(c->t)->active, 1100);
    size_t before = c->rec.total;
    c->rec.n = 0; /* the recorder keeps the first 64 emitted from here */
    sm_flow_flush(c->t, 90 * SEC);
    CU_ASSERT_EQUAL(c->rec.total - before, 1100);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 64);
    /* The old ones first, in id order: 1, 4, 7, ... */
    for (size_t i = 0; i < c->rec.n; i++) {
        CU_ASSERT_EQUAL(c->rec.e[i].why, SM_END_CAPTURE_END);
        CU_ASSERT_EQUAL(c->rec.e[i].f.id, 1 + 3 * i);
        CU_ASSERT_EQUAL(c->rec.e[i].f.port[SM_DIR_ORIG], 10000 + 3 * i);
    }
    CU_ASSERT_EQUAL(sm_flow_table_stats(c->t)->flows, 1900);
    sm_t_free(c);
}

/* A full table gives up half-open connections before established ones,
 * however old: a SYN flood must not evict real sessions. */
static void test_flow_evicts_half_open_first(void)
{
    struct sm_t_ctx *c = sm_t_new(2, 0);
    struct sm_t_ep a = CLI, b = CLI, d = CLI;
    a.port = 41000;
    b.port = 41001;
    d.port = 41002;
    /* a: an established session, seen long ago. */
    sm_t_send(c, 1 * SEC, a, SRV, SM_TH_SYN, ISN_C, 0, 0);
    sm_t_send(c, 1 * SEC + 1000, SRV, a, SM_TH_SYN | SM_TH_ACK, ISN_S, ISN_C + 1, 0);
    sm_t_send(c, 1 * SEC + 2000, a, SRV, SM_TH_ACK, ISN_C + 1, ISN_S + 1, 0);
    /* b: a later bare SYN; then d arrives into the full table. */
    sm_t_send(c, 5 * SEC, b, SRV, SM_TH_SYN, ISN_C, 0, 0);
    sm_t_send(c, 6 * SEC, d, SRV, SM_TH_SYN, ISN_C, 0, 0);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 1);
    CU_ASSERT_EQUAL(c->rec.e[0].why, SM_END_EVICTED);
    CU_ASSERT_EQUAL(c->rec.e[0].f.port[SM_DIR_ORIG], 41001); /* b, not a */
    sm_t_free(c);
}

/* The index (open addressing with backward-shift deletion) under churn:
 * thousands of connections, many sharing probe runs, removed in an order
 * unrelated to insertion, while the others must stay findable. Packets of
 * a connection still in the table must never start a new one. */
static void test_flow_index_churn(void)
{
    struct sm_t_ctx *c = sm_t_new(100000, 7);
    enum {
        N = 6000
    };
    struct sm_t_ep cl[N];
    uint32_t state = 12345;

    for (int i = 0; i < N; i++) {
        cl[i] = CLI;
        cl[i].c = (uint8_t)(i >> 8);
        cl[i].d = (uint8_t)i;
        cl[i].port = (uint16_t)(20000 + i);
        sm_t_send(c, 1 * SEC, cl[i], SRV, SM_TH_SYN, ISN_C, 0, 0);
    }
    CU_ASSERT_EQUAL(sm_flow_table_stats(c->t)->flows, N);
    /* Reset a pseudo-random half; they leave the table after lingering. */
    bool gone[N] = { false };
    for (int i = 0; i < N; i++) {
        state = state * 1103515245u + 12345u;
        if ((state >> 16) & 1) {
            gone[i] = true;
            sm_t_send(c, 2 * SEC, SRV, cl[i], SM_TH_RST | SM_TH_ACK, 0, ISN_C + 1, 0);
        }
    }
    sm_flow_expire(c->t, 2 * SEC + 31 * SEC);
    size_t left = 0;
    for (int i = 0; i < N; i++)
        left += !gone[i];
    CU_ASSERT_EQUAL(sm_flow_table_stats(c->t)->active, left);
    /* Every survivor is found again (no new connection is created). */
    for (int i = 0; i < N; i++) {
        if (gone[i])
            continue;
        enum sm_dir d;
        struct sm_pkt p = sm_t_seg(c, 34 * SEC, cl[i], SRV, SM_TH_SYN, ISN_C, 0, 0);
        struct sm_flow *f = sm_t_packet(c, &p, &d);
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        CU_ASSERT_EQUAL(f->port[SM_DIR_ORIG], cl[i].port);
        CU_ASSERT_EQUAL(f->side[SM_DIR_ORIG].syn_count, 2);
    }
    CU_ASSERT_EQUAL(sm_flow_table_stats(c->t)->flows, N);
    sm_t_free(c);
}

/* CLOCK: when every flow was seen again since the hand last passed, one
 * full turn clears the bits and the oldest goes; the hand then moves on,
 * and a flow seen after the pass is spared again. */
static void test_flow_clock_second_chance(void)
{
    struct sm_t_ctx *c = sm_t_new(3, 0);
    struct sm_t_ep cl[6];

    for (int i = 0; i < 6; i++) {
        cl[i] = CLI;
        cl[i].port = (uint16_t)(42000 + i);
    }
    for (int i = 0; i < 3; i++)
        sm_t_send(c, (1 + i) * SEC, cl[i], SRV, SM_TH_SYN, ISN_C, 0, 0);
    for (int i = 0; i < 3; i++) /* all three seen again */
        sm_t_send(c, (4 + i) * SEC, SRV, cl[i], SM_TH_SYN | SM_TH_ACK, ISN_S, ISN_C + 1, 0);
    for (int i = 0; i < 3; i++) /* established: half-open ones are not preferred */
        sm_t_send(c, (7 + i) * SEC, cl[i], SRV, SM_TH_ACK, ISN_C + 1, ISN_S + 1, 0);
    sm_t_send(c, 10 * SEC, cl[3], SRV, SM_TH_SYN, ISN_C, 0, 0);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 1);
    CU_ASSERT_EQUAL(c->rec.e[0].f.id, 1);
    /* Flow 2 is seen again after the pass, flow 3 is not, flow 4
     * completes its handshake (so no half-open flow is preferred). */
    sm_t_send(c, 11 * SEC, cl[1], SRV, SM_TH_ACK, ISN_C + 1, ISN_S + 1, 0);
    sm_t_send(c, 13 * SEC, SRV, cl[3], SM_TH_SYN | SM_TH_ACK, ISN_S, ISN_C + 1, 0);
    sm_t_send(c, 13 * SEC, cl[3], SRV, SM_TH_ACK, ISN_C + 1, ISN_S + 1, 0);
    sm_t_send(c, 14 * SEC, cl[4], SRV, SM_TH_SYN, ISN_C, 0, 0);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 2);
    CU_ASSERT_EQUAL(c->rec.e[1].f.id, 3); /* 2 had its second chance */
    sm_t_free(c);
}

/* One segment through the flow table and then the stream stage, as the
 * engine does. */
static struct sm_flow *sm_t_stream_send(struct sm_t_ctx *c, int64_t ts, struct sm_t_ep src,
                                        struct sm_t_ep dst, uint8_t flags, uint32_t seq,
                                        uint32_t ack, uint32_t plen)
{
    enum sm_dir d;
    struct sm_pkt p = sm_t_seg(c, ts, src, dst, flags, seq, ack, plen);
    struct sm_flow *f = sm_t_packet(c, &p, &d);
    if (f)
        sm_stream_packet(f, (int)d, &p);
    return f;
}

/* A bare handshake allocates no reassembly state (a SYN flood's million
 * half-open flows carry none), yet bytes sent before the first captured
 * payload are still accounted: an ACK beyond the peer's SYN creates it. */
static void test_flow_stream_lazy(void)
{
    struct sm_t_ctx *c = sm_t_new(100, 0);
    struct sm_flow *f = sm_t_stream_send(c, 1 * SEC, CLI, SRV, SM_TH_SYN, ISN_C, 0, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_NULL(f->stream);
    f = sm_t_stream_send(c, 1 * SEC + 10, SRV, CLI, SM_TH_SYN | SM_TH_ACK, ISN_S, ISN_C + 1, 0);
    CU_ASSERT_PTR_NULL(f->stream);
    f = sm_t_stream_send(c, 1 * SEC + 20, CLI, SRV, SM_TH_ACK, ISN_C + 1, ISN_S + 1, 0);
    CU_ASSERT_PTR_NULL(f->stream);
    /* The server's 40-byte banner was not captured; the client ACKs it. */
    f = sm_t_stream_send(c, 1 * SEC + 30, CLI, SRV, SM_TH_ACK, ISN_C + 1, ISN_S + 41, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f->stream);
    struct sm_stream_loss loss;
    sm_stream_loss(f, &loss);
    CU_ASSERT_EQUAL(loss.capture_loss[SM_DIR_RESP], 40);
    CU_ASSERT_EQUAL(loss.capture_loss[SM_DIR_ORIG], 0);
    sm_stream_free(f);

    /* A FIN after uncaptured bytes creates it too. */
    struct sm_t_ep other = CLI;
    other.port = 50001;
    f = sm_t_stream_send(c, 2 * SEC, other, SRV, SM_TH_SYN, ISN_C, 0, 0);
    f = sm_t_stream_send(c, 2 * SEC + 10, SRV, other, SM_TH_SYN | SM_TH_ACK, ISN_S, ISN_C + 1, 0);
    f = sm_t_stream_send(c, 2 * SEC + 20, other, SRV, SM_TH_FIN | SM_TH_ACK, ISN_C + 1, ISN_S + 1,
                         0);
    CU_ASSERT_PTR_NULL(f->stream); /* FIN right after the SYN: nothing sent */
    f = sm_t_stream_send(c, 2 * SEC + 30, SRV, other, SM_TH_FIN | SM_TH_ACK, ISN_S + 9, ISN_C + 2,
                         0);
    CU_ASSERT_PTR_NOT_NULL(f->stream); /* 8 bytes before this FIN */
    sm_stream_free(f);
    sm_t_free(c);
}

static int sm_t_ptr_cmp(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (void *const *)a, y = (uintptr_t) * (void *const *)b;
    return x < y ? -1 : x > y;
}

/* Stream blocks come from pools whose arrays double (the large ones in
 * huge pages): 20,000 streams with a dissector fill arrays of 256 to 8,192
 * blocks and one of 16,384 (2.9 MB); every stream has a block of its own,
 * and the arrays given back when the last one goes can be taken again. */
static void test_flow_many_streams(void)
{
    enum {
        N = 20000
    };
    struct sm_t_ctx *c = sm_t_new(2 * N, 7);
    struct sm_flow **f = calloc(N, sizeof(*f));
    const void **blocks = calloc(N, sizeof(*blocks));
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_NOT_NULL_FATAL(blocks);
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < N; i++) {
            struct sm_t_ep cl = { 10, 2, (uint8_t)(i >> 8), (uint8_t)i, (uint16_t)(20000 + i) };
            int64_t ts = (1 + 10 * round) * SEC + i;
            (void)sm_t_stream_send(c, ts, cl, SRV, SM_TH_SYN, ISN_C, 0, 0);
            f[i] = sm_t_stream_send(c, ts + 1, cl, SRV, SM_TH_ACK | SM_TH_PSH, ISN_C + 1, 0, 8);
            CU_ASSERT_PTR_NOT_NULL_FATAL(f[i]);
            CU_ASSERT_PTR_NOT_NULL_FATAL(f[i]->stream);
            blocks[i] = f[i]->stream;
        }
        qsort(blocks, N, sizeof(*blocks), sm_t_ptr_cmp);
        int shared = 0;
        for (int i = 1; i < N; i++)
            shared += blocks[i] == blocks[i - 1];
        CU_ASSERT_EQUAL(shared, 0);
        for (int i = 0; i < N; i++) {
            sm_stream_free(f[i]);
            CU_ASSERT_PTR_NULL(f[i]->stream);
        }
        sm_flow_flush(c->t, (2 + 10 * round) * SEC);
    }
    free(blocks);
    free(f);
    sm_t_free(c);
}

static void test_flow_max_flows_evicts_lru(void)
{
    struct sm_t_ctx *c = sm_t_new(3, 0);
    struct sm_t_ep cl[4];

    for (int i = 0; i < 4; i++) {
        cl[i] = CLI;
        cl[i].port = (uint16_t)(40000 + i);
    }
    sm_t_send(c, 1 * SEC, cl[0], SRV, SM_TH_SYN, ISN_C, 0, 0);
    sm_t_send(c, 2 * SEC, cl[1], SRV, SM_TH_SYN, ISN_C, 0, 0);
    sm_t_send(c, 3 * SEC, cl[2], SRV, SM_TH_SYN, ISN_C, 0, 0);
    /* The first is seen again: the second is now the least recent. */
    sm_t_send(c, 4 * SEC, SRV, cl[0], SM_TH_SYN | SM_TH_ACK, ISN_S, ISN_C + 1, 0);
    sm_t_send(c, 5 * SEC, cl[3], SRV, SM_TH_SYN, ISN_C, 0, 0);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 1);
    CU_ASSERT_EQUAL(c->rec.e[0].why, SM_END_EVICTED);
    CU_ASSERT_TRUE(c->rec.e[0].f.evicted);
    CU_ASSERT_EQUAL(c->rec.e[0].f.id, 2);
    CU_ASSERT_EQUAL(c->rec.e[0].now, 5 * SEC);
    const struct sm_flow_stats *st = sm_flow_table_stats(c->t);
    CU_ASSERT_EQUAL(st->evicted, 1);
    CU_ASSERT_EQUAL(st->active, 3);
    CU_ASSERT_EQUAL(st->active_max, 3);
    CU_ASSERT_EQUAL(st->flows, 4);
    sm_flow_flush(c->t, 6 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 4);
    CU_ASSERT_EQUAL(c->rec.e[1].f.id, 1);
    CU_ASSERT_EQUAL(c->rec.e[2].f.id, 3);
    CU_ASSERT_EQUAL(c->rec.e[3].f.id, 4);
    CU_ASSERT_FALSE(c->rec.e[1].f.evicted);
    sm_t_free(c);

    /* max_flows 0 behaves as 1. */
    c = sm_t_new(0, 0);
    sm_t_send(c, 1 * SEC, cl[0], SRV, SM_TH_SYN, ISN_C, 0, 0);
    sm_t_send(c, 2 * SEC, cl[1], SRV, SM_TH_SYN, ISN_C, 0, 0);
    CU_ASSERT_EQUAL(c->rec.n, 1);
    CU_ASSERT_EQUAL(sm_flow_table_stats(c->t)->active, 1);
    sm_t_free(c);
}

static void test_flow_many_flows(void)
{
    /* Enough connections to grow the hash table several times and to reach
     * flow array 5 (arrays 4 and 5, of 8192 and 16384 flows, are 2 MB or
     * more: huge pages); each is still found from both directions
     * afterwards. */
    struct sm_t_ctx *c = sm_t_new(100000, 12345);
    const int n = 20000;

    for (int i = 0; i < n; i++) {
        struct sm_t_ep cl = { 10, 1, (uint8_t)(i >> 8), (uint8_t)i, (uint16_t)(30000 + i) };
        sm_t_send(c, 1 * SEC + i, cl, SRV, SM_TH_SYN, ISN_C, 0, 0);
    }
    for (int i = 0; i < n; i++) {
        struct sm_t_ep cl = { 10, 1, (uint8_t)(i >> 8), (uint8_t)i, (uint16_t)(30000 + i) };
        sm_t_send(c, 2 * SEC + i, SRV, cl, SM_TH_SYN | SM_TH_ACK, ISN_S, ISN_C + 1, 0);
    }
    const struct sm_flow_stats *st = sm_flow_table_stats(c->t);
    CU_ASSERT_EQUAL(st->flows, (uint64_t)n);
    CU_ASSERT_EQUAL(st->active, (uint32_t)n);
    sm_flow_flush(c->t, 3 * SEC);
    CU_ASSERT_EQUAL(c->rec.total, (size_t)n);
    for (size_t i = 0; i < c->rec.n; i++) {
        CU_ASSERT_EQUAL(c->rec.e[i].f.id, i + 1);
        CU_ASSERT_EQUAL(c->rec.e[i].f.side[SM_DIR_RESP].syn_count, 1);
    }
    sm_t_free(c);
}

static struct sm_pkt sm_t_icmp(int64_t ts, struct sm_t_ep q_src, struct sm_t_ep q_dst,
                               uint32_t q_seq, uint8_t type, uint8_t code)
{
    struct sm_pkt p;
    memset(&p, 0, sizeof(p));
    p.kind = SM_PKT_ICMP_ERR;
    p.ts_us = ts;
    p.ifindex = -1;
    p.pkttype = -1;
    p.ip_version = 4;
    p.src.b[0] = 192, p.src.b[1] = 0, p.src.b[2] = 2, p.src.b[3] = 1; /* the router */
    p.dst.b[0] = q_src.a, p.dst.b[1] = q_src.b, p.dst.b[2] = q_src.c, p.dst.b[3] = q_src.d;
    p.ttl = 254;
    p.icmp_type = type;
    p.icmp_code = code;
    p.icmp_class = type == 3 && code == 4 ? SM_ICMP_FRAG_NEEDED : SM_ICMP_UNREACH;
    p.icmp_mtu = p.icmp_class == SM_ICMP_FRAG_NEEDED ? 1400 : 0;
    p.quoted.ip_version = 4;
    p.quoted.src.b[0] = q_src.a, p.quoted.src.b[1] = q_src.b;
    p.quoted.src.b[2] = q_src.c, p.quoted.src.b[3] = q_src.d;
    p.quoted.dst.b[0] = q_dst.a, p.quoted.dst.b[1] = q_dst.b;
    p.quoted.dst.b[2] = q_dst.c, p.quoted.dst.b[3] = q_dst.d;
    p.quoted.sport = q_src.port;
    p.quoted.dport = q_dst.port;
    p.quoted.seq = q_seq;
    p.quoted.has_seq = true;
    return p;
}

static void test_flow_icmp_mapping(void)
{
    struct sm_t_ctx *c = sm_t_new(100, 0);
    struct sm_t_ep other = SRV;
    other.port = 23;

    sm_t_send(c, 1 * SEC, CLI, SRV, SM_TH_SYN, ISN_C, 0, 0);
    struct sm_pkt p = sm_t_icmp(1 * SEC + 5 * MS, CLI, SRV, ISN_C, 3, 13);
    (void)sm_t_packet(c, &p, NULL);
    /* A second one: counted, the first one's facts kept. */
    p = sm_t_icmp(2 * SEC, CLI, SRV, ISN_C, 3, 3);
    (void)sm_t_packet(c, &p, NULL);
    /* Quoting a tuple with no connection. */
    p = sm_t_icmp(2 * SEC, CLI, other, ISN_C, 3, 3);
    (void)sm_t_packet(c, &p, NULL);
    /* Quoting an IPv6 header inside an IPv4 error: never matched. */
    p = sm_t_icmp(2 * SEC, CLI, SRV, ISN_C, 3, 3);
    p.quoted.ip_version = 6;
    (void)sm_t_packet(c, &p, NULL);

    const struct sm_flow_stats *st = sm_flow_table_stats(c->t);
    CU_ASSERT_EQUAL(st->icmp_matched, 2);
    CU_ASSERT_EQUAL(st->icmp_unmatched, 2);
    CU_ASSERT_EQUAL(st->flows, 1); /* ICMP never creates a connection */
    sm_flow_flush(c->t, 3 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 1);
    const struct sm_flow *f = &c->rec.e[0].f;
    CU_ASSERT_EQUAL(sm_flow_icmp_of(f)->count, 2);
    CU_ASSERT_EQUAL(sm_flow_icmp_of(f)->type, 3);
    CU_ASSERT_EQUAL(sm_flow_icmp_of(f)->code, 13);
    CU_ASSERT_EQUAL(sm_flow_icmp_of(f)->cls, SM_ICMP_UNREACH);
    CU_ASSERT_EQUAL(sm_flow_icmp_of(f)->quoted_dir, SM_DIR_ORIG);
    CU_ASSERT_TRUE(sm_flow_icmp_of(f)->quoted_syn);
    CU_ASSERT_EQUAL(sm_flow_icmp_of(f)->ts, 1 * SEC + 5 * MS);
    CU_ASSERT_EQUAL(sm_flow_icmp_of(f)->reporter.b[0], 192);
    CU_ASSERT_EQUAL(sm_flow_icmp_of(f)->reporter.b[3], 1);
    CU_ASSERT_EQUAL(f->last_ts, 2 * SEC);
    CU_ASSERT_EQUAL(sm_flow_pkts(f, SM_DIR_ORIG), 1); /* errors are not packets of a side */
    CU_ASSERT_STRING_EQUAL(sm_t_history(f), "SI");
    sm_t_free(c);

    /* Frag-needed quoting the server's data: the responder's side, MTU kept,
     * not the SYN. */
    c = sm_t_new(100, 0);
    sm_t_handshake(c, 1 * SEC, CLI, SRV);
    p = sm_t_icmp(2 * SEC, SRV, CLI, ISN_S + 1, 3, 4);
    (void)sm_t_packet(c, &p, NULL);
    sm_flow_flush(c->t, 3 * SEC);
    CU_ASSERT_EQUAL_FATAL(c->rec.n, 1);
    f = &c->rec.e[0].f;
    CU_ASSERT_EQUAL(sm_flow_icmp_of(f)->count, 1);
    CU_ASSERT_EQUAL(sm_flow_icmp_of(f)->quoted_dir, SM_DIR_RESP);
    CU_ASSERT_EQUAL(sm_flow_icmp_of(f)->cls, SM_ICMP_FRAG_NEEDED);
    CU_ASSERT_EQUAL(sm_flow_icmp_of(f)->mtu, 1400);
    CU_ASSERT_FALSE(sm_flow_icmp_of(f)->quoted_syn);
    CU_ASSERT_STRING_EQUAL(sm_t_history(f), "ShAi");
    sm_t_free(c);
}

/* A fixed script of packets; returns a digest of what was emitted. */
static uint64_t sm_t_script_digest(uint64_t seed)
{
    struct sm_t_ctx *c = sm_t_new(8, seed);
    uint64_t d = 1469598103934665603ULL;

    for (int i = 0; i < 20; i++) {
        struct sm_t_ep cl = { 10, 0, 1, (uint8_t)i, (uint16_t)(41000 + i) };
        int64_t t = (int64_t)(i + 1) * SEC;
        sm_t_send(c, t, cl, SRV, SM_TH_SYN, ISN_C + (uint32_t)i, 0, 0);
        if (i % 3)
            sm_t_send(c, t + 1 * MS, SRV, cl, SM_TH_SYN | SM_TH_ACK, ISN_S, ISN_C + (uint32_t)i + 1,
                      0);
        if (i % 4 == 0)
            sm_t_send(c, t + 2 * MS, SRV, cl, SM_TH_RST | SM_TH_ACK, 0, ISN_C + (uint32_t)i + 1, 0);
        sm_flow_expire(c->t, t);
    }
    sm_flow_expire(c->t, 200 * SEC);
    sm_flow_flush(c->t, 300 * SEC);
    for (size_t i = 0; i < c->rec.n; i++) {
        const struct sm_t_emitted *e = &c->rec.e[i];
        uint64_t v[] = { e->f.id,
                         (uint64_t)e->why,
                         (uint64_t)e->now,
                         sm_flow_pkts(&e->f, 0),
                         sm_flow_pkts(&e->f, 1),
                         e->f.port[0],
                         e->f.evicted };
        for (size_t k = 0; k < SM_NELEM(v); k++)
            d = (d ^ v[k]) * 1099511628211ULL;
    }
    d ^= c->rec.n;
    sm_t_free(c);
    return d;
}

static void test_flow_hash_seed_invisible(void)
{
    uint64_t base = sm_t_script_digest(0);
    CU_ASSERT_EQUAL(sm_t_script_digest(1), base);
    CU_ASSERT_EQUAL(sm_t_script_digest(0xdeadbeefcafef00dULL), base);
    CU_ASSERT_EQUAL(sm_t_script_digest(UINT64_MAX), base);
}

static void test_flow_packet_returns_flow(void)
{
    struct sm_t_ctx *c = sm_t_new(100, 0);
    enum sm_dir d;
    struct sm_flow *f1, *f2, *f3;

    struct sm_pkt p = sm_t_seg(c, 1 * SEC, CLI, SRV, SM_TH_SYN, ISN_C, 0, 0);
    f1 = sm_t_packet(c, &p, &d);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f1);
    CU_ASSERT_EQUAL(d, SM_DIR_ORIG);
    CU_ASSERT_EQUAL(f1->id, 1);
    CU_ASSERT_EQUAL(sm_flow_pkts(f1, SM_DIR_ORIG), 1);
    p = sm_t_seg(c, 1 * SEC + 1 * MS, SRV, CLI, SM_TH_SYN | SM_TH_ACK, ISN_S, ISN_C + 1, 0);
    f2 = sm_t_packet(c, &p, &d);
    CU_ASSERT_PTR_EQUAL(f2, f1);
    CU_ASSERT_EQUAL(d, SM_DIR_RESP);
    /* The same packet again on another interface: a duplicate, no flow. */
    p.ifindex = 1;
    struct sm_pkt q = p;
    q.ifindex = 2;
    p.ip_id = 999;
    q.ip_id = 999;
    p.ts_us += 1 * MS;
    q.ts_us = p.ts_us + 1;
    CU_ASSERT_PTR_EQUAL(sm_t_packet(c, &p, &d), f1);
    d = SM_DIR_ORIG;
    CU_ASSERT_PTR_NULL(sm_t_packet(c, &q, &d));
    /* ICMP errors give no flow either, even when they match. */
    struct sm_pkt e;
    memset(&e, 0, sizeof(e));
    e.kind = SM_PKT_ICMP_ERR;
    e.ts_us = 2 * SEC;
    e.ip_version = 4;
    e.quoted.ip_version = 4;
    e.quoted.src.b[0] = 10, e.quoted.src.b[3] = 1;
    e.quoted.dst.b[0] = 10, e.quoted.dst.b[3] = 2;
    e.quoted.sport = CLI.port;
    e.quoted.dport = SRV.port;
    e.quoted.has_seq = true; /* errors without the quoted seq are not believed */
    e.quoted.seq = ISN_C + 1;
    CU_ASSERT_PTR_NULL(sm_t_packet(c, &e, &d));
    CU_ASSERT_EQUAL(sm_flow_icmp_of(f1)->count, 1);
    /* A superseding SYN returns the new connection. */
    p = sm_t_seg(c, 3 * SEC, SRV, CLI, SM_TH_ACK, ISN_S + 1, ISN_C + 1, 0);
    (void)sm_t_packet(c, &p, &d);
    p = sm_t_seg(c, 4 * SEC, CLI, SRV, SM_TH_SYN, ISN_C + 12345, 0, 0);
    f3 = sm_t_packet(c, &p, &d);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f3);
    CU_ASSERT_EQUAL(f3->id, 2);
    CU_ASSERT_EQUAL(d, SM_DIR_ORIG);
    CU_ASSERT_EQUAL(c->rec.n, 1);
    CU_ASSERT_EQUAL(c->rec.released, 1);
    sm_t_free(c);
}

static void test_flow_free_null_and_open(void)
{
    sm_flow_table_free(NULL);
    /* Freeing with open connections emits nothing and leaks nothing. */
    struct sm_t_ctx *c = sm_t_new(100, 0);
    sm_t_handshake(c, 1 * SEC, CLI, SRV);
    sm_t_send(c, 2 * SEC, CLI, (struct sm_t_ep){ 10, 0, 0, 3, 22 }, SM_TH_SYN, 1, 0, 0);
    sm_t_free(c);
    /* Non-TCP packets are ignored. */
    c = sm_t_new(100, 0);
    struct sm_pkt p = sm_t_seg(c, 1 * SEC, CLI, SRV, SM_TH_SYN, 1, 0, 0);
    p.kind = SM_PKT_OTHER;
    (void)sm_t_packet(c, &p, NULL);
    CU_ASSERT_EQUAL(sm_flow_table_stats(c->t)->flows, 0);
    sm_t_free(c);
}

CU_TestInfo sm_flow_tests[] = {
    SM_TEST(test_flow_kept_by_emitter),
    SM_TEST(test_flow_port_set_and_seq),
    SM_TEST(test_flow_initiator_syn_sender),
    SM_TEST(test_flow_initiator_synack_receiver),
    SM_TEST(test_flow_initiator_not_ssh_port),
    SM_TEST(test_flow_initiator_first_sender),
    SM_TEST(test_flow_symmetric_lookup),
    SM_TEST(test_flow_vlan_separates),
    SM_TEST(test_flow_reuse_after_close),
    SM_TEST(test_flow_superseded),
    SM_TEST(test_flow_syn_retransmission),
    SM_TEST(test_flow_nflog_witness),
    SM_TEST(test_flow_reuse_order),
    SM_TEST(test_flow_counts_carry),
    SM_TEST(test_flow_times_far),
    SM_TEST(test_flow_lone_segment),
    SM_TEST(test_flow_duplicates),
    SM_TEST(test_flow_duplicates_interleaved),
    SM_TEST(test_flow_duplicate_first_packet),
    SM_TEST(test_flow_sequence_wrap),
    SM_TEST(test_flow_retransmissions),
    SM_TEST(test_flow_zero_window),
    SM_TEST(test_flow_synack_ack),
    SM_TEST(test_flow_recent_segments),
    SM_TEST(test_flow_fin_rst_tracking),
    SM_TEST(test_flow_one_sided_inference),
    SM_TEST(test_flow_short_idle),
    SM_TEST(test_flow_cut_transfer_not_idle),
    SM_TEST(test_flow_nat_rebind),
    SM_TEST(test_flow_idle_evidence),
    SM_TEST(test_flow_expiry),
    SM_TEST(test_flow_expiry_refreshed),
    SM_TEST(test_flow_flush_order),
    SM_TEST(test_flow_max_flows_evicts_lru),
    SM_TEST(test_flow_index_churn),
    SM_TEST(test_flow_stream_lazy),
    SM_TEST(test_flow_many_streams),
    SM_TEST(test_flow_clock_second_chance),
    SM_TEST(test_flow_evicts_half_open_first),
    SM_TEST(test_flow_many_flows),
    SM_TEST(test_flow_icmp_mapping),
    SM_TEST(test_flow_hash_seed_invisible),
    SM_TEST(test_flow_packet_returns_flow),
    SM_TEST(test_flow_free_null_and_open),
    CU_TEST_INFO_NULL,
};
