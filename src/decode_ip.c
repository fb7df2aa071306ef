/* SPDX-License-Identifier: MIT */
/* summary: IPv4 (options, fragments), IPv6 (extension-header chain), tunnels
 * (GRE, ERSPAN II, VXLAN, Geneve), TCP with options, and ICMP/ICMPv6 errors with the
 * quoted header mapped back to a TCP segment; and the fast path for the
 * common TCP segment, link layer included. */
#include "config.h"
#include "decode.h"

#include <arpa/inet.h>
#include <pcap/dlt.h>
#include <stdio.h>
#include <string.h>

#include "cursor.h"

#define SM_ETH_TEB     0x6558 /* GRE transparent Ethernet bridging */
#define SM_ETH_ERSPAN2 0x88be

#define SM_IPPROTO_ICMP   1
#define SM_IPPROTO_TCP    6
#define SM_IPPROTO_UDP    17
#define SM_IPPROTO_GRE    47
#define SM_IPPROTO_ICMPV6 58
#define SM_VXLAN_PORT     4789
#define SM_GENEVE_PORT    6081

static enum sm_pkt_kind sm_decode_ipv4(struct sm_pkt *pkt, struct sm_cur *c,
                                       struct sm_decode_stats *stats);
static enum sm_pkt_kind sm_decode_ipv6(struct sm_pkt *pkt, struct sm_cur *c,
                                       struct sm_decode_stats *stats);

enum sm_pkt_kind sm_decode_l3(struct sm_pkt *pkt, uint16_t ethertype, struct sm_cur *c,
                              struct sm_decode_stats *stats)
{
    switch (ethertype) {
    case SM_ETH_IPV4:
        return sm_decode_ipv4(pkt, c, stats);
    case SM_ETH_IPV6:
        return sm_decode_ipv6(pkt, c, stats);
    default:
        stats->other++;
        return SM_PKT_OTHER;
    }
}

static enum sm_pkt_kind sm_truncated(struct sm_pkt *pkt)
{
    pkt->truncated = true;
    return SM_PKT_OTHER;
}

static enum sm_pkt_kind sm_malformed(struct sm_decode_stats *stats)
{
    stats->malformed++;
    return SM_PKT_OTHER;
}

/* TCP options (RFC 793 section 3.1, RFC 7323, RFC 2018). Each option must
 * advance the cursor: kind 0 ends, kind 1 is one byte, others carry a length
 * of at least 2 (Suricata rejects shorter ones for the same reason). */
static void sm_decode_tcp_options(struct sm_pkt *pkt, struct sm_cur *opt)
{
    while (sm_cur_left(opt) > 0) {
        uint8_t kind = sm_cur_u8(opt);
        if (kind == 0)
            return;
        if (kind == 1)
            continue;
        uint8_t len = sm_cur_u8(opt);
        if (!sm_cur_ok(opt) || len < 2 || (size_t)len - 2 > sm_cur_left(opt)) {
            pkt->bad_options = true;
            return;
        }
        struct sm_cur o = sm_cur_sub(opt, (size_t)len - 2, true);
        switch (kind) {
        case 2:
            if (len == 4)
                pkt->mss = sm_cur_be16(&o);
            break;
        case 3:
            if (len == 3) {
                uint8_t shift = sm_cur_u8(&o);
                pkt->wscale = (int8_t)(shift > 14 ? 14 : shift); /* RFC 7323 2.3 */
            }
            break;
        case 4:
            pkt->sack_perm = true;
            break;
        case 5:
            pkt->sack_blocks = (uint8_t)((len - 2) / 8);
            break;
        case 8:
            if (len == 10) {
                pkt->has_ts = true;
                pkt->tsval = sm_cur_be32(&o);
                pkt->tsecr = sm_cur_be32(&o);
            }
            break;
        default:
            break;
        }
    }
}

/* TCP header (RFC 793 section 3.1). c covers the IP payload as captured;
 * l4_len is its length according to the IP header. */
static enum sm_pkt_kind sm_decode_tcp(struct sm_pkt *pkt, struct sm_cur *c, uint32_t l4_len,
                                      struct sm_decode_stats *stats)
{
    pkt->sport = sm_cur_be16(c);
    pkt->dport = sm_cur_be16(c);
    pkt->seq = sm_cur_be32(c);
    pkt->ack = sm_cur_be32(c);
    uint8_t off = sm_cur_u8(c) >> 4;
    pkt->flags = sm_cur_u8(c);
    pkt->win = sm_cur_be16(c);
    pkt->tcp_csum = sm_cur_be16(c);
    sm_cur_skip(c, 2); /* urgent pointer */
    if (!sm_cur_ok(c))
        return sm_truncated(pkt);
    if (off < 5 || (uint32_t)off * 4 > l4_len)
        return sm_malformed(stats);

    struct sm_cur opt = sm_cur_sub(c, (size_t)off * 4 - 20, false);
    if (sm_cur_left(&opt) < (size_t)off * 4 - 20) {
        pkt->truncated = true;
    }
    sm_decode_tcp_options(pkt, &opt);

    pkt->payload_len = l4_len - (uint32_t)off * 4;
    struct sm_bytes pl = sm_cur_rest(c);
    pkt->payload_cap = pl.len < pkt->payload_len ? (uint32_t)pl.len : pkt->payload_len;
    pkt->payload = pkt->payload_cap ? pl.p : NULL;
    if (pkt->payload_cap < pkt->payload_len && !pkt->fragment)
        pkt->truncated = true; /* snaplen: the payload is used for what it holds */
    return SM_PKT_TCP;
}

/* The fast path's TCP header: c covers exactly the l4_len bytes the IP header
 * declares, all of them captured, so the only checks left are the data
 * offset's (the general path's malformed case). The usual option layouts are
 * matched whole; any other goes through sm_decode_tcp_options() like the
 * general path's, since its bytes are complete too. */
static inline __attribute__((always_inline)) bool sm_fast_tcp(struct sm_pkt *pkt, struct sm_cur *c,
                                                              uint32_t l4_len)
{
    const uint8_t *h = sm_cur_take(c, 20);
    if (!h)
        return false;
    uint32_t hlen = (uint32_t)(h[12] >> 4) * 4;
    if (hlen < 20 || hlen > l4_len)
        return false;
    pkt->sport = sm_load_be16(h);
    pkt->dport = sm_load_be16(h + 2);
    pkt->seq = sm_load_be32(h + 4);
    pkt->ack = sm_load_be32(h + 8);
    pkt->flags = h[13];
    pkt->win = sm_load_be16(h + 14);
    pkt->tcp_csum = sm_load_be16(h + 16);
    pkt->mss = 0;
    pkt->wscale = -1;
    pkt->sack_perm = false;
    pkt->sack_blocks = 0;
    pkt->has_ts = false;
    pkt->tsval = 0;
    pkt->tsecr = 0;
    pkt->bad_options = false;

    size_t optlen = hlen - 20;
    const uint8_t *o = sm_cur_take(c, optlen);
    if (!o)
        return false;
    if (optlen == 12 && sm_load_be32(o) == 0x0101080a) {
        /* NOP, NOP, timestamps: every segment of a connection with RFC 7323. */
        pkt->has_ts = true;
        pkt->tsval = sm_load_be32(o + 4);
        pkt->tsecr = sm_load_be32(o + 8);
    } else if (optlen == 20 && sm_load_be16(o) == 0x0204 && sm_load_be32(o + 4) == 0x0402080a &&
               (sm_load_be32(o + 16) & 0xffffff00) == 0x01030300) {
        /* Linux's SYN and SYN-ACK: MSS, SACK permitted, timestamps, NOP,
         * window scale. */
        pkt->mss = sm_load_be16(o + 2);
        pkt->sack_perm = true;
        pkt->has_ts = true;
        pkt->tsval = sm_load_be32(o + 8);
        pkt->tsecr = sm_load_be32(o + 12);
        pkt->wscale = (int8_t)(o[19] > 14 ? 14 : o[19]); /* RFC 7323 2.3 */
    } else if (optlen > 0) {
        struct sm_cur oc;
        sm_cur_init(&oc, o, optlen, false);
        sm_decode_tcp_options(pkt, &oc);
    }

    uint32_t plen = l4_len - hlen;
    const uint8_t *pl = sm_cur_take(c, plen);
    if (!pl)
        return false;
    pkt->payload_len = plen;
    pkt->payload_cap = plen;
    pkt->payload = plen ? pl : NULL;
    return true;
}

/* The fast path's network layer: IPv4 with IHL 5, not a fragment, or IPv6
 * whose next header is TCP; the datagram's declared length within the
 * capture (Ethernet padding after it is ignored, as by the general path). */
static inline __attribute__((always_inline)) bool sm_fast_l3(struct sm_pkt *pkt, uint16_t ethertype,
                                                             struct sm_cur *c)
{
    size_t avail = sm_cur_left(c);
    uint32_t l4_len;

    if (ethertype == SM_ETH_IPV4) {
        const uint8_t *h = sm_cur_take(c, 20);
        if (!h || h[0] != 0x45 || h[9] != SM_IPPROTO_TCP)
            return false;
        uint16_t total = sm_load_be16(h + 2);
        if (total < 40 || total > avail || (sm_load_be16(h + 6) & 0x3fff) != 0)
            return false;
        pkt->ip_version = 4;
        memcpy(pkt->src.b, h + 12, 4);
        memset(pkt->src.b + 4, 0, sizeof(pkt->src.b) - 4);
        memcpy(pkt->dst.b, h + 16, 4);
        memset(pkt->dst.b + 4, 0, sizeof(pkt->dst.b) - 4);
        pkt->ttl = h[8];
        pkt->ip_id = sm_load_be16(h + 4);
        pkt->ip_len = total;
        l4_len = (uint32_t)total - 20;
    } else if (ethertype == SM_ETH_IPV6) {
        const uint8_t *h = sm_cur_take(c, 40);
        if (!h || (h[0] >> 4) != 6 || h[6] != SM_IPPROTO_TCP)
            return false;
        uint16_t plen = sm_load_be16(h + 4);
        if (plen < 20 || plen > avail - 40)
            return false;
        pkt->ip_version = 6;
        memcpy(pkt->src.b, h + 8, 16);
        memcpy(pkt->dst.b, h + 24, 16);
        pkt->ttl = h[7];
        pkt->ip_id = 0;
        pkt->ip_len = 40u + plen;
        l4_len = plen;
    } else {
        return false;
    }
    pkt->fragment = false;
    struct sm_cur l4 = sm_cur_sub(c, l4_len, true);
    return sm_fast_tcp(pkt, &l4, l4_len);
}

bool sm_decode_fast_path = true;

#if UINTPTR_MAX == 0xffffffffffffffffu
/* A guard for the one fact the compiler cannot check: the fast path sets
 * every field of struct sm_pkt by hand. */
_Static_assert(sizeof(struct sm_pkt) == 216,
               "struct sm_pkt changed: set the new field in sm_decode_fast(), compare it in "
               "sm_pkt_diff(), then update this size");
#endif

_Static_assert(SM_MAX_VLAN_DEPTH >= SM_MAX_VLANS, "the fast path keeps every tag it strips");

/* The fast path's link layers: the general path's headers (decode_link.c)
 * claimed whole. It lives here with the IP and TCP layers, and sm_decode()
 * with it, so that the one cursor and the arguments stay in registers. True
 * when every field of pkt is filled from a TCP segment decoded completely;
 * false (pkt scribbled on, nothing counted) sends the packet to the general
 * path. Always inlined, as are sm_fast_l3() and sm_fast_tcp(): with
 * sm_decode_fast_try() a second caller, the compiler would otherwise keep
 * them out of line, and sm_decode() would pay for calls that spill the
 * arguments and the cursor (~40 % more instructions). */
static inline __attribute__((always_inline)) bool sm_decode_fast(struct sm_pkt *pkt, int dlt,
                                                                 const uint8_t *data,
                                                                 uint32_t cap_len,
                                                                 uint32_t wire_len, int64_t ts_us)
{
    struct sm_cur c;
    const uint8_t *h;
    uint16_t type;

    sm_cur_init(&c, data, cap_len, false);
    pkt->ts_us = ts_us;
    pkt->wire_len = wire_len;
    pkt->cap_len = cap_len;
    pkt->truncated = false;
    pkt->kind = SM_PKT_TCP;
    pkt->ifindex = -1;
    pkt->pkttype = -1;
    pkt->vlan_count = 0;
    for (unsigned i = 0; i < SM_MAX_VLANS; i++)
        pkt->vlan[i] = 0;
    pkt->tunnel_depth = 0;
    if (dlt == DLT_EN10MB) { /* the usual one first */
        h = sm_cur_take(&c, 14);
        if (!h)
            return false;
        type = sm_load_be16(h + 12);
        while (sm_eth_is_vlan(type)) {
            if (pkt->vlan_count == SM_MAX_VLANS)
                return false;
            h = sm_cur_take(&c, 4);
            if (!h)
                return false;
            pkt->vlan[pkt->vlan_count++] = sm_load_be16(h) & 0x0fff;
            type = sm_load_be16(h + 2);
        }
    } else if (dlt == DLT_LINUX_SLL) {
        h = sm_cur_take(&c, 16);
        if (!h)
            return false;
        pkt->pkttype = (int16_t)sm_load_be16(h);
        type = sm_load_be16(h + 14);
    } else if (dlt == DLT_LINUX_SLL2) {
        h = sm_cur_take(&c, 20);
        if (!h)
            return false;
        type = sm_load_be16(h);
        pkt->ifindex = (int32_t)sm_load_be32(h + 4);
        pkt->pkttype = h[10];
    } else if (dlt == DLT_RAW || dlt == DLT_IPV4 || dlt == DLT_IPV6) {
        /* A peek through a copy of the cursor (sm_cur_peek_u8() is out of
         * line and would keep the cursor in memory). */
        struct sm_cur peek = c;
        h = sm_cur_take(&peek, 1);
        if (!h || ((h[0] >> 4) != 4 && (h[0] >> 4) != 6))
            return false;
        type = (h[0] >> 4) == 4 ? SM_ETH_IPV4 : SM_ETH_IPV6;
    } else {
        return false;
    }
    if (!sm_fast_l3(pkt, type, &c))
        return false;
    /* The ICMP part: the general path's zeroes. */
    memset((char *)pkt + offsetof(struct sm_pkt, icmp_type), 0,
           sizeof(*pkt) - offsetof(struct sm_pkt, icmp_type));
    return true;
}

enum sm_pkt_kind sm_decode(struct sm_pkt *pkt, int dlt, const uint8_t *data, uint32_t cap_len,
                           uint32_t wire_len, int64_t ts_us, struct sm_decode_stats *stats)
{
    if (sm_decode_fast_path && sm_decode_fast(pkt, dlt, data, cap_len, wire_len, ts_us)) {
        stats->packets++;
        stats->tcp++;
        return SM_PKT_TCP;
    }
    return sm_decode_general(pkt, dlt, data, cap_len, wire_len, ts_us, stats);
}

bool sm_decode_fast_try(struct sm_pkt *pkt, int dlt, const uint8_t *data, uint32_t cap_len,
                        uint32_t wire_len, int64_t ts_us)
{
    return sm_decode_fast(pkt, dlt, data, cap_len, wire_len, ts_us);
}

const char *sm_pkt_diff(const struct sm_pkt *a, const struct sm_pkt *b)
{
#define SM_SAME(f)                                                                                 \
    do {                                                                                           \
        if (a->f != b->f)                                                                          \
            return #f;                                                                             \
    } while (0)
#define SM_SAME_BYTES(f)                                                                           \
    do {                                                                                           \
        if (memcmp(&a->f, &b->f, sizeof(a->f)) != 0)                                               \
            return #f;                                                                             \
    } while (0)
    SM_SAME(ts_us);
    SM_SAME(wire_len);
    SM_SAME(cap_len);
    SM_SAME(truncated);
    SM_SAME(kind);
    SM_SAME(ifindex);
    SM_SAME(pkttype);
    SM_SAME(vlan_count);
    SM_SAME_BYTES(vlan);
    SM_SAME(tunnel_depth);
    SM_SAME(ip_version);
    SM_SAME_BYTES(src);
    SM_SAME_BYTES(dst);
    SM_SAME(ttl);
    SM_SAME(ip_id);
    SM_SAME(ip_len);
    SM_SAME(fragment);
    SM_SAME(sport);
    SM_SAME(dport);
    SM_SAME(seq);
    SM_SAME(ack);
    SM_SAME(flags);
    SM_SAME(win);
    SM_SAME(tcp_csum);
    SM_SAME(payload_len);
    SM_SAME(payload_cap);
    SM_SAME(payload);
    SM_SAME(mss);
    SM_SAME(wscale);
    SM_SAME(sack_perm);
    SM_SAME(sack_blocks);
    SM_SAME(has_ts);
    SM_SAME(tsval);
    SM_SAME(tsecr);
    SM_SAME(bad_options);
    SM_SAME(icmp_type);
    SM_SAME(icmp_code);
    SM_SAME(icmp_class);
    SM_SAME(icmp_mtu);
    SM_SAME(quoted.ip_version);
    SM_SAME_BYTES(quoted.src);
    SM_SAME_BYTES(quoted.dst);
    SM_SAME(quoted.sport);
    SM_SAME(quoted.dport);
    SM_SAME(quoted.seq);
    SM_SAME(quoted.has_seq);
    SM_SAME(nflog);
    SM_SAME(nf_hook);
    SM_SAME(nf_prefix_len);
    SM_SAME(nf_prefix);
    SM_SAME(nf_indev);
    SM_SAME(nf_outdev);
#undef SM_SAME
#undef SM_SAME_BYTES
    return NULL;
}

/* The first 8 bytes of the quoted TCP header: ports and sequence number. */
static bool sm_decode_quoted_tcp(struct sm_quoted *q, struct sm_cur *c)
{
    q->sport = sm_cur_be16(c);
    q->dport = sm_cur_be16(c);
    if (!sm_cur_ok(c))
        return false;
    q->seq = sm_cur_be32(c);
    q->has_seq = sm_cur_ok(c);
    return true;
}

/* Walks IPv6 extension headers from next header *nh. Returns false when the
 * chain is broken or ends without an upper layer; *frag says a fragment
 * header with a non-zero offset was met (no upper-layer header follows). */
static bool sm_ipv6_walk(struct sm_cur *c, uint8_t *nh, bool *frag, bool *first_frag)
{
    *frag = false;
    *first_frag = false;
    for (unsigned i = 0; i < SM_MAX_IPV6_EXT_HEADERS; i++) {
        switch (*nh) {
        case 0:   /* hop-by-hop */
        case 43:  /* routing */
        case 60:  /* destination options */
        case 135: /* mobility */
        case 139: /* HIP */
        case 140: /* shim6 */ {
            uint8_t next = sm_cur_u8(c);
            uint8_t len = sm_cur_u8(c);
            sm_cur_skip(c, (size_t)len * 8 + 6);
            *nh = next;
            break;
        }
        case 44: { /* fragment: next(1) reserved(1) offset+flags(2) id(4) */
            uint8_t next = sm_cur_u8(c);
            sm_cur_skip(c, 1);
            uint16_t offflags = sm_cur_be16(c);
            sm_cur_skip(c, 4);
            *nh = next;
            *frag = true;
            if ((offflags & 0xfff8) == 0)
                *first_frag = true;
            else
                return sm_cur_ok(c);
            break;
        }
        case 51: { /* AH: length in 4-byte units minus 2 */
            uint8_t next = sm_cur_u8(c);
            uint8_t len = sm_cur_u8(c);
            sm_cur_skip(c, (size_t)len * 4 + 6);
            *nh = next;
            break;
        }
        default:
            return sm_cur_ok(c);
        }
        if (!sm_cur_ok(c))
            return false;
    }
    return false; /* too many headers: hostile */
}

/* ICMP (RFC 792) and ICMPv6 (RFC 4443) errors quoting a TCP segment. */
static enum sm_pkt_kind sm_decode_icmp(struct sm_pkt *pkt, struct sm_cur *c, bool v6,
                                       struct sm_decode_stats *stats)
{
    pkt->icmp_type = sm_cur_u8(c);
    pkt->icmp_code = sm_cur_u8(c);
    sm_cur_skip(c, 2); /* checksum */
    uint32_t rest = sm_cur_be32(c);
    if (!sm_cur_ok(c))
        return sm_truncated(pkt);

    if (!v6) {
        if (pkt->icmp_type == 3)
            pkt->icmp_class = pkt->icmp_code == 4 ? SM_ICMP_FRAG_NEEDED : SM_ICMP_UNREACH;
        else if (pkt->icmp_type == 11)
            pkt->icmp_class = SM_ICMP_TIME_EXCEEDED;
        if (pkt->icmp_class == SM_ICMP_FRAG_NEEDED)
            pkt->icmp_mtu = rest & 0xffff;
    } else {
        if (pkt->icmp_type == 1)
            pkt->icmp_class = SM_ICMP_UNREACH;
        else if (pkt->icmp_type == 2) {
            pkt->icmp_class = SM_ICMP_FRAG_NEEDED;
            pkt->icmp_mtu = rest;
        } else if (pkt->icmp_type == 3)
            pkt->icmp_class = SM_ICMP_TIME_EXCEEDED;
    }
    if (pkt->icmp_class == SM_ICMP_NONE) {
        stats->other++;
        return SM_PKT_OTHER;
    }

    /* The quoted datagram: an IP header and at least 8 bytes of TCP. */
    struct sm_quoted *q = &pkt->quoted;
    uint8_t nh;
    if (!v6) {
        uint8_t vihl = sm_cur_u8(c);
        if (!sm_cur_ok(c) || (vihl >> 4) != 4 || (vihl & 0x0f) < 5)
            return sm_malformed(stats);
        sm_cur_skip(c, 8);
        nh = sm_cur_u8(c);
        sm_cur_skip(c, 2);
        sm_cur_copy(c, q->src.b, 4);
        sm_cur_copy(c, q->dst.b, 4);
        sm_cur_skip(c, (size_t)(vihl & 0x0f) * 4 - 20);
        q->ip_version = 4;
    } else {
        uint8_t vtc = sm_cur_u8(c);
        if (!sm_cur_ok(c) || (vtc >> 4) != 6)
            return sm_malformed(stats);
        sm_cur_skip(c, 5);
        nh = sm_cur_u8(c);
        sm_cur_skip(c, 1);
        sm_cur_copy(c, q->src.b, 16);
        sm_cur_copy(c, q->dst.b, 16);
        bool frag, first;
        if (!sm_ipv6_walk(c, &nh, &frag, &first) || (frag && !first))
            return sm_malformed(stats);
        q->ip_version = 6;
    }
    if (!sm_cur_ok(c))
        return sm_truncated(pkt);
    if (nh != SM_IPPROTO_TCP) {
        stats->other++;
        return SM_PKT_OTHER;
    }
    if (!sm_decode_quoted_tcp(q, c))
        return sm_truncated(pkt);
    return SM_PKT_ICMP_ERR;
}

/* GRE (RFC 2784/2890): flags+version(2) protocol(2), then optional checksum,
 * key and sequence words; the payload is IP, Ethernet (TEB) or ERSPAN II. */
static enum sm_pkt_kind sm_decode_gre(struct sm_pkt *pkt, struct sm_cur *c,
                                      struct sm_decode_stats *stats)
{
    uint16_t fv = sm_cur_be16(c);
    uint16_t proto = sm_cur_be16(c);
    if (!sm_cur_ok(c))
        return sm_truncated(pkt);
    if ((fv & 0x0007) != 0) { /* version 1 is PPTP's enhanced GRE */
        stats->other++;
        return SM_PKT_OTHER;
    }
    sm_cur_skip(c,
                ((fv & 0x8000) ? 4u : 0u) + ((fv & 0x2000) ? 4u : 0u) + ((fv & 0x1000) ? 4u : 0u));
    if (!sm_cur_ok(c))
        return sm_truncated(pkt);
    pkt->vlan_count = 0; /* the outer tags belong to the mirror, not the flow */
    switch (proto) {
    case SM_ETH_TEB:
        return sm_decode_ethernet(pkt, c, stats);
    case SM_ETH_ERSPAN2:
        sm_cur_skip(c, 8); /* ERSPAN type II header */
        return sm_decode_ethernet(pkt, c, stats);
    default:
        return sm_decode_ethertype(pkt, proto, c, stats);
    }
}

/* Geneve (RFC 8926 section 3.4): Ver(2 bits) OptLen(6 bits, in 4-byte words)
 * O C Rsvd(6) | Protocol Type(16) | VNI(24) Reserved(8) | options. udp_len is
 * the Geneve header and payload as the UDP header gives it (what was sent),
 * the cursor what was captured: options longer than what was sent are a lie
 * (malformed), longer than what was captured a snaplen cut (truncated). */
enum sm_geneve_result sm_geneve_parse(struct sm_cur *c, uint32_t udp_len, struct sm_geneve *g)
{
    memset(g, 0, sizeof(*g));
    uint8_t vo = sm_cur_u8(c);
    uint8_t fl = sm_cur_u8(c);
    g->proto = sm_cur_be16(c);
    g->vni = sm_cur_be32(c) >> 8;
    if (!sm_cur_ok(c))
        return udp_len < 8 ? SM_GENEVE_BAD : SM_GENEVE_TRUNCATED;
    if ((vo >> 6) != 0) /* only version 0 exists; another is not ours to read */
        return SM_GENEVE_BAD;
    g->opt_len = (uint16_t)((vo & 0x3f) * 4);
    g->oam = (fl & 0x80) != 0;
    g->critical = (fl & 0x40) != 0;
    if (8u + g->opt_len > udp_len)
        return SM_GENEVE_BAD;
    /* The options (TLVs) are skipped whole: nothing in them names the
     * connection, and the header's OptLen already says where they end. */
    sm_cur_skip(c, g->opt_len);
    return sm_cur_ok(c) ? SM_GENEVE_OK : SM_GENEVE_TRUNCATED;
}

static enum sm_pkt_kind sm_decode_geneve(struct sm_pkt *pkt, struct sm_cur *c, uint32_t udp_len,
                                         struct sm_decode_stats *stats)
{
    struct sm_geneve g;
    switch (sm_geneve_parse(c, udp_len, &g)) {
    case SM_GENEVE_TRUNCATED:
        return sm_truncated(pkt);
    case SM_GENEVE_BAD:
        return sm_malformed(stats);
    case SM_GENEVE_OK:
        break;
    }
    if (g.oam) { /* a control message between tunnel endpoints, not a frame */
        stats->other++;
        return SM_PKT_OTHER;
    }
    pkt->vlan_count = 0; /* the outer tags belong to the underlay */
    /* Linux and Open vSwitch carry Ethernet (0x6558); RFC 8926 lets any
     * EtherType through, AWS GWLB and others put IP directly. */
    if (g.proto == SM_ETH_TEB)
        return sm_decode_ethernet(pkt, c, stats);
    return sm_decode_ethertype(pkt, g.proto, c, stats);
}

/* UDP: VXLAN (RFC 7348: flags(1) reserved(3) VNI(3) reserved(1)) on port
 * 4789 and Geneve on port 6081 (the IANA ports; the destination port is the
 * tunnel's, the source port a flow hash). l4_len is the UDP datagram's length
 * from the IP header. */
static enum sm_pkt_kind sm_decode_udp(struct sm_pkt *pkt, struct sm_cur *c, uint32_t l4_len,
                                      struct sm_decode_stats *stats)
{
    sm_cur_skip(c, 2);
    uint16_t dport = sm_cur_be16(c);
    uint16_t ulen = sm_cur_be16(c);
    sm_cur_skip(c, 2);
    if (!sm_cur_ok(c))
        return sm_truncated(pkt);
    if (dport == SM_GENEVE_PORT) {
        /* The UDP length, unless the IP header says less (then the IP
         * header, checked against the capture already, is believed). */
        uint32_t len = ulen < l4_len ? ulen : l4_len;
        return sm_decode_geneve(pkt, c, len >= 8 ? len - 8 : 0, stats);
    }
    if (dport != SM_VXLAN_PORT) {
        stats->other++;
        return SM_PKT_OTHER;
    }
    uint8_t flags = sm_cur_u8(c);
    sm_cur_skip(c, 7);
    if (!sm_cur_ok(c))
        return sm_truncated(pkt);
    if (!(flags & 0x08)) { /* the I flag: a valid VNI */
        stats->other++;
        return SM_PKT_OTHER;
    }
    pkt->vlan_count = 0;
    return sm_decode_ethernet(pkt, c, stats);
}

/* Dispatches on the IP protocol. c covers the L4 bytes as captured. */
static enum sm_pkt_kind sm_decode_l4(struct sm_pkt *pkt, uint8_t proto, struct sm_cur *c,
                                     uint32_t l4_len, struct sm_decode_stats *stats)
{
    switch (proto) {
    case SM_IPPROTO_TCP:
        return sm_decode_tcp(pkt, c, l4_len, stats);
    case SM_IPPROTO_ICMP:
        return pkt->ip_version == 4 ? sm_decode_icmp(pkt, c, false, stats) : SM_PKT_OTHER;
    case SM_IPPROTO_ICMPV6:
        return pkt->ip_version == 6 ? sm_decode_icmp(pkt, c, true, stats) : SM_PKT_OTHER;
    case SM_IPPROTO_GRE:
    case SM_IPPROTO_UDP:
        if (pkt->tunnel_depth >= SM_MAX_TUNNEL_DEPTH)
            return sm_malformed(stats);
        pkt->tunnel_depth++;
        stats->tunneled++;
        return proto == SM_IPPROTO_GRE ? sm_decode_gre(pkt, c, stats)
                                       : sm_decode_udp(pkt, c, l4_len, stats);
    default:
        stats->other++;
        return SM_PKT_OTHER;
    }
}

/* IPv4 (RFC 791). The header's lengths are checked against each other and
 * against what was captured; Ethernet padding after total_length is ignored. */
static enum sm_pkt_kind sm_decode_ipv4(struct sm_pkt *pkt, struct sm_cur *c,
                                       struct sm_decode_stats *stats)
{
    size_t avail = sm_cur_left(c);
    uint8_t vihl = sm_cur_u8(c);
    sm_cur_skip(c, 1); /* DSCP/ECN */
    uint16_t total = sm_cur_be16(c);
    uint16_t id = sm_cur_be16(c);
    uint16_t frag = sm_cur_be16(c);
    uint8_t ttl = sm_cur_u8(c);
    uint8_t proto = sm_cur_u8(c);
    sm_cur_skip(c, 2); /* header checksum */
    struct sm_addr src = { { 0 } }, dst = { { 0 } };
    sm_cur_copy(c, src.b, 4);
    sm_cur_copy(c, dst.b, 4);
    if (!sm_cur_ok(c))
        return sm_truncated(pkt);
    size_t hlen = (size_t)(vihl & 0x0f) * 4;
    if ((vihl >> 4) != 4 || hlen < 20 || total < hlen)
        return sm_malformed(stats);
    sm_cur_skip(c, hlen - 20); /* options */
    if (!sm_cur_ok(c))
        return sm_truncated(pkt);

    pkt->ip_version = 4;
    pkt->src = src;
    pkt->dst = dst;
    pkt->ttl = ttl;
    pkt->ip_id = id;
    pkt->ip_len = total;
    if ((frag & 0x3fff) != 0) { /* MF set or a non-zero offset */
        pkt->fragment = true;
        stats->fragments++;
        if ((frag & 0x1fff) != 0) {
            stats->other++;
            return SM_PKT_OTHER; /* no transport header in later fragments */
        }
    }
    /* A length beyond the frame is a snaplen cut only if the frame was cut;
     * in a complete frame it is a lie, and trusting it would put bytes that
     * were never sent into the stream. */
    if ((size_t)total > avail && pkt->cap_len >= pkt->wire_len)
        return sm_malformed(stats);
    /* The L4 view ends at total_length (or at the capture, if earlier). */
    size_t l4_cap = avail - hlen;
    if (l4_cap > (size_t)total - hlen)
        l4_cap = (size_t)total - hlen;
    struct sm_cur l4 = sm_cur_sub(c, l4_cap, false);
    return sm_decode_l4(pkt, proto, &l4, (uint32_t)(total - hlen), stats);
}

/* IPv6 (RFC 8200) with its extension-header chain. */
static enum sm_pkt_kind sm_decode_ipv6(struct sm_pkt *pkt, struct sm_cur *c,
                                       struct sm_decode_stats *stats)
{
    uint8_t vtc = sm_cur_u8(c);
    sm_cur_skip(c, 3); /* traffic class, flow label */
    uint16_t plen = sm_cur_be16(c);
    uint8_t nh = sm_cur_u8(c);
    uint8_t hlim = sm_cur_u8(c);
    struct sm_addr src, dst;
    sm_cur_copy(c, src.b, 16);
    sm_cur_copy(c, dst.b, 16);
    if (!sm_cur_ok(c))
        return sm_truncated(pkt);
    if ((vtc >> 4) != 6)
        return sm_malformed(stats);

    pkt->ip_version = 6;
    pkt->src = src;
    pkt->dst = dst;
    pkt->ttl = hlim;
    pkt->ip_id = 0;
    pkt->ip_len = 40u + plen;

    /* The payload view ends at payload_length (jumbograms, plen 0, take what
     * was captured). */
    size_t avail = sm_cur_left(c);
    if (plen > avail && pkt->cap_len >= pkt->wire_len)
        return sm_malformed(stats); /* a payload length the whole frame lies about */
    struct sm_cur body = sm_cur_sub(c, plen && plen < avail ? plen : avail, false);
    size_t before = sm_cur_left(&body);
    bool frag, first;
    if (!sm_ipv6_walk(&body, &nh, &frag, &first)) {
        if (!sm_cur_ok(&body))
            return sm_truncated(pkt);
        return sm_malformed(stats);
    }
    size_t ext = before - sm_cur_left(&body);
    if (frag) {
        pkt->fragment = true;
        stats->fragments++;
        if (!first) {
            stats->other++;
            return SM_PKT_OTHER;
        }
    }
    uint32_t l4_len = plen ? (plen > ext ? (uint32_t)(plen - ext) : 0) : (uint32_t)(avail - ext);
    if (plen && plen < ext)
        return sm_malformed(stats);
    return sm_decode_l4(pkt, nh, &body, l4_len, stats);
}

void sm_addr_format(const struct sm_addr *a, uint8_t ip_version, char *out, size_t outlen)
{
    /* IPv4 by hand: glibc's inet_ntop goes through sprintf (about 2,400
     * instructions an address, two per event). Same text. */
    if (ip_version != 6 && outlen >= 16) {
        char *o = out;
        for (int i = 0; i < 4; i++) {
            unsigned v = a->b[i];
            if (v >= 100)
                *o++ = (char)('0' + v / 100);
            if (v >= 10)
                *o++ = (char)('0' + v / 10 % 10);
            *o++ = (char)('0' + v % 10);
            *o++ = i < 3 ? '.' : '\0';
        }
        return;
    }
    /* IPv6 by hand too (RFC 5952 form, as inet_ntop writes it: lowercase
     * hex without leading zeros, the first longest run of two or more zero
     * groups as "::"), but for the IPv4-embedding forms (a zero run of five
     * or more from the start), which inet_ntop writes in its own way. */
    if (ip_version == 6 && outlen >= 46) {
        unsigned g[8];
        int best = -1, best_len = 0;
        for (int i = 0; i < 8; i++)
            g[i] = (unsigned)a->b[2 * i] << 8 | a->b[2 * i + 1];
        for (int i = 0; i < 8;) {
            int k = i;
            while (k < 8 && g[k] == 0)
                k++;
            if (k - i > best_len && k - i >= 2) {
                best = i;
                best_len = k - i;
            }
            i = k > i ? k : i + 1;
        }
        if (!(best == 0 && best_len >= 5)) {
            static const char hex[] = "0123456789abcdef";
            char *o = out;
            for (int i = 0; i < 8; i++) {
                if (i == best) {
                    *o++ = ':';
                    i += best_len - 1;
                    if (i == 7)
                        *o++ = ':';
                    continue;
                }
                if (i > 0)
                    *o++ = ':';
                bool lead = true;
                for (int sh = 12; sh >= 0; sh -= 4) {
                    unsigned d = (g[i] >> sh) & 15;
                    if (d == 0 && lead && sh > 0)
                        continue;
                    lead = false;
                    *o++ = hex[d];
                }
            }
            *o = '\0';
            return;
        }
    }
    if (!inet_ntop(ip_version == 6 ? AF_INET6 : AF_INET, a->b, out, (socklen_t)outlen))
        snprintf(out, outlen, "?");
}
