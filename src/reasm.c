/* SPDX-License-Identifier: MIT */
/* summary: in-order delivery per direction with bounded buffers, first-wins
 * overlaps, and gaps split into capture loss and network loss. */
#include "config.h"
#include "reasm.h"

#include <stdlib.h>
#include <string.h>

#include "sm_limits.h"

struct sm_reasm_seg {
    struct sm_reasm_seg *next;
    uint32_t seq;
    uint32_t len;
    uint8_t data[];
};

static uint32_t sm_sat32(uint64_t v)
{
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static bool sm_lt(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}

static bool sm_le(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) <= 0;
}

void sm_reasm_init(struct sm_reasm *r)
{
    memset(r, 0, sizeof(*r));
}

const struct sm_reasm_counts *sm_reasm_counts(const struct sm_reasm *r, int dir)
{
    static const struct sm_reasm_counts none;
    return r->dir[dir].held ? &r->dir[dir].held->counts : &none;
}

/* The direction's held block, allocated on first use; NULL when out of
 * memory. */
static struct sm_reasm_held *sm_reasm_held(struct sm_reasm_dir *d)
{
    if (!d->held)
        d->held = calloc(1, sizeof(*d->held));
    return d->held;
}

/* Frees the held block once it holds nothing: no buffer, no segment, no
 * count. */
static void sm_reasm_trim(struct sm_reasm_dir *d)
{
    struct sm_reasm_held *h = d->held;
    if (h && !h->buf && !h->ooo && !h->counted) {
        free(h);
        d->held = NULL;
    }
}

/* The direction's counts for writing; NULL when out of memory (the count
 * is lost, reassembly goes on). */
static struct sm_reasm_counts *sm_reasm_count(struct sm_reasm_dir *d)
{
    struct sm_reasm_held *h = sm_reasm_held(d);
    if (!h)
        return NULL;
    h->counted = true;
    return &h->counts;
}

/* Adds n to one of the direction's counts. */
#define SM_REASM_ADD(d, field, n)                                                                  \
    do {                                                                                           \
        if ((n) > 0 && sm_reasm_count(d))                                                          \
            (d)->held->counts.field += (n);                                                        \
    } while (0)

static void sm_reasm_drop_buffers(struct sm_reasm_dir *d)
{
    struct sm_reasm_held *h = d->held;
    if (!h)
        return;
    free(h->buf);
    h->buf = NULL;
    h->len = 0;
    h->cap_code = 0;
    while (h->ooo) {
        struct sm_reasm_seg *s = h->ooo;
        h->ooo = s->next;
        free(s);
    }
    h->ooo_bytes = 0;
    h->ooo_count = 0;
    sm_reasm_trim(d);
}

void sm_reasm_fini(struct sm_reasm *r)
{
    for (int i = 0; i < 2; i++) {
        sm_reasm_drop_buffers(&r->dir[i]);
        free(r->dir[i].held);
        r->dir[i].held = NULL;
    }
}

void sm_reasm_start(struct sm_reasm *r, int dir, uint32_t seq)
{
    struct sm_reasm_dir *d = &r->dir[dir];
    if (!d->started) {
        d->started = true;
        d->next_seq = seq;
    }
}

void sm_reasm_fin(struct sm_reasm *r, int dir, uint32_t seq)
{
    r->dir[dir].fin_seq = seq;
    r->dir[dir].fin_seen = true;
}

static void sm_reasm_stop(struct sm_reasm_dir *d)
{
    d->stopped = true;
    sm_reasm_drop_buffers(d);
}

/* Offers the consumer the n in-order bytes at p until it needs more than
 * remain or wants no more (*more false); returns the bytes it consumed or
 * skipped. d->need counts from the first byte not yet consumed. */
static size_t sm_reasm_offer(struct sm_reasm_dir *d, int dir, const struct sm_reasm_sink *sink,
                             const uint8_t *p, size_t n, bool *more)
{
    size_t used = 0;
    *more = true;
    while (used < n && n - used >= d->need) {
        size_t rem = n - used, consumed = 0, need = 0;
        uint64_t skip = 0;
        *more = sink->deliver(sink->ctx, dir, p + used, rem, &consumed, &need, &skip);
        if (consumed > rem)
            consumed = rem;
        if (skip > 0) {
            size_t s = skip < rem - consumed ? (size_t)skip : rem - consumed;
            consumed += s;
            skip -= s;
        }
        used += consumed;
        d->skip += skip;
        if (!*more)
            return used;
        d->need = need ? sm_sat32((uint64_t)(n - used) + need) : 0;
        if (consumed == 0) {
            /* No progress: wait for at least one more byte. */
            if (d->need <= n - used)
                d->need = sm_sat32((uint64_t)(n - used) + 1);
            break;
        }
    }
    return used;
}

/* Hands buffered bytes to the consumer until it needs more than we have. */
static void sm_reasm_drain(struct sm_reasm_dir *d, int dir, const struct sm_reasm_sink *sink)
{
    struct sm_reasm_held *h = d->held;
    if (d->stopped || !h || h->len == 0 || h->len < d->need)
        return;
    bool more;
    size_t used = sm_reasm_offer(d, dir, sink, h->buf, h->len, &more);
    if (!more) {
        sm_reasm_stop(d);
        return;
    }
    memmove(h->buf, h->buf + used, h->len - used);
    h->len -= (uint32_t)used;
    if (h->len == 0 && h->cap_code > 0) {
        /* Idle connections hold no buffer: most of a connection's life
         * (the encrypted part) passes through without one. */
        free(h->buf);
        h->buf = NULL;
        h->cap_code = 0;
        sm_reasm_trim(d);
    }
}

/* Appends in-order bytes, first discarding what the consumer asked to skip. */
static void sm_reasm_append(struct sm_reasm_dir *d, const uint8_t *p, uint32_t n)
{
    if (d->skip > 0) {
        uint32_t s = d->skip < n ? (uint32_t)d->skip : n;
        d->skip -= s;
        p += s;
        n -= s;
    }
    if (n == 0 || d->stopped)
        return;
    uint32_t len = sm_reasm_dir_len(d);
    if (n > SM_REASM_MAX_BUF - len) {
        /* The consumer holds more than a record may be: give up on it. */
        SM_REASM_ADD(d, dropped, n);
        sm_reasm_stop(d);
        return;
    }
    struct sm_reasm_held *h = sm_reasm_held(d);
    if (!h) {
        sm_reasm_stop(d); /* no memory: as if the buffer could not grow */
        return;
    }
    if (len + n > sm_reasm_dir_cap(d)) {
        uint8_t code = h->cap_code ? h->cap_code : 1; /* 2 KiB first */
        while (code < SM_REASM_CAP_MAX && (1024u << code) < len + n)
            code = (1024u << code) * 2 > SM_REASM_MAX_BUF ? SM_REASM_CAP_MAX : (uint8_t)(code + 1);
        uint32_t cap = code == SM_REASM_CAP_MAX ? SM_REASM_MAX_BUF : 1024u << code;
        uint8_t *nb = realloc(h->buf, cap);
        if (!nb) {
            SM_REASM_ADD(d, dropped, n);
            sm_reasm_stop(d);
            return;
        }
        h->buf = nb;
        h->cap_code = code;
    }
    memcpy(h->buf + len, p, n);
    h->len = len + n;
}

/* Moves out-of-order segments that became contiguous into the buffer. */
static void sm_reasm_pull(struct sm_reasm_dir *d)
{
    struct sm_reasm_held *h;
    while ((h = d->held) && h->ooo && sm_le(h->ooo->seq, d->next_seq)) {
        struct sm_reasm_seg *s = h->ooo;
        h->ooo = s->next;
        h->ooo_bytes -= s->len;
        h->ooo_count--;
        uint32_t end = s->seq + s->len;
        if (sm_lt(d->next_seq, end)) {
            uint32_t off = d->next_seq - s->seq;
            sm_reasm_append(d, s->data + off, s->len - off);
            d->next_seq = end;
        }
        free(s);
    }
    sm_reasm_trim(d);
}

/* Keeps bytes beyond a hole. First wins: only the parts not already held
 * are stored, each between the held segments it overlaps. */
static void sm_reasm_hold(struct sm_reasm_dir *d, uint32_t seq, const uint8_t *p, uint32_t n)
{
    struct sm_reasm_held *h = sm_reasm_held(d);
    if (!h) {
        SM_REASM_ADD(d, dropped, n); /* lost, as when a segment cannot be held */
        return;
    }
    struct sm_reasm_seg **pp = &h->ooo, *prev = NULL;
    while (*pp && sm_le((*pp)->seq, seq)) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    while (n > 0) {
        if (prev && sm_lt(seq, prev->seq + prev->len)) { /* held already */
            uint32_t cut = prev->seq + prev->len - seq;
            if (cut >= n)
                return;
            seq += cut;
            p += cut;
            n -= cut;
        }
        uint32_t piece = n;
        if (*pp && sm_lt((*pp)->seq, seq + n))
            piece = (*pp)->seq - seq;
        if (piece > 0) {
            if (h->ooo_count >= SM_REASM_MAX_OOO_SEGS ||
                piece > SM_REASM_MAX_OOO_BYTES - h->ooo_bytes) {
                SM_REASM_ADD(d, dropped, n);
                return;
            }
            struct sm_reasm_seg *sg = malloc(sizeof(*sg) + piece);
            if (!sg) {
                SM_REASM_ADD(d, dropped, n);
                return;
            }
            sg->seq = seq;
            sg->len = piece;
            memcpy(sg->data, p, piece);
            sg->next = *pp;
            *pp = sg;
            h->ooo_bytes += piece;
            h->ooo_count++;
            prev = sg;
            pp = &sg->next;
            seq += piece;
            p += piece;
            n -= piece;
        }
        if (n > 0 && *pp) { /* the next held segment: skip over it */
            prev = *pp;
            pp = &(*pp)->next;
        }
    }
}

/* Counts retransmitted bytes that differ from what is still buffered. */
static void sm_reasm_compare(struct sm_reasm_dir *d, uint32_t seq, const uint8_t *p, uint32_t n)
{
    uint32_t len = sm_reasm_dir_len(d);
    uint32_t buf_start = d->next_seq - len;
    if (sm_lt(seq, buf_start)) {
        uint32_t cut = buf_start - seq;
        if (cut >= n)
            return;
        seq += cut;
        p += cut;
        n -= cut;
    }
    uint32_t off = seq - buf_start;
    if (off < len) {
        uint32_t k = len - off < n ? len - off : n;
        if (memcmp(d->held->buf + off, p, k) != 0)
            SM_REASM_ADD(d, overlap_conflicts, 1);
    }
}

/* Jumps over a hole up to sequence number upto. Bytes the consumer asked to
 * skip anyway are no loss to it; otherwise it is told, and what it held
 * before the hole can never complete, so it is dropped. */
static void sm_reasm_jump(struct sm_reasm_dir *d, int dir, uint32_t upto, bool capture,
                          const struct sm_reasm_sink *sink)
{
    uint32_t n = upto - d->next_seq;
    if (n == 0 || !sm_lt(d->next_seq, upto))
        return;
    if (capture)
        SM_REASM_ADD(d, capture_loss, n);
    else
        SM_REASM_ADD(d, network_loss, n);
    d->next_seq = upto;
    if (d->skip >= n) {
        d->skip -= n;
    } else {
        uint64_t after = 0;
        bool resync = sink->gap && sink->gap(sink->ctx, dir, n, sm_reasm_dir_buf(d),
                                             sm_reasm_dir_len(d), &after);
        d->skip = resync ? after : 0;
        if (d->held)
            d->held->len = 0;
        d->need = 0;
    }
    sm_reasm_pull(d);
}

/* Captured bytes of one segment: what is old is compared (first wins), what
 * continues the stream is appended up to the next held segment (filling a
 * hole: network loss), and what lies beyond a hole is held. */
static void sm_reasm_data(struct sm_reasm_dir *d, uint32_t seq, const uint8_t *p, uint32_t n)
{
    while (n > 0 && !d->stopped) {
        if (sm_lt(seq, d->next_seq)) {
            uint32_t dup = sm_le(seq + n, d->next_seq) ? n : d->next_seq - seq;
            sm_reasm_compare(d, seq, p, dup);
            seq += dup;
            p += dup;
            n -= dup;
            continue;
        }
        if (seq != d->next_seq) {
            sm_reasm_hold(d, seq, p, n);
            return;
        }
        uint32_t take = n;
        const struct sm_reasm_seg *ooo = sm_reasm_dir_ooo(d);
        if (ooo && sm_lt(ooo->seq, seq + take))
            take = ooo->seq - seq;
        if (take == 0) { /* a held segment starts here: move it in first */
            sm_reasm_pull(d);
            continue;
        }
        if (ooo)
            SM_REASM_ADD(d, network_loss, take); /* a hole filled late: lost on the way */
        sm_reasm_append(d, p, take);
        d->next_seq = seq + take;
        seq += take;
        p += take;
        n -= take;
        sm_reasm_pull(d);
    }
}

/* The common case: nothing buffered or held and the whole segment is the
 * next in order. The consumer reads it where it lies; only what it leaves
 * (a record's beginning) is copied into the buffer. */
static void sm_reasm_direct(struct sm_reasm_dir *d, int dir, const uint8_t *p, uint32_t n,
                            const struct sm_reasm_sink *sink)
{
    d->next_seq += n;
    if (d->skip > 0) {
        uint32_t s = d->skip < n ? (uint32_t)d->skip : n;
        d->skip -= s;
        p += s;
        n -= s;
    }
    size_t used = 0;
    if (n > 0 && n >= d->need) {
        bool more;
        used = sm_reasm_offer(d, dir, sink, p, n, &more);
        if (!more) {
            sm_reasm_stop(d);
            return;
        }
    }
    /* Left over: the consumer skipped nothing more (a pending skip would
     * have consumed the rest), so this is plain buffering. */
    if (used < n)
        sm_reasm_append(d, p + used, (uint32_t)(n - used));
}

void sm_reasm_segment(struct sm_reasm *r, int dir, uint32_t seq, const uint8_t *p, uint32_t cap_len,
                      uint32_t len, const struct sm_reasm_sink *sink)
{
    struct sm_reasm_dir *d = &r->dir[dir];
    if (len == 0 || d->stopped)
        return;
    if (cap_len > len)
        cap_len = len;
    if (!d->started) {
        d->started = true;
        d->next_seq = seq;
    }
    if (sm_reasm_dir_len(d) == 0 && !sm_reasm_dir_ooo(d) && seq == d->next_seq && cap_len == len) {
        sm_reasm_direct(d, dir, p, len, sink);
        return;
    }
    uint32_t cut = seq + cap_len; /* first sequence number not captured */
    sm_reasm_data(d, seq, p, cap_len);
    /* The snaplen cut the segment: the rest was sent but never captured.
     * The consumer sees what was captured before it hears of the gap. */
    if (!d->stopped && cap_len < len && d->next_seq == cut) {
        sm_reasm_drain(d, dir, sink);
        if (!d->stopped)
            sm_reasm_jump(d, dir, cut + (len - cap_len), true, sink);
    }
    sm_reasm_drain(d, dir, sink);
}

void sm_reasm_ack(struct sm_reasm *r, int dir, uint32_t ack, const struct sm_reasm_sink *sink)
{
    struct sm_reasm_dir *d = &r->dir[dir];
    if (!d->started || d->stopped)
        return;
    if (d->fin_seen && ack == d->fin_seq + 1)
        ack = d->fin_seq; /* the FIN takes a sequence number, not a byte */
    if (!sm_lt(d->next_seq, ack))
        return;
    /* The receiver has bytes we never saw: the capture lost them, in every
     * hole below the ACK. */
    while (!d->stopped && sm_lt(d->next_seq, ack)) {
        uint32_t upto = ack;
        const struct sm_reasm_seg *ooo = sm_reasm_dir_ooo(d);
        if (ooo && sm_lt(ooo->seq, ack))
            upto = ooo->seq;
        uint32_t before = d->next_seq;
        sm_reasm_jump(d, dir, upto, true, sink);
        sm_reasm_drain(d, dir, sink);
        if (d->next_seq == before)
            break; /* no progress (cannot happen: jump moves next_seq) */
    }
}

void sm_reasm_close(struct sm_reasm *r, int dir, const struct sm_reasm_sink *sink)
{
    struct sm_reasm_dir *d = &r->dir[dir];
    /* Holes never filled nor acknowledged: lost before the capture point
     * and never retransmitted. */
    const struct sm_reasm_seg *ooo;
    while (!d->stopped && (ooo = sm_reasm_dir_ooo(d))) {
        sm_reasm_jump(d, dir, ooo->seq, false, sink);
        sm_reasm_drain(d, dir, sink);
    }
    sm_reasm_drop_buffers(d);
}
