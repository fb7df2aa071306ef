/* SPDX-License-Identifier: MIT */
/* summary: glue between a flow, its reassembler and its dissector. */
#include "config.h"
#include "stream.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "reasm.h"
#include "writer.h"

/* One allocation: the dissector's state follows the stream once a
 * dissector is chosen (the block is reallocated then), which saves a
 * pointer and an allocation's overhead per connection. */
struct sm_stream {
    struct sm_reasm reasm;
    const struct sm_dissector *dis; /* NULL until the first payload byte */
    bool ended : 1;
    bool start_seen[2];    /* the direction's SYN was captured */
    bool no_dissector : 1; /* the stream began before the capture: not dissected */
    /* The dissector's state (dis->state_size bytes) when dis is set. */
    _Alignas(max_align_t) unsigned char state[];
};

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
static struct sm_stream *sm_stream_get(struct sm_flow *f)
{
    if (!f->stream) {
        f->stream = calloc(1, sizeof(struct sm_stream));
        if (!f->stream)
            return NULL;
        sm_reasm_init(&f->stream->reasm);
        for (int d = 0; d < 2; d++) {
            if (f->side[d].isn_known) {
                f->stream->start_seen[d] = true;
                sm_reasm_start(&f->stream->reasm, d, f->side[d].isn + 1);
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
    if (!s || s->ended)
        return;

    if (p->flags & SM_TH_SYN) {
        s->start_seen[dir] = true;
        sm_reasm_start(&s->reasm, dir, p->seq + 1);
        if (!has_data)
            return;
    }
    uint32_t data_seq = p->seq + ((p->flags & SM_TH_SYN) ? 1u : 0u);
    /* A stream whose beginning was not captured (the capture started
     * mid-connection) is not dissected: its middle is encrypted, and read
     * as lines it would look like another protocol. */
    if (has_data && !s->dis && !s->no_dissector && !s->start_seen[dir])
        s->no_dissector = true;
    if (has_data && !s->dis && !s->no_dissector && p->payload_cap > 0) {
        bool more;
        const struct sm_dissector *dis =
                sm_dissector_select(p->payload, p->payload_cap, true, &more);
        /* The state goes after the stream: the block grows (and may move;
         * nothing points into it but the flow). Without memory, no
         * dissector, as before. */
        struct sm_stream *ns = dis ? realloc(s, sizeof(*s) + dis->state_size) : NULL;
        if (ns) {
            s = f->stream = ns;
            memset(s->state, 0, dis->state_size);
            s->dis = dis;
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
    if (!s || s->ended)
        return;
    struct sm_reasm_sink sink = sm_stream_sink(s);
    for (int d = 0; d < 2; d++) {
        sm_reasm_close(&s->reasm, d, &sink);
        if (s->dis && s->dis->eof && (f->side[d].fin_seen || f->side[d].rst_seen))
            s->dis->eof(s->state, d);
    }
    s->ended = true;
}

void sm_stream_free(struct sm_flow *f)
{
    struct sm_stream *s = f->stream;
    if (!s)
        return;
    sm_reasm_fini(&s->reasm);
    if (s->dis)
        s->dis->state_fini(s->state);
    free(s);
    f->stream = NULL;
}

void sm_stream_facts(const struct sm_flow *f, struct sm_app_facts *out)
{
    memset(out, 0, sizeof(*out));
    out->auth_success = -1;
    out->disconnect_dir = -1;
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

void sm_stream_describe(const struct sm_flow *f, struct sm_writer *w)
{
    const struct sm_stream *s = f->stream;
    if (s && s->dis && s->dis->describe)
        s->dis->describe(s->state, w);
    else
        w->ops->null(w, "ssh");
}
