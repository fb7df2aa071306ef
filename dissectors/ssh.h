/* SPDX-License-Identifier: MIT */
/* summary: the SSH dissector: identification exchange, plaintext binary
 * packets up to NEWKEYS, and encrypted packet counting after it. */
#ifndef SM_SSH_H
#define SM_SSH_H

#include "dissector.h"

extern const struct sm_dissector sm_ssh_dissector;

#endif
