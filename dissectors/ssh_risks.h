/* SPDX-License-Identifier: MIT */
/* summary: the SSH risk table (ssh.risks in the event, doc/events.md): which
 * announced versions and negotiated algorithms are weak, each entry with its
 * source. Pure functions over borrowed bytes: no connection state, so the
 * table can be tested and fuzzed on its own. */
#ifndef SM_SSH_RISKS_H
#define SM_SSH_RISKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"

/* More than the table can ever yield (each flag at most once). */
#define SM_SSH_RISKS_MAX 48

/* What the risks are judged on. Sides are SSH roles: [0] the client, [1]
 * the server. Directions: [0] client to server, [1] server to client. A
 * view with p NULL was not seen (or no algorithm was common). */
struct sm_ssh_risk_input {
    struct sm_bytes proto[2];    /* "2.0", "1.99", "1.5" */
    struct sm_bytes software[2]; /* "OpenSSH_9.6p1" */
    bool negotiated;             /* both KEXINITs seen: the algorithms below count */
    struct sm_bytes kex, host_key;
    struct sm_bytes cipher[2], mac[2];
    struct sm_bytes host_key_type; /* the key blob's own type, from the KEX reply */
    bool terrapin_exposed;         /* as ssh.terrapin.exposed says */
    bool unlisted_port;            /* found by content on a port nobody listed (-p auto) */
};

/* The flags that apply, each once, in table order, into out (room for
 * SM_SSH_RISKS_MAX); returns how many. The names are static strings. */
size_t sm_ssh_risks(const struct sm_ssh_risk_input *in, const char **out);

/* Every name sm_ssh_risks() can return, each once, in table order, into
 * out (room for SM_SSH_RISKS_MAX); returns how many. For tests and the
 * schema's enum. */
size_t sm_ssh_risk_names(const char **out);

/* An OpenSSH release from a software version ("OpenSSH_9.6p1",
 * "OpenSSH_6.6.1p1", "OpenSSH_9.7" of OpenBSD), as one comparable number:
 * major, minor, micro and portable release in one byte each. False when the
 * string is not OpenSSH's or its numbers are out of range. */
bool sm_ssh_openssh_release(struct sm_bytes software, uint32_t *rel, bool *portable);

#define SM_SSH_REL(maj, min, micro, p)                                                             \
    (((uint32_t)(maj) << 24) | ((uint32_t)(min) << 16) | ((uint32_t)(micro) << 8) | (uint32_t)(p))

#endif
