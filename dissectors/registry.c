/* SPDX-License-Identifier: MIT */
/* summary: the static table of dissectors; adding a protocol is one file
 * plus one line here. */
#include "config.h"
#include "dissector.h"

#include "ssh.h"

static const struct sm_dissector *const sm_dissectors[] = {
    &sm_ssh_dissector,
    NULL,
};

const struct sm_dissector *sm_dissector_select(const uint8_t *p, size_t n, bool on_port, bool *more)
{
    *more = false;
    for (size_t i = 0; sm_dissectors[i]; i++) {
        int r = sm_dissectors[i]->probe(p, n, on_port);
        if (r > 0)
            return sm_dissectors[i];
        if (r < 0)
            *more = true;
    }
    if (*more)
        return NULL;
    /* Nothing claimed the bytes: on a configured port the first dissector
     * still runs, to say what the peer spoke instead. */
    return on_port ? sm_dissectors[0] : NULL;
}
