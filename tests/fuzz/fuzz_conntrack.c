/* SPDX-License-Identifier: MIT */
/* summary: libFuzzer target for the conntrack netlink parsers
 * (src/conntrack.c): the bytes as one read from the event socket (the
 * framing, through the cursor) and as a statistics reply. The messages are
 * not handed to libnetfilter_conntrack here: it exit()s on attributes that
 * break the kernel ABI it expects (__abi_breakage), so sshmortem gives it
 * only the kernel's own messages (sm_ct_read checks the sender), and the
 * unit tests run it on recorded ones. */
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
    (void)sm_ct_parse_buffer(data, size, 1, false, sm_fuzz_ct_event, NULL, &cnt);
    if (cnt.events != 0)
        abort(); /* nothing is decoded without the library */
    struct sm_ct_stats st = { 0 };
    (void)sm_ct_parse_stats(data, size, &st);
    return 0;
}
