/* SPDX-License-Identifier: MIT */
/* summary: link layers (Ethernet with 802.1Q/802.1ad, Linux SLL and SLL2, raw
 * IP, BSD null/loopback, NFLOG) down to an ethertype and the network layer. */
#include "config.h"
#include "decode.h"

#include <pcap/dlt.h>
#include <string.h>

#include "cursor.h"

/* NFULA_* attribute types (linux/netfilter/nfnetlink_log.h). */
#define SM_NFULA_PACKET_HDR     1
#define SM_NFULA_IFINDEX_INDEV  4
#define SM_NFULA_IFINDEX_OUTDEV 5
#define SM_NFULA_PAYLOAD        9
#define SM_NFULA_PREFIX         10

bool sm_decode_link_supported(int dlt)
{
    switch (dlt) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
    case DLT_NULL:
    case DLT_LOOP:
    case DLT_NFLOG:
        return true;
    default:
        return false;
    }
}

/* Strips 802.1Q / 802.1ad tags starting at an ethertype, then decodes L3. */
enum sm_pkt_kind sm_decode_ethertype(struct sm_pkt *pkt, uint16_t type, struct sm_cur *c,
                                     struct sm_decode_stats *stats)
{
    unsigned depth = 0;

    while (sm_eth_is_vlan(type)) {
        /* 802.1Q: TCI (PCP 3 bits, DEI 1 bit, VID 12 bits), then the next type. */
        uint16_t tci = sm_cur_be16(c);
        type = sm_cur_be16(c);
        if (!sm_cur_ok(c)) {
            pkt->truncated = true;
            return SM_PKT_OTHER;
        }
        if (pkt->vlan_count < SM_MAX_VLANS)
            pkt->vlan[pkt->vlan_count++] = tci & 0x0fff;
        if (++depth > SM_MAX_VLAN_DEPTH) {
            stats->malformed++;
            return SM_PKT_OTHER;
        }
    }
    return sm_decode_l3(pkt, type, c, stats);
}

/* Ethernet II; also the inner frame of VXLAN, GRE TEB and ERSPAN. */
enum sm_pkt_kind sm_decode_ethernet(struct sm_pkt *pkt, struct sm_cur *c,
                                    struct sm_decode_stats *stats)
{
    sm_cur_skip(c, 12); /* destination and source MAC */
    uint16_t type = sm_cur_be16(c);
    if (!sm_cur_ok(c)) {
        pkt->truncated = true;
        return SM_PKT_OTHER;
    }
    if (type < 0x0600) { /* 802.3 length field: LLC, not IP */
        stats->other++;
        return SM_PKT_OTHER;
    }
    return sm_decode_ethertype(pkt, type, c, stats);
}

/* Linux cooked v1: pkttype(2) hatype(2) halen(2) addr(8) protocol(2). */
static enum sm_pkt_kind sm_decode_sll(struct sm_pkt *pkt, struct sm_cur *c,
                                      struct sm_decode_stats *stats)
{
    pkt->pkttype = (int16_t)sm_cur_be16(c);
    sm_cur_skip(c, 12);
    uint16_t proto = sm_cur_be16(c);
    if (!sm_cur_ok(c)) {
        pkt->truncated = true;
        return SM_PKT_OTHER;
    }
    return sm_decode_ethertype(pkt, proto, c, stats);
}

/* Linux cooked v2: protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1)
 * halen(1) addr(8). */
static enum sm_pkt_kind sm_decode_sll2(struct sm_pkt *pkt, struct sm_cur *c,
                                       struct sm_decode_stats *stats)
{
    uint16_t proto = sm_cur_be16(c);
    sm_cur_skip(c, 2);
    pkt->ifindex = (int32_t)sm_cur_be32(c);
    sm_cur_skip(c, 2);
    pkt->pkttype = sm_cur_u8(c);
    sm_cur_skip(c, 9);
    if (!sm_cur_ok(c)) {
        pkt->truncated = true;
        pkt->ifindex = -1;
        pkt->pkttype = -1;
        return SM_PKT_OTHER;
    }
    return sm_decode_ethertype(pkt, proto, c, stats);
}

/* Raw IP: the version nibble decides. */
static enum sm_pkt_kind sm_decode_raw(struct sm_pkt *pkt, struct sm_cur *c,
                                      struct sm_decode_stats *stats)
{
    bool ok;
    uint8_t first = sm_cur_peek_u8(c, 0, &ok);
    if (!ok) {
        pkt->truncated = true;
        return SM_PKT_OTHER;
    }
    switch (first >> 4) {
    case 4:
        return sm_decode_l3(pkt, SM_ETH_IPV4, c, stats);
    case 6:
        return sm_decode_l3(pkt, SM_ETH_IPV6, c, stats);
    default:
        stats->malformed++;
        return SM_PKT_OTHER;
    }
}

/* BSD loopback: a 4-byte address family, host order (DLT_NULL) or network
 * order (DLT_LOOP). IPv6's AF value differs per OS: 10 Linux, 24 NetBSD and
 * OpenBSD, 28 FreeBSD, 30 macOS. */
static enum sm_pkt_kind sm_decode_null(struct sm_pkt *pkt, struct sm_cur *c, bool network_order,
                                       struct sm_decode_stats *stats)
{
    uint32_t af = network_order ? sm_cur_be32(c) : sm_cur_he32(c);
    if (!sm_cur_ok(c)) {
        pkt->truncated = true;
        return SM_PKT_OTHER;
    }
    /* A capture from a host of the other byte order: the value sits in the
     * high byte. */
    if (af > 0xffff)
        af = ((af >> 24) & 0xff) | ((af >> 8) & 0xff00);
    switch (af) {
    case 2:
        return sm_decode_l3(pkt, SM_ETH_IPV4, c, stats);
    case 10:
    case 24:
    case 28:
    case 30:
        return sm_decode_l3(pkt, SM_ETH_IPV6, c, stats);
    default:
        stats->other++;
        return SM_PKT_OTHER;
    }
}

/* NFLOG: family(1) version(1) resource id(2, BE), then TLVs whose length and
 * type are in host order, each padded to 4 bytes, with values in network
 * order (netlink attributes; linux/netfilter/nfnetlink_log.h). The packet
 * is the NFULA_PAYLOAD TLV, starting at the network layer, and comes last
 * (nfnetlink_log.c __build_packet_message()); the rule's facts before it
 * are kept in pkt->nf_*: the hook, the interfaces and the log prefix. A
 * value shorter than its type needs is ignored (and counted malformed),
 * never read past. */
static void sm_nflog_attr(struct sm_pkt *pkt, uint16_t type, struct sm_cur *v,
                          struct sm_decode_stats *stats)
{
    switch (type) {
    case SM_NFULA_PACKET_HDR: {
        sm_cur_skip(v, 2); /* hw_protocol */
        uint8_t hook = sm_cur_u8(v);
        if (sm_cur_ok(v))
            pkt->nf_hook = hook;
        break;
    }
    case SM_NFULA_IFINDEX_INDEV:
    case SM_NFULA_IFINDEX_OUTDEV: {
        uint32_t ifx = sm_cur_be32(v);
        if (sm_cur_ok(v))
            *(type == SM_NFULA_IFINDEX_INDEV ? &pkt->nf_indev : &pkt->nf_outdev) = ifx;
        break;
    }
    case SM_NFULA_PREFIX: {
        /* A C string: up to its NUL (the kernel always sends one), or the
         * whole value when a hostile one has none; cut to
         * SM_NF_PREFIX_MAX. */
        size_t n = sm_cur_left(v), at;
        if (sm_cur_find(v, 0, n, &at))
            n = at;
        if (n > SM_NF_PREFIX_MAX)
            n = SM_NF_PREFIX_MAX;
        struct sm_bytes b = sm_cur_bytes(v, n);
        pkt->nf_prefix = n ? b.p : NULL;
        pkt->nf_prefix_len = (uint8_t)(n ? b.len : 0);
        return;
    }
    default:
        return;
    }
    if (!sm_cur_ok(v))
        stats->malformed++;
}

static enum sm_pkt_kind sm_decode_nflog(struct sm_pkt *pkt, struct sm_cur *c,
                                        struct sm_decode_stats *stats)
{
    uint8_t family = sm_cur_u8(c);
    sm_cur_skip(c, 3);
    pkt->nflog = true;
    pkt->nf_hook = SM_NF_HOOK_NONE;
    while (sm_cur_ok(c) && sm_cur_left(c) >= 4) {
        uint16_t len = sm_cur_he16(c);
        uint16_t type = sm_cur_he16(c) & 0x7fff; /* top bit: NLA_F_NESTED etc. */
        if (len < 4) {
            stats->malformed++;
            return SM_PKT_OTHER;
        }
        if (type == SM_NFULA_PAYLOAD) {
            struct sm_cur inner = sm_cur_sub(c, (size_t)len - 4, false);
            if (family == 2)
                return sm_decode_l3(pkt, SM_ETH_IPV4, &inner, stats);
            if (family == 10)
                return sm_decode_l3(pkt, SM_ETH_IPV6, &inner, stats);
            return sm_decode_raw(pkt, &inner, stats);
        }
        /* Strict: a value that runs past the end is a cut packet (the
         * parent's error ends the loop), not read in part. */
        struct sm_cur v = sm_cur_sub(c, (size_t)len - 4, true);
        if (!sm_cur_ok(c))
            break;
        sm_nflog_attr(pkt, type, &v, stats);
        sm_cur_skip(c, (((size_t)len + 3) & ~(size_t)3) - len); /* padding */
    }
    /* TLVs are padded to 4 bytes: 1 to 3 bytes left are a cut TLV header. */
    if (!sm_cur_ok(c) || sm_cur_left(c) > 0) {
        pkt->truncated = true;
    } else {
        stats->other++;
    }
    return SM_PKT_OTHER;
}

/* The general path (sm_decode() in decode_ip.c tries the fast path first). */
enum sm_pkt_kind sm_decode_general(struct sm_pkt *pkt, int dlt, const uint8_t *data,
                                   uint32_t cap_len, uint32_t wire_len, int64_t ts_us,
                                   struct sm_decode_stats *stats)
{
    struct sm_cur c;
    enum sm_pkt_kind kind;

    memset(pkt, 0, sizeof(*pkt));
    pkt->ts_us = ts_us;
    pkt->cap_len = cap_len;
    pkt->wire_len = wire_len;
    pkt->ifindex = -1;
    pkt->pkttype = -1;
    pkt->wscale = -1;
    stats->packets++;
    sm_cur_init(&c, data, cap_len, false);

    switch (dlt) {
    case DLT_EN10MB:
        kind = sm_decode_ethernet(pkt, &c, stats);
        break;
    case DLT_LINUX_SLL:
        kind = sm_decode_sll(pkt, &c, stats);
        break;
    case DLT_LINUX_SLL2:
        kind = sm_decode_sll2(pkt, &c, stats);
        break;
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
        kind = sm_decode_raw(pkt, &c, stats);
        break;
    case DLT_NULL:
        kind = sm_decode_null(pkt, &c, false, stats);
        break;
    case DLT_LOOP:
        kind = sm_decode_null(pkt, &c, true, stats);
        break;
    case DLT_NFLOG:
        kind = sm_decode_nflog(pkt, &c, stats);
        break;
    default:
        stats->other++;
        kind = SM_PKT_OTHER;
        break;
    }
    pkt->kind = kind;
    if (pkt->truncated) /* counted once, whichever layer was cut */
        stats->truncated++;
    if (kind == SM_PKT_TCP)
        stats->tcp++;
    else if (kind == SM_PKT_ICMP_ERR)
        stats->icmp_errors++;
    return kind;
}
