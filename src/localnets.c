/* SPDX-License-Identifier: MIT */
/* summary: --local-nets parsing (inet_pton) and prefix matching. */
#include "config.h"
#include "localnets.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One CIDR, already cut out of the list (len bytes at s, not terminated). */
static bool sm_localnet_parse_one(struct sm_localnet *out, const char *s, size_t len, char *err,
                                  size_t errlen)
{
    char buf[INET6_ADDRSTRLEN + 8];
    if (len == 0 || len >= sizeof(buf)) {
        if (len == 0)
            snprintf(err, errlen, "an empty entry in the list");
        else
            snprintf(err, errlen, "'%.64s...' is too long for an address/prefix", s);
        return false;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *slash = strchr(buf, '/');
    if (slash)
        *slash = '\0';
    memset(out, 0, sizeof(*out));
    unsigned max;
    if (inet_pton(AF_INET, buf, out->net.b) == 1) {
        out->ip_version = 4;
        max = 32;
    } else if (inet_pton(AF_INET6, buf, out->net.b) == 1) {
        out->ip_version = 6;
        max = 128;
    } else {
        snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address", buf);
        return false;
    }
    unsigned plen = max;
    if (slash) {
        const char *p = slash + 1;
        char *end;
        unsigned long v = strtoul(p, &end, 10);
        if (*p < '0' || *p > '9' || *end || v > max || end - p > 3) {
            snprintf(err, errlen, "'/%s' is not a prefix length of 0 to %u", p, max);
            return false;
        }
        plen = (unsigned)v;
    }
    out->prefix_len = (uint8_t)plen;
    /* Host bits after the prefix: 192.0.2.1/24 is probably a typo for a
     * host or for 192.0.2.0/24; say so rather than guess. */
    for (unsigned bit = plen; bit < max; bit++)
        if (out->net.b[bit / 8] & (0x80u >> (bit % 8))) {
            if (slash)
                *slash = '/';
            snprintf(err, errlen, "'%s' has host bits set after the prefix", buf);
            return false;
        }
    return true;
}

bool sm_localnets_parse(struct sm_localnets *ln, const char *list, char *err, size_t errlen)
{
    memset(ln, 0, sizeof(*ln));
    const char *p = list;
    for (;;) {
        size_t len = strcspn(p, ",");
        if (ln->n >= SM_MAX_LOCAL_NETS) {
            snprintf(err, errlen, "more than %d networks", SM_MAX_LOCAL_NETS);
            return false;
        }
        if (!sm_localnet_parse_one(&ln->net[ln->n], p, len, err, errlen))
            return false;
        ln->n++;
        if (p[len] == '\0')
            return true;
        p += len + 1;
    }
}

static bool sm_prefix_match(const struct sm_localnet *n, const struct sm_addr *a)
{
    unsigned full = n->prefix_len / 8, rest = n->prefix_len % 8;
    if (memcmp(n->net.b, a->b, full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xffu << (8 - rest));
    return (a->b[full] & mask) == n->net.b[full];
}

bool sm_localnets_contains(const struct sm_localnets *ln, uint8_t v, const struct sm_addr *a)
{
    for (size_t i = 0; i < ln->n; i++)
        if (ln->net[i].ip_version == v && sm_prefix_match(&ln->net[i], a))
            return true;
    return false;
}

enum sm_direction sm_localnets_direction(const struct sm_localnets *ln, uint8_t v,
                                         const struct sm_addr *orig, const struct sm_addr *resp)
{
    if (!ln || ln->n == 0)
        return SM_DIRECTION_NONE;
    bool lo = sm_localnets_contains(ln, v, orig), lr = sm_localnets_contains(ln, v, resp);
    if (lo && lr)
        return SM_DIRECTION_INTERNAL;
    if (lo)
        return SM_DIRECTION_OUTBOUND;
    if (lr)
        return SM_DIRECTION_INBOUND;
    return SM_DIRECTION_EXTERNAL;
}

const char *sm_direction_name(enum sm_direction d)
{
    switch (d) {
    case SM_DIRECTION_INBOUND:
        return "inbound";
    case SM_DIRECTION_OUTBOUND:
        return "outbound";
    case SM_DIRECTION_INTERNAL:
        return "internal";
    case SM_DIRECTION_EXTERNAL:
        return "external";
    case SM_DIRECTION_NONE:
        break;
    }
    return NULL;
}
