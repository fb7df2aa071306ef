/* SPDX-License-Identifier: MIT */
/* summary: glue between a flow, its reassembler and its dissector. */
#include "config.h"
#include "stream.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "hugemem.h"
#include "reasm.h"
#include "writer.h"

/* One block: the dissector's state follows the stream once a dissector is
 * chosen (the block is replaced by a larger one then), which saves a
 * pointer and an allocation per connection. The stream's flags are in the
 * reassembler's owner bytes (SM_STREAM_*), which would be padding. */
struct sm_stream {
    struct sm_reasm reasm;
    const struct sm_dissector *dis; /* NULL until the first payload byte */
    /* The dissector's state (dis->state_size bytes) when dis is set. */
    _Alignas(8) unsigned char state[];
};

/* Flags in reasm.dir[0].owner; SM_STREAM_START_SEEN also in dir[1]'s. */
enum {
    SM_STREAM_START_SEEN = 1, /* the direction's SYN was captured */
    SM_STREAM_ENDED = 2,
    SM_STREAM_NO_DISSECTOR = 4, /* the stream began before the capture: not dissected */
    SM_STREAM_POOLED = 8        /* the block is from sm_stream_pools */
};

static bool sm_stream_flag(const struct sm_stream *s, unsigned flag)
{
    return s->reasm.dir[0].owner & flag;
}

static void sm_stream_set(struct sm_stream *s, unsigned flag)
{
    s->reasm.dir[0].owner = (uint8_t)(s->reasm.dir[0].owner | flag);
}

static bool sm_stream_start_seen(const struct sm_stream *s, int dir)
{
    return s->reasm.dir[dir].owner & SM_STREAM_START_SEEN;
}

static void sm_stream_set_start_seen(struct sm_stream *s, int dir)
{
    s->reasm.dir[dir].owner = (uint8_t)(s->reasm.dir[dir].owner | SM_STREAM_START_SEEN);
}

/* ---- block pools --------------------------------------------------------- */

/* Streams live as long as their connections, so they come from pools of
 * fixed-size blocks in arrays (SM_POOL_CHUNK blocks, then twice as many
 * each time): no allocator header per block, and the long-lived blocks
 * sit together instead of among the short-lived buffers of the
 * reassembler. Two pools: streams without a dissector, and streams with
 * the state of the first dissector used (any other size comes from
 * malloc). A pool gives its arrays back when its last block is returned.
 * Process-wide, single-threaded like the rest of the analysis. */
#define SM_POOL_CHUNK 256u
/* Each array holds twice as many blocks as the one before, up to this many
 * bytes: a million open connections are in a few arrays of huge pages
 * (sm_huge_alloc()), whose prefetches do not wait for a page walk. */
#define SM_POOL_CHUNK_MAX_BYTES ((size_t)32 << 20)

struct sm_pool_chunk {
    struct sm_pool_chunk *next;
    uint32_t used; /* blocks handed out from data, in order */
    uint32_t cap;  /* blocks in data */
    _Alignas(16) unsigned char data[];
};

struct sm_pool {
    size_t size;                 /* block size, a multiple of 8; 0: not set yet */
    void *free;                  /* returned blocks, linked through their first word */
    struct sm_pool_chunk *chunk; /* the newest first */
    size_t live;                 /* blocks handed out and not returned */
};

static struct sm_pool sm_stream_pools[2];

#if defined(__SANITIZE_ADDRESS__)
#define SM_POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SM_POOL_ASAN 1
#endif
#endif
#ifdef SM_POOL_ASAN
#include <sanitizer/asan_interface.h>
#define SM_POOL_POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define SM_POOL_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define SM_POOL_POISON(p, n)   ((void)(p), (void)(n))
#define SM_POOL_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

static void *sm_pool_get(struct sm_pool *p)
{
    void *b = p->free;
    if (b) {
        SM_POOL_UNPOISON(b, p->size);
        memcpy(&p->free, b, sizeof(void *));
    } else {
        struct sm_pool_chunk *c = p->chunk;
        if (!c || c->used == c->cap) {
            uint32_t cap = SM_POOL_CHUNK;
            if (c && (size_t)c->cap * 2 * p->size <= SM_POOL_CHUNK_MAX_BYTES)
                cap = c->cap * 2;
            else if (c)
                cap = c->cap;
            struct sm_pool_chunk *nc = sm_huge_alloc(sizeof(*nc) + (size_t)cap * p->size);
            if (!nc)
                return NULL;
            nc->next = c;
            nc->used = 0;
            nc->cap = cap;
            p->chunk = c = nc;
            SM_POOL_POISON(c->data, (size_t)cap * p->size);
        }
        b = c->data + (size_t)c->used++ * p->size;
        SM_POOL_UNPOISON(b, p->size);
    }
    p->live++;
    return b;
}

static void sm_pool_put(struct sm_pool *p, void *b)
{
    memcpy(b, &p->free, sizeof(void *));
    p->free = b;
    SM_POOL_POISON((unsigned char *)b + sizeof(void *), p->size - sizeof(void *));
    if (--p->live > 0)
        return;
    /* The last one: the arrays go back. */
    while (p->chunk) {
        struct sm_pool_chunk *c = p->chunk;
        p->chunk = c->next;
        SM_POOL_UNPOISON(c->data, (size_t)c->cap * p->size);
        sm_huge_free(c, sizeof(*c) + (size_t)c->cap * p->size);
    }
    p->free = NULL;
}

/* A zeroed block of size bytes, from a pool when one has that size (set
 * on first use), else from malloc; *pooled says which. NULL when out of
 * memory. */
static void *sm_stream_block(size_t size, bool *pooled)
{
    size = (size + 7) & ~(size_t)7;
    for (unsigned i = 0; i < 2; i++) {
        struct sm_pool *p = &sm_stream_pools[i];
        if (p->size == 0 && p->live == 0)
            p->size = size;
        if (p->size == size) {
            void *b = sm_pool_get(p);
            if (b)
                memset(b, 0, size);
            *pooled = true;
            return b;
        }
    }
    *pooled = false;
    return calloc(1, size);
}

static void sm_stream_block_free(struct sm_stream *s)
{
    if (!sm_stream_flag(s, SM_STREAM_POOLED)) {
        free(s);
        return;
    }
    size_t size = sizeof(*s) + (s->dis ? s->dis->state_size : 0);
    size = (size + 7) & ~(size_t)7;
    for (unsigned i = 0; i < 2; i++) {
        if (sm_stream_pools[i].size == size) {
            sm_pool_put(&sm_stream_pools[i], s);
            return;
        }
    }
}

/* ---- the stream ---------------------------------------------------------- */

static bool sm_stream_deliver(void *ctx, int dir, const uint8_t *p, size_t n, size_t *consumed,
                              size_t *need, uint64_t *skip)
{
    struct sm_stream *s = ctx;
    if (!s->dis) {
        *consumed = n; /* no dissector: nothing to keep */
        return false;
    }
    return s->dis->deliver(s->state, dir, p, n, consumed, need, skip);
}

static bool sm_stream_gap(void *ctx, int dir, uint64_t len, const uint8_t *partial,
                          size_t partial_len, uint64_t *skip)
{
    struct sm_stream *s = ctx;
    *skip = 0;
    if (s->dis && s->dis->gap)
        return s->dis->gap(s->state, dir, len, partial, partial_len, skip);
    return false;
}

static struct sm_reasm_sink sm_stream_sink(struct sm_stream *s)
{
    struct sm_reasm_sink sink = { sm_stream_deliver, sm_stream_gap, s };
    return sink;
}

/* Creates the stream state, starting each direction whose SYN was seen
 * at its initial sequence number + 1. */
void sm_stream_prefetch(const struct sm_flow *f)
{
    const char *s = (const char *)f->stream;
    if (!s)
        return;
    for (size_t off = 0; off < sizeof(struct sm_stream); off += 64)
        __builtin_prefetch(s + off);
}

static struct sm_stream *sm_stream_get(struct sm_flow *f)
{
    if (!f->stream) {
        bool pooled;
        struct sm_stream *s = sm_stream_block(sizeof(struct sm_stream), &pooled);
        if (!s)
            return NULL;
        f->stream = s;
        sm_reasm_init(&s->reasm);
        if (pooled)
            sm_stream_set(s, SM_STREAM_POOLED);
        for (int d = 0; d < 2; d++) {
            if (f->side[d].isn_known) {
                sm_stream_set_start_seen(s, d);
                sm_reasm_start(&s->reasm, d, f->side[d].isn + 1);
            }
        }
    }
    return f->stream;
}

/* Whether this packet needs reassembly state: it carries payload, or its
 * FIN or ACK shows bytes sent beyond a SYN's start that were not captured.
 * A bare handshake, and so every member of a SYN flood, allocates none. */
static bool sm_stream_needed(const struct sm_flow *f, int dir, const struct sm_pkt *p)
{
    const struct sm_tcp_side *me = &f->side[dir], *peer = &f->side[!dir];
    if (p->payload_len > 0)
        return true;
    if ((p->flags & SM_TH_FIN) && me->isn_known && p->seq != me->isn + 1)
        return true;
    return (p->flags & SM_TH_ACK) && !(p->flags & SM_TH_RST) && peer->isn_known &&
           p->ack != peer->isn + 1;
}

void sm_stream_packet(struct sm_flow *f, int dir, const struct sm_pkt *p)
{
    bool has_data = p->payload_len > 0;
    if (!f->stream && !sm_stream_needed(f, dir, p))
        return; /* nothing to reassemble yet */
    struct sm_stream *s = sm_stream_get(f);
    if (!s || sm_stream_flag(s, SM_STREAM_ENDED))
        return;

    if (p->flags & SM_TH_SYN) {
        sm_stream_set_start_seen(s, dir);
        sm_reasm_start(&s->reasm, dir, p->seq + 1);
        if (!has_data)
            return;
    }
    uint32_t data_seq = p->seq + ((p->flags & SM_TH_SYN) ? 1u : 0u);
    /* A stream whose beginning was not captured (the capture started
     * mid-connection) is not dissected: its middle is encrypted, and read
     * as lines it would look like another protocol. */
    if (has_data && !s->dis && !sm_stream_flag(s, SM_STREAM_NO_DISSECTOR) &&
        !sm_stream_start_seen(s, dir))
        sm_stream_set(s, SM_STREAM_NO_DISSECTOR);
    if (has_data && !s->dis && !sm_stream_flag(s, SM_STREAM_NO_DISSECTOR) && p->payload_cap > 0) {
        bool more, pooled;
        const struct sm_dissector *dis =
                sm_dissector_select(p->payload, p->payload_cap, true, &more);
        /* The state goes after the stream: a larger block replaces it
         * (nothing points into it but the flow). Without memory, no
         * dissector, as before. */
        struct sm_stream *ns = dis ? sm_stream_block(sizeof(*s) + dis->state_size, &pooled) : NULL;
        if (ns) {
            memcpy(ns, s, sizeof(*s));
            ns->reasm.dir[0].owner = (uint8_t)((ns->reasm.dir[0].owner & ~SM_STREAM_POOLED) |
                                               (pooled ? SM_STREAM_POOLED : 0));
            ns->dis = dis;
            sm_stream_block_free(s);
            s = f->stream = ns;
        }
    }
    struct sm_reasm_sink sink = sm_stream_sink(s);
    if (has_data)
        sm_reasm_segment(&s->reasm, dir, data_seq, p->payload, p->payload_cap, p->payload_len,
                         &sink);
    if (p->flags & SM_TH_FIN)
        sm_reasm_fin(&s->reasm, dir, data_seq + p->payload_len);
    /* Our ACK of the peer's bytes says what the peer really sent. */
    if ((p->flags & SM_TH_ACK) && !(p->flags & SM_TH_RST))
        sm_reasm_ack(&s->reasm, !dir, p->ack, &sink);
}

void sm_stream_end(struct sm_flow *f)
{
    struct sm_stream *s = f->stream;
    if (!s || sm_stream_flag(s, SM_STREAM_ENDED))
        return;
    struct sm_reasm_sink sink = sm_stream_sink(s);
    for (int d = 0; d < 2; d++) {
        sm_reasm_close(&s->reasm, d, &sink);
        if (s->dis && s->dis->eof && (f->side[d].fin_seen || f->side[d].rst_seen))
            s->dis->eof(s->state, d);
    }
    sm_stream_set(s, SM_STREAM_ENDED);
}

void sm_stream_free(struct sm_flow *f)
{
    struct sm_stream *s = f->stream;
    if (!s)
        return;
    sm_reasm_fini(&s->reasm);
    if (s->dis)
        s->dis->state_fini(s->state);
    sm_stream_block_free(s);
    f->stream = NULL;
}

void sm_stream_facts(const struct sm_flow *f, struct sm_app_facts *out)
{
    memset(out, 0, sizeof(*out));
    out->auth_success = -1;
    out->auth_attempts = -1;
    out->disconnect_dir = -1;
    out->not_ssh_dir = -1;
    const struct sm_stream *s = f->stream;
    if (s && s->dis && s->dis->facts)
        s->dis->facts(s->state, out);
}

void sm_stream_loss(const struct sm_flow *f, struct sm_stream_loss *out)
{
    memset(out, 0, sizeof(*out));
    if (!f->stream)
        return;
    for (int d = 0; d < 2; d++) {
        const struct sm_reasm_counts *c = sm_reasm_counts(&f->stream->reasm, d);
        out->capture_loss[d] = c->capture_loss;
        out->network_loss[d] = c->network_loss;
        out->overlap_conflicts[d] = c->overlap_conflicts;
    }
}

void sm_stream_describe(const struct sm_flow *f, struct sm_writer *w, unsigned trim)
{
    const struct sm_stream *s = f->stream;
    if (s && s->dis && s->dis->describe)
        s->dis->describe(s->state, w, trim,
                         f->selected_by == SM_SEL_CONTENT ? SM_APP_HINT_UNLISTED_PORT : 0u);
    else
        w->ops->null(w, "ssh");
}
