/* SPDX-License-Identifier: MIT */
/* summary: the default filter's verdict without BPF, for common frames. */
#include "config.h"
#include "prefilter.h"

#include <stdbool.h>

#include "cursor.h"
#include "decode.h"

#define SM_PF_VXLAN_PORT  4789 /* "udp port 4789" in the default filter */
#define SM_PF_GENEVE_PORT 6081 /* "udp port 6081" */

/* "SSH-", the start of an identification line, as one big-endian word. */
#define SM_PF_SSH_WORD 0x5353482dU

/* The filter's verdict on a TCP (proto 6) or UDP header's two ports; for
 * TCP on other ports, whether its payload starts with "SSH-", read as the
 * filter reads it: the header length from byte 12, then 4 bytes after the
 * header; a load beyond the frame ends the filter with a reject. l4 is at
 * offset l4_off of the frame of caplen bytes (the ports are inside it). */
static inline enum sm_prefilter_verdict sm_pf_ports(const uint8_t ports[SM_PORTSET_BYTES],
                                                    const uint8_t *l4, uint8_t proto, size_t l4_off,
                                                    size_t caplen)
{
    uint16_t sport = sm_load_be16(l4), dport = sm_load_be16(l4 + 2);
    if (proto == 6) {
        if (sm_port_is_ssh(ports, sport) || sm_port_is_ssh(ports, dport))
            return SM_PF_ACCEPT;
        if (l4_off + 13 > caplen)
            return SM_PF_REJECT;
        size_t data = l4_off + ((l4[12] & 0xf0u) >> 2);
        if (data + 4 > caplen)
            return SM_PF_REJECT;
        const uint8_t *d = l4 + (data - l4_off);
        uint32_t word = (uint32_t)sm_load_be16(d) << 16 | sm_load_be16(d + 2);
        return word == SM_PF_SSH_WORD ? SM_PF_ACCEPT : SM_PF_REJECT;
    }
    return sport == SM_PF_VXLAN_PORT || dport == SM_PF_VXLAN_PORT || sport == SM_PF_GENEVE_PORT ||
                           dport == SM_PF_GENEVE_PORT
                   ? SM_PF_ACCEPT
                   : SM_PF_REJECT;
}

enum sm_prefilter_verdict sm_prefilter_ethernet(const uint8_t ports[SM_PORTSET_BYTES],
                                                const uint8_t *frame, size_t caplen)
{
    struct sm_cur c;
    sm_cur_init(&c, frame, caplen, false);
    const uint8_t *eth = sm_cur_take(&c, 14);
    if (!eth)
        return SM_PF_UNSURE;
    uint16_t type = sm_load_be16(eth + 12);
    /* The filter tries the frame untagged, then behind one tag, then behind
     * two; a non-matching try reads only the EtherType it tests. */
    for (int tags = 0; sm_eth_is_vlan(type); tags++) {
        const uint8_t *tag = sm_cur_take(&c, 4);
        if (!tag || tags == 2)
            return SM_PF_UNSURE;
        type = sm_load_be16(tag + 2);
    }
    if (type == SM_ETH_IPV4) {
        const uint8_t *ip = sm_cur_take(&c, 20);
        if (!ip)
            return SM_PF_UNSURE;
        /* BPF believes the header length and checks no version. */
        unsigned ihl = ip[0] & 0x0f;
        uint8_t proto = ip[9];
        if (ihl < 5 || (proto != 6 && proto != 17))
            return SM_PF_UNSURE;
        if (sm_load_be16(ip + 6) & 0x1fff)
            return SM_PF_UNSURE; /* a later fragment: no ports */
        /* The options and the ports, which the filter reads. */
        size_t l4_off = (size_t)(ip - frame) + ihl * 4;
        const uint8_t *l4 = sm_cur_take(&c, (ihl - 5) * 4 + 4);
        return l4 ? sm_pf_ports(ports, l4 + (ihl - 5) * 4, proto, l4_off, caplen) : SM_PF_UNSURE;
    }
    if (type == SM_ETH_IPV6) {
        const uint8_t *ip6 = sm_cur_take(&c, 40 + 4); /* and the ports */
        if (!ip6)
            return SM_PF_UNSURE;
        uint8_t next = ip6[6];
        /* Only a transport header straight after the fixed header: libpcap
         * also looks behind a fragment header for some tests. */
        if (next != 6 && next != 17)
            return SM_PF_UNSURE;
        return sm_pf_ports(ports, ip6 + 40, next, (size_t)(ip6 - frame) + 40, caplen);
    }
    return SM_PF_UNSURE;
}
