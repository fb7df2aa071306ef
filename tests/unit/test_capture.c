/* SPDX-License-Identifier: MIT */
/* summary: unit tests of the capture layer: the default BPF filter per link
 * type (built, then compiled by libpcap on a dead handle), opening missing,
 * good and truncated capture files, and reading packets with and without
 * the filter. */
#include "config.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "decode.h"
#include "sm_limits.h"
#include "unit.h"

static const uint16_t sm_t_port22[] = { 22 };

/* Path of a file under the source tree (make check exports top_srcdir). */
static void sm_t_srcpath(char *out, size_t outlen, const char *rel)
{
    const char *top = getenv("top_srcdir");
    snprintf(out, outlen, "%s/%s", top && *top ? top : ".", rel);
}

/* True when libpcap compiles expr for link type dlt. */
static bool sm_t_compiles(int dlt, const char *expr)
{
    pcap_t *p = pcap_open_dead(dlt, 262144);
    struct bpf_program prog;
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    int rc = pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN);
    if (rc == 0)
        pcap_freecode(&prog);
    else
        fprintf(stderr, "\n  pcap_compile(%d): %s\n", dlt, pcap_geterr(p));
    pcap_close(p);
    return rc == 0;
}

static void test_capture_filter_ethernet(void)
{
    char f[8192];
    CU_ASSERT_TRUE_FATAL(sm_capture_build_filter(DLT_EN10MB, sm_t_port22, 1, NULL, f, sizeof(f)));
    CU_ASSERT_PTR_NOT_NULL(strstr(f, "vlan and"));
    CU_ASSERT_PTR_NOT_NULL(strstr(f, "port 22"));
    CU_ASSERT_PTR_NOT_NULL(strstr(f, "icmp"));
    CU_ASSERT_PTR_NOT_NULL(strstr(f, "icmp6"));
    CU_ASSERT_TRUE(sm_t_compiles(DLT_EN10MB, f));
}

static void test_capture_filter_other_links(void)
{
    static const int dlts[] = { DLT_RAW, DLT_LINUX_SLL, DLT_LINUX_SLL2 };
    char f[8192];
    for (size_t i = 0; i < SM_NELEM(dlts); i++) {
        CU_ASSERT_TRUE_FATAL(sm_capture_build_filter(dlts[i], sm_t_port22, 1, NULL, f, sizeof(f)));
        CU_ASSERT_PTR_NULL(strstr(f, "vlan")); /* libpcap's vlan is Ethernet only */
        CU_ASSERT_PTR_NOT_NULL(strstr(f, "port 22"));
        CU_ASSERT_TRUE(sm_t_compiles(dlts[i], f));
    }
    /* NFLOG: libpcap compiles no filter; the program filters itself. */
    memset(f, '#', 8);
    CU_ASSERT_FALSE(sm_capture_build_filter(DLT_NFLOG, sm_t_port22, 1, NULL, f, sizeof(f)));
    CU_ASSERT_FALSE(
            sm_capture_build_filter(DLT_NFLOG, sm_t_port22, 1, "host 1.2.3.4", f, sizeof(f)));
}

static void test_capture_filter_ports_and_extra(void)
{
    static const uint16_t ports[] = { 22, 2222, 65535 };
    char f[8192];

    CU_ASSERT_TRUE_FATAL(sm_capture_build_filter(DLT_RAW, ports, 3, NULL, f, sizeof(f)));
    CU_ASSERT_PTR_NOT_NULL(strstr(f, "port 22 or port 2222 or port 65535"));
    CU_ASSERT_TRUE(sm_t_compiles(DLT_RAW, f));

    /* On Ethernet the extra filter, parenthesised, stands beside each of
     * the three copies of the default (untagged, one tag, two tags). */
    CU_ASSERT_TRUE_FATAL(sm_capture_build_filter(DLT_EN10MB, ports, 3,
                                                 "host 192.0.2.7 or net 10.0.0.0/8", f, sizeof(f)));
    int copies = 0;
    for (const char *q = f; (q = strstr(q, " and (host 192.0.2.7 or net 10.0.0.0/8))")); q++)
        copies++;
    CU_ASSERT_EQUAL(copies, 3);
    CU_ASSERT_TRUE(sm_t_compiles(DLT_EN10MB, f));
    CU_ASSERT_TRUE_FATAL(
            sm_capture_build_filter(DLT_LINUX_SLL2, ports, 3, "host 192.0.2.7", f, sizeof(f)));
    CU_ASSERT_PTR_NOT_NULL(strstr(f, ") and (host 192.0.2.7)"));
    CU_ASSERT_TRUE(sm_t_compiles(DLT_LINUX_SLL2, f));

    /* An empty extra filter is no extra filter. */
    char g[8192];
    CU_ASSERT_TRUE(sm_capture_build_filter(DLT_RAW, ports, 3, "", g, sizeof(g)));
    CU_ASSERT_TRUE(sm_capture_build_filter(DLT_RAW, ports, 3, NULL, f, sizeof(f)));
    CU_ASSERT_STRING_EQUAL(f, g);
}

/* Regression (fixed; src/capture.c sm_capture_build_filter): the port
 * expression buffer holds SM_MAX_PORTS * 12 + 8 = 776 characters, but
 * "port NNNNN or " is 14: 64 five-digit ports need 892. The expression is
 * cut silently, here after "port 60051" -> a filter for the wrong ports
 * (or one that does not compile). */
static void test_capture_filter_max_ports(void)
{
    uint16_t ports[SM_MAX_PORTS];
    char f[16384], want[32];

    for (size_t i = 0; i < SM_MAX_PORTS; i++)
        ports[i] = (uint16_t)(60000 + i);
    CU_ASSERT_TRUE_FATAL(
            sm_capture_build_filter(DLT_EN10MB, ports, SM_MAX_PORTS, NULL, f, sizeof(f)));
    for (size_t i = 0; i < SM_MAX_PORTS; i++) {
        snprintf(want, sizeof(want), "port %u)", (unsigned)ports[i]);
        if (i + 1 < SM_MAX_PORTS)
            snprintf(want, sizeof(want), "port %u or ", (unsigned)ports[i]);
        CU_ASSERT_PTR_NOT_NULL(strstr(f, want));
    }
    CU_ASSERT_TRUE(sm_t_compiles(DLT_EN10MB, f));
}

/* An Ethernet frame to 192.0.2.<last> port 22 from 198.51.100.2, behind
 * ntags 802.1Q tags; returns its length. */
static size_t sm_t_eth_frame(uint8_t *f, int ntags, uint8_t last)
{
    static const uint8_t ip[20] = { 0x45, 0, 0,   40, 0,   1, 0x40, 0, 64, 6,
                                    0,    0, 198, 51, 100, 2, 192,  0, 2,  0 };
    size_t o = 12;
    memset(f, 0x02, 12);
    for (int i = 0; i < ntags; i++) {
        f[o++] = 0x81;
        f[o++] = 0x00;
        f[o++] = 0x00;
        f[o++] = (uint8_t)(100 + i); /* VLAN ids 100, 101 */
    }
    f[o++] = 0x08;
    f[o++] = 0x00;
    memcpy(f + o, ip, sizeof(ip));
    f[o + 19] = last;
    o += sizeof(ip);
    memset(f + o, 0, 20); /* TCP: 40000 -> 22, SYN */
    f[o] = 0x9c;
    f[o + 1] = 0x40;
    f[o + 3] = 22;
    f[o + 12] = 0x50;
    f[o + 13] = 0x02;
    return o + 20;
}

/* Whether the filter built with extra (NULL: none) on Ethernet takes the
 * frame; a -f that sm_capture_filter_apart() keeps apart runs after it, as
 * the capture runs it. */
static bool sm_t_eth_takes(const char *extra, const uint8_t *frame, size_t len)
{
    char f[SM_FILTER_MAX];
    struct bpf_program prog, user;
    pcap_t *p = pcap_open_dead(DLT_EN10MB, 262144);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_TRUE_FATAL(sm_capture_build_filter(DLT_EN10MB, sm_t_port22, 1, extra, f, sizeof(f)));
    CU_ASSERT_EQUAL_FATAL(pcap_compile(p, &prog, f, 1, PCAP_NETMASK_UNKNOWN), 0);
    struct pcap_pkthdr h = { .caplen = (bpf_u_int32)len, .len = (bpf_u_int32)len };
    bool takes = pcap_offline_filter(&prog, &h, frame) != 0;
    pcap_freecode(&prog);
    if (extra && sm_capture_filter_apart(extra)) {
        CU_ASSERT_EQUAL_FATAL(pcap_compile(p, &user, extra, 1, PCAP_NETMASK_UNKNOWN), 0);
        takes = takes && pcap_offline_filter(&user, &h, frame) != 0;
        pcap_freecode(&user);
    }
    pcap_close(p);
    return takes;
}

/* Regression (issue 19 item 1): -f was ANDed after the default filter's
 * "vlan" keywords, which had moved every offset by 8 bytes: "host X"
 * matched nothing untagged or single-tagged. It must read the same headers
 * on frames with no tag, one tag and two tags. */
static void test_capture_filter_extra_vlan(void)
{
    uint8_t frame[128];
    for (int tags = 0; tags <= 2; tags++) {
        size_t len = sm_t_eth_frame(frame, tags, 7);
        CU_ASSERT_TRUE(sm_t_eth_takes(NULL, frame, len));
        CU_ASSERT_TRUE(sm_t_eth_takes("host 192.0.2.7", frame, len));
        CU_ASSERT_TRUE(sm_t_eth_takes("dst net 192.0.2.0/24 and dst port 22", frame, len));
        CU_ASSERT_TRUE(sm_t_eth_takes("tcp[13] & 2 != 0", frame, len));
        CU_ASSERT_FALSE(sm_t_eth_takes("host 192.0.2.8", frame, len));
        CU_ASSERT_FALSE(sm_t_eth_takes("not host 192.0.2.7", frame, len));
        CU_ASSERT_FALSE(sm_t_eth_takes("udp", frame, len));
        /* Filters that name the tags themselves mean what tcpdump says. */
        CU_ASSERT_EQUAL(sm_t_eth_takes("vlan", frame, len), tags > 0);
        CU_ASSERT_EQUAL(sm_t_eth_takes("not vlan", frame, len), tags == 0);
        CU_ASSERT_EQUAL(sm_t_eth_takes("vlan 100", frame, len), tags > 0);
        CU_ASSERT_EQUAL(sm_t_eth_takes("vlan 100 and vlan 101", frame, len), tags == 2);
        CU_ASSERT_EQUAL(sm_t_eth_takes("vlan 100 and host 192.0.2.7", frame, len), tags == 1);
        CU_ASSERT_FALSE(sm_t_eth_takes("vlan 100 and host 192.0.2.8", frame, len));
        /* A frame to another port stays out whatever -f says. */
        frame[len - 17] = 23;
        CU_ASSERT_FALSE(sm_t_eth_takes("host 192.0.2.7", frame, len));
        CU_ASSERT_FALSE(sm_t_eth_takes("vlan or not vlan", frame, len));
    }
    CU_ASSERT_TRUE(sm_capture_filter_apart("vlan"));
    CU_ASSERT_TRUE(sm_capture_filter_apart("(mpls 5) and host 192.0.2.1"));
    CU_ASSERT_TRUE(sm_capture_filter_apart("not vlan"));
    CU_ASSERT_FALSE(sm_capture_filter_apart("host vlan1.example"));
    CU_ASSERT_FALSE(sm_capture_filter_apart("host 192.0.2.1"));
    CU_ASSERT_FALSE(sm_capture_filter_apart(NULL));
}

static void test_capture_open_missing(void)
{
    char err[256] = "";
    struct sm_capture *c = sm_capture_open_file("/nonexistent/dir/none.pcap", err, sizeof(err));
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(strlen(err) > 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file"));

    /* Not a capture file at all. */
    char path[4096];
    sm_t_srcpath(path, sizeof(path), "pcaps/README");
    err[0] = '\0';
    c = sm_capture_open_file(path, err, sizeof(err));
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_TRUE(strlen(err) > 0);
    /* A tiny error buffer is not overrun. */
    char small[8];
    memset(small, '#', sizeof(small));
    c = sm_capture_open_file("/nonexistent/none.pcap", small, 4);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_EQUAL(strlen(small), 3);
    CU_ASSERT_EQUAL(small[4], '#');
}

/* Reads every packet; returns the count, or -1 on a read error. */
static int sm_t_count(struct sm_capture *c, int *tcp22)
{
    struct sm_captured pkt;
    enum sm_capture_rc rc;
    int n = 0;
    int64_t last = 0;

    *tcp22 = 0;
    while ((rc = sm_capture_next(c, &pkt)) == SM_CAP_PACKET) {
        struct sm_pkt p;
        struct sm_decode_stats st;
        memset(&st, 0, sizeof(st));
        CU_ASSERT_TRUE(pkt.cap_len <= pkt.wire_len);
        CU_ASSERT_TRUE(pkt.ts_us >= last);
        last = pkt.ts_us;
        if (sm_decode(&p, sm_capture_datalink(c), pkt.data, pkt.cap_len, pkt.wire_len, pkt.ts_us,
                      &st) == SM_PKT_TCP &&
            (p.sport == 22 || p.dport == 22))
            (*tcp22)++;
        n++;
    }
    return rc == SM_CAP_EOF ? n : -1;
}

static void test_capture_read_file(void)
{
    char path[4096], err[256] = "";
    int tcp22;

    sm_t_srcpath(path, sizeof(path), "pcaps/ssh-refused.pcap");
    struct sm_capture *c = sm_capture_open_file(path, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(sm_capture_datalink(c), DLT_EN10MB);
    CU_ASSERT_STRING_EQUAL(sm_capture_datalink_name(c), "EN10MB");
    uint64_t a = 1, b = 1, d = 1;
    CU_ASSERT_FALSE(sm_capture_stats(c, &a, &b, &d)); /* files have no counters */
    /* MLD report, ARP request and reply, SYN, RST. */
    CU_ASSERT_EQUAL(sm_t_count(c, &tcp22), 5);
    CU_ASSERT_EQUAL(tcp22, 2);
    struct sm_captured pkt;
    CU_ASSERT_EQUAL(sm_capture_next(c, &pkt), SM_CAP_EOF); /* EOF stays EOF */
    sm_capture_close(c);

    /* With the default filter only the SSH packets remain. */
    c = sm_capture_open_file(path, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(sm_capture_set_filter(c, sm_t_port22, 1, NULL, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(sm_t_count(c, &tcp22), 2);
    CU_ASSERT_EQUAL(tcp22, 2);
    sm_capture_close(c);

    /* An extra filter that excludes them. */
    c = sm_capture_open_file(path, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(sm_capture_set_filter(c, sm_t_port22, 1, "host 192.0.2.99", err, sizeof(err)),
                    0);
    CU_ASSERT_EQUAL(sm_t_count(c, &tcp22), 0);
    sm_capture_close(c);

    /* A broken extra filter: an error naming the filter. */
    c = sm_capture_open_file(path, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    err[0] = '\0';
    CU_ASSERT_EQUAL(sm_capture_set_filter(c, sm_t_port22, 1, "((nonsense", err, sizeof(err)), -1);
    CU_ASSERT_NSTRING_EQUAL(err, "filter:", 7);
    sm_capture_close(c);

    sm_capture_close(NULL);
    sm_capture_break(NULL);
}

static void test_capture_truncated_file(void)
{
    char path[4096], err[256] = "", tmp[] = "/tmp/sm_unit_XXXXXX";
    sm_t_srcpath(path, sizeof(path), "pcaps/ssh-refused.pcap");

    /* The file cut in the middle of the last packet's record. */
    FILE *in = fopen(path, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(in);
    uint8_t buf[4096];
    size_t n = fread(buf, 1, sizeof(buf), in);
    fclose(in);
    CU_ASSERT_FATAL(n > 40);
    int fd = mkstemp(tmp);
    CU_ASSERT_TRUE_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(write(fd, buf, n - 20), (ssize_t)(n - 20));
    close(fd);

    struct sm_capture *c = sm_capture_open_file(tmp, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    struct sm_captured pkt;
    int good = 0;
    enum sm_capture_rc rc;
    while ((rc = sm_capture_next(c, &pkt)) == SM_CAP_PACKET)
        good++;
    CU_ASSERT_EQUAL(good, 4); /* everything before the damage */
    CU_ASSERT_EQUAL(rc, SM_CAP_ERROR);
    CU_ASSERT_TRUE(strlen(sm_capture_error(c)) > 0);
    sm_capture_close(c);
    unlink(tmp);
}

static void test_capture_break_file(void)
{
    char path[4096], err[256] = "";
    struct sm_captured pkt;

    sm_t_srcpath(path, sizeof(path), "pcaps/ssh-refused.pcap");
    struct sm_capture *c = sm_capture_open_file(path, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(sm_capture_next(c, &pkt), SM_CAP_PACKET);
    /* capture.h: after sm_capture_break(), sm_capture_next() returns EOF. */
    sm_capture_break(c);
    CU_ASSERT_EQUAL(sm_capture_next(c, &pkt), SM_CAP_EOF);
    sm_capture_close(c);
}

/* Files are read ahead on a thread, in 1 MB batches: a file of many
 * batches (small and large packets, one larger than a batch) comes out in
 * order and byte for byte, then EOF; the same file cut short gives every
 * whole packet, then the error; closing in the middle stops the reader. */
static void sm_t_write_big_pcap(const char *path, int npkts, size_t cut)
{
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 262144);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dead);
    pcap_dumper_t *d = pcap_dump_open(dead, path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    static uint8_t data[262144];
    for (int i = 0; i < npkts; i++) {
        struct pcap_pkthdr h = { { 1700000000 + i, i % 1000000 }, 0, 0 };
        h.caplen = i == npkts / 2 ? 262144u : (uint32_t)(14 + (i * 7919) % 1500);
        h.len = h.caplen + (uint32_t)(i % 3);
        for (uint32_t k = 0; k < h.caplen; k++)
            data[k] = (uint8_t)(i + k * 13);
        pcap_dump((u_char *)d, &h, data);
    }
    pcap_dump_close(d);
    pcap_close(dead);
    if (cut) {
        FILE *f = fopen(path, "r+b");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        CU_ASSERT_EQUAL(fseek(f, 0, SEEK_END), 0);
        long end = ftell(f);
        fclose(f);
        CU_ASSERT_EQUAL(truncate(path, end - (long)cut), 0);
    }
}

/* A prepare function for the test: what it saw of each packet. */
struct sm_t_prep_out {
    const uint8_t *data;
    uint32_t cap_len;
    uint32_t sum;
    int index; /* the packet's number, from 0 */
};

/* It keeps the second half of the bytes, as the engine keeps the payload. */
static uint32_t sm_t_prepare(void *ctx, const struct sm_captured *pkt, void *out, uint8_t *keep)
{
    struct sm_t_prep_out *o = out;
    o->index = (*(int *)ctx)++;
    o->data = keep;
    o->cap_len = pkt->cap_len;
    o->sum = 0;
    for (uint32_t k = 0; k < pkt->cap_len; k++)
        o->sum += pkt->data[k];
    uint32_t half = pkt->cap_len / 2;
    memcpy(keep, pkt->data + half, pkt->cap_len - half);
    return pkt->cap_len - half;
}

static void test_capture_read_ahead(void)
{
    char tmp[] = "/tmp/sm_unit_ahead_XXXXXX", err[256] = "";
    int fd = mkstemp(tmp);
    CU_ASSERT_TRUE_FATAL(fd >= 0);
    close(fd);
    const int npkts = 6000; /* about 5 MB: several batches */

    for (int round = 0; round < 4; round++) {
        sm_t_write_big_pcap(tmp, npkts, round == 1 ? 100 : 0);
        struct sm_capture *c = sm_capture_open_file(tmp, err, sizeof(err));
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        /* Round 3: every packet prepared on the reader, on the very bytes
         * the analysis gets. */
        int prepared = 0, prep_bad = 0, aheads = 0;
        if (round == 3)
            sm_capture_set_prepare(c, sizeof(struct sm_t_prep_out), sm_t_prepare, &prepared);
        struct sm_captured pkt;
        enum sm_capture_rc rc;
        int i = 0, bad = 0;
        while ((rc = sm_capture_next(c, &pkt)) == SM_CAP_PACKET) {
            uint32_t want = i == npkts / 2 ? 262144u : (uint32_t)(14 + (i * 7919) % 1500);
            if (pkt.cap_len != want || pkt.wire_len != want + (uint32_t)(i % 3) ||
                pkt.ts_us != (int64_t)(1700000000 + i) * 1000000 + i % 1000000)
                bad++;
            /* Without a prepare function all the bytes; with it, what it kept. */
            uint32_t from = round == 3 ? pkt.cap_len / 2 : 0;
            if (pkt.data_len != pkt.cap_len - from)
                bad++;
            for (uint32_t k = 0; k < pkt.data_len && !bad; k++)
                if (pkt.data[k] != (uint8_t)(i + (from + k) * 13))
                    bad++;
            if (round == 3) {
                const struct sm_t_prep_out *o = pkt.prepared;
                uint32_t sum = 0;
                for (uint32_t k = 0; k < pkt.cap_len; k++)
                    sum += (uint8_t)(i + k * 13);
                if (!o || o->data != pkt.data || o->cap_len != pkt.cap_len || o->sum != sum)
                    prep_bad++;
                /* The look-ahead names the packet SM_CAP_LOOKAHEAD on (in
                 * the same batch), or nothing. */
                const struct sm_t_prep_out *ah = pkt.prepared_ahead;
                if (ah) {
                    aheads++;
                    if (ah->index != i + SM_CAP_LOOKAHEAD)
                        prep_bad++;
                }
            } else if (pkt.prepared || pkt.prepared_ahead) {
                prep_bad++;
            }
            i++;
            if (round == 2 && i == 1500)
                break; /* the analysis stops early */
        }
        CU_ASSERT_EQUAL(bad, 0);
        if (round == 0) {
            CU_ASSERT_EQUAL(i, npkts);
            CU_ASSERT_EQUAL(rc, SM_CAP_EOF);
            CU_ASSERT_EQUAL(sm_capture_next(c, &pkt), SM_CAP_EOF); /* and stays there */
        } else if (round == 1) {
            CU_ASSERT_EQUAL(i, npkts - 1); /* the last record is cut */
            CU_ASSERT_EQUAL(rc, SM_CAP_ERROR);
            CU_ASSERT_TRUE(strlen(sm_capture_error(c)) > 0);
        } else if (round == 2) {
            CU_ASSERT_EQUAL(i, 1500);
        } else {
            CU_ASSERT_EQUAL(i, npkts);
        }
        CU_ASSERT_EQUAL(prep_bad, 0);
        sm_capture_close(c); /* the reader is done: prepared is ours to read */
        if (round == 3) {
            CU_ASSERT_EQUAL(prepared, npkts);
            /* Only the last few of each batch (of about a thousand) lack one. */
            CU_ASSERT_TRUE(aheads > npkts * 9 / 10);
        }
    }
    unlink(tmp);
}

CU_TestInfo sm_capture_tests[] = {
    SM_TEST(test_capture_filter_ethernet),
    SM_TEST(test_capture_filter_other_links),
    SM_TEST(test_capture_filter_ports_and_extra),
    SM_TEST(test_capture_filter_max_ports),
    SM_TEST(test_capture_filter_extra_vlan),
    SM_TEST(test_capture_open_missing),
    SM_TEST(test_capture_read_file),
    SM_TEST(test_capture_truncated_file),
    SM_TEST(test_capture_break_file),
    SM_TEST(test_capture_read_ahead),
    CU_TEST_INFO_NULL,
};
