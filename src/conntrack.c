/* SPDX-License-Identifier: MIT */
/* summary: the conntrack witness: event subscription and parsing through
 * libnetfilter_conntrack, statistics parsing through the cursor. */
#include "config.h"
#include "conntrack.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* The receive buffer: a burst of events (a port scan, a table flush ends
 * thousands of entries at once) is about 200 bytes an event; 8 MiB holds
 * some 40000 before the kernel drops (ENOBUFS, counted). */
#define SM_CT_RCVBUF (8u << 20)

struct sm_ct {
    struct nfct_handle *h;
    int fd;
    int stats_fd; /* NETLINK_NETFILTER for statistics requests; -1: none */
    uint32_t seq;
    struct sm_ct_counters cnt;
    uint8_t buf[1u << 16];
};

const char *sm_ct_state_name(uint8_t state)
{
    static const char *const n[] = { "NONE",     "SYN_SENT",   "SYN_RECV", "ESTABLISHED",
                                     "FIN_WAIT", "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT",
                                     "CLOSE",    "SYN_SENT2" };
    return state < sizeof(n) / sizeof(n[0]) ? n[state] : "UNKNOWN";
}

static int64_t sm_ct_wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* One tuple's addresses and ports (network order in the library). */
static void sm_ct_tuple(const struct nf_conntrack *ct, bool v6, bool repl, struct sm_addr *src,
                        struct sm_addr *dst, uint16_t *sport, uint16_t *dport)
{
    memset(src, 0, sizeof(*src));
    memset(dst, 0, sizeof(*dst));
    if (v6) {
        const void *s = nfct_get_attr(ct, repl ? ATTR_REPL_IPV6_SRC : ATTR_ORIG_IPV6_SRC);
        const void *d = nfct_get_attr(ct, repl ? ATTR_REPL_IPV6_DST : ATTR_ORIG_IPV6_DST);
        if (s)
            memcpy(src->b, s, 16);
        if (d)
            memcpy(dst->b, d, 16);
    } else {
        uint32_t s = nfct_get_attr_u32(ct, repl ? ATTR_REPL_IPV4_SRC : ATTR_ORIG_IPV4_SRC);
        uint32_t d = nfct_get_attr_u32(ct, repl ? ATTR_REPL_IPV4_DST : ATTR_ORIG_IPV4_DST);
        memcpy(src->b, &s, 4);
        memcpy(dst->b, &d, 4);
    }
    *sport = ntohs(nfct_get_attr_u16(ct, repl ? ATTR_REPL_PORT_SRC : ATTR_ORIG_PORT_SRC));
    *dport = ntohs(nfct_get_attr_u16(ct, repl ? ATTR_REPL_PORT_DST : ATTR_ORIG_PORT_DST));
}

/* One conntrack message (framing already checked): a TCP entry's event to
 * fn; false when it is not one (another protocol, another message). */
static bool sm_ct_message(const struct nlmsghdr *nlh, int64_t ts_us, sm_ct_fn fn, void *ctx,
                          struct sm_ct_counters *cnt)
{
    if ((nlh->nlmsg_type >> 8) != NFNL_SUBSYS_CTNETLINK)
        return false;
    uint16_t msg = nlh->nlmsg_type & 0xff;
    if (msg != IPCTNL_MSG_CT_NEW && msg != IPCTNL_MSG_CT_DELETE)
        return false;
    struct nf_conntrack *ct = nfct_new();
    if (!ct)
        return false;
    bool used = false;
    if (nfct_nlmsg_parse(nlh, ct) < 0) {
        cnt->malformed++;
        goto out;
    }
    if (!nfct_attr_is_set(ct, ATTR_L4PROTO) || nfct_get_attr_u8(ct, ATTR_L4PROTO) != IPPROTO_TCP)
        goto out;
    uint8_t l3 = nfct_get_attr_u8(ct, ATTR_L3PROTO);
    if (l3 != AF_INET && l3 != AF_INET6)
        goto out;
    struct sm_ct_event ev = { 0 };
    ev.type = msg == IPCTNL_MSG_CT_DELETE                        ? SM_CT_DESTROY
              : (nlh->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL)) ? SM_CT_NEW
                                                                 : SM_CT_UPDATE;
    ev.ts_us = ts_us;
    if (ev.type == SM_CT_DESTROY && nfct_attr_is_set(ct, ATTR_TIMESTAMP_STOP)) {
        uint64_t ns = nfct_get_attr_u64(ct, ATTR_TIMESTAMP_STOP);
        if (ns > 0 && ns / 1000 < (uint64_t)INT64_MAX)
            ev.ts_us = (int64_t)(ns / 1000);
    }
    ev.ip_version = l3 == AF_INET6 ? 6 : 4;
    sm_ct_tuple(ct, l3 == AF_INET6, false, &ev.orig_src, &ev.orig_dst, &ev.orig_sport,
                &ev.orig_dport);
    sm_ct_tuple(ct, l3 == AF_INET6, true, &ev.repl_src, &ev.repl_dst, &ev.repl_sport,
                &ev.repl_dport);
    ev.state = nfct_attr_is_set(ct, ATTR_TCP_STATE) ? nfct_get_attr_u8(ct, ATTR_TCP_STATE)
                                                    : SM_CT_STATE_UNKNOWN;
    ev.timeout_s =
            nfct_attr_is_set(ct, ATTR_TIMEOUT) ? (int64_t)nfct_get_attr_u32(ct, ATTR_TIMEOUT) : -1;
    cnt->events++;
    fn(ctx, &ev);
    used = true;
out:
    nfct_destroy(ct);
    return used;
}

int sm_ct_parse_buffer(const uint8_t *buf, size_t len, int64_t ts_us, bool decode, sm_ct_fn fn,
                       void *ctx, struct sm_ct_counters *cnt)
{
    struct sm_cur c;
    int n = 0;
    sm_cur_init(&c, buf, len, false);
    while (sm_cur_left(&c) > 0) {
        /* struct nlmsghdr in host order: len, type, flags, seq, pid. */
        size_t at = sm_cur_offset(&c);
        uint32_t mlen = sm_cur_he32(&c);
        if (!sm_cur_ok(&c) || mlen < sizeof(struct nlmsghdr) + sizeof(struct nfgenmsg) ||
            mlen > len - at) {
            cnt->malformed++;
            break;
        }
        cnt->messages++;
        /* The whole message, aligned for the library's struct reads. */
        struct nlmsghdr *copy = decode ? malloc(mlen) : NULL;
        if (copy) {
            memcpy(copy, buf + at, mlen);
            if (sm_ct_message(copy, ts_us, fn, ctx, cnt))
                n++;
            free(copy);
        }
        size_t next = ((size_t)mlen + 3) & ~(size_t)3;
        if (next > len - at)
            next = len - at;
        sm_cur_skip(&c, next - 4);
    }
    return n;
}

struct sm_ct *sm_ct_open(char *err, size_t errlen)
{
    struct sm_ct *ct = calloc(1, sizeof(*ct));
    if (!ct) {
        snprintf(err, errlen, "conntrack: out of memory");
        return NULL;
    }
    ct->h = nfct_open(CONNTRACK, NF_NETLINK_CONNTRACK_NEW | NF_NETLINK_CONNTRACK_UPDATE |
                                         NF_NETLINK_CONNTRACK_DESTROY);
    if (!ct->h) {
        snprintf(err, errlen,
                 "--conntrack: cannot subscribe to conntrack events: %s (needs CAP_NET_ADMIN "
                 "and the nf_conntrack_netlink module)",
                 strerror(errno));
        free(ct);
        return NULL;
    }
    ct->fd = nfct_fd(ct->h);
    /* The statistics socket: without it the table-full counters are not
     * read, the events still are. */
    ct->stats_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
    /* TCP only, filtered in the kernel: other protocols' events never
     * take room in the buffer. */
    struct nfct_filter *flt = nfct_filter_create();
    if (flt) {
        nfct_filter_add_attr_u32(flt, NFCT_FILTER_L4PROTO, IPPROTO_TCP);
        (void)nfct_filter_attach(ct->fd, flt); /* without it: filtered here */
        nfct_filter_destroy(flt);
    }
    int size = (int)SM_CT_RCVBUF;
    if (setsockopt(ct->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0)
        (void)setsockopt(ct->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    int fl = fcntl(ct->fd, F_GETFL);
    if (fl < 0 || fcntl(ct->fd, F_SETFL, fl | O_NONBLOCK) != 0 ||
        fcntl(ct->fd, F_SETFD, FD_CLOEXEC) != 0) {
        snprintf(err, errlen, "--conntrack: %s", strerror(errno));
        sm_ct_close(ct);
        return NULL;
    }
    return ct;
}

int sm_ct_fd(const struct sm_ct *ct)
{
    return ct ? ct->fd : -1;
}

int sm_ct_read(struct sm_ct *ct, sm_ct_fn fn, void *ctx)
{
    int total = 0;
    for (;;) {
        struct sockaddr_nl from;
        socklen_t fromlen = sizeof(from);
        ssize_t n = recvfrom(ct->fd, ct->buf, sizeof(ct->buf), MSG_DONTWAIT,
                             (struct sockaddr *)&from, &fromlen);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == ENOBUFS) { /* events were lost; the socket goes on */
                ct->cnt.overruns++;
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return total;
            return -1;
        }
        if (n == 0)
            return total;
        /* The kernel's messages only (see sm_ct_parse_buffer()). */
        bool kernel = fromlen >= sizeof(from) && from.nl_family == AF_NETLINK && from.nl_pid == 0;
        if (!kernel) {
            ct->cnt.malformed++;
            continue;
        }
        total += sm_ct_parse_buffer(ct->buf, (size_t)n, sm_ct_wall_us(), true, fn, ctx, &ct->cnt);
    }
}

const struct sm_ct_counters *sm_ct_counters(const struct sm_ct *ct)
{
    return &ct->cnt;
}

void sm_ct_close(struct sm_ct *ct)
{
    if (!ct)
        return;
    if (ct->stats_fd >= 0)
        close(ct->stats_fd);
    nfct_close(ct->h);
    free(ct);
}

enum sm_err sm_ct_parse_stats(const uint8_t *buf, size_t len, struct sm_ct_stats *out)
{
    struct sm_cur c;
    sm_cur_init(&c, buf, len, false);
    while (sm_cur_left(&c) > 0) {
        size_t at = sm_cur_offset(&c);
        uint32_t mlen = sm_cur_he32(&c);
        uint16_t type = sm_cur_he16(&c);
        sm_cur_skip(&c, 10); /* flags, seq, pid */
        if (!sm_cur_ok(&c))
            return SM_ERR_TRUNCATED;
        if (mlen < 16 || mlen > len - at)
            return mlen < 16 ? SM_ERR_INVALID : SM_ERR_TRUNCATED;
        if (type == NLMSG_DONE) {
            out->done = true;
            return SM_OK;
        }
        if (type == NLMSG_ERROR)
            return SM_ERR_INVALID; /* the request was refused */
        struct sm_cur m = sm_cur_sub(&c, mlen - 16, true);
        sm_cur_skip(&c, (((size_t)mlen + 3) & ~(size_t)3) - mlen > sm_cur_left(&c)
                                ? sm_cur_left(&c)
                                : (((size_t)mlen + 3) & ~(size_t)3) - mlen);
        if (type != ((NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET_STATS_CPU))
            continue;       /* another message: not ours to judge */
        sm_cur_skip(&m, 4); /* struct nfgenmsg */
        if (!sm_cur_ok(&m))
            return SM_ERR_INVALID;
        out->cpus++;
        while (sm_cur_left(&m) >= 4) {
            uint16_t alen = sm_cur_he16(&m);
            uint16_t atype = sm_cur_he16(&m) & 0x3fff; /* NLA_F_NESTED, NLA_F_NET_BYTEORDER */
            if (alen < 4)
                return SM_ERR_INVALID;
            struct sm_cur v = sm_cur_sub(&m, (size_t)alen - 4, true);
            if (!sm_cur_ok(&m))
                return SM_ERR_INVALID;
            size_t pad = (((size_t)alen + 3) & ~(size_t)3) - alen;
            sm_cur_skip(&m, pad > sm_cur_left(&m) ? sm_cur_left(&m) : pad);
            uint32_t val = sm_cur_be32(&v);
            if (!sm_cur_ok(&v))
                continue; /* too short for a counter: not one we read */
            switch (atype) {
            case CTA_STATS_FOUND:
                out->found += val;
                break;
            case CTA_STATS_INVALID:
                out->invalid += val;
                break;
            case CTA_STATS_INSERT:
                out->insert += val;
                break;
            case CTA_STATS_INSERT_FAILED:
                out->insert_failed += val;
                break;
            case CTA_STATS_DROP:
                out->drop += val;
                break;
            case CTA_STATS_EARLY_DROP:
                out->early_drop += val;
                break;
            case CTA_STATS_ERROR:
                out->error += val;
                break;
            default:
                break;
            }
        }
        if (sm_cur_left(&m) > 0)
            return SM_ERR_INVALID; /* 1 to 3 bytes: a cut attribute header */
    }
    return SM_OK;
}

bool sm_ct_query_stats(struct sm_ct *ct, struct sm_ct_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (!ct || ct->stats_fd < 0)
        return false;
    struct {
        struct nlmsghdr n;
        struct nfgenmsg g;
    } req;
    memset(&req, 0, sizeof(req));
    req.n.nlmsg_len = sizeof(req);
    req.n.nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET_STATS_CPU;
    req.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.n.nlmsg_seq = ++ct->seq;
    req.g.nfgen_family = AF_UNSPEC;
    req.g.version = NFNETLINK_V0;
    struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
    if (sendto(ct->stats_fd, &req, sizeof(req), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        return false;
    /* One message per CPU, then NLMSG_DONE, in one or more reads. */
    for (int i = 0; i < 64 && !out->done; i++) {
        struct pollfd p = { .fd = ct->stats_fd, .events = POLLIN };
        if (poll(&p, 1, 100) <= 0)
            return false;
        struct sockaddr_nl from;
        socklen_t fromlen = sizeof(from);
        ssize_t n = recvfrom(ct->stats_fd, ct->buf, sizeof(ct->buf), MSG_DONTWAIT,
                             (struct sockaddr *)&from, &fromlen);
        if (n <= 0 || fromlen < sizeof(from) || from.nl_pid != 0 ||
            sm_ct_parse_stats(ct->buf, (size_t)n, out) != SM_OK)
            return false;
    }
    return out->done;
}

int64_t sm_ct_timeout_established(void)
{
    FILE *f = fopen("/proc/sys/net/netfilter/nf_conntrack_tcp_timeout_established", "re");
    long long v = -1;
    if (!f)
        return -1;
    if (fscanf(f, "%lld", &v) != 1)
        v = -1;
    fclose(f);
    return v;
}
