/* SPDX-License-Identifier: MIT */
/* summary: the default capture filter's verdict on the common Ethernet
 * frames of a file (TCP or UDP over IPv4 or IPv6, up to two VLAN tags),
 * worked out directly instead of by libpcap's BPF interpreter, which costs
 * about 200 instructions a packet on a file; everything else is UNSURE and
 * goes to the real filter. */
#ifndef SM_PREFILTER_H
#define SM_PREFILTER_H

#include <stddef.h>
#include <stdint.h>

#include "portset.h"

enum sm_prefilter_verdict {
    SM_PF_REJECT = 0, /* the default filter rejects the frame */
    SM_PF_ACCEPT = 1, /* the default filter accepts it */
    SM_PF_UNSURE = 2, /* not a shape worked out here: run the filter */
};

/* The verdict of sm_capture_build_filter(DLT_EN10MB, ports, ..., NULL)
 * compiled by libpcap, on the caplen bytes of an Ethernet frame. ports is
 * the set of SSH ports (portset.h; every port for -p auto's "all TCP"); TCP
 * on other ports is taken when its payload starts with "SSH-". ACCEPT and REJECT
 * are given only where the filter reads nothing beyond caplen (a BPF load
 * out of bounds rejects the whole frame) and needs nothing else. */
enum sm_prefilter_verdict sm_prefilter_ethernet(const uint8_t ports[SM_PORTSET_BYTES],
                                                const uint8_t *frame, size_t caplen);

#endif
