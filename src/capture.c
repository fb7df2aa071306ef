/* SPDX-License-Identifier: MIT */
/* summary: libpcap file and live capture, and the per-link-type filter. */
#include "config.h"
#include "capture.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <libnfnetlink/libnfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "prefilter.h"
#include "sm_limits.h"
#include "thread.h"

/* The stdio buffer of a file: large enough that read(2) calls are rare,
 * small enough to stay in a core's L2 (1 MB here) next to what the reader
 * writes, so the two copies out of it (the kernel's in, fread's out) do not
 * go to memory; 1 MB measured about 8 % slower over the whole run. */
#define SM_FILE_BUFFER (128 * 1024)

/* Read-ahead for files: a thread reads packets through libpcap (the two
 * freads, the BPF filter; and the prepare function, if one is set) into
 * batches while the analysis works on the batch before, so the reading, about a quarter of the work
 * on a large capture, runs on a second core. Batches carry records of struct sm_cap_rec, each
 * followed by its bytes, 8-byte aligned. */
#define SM_CAP_BATCH (1024 * 1024) /* bytes of records per batch */
/* Batches read ahead at most: 12 MB, about 30,000 packets. The reader
 * shares its CPU with the describe and write threads, whose work comes in
 * bursts; with only 4 batches the analysis often found none ready and
 * waited (bench/pair.sh on issue-mix: 12 took 240 ms less than 4, standard
 * error 80 ms; 32 did no better than 12). Memory is this once, whatever the
 * capture's length. */
#define SM_CAP_BATCHES 12

struct sm_cap_rec {
    uint32_t cap_len, wire_len;
    int64_t ts_us;
    uint32_t data_len; /* bytes that follow the prepared area */
    uint32_t spare;
};

struct sm_cap_batch {
    struct sm_cap_batch *next;
    size_t used, cap, rd; /* bytes of records, of room; where the analysis reads */
    size_t ahead_rd;      /* SM_CAP_LOOKAHEAD records after rd, or used */
    size_t hinted;        /* bytes up to which the cache was told we come */
    unsigned char data[];
};

struct sm_cap_ahead {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    struct sm_cap_batch *full, **full_tail; /* read, waiting for the analysis */
    struct sm_cap_batch *free;              /* for the reader to fill */
    unsigned nfull;
    bool stop; /* the analysis wants no more */
    bool done; /* the reader ended, with end_rc */
    enum sm_capture_rc end_rc;
    char err[PCAP_ERRBUF_SIZE + 64];
    struct sm_cap_batch *cur; /* the batch the analysis reads from */
};

struct sm_capture {
    pcap_t *p;
    bool live;
    char *file_buf;                /* the stdio buffer of a file input; freed after pcap_close */
    struct sm_cap_ahead *ahead;    /* files: started by the first sm_capture_next() */
    bool ahead_failed;             /* no thread: read in place */
    volatile sig_atomic_t broken;  /* sm_capture_break() was called */
    sm_capture_prepare_fn prepare; /* run by the reader on each packet */
    void *prepare_ctx;
    size_t prepare_size; /* bytes of each record for it, a multiple of 8 */
    /* Files: the filter is applied here, not by libpcap (which filters a
     * file in user space as well), so that the packets it drops still
     * tell when the capture ended (end_ts). On Ethernet with the default
     * filter, sm_prefilter_ethernet() decides where it can tell, instead
     * of the BPF interpreter running on every packet. */
    bool own_filter;
    struct bpf_program prog;
    uint8_t *ports; /* bitmap of the SSH ports, for the prefilter; NULL: prog only */
    /* The latest time of any packet read from a file, filtered or not: a
     * silent death is proved only by capture time passing after the last
     * retransmission, and a pcap file records no stop time of its own
     * (doc/verdicts.md, retransmission-death). */
    int64_t end_ts;
    /* Live */
    int fd;                /* pcap_get_selectable_fd() */
    bool nflog;            /* a netlink socket: blocking, read only when ready */
    unsigned holdback_ms;  /* how long the kernel may hold a packet back */
    uint32_t snaplen;      /* in effect */
    uint64_t buffer_bytes; /* asked for */
    uint64_t nobufs;       /* nflog: overruns seen by our own peek */
    /* libpcap's counters are 32 bits: the last values read, and their
     * 64-bit sums. */
    uint32_t raw[3];
    uint64_t total[3];
    char wait_err[128]; /* why sm_capture_wait() failed */
    /* -f naming vlan, mpls, pppoes or geneve: run apart, after the default
     * filter (sm_capture_filter_apart()). */
    bool user_filter;
    struct bpf_program user_prog;
};

void sm_capture_set_prepare(struct sm_capture *c, size_t out_size, sm_capture_prepare_fn fn,
                            void *ctx)
{
    c->prepare = fn;
    c->prepare_ctx = ctx;
    c->prepare_size = fn ? (out_size + 7) & ~(size_t)7 : 0;
}

/* Whether f has a first byte (put back for libpcap), else why not: an
 * empty file is said as such, not as libpcap's "truncated dump file; tried
 * to read 4 file header bytes, only got 0". */
static bool sm_capture_not_empty(FILE *f, char *err, size_t errlen)
{
    int ch = getc(f);
    if (ch != EOF && ungetc(ch, f) != EOF)
        return true;
    if (ch == EOF && !ferror(f))
        snprintf(err, errlen, "empty file");
    else
        snprintf(err, errlen, "%s", strerror(errno ? errno : EIO));
    return false;
}

struct sm_capture *sm_capture_open_file(const char *path, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    struct sm_capture *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (strcmp(path, "-") == 0) {
        if (!sm_capture_not_empty(stdin, err, errlen)) {
            free(c);
            return NULL;
        }
        c->p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
    } else {
        /* Our own FILE with a large buffer: libpcap reads every record with
         * two fread() calls, and stdio's default 4 KB buffer turns a file
         * into one read(2) per 4 KB (a sixth of the whole run on a large
         * capture). libpcap owns the FILE from here and closes it. */
        FILE *f = fopen(path, "rb");
        if (!f) {
            snprintf(err, errlen, "%s", strerror(errno)); /* the caller names the file */
            free(c);
            return NULL;
        }
        /* One thread reads it: no stdio lock per fread (two per packet). */
        __fsetlocking(f, FSETLOCKING_BYCALLER);
        /* glibc ignores the size unless it is given the buffer too. */
        c->file_buf = malloc(SM_FILE_BUFFER);
        if (c->file_buf)
            setvbuf(f, c->file_buf, _IOFBF, SM_FILE_BUFFER);
        if (!sm_capture_not_empty(f, err, errlen)) {
            fclose(f);
            free(c->file_buf);
            free(c);
            return NULL;
        }
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

/* The kernel's NFLOG instance batches packets for a group until it holds
 * 100 (or the rule's --nflog-threshold) or for one second: a connection
 * that ended within a second before a stop lost its last packets. Each
 * group bound by "nflog:N[,M...]" (libpcap's syntax; none: group 0) is told
 * to flush after SM_LIVE_BLOCK_MS, over the socket that bound it. Returns
 * false if a message could not be sent (the default second then holds). */
static bool sm_cap_nflog_timeout(int fd, const char *iface)
{
    const char *g = strchr(iface, ':');
    bool ok = true;
    do {
        long group = 0;
        if (g) {
            char *end;
            group = strtol(g + 1, &end, 0);
            g = *end == ',' ? end : NULL;
        }
        union {
            struct nlmsghdr h;
            char buf[NLMSG_SPACE(sizeof(struct nfgenmsg)) + 64];
        } m;
        memset(&m, 0, sizeof(m));
        m.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct nfgenmsg));
        m.h.nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
        m.h.nlmsg_flags = NLM_F_REQUEST;
        struct nfgenmsg *nfg = NLMSG_DATA(&m.h);
        nfg->nfgen_family = AF_UNSPEC;
        nfg->version = NFNETLINK_V0;
        nfg->res_id = htons((uint16_t)group);
        /* In hundredths of a second, big-endian. */
        if (nfnl_addattr32(&m.h, sizeof(m), NFULA_CFG_TIMEOUT, htonl(SM_LIVE_BLOCK_MS / 10)) != 0)
            return false;
        struct sockaddr_nl to = { .nl_family = AF_NETLINK };
        if (sendto(fd, &m, m.h.nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
            ok = false;
    } while (g);
    return ok;
}

struct sm_capture *sm_capture_open_live(const char *iface, uint32_t snaplen, uint64_t buffer_bytes,
                                        char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    struct sm_capture *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->live = true;
    c->fd = -1;
    c->buffer_bytes = buffer_bytes ? buffer_bytes : SM_LIVE_BUFFER_BYTES;
    c->p = pcap_create(iface, ebuf);
    if (!c->p) {
        snprintf(err, errlen, "%s", ebuf);
        free(c);
        return NULL;
    }
    /* Not immediate mode: in immediate mode libpcap 1.10 uses TPACKET_V2,
     * a ring of fixed slots each as large as the biggest packet the
     * interface may deliver (64 KB with offloads), so 16 MB held 256
     * packets and a burst overran it. TPACKET_V3 packs packets into blocks
     * as they are; a block goes to us when full or SM_LIVE_BLOCK_MS old.
     * An idle wire never wakes libpcap's own wait, so the engine waits on
     * the descriptor itself with a timeout of its own. */
    pcap_set_snaplen(c->p, snaplen ? (int)snaplen : SM_SNAPLEN);
    pcap_set_buffer_size(c->p, c->buffer_bytes > INT32_MAX ? INT32_MAX : (int)c->buffer_bytes);
    pcap_set_timeout(c->p, SM_LIVE_BLOCK_MS);
    int rc = pcap_activate(c->p);
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", iface,
                 rc == PCAP_ERROR ? pcap_geterr(c->p) : pcap_statustostr(rc));
        pcap_close(c->p);
        free(c);
        return NULL;
    }
    c->snaplen = (uint32_t)pcap_snapshot(c->p);
    c->fd = pcap_get_selectable_fd(c->p);
    /* libpcap's netlink reader treats EAGAIN as an error: that socket stays
     * blocking and is read only when poll() says it has data. */
    c->nflog = pcap_datalink(c->p) == DLT_NFLOG;
    c->holdback_ms = SM_LIVE_BLOCK_MS;
    if (c->nflog && !sm_cap_nflog_timeout(c->fd, iface))
        c->holdback_ms = 1000;
    if (c->fd < 0 || (!c->nflog && pcap_setnonblock(c->p, 1, ebuf) != 0)) {
        snprintf(err, errlen, "%s: cannot wait for packets: %s", iface,
                 c->fd < 0 ? "no selectable descriptor" : ebuf);
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

bool sm_capture_filter_apart(const char *extra)
{
    static const char *const kw[] = { "vlan", "mpls", "pppoes", "geneve" };
    const char *s = extra ? extra : "";
    while (*s) {
        while (*s && !isalnum((unsigned char)*s) && *s != '_')
            s++;
        const char *w = s;
        while (*s && (isalnum((unsigned char)*s) || *s == '_' || *s == '.' || *s == '-'))
            s++;
        for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
            if ((size_t)(s - w) == strlen(kw[i]) && strncmp(w, kw[i], (size_t)(s - w)) == 0)
                return true;
    }
    return false;
}

bool sm_capture_build_filter(int dlt, const uint16_t *ports, size_t nports, const char *extra,
                             char *out, size_t outlen)
{
    char portexpr[SM_MAX_PORTS * sizeof(" or port 65535")] = "";
    char base[sizeof(portexpr) + 1024];
    size_t o = 0;
    int n;

    if (dlt == DLT_NFLOG)
        return false;
    if (nports > SM_MAX_PORTS)
        return false;
    for (size_t i = 0; i < nports; i++) {
        n = snprintf(portexpr + o, sizeof(portexpr) - o, "%sport %u", i ? " or " : "", ports[i]);
        if (n < 0 || (size_t)n >= sizeof(portexpr) - o)
            return false;
        o += (size_t)n;
    }
    /* ICMP unreachable (3) and time exceeded (11); ICMPv6 unreachable (1),
     * packet too big (2), time exceeded (3); GRE, VXLAN and Geneve carry mirrored
     * traffic whose inner headers the program checks. */
    /* TCP on other ports whose payload starts with "SSH-" (an
     * identification line) too, so that SSH on a port not listed is seen
     * and said (engine.c); tcp[] is IPv4 only, hence the IPv6 twin, for a
     * TCP header right after the fixed one. With no ports (-p auto), all
     * TCP. */
    if (nports == 0)
        snprintf(portexpr, sizeof(portexpr), "tcp");
    snprintf(base, sizeof(base),
             "(%s%s%s or "
             "(icmp and (icmp[0] == 3 or icmp[0] == 11)) or "
             "(icmp6 and (ip6[40] == 1 or ip6[40] == 2 or ip6[40] == 3)) or "
             "(ip proto 47) or (udp port 4789) or (udp port 6081))",
             nports ? "(tcp and (" : "", portexpr,
             nports ? ")) or (tcp and tcp[((tcp[12] & 0xf0) >> 2):4] == 0x5353482d) or "
                      "(ip6 and ip6[6] == 6 and "
                      "ip6[(40 + ((ip6[52] & 0xf0) >> 2)):4] == 0x5353482d)"
                    : "");
    bool extra_given = extra && *extra && !sm_capture_filter_apart(extra);
    if (dlt != DLT_EN10MB) {
        n = extra_given ? snprintf(out, outlen, "(%s) and (%s)", base, extra)
                        : snprintf(out, outlen, "%s", base);
    } else if (!extra_given) {
        /* Untagged, behind one tag, behind two: each "vlan" moves the
         * offsets of everything written after it by 4 bytes, so the
         * second and third copies of base read the tagged headers. */
        n = snprintf(out, outlen, "%s or (vlan and (%s or (vlan and %s)))", base, base, base);
    } else {
        /* The user's filter is repeated beside each copy of base, so it
         * reads the same headers base does: written once after the whole
         * default, it would read 8 bytes into every frame and match
         * nothing but double-tagged ones. */
        n = snprintf(out, outlen,
                     "(%s and (%s)) or (vlan and ((%s and (%s)) or (vlan and %s and (%s))))", base,
                     extra, base, extra, base, extra);
    }
    return n >= 0 && (size_t)n < outlen;
}

int sm_capture_set_filter(struct sm_capture *c, const uint16_t *ports, size_t nports,
                          const char *extra, char *err, size_t errlen)
{
    char expr[SM_FILTER_MAX];
    struct bpf_program prog;
    int dlt = pcap_datalink(c->p);

    if (dlt == DLT_NFLOG) {
        if (extra && *extra) {
            snprintf(err, errlen,
                     "-f cannot be applied on link type %s: libpcap compiles no "
                     "filter for it",
                     sm_capture_datalink_name(c));
            return -1;
        }
        return 0;
    }
    if (!sm_capture_build_filter(dlt, ports, nports, extra, expr, sizeof(expr))) {
        snprintf(err, errlen, "-f: filter too long");
        return -1;
    }
    if (pcap_compile(c->p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        snprintf(err, errlen, "filter: %s", pcap_geterr(c->p));
        return -1;
    }
    /* A filter that moves the offsets itself is compiled alone, exactly as
     * tcpdump would compile it, and run on each packet the default filter
     * takes. On a dead handle: libpcap reinserts the VLAN tags a live
     * Linux capture strips, so the in-packet code is the right one. */
    bool apart = extra && *extra && sm_capture_filter_apart(extra);
    if (apart && !c->user_filter) {
        pcap_t *dead = pcap_open_dead(dlt, SM_SNAPLEN);
        if (!dead) {
            pcap_freecode(&prog);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        if (pcap_compile(dead, &c->user_prog, extra, 1, PCAP_NETMASK_UNKNOWN) != 0) {
            snprintf(err, errlen, "filter: %s", pcap_geterr(dead));
            pcap_close(dead);
            pcap_freecode(&prog);
            return -1;
        }
        pcap_close(dead);
        c->user_filter = true;
    }
    if (!c->live && !c->own_filter) {
        if (dlt == DLT_EN10MB && !(extra && *extra && !apart)) {
            c->ports = calloc(SM_PORTSET_BYTES, 1);
            if (c->ports) {
                for (size_t i = 0; i < nports; i++)
                    sm_port_set(c->ports, ports[i]);
                if (nports == 0) /* all TCP */
                    memset(c->ports, 0xff, SM_PORTSET_BYTES);
            }
        }
        c->prog = prog; /* freed at close */
        c->own_filter = true;
        return 0;
    }
    int rc = pcap_setfilter(c->p, &prog);
    pcap_freecode(&prog);
    if (rc != 0) {
        snprintf(err, errlen, "filter: %s", pcap_geterr(c->p));
        return -1;
    }
    return 0;
}

/* Whether the filter kept in c (own_filter) takes this packet. */
static bool sm_capture_accepts(const struct sm_capture *c, const struct pcap_pkthdr *h,
                               const u_char *data)
{
    if (!c->ports)
        return pcap_offline_filter(&c->prog, h, data) != 0;
    enum sm_prefilter_verdict v = sm_prefilter_ethernet(c->ports, data, h->caplen);
    if (v == SM_PF_UNSURE)
        return pcap_offline_filter(&c->prog, h, data) != 0;
    return v == SM_PF_ACCEPT;
}

/* One packet straight from libpcap (that the filter takes). */
static enum sm_capture_rc sm_capture_read(struct sm_capture *c, struct sm_captured *pkt)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc;
    for (;;) {
        rc = pcap_next_ex(c->p, &h, &data);
        if (rc != 1)
            break;
        int64_t ts = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
        if (!c->live && ts > c->end_ts)
            c->end_ts = ts;
        if (!(c->own_filter && !sm_capture_accepts(c, h, data)) &&
            !(c->user_filter && !pcap_offline_filter(&c->user_prog, h, data)))
            break;
    }
    switch (rc) {
    case 1:
        pkt->prepared = NULL;
        pkt->prepared_ahead = NULL;
        pkt->data = data;
        pkt->data_len = h->caplen;
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

/* How far ahead of the analysis the batch being read is prefetched. */
#define SM_CAP_PREFETCH_BYTES 32768u

/* A record: its header, the prepared area, the bytes kept, padding. */
static size_t sm_cap_rec_size(const struct sm_capture *c, uint32_t data_len)
{
    return (sizeof(struct sm_cap_rec) + c->prepare_size + data_len + 7) & ~(size_t)7;
}

/* The reader thread: fills batches until the file ends, fails, or the
 * analysis stops it. */
static void *sm_cap_reader(void *arg)
{
    struct sm_capture *c = arg;
    struct sm_cap_ahead *a = c->ahead;
    struct sm_cap_batch *b = NULL;
    struct sm_captured pkt;
    enum sm_capture_rc rc = SM_CAP_EOF;
    bool stop = false;

    while (!stop) {
        rc = sm_capture_read(c, &pkt);
        if (rc == SM_CAP_TIMEOUT)
            continue;
        size_t need = rc == SM_CAP_PACKET ? sm_cap_rec_size(c, pkt.cap_len) : 0;
        /* Hand the batch over when it is full or the file ended. */
        if (b && (rc != SM_CAP_PACKET || b->cap - b->used < need)) {
            pthread_mutex_lock(&a->lock);
            *a->full_tail = b;
            a->full_tail = &b->next;
            a->nfull++;
            pthread_cond_broadcast(&a->changed);
            pthread_mutex_unlock(&a->lock);
            b = NULL;
        }
        if (rc != SM_CAP_PACKET)
            break;
        if (!b) {
            /* A batch to fill: wait while enough are read ahead. */
            pthread_mutex_lock(&a->lock);
            while (a->nfull >= SM_CAP_BATCHES && !a->stop)
                pthread_cond_wait(&a->changed, &a->lock);
            stop = a->stop;
            if (!stop && a->free && a->free->cap >= need) {
                b = a->free;
                a->free = b->next;
            }
            pthread_mutex_unlock(&a->lock);
            if (stop)
                break;
            if (!b) {
                size_t cap = need > SM_CAP_BATCH ? need : SM_CAP_BATCH;
                b = malloc(sizeof(*b) + cap);
                if (!b) {
                    rc = SM_CAP_ERROR;
                    snprintf(a->err, sizeof(a->err), "out of memory");
                    break;
                }
                b->cap = cap;
            }
            b->next = NULL;
            b->used = b->rd = 0;
        }
        /* need was for all the bytes; the record is as long as what is kept. */
        struct sm_cap_rec r = { pkt.cap_len, pkt.wire_len, pkt.ts_us, pkt.cap_len, 0 };
        unsigned char *at = b->data + b->used;
        unsigned char *keep = at + sizeof(r) + c->prepare_size;
        if (c->prepare) {
            uint32_t kept = c->prepare(c->prepare_ctx, &pkt, at + sizeof(r), keep);
            r.data_len = kept < pkt.cap_len ? kept : pkt.cap_len;
        } else {
            memcpy(keep, pkt.data, pkt.cap_len);
        }
        memcpy(at, &r, sizeof(r));
        b->used += sm_cap_rec_size(c, r.data_len);
    }
    if (rc == SM_CAP_ERROR && !a->err[0])
        snprintf(a->err, sizeof(a->err), "%s", pcap_geterr(c->p));
    pthread_mutex_lock(&a->lock);
    if (b) { /* stopped with a batch in hand */
        b->next = a->free;
        a->free = b;
    }
    a->done = true;
    a->end_rc = rc == SM_CAP_ERROR ? SM_CAP_ERROR : SM_CAP_EOF;
    pthread_cond_broadcast(&a->changed);
    pthread_mutex_unlock(&a->lock);
    return NULL;
}

/* Starts the reader; false (and reads stay in place) if it cannot. */
static bool sm_cap_ahead_start(struct sm_capture *c)
{
    struct sm_cap_ahead *a = calloc(1, sizeof(*a));
    if (!a)
        return false;
    a->full_tail = &a->full;
    if (pthread_mutex_init(&a->lock, NULL) != 0) {
        free(a);
        return false;
    }
    if (pthread_cond_init(&a->changed, NULL) != 0) {
        pthread_mutex_destroy(&a->lock);
        free(a);
        return false;
    }
    c->ahead = a;
    /* Signals are for the analysis thread (its handlers stop the loop). */
    if (!sm_thread_start(&a->thread, "sm-read", sm_cap_reader, c)) {
        pthread_cond_destroy(&a->changed);
        pthread_mutex_destroy(&a->lock);
        free(a);
        c->ahead = NULL;
        return false;
    }
    return true;
}

static void sm_cap_free_list(struct sm_cap_batch *b)
{
    while (b) {
        struct sm_cap_batch *next = b->next;
        free(b);
        b = next;
    }
}

static void sm_cap_ahead_stop(struct sm_capture *c)
{
    struct sm_cap_ahead *a = c->ahead;
    if (!a)
        return;
    pthread_mutex_lock(&a->lock);
    a->stop = true;
    pthread_cond_broadcast(&a->changed);
    pthread_mutex_unlock(&a->lock);
    pthread_join(a->thread, NULL);
    sm_cap_free_list(a->full);
    sm_cap_free_list(a->free);
    free(a->cur);
    pthread_cond_destroy(&a->changed);
    pthread_mutex_destroy(&a->lock);
    free(a);
    c->ahead = NULL;
}

/* The next packet of the read-ahead batches. */
static enum sm_capture_rc sm_cap_ahead_next(struct sm_capture *c, struct sm_captured *pkt)
{
    struct sm_cap_ahead *a = c->ahead;
    struct sm_cap_batch *b = a->cur;
    if (!b || b->rd >= b->used) {
        pthread_mutex_lock(&a->lock);
        if (b) { /* the last packet of it is no longer borrowed */
            b->used = b->rd = 0;
            b->next = a->free;
            a->free = b;
            a->cur = NULL;
        }
        while (!a->full && !a->done)
            pthread_cond_wait(&a->changed, &a->lock);
        b = a->full;
        if (b) {
            a->full = b->next;
            if (!a->full)
                a->full_tail = &a->full;
            a->nfull--;
            b->next = NULL;
            a->cur = b;
        }
        pthread_cond_broadcast(&a->changed);
        pthread_mutex_unlock(&a->lock);
        if (!b)
            return a->end_rc;
    }
    struct sm_cap_rec r;
    /* The reader wrote this batch on another CPU, some megabytes ago: each
     * cache line of it would be a miss (the hardware prefetcher stops at
     * page boundaries), the analysis thread's largest stall. */
    if (b->rd == 0)
        b->hinted = 0;
    size_t hint_to =
            b->rd + SM_CAP_PREFETCH_BYTES < b->used ? b->rd + SM_CAP_PREFETCH_BYTES : b->used;
    /* One hint per 128 bytes: the adjacent-line prefetcher fetches pairs. */
    for (; b->hinted < hint_to; b->hinted += 128)
        __builtin_prefetch(b->data + b->hinted);
    if (b->rd == 0) { /* a new batch: the look-ahead starts SM_CAP_LOOKAHEAD on */
        b->ahead_rd = 0;
        for (unsigned i = 0; i < SM_CAP_LOOKAHEAD && b->ahead_rd < b->used; i++) {
            memcpy(&r, b->data + b->ahead_rd, sizeof(r));
            b->ahead_rd += sm_cap_rec_size(c, r.data_len);
        }
    }
    pkt->prepared_ahead = NULL;
    if (b->ahead_rd < b->used) {
        unsigned char *ah = b->data + b->ahead_rd;
        memcpy(&r, ah, sizeof(r));
        pkt->prepared_ahead = c->prepare ? ah + sizeof(r) : NULL;
        b->ahead_rd += sm_cap_rec_size(c, r.data_len);
    }
    unsigned char *at = b->data + b->rd;
    memcpy(&r, at, sizeof(r));
    pkt->prepared = c->prepare ? at + sizeof(r) : NULL;
    pkt->data = at + sizeof(r) + c->prepare_size;
    pkt->data_len = r.data_len;
    pkt->cap_len = r.cap_len;
    pkt->wire_len = r.wire_len;
    pkt->ts_us = r.ts_us;
    b->rd += sm_cap_rec_size(c, r.data_len);
    return SM_CAP_PACKET;
}

enum sm_capture_rc sm_capture_next(struct sm_capture *c, struct sm_captured *pkt)
{
    if (c->broken)
        return SM_CAP_EOF; /* also ahead of packets already read ahead */
    if (!c->live && !c->ahead && !c->ahead_failed)
        c->ahead_failed = !sm_cap_ahead_start(c);
    if (c->ahead)
        return sm_cap_ahead_next(c, pkt);
    return sm_capture_read(c, pkt);
}

int sm_capture_wait(struct sm_capture *c, int wake_fd, int other_fd, int timeout_ms)
{
    /* A negative fd is ignored by poll(). */
    struct pollfd pfd[3] = { { .fd = c->fd, .events = POLLIN },
                             { .fd = wake_fd, .events = POLLIN },
                             { .fd = other_fd, .events = POLLIN } };
    int n = poll(pfd, 3, timeout_ms);
    if (n < 0 && errno != EINTR) {
        snprintf(c->wait_err, sizeof(c->wait_err), "poll: %s", strerror(errno));
        return -1;
    }
    /* POLLERR/POLLHUP too: the read that follows reports the error. */
    return n > 0 && pfd[0].revents != 0;
}

int sm_capture_fd(const struct sm_capture *c)
{
    return c->fd;
}

bool sm_capture_is_nflog(const struct sm_capture *c)
{
    return c->nflog;
}

/* libpcap's callback, to ours. */
struct sm_cap_cb {
    sm_capture_fn fn;
    void *ctx;
};

static void sm_cap_handler(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    const struct sm_cap_cb *cb = (const struct sm_cap_cb *)user;
    struct sm_captured pkt = {
        .data = data,
        .data_len = h->caplen,
        .cap_len = h->caplen,
        .wire_len = h->len,
        .ts_us = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec,
    };
    cb->fn(cb->ctx, &pkt);
}

int sm_capture_dispatch(struct sm_capture *c, int max, sm_capture_fn fn, void *ctx)
{
    if (c->nflog) {
        /* Read only what is there: a blocking recv() on an empty socket
         * would stall the loop (after an overrun poll() says "error", the
         * error is all there is). An overrun (ENOBUFS) lost packets: it is
         * counted with the drops. */
        char b;
        if (recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) < 0) {
            if (errno == ENOBUFS)
                c->nobufs++;
            return 0; /* nothing to read now */
        }
    }
    struct sm_cap_cb cb = { fn, ctx };
    int n = pcap_dispatch(c->p, max, sm_cap_handler, (u_char *)&cb);
    return n == PCAP_ERROR_BREAK ? 0 : n < 0 ? -1 : n;
}

static int64_t sm_cap_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int sm_capture_drain(struct sm_capture *c, sm_capture_fn fn, void *ctx)
{
    int64_t deadline = sm_cap_mono_ms() + sm_capture_holdback_ms(c) + SM_LIVE_DRAIN_MS;
    int total = 0;
    for (;;) {
        int n;
        do { /* all that is ready now */
            n = sm_capture_dispatch(c, SM_LIVE_BATCH, fn, ctx);
            if (n < 0)
                return -1;
            total += n;
        } while (n > 0);
        int64_t left = deadline - sm_cap_mono_ms();
        if (left <= 0)
            return total;
        /* Then what a block not yet full releases when it times out. */
        int r = sm_capture_wait(c, -1, -1, (int)left);
        if (r < 0)
            return -1;
        if (r == 0 && deadline - sm_cap_mono_ms() <= 0)
            return total;
    }
}

unsigned sm_capture_holdback_ms(const struct sm_capture *c)
{
    return c->holdback_ms;
}

uint32_t sm_capture_snaplen(const struct sm_capture *c)
{
    return c->snaplen;
}

uint64_t sm_capture_buffer_bytes(const struct sm_capture *c)
{
    return c->buffer_bytes;
}

const char *sm_capture_error(struct sm_capture *c)
{
    /* The reader has ended when an error reached the analysis. */
    if (c->ahead && c->ahead->err[0])
        return c->ahead->err;
    if (c->wait_err[0])
        return c->wait_err;
    return pcap_geterr(c->p);
}

bool sm_capture_stats(struct sm_capture *c, uint64_t *recv, uint64_t *drop, uint64_t *ifdrop)
{
    struct pcap_stat st;
    if (!c->live || pcap_stats(c->p, &st) != 0)
        return false;
    /* Cumulative since the capture opened, 32 bits: add the differences. */
    uint32_t now[3] = { st.ps_recv, st.ps_drop, st.ps_ifdrop };
    for (int i = 0; i < 3; i++) {
        c->total[i] += (uint32_t)(now[i] - c->raw[i]);
        c->raw[i] = now[i];
    }
    *recv = c->total[0];
    *drop = c->total[1] + c->nobufs;
    *ifdrop = c->total[2];
    return true;
}

void sm_capture_break(struct sm_capture *c)
{
    if (c && c->p) {
        c->broken = 1;
        pcap_breakloop(c->p);
    }
}

int64_t sm_capture_end_ts(const struct sm_capture *c)
{
    /* A break stops the analysis ahead of the reader (and of its end). */
    return c->broken ? 0 : c->end_ts;
}

void sm_capture_close(struct sm_capture *c)
{
    if (!c)
        return;
    sm_cap_ahead_stop(c);
    pcap_close(c->p); /* closes the FILE first */
    if (c->own_filter)
        pcap_freecode(&c->prog);
    if (c->user_filter)
        pcap_freecode(&c->user_prog);
    free(c->ports);
    free(c->file_buf);
    free(c);
}
