/* SPDX-License-Identifier: MIT */
/* summary: libcrypto message digests fetched once per process. */
#include "config.h"
#include "digest.h"

#include <openssl/opensslv.h>
#include <pthread.h>

#if OPENSSL_VERSION_NUMBER >= 0x30000000L
/* Fetched on first use and kept for the life of the process (libcrypto
 * frees its providers at exit; a fetched EVP_MD is a reference it owns). */
static EVP_MD *sm_md_cache[3];
static const char *const sm_md_names[3] = { "SHA1", "SHA256", "MD5" };
static pthread_once_t sm_md_once = PTHREAD_ONCE_INIT;

/* All three at once, once: two threads use them (the analysis hashes host
 * keys, the thread writing events Community IDs). */
static void sm_md_fetch_all(void)
{
    for (unsigned i = 0; i < 3; i++)
        sm_md_cache[i] = EVP_MD_fetch(NULL, sm_md_names[i], NULL);
}

const EVP_MD *sm_md_get(enum sm_md which)
{
    unsigned i = (unsigned)which;
    if (i >= 3)
        return NULL;
    pthread_once(&sm_md_once, sm_md_fetch_all);
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
