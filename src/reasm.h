/* SPDX-License-Identifier: MIT */
/* summary: per-direction TCP reassembly: delivers each direction's bytes in
 * order to a consumer that answers "consumed N, need N more, skip N",
 * buffers out-of-order segments within caps, and reports gaps, telling
 * capture loss (the receiver acknowledged bytes we never saw) from network
 * loss (a hole later filled by a retransmission).
 *
 * Overlap policy: first wins. Bytes already delivered or buffered are never
 * replaced; a later copy that differs is counted as a conflict. */
#ifndef SM_REASM_H
#define SM_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sm_limits.h"

/* The consumer. deliver() gets all contiguous unconsumed bytes and sets
 * *consumed (<= n), *need (more bytes wanted before the next call; 0 means
 * "call again when anything arrives"), *skip (bytes after the consumed ones
 * to discard unseen, e.g. encrypted payload). Returning false means the
 * consumer wants no more bytes of this direction. */
struct sm_reasm_sink {
    bool (*deliver)(void *ctx, int dir, const uint8_t *p, size_t n, size_t *consumed, size_t *need,
                    uint64_t *skip);
    /* len bytes are missing after the partial_len bytes the consumer left
     * unconsumed. Returning true means the consumer knows where it stands
     * (e.g. the missing bytes fell inside a record whose length it read)
     * and wants *skip more bytes discarded after the gap; false means it
     * lost its framing. Either way the partial bytes are dropped. */
    bool (*gap)(void *ctx, int dir, uint64_t len, const uint8_t *partial, size_t partial_len,
                uint64_t *skip);
    void *ctx;
};

struct sm_reasm_seg;

/* Per-direction byte counts that stay zero on almost every connection:
 * kept in the direction's held block from the first nonzero one (see
 * sm_reasm_counts()). */
struct sm_reasm_counts {
    uint64_t capture_loss;      /* bytes the receiver acknowledged, never captured */
    uint64_t network_loss;      /* hole bytes later filled by retransmission */
    uint64_t overlap_conflicts; /* retransmitted bytes that differed */
    uint64_t dropped;           /* bytes over the caps */
};

/* What a direction buffers (bytes not yet consumed, out-of-order segments)
 * and its counts: allocated when the first byte is buffered or the first
 * count is nonzero, freed again when the buffers empty and nothing was
 * counted, so that a connection passing its bytes straight through (the
 * encrypted part of a session, most of its life) holds none. */
struct sm_reasm_held {
    uint8_t *buf;                  /* contiguous bytes not yet consumed */
    struct sm_reasm_seg *ooo;      /* out-of-order segments, by sequence */
    struct sm_reasm_counts counts; /* all zero unless counted */
    uint32_t len;                  /* bytes in buf */
    uint32_t ooo_bytes;
    uint8_t ooo_count; /* at most SM_REASM_MAX_OOO_SEGS */
    /* Bytes allocated for buf, which grows by doubling from 2 KiB up to
     * SM_REASM_MAX_BUF: 0 none, k for 1 KiB << k, SM_REASM_CAP_MAX for
     * SM_REASM_MAX_BUF (sm_reasm_dir_cap()). */
    uint8_t cap_code;
    bool counted; /* a count was made: the block stays */
};

struct sm_reasm_dir {
    uint64_t skip;              /* bytes still to discard unseen */
    struct sm_reasm_held *held; /* NULL while nothing is buffered or counted */
    /* The consumer wants len >= need before the next call. Saturated at
     * UINT32_MAX: more than any buffer (SM_REASM_MAX_BUF) or segment can
     * hold, so it answers the same. */
    uint32_t need;
    uint32_t next_seq; /* sequence number of the byte after buf */
    uint32_t fin_seq;  /* sequence number of this direction's FIN */
    bool fin_seen : 1;
    bool started : 1; /* next_seq is known */
    bool stopped : 1; /* the consumer wants nothing more */
    /* Not used by the reassembler: a byte for its owner, in what would be
     * padding (stream.c keeps its flags here). Zeroed by sm_reasm_init(). */
    uint8_t owner;
};

#define SM_REASM_CAP_MAX 255u

/* Bytes allocated for d's buffer. */
static inline uint32_t sm_reasm_dir_cap(const struct sm_reasm_dir *d)
{
    if (!d->held || d->held->cap_code == 0)
        return 0;
    return d->held->cap_code == SM_REASM_CAP_MAX ? SM_REASM_MAX_BUF : 1024u << d->held->cap_code;
}

/* Bytes buffered in d, and where (NULL: none allocated). */
static inline uint32_t sm_reasm_dir_len(const struct sm_reasm_dir *d)
{
    return d->held ? d->held->len : 0;
}
static inline const uint8_t *sm_reasm_dir_buf(const struct sm_reasm_dir *d)
{
    return d->held ? d->held->buf : NULL;
}
/* d's out-of-order segments: the first (NULL: none), count and bytes. */
static inline const struct sm_reasm_seg *sm_reasm_dir_ooo(const struct sm_reasm_dir *d)
{
    return d->held ? d->held->ooo : NULL;
}
static inline uint32_t sm_reasm_dir_ooo_count(const struct sm_reasm_dir *d)
{
    return d->held ? d->held->ooo_count : 0;
}
static inline uint32_t sm_reasm_dir_ooo_bytes(const struct sm_reasm_dir *d)
{
    return d->held ? d->held->ooo_bytes : 0;
}

struct sm_reasm {
    struct sm_reasm_dir dir[2];
};

void sm_reasm_init(struct sm_reasm *r);
/* Frees buffered data and the counters: read them first. */
void sm_reasm_fini(struct sm_reasm *r);
/* Direction dir's counts (all zero when nothing was ever counted). */
const struct sm_reasm_counts *sm_reasm_counts(const struct sm_reasm *r, int dir);

/* Starts direction dir at sequence number seq (the ISN + 1 after a SYN). */
void sm_reasm_start(struct sm_reasm *r, int dir, uint32_t seq);
/* One segment's payload: len bytes were sent, of which cap_len captured. */
void sm_reasm_segment(struct sm_reasm *r, int dir, uint32_t seq, const uint8_t *p, uint32_t cap_len,
                      uint32_t len, const struct sm_reasm_sink *sink);
/* Direction dir sent a FIN at sequence number seq (it takes one number). */
void sm_reasm_fin(struct sm_reasm *r, int dir, uint32_t seq);
/* The peer of dir acknowledged up to ack: a hole below it is capture loss. */
void sm_reasm_ack(struct sm_reasm *r, int dir, uint32_t ack, const struct sm_reasm_sink *sink);
/* The direction ended (FIN, RST, end of capture): remaining holes are gaps. */
void sm_reasm_close(struct sm_reasm *r, int dir, const struct sm_reasm_sink *sink);

#endif
