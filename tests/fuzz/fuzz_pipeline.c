/* SPDX-License-Identifier: MIT */
/* summary: libFuzzer target for the whole pipeline: the input is a pcap
 * file, read through libpcap from memory, decoded, tracked, classified and
 * written as JSON to a memory stream. */
#include "config.h"

#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine.h"
#include "output.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[PCAP_ERRBUF_SIZE];
    FILE *in = fmemopen((void *)(uintptr_t)data, size, "rb");
    if (!in)
        return 0;
    pcap_t *p = pcap_fopen_offline(in, err); /* takes ownership of in */
    if (!p)
        return 0;
    FILE *devnull = fopen("/dev/null", "w");
    if (!devnull) {
        pcap_close(p);
        return 0;
    }
    struct sm_engine_config cfg = {
        .ports = { 22, 2222 },
        .nports = 2,
        .host = "fuzz",
        .max_flows = 64, /* small, so eviction is exercised too */
        .hash_seed = 1,
        .stats_event = true,
    };
    struct sm_output *out =
            sm_output_open("/dev/null", SM_FMT_JSON, "fuzz", false, err, sizeof(err));
    fclose(devnull);
    if (!out) {
        pcap_close(p);
        return 0;
    }
    struct sm_engine *e = sm_engine_new(&cfg, out);
    if (e) {
        uint32_t src = sm_engine_add_source(e, "fuzz");
        struct pcap_pkthdr *h;
        const u_char *d;
        int dlt = pcap_datalink(p);
        while (pcap_next_ex(p, &h, &d) == 1)
            sm_engine_packet(e, dlt, d, h->caplen, h->len,
                             (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec, src);
        sm_engine_finish(e);
        sm_engine_free(e);
    }
    sm_output_close(out);
    pcap_close(p);
    return 0;
}
