/* SPDX-License-Identifier: MIT */
/* summary: event destinations. Each record is written whole, as one line,
 * or counted as lost; syslog records get an RFC 5424 header (RFC 6587
 * octet counting on TCP, with reconnection and a bounded backlog). */
#define _GNU_SOURCE /* POLLRDHUP, memmem */
#include "config.h"
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "writeback.h"

/* Syslog over TCP: the first retry half a second after the collector went
 * away, doubling up to 30 s (a restart is caught quickly, a long outage
 * costs one connect(2) every 30 s); a connect pending this long is given up. */
#define SM_SYSLOG_BACKOFF_MIN_US 500000
#define SM_SYSLOG_BACKOFF_MAX_US 30000000
#define SM_SYSLOG_CONNECT_US     5000000
/* How often an idle connection is checked for a collector that went away. */
#define SM_SYSLOG_CHECK_US 1000000
/* At exit, how long the backlog may take to reach the collector. */
#define SM_SYSLOG_FINISH_US 5000000
/* Reading captures (no wire to keep up with), a full backlog waits this
 * long for the collector before records are dropped. */
#define SM_SYSLOG_WAIT_US 30000000
/* RFC 5424 field limits: HOSTNAME 255, MSGID 32 characters. */
#define SM_SYSLOG_HOST_MAX  255
#define SM_SYSLOG_MSGID_MAX 32

enum sm_dest {
    SM_DEST_STDOUT,
    SM_DEST_FILE,
    SM_DEST_SYSLOG_UDP,
    SM_DEST_SYSLOG_TCP
};

enum sm_conn {
    SM_CONN_DOWN, /* waiting for next_try_us */
    SM_CONN_CONNECTING,
    SM_CONN_UP
};

/* A syslog record, framed and ready to send. */
struct sm_syslog_rec {
    char *buf;
    size_t len;
};

struct sm_output {
    enum sm_format fmt;
    struct sm_text_style text;
    enum sm_dest dest;
    struct sm_writer *w;
    bool line_buffered;
    size_t body_max; /* largest record (without its newline), 0: no limit */
    char *label;     /* the destination as given, for messages */

    /* stdout; or a file written on its own thread (reading captures) */
    FILE *out;
    struct sm_writeback *wb;
    uint64_t wb_lost_closed; /* lost by writeback files closed on reopen */
    uint64_t wb_lost_seen;   /* lost by the current one, last we looked */
    /* a file written record by record (live, or without the thread) */
    int fd;
    bool need_nl; /* a torn line could not be cut off */
    char *path;
    bool reopen_failed;

    /* syslog */
    int sock;
    enum sm_conn conn;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    int family, socktype, protocol;
    char host[SM_SYSLOG_HOST_MAX + 1]; /* sanitized for the header */
    char procid[24];
    size_t hdr_max; /* the longest header (MSGID at its limit) */
    char *sendbuf;  /* UDP: the datagram being sent */
    size_t sendcap;
    /* TCP: the backlog, a ring of cap records from head. The first nsent
     * were sent whole (plus part bytes of the next) and are kept until the
     * collector's kernel acknowledged them (SIOCOUTQ), to be sent again if
     * the connection dies first. */
    struct sm_syslog_rec *ring;
    size_t cap, head, count, nsent, part, sent_bytes;
    int64_t next_try_us, backoff_us, connect_start_us, last_check_us, down_since_us;
    bool backlog_full_said;

    /* counters (capture_stats "output") */
    uint64_t written, lost_write, lost_backlog, lost_oversize, trimmed, reconnects;
    uint64_t collector_resets;
    bool failing; /* writes fail now: said once on stderr */
    uint64_t lost_at_failure;
};

static int64_t sm_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint64_t sm_output_lost_total(const struct sm_output *o)
{
    uint64_t wb = o->wb_lost_closed + (o->wb ? sm_writeback_lost(o->wb, NULL) : 0);
    return o->lost_write + wb + o->lost_backlog + o->lost_oversize;
}

/* ---- reporting: one line when writes start failing, one when they work again */

static void sm_output_failed(struct sm_output *o, int err, uint64_t newly)
{
    if (o->failing)
        return;
    o->failing = true;
    o->lost_at_failure = sm_output_lost_total(o) - newly;
    fprintf(stderr,
            "sshmortem: %s: cannot write events: %s; they are counted as lost "
            "(capture_stats output.lost) until writing works again\n",
            o->label, strerror(err));
}

static void sm_output_works(struct sm_output *o)
{
    if (!o->failing)
        return;
    o->failing = false;
    fprintf(stderr, "sshmortem: %s: writing works again after %llu events lost\n", o->label,
            (unsigned long long)(sm_output_lost_total(o) - o->lost_at_failure));
}

/* ---- files ---- */

/* One record appended whole, or not at all: a write that fails half way
 * (ENOSPC, EIO) is cut back to where the record began; if even that
 * fails, the next record starts on a new line. Returns 0 or an errno. */
static int sm_output_file_write(struct sm_output *o, const char *p, size_t n)
{
    if (o->need_nl) {
        int err = sm_write_all(o->fd, "\n", 1, NULL);
        if (err)
            return err;
        o->need_nl = false;
    }
    off_t before = lseek(o->fd, 0, SEEK_END);
    size_t done = 0;
    int err = sm_write_all(o->fd, p, n, &done);
    if (err && done > 0 && (before < 0 || ftruncate(o->fd, before) != 0))
        o->need_nl = true;
    return err;
}

static int sm_output_file_open(const char *path)
{
    return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
}

/* A file destination, appended to. Live output goes straight to the file,
 * record by record; from captures the writes run on their own thread
 * (writeback.h), or record by record if that thread cannot start. Returns
 * 0 or an errno. */
static int sm_output_file_start(struct sm_output *o)
{
    if (!o->line_buffered) {
        struct sm_writeback *wb = NULL;
        FILE *f = sm_writeback_open_append(o->path, &wb);
        if (f) {
            /* It buffers itself: a record goes into its queue in one copy. */
            setvbuf(f, NULL, _IONBF, 0);
            o->out = f;
            o->wb = wb;
            o->wb_lost_seen = 0;
            return 0;
        }
    }
    o->fd = sm_output_file_open(o->path);
    return o->fd < 0 ? errno : 0;
}

/* ---- syslog ---- */

/* RFC 5424 HOSTNAME: PRINTUSASCII (33..126), at most 255, "-" when empty. */
static void sm_syslog_sanitize(const char *in, char *out, size_t outlen)
{
    size_t n = 0;
    for (; in && in[n] && n + 1 < outlen && n < SM_SYSLOG_HOST_MAX; n++) {
        unsigned char c = (unsigned char)in[n];
        out[n] = c >= 33 && c <= 126 ? (char)c : '-';
    }
    if (n == 0)
        out[n++] = '-';
    out[n] = '\0';
}

/* MSGID: the record's event_type ("-" when it has none). */
static size_t sm_syslog_msgid(const char *rec, size_t len, char *out)
{
    static const char *const keys[] = { "\"event_type\":\"", "event_type=" };
    size_t scan = len < 256 ? len : 256;
    for (int k = 0; k < 2; k++) {
        size_t kl = strlen(keys[k]);
        const char *p = memmem(rec, scan, keys[k], kl);
        if (!p)
            continue;
        p += kl;
        size_t n = 0;
        while (p + n < rec + len && n < SM_SYSLOG_MSGID_MAX && p[n] >= 33 && p[n] <= 126 &&
               p[n] != '"')
            n++;
        if (n > 0) {
            memcpy(out, p, n);
            out[n] = '\0';
            return n;
        }
    }
    out[0] = '-';
    out[1] = '\0';
    return 1;
}

/* <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD, then the record
 * (its newline left out). PRI 134 is facility local0, severity
 * informational; TIMESTAMP is the time of writing (the event's own time
 * is in the record). On TCP, the RFC 6587 octet count goes first. Returns
 * the framed message (malloc'd when copy, else o->sendbuf) or NULL. */
static char *sm_syslog_frame(struct sm_output *o, const char *rec, size_t len, size_t *out_len,
                             bool copy)
{
    char hdr[64 + SM_SYSLOG_HOST_MAX + SM_SYSLOG_MSGID_MAX + 24];
    char ts[SM_TS_LEN], msgid[SM_SYSLOG_MSGID_MAX + 1];
    struct timeval tv;
    gettimeofday(&tv, NULL);
    sm_format_ts((int64_t)tv.tv_sec * 1000000 + tv.tv_usec, ts, sizeof(ts));
    if (len > 0 && rec[len - 1] == '\n')
        len--;
    sm_syslog_msgid(rec, len, msgid);
    int h = snprintf(hdr, sizeof(hdr), "<134>1 %s %s sshmortem %s %s - ", ts, o->host, o->procid,
                     msgid);
    if (h < 0 || (size_t)h >= sizeof(hdr))
        return NULL;
    char count[24] = "";
    int c = o->dest == SM_DEST_SYSLOG_TCP ? snprintf(count, sizeof(count), "%zu ", (size_t)h + len)
                                          : 0;
    size_t total = (size_t)c + (size_t)h + len;
    char *buf;
    if (copy) {
        buf = malloc(total);
    } else {
        if (total > o->sendcap) {
            char *nb = realloc(o->sendbuf, total);
            if (!nb)
                return NULL;
            o->sendbuf = nb;
            o->sendcap = total;
        }
        buf = o->sendbuf;
    }
    if (!buf)
        return NULL;
    memcpy(buf, count, (size_t)c);
    memcpy(buf + c, hdr, (size_t)h);
    memcpy(buf + c + h, rec, len);
    *out_len = total;
    return buf;
}

static int sm_syslog_resolve(struct sm_output *o, const char *spec, char *err, size_t errlen)
{
    char hostbuf[256];
    const char *port = o->dest == SM_DEST_SYSLOG_TCP ? "601" : "514";
    struct addrinfo hints, *res = NULL;

    snprintf(hostbuf, sizeof(hostbuf), "%s", spec);
    char *colon = strrchr(hostbuf, ':');
    char *bracket = strchr(hostbuf, ']');
    if (colon && (!bracket || colon > bracket)) {
        *colon = '\0';
        port = colon + 1;
    }
    char *h = hostbuf;
    if (h[0] == '[') { /* [2001:db8::1]:514 */
        h++;
        char *e = strchr(h, ']');
        if (e)
            *e = '\0';
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = o->dest == SM_DEST_SYSLOG_TCP ? SOCK_STREAM : SOCK_DGRAM;
    int rc = getaddrinfo(h, port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "syslog host %s: %s", h, gai_strerror(rc));
        return -1;
    }
    /* The first address that accepts a connection is kept: reconnecting
     * later goes to the same one, without asking DNS again. */
    int saved = 0;
    bool have_first = false;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        if (!have_first && ai->ai_addrlen <= sizeof(o->addr)) {
            /* Where a live sensor retries if nothing answers now. */
            memcpy(&o->addr, ai->ai_addr, ai->ai_addrlen);
            o->addrlen = ai->ai_addrlen;
            o->family = ai->ai_family;
            o->socktype = ai->ai_socktype;
            o->protocol = ai->ai_protocol;
            have_first = true;
        }
        int s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (s < 0) {
            saved = errno;
            continue;
        }
        if (connect(s, ai->ai_addr, ai->ai_addrlen) == 0 && ai->ai_addrlen <= sizeof(o->addr)) {
            o->sock = s;
            memcpy(&o->addr, ai->ai_addr, ai->ai_addrlen);
            o->addrlen = ai->ai_addrlen;
            o->family = ai->ai_family;
            o->socktype = ai->ai_socktype;
            o->protocol = ai->ai_protocol;
            break;
        }
        saved = errno;
        close(s);
    }
    freeaddrinfo(res);
    if (o->sock < 0 && o->dest == SM_DEST_SYSLOG_TCP && o->line_buffered && have_first) {
        /* A live sensor starts even when its collector is down (a reboot
         * brings both up in any order): events wait in the backlog and the
         * connection is retried with backoff, as after a collector restart. */
        int64_t now = sm_mono_us();
        fprintf(stderr,
                "sshmortem: %s: cannot connect now (%s); keeping up to %zu events and "
                "retrying\n",
                o->label, strerror(saved), o->cap);
        o->conn = SM_CONN_DOWN;
        o->down_since_us = now;
        o->backoff_us = SM_SYSLOG_BACKOFF_MIN_US;
        o->next_try_us = now + o->backoff_us;
        return 0;
    }
    if (o->sock < 0) {
        snprintf(err, errlen, "syslog %s: cannot connect: %s", spec, strerror(saved));
        return -1;
    }
    o->conn = SM_CONN_UP;
    return 0;
}

static struct sm_syslog_rec *sm_syslog_at(struct sm_output *o, size_t i)
{
    return &o->ring[(o->head + i) % o->cap];
}

/* Records whose every byte the collector's kernel acknowledged are done:
 * SIOCOUTQ is what our side still holds unacknowledged. */
static void sm_syslog_release(struct sm_output *o)
{
    int outq = 0;
    if (o->sock < 0 || o->nsent == 0 || ioctl(o->sock, SIOCOUTQ, &outq) != 0 || outq < 0)
        return;
    while (o->nsent > 0 && o->sent_bytes - sm_syslog_at(o, 0)->len >= (size_t)outq) {
        struct sm_syslog_rec *r = sm_syslog_at(o, 0);
        o->sent_bytes -= r->len;
        free(r->buf);
        r->buf = NULL;
        o->head = (o->head + 1) % o->cap;
        o->count--;
        o->nsent--;
        o->written++;
    }
}

/* The connection is gone: everything not yet acknowledged is sent again
 * on the next one, whole (a record cut short on the dead connection is
 * discarded by the collector with it). */
static void sm_syslog_down(struct sm_output *o, const char *why, int64_t now)
{
    if (o->sock >= 0)
        close(o->sock);
    o->sock = -1;
    if (o->conn == SM_CONN_UP) {
        fprintf(stderr,
                "sshmortem: %s: the collector went away (%s); keeping up to %zu events "
                "and reconnecting\n",
                o->label, why, o->cap);
        o->down_since_us = now;
        o->backoff_us = SM_SYSLOG_BACKOFF_MIN_US;
    } else {
        o->backoff_us *= 2;
        if (o->backoff_us > SM_SYSLOG_BACKOFF_MAX_US)
            o->backoff_us = SM_SYSLOG_BACKOFF_MAX_US;
    }
    o->conn = SM_CONN_DOWN;
    o->next_try_us = now + o->backoff_us;
    o->nsent = 0;
    o->part = 0;
    o->sent_bytes = 0;
}

/* The collector reset the connection instead of closing it: its kernel
 * does that when the collector closes its socket with bytes it has not
 * read (a stop that does not drain its input, a crash), so records its
 * kernel acknowledged, and that sshmortem therefore released, may be lost
 * unseen: TCP syslog has no receipts (doc/siem.md). Said and counted, so
 * the loss is not silent; how many is not known. */
static void sm_syslog_reset_said(struct sm_output *o)
{
    o->collector_resets++;
    fprintf(stderr,
            "sshmortem: %s: the collector reset the connection: it closed without reading "
            "everything it had acknowledged, so the last events before this may be lost "
            "(TCP syslog has no receipts; see doc/siem.md)\n",
            o->label);
}

/* Did the collector close its end (or reset it)? Checked before sending,
 * so that nothing goes into a connection already dead. */
static bool sm_syslog_gone(struct sm_output *o, const char **why)
{
    struct pollfd p = { .fd = o->sock, .events = POLLIN | POLLRDHUP };
    if (poll(&p, 1, 0) <= 0)
        return false;
    if (p.revents & (POLLERR | POLLHUP | POLLRDHUP)) {
        int soerr = 0;
        socklen_t sl = sizeof(soerr);
        getsockopt(o->sock, SOL_SOCKET, SO_ERROR, &soerr, &sl);
        *why = soerr ? strerror(soerr) : "connection closed";
        /* Whatever it acknowledged before closing, it had. */
        if (!soerr)
            sm_syslog_release(o);
        if (soerr == ECONNRESET && o->conn == SM_CONN_UP)
            sm_syslog_reset_said(o);
        return true;
    }
    char junk[256];
    ssize_t k = recv(o->sock, junk, sizeof(junk), MSG_DONTWAIT); /* nothing is expected */
    if (k == 0) {
        *why = "connection closed";
        sm_syslog_release(o);
        return true;
    }
    return false;
}

static void sm_syslog_connected(struct sm_output *o, int64_t now)
{
    o->conn = SM_CONN_UP;
    o->reconnects++;
    o->backoff_us = SM_SYSLOG_BACKOFF_MIN_US;
    o->backlog_full_said = false;
    fprintf(stderr, "sshmortem: %s: reconnected after %.1f s; sending %zu waiting events\n",
            o->label, (double)(now - o->down_since_us) / 1e6, o->count);
}

/* Moves the connection on: starts a connect when the backoff allows,
 * finishes one in progress. Never blocks. */
static void sm_syslog_connect_step(struct sm_output *o, int64_t now)
{
    if (o->conn == SM_CONN_DOWN) {
        if (now < o->next_try_us)
            return;
        o->sock = socket(o->family, o->socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, o->protocol);
        if (o->sock < 0) {
            sm_syslog_down(o, strerror(errno), now);
            return;
        }
        o->connect_start_us = now;
        if (connect(o->sock, (const struct sockaddr *)&o->addr, o->addrlen) == 0) {
            sm_syslog_connected(o, now);
            return;
        }
        if (errno != EINPROGRESS) {
            sm_syslog_down(o, strerror(errno), now);
            return;
        }
        o->conn = SM_CONN_CONNECTING;
    }
    if (o->conn == SM_CONN_CONNECTING) {
        struct pollfd p = { .fd = o->sock, .events = POLLOUT };
        if (poll(&p, 1, 0) <= 0) {
            if (now - o->connect_start_us > SM_SYSLOG_CONNECT_US)
                sm_syslog_down(o, "connect timed out", now);
            return;
        }
        int soerr = 0;
        socklen_t sl = sizeof(soerr);
        if (getsockopt(o->sock, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
            soerr = errno;
        if (soerr)
            sm_syslog_down(o, strerror(soerr), now);
        else
            sm_syslog_connected(o, now);
    }
}

/* Sends what the backlog holds, as far as the socket takes it without
 * blocking; reconnects first when it is time. */
static void sm_syslog_flush(struct sm_output *o, int64_t now)
{
    sm_syslog_connect_step(o, now);
    if (o->conn != SM_CONN_UP)
        return;
    const char *why = NULL;
    if (sm_syslog_gone(o, &why)) {
        sm_syslog_down(o, why, now);
        sm_syslog_connect_step(o, now);
        return;
    }
    o->last_check_us = now;
    while (o->nsent < o->count) {
        struct sm_syslog_rec *r = sm_syslog_at(o, o->nsent);
        ssize_t k = send(o->sock, r->buf + o->part, r->len - o->part, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break; /* the backlog holds the rest */
        if (k <= 0) {
            if (k < 0 && errno == ECONNRESET)
                sm_syslog_reset_said(o);
            sm_syslog_down(o, strerror(k < 0 ? errno : EPIPE), now);
            return;
        }
        o->part += (size_t)k;
        o->sent_bytes += (size_t)k;
        if (o->part == r->len) {
            o->nsent++;
            o->part = 0;
        }
    }
    sm_syslog_release(o);
}

/* Reading captures, a full backlog waits (a while) for the collector
 * rather than dropping: there is no wire to keep up with. */
static void sm_syslog_wait_room(struct sm_output *o)
{
    int64_t start = sm_mono_us(), now = start;
    while (o->count == o->cap && now - start < SM_SYSLOG_WAIT_US) {
        if (o->conn == SM_CONN_UP && o->nsent < o->count) {
            struct pollfd p = { .fd = o->sock, .events = POLLOUT };
            poll(&p, 1, 100);
        } else {
            struct timespec ts = { 0, 20000000 };
            nanosleep(&ts, NULL);
        }
        now = sm_mono_us();
        sm_syslog_flush(o, now);
    }
}

/* Over TCP: the record joins the backlog (counted lost when it is full)
 * and the backlog goes out as far as it can. */
static int sm_syslog_tcp_send(struct sm_output *o, const char *rec, size_t len)
{
    int64_t now = sm_mono_us();
    sm_syslog_flush(o, now);
    if (o->count == o->cap && !o->line_buffered)
        sm_syslog_wait_room(o);
    if (o->count == o->cap) {
        o->lost_backlog++;
        if (!o->backlog_full_said) {
            o->backlog_full_said = true;
            fprintf(stderr,
                    "sshmortem: %s: the backlog of %zu events is full; new events are lost "
                    "(capture_stats output.lost_backlog_full) until the collector takes them\n",
                    o->label, o->cap);
        }
        return -1;
    }
    size_t flen;
    char *frame = sm_syslog_frame(o, rec, len, &flen, true);
    if (!frame) {
        o->lost_write++;
        return -1;
    }
    *sm_syslog_at(o, o->count) = (struct sm_syslog_rec){ frame, flen };
    o->count++;
    sm_syslog_flush(o, now);
    return 0;
}

/* Over UDP: best effort, one datagram; a send error is a lost record. */
static int sm_syslog_udp_send(struct sm_output *o, const char *rec, size_t len)
{
    size_t flen;
    char *frame = sm_syslog_frame(o, rec, len, &flen, false);
    if (!frame) {
        o->lost_write++;
        return -1;
    }
    ssize_t k = send(o->sock, frame, flen, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (k != (ssize_t)flen) {
        o->lost_write++;
        sm_output_failed(o, k < 0 ? errno : EMSGSIZE, 1);
        return -1;
    }
    o->written++;
    sm_output_works(o);
    return 0;
}

/* ---- records ---- */

static bool sm_output_fits(const struct sm_output *o, size_t len)
{
    return o->body_max == 0 || (len > 0 ? len - 1 : 0) <= o->body_max;
}

/* A whole record (ending in '\n') to its destination, counted. */
static int sm_output_deliver(struct sm_output *o, const char *rec, size_t len, bool trimmed)
{
    int rc = 0, err = 0;
    switch (o->dest) {
    case SM_DEST_SYSLOG_TCP:
        rc = sm_syslog_tcp_send(o, rec, len);
        break;
    case SM_DEST_SYSLOG_UDP:
        rc = sm_syslog_udp_send(o, rec, len);
        break;
    case SM_DEST_STDOUT:
    case SM_DEST_FILE:
        if (o->out) {
            if (fwrite(rec, 1, len, o->out) != len || (o->line_buffered && fflush(o->out) != 0))
                err = errno ? errno : EIO;
        } else {
            err = sm_output_file_write(o, rec, len);
        }
        if (err) {
            clearerr(o->out ? o->out : stdout);
            o->lost_write++;
            sm_output_failed(o, err, 1);
            rc = -1;
        } else {
            o->written++; /* less what the writeback thread loses later */
            if (o->wb) {
                int e = 0;
                uint64_t lost = sm_writeback_lost(o->wb, &e);
                if (lost != o->wb_lost_seen) {
                    sm_output_failed(o, e ? e : EIO, lost - o->wb_lost_seen);
                    o->wb_lost_seen = lost;
                }
            } else {
                sm_output_works(o);
            }
        }
        break;
    }
    if (rc == 0 && trimmed)
        o->trimmed++;
    return rc;
}

static int sm_output_oversize(struct sm_output *o)
{
    o->lost_oversize++;
    return -1;
}

/* Describes the record with fn into w, then again with parts left out
 * until it fits (sm_output_event); *trim says which were. */
static const char *sm_output_fit(const struct sm_output *o, struct sm_writer *w,
                                 sm_output_describe_fn fn, void *ctx, unsigned nparts, size_t *len,
                                 unsigned *trim)
{
    *trim = 0;
    fn(w, 0, ctx);
    const char *rec = w->ops->finish(w, len);
    if (!rec || sm_output_fits(o, *len))
        return rec;
    unsigned keep = 0, tried = 0;
    size_t best = *len;
    for (unsigned bit = 0; bit < nparts; bit++) {
        tried = keep | 1u << bit;
        fn(w, tried, ctx);
        rec = w->ops->finish(w, len);
        if (!rec)
            return NULL;
        if (*len < best) { /* the part was there: leaving it out helped */
            keep = tried;
            best = *len;
            if (sm_output_fits(o, *len))
                break;
        }
    }
    if (tried != keep) {
        fn(w, keep, ctx);
        rec = w->ops->finish(w, len);
    }
    *trim = keep;
    return rec;
}

struct sm_output *sm_output_open_opts(const char *dest, enum sm_format fmt,
                                      const struct sm_output_options *opt, char *err, size_t errlen)
{
    struct sm_output *o = calloc(1, sizeof(*o));
    if (!o) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    o->fmt = fmt;
    o->sock = -1;
    o->fd = -1;
    o->line_buffered = opt->line_buffered;
    o->label = strdup(dest ? dest : "-");
    o->text = opt->text;
    o->w = fmt == SM_FMT_TEXT ? sm_writer_text_new_style(&o->text) : sm_writer_json_new();
    if (!o->w || !o->label) {
        snprintf(err, errlen, "out of memory");
        sm_output_close(o);
        return NULL;
    }
    size_t max_event = opt->max_event ? opt->max_event : SM_OUTPUT_DEFAULT_MAX_EVENT;
    if (!dest || strcmp(dest, "-") == 0) {
        o->dest = SM_DEST_STDOUT;
        o->out = stdout;
        if (o->line_buffered)
            setvbuf(stdout, NULL, _IOLBF, 0);
    } else if (strncmp(dest, "syslog://", 9) == 0 || strncmp(dest, "syslog+tcp://", 13) == 0) {
        bool tcp = dest[6] == '+';
        o->dest = tcp ? SM_DEST_SYSLOG_TCP : SM_DEST_SYSLOG_UDP;
        sm_syslog_sanitize(opt->host, o->host, sizeof(o->host));
        snprintf(o->procid, sizeof(o->procid), "%ld", (long)getpid());
        /* "<134>1 " TIMESTAMP " " HOST " sshmortem " PROCID " " MSGID " - " */
        o->hdr_max = 7 + (SM_TS_LEN - 5) + 1 + strlen(o->host) + 11 + strlen(o->procid) + 1 +
                     SM_SYSLOG_MSGID_MAX + 3;
        o->body_max = max_event > o->hdr_max ? max_event - o->hdr_max : 1;
        if (tcp) {
            o->cap = opt->backlog ? opt->backlog : SM_OUTPUT_DEFAULT_BACKLOG;
            o->ring = calloc(o->cap, sizeof(*o->ring));
            if (!o->ring) {
                snprintf(err, errlen, "out of memory");
                sm_output_close(o);
                return NULL;
            }
        }
        if (sm_syslog_resolve(o, dest + (tcp ? 13 : 9), err, errlen) != 0) {
            sm_output_close(o);
            return NULL;
        }
    } else {
        o->dest = SM_DEST_FILE;
        o->path = strdup(dest);
        int e = o->path ? sm_output_file_start(o) : ENOMEM;
        if (e) {
            snprintf(err, errlen, "%s: %s", dest, strerror(e));
            sm_output_close(o);
            return NULL;
        }
    }
    /* Files and stdout have no size limit unless one is asked for. */
    if ((o->dest == SM_DEST_STDOUT || o->dest == SM_DEST_FILE) && opt->max_event_given)
        o->body_max = max_event;
    return o;
}

struct sm_output *sm_output_open(const char *dest, enum sm_format fmt, const char *host,
                                 bool line_buffered, char *err, size_t errlen)
{
    struct sm_output_options opt = { .host = host, .line_buffered = line_buffered };
    return sm_output_open_opts(dest, fmt, &opt, err, errlen);
}

struct sm_writer *sm_output_writer(struct sm_output *o)
{
    return o->w;
}

bool sm_output_wants_records(const struct sm_output *o)
{
    return o->fmt != SM_FMT_SUMMARY;
}

int sm_output_commit(struct sm_output *o)
{
    size_t len;
    const char *rec = o->w->ops->finish(o->w, &len);
    if (!rec) {
        o->lost_write++;
        return -1;
    }
    if (!sm_output_fits(o, len))
        return sm_output_oversize(o);
    return sm_output_deliver(o, rec, len, false);
}

int sm_output_event(struct sm_output *o, sm_output_describe_fn fn, void *ctx, unsigned nparts)
{
    size_t len;
    unsigned trim;
    const char *rec = sm_output_fit(o, o->w, fn, ctx, nparts, &len, &trim);
    if (!rec) {
        o->lost_write++;
        return -1;
    }
    if (!sm_output_fits(o, len))
        return sm_output_oversize(o);
    return sm_output_deliver(o, rec, len, trim != 0);
}

struct sm_writer *sm_output_new_writer(const struct sm_output *o)
{
    return o->fmt == SM_FMT_TEXT ? sm_writer_text_new_style(&o->text) : sm_writer_json_new();
}

char *sm_output_render(const struct sm_output *o, struct sm_writer *w, sm_output_describe_fn fn,
                       void *ctx, unsigned nparts, size_t *len, bool *trimmed)
{
    unsigned trim;
    const char *rec = sm_output_fit(o, w, fn, ctx, nparts, len, &trim);
    if (!rec || !sm_output_fits(o, *len))
        return NULL;
    char *text = malloc(*len);
    if (text)
        memcpy(text, rec, *len);
    *trimmed = trim != 0;
    return text;
}

int sm_output_commit_text(struct sm_output *o, const char *text, size_t len, bool trimmed)
{
    if (!sm_output_fits(o, len))
        return sm_output_oversize(o);
    return sm_output_deliver(o, text, len, trimmed);
}

void sm_output_reopen(struct sm_output *o)
{
    if (o->dest != SM_DEST_FILE)
        return;
    /* The new file first: if it cannot be opened (after logrotate's mv,
     * a directory that -Z's user may not create in), the old one stays. */
    int fd = -1;
    FILE *f = NULL;
    struct sm_writeback *wb = NULL;
    if (o->out)
        f = sm_writeback_open_append(o->path, &wb);
    else
        fd = sm_output_file_open(o->path);
    if (!f && fd < 0) {
        if (!o->reopen_failed)
            fprintf(stderr,
                    "sshmortem: %s: cannot reopen after SIGHUP: %s; still writing to "
                    "the file opened before\n",
                    o->path, strerror(errno));
        o->reopen_failed = true;
        return;
    }
    if (o->reopen_failed)
        fprintf(stderr, "sshmortem: %s: reopened\n", o->path);
    o->reopen_failed = false;
    if (o->out) {
        o->wb_lost_closed += sm_writeback_sync(o->wb, NULL);
        fclose(o->out); /* its losses are counted above */
        setvbuf(f, NULL, _IONBF, 0);
        o->out = f;
        o->wb = wb;
        o->wb_lost_seen = 0;
    } else {
        close(o->fd); /* every record was written whole by write(2) */
        o->fd = fd;
        o->need_nl = false;
    }
}

void sm_output_tick(struct sm_output *o)
{
    if (o->dest != SM_DEST_SYSLOG_TCP)
        return;
    int64_t now = sm_mono_us();
    /* Idle and connected: look for a collector gone away once a second. */
    if (o->conn == SM_CONN_UP && o->count == 0 && now - o->last_check_us < SM_SYSLOG_CHECK_US)
        return;
    sm_syslog_flush(o, now);
}

void sm_output_stats(struct sm_output *o, struct sm_output_stats *st)
{
    static const char *const names[] = { "stdout", "file", "syslog-udp", "syslog-tcp" };
    memset(st, 0, sizeof(*st));
    uint64_t wb_lost = o->wb_lost_closed;
    if (o->wb)
        wb_lost += sm_writeback_sync(o->wb, NULL);
    if (o->dest == SM_DEST_SYSLOG_TCP)
        sm_syslog_release(o);
    st->destination = names[o->dest];
    st->written = o->written - wb_lost;
    st->lost_write_error = o->lost_write + wb_lost;
    st->lost_backlog_full = o->lost_backlog;
    st->lost_oversize = o->lost_oversize;
    st->lost = st->lost_write_error + st->lost_backlog_full + st->lost_oversize;
    st->trimmed = o->trimmed;
    if (o->dest == SM_DEST_SYSLOG_TCP) {
        st->tcp = true;
        st->backlog = o->count;
        st->backlog_max = o->cap;
        st->reconnects = o->reconnects;
        st->collector_resets = o->collector_resets;
        st->connected = o->conn == SM_CONN_UP;
    }
}

void sm_output_summary(struct sm_output *o, const char *const *names, const uint64_t *counts,
                       size_t n)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (!m) {
        o->lost_write++;
        return;
    }
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += counts[i];
    fprintf(m, "%-22s %10s\n", "verdict", "connections");
    for (size_t i = 0; i < n; i++)
        if (counts[i])
            fprintf(m, "%-22s %10llu\n", names[i], (unsigned long long)counts[i]);
    fprintf(m, "%-22s %10llu\n", "total", (unsigned long long)total);
    if (fclose(m) != 0 || !text) {
        free(text);
        o->lost_write++;
        return;
    }
    int err = 0;
    if (o->dest == SM_DEST_FILE && !o->out)
        err = sm_output_file_write(o, text, len);
    else if (fwrite(text, 1, len, o->out ? o->out : stdout) != len)
        err = errno ? errno : EIO;
    if (err) {
        o->lost_write++;
        sm_output_failed(o, err, 1);
    }
    free(text);
}

uint64_t sm_output_finish(struct sm_output *o)
{
    if (o->dest == SM_DEST_SYSLOG_TCP) {
        int64_t start = sm_mono_us(), now = start;
        sm_syslog_flush(o, now);
        while (o->count > 0 && now - start < SM_SYSLOG_FINISH_US) {
            struct pollfd p = { .fd = o->sock, .events = POLLOUT };
            if (o->conn == SM_CONN_UP && o->nsent < o->count)
                poll(&p, 1, 50);
            else {
                struct timespec ts = { 0, 20000000 }; /* acknowledgements, or a reconnect */
                nanosleep(&ts, NULL);
            }
            now = sm_mono_us();
            sm_syslog_flush(o, now);
        }
        if (o->count > 0) {
            fprintf(stderr, "sshmortem: %s: %zu events were still waiting for the collector\n",
                    o->label, o->count);
            o->lost_backlog += o->count;
            for (size_t i = 0; i < o->count; i++) {
                free(sm_syslog_at(o, i)->buf);
                sm_syslog_at(o, i)->buf = NULL;
            }
            o->count = o->nsent = o->part = o->sent_bytes = 0;
        }
    }
    if (o->out && fflush(o->out) != 0)
        o->lost_write++; /* a record stdio still held */
    struct sm_output_stats st;
    sm_output_stats(o, &st);
    if (st.lost)
        fprintf(stderr,
                "sshmortem: %llu of %llu events were not written (%llu write errors, %llu "
                "syslog backlog full, %llu over --max-event-size)\n",
                (unsigned long long)st.lost, (unsigned long long)(st.lost + st.written),
                (unsigned long long)st.lost_write_error, (unsigned long long)st.lost_backlog_full,
                (unsigned long long)st.lost_oversize);
    return st.lost;
}

uint64_t sm_output_errors(const struct sm_output *o)
{
    return sm_output_lost_total(o);
}

void sm_output_close(struct sm_output *o)
{
    if (!o)
        return;
    if (o->out && o->out != stdout)
        fclose(o->out);
    else if (o->out)
        fflush(o->out);
    if (o->fd >= 0)
        close(o->fd);
    if (o->sock >= 0)
        close(o->sock);
    for (size_t i = 0; o->ring && i < o->count; i++)
        free(sm_syslog_at(o, i)->buf);
    free(o->ring);
    free(o->sendbuf);
    if (o->w)
        o->w->ops->free(o->w);
    free(o->path);
    free(o->label);
    free(o);
}
