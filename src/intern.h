/* SPDX-License-Identifier: MIT */
/* summary: interned byte strings: one shared, refcounted, immutable copy of
 * each distinct string (identification lines, KEXINIT name-lists, host key
 * names), however many connections hold it.
 *
 * Why: the same few banners and KEXINITs come back on every connection from
 * the same software, and each is up to a few KB; a connection keeps a
 * pointer instead of a copy.
 *
 * Bound: an entry lives exactly as long as someone holds it, and only
 * per-connection state (freed with its connection) holds entries, a fixed
 * number per connection. So the table never holds more entries than the
 * live connections hold references, and is bounded by the flow cap
 * (--max-flows) times what one connection may keep; it is empty again when
 * the last connection is gone.
 *
 * Single-threaded, like the rest of the pipeline. */
#ifndef SM_INTERN_H
#define SM_INTERN_H

#include <stddef.h>
#include <stdint.h>

/* One interned string. Users read id, len and bytes; the rest belongs to
 * intern.c. */
struct sm_interned {
    struct sm_interned *next; /* intern.c: hash chain */
    uint64_t hash;            /* intern.c: seeded hash of the bytes */
    size_t refs;              /* intern.c: holders */
    /* Unique in the process and never reused, never 0: ids count up from 1,
     * and an entry freed and interned again gets a new one. */
    uint64_t id;
    size_t len;
    /* len bytes, then one NUL that is not part of them, so text without
     * NULs can be read as a C string. */
    uint8_t bytes[];
};

/* Returns the entry for len bytes at bytes, one more reference to it; NULL
 * when memory runs out (callers treat the value as not kept) or when bytes
 * is NULL with len > 0. bytes may be NULL when len is 0. */
const struct sm_interned *sm_intern(const void *bytes, size_t len);

/* Drops one reference; the entry is freed with its last one. NULL is a
 * no-op. */
void sm_intern_release(const struct sm_interned *e);

struct sm_intern_stats {
    size_t entries; /* distinct strings held */
    size_t refs;    /* references held, over all entries */
    size_t bytes;   /* heap bytes of the entries (headers + strings) */
    size_t buckets; /* hash table slots (0 when empty) */
};

void sm_intern_stats(struct sm_intern_stats *out);

/* Memo ids for a writer's memo_begin (writer.h): the values of the event
 * that depend only on one interned string, kind k of SM_INTERN_MEMO_KINDS
 * per entry. Every memo id comes from here, so two different (entry, kind)
 * pairs never share one, and since entry ids are never reused a writer's
 * remembered text can never be taken for another string's. Never 0 (entry
 * ids start at 1); ids stay below 2^62 for as long as any process runs. */
#define SM_INTERN_MEMO_KINDS 4u
static inline uint64_t sm_intern_memo_id(const struct sm_interned *e, unsigned k)
{
    return e->id * SM_INTERN_MEMO_KINDS + (k % SM_INTERN_MEMO_KINDS);
}

#endif
