/* SPDX-License-Identifier: MIT */
/* summary: libpcap file and live capture, and the per-link-type filter. */
#include "config.h"
#include "capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

#include "sm_limits.h"

#define SM_FILE_BUFFER (1024 * 1024)

struct sm_capture {
    pcap_t *p;
    bool live;
    char *file_buf; /* the stdio buffer of a file input; freed after pcap_close */
};

struct sm_capture *sm_capture_open_file(const char *path, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    struct sm_capture *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (strcmp(path, "-") == 0) {
        c->p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
    } else {
        /* Our own FILE with a large buffer: libpcap reads every record with
         * two fread() calls, and stdio's default 4 KB buffer turns a file
         * into one read(2) per 4 KB (a sixth of the whole run on a large
         * capture). libpcap owns the FILE from here and closes it. */
        FILE *f = fopen(path, "rb");
        if (!f) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            free(c);
            return NULL;
        }
        /* glibc ignores the size unless it is given the buffer too. */
        /* One thread reads it: no stdio lock per fread (two per packet). */
        __fsetlocking(f, FSETLOCKING_BYCALLER);
        c->file_buf = malloc(SM_FILE_BUFFER);
        if (c->file_buf)
            setvbuf(f, c->file_buf, _IOFBF, SM_FILE_BUFFER);
        c->p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
        if (!c->p)
            fclose(f);
    }
    if (!c->p) {
        snprintf(err, errlen, "%s", ebuf);
        free(c->file_buf);
        free(c);
        return NULL;
    }
    return c;
}

struct sm_capture *sm_capture_open_live(const char *iface, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    struct sm_capture *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->live = true;
    c->p = pcap_create(iface, ebuf);
    if (!c->p) {
        snprintf(err, errlen, "%s", ebuf);
        free(c);
        return NULL;
    }
    /* Immediate mode: events must not wait for a full buffer. The timeout
     * still wakes the loop so idle connections expire. */
    pcap_set_snaplen(c->p, SM_SNAPLEN);
    pcap_set_immediate_mode(c->p, 1);
    pcap_set_buffer_size(c->p, SM_LIVE_BUFFER_BYTES);
    pcap_set_timeout(c->p, 500);
    int rc = pcap_activate(c->p);
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", iface,
                 rc == PCAP_ERROR ? pcap_geterr(c->p) : pcap_statustostr(rc));
        pcap_close(c->p);
        free(c);
        return NULL;
    }
    return c;
}

int sm_capture_datalink(const struct sm_capture *c)
{
    return pcap_datalink(c->p);
}

const char *sm_capture_datalink_name(const struct sm_capture *c)
{
    const char *n = pcap_datalink_val_to_name(pcap_datalink(c->p));
    return n ? n : "unknown";
}

bool sm_capture_build_filter(int dlt, const uint16_t *ports, size_t nports, const char *extra,
                             char *out, size_t outlen)
{
    char portexpr[SM_MAX_PORTS * sizeof(" or port 65535")] = "";
    char base[sizeof(portexpr) + 512];
    size_t o = 0;

    if (dlt == DLT_NFLOG)
        return false;
    if (nports == 0 || nports > SM_MAX_PORTS)
        return false;
    for (size_t i = 0; i < nports; i++) {
        int n = snprintf(portexpr + o, sizeof(portexpr) - o, "%sport %u", i ? " or " : "",
                         ports[i]);
        if (n < 0 || (size_t)n >= sizeof(portexpr) - o)
            return false;
        o += (size_t)n;
    }
    /* ICMP unreachable (3) and time exceeded (11); ICMPv6 unreachable (1),
     * packet too big (2), time exceeded (3); GRE and VXLAN carry mirrored
     * traffic whose inner headers the program checks. */
    snprintf(base, sizeof(base),
             "((tcp and (%s)) or (icmp and (icmp[0] == 3 or icmp[0] == 11)) or "
             "(icmp6 and (ip6[40] == 1 or ip6[40] == 2 or ip6[40] == 3)) or "
             "(ip proto 47) or (udp port 4789))",
             portexpr);
    char full[sizeof(base) * 3 + 64];
    if (dlt == DLT_EN10MB) /* "vlan" changes the offsets of what follows */
        snprintf(full, sizeof(full), "%s or (vlan and (%s or (vlan and %s)))", base, base, base);
    else
        snprintf(full, sizeof(full), "%s", base);
    if (extra && *extra)
        snprintf(out, outlen, "(%s) and (%s)", full, extra);
    else
        snprintf(out, outlen, "%s", full);
    return true;
}

int sm_capture_set_filter(struct sm_capture *c, const uint16_t *ports, size_t nports,
                          const char *extra, char *err, size_t errlen)
{
    char expr[8192];
    struct bpf_program prog;
    int dlt = pcap_datalink(c->p);

    if (!sm_capture_build_filter(dlt, ports, nports, extra, expr, sizeof(expr))) {
        if (extra && *extra) {
            snprintf(err, errlen,
                     "-f cannot be applied on link type %s: libpcap compiles no "
                     "filter for it",
                     sm_capture_datalink_name(c));
            return -1;
        }
        return 0;
    }
    if (pcap_compile(c->p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        snprintf(err, errlen, "filter: %s", pcap_geterr(c->p));
        return -1;
    }
    int rc = pcap_setfilter(c->p, &prog);
    pcap_freecode(&prog);
    if (rc != 0) {
        snprintf(err, errlen, "filter: %s", pcap_geterr(c->p));
        return -1;
    }
    return 0;
}

enum sm_capture_rc sm_capture_next(struct sm_capture *c, struct sm_captured *pkt)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc = pcap_next_ex(c->p, &h, &data);
    switch (rc) {
    case 1:
        pkt->data = data;
        pkt->cap_len = h->caplen;
        pkt->wire_len = h->len;
        pkt->ts_us = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
        return SM_CAP_PACKET;
    case 0:
        return SM_CAP_TIMEOUT;
    case PCAP_ERROR_BREAK:
        return SM_CAP_EOF;
    default:
        return SM_CAP_ERROR;
    }
}

const char *sm_capture_error(struct sm_capture *c)
{
    return pcap_geterr(c->p);
}

bool sm_capture_stats(struct sm_capture *c, uint64_t *recv, uint64_t *drop, uint64_t *ifdrop)
{
    struct pcap_stat st;
    if (!c->live || pcap_stats(c->p, &st) != 0)
        return false;
    *recv = st.ps_recv;
    *drop = st.ps_drop;
    *ifdrop = st.ps_ifdrop;
    return true;
}

void sm_capture_break(struct sm_capture *c)
{
    if (c && c->p)
        pcap_breakloop(c->p);
}

void sm_capture_close(struct sm_capture *c)
{
    if (!c)
        return;
    pcap_close(c->p); /* closes the FILE first */
    free(c->file_buf);
    free(c);
}
