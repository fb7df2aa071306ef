/* SPDX-License-Identifier: MIT */
/* summary: the conntrack witness (--conntrack): the kernel's conntrack
 * NEW/UPDATE/DESTROY events for TCP, subscribed through
 * libnetfilter_conntrack (on libnfnetlink) and handed on as plain facts;
 * and the parser of conntrack statistics messages (insert_failed, drop:
 * a full table). Knows no connection: the engine matches events to flows.
 *
 * Why libnetfilter_conntrack rather than libnfnetlink alone: it parses
 * the nested tuple, protoinfo and timestamp attributes of both tuples (the
 * original and the reply one, which is how NAT's inside and outside
 * addresses both match) into typed getters; by hand that is a second
 * netlink attribute parser to keep right. The netlink framing around each
 * message is walked with the bounds-checked cursor (cursor.h) first. */
#ifndef SM_CONNTRACK_H
#define SM_CONNTRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"
#include "decode.h"

enum sm_ct_type {
    SM_CT_NEW,
    SM_CT_UPDATE,
    SM_CT_DESTROY
};

/* TCP states as conntrack names them (enum tcp_conntrack). */
#define SM_CT_STATE_NONE        0
#define SM_CT_STATE_SYN_SENT    1
#define SM_CT_STATE_SYN_RECV    2
#define SM_CT_STATE_ESTABLISHED 3
#define SM_CT_STATE_UNKNOWN     0xff
const char *sm_ct_state_name(uint8_t state);

/* One event of a TCP entry. The reply tuple is the answer's addresses:
 * behind NAT, the translated side. */
struct sm_ct_event {
    enum sm_ct_type type;
    int64_t ts_us; /* wall clock: a DESTROY's stop timestamp when the kernel
                      keeps them (nf_conntrack_timestamp), else receipt */
    uint8_t ip_version;
    struct sm_addr orig_src, orig_dst, repl_src, repl_dst;
    uint16_t orig_sport, orig_dport, repl_sport, repl_dport;
    uint8_t state;     /* SM_CT_STATE_UNKNOWN: not in the message */
    int64_t timeout_s; /* the entry's timeout then; -1: not in the message */
};

struct sm_ct_counters {
    uint64_t messages; /* netlink messages read */
    uint64_t events;   /* TCP events handed on */
    uint64_t overruns; /* ENOBUFS: the kernel dropped events we were too slow for */
    uint64_t malformed;
};

struct sm_ct;

/* Subscribes to TCP conntrack events in this network namespace (needs
 * CAP_NET_ADMIN; open before -Z drops privileges). NULL with err set when
 * it cannot. */
struct sm_ct *sm_ct_open(char *err, size_t errlen);
int sm_ct_fd(const struct sm_ct *ct);
typedef void (*sm_ct_fn)(void *ctx, const struct sm_ct_event *ev);
/* Reads every event waiting (never blocks); returns how many were handed
 * to fn, or -1 on an error other than an overrun (counted). */
int sm_ct_read(struct sm_ct *ct, sm_ct_fn fn, void *ctx);
const struct sm_ct_counters *sm_ct_counters(const struct sm_ct *ct);
void sm_ct_close(struct sm_ct *ct);

/* The buffer of netlink messages as read from the socket: the framing
 * (struct nlmsghdr: length, type, flags, in host order, padded to 4 bytes)
 * checked through the cursor, then, with decode, each message handed to
 * libnetfilter_conntrack. fn gets each TCP event; ts_us is the receipt
 * time. Returns events handed on; malformed framing is counted.
 *
 * Only the kernel's own messages are decoded (sm_ct_read() drops any other
 * sender's): libnetfilter_conntrack validates attributes against the
 * kernel ABI it was built for and calls exit() (__abi_breakage) on a
 * mismatch, so bytes that are not the kernel's must never reach it. The
 * fuzzer therefore runs the framing with decode false; the unit tests run
 * the library on recorded kernel messages. */
int sm_ct_parse_buffer(const uint8_t *buf, size_t len, int64_t ts_us, bool decode, sm_ct_fn fn,
                       void *ctx, struct sm_ct_counters *cnt);

/* Conntrack statistics (IPCTNL_MSG_CT_GET_STATS_CPU replies, one message
 * per CPU; linux/netfilter/nfnetlink_conntrack.h CTA_STATS_*), summed. A
 * full table shows as insert_failed and drop. */
struct sm_ct_stats {
    bool done;     /* NLMSG_DONE was seen: the reply is complete */
    uint32_t cpus; /* messages summed */
    uint64_t found, invalid, insert, insert_failed, drop, early_drop, error;
};
/* Parses a buffer of such messages; SM_OK, or SM_ERR_TRUNCATED /
 * SM_ERR_INVALID for a cut or lying one (what came before it is kept). */
enum sm_err sm_ct_parse_stats(const uint8_t *buf, size_t len, struct sm_ct_stats *out);

/* Asks the kernel for its conntrack statistics (a dump request on a
 * socket of its own, opened with the subscription) and sums them; false
 * when it cannot (no socket, no answer within 100 ms, a bad reply). */
bool sm_ct_query_stats(struct sm_ct *ct, struct sm_ct_stats *out);

/* net.netfilter.nf_conntrack_tcp_timeout_established of this network
 * namespace, in seconds; -1 when unreadable. */
int64_t sm_ct_timeout_established(void);

#endif
