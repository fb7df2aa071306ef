/* SPDX-License-Identifier: MIT */
/* summary: Community ID flow hash v1 (corelight/community-id-spec) for TCP. */
#ifndef SM_COMMUNITY_ID_H
#define SM_COMMUNITY_ID_H

#include <stddef.h>
#include <stdint.h>

#include "decode.h"

/* "1:" + base64(SHA-1) is 30 characters; out needs at least 31 bytes. */
#define SM_COMMUNITY_ID_LEN 31

/* Writes the Community ID of a flow between (a, pa) and (b, pb) over IP
 * protocol proto; the endpoints are ordered as the specification says, so
 * either direction gives the same ID. Returns 0, or -1 if out is too small or
 * hashing failed. */
int sm_community_id(uint16_t seed, uint8_t ip_version, const struct sm_addr *a, uint16_t pa,
                    const struct sm_addr *b, uint16_t pb, uint8_t proto, char *out, size_t outlen);

#endif
