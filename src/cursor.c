/* SPDX-License-Identifier: MIT */
/* summary: bounds-checked reads over untrusted bytes, with a sticky error. */
#include "config.h"
#include "cursor.h"

#include <string.h>

const char *sm_strerror(enum sm_err err)
{
    switch (err) {
    case SM_OK:
        return "success";
    case SM_ERR_TRUNCATED:
        return "truncated";
    case SM_ERR_INCOMPLETE:
        return "incomplete";
    case SM_ERR_LIMIT:
        return "over limit";
    case SM_ERR_INVALID:
        return "invalid";
    case SM_ERR_NOMEM:
        return "out of memory";
    case SM_ERR_IO:
        return "input/output error";
    }
    return "unknown error";
}

size_t sm_cur_offset(const struct sm_cur *c)
{
    return c->off;
}

uint16_t sm_cur_le16(struct sm_cur *c)
{
    const uint8_t *p = sm_cur_take(c, 2);
    return p ? (uint16_t)((p[1] << 8) | p[0]) : 0;
}

uint32_t sm_cur_le32(struct sm_cur *c)
{
    const uint8_t *p = sm_cur_take(c, 4);
    return p ? ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0] : 0;
}

uint16_t sm_cur_he16(struct sm_cur *c)
{
    uint16_t v = 0;
    const uint8_t *p = sm_cur_take(c, 2);
    if (p)
        memcpy(&v, p, 2);
    return v;
}

uint32_t sm_cur_he32(struct sm_cur *c)
{
    uint32_t v = 0;
    const uint8_t *p = sm_cur_take(c, 4);
    if (p)
        memcpy(&v, p, 4);
    return v;
}

uint8_t sm_cur_peek_u8(const struct sm_cur *c, size_t off, bool *ok)
{
    if (c->err != SM_OK || off >= c->len - c->off) {
        *ok = false;
        return 0;
    }
    *ok = true;
    return c->base[c->off + off];
}

bool sm_cur_find(const struct sm_cur *c, uint8_t ch, size_t limit, size_t *at)
{
    size_t left = sm_cur_left(c);
    if (limit > left)
        limit = left;
    if (limit == 0)
        return false;
    const uint8_t *hit = memchr(c->base + c->off, ch, limit);
    if (!hit)
        return false;
    *at = (size_t)(hit - (c->base + c->off));
    return true;
}

struct sm_bytes sm_cur_ssh_string(struct sm_cur *c, size_t max)
{
    struct sm_bytes none = { NULL, 0 };
    uint32_t n = sm_cur_be32(c);

    if (c->err != SM_OK)
        return none;
    if (n > max) {
        c->err = SM_ERR_LIMIT;
        return none;
    }
    return sm_cur_bytes(c, n);
}

bool sm_cur_invalid(struct sm_cur *c, bool cond)
{
    if (cond && c->err == SM_OK)
        c->err = SM_ERR_INVALID;
    return cond;
}
