/* SPDX-License-Identifier: MIT */
/* summary: connection table (seeded symmetric hash, CLOCK eviction for the cap, expiry
 * lists for ended and half-open connections), the flows' memory (arrays, aux and rare
 * blocks, spare rings) and duplicate suppression. What a segment says about its
 * connection (sequence, retransmissions, idle evidence) is tcp_track.c's. */
#include "config.h"
#include "flow.h"

#include <stdlib.h>
#include <string.h>

#include "hugemem.h"
#include "intern.h"
#include "tcp_track.h"

#if defined(__SANITIZE_ADDRESS__)
#define SM_FLOW_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SM_FLOW_ASAN 1
#endif
#endif
#ifdef SM_FLOW_ASAN
#include <sanitizer/asan_interface.h>
/* A free flow is poisoned, so that AddressSanitizer still catches a use
 * after sm_flow_finish() although the memory is not given back to malloc. */
#define SM_FLOW_POISON(f)            ASAN_POISON_MEMORY_REGION((f), sizeof(struct sm_flow))
#define SM_FLOW_UNPOISON(f)          ASAN_UNPOISON_MEMORY_REGION((f), sizeof(struct sm_flow))
#define SM_FLOW_UNPOISON_LINK(f)     ASAN_UNPOISON_MEMORY_REGION(&(f)->lru_next, sizeof((f)->lru_next))
#define SM_FLOW_UNPOISON_CHUNK(c, n) ASAN_UNPOISON_MEMORY_REGION((c), (n) * sizeof(struct sm_flow))
#else
#define SM_FLOW_POISON(f)            ((void)(f))
#define SM_FLOW_UNPOISON(f)          ((void)(f))
#define SM_FLOW_UNPOISON_LINK(f)     ((void)(f))
#define SM_FLOW_UNPOISON_CHUNK(c, n) ((void)(c), (void)(n))
#endif

enum sm_exp_list {
    SM_EXP_NONE = 0,
    SM_EXP_CLOSED = 1,
    SM_EXP_HANDSHAKE = 2,
    /* Established connections holding a duplicate ring (struct
     * sm_dup_ring), in the order they got it or were last checked:
     * sm_flow_expire() frees the rings of those gone quiet. */
    SM_EXP_BURST = 3
};

struct sm_dlist {
    struct sm_flow *head, *tail;
};

/* One slot of the index: the low 32 bits of the flow's hash are kept beside
 * its number, so a lookup compares hashes in one array and touches only the
 * flow it wants, not every flow that shares its probe sequence: with a
 * million flows each of those would be a cache miss. The home slot is
 * hash & mask, so the low bits are all it needs (nslots <= 2^32). 8 bytes
 * a slot. */
struct sm_flow_slot {
    uint32_t hash;
    uint32_t f; /* the flow's number; 0: empty */
};

/* Flows are allocated from arrays (no allocator header per flow, and
 * numbers instead of pointers for the links); an array is kept once
 * allocated, its free flows on a list, until the table is freed. Array 0
 * holds flows 1 to 2 * SM_FLOW_CHUNK0, array k > 0 the next
 * SM_FLOW_CHUNK0 << k: a small table stays small (the fuzzers make one per
 * input), a large one is in few large arrays that sm_huge_alloc() backs
 * with huge pages, and flow n is found with a shift and a count of bits. */
#define SM_FLOW_CHUNK0_SHIFT 9u
#define SM_FLOW_CHUNK0       (1u << SM_FLOW_CHUNK0_SHIFT)
#define SM_FLOW_CHUNKS       23u /* 2 * SM_FLOW_CHUNK0 << 22 = 2^32 flows */

/* The array of flow index i (flow number i + 1). */
static inline unsigned sm_flow_chunk_of(uint32_t i)
{
    return (unsigned)(31 - __builtin_clz((i >> SM_FLOW_CHUNK0_SHIFT) | 1u));
}

/* The flow index of the first flow of array k, and how many it holds. */
static inline uint32_t sm_flow_chunk_first(unsigned k)
{
    return k ? SM_FLOW_CHUNK0 << k : 0;
}

static inline uint32_t sm_flow_chunk_len(unsigned k)
{
    return k ? SM_FLOW_CHUNK0 << k : 2 * SM_FLOW_CHUNK0;
}

struct sm_flow_table {
    struct sm_flow_config cfg;
    struct sm_flow_slot *slots;             /* open addressing, linear probing */
    size_t nslots;                          /* power of two, at least 4/3 of count */
    struct sm_flow *chunks[SM_FLOW_CHUNKS]; /* the flow arrays (see SM_FLOW_CHUNK0) */
    uint32_t nchunks;
    uint32_t nused;     /* flows ever handed out of the arrays (numbers 1..nused) */
    uint32_t free_list; /* a free flow's number, linked by lru_next; 0: none */
    uint32_t count;
    uint64_t next_id;
    /* Every flow, oldest first. Eviction is CLOCK (second chance), an
     * approximation of least-recently-seen: a packet only sets the flow's
     * referenced bit; the hand walks this list when the table is full,
     * clearing bits, and takes the first flow not seen since its last
     * pass. Moving a flow to the tail on every packet instead touched
     * two other flows per packet, cache misses that grew with the table. */
    struct sm_dlist lru;
    struct sm_flow *hand;      /* next eviction candidate; NULL: the head */
    struct sm_dlist expiry[4]; /* [SM_EXP_CLOSED], [SM_EXP_HANDSHAKE], [SM_EXP_BURST] */
    struct sm_flow_stats stats;
    /* Freed duplicate rings and two-entry segment rings kept for reuse
     * (at most SM_FLOW_SPARE of each, a few hundred kilobytes): an
     * interactive session takes one and gives it back at every burst, more
     * often than malloc's own small caches absorb with a thousand busy
     * flows; with 44,000 sessions, 256 spares still left 670,000 malloc and
     * free calls on the analysis thread (5 % of its instructions). */
    struct sm_spare *spare_dup, *spare_seg, *spare_aux;
    uint32_t nspare_dup, nspare_seg, nspare_aux;
    /* The rebind index (issue 22 item 12): established connections with
     * nothing in flight either way, keyed by what a packet of the same
     * connection through a new NAT mapping would carry: client address,
     * server address and port, the client's next sequence number and the
     * server's (its acknowledgement). See sm_flow_rebind_note(). Slots as
     * in the main index; at most one entry per connection, so it is never
     * larger than the main index. */
    struct sm_flow_slot *rb_slots;
    size_t rb_nslots; /* power of two; 0 until the first entry */
    uint32_t rb_count;
    uint32_t rebinds; /* flows in the table with a second (rebind) entry */
};

#define SM_FLOW_SPARE 4096u

/* A spare block: its first bytes link it to the next one. */
struct sm_spare {
    struct sm_spare *next;
};

static void *sm_spare_get(struct sm_spare **list, uint32_t *n, size_t size)
{
    struct sm_spare *p = *list;
    if (!p)
        return malloc(size);
    *list = p->next;
    (*n)--;
    return p;
}

static void sm_spare_put(struct sm_spare **list, uint32_t *n, void *p)
{
    if (!p)
        return;
    if (*n >= SM_FLOW_SPARE) {
        free(p);
        return;
    }
    struct sm_spare *s = p;
    s->next = *list;
    *list = s;
    (*n)++;
}

static void sm_spare_free(struct sm_spare *list)
{
    while (list) {
        struct sm_spare *next = list->next;
        free(list);
        list = next;
    }
}

/* The flow's aux block, allocated on first use; NULL when out of memory
 * (what it would hold is lost, the connection is still tracked). */
struct sm_flow_aux *sm_flow_aux(struct sm_flow_table *t, struct sm_flow *f)
{
    if (!f->aux) {
        f->aux = sm_spare_get(&t->spare_aux, &t->nspare_aux, sizeof(*f->aux));
        if (f->aux)
            memset(f->aux, 0, sizeof(*f->aux));
    }
    return f->aux;
}

/* Gives the aux block back once it holds nothing. */
void sm_flow_aux_trim(struct sm_flow_table *t, struct sm_flow *f)
{
    const struct sm_flow_aux *a = f->aux;
    if (a && !a->segs[0] && !a->segs[1] && !a->dup_more && !a->rare && !a->end && !a->duplicates &&
        !a->truncated && !a->fragments && !a->zero_window[0] && !a->zero_window[1] &&
        !a->synack_bad_ack) {
        sm_spare_put(&t->spare_aux, &t->nspare_aux, f->aux);
        f->aux = NULL;
    }
}

static struct sm_dup_ring *sm_flow_dup_more(const struct sm_flow *f)
{
    return f->aux ? f->aux->dup_more : NULL;
}

/* The flow's rare evidence, allocated on first use; NULL when out of memory
 * (the evidence is lost, the connection is still tracked). */
struct sm_flow_rare *sm_flow_rare(struct sm_flow_table *t, struct sm_flow *f)
{
    struct sm_flow_aux *a = sm_flow_aux(t, f);
    if (!a)
        return NULL;
    if (!a->rare)
        a->rare = calloc(1, sizeof(*a->rare));
    return a->rare;
}

/* A segment ring with two entries, as sm_flow_seg_record() first makes it. */
#define SM_SEG_RING_SMALL                                                                          \
    (sizeof(struct sm_seg_ring) + 2 * sizeof(((struct sm_seg_ring *)0)->seg[0]))

/* Gives a side's segment ring back: small ones to the spares. */
void sm_flow_seg_release(struct sm_flow_table *t, struct sm_flow *f, int d)
{
    struct sm_seg_ring *r = sm_flow_segs(f, d);
    if (!r)
        return;
    if (r->cap == 2)
        sm_spare_put(&t->spare_seg, &t->nspare_seg, r);
    else
        free(r);
    f->aux->segs[d] = NULL;
    sm_flow_aux_trim(t, f);
}

/* A new segment ring for side d (its first segment to take slot 0); NULL
 * when out of memory. */
struct sm_seg_ring *sm_flow_seg_ring_new(struct sm_flow_table *t, struct sm_flow *f, enum sm_dir d)
{
    struct sm_flow_aux *a = sm_flow_aux(t, f);
    if (!a)
        return NULL;
    struct sm_seg_ring *r = a->segs[d] =
            sm_spare_get(&t->spare_seg, &t->nspare_seg, SM_SEG_RING_SMALL);
    if (!r) {
        sm_flow_aux_trim(t, f);
        return NULL;
    }
    r->next = 0; /* slots and entries are written before they are read */
    r->live = 0;
    r->cap = 2;
    return r;
}

static void sm_flow_free_data(struct sm_flow_table *t, struct sm_flow *f)
{
    struct sm_flow_aux *a = f->aux;
    if (!a)
        return;
    sm_flow_seg_release(t, f, 0);
    sm_flow_seg_release(t, f, 1);
    if (!f->aux)
        return;
    if (a->rare)
        sm_intern_release(a->rare->nflog.prefix);
    free(a->rare);
    sm_spare_put(&t->spare_dup, &t->nspare_dup, a->dup_more);
    free(a->end);
    sm_spare_put(&t->spare_aux, &t->nspare_aux, a);
    f->aux = NULL;
}

/* splitmix64 finalizer: a cheap, well-mixed 64-bit permutation. */
static inline uint64_t sm_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static inline uint64_t sm_hash_addr(uint64_t seed, const struct sm_addr *a)
{
    uint64_t w0, w1;
    memcpy(&w0, a->b, 8);
    memcpy(&w1, a->b + 8, 8);
    return sm_mix64(sm_mix64(seed ^ w0) ^ w1);
}

/* Symmetric: both directions of a connection hash alike, because the two
 * sides are combined with commutative additions. The seed keeps an
 * attacker from choosing colliding tuples: each address is mixed with it
 * before anything is added, so the ports, added (times an odd constant)
 * after that, cannot cancel address bits an attacker picks; the tuples
 * that collide whatever the seed differ only in how the same port sum is
 * split between the two sides (A:p to S:22 and A:p-2200 to S:2222), a
 * handful per address pair at most. Five mixes, not eight: the hash is
 * computed for every packet, on the read-ahead thread. */
static inline uint64_t sm_flow_hash(uint64_t seed, const struct sm_addr *a, uint16_t pa,
                                    const struct sm_addr *b, uint16_t pb, uint8_t nvlan,
                                    const uint16_t *vlan)
{
    uint64_t h = sm_hash_addr(seed, a) + sm_hash_addr(seed, b);
    uint64_t v = ((uint64_t)nvlan << 32) | ((uint64_t)(nvlan > 0 ? vlan[0] : 0) << 16) |
                 (nvlan > 1 ? vlan[1] : 0);
    return sm_mix64(h + ((uint64_t)pa + pb) * 0x9e3779b97f4a7c15ULL + v * 0xc2b2ae3d27d4eb4fULL);
}

/* Flow number n (NULL for 0). */
static inline struct sm_flow *sm_flow_at(const struct sm_flow_table *t, uint32_t n)
{
    if (n == 0)
        return NULL;
    n--;
    unsigned k = sm_flow_chunk_of(n);
    return &t->chunks[k][n - sm_flow_chunk_first(k)];
}

static inline uint32_t sm_flow_no(const struct sm_flow *f)
{
    return f ? f->self : 0;
}

/* A zeroed flow with its number set; NULL when out of memory. */
static struct sm_flow *sm_flow_alloc(struct sm_flow_table *t)
{
    struct sm_flow *f;
    uint32_t n = t->free_list;
    if (n) {
        f = sm_flow_at(t, n);
        SM_FLOW_UNPOISON(f);
        t->free_list = f->lru_next;
    } else {
        if (t->nused == UINT32_MAX)
            return NULL;
        unsigned k = sm_flow_chunk_of(t->nused);
        if (k == t->nchunks) { /* the arrays are full: the next one */
            uint32_t len = sm_flow_chunk_len(k);
            struct sm_flow *c = sm_huge_alloc((size_t)len * sizeof(*c));
            if (!c)
                return NULL;
            t->chunks[t->nchunks++] = c;
            for (uint32_t i = 0; i < len; i++)
                SM_FLOW_POISON(&c[i]);
        }
        n = ++t->nused;
        f = sm_flow_at(t, n);
        SM_FLOW_UNPOISON(f);
    }
    memset(f, 0, sizeof(*f));
    f->self = n;
    return f;
}

/* Gives a flow back to the free list. */
static void sm_flow_dealloc(struct sm_flow_table *t, struct sm_flow *f)
{
    uint32_t n = f->self;
    f->lru_next = t->free_list;
    t->free_list = n;
    /* Poisoned but for the link: the free list reads it. */
    SM_FLOW_POISON(f);
    SM_FLOW_UNPOISON_LINK(f);
}

static void sm_dlist_remove(struct sm_flow_table *t, struct sm_dlist *l, struct sm_flow *f,
                            bool lru)
{
    struct sm_flow *prev = sm_flow_at(t, lru ? f->lru_prev : f->exp_prev);
    struct sm_flow *next = sm_flow_at(t, lru ? f->lru_next : f->exp_next);

    if (prev)
        *(lru ? &prev->lru_next : &prev->exp_next) = sm_flow_no(next);
    else
        l->head = next;
    if (next)
        *(lru ? &next->lru_prev : &next->exp_prev) = sm_flow_no(prev);
    else
        l->tail = prev;
    if (lru)
        f->lru_prev = f->lru_next = 0;
    else
        f->exp_prev = f->exp_next = 0;
}

static void sm_dlist_append(struct sm_dlist *l, struct sm_flow *f, bool lru)
{
    if (lru) {
        f->lru_prev = sm_flow_no(l->tail);
        f->lru_next = 0;
        if (l->tail)
            l->tail->lru_next = f->self;
        else
            l->head = f;
    } else {
        f->exp_prev = sm_flow_no(l->tail);
        f->exp_next = 0;
        if (l->tail)
            l->tail->exp_next = f->self;
        else
            l->head = f;
    }
    l->tail = f;
}

/* Puts the flow on the expiry list its state calls for, at the tail (the
 * lists are ordered by last packet time because packets arrive in order). */
static void sm_flow_requeue(struct sm_flow_table *t, struct sm_flow *f)
{
    uint8_t want = SM_EXP_NONE;
    if (f->ended)
        want = SM_EXP_CLOSED;
    else if (!f->established)
        want = SM_EXP_HANDSHAKE;
    else if (sm_flow_dup_more(f))
        want = SM_EXP_BURST;
    if (want == SM_EXP_BURST && f->exp_list == SM_EXP_BURST)
        return; /* not moved per packet: sm_flow_expire() moves it once a pass */
    if (f->exp_list != SM_EXP_NONE)
        sm_dlist_remove(t, &t->expiry[f->exp_list], f, false);
    f->exp_list = want;
    if (want != SM_EXP_NONE)
        sm_dlist_append(&t->expiry[want], f, false);
}

struct sm_flow_table *sm_flow_table_new(const struct sm_flow_config *cfg)
{
    struct sm_flow_table *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->cfg = *cfg;
    if (t->cfg.max_flows == 0)
        t->cfg.max_flows = 1;
    if (t->cfg.linger_us <= 0)
        t->cfg.linger_us = (int64_t)SM_LINGER_SECS * 1000000;
    if (t->cfg.handshake_timeout_us <= 0)
        t->cfg.handshake_timeout_us = (int64_t)SM_HANDSHAKE_TIMEOUT_SECS * 1000000;
    t->nslots = 1024;
    t->slots = sm_huge_alloc(t->nslots * sizeof(*t->slots));
    if (!t->slots) {
        free(t);
        return NULL;
    }
    t->next_id = 1;
    return t;
}

void sm_flow_table_free(struct sm_flow_table *t)
{
    if (!t)
        return;
    struct sm_flow *f = t->lru.head;
    while (f) {
        struct sm_flow *next = sm_flow_at(t, f->lru_next);
        if (t->cfg.release)
            t->cfg.release(t->cfg.emit_ctx, f);
        sm_flow_free_data(t, f);
        f = next;
    }
    sm_spare_free(t->spare_dup);
    sm_spare_free(t->spare_seg);
    sm_spare_free(t->spare_aux);
    for (unsigned k = 0; k < t->nchunks; k++) {
        SM_FLOW_UNPOISON_CHUNK(t->chunks[k], sm_flow_chunk_len(k));
        sm_huge_free(t->chunks[k], (size_t)sm_flow_chunk_len(k) * sizeof(struct sm_flow));
    }
    sm_huge_free(t->slots, t->nslots * sizeof(*t->slots));
    if (t->rb_slots)
        sm_huge_free(t->rb_slots, t->rb_nslots * sizeof(*t->rb_slots));
    free(t);
}

const struct sm_flow_stats *sm_flow_table_stats(const struct sm_flow_table *t)
{
    return &t->stats;
}

/* Doubles an index (the main one or the rebind index) when it is three
 * quarters full (16 bytes a slot: at half full the index alone cost 32 to
 * 64 bytes a connection; linear probing at 3/4 still finds a flow in 2.5
 * slots on average, most often in the same cache line); failure to grow is
 * retried at the next insertion (an index is never full: see
 * sm_slots_add). */
static bool sm_slots_grow(struct sm_flow_slot **slots, size_t *nslots)
{
    size_t n = *nslots ? *nslots * 2 : 1024;
    struct sm_flow_slot *ns = sm_huge_alloc(n * sizeof(*ns));
    if (!ns)
        return false;
    for (size_t i = 0; i < *nslots; i++) {
        if (!(*slots)[i].f)
            continue;
        size_t j = (size_t)(*slots)[i].hash & (n - 1);
        while (ns[j].f)
            j = (j + 1) & (n - 1);
        ns[j] = (*slots)[i];
    }
    if (*slots)
        sm_huge_free(*slots, *nslots * sizeof(**slots));
    *slots = ns;
    *nslots = n;
    return true;
}

/* Adds flow number n with hash h to an index holding used entries; false
 * when it is full and cannot grow. */
static bool sm_slots_add(struct sm_flow_slot **slots, size_t *nslots, size_t used, uint64_t h,
                         uint32_t n)
{
    if (used + 1 > *nslots / 4 * 3 && !sm_slots_grow(slots, nslots) && used + 1 >= *nslots)
        return false; /* keep one empty slot: probing must end */
    size_t mask = *nslots - 1, i = h & mask;
    while ((*slots)[i].f)
        i = (i + 1) & mask;
    (*slots)[i].hash = (uint32_t)h;
    (*slots)[i].f = n;
    return true;
}

/* Adds f to the index; false when the index is full and cannot grow. The
 * second entries of NAT rebinds count as used slots too. */
static bool sm_flow_index_add(struct sm_flow_table *t, struct sm_flow *f, uint64_t h)
{
    return sm_slots_add(&t->slots, &t->nslots, (size_t)t->count + t->rebinds, h, f->self);
}

/* Empties slot i of an open-addressing array by backward-shift deletion:
 * later members of the probe run move up, so no tombstones accumulate. */
static void sm_slots_delete(struct sm_flow_slot *slots, size_t nslots, size_t i)
{
    size_t mask = nslots - 1;
    for (size_t j = (i + 1) & mask; slots[j].f; j = (j + 1) & mask) {
        size_t home = (size_t)slots[j].hash & mask;
        /* The entry at j may fill the hole at i only if its home slot is
         * not cyclically within (i, j]. */
        bool home_in_run = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!home_in_run) {
            slots[i] = slots[j];
            i = j;
        }
    }
    slots[i].f = 0;
    slots[i].hash = 0;
}

/* Removes the entry of flow number n whose hash is h, if there is one. */
static void sm_slots_remove(struct sm_flow_slot *slots, size_t nslots, uint64_t h, uint32_t n)
{
    size_t mask = nslots - 1, i = h & mask;
    while (slots[i].f && slots[i].f != n)
        i = (i + 1) & mask;
    if (slots[i].f)
        sm_slots_delete(slots, nslots, i);
}

/* Removes f from the index (and the second entry of a NAT rebind). */
static void sm_flow_index_remove(struct sm_flow_table *t, const struct sm_flow *f)
{
    /* The flow does not keep its hash (8 bytes a connection): it is
     * recomputed once, here. */
    uint64_t h = sm_flow_hash(t->cfg.hash_seed, &f->addr[0], f->port[0], &f->addr[1], f->port[1],
                              f->vlan_count, f->vlan);
    sm_slots_remove(t->slots, t->nslots, h, f->self);
    const struct sm_flow_rebind *rb = sm_flow_rebind_of(f);
    if (rb) {
        h = sm_flow_hash(t->cfg.hash_seed, &f->addr[SM_DIR_ORIG], rb->new_port,
                         &f->addr[SM_DIR_RESP], f->port[SM_DIR_RESP], f->vlan_count, f->vlan);
        sm_slots_remove(t->slots, t->nslots, h, f->self);
    }
}

/* Takes f out of the rebind index. */
static void sm_flow_rebind_forget(struct sm_flow_table *t, struct sm_flow *f)
{
    if (!f->rb_hash)
        return;
    sm_slots_remove(t->rb_slots, t->rb_nslots, f->rb_hash, f->self);
    f->rb_hash = 0;
    t->rb_count--;
}

static void sm_flow_unlink(struct sm_flow_table *t, struct sm_flow *f)
{
    sm_flow_index_remove(t, f);
    sm_flow_rebind_forget(t, f);
    if (sm_flow_rebind_of(f))
        t->rebinds--;
    if (t->hand == f)
        t->hand = sm_flow_at(t, f->lru_next);
    sm_dlist_remove(t, &t->lru, f, true);
    if (f->exp_list != SM_EXP_NONE)
        sm_dlist_remove(t, &t->expiry[f->exp_list], f, false);
    t->count--;
    t->stats.active = t->count;
}

/* Hands the flow to the emitter, then frees it. */
static void sm_flow_finish(struct sm_flow_table *t, struct sm_flow *f, enum sm_flow_end why,
                           int64_t now)
{
    sm_flow_unlink(t, f);
    if (t->cfg.emit && t->cfg.emit(t->cfg.emit_ctx, f, why, now))
        return; /* kept: handed back through sm_flow_done() */
    sm_flow_done(t, f);
}

void sm_flow_done(struct sm_flow_table *t, struct sm_flow *f)
{
    if (t->cfg.release)
        t->cfg.release(t->cfg.emit_ctx, f);
    sm_flow_free_data(t, f);
    sm_flow_dealloc(t, f);
}

static bool sm_addr_eq(const struct sm_addr *a, const struct sm_addr *b)
{
    return memcmp(a->b, b->b, sizeof(a->b)) == 0;
}

void sm_flow_prefetch_slot(const struct sm_flow_table *t, uint64_t hash)
{
    __builtin_prefetch(&t->slots[hash & (t->nslots - 1)]);
}

const struct sm_flow *sm_flow_peek(const struct sm_flow_table *t, uint64_t hash)
{
    const struct sm_flow_slot *s = &t->slots[hash & (t->nslots - 1)];
    if (!s->f || s->hash != (uint32_t)hash)
        return NULL; /* an empty slot, or another connection's */
    return sm_flow_at(t, s->f);
}

void sm_flow_prefetch(const struct sm_flow_table *t, uint64_t hash)
{
    const char *f = (const char *)sm_flow_peek(t, hash);
    if (!f)
        return; /* a new flow, or one further along the probe: not worth it */
    for (size_t off = 0; off < sizeof(struct sm_flow); off += 64)
        __builtin_prefetch(f + off);
}

/* Finds the flow of a tuple in either direction; *dir says which side sent. */
static struct sm_flow *sm_flow_find(struct sm_flow_table *t, uint64_t h, uint8_t ipv,
                                    const struct sm_addr *src, uint16_t sport,
                                    const struct sm_addr *dst, uint16_t dport, uint8_t nvlan,
                                    const uint16_t *vlan, enum sm_dir *dir)
{
    size_t mask = t->nslots - 1;
    for (size_t i = h & mask; t->slots[i].f; i = (i + 1) & mask) {
        if (t->slots[i].hash != (uint32_t)h)
            continue;
        struct sm_flow *f = sm_flow_at(t, t->slots[i].f);
        if (f->ip_version != ipv || f->vlan_count != nvlan)
            continue;
        if (nvlan > 0 && f->vlan[0] != vlan[0])
            continue;
        if (nvlan > 1 && f->vlan[1] != vlan[1])
            continue;
        if (f->port[0] == sport && f->port[1] == dport && sm_addr_eq(&f->addr[0], src) &&
            sm_addr_eq(&f->addr[1], dst)) {
            *dir = SM_DIR_ORIG;
            return f;
        }
        if (f->port[1] == sport && f->port[0] == dport && sm_addr_eq(&f->addr[1], src) &&
            sm_addr_eq(&f->addr[0], dst)) {
            *dir = SM_DIR_RESP;
            return f;
        }
        /* The client's new port after a NAT rebind: the same connection. */
        const struct sm_flow_rebind *rb = sm_flow_rebind_of(f);
        if (rb && sm_addr_eq(&f->addr[0], src) && sm_addr_eq(&f->addr[1], dst) &&
            rb->new_port == sport && f->port[1] == dport) {
            *dir = SM_DIR_ORIG;
            return f;
        }
        if (rb && sm_addr_eq(&f->addr[1], src) && sm_addr_eq(&f->addr[0], dst) &&
            f->port[1] == sport && rb->new_port == dport) {
            *dir = SM_DIR_RESP;
            return f;
        }
    }
    return NULL;
}

/* NAT rebinds (issue 22 item 12). A NAT that forgot an idle mapping (its
 * timeout, a flush, or a port scan evicting it) maps the client's next
 * packet anew, with another source port (MASQUERADE --random-fully, most
 * carrier-grade NATs): the server sees a packet without SYN on a new
 * 4-tuple that carries exactly the next sequence number of the client and
 * acknowledges exactly the server's next one, and its kernel answers with
 * a RST, which the NAT translates back to the client ("Connection reset by
 * peer"). Seen at the server, or on the NAT's outside, that is one
 * connection going silent and one mid-stream fragment: one death. The
 * fragment is joined to the connection it continues, so the classifier
 * sees one connection whose first packet after the silence drew a RST.
 *
 * Finding that connection needs a key the fragment's first packet has: the
 * client address, the server address and port, and the two sequence
 * numbers. A connection's sequence numbers change with every data packet,
 * so it is entered in the rebind index only when they hold still: after a
 * packet that leaves nothing in flight either way (the state a silence
 * must begin in to count as idleness), and again only if they moved since.
 * An interactive session updates its entry once per exchange, a bulk
 * transfer once per pause, and a packet that leaves data in flight costs a
 * comparison. Entries are verified against the flow at lookup (a stale one
 * names a flow whose numbers moved on: no match), and removed with the
 * flow. The index holds at most one entry per connection.
 *
 * The join needs the silent connection still in the table when the
 * fragment arrives. An established connection without FIN or RST never
 * expires (only the capture's end or eviction from a full table take it
 * out), so the silence may last as long as the NAT's timeout; a connection
 * evicted from a full table (the CLOCK hand prefers connections not seen
 * lately, such as this one) cannot be joined: then there are two events,
 * as before. A connection is joined at most once. */
static uint32_t sm_flow_rebind_key(uint64_t seed, const struct sm_addr *client,
                                   const struct sm_addr *server, uint16_t server_port,
                                   uint8_t nvlan, const uint16_t *vlan, uint32_t client_next,
                                   uint32_t server_next)
{
    uint64_t v = ((uint64_t)nvlan << 32) | ((uint64_t)(nvlan > 0 ? vlan[0] : 0) << 16) |
                 (nvlan > 1 ? vlan[1] : 0);
    uint64_t h = sm_mix64(sm_hash_addr(seed ^ 0x5bd1e995u, client) ^
                          (sm_hash_addr(seed, server) + server_port));
    h = sm_mix64(h ^ ((uint64_t)client_next << 32 | server_next) ^ v * 0xc2b2ae3d27d4eb4fULL);
    return (uint32_t)h ? (uint32_t)h : 1u; /* 0 means "not in the index" */
}

/* After a packet: keeps f's rebind entry current while nothing is in
 * flight (see above). */
static void sm_flow_rebind_note(struct sm_flow_table *t, struct sm_flow *f)
{
    if (!f->established || f->ended || f->midstream || sm_flow_rebind_of(f) ||
        !sm_flow_pkts(f, SM_DIR_ORIG) || !sm_flow_pkts(f, SM_DIR_RESP) ||
        !sm_flow_nothing_in_flight(f))
        return;
    uint32_t h = sm_flow_rebind_key(t->cfg.hash_seed, &f->addr[SM_DIR_ORIG], &f->addr[SM_DIR_RESP],
                                    f->port[SM_DIR_RESP], f->vlan_count, f->vlan,
                                    f->side[SM_DIR_ORIG].next_seq, f->side[SM_DIR_RESP].next_seq);
    if (h == f->rb_hash)
        return;
    sm_flow_rebind_forget(t, f);
    if (sm_slots_add(&t->rb_slots, &t->rb_nslots, t->rb_count, h, f->self)) {
        f->rb_hash = h;
        t->rb_count++;
    }
}

/* The connection that p, a segment without SYN on a tuple the table does
 * not know, continues through a new NAT mapping, or NULL. */
static struct sm_flow *sm_flow_rebind_find(struct sm_flow_table *t, const struct sm_pkt *p)
{
    if (!t->rb_count || (p->flags & (SM_TH_SYN | SM_TH_RST)) || !(p->flags & SM_TH_ACK))
        return NULL;
    uint32_t h = sm_flow_rebind_key(t->cfg.hash_seed, &p->src, &p->dst, p->dport, p->vlan_count,
                                    p->vlan, p->seq, p->ack);
    size_t mask = t->rb_nslots - 1;
    for (size_t i = h & mask; t->rb_slots[i].f; i = (i + 1) & mask) {
        if (t->rb_slots[i].hash != h)
            continue;
        struct sm_flow *f = sm_flow_at(t, t->rb_slots[i].f);
        if (f->ip_version == p->ip_version && f->vlan_count == p->vlan_count &&
            (p->vlan_count < 1 || f->vlan[0] == p->vlan[0]) &&
            (p->vlan_count < 2 || f->vlan[1] == p->vlan[1]) && f->port[SM_DIR_RESP] == p->dport &&
            f->port[SM_DIR_ORIG] != p->sport && sm_addr_eq(&f->addr[SM_DIR_ORIG], &p->src) &&
            sm_addr_eq(&f->addr[SM_DIR_RESP], &p->dst) && f->side[SM_DIR_ORIG].next_seq == p->seq &&
            f->side[SM_DIR_RESP].next_seq == p->ack && !f->ended && sm_flow_nothing_in_flight(f))
            return f;
    }
    return NULL;
}

/* Joins the new tuple of p (hash h) to f: a second index entry, the
 * rebind evidence. false without memory for either (then p starts a
 * connection of its own, as without the join). */
static bool sm_flow_rebind_join(struct sm_flow_table *t, struct sm_flow *f, const struct sm_pkt *p,
                                uint64_t h)
{
    struct sm_flow_rare *rare = sm_flow_rare(t, f);
    if (!rare)
        return false;
    if (!sm_flow_index_add(t, f, h))
        return false;
    rare->rebind.ts = p->ts_us;
    rare->rebind.gap_us = p->ts_us - f->last_ts;
    rare->rebind.old_port = f->port[SM_DIR_ORIG];
    rare->rebind.new_port = p->sport;
    t->rebinds++;
    sm_flow_rebind_forget(t, f); /* joined once */
    return true;
}

/* The initiator rule of SPEC.md "Connections": the SYN sender; without a
 * SYN, the receiver of a SYN-ACK; otherwise the side not on an SSH port;
 * otherwise the first sender. Returns true when the sender is the initiator. */
static bool sm_sender_is_initiator(const struct sm_flow_table *t, const struct sm_pkt *p)
{
    if (p->flags & SM_TH_SYN)
        return !(p->flags & SM_TH_ACK);
    bool s_ssh = sm_port_is_ssh(t->cfg.ssh_ports, p->sport);
    bool d_ssh = sm_port_is_ssh(t->cfg.ssh_ports, p->dport);
    if (s_ssh != d_ssh)
        return d_ssh;
    return true;
}

/* The CLOCK hand's choice: the first flow from the hand on (wrapping)
 * whose referenced bit is clear, clearing bits on the way. Ends within one
 * full turn, since every bit passed is cleared. */
static struct sm_flow *sm_flow_clock_victim(struct sm_flow_table *t)
{
    struct sm_flow *f = t->hand ? t->hand : t->lru.head;
    while (f->referenced) {
        f->referenced = false;
        f = f->lru_next ? sm_flow_at(t, f->lru_next) : t->lru.head;
    }
    return f;
}

static struct sm_flow *sm_flow_create(struct sm_flow_table *t, const struct sm_pkt *p, uint64_t h,
                                      uint32_t source, enum sm_dir *dir)
{
    if (t->count >= t->cfg.max_flows && t->lru.head) {
        /* Half-open connections go first, oldest first: a SYN flood must
         * not push real sessions out of a full table. */
        struct sm_flow *old = t->expiry[SM_EXP_HANDSHAKE].head;
        if (!old)
            old = sm_flow_clock_victim(t);
        old->evicted = true;
        t->stats.evicted++;
        sm_flow_finish(t, old, SM_END_EVICTED, p->ts_us);
    }
    struct sm_flow *f = sm_flow_alloc(t);
    if (!f)
        return NULL;
    bool init = sm_sender_is_initiator(t, p);
    *dir = init ? SM_DIR_ORIG : SM_DIR_RESP;
    f->ip_version = p->ip_version;
    f->vlan_count = p->vlan_count;
    memcpy(f->vlan, p->vlan, sizeof(f->vlan));
    f->addr[*dir] = p->src;
    f->port[*dir] = p->sport;
    f->addr[!*dir] = p->dst;
    f->port[!*dir] = p->dport;
    f->source = (uint16_t)(source < UINT16_MAX ? source : UINT16_MAX);
    f->first_ts = f->last_ts = p->ts_us;
    f->midstream = !(p->flags & SM_TH_SYN);
    for (int d = 0; d < 2; d++)
        f->side[d].wscale = -1;

    if (!sm_flow_index_add(t, f, h)) {
        sm_flow_dealloc(t, f);
        return NULL;
    }
    f->id = t->next_id++;
    sm_dlist_append(&t->lru, f, true);
    t->count++;
    t->stats.flows++;
    t->stats.active = t->count;
    if (t->count > t->stats.active_max)
        t->stats.active_max = t->count;
    return f;
}

/* The time of the connection's newest TCP packet, the one whose signature
 * the flow holds: every packet recorded for duplicate suppression is then
 * tracked (sm_tcp_track() sets its side's last_ts), and time never moves
 * backwards. 0 before the first. */
static int64_t sm_flow_dup_ts(const struct sm_flow *f)
{
    return f->side_last_ts[0] > f->side_last_ts[1] ? f->side_last_ts[0] : f->side_last_ts[1];
}

/* Whether a packet with signature sig from where is a copy of the one
 * recorded with esig, ets, ewhere. */
static bool sm_dup_match(uint64_t esig, int64_t ets, int32_t ewhere, uint64_t sig, int32_t where,
                         int64_t ts)
{
    if (esig != sig || ets == 0)
        return false;
    if (ts - ets > SM_DUP_WINDOW_USECS || ts < ets)
        return false;
    if (where >= 0 && ewhere >= 0 && where == ewhere)
        return false; /* same interface twice: really sent twice */
    return true;
}

/* The same packet captured twice ("-i any" on a router sees it arrive and
 * leave) is counted once. Two copies must agree on every TCP field, the
 * checksum (covering the timestamp option) and the IPv4 ID, arrive within
 * SM_DUP_WINDOW_USECS, and where the link says so, on different interfaces.
 * The last SM_DUP_RING packets are compared. */
/* The segment's signature for duplicate suppression, without its
 * direction (which needs the flow): sm_flow_is_duplicate() flips bit 0 for
 * the responder's. */
static uint64_t sm_flow_dup_sig(const struct sm_pkt *p)
{
    uint64_t sig = sm_mix64(((uint64_t)p->seq << 32) ^ p->ack);
    sig = sm_mix64(sig ^ ((uint64_t)p->flags << 56) ^ ((uint64_t)p->win << 40) ^
                   ((uint64_t)p->tcp_csum << 24) ^ ((uint64_t)p->ip_id << 8));
    return sm_mix64(sig ^ p->payload_len);
}

static bool sm_flow_is_duplicate(struct sm_flow_table *t, struct sm_flow *f, enum sm_dir d,
                                 const struct sm_pkt *p, uint64_t sig_undirected)
{
    uint64_t sig = sig_undirected ^ (uint64_t)d;
    int32_t where = p->ifindex >= 0 ? p->ifindex : (p->pkttype >= 0 ? 1000000 + p->pkttype : -1);

    int64_t newest = sm_flow_dup_ts(f);
    if (sm_dup_match(f->dup_sig, newest, f->dup_if, sig, where, p->ts_us))
        return true;
    struct sm_dup_ring *r = sm_flow_dup_more(f);
    for (unsigned i = 0; r && i < SM_DUP_RING - 1; i++)
        if (sm_dup_match(r->sig[i], r->ts[i], r->where[i], sig, where, p->ts_us))
            return true;

    /* This packet becomes the newest. The previous newest still matters
     * if a later packet may come within the window of it; if not, neither
     * do the older ones. */
    if (newest != 0 && p->ts_us - newest <= SM_DUP_WINDOW_USECS) {
        struct sm_flow_aux *a = r ? f->aux : sm_flow_aux(t, f);
        if (!r && a) {
            r = a->dup_more = sm_spare_get(&t->spare_dup, &t->nspare_dup, sizeof(*r));
            if (r) /* NULL: forgotten, as if older */
                memset(r, 0, sizeof(*r));
            else
                sm_flow_aux_trim(t, f);
        }
        if (r) {
            r->sig[r->next] = f->dup_sig;
            r->ts[r->next] = newest;
            r->where[r->next] = f->dup_if;
            r->next = (uint8_t)((r->next + 1) % (SM_DUP_RING - 1));
        }
    } else if (r) {
        sm_spare_put(&t->spare_dup, &t->nspare_dup, r);
        f->aux->dup_more = NULL;
        sm_flow_aux_trim(t, f);
    }
    f->dup_sig = sig;
    f->dup_if = where;
    return false;
}

/* An ICMP error: the table finds the connection it quotes, tcp_track.c
 * decides whether to believe it and records it. */
static void sm_flow_icmp(struct sm_flow_table *t, const struct sm_pkt *p)
{
    const struct sm_quoted *q = &p->quoted;
    enum sm_dir qd;

    if (q->ip_version != p->ip_version) {
        t->stats.icmp_unmatched++;
        return;
    }
    uint64_t h = sm_flow_hash(t->cfg.hash_seed, &q->src, q->sport, &q->dst, q->dport, p->vlan_count,
                              p->vlan);
    struct sm_flow *f = sm_flow_find(t, h, q->ip_version, &q->src, q->sport, &q->dst, q->dport,
                                     p->vlan_count, p->vlan, &qd);
    if (!f || !sm_tcp_icmp_believable(f, qd, q)) {
        t->stats.icmp_unmatched++;
        return;
    }
    t->stats.icmp_matched++;
    sm_tcp_icmp(t, f, qd, p);
    f->referenced = true;
    sm_flow_requeue(t, f);
}

void sm_flow_ct_note(struct sm_flow_table *t, struct sm_flow *f, bool destroy, int64_t ts_us,
                     uint8_t state, int64_t timeout_s, bool via_reply)
{
    struct sm_flow_rare *rare = sm_flow_rare(t, f);
    if (!rare)
        return; /* out of memory: the evidence is lost */
    struct sm_flow_ct *ct = &rare->ct;
    if (!ct->events)
        ct->timeout_s = -1;
    ct->events++;
    ct->via_reply = via_reply;
    if (destroy) {
        ct->destroy_ts = ts_us;
        return;
    }
    /* A NEW after a DESTROY: the tuple's entry was made again (loose
     * pickup, or a new SYN on the same ports): the destroy no longer
     * describes the live entry. */
    if (ct->destroy_ts)
        ct->destroy_ts = 0;
    if (state != 0xff) {
        ct->state = state;
        ct->has_state = true;
    }
    if (timeout_s >= 0)
        ct->timeout_s = timeout_s;
}

struct sm_flow *sm_flow_lookup(struct sm_flow_table *t, uint8_t ip_version, const struct sm_addr *a,
                               uint16_t ap, const struct sm_addr *b, uint16_t bp)
{
    enum sm_dir d;
    uint64_t h = sm_flow_hash(t->cfg.hash_seed, a, ap, b, bp, 0, NULL);
    return sm_flow_find(t, h, ip_version, a, ap, b, bp, 0, NULL, &d);
}

const struct sm_flow_config *sm_flow_table_config(const struct sm_flow_table *t)
{
    return &t->cfg;
}

uint64_t sm_flow_table_hash_seed(const struct sm_flow_table *t)
{
    return t->cfg.hash_seed;
}

uint64_t sm_flow_pkt_hash(uint64_t seed, const struct sm_pkt *p)
{
    return sm_flow_hash(seed, &p->src, p->sport, &p->dst, p->dport, p->vlan_count, p->vlan);
}

void sm_flow_pkt_keys(uint64_t seed, const struct sm_pkt *p, struct sm_flow_keys *keys)
{
    if (p->kind != SM_PKT_TCP) {
        keys->hash = keys->dup_sig = 0;
        return;
    }
    keys->hash = sm_flow_pkt_hash(seed, p);
    keys->dup_sig = sm_flow_dup_sig(p);
}

struct sm_flow *sm_flow_packet(struct sm_flow_table *t, const struct sm_pkt *p, uint32_t source,
                               enum sm_dir *dir)
{
    struct sm_flow_keys keys;
    sm_flow_pkt_keys(t->cfg.hash_seed, p, &keys);
    return sm_flow_packet_keyed(t, p, &keys, source, dir);
}

/* An NFLOG packet logged with a prefix: the rule that logged it is kept
 * (the last one), before duplicate suppression, because with an interface
 * and an NFLOG group captured at once the NFLOG copy is a duplicate of the
 * interface's and only it names the rule. */
static void sm_flow_nflog_note(struct sm_flow_table *t, struct sm_flow *f, enum sm_dir d,
                               const struct sm_pkt *p)
{
    struct sm_flow_rare *rare = sm_flow_rare(t, f);
    if (!rare)
        return; /* out of memory: the evidence is lost */
    struct sm_flow_nflog *n = &rare->nflog;
    if (!n->prefix || n->prefix->len != p->nf_prefix_len ||
        memcmp(n->prefix->bytes, p->nf_prefix, p->nf_prefix_len) != 0) {
        const struct sm_interned *e = sm_intern(p->nf_prefix, p->nf_prefix_len);
        if (!e)
            return;
        sm_intern_release(n->prefix);
        n->prefix = e;
    }
    if (!n->packets)
        n->first_ts = p->ts_us;
    n->packets++;
    n->last_ts = p->ts_us;
    n->indev = p->nf_indev;
    n->outdev = p->nf_outdev;
    n->hook = p->nf_hook;
    n->dir = (uint8_t)d;
    n->flags = p->flags;
}

bool sm_flow_nflog_witness(struct sm_flow_table *t, const struct sm_pkt *p)
{
    if (p->kind != SM_PKT_TCP)
        return false;
    enum sm_dir d;
    uint64_t h = sm_flow_hash(t->cfg.hash_seed, &p->src, p->sport, &p->dst, p->dport, 0, NULL);
    struct sm_flow *f =
            sm_flow_find(t, h, p->ip_version, &p->src, p->sport, &p->dst, p->dport, 0, NULL, &d);
    if (!f)
        return false;
    if (p->nf_prefix_len)
        sm_flow_nflog_note(t, f, d, p);
    return true;
}

struct sm_flow *sm_flow_packet_keyed(struct sm_flow_table *t, const struct sm_pkt *p,
                                     const struct sm_flow_keys *keys, uint32_t source,
                                     enum sm_dir *dir)
{
    enum sm_dir d = SM_DIR_ORIG;
    uint64_t h = keys->hash;

    if (p->kind == SM_PKT_ICMP_ERR) {
        sm_flow_icmp(t, p);
        return NULL;
    }
    if (p->kind != SM_PKT_TCP)
        return NULL;

    struct sm_flow *f = sm_flow_find(t, h, p->ip_version, &p->src, p->sport, &p->dst, p->dport,
                                     p->vlan_count, p->vlan, &d);

    if (f && (p->flags & (SM_TH_SYN | SM_TH_ACK)) == SM_TH_SYN) {
        const struct sm_tcp_side *s = &f->side[d];
        bool retransmitted = d == SM_DIR_ORIG && s->isn_known && s->isn == p->seq;
        if (f->ended && !retransmitted) {
            sm_flow_finish(t, f, SM_END_REUSED, p->ts_us);
            f = NULL;
        } else if (!retransmitted && (s->isn_known || sm_flow_pkts(f, !d) || d != SM_DIR_ORIG)) {
            f->superseded = true;
            sm_flow_finish(t, f, SM_END_SUPERSEDED, p->ts_us);
            f = NULL;
        }
    }
    /* A tuple the table does not know may be a connection's next packet
     * through a new NAT mapping: the client's, on its new port. */
    if (!f && (f = sm_flow_rebind_find(t, p)) != NULL) {
        if (sm_flow_rebind_join(t, f, p, h))
            d = SM_DIR_ORIG;
        else
            f = NULL;
    }
    bool created = !f;
    if (created) {
        f = sm_flow_create(t, p, h, source, &d);
        if (!f)
            return NULL; /* out of memory: the packet is dropped, not the program */
    }
    if (p->nf_prefix_len)
        sm_flow_nflog_note(t, f, d, p);
    if (created) {
        /* a new connection's first packet: nothing to be a duplicate of */
    } else if (sm_flow_is_duplicate(t, f, d, p, keys->dup_sig)) {
        struct sm_flow_aux *a = sm_flow_aux(t, f);
        if (a) /* NULL: not counted in the flow, still in the total */
            a->duplicates++;
        t->stats.duplicates++;
        return NULL;
    } else {
        f->referenced = true; /* seen again: spared by the next CLOCK pass */
    }
    if (sm_flow_pkts(f, d) == 0 && sm_flow_pkts(f, !d) == 0)
        (void)sm_flow_is_duplicate(t, f, d, p, keys->dup_sig); /* seed the ring: first packet */
    sm_tcp_track(t, f, d, p);
    sm_flow_rebind_note(t, f);
    sm_flow_requeue(t, f);
    *dir = d;
    return f;
}

void sm_flow_expire(struct sm_flow_table *t, int64_t now)
{
    struct sm_flow *f;
    while ((f = t->expiry[SM_EXP_CLOSED].head) && f->last_ts + t->cfg.linger_us <= now)
        sm_flow_finish(t, f, SM_END_CLOSED, now);
    while ((f = t->expiry[SM_EXP_HANDSHAKE].head) &&
           f->last_ts + t->cfg.handshake_timeout_us <= now)
        sm_flow_finish(t, f, SM_END_TIMEOUT, now);
    /* Duplicate rings: once the newest packet is more than the window old,
     * no later packet (capture time never goes back) can match any of the
     * older ones, so the ring goes. A connection still in its burst goes to
     * the tail, to be looked at again at the next pass: each pass visits
     * the connections that were busy since the one before, once. */
    struct sm_dlist *burst = &t->expiry[SM_EXP_BURST];
    struct sm_flow *last = burst->tail;
    while ((f = burst->head)) {
        bool done = f == last;
        sm_dlist_remove(t, burst, f, false);
        if (now - sm_flow_dup_ts(f) > SM_DUP_WINDOW_USECS) {
            if (f->aux) {
                sm_spare_put(&t->spare_dup, &t->nspare_dup, f->aux->dup_more);
                f->aux->dup_more = NULL;
                sm_flow_aux_trim(t, f);
            }
            f->exp_list = SM_EXP_NONE;
            sm_flow_requeue(t, f);
        } else {
            sm_dlist_append(burst, f, false);
        }
        if (done)
            break;
    }
}

void sm_flow_flush(struct sm_flow_table *t, int64_t now)
{
    /* The CLOCK list is in flow-id order: a flow is appended when it gets
     * its id (ids count up), and never moved. So its head is always the
     * oldest open flow, and no array of all flows is needed to sort them
     * (it cost 8 bytes a connection at the end of the input). */
    while (t->lru.head)
        sm_flow_finish(t, t->lru.head, SM_END_CAPTURE_END, now);
}
