/* SPDX-License-Identifier: MIT */
/* summary: the bounds-checked reader; the only way wire bytes are read.
 *
 * The error is sticky: after the first failed read every further read returns
 * 0 or an empty view and the offset stops moving, so a parser is a straight
 * list of reads followed by one check of sm_cur_ok(). Bounds are tested in
 * subtraction form (n > len - off), never by forming an out-of-range pointer. */
#ifndef SM_CURSOR_H
#define SM_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum sm_err {
    SM_OK = 0,
    SM_ERR_TRUNCATED,  /* a complete unit (captured packet) ended early */
    SM_ERR_INCOMPLETE, /* a stream cursor needs more bytes; see need */
    SM_ERR_LIMIT,      /* a declared length exceeds our cap */
    SM_ERR_INVALID,    /* the bytes violate the format */
    SM_ERR_NOMEM,
    SM_ERR_IO
};

const char *sm_strerror(enum sm_err err);

/* A borrowed view into packet memory: valid only while that memory is. */
struct sm_bytes {
    const uint8_t *p;
    size_t len;
};

struct sm_cur {
    const uint8_t *base;
    size_t len;
    size_t off;
    size_t need; /* with SM_ERR_INCOMPLETE: bytes missing for the failed read */
    enum sm_err err;
    bool stream; /* short reads are INCOMPLETE (stream) or TRUNCATED (unit) */
};

size_t sm_cur_offset(const struct sm_cur *c);

uint16_t sm_cur_le16(struct sm_cur *c);
uint32_t sm_cur_le32(struct sm_cur *c);
uint16_t sm_cur_he16(struct sm_cur *c); /* host order (NFLOG TLVs) */
uint32_t sm_cur_he32(struct sm_cur *c); /* host order (DLT_NULL) */
/* Reads without consuming: the byte at offset off from the current position. */
uint8_t sm_cur_peek_u8(const struct sm_cur *c, size_t off, bool *ok);
/* Finds byte ch within the next limit bytes without consuming: true with its
 * offset from the current position in *at. */
bool sm_cur_find(const struct sm_cur *c, uint8_t ch, size_t limit, size_t *at);
/* RFC 4251 section 5 string: uint32 length then bytes; longer than max is LIMIT. */
struct sm_bytes sm_cur_ssh_string(struct sm_cur *c, size_t max);
/* Sets SM_ERR_INVALID when cond is true; returns cond. */
bool sm_cur_invalid(struct sm_cur *c, bool cond);

/* The hot readers are inline: every header field of every packet goes
 * through them. */

static inline void sm_cur_init(struct sm_cur *c, const uint8_t *p, size_t len, bool stream)
{
    /* An empty cursor gets a base too, so no read ever offsets NULL. */
    c->base = p ? p : (const uint8_t *)"";
    c->len = p ? len : 0;
    c->off = 0;
    c->need = 0;
    c->err = SM_OK;
    c->stream = stream;
}

static inline bool sm_cur_ok(const struct sm_cur *c)
{
    return c->err == SM_OK;
}

static inline size_t sm_cur_left(const struct sm_cur *c)
{
    return c->err == SM_OK ? c->len - c->off : 0;
}

/* Claims n bytes; returns a pointer to them or NULL and sets the error. */
static inline const uint8_t *sm_cur_take(struct sm_cur *c, size_t n)
{
    const uint8_t *p;

    if (c->err != SM_OK)
        return NULL;
    if (n > c->len - c->off) {
        if (c->stream) {
            c->err = SM_ERR_INCOMPLETE;
            c->need = n - (c->len - c->off);
        } else {
            c->err = SM_ERR_TRUNCATED;
        }
        return NULL;
    }
    p = c->base + c->off;
    c->off += n;
    return p;
}

static inline uint8_t sm_cur_u8(struct sm_cur *c)
{
    const uint8_t *p = sm_cur_take(c, 1);
    return p ? p[0] : 0;
}

static inline uint16_t sm_cur_be16(struct sm_cur *c)
{
    const uint8_t *p = sm_cur_take(c, 2);
    return p ? (uint16_t)((p[0] << 8) | p[1]) : 0;
}

static inline uint32_t sm_cur_be32(struct sm_cur *c)
{
    const uint8_t *p = sm_cur_take(c, 4);
    return p ? ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3] : 0;
}

static inline void sm_cur_skip(struct sm_cur *c, size_t n)
{
    (void)sm_cur_take(c, n);
}

/* Fixed-offset loads for a fast path that claims a whole fixed-size header
 * with one sm_cur_take(): p + off .. p + off + width must lie inside bytes a
 * successful sm_cur_take() returned (the caller checks nothing else). They
 * are not readers of their own: never call them on a pointer that did not
 * come from a take of at least that many bytes. */
static inline uint16_t sm_load_be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t sm_load_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Copies n bytes into out (zero-filled on failure). */
static inline void sm_cur_copy(struct sm_cur *c, void *out, size_t n)
{
    const uint8_t *p = sm_cur_take(c, n);
    if (p)
        memcpy(out, p, n);
    else
        memset(out, 0, n);
}

static inline struct sm_bytes sm_cur_bytes(struct sm_cur *c, size_t n)
{
    struct sm_bytes b = { NULL, 0 };
    const uint8_t *p = sm_cur_take(c, n);
    if (p) {
        b.p = p;
        b.len = n;
    }
    return b;
}

/* The rest of the input, consumed. */
static inline struct sm_bytes sm_cur_rest(struct sm_cur *c)
{
    return sm_cur_bytes(c, sm_cur_left(c));
}

/* A child cursor over the next n bytes (consumed from the parent). When fewer
 * than n remain, the child covers what remains and the parent's error is set
 * only if strict is true; a lenient child lets snaplen-truncated packets be
 * used for what they contain. */
static inline struct sm_cur sm_cur_sub(struct sm_cur *c, size_t n, bool strict)
{
    struct sm_cur sub;
    size_t left = sm_cur_left(c);

    if (n > left && !strict)
        n = left;
    sm_cur_init(&sub, NULL, 0, c->stream);
    if (c->err != SM_OK) {
        sub.err = c->err;
        return sub;
    }
    const uint8_t *p = sm_cur_take(c, n);
    if (!p) {
        sub.err = c->err;
        sub.need = c->need;
        return sub;
    }
    sm_cur_init(&sub, p, n, c->stream);
    return sub;
}

#endif
