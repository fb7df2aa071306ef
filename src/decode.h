/* SPDX-License-Identifier: MIT */
/* summary: link, VLAN, tunnel, IPv4/IPv6, TCP and ICMP decoding into a
 * borrowed packet view. Owns no memory; every byte is read through cursor.h. */
#ifndef SM_DECODE_H
#define SM_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_limits.h"

/* EtherTypes both decoders dispatch on. */
#define SM_ETH_IPV4   0x0800
#define SM_ETH_IPV6   0x86dd
#define SM_ETH_8021Q  0x8100
#define SM_ETH_8021AD 0x88a8
#define SM_ETH_QINQ   0x9100 /* pre-standard QinQ outer tag */

/* An EtherType that announces a VLAN tag: the three libpcap's "vlan" takes
 * (gen_vlan_tpid_test), which the decoders and the prefilter all follow. */
static inline bool sm_eth_is_vlan(uint16_t type)
{
    return type == SM_ETH_8021Q || type == SM_ETH_8021AD || type == SM_ETH_QINQ;
}

/* Link types older libpcap headers lack, in one place for every decoder and
 * its tests. */
#include <pcap/dlt.h>
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_NFLOG
#define DLT_NFLOG 239
#endif
/* Linux cooked capture packet type of a packet the capturing host sent
 * (PACKET_OUTGOING, <linux/if_packet.h>); 0-3 arrived at it. */
#define SM_PKTTYPE_OUTGOING 4

/* An IPv4 address lives in the first 4 bytes, the rest zero. */
struct sm_addr {
    uint8_t b[16];
};

enum sm_pkt_kind {
    SM_PKT_OTHER = 0, /* not for us: ignored */
    SM_PKT_TCP,       /* a TCP segment (header complete) */
    SM_PKT_ICMP_ERR,  /* an ICMP/ICMPv6 error quoting a TCP segment */
};

/* TCP flag bits as on the wire. */
#define SM_TH_FIN 0x01
#define SM_TH_SYN 0x02
#define SM_TH_RST 0x04
#define SM_TH_PSH 0x08
#define SM_TH_ACK 0x10
#define SM_TH_URG 0x20
#define SM_TH_ECE 0x40
#define SM_TH_CWR 0x80

/* What an ICMP error tells about the connection it quotes. */
enum sm_icmp_class {
    SM_ICMP_NONE = 0,
    SM_ICMP_UNREACH,     /* destination unreachable (not frag-needed) */
    SM_ICMP_FRAG_NEEDED, /* IPv4 type 3 code 4, or ICMPv6 packet too big */
    SM_ICMP_TIME_EXCEEDED,
};

/* The TCP header of the segment an ICMP error quotes (RFC 792: IP header plus
 * at least 8 bytes, i.e. ports and sequence number). */
struct sm_quoted {
    uint8_t ip_version;
    struct sm_addr src, dst;
    uint16_t sport, dport;
    uint32_t seq;
    bool has_seq;
};

struct sm_pkt {
    int64_t ts_us;     /* capture timestamp, microseconds since the epoch */
    uint32_t wire_len; /* length on the wire */
    uint32_t cap_len;  /* bytes captured */
    bool truncated;    /* snaplen cut something this decoder wanted */

    enum sm_pkt_kind kind;
    /* Link-layer facts that tell two captures of one packet apart. */
    int32_t ifindex; /* SLL2 interface index, -1 when unknown */
    int16_t pkttype; /* SLL/SLL2 packet type, -1 when unknown */
    uint8_t vlan_count;
    uint16_t vlan[SM_MAX_VLANS];
    uint8_t tunnel_depth; /* GRE/VXLAN/Geneve layers removed */

    /* IP */
    uint8_t ip_version;
    struct sm_addr src, dst;
    uint8_t ttl;     /* TTL or hop limit */
    uint16_t ip_id;  /* IPv4 identification; 0 for IPv6 */
    uint32_t ip_len; /* IP datagram length from its header */
    bool fragment;   /* IPv4/IPv6 fragment: counted, not reassembled */

    /* TCP */
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t win;
    uint16_t tcp_csum;
    uint32_t payload_len; /* from the IP length: what was sent */
    uint32_t payload_cap; /* of which captured */
    const uint8_t *payload;
    /* TCP options (RFC 793, 7323, 2018) */
    uint16_t mss;  /* 0 when absent */
    int8_t wscale; /* -1 when absent */
    bool sack_perm;
    uint8_t sack_blocks;
    bool has_ts;
    uint32_t tsval, tsecr;
    bool bad_options; /* an option ran past the header */

    /* ICMP error. The fast path (TCP only) zeroes from icmp_type to the end
     * in one go and sets every field above one by one: a new field above
     * must be set in sm_decode_fast() too, and every new field compared in
     * sm_pkt_diff() (test_decode and fuzz_decode compare the two paths). */
    uint8_t icmp_type, icmp_code;
    enum sm_icmp_class icmp_class;
    uint32_t icmp_mtu; /* next-hop MTU of frag-needed / packet too big */
    struct sm_quoted quoted;

    /* NFLOG (DLT_NFLOG) only: what the logging netfilter rule said about
     * the packet (linux/netfilter/nfnetlink_log.h). The fast path never
     * takes NFLOG, so its zeroing leaves these empty. */
    bool nflog;                   /* the packet came through an NFLOG rule */
    uint8_t nf_hook;              /* NF_INET_* hook (NFULA_PACKET_HDR); SM_NF_HOOK_NONE */
    uint8_t nf_prefix_len;        /* bytes at nf_prefix (no NUL), at most SM_NF_PREFIX_MAX */
    const uint8_t *nf_prefix;     /* the rule's log prefix (NFULA_PREFIX), borrowed */
    uint32_t nf_indev, nf_outdev; /* interface indexes (NFULA_IFINDEX_*), 0: none */
};

/* The longest NFLOG prefix kept; xt_NFLOG allows 63 bytes, nftables' log
 * prefix 127 (NF_LOG_PREFIXLEN): a longer one is cut. */
#define SM_NF_PREFIX_MAX 64
/* nf_hook when the NFLOG packet header was absent. */
#define SM_NF_HOOK_NONE 0xff

/* Counters of what the decoder met; owned by the caller. */
struct sm_decode_stats {
    uint64_t packets;
    uint64_t tcp;
    uint64_t icmp_errors;
    uint64_t truncated; /* snaplen cut a header we wanted */
    uint64_t fragments;
    uint64_t malformed; /* a header lied about its own length */
    uint64_t tunneled;
    uint64_t other; /* valid but not TCP or ICMP error */
};

/* Link types understood (DLT values from pcap/dlt.h). */
bool sm_decode_link_supported(int dlt);

/* Decodes one captured frame. pkt is filled; its pointers borrow data, which
 * must outlive it. Returns the kind (also stored in pkt->kind). */
enum sm_pkt_kind sm_decode(struct sm_pkt *pkt, int dlt, const uint8_t *data, uint32_t cap_len,
                           uint32_t wire_len, int64_t ts_us, struct sm_decode_stats *stats);

/* The fast path for the common packet (Ethernet with up to SM_MAX_VLANS
 * tags, SLL, SLL2 or raw IP; IPv4 without options or fragmentation, or IPv6
 * without extension headers; a TCP segment whole in the capture). It decodes
 * only what it can decode completely and hands anything else, with nothing
 * counted, to the general path, which starts again from the first byte; both
 * fill struct sm_pkt alike, field for field. On by default; the decoder's
 * unit tests and fuzzer turn it off to compare the two. Set it only while
 * nothing decodes (the read-ahead thread reads it). */
extern bool sm_decode_fast_path;

/* Internal to decode_*.c (and tests): the layers call each other because
 * tunnels (GRE, VXLAN, Geneve) carry Ethernet or IP again. */
struct sm_cur;
/* The general path (decode_link.c), which sm_decode() (decode_ip.c) takes
 * when the fast path declines; the same arguments and results. */
enum sm_pkt_kind sm_decode_general(struct sm_pkt *pkt, int dlt, const uint8_t *data,
                                   uint32_t cap_len, uint32_t wire_len, int64_t ts_us,
                                   struct sm_decode_stats *stats);
/* For tests and the decode fuzzer: the fast path alone (true: it decoded the
 * packet, and sm_decode() would return SM_PKT_TCP with the same pkt), and the
 * first field in which two decoded packets differ (its name, or NULL;
 * struct padding is ignored, unused VLAN slots and address bytes are not). */
bool sm_decode_fast_try(struct sm_pkt *pkt, int dlt, const uint8_t *data, uint32_t cap_len,
                        uint32_t wire_len, int64_t ts_us);
const char *sm_pkt_diff(const struct sm_pkt *a, const struct sm_pkt *b);
/* From the network layer on; ethertype selects IPv4 or IPv6. */
enum sm_pkt_kind sm_decode_l3(struct sm_pkt *pkt, uint16_t ethertype, struct sm_cur *c,
                              struct sm_decode_stats *stats);
/* From an ethertype that may be a VLAN tag. */
enum sm_pkt_kind sm_decode_ethertype(struct sm_pkt *pkt, uint16_t type, struct sm_cur *c,
                                     struct sm_decode_stats *stats);
/* An Ethernet II frame. */
enum sm_pkt_kind sm_decode_ethernet(struct sm_pkt *pkt, struct sm_cur *c,
                                    struct sm_decode_stats *stats);

/* The fixed Geneve header (RFC 8926) and where its options end. */
struct sm_geneve {
    uint16_t opt_len; /* option bytes after the fixed 8 */
    bool oam;         /* O: a control message */
    bool critical;    /* C: a critical option is present */
    uint16_t proto;   /* EtherType of the payload (0x6558: Ethernet) */
    uint32_t vni;
};
enum sm_geneve_result {
    SM_GENEVE_OK,        /* parsed; the cursor is at the payload */
    SM_GENEVE_TRUNCATED, /* the capture ends inside the header or options */
    SM_GENEVE_BAD        /* not version 0, or options longer than sent */
};
/* Parses the Geneve header at c; udp_len is the UDP payload length as sent
 * (the UDP header's length less 8). Exposed for the unit tests. */
enum sm_geneve_result sm_geneve_parse(struct sm_cur *c, uint32_t udp_len, struct sm_geneve *g);

/* Formats an address for output ("198.51.100.2", "2001:db8::2"). */
void sm_addr_format(const struct sm_addr *a, uint8_t ip_version, char *out, size_t outlen);

#endif
