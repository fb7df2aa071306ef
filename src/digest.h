/* SPDX-License-Identifier: MIT */
/* summary: the message digests sshmortem uses (SHA-1 for Community ID,
 * SHA-256 for host key fingerprints, MD5 for HASSH), from libcrypto. */
#ifndef SM_DIGEST_H
#define SM_DIGEST_H

#include <openssl/evp.h>

enum sm_md {
    SM_MD_SHA1,
    SM_MD_SHA256,
    SM_MD_MD5,
};

/* The algorithm, fetched from libcrypto's default provider once per
 * process (thread-safe): OpenSSL 3's EVP_sha1() and friends make every EVP_Digest call
 * look the implementation up again (about 4,000 instructions, more than
 * hashing 40 bytes). NULL when libcrypto has no such algorithm. */
const EVP_MD *sm_md_get(enum sm_md which);

#endif
