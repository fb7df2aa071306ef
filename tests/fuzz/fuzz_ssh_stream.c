/* SPDX-License-Identifier: MIT */
/* summary: libFuzzer target for the SSH stream state machine with arbitrary
 * segmenting: the input is cut at the 4-byte separator "\xffSM\xff" into
 * chunks of alternating direction, each copied into an exactly-sized buffer
 * and delivered the way the reassembler does (keeping what the dissector did
 * not consume, honouring need and skip); then both ends, the facts and the
 * event section are produced. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissector.h"
#include "ssh.h"
#include "writer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SM_FUZZ_MAX_PENDING (64 * 1024)

struct sm_fuzz_dir {
    uint8_t *buf;
    size_t len;
    uint64_t skip;
    bool done;
};

static void sm_fuzz_feed(const struct sm_dissector *d, void *st, int dir, struct sm_fuzz_dir *x,
                         const uint8_t *p, size_t n)
{
    if (x->done)
        return;
    if (x->skip) {
        size_t s = x->skip < n ? (size_t)x->skip : n;
        x->skip -= s;
        p += s;
        n -= s;
    }
    if (n == 0 || x->len + n > SM_FUZZ_MAX_PENDING)
        return;
    uint8_t *nb = realloc(x->buf, x->len + n);
    if (!nb)
        return;
    x->buf = nb;
    memcpy(x->buf + x->len, p, n);
    x->len += n;
    while (x->len > 0 && !x->done) {
        /* An exactly-sized copy, so reading past n is caught. */
        uint8_t *exact = malloc(x->len);
        if (!exact)
            return;
        memcpy(exact, x->buf, x->len);
        size_t consumed = 0, need = 0;
        uint64_t skip = 0;
        bool more = d->deliver(st, dir, exact, x->len, &consumed, &need, &skip);
        free(exact);
        if (consumed > x->len)
            abort(); /* contract violation */
        memmove(x->buf, x->buf + consumed, x->len - consumed);
        x->len -= consumed;
        if (skip) {
            size_t s = skip < x->len ? (size_t)skip : x->len;
            memmove(x->buf, x->buf + s, x->len - s);
            x->len -= s;
            x->skip += skip - s;
        }
        if (!more)
            x->done = true;
        if (consumed == 0 && skip == 0)
            break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t sep[4] = { 0xff, 'S', 'M', 0xff };
    const struct sm_dissector *d = &sm_ssh_dissector;
    void *st = d->state_new();
    struct sm_fuzz_dir dirs[2] = { { 0 } };
    size_t start = 0;
    int dir = 0;

    if (!st)
        return 0;
    for (size_t i = 0; i + 4 <= size; i++) {
        if (memcmp(data + i, sep, 4) == 0) {
            sm_fuzz_feed(d, st, dir, &dirs[dir], data + start, i - start);
            dir ^= 1;
            start = i + 4;
            i += 3;
        }
    }
    sm_fuzz_feed(d, st, dir, &dirs[dir], data + start, size - start);
    if (size > 0 && data[0] & 1) {
        uint64_t skip;
        d->gap(st, 1, data[0], dirs[1].buf, dirs[1].len, &skip);
    }
    d->eof(st, 0);
    d->eof(st, 1);

    struct sm_app_facts facts;
    memset(&facts, 0, sizeof(facts));
    d->facts(st, &facts);
    struct sm_writer *w = sm_writer_json_new();
    FILE *null = fopen("/dev/null", "w");
    if (w && null) {
        w->ops->begin(w);
        d->describe(st, w, 0, size > 0 && (data[0] & 2) ? SM_APP_HINT_UNLISTED_PORT : 0u);
        w->ops->end(w, null);
    }
    if (null)
        fclose(null);
    if (w)
        w->ops->free(w);
    d->state_free(st);
    free(dirs[0].buf);
    free(dirs[1].buf);
    return 0;
}
