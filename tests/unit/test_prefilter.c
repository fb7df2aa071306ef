/* SPDX-License-Identifier: MIT */
/* summary: the prefilter against libpcap: on frames of every shape it
 * handles (and many it does not), cut at every length and with random
 * bytes, whenever it gives a verdict, the compiled default filter gives the
 * same one. And it does give one on the common frames. */
#include "config.h"

#include <pcap/pcap.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "capture.h"
#include "prefilter.h"

struct sm_t_pf {
    pcap_t *dead;
    struct bpf_program prog;
    uint8_t ports[SM_PORTSET_BYTES];
    uint64_t decided, unsure, wrong;
};

static const uint16_t sm_t_pf_ports[] = { 22, 2222 };

static void sm_t_pf_init(struct sm_t_pf *t)
{
    char expr[8192];
    memset(t, 0, sizeof(*t));
    t->dead = pcap_open_dead(DLT_EN10MB, 262144);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t->dead);
    CU_ASSERT_TRUE_FATAL(sm_capture_build_filter(DLT_EN10MB, sm_t_pf_ports, SM_NELEM(sm_t_pf_ports),
                                                 NULL, expr, sizeof(expr)));
    CU_ASSERT_EQUAL_FATAL(pcap_compile(t->dead, &t->prog, expr, 1, PCAP_NETMASK_UNKNOWN), 0);
    for (size_t i = 0; i < SM_NELEM(sm_t_pf_ports); i++)
        sm_port_set(t->ports, sm_t_pf_ports[i]);
}

static void sm_t_pf_fini(struct sm_t_pf *t)
{
    pcap_freecode(&t->prog);
    pcap_close(t->dead);
}

/* The frame's first len bytes, in a buffer of exactly that size (so that
 * ASan sees any read past it); returns the prefilter's verdict. */
static enum sm_prefilter_verdict sm_t_pf_check(struct sm_t_pf *t, const uint8_t *frame, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
    memcpy(copy, frame, len);
    enum sm_prefilter_verdict v = sm_prefilter_ethernet(t->ports, copy, len);
    if (v == SM_PF_UNSURE) {
        t->unsure++;
    } else {
        struct pcap_pkthdr h = { .caplen = (bpf_u_int32)len, .len = (bpf_u_int32)len + 100 };
        int bpf = pcap_offline_filter(&t->prog, &h, copy);
        t->decided++;
        if ((v == SM_PF_ACCEPT) != (bpf != 0))
            t->wrong++;
    }
    free(copy);
    return v;
}

/* Builds an Ethernet frame: the tags, then IPv4 (v6 false) or IPv6 with
 * the given transport protocol, IPv4 header length (words), fragment
 * field and ports, then 8 bytes of payload. Returns its length. */
static size_t sm_t_pf_frame(uint8_t *f, const uint16_t *tpids, int ntags, bool v6, uint8_t proto,
                            unsigned ihl, uint16_t frag, uint16_t sport, uint16_t dport)
{
    size_t o = 12;
    memset(f, 0x11, 12);
    for (int i = 0; i < ntags; i++) {
        f[o] = (uint8_t)(tpids[i] >> 8);
        f[o + 1] = (uint8_t)tpids[i];
        f[o + 2] = 0x00;
        f[o + 3] = (uint8_t)(10 + i); /* VLAN id */
        o += 4;
    }
    uint16_t type = v6 ? 0x86dd : 0x0800;
    f[o++] = (uint8_t)(type >> 8);
    f[o++] = (uint8_t)type;
    size_t l4;
    if (v6) {
        memset(f + o, 0, 40);
        f[o] = 0x60;
        f[o + 5] = 28;
        f[o + 6] = proto;
        f[o + 7] = 64;
        f[o + 8] = 0x20; /* 2001:db8::1 -> 2001:db8::2 */
        f[o + 9] = 0x01;
        f[o + 10] = 0x0d;
        f[o + 11] = 0xb8;
        f[o + 23] = 1;
        memcpy(f + o + 24, f + o + 8, 15);
        f[o + 39] = 2;
        l4 = o + 40;
    } else {
        size_t hl = (ihl < 5 ? 5 : ihl) * 4; /* room is laid out for at least 20 */
        memset(f + o, 0, hl);
        f[o] = (uint8_t)(0x40 | (ihl & 0x0f));
        f[o + 3] = 60;
        f[o + 6] = (uint8_t)(frag >> 8);
        f[o + 7] = (uint8_t)frag;
        f[o + 8] = 64;
        f[o + 9] = proto;
        f[o + 12] = 198, f[o + 13] = 51, f[o + 14] = 100, f[o + 15] = 2;
        f[o + 16] = 203, f[o + 17] = 0, f[o + 18] = 113, f[o + 19] = 2;
        l4 = o + hl;
    }
    f[l4] = (uint8_t)(sport >> 8);
    f[l4 + 1] = (uint8_t)sport;
    f[l4 + 2] = (uint8_t)(dport >> 8);
    f[l4 + 3] = (uint8_t)dport;
    memset(f + l4 + 4, 0x3c, 16);
    return l4 + 20;
}

static void test_prefilter_agrees_with_bpf(void)
{
    static const uint16_t tpid_sets[][3] = {
        { 0x8100, 0x8100, 0x8100 },
        { 0x88a8, 0x8100, 0x9100 },
        { 0x9100, 0x88a8, 0x8100 },
        { 0x8100, 0x0806, 0x8100 },
    };
    static const uint8_t protos[] = { 6, 17, 1, 58, 47, 44, 0 };
    static const unsigned ihls[] = { 0, 4, 5, 6, 15 };
    static const uint16_t frags[] = { 0, 0x2000, 0x4000, 0x0001, 0x1000, 0x1fff, 0x3fff };
    static const uint16_t portv[][2] = { { 40000, 22 },  { 22, 40000 },  { 40000, 2222 },
                                         { 40000, 80 },  { 80, 443 },    { 4789, 5000 },
                                         { 5000, 4789 }, { 22, 4789 },   { 0, 0 },
                                         { 23, 21 },     { 2222, 2222 }, { 65535, 22 },
                                         { 5000, 6081 }, { 6081, 5000 } };
    struct sm_t_pf t;
    uint8_t f[256];
    sm_t_pf_init(&t);
    for (size_t ts = 0; ts < SM_NELEM(tpid_sets); ts++)
        for (int ntags = 0; ntags <= 3; ntags++)
            for (int v6 = 0; v6 <= 1; v6++)
                for (size_t pr = 0; pr < SM_NELEM(protos); pr++)
                    for (size_t ih = 0; ih < (v6 ? 1 : SM_NELEM(ihls)); ih++)
                        for (size_t fr = 0; fr < (v6 ? 1 : SM_NELEM(frags)); fr++)
                            for (size_t pv = 0; pv < SM_NELEM(portv); pv++) {
                                size_t n = sm_t_pf_frame(f, tpid_sets[ts], ntags, v6, protos[pr],
                                                         ihls[ih], frags[fr], portv[pv][0],
                                                         portv[pv][1]);
                                for (size_t len = 0; len <= n; len++)
                                    sm_t_pf_check(&t, f, len);
                            }
    CU_ASSERT_EQUAL(t.wrong, 0);
    CU_ASSERT_TRUE(t.decided > 10000); /* it is not UNSURE about everything */
    sm_t_pf_fini(&t);
}

static void test_prefilter_common_frames(void)
{
    static const uint16_t tpids[] = { 0x8100, 0x88a8, 0x8100 };
    static const struct {
        int ntags;
        bool v6;
        uint8_t proto;
        unsigned ihl;
        uint16_t frag, sport, dport;
        enum sm_prefilter_verdict want;
    } cases[] = {
        /* Decided without the filter, and rightly so. */
        { 0, false, 6, 5, 0x4000, 40000, 22, SM_PF_ACCEPT },
        { 0, false, 6, 5, 0, 2222, 40000, SM_PF_ACCEPT },
        { 0, false, 6, 8, 0, 40000, 22, SM_PF_ACCEPT }, /* with IP options */
        { 0, false, 6, 5, 0, 40000, 80, SM_PF_REJECT },
        { 1, true, 6, 5, 0, 22, 40000, SM_PF_ACCEPT },
        { 2, true, 6, 5, 0, 443, 40000, SM_PF_REJECT },
        { 2, false, 17, 5, 0, 5000, 4789, SM_PF_ACCEPT }, /* VXLAN */
        { 0, true, 17, 5, 0, 5000, 6081, SM_PF_ACCEPT },  /* Geneve */
        { 0, false, 17, 5, 0, 5353, 53, SM_PF_REJECT },
        /* Left to the filter: ICMP, a later fragment, three tags. */
        { 0, false, 1, 5, 0, 0x0300, 0, SM_PF_UNSURE },
        { 0, false, 6, 5, 0x0010, 40000, 22, SM_PF_UNSURE },
        { 3, false, 6, 5, 0, 40000, 22, SM_PF_UNSURE },
    };
    struct sm_t_pf t;
    uint8_t f[256];
    sm_t_pf_init(&t);
    for (size_t i = 0; i < SM_NELEM(cases); i++) {
        size_t n = sm_t_pf_frame(f, tpids, cases[i].ntags, cases[i].v6, cases[i].proto,
                                 cases[i].ihl, cases[i].frag, cases[i].sport, cases[i].dport);
        CU_ASSERT_EQUAL(sm_t_pf_check(&t, f, n), cases[i].want);
    }
    /* Cut ports, and nothing at all: left to the filter too. */
    sm_t_pf_frame(f, tpids, 0, false, 6, 5, 0, 40000, 22);
    CU_ASSERT_EQUAL(sm_t_pf_check(&t, f, 14 + 20 + 3), SM_PF_UNSURE);
    CU_ASSERT_EQUAL(sm_t_pf_check(&t, f, 0), SM_PF_UNSURE);
    CU_ASSERT_EQUAL(t.wrong, 0);
    sm_t_pf_fini(&t);
}

/* Random frames, biased towards the shapes the prefilter decides. */
static void test_prefilter_random_frames(void)
{
    static const uint16_t types[] = { 0x0800, 0x86dd, 0x8100, 0x88a8, 0x9100, 0x0806 };
    struct sm_t_pf t;
    uint8_t f[128];
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    sm_t_pf_init(&t);
    for (int i = 0; i < 200000; i++) {
        for (size_t k = 0; k < sizeof(f); k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            f[k] = (uint8_t)x;
        }
        /* EtherTypes at the three places the filter looks, often. */
        for (size_t at = 12; at <= 20; at += 4)
            if (f[at + 1] & 1) {
                uint16_t ty = types[f[at] % SM_NELEM(types)];
                f[at] = (uint8_t)(ty >> 8), f[at + 1] = (uint8_t)ty;
            }
        for (size_t ip = 14; ip <= 22; ip += 4) {
            if (f[ip + 2] & 1)
                f[ip + 9] = (f[ip + 3] & 1) ? 6 : 17; /* IPv4 protocol */
            if (f[ip + 10] & 1) /* IPv4 header length 5 or so, first fragment */
                f[ip] = (uint8_t)(0x45 + (f[ip + 11] & 3)), f[ip + 6] &= 0xe0, f[ip + 7] = 0;
            if (f[ip + 12] & 1)
                f[ip + 22] = 0, f[ip + 23] = 22; /* an IPv4 port */
            if (f[ip + 4] & 1)
                f[ip + 6] = (f[ip + 5] & 1) ? 6 : 17, f[ip + 7] &= 0x1f; /* IPv6 next, no frag */
            if (f[ip + 8] & 1)
                f[ip + 40] = 0, f[ip + 41] = 22; /* a port */
        }
        /* Whole half of the time, else cut anywhere. */
        sm_t_pf_check(&t, f, (x >> 40) & 1 ? sizeof(f) : (size_t)(x % sizeof(f)));
    }
    CU_ASSERT_EQUAL(t.wrong, 0);
    CU_ASSERT_TRUE(t.decided > 10000);
    sm_t_pf_fini(&t);
}

CU_TestInfo sm_prefilter_tests[] = {
    SM_TEST(test_prefilter_agrees_with_bpf),
    SM_TEST(test_prefilter_common_frames),
    SM_TEST(test_prefilter_random_frames),
    CU_TEST_INFO_NULL,
};
