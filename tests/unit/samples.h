/* SPDX-License-Identifier: MIT */
/* summary: hand-built frames for the decoder tests, one field per comment.
 * Checksums are placeholders (the decoder does not verify them). Addresses
 * are documentation ranges: client 198.51.100.2 / 2001:db8:1::2, server
 * 203.0.113.2 / 2001:db8:2::2, routers and tunnel ends 192.0.2.x. */
#ifndef SM_UNIT_SAMPLES_H
#define SM_UNIT_SAMPLES_H

#include <stdint.h>

/* clang-format off */

#define S_BE16(v) (((v) >> 8) & 0xff), ((v) & 0xff)
#define S_BE32(v) (((v) >> 24) & 0xff), (((v) >> 16) & 0xff), (((v) >> 8) & 0xff), ((v) & 0xff)
/* Host order, as NFLOG TLV headers and the DLT_NULL family are written. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define S_HE16(v) ((v) & 0xff), (((v) >> 8) & 0xff)
#define S_HE32(v) ((v) & 0xff), (((v) >> 8) & 0xff), (((v) >> 16) & 0xff), (((v) >> 24) & 0xff)
#else
#define S_HE16(v) S_BE16(v)
#define S_HE32(v) S_BE32(v)
/* clang-format on */

#endif

#define S_MACS                                                                                     \
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01,        /* destination MAC */                               \
            0x02, 0x00, 0x00, 0x00, 0x00, 0x02 /* source MAC */
#define S_V4_CLIENT 0xc6, 0x33, 0x64, 0x02     /* 198.51.100.2 */
#define S_V4_SERVER 0xcb, 0x00, 0x71, 0x02     /* 203.0.113.2 */
#define S_V4_ROUTER 0xc0, 0x00, 0x02, 0x01     /* 192.0.2.1 */
#define S_V4_TUNNEL 0xc0, 0x00, 0x02, 0x02     /* 192.0.2.2 */
#define S_V6_CLIENT 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02
#define S_V6_SERVER 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02
#define S_V6_ROUTER 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01

/* IPv4 header without options, client to server: version 4 and IHL 5,
 * DSCP/ECN, total length, identification, flags + fragment offset, TTL,
 * protocol, header checksum, source, destination. */
#define S_IPV4(total, id, frag, ttl, proto)                                                        \
    0x45, 0x00, S_BE16(total), S_BE16(id), S_BE16(frag), (ttl), (proto), 0x00, 0x00, S_V4_CLIENT,  \
            S_V4_SERVER
/* The same from ROUTER to TUNNEL (outer header of a tunnel) or to CLIENT. */
#define S_IPV4_OUTER(total, proto)                                                                 \
    0x45, 0x00, S_BE16(total), S_BE16(0x0001), 0x40, 0x00, 64, (proto), 0x00, 0x00, S_V4_ROUTER,   \
            S_V4_TUNNEL
#define S_IPV4_ICMP(total)                                                                         \
    0x45, 0x00, S_BE16(total), S_BE16(0x0002), 0x00, 0x00, 254, 1, 0x00, 0x00, S_V4_ROUTER,        \
            S_V4_CLIENT

/* IPv6 header, client to server: version 6, traffic class and flow label,
 * payload length, next header, hop limit, source, destination. */
#define S_IPV6(plen, nh) 0x60, 0x00, 0x00, 0x00, S_BE16(plen), (nh), 64, S_V6_CLIENT, S_V6_SERVER

/* TCP header: source and destination port, sequence, acknowledgement, data
 * offset (32-bit words) in the high nibble, flags, window 0xfaf0, checksum
 * 0xbeef, urgent pointer 0. */
#define S_TCP(sport, dport, seq, ack, words, flags)                                                \
    S_BE16(sport), S_BE16(dport), S_BE32(seq), S_BE32(ack), ((words) << 4), (flags), 0xfa, 0xf0,   \
            0xbe, 0xef, 0x00, 0x00

/* A 40-byte IPv4 datagram: a bare ACK 50000 -> 22, id 0x1234, TTL 64. */
#define S_V4_ACK_40                                                                                \
    S_IPV4(40, 0x1234, 0x4000, 64, 6), S_TCP(50000, 22, 0x11223345, 0x55667789, 5, 0x10)

/* 1. Ethernet, IPv4, TCP SYN with MSS 1460, SACK permitted, timestamps
 *    (tsval 0x01020304, tsecr 0), NOP, window scale 7. 74 bytes. */
static const uint8_t sm_s_eth_syn[] = {
    S_MACS,
    S_BE16(0x0800),                            /* Ethernet, type IPv4 */
    S_IPV4(60, 0x1234, 0x4000, 64, 6),         /* 20 + 40 bytes, DF */
    S_TCP(50000, 22, 0x11223344, 0, 10, 0x02), /* SYN, 40-byte header */
    0x02,
    0x04,
    S_BE16(1460), /* MSS */
    0x04,
    0x02, /* SACK permitted */
    0x08,
    0x0a,
    S_BE32(0x01020304),
    S_BE32(0), /* timestamps */
    0x01,      /* NOP */
    0x03,
    0x03,
    0x07, /* window scale 7 */
};

/* 2. Ethernet, IPv4, TCP ACK+PSH with timestamps, two SACK blocks and an
 *    11-byte payload. 97 bytes. */
static const uint8_t sm_s_eth_data[] = {
    S_MACS,
    S_BE16(0x0800),
    S_IPV4(83, 0x1235, 0x4000, 64, 6), /* 20 + 52 + 11 */
    S_TCP(50000, 22, 0x11223345, 0x55667789, 13, 0x18),
    0x01,
    0x01, /* NOP NOP */
    0x08,
    0x0a,
    S_BE32(0x01020305),
    S_BE32(0x0a0b0c0d), /* timestamps */
    0x01,
    0x01, /* NOP NOP */
    0x05,
    0x12, /* SACK, 2 blocks */
    S_BE32(1000),
    S_BE32(2000),
    S_BE32(3000),
    S_BE32(4000),
    'S',
    'S',
    'H',
    '-',
    '2',
    '.',
    '0',
    '-',
    'x',
    '\r',
    '\n', /* payload */
};

/* 3. Ethernet, 802.1Q (PCP 5, VID 100), IPv4, TCP ACK. 58 bytes. */
static const uint8_t sm_s_vlan[] = {
    S_MACS,      S_BE16(0x8100), S_BE16(0xa064), S_BE16(0x0800), /* TCI: PCP 5, VID 100; IPv4 */
    S_V4_ACK_40,
};

/* 4. Ethernet, 802.1ad outer (VID 200, DEI set), 802.1Q inner (VID 100),
 *    IPv4, TCP ACK. 62 bytes. */
static const uint8_t sm_s_qinq[] = {
    S_MACS,         S_BE16(0x88a8), S_BE16(0x10c8), S_BE16(0x8100), /* S-tag: DEI, VID 200 */
    S_BE16(0x0064), S_BE16(0x0800),                                 /* C-tag: VID 100 */
    S_V4_ACK_40,
};

/* 5. Linux cooked v1, outgoing (pkttype 4), IPv4, TCP ACK. 56 bytes. */
static const uint8_t sm_s_sll[] = {
    S_BE16(4),                                                /* packet type: outgoing */
    S_BE16(1),                                                /* ARPHRD_ETHER */
    S_BE16(6),                                                /* address length */
    0x02,           0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, /* address, padded to 8 */
    S_BE16(0x0800),                                           /* protocol */
    S_V4_ACK_40,
};

/* 6. Linux cooked v2, ifindex 7, pkttype 0 (host), IPv6, TCP SYN-ACK.
 *    80 bytes. */
static const uint8_t sm_s_sll2_v6[] = {
    S_BE16(0x86dd), /* protocol */
    0x00,
    0x00,      /* reserved */
    S_BE32(7), /* interface index */
    S_BE16(1), /* ARPHRD_ETHER */
    0x00,      /* packet type: host */
    6,         /* address length */
    0x02,
    0x00,
    0x00,
    0x00,
    0x00,
    0x02,
    0x00,
    0x00, /* address */
    S_IPV6(20, 6),
    S_TCP(50000, 22, 0x11223344, 0x01000000, 5, 0x12),
};

/* 7. Raw IPv4 (DLT_RAW, DLT_IPV4): TCP ACK. 40 bytes. */
static const uint8_t sm_s_raw_v4[] = { S_V4_ACK_40 };

/* 8. Raw IPv6 (DLT_RAW, DLT_IPV6): TCP ACK with 4 payload bytes. 64 bytes. */
static const uint8_t sm_s_raw_v6[] = {
    S_IPV6(24, 6), S_TCP(50000, 22, 0x11223345, 0x55667789, 5, 0x18), 'a', 'b', 'c', 'd',
};

/* 9. DLT_NULL: address family 2 in host order, IPv4. 44 bytes. */
static const uint8_t sm_s_null_v4[] = { S_HE32(2), S_V4_ACK_40 };

/* 10. DLT_LOOP: address family 2 in network order, IPv4. 44 bytes. */
static const uint8_t sm_s_loop_v4[] = { S_BE32(2), S_V4_ACK_40 };

/* 11. NFLOG: family AF_INET, version 0, resource id 1; a packet-header TLV,
 *     a prefix TLV whose length (7) needs padding, then the payload TLV
 *     (type 9) holding the IPv4 datagram. TLV length and type are in host
 *     order. 64 bytes. */
static const uint8_t sm_s_nflog[] = {
    2,
    0,
    S_BE16(1), /* family, version, res id */
    S_HE16(8),
    S_HE16(1), /* NFULA_PACKET_HDR, len 8 */
    S_BE16(0x0800),
    3,
    0, /* hw protocol, hook, pad */
    S_HE16(7),
    S_HE16(10), /* NFULA_PREFIX, len 7 */
    'a',
    'b',
    0,
    0, /* "ab\0" + 1 pad byte */
    S_HE16(44),
    S_HE16(9), /* NFULA_PAYLOAD, len 4 + 40 */
    S_V4_ACK_40,
};

/* 12. IPv6 with hop-by-hop (8 bytes) and destination options (16 bytes)
 *     before TCP. 84 bytes. */
static const uint8_t sm_s_v6_ext[] = {
    S_IPV6(44, 0), /* next: hop-by-hop */
    60,
    0,
    0x01,
    0x04,
    0,
    0,
    0,
    0, /* next: dest opts; PadN 4 */
    6,
    1,
    0x01,
    0x0c,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0, /* next TCP; PadN 12 */
    S_TCP(50000, 22, 0x11223345, 0x55667789, 5, 0x10),
};

/* 13. IPv6 first fragment (offset 0, M set) carrying TCP and 8 bytes of
 *     payload. 76 bytes. */
static const uint8_t sm_s_v6_frag_first[] = {
    S_IPV6(36, 44), /* next: fragment */
    6,
    0,
    S_BE16(0x0001),
    S_BE32(0xcafe), /* next TCP, offset 0 M=1, id */
    S_TCP(50000, 22, 0x11223345, 0x55667789, 5, 0x18),
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
};

/* 14. IPv6 later fragment (offset 2 units = 16 bytes, last). 64 bytes. */
static const uint8_t sm_s_v6_frag_later[] = {
    S_IPV6(24, 44),
    6,
    0,
    S_BE16(0x0010),
    S_BE32(0xcafe), /* offset 2, M=0 */
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
    12,
    13,
    14,
    15,
    16,
};

/* 15. IPv4 first fragment (MF, offset 0): TCP and 8 payload bytes of a
 *     larger segment. 48 bytes. */
static const uint8_t sm_s_v4_frag_first[] = {
    S_IPV4(48, 0x2222, 0x2000, 64, 6),
    S_TCP(50000, 22, 0x11223345, 0x55667789, 5, 0x18),
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
};

/* 16. IPv4 later fragment (offset 3 units = 24 bytes, last). 36 bytes. */
static const uint8_t sm_s_v4_frag_later[] = {
    S_IPV4(36, 0x2222, 0x0003, 64, 6), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
};

/* 17. IPv4 with 4 bytes of options (IHL 6), TCP ACK. 44 bytes. */
static const uint8_t sm_s_v4_opts[] = {
    0x46,
    0x00,
    S_BE16(44),
    S_BE16(0x1234),
    0x40,
    0x00,
    64,
    6,
    0x00,
    0x00,
    S_V4_CLIENT,
    S_V4_SERVER,
    0x01,
    0x01,
    0x01,
    0x00, /* NOP NOP NOP EOL */
    S_TCP(50000, 22, 0x11223345, 0x55667789, 5, 0x10),
};

/* 18. Ethernet, outer IPv4 192.0.2.1 -> 192.0.2.2 protocol GRE; GRE with
 *     the key bit, protocol IPv4, key 42; the inner IPv4 TCP ACK. 82 bytes. */
static const uint8_t sm_s_gre_ip[] = {
    S_MACS,         S_BE16(0x0800), S_IPV4_OUTER(68, 47), /* 20 + 8 + 40 */
    S_BE16(0x2000), S_BE16(0x0800),                       /* K bit; IPv4 */
    S_BE32(42),                                           /* key */
    S_V4_ACK_40,
};

/* 19. Ethernet with 802.1Q VID 300 (the mirror's tag), outer IPv4 GRE
 *     with protocol 0x6558 (transparent Ethernet bridging), the inner
 *     untagged Ethernet frame with IPv4 TCP ACK. 96 bytes. */
static const uint8_t sm_s_gre_teb[] = {
    S_MACS,         S_BE16(0x8100),       S_BE16(300),
    S_BE16(0x0800), S_IPV4_OUTER(78, 47), /* 20 + 4 + 14 + 40 */
    S_BE16(0x0000), S_BE16(0x6558),       /* no flags; TEB */
    S_MACS,         S_BE16(0x0800),       /* inner Ethernet */
    S_V4_ACK_40,
};

/* 20. Ethernet, outer IPv4 UDP 12345 -> 4789, VXLAN (I flag, VNI 42),
 *     inner Ethernet, IPv4, TCP ACK. 104 bytes. */
static const uint8_t sm_s_vxlan[] = {
    S_MACS,
    S_BE16(0x0800),
    S_IPV4_OUTER(90, 17), /* 20 + 8 + 8 + 14 + 40 */
    S_BE16(12345),
    S_BE16(4789),
    S_BE16(70),
    S_BE16(0), /* UDP */
    0x08,
    0,
    0,
    0,
    0,
    0,
    42,
    0, /* VXLAN: I, VNI 42 */
    S_MACS,
    S_BE16(0x0800),
    S_V4_ACK_40,
};

/* 20b. Ethernet, outer IPv4 UDP 12345 -> 6081, Geneve (RFC 8926) version 0,
 *      one 8-byte option (experimental class 0xfff0, type 1), protocol
 *      0x6558, VNI 42, inner Ethernet, IPv4, TCP ACK. 112 bytes. */
static const uint8_t sm_s_geneve[] = {
    S_MACS,
    S_BE16(0x0800),
    S_IPV4_OUTER(98, 17), /* 20 + 8 + 16 + 14 + 40 */
    S_BE16(12345),
    S_BE16(6081),
    S_BE16(78),
    S_BE16(0), /* UDP */
    0x02,      /* version 0, OptLen 2 words */
    0x00,      /* no O, no C */
    S_BE16(0x6558),
    0,
    0,
    42,
    0, /* VNI 42 */
    S_BE16(0xfff0),
    0x01,
    0x01,
    S_BE32(0x5eed0001), /* the option: class, type, length 1 word, data */
    S_MACS,
    S_BE16(0x0800),
    S_V4_ACK_40,
};

/* The IPv4 header and first 8 TCP bytes of the client's SYN, as an ICMP
 *  error quotes them. */
#define S_QUOTED_V4_SYN                                                                            \
    S_IPV4(60, 0x1234, 0x4000, 63, 6), S_BE16(50000), S_BE16(22), S_BE32(0x11223344)
#define S_QUOTED_V6_SYN S_IPV6(40, 6), S_BE16(50000), S_BE16(22), S_BE32(0x11223344)

/* 21. Ethernet, IPv4 192.0.2.1 -> client, ICMP destination unreachable,
 *     port unreachable (3/3), quoting the SYN. 70 bytes. */
static const uint8_t sm_s_icmp_unreach[] = {
    S_MACS,
    S_BE16(0x0800),
    S_IPV4_ICMP(56), /* 20 + 8 + 20 + 8 */
    3,
    3,
    0x00,
    0x00,
    S_BE32(0), /* type, code, csum, unused */
    S_QUOTED_V4_SYN,
};

/* 22. The same with fragmentation needed (3/4), next-hop MTU 1400. */
static const uint8_t sm_s_icmp_fragneeded[] = {
    S_MACS,          S_BE16(0x0800), S_IPV4_ICMP(56), 3, 4, 0x00, 0x00,
    S_BE16(0),       S_BE16(1400), /* unused, next-hop MTU */
    S_QUOTED_V4_SYN,
};

/* 23. Raw IPv6 from 2001:db8:1::1, ICMPv6 packet too big, MTU 1280,
 *     quoting the client's SYN. 96 bytes. */
static const uint8_t sm_s_icmp6_ptb[] = {
    0x60,
    0x00,
    0x00,
    0x00,
    S_BE16(56),
    58,
    64,
    S_V6_ROUTER,
    S_V6_CLIENT,
    2,
    0,
    0x00,
    0x00,
    S_BE32(1280), /* type, code, csum, MTU */
    S_QUOTED_V6_SYN,
};

/* 24. Raw IPv6, ICMPv6 destination unreachable, port unreachable (1/4). */
static const uint8_t sm_s_icmp6_unreach[] = {
    0x60, 0x00, 0x00, 0x00,      S_BE16(56),      58, 64, S_V6_ROUTER, S_V6_CLIENT, 1,
    4,    0x00, 0x00, S_BE32(0), S_QUOTED_V6_SYN,
};

/* 25. Ethernet minimum frame: a 40-byte IPv4 ACK and 6 bytes of padding
 *     that are not payload. 60 bytes. */
static const uint8_t sm_s_eth_padded[] = {
    S_MACS, S_BE16(0x0800), S_V4_ACK_40, 0, 0, 0, 0, 0, 0, /* Ethernet padding */
};

/* clang-format on */

#endif
