/* SPDX-License-Identifier: MIT */
/* summary: Community ID v1: SHA-1 over seed, ordered addresses, protocol, a
 * pad byte and ports, base64-encoded, via OpenSSL's libcrypto. */
#include "config.h"
#include "community_id.h"

#include <openssl/evp.h>
#include <string.h>

#include "digest.h"

int sm_community_id(uint16_t seed, uint8_t ip_version, const struct sm_addr *a, uint16_t pa,
                    const struct sm_addr *b, uint16_t pb, uint8_t proto, char *out, size_t outlen)
{
    uint8_t buf[2 + 16 + 16 + 2 + 4];
    uint8_t digest[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    size_t alen = ip_version == 6 ? 16 : 4;
    size_t n = 0;

    if (outlen < SM_COMMUNITY_ID_LEN)
        return -1;
    /* Order: the numerically smaller address first; ports break ties only
     * between equal addresses (is_lt() in the reference community-id.py). */
    int c = memcmp(a->b, b->b, alen);
    if (c > 0 || (c == 0 && pa > pb)) {
        const struct sm_addr *ta = a;
        uint16_t tp = pa;
        a = b;
        pa = pb;
        b = ta;
        pb = tp;
    }
    buf[n++] = (uint8_t)(seed >> 8);
    buf[n++] = (uint8_t)seed;
    memcpy(buf + n, a->b, alen);
    n += alen;
    memcpy(buf + n, b->b, alen);
    n += alen;
    buf[n++] = proto;
    buf[n++] = 0; /* padding */
    buf[n++] = (uint8_t)(pa >> 8);
    buf[n++] = (uint8_t)pa;
    buf[n++] = (uint8_t)(pb >> 8);
    buf[n++] = (uint8_t)pb;

    const EVP_MD *sha1 = sm_md_get(SM_MD_SHA1);
    if (!sha1 || !EVP_Digest(buf, n, digest, &dlen, sha1, NULL) || dlen != 20)
        return -1;
    memcpy(out, "1:", 2);
    /* EVP_EncodeBlock writes 28 characters and a NUL for 20 bytes. */
    EVP_EncodeBlock((unsigned char *)out + 2, digest, (int)dlen);
    return 0;
}
