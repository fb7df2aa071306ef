/* SPDX-License-Identifier: MIT */
/* summary: libcrypto message digests fetched once per process. */
#include "config.h"
#include "digest.h"

#include <openssl/opensslv.h>

#if OPENSSL_VERSION_NUMBER >= 0x30000000L
/* Fetched on first use and kept for the life of the process (libcrypto
 * frees its providers at exit; a fetched EVP_MD is a reference it owns). */
static EVP_MD *sm_md_cache[3];
static const char *const sm_md_names[3] = { "SHA1", "SHA256", "MD5" };

const EVP_MD *sm_md_get(enum sm_md which)
{
    unsigned i = (unsigned)which;
    if (i >= 3)
        return NULL;
    if (!sm_md_cache[i])
        sm_md_cache[i] = EVP_MD_fetch(NULL, sm_md_names[i], NULL);
    return sm_md_cache[i];
}
#else
const EVP_MD *sm_md_get(enum sm_md which)
{
    switch (which) {
    case SM_MD_SHA1:
        return EVP_sha1();
    case SM_MD_SHA256:
        return EVP_sha256();
    case SM_MD_MD5:
        return EVP_md5();
    }
    return NULL;
}
#endif
