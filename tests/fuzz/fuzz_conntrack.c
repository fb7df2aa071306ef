/* SPDX-License-Identifier: MIT */
/* summary: libFuzzer target for the conntrack netlink parsers
 * (src/conntrack.c): the bytes as one read from the event socket (framing
 * through the cursor, each message through libnetfilter_conntrack) and as
 * a statistics reply. Every event handed on must be TCP over IPv4/IPv6. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "conntrack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sm_fuzz_ct_event(void *ctx, const struct sm_ct_event *ev)
{
    (void)ctx;
    if (ev->ip_version != 4 && ev->ip_version != 6)
        abort();
    if (ev->type != SM_CT_NEW && ev->type != SM_CT_UPDATE && ev->type != SM_CT_DESTROY)
        abort();
    (void)sm_ct_state_name(ev->state);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sm_ct_counters cnt = { 0 };
    (void)sm_ct_parse_buffer(data, size, 1, sm_fuzz_ct_event, NULL, &cnt);
    struct sm_ct_stats st = { 0 };
    (void)sm_ct_parse_stats(data, size, &st);
    return 0;
}
