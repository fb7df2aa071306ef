/* SPDX-License-Identifier: MIT */
/* summary: libFuzzer target for link/IP/TCP/ICMP decoding. The first byte
 * chooses the link type, the second how much longer the frame was on the
 * wire; the rest is one captured frame. Each frame is decoded twice, with the
 * fast path and without it, and the two packets must be the same. An
 * Ethernet frame also goes through the prefilter, whose verdict, when it
 * gives one, must be the compiled default filter's. */
#include "config.h"

#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "decode.h"
#include "prefilter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int sm_fuzz_dlts[] = { DLT_EN10MB, DLT_LINUX_SLL,  276 /* SLL2 */,
                                    DLT_RAW,    228 /* IPV4 */, 229 /* IPV6 */,
                                    DLT_NULL,   DLT_LOOP,       239 /* NFLOG */ };

/* The default filter on ports 22 and 2222, compiled once. */
static const struct bpf_program *sm_fuzz_filter(uint8_t ports[SM_PORTSET_BYTES])
{
    static struct bpf_program prog;
    static bool ready;
    static const uint16_t p[] = { 22, 2222 };
    for (size_t i = 0; i < 2; i++)
        sm_port_set(ports, p[i]);
    if (!ready) {
        char expr[8192];
        pcap_t *dead = pcap_open_dead(DLT_EN10MB, 262144);
        if (!dead || !sm_capture_build_filter(DLT_EN10MB, p, 2, NULL, expr, sizeof(expr)) ||
            pcap_compile(dead, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0)
            abort();
        pcap_close(dead);
        ready = true;
    }
    return &prog;
}

static void sm_fuzz_prefilter(const uint8_t *frame, size_t n)
{
    static uint8_t ports[SM_PORTSET_BYTES];
    const struct bpf_program *prog = sm_fuzz_filter(ports);
    enum sm_prefilter_verdict v = sm_prefilter_ethernet(ports, frame, n);
    if (v == SM_PF_UNSURE)
        return;
    struct pcap_pkthdr h = { .caplen = (bpf_u_int32)n, .len = (bpf_u_int32)n };
    if ((v == SM_PF_ACCEPT) != (pcap_offline_filter(prog, &h, frame) != 0)) {
        fprintf(stderr, "prefilter and BPF differ\n");
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sm_decode_stats st, st_general;
    struct sm_pkt pkt, general;

    if (size < 2)
        return 0;
    int dlt = sm_fuzz_dlts[data[0] % (sizeof(sm_fuzz_dlts) / sizeof(sm_fuzz_dlts[0]))];
    size_t n = size - 2;
    /* Copy into an exactly-sized buffer so any over-read is caught. */
    uint8_t *frame = malloc(n ? n : 1);
    if (!frame)
        return 0;
    memcpy(frame, data + 2, n);
    if (dlt == DLT_EN10MB)
        sm_fuzz_prefilter(frame, n);
    memset(&st, 0, sizeof(st));
    memset(&st_general, 0, sizeof(st_general));
    /* Stale bytes must not leak into a field: different garbage in each. */
    memset(&pkt, 0xa5, sizeof(pkt));
    memset(&general, 0x5a, sizeof(general));
    /* The wire length may exceed what was captured (snaplen). */
    uint32_t wire = (uint32_t)n + data[1];
    sm_decode(&pkt, dlt, frame, (uint32_t)n, wire, 0, &st);
    sm_decode_fast_path = false;
    sm_decode(&general, dlt, frame, (uint32_t)n, wire, 0, &st_general);
    sm_decode_fast_path = true;
    const char *diff = sm_pkt_diff(&pkt, &general);
    if (diff || memcmp(&st, &st_general, sizeof(st)) != 0) {
        fprintf(stderr, "fast and general path differ: %s\n", diff ? diff : "counters");
        abort();
    }
    if (pkt.kind == SM_PKT_TCP && pkt.payload_cap > 0) {
        /* Touch every payload byte the decoder vouched for. */
        volatile uint8_t sum = 0;
        for (uint32_t i = 0; i < pkt.payload_cap; i++)
            sum ^= pkt.payload[i];
        (void)sum;
    }
    free(frame);
    return 0;
}
