/* SPDX-License-Identifier: MIT */
/* summary: unit tests of the decoder on hand-built frames (samples.h): every
 * link type, VLAN stacks, IPv4/IPv6 with options, extension headers and
 * fragments, tunnels, TCP options and ICMP errors; then hostile input: every
 * truncation and every bit flip of every sample, and lying length fields. */
#include "config.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "decode.h"
#include "samples.h"
#include "unit.h"

_Static_assert(sizeof(sm_s_eth_syn) == 74, "sample length");
_Static_assert(sizeof(sm_s_eth_data) == 97, "sample length");
_Static_assert(sizeof(sm_s_vlan) == 58, "sample length");
_Static_assert(sizeof(sm_s_qinq) == 62, "sample length");
_Static_assert(sizeof(sm_s_sll) == 56, "sample length");
_Static_assert(sizeof(sm_s_sll2_v6) == 80, "sample length");
_Static_assert(sizeof(sm_s_raw_v4) == 40, "sample length");
_Static_assert(sizeof(sm_s_raw_v6) == 64, "sample length");
_Static_assert(sizeof(sm_s_nflog) == 64, "sample length");
_Static_assert(sizeof(sm_s_v6_ext) == 84, "sample length");
_Static_assert(sizeof(sm_s_v6_frag_first) == 76, "sample length");
_Static_assert(sizeof(sm_s_v6_frag_later) == 64, "sample length");
_Static_assert(sizeof(sm_s_v4_frag_first) == 48, "sample length");
_Static_assert(sizeof(sm_s_v4_frag_later) == 36, "sample length");
_Static_assert(sizeof(sm_s_v4_opts) == 44, "sample length");
_Static_assert(sizeof(sm_s_gre_ip) == 82, "sample length");
_Static_assert(sizeof(sm_s_gre_teb) == 96, "sample length");
_Static_assert(sizeof(sm_s_vxlan) == 104, "sample length");
_Static_assert(sizeof(sm_s_geneve) == 112, "sample length");
_Static_assert(sizeof(sm_s_icmp_unreach) == 70, "sample length");
_Static_assert(sizeof(sm_s_icmp6_ptb) == 96, "sample length");
_Static_assert(sizeof(sm_s_eth_padded) == 60, "sample length");

static const uint8_t sm_t_client4[4] = { S_V4_CLIENT };
static const uint8_t sm_t_server4[4] = { S_V4_SERVER };
static const uint8_t sm_t_router4[4] = { S_V4_ROUTER };
static const uint8_t sm_t_client6[16] = { S_V6_CLIENT };
static const uint8_t sm_t_server6[16] = { S_V6_SERVER };

struct sm_t_sample {
    const char *name;
    int dlt;
    const uint8_t *data;
    size_t len;
    enum sm_pkt_kind kind;
};

#define SM_SAMPLE(arr, dlt, kind)                                                                  \
    {                                                                                              \
#arr, (dlt), (arr), sizeof(arr), (kind)                                                    \
    }

static const struct sm_t_sample sm_t_samples[] = {
    SM_SAMPLE(sm_s_eth_syn, DLT_EN10MB, SM_PKT_TCP),
    SM_SAMPLE(sm_s_eth_data, DLT_EN10MB, SM_PKT_TCP),
    SM_SAMPLE(sm_s_vlan, DLT_EN10MB, SM_PKT_TCP),
    SM_SAMPLE(sm_s_qinq, DLT_EN10MB, SM_PKT_TCP),
    SM_SAMPLE(sm_s_sll, DLT_LINUX_SLL, SM_PKT_TCP),
    SM_SAMPLE(sm_s_sll2_v6, DLT_LINUX_SLL2, SM_PKT_TCP),
    SM_SAMPLE(sm_s_raw_v4, DLT_RAW, SM_PKT_TCP),
    SM_SAMPLE(sm_s_raw_v4, DLT_IPV4, SM_PKT_TCP),
    SM_SAMPLE(sm_s_raw_v6, DLT_RAW, SM_PKT_TCP),
    SM_SAMPLE(sm_s_raw_v6, DLT_IPV6, SM_PKT_TCP),
    SM_SAMPLE(sm_s_null_v4, DLT_NULL, SM_PKT_TCP),
    SM_SAMPLE(sm_s_loop_v4, DLT_LOOP, SM_PKT_TCP),
    SM_SAMPLE(sm_s_nflog, DLT_NFLOG, SM_PKT_TCP),
    SM_SAMPLE(sm_s_v6_ext, DLT_RAW, SM_PKT_TCP),
    SM_SAMPLE(sm_s_v6_frag_first, DLT_RAW, SM_PKT_TCP),
    SM_SAMPLE(sm_s_v6_frag_later, DLT_RAW, SM_PKT_OTHER),
    SM_SAMPLE(sm_s_v4_frag_first, DLT_RAW, SM_PKT_TCP),
    SM_SAMPLE(sm_s_v4_frag_later, DLT_RAW, SM_PKT_OTHER),
    SM_SAMPLE(sm_s_v4_opts, DLT_RAW, SM_PKT_TCP),
    SM_SAMPLE(sm_s_gre_ip, DLT_EN10MB, SM_PKT_TCP),
    SM_SAMPLE(sm_s_gre_teb, DLT_EN10MB, SM_PKT_TCP),
    SM_SAMPLE(sm_s_vxlan, DLT_EN10MB, SM_PKT_TCP),
    SM_SAMPLE(sm_s_geneve, DLT_EN10MB, SM_PKT_TCP),
    SM_SAMPLE(sm_s_icmp_unreach, DLT_EN10MB, SM_PKT_ICMP_ERR),
    SM_SAMPLE(sm_s_icmp_fragneeded, DLT_EN10MB, SM_PKT_ICMP_ERR),
    SM_SAMPLE(sm_s_icmp6_ptb, DLT_RAW, SM_PKT_ICMP_ERR),
    SM_SAMPLE(sm_s_icmp6_unreach, DLT_RAW, SM_PKT_ICMP_ERR),
    SM_SAMPLE(sm_s_eth_padded, DLT_EN10MB, SM_PKT_TCP),
};

/* Decodes a copy of data[0..cap) in an exactly-sized heap buffer, so that
 * any read past the capture is caught by ASan or valgrind. The wire length
 * is wire (the length before a snaplen cut). The copy is returned in *copy
 * because the packet borrows it; the caller frees it. */
static enum sm_pkt_kind sm_t_decode_copy(struct sm_pkt *pkt, struct sm_decode_stats *st, int dlt,
                                         const uint8_t *data, size_t cap, size_t wire,
                                         uint8_t **copy)
{
    uint8_t *buf = malloc(cap ? cap : 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    if (cap)
        memcpy(buf, data, cap);
    memset(st, 0, sizeof(*st));
    *copy = buf;
    return sm_decode(pkt, dlt, buf, (uint32_t)cap, (uint32_t)wire, 1000000, st);
}

/* Decodes a static sample in place. */
static enum sm_pkt_kind sm_t_decode(struct sm_pkt *pkt, struct sm_decode_stats *st, int dlt,
                                    const uint8_t *data, size_t len)
{
    memset(st, 0, sizeof(*st));
    return sm_decode(pkt, dlt, data, (uint32_t)len, (uint32_t)len, 1000000, st);
}

/* The invariants every decode must keep whatever the input: the payload
 * view lies inside the captured bytes, counts agree with each other. */
static void sm_t_check_invariants(const struct sm_pkt *p, const struct sm_decode_stats *st,
                                  const uint8_t *buf, size_t cap)
{
    CU_ASSERT_EQUAL(st->packets, 1);
    CU_ASSERT_TRUE(p->vlan_count <= SM_MAX_VLANS);
    CU_ASSERT_TRUE(p->tunnel_depth <= SM_MAX_TUNNEL_DEPTH);
    CU_ASSERT_EQUAL(st->tcp, p->kind == SM_PKT_TCP ? 1 : 0);
    CU_ASSERT_EQUAL(st->icmp_errors, p->kind == SM_PKT_ICMP_ERR ? 1 : 0);
    if (p->kind == SM_PKT_TCP) {
        CU_ASSERT_TRUE(p->payload_cap <= p->payload_len);
        CU_ASSERT_TRUE(p->payload_cap <= cap);
        if (p->payload_cap > 0) {
            CU_ASSERT_PTR_NOT_NULL_FATAL(p->payload);
            CU_ASSERT_TRUE(p->payload >= buf);
            CU_ASSERT_TRUE((size_t)(p->payload - buf) + p->payload_cap <= cap);
            /* Touch every byte vouched for (ASan/valgrind catch the rest). */
            volatile uint8_t sum = 0;
            for (uint32_t i = 0; i < p->payload_cap; i++)
                sum ^= p->payload[i];
            (void)sum;
        } else {
            CU_ASSERT_PTR_NULL(p->payload);
        }
        CU_ASSERT_TRUE(p->ip_version == 4 || p->ip_version == 6);
    }
}

static void test_decode_link_supported(void)
{
    static const int yes[] = { DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW,  DLT_IPV4,
                               DLT_IPV6,   DLT_NULL,      DLT_LOOP,       DLT_NFLOG };
    for (size_t i = 0; i < SM_NELEM(yes); i++)
        CU_ASSERT_TRUE(sm_decode_link_supported(yes[i]));
    CU_ASSERT_FALSE(sm_decode_link_supported(DLT_IEEE802_11));
    CU_ASSERT_FALSE(sm_decode_link_supported(DLT_PPP));
    CU_ASSERT_FALSE(sm_decode_link_supported(-1));

    /* An unsupported link type decodes to OTHER and counts as other. */
    struct sm_pkt p;
    struct sm_decode_stats st;
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_PPP, sm_s_raw_v4, sizeof(sm_s_raw_v4)), SM_PKT_OTHER);
    CU_ASSERT_EQUAL(st.other, 1);
    CU_ASSERT_EQUAL(st.packets, 1);
}

static void test_decode_eth_syn_options(void)
{
    struct sm_pkt p;
    struct sm_decode_stats st;

    memset(&p, 0x5a, sizeof(p)); /* the decoder must reset every field */
    CU_ASSERT_EQUAL_FATAL(sm_t_decode(&p, &st, DLT_EN10MB, sm_s_eth_syn, sizeof(sm_s_eth_syn)),
                          SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.kind, SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.ts_us, 1000000);
    CU_ASSERT_EQUAL(p.cap_len, 74);
    CU_ASSERT_EQUAL(p.wire_len, 74);
    CU_ASSERT_FALSE(p.truncated);
    CU_ASSERT_EQUAL(p.ifindex, -1);
    CU_ASSERT_EQUAL(p.pkttype, -1);
    CU_ASSERT_EQUAL(p.vlan_count, 0);
    CU_ASSERT_EQUAL(p.tunnel_depth, 0);
    CU_ASSERT_EQUAL(p.ip_version, 4);
    CU_ASSERT_EQUAL(memcmp(p.src.b, sm_t_client4, 4), 0);
    CU_ASSERT_EQUAL(memcmp(p.dst.b, sm_t_server4, 4), 0);
    static const uint8_t zero[12] = { 0 };
    CU_ASSERT_EQUAL(memcmp(p.src.b + 4, zero, 12), 0); /* IPv4: the rest is zero */
    CU_ASSERT_EQUAL(memcmp(p.dst.b + 4, zero, 12), 0);
    CU_ASSERT_EQUAL(p.ttl, 64);
    CU_ASSERT_EQUAL(p.ip_id, 0x1234);
    CU_ASSERT_EQUAL(p.ip_len, 60);
    CU_ASSERT_FALSE(p.fragment);
    CU_ASSERT_EQUAL(p.sport, 50000);
    CU_ASSERT_EQUAL(p.dport, 22);
    CU_ASSERT_EQUAL(p.seq, 0x11223344u);
    CU_ASSERT_EQUAL(p.ack, 0);
    CU_ASSERT_EQUAL(p.flags, SM_TH_SYN);
    CU_ASSERT_EQUAL(p.win, 0xfaf0);
    CU_ASSERT_EQUAL(p.tcp_csum, 0xbeef);
    CU_ASSERT_EQUAL(p.payload_len, 0);
    CU_ASSERT_EQUAL(p.payload_cap, 0);
    CU_ASSERT_PTR_NULL(p.payload);
    CU_ASSERT_EQUAL(p.mss, 1460);
    CU_ASSERT_EQUAL(p.wscale, 7);
    CU_ASSERT_TRUE(p.sack_perm);
    CU_ASSERT_EQUAL(p.sack_blocks, 0);
    CU_ASSERT_TRUE(p.has_ts);
    CU_ASSERT_EQUAL(p.tsval, 0x01020304u);
    CU_ASSERT_EQUAL(p.tsecr, 0);
    CU_ASSERT_FALSE(p.bad_options);
    CU_ASSERT_EQUAL(p.icmp_class, SM_ICMP_NONE);
    CU_ASSERT_EQUAL(st.packets, 1);
    CU_ASSERT_EQUAL(st.tcp, 1);
    CU_ASSERT_EQUAL(st.truncated + st.malformed + st.other + st.fragments + st.tunneled, 0);
}

static void test_decode_eth_data_sack_ts(void)
{
    struct sm_pkt p;
    struct sm_decode_stats st;

    CU_ASSERT_EQUAL_FATAL(sm_t_decode(&p, &st, DLT_EN10MB, sm_s_eth_data, sizeof(sm_s_eth_data)),
                          SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.flags, SM_TH_ACK | SM_TH_PSH);
    CU_ASSERT_EQUAL(p.ack, 0x55667789u);
    CU_ASSERT_EQUAL(p.ip_len, 83);
    CU_ASSERT_EQUAL(p.sack_blocks, 2);
    CU_ASSERT_TRUE(p.has_ts);
    CU_ASSERT_EQUAL(p.tsval, 0x01020305u);
    CU_ASSERT_EQUAL(p.tsecr, 0x0a0b0c0du);
    CU_ASSERT_EQUAL(p.mss, 0);
    CU_ASSERT_EQUAL(p.wscale, -1);
    CU_ASSERT_FALSE(p.sack_perm);
    CU_ASSERT_FALSE(p.bad_options);
    CU_ASSERT_EQUAL(p.payload_len, 11);
    CU_ASSERT_EQUAL(p.payload_cap, 11);
    CU_ASSERT_PTR_EQUAL(p.payload, sm_s_eth_data + 86);
    CU_ASSERT_NSTRING_EQUAL(p.payload, "SSH-2.0-x\r\n", 11);
    CU_ASSERT_FALSE(p.truncated);
}

static void test_decode_vlan(void)
{
    struct sm_pkt p;
    struct sm_decode_stats st;

    CU_ASSERT_EQUAL_FATAL(sm_t_decode(&p, &st, DLT_EN10MB, sm_s_vlan, sizeof(sm_s_vlan)),
                          SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.vlan_count, 1);
    CU_ASSERT_EQUAL(p.vlan[0], 100); /* PCP bits masked off */
    CU_ASSERT_EQUAL(p.sport, 50000);
    CU_ASSERT_EQUAL(p.ip_len, 40);

    CU_ASSERT_EQUAL_FATAL(sm_t_decode(&p, &st, DLT_EN10MB, sm_s_qinq, sizeof(sm_s_qinq)),
                          SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.vlan_count, 2);
    CU_ASSERT_EQUAL(p.vlan[0], 200); /* outer first; DEI masked off */
    CU_ASSERT_EQUAL(p.vlan[1], 100);
    CU_ASSERT_EQUAL(p.dport, 22);

    /* The pre-standard 0x9100 outer tag is a VLAN tag too. */
    uint8_t f[sizeof(sm_s_qinq)];
    memcpy(f, sm_s_qinq, sizeof(f));
    f[12] = 0x91;
    f[13] = 0x00;
    CU_ASSERT_EQUAL_FATAL(sm_t_decode(&p, &st, DLT_EN10MB, f, sizeof(f)), SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.vlan_count, 2);
    CU_ASSERT_EQUAL(p.vlan[0], 200);
}

static void test_decode_vlan_depth(void)
{
    /* Three tags: decoded, only the outer two kept. */
    uint8_t f[64 + 40];
    size_t n = 12;
    struct sm_pkt p;
    struct sm_decode_stats st;

    memcpy(f, sm_s_vlan, 12);
    for (unsigned i = 0; i < 3; i++) {
        f[n++] = 0x81;
        f[n++] = 0x00;
        f[n++] = 0x00;
        f[n++] = (uint8_t)(10 + i); /* VIDs 10, 11, 12 */
    }
    f[n++] = 0x08;
    f[n++] = 0x00;
    memcpy(f + n, sm_s_raw_v4, 40);
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_EN10MB, f, n + 40), SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.vlan_count, 2);
    CU_ASSERT_EQUAL(p.vlan[0], 10);
    CU_ASSERT_EQUAL(p.vlan[1], 11);

    /* More than SM_MAX_VLAN_DEPTH tags: hostile. */
    n = 12;
    for (unsigned i = 0; i < SM_MAX_VLAN_DEPTH + 1; i++) {
        f[n++] = 0x81;
        f[n++] = 0x00;
        f[n++] = 0x00;
        f[n++] = 1;
    }
    f[n++] = 0x08;
    f[n++] = 0x00;
    CU_ASSERT_FATAL(n + 40 <= sizeof(f));
    memcpy(f + n, sm_s_raw_v4, 40);
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_EN10MB, f, n + 40), SM_PKT_OTHER);
    CU_ASSERT_EQUAL(st.malformed, 1);
}

static void test_decode_ethernet_not_ip(void)
{
    struct sm_pkt p;
    struct sm_decode_stats st;
    uint8_t f[sizeof(sm_s_eth_syn)];

    /* An 802.3 length field (LLC): not IP. */
    memcpy(f, sm_s_eth_syn, sizeof(f));
    f[12] = 0x00;
    f[13] = 0x3c;
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_EN10MB, f, sizeof(f)), SM_PKT_OTHER);
    CU_ASSERT_EQUAL(st.other, 1);
    /* ARP. */
    f[12] = 0x08;
    f[13] = 0x06;
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_EN10MB, f, sizeof(f)), SM_PKT_OTHER);
    CU_ASSERT_EQUAL(st.other, 1);
    CU_ASSERT_FALSE(p.truncated);
}

static void test_decode_sll(void)
{
    struct sm_pkt p;
    struct sm_decode_stats st;

    CU_ASSERT_EQUAL_FATAL(sm_t_decode(&p, &st, DLT_LINUX_SLL, sm_s_sll, sizeof(sm_s_sll)),
                          SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.pkttype, 4);
    CU_ASSERT_EQUAL(p.ifindex, -1);
    CU_ASSERT_EQUAL(p.ip_version, 4);
    CU_ASSERT_EQUAL(p.sport, 50000);
    CU_ASSERT_EQUAL(p.seq, 0x11223345u);
}

static void test_decode_sll2(void)
{
    struct sm_pkt p;
    struct sm_decode_stats st;

    CU_ASSERT_EQUAL_FATAL(sm_t_decode(&p, &st, DLT_LINUX_SLL2, sm_s_sll2_v6, sizeof(sm_s_sll2_v6)),
                          SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.ifindex, 7);
    CU_ASSERT_EQUAL(p.pkttype, 0);
    CU_ASSERT_EQUAL(p.ip_version, 6);
    CU_ASSERT_EQUAL(memcmp(p.src.b, sm_t_client6, 16), 0);
    CU_ASSERT_EQUAL(memcmp(p.dst.b, sm_t_server6, 16), 0);
    CU_ASSERT_EQUAL(p.flags, SM_TH_SYN | SM_TH_ACK);
    CU_ASSERT_EQUAL(p.ttl, 64);
    CU_ASSERT_EQUAL(p.ip_id, 0);
    CU_ASSERT_EQUAL(p.ip_len, 60);
    CU_ASSERT_EQUAL(p.ack, 0x01000000u);

    /* Cut inside the SLL2 header: both link facts stay unknown. */
    uint8_t *copy;
    CU_ASSERT_EQUAL(sm_t_decode_copy(&p, &st, DLT_LINUX_SLL2, sm_s_sll2_v6, 12, 80, &copy),
                    SM_PKT_OTHER);
    CU_ASSERT_EQUAL(p.ifindex, -1);
    CU_ASSERT_EQUAL(p.pkttype, -1);
    CU_ASSERT_TRUE(p.truncated);
    free(copy);
}

static void test_decode_raw(void)
{
    struct sm_pkt p;
    struct sm_decode_stats st;
    static const int v4dlt[] = { DLT_RAW, DLT_IPV4 };
    static const int v6dlt[] = { DLT_RAW, DLT_IPV6 };

    for (size_t i = 0; i < SM_NELEM(v4dlt); i++) {
        CU_ASSERT_EQUAL(sm_t_decode(&p, &st, v4dlt[i], sm_s_raw_v4, sizeof(sm_s_raw_v4)),
                        SM_PKT_TCP);
        CU_ASSERT_EQUAL(p.ip_version, 4);
        CU_ASSERT_EQUAL(p.flags, SM_TH_ACK);
    }
    for (size_t i = 0; i < SM_NELEM(v6dlt); i++) {
        CU_ASSERT_EQUAL(sm_t_decode(&p, &st, v6dlt[i], sm_s_raw_v6, sizeof(sm_s_raw_v6)),
                        SM_PKT_TCP);
        CU_ASSERT_EQUAL(p.ip_version, 6);
        CU_ASSERT_EQUAL(p.payload_len, 4);
        CU_ASSERT_EQUAL(p.payload_cap, 4);
        CU_ASSERT_NSTRING_EQUAL(p.payload, "abcd", 4);
    }
    /* Version nibble 5: not IP. */
    uint8_t f[sizeof(sm_s_raw_v4)];
    memcpy(f, sm_s_raw_v4, sizeof(f));
    f[0] = 0x55;
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_RAW, f, sizeof(f)), SM_PKT_OTHER);
    CU_ASSERT_EQUAL(st.malformed, 1);
}

/* Builds a 4-byte BSD loopback header (value af, as raw bytes b0..b3) in
 * front of body. */
static size_t sm_t_null_frame(uint8_t *out, uint32_t af_bytes_native, const uint8_t *body,
                              size_t len)
{
    memcpy(out, &af_bytes_native, 4);
    memcpy(out + 4, body, len);
    return len + 4;
}

static void test_decode_null_loop(void)
{
    struct sm_pkt p;
    struct sm_decode_stats st;
    uint8_t f[4 + 64];
    size_t n;

    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_NULL, sm_s_null_v4, sizeof(sm_s_null_v4)), SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.ip_version, 4);
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_LOOP, sm_s_loop_v4, sizeof(sm_s_loop_v4)), SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.ip_version, 4);

    /* IPv6 families of Linux, NetBSD/OpenBSD, FreeBSD and macOS, in host
     * order and byte-swapped (a capture from the other byte order). */
    static const uint32_t v6af[] = { 10, 24, 28, 30 };
    for (size_t i = 0; i < SM_NELEM(v6af); i++) {
        n = sm_t_null_frame(f, v6af[i], sm_s_raw_v6, sizeof(sm_s_raw_v6));
        CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_NULL, f, n), SM_PKT_TCP);
        CU_ASSERT_EQUAL(p.ip_version, 6);
        n = sm_t_null_frame(f, __builtin_bswap32(v6af[i]), sm_s_raw_v6, sizeof(sm_s_raw_v6));
        CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_NULL, f, n), SM_PKT_TCP);
        CU_ASSERT_EQUAL(p.ip_version, 6);
        /* DLT_LOOP: network order. */
        uint32_t be = __builtin_bswap32(1) == 1 ? v6af[i] : __builtin_bswap32(v6af[i]);
        n = sm_t_null_frame(f, be, sm_s_raw_v6, sizeof(sm_s_raw_v6));
        CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_LOOP, f, n), SM_PKT_TCP);
        CU_ASSERT_EQUAL(p.ip_version, 6);
    }
    /* AF 2 byte-swapped. */
    n = sm_t_null_frame(f, __builtin_bswap32(2), sm_s_raw_v4, sizeof(sm_s_raw_v4));
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_NULL, f, n), SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.ip_version, 4);
    /* An unknown family (AF_APPLETALK 16): not ours. */
    n = sm_t_null_frame(f, 16, sm_s_raw_v4, sizeof(sm_s_raw_v4));
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_NULL, f, n), SM_PKT_OTHER);
    CU_ASSERT_EQUAL(st.other, 1);
}

static void test_decode_nflog(void)
{
    struct sm_pkt p;
    struct sm_decode_stats st;
    uint8_t f[sizeof(sm_s_nflog) + 24];

    CU_ASSERT_EQUAL_FATAL(sm_t_decode(&p, &st, DLT_NFLOG, sm_s_nflog, sizeof(sm_s_nflog)),
                          SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.ip_version, 4);
    CU_ASSERT_EQUAL(memcmp(p.src.b, sm_t_client4, 4), 0);
    CU_ASSERT_EQUAL(p.sport, 50000);
    CU_ASSERT_EQUAL(p.dport, 22);

    /* Family AF_UNSPEC: the version nibble decides. */
    memcpy(f, sm_s_nflog, sizeof(sm_s_nflog));
    f[0] = 0;
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_NFLOG, f, sizeof(sm_s_nflog)), SM_PKT_TCP);

    /* AF_INET6 with an IPv6 payload TLV. */
    static const uint8_t v6[] = { 10, 0, S_BE16(1), S_HE16(4 + sizeof(sm_s_raw_v6)), S_HE16(9) };
    memcpy(f, v6, sizeof(v6));
    memcpy(f + sizeof(v6), sm_s_raw_v6, sizeof(sm_s_raw_v6));
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_NFLOG, f, sizeof(v6) + sizeof(sm_s_raw_v6)),
                    SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.ip_version, 6);
    CU_ASSERT_EQUAL(p.payload_len, 4);

    /* No payload TLV at all: other, not truncated. */
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_NFLOG, sm_s_nflog, 20), SM_PKT_OTHER);
    CU_ASSERT_EQUAL(st.other, 1);
    CU_ASSERT_FALSE(p.truncated);

    /* A TLV length below its own header (0 and 3) must not loop. */
    static const uint16_t bad_len[] = { 0, 3 };
    for (size_t i = 0; i < SM_NELEM(bad_len); i++) {
        memcpy(f, sm_s_nflog, sizeof(sm_s_nflog));
        memcpy(f + 4, &bad_len[i], 2);
        CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_NFLOG, f, sizeof(sm_s_nflog)), SM_PKT_OTHER);
        CU_ASSERT_EQUAL(st.malformed, 1);
    }

    /* A TLV claiming more than the capture holds: truncated. */
    memcpy(f, sm_s_nflog, sizeof(sm_s_nflog));
    uint16_t big = 4000;
    memcpy(f + 4, &big, 2);
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_NFLOG, f, sizeof(sm_s_nflog)), SM_PKT_OTHER);
    CU_ASSERT_TRUE(p.truncated);
    CU_ASSERT_EQUAL(st.truncated, 1);
}

/* Appends one NFLOG TLV (length and type in host order, value as given,
 * padded to 4 bytes) at f + *n. */
static void sm_t_tlv(uint8_t *f, size_t *n, uint16_t type, const void *v, uint16_t vlen)
{
    uint16_t len = (uint16_t)(4 + vlen);
    memcpy(f + *n, &len, 2);
    memcpy(f + *n + 2, &type, 2);
    if (vlen)
        memcpy(f + *n + 4, v, vlen);
    *n += ((size_t)len + 3) & ~(size_t)3;
}

/* The logging rule's facts: hook, interfaces and prefix reach the packet;
 * hostile values (too short, no NUL, too long, empty) are never read past
 * and never stop the payload from being decoded. */
static void test_decode_nflog_attrs(void)
{
    struct sm_pkt p;
    struct sm_decode_stats st;
    uint8_t f[512];
    size_t n;
    static const uint8_t ip[] = { S_V4_ACK_40 };
    static const uint8_t hdr[] = { S_BE16(0x0800), 1, 0 }; /* NF_INET_LOCAL_IN */
    static const uint8_t in[] = { S_BE32(2) }, out[] = { S_BE32(3) };

    /* The sample: prefix "ab", hook 3 (output), no interfaces. */
    CU_ASSERT_EQUAL_FATAL(sm_t_decode(&p, &st, DLT_NFLOG, sm_s_nflog, sizeof(sm_s_nflog)),
                          SM_PKT_TCP);
    CU_ASSERT_TRUE(p.nflog);
    CU_ASSERT_EQUAL(p.nf_hook, 3);
    CU_ASSERT_EQUAL_FATAL(p.nf_prefix_len, 2);
    CU_ASSERT_EQUAL(memcmp(p.nf_prefix, "ab", 2), 0);
    CU_ASSERT_EQUAL(p.nf_indev, 0);

    /* Other link types never say nflog. */
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_RAW, ip, sizeof(ip)), SM_PKT_TCP);
    CU_ASSERT_FALSE(p.nflog);
    CU_ASSERT_EQUAL(p.nf_prefix_len, 0);

    /* Interfaces, and a 100-byte prefix without a NUL: cut at
     * SM_NF_PREFIX_MAX. */
    char longp[100];
    memset(longp, 'x', sizeof(longp));
    n = 4;
    f[0] = 2, f[1] = 0, f[2] = 0, f[3] = 5;
    sm_t_tlv(f, &n, 1, hdr, sizeof(hdr));
    sm_t_tlv(f, &n, 4, in, sizeof(in));
    sm_t_tlv(f, &n, 5, out, sizeof(out));
    sm_t_tlv(f, &n, 10, longp, sizeof(longp));
    sm_t_tlv(f, &n, 9, ip, sizeof(ip));
    CU_ASSERT_EQUAL_FATAL(sm_t_decode(&p, &st, DLT_NFLOG, f, n), SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.nf_hook, 1);
    CU_ASSERT_EQUAL(p.nf_indev, 2);
    CU_ASSERT_EQUAL(p.nf_outdev, 3);
    CU_ASSERT_EQUAL(p.nf_prefix_len, SM_NF_PREFIX_MAX);
    CU_ASSERT_EQUAL(st.malformed, 0);

    /* Zero-length and too-short values: ignored and counted malformed
     * (the prefix is a string: empty is simply none), the payload still
     * decodes. */
    n = 4;
    sm_t_tlv(f, &n, 1, NULL, 0);
    sm_t_tlv(f, &n, 4, in, 2);
    sm_t_tlv(f, &n, 5, NULL, 0);
    sm_t_tlv(f, &n, 10, NULL, 0);
    sm_t_tlv(f, &n, 9, ip, sizeof(ip));
    CU_ASSERT_EQUAL_FATAL(sm_t_decode(&p, &st, DLT_NFLOG, f, n), SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.nf_hook, SM_NF_HOOK_NONE);
    CU_ASSERT_EQUAL(p.nf_indev, 0);
    CU_ASSERT_EQUAL(p.nf_outdev, 0);
    CU_ASSERT_EQUAL(p.nf_prefix_len, 0);
    CU_ASSERT_PTR_NULL(p.nf_prefix);
    CU_ASSERT_EQUAL(st.malformed, 3);

    /* A prefix that starts with its NUL is none; one with bytes after the
     * NUL ends at it. */
    n = 4;
    sm_t_tlv(f, &n, 10, "\0evil", 6);
    sm_t_tlv(f, &n, 9, ip, sizeof(ip));
    CU_ASSERT_EQUAL_FATAL(sm_t_decode(&p, &st, DLT_NFLOG, f, n), SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.nf_prefix_len, 0);
    n = 4;
    sm_t_tlv(f, &n, 10, "ban\0junk", 8);
    sm_t_tlv(f, &n, 9, ip, sizeof(ip));
    CU_ASSERT_EQUAL_FATAL(sm_t_decode(&p, &st, DLT_NFLOG, f, n), SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.nf_prefix_len, 3);

    /* The capture cut inside the prefix value: truncated, and nothing of
     * the cut value is kept. */
    n = 4;
    sm_t_tlv(f, &n, 10, longp, sizeof(longp));
    for (size_t cut = 9; cut < n; cut += 7) {
        uint8_t *copy;
        CU_ASSERT_EQUAL(sm_t_decode_copy(&p, &st, DLT_NFLOG, f, cut, n, &copy), SM_PKT_OTHER);
        CU_ASSERT_TRUE(p.truncated);
        CU_ASSERT_EQUAL(p.nf_prefix_len, 0);
        free(copy);
    }
}

/* Regression (fixed; src/decode_link.c sm_decode_nflog): when the
 * capture ends inside a TLV header (1 to 3 bytes left), the loop stops on
 * "left >= 4" with the cursor still OK and the frame is counted as "other"
 * instead of "truncated". TLVs are padded to 4 bytes, so leftover bytes can
 * only mean a cut.  */
static void test_decode_nflog_cut_tlv_header(void)
{
    /* Offsets 4, 12 and 20 start the three TLV headers of sm_s_nflog. */
    static const size_t tlv_start[] = { 4, 12, 20 };

    for (size_t i = 0; i < SM_NELEM(tlv_start); i++) {
        for (size_t part = 1; part < 4; part++) {
            struct sm_pkt p;
            struct sm_decode_stats st;
            uint8_t *copy;
            size_t cut = tlv_start[i] + part;
            CU_ASSERT_EQUAL(sm_t_decode_copy(&p, &st, DLT_NFLOG, sm_s_nflog, cut,
                                             sizeof(sm_s_nflog), &copy),
                            SM_PKT_OTHER);
            CU_ASSERT_TRUE(p.truncated);
            CU_ASSERT_EQUAL(st.truncated, 1);
            CU_ASSERT_EQUAL(st.other, 0);
            free(copy);
        }
    }
}

static void test_decode_ipv6_ext_headers(void)
{
    struct sm_pkt p;
    struct sm_decode_stats st;

    CU_ASSERT_EQUAL_FATAL(sm_t_decode(&p, &st, DLT_RAW, sm_s_v6_ext, sizeof(sm_s_v6_ext)),
                          SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.ip_version, 6);
    CU_ASSERT_EQUAL(p.ip_len, 84);
    CU_ASSERT_EQUAL(p.sport, 50000);
    CU_ASSERT_EQUAL(p.dport, 22);
    CU_ASSERT_EQUAL(p.seq, 0x11223345u);
    CU_ASSERT_EQUAL(p.payload_len, 0);
    CU_ASSERT_FALSE(p.fragment);
    CU_ASSERT_FALSE(p.truncated);

    /* An extension header longer than the payload length: not TCP. */
    uint8_t f[sizeof(sm_s_v6_ext)];
    memcpy(f, sm_s_v6_ext, sizeof(f));
    f[41] = 20; /* hop-by-hop length 168 bytes */
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_RAW, f, sizeof(f)), SM_PKT_OTHER);
    CU_ASSERT_EQUAL(st.tcp, 0);

    /* More extension headers than SM_MAX_IPV6_EXT_HEADERS: hostile. */
    size_t nh = SM_MAX_IPV6_EXT_HEADERS + 1;
    size_t len = 40 + nh * 8 + 20;
    uint8_t *g = calloc(1, len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    memcpy(g, sm_s_raw_v6, 40);
    g[4] = (uint8_t)((len - 40) >> 8);
    g[5] = (uint8_t)(len - 40);
    g[6] = 60; /* destination options, again and again */
    for (size_t i = 0; i < nh; i++)
        g[40 + i * 8] = i + 1 < nh ? 60 : 6;
    memcpy(g + 40 + nh * 8, sm_s_raw_v6 + 40, 20);
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_RAW, g, len), SM_PKT_OTHER);
    CU_ASSERT_EQUAL(st.malformed, 1);
    free(g);
}

static void test_decode_fragments(void)
{
    struct sm_pkt p;
    struct sm_decode_stats st;

    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_RAW, sm_s_v6_frag_first, sizeof(sm_s_v6_frag_first)),
                    SM_PKT_TCP);
    CU_ASSERT_TRUE(p.fragment);
    CU_ASSERT_EQUAL(st.fragments, 1);
    CU_ASSERT_EQUAL(p.sport, 50000);
    CU_ASSERT_EQUAL(p.payload_len, 8);
    CU_ASSERT_EQUAL(p.payload_cap, 8);
    CU_ASSERT_FALSE(p.truncated);

    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_RAW, sm_s_v6_frag_later, sizeof(sm_s_v6_frag_later)),
                    SM_PKT_OTHER);
    CU_ASSERT_TRUE(p.fragment);
    CU_ASSERT_EQUAL(st.fragments, 1);
    CU_ASSERT_EQUAL(p.sport, 0); /* no transport header was read */

    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_RAW, sm_s_v4_frag_first, sizeof(sm_s_v4_frag_first)),
                    SM_PKT_TCP);
    CU_ASSERT_TRUE(p.fragment);
    CU_ASSERT_EQUAL(st.fragments, 1);
    CU_ASSERT_EQUAL(p.ip_id, 0x2222);
    CU_ASSERT_EQUAL(p.payload_len, 8);
    CU_ASSERT_FALSE(p.truncated);

    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_RAW, sm_s_v4_frag_later, sizeof(sm_s_v4_frag_later)),
                    SM_PKT_OTHER);
    CU_ASSERT_TRUE(p.fragment);
    CU_ASSERT_EQUAL(st.fragments, 1);
    CU_ASSERT_EQUAL(p.sport, 0);

    /* DF alone is not a fragment. */
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_RAW, sm_s_raw_v4, sizeof(sm_s_raw_v4)), SM_PKT_TCP);
    CU_ASSERT_FALSE(p.fragment);
    CU_ASSERT_EQUAL(st.fragments, 0);
}

static void test_decode_ipv4_options(void)
{
    struct sm_pkt p;
    struct sm_decode_stats st;

    CU_ASSERT_EQUAL_FATAL(sm_t_decode(&p, &st, DLT_RAW, sm_s_v4_opts, sizeof(sm_s_v4_opts)),
                          SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.ip_len, 44);
    CU_ASSERT_EQUAL(p.sport, 50000);
    CU_ASSERT_EQUAL(p.dport, 22);
    CU_ASSERT_EQUAL(p.seq, 0x11223345u);
    CU_ASSERT_EQUAL(p.payload_len, 0);

    /* IHL 15 (60 bytes) although total is 44: malformed. */
    uint8_t f[sizeof(sm_s_v4_opts)];
    memcpy(f, sm_s_v4_opts, sizeof(f));
    f[0] = 0x4f;
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_RAW, f, sizeof(f)), SM_PKT_OTHER);
    CU_ASSERT_EQUAL(st.malformed, 1);
}

static void test_decode_gre(void)
{
    struct sm_pkt p;
    struct sm_decode_stats st;

    CU_ASSERT_EQUAL_FATAL(sm_t_decode(&p, &st, DLT_EN10MB, sm_s_gre_ip, sizeof(sm_s_gre_ip)),
                          SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.tunnel_depth, 1);
    CU_ASSERT_EQUAL(st.tunneled, 1);
    CU_ASSERT_EQUAL(memcmp(p.src.b, sm_t_client4, 4), 0); /* the inner header */
    CU_ASSERT_EQUAL(memcmp(p.dst.b, sm_t_server4, 4), 0);
    CU_ASSERT_EQUAL(p.ip_len, 40);
    CU_ASSERT_EQUAL(p.sport, 50000);

    CU_ASSERT_EQUAL_FATAL(sm_t_decode(&p, &st, DLT_EN10MB, sm_s_gre_teb, sizeof(sm_s_gre_teb)),
                          SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.tunnel_depth, 1);
    CU_ASSERT_EQUAL(p.vlan_count, 0); /* the mirror's tag is not the flow's */
    CU_ASSERT_EQUAL(memcmp(p.src.b, sm_t_client4, 4), 0);
    CU_ASSERT_EQUAL(p.dport, 22);

    /* GRE version 1 (PPTP): not followed. */
    uint8_t f[sizeof(sm_s_gre_ip)];
    memcpy(f, sm_s_gre_ip, sizeof(f));
    f[35] = 0x01;
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_EN10MB, f, sizeof(f)), SM_PKT_OTHER);
    /* Checksum and sequence bits as well as the key: 12 optional bytes are
     * expected, the frame has 4, so the inner header is misread or short;
     * either way, no TCP from the wrong offset. */
    memcpy(f, sm_s_gre_ip, sizeof(f));
    f[34] = 0xb0;
    CU_ASSERT_NOT_EQUAL(sm_t_decode(&p, &st, DLT_EN10MB, f, sizeof(f)), SM_PKT_TCP);
}

/* Wraps an IPv4 datagram in outer IPv4 + plain GRE (24 bytes). */
static size_t sm_t_gre_wrap(uint8_t *out, const uint8_t *inner, size_t len)
{
    const uint8_t hdr[] = { S_IPV4_OUTER(0, 47), S_BE16(0), S_BE16(0x0800) };
    memmove(out + sizeof(hdr), inner, len);
    memcpy(out, hdr, sizeof(hdr));
    size_t total = sizeof(hdr) + len;
    out[2] = (uint8_t)(total >> 8);
    out[3] = (uint8_t)total;
    return total;
}

static void test_decode_tunnel_depth(void)
{
    uint8_t f[40 + 8 * 24];
    size_t n = sizeof(sm_s_raw_v4);
    struct sm_pkt p;
    struct sm_decode_stats st;

    memcpy(f, sm_s_raw_v4, n);
    for (unsigned depth = 1; depth <= SM_MAX_TUNNEL_DEPTH + 1; depth++) {
        n = sm_t_gre_wrap(f, f, n);
        enum sm_pkt_kind k = sm_t_decode(&p, &st, DLT_RAW, f, n);
        if (depth <= SM_MAX_TUNNEL_DEPTH) {
            CU_ASSERT_EQUAL(k, SM_PKT_TCP);
            CU_ASSERT_EQUAL(p.tunnel_depth, depth);
            CU_ASSERT_EQUAL(st.tunneled, depth);
        } else {
            CU_ASSERT_EQUAL(k, SM_PKT_OTHER);
            CU_ASSERT_EQUAL(st.malformed, 1);
        }
    }
}

static void test_decode_vxlan(void)
{
    struct sm_pkt p;
    struct sm_decode_stats st;
    uint8_t f[sizeof(sm_s_vxlan)];

    CU_ASSERT_EQUAL_FATAL(sm_t_decode(&p, &st, DLT_EN10MB, sm_s_vxlan, sizeof(sm_s_vxlan)),
                          SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.tunnel_depth, 1);
    CU_ASSERT_EQUAL(memcmp(p.src.b, sm_t_client4, 4), 0);
    CU_ASSERT_EQUAL(p.sport, 50000);
    CU_ASSERT_EQUAL(p.dport, 22);

    /* Without the I flag: not VXLAN. */
    memcpy(f, sm_s_vxlan, sizeof(f));
    f[42] = 0x00;
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_EN10MB, f, sizeof(f)), SM_PKT_OTHER);
    /* Another UDP port: not VXLAN. */
    memcpy(f, sm_s_vxlan, sizeof(f));
    f[37] = 0xb6; /* 4790 */
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_EN10MB, f, sizeof(f)), SM_PKT_OTHER);
    CU_ASSERT_EQUAL(st.other, 1);
}

/* Offsets into sm_s_geneve: the UDP header, the Geneve header. */
#define SM_T_GNV_UDP 34
#define SM_T_GNV     42

static void test_decode_geneve(void)
{
    struct sm_pkt p;
    struct sm_decode_stats st;
    uint8_t f[sizeof(sm_s_geneve)];

    CU_ASSERT_EQUAL_FATAL(sm_t_decode(&p, &st, DLT_EN10MB, sm_s_geneve, sizeof(sm_s_geneve)),
                          SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.tunnel_depth, 1);
    CU_ASSERT_EQUAL(st.tunneled, 1);
    CU_ASSERT_EQUAL(memcmp(p.src.b, sm_t_client4, 4), 0);
    CU_ASSERT_EQUAL(p.sport, 50000);
    CU_ASSERT_EQUAL(p.dport, 22);

    /* Without options (OptLen 0, the inner frame moved up 8 bytes). */
    size_t n;
    memcpy(f, sm_s_geneve, SM_T_GNV + 8);
    f[SM_T_GNV] = 0x00;
    memcpy(f + SM_T_GNV + 8, sm_s_geneve + SM_T_GNV + 16, sizeof(f) - SM_T_GNV - 16);
    n = sizeof(f) - 8;
    f[17] = 90;               /* outer IPv4 total length */
    f[SM_T_GNV_UDP + 5] = 70; /* UDP length */
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_EN10MB, f, n), SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.dport, 22);

    /* IPv4 straight inside (protocol 0x0800, as AWS GWLB sends it). */
    memcpy(f, sm_s_geneve, sizeof(f));
    f[SM_T_GNV + 2] = 0x08;
    f[SM_T_GNV + 3] = 0x00;
    memmove(f + SM_T_GNV + 16, f + SM_T_GNV + 16 + 14, sizeof(f) - SM_T_GNV - 16 - 14);
    f[17] = 98 - 14;
    f[SM_T_GNV_UDP + 5] = 78 - 14;
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_EN10MB, f, sizeof(f) - 14), SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.sport, 50000);
    CU_ASSERT_EQUAL(p.tunnel_depth, 1);

    /* An OAM frame: a control message, not followed. */
    memcpy(f, sm_s_geneve, sizeof(f));
    f[SM_T_GNV + 1] = 0x80;
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_EN10MB, f, sizeof(f)), SM_PKT_OTHER);
    CU_ASSERT_EQUAL(st.other, 1);
    /* A critical option (C) is still read: a monitor is no tunnel endpoint. */
    f[SM_T_GNV + 1] = 0x40;
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_EN10MB, f, sizeof(f)), SM_PKT_TCP);
    /* Version 1: not ours to read. */
    memcpy(f, sm_s_geneve, sizeof(f));
    f[SM_T_GNV] = 0x42;
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_EN10MB, f, sizeof(f)), SM_PKT_OTHER);
    CU_ASSERT_EQUAL(st.malformed, 1);
    /* OptLen 63 words (252 bytes), past what the UDP length says was sent:
     * malformed, and nothing beyond the capture is read (ASan would say). */
    memcpy(f, sm_s_geneve, sizeof(f));
    f[SM_T_GNV] = 0x3f;
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_EN10MB, f, sizeof(f)), SM_PKT_OTHER);
    CU_ASSERT_EQUAL(st.malformed, 1);
    CU_ASSERT_FALSE(p.truncated);
    /* Another UDP port: not Geneve. */
    memcpy(f, sm_s_geneve, sizeof(f));
    f[SM_T_GNV_UDP + 3] = 0xc2; /* 6082 */
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_EN10MB, f, sizeof(f)), SM_PKT_OTHER);
    CU_ASSERT_EQUAL(st.other, 1);
    /* Cut by the snaplen inside the Geneve header and inside its options:
     * truncated, never malformed (the lengths that were sent agree). */
    for (size_t cut = SM_T_GNV; cut < SM_T_GNV + 16; cut++) {
        uint8_t *copy = NULL;
        CU_ASSERT_EQUAL(
                sm_t_decode_copy(&p, &st, DLT_EN10MB, sm_s_geneve, cut, sizeof(sm_s_geneve), &copy),
                SM_PKT_OTHER);
        CU_ASSERT_TRUE(p.truncated);
        CU_ASSERT_EQUAL(st.malformed, 0);
        free(copy);
    }
}

/* The header parser alone, on exactly-sized heap copies. */
static enum sm_geneve_result sm_t_geneve(const uint8_t *h, size_t cap, uint32_t udp_len,
                                         struct sm_geneve *g, size_t *left)
{
    uint8_t *buf = malloc(cap ? cap : 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    if (cap)
        memcpy(buf, h, cap);
    struct sm_cur c;
    sm_cur_init(&c, buf, cap, false);
    enum sm_geneve_result r = sm_geneve_parse(&c, udp_len, g);
    *left = sm_cur_ok(&c) ? sm_cur_left(&c) : 0;
    free(buf);
    return r;
}

static void test_geneve_parse(void)
{
    const uint8_t *h = sm_s_geneve + SM_T_GNV;
    const size_t hl = sizeof(sm_s_geneve) - SM_T_GNV; /* header, option, frame */
    struct sm_geneve g;
    size_t left;

    CU_ASSERT_EQUAL(sm_t_geneve(h, hl, (uint32_t)hl, &g, &left), SM_GENEVE_OK);
    CU_ASSERT_EQUAL(g.opt_len, 8);
    CU_ASSERT_EQUAL(g.proto, 0x6558);
    CU_ASSERT_EQUAL(g.vni, 42);
    CU_ASSERT_FALSE(g.oam);
    CU_ASSERT_FALSE(g.critical);
    CU_ASSERT_EQUAL(left, hl - 16);
    /* Zero-length input: truncated when something was sent, a lie when the
     * UDP length itself leaves no room for the header. */
    CU_ASSERT_EQUAL(sm_t_geneve(h, 0, (uint32_t)hl, &g, &left), SM_GENEVE_TRUNCATED);
    CU_ASSERT_EQUAL(sm_t_geneve(h, 0, 0, &g, &left), SM_GENEVE_BAD);
    CU_ASSERT_EQUAL(sm_t_geneve(h, 7, 7, &g, &left), SM_GENEVE_BAD);
    /* Truncated at every byte of the fixed header and the option. */
    for (size_t cap = 1; cap < 16; cap++)
        CU_ASSERT_EQUAL(sm_t_geneve(h, cap, (uint32_t)hl, &g, &left), SM_GENEVE_TRUNCATED);
    /* Exactly the header and option: parsed, nothing left. */
    CU_ASSERT_EQUAL(sm_t_geneve(h, 16, 16, &g, &left), SM_GENEVE_OK);
    CU_ASSERT_EQUAL(left, 0);
    /* Option length over what was sent, by one word and at the maximum. */
    CU_ASSERT_EQUAL(sm_t_geneve(h, hl, 12, &g, &left), SM_GENEVE_BAD);
    uint8_t big[16];
    memcpy(big, h, sizeof(big));
    big[0] = 0x3f; /* 252 option bytes */
    CU_ASSERT_EQUAL(sm_t_geneve(big, sizeof(big), sizeof(big), &g, &left), SM_GENEVE_BAD);
    CU_ASSERT_EQUAL(g.opt_len, 252);
    /* ... and within what was sent but past what was captured: truncated. */
    CU_ASSERT_EQUAL(sm_t_geneve(big, sizeof(big), 8 + 252, &g, &left), SM_GENEVE_TRUNCATED);
    /* Flags and version. */
    big[0] = 0x00;
    big[1] = 0xc0;
    CU_ASSERT_EQUAL(sm_t_geneve(big, 8, 8, &g, &left), SM_GENEVE_OK);
    CU_ASSERT_TRUE(g.oam);
    CU_ASSERT_TRUE(g.critical);
    big[0] = 0x80; /* version 2 */
    CU_ASSERT_EQUAL(sm_t_geneve(big, 8, 8, &g, &left), SM_GENEVE_BAD);
}

static void sm_t_check_quoted_v4(const struct sm_pkt *p)
{
    CU_ASSERT_EQUAL(p->quoted.ip_version, 4);
    CU_ASSERT_EQUAL(memcmp(p->quoted.src.b, sm_t_client4, 4), 0);
    CU_ASSERT_EQUAL(memcmp(p->quoted.dst.b, sm_t_server4, 4), 0);
    CU_ASSERT_EQUAL(p->quoted.sport, 50000);
    CU_ASSERT_EQUAL(p->quoted.dport, 22);
    CU_ASSERT_TRUE(p->quoted.has_seq);
    CU_ASSERT_EQUAL(p->quoted.seq, 0x11223344u);
}

static void test_decode_icmp_unreach(void)
{
    struct sm_pkt p;
    struct sm_decode_stats st;

    CU_ASSERT_EQUAL_FATAL(
            sm_t_decode(&p, &st, DLT_EN10MB, sm_s_icmp_unreach, sizeof(sm_s_icmp_unreach)),
            SM_PKT_ICMP_ERR);
    CU_ASSERT_EQUAL(st.icmp_errors, 1);
    CU_ASSERT_EQUAL(st.tcp, 0);
    CU_ASSERT_EQUAL(p.icmp_type, 3);
    CU_ASSERT_EQUAL(p.icmp_code, 3);
    CU_ASSERT_EQUAL(p.icmp_class, SM_ICMP_UNREACH);
    CU_ASSERT_EQUAL(p.icmp_mtu, 0);
    CU_ASSERT_EQUAL(memcmp(p.src.b, sm_t_router4, 4), 0); /* the reporter */
    CU_ASSERT_EQUAL(memcmp(p.dst.b, sm_t_client4, 4), 0);
    CU_ASSERT_EQUAL(p.ttl, 254);
    sm_t_check_quoted_v4(&p);

    /* Time exceeded quoting the same. */
    uint8_t f[sizeof(sm_s_icmp_unreach)];
    memcpy(f, sm_s_icmp_unreach, sizeof(f));
    f[34] = 11;
    f[35] = 0;
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_EN10MB, f, sizeof(f)), SM_PKT_ICMP_ERR);
    CU_ASSERT_EQUAL(p.icmp_class, SM_ICMP_TIME_EXCEEDED);

    /* An echo request is not an error. */
    f[34] = 8;
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_EN10MB, f, sizeof(f)), SM_PKT_OTHER);
    CU_ASSERT_EQUAL(p.icmp_class, SM_ICMP_NONE);

    /* Quoting UDP: not ours. */
    memcpy(f, sm_s_icmp_unreach, sizeof(f));
    f[42 + 9] = 17;
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_EN10MB, f, sizeof(f)), SM_PKT_OTHER);

    /* Only the ports quoted (RFC 792 guarantees 8 bytes, a capture may cut
     * them): still an error for the flow, without a sequence number. */
    uint8_t *copy;
    CU_ASSERT_EQUAL(sm_t_decode_copy(&p, &st, DLT_EN10MB, sm_s_icmp_unreach,
                                     sizeof(sm_s_icmp_unreach) - 4, sizeof(sm_s_icmp_unreach),
                                     &copy),
                    SM_PKT_ICMP_ERR);
    CU_ASSERT_EQUAL(p.quoted.sport, 50000);
    CU_ASSERT_FALSE(p.quoted.has_seq);
    free(copy);
    /* Not even the ports: truncated. */
    CU_ASSERT_EQUAL(sm_t_decode_copy(&p, &st, DLT_EN10MB, sm_s_icmp_unreach,
                                     sizeof(sm_s_icmp_unreach) - 6, sizeof(sm_s_icmp_unreach),
                                     &copy),
                    SM_PKT_OTHER);
    CU_ASSERT_TRUE(p.truncated);
    free(copy);

    /* A quoted header with IHL < 5 is malformed. */
    memcpy(f, sm_s_icmp_unreach, sizeof(f));
    f[42] = 0x44;
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_EN10MB, f, sizeof(f)), SM_PKT_OTHER);
    CU_ASSERT_EQUAL(st.malformed, 1);
}

static void test_decode_icmp_frag_needed(void)
{
    struct sm_pkt p;
    struct sm_decode_stats st;

    CU_ASSERT_EQUAL_FATAL(
            sm_t_decode(&p, &st, DLT_EN10MB, sm_s_icmp_fragneeded, sizeof(sm_s_icmp_fragneeded)),
            SM_PKT_ICMP_ERR);
    CU_ASSERT_EQUAL(p.icmp_type, 3);
    CU_ASSERT_EQUAL(p.icmp_code, 4);
    CU_ASSERT_EQUAL(p.icmp_class, SM_ICMP_FRAG_NEEDED);
    CU_ASSERT_EQUAL(p.icmp_mtu, 1400);
    sm_t_check_quoted_v4(&p);
}

static void test_decode_icmp6(void)
{
    struct sm_pkt p;
    struct sm_decode_stats st;

    CU_ASSERT_EQUAL_FATAL(sm_t_decode(&p, &st, DLT_RAW, sm_s_icmp6_ptb, sizeof(sm_s_icmp6_ptb)),
                          SM_PKT_ICMP_ERR);
    CU_ASSERT_EQUAL(p.ip_version, 6);
    CU_ASSERT_EQUAL(p.icmp_type, 2);
    CU_ASSERT_EQUAL(p.icmp_class, SM_ICMP_FRAG_NEEDED);
    CU_ASSERT_EQUAL(p.icmp_mtu, 1280);
    CU_ASSERT_EQUAL(p.quoted.ip_version, 6);
    CU_ASSERT_EQUAL(memcmp(p.quoted.src.b, sm_t_client6, 16), 0);
    CU_ASSERT_EQUAL(memcmp(p.quoted.dst.b, sm_t_server6, 16), 0);
    CU_ASSERT_EQUAL(p.quoted.sport, 50000);
    CU_ASSERT_EQUAL(p.quoted.dport, 22);
    CU_ASSERT_TRUE(p.quoted.has_seq);
    CU_ASSERT_EQUAL(p.quoted.seq, 0x11223344u);

    CU_ASSERT_EQUAL_FATAL(
            sm_t_decode(&p, &st, DLT_RAW, sm_s_icmp6_unreach, sizeof(sm_s_icmp6_unreach)),
            SM_PKT_ICMP_ERR);
    CU_ASSERT_EQUAL(p.icmp_type, 1);
    CU_ASSERT_EQUAL(p.icmp_code, 4);
    CU_ASSERT_EQUAL(p.icmp_class, SM_ICMP_UNREACH);
    CU_ASSERT_EQUAL(p.icmp_mtu, 0);
    CU_ASSERT_EQUAL(p.quoted.dport, 22);

    /* ICMPv6 time exceeded (3); echo request (128) is not an error. */
    uint8_t f[sizeof(sm_s_icmp6_unreach)];
    memcpy(f, sm_s_icmp6_unreach, sizeof(f));
    f[40] = 3;
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_RAW, f, sizeof(f)), SM_PKT_ICMP_ERR);
    CU_ASSERT_EQUAL(p.icmp_class, SM_ICMP_TIME_EXCEEDED);
    f[40] = 128;
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_RAW, f, sizeof(f)), SM_PKT_OTHER);

    /* ICMP (v4 protocol 1) inside IPv6, and ICMPv6 inside IPv4: ignored. */
    memcpy(f, sm_s_icmp6_unreach, sizeof(f));
    f[6] = 1;
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_RAW, f, sizeof(f)), SM_PKT_OTHER);
    uint8_t g[sizeof(sm_s_icmp_unreach)];
    memcpy(g, sm_s_icmp_unreach, sizeof(g));
    g[14 + 9] = 58;
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_EN10MB, g, sizeof(g)), SM_PKT_OTHER);
}

static void test_decode_ipv4_bad_lengths(void)
{
    struct sm_pkt p;
    struct sm_decode_stats st;
    uint8_t f[sizeof(sm_s_raw_v4)];

    /* IHL < 5. */
    for (uint8_t ihl = 0; ihl < 5; ihl++) {
        memcpy(f, sm_s_raw_v4, sizeof(f));
        f[0] = (uint8_t)(0x40 | ihl);
        CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_RAW, f, sizeof(f)), SM_PKT_OTHER);
        CU_ASSERT_EQUAL(st.malformed, 1);
    }
    /* Total length below the header length. */
    memcpy(f, sm_s_raw_v4, sizeof(f));
    f[2] = 0;
    f[3] = 19;
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_RAW, f, sizeof(f)), SM_PKT_OTHER);
    CU_ASSERT_EQUAL(st.malformed, 1);
    /* Total length 20: no room for TCP. */
    f[3] = 20;
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_RAW, f, sizeof(f)), SM_PKT_OTHER);
    CU_ASSERT_EQUAL(st.tcp, 0);
    /* Version 6 in an IPv4 ethertype. */
    uint8_t e[sizeof(sm_s_vlan)];
    memcpy(e, sm_s_vlan, sizeof(e));
    e[18] = 0x65;
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_EN10MB, e, sizeof(e)), SM_PKT_OTHER);
    CU_ASSERT_EQUAL(st.malformed, 1);
}

static void test_decode_tcp_bad_offset(void)
{
    struct sm_pkt p;
    struct sm_decode_stats st;
    uint8_t f[sizeof(sm_s_raw_v4)];

    /* Data offset < 5. */
    for (uint8_t off = 0; off < 5; off++) {
        memcpy(f, sm_s_raw_v4, sizeof(f));
        f[32] = (uint8_t)(off << 4);
        CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_RAW, f, sizeof(f)), SM_PKT_OTHER);
        CU_ASSERT_EQUAL(st.malformed, 1);
    }
    /* Data offset beyond the IP total length. */
    memcpy(f, sm_s_raw_v4, sizeof(f));
    f[32] = 0x60;
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_RAW, f, sizeof(f)), SM_PKT_OTHER);
    CU_ASSERT_EQUAL(st.malformed, 1);
    f[32] = 0xf0;
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_RAW, f, sizeof(f)), SM_PKT_OTHER);
    CU_ASSERT_EQUAL(st.malformed, 1);
}

static void test_decode_tcp_bad_options(void)
{
    struct sm_pkt p;
    struct sm_decode_stats st;
    uint8_t f[sizeof(sm_s_eth_syn)];
    const size_t opt = 14 + 20 + 20; /* first option byte */

    /* The last option (window scale, 3 bytes) claims 4: runs past the
     * header. Earlier options are kept, the segment is still TCP. */
    memcpy(f, sm_s_eth_syn, sizeof(f));
    f[sizeof(f) - 2] = 4;
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_EN10MB, f, sizeof(f)), SM_PKT_TCP);
    CU_ASSERT_TRUE(p.bad_options);
    CU_ASSERT_EQUAL(p.mss, 1460);
    CU_ASSERT_TRUE(p.has_ts);
    CU_ASSERT_EQUAL(p.wscale, -1);
    CU_ASSERT_FALSE(p.truncated);

    /* Option length 0 and 1 must not loop. */
    for (uint8_t len = 0; len < 2; len++) {
        memcpy(f, sm_s_eth_syn, sizeof(f));
        f[opt + 1] = len;
        CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_EN10MB, f, sizeof(f)), SM_PKT_TCP);
        CU_ASSERT_TRUE(p.bad_options);
        CU_ASSERT_EQUAL(p.mss, 0);
    }
    /* A kind byte as the last byte of the header, without its length. */
    memcpy(f, sm_s_eth_syn, sizeof(f));
    f[sizeof(f) - 3] = 0x01;
    f[sizeof(f) - 2] = 0x01;
    f[sizeof(f) - 1] = 0x03;
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_EN10MB, f, sizeof(f)), SM_PKT_TCP);
    CU_ASSERT_TRUE(p.bad_options);
    CU_ASSERT_EQUAL(p.wscale, -1);

    /* All NOPs, and an end-of-list followed by junk: fine. */
    memcpy(f, sm_s_eth_syn, sizeof(f));
    memset(f + opt, 0x01, 20);
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_EN10MB, f, sizeof(f)), SM_PKT_TCP);
    CU_ASSERT_FALSE(p.bad_options);
    CU_ASSERT_EQUAL(p.mss, 0);
    memcpy(f, sm_s_eth_syn, sizeof(f));
    f[opt] = 0x00;
    f[opt + 1] = 0xff;
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_EN10MB, f, sizeof(f)), SM_PKT_TCP);
    CU_ASSERT_FALSE(p.bad_options);
    CU_ASSERT_EQUAL(p.mss, 0);
    CU_ASSERT_FALSE(p.sack_perm);

    /* Wrong fixed lengths are ignored, window scale is capped at 14. */
    memcpy(f, sm_s_eth_syn, sizeof(f));
    f[opt + 1] = 3;         /* MSS of length 3 */
    f[opt + 3] = 0x01;      /* (its last byte becomes a NOP) */
    f[sizeof(f) - 1] = 200; /* shift 200 */
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_EN10MB, f, sizeof(f)), SM_PKT_TCP);
    CU_ASSERT_FALSE(p.bad_options);
    CU_ASSERT_EQUAL(p.mss, 0);
    CU_ASSERT_EQUAL(p.wscale, 14);
    CU_ASSERT_TRUE(p.sack_perm);
}

static void test_decode_zero_length(void)
{
    static const int dlts[] = { DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW,  DLT_IPV4,
                                DLT_IPV6,   DLT_NULL,      DLT_LOOP,       DLT_NFLOG };
    struct sm_pkt p;
    struct sm_decode_stats st;

    for (size_t i = 0; i < SM_NELEM(dlts); i++) {
        memset(&st, 0, sizeof(st));
        CU_ASSERT_EQUAL(sm_decode(&p, dlts[i], NULL, 0, 0, 0, &st), SM_PKT_OTHER);
        CU_ASSERT_EQUAL(st.packets, 1);
        CU_ASSERT_EQUAL(st.tcp, 0);
        /* Nothing was there: counted once, as truncated (or other for the
         * NFLOG header that holds no TLV). */
        CU_ASSERT_EQUAL(st.truncated + st.other, 1);
        CU_ASSERT_EQUAL(sm_decode(&p, dlts[i], sm_s_eth_syn, 0, 74, 0, &st), SM_PKT_OTHER);
    }
}

static void test_decode_snaplen_payload(void)
{
    struct sm_pkt p;
    struct sm_decode_stats st;
    uint8_t *copy;

    /* 5 of the 11 payload bytes cut by the snaplen. */
    CU_ASSERT_EQUAL_FATAL(sm_t_decode_copy(&p, &st, DLT_EN10MB, sm_s_eth_data,
                                           sizeof(sm_s_eth_data) - 5, sizeof(sm_s_eth_data), &copy),
                          SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.payload_len, 11); /* what was sent */
    CU_ASSERT_EQUAL(p.payload_cap, 6);  /* what was captured */
    CU_ASSERT_PTR_EQUAL(p.payload, copy + 86);
    CU_ASSERT_TRUE(p.truncated);
    CU_ASSERT_EQUAL(p.cap_len, sizeof(sm_s_eth_data) - 5);
    CU_ASSERT_EQUAL(p.wire_len, sizeof(sm_s_eth_data));
    CU_ASSERT_EQUAL(p.sack_blocks, 2); /* the header was whole */
    free(copy);

    /* Cut right after the TCP header: no payload captured at all. */
    CU_ASSERT_EQUAL_FATAL(
            sm_t_decode_copy(&p, &st, DLT_EN10MB, sm_s_eth_data, 86, sizeof(sm_s_eth_data), &copy),
            SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.payload_len, 11);
    CU_ASSERT_EQUAL(p.payload_cap, 0);
    CU_ASSERT_PTR_NULL(p.payload);
    CU_ASSERT_TRUE(p.truncated);
    free(copy);

    /* Cut inside the TCP options: still TCP, flagged truncated. */
    CU_ASSERT_EQUAL_FATAL(
            sm_t_decode_copy(&p, &st, DLT_EN10MB, sm_s_eth_data, 60, sizeof(sm_s_eth_data), &copy),
            SM_PKT_TCP);
    CU_ASSERT_TRUE(p.truncated);
    CU_ASSERT_EQUAL(p.payload_len, 11);
    CU_ASSERT_EQUAL(p.payload_cap, 0);
    CU_ASSERT_EQUAL(st.truncated, 1);
    free(copy);

    /* Cut inside the fixed TCP header: not usable. */
    CU_ASSERT_EQUAL(sm_t_decode_copy(&p, &st, DLT_EN10MB, sm_s_eth_data, 14 + 20 + 19,
                                     sizeof(sm_s_eth_data), &copy),
                    SM_PKT_OTHER);
    CU_ASSERT_TRUE(p.truncated);
    CU_ASSERT_EQUAL(st.truncated, 1);
    free(copy);
}

static void test_decode_ethernet_padding(void)
{
    struct sm_pkt p;
    struct sm_decode_stats st;

    CU_ASSERT_EQUAL_FATAL(
            sm_t_decode(&p, &st, DLT_EN10MB, sm_s_eth_padded, sizeof(sm_s_eth_padded)), SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.ip_len, 40);
    CU_ASSERT_EQUAL(p.payload_len, 0);
    CU_ASSERT_EQUAL(p.payload_cap, 0);
    CU_ASSERT_PTR_NULL(p.payload);
    CU_ASSERT_FALSE(p.truncated);

    /* The same for IPv6: padding after the payload length is not payload. */
    uint8_t f[sizeof(sm_s_raw_v6) + 8];
    memcpy(f, sm_s_raw_v6, sizeof(sm_s_raw_v6));
    memset(f + sizeof(sm_s_raw_v6), 0xee, 8);
    CU_ASSERT_EQUAL_FATAL(sm_t_decode(&p, &st, DLT_RAW, f, sizeof(f)), SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.payload_len, 4);
    CU_ASSERT_EQUAL(p.payload_cap, 4);
    CU_ASSERT_NSTRING_EQUAL(p.payload, "abcd", 4);
}

/* Every prefix of every sample: no crash, no read past the capture, and
 * the result is the sample's kind or OTHER, with the reason counted. */
static void test_decode_truncate_every_offset(void)
{
    for (size_t s = 0; s < SM_NELEM(sm_t_samples); s++) {
        const struct sm_t_sample *sa = &sm_t_samples[s];
        for (size_t cut = 0; cut <= sa->len; cut++) {
            struct sm_pkt p;
            struct sm_decode_stats st;
            uint8_t *copy;
            enum sm_pkt_kind k = sm_t_decode_copy(&p, &st, sa->dlt, sa->data, cut, sa->len, &copy);
            CU_ASSERT_TRUE(k == SM_PKT_OTHER || k == sa->kind);
            CU_ASSERT_EQUAL(p.kind, k);
            sm_t_check_invariants(&p, &st, copy, cut);
            if (cut == sa->len) {
                CU_ASSERT_EQUAL(k, sa->kind);
                CU_ASSERT_FALSE(p.truncated);
            } else if (k == SM_PKT_OTHER && sa->kind != SM_PKT_OTHER && sa->dlt != DLT_NFLOG) {
                /* A cut that lost the segment says so. (NFLOG cut between
                 * TLVs is a frame without a payload TLV, see
                 * test_decode_nflog_cut_tlv_header.) */
                CU_ASSERT_TRUE(p.truncated || st.truncated || st.malformed);
            }
            free(copy);
        }
    }
}

/* Every single bit flip of every sample: no crash, no read past the
 * capture, invariants kept. */
static void test_decode_bit_flips(void)
{
    for (size_t s = 0; s < SM_NELEM(sm_t_samples); s++) {
        const struct sm_t_sample *sa = &sm_t_samples[s];
        uint8_t *buf = malloc(sa->len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
        for (size_t bit = 0; bit < sa->len * 8; bit++) {
            struct sm_pkt p;
            struct sm_decode_stats st;
            memcpy(buf, sa->data, sa->len);
            buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            memset(&st, 0, sizeof(st));
            sm_decode(&p, sa->dlt, buf, (uint32_t)sa->len, (uint32_t)sa->len, 0, &st);
            sm_t_check_invariants(&p, &st, buf, sa->len);
        }
        free(buf);
    }
}

static void test_decode_addr_format(void)
{
    struct sm_addr a = { { S_V4_CLIENT } };
    struct sm_addr b = { { S_V6_CLIENT } };
    char out[64];

    sm_addr_format(&a, 4, out, sizeof(out));
    CU_ASSERT_STRING_EQUAL(out, "198.51.100.2");
    sm_addr_format(&b, 6, out, sizeof(out));
    CU_ASSERT_STRING_EQUAL(out, "2001:db8:1::2");
    /* Too small: a placeholder, never a cut address. */
    sm_addr_format(&a, 4, out, 8);
    CU_ASSERT_STRING_EQUAL(out, "?");

    /* Written by hand; the same text as inet_ntop for random addresses
     * whose groups are often zero (every "::" placement, ties, IPv4-mapped
     * and compatible forms) and for all IPv4 byte values. */
    uint64_t x = 0x2545f4914f6cdd1dull;
    int bad = 0;
    for (int i = 0; i < 200000; i++) {
        struct sm_addr r = { { 0 } };
        char want[64];
        int v6 = i % 4 != 0;
        for (int k = 0; k < 16; k += 2) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if (v6 && x % 3 == 0)
                continue; /* a zero group */
            r.b[k] = (uint8_t)(x >> 8);
            r.b[k + 1] = (uint8_t)(x >> 16);
            if (x % 5 == 0)
                r.b[k] = 0; /* leading zeros within a group */
        }
        if (v6 && i % 50 == 1) { /* ::ffff:a.b.c.d */
            memset(r.b, 0, 10);
            r.b[10] = r.b[11] = 0xff;
        }
        sm_addr_format(&r, v6 ? 6 : 4, out, sizeof(out));
        CU_ASSERT_PTR_NOT_NULL_FATAL(inet_ntop(v6 ? AF_INET6 : AF_INET, r.b, want, sizeof(want)));
        if (strcmp(out, want) != 0 && bad++ < 5)
            fprintf(stderr, "\n  ours %s, inet_ntop %s", out, want);
    }
    CU_ASSERT_EQUAL(bad, 0);
}

/* The fast path against the general path: data[0..cap) (wire bytes on the
 * wire) decoded by each, from one exactly-sized copy, must give the same
 * struct sm_pkt field by field and the same counters; where the fast path
 * alone accepts the frame, it gives that packet too. Returns whether the
 * fast path took the frame. */
static bool sm_t_same_both_paths(int dlt, const uint8_t *data, size_t cap, size_t wire)
{
    struct sm_pkt fast, general, alone;
    struct sm_decode_stats st_fast, st_general;
    uint8_t *buf = malloc(cap ? cap : 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    if (cap)
        memcpy(buf, data, cap);

    /* Stale bytes must not leak through: fill the structs with garbage. */
    memset(&fast, 0xa5, sizeof(fast));
    memset(&general, 0x5a, sizeof(general));
    memset(&alone, 0xc3, sizeof(alone));
    memset(&st_fast, 0, sizeof(st_fast));
    memset(&st_general, 0, sizeof(st_general));
    CU_ASSERT_TRUE(sm_decode_fast_path);
    enum sm_pkt_kind kf = sm_decode(&fast, dlt, buf, (uint32_t)cap, (uint32_t)wire, 42, &st_fast);
    sm_decode_fast_path = false;
    enum sm_pkt_kind kg =
            sm_decode(&general, dlt, buf, (uint32_t)cap, (uint32_t)wire, 42, &st_general);
    sm_decode_fast_path = true;
    bool took = sm_decode_fast_try(&alone, dlt, buf, (uint32_t)cap, (uint32_t)wire, 42);

    CU_ASSERT_EQUAL(kf, kg);
    const char *diff = sm_pkt_diff(&fast, &general);
    if (diff)
        fprintf(stderr, "\n  dlt %d, %zu of %zu bytes: field %s differs", dlt, cap, wire, diff);
    CU_ASSERT_PTR_NULL(diff);
    CU_ASSERT_EQUAL(memcmp(&st_fast, &st_general, sizeof(st_fast)), 0);
    if (took) {
        CU_ASSERT_EQUAL(kg, SM_PKT_TCP);
        CU_ASSERT_PTR_NULL(sm_pkt_diff(&alone, &general));
    }
    sm_t_check_invariants(&fast, &st_fast, buf, cap);
    free(buf);
    return took;
}

/* Every sample, whole, cut at every byte (with the wire length whole) and
 * with every bit flipped: both paths agree. The plain TCP samples take the
 * fast path; tunnels, fragments, options, extension headers and ICMP don't. */
static void test_decode_fast_same_samples(void)
{
    for (size_t s = 0; s < SM_NELEM(sm_t_samples); s++) {
        const struct sm_t_sample *sa = &sm_t_samples[s];
        bool took = sm_t_same_both_paths(sa->dlt, sa->data, sa->len, sa->len);
        bool common = sa->data == sm_s_eth_syn || sa->data == sm_s_eth_data ||
                      sa->data == sm_s_vlan || sa->data == sm_s_qinq || sa->data == sm_s_sll ||
                      sa->data == sm_s_sll2_v6 || sa->data == sm_s_raw_v4 ||
                      sa->data == sm_s_raw_v6 || sa->data == sm_s_eth_padded;
        if (took != common)
            fprintf(stderr, "\n  %s (dlt %d): fast path %s", sa->name, sa->dlt,
                    took ? "taken" : "not taken");
        CU_ASSERT_EQUAL(took, common);
        for (size_t cut = 0; cut < sa->len; cut++) {
            /* A snaplen cut never leaves a segment to the fast path, but
             * for one inside the Ethernet padding (after byte 54). */
            bool in_padding = sa->data == sm_s_eth_padded && cut >= 54;
            CU_ASSERT_EQUAL(sm_t_same_both_paths(sa->dlt, sa->data, cut, sa->len), in_padding);
            /* The same bytes as a whole frame (the IP length lies). */
            (void)sm_t_same_both_paths(sa->dlt, sa->data, cut, cut);
        }
        uint8_t *buf = malloc(sa->len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
        for (size_t bit = 0; bit < sa->len * 8; bit++) {
            memcpy(buf, sa->data, sa->len);
            buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            (void)sm_t_same_both_paths(sa->dlt, buf, sa->len, sa->len);
        }
        free(buf);
    }
}

/* Builds link + IPv4 or IPv6 + a TCP header with the given options and
 * payload length into f; returns the frame length. */
static size_t sm_t_build(uint8_t *f, int dlt, unsigned vlans, int ipv, const uint8_t *opt,
                         size_t optlen, size_t paylen)
{
    size_t n = 0;
    if (dlt == DLT_EN10MB) {
        memset(f, 0x02, 12);
        n = 12;
        for (unsigned i = 0; i < vlans; i++) {
            uint16_t tpid = i == 0 && vlans > 1 ? 0x88a8 : 0x8100;
            f[n++] = (uint8_t)(tpid >> 8);
            f[n++] = (uint8_t)tpid;
            f[n++] = (uint8_t)(0x20 | i); /* PCP 1, VID 0x0nn */
            f[n++] = (uint8_t)(0x10 + i);
        }
        f[n++] = ipv == 4 ? 0x08 : 0x86;
        f[n++] = ipv == 4 ? 0x00 : 0xdd;
    } else if (dlt == DLT_LINUX_SLL) {
        static const uint8_t sll[14] = { 0, 4, 0, 1, 0, 6, 2, 2, 2, 2, 2, 2, 0, 0 };
        memcpy(f, sll, 14);
        n = 14;
        f[n++] = ipv == 4 ? 0x08 : 0x86;
        f[n++] = ipv == 4 ? 0x00 : 0xdd;
    } else if (dlt == DLT_LINUX_SLL2) {
        static const uint8_t sll2[20] = {
            0, 0, 0, 0, 0, 0, 0, 7, 0, 1, 4, 6, 2, 2, 2, 2, 2, 2, 0, 0
        };
        memcpy(f, sll2, 20);
        f[0] = ipv == 4 ? 0x08 : 0x86;
        f[1] = ipv == 4 ? 0x00 : 0xdd;
        n = 20;
    }
    size_t tcplen = 20 + optlen + paylen;
    if (ipv == 4) {
        static const uint8_t v4[20] = { 0x45, 0,  0, 0, 0x12, 0x34,        0x40,
                                        0,    64, 6, 0, 0,    S_V4_CLIENT, S_V4_SERVER };
        memcpy(f + n, v4, 20);
        f[n + 2] = (uint8_t)((20 + tcplen) >> 8);
        f[n + 3] = (uint8_t)(20 + tcplen);
        n += 20;
    } else {
        static const uint8_t v6[40] = { S_IPV6(0, 6) };
        memcpy(f + n, v6, 40);
        f[n + 4] = (uint8_t)(tcplen >> 8);
        f[n + 5] = (uint8_t)tcplen;
        n += 40;
    }
    static const uint8_t tcp[20] = { S_TCP(50000, 22, 0x11223344, 0x55667788, 5, 0x18) };
    memcpy(f + n, tcp, 20);
    f[n + 12] = (uint8_t)(((20 + optlen) / 4) << 4);
    n += 20;
    if (optlen)
        memcpy(f + n, opt, optlen);
    n += optlen;
    for (size_t i = 0; i < paylen; i++)
        f[n++] = (uint8_t)('a' + i % 26);
    return n;
}

/* The fast path's edges, each checked against the general path whole and cut
 * at every byte: every option layout it matches and the ones it leaves to
 * the option loop, headers of exactly 20 bytes, no payload, and every header
 * field that makes it decline. */
static void test_decode_fast_edges(void)
{
    static const uint8_t nop_ts[] = { 1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 8 };
    static const uint8_t syn[] = { 2, 4, 5, 0xb4, 4, 2, 8, 10, 1, 2, 3, 4, 0, 0, 0, 0, 1, 3, 3, 7 };
    static const uint8_t syn_ws15[] = { 2, 4, 5, 0xb4, 4, 2, 8, 10, 1, 2,
                                        3, 4, 0, 0,    0, 0, 1, 3,  3, 15 };
    static const uint8_t syn_ws_len4[] = { 2, 4, 5, 0xb4, 4, 2, 8, 10, 1, 2,
                                           3, 4, 0, 0,    0, 0, 1, 3,  4, 7 };
    static const uint8_t syn_mss_len5[] = { 2, 5, 5, 0xb4, 4, 2, 8, 10, 1, 2,
                                            3, 4, 0, 0,    0, 0, 1, 3,  3, 7 };
    static const uint8_t win_syn[] = { 2, 4, 5, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2 };
    static const uint8_t ts_len11[] = { 1, 1, 8, 11, 0, 0, 0, 9, 0, 0, 0, 8 };
    static const uint8_t ts_nop_eol[] = { 8, 10, 0, 0, 0, 9, 0, 0, 0, 8, 1, 0 };
    static const uint8_t mss_only[] = { 2, 4, 5, 0xb4 };
    static const uint8_t sack[] = { 1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 8, 1, 1, 5, 10,
                                    0, 0, 0, 1,  0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0 };
    static const uint8_t zero_len[] = { 1, 1, 3, 0 };
    static const struct {
        const uint8_t *opt;
        size_t len;
    } opts[] = {
        { NULL, 0 },
        { nop_ts, sizeof(nop_ts) },
        { syn, sizeof(syn) },
        { syn_ws15, sizeof(syn_ws15) },
        { syn_ws_len4, sizeof(syn_ws_len4) },
        { syn_mss_len5, sizeof(syn_mss_len5) },
        { win_syn, sizeof(win_syn) },
        { ts_len11, sizeof(ts_len11) },
        { ts_nop_eol, sizeof(ts_nop_eol) },
        { mss_only, sizeof(mss_only) },
        { sack, sizeof(sack) },
        { zero_len, sizeof(zero_len) },
    };
    static const int dlts[] = { DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW };
    static const size_t paylens[] = { 0, 1, 33 };
    uint8_t f[256];
    struct sm_pkt p;
    struct sm_decode_stats st;

    for (size_t d = 0; d < SM_NELEM(dlts); d++)
        for (int ipv = 4; ipv <= 6; ipv += 2)
            for (unsigned vl = 0; vl <= (dlts[d] == DLT_EN10MB ? 3u : 0u); vl++)
                for (size_t o = 0; o < SM_NELEM(opts); o++)
                    for (size_t pl = 0; pl < SM_NELEM(paylens); pl++) {
                        size_t n = sm_t_build(f, dlts[d], vl, ipv, opts[o].opt, opts[o].len,
                                              paylens[pl]);
                        /* More than SM_MAX_VLANS tags: the general path's. */
                        bool want = vl <= SM_MAX_VLANS;
                        CU_ASSERT_EQUAL(sm_t_same_both_paths(dlts[d], f, n, n), want);
                        for (size_t cut = 0; cut < n; cut++) {
                            CU_ASSERT_FALSE(sm_t_same_both_paths(dlts[d], f, cut, n));
                            (void)sm_t_same_both_paths(dlts[d], f, cut, cut);
                        }
                        /* Ethernet padding after the datagram. */
                        memset(f + n, 0, 8);
                        CU_ASSERT_EQUAL(sm_t_same_both_paths(dlts[d], f, n + 8, n + 8), want);
                    }

    /* What the matched layouts give. */
    size_t n = sm_t_build(f, DLT_EN10MB, 0, 4, syn_ws15, sizeof(syn_ws15), 0);
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_EN10MB, f, n), SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.mss, 1460);
    CU_ASSERT_EQUAL(p.wscale, 14);
    CU_ASSERT_TRUE(p.sack_perm);
    CU_ASSERT_TRUE(p.has_ts);
    CU_ASSERT_EQUAL(p.tsval, 0x01020304);
    CU_ASSERT_EQUAL(p.tsecr, 0);
    CU_ASSERT_PTR_NULL(p.payload);
    n = sm_t_build(f, DLT_EN10MB, 2, 6, nop_ts, sizeof(nop_ts), 1);
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_EN10MB, f, n), SM_PKT_TCP);
    CU_ASSERT_EQUAL(p.vlan_count, 2);
    CU_ASSERT_EQUAL(p.vlan[0], 0x010);
    CU_ASSERT_EQUAL(p.vlan[1], 0x111);
    CU_ASSERT_TRUE(p.has_ts);
    CU_ASSERT_EQUAL(p.tsval, 9);
    CU_ASSERT_EQUAL(p.tsecr, 8);
    CU_ASSERT_EQUAL(p.wscale, -1);
    CU_ASSERT_EQUAL(p.mss, 0);
    CU_ASSERT_EQUAL(p.payload_len, 1);
    CU_ASSERT_EQUAL(p.payload_cap, 1);
    CU_ASSERT_PTR_EQUAL(p.payload, f + n - 1);
    n = sm_t_build(f, DLT_EN10MB, 0, 4, ts_len11, sizeof(ts_len11), 0);
    CU_ASSERT_EQUAL(sm_t_decode(&p, &st, DLT_EN10MB, f, n), SM_PKT_TCP);
    CU_ASSERT_TRUE(p.bad_options);
    CU_ASSERT_FALSE(p.has_ts);

    /* Header fields the fast path declines on, each also against the general
     * path: IPv4 (offset into the frame 14). */
    static const struct {
        size_t off;
        uint8_t val;
        bool fast;
    } v4[] = {
        { 14 + 0, 0x46, false },       /* IHL 6 (then the options lie) */
        { 14 + 0, 0x44, false },       /* IHL 4 */
        { 14 + 0, 0x55, false },       /* version 5 */
        { 14 + 0, 0x65, false },       /* version 6 in an IPv4 ethertype */
        { 14 + 2, 0x01, false },       /* total length beyond the frame */
        { 14 + 3, 0x27, false },       /* total length 39: no room for TCP */
        { 14 + 3, 0x28, true },        /* total length 40: TCP header only */
        { 14 + 3, 0x14, false },       /* total length 20 */
        { 14 + 3, 0x00, false },       /* total length 0 */
        { 14 + 6, 0x20, false },       /* MF */
        { 14 + 6, 0x00, true },        /* no DF */
        { 14 + 6, 0x80, true },        /* the reserved bit: not a fragment */
        { 14 + 7, 0x01, false },       /* fragment offset 8 */
        { 14 + 9, 17, false },         /* UDP */
        { 14 + 9, 1, false },          /* ICMP */
        { 14 + 20 + 12, 0x40, false }, /* data offset 4 */
        { 14 + 20 + 12, 0x00, false }, /* data offset 0 */
        { 14 + 20 + 12, 0x60, false }, /* data offset 6: beyond the segment */
        { 14 + 20 + 12, 0x50, true },  /* data offset 5 */
        { 14 + 20 + 12, 0x5f, true },  /* reserved bits of the offset byte */
        { 12, 0x05, false },           /* 802.3 length field */
    };
    for (size_t i = 0; i < SM_NELEM(v4); i++) {
        n = sm_t_build(f, DLT_EN10MB, 0, 4, NULL, 0, 0);
        CU_ASSERT_EQUAL_FATAL(n, 54);
        f[v4[i].off] = v4[i].val;
        bool took = sm_t_same_both_paths(DLT_EN10MB, f, n, n);
        if (took != v4[i].fast)
            fprintf(stderr, "\n  IPv4 byte %zu = 0x%02x: fast path %s", v4[i].off, v4[i].val,
                    took ? "taken" : "not taken");
        CU_ASSERT_EQUAL(took, v4[i].fast);
        /* The same as a snaplen-cut capture of a longer frame. */
        CU_ASSERT_FALSE(sm_t_same_both_paths(DLT_EN10MB, f, n - 1, n + 10));
        (void)sm_t_same_both_paths(DLT_EN10MB, f, n, n + 10);
    }
    /* IPv6 (the header at 14). */
    static const struct {
        size_t off;
        uint8_t val;
        bool fast;
    } v6[] = {
        { 14 + 0, 0x40, false }, /* version 4 in an IPv6 ethertype */
        { 14 + 0, 0x6f, true },  /* traffic class and flow label */
        { 14 + 4, 0x01, false }, /* payload length beyond the frame */
        { 14 + 5, 0x13, false }, /* payload length 19 */
        { 14 + 5, 0x14, true },  /* payload length 20 */
        { 14 + 5, 0x00, false }, /* payload length 0 (jumbogram form) */
        { 14 + 6, 0, false },    /* hop-by-hop options */
        { 14 + 6, 44, false },   /* fragment header */
        { 14 + 6, 58, false },   /* ICMPv6 */
        { 14 + 6, 59, false },   /* no next header */
        { 14 + 40 + 12, 0x40, false }, { 14 + 40 + 12, 0x60, false },
    };
    for (size_t i = 0; i < SM_NELEM(v6); i++) {
        n = sm_t_build(f, DLT_EN10MB, 0, 6, NULL, 0, 0);
        CU_ASSERT_EQUAL_FATAL(n, 74);
        f[v6[i].off] = v6[i].val;
        bool took = sm_t_same_both_paths(DLT_EN10MB, f, n, n);
        if (took != v6[i].fast)
            fprintf(stderr, "\n  IPv6 byte %zu = 0x%02x: fast path %s", v6[i].off, v6[i].val,
                    took ? "taken" : "not taken");
        CU_ASSERT_EQUAL(took, v6[i].fast);
        CU_ASSERT_FALSE(sm_t_same_both_paths(DLT_EN10MB, f, n - 1, n + 10));
        (void)sm_t_same_both_paths(DLT_EN10MB, f, n, n + 10);
    }
    /* Raw IP with another version nibble; a link type the fast path leaves
     * to the general path. */
    n = sm_t_build(f, DLT_RAW, 0, 4, NULL, 0, 0);
    f[0] = 0x55;
    CU_ASSERT_FALSE(sm_t_same_both_paths(DLT_RAW, f, n, n));
    f[0] = 0x45;
    CU_ASSERT_TRUE(sm_t_same_both_paths(DLT_IPV4, f, n, n));
    CU_ASSERT_TRUE(sm_t_same_both_paths(DLT_IPV6, f, n, n)); /* the nibble decides */
    CU_ASSERT_FALSE(sm_t_same_both_paths(DLT_PPP, f, n, n));
    CU_ASSERT_FALSE(sm_t_same_both_paths(DLT_NULL, sm_s_null_v4, sizeof(sm_s_null_v4),
                                         sizeof(sm_s_null_v4)));
    /* Nothing at all. */
    CU_ASSERT_FALSE(sm_t_same_both_paths(DLT_EN10MB, f, 0, 0));
    CU_ASSERT_FALSE(sm_t_same_both_paths(DLT_RAW, f, 0, 0));
}

/* Every packet of real captures, each link type among them, decoded by both
 * paths. */
static void test_decode_fast_same_pcaps(void)
{
    static const char *const files[] = {
        "pcaps/ssh-normal-v4.pcap",     "pcaps/ssh-normal-v6.pcap",
        "pcaps/ssh-qinq.pcap",          "pcaps/ssh-sll.pcap",
        "pcaps/ssh-any-sll2.pcap",      "pcaps/ssh-rawip.pcap",
        "pcaps/ssh-null.pcap",          "pcaps/ssh-nflog.pcap",
        "pcaps/ssh-rejected-icmp.pcap", "pcaps/ssh-rejected-icmp6.pcap",
        "pcaps/ssh-normal-v4.pcapng",   "pcaps/ssh-midstream.pcap",
    };
    const char *top = getenv("top_srcdir");
    size_t packets = 0, fast = 0;

    for (size_t i = 0; i < SM_NELEM(files); i++) {
        char path[4096], err[PCAP_ERRBUF_SIZE];
        snprintf(path, sizeof(path), "%s/%s", top && *top ? top : ".", files[i]);
        pcap_t *pc = pcap_open_offline(path, err);
        if (!pc)
            fprintf(stderr, "\n  %s: %s", path, err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(pc);
        int dlt = pcap_datalink(pc);
        struct pcap_pkthdr *h;
        const u_char *data;
        while (pcap_next_ex(pc, &h, &data) == 1) {
            packets++;
            fast += sm_t_same_both_paths(dlt, data, h->caplen, h->len);
        }
        pcap_close(pc);
    }
    CU_ASSERT_TRUE(packets > 100);
    CU_ASSERT_TRUE(fast > packets / 2);
}

CU_TestInfo sm_decode_tests[] = {
    SM_TEST(test_decode_link_supported),
    SM_TEST(test_decode_eth_syn_options),
    SM_TEST(test_decode_eth_data_sack_ts),
    SM_TEST(test_decode_vlan),
    SM_TEST(test_decode_vlan_depth),
    SM_TEST(test_decode_ethernet_not_ip),
    SM_TEST(test_decode_sll),
    SM_TEST(test_decode_sll2),
    SM_TEST(test_decode_raw),
    SM_TEST(test_decode_null_loop),
    SM_TEST(test_decode_nflog),
    SM_TEST(test_decode_nflog_cut_tlv_header),
    SM_TEST(test_decode_nflog_attrs),
    SM_TEST(test_decode_ipv6_ext_headers),
    SM_TEST(test_decode_fragments),
    SM_TEST(test_decode_ipv4_options),
    SM_TEST(test_decode_gre),
    SM_TEST(test_decode_tunnel_depth),
    SM_TEST(test_decode_vxlan),
    SM_TEST(test_decode_geneve),
    SM_TEST(test_geneve_parse),
    SM_TEST(test_decode_icmp_unreach),
    SM_TEST(test_decode_icmp_frag_needed),
    SM_TEST(test_decode_icmp6),
    SM_TEST(test_decode_ipv4_bad_lengths),
    SM_TEST(test_decode_tcp_bad_offset),
    SM_TEST(test_decode_tcp_bad_options),
    SM_TEST(test_decode_zero_length),
    SM_TEST(test_decode_snaplen_payload),
    SM_TEST(test_decode_ethernet_padding),
    SM_TEST(test_decode_truncate_every_offset),
    SM_TEST(test_decode_bit_flips),
    SM_TEST(test_decode_addr_format),
    SM_TEST(test_decode_fast_same_samples),
    SM_TEST(test_decode_fast_edges),
    SM_TEST(test_decode_fast_same_pcaps),
    CU_TEST_INFO_NULL,
};
