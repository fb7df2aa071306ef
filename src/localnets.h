/* SPDX-License-Identifier: MIT */
/* summary: the site's own networks (--local-nets, as Zeek's Site::local_nets)
 * and the direction of a connection relative to them. */
#ifndef SM_LOCALNETS_H
#define SM_LOCALNETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "sm_limits.h"

struct sm_localnet {
    uint8_t ip_version; /* 4 or 6 */
    uint8_t prefix_len;
    struct sm_addr net; /* bits past prefix_len are zero */
};

struct sm_localnets {
    size_t n;
    struct sm_localnet net[SM_MAX_LOCAL_NETS];
};

/* The direction of a connection: where its originator (the client, which
 * sent the SYN) and its responder (the server) are. Zeek's terms: inbound
 * from outside to a local server, outbound from a local client to the
 * outside, internal both local, external neither. */
enum sm_direction {
    SM_DIRECTION_NONE = 0, /* no --local-nets: not said */
    SM_DIRECTION_INBOUND,
    SM_DIRECTION_OUTBOUND,
    SM_DIRECTION_INTERNAL,
    SM_DIRECTION_EXTERNAL
};

/* Parses "CIDR,CIDR,..." (IPv4 a.b.c.d/n, IPv6 x::y/n; a bare address is a
 * /32 or /128) into ln. Host bits set after the prefix are a mistake the
 * user should hear of (Zeek and ipcalc refuse them too). On failure false,
 * with a one-line reason in err. */
bool sm_localnets_parse(struct sm_localnets *ln, const char *list, char *err, size_t errlen);
/* Whether address a of IP version v lies in one of the networks. */
bool sm_localnets_contains(const struct sm_localnets *ln, uint8_t v, const struct sm_addr *a);
/* The direction from the originator orig to the responder resp; NONE when
 * ln is NULL or empty. */
enum sm_direction sm_localnets_direction(const struct sm_localnets *ln, uint8_t v,
                                         const struct sm_addr *orig, const struct sm_addr *resp);
/* "inbound", "outbound", "internal", "external"; NULL for NONE. */
const char *sm_direction_name(enum sm_direction d);

#endif
