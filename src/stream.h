/* SPDX-License-Identifier: MIT */
/* summary: a connection's application stream: feeds each direction's
 * payload through the reassembler into the dissector chosen for it, and
 * answers the classifier's and the event's questions about it. */
#ifndef SM_STREAM_H
#define SM_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "decode.h"
#include "dissector.h"

struct sm_flow;
struct sm_writer;
struct sm_stream;

/* One TCP segment of direction dir (0 initiator, 1 responder) of flow f,
 * after the flow table accounted it. Allocates f's stream state lazily. */
void sm_stream_packet(struct sm_flow *f, int dir, const struct sm_pkt *p);
/* A cache hint: the flow's stream state, for a packet that comes soon
 * (engine.c's look-ahead). Changes nothing. */
void sm_stream_prefetch(const struct sm_flow *f);
/* The connection is over: flush holes and tell the dissector. */
void sm_stream_end(struct sm_flow *f);
/* Releases f's stream state; f->stream becomes NULL. */
void sm_stream_free(struct sm_flow *f);

/* Facts for the classifier; zeroed (dissected=false) without a stream. */
void sm_stream_facts(const struct sm_flow *f, struct sm_app_facts *out);
/* Byte counts of the reassembler, per direction. */
struct sm_stream_loss {
    uint64_t capture_loss[2];
    uint64_t network_loss[2];
    uint64_t overlap_conflicts[2];
};
void sm_stream_loss(const struct sm_flow *f, struct sm_stream_loss *out);
/* Writes the dissector's section ("ssh": null when there is none). */
void sm_stream_describe(const struct sm_flow *f, struct sm_writer *w, unsigned trim);

#endif
