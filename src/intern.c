/* SPDX-License-Identifier: MIT */
/* summary: the intern table (intern.h): a chained hash table of refcounted
 * immutable strings that grows and shrinks with its entry count. */
#include "config.h"
#include "intern.h"

#include <endian.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_GETRANDOM
#include <sys/random.h>
#endif

/* The table's size when its first entry comes; it never shrinks below it. */
#define SM_INTERN_MIN_BUCKETS 64u
#define SM_INTERN_RECENT      16u /* slots of the recent cache, a power of two */
#define SM_INTERN_RECENT_MIN  64u /* strings shorter than this are just hashed */

static struct {
    struct sm_interned **bucket; /* NULL while empty */
    size_t nbuckets;             /* a power of two, or 0 */
    size_t entries, refs, bytes;
    uint64_t next_id;
    uint64_t k0, k1; /* hash key */
    bool seeded;
    /* Recently interned long strings, found by length and a few bytes
     * instead of hashing all of them: a busy server's connections send the
     * same KEXINIT bodies (1-2 KB) over and over, and one memcmp costs a
     * tenth of SipHash over them. Only an accelerator: a miss here falls
     * through to the table. Freed entries are taken out (release). */
    struct sm_interned *recent[SM_INTERN_RECENT];
} sm_in;

/* ---- hash ------------------------------------------------------------------ */

/* The strings come from the network and a peer chooses them: with a fixed
 * hash it could send colliding ones and make every lookup walk one long
 * chain. SipHash-1-3 under a per-process random key (as Rust's and
 * Python's tables do) leaves it nothing to aim at. The key changes only
 * where strings sit in the table, never what anything writes. */

static uint64_t sm_rotl(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

#define SM_SIPROUND                                                                                \
    do {                                                                                           \
        v0 += v1;                                                                                  \
        v1 = sm_rotl(v1, 13);                                                                      \
        v1 ^= v0;                                                                                  \
        v0 = sm_rotl(v0, 32);                                                                      \
        v2 += v3;                                                                                  \
        v3 = sm_rotl(v3, 16);                                                                      \
        v3 ^= v2;                                                                                  \
        v0 += v3;                                                                                  \
        v3 = sm_rotl(v3, 21);                                                                      \
        v3 ^= v0;                                                                                  \
        v2 += v1;                                                                                  \
        v1 = sm_rotl(v1, 17);                                                                      \
        v1 ^= v2;                                                                                  \
        v2 = sm_rotl(v2, 32);                                                                      \
    } while (0)

/* A little-endian 64-bit load; memcpy compiles to one instruction. */
static uint64_t sm_le64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return le64toh(v);
}

static uint64_t sm_siphash13(uint64_t k0, uint64_t k1, const uint8_t *p, size_t n)
{
    uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
    size_t whole = n - n % 8;
    for (size_t i = 0; i < whole; i += 8) {
        uint64_t m = sm_le64(p + i);
        v3 ^= m;
        SM_SIPROUND;
        v0 ^= m;
    }
    uint64_t last = (uint64_t)n << 56;
    for (size_t i = 0; i < n % 8; i++)
        last |= (uint64_t)p[whole + i] << (8 * i);
    v3 ^= last;
    SM_SIPROUND;
    v0 ^= last;
    v2 ^= 0xff;
    SM_SIPROUND;
    SM_SIPROUND;
    SM_SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

static uint64_t sm_in_mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static void sm_in_seed(void)
{
    uint64_t k[2] = { 0, 0 };
    bool got = false;
#ifdef HAVE_GETRANDOM
    got = getrandom(k, sizeof(k), GRND_NONBLOCK) == (ssize_t)sizeof(k);
#endif
    if (!got) { /* weaker, but still not known in advance to a peer */
        struct timespec ts;
        timespec_get(&ts, TIME_UTC);
        k[0] = sm_in_mix((uint64_t)ts.tv_sec ^ ((uint64_t)getpid() << 32));
        k[1] = sm_in_mix((uint64_t)ts.tv_nsec ^ (uint64_t)(uintptr_t)&sm_in);
    }
    sm_in.k0 = k[0];
    sm_in.k1 = k[1];
    sm_in.seeded = true;
}

/* ---- table ----------------------------------------------------------------- */

/* The recent-cache slot of n >= 8 bytes at p: length and the last eight
 * bytes (a KEXINIT body ends in its varying lists), not secret and not
 * needed to be: a peer aiming at one slot only makes its own strings
 * miss it. */
static size_t sm_in_recent_slot(const uint8_t *p, size_t n)
{
    uint64_t tail;
    memcpy(&tail, p + n - 8, sizeof(tail));
    return (size_t)(sm_in_mix(tail ^ n) & (SM_INTERN_RECENT - 1));
}

/* Moves every entry into a table of n buckets; on allocation failure the
 * old table stays (longer chains, still correct). */
static void sm_in_resize(size_t n)
{
    struct sm_interned **nb = calloc(n, sizeof(*nb));
    if (!nb)
        return;
    for (size_t i = 0; i < sm_in.nbuckets; i++) {
        struct sm_interned *e = sm_in.bucket[i];
        while (e) {
            struct sm_interned *next = e->next;
            size_t j = (size_t)e->hash & (n - 1);
            e->next = nb[j];
            nb[j] = e;
            e = next;
        }
    }
    free(sm_in.bucket);
    sm_in.bucket = nb;
    sm_in.nbuckets = n;
}

const struct sm_interned *sm_intern(const void *bytes, size_t len)
{
    if (!bytes && len > 0)
        return NULL;
    if (len > SIZE_MAX - sizeof(struct sm_interned) - 1)
        return NULL;
    if (!sm_in.seeded)
        sm_in_seed();
    static const uint8_t empty[1];
    const uint8_t *p = len ? bytes : empty;
    size_t slot = 0;
    if (len >= SM_INTERN_RECENT_MIN) {
        slot = sm_in_recent_slot(p, len);
        struct sm_interned *r = sm_in.recent[slot];
        if (r && r->len == len && memcmp(r->bytes, p, len) == 0) {
            r->refs++;
            sm_in.refs++;
            return r;
        }
    }
    uint64_t h = sm_siphash13(sm_in.k0, sm_in.k1, p, len);
    if (sm_in.nbuckets) {
        for (struct sm_interned *e = sm_in.bucket[h & (sm_in.nbuckets - 1)]; e; e = e->next) {
            if (e->hash == h && e->len == len && memcmp(e->bytes, p, len) == 0) {
                e->refs++;
                sm_in.refs++;
                if (len >= SM_INTERN_RECENT_MIN)
                    sm_in.recent[slot] = e;
                return e;
            }
        }
    }
    if (!sm_in.nbuckets) {
        sm_in_resize(SM_INTERN_MIN_BUCKETS);
        if (!sm_in.nbuckets)
            return NULL;
    } else if (sm_in.entries >= sm_in.nbuckets && sm_in.nbuckets <= SIZE_MAX / 2 / sizeof(void *)) {
        sm_in_resize(sm_in.nbuckets * 2); /* load factor at most 1 */
    }
    size_t size = sizeof(struct sm_interned) + len + 1;
    struct sm_interned *e = malloc(size);
    if (!e)
        return NULL;
    memcpy(e->bytes, p, len);
    e->bytes[len] = '\0';
    e->len = len;
    e->hash = h;
    e->refs = 1;
    e->id = ++sm_in.next_id;
    size_t j = (size_t)h & (sm_in.nbuckets - 1);
    e->next = sm_in.bucket[j];
    sm_in.bucket[j] = e;
    sm_in.entries++;
    sm_in.refs++;
    sm_in.bytes += size;
    if (len >= SM_INTERN_RECENT_MIN)
        sm_in.recent[slot] = e;
    return e;
}

void sm_intern_release(const struct sm_interned *ce)
{
    if (!ce)
        return;
    /* The entry was handed out const so that holders cannot change it; the
     * table owns it and may. */
    struct sm_interned *e = (struct sm_interned *)(uintptr_t)ce;
    sm_in.refs--;
    if (--e->refs > 0)
        return;
    struct sm_interned **pp = &sm_in.bucket[e->hash & (sm_in.nbuckets - 1)];
    while (*pp != e)
        pp = &(*pp)->next;
    *pp = e->next;
    if (e->len >= SM_INTERN_RECENT_MIN) {
        size_t slot = sm_in_recent_slot(e->bytes, e->len);
        if (sm_in.recent[slot] == e)
            sm_in.recent[slot] = NULL;
    }
    sm_in.entries--;
    sm_in.bytes -= sizeof(struct sm_interned) + e->len + 1;
    free(e);
    if (sm_in.entries == 0) {
        /* Nothing left: give the table back too (and leave nothing behind
         * at exit for a leak checker). */
        free(sm_in.bucket);
        sm_in.bucket = NULL;
        sm_in.nbuckets = 0;
    } else if (sm_in.nbuckets > SM_INTERN_MIN_BUCKETS && sm_in.entries < sm_in.nbuckets / 8) {
        /* Shrink well below the growth point, so that a count going up and
         * down around one size does not resize every time. */
        sm_in_resize(sm_in.nbuckets / 2);
    }
}

void sm_intern_stats(struct sm_intern_stats *out)
{
    out->entries = sm_in.entries;
    out->refs = sm_in.refs;
    out->bytes = sm_in.bytes;
    out->buckets = sm_in.nbuckets;
}
